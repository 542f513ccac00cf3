"""The clip view's time axis: seconds into the file, or, for a recording whose name says when
it began (AudioMoth's 20260601_220000.wav), the time of day by its recorder's clock, as Raven and
AviaNZ show a field recording's ticks, on round minutes and hours."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from core.store.name_rules import recorded_at
from gui.clips.view_ranges import clock_text, seconds_of_day

SECONDS_LABEL = "Time (s)"
CLOCK_LABEL = "Time of day (recorder's clock)"
# Tick spacings a clock reads well, each with its minor spacing (s); finer than 10 s, pyqtgraph's
# own 1-2-5 steps, which round seconds share.
_CLOCK_STEPS_S = {10: 2, 15: 5, 30: 10, 60: 10, 120: 30, 300: 60, 600: 120, 900: 300,
                  1800: 300, 3600: 600, 7200: 1800, 10800: 3600, 21600: 3600, 43200: 10800}


# Finer spacings (s), pyqtgraph's 1-2-5 steps, each with its minor spacing.
_FINE_STEPS_S = {0.001: 0.0002, 0.002: 0.001, 0.005: 0.001, 0.01: 0.002, 0.02: 0.01, 0.05: 0.01,
                 0.1: 0.02, 0.2: 0.1, 0.5: 0.1, 1: 0.2, 2: 1, 5: 1}
_LABEL_GAP_PX = 16  # between two tick labels
_STEPS_S_MINOR = {**_FINE_STEPS_S, **_CLOCK_STEPS_S}
_STEPS_S = sorted(_STEPS_S_MINOR)


class ClockAxis(pg.AxisItem):
    """A bottom axis over seconds from a file's start. ``show_file(path)`` labels it by the time
    of day where the file's name says when it began (and the clock is on: ``set_enabled``);
    ``set_began(when)`` by the time of day from ``when`` on (None: seconds again)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._began: datetime | None = None
        self._path: Path | None = None
        self._enabled = True

    @property
    def began(self) -> datetime | None:
        return self._began

    def show_file(self, path: Path | None) -> None:
        """The axis of the file at ``path`` (None: none)."""
        self._path = None if path is None else Path(path)
        on = self._enabled and self._path is not None
        self.set_began(recorded_at(self._path.stem) if on else None)

    def set_enabled(self, on: bool) -> None:
        """Whether a file's time of day is shown where its name gives it (else seconds)."""
        self._enabled = bool(on)
        self.show_file(self._path)

    def set_began(self, began: datetime | None) -> None:
        if began == self._began:
            return
        self._began = began
        self.setLabel(SECONDS_LABEL if began is None else CLOCK_LABEL)
        self.picture = None  # pyqtgraph's cached drawing of the ticks
        self.update()

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        levels = super().tickSpacing(minVal, maxVal, size)
        if self._began is None or not levels:
            return levels
        # The widest spacing that still gives pyqtgraph's number of ticks for this length.
        widest = abs(maxVal - minVal) / max(2.25, 2.25 * self._tickDensity * math.sqrt(size / 300))
        if widest >= min(_CLOCK_STEPS_S):
            step = max((s for s in _CLOCK_STEPS_S if s <= widest), default=min(_CLOCK_STEPS_S))
        else:
            step = levels[0][0]  # pyqtgraph's 1-2-5 step
        if maxVal > minVal and size > 0:
            # pyqtgraph spaces its ticks for short numbers ("0.25"); a time of day
            # ("22:14:02.25") is four times as wide, and at a second's zoom the labels ran into
            # one another: the finest step from there whose labels fit side by side.
            px_per_s = size / (maxVal - minVal)
            step = next((s for s in _STEPS_S if s >= step
                         and s * px_per_s >= self._label_px(s) + _LABEL_GAP_PX), _STEPS_S[-1])
        levels = [(step, 0.0), (_STEPS_S_MINOR.get(step, step / 5), 0.0)][:len(levels)]
        # Ticks on round times of day: a file that began at 22:00:07 has its minute ticks at
        # 53 s, 113 s...
        day_s = seconds_of_day(self._began)
        return [(spacing, (-day_s) % spacing) for spacing, _ in levels]

    def _label_px(self, spacing: float) -> int:
        """The width of a tick's time of day at ``spacing`` ("22:14:02.5" at 0.5 s)."""
        font = self.style.get("tickFont") or self.font()
        return QFontMetrics(font).horizontalAdvance(self.tickStrings([0.0], 1.0, spacing)[0])

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if self._began is None:
            return super().tickStrings(values, scale, spacing)
        decimals = 0 if spacing >= 1 else min(3, math.ceil(-math.log10(spacing) - 1e-9))
        return [clock_text(self._began, value, decimals) for value in values]
