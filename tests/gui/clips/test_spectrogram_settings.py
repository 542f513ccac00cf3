"""Spectrogram settings: the panel, each project's stored choice, and the View menu's actions in
the window (settings restored when a project opens again, Reset Zoom)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gui.clips.spectrogram_settings import (
    COLOUR_MAPS,
    DEFAULT_SETTINGS,
    SPECTROGRAM_BY_FOLDER,
    SpectrogramSettings,
    SpectrogramSettingsPanel,
    colour_map,
    read_spectrogram_settings,
    write_spectrogram_settings,
)
from tests import audio_factory
from tests.gui.helpers import LOAD_TIMEOUT_MS, open_and_wait, show_row


def test_settings_refuse_values_outside_the_choices():
    for kwargs in ({"colour_map": "rainbow"}, {"dynamic_range_db": 20.0}, {"fft_size": 100},
                   {"brightness_db": 70.0},
                   {"low_hz": -1.0}, {"low_hz": 4000.0, "high_hz": 4000.0},
                   {"high_hz": 1e6}, {"low_hz": "2000"}):
        with pytest.raises(ValueError):
            SpectrogramSettings(**kwargs)
    assert DEFAULT_SETTINGS.config.fft_size is None  # auto: today's choice
    assert DEFAULT_SETTINGS.colour_map == "inferno"


def test_the_band_shown_is_the_chosen_range_within_each_files_own():
    assert DEFAULT_SETTINGS.band_shown(8000.0) == (0.0, 8000.0)
    bird = SpectrogramSettings(low_hz=2000.0, high_hz=10_000.0)
    assert bird.band_shown(24_000.0) == (2000.0, 10_000.0)
    assert bird.band_shown(4000.0) == (2000.0, 4000.0)  # cut at an 8 kHz file's Nyquist
    assert bird.band_shown(2000.0) == (0.0, 2000.0)  # wholly above a 4 kHz file's: all of it
    assert SpectrogramSettings(low_hz=15_000.0).band_shown(48_000.0) == (15_000.0, 48_000.0)


def test_every_colour_map_is_bundled_and_distinct():
    tables = {name: colour_map(name).getLookupTable(nPts=16) for name in COLOUR_MAPS}
    for name, table in tables.items():
        others = [t for n, t in tables.items() if n != name]
        assert not any(np.array_equal(table, other) for other in others), name


def test_two_projects_keep_their_own_settings_in_the_file(tmp_path):
    path = str(tmp_path / "settings.ini")
    settings = QSettings(path, QSettings.Format.IniFormat)
    a = SpectrogramSettings("grey_inverted", 60.0, 1024)
    b = SpectrogramSettings("viridis", 110.0, None, 1500.0, 9000.0, channel=1, brightness_db=25.0)
    write_spectrogram_settings(settings, "/data/a", a)
    write_spectrogram_settings(settings, "/data/b", b)
    settings.sync()
    again = QSettings(path, QSettings.Format.IniFormat)
    assert read_spectrogram_settings(again, "/data/a") == a
    assert read_spectrogram_settings(again, "/data/b") == b
    assert read_spectrogram_settings(again, "/data/never-opened") == DEFAULT_SETTINGS


def test_unreadable_stored_values_fall_back_one_by_one(settings):
    stored = {"/data/a": '{"colour_map": "rainbow", "dynamic_range_db": 50, "fft_size": 256, '
                         '"channel": 64}',
              "/data/b": "not json", "/data/c": '["a list"]'}
    settings.setValue(SPECTROGRAM_BY_FOLDER.name, stored)
    assert read_spectrogram_settings(settings, "/data/a") == SpectrogramSettings(
        DEFAULT_SETTINGS.colour_map, 50.0, 256)
    assert read_spectrogram_settings(settings, "/data/b") == DEFAULT_SETTINGS
    assert read_spectrogram_settings(settings, "/data/c") == DEFAULT_SETTINGS


def test_stored_projects_are_bounded(settings):
    from gui.clips.spectrogram_settings import MAX_REMEMBERED_PROJECTS

    for i in range(MAX_REMEMBERED_PROJECTS + 5):
        write_spectrogram_settings(settings, f"/data/{i}", SpectrogramSettings(fft_size=256))
    stored = settings.value(SPECTROGRAM_BY_FOLDER.name)
    assert len(stored) == MAX_REMEMBERED_PROJECTS
    assert "/data/0" not in stored and f"/data/{MAX_REMEMBERED_PROJECTS + 4}" in stored


def test_panel_emits_each_change_and_reset_returns_to_the_defaults(qtbot):
    panel = SpectrogramSettingsPanel(SpectrogramSettings("magma", 70.0, 2048))
    qtbot.addWidget(panel)
    assert panel.spectrogram_settings() == SpectrogramSettings("magma", 70.0, 2048)
    seen = []
    panel.settings_changed.connect(seen.append)
    panel.colour_combo.setCurrentIndex(panel.colour_combo.findData("grey"))
    panel.range_spin.setValue(120)
    panel.brightness_spin.stepBy(2)
    panel.fft_combo.setCurrentIndex(panel.fft_combo.findData(256))
    panel.channel_combo.setCurrentIndex(panel.channel_combo.findData(1))
    bright = SpectrogramSettings("grey", 120.0, 2048, brightness_db=10.0)
    assert seen == [SpectrogramSettings("grey", 70.0, 2048), SpectrogramSettings("grey", 120.0, 2048),
                    bright, dataclasses.replace(bright, fft_size=256),
                    dataclasses.replace(bright, fft_size=256, channel=1)]
    assert [panel.channel_combo.itemText(i) for i in range(3)] == [
        "Mix of all channels", "Channel 1 (left)", "Channel 2 (right)"]
    assert (panel.range_spin.minimum(), panel.range_spin.maximum()) == (40, 120)
    assert (panel.brightness_spin.minimum(), panel.brightness_spin.maximum()) == (0, 60)
    assert [panel.fft_combo.itemData(i) for i in range(panel.fft_combo.count())] == [
        None, 256, 512, 1024, 2048, 4096]
    panel.reset_button.click()
    assert seen[-1] == DEFAULT_SETTINGS and panel.spectrogram_settings() == DEFAULT_SETTINGS
    count = len(seen)
    panel.set_spectrogram_settings(SpectrogramSettings("viridis", 40.0, 512, channel=2,
                                                       brightness_db=15.0))
    assert len(seen) == count and panel.fft_combo.currentData() == 512  # shown, not emitted
    assert panel.channel_combo.currentData() == 2 and panel.brightness_spin.value() == 15


def test_panel_frequency_fields_keep_the_lowest_below_the_highest(qtbot):
    panel = SpectrogramSettingsPanel()
    qtbot.addWidget(panel)
    seen = []
    panel.settings_changed.connect(seen.append)
    assert panel.high_spin.text() == "Top of each file"
    panel.high_spin.setValue(8000)
    panel.low_spin.setValue(2000)
    assert seen[-1] == SpectrogramSettings(low_hz=2000.0, high_hz=8000.0)
    panel.low_spin.setValue(9000)  # past the highest: it follows, 100 Hz above
    assert seen[-1] == SpectrogramSettings(low_hz=9000.0, high_hz=9100.0)
    panel.high_spin.setValue(500)  # below the lowest: it follows, 100 Hz below
    assert seen[-1] == SpectrogramSettings(low_hz=400.0, high_hz=500.0)
    panel.high_spin.setValue(0)  # the top of each file again
    assert seen[-1] == SpectrogramSettings(low_hz=400.0)
    panel.set_spectrogram_settings(SpectrogramSettings(low_hz=1200.0, high_hz=6400.0))
    assert (panel.low_spin.value(), panel.high_spin.value()) == (1200, 6400)


def _folder(tmp_path, name):
    folder = tmp_path / name
    audio_factory.write(folder / "tone.wav", audio_factory.tone(1000.0, 1.0, 16000), 16000)
    return folder


def _select_first_clip(qtbot, window):
    show_row(qtbot, window, 0)


def test_settings_apply_live_and_come_back_with_their_project(qtbot, make_window, tmp_path):
    window = make_window()
    view = window.clip_view
    first, second = _folder(tmp_path, "first"), _folder(tmp_path, "second")
    open_and_wait(qtbot, window, first)
    _select_first_clip(qtbot, window)
    window.acts.spectrogram_settings.trigger()
    panel = window.acts.spectrogram.panel
    assert panel.isVisible() and panel.windowTitle() == "Spectrogram Settings"
    panel.colour_combo.setCurrentIndex(panel.colour_combo.findData("grey_inverted"))
    panel.range_spin.setValue(50)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        panel.fft_combo.setCurrentIndex(panel.fft_combo.findData(2048))
    chosen = SpectrogramSettings("grey_inverted", 50.0, 2048)
    assert view.spectrogram_settings() == chosen
    assert view.spec_image.image.shape[0] == 1025
    low, high = view.spec_image.getLevels()
    assert high - low == pytest.approx(50.0)
    assert tuple(np.array(view.spec_image.lut)[0][:3]) == (255, 255, 255)

    open_and_wait(qtbot, window, second)  # never set: the defaults, in the view and the panel
    assert view.spectrogram_settings() == DEFAULT_SETTINGS
    assert panel.spectrogram_settings() == DEFAULT_SETTINGS
    _select_first_clip(qtbot, window)
    assert view.spec_image.image.shape[0] == 257
    panel.colour_combo.setCurrentIndex(panel.colour_combo.findData("viridis"))

    open_and_wait(qtbot, window, first)
    assert view.spectrogram_settings() == chosen and panel.spectrogram_settings() == chosen
    _select_first_clip(qtbot, window)
    assert view.spec_image.image.shape[0] == 1025
    window.close()

    again = make_window()  # the next session, on the same settings file
    open_and_wait(qtbot, again, second)
    assert again.clip_view.spectrogram_settings() == SpectrogramSettings("viridis")
    open_and_wait(qtbot, again, first)
    assert again.clip_view.spectrogram_settings() == chosen


def test_reset_zoom_action_shows_the_whole_clip(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    view = window.clip_view
    view.wave_plot.setXRange(0.25, 0.5, padding=0)
    view.spec_plot.setYRange(500.0, 1500.0, padding=0)
    assert window.acts.reset_zoom.shortcut().toString() == "Ctrl+0"
    window.acts.reset_zoom.trigger()
    assert view.wave_plot.viewRange()[0] == [pytest.approx(0.0), pytest.approx(1.0)]
    assert view.spec_plot.viewRange()[1] == [pytest.approx(0.0), pytest.approx(8000.0)]


def test_the_chosen_frequency_range_is_shown_and_kept_by_reset_zoom(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    view = window.clip_view
    window.acts.spectrogram.apply(SpectrogramSettings(low_hz=500.0, high_hz=3000.0))
    assert view.spec_plot.viewRange()[1] == [pytest.approx(500.0), pytest.approx(3000.0)]
    view.wave_plot.setXRange(0.25, 0.5, padding=0)
    window.acts.reset_zoom.trigger()
    assert view.spec_plot.viewRange()[1] == [pytest.approx(500.0), pytest.approx(3000.0)]
    view.set_show_features(True)  # the model's feature rows are shown whole
    qtbot.waitUntil(lambda: view.spec_plot.getAxis("left").labelText != "Frequency (kHz)",
                    timeout=LOAD_TIMEOUT_MS)
    top = view.spec_plot.getViewBox().state["limits"]["yLimits"][1]
    assert view.spec_plot.viewRange()[1] == [pytest.approx(0.0), pytest.approx(top)]
    view.set_show_features(False)
    qtbot.waitUntil(lambda: view.spec_plot.getAxis("left").labelText == "Frequency (kHz)",
                    timeout=LOAD_TIMEOUT_MS)
    window.acts.spectrogram.apply(SpectrogramSettings(low_hz=6000.0, high_hz=20_000.0))
    assert view.spec_plot.viewRange()[1] == [pytest.approx(6000.0), pytest.approx(8000.0)]


def test_play_visible_range_plays_the_band_the_spectrogram_shows(qtbot, window, tmp_path,
                                                                 monkeypatch):
    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    played = []
    monkeypatch.setattr(window.playback, "play_range", lambda *args: played.append(args))
    window.acts.play_range.setEnabled(True)  # as with an audio device
    view = window.clip_view
    view.wave_plot.setXRange(0.25, 0.5, padding=0)
    window.acts.play_range.trigger()  # the whole spectrum: no band
    view.spec_plot.setYRange(500.0, 1500.0, padding=0)  # Ctrl+wheel, say
    window.acts.play_range.trigger()
    assert played == [(pytest.approx(0.25), pytest.approx(0.5), None),
                      (pytest.approx(0.25), pytest.approx(0.5),
                       (pytest.approx(500.0), pytest.approx(1500.0)))]


class _Wheel:
    """Enough of a QGraphicsSceneWheelEvent for TimeViewBox.wheelEvent: one notch at ``pos``."""

    def __init__(self, pos, delta: int = 120, modifiers=None) -> None:
        from PySide6.QtCore import Qt

        self._pos, self._delta = pos, delta
        self._modifiers = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
        self.accepted = False

    def orientation(self):
        from PySide6.QtCore import Qt

        return Qt.Orientation.Vertical

    def modifiers(self):
        return self._modifiers

    def delta(self) -> int:
        return self._delta

    def pos(self):
        return self._pos

    def accept(self) -> None:
        self.accepted = True


def test_ctrl_wheel_zooms_the_frequencies_about_the_cursor(qtbot, window, tmp_path):
    from PySide6.QtCore import QPointF, Qt

    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    view = window.clip_view
    view.zoom_height_by(view.spec_plot, 0.5, 1000.0)  # half as many Hz, 1 kHz staying where it was
    assert view.spec_plot.viewRange()[1] == [pytest.approx(500.0), pytest.approx(4500.0)]
    view.zoom_in()  # a time zoom leaves the frequencies be
    assert view.spec_plot.viewRange()[1] == [pytest.approx(500.0), pytest.approx(4500.0)]
    view.zoom_height_by(view.spec_plot, 1e-6, 2000.0)  # never narrower than 1% of the spectrogram
    low, high = view.spec_plot.viewRange()[1]
    assert high - low == pytest.approx(80.0) and low < 2000.0 < high
    view.zoom_height_by(view.spec_plot, 1e6)  # nor wider than all of it
    assert view.spec_plot.viewRange()[1] == [pytest.approx(0.0), pytest.approx(8000.0)]

    vb = view.spec_plot.vb
    at_3khz = vb.mapFromView(QPointF(0.5, 3000.0))
    times = view.view_range()
    wheel = _Wheel(at_3khz, 120, Qt.KeyboardModifier.ControlModifier)
    vb.wheelEvent(wheel)  # a notch up with Ctrl: a quarter fewer Hz about the cursor
    low, high = view.spec_plot.viewRange()[1]
    assert wheel.accepted and high - low == pytest.approx(8000.0 * 1.02 ** -15, rel=1e-3)
    assert low < 3000.0 < high and view.view_range() == times
    vb.wheelEvent(_Wheel(at_3khz, 120))  # without Ctrl: time, as always
    assert view.view_range()[1] - view.view_range()[0] < times[1] - times[0]
    assert view.spec_plot.viewRange()[1] == [pytest.approx(low), pytest.approx(high)]
    window.acts.reset_zoom.trigger()  # the chosen range (here all of it) again
    assert view.spec_plot.viewRange()[1] == [pytest.approx(0.0), pytest.approx(8000.0)]


def test_ctrl_wheel_over_the_waveform_zooms_its_amplitude_about_zero(qtbot, window, tmp_path):
    from PySide6.QtCore import QPointF, Qt

    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    view = window.clip_view
    _, peak = view.wave_plot.viewRange()[1]
    band, times = view.spec_plot.viewRange()[1], view.view_range()
    vb = view.wave_plot.vb
    wheel = _Wheel(vb.mapFromView(QPointF(0.5, 0.3 * peak)), 120,
                   Qt.KeyboardModifier.ControlModifier)
    vb.wheelEvent(wheel)  # a notch up: a quarter less amplitude, still about 0
    low, high = view.wave_plot.viewRange()[1]
    assert wheel.accepted and high == pytest.approx(peak * 1.02 ** -15, rel=1e-3)
    assert low == pytest.approx(-high)
    assert view.spec_plot.viewRange()[1] == band and view.view_range() == times
    view.zoom_height_by(view.wave_plot, 1e-9)  # never below 60 dB under the peak
    assert view.wave_plot.viewRange()[1][1] == pytest.approx(peak * 0.001)
    view.zoom_height_by(view.wave_plot, 1e9)  # nor above it
    assert view.wave_plot.viewRange()[1][1] == pytest.approx(peak)
    view.zoom_height_by(view.wave_plot, 0.1)
    window.acts.reset_zoom.trigger()
    assert view.wave_plot.viewRange()[1] == [pytest.approx(-peak), pytest.approx(peak)]


def test_brighter_and_darker_step_the_brightness_from_the_keys(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, _folder(tmp_path, "clips"))
    _select_first_clip(qtbot, window)
    view = window.clip_view
    _, top = view.spec_image.getLevels()
    assert window.acts.brighter.shortcut().toString() == "Ctrl+]"
    window.acts.brighter.trigger()
    window.acts.brighter.trigger()
    assert view.spectrogram_settings().brightness_db == 10.0
    assert view.spec_image.getLevels()[1] == pytest.approx(top - 10.0)
    assert window.statusBar().currentMessage() == "Spectrogram brightness: 10 dB"
    for _ in range(3):
        window.acts.darker.trigger()  # not below none
    assert view.spectrogram_settings().brightness_db == 0.0
    assert window.statusBar().currentMessage() == "Spectrogram brightness: 0 dB (none)"
    for _ in range(20):
        window.acts.brighter.trigger()  # nor above the most
    assert view.spectrogram_settings().brightness_db == 60.0
    # Remembered with the project's other spectrogram settings.
    assert read_spectrogram_settings(window.settings, str(window.folder)).brightness_db == 60.0


def test_paging_past_a_zoomed_recordings_end_goes_on_to_the_next(qtbot, window, tmp_path):
    folder = tmp_path / "night"
    for name in ("20260601_220000.wav", "20260601_220020.wav"):
        audio_factory.write(folder / name, audio_factory.noise(20.0, 8000), 8000)
    open_and_wait(qtbot, window, folder)
    _select_first_clip(qtbot, window)
    view = window.clip_view
    first = view.path
    view.set_view_range(10.0, 15.0)
    window.acts.page_later.trigger()  # inside the file: a page on
    assert view.view_range()[0] > 10.0 and view.path == first
    view.set_view_range(15.0, 20.0)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.acts.page_later.trigger()  # at its end: the next recording, at the same width
    qtbot.waitUntil(lambda: view.view_range() == (pytest.approx(0.0), pytest.approx(5.0)))
    assert view.path != first and view.path.name == "20260601_220020.wav"
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.acts.page_earlier.trigger()  # at its start: back to the end of the one before
    qtbot.waitUntil(lambda: view.view_range() == (pytest.approx(15.0), pytest.approx(20.0)))
    assert view.path == first
    view.reset_zoom()  # a whole file shown pages nowhere
    window.acts.page_later.trigger()
    assert view.path == first


def test_view_menu_shortcuts_are_unique(window):
    shortcuts = [a.shortcut().toString() for a in window.acts.all()]
    assert len(shortcuts) == len(set(shortcuts)), shortcuts
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    texts = [a.text() for a in view_menu.actions()]
    assert "&Reset Zoom" in texts and "Spectrogram &Settings…" in texts


def test_next_channel_steps_through_a_files_channels_and_back_to_the_mix(qtbot, window, tmp_path):
    """Ctrl+Shift+C on a 3-channel file: channel 1, 2, 3, then the mix; the status bar says
    which, and the panel and the project's stored settings follow. A mono file has one."""
    channels = np.stack([audio_factory.tone(hz, 0.5) for hz in (300.0, 1200.0, 3000.0)], axis=1)
    audio_factory.write(tmp_path / "three" / "array.wav", channels)
    audio_factory.write(tmp_path / "three" / "mono.wav", audio_factory.tone(500.0, 0.5))
    open_and_wait(qtbot, window, tmp_path / "three")
    view, bar = window.clip_view, window.statusBar()
    show_row(qtbot, window, next(r for r in range(window.model.rowCount())
                                 if window.model.record(r).path == "array.wav"))
    shown = []
    for expected in (0, 1, 2, None):
        with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
            window.acts.next_channel.trigger()
        assert view.data.channel == expected
        shown.append(bar.currentMessage())
    assert shown == ["Showing: Channel 1", "Showing: Channel 2", "Showing: Channel 3",
                     "Showing: Mix of all channels"]
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.acts.next_channel.trigger()
    assert window.acts.spectrogram.value().channel == 0
    assert read_spectrogram_settings(window.settings, str(window.folder)).channel == 0
    row = next(r for r in range(window.model.rowCount()) if window.model.record(r).path == "mono.wav")
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.clip_list.select_row(row)
    assert view.data.path.name == "mono.wav"
    window.acts.next_channel.trigger()
    assert bar.currentMessage() == "The clip on show has one channel"
    assert window.acts.spectrogram.value().channel == 0  # kept for the project's other files


def test_the_channel_box_names_the_channels_of_the_file_on_show(qtbot, window, tmp_path):
    """A stereo file's two channels by their side, the others as the mix there; a mono file's
    every channel is the mix; the choice (the folder's) stays as it was."""
    pair = np.stack([audio_factory.tone(hz, 0.5) for hz in (300.0, 1200.0)], axis=1)
    audio_factory.write(tmp_path / "rec" / "pair.wav", pair)
    audio_factory.write(tmp_path / "rec" / "mono.wav", audio_factory.tone(500.0, 0.5))
    open_and_wait(qtbot, window, tmp_path / "rec")
    view = window.clip_view
    rows = {window.model.record(r).path: r for r in range(window.model.rowCount())}
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.clip_list.select_row(rows["pair.wav"])
    box = window.acts.spectrogram.open_panel().channel_combo
    texts = [box.itemText(i) for i in range(4)]
    assert texts == ["Mix of all channels", "Channel 1 (left)", "Channel 2 (right)",
                     "Channel 3 (this file: the mix)"]
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.clip_list.select_row(rows["mono.wav"])
    assert box.itemText(1) == "Channel 1 (this file: the mix)"
    assert box.currentData() is None
    window.acts.spectrogram.panel.close()


def test_a_channel_past_the_eighth_opens_in_the_settings_panel(qtbot, window):
    """View > Next Channel on a 16-channel array reaches channel 9, which the panel's box of
    eight did not list: opening the panel failed (StopIteration), for good, as the project
    kept the channel."""
    from gui.common.channels import channel_box, select_channel

    window.acts.spectrogram.apply(dataclasses.replace(window.acts.spectrogram.value(), channel=12))
    box = window.acts.spectrogram.open_panel().channel_combo
    assert box.currentData() == 12 and box.currentText().startswith("Channel 13")
    window.acts.spectrogram.panel.close()
    panel = window.acts.spectrogram.open_panel()
    panel.show_file_channels(32)  # a 32-channel array's file on show: each of its channels
    assert box.count() == 33 and box.itemText(32) == "Channel 32"
    panel.close()
    training = channel_box(None, "tip")
    assert training.count() == 9  # the mix and eight, not told the folder's most
    select_channel(training, 20)
    assert training.currentData() == 20 and training.count() == 22
    select_channel(training, None)
    assert training.currentData() is None and training.count() == 22
