"""The pyqtgraph items a region is drawn with on the clip view (a span; a box on the
spectrogram, its edges' handles shown while selected), and the words and colours they share
with the region list and the Review tab."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

from core.audio.spans import score_words
from core.store.records import FOUND_SOURCES, UNREVIEWED
from gui.common.time_text import format_span

#: Unlabelled regions, and a class without a colour.
UNLABELLED_COLOUR = "#9aa0a6"


def is_model_event(record: Any) -> bool:
    """Whether ``record`` is a model's event no person has reviewed yet."""
    return getattr(record, "status", None) == UNREVIEWED


def score_text(record: Any) -> str:
    """A region's score as what it measures (``spans.score_words``), '' without one. An event a
    person accepted keeps what it scored when it was found."""
    found = getattr(record, "found", None)
    source, score = found if found else (record.source, getattr(record, "score", None))
    return "" if score is None else score_words(source, score)


def source_text(record: Any) -> str:
    """Who made a region: "manual", "import", "model", "loud", "similar"; an event a person
    accepted "similar ✓" (its tooltip says it in words: :func:`region_tooltip`)."""
    found_by = getattr(record, "found_by", None)
    return f"{found_by} \u2713" if found_by else record.source


#: After an event's score in its tooltip: what the score is, and who found the event.
_SCORE_WORDS = {"model": " by the model that found it",
                "loud": " above its band's background (Find Loud Events)",
                "similar": " with its template (Find Similar Calls)",
                "search": " (Find Loud Events or Find Similar Calls)"}


def region_tooltip(record: Any) -> str:
    """'dog: 1.00–2.00 s', the channel of a region on one, and for an event Earmark found who
    found it, its score and what the keys do."""
    tip = f"{record.label or 'Unlabelled'}: {format_span(record.begin_s, record.end_s)}"
    if getattr(record, "channel", None) is not None:
        tip += f" · on channel {record.channel + 1}"
    found = getattr(record, "found", None)
    if found and found[0] in FOUND_SOURCES and found[1] is not None:
        tip += f" · {score_text(record)}{_SCORE_WORDS[found[0]]}"
    if is_model_event(record):
        tip += " · not reviewed (Review tab: A accepts, R rejects)"
    elif found and getattr(record, "status", None) is None:
        tip += " · accepted"
    return tip


def brush(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


class BoxROI(pg.ROI):
    """A rectangle in seconds and hertz, filled, with a handle on each edge to resize it (shown
    while it is the selected region)."""

    region_id = -1  # the region it draws (-1: spare)

    def __init__(self, rect: QRectF, **kwargs) -> None:
        super().__init__((rect.left(), rect.top()), (rect.width(), rect.height()),
                         rotatable=False, **kwargs)
        for pos, centre in (([1, 0.5], [0, 0.5]), ([0, 0.5], [1, 0.5]),
                            ([0.5, 1], [0.5, 0]), ([0.5, 0], [0.5, 1])):
            self.addScaleHandle(pos, centre)
        self.fill = QColor(0, 0, 0, 0)

    def show_handles(self, shown: bool) -> None:
        """Handles on the selected box only, as Raven draws them: a view of many boxes stays
        readable (and paints faster); a click selects a box, then its edges can be dragged."""
        for handle in self.getHandles():
            handle.setVisible(shown)

    def paint(self, p, opt, widget) -> None:
        p.setBrush(self.fill)  # ROI.paint sets the pen and draws the rectangle with this brush
        super().paint(p, opt, widget)

    def rect(self) -> QRectF:
        """(begin_s, low_hz, width_s, height_hz) as it stands."""
        x, y = self.pos()
        w, h = self.size()
        return QRectF(x, y, w, h).normalized()

    def set_rect(self, rect: QRectF) -> None:
        self.setPos((rect.left(), rect.top()), update=False, finish=False)
        self.setSize((rect.width(), rect.height()), finish=False)


class SpanItem(pg.LinearRegionItem):
    """A time span whose body, dragged against the clip's start or end, stops there whole
    (pyqtgraph's clamps each edge on its own, which squeezes the span). With Shift held it lets
    the drag through to the plot, where Shift+drag draws a box, also over a span."""

    region_id = -1  # the region it draws (-1: spare)

    def hoverEvent(self, ev) -> None:
        if not ev.isExit() and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.setMouseHover(False)
            return
        super().hoverEvent(ev)

    def mouseDragEvent(self, ev) -> None:
        if not self.movable or ev.button() != Qt.MouseButton.LeftButton:
            return
        if ev.isStart() and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self.startPositions = [line.pos() for line in self.lines]  # a right click undoes
            self._start_s = [line.value() for line in self.lines]
            self._down_s = ev.buttonDownPos().x()
            self.moving = True
        if not self.moving:
            return
        lo, hi = self.lines[0].bounds()
        delta_s = ev.pos().x() - self._down_s
        if lo is not None:
            delta_s = max(delta_s, lo - min(self._start_s))
        if hi is not None:
            delta_s = min(delta_s, hi - max(self._start_s))
        self.blockLineSignal = True  # one change signal for both edges
        for line, start_s in zip(self.lines, self._start_s, strict=True):
            line.setValue(start_s + delta_s)
        self.prepareGeometryChange()
        self.blockLineSignal = False
        if ev.isFinish():
            self.moving = False
            self.sigRegionChangeFinished.emit(self)
        else:
            self.sigRegionChanged.emit(self)
