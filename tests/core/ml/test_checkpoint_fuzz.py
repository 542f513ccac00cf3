"""A model file from a stranger, well formed as a weights-only file but holding values of the
wrong type where Earmark's hold numbers, text and lists (a list for the sample rate, an infinite
clip length, a tensor for the history, a million mel bands): loading it, writing its card and
reading its scores give answers or a CheckpointError naming the file, never a Python error.
Seeded: each value of a scored checkpoint's payload replaced by a wrong one, a few at a time."""

from __future__ import annotations

import copy
import random

import pytest
import torch

from core.errors import CheckpointError
from core.ml.calibration import CalibrationSummary
from core.ml.checkpoint import load_checkpoint
from core.ml.features import FeatureConfig
from core.ml.metrics import ModelMetrics
from core.ml.model_card import format_card, model_card
from tests import model_factory
from tests.value_mutation import WRONG_VALUES, replaced, value_paths


@pytest.fixture(scope="module")
def payload(tmp_path_factory):
    path = model_factory.save(model_factory.scored_checkpoint(),
                              tmp_path_factory.mktemp("m") / "m.pt")
    return torch.load(path, weights_only=True)


def test_a_strangers_values_of_the_wrong_type_are_refused_or_read(tmp_path, payload):
    rng = random.Random(0)
    path = tmp_path / "stranger.pt"
    wrong = [torch.zeros(2), *WRONG_VALUES]
    for _ in range(250):
        data = copy.deepcopy(payload)
        for _ in range(rng.randint(1, 2)):
            spot = rng.choice([p for p in value_paths(data, whole=(("state_dict",),)) if p])
            data = replaced(data, spot, copy.deepcopy(rng.choice(wrong)))
        torch.save(data, path)
        try:
            checkpoint = load_checkpoint(path)
        except CheckpointError as error:
            assert "stranger.pt" in str(error)
            continue
        format_card(model_card(checkpoint, path))
        ModelMetrics.from_dict(checkpoint.metrics)
        CalibrationSummary.from_metrics(checkpoint.metrics)


@pytest.mark.parametrize(("key", "value", "reason"), [
    (("feature_config", "sample_rate_hz"), [16000], r"sample rate \(Hz\) \[16000\] is not a number"),
    (("feature_config", "clip_seconds"), float("inf"), r"clip \(s\) inf is not a number"),
    (("feature_config", "n_mels"), 10**6, "n mels 1000000 is not a number from 1 to 1024"),
    (("feature_config", "kind"), "mfcc", "kind 'mfcc' is not one of logmel, spectrogram"),
    (("history",), torch.zeros(3), "history is not a list"),
    (("feature_config", "sample_rate_hz"), 0, r"sample rate \(Hz\) 0 is not a number from 1"),
    (("metrics",), torch.zeros(3), "metrics is not a dict"),
])
def test_each_bad_setting_is_named(tmp_path, payload, key, value, reason):
    data = replaced(copy.deepcopy(payload), key, value)
    path = tmp_path / "odd.pt"
    torch.save(data, path)
    with pytest.raises(CheckpointError, match=r"odd\.pt.*damaged Earmark model file.*" + reason):
        load_checkpoint(path)


def test_scores_that_are_tensors_or_infinite_are_not_recorded():
    metrics = {"accuracy": 0.5, "macro_f1": torch.zeros(2), "classes": torch.zeros(2),
               "n_train": float("inf"), "evaluated_on": torch.zeros(2), "stopped": torch.ones(2)}
    read = ModelMetrics.from_dict(metrics)
    assert read.report is None and read.n_train is None
    assert read.evaluated_on == "validation" and read.stopped is False
    reliability = {"confidence": [0.5], "accuracy": [0.5], "count": [float("inf")]}
    summary = CalibrationSummary.from_metrics({"calibration": {
        "temperature": 1.0, "ece_before": 0.1, "ece_after": 0.1, "reliability_after": reliability}})
    assert summary is not None and summary.after is None


def test_a_feature_config_refuses_what_it_cannot_compute():
    for bad, name in (({"hop_length": 0}, "hop length"), ({"max_frames": 1}, "max frames"),
                      ({"augment_probability": 1.5}, "augment probability"),
                      ({"prediction_views": 1}, "prediction views"),
                      ({"normalize": None}, "normalize"), ({"f_min_hz": float("nan")}, r"f min \(Hz\)")):
        with pytest.raises(ValueError, match=f"feature settings: {name} "):
            FeatureConfig(**bad)
    # None where the setting allows it, and numpy's integers, as the recordings give them.
    import numpy as np
    assert FeatureConfig(hop_length=None, max_frames=None, f_max_hz=None,
                         sample_rate_hz=np.int64(8000)).sample_rate_hz == 8000
