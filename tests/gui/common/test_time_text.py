"""Lengths of time as the window writes them."""

from __future__ import annotations

from gui.common.time_text import (
    clip_length_text,
    format_duration,
    format_position,
    format_span,
    format_time,
    span_decimals,
)


def test_the_player_clock_counts_minutes_seconds_and_tenths():
    assert format_time(0.0) == "0:00.0"
    assert format_time(1.23) == "0:01.2"
    assert format_time(65.04) == "1:05.0"
    assert format_time(59.97) == "1:00.0"
    assert format_time(7200.0) == "2:00:00.0" and format_time(3599.96) == "1:00:00.0"


def test_a_countdown_counts_hours_from_an_hour():
    assert format_duration(None) == "" and format_duration(-1.0) == ""
    assert format_duration(65.4) == "1:05" and format_duration(3599.4) == "59:59"
    assert format_duration(7200.0) == "2:00:00" and format_duration(3725.0) == "1:02:05"


def test_a_recordings_length_stays_short_enough_for_its_column():
    assert clip_length_text(None) == ""
    assert clip_length_text(0.64) == "0.64 s" and clip_length_text(59.99) == "59.99 s"
    # Two hours were "7200.00 s", which the column cut to "720...0 s".
    assert clip_length_text(59.996) == "1:00.0" and clip_length_text(600.0) == "10:00.0"
    assert clip_length_text(3599.9) == "59:59.9" and clip_length_text(3599.96) == "1:00:00"
    assert clip_length_text(7200.0) == "2:00:00"


def test_a_position_is_rounded_before_it_is_split_and_counts_hours():
    # Before: 119.996 s read "1:60.00", a region's end over a two-hour file "119:60.00".
    assert format_position(12.346) == "12.35" and format_position(12.346, unit=True) == "12.35 s"
    assert format_position(59.996) == "1:00.00" and format_position(119.996) == "2:00.00"
    assert format_position(305.2) == "5:05.20" and format_position(305.2, unit=True) == "5:05.20"
    assert format_position(7199.996) == "2:00:00.00" and format_position(3912.3) == "1:05:12.30"


def test_a_span_reads_as_the_region_list_writes_its_ends():
    assert format_span(1.0, 2.0) == "1.00–2.00 s"
    assert format_span(59.99, 60.2) == "59.99–1:00.20"
    # Past the first minute, as the Regions table shows the same event (28:44.00), not 1724.00 s.
    assert format_span(1724.0, 1724.3) == "28:44.00–28:44.30"
    assert format_span(3700.0, 3701.0) == "1:01:40.00–1:01:41.00"


def test_a_span_of_milliseconds_is_written_to_as_many_decimals_as_it_needs():
    """A bat's 3 ms call read "1.09–1.09 s" in the status bar and "1.09, 1.09" in the region
    list, its measured length "0.00 s"."""
    assert format_span(1.09, 1.093) == "1.090–1.093 s"
    assert format_span(2.0, 2.0015) == "2.0000–2.0015 s"
    assert format_span(1.0, 1.02) == "1.00–1.02 s"  # from 20 ms, hundredths as before
    assert format_span(125.09, 125.093) == "2:05.090–2:05.093"
    assert format_position(3912.3004, decimals=4) == "1:05:12.3004"
    assert span_decimals(0.003) == 3 and span_decimals(0.5) == 2 and span_decimals(0.0005) == 4
