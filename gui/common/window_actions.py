"""A panel's keys that work anywhere in its window: a QAction with a window-wide shortcut."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def window_action(owner: QWidget, text: str, slot: Callable[[], None], key: str) -> QAction:
    """An action on ``owner`` running ``slot`` on ``key`` wherever the focus is in the window (a
    menu may list it too)."""
    action = QAction(text, owner)
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)
    owner.addAction(action)
    return action


def redo_keys() -> list[QKeySequence]:
    """Redo's keys everywhere: Ctrl+Shift+Z and Ctrl+Y (Audacity's and Windows' habit; Linux's
    standard Redo holds only the first), then the platform's own."""
    keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
    return keys + [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
                   if k not in keys]
