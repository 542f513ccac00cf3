"""The reliability diagrams a model keeps: calibrate() stores the validation split's diagram at
T 1.0 and at the fitted T, JSON-friendly; CalibrationSummary reads them back, and reads models
from before they were kept (or without any calibration) as such."""

import json
import math

import numpy as np
import pytest

from core.ml.calibration import (
    CalibrationSummary,
    Reliability,
    calibrate,
    expected_calibration_error,
)
from tests.calibration_sets import calibrated_logits


def _over_confident():
    logits, targets = calibrated_logits(n=2000, n_classes=4)
    return 3.0 * logits, targets


def test_calibrate_keeps_both_diagrams_json_friendly():
    logits, targets = _over_confident()
    temperature, probabilities, summary = calibrate(logits, targets)
    text = json.dumps(summary, allow_nan=False)  # NaN of empty bins written as null
    summary_back = CalibrationSummary.from_metrics({"calibration": json.loads(text)})
    assert summary_back.temperature == pytest.approx(temperature)
    before, after = summary_back.before, summary_back.after
    assert before.n == after.n == len(targets) and before.n_bins == 15
    assert before.ece == pytest.approx(summary["ece_before"])
    assert after.ece == pytest.approx(summary["ece_after"])
    assert after.ece == pytest.approx(expected_calibration_error(probabilities, targets), abs=1e-6)
    # over-confident before: the filled top bins are surer than they are right; not after
    top = max(i for i, c in enumerate(before.count) if c)
    assert before.confidence[top] - before.accuracy[top] > 0.05
    assert after.ece < before.ece / 3


def test_an_empty_bin_is_none_not_nan():
    diagram = Reliability.of(np.array([[0.9, 0.1], [0.8, 0.2]]), np.array([0, 1]), n_bins=10)
    assert diagram.count == (0, 0, 0, 0, 0, 0, 0, 1, 1, 0)
    assert diagram.confidence[0] is None and diagram.accuracy[0] is None
    assert diagram.accuracy[7:9] == (0.0, 1.0)
    assert Reliability.from_dict(diagram.to_dict()) == diagram


def test_old_and_absent_summaries():
    assert CalibrationSummary.from_metrics({}) is None
    assert CalibrationSummary.from_metrics(None) is None
    assert CalibrationSummary.from_metrics({"calibration": None}) is None  # multi-label, stopped
    old = CalibrationSummary.from_metrics(
        {"calibration": {"temperature": 0.5, "ece_before": 0.16, "ece_after": 0.04, "n": 80}})
    assert (old.temperature, old.ece_before, old.ece_after, old.n) == (0.5, 0.16, 0.04, 80)
    assert old.before is None and old.after is None


@pytest.mark.parametrize("damaged", [
    {"confidence": [0.5], "accuracy": [0.5, 0.2], "count": [1]},  # ragged
    {"confidence": [0.5], "accuracy": [0.5]},  # no counts
    {"confidence": [0.5], "accuracy": [0.5], "count": [-1]},
    {"confidence": [], "accuracy": [], "count": []},
    "not a diagram",
])
def test_a_damaged_diagram_is_dropped_not_raised(damaged):
    summary = CalibrationSummary.from_metrics({"calibration": {
        "temperature": 1.0, "ece_before": 0.1, "ece_after": 0.1, "n": 1,
        "reliability_before": damaged, "reliability_after": damaged}})
    assert summary is not None and summary.before is None and summary.after is None


def test_a_damaged_temperature_drops_the_summary():
    bad = {"temperature": "x", "ece_before": math.nan, "ece_after": 0.1}
    assert CalibrationSummary.from_metrics({"calibration": bad}) is None


@pytest.mark.slow
def test_a_trained_checkpoint_keeps_its_diagrams(trained):
    summary = CalibrationSummary.from_metrics(trained.checkpoint.metrics)
    assert summary.after is not None and summary.after.n == trained.n_val
    assert summary.temperature == trained.checkpoint.temperature
