"""Times as the window writes them: a clock on the player bar, a countdown while training, a
recording's length in the clip list, a region's ends."""

from __future__ import annotations


def format_time(seconds: float) -> str:
    """0:01.2 style (minutes:seconds.tenths), 1:00:00.0 from an hour."""
    tenths = int(round(max(seconds, 0.0) * 10))
    minutes, tenths = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    rest = f"{tenths // 10:02d}.{tenths % 10}"
    return f"{hours}:{minutes:02d}:{rest}" if hours else f"{minutes}:{rest}"


def format_duration(seconds: float | None) -> str:
    """'1:05' style, '2:00:00' from an hour; '' when unknown."""
    if seconds is None or seconds < 0:
        return ""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else \
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def clip_length_text(seconds: float | None) -> str:
    """A recording's length in a narrow column: '0.64 s' under a minute, '10:00.0' under an
    hour, '2:00:00' from an hour (7200.00 s, cut to fit, read as 720 s); '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 59.995:  # what rounds to 60.00 is a minute
        return f"{seconds:.2f} s"
    return format_time(seconds) if seconds < 3599.95 else format_duration(seconds)


def format_position(seconds: float, unit: bool = False, decimals: int = 2) -> str:
    """A time in a file to the hundredth (regions are drawn to them; ``decimals`` more for a
    span too short for them, see :func:`span_decimals`): '12.35' under a minute ('12.35 s'
    with ``unit``), '5:05.20' past it, '1:05:05.20' past an hour. Rounded before it is split,
    so 119.996 s reads 2:00.00, not 1:60.00."""
    per_s = 10 ** decimals
    units = int(round(max(seconds, 0.0) * per_s))
    if units < 60 * per_s:
        return f"{units / per_s:.{decimals}f}" + (" s" if unit else "")
    minutes, units = divmod(units, 60 * per_s)
    hours, minutes = divmod(minutes, 60)
    rest = f"{units // per_s:02d}.{units % per_s:0{decimals}d}"
    return f"{hours}:{minutes:02d}:{rest}" if hours else f"{minutes}:{rest}"


def span_decimals(length_s: float) -> int:
    """Decimals that show a span of ``length_s`` as one: hundredths from 20 ms, thousandths
    from 2 ms, else tenths of a millisecond (a bat's 3 ms call read '1.09–1.09 s')."""
    return 2 if length_s >= 0.02 else 3 if length_s >= 0.002 else 4


def format_span(begin_s: float, end_s: float) -> str:
    """A region's span as the region list writes its ends: '12.35–12.60 s' within the first
    minute, '28:44.00–28:44.30' past it (not '1724.00–1724.30 s' beside a table of 28:44.00),
    '1.090–1.093 s' for a call of milliseconds."""
    decimals = span_decimals(end_s - begin_s)
    return (f"{format_position(begin_s, decimals=decimals)}–"
            f"{format_position(end_s, unit=True, decimals=decimals)}")
