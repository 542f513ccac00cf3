"""Event metrics beside the clip metrics: the project classification after training also scores
the model's events against the regions a person marked, and the Training tab says so."""

from __future__ import annotations

import pytest

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import FeatureConfig
from core.ml.networks import DEFAULT_MODEL, build_model
from core.store.project import Project
from gui.model.training_panel import TrainingPanel
from gui.model.workers import ProjectClassifyWorker
from tests import audio_factory


@pytest.fixture
def untrained_model(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    config = FeatureConfig(clip_seconds=1.0)
    classes = ["noise", "tone"]
    model = build_model(DEFAULT_MODEL, len(classes), (config.n_freqs, config.n_frames))
    return save_checkpoint(Checkpoint(DEFAULT_MODEL, classes, config, model.state_dict()),
                           tmp_path / "untrained.pt")


def test_the_classification_after_training_scores_events_on_marked_recordings(tmp_path,
                                                                             untrained_model):
    root = tmp_path / "rec"
    audio_factory.write(root / "night.wav", audio_factory.tone(440.0, 5.0))
    audio_factory.write(root / "clip.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(root) as project:
        project.scan()
        night = next(c for c in project.clips() if c.path == "night.wav")
        project.add_region(night.id, 1.0, 2.0, label="tone")
        model_id = project.add_model(untrained_model, ["noise", "tone"], {}, {})
        n, table, events, _ = ProjectClassifyWorker(project, model_id, untrained_model).work_on(project)
    assert n == 2 and table is not None
    assert events["n_files"] == 1 and events["micro"]["support"] == 1
    assert set(events["per_class"]) <= {"noise", "tone"}


def test_a_project_without_marked_regions_has_no_event_metrics(tmp_path, untrained_model):
    root = tmp_path / "clips"
    audio_factory.write(root / "tone" / "a.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(root) as project:
        project.scan()
        model_id = project.add_model(untrained_model, ["noise", "tone"], {}, {})
        assert ProjectClassifyWorker(project, model_id, untrained_model).work_on(project)[2] is None


def test_the_training_tab_shows_event_metrics_and_hides_them_for_another_model(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_event_metrics({"n_files": 2, "micro": {"precision": 0.5, "recall": 0.75, "f1": 0.6,
                                                     "hits": 3, "support": 4, "predicted": 6}})
    assert panel.events_summary.isVisibleTo(panel)
    assert "precision 50%, recall 75%, F1 0.60" in panel.events_summary.text()
    panel.show_model(None)
    assert not panel.events_summary.isVisibleTo(panel)


def test_the_dock_passes_the_controllers_event_metrics_to_the_training_tab(qtbot):
    from PySide6.QtGui import QUndoStack

    from gui.model.dock import ModelDock

    dock = ModelDock(None, None, QUndoStack(), lambda *_: None)
    qtbot.addWidget(dock)
    dock.controller._on_classify_finished(1, None, {
        "n_files": 1, "micro": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "hits": 1,
                                "support": 1, "predicted": 1}})
    assert dock.training.events_summary.isVisibleTo(dock.training)
    dock.shutdown()


def test_a_project_labelled_only_by_regions_shows_no_empty_clip_matrix(qtbot):
    import numpy as np

    from core.workflow import ConfusionTable

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show_confusion(ConfusionTable(("a", "b"), np.zeros((2, 2), int), {}))
    assert "No whole clip is labelled" in panel.confusion_caption.text()
