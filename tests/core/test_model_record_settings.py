"""A model record always carries its FeatureConfig and the requested and resolved clip lengths
under distinct names, whether trained here or loaded from a file; metrics read back typed."""

from __future__ import annotations

from core import workflow as pm
from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import preset
from core.ml.metrics import ModelMetrics, classification_report
from core.ml.networks import build_model
from core.ml.train_config import TrainConfig
from core.store.project import Project
from tests import audio_factory


def _checkpoint(clip_seconds: float, train_config: dict) -> Checkpoint:
    features = preset("default").with_clip_seconds(clip_seconds)
    model = build_model("compact-bands", 2, (features.n_freqs, features.n_frames))
    report = classification_report([0, 1, 1], [0, 1, 0], ["a", "b"])
    metrics = ModelMetrics(report, n_train=9, n_val=3, best_epoch=2, epochs_run=4).to_dict()
    return Checkpoint("compact-bands", ["a", "b"], features, model.state_dict(),
                      train_config=train_config, metrics=metrics)


def _project(tmp_path):
    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=1, kinds=("tone", "noise"))
    return Project.open(root, store_dir=tmp_path / "store")


def test_a_loaded_model_file_records_its_features(tmp_path):
    checkpoint = _checkpoint(2.5, TrainConfig().to_dict())  # asked "auto", resolved 2.5 s
    path = save_checkpoint(checkpoint, tmp_path / "elsewhere" / "model.pt")
    with _project(tmp_path) as project:
        model_id = pm.import_model_file(project, path)
        record = next(m for m in project.models() if m.id == model_id)
    assert pm.model_features(record) == checkpoint.feature_config  # not the defaults
    assert record.settings["clip_seconds_requested"] == "auto"
    assert record.settings["clip_seconds"] == 2.5
    assert record.settings["imported_from"] == str(path.resolve())
    metrics = pm.model_metrics(record)
    assert isinstance(metrics, ModelMetrics)
    assert (metrics.accuracy, metrics.n_evaluated, metrics.best_epoch) == (2 / 3, 3, 2)
    assert metrics.report.class_metrics("b").support == 2


def test_trained_and_loaded_records_hold_the_same_settings(tmp_path):
    checkpoint = _checkpoint(1.5, TrainConfig(clip_seconds_requested=1.5).to_dict())
    path = save_checkpoint(checkpoint, tmp_path / "elsewhere" / "model.pt")
    with _project(tmp_path) as project:
        trained = pm.save_trained_model(project, checkpoint)
        loaded = pm.import_model_file(project, path)
        records = {m.id: m for m in project.models()}
    trained_settings = dict(records[trained].settings)
    loaded_settings = dict(records[loaded].settings)
    assert loaded_settings.pop("imported_from")
    assert trained_settings == loaded_settings
    assert records[trained].metrics == records[loaded].metrics == checkpoint.metrics  # on disk


def test_a_model_without_scores_reads_as_empty_metrics(tmp_path):
    checkpoint = _checkpoint(1.0, {})
    checkpoint.metrics = {}
    with _project(tmp_path) as project:
        model_id = pm.save_trained_model(project, checkpoint)
        record = next(m for m in project.models() if m.id == model_id)
    metrics = pm.model_metrics(record)
    assert metrics.report is None and metrics.accuracy is None
    assert pm.model_metrics(None).report is None
