"""Inference in the app on the Training Settings device: the classify, detect and score-track
workers build their Classifier on the device the settings ask for (resolved: "auto" is a GPU
when there is one, else the CPU; a device the machine lacks is Automatic, as the dialog shows
it), and the controller, the dock (detection) and the Classify tab pass the settings' device
on. This machine has only a CPU, so a GPU is stood in for by telling the code the machine has
mps and building the model on the CPU all the same."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtGui import QUndoStack

import core.ml.runtime as runtime
from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import FeatureConfig
from core.ml.inference import Classifier
from core.ml.networks import DEFAULT_MODEL, build_model
from core.ml.train_config import TrainConfig
from core.store.project import Project
from core.workflow.events import DetectOutcome
from gui.common.tasks import FunctionWorker
from gui.model import classify_panel, clip_scores, workers
from gui.model import controller as controller_module
from gui.model import dock as dock_module
from gui.model.controller import ModelController
from gui.model.dock import ModelDock
from gui.model.workers import (
    DetectEventsWorker,
    FileClassifyWorker,
    ProjectClassifyWorker,
    inference_device,
)
from tests import audio_factory

CLASSES = ["noise", "tone"]


def _machine(monkeypatch, *devices: str) -> None:
    monkeypatch.setattr(runtime, "available_devices", lambda: list(devices), raising=False)


@pytest.fixture
def model_path(tmp_path):
    config = FeatureConfig(clip_seconds=1.0)
    model = build_model(DEFAULT_MODEL, len(CLASSES), (config.n_freqs, config.n_frames))
    return save_checkpoint(Checkpoint(DEFAULT_MODEL, CLASSES, config, model.state_dict()),
                           tmp_path / "model.pt")


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """The devices the workers ask their Classifiers for; each is built on the CPU (the only
    device this machine has) whatever was asked."""
    asked: list[str] = []
    real = Classifier.from_checkpoint

    def from_checkpoint(source, decode_workers=2, device="cpu"):
        asked.append(device)
        return real(source, decode_workers=decode_workers, device="cpu")

    stand_in = SimpleNamespace(from_checkpoint=from_checkpoint)
    monkeypatch.setattr(workers, "Classifier", stand_in)
    monkeypatch.setattr(clip_scores, "Classifier", stand_in)
    monkeypatch.setattr(clip_scores, "_loaded", {})
    return asked


def test_the_settings_device_resolves_to_one_this_machine_has(monkeypatch):
    assert inference_device("cpu") == "cpu"
    assert inference_device("auto") == inference_device() == "cpu"  # no GPU here
    assert inference_device("cuda:1") == "cpu"  # chosen on another machine: Automatic
    _machine(monkeypatch, "cpu", "mps")
    assert inference_device("auto") == "mps"
    assert inference_device("cpu") == "cpu"
    assert inference_device("cuda:0") == "mps"


@pytest.mark.parametrize("requested, machine, expected", [
    ("cpu", ("cpu",), "cpu"),
    ("auto", ("cpu",), "cpu"),
    ("cpu", ("cpu", "mps"), "cpu"),
    ("auto", ("cpu", "mps"), "mps"),
])
def test_dropped_files_are_classified_on_the_settings_device(tmp_path, model_path, built,
                                                             monkeypatch, requested, machine,
                                                             expected):
    _machine(monkeypatch, *machine)
    path = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(440.0, 1.0))
    assert FileClassifyWorker([path], model_path, device=requested).work() == (1, [])
    assert built == [expected]


def test_the_project_is_classified_and_searched_on_the_settings_device(tmp_path, model_path,
                                                                       built, monkeypatch):
    root = tmp_path / "rec"
    audio_factory.write(root / "night.wav", audio_factory.tone(440.0, 12.0))
    audio_factory.write(root / "tone" / "clip.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(root) as project:
        project.scan()
        model_id = project.add_model(model_path, CLASSES, {}, {})
        assert ProjectClassifyWorker(project, model_id, model_path, only_new=True,
                                     device="cpu").work_on(project)[0] == 2
        _machine(monkeypatch, "cpu", "mps")
        outcome = DetectEventsWorker(project, model_path, device="auto").work_on(project)
    assert outcome.searched == outcome.total >= 1
    assert built == ["cpu", "mps"]


def test_the_score_track_and_explanation_load_the_model_on_the_settings_device(
        model_path, built, monkeypatch):
    _machine(monkeypatch, "cpu", "mps")
    first = clip_scores.load_classifier(model_path, "cpu")
    assert clip_scores.load_classifier(model_path, "cpu") is first  # loaded once
    clip_scores.load_classifier(model_path, "auto")  # another device: loaded again
    assert built == ["cpu", "mps"]


def test_the_score_track_and_explanation_follow_a_new_device_at_once(tmp_path, monkeypatch):
    controller = ModelController()
    controller.project = SimpleNamespace(store_path=tmp_path / "store" / "project.db")
    record = SimpleNamespace(id=3, path="models/m.pt", settings={})
    monkeypatch.setattr(controller, "active_model", lambda: record)
    followed = []
    clip_scores.follow_active_model(controller, followed.append)
    controller.set_config(TrainConfig.for_model(device="cpu"))
    controller.set_config(TrainConfig.for_model(device="cpu", epochs=5))  # same device: no news
    assert [(m.model_id, m.device) for m in followed] == [(3, "auto"), (3, "cpu")]


def test_the_controller_classifies_on_the_settings_device(tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr(controller_module, "ProjectClassifyWorker",
                        lambda *args, **kwargs: made.append(kwargs) or object())
    controller = ModelController()
    monkeypatch.setattr(controller, "_classifying",
                        SimpleNamespace(start=lambda worker, **_: None, abandon=lambda: None))
    controller.project = SimpleNamespace(store_path=tmp_path / "store" / "project.db")
    record = SimpleNamespace(id=3, path="models/m.pt")
    controller.classify_project(record)  # no settings chosen: TrainConfig's "auto"
    controller.config_override = TrainConfig.for_model(device="cpu")
    controller.classify_project(record)
    assert [kwargs["device"] for kwargs in made] == ["auto", "cpu"]


def test_the_classify_tab_uses_the_docks_settings(qtbot, settings, tmp_path,
                                                               model_path, monkeypatch):
    made = []

    class Recorder(FileClassifyWorker):
        def __init__(self, paths, checkpoint, device="auto") -> None:
            super().__init__(paths, checkpoint, device)
            made.append(device)

        def work(self) -> tuple[int, list[str]]:
            return 0, []  # no file classified, no folder without audio

    monkeypatch.setattr(classify_panel, "FileClassifyWorker", Recorder)
    dock = ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings)
    qtbot.addWidget(dock)
    try:
        dock.classify.set_model(model_path)
        path = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(440.0, 1.0))
        dock.set_train_config(TrainConfig.for_model(device="cpu"))
        assert dock.classify.classify([path])
        qtbot.waitUntil(lambda: not dock.classify.is_busy(), timeout=10_000)  # a drop waits
        dock.set_train_config(TrainConfig.for_model(device="auto"))
        assert dock.classify.classify([path])
        qtbot.waitUntil(lambda: not dock.classify.is_busy(), timeout=10_000)
    finally:
        dock.shutdown()
    assert made == ["cpu", "auto"]


def test_detection_uses_the_docks_settings(qtbot, settings, tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr(dock_module, "DetectEventsWorker", lambda *args, **kwargs: (
        made.append(kwargs["device"]) or FunctionWorker(lambda _task: DetectOutcome())))
    dock = ModelDock(None, None, QUndoStack(), lambda *_: None, settings=settings)
    qtbot.addWidget(dock)
    try:
        dock.controller.project = SimpleNamespace(store_path=tmp_path / "store" / "project.db")
        monkeypatch.setattr(dock.controller, "active_model",
                            lambda: SimpleNamespace(id=3, path="models/m.pt", classes=["a"]))
        for device in ("cpu", "auto"):
            dock.set_train_config(TrainConfig.for_model(device=device))
            assert dock.detect_events()
            qtbot.waitUntil(lambda: not dock.is_detecting(), timeout=20_000)
    finally:
        dock.shutdown()
        dock.controller.project = None
    assert made == ["cpu", "auto"]
