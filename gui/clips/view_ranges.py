"""The arithmetic of what the clip view shows: a range kept inside its limits, a range scaled
about a point (the wheel's zooms of time, of frequency and of amplitude), the range that shows a region
with some context, and the band the spectrogram shows when it is not the whole spectrum. Plain
numbers in and out, so the clip view, the region list and the Review tab share one rule."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from gui.common.time_text import clip_length_text

#: The narrowest frequency range a wheel zoom shows, as a share of the spectrogram's height
#: (1% of 8 kHz: 80 Hz); the smallest amplitude, as a share of the clip's peak (60 dB below it:
#: a faint call beside a loud one fills the waveform's height).
MIN_FREQUENCY_SHARE = 0.01
MIN_AMPLITUDE_SHARE = 0.001

#: A band shown counts as a band (to play alone) when it leaves out at least this share of the
#: spectrum: the whole spectrum, give or take the view's rounding, is not.
NARROWER_SHARE = 0.02

def zoomed_band(low: float, high: float, factor: float, centre: float | None,
                top: float) -> tuple[float, float]:
    """The frequencies ``low``..``high`` made ``factor`` times as wide about ``centre`` (see
    :func:`scaled`), within 0..``top`` and no narrower than MIN_FREQUENCY_SHARE of it."""
    return inside(*scaled(low, high, factor, centre), top, top * MIN_FREQUENCY_SHARE)


def zoomed_amplitude(high: float, factor: float, peak: float) -> float:
    """The waveform's half-height ``high`` made ``factor`` times as tall (below 1: zoom in),
    about 0: at most the clip's ``peak``, at least MIN_AMPLITUDE_SHARE of it."""
    return min(max(high * factor, peak * MIN_AMPLITUDE_SHARE), peak)


#: Seconds of context shown either side of a region one goes to, and at least this share of the
#: region's own length, so its neighbourhood is seen too; but at most this many times its
#: length, so a bat's 3 ms call is not a sliver of a second-wide view: 30 ms either side.
ZOOM_CONTEXT_S = 0.5
ZOOM_CONTEXT_SHARE = 0.25
ZOOM_CONTEXT_LENGTHS = 10.0


def inside(low: float, high: float, limit: float, min_width: float) -> tuple[float, float]:
    """``low``..``high`` (either order) made at least ``min_width`` wide (from ``low`` up), at
    most ``limit`` wide, and moved to lie within 0..``limit``."""
    low, high = sorted((float(low), float(high)))
    width = min(max(high - low, min_width), limit)
    low = min(max(low, 0.0), limit - width)
    return low, low + width


def scaled(low: float, high: float, factor: float,
           centre: float | None = None) -> tuple[float, float]:
    """``low``..``high`` made ``factor`` times as wide (below 1: zoom in) about ``centre`` (the
    middle when None; kept within the range), the centre staying at its place in it."""
    if centre is None:
        centre = (low + high) / 2.0
    centre = min(max(centre, low), high)
    return centre - (centre - low) * factor, centre + (high - centre) * factor


#: The span shown about a time typed to go to, where the view held most of the file.
GO_TO_WIDTH_S = 10.0


def go_to_width(view_width_s: float, duration_s: float) -> float:
    """The width of the view about a time a person typed to go to: the view's own, unless it
    holds over half the file (a night's recording opens whole, and a view that wide could not
    move there): then GO_TO_WIDTH_S, or a hundredth of a longer file, at most half of it."""
    if view_width_s <= duration_s / 2:
        return view_width_s
    return min(max(GO_TO_WIDTH_S, duration_s / 100), duration_s / 2)


def region_range(record: Any, duration_s: float) -> tuple[float, float]:
    """The time range that shows ``record`` (begin_s, end_s) with some context either side
    (ZOOM_CONTEXT_S, less for a region under 50 ms), within a clip of ``duration_s`` (0: not
    known)."""
    length_s = record.end_s - record.begin_s
    pad_s = (max(ZOOM_CONTEXT_SHARE * length_s, min(ZOOM_CONTEXT_S, ZOOM_CONTEXT_LENGTHS * length_s))
             if length_s > 0 else ZOOM_CONTEXT_S)  # a moment (a point in time) has no length
    end_s = record.end_s + pad_s
    if duration_s > 0:
        end_s = min(end_s, duration_s)
    return max(record.begin_s - pad_s, 0.0), end_s


def narrower_band(low_hz: float, high_hz: float, nyquist_hz: float) -> tuple[float, float] | None:
    """The part of ``low_hz..high_hz`` (a spectrogram's visible frequencies) within
    0..``nyquist_hz``, or None when that is (nearly) the whole spectrum."""
    low_hz, high_hz = max(float(low_hz), 0.0), min(float(high_hz), float(nyquist_hz))
    if high_hz <= low_hz or high_hz - low_hz >= (1 - NARROWER_SHARE) * nyquist_hz:
        return None
    return low_hz, high_hz


def seconds_of_day(when: datetime) -> float:
    """Seconds since the midnight before ``when``."""
    return when.hour * 3600.0 + when.minute * 60.0 + when.second + when.microsecond / 1e6


def clock_text(began: datetime, offset_s: float, decimals: int = 0) -> str:
    """The time of day ``offset_s`` after ``began`` on a recorder's clock, "22:15:00" (with
    ``decimals``, "22:15:00.25"), rounded to what is written, not cut (59.99999 s past a minute
    reads as the next minute), and past midnight wrapped: the axis's ticks and the range box
    alike."""
    seconds = round(seconds_of_day(began) + float(offset_s), decimals) % 86400.0
    hours, rest = divmod(seconds, 3600.0)
    minutes, rest = divmod(rest, 60.0)
    width = 2 + (decimals + 1 if decimals else 0)
    return f"{int(hours):02d}:{int(minutes):02d}:{rest:0{width}.{decimals}f}"


def from_clock(start_s: float, end_s: float, began: datetime | None,
               time_of_day: bool) -> tuple[float, float]:
    """A typed range (``end_s`` NaN for one time) in seconds from the file's start. Where the
    axis shows the recorder's clock (``began``: when the file began), a range written as times
    of day (``time_of_day``: h:mm:ss) is one: 22:02:21 on a file begun at 22:00:00 is 141 s in,
    05:30:00 on one begun at 19:00:00 the night before is 10.5 hours in (a time of day was
    taken for one only past the file's end, so a night's recording read it as hours from its
    start)."""
    if began is None or not time_of_day:
        return start_s, end_s
    began_s = seconds_of_day(began)

    def into_file(time_of_day_s: float) -> float:
        return (time_of_day_s - began_s) % 86400.0

    return into_file(start_s), end_s if math.isnan(end_s) else into_file(end_s)


def outside_text(duration_s: float, began: datetime | None, time_of_day: bool) -> str:
    """Why a typed time was refused: past the recording's end, or for a time of day on its
    clock, outside the hours it spans (21:59:00 on a file begun at 22:00:00 is before it,
    not past its end)."""
    if began is None or not time_of_day:
        return f"past the recording's end ({clip_length_text(duration_s)})"
    ended = began + timedelta(seconds=duration_s)
    return f"outside the recording ({began:%H:%M:%S}–{ended:%H:%M:%S})"
