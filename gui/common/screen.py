"""The window and the screen: where there is room (the screen's available geometry) and keeping a
window inside it, whatever size it asked for or was saved with."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The room on ``widget``'s screen (the primary one when it has none yet), without the task
    bars and docks of the desktop."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_inside_screen(window: QWidget, width_px: int | None = None,
                      height_px: int | None = None) -> None:
    """Resize ``window`` to ``width_px`` x ``height_px`` (its current size when not given), no
    larger than the available geometry and no smaller than its minimum size allows, and move it
    so it lies wholly inside."""
    room = available_geometry(window)
    frame_w = window.frameGeometry().width() - window.geometry().width()
    frame_h = window.frameGeometry().height() - window.geometry().height()
    width_px = window.width() if width_px is None else width_px
    height_px = window.height() if height_px is None else height_px
    width_px = max(min(width_px, room.width() - frame_w), window.minimumWidth())
    height_px = max(min(height_px, room.height() - frame_h), window.minimumHeight())
    window.resize(width_px, height_px)
    frame = window.frameGeometry()
    x = min(max(frame.x(), room.left()), room.right() + 1 - frame.width())
    y = min(max(frame.y(), room.top()), room.bottom() + 1 - frame.height())
    window.move(max(x, room.left()), max(y, room.top()))
