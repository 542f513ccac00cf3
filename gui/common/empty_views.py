"""Item views that say, in their empty middle, what would fill them (a filter that shows nothing,
a queue with nothing to review), where a blank area told a person nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QAbstractItemView, QListWidget

from gui.common.colours import MUTED_COLOUR


def paint_empty_text(view: QAbstractItemView, text: str) -> None:
    """Draw ``text`` in the middle of ``view``'s viewport, word-wrapped and muted, when it has
    no rows (call after the view's own paintEvent)."""
    if text and view.model() is not None and view.model().rowCount() == 0:
        painter = QPainter(view.viewport())
        painter.setPen(MUTED_COLOUR)
        painter.drawText(view.viewport().rect().adjusted(16, 16, -16, -16),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        painter.end()


class EmptyText:
    """Mixed into an item view (before it: ``class V(EmptyText, QTableView)``): it says
    ``empty_text()`` while it has no rows."""

    _empty_text = ""

    def set_empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            self.viewport().update()

    def empty_text(self) -> str:
        return self._empty_text

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        paint_empty_text(self, self._empty_text)


class EmptyTextList(EmptyText, QListWidget):
    """A list widget that says its ``empty_text()`` while it holds no item."""
