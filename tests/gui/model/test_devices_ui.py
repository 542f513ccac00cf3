"""Devices in the app: Training Settings offers automatic, the CPU and the GPUs this machine has
(and remembers the choice), the Training tab says where a run trains and where the shown model
was trained, and Model > Clear Feature Cache… measures and clears the project's cache in the
background."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtGui import QUndoStack

import core.ml.runtime as runtime
from core.ml.feature_cache import feature_cache_dir
from core.ml.train_config import TrainConfig
from core.store.records import ModelRecord
from gui.actions import model_menu
from gui.common import settings as keys
from gui.model.dock import ModelDock
from gui.model.settings_dialog import TrainSettingsDialog
from gui.model.training_panel import TrainingPanel
from tests.gui.helpers import open_and_wait

TIMEOUT_MS = 20_000


def _machine(monkeypatch, *devices: str) -> None:
    monkeypatch.setattr(runtime, "available_devices", lambda: list(devices), raising=False)


def _offered(dialog) -> list[str]:
    box = dialog.device_box
    return [box.itemData(i) for i in range(box.count())]


# ---------------------------------------------------------------- Training Settings


def test_the_dialog_offers_only_the_devices_this_machine_has(qtbot, monkeypatch):
    _machine(monkeypatch, "cpu")
    dialog = TrainSettingsDialog()
    qtbot.addWidget(dialog)
    assert _offered(dialog) == ["auto", "cpu"]
    assert dialog.device_box.currentText().startswith("Automatic")
    assert dialog.config().device == "auto"

    _machine(monkeypatch, "cuda:0", "cuda:1", "cpu")
    dialog = TrainSettingsDialog(TrainConfig.for_model(device="cuda:1"))
    qtbot.addWidget(dialog)
    assert _offered(dialog) == ["auto", "cpu", "cuda:0", "cuda:1"]
    assert dialog.device_box.currentData() == "cuda:1"
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("seed-cnn"))  # its own defaults...
    assert dialog.config().device == "cuda:1"  # ...on the same device


def test_a_gpu_chosen_on_another_machine_shows_as_automatic(qtbot, monkeypatch):
    _machine(monkeypatch, "cpu")
    dialog = TrainSettingsDialog(TrainConfig.for_model(device="cuda:1"))
    qtbot.addWidget(dialog)
    assert dialog.device_box.currentData() == "auto"
    assert dialog.config().device == "auto"


def test_the_device_is_remembered_for_the_next_session(qtbot, settings, monkeypatch):
    _machine(monkeypatch, "cuda:0", "cpu")
    docks = []
    for _ in range(2):
        docks.append(ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings))
        qtbot.addWidget(docks[-1])
    first, _ = docks
    first.set_train_config(TrainConfig.for_model(epochs=9, device="cuda:0"))
    settings.sync()
    assert keys.read(settings, keys.TRAIN_DEVICE) == "cuda:0"
    restored = ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings)
    qtbot.addWidget(restored)
    docks.append(restored)
    assert restored.controller.config_override == TrainConfig.for_model(epochs=9, device="cuda:0")
    for dock in docks:
        dock.shutdown()


# ---------------------------------------------------------------- Training tab


def _progress(device: str | None, precision: str | None = None):
    return SimpleNamespace(phase="training", fraction=0.5, message="epoch 1/2", elapsed_s=1.0,
                           eta_s=3.0, epoch=1, epochs=2, epoch_metrics=None, device=device,
                           precision=precision)


def test_the_training_tab_says_where_a_run_trains(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.training_started({"a": 3, "b": 3})
    assert not panel.device_note.isVisible()  # not named yet
    panel.show_progress(_progress(None))
    assert not panel.device_note.isVisible()
    panel.show_progress(_progress("cpu"))
    assert panel.device_note.isVisible() and panel.device_note.text() == "Training on CPU"
    panel.show_progress(_progress("cuda:0", "bf16"))
    assert panel.device_note.text() == "Training on cuda:0 (bf16)"
    assert panel.progress.format() == "Epoch 1/2 · 0:03 left"
    # The speech model's gate trains after it: its bar says so, not "Epoch 1/30" again.
    gate = SimpleNamespace(**{**vars(_progress("cpu")), "phase": "gate",
                              "message": "unknown rule: epoch 4/30", "fraction": 0.7})
    panel.show_progress(gate)
    assert panel.progress.format() == "Unknown rule: epoch 4/30 · 0:03 left"
    panel.training_finished(SimpleNamespace(stopped=False, checkpoint=object(), elapsed_s=65.0,
                                            history=[1, 2], best_epoch=2, device="cuda:0"))
    assert panel.status.text() == "Trained in 1:05 on cuda:0, 2 epochs."
    panel.training_finished(SimpleNamespace(stopped=False, checkpoint=object(), elapsed_s=65.0,
                                            history=[1, 2, 3], best_epoch=2, device="cpu"))
    assert panel.status.text() == "Trained in 1:05 on CPU, 3 epochs (best 2)."  # constant rate
    assert not panel.device_note.isVisible()
    panel.training_started({"a": 3, "b": 3})
    panel.show_progress(_progress("cpu"))
    panel.training_failed("out of memory")
    assert not panel.device_note.isVisible()


def test_the_training_tab_says_where_the_shown_model_was_trained(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    record = ModelRecord(1, "/models/m1.pt", ("a", "b"), {"device": "auto"},
                         {"accuracy": 0.9, "device": "cpu", "world_size": 1}, None, 0.0)
    panel.show_model(record)
    assert "trained on CPU, 1 process" in panel.summary.text()
    two = ModelRecord(2, "/models/m2.pt", ("a", "b"), {},
                      {"device": "cuda:0", "world_size": 2}, None, 0.0)
    panel.show_model(two)
    assert "trained on cuda:0, 2 processes" in panel.summary.text()
    older = ModelRecord(3, "/models/m3.pt", ("a", "b"), {}, {"accuracy": 0.9}, None, 0.0)
    panel.show_model(older)  # trained before devices were recorded: nothing claimed
    assert "trained on" not in panel.summary.text()


# ---------------------------------------------------------------- Clear Feature Cache


def test_clear_feature_cache_shows_the_size_and_clears_in_the_background(
        qtbot, window, clip_folder, monkeypatch):
    action = window.acts.clear_feature_cache
    assert not action.isEnabled()  # no project
    open_and_wait(qtbot, window, clip_folder)
    assert action.isEnabled()
    cache = feature_cache_dir(window.project.store_path.parent)
    shard = cache / "features-0123" / "run.rows"
    shard.parent.mkdir(parents=True)
    shard.write_bytes(bytes(2_500_000))
    messages, asked = [], []
    monkeypatch.setattr(window, "show_message",
                        lambda text, kind="info": messages.append((text, kind)))
    monkeypatch.setattr(model_menu, "ask_clear_cache",
                        lambda parent, size: asked.append(size) or len(asked) > 1)

    action.trigger()  # declined
    qtbot.waitUntil(lambda: bool(asked), timeout=TIMEOUT_MS)
    assert asked == ["2.5 MB"] and shard.is_file() and not messages

    action.trigger()  # accepted
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    assert messages == [("Cleared the feature cache (2.5 MB).", "info")]
    assert not cache.exists()

    messages.clear()
    action.trigger()  # nothing left to clear: said, not asked
    qtbot.waitUntil(lambda: bool(messages), timeout=TIMEOUT_MS)
    assert messages == [("The feature cache is empty.", "info")] and len(asked) == 2


def test_clear_feature_cache_waits_for_a_run_to_end(qtbot, window, clip_folder, monkeypatch):
    open_and_wait(qtbot, window, clip_folder)
    messages = []
    monkeypatch.setattr(window, "show_message",
                        lambda text, kind="info": messages.append((text, kind)))
    monkeypatch.setattr(model_menu, "ask_clear_cache", pytest.fail)
    with monkeypatch.context() as training:  # undone before the window closes
        training.setattr(window.model_dock.controller, "is_training", lambda: True)
        window.acts.clear_feature_cache.trigger()
    assert messages and "once the run ends" in messages[0][0]
