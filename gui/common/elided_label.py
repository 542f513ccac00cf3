"""A one-line label that ends its text with "…" where it is cut, instead of at a letter."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy


def one_line(text: str) -> str:
    """``text`` as one line: each control character or line break (a newline or tab in a file's
    name, U+2028) shown as "?", as ``ls`` shows it, so a name never breaks a row or a title in
    two."""
    if text.isprintable():
        return text
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


class ElidedLabel(QLabel):
    """Shows as much of :meth:`full_text` as its width allows, "…" marking the cut; it takes the
    room it is given and asks for none (a layout's stretch decides). With
    :meth:`set_choices`, shorter versions of the text stand in, whole, before any is cut."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(parent)
        self._choices: tuple[str, ...] = ("",)
        self._tail = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self.set_choices(text)

    def set_choices(self, *texts: str, tail: str = "") -> None:
        """Show the first of ``texts`` (the fullest first) that fits whole, else the last one
        cut with "…" and followed by ``tail``, whole, where there is room for it."""
        self._choices = tuple(one_line(text) for text in texts) or ("",)
        self._tail = one_line(tail)
        self._elide()

    def full_text(self) -> str:
        return self._choices[0]

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        metrics = self.fontMetrics()
        fits = next((t for t in self._choices[:-1] if metrics.horizontalAdvance(t) <= width), None)
        if fits is None:
            tail = self._tail if metrics.horizontalAdvance("…" + self._tail) < width else ""
            fits = metrics.elidedText(self._choices[-1], Qt.TextElideMode.ElideRight,
                                      width - metrics.horizontalAdvance(tail)) + tail
        super().setText(fits)
