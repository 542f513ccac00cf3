"""Calibration: a fitted temperature brings confidence to accuracy; the classifier applies it."""

import math

import numpy as np
import pytest
import torch

from core.errors import CheckpointError
from core.ml.calibration import (
    MIN_SHARPENING_CLIPS,
    CalibrationSummary,
    calibrate,
    expected_calibration_error,
    fit_temperature,
    reliability,
    view_probabilities,
)
from core.ml.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from core.ml.features import FeatureConfig
from core.ml.inference import Classifier
from core.ml.networks import DEFAULT_MODEL, build_model
from core.ml.train_config import TrainConfig
from core.ml.training import train
from tests import audio_factory
from tests.calibration_sets import calibrated_logits


def test_an_over_confident_model_gets_a_temperature_above_1_and_a_lower_ece():
    logits, targets = calibrated_logits()
    temperature, probabilities, summary = calibrate(3.0 * logits, targets)
    assert 2.5 < temperature < 3.5
    assert summary["ece_after"] < summary["ece_before"] / 3
    assert summary["ece_after"] < 0.03 and summary["n"] == len(targets)
    np.testing.assert_allclose(probabilities, view_probabilities(logits), atol=0.03)


def test_an_under_confident_model_gets_a_temperature_below_1():
    logits, targets = calibrated_logits(seed=1)
    assert 0.4 < fit_temperature(0.5 * logits, targets) < 0.6


def test_a_calibrated_model_keeps_a_temperature_near_1():
    logits, targets = calibrated_logits(seed=2)
    assert 0.9 < fit_temperature(logits, targets) < 1.1
    assert expected_calibration_error(view_probabilities(logits), targets) < 0.03


def test_the_temperature_applies_after_the_views_are_averaged_and_keeps_the_top_class():
    # two views lean to class 1, one is sure of class 0: the mean is class 0 at T 1.0, and would
    # be class 1 (a majority vote) if each view were sharpened before the averaging
    logits = np.array([[[0.0, 0.2], [0.0, 0.2], [5.0, 0.0]]])
    for temperature in (0.1, 0.5, 2.0):
        assert view_probabilities(logits, temperature).argmax() == view_probabilities(logits).argmax()


def test_views_are_averaged_after_the_softmax():
    logits = np.array([[[4.0, 0.0], [0.0, 4.0]]])  # two views that disagree
    np.testing.assert_allclose(view_probabilities(logits), [[0.5, 0.5]])
    one_view = np.array([[2.0, 0.0]])
    np.testing.assert_allclose(view_probabilities(one_view[:, None, :], 2.0),
                               view_probabilities(one_view / 2.0))


def test_nothing_to_fit_on_keeps_1():
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=int)) == 1.0
    assert fit_temperature(np.ones((4, 3)), np.array([0, 1, 2, 0])) == 1.0


def test_every_answer_right_matches_confidence_to_the_smoothed_accuracy():
    logits = np.array([[2.0, 0.0], [0.0, 2.0]] * 10)
    temperature = fit_temperature(logits, np.array([0, 1] * 10))
    assert 0.1 < temperature < 1.0  # not the search's bound: sure, but not certain
    assert view_probabilities(logits, temperature).max(axis=1).mean() == pytest.approx(21 / 22)
    sure = 20.0 * logits  # already surer than 21/22: flattened
    assert fit_temperature(sure, np.array([0, 1] * 10)) > 1.0
    # one wrong answer in twenty: an interior optimum, sharper than 1 but not at the bound
    sharper = fit_temperature(logits, np.array([0, 1] * 9 + [0, 0]))
    assert 0.1 < sharper < 1.0


def test_too_few_clips_may_make_a_model_less_sure_never_surer():
    # Before: six validation clips of two long recordings, every one right, sharpened a weak
    # model to T 0.27, and it called noise a chirp at 98%.
    weak = np.array([[0.3, 0.0], [0.0, 0.3]] * 3)
    right = np.array([0, 1] * 3)
    assert calibrate(weak, right)[0] < 1.0  # what the fit alone says
    temperature, probabilities, summary = calibrate(weak, right, may_sharpen=False)
    assert temperature == 1.0 and summary["held"] is True
    np.testing.assert_allclose(probabilities, view_probabilities(weak))
    assert CalibrationSummary.from_metrics({"calibration": summary}).held
    # Over-confident on those few: still made less sure.
    temperature, _, summary = calibrate(20.0 * weak, right, may_sharpen=False)
    assert temperature > 1.0 and summary["held"] is False


def test_training_on_few_validation_clips_does_not_sharpen(tmp_path):
    clips = []
    for label, hz in (("low", 300.0), ("high", 1200.0)):
        for i in range(8):
            path = tmp_path / label / f"{i}.wav"
            audio_factory.write(path, audio_factory.tone(hz + 10 * i, 0.4))
            clips.append((path, label))
    result = train(clips, TrainConfig(epochs=2, seed=0, cache_features=False))
    summary = CalibrationSummary.from_metrics(result.checkpoint.metrics)
    assert 0 < summary.n < MIN_SHARPENING_CLIPS and summary.temperature >= 1.0


def test_reliability_bins_and_ece_by_hand():
    probabilities = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.45, 0.55]])
    targets = np.array([0, 1, 0, 1])
    confidence, accuracy, count = reliability(probabilities, targets, n_bins=10)
    assert count.tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 0, 2]
    np.testing.assert_allclose(confidence[[5, 9]], [0.55, 0.95])
    np.testing.assert_allclose(accuracy[[5, 9]], [1.0, 0.5])
    assert math.isnan(confidence[0]) and math.isnan(accuracy[0])
    # half the clips 0.45 over-sure, half 0.45 unsure
    assert expected_calibration_error(probabilities, targets, n_bins=10) == pytest.approx(0.45)
    assert expected_calibration_error(np.zeros((0, 2)), np.zeros(0, dtype=int)) == 0.0


def _checkpoint(temperature=1.0):
    config = FeatureConfig(clip_seconds=0.5)
    torch.manual_seed(0)
    model = build_model(DEFAULT_MODEL, 3, (config.n_freqs, config.n_frames))
    return Checkpoint(DEFAULT_MODEL, ["a", "b", "c"], config, model.state_dict(),
                      temperature=temperature)


def test_the_classifier_applies_the_checkpoint_temperature(tmp_path):
    clip = audio_factory.tone(440.0, 0.5)[None, :].astype(np.float32)
    plain = Classifier(_checkpoint(1.0)).probabilities(clip)[0]
    flat = Classifier(_checkpoint(2.0)).probabilities(clip)[0]
    assert plain.argmax() == flat.argmax()
    assert flat.max() < plain.max() and flat.min() > plain.min()
    np.testing.assert_allclose(flat.sum(), 1.0, rtol=1e-5)


def test_temperature_is_saved_loaded_and_old_files_get_1(tmp_path):
    saved = save_checkpoint(_checkpoint(2.5), tmp_path / "m.pt")
    assert load_checkpoint(saved).temperature == 2.5
    payload = torch.load(saved, weights_only=True)
    assert payload["format_version"] == 4
    payload["format_version"] = 3
    del payload["temperature"]
    torch.save(payload, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt").temperature == 1.0
    # a model left at 1.0 stays readable by an Earmark from before calibration
    plain = save_checkpoint(_checkpoint(1.0), tmp_path / "plain.pt")
    assert torch.load(plain, weights_only=True)["format_version"] == 3


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf"), "2", True])
def test_a_temperature_that_is_not_positive_and_finite_is_damaged(tmp_path, value):
    payload = _checkpoint(2.0).to_payload()
    payload["temperature"] = value
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / "bad.pt")


def test_training_fits_and_stores_a_temperature(tmp_path):
    clips = []
    for i in range(8):
        clips.append((audio_factory.write(tmp_path / f"lo{i}.wav",
                                          audio_factory.tone(300.0 + 10 * i, 0.5)), "low"))
        clips.append((audio_factory.write(tmp_path / f"hi{i}.wav",
                                          audio_factory.tone(3000.0 + 50 * i, 0.5)), "high"))
    result = train(clips, TrainConfig(epochs=2, patience_epochs=None, clip_seconds_requested=0.5,
                                      val_split=0.25))
    checkpoint = result.checkpoint
    fit = checkpoint.metrics["calibration"]
    assert fit["temperature"] == checkpoint.temperature
    assert 0.1 <= checkpoint.temperature <= 10.0
    assert fit["n"] == result.n_val and fit["ece_after"] <= fit["ece_before"] + 1e-9
    again = load_checkpoint(save_checkpoint(checkpoint, tmp_path / "m.pt"))
    assert again.temperature == checkpoint.temperature
