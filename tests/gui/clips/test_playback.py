"""Playback controller and bar: availability, the disabled bar, time labels and seeking."""

from __future__ import annotations

import pytest

from gui.clips.playback import PlaybackBar, PlaybackController, format_time


def test_format_time():
    assert format_time(0.0) == "0:00.0"
    assert format_time(1.23) == "0:01.2"
    assert format_time(65.04) == "1:05.0"
    assert format_time(59.97) == "1:00.0"


def test_availability_reports_a_reason(qtbot):
    controller = PlaybackController()
    # Offscreen CI has no audio device; a desktop does. Either way the two fields agree.
    assert controller.available == (controller.unavailable_reason == "")
    from PySide6.QtMultimedia import QMediaDevices

    if not QMediaDevices.audioOutputs():
        assert not controller.available
        assert "No audio output device" in controller.unavailable_reason


def test_bar_disabled_with_reason_when_unavailable(qtbot):
    controller = PlaybackController(force_unavailable="No audio output device found")
    bar = PlaybackBar(controller)
    qtbot.addWidget(bar)
    bar.show()
    assert not controller.available
    assert not bar.play_button.isEnabled()
    assert "No audio output device found" in bar.play_button.toolTip()
    assert bar.position_label.text() == "0:00.0 / 0:00.0"
    assert not bar.play_button.icon().isNull()


def test_unavailable_controller_is_safe_to_drive(qtbot, make_audio):
    controller = PlaybackController(force_unavailable="testing")
    bar = PlaybackBar(controller)
    qtbot.addWidget(bar)
    controller.load(make_audio("a.wav"))
    controller.toggle()
    assert not controller.playing
    with qtbot.waitSignal(controller.position_changed, timeout=1000) as blocker:
        controller.seek(0.5)
    assert blocker.args[0] == pytest.approx(0.5)
    assert bar.position_label.text().startswith("0:00.5")
    controller.stop()
    assert controller.position_s == 0.0


def test_clip_view_wiring_moves_playhead(qtbot, make_audio):
    from gui.clips.clip_view import ClipView
    from tests import audio_factory

    view = ClipView()
    qtbot.addWidget(view)
    controller = PlaybackController(force_unavailable="testing")
    view.connect_playback(controller)
    path = make_audio("a.wav", audio_factory.tone(440, 2.0), 16000)
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        view.show_clip(path)
    assert controller.path == path
    controller.seek(1.25)
    assert view.playhead_s() == pytest.approx(1.25)
    view.seek_requested.emit(0.75)
    assert controller.position_s == pytest.approx(0.75)
    assert view.playhead_s() == pytest.approx(0.75)
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        view.set_show_features(True)
    assert view.playhead_s() == pytest.approx(0.75)  # a redraw does not rewind playback
    assert controller.position_s == pytest.approx(0.75)
    view.shutdown()
