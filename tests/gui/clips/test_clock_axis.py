"""The clip view's time axis: seconds, or the time of day by a recorder's clock where a file's
name says when it began, its ticks on round times of day."""

from __future__ import annotations

from datetime import datetime

from gui.clips.clock_axis import CLOCK_LABEL, SECONDS_LABEL, ClockAxis
from gui.clips.overview_strip import format_range
from tests import audio_factory

LOAD_TIMEOUT_MS = 10_000


def _major_ticks(axis: ClockAxis, first_s: float, last_s: float, size_px: float = 600.0):
    spacing, values = axis.tickValues(first_s, last_s, size_px)[0]
    return spacing, values


def test_ticks_fall_on_round_times_of_day_and_read_as_clock_times(qtbot):
    axis = ClockAxis("bottom")
    axis.set_began(datetime(2026, 6, 1, 22, 0, 7))  # began 7 s past the minute
    spacing, values = _major_ticks(axis, 0.0, 3600.0)
    minutes = round(spacing) // 60
    assert minutes in (5, 10, 15) and values[0] == spacing - 7  # 22:05:00, or 22:10...
    assert axis.tickStrings(values[:2], 1.0, spacing) == [f"22:{minutes:02d}:00",
                                                          f"22:{2 * minutes:02d}:00"]
    spacing, values = _major_ticks(axis, 100.0, 103.0)  # three seconds: fractions
    assert spacing < 1 and axis.tickStrings([100.5], 1.0, spacing) == ["22:01:47.5"]
    assert axis.tickStrings([100.99999999], 1.0, 0.5) == ["22:01:48.0"]  # no second lost
    axis.set_began(None)
    assert axis.tickStrings([90.0], 1.0, 10.0) == ["90"]


def test_the_ticks_and_the_range_box_write_a_time_of_day_alike(qtbot):
    """One writer for both: a file begun at a fraction of a second, rounded alike, and past
    midnight wrapped (the box wrote its own before, from seconds since midnight)."""
    axis = ClockAxis("bottom")
    began = datetime(2026, 6, 1, 23, 59, 50, 750000)
    axis.set_began(began)
    for start_s, end_s in ((0.0, 40.0), (9.75, 69.75), (3600.0, 3700.0)):
        assert format_range(start_s, end_s, began) == "–".join(
            axis.tickStrings([start_s, end_s], 1.0, 10.0))
    assert format_range(9.7, 10.2, began).split("–")[0] == axis.tickStrings([9.7], 1.0, 0.001)[0]
    assert axis.tickStrings([0.0, 9.0], 1.0, 10.0) == ["23:59:51", "00:00:00"]  # rounded, not cut


def test_clock_labels_never_run_into_one_another_at_any_zoom(qtbot):
    # Before: at about a second in view, pyqtgraph's spacing for short numbers put "22:14:02.2"
    # labels on top of one another.
    from PySide6.QtGui import QFontMetrics

    axis = ClockAxis("bottom")
    axis.set_began(datetime(2026, 6, 1, 22, 0, 0))
    metrics = QFontMetrics(axis.font())
    for span_s in (0.05, 0.25, 1.0, 2.0, 4.0, 9.0, 10.0, 60.0, 600.0):
        for size_px in (300.0, 600.0, 1200.0):
            spacing, values = _major_ticks(axis, 840.0, 840.0 + span_s, size_px)
            assert len(values) >= 2 or span_s * size_px < 2000, (span_s, size_px)
            texts = axis.tickStrings(values, 1.0, spacing)
            assert len(set(texts)) == len(texts)  # no two ticks read alike
            step_px = spacing * size_px / span_s
            assert all(metrics.horizontalAdvance(t) + 8 <= step_px for t in texts), (
                span_s, size_px, spacing, texts)


def test_the_clip_view_labels_a_recorders_file_by_its_clock_and_can_be_told_not_to(
        qtbot, window, tmp_path):
    folder = tmp_path / "night"
    audio_factory.write(folder / "20260601_235950.wav", audio_factory.tone(440.0, 20.0))
    audio_factory.write(folder / "dawn.wav", audio_factory.tone(440.0, 1.0))
    from tests.gui.helpers import open_and_wait, show_row

    open_and_wait(qtbot, window, folder)
    axis = window.clip_view.time_axis

    def show(name):
        show_row(qtbot, window, next(r for r in range(window.model.rowCount())
                                     if window.model.record(r).path == name))

    show("20260601_235950.wav")
    assert axis.began == datetime(2026, 6, 1, 23, 59, 50)
    assert axis.labelText == CLOCK_LABEL
    assert axis.tickStrings([15.0], 1.0, 5.0) == ["00:00:05"]  # past midnight
    window.acts.time_of_day.setChecked(False)
    assert axis.began is None and axis.labelText == SECONDS_LABEL
    window.acts.time_of_day.setChecked(True)
    assert axis.began is not None
    show("dawn.wav")
    assert axis.began is None and axis.labelText == SECONDS_LABEL
