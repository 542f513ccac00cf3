"""The clip view's range arithmetic: kept inside, scaled about a point, a region with context,
the band shown."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gui.clips.view_ranges import inside, narrower_band, region_range, scaled


def test_a_range_is_kept_inside_its_limit_and_at_least_its_width():
    assert inside(2.0, 5.0, 10.0, 0.1) == (2.0, 5.0)
    assert inside(5.0, 2.0, 10.0, 0.1) == (2.0, 5.0)  # either order
    assert inside(8.0, 12.0, 10.0, 0.1) == (6.0, 10.0)  # moved back inside, its width kept
    assert inside(-3.0, 1.0, 10.0, 0.1) == (0.0, 4.0)
    assert inside(-5.0, 50.0, 10.0, 0.1) == (0.0, 10.0)  # never wider than the limit
    assert inside(4.0, 4.0, 10.0, 0.5) == (4.0, 4.5)  # widened from its low end


def test_scaling_keeps_the_centre_at_its_place():
    assert scaled(0.0, 8000.0, 0.5, 1000.0) == (500.0, 4500.0)
    assert scaled(2.0, 6.0, 2.0) == (0.0, 8.0)  # about the middle
    assert scaled(2.0, 6.0, 0.5, 100.0) == (4.0, 6.0)  # a centre past the range: its end


def test_a_region_is_shown_with_context_within_its_clip():
    short = SimpleNamespace(begin_s=1.0, end_s=1.2)
    assert region_range(short, 10.0) == (pytest.approx(0.5), pytest.approx(1.7))
    long = SimpleNamespace(begin_s=4.0, end_s=8.0)  # a quarter of its length either side
    assert region_range(long, 8.5) == (3.0, 8.5)
    assert region_range(SimpleNamespace(begin_s=0.2, end_s=0.4), 0.0) == (0.0, pytest.approx(0.9))
    moment = SimpleNamespace(begin_s=3.0, end_s=3.0)  # a point in time: the usual context
    assert region_range(moment, 10.0) == (2.5, 3.5)


def test_a_call_of_milliseconds_is_shown_with_context_of_its_own_scale():
    """A bat's 3 ms call was shown in a 1.003 s view, a sliver a person had to zoom to see at
    every step: ten times its length either side, until that reaches half a second."""
    bat = SimpleNamespace(begin_s=2.0, end_s=2.003)
    assert region_range(bat, 10.0) == (pytest.approx(1.97), pytest.approx(2.033))
    chirp = SimpleNamespace(begin_s=2.0, end_s=2.02)  # 20 ms: 0.2 s either side
    assert region_range(chirp, 10.0) == (pytest.approx(1.8), pytest.approx(2.22))
    note = SimpleNamespace(begin_s=2.0, end_s=2.05)  # from 50 ms, half a second, as before
    assert region_range(note, 10.0) == (pytest.approx(1.5), pytest.approx(2.55))


def test_a_band_is_what_the_spectrogram_shows_when_not_the_whole_spectrum():
    assert narrower_band(500.0, 1500.0, 8000.0) == (500.0, 1500.0)
    assert narrower_band(-20.0, 9000.0, 8000.0) is None  # the whole, with the view's margins
    assert narrower_band(0.0, 7900.0, 8000.0) is None  # within the view's rounding of it
    assert narrower_band(0.0, 7000.0, 8000.0) == (0.0, 7000.0)
    assert narrower_band(6000.0, 20_000.0, 8000.0) == (6000.0, 8000.0)
    assert narrower_band(9000.0, 12_000.0, 8000.0) is None  # nothing of this file
