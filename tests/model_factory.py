"""Model files for tests that need *a* model but no training: an untrained network, optionally
with the scores, calibration and training record a trained one keeps."""

from __future__ import annotations

from pathlib import Path

import torch

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import FeatureConfig
from core.ml.metrics import ModelMetrics, classification_report
from core.ml.networks import DEFAULT_MODEL, build_model


def untrained_checkpoint(classes=("chirp", "noise", "tone"), clip_seconds: float = 1.0,
                         **fields) -> Checkpoint:
    """An untrained default network (seeded: the same weights every run); ``fields`` are more
    Checkpoint fields (metrics, train_config, thresholds...)."""
    torch.manual_seed(0)
    config = FeatureConfig(clip_seconds=clip_seconds)
    model = build_model(DEFAULT_MODEL, len(classes), (config.n_freqs, config.n_frames))
    return Checkpoint(DEFAULT_MODEL, list(classes), config, model.state_dict(), **fields)


def scored_checkpoint(**train_record) -> Checkpoint:
    """An untrained chirp/noise/tone network with the metrics of a trained one: a report on 6
    validation clips, a calibration summary, thresholds, a creation time, the training settings
    and ``train_record`` (world_size, device...) among them."""
    report = classification_report([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 2],
                                   ["chirp", "noise", "tone"])
    metrics = dict(ModelMetrics(report, n_train=24, n_val=6, best_epoch=7, epochs_run=9).to_dict(),
                   calibration={"temperature": 1.5, "ece_before": 0.25, "ece_after": 0.125, "n": 6})
    return untrained_checkpoint(
        metrics=metrics, train_config={"epochs": 9, "seed": 3, **train_record},
        thresholds=[0.25, 0.5, 0.75], temperature=1.5, created="2025-01-02T03:04:05+00:00")


def save(checkpoint: Checkpoint, path: Path) -> Path:
    return save_checkpoint(checkpoint, path)


def exported_metadata_answering_as_the_app(checkpoint: Checkpoint, clips, path: Path) -> dict:
    """Export ``checkpoint`` to ONNX at ``path``, check that the file answers float32 ``clips``
    as the app does without views (probabilities to 1e-4, novelty to 1e-3 of itself), and return
    the file's metadata."""
    import numpy as np
    import onnxruntime as ort

    from core.ml.export import export_model
    from core.ml.inference import Classifier

    app_p, app_novelty = Classifier(checkpoint)._score(clips, len(clips), views=False, novelty=True)
    session = ort.InferenceSession(str(export_model(checkpoint, path)),
                                   providers=["CPUExecutionProvider"])
    probabilities, novelty = session.run(None, {session.get_inputs()[0].name: clips})
    np.testing.assert_allclose(probabilities, app_p, atol=1e-4)
    np.testing.assert_allclose(novelty, app_novelty, rtol=1e-3)
    return session.get_modelmeta().custom_metadata_map
