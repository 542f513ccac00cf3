"""Finding one's way in a long file: the overview strip (the whole file's pooled picture with the
visible range as a region to drag, as Audacity and AviaNZ show it), the range field, where a
range is typed in ("12.5-14", "1:05 1:10", or one time to go to), and the clip view plots' view
box (the wheel zooms time, Shift+wheel scrolls, drags pan unless a drag handler takes them)."""

from __future__ import annotations

import re
import weakref
from datetime import datetime

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QLineEdit, QToolTip, QVBoxLayout, QWidget

from gui.clips.view_ranges import clock_text

STRIP_HEIGHT_PX = 56
# Shift+wheel scrolls this share of the visible range per wheel notch (120 units).
_SCROLL_PER_NOTCH = 0.1
_REGION_BRUSH = (255, 255, 255, 45)
_REGION_PEN = "#f4f4f4"

# "12.5", "1:05.5", "1:02:03": seconds, minutes:seconds or hours:minutes:seconds.
_TIME = r"\d+(?::\d+){0,2}(?:\.\d*)?|\.\d+"
_RANGE = re.compile(rf"^\s*({_TIME})\s*(?:(?:-|–|—|to|\s)\s*({_TIME}))?\s*s?\s*$")


def parse_time_s(text: str) -> float:
    """Seconds of "12.5", "1:05.5" or "1:02:03.5"."""
    value = 0.0
    for part in text.split(":"):
        value = value * 60.0 + float(part)
    return value


def parse_range(text: str) -> tuple[float, float | None] | None:
    """(start_s, end_s) of a typed range ("12.5-14", "12.5–14.0 s", "12.5 14", "1:05 to 1:10"),
    (time_s, None) for a single time, or None when it is not one."""
    match = _RANGE.match(text.strip().lower())
    if match is None:
        return None
    start_s = parse_time_s(match.group(1))
    if match.group(2) is None:
        return start_s, None
    return start_s, parse_time_s(match.group(2))


def written_as_clock(text: str) -> bool:
    """Whether a typed range's times are all written h:mm:ss ("22:15:00-22:16:30"): on a
    recorder's clock, times of day. A range mixing forms ("22:15:00-30") is not: its end was
    taken for a time of day too, 30 s past midnight."""
    match = _RANGE.match(text.strip().lower())
    return match is not None and all(
        part.count(":") == 2 for part in match.groups() if part is not None)


def format_range(start_s: float, end_s: float, began: datetime | None = None) -> str:
    """"12.50–14.00 s": more decimals the narrower the range, so typing it back is exact enough.
    On a recorder's clock (``began``: when the file began, as the axis shows it) the times of
    day, "22:15:00–22:16:30" (to the second from 10 s wide), which typed back are read so."""
    width_s = end_s - start_s
    decimals = 3 if width_s < 1.0 else 2 if width_s < 100.0 else 1
    if began is None:
        return f"{start_s:.{decimals}f}–{end_s:.{decimals}f} s"
    decimals = 0 if width_s >= 10.0 else decimals
    return "–".join(clock_text(began, t, decimals) for t in (start_s, end_s))


# A line edit's text needs this much more than its own width: its frame and inner margins (the
# stylesheet's padding and Qt's 2 px each side).
_FRAME_PX = 24


class RangeEdit(QLineEdit):
    """Shows the visible range and takes a typed one: ``range_entered(start_s, end_s, clock)``
    (end_s is NaN for a single time: go there, keeping the width; ``clock``: written h:mm:ss,
    :func:`written_as_clock`). A range refused (:meth:`refuse`, in a slot of the signal) stays
    as typed, with the focus. Enter or Escape hands the keys back to the widget that had them
    (the clip list: Down steps through the clips again), as the filter box does."""

    range_entered = Signal(float, float, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RangeEdit")
        self.setPlaceholderText("start–end s")
        self.setToolTip("The time range on show. Type one (12.5-14, 1:05 1:10) or a time to go "
                        "to, then Enter (Ctrl+G). Where the axis shows a recorder's clock, a "
                        "time written h:mm:ss (22:15:00) is a time of day")
        self.setMaximumWidth(170)
        self._fit_text("0.000–10.000 s")
        self._shown = ""
        self._refused = False
        self._came_from: QWidget | None = None  # what had the keys before this box
        self.returnPressed.connect(self._on_return_pressed)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def show_range(self, start_s: float, end_s: float, began: datetime | None = None) -> None:
        """Show the range on view (on a recorder's clock: ``began``, as the axis shows it),
        unless a person is typing one."""
        self._shown = format_range(start_s, end_s, began)
        self._fit_text(self._shown)
        if not self.hasFocus():
            self.setText(self._shown)

    def _fit_text(self, text: str) -> None:
        """Widen the box to show ``text`` whole ("3604.844–3605.156 s" was cut to its end);
        it never narrows, so it does not jump as the view moves."""
        margins = self.textMargins()
        needed = (self.fontMetrics().horizontalAdvance(text) + margins.left() + margins.right()
                  + _FRAME_PX)
        if needed > self.maximumWidth():
            self.setMaximumWidth(needed)
        if needed > self.minimumWidth():
            self.setMinimumWidth(needed)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.setText(self._shown)
            self._hand_back()
            return
        super().keyPressEvent(event)

    @Slot(object, object)
    def _on_focus_changed(self, old, new) -> None:
        if new is self and old is not None and old.window() is self.window():
            self._came_from = old

    def _hand_back(self) -> None:
        """Give the keys back to the widget that had them (it left nothing focused, and Down no
        longer stepped through the clips), or just let go of them."""
        came_from, self._came_from = self._came_from, None
        if came_from is not None and shiboken6.isValid(came_from) and came_from.isVisible():
            came_from.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.clearFocus()

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.setText(self._shown)

    def refuse(self, reason: str) -> None:
        """Keep the typed text, selected, and say why it was not taken."""
        self._refused = True
        self.setFocus()
        self.selectAll()
        QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), f"{self.text()}: {reason}",
                          self)

    @Slot()
    def _on_return_pressed(self) -> None:
        parsed = parse_range(self.text())
        if parsed is None:
            self.selectAll()
            return
        start_s, end_s = parsed
        self._refused = False
        self.range_entered.emit(start_s, float("nan") if end_s is None else end_s,
                                written_as_clock(self.text()))
        if not self._refused:
            self._hand_back()


class OverviewStrip(QWidget):
    """The whole file's overview with the visible range as a region. Dragging the region (or its
    edges) or clicking beside it asks for a range: ``range_requested(start_s, end_s)``;
    ``set_visible_range`` makes the region follow the view without asking back."""

    range_requested = Signal(float, float)

    def __init__(self, left_margin_px: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._duration_s = 0.0
        self._following = False
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # plots: the keys act on the window
        self.graphics.ci.layout.setContentsMargins(left_margin_px, 2, 8, 2)
        self.graphics.setFixedHeight(STRIP_HEIGHT_PX)
        self.plot = self.graphics.addPlot()
        for name in ("left", "bottom"):
            self.plot.hideAxis(name)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.vb.setDefaultPadding(0.0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.region = pg.LinearRegionItem(brush=_REGION_BRUSH,
                                          pen=pg.mkPen(_REGION_PEN, width=2))
        self.region.setZValue(10)
        self.plot.addItem(self.region, ignoreBounds=True)
        self.region.sigRegionChanged.connect(self._on_region_changed)
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def set_overview(self, db: np.ndarray, duration_s: float, max_freq_hz: float,
                     levels: tuple[float, float]) -> None:
        """Draw a whole file's overview (a dB image (n_rows, n_columns), row 0 the lowest)."""
        self._duration_s = max(float(duration_s), 1e-3)
        self.image.setImage(db, levels=levels, autoLevels=False)
        self.image.setRect(0.0, 0.0, self._duration_s, max_freq_hz)
        self.plot.setLimits(xMin=0.0, xMax=self._duration_s, yMin=0.0, yMax=max_freq_hz)
        self.plot.setRange(xRange=(0.0, self._duration_s), yRange=(0.0, max_freq_hz),
                           padding=0)
        self.region.setBounds((0.0, self._duration_s))

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.image.setLevels(levels)

    def set_colour_map(self, colour_map: pg.ColorMap) -> None:
        self.image.setColorMap(colour_map)

    def clear(self) -> None:
        self.image.clear()
        self._duration_s = 0.0

    def set_visible_range(self, start_s: float, end_s: float) -> None:
        """Move the region to the view's range (no ``range_requested``)."""
        self._following = True
        try:
            self.region.setRegion((start_s, end_s))
        finally:
            self._following = False

    def visible_range(self) -> tuple[float, float]:
        start_s, end_s = self.region.getRegion()
        return float(start_s), float(end_s)

    @Slot()
    def _on_region_changed(self, *_args) -> None:
        if not self._following and self._duration_s > 0:
            self.range_requested.emit(*self.visible_range())

    def _on_scene_clicked(self, event) -> None:
        if self._duration_s <= 0 or event.button() != Qt.MouseButton.LeftButton:
            return
        if not self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        # Centre the range on the click, keeping its width.
        centre_s = self.plot.vb.mapSceneToView(event.scenePos()).x()
        start_s, end_s = self.visible_range()
        half_s = (end_s - start_s) / 2.0
        self.range_requested.emit(centre_s - half_s, centre_s + half_s)


class TimeViewBox(pg.ViewBox):
    """A clip view plot's view box (``view`` a ClipView): time only. A left drag goes to the
    view's ``drag_handler`` first (it may consume it, to draw a region); any drag it leaves, and
    every right or middle drag, pans time. The wheel zooms time about the cursor; Shift+wheel
    (or a sideways wheel) scrolls; Ctrl+wheel over the spectrogram zooms its frequencies about
    the cursor, over the waveform its amplitude."""

    def __init__(self, view) -> None:
        super().__init__()
        self._view = weakref.ref(view)  # the view owns its plots, not the other way round
        self.plot: pg.PlotItem | None = None  # set once the plot holding it exists

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph override
        view = self._view()
        handler = view.drag_handler if view is not None else None
        if (ev.button() == Qt.MouseButton.LeftButton and handler is not None
                and handler(ev, self.plot)):
            ev.accept()
            return
        ev.accept()
        delta_s = self.mapToView(ev.lastPos()).x() - self.mapToView(ev.pos()).x()
        self._resetTarget()
        self.translateBy(x=delta_s)

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph override
        sideways = ev.orientation() == Qt.Orientation.Horizontal
        if sideways or ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.accept()
            view = self._view()
            if view is not None:
                view.scroll_by(-ev.delta() / 120.0 * _SCROLL_PER_NOTCH)
            return
        view = self._view()
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier and view is not None \
                and self.plot in (view.spec_plot, view.wave_plot):
            ev.accept()
            # As pyqtgraph zooms time: a notch up shows about a quarter less.
            factor = 1.02 ** (ev.delta() * self.state["wheelScaleFactor"])
            view.zoom_height_by(self.plot, factor, self.mapToView(ev.pos()).y())
            return
        super().wheelEvent(ev, axis=0)
