"""RegionSummary: the regions without editable items, painted together by one item per plot.

A recording can hold thousands of regions; they are grouped by colour, and sorted by band and
begin, once per change, and each paint clips them to the view, widens each to two pixels and
merges those of one band that overlap in numpy, so a night's overview draws a few hundred
rectangles. Grouped by colour and band, 5,000 boxes of a Raven table, each with its own band, made
5,000 groups, each filtered and painted in turn: a fifth of a second a step.
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
        # A group per colour: (fill, ids, begins_s, ends_s, bands, band_lows, band_highs), sorted
        # by band then begin; ``bands`` numbers each span's band (0, 1, ...), whose low and high
        # are ``band_lows[band]``, ``band_highs[band]`` (NaN: the plot's full height). Made once
        # per change of the regions, so hiding the few with items and painting over thousands
        # of regions are done in numpy.
        self._all: list[tuple] = []
        self._groups: list[tuple] = []  # the same, without the regions left out
        self._hidden: frozenset[int] = frozenset()
        self._extent_s: tuple[float, float] | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def set_spans(self, spans: list[tuple[int, float, float, Any, Any, QColor]]) -> None:
        """``spans``: (region_id, begin_s, end_s, low, high, fill); low None: the plot's full
        height. Those left out stay left out."""
        grouped: dict[int, tuple[QColor, list[tuple]]] = {}
        for region_id, begin_s, end_s, low, high, fill in spans:
            grouped.setdefault(fill.rgba(), (fill, []))[1].append((
                region_id, begin_s, end_s, np.nan if low is None else low,
                np.nan if low is None else high))
        self._all = []
        for fill, rows in grouped.values():
            ids, begins_s, ends_s, lows, highs = (np.asarray(column) for column in zip(*rows,
                                                                                   strict=True))
            # NaN sorts last and never equals itself: the full height keyed as -1 (no band is).
            low_key, high_key = np.nan_to_num(lows, nan=-1.0), np.nan_to_num(highs, nan=-1.0)
            order = np.lexsort((begins_s, high_key, low_key))
            low_key, high_key = low_key[order], high_key[order]
            starts = np.concatenate(([True], (low_key[1:] != low_key[:-1])
                                     | (high_key[1:] != high_key[:-1])))
            firsts = order[starts]
            self._all.append((fill, ids[order].astype(np.int64),
                              begins_s[order].astype(np.float64), ends_s[order].astype(np.float64),
                              np.cumsum(starts) - 1, lows[firsts].astype(np.float64),
                              highs[firsts].astype(np.float64)))
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
        for fill, ids, begins_s, ends_s, bands, lows, highs in self._all:
            kept = ~np.isin(ids, hidden)
            if kept.any():
                self._groups.append((fill, ids[kept], begins_s[kept], ends_s[kept], bands[kept],
                                     lows, highs))
        # Qt asks for the bounding rectangle many times a paint: its time extent is kept.
        self._extent_s = (min(float(g[2].min()) for g in self._groups),
                          max(float(g[3].max()) for g in self._groups)) if self._groups else None
        self.update()

    def span_count(self) -> int:
        return sum(len(group[1]) for group in self._groups)

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
        for fill, _ids, begins_s, ends_s, bands, lows, highs in self._groups:
            merged, band = merged_spans(begins_s, ends_s, bands, left, right, min_width_s)
            if not len(merged):
                continue
            full = np.isnan(lows[band])
            ys = np.where(full, bottom, lows[band])
            hs = np.where(full, height, highs[band] - lows[band])
            p.setBrush(fill)
            p.drawRects([QRectF(b, y, e - b, h) for (b, e), y, h
                         in zip(merged.tolist(), ys.tolist(), hs.tolist(), strict=True)])


def merged_spans(begins_s: np.ndarray, ends_s: np.ndarray, bands: np.ndarray, left_s: float,
                 right_s: float, min_width_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The spans (sorted by ``bands``, a number per span, then by begin) that reach into
    ``left_s..right_s``, each at least ``min_width_s`` long, overlapping ones of one band merged:
    the rectangles ``(n, 2)`` (begin_s, end_s) and the band of each. A night's overview draws a
    few hundred rectangles, not thousands, and overlaps do not darken."""
    ends_s = np.maximum(ends_s, begins_s + min_width_s)
    shown = (begins_s <= right_s) & (ends_s >= left_s) & np.isfinite(ends_s)
    begins_s, ends_s, bands = begins_s[shown], ends_s[shown], bands[shown]
    if not len(begins_s):
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    # The furthest end so far, within each band: each band lifted above every earlier one, so
    # one running maximum serves them all; the end is then taken from the span that set it
    # (subtracting the lift again rounded it, and spans that touch stayed apart).
    lift = (bands - bands[0]) * (float(ends_s.max() - begins_s.min()) + 1.0)
    lifted = ends_s + lift
    rising = lifted == np.maximum.accumulate(lifted)
    reach_s = ends_s[np.maximum.accumulate(np.where(rising, np.arange(len(lifted)), 0))]
    # A span starts a new rectangle where its band does, or where it begins after every earlier
    # one of its band has ended.
    first = np.flatnonzero(np.concatenate(([True], (bands[1:] != bands[:-1])
                                           | (begins_s[1:] > reach_s[:-1]))))
    last = np.concatenate((first[1:] - 1, [len(begins_s) - 1]))
    return np.stack((begins_s[first], reach_s[last]), axis=1), bands[first]
