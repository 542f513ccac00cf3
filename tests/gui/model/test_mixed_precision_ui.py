"""Mixed precision in Training Settings: a checkbox for TrainConfig.mixed_precision that round-trips
through the dialog, keeps its value when another network is chosen, is greyed out (not unticked)
while the device is the CPU, and is remembered with the other training settings."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

import core.ml.runtime as runtime
from core.ml.train_config import TrainConfig
from gui.common import settings as keys
from gui.model.dock import ModelDock
from gui.model.settings_dialog import TrainSettingsDialog


def _machine(monkeypatch, *devices: str) -> None:
    monkeypatch.setattr(runtime, "available_devices", lambda: list(devices), raising=False)


def _dialog(qtbot, config: TrainConfig | None = None) -> TrainSettingsDialog:
    dialog = TrainSettingsDialog(config)
    qtbot.addWidget(dialog)
    return dialog


def test_the_checkbox_round_trips_the_config(qtbot):
    dialog = _dialog(qtbot)
    assert dialog.mixed_precision.isChecked()  # TrainConfig's default
    assert dialog.config().mixed_precision is True
    dialog = _dialog(qtbot, TrainConfig.for_model(mixed_precision=False))
    assert not dialog.mixed_precision.isChecked()
    assert dialog.config() == TrainConfig.for_model(mixed_precision=False)
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("seed-cnn"))  # its own defaults...
    assert dialog.config() == TrainConfig.for_model("seed-cnn", mixed_precision=False)  # ...same
    dialog.mixed_precision.setChecked(True)
    assert dialog.config().mixed_precision is True


def test_the_tooltip_gives_the_rule(qtbot):
    tip = _dialog(qtbot).mixed_precision.toolTip()
    assert "bf16" in tip and "fp16" in tip and "gradient scaler" in tip and "CPU" in tip


def test_greyed_out_on_this_cpu_only_machine_keeping_its_value(qtbot):
    assert not any(d.startswith("cuda") for d in runtime.available_devices())  # the test machine
    dialog = _dialog(qtbot, TrainConfig.for_model(mixed_precision=False))
    assert dialog.device_box.currentData() == "auto"  # resolves to the CPU here
    assert not dialog.mixed_precision.isEnabled()
    assert dialog.config().mixed_precision is False
    dialog = _dialog(qtbot)
    assert not dialog.mixed_precision.isEnabled() and dialog.mixed_precision.isChecked()
    assert dialog.config().mixed_precision is True


def test_enabled_only_while_the_device_is_a_cuda_gpu(qtbot, monkeypatch):
    _machine(monkeypatch, "cpu", "cuda", "cuda:0", "cuda:1")
    dialog = _dialog(qtbot, TrainConfig.for_model(mixed_precision=False))
    assert dialog.device_box.currentData() == "auto" and dialog.mixed_precision.isEnabled()
    dialog.mixed_precision.setChecked(True)
    dialog.device_box.setCurrentIndex(dialog.device_box.findData("cpu"))
    assert not dialog.mixed_precision.isEnabled() and dialog.mixed_precision.isChecked()
    assert dialog.config() == TrainConfig.for_model(device="cpu", mixed_precision=True)
    dialog.device_box.setCurrentIndex(dialog.device_box.findData("cuda:1"))
    assert dialog.mixed_precision.isEnabled()

    _machine(monkeypatch, "cpu", "mps")  # Automatic is mps there: float32 whatever the box says
    dialog = _dialog(qtbot)
    assert not dialog.mixed_precision.isEnabled()


def test_the_choice_is_remembered_for_the_next_session(qtbot, settings):
    docks = [ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings)]
    qtbot.addWidget(docks[0])
    chosen = TrainConfig.for_model(epochs=9, device="cpu", mixed_precision=False)
    docks[0].set_train_config(chosen)
    settings.sync()
    assert keys.read(settings, keys.TRAIN_MIXED_PRECISION) is False
    docks.append(ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings))
    qtbot.addWidget(docks[1])
    assert docks[1].controller.config_override == chosen
    for dock in docks:
        dock.shutdown()
