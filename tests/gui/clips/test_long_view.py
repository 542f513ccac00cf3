"""A long file in the clip view: its overview at once, the visible range computed at the plot's
resolution once it settles, the overview strip, the range field and the View menu's keys."""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from core.audio.overview import overview_cache_path
from gui.clips import clip_loader
from gui.clips.clip_view import ClipView
from gui.clips.overview_strip import format_range, parse_range, written_as_clock
from gui.clips.spectrogram_settings import SpectrogramSettings
from gui.clips.view_ranges import GO_TO_WIDTH_S, from_clock
from tests import audio_factory as af

RATE_HZ = 8000
LONG_S = 180.0
EVENT_S, EVENT_HZ = 95.0, 2000.0  # half a second of tone in faint noise
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def long_file(tmp_path_factory):
    samples = af.noise(LONG_S, RATE_HZ, amplitude=0.001)
    tone = af.tone(EVENT_HZ, 0.5, RATE_HZ, amplitude=0.8)
    samples[int(EVENT_S * RATE_HZ):][:len(tone)] += tone
    return af.write(tmp_path_factory.mktemp("long") / "long.wav", samples, RATE_HZ)


@pytest.fixture
def view(qtbot, tmp_path):
    widget = ClipView()
    qtbot.addWidget(widget)
    widget.set_cache_dir(tmp_path / "cache")
    widget.resize(900, 500)
    widget.show()
    yield widget
    widget.shutdown()


def show(qtbot, view, path):
    with qtbot.waitSignal(view.clip_shown, timeout=TIMEOUT_MS):
        view.show_clip(path)


def zoom_and_wait(qtbot, view, start_s, end_s):
    with qtbot.waitSignal(view.detail_shown, timeout=TIMEOUT_MS) as blocker:
        view.set_view_range(start_s, end_s)
    return blocker.args


def test_long_file_shows_its_cached_overview_and_the_strip(qtbot, view, long_file, tmp_path):
    show(qtbot, view, long_file)
    data = view.data
    assert data.overview is not None and data.duration_s == pytest.approx(LONG_S)
    assert view.spec_image.image.shape == data.overview.db.shape
    rect = view.spec_image.mapRectToParent(view.spec_image.boundingRect())
    assert rect.right() == pytest.approx(LONG_S)
    assert view.strip.isVisible() and view.range_edit.isVisible()
    assert view.strip.visible_range() == (pytest.approx(0.0), pytest.approx(LONG_S))
    assert overview_cache_path(long_file, tmp_path / "cache").is_file()
    assert view.detail_range() is None  # the whole file: the overview is as fine as the pixels


def test_short_clips_keep_the_whole_file_path(qtbot, view, make_audio, monkeypatch):
    asked = []
    monkeypatch.setattr(view._loader, "request_range", lambda *a: asked.append(a))
    show(qtbot, view, make_audio("short.wav", af.tone(440, 3.0, RATE_HZ), RATE_HZ))
    assert view.data.overview is None and not view.strip.isVisible()
    assert view.spec_image.image.shape[1] > 50  # its own spectrogram, not an overview
    with qtbot.waitSignal(view.view_range_changed, timeout=TIMEOUT_MS):
        view.set_view_range(1.0, 1.1)
    assert asked == [] and view.detail_range() is None


def test_a_short_clip_pooled_to_fit_is_drawn_at_full_resolution_when_zoomed(qtbot, view,
                                                                             make_audio):
    """Six seconds of a bat detector at 384 kHz: its spectrogram was pooled to 3,000 columns of
    2.7 ms, so a 3 ms call stayed one column however far one zoomed (a 30 kHz chirp here)."""
    rate_hz = 384_000
    samples = af.noise(6.0, rate_hz, amplitude=0.001)
    call = af.tone(30_000, 0.003, rate_hz, amplitude=0.8)
    samples[int(2.0 * rate_hz):][:len(call)] += call
    show(qtbot, view, make_audio("bat.wav", samples, rate_hz))
    assert view.data.overview is None
    assert view.spec_image.image.shape[1] <= 3000  # pooled: a column holds whole windows
    start_s, end_s = zoom_and_wait(qtbot, view, 1.97, 2.033)
    image = view.detail_image.image
    assert view.detail_image.isVisible() and image.shape[1] == int(view.spec_plot.vb.width())
    loud = image.max(axis=0) > image.max() - 20.0  # the columns where the call is
    assert np.count_nonzero(loud) * (end_s - start_s) / image.shape[1] == pytest.approx(0.003,
                                                                                        abs=0.002)
    view.reset_zoom()
    qtbot.waitUntil(lambda: view.detail_range() is None, timeout=TIMEOUT_MS)


def test_a_zoom_to_one_second_is_computed_at_the_plot_resolution(qtbot, view, long_file):
    show(qtbot, view, long_file)
    start_s, end_s = zoom_and_wait(qtbot, view, EVENT_S - 0.25, EVENT_S + 0.75)
    assert (start_s, end_s) == (pytest.approx(EVENT_S - 0.25, abs=1e-3),
                                pytest.approx(EVENT_S + 0.75, abs=1e-3))
    width_px = view.spec_plot.vb.width()
    image = view.detail_image.image
    assert view.detail_image.isVisible()
    assert image.shape == (129, int(width_px))  # one column a pixel, every FFT row
    column_s = (end_s - start_s) / image.shape[1]
    assert column_s <= 1.0 / width_px + 1e-9
    assert view.detail_range() == (pytest.approx(start_s), pytest.approx(end_s))
    # The event's tone, where it is: half the columns from a quarter of the way in.
    inside = image[:, int(image.shape[1] * 0.5)]
    assert np.argmax(inside) * (RATE_HZ / 2) / (image.shape[0] - 1) == pytest.approx(EVENT_HZ,
                                                                                     abs=40.0)
    assert view.detail_image.getLevels() == pytest.approx(view.spec_image.getLevels())
    # The waveform holds the range's own envelope, a point pair a column.
    x, _ = view.wave_curve.getOriginalDataset()
    assert np.count_nonzero((x >= start_s) & (x <= end_s)) == 2 * image.shape[1]


def test_the_detail_waits_for_the_range_to_settle(qtbot, view, long_file, monkeypatch):
    show(qtbot, view, long_file)
    asked = []
    real = view._loader.request_range
    monkeypatch.setattr(view._loader, "request_range",
                        lambda *args: (asked.append(args[1:3]), real(*args))[1])
    with qtbot.waitSignal(view.detail_shown, timeout=TIMEOUT_MS):
        for i in range(10):  # a wheel spin: ten ranges in a row, one computed
            view.set_view_range(50.0 + i, 52.0 + i)
    assert asked == [(pytest.approx(59.0), pytest.approx(61.0))]
    view.reset_zoom()
    qtbot.waitUntil(lambda: view.detail_range() is None, timeout=TIMEOUT_MS)


def test_strip_region_moves_the_view_and_follows_it(qtbot, view, long_file):
    show(qtbot, view, long_file)
    view.set_view_range(20.0, 30.0)
    assert view.strip.visible_range() == (pytest.approx(20.0), pytest.approx(30.0))
    with qtbot.waitSignal(view.view_range_changed, timeout=TIMEOUT_MS):
        view.strip.region.setRegion((100.0, 110.0))  # as a drag of the region sets it
    assert view.view_range() == (pytest.approx(100.0), pytest.approx(110.0))
    # A click beside the region centres the view there, keeping its width.
    scene_rect = view.strip.plot.vb.sceneBoundingRect()
    x = scene_rect.left() + scene_rect.width() * (60.0 / LONG_S)
    point = view.strip.graphics.mapFromScene(x, scene_rect.center().y())
    qtbot.mouseClick(view.strip.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(point.x(), point.y()))
    start_s, end_s = view.view_range()
    assert (start_s + end_s) / 2 == pytest.approx(60.0, abs=LONG_S / scene_rect.width() * 2)
    assert end_s - start_s == pytest.approx(10.0)


def test_settings_apply_to_the_detail(qtbot, view, long_file):
    show(qtbot, view, long_file)
    zoom_and_wait(qtbot, view, 90.0, 92.0)
    view.set_spectrogram_settings(SpectrogramSettings(dynamic_range_db=50.0))
    low, high = view.detail_image.getLevels()
    assert high - low == pytest.approx(50.0)
    assert view.strip.image.getLevels() == pytest.approx((low, high))
    view.set_spectrogram_settings(SpectrogramSettings(dynamic_range_db=50.0, brightness_db=20.0))
    assert view.detail_image.getLevels() == pytest.approx((low - 20.0, high - 20.0))
    assert view.strip.image.getLevels() == pytest.approx((low - 20.0, high - 20.0))
    with qtbot.waitSignal(view.detail_shown, timeout=TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(dynamic_range_db=50.0, fft_size=1024))
    assert view.detail_image.image.shape[0] == 513
    assert view.view_range() == (pytest.approx(90.0), pytest.approx(92.0))


def test_the_range_field_shows_and_sets_the_range(qtbot, view, long_file):
    show(qtbot, view, long_file)
    view.set_view_range(12.5, 14.0)
    assert view.range_edit.text() == "12.50–14.00 s"
    view.focus_range_edit()
    qtbot.keyClicks(view.range_edit, "100-110")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert view.view_range() == (pytest.approx(100.0), pytest.approx(110.0))
    view.range_edit.setText("1:00")  # one time: go there, keeping the width
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert view.view_range() == (pytest.approx(55.0), pytest.approx(65.0))
    assert view.playhead_s() == pytest.approx(60.0)  # Space plays from the time gone to
    view.range_edit.setText("nonsense")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert view.view_range() == (pytest.approx(55.0), pytest.approx(65.0))


def test_a_time_typed_over_the_whole_file_zooms_in_to_go_there(qtbot, view, long_file):
    """A night's recording opens whole; a time typed then left the view, and the playhead,
    where they were (the whole file's width could not move)."""
    show(qtbot, view, long_file)
    duration_s = view.view_range()[1]
    view.reset_zoom()
    view.focus_range_edit()
    view.range_edit.setText("1:00")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    half_s = max(GO_TO_WIDTH_S, duration_s / 100) / 2
    assert view.view_range() == (pytest.approx(60.0 - half_s), pytest.approx(60.0 + half_s))
    assert view.playhead_s() == pytest.approx(60.0)


def test_a_time_of_day_typed_on_a_recorders_clock_goes_there(qtbot, view, long_file, tmp_path):
    """22:02:21 read off the axis of a file begun at 22:00:00 was taken for 22 hours: the view
    went to the file's end without a word."""
    import shutil

    night = shutil.copy(long_file, tmp_path / "20260601_220000.wav")
    show(qtbot, view, night)
    assert view.time_axis.began is not None
    view.set_view_range(10.0, 20.0)
    qtbot.waitUntil(lambda: view.range_edit.text() == "22:00:10–22:00:20")  # as the axis
    view.set_time_of_day(False)  # View > Time of Day on the Axis, off: seconds in both
    assert view.range_edit.text() == "10.00–20.00 s"
    view.set_time_of_day(True)
    assert view.range_edit.text() == "22:00:10–22:00:20"
    view.focus_range_edit()
    view.range_edit.setText("22:02:21")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    start_s, end_s = view.view_range()
    assert (start_s + end_s) / 2 == pytest.approx(141.0)
    view.range_edit.setText("23:30:00")  # past the file's end on its clock too: said, not done
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert view.view_range() == (pytest.approx(start_s), pytest.approx(end_s))
    assert view.range_edit.hasFocus() and view.range_edit.selectedText() == "23:30:00"


def test_a_time_of_day_within_a_night_past_midnight_is_read_as_one(qtbot, view, long_file,
                                                                     tmp_path):
    """A time of day was taken for one only past the file's end: on a night's recording begun
    before midnight, 00:01:00 went to a minute from its start, not to midnight and a minute.
    Seconds and m:ss stay times from the start."""
    import shutil

    night = shutil.copy(long_file, tmp_path / "20260601_235900.wav")
    show(qtbot, view, night)
    view.set_view_range(10.0, 20.0)
    for typed, centre_s in (("00:01:00", 120.0), ("1:00", 60.0), ("30", 30.0)):
        view.focus_range_edit()
        view.range_edit.setText(typed)
        qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
        start_s, end_s = view.view_range()
        assert (start_s + end_s) / 2 == pytest.approx(centre_s), typed
    # A time of day before it began was "past the recording's end".
    refused = []
    refuse = view.range_edit.refuse
    view.range_edit.refuse = lambda reason: refused.append(reason) or refuse(reason)
    for typed in ("23:58:00", "00:05:00"):
        view.range_edit.setText(typed)
        qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert refused == ["outside the recording (23:59:00–00:02:00)"] * 2


def test_a_range_refused_keeps_what_was_typed(qtbot, view, long_file):
    """The edit lost the focus before the range was looked at, which put the range on show
    back: the refusal quoted that, and what was typed had to be typed again."""
    show(qtbot, view, long_file)
    view.set_view_range(0.0, 10.0)
    view.activateWindow()
    view.focus_range_edit()
    qtbot.waitUntil(view.range_edit.hasFocus, timeout=TIMEOUT_MS)
    view.range_edit.selectAll()
    qtbot.keyClicks(view.range_edit, "5000")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    assert view.range_edit.text() == "5000" and view.range_edit.selectedText() == "5000"
    assert view.view_range() == (pytest.approx(0.0), pytest.approx(10.0))


def test_a_clip_that_cannot_be_read_is_no_longer_said_to_be_loading(qtbot, view, long_file,
                                                                     tmp_path):
    show(qtbot, view, long_file)
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    view.show_clip(bad)
    qtbot.waitUntil(lambda: "unreadable" in view.message_label.text(), timeout=TIMEOUT_MS)
    assert view.title_label.full_text() == "bad.wav"


def test_a_clip_being_read_says_so_and_takes_a_range_typed_meanwhile(qtbot, view, long_file,
                                                                       tmp_path):
    """The clip before stayed drawn under the new title with nothing to say it was loading, and
    a range typed then was thrown away when the file arrived."""
    import shutil

    other = shutil.copy(long_file, tmp_path / "other.wav")
    show(qtbot, view, long_file)
    view.show_clip(other)
    assert view.title_label.full_text().endswith("loading…")
    view.focus_range_edit()
    view.range_edit.setText("94-97")
    qtbot.keyClick(view.range_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.data is not None and view.data.path == other, timeout=TIMEOUT_MS)
    assert view.view_range() == (pytest.approx(94.0), pytest.approx(97.0))
    assert "loading" not in view.title_label.full_text()


def test_parse_and_format_range():
    assert parse_range("12.5-14") == (12.5, 14.0)
    assert parse_range(" 12.5–14.0 s ") == (12.5, 14.0)
    assert parse_range("12.5 14") == (12.5, 14.0)
    assert parse_range("1:05 to 1:10.5") == (65.0, 70.5)
    assert parse_range("1:00:00") == (3600.0, None)
    # Times of day on a recorder's clock only where every time is written h:mm:ss.
    assert written_as_clock("22:15:00") and written_as_clock("22:15:00-22:16:30")
    assert not written_as_clock("22:15:00-30") and not written_as_clock("100-22:16:00")
    assert not written_as_clock("1:05") and not written_as_clock("nonsense")
    assert parse_range("abc") is None and parse_range("") is None
    assert format_range(0.0, 3600.0) == "0.0–3600.0 s"
    assert parse_range(format_range(1.25, 1.5)) == (1.25, 1.5)
    # On a recorder's clock, the times of day, which typed back are read as such (past midnight
    # too); to the second from 10 s wide.
    began = datetime(2026, 6, 1, 23, 59, 0)
    for start_s, end_s, text in ((0.0, 3600.0, "23:59:00–00:59:00"),
                                 (30.25, 35.5, "23:59:30.25–23:59:35.50")):
        assert format_range(start_s, end_s, began) == text and written_as_clock(text)
        assert from_clock(*parse_range(text), began, True) == (pytest.approx(start_s),
                                                               pytest.approx(end_s))


def test_a_new_clip_stops_an_overview_in_progress(qtbot, view, long_file, make_audio,
                                                  monkeypatch):
    started, results = threading.Event(), []
    real = clip_loader.load_overview

    def held(path, cache_dir, config, should_stop=None):
        """The overview of a long file, held until something supersedes it."""
        started.set()
        deadline_s = time.monotonic() + 5.0
        while not should_stop() and time.monotonic() < deadline_s:
            time.sleep(0.005)
        results.append(real(path, cache_dir, config, should_stop=should_stop))
        return results[-1]

    monkeypatch.setattr(clip_loader, "load_overview", held)
    short = make_audio("short.wav", af.tone(440, 1.0, RATE_HZ), RATE_HZ)
    shown = []
    view.clip_shown.connect(shown.append)
    view.show_clip(long_file)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(view.clip_shown, timeout=TIMEOUT_MS):
        view.show_clip(short)
    assert shown == [short] and results == [None]  # stopped at its first block


def test_view_keys_in_the_window(qtbot, window, long_file):
    view = window.clip_view
    view.set_cache_dir(None)
    with qtbot.waitSignal(view.clip_shown, timeout=TIMEOUT_MS):
        view.show_clip(long_file)
    view.set_view_range(40.0, 60.0)
    window.acts.zoom_in.trigger()
    assert view.view_range() == (pytest.approx(45.0), pytest.approx(55.0))
    window.acts.zoom_out.trigger()
    assert view.view_range() == (pytest.approx(40.0), pytest.approx(60.0))
    window.clip_list.table.setFocus()
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert view.view_range() == (pytest.approx(50.0), pytest.approx(70.0))
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert view.view_range() == (pytest.approx(40.0), pytest.approx(60.0))
    window.acts.go_to_range.trigger()
    assert view.range_edit.hasFocus()
    window.acts.reset_zoom.trigger()
    assert view.view_range() == (pytest.approx(0.0), pytest.approx(LONG_S))
    assert not math.isnan(view.duration_s)


def test_a_resized_view_gets_a_detail_of_its_new_width(qtbot, view, long_file):
    show(qtbot, view, long_file)
    zoom_and_wait(qtbot, view, 90.0, 92.0)
    before = view.detail_image.image.shape[1]
    with qtbot.waitSignal(view.detail_shown, timeout=TIMEOUT_MS):
        view.resize(700, 500)
    assert view.detail_image.image.shape[1] == int(view.spec_plot.vb.width()) < before


def test_the_range_field_widens_to_show_a_long_recordings_times_whole(qtbot):
    from gui.clips.overview_strip import RangeEdit

    edit = RangeEdit()
    qtbot.addWidget(edit)
    edit.show()
    short_px = edit.minimumWidth()
    # An hour into a two-hour file, zoomed below a second: "3604.844–3605.156 s" was cut to
    # "604.844–3605.156 s" in a 170 px box.
    edit.show_range(3604.844, 3605.156)
    assert edit.text() == "3604.844–3605.156 s"
    assert edit.minimumWidth() > short_px  # no layout can squeeze it below its text
    assert edit.minimumWidth() >= edit.fontMetrics().horizontalAdvance(edit.text()) + 12
    edit.show_range(1.0, 2.0)  # it does not jump back as the view moves
    assert edit.minimumWidth() >= edit.fontMetrics().horizontalAdvance("3604.844–3605.156 s")


def test_a_long_file_changed_on_disk_while_on_show_says_so(qtbot, view, tmp_path):
    """A night's recording cut short (or written again, or deleted) while on show: its cached
    overview was drawn on, stretched where no audio was left, and nothing said so until a
    rescan. The next range asked for finds it changed and the view says why."""
    path = af.write(tmp_path / "night.wav", af.noise(LONG_S, RATE_HZ, amplitude=0.001), RATE_HZ)
    show(qtbot, view, path)
    zoom_and_wait(qtbot, view, 10.0, 12.0)
    with open(path, "r+b") as handle:  # cut to a third, as a copy stopped by a full disk
        handle.truncate(path.stat().st_size // 3)
    with qtbot.waitSignal(view.message_shown, timeout=TIMEOUT_MS) as shown:
        view.set_view_range(150.0, 152.0)
    assert shown.args[0] == ("night.wav: unreadable: it changed on disk since it was opened "
                             "(rescan, F5, to read it again)")
    assert view.data is None
