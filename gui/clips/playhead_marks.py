"""Marking while listening: M at a call's start and M again at its end make a region of the span
between, as Audacity's labels at the playback position and Raven Pro's selections made during
playback do. Between the two presses the span grows with the playhead, drawn dashed on both
plots; it works paused too (M, seek, M). The new region is selected, so a class key labels it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from gui.common.time_text import format_time

#: A mark shorter than this (M twice at one place) is no region: the mark is dropped.
MIN_MARK_S = 0.01


class PlayheadMarker(QObject):
    """Turns two presses of the Mark key into a region of ``overlay`` (a RegionOverlay) between
    the ``playback`` positions at each. ``status(text)`` says what a press did, in words."""

    status = Signal(str)

    def __init__(self, view: Any, playback: Any, selection: Any, overlay: Any,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view, self._playback, self._overlay = view, playback, overlay
        self._start_s: float | None = None
        self._drafts: list[tuple[Any, Any]] = []  # (plot, item) while marking
        playback.position_changed.connect(self._follow)
        selection.clip_changed.connect(lambda _clip_id: self.cancel())

    @property
    def marking(self) -> bool:
        """Whether a mark has begun and waits for its end."""
        return self._start_s is not None

    @Slot()
    def mark(self) -> None:
        """Begin a mark at the playhead, or end the one begun and add its region."""
        if not self._overlay.can_draw():
            self.status.emit("Show a file first: M marks a region at the playhead")
            return
        now_s = self._playback.position_s
        if self._start_s is None:
            self._start_s = now_s
            self._drafts = [(plot, self._overlay.make_draft_item(plot))
                            for plot in (self._view.wave_plot, self._view.spec_plot)]
            self._follow(now_s)
            self.status.emit(f"Marking from {format_time(now_s)}: press M again at its end")
            return
        begin_s, end_s = sorted((self._start_s, now_s))
        self.cancel()
        if end_s - begin_s < MIN_MARK_S:
            self.status.emit("No region marked: it ended where it began")
            return
        self._overlay.add_span(begin_s, end_s)

    @Slot()
    def cancel(self) -> None:
        """Drop a mark begun (another file is shown, or the mark ended)."""
        self._start_s = None
        for plot, item in self._drafts:
            plot.removeItem(item)
        self._drafts = []

    @Slot(float)
    def _follow(self, seconds: float) -> None:
        if self._start_s is None:
            return
        span = sorted((self._start_s, seconds))
        for _plot, item in self._drafts:
            item.setRegion(span)
