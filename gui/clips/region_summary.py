"""RegionSummary: the regions without editable items, painted together by one item per plot.

A recording can hold thousands of regions; they are grouped by colour and band once per change,
and each paint clips them to the view, widens each to two pixels and merges overlapping ones in
numpy, so a night's overview draws a few hundred rectangles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter


class RegionSummary(pg.GraphicsObject):
    """Many regions in one item: translucent spans over the plot's height (boxes where they
    have a band), painted in one pass; it takes no mouse buttons, so clicks reach the plot."""

    def __init__(self) -> None:
        super().__init__()
        # Spans grouped by (fill, low, high), sorted by begin, as (fill, low, high, ids, begins_s,
        # ends_s): grouped once per change of the regions, so hiding the few with items and
        # painting over thousands of regions are done in numpy.
        self._all: list[tuple[QColor, Any, Any, np.ndarray, np.ndarray, np.ndarray]] = []
        self._groups: list[tuple[QColor, Any, Any, np.ndarray, np.ndarray]] = []  # those shown
        self._hidden: frozenset[int] = frozenset()
        self._extent_s: tuple[float, float] | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_spans(self, spans: list[tuple[int, float, float, Any, Any, QColor]]) -> None:
        """``spans``: (region_id, begin_s, end_s, low, high, fill); low None: the plot's full
        height. Those left out stay left out."""
        grouped: dict[tuple, tuple[QColor, list[tuple[float, float, int]]]] = {}
        for region_id, begin_s, end_s, low, high, fill in spans:
            grouped.setdefault((fill.rgba(), low, high), (fill, []))[1].append(
                (begin_s, end_s, region_id))
        self._all = []
        for (_, low, high), (fill, rows) in grouped.items():
            rows.sort()
            times = np.asarray([row[:2] for row in rows], dtype=np.float64)
            ids = np.asarray([row[2] for row in rows], dtype=np.int64)
            self._all.append((fill, low, high, ids, times[:, 0], times[:, 1]))
        self._show()

    def leave_out(self, region_ids: frozenset[int]) -> None:
        """Leave out ``region_ids`` (the regions drawn as items)."""
        if region_ids != self._hidden:
            self._hidden = region_ids
            self._show()

    def _show(self) -> None:
        self.prepareGeometryChange()
        hidden = np.fromiter(self._hidden, dtype=np.int64, count=len(self._hidden))
        self._groups = []
        for fill, low, high, ids, begins_s, ends_s in self._all:
            kept = ~np.isin(ids, hidden)
            if kept.any():
                self._groups.append((fill, low, high, begins_s[kept], ends_s[kept]))
        # Qt asks for the bounding rectangle many times a paint: its time extent is kept.
        self._extent_s = (min(g[3][0] for g in self._groups),
                          max(float(g[4].max()) for g in self._groups)) if self._groups else None
        self.update()

    def span_count(self) -> int:
        return sum(len(group[3]) for group in self._groups)

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().viewTransformChanged()  # forgets the cached view rectangle
        self.prepareGeometryChange()  # its height is the view's

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        view = self.viewRect()
        if view is None or self._extent_s is None:
            return QRectF()
        begin_s, end_s = self._extent_s
        return QRectF(begin_s, view.top(), end_s - begin_s, view.height()).normalized()

    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None:
            return
        left, right = view.left(), view.right()
        bottom, height = view.top(), view.height()
        # At least two pixels wide: zoomed out over a night, a call is far narrower than one.
        min_width_s = 2 * (self.pixelWidth() or 0.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for fill, low, high, begins_s, ends_s in self._groups:
            merged = merged_spans(begins_s, ends_s, left, right, min_width_s)
            if not len(merged):
                continue
            y, h = (bottom, height) if low is None else (low, high - low)
            p.setBrush(fill)
            p.drawRects([QRectF(b, y, e - b, h) for b, e in merged.tolist()])


def merged_spans(begins_s: np.ndarray, ends_s: np.ndarray, left_s: float, right_s: float,
                 min_width_s: float) -> np.ndarray:
    """The spans (sorted by begin) that reach into ``left_s..right_s``, each at least
    ``min_width_s`` long, overlapping ones merged: ``(n, 2)`` (begin_s, end_s). A night's overview
    draws a few hundred rectangles, not thousands, and overlaps do not darken."""
    stop = int(np.searchsorted(begins_s, right_s, side="right"))
    begins_s, ends_s = begins_s[:stop], np.maximum(ends_s[:stop], begins_s[:stop] + min_width_s)
    shown = ends_s >= left_s
    begins_s, ends_s = begins_s[shown], ends_s[shown]
    if not len(begins_s):
        return np.empty((0, 2))
    reach_s = np.maximum.accumulate(ends_s)  # the furthest end so far
    # A span starts a new rectangle where it begins after every earlier one has ended.
    first = np.flatnonzero(np.concatenate(([True], begins_s[1:] > reach_s[:-1])))
    last = np.concatenate((first[1:] - 1, [len(begins_s) - 1]))
    return np.stack((begins_s[first], reach_s[last]), axis=1)
