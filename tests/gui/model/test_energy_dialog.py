"""Find Loud Events' dialog: what it offers, what it gives back, and settings it refuses."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from core.audio.energy_detector import EnergyDetectorConfig
from gui.model.energy_dialog import EnergyDetectorDialog


def _ok(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_choice_is_what_the_fields_say(qtbot):
    dialog = EnergyDetectorDialog(EnergyDetectorConfig(), ["owl", "bat"], None, "night.wav", 12)
    qtbot.addWidget(dialog)
    assert dialog.high_hz.text() == "Nyquist" and dialog.label.currentText() == "(no label)"
    assert [dialog.scope.itemText(i) for i in range(dialog.scope.count())] == [
        "The recording on show (night.wav)", "Every recording in the folder (12)"]
    choice = dialog.choice()
    assert choice.config == EnergyDetectorConfig() and choice.label is None
    assert not choice.every_recording
    dialog.low_hz.setValue(2000.0)
    dialog.high_hz.setValue(6000.0)
    dialog.label.setCurrentIndex(dialog.label.findData("bat"))
    dialog.scope.setCurrentIndex(1)
    assert dialog.channel.currentText() == "Mix of all channels"
    dialog.channel.setCurrentIndex(dialog.channel.findData(1))
    choice = dialog.choice()
    assert (choice.config.low_hz, choice.config.high_hz) == (2000.0, 6000.0)
    assert (choice.label, choice.every_recording) == ("bat", True)
    assert choice.config.channel == 1
    assert dialog.channel.isVisibleTo(dialog)
    shown = EnergyDetectorDialog(EnergyDetectorConfig(channel=0), [], None, "night.wav", 1)
    qtbot.addWidget(shown)
    assert shown.channel.currentText() == "Channel 1 (left)" and shown.choice().config.channel == 0
    mono = EnergyDetectorDialog(EnergyDetectorConfig(), [], None, "night.wav", 1,
                                most_channels=1)
    qtbot.addWidget(mono)
    assert not mono.channel.isVisibleTo(mono)  # a folder of mono recordings: nothing to choose


def test_settings_that_cannot_work_disable_find(qtbot):
    dialog = EnergyDetectorDialog(EnergyDetectorConfig(low_hz=500.0, high_hz=4000.0), [], "owl",
                                  None, 3, every_recording=True)
    qtbot.addWidget(dialog)
    assert dialog.scope.count() == 1 and dialog.choice().every_recording  # no recording on show
    assert _ok(dialog).isEnabled() and dialog.problem.isHidden()
    dialog.low_hz.setValue(5000.0)
    assert not _ok(dialog).isEnabled()
    assert "must lie above its bottom" in dialog.problem.text()
    dialog.low_hz.setValue(100.0)
    dialog.max_duration.setValue(0.01)
    assert not _ok(dialog).isEnabled() and "longest event" in dialog.problem.text()
    dialog.max_duration.setValue(5.0)
    assert _ok(dialog).isEnabled() and dialog.problem.isHidden()


def test_durations_are_set_to_the_millisecond(qtbot):
    dialog = EnergyDetectorDialog(EnergyDetectorConfig().for_example(0.004), [], "bat",
                                  "pass.wav", 1)
    qtbot.addWidget(dialog)
    chosen = dialog.choice().config  # a bat's call of 4 ms: kept, not rounded to 0 s
    assert (chosen.min_duration_s, chosen.min_gap_s) == pytest.approx((0.002, 0.004))
