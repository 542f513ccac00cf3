"""A model that answers with its gate (fusion.py): the mean of two networks' calibrated
probabilities, its own temperature fitted on the clips both held out; kept in the checkpoint,
used by the classifier, the exported file and the model card alike."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.ml.calibration import expected_calibration_error
from core.ml.fusion import Reported, fit_fusion, fuse
from core.ml.networks import DEFAULT_MODEL
from core.ml.train_config import SPEECH_MODEL, TrainConfig
from tests import audio_factory, model_factory


def _fuse(own, gate, temperature: float) -> np.ndarray:
    """``fusion.fuse`` of numpy probabilities, in float64."""
    return fuse(torch.as_tensor(np.asarray(own), dtype=torch.float64),
                torch.as_tensor(np.asarray(gate), dtype=torch.float64), temperature).numpy()


def _reported(probabilities, targets, keys=None, held_out=True) -> Reported:
    keys = tuple(range(len(targets))) if keys is None else keys
    return Reported(keys, np.asarray(targets), np.asarray(probabilities), held_out)


def _unsure_pair(n: int = 400, seed: int = 0):
    """Two right-but-unsure answers over three classes: each network gives the true class 0.6
    and is right 19 times in 20, so their answer together says about 0.6 where it is right
    far more often."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 3, n)
    answers = []
    for _ in range(2):
        p = np.full((n, 3), 0.2)
        top = np.where(rng.random(n) < 0.95, targets, (targets + 1) % 3)
        p[np.arange(n), top] = 0.6
        answers.append(p)
    return targets, answers


def test_two_answers_pool_as_a_geometric_mean_and_one_that_knows_nothing_changes_no_answer():
    # sqrt(0.9 x 0.5) against sqrt(0.1 x 0.5): 0.75 and 0.25.
    np.testing.assert_allclose(_fuse([[0.9, 0.1]], [[0.5, 0.5]], 1.0), [[0.75, 0.25]])
    rng = np.random.default_rng(1)
    own = rng.dirichlet(np.ones(4), size=50)
    uniform = np.full((50, 4), 0.25)  # a network that hears nothing of these sounds
    assert (_fuse(own, uniform, 0.5).argmax(1) == own.argmax(1)).all()
    np.testing.assert_allclose(_fuse(own, uniform, 0.5), own, atol=1e-9)  # T 0.5 undoes the halving


def test_the_fusion_s_temperature_makes_unsure_answers_together_as_sure_as_they_are_right():
    targets, (own, gate) = _unsure_pair()
    pooled = _fuse(own, gate, 1.0)
    fitted = fit_fusion(_reported(own, targets), _reported(gate, targets))
    assert fitted is not None
    temperature, probabilities, summary = fitted
    assert temperature < 1.0  # surer than the answers pooled as they are
    np.testing.assert_allclose(probabilities, _fuse(own, gate, temperature), atol=1e-6)
    assert (probabilities.argmax(1) == pooled.argmax(1)).all()  # a temperature changes no answer
    assert expected_calibration_error(pooled, targets) > 0.2
    assert summary["ece_after"] < 0.05 < summary["ece_before"]


def test_runs_that_did_not_hold_out_the_same_clips_give_no_fusion():
    targets, (own, gate) = _unsure_pair(40)
    mine = _reported(own, targets)
    assert fit_fusion(mine, None) is None
    assert fit_fusion(mine, _reported(gate, targets, held_out=False)) is None  # training clips
    assert fit_fusion(mine, _reported(gate, targets, keys=tuple(range(1, 41)))) is None
    assert fit_fusion(mine, _reported(gate, (targets + 1) % 3)) is None


@pytest.fixture(scope="module")
def fused(tmp_path_factory):
    """A speech model trained at the clips' own length (auto), so its gate hears its clips."""
    from core.ml.checkpoint import load_checkpoint, save_checkpoint
    from core.ml.training import train

    tmp = tmp_path_factory.mktemp("fusion")
    root = audio_factory.make_class_folder(tmp / "clips", n_per_class=24, kinds=("tone", "chirp"))
    pairs = sorted((str(p), p.parent.name) for p in root.rglob("*.wav"))
    result = train(pairs, TrainConfig.for_model(SPEECH_MODEL, epochs=6, seed=0))
    path = save_checkpoint(result.checkpoint, tmp / "speech.pt")
    return result, load_checkpoint(path), path, pairs


def test_a_speech_model_at_its_clips_own_length_answers_with_its_gate(fused):
    from core.ml.inference import Classifier

    result, checkpoint, _path, pairs = fused
    assert checkpoint.partner.feature_config.n_samples == checkpoint.feature_config.n_samples
    assert checkpoint.fusion_temperature is not None  # kept through the file
    # What training reports (accuracy, calibration) is the fused answer's.
    assert checkpoint.metrics["fused_with_partner"] == DEFAULT_MODEL
    assert checkpoint.metrics["accuracy"] == result.report.accuracy
    assert checkpoint.metrics["calibration"]["temperature"] == checkpoint.fusion_temperature
    rng = np.random.default_rng(7)
    clips = np.stack([audio_factory.class_sample(kind, rng) for kind in ("tone", "chirp")])
    n = checkpoint.feature_config.n_samples
    clips = np.stack([np.pad(c, (0, max(0, n - len(c))))[:n] for c in clips]).astype(np.float32)
    own = Classifier(dataclasses.replace(checkpoint, fusion_temperature=None)).probabilities(clips)
    gate = Classifier(checkpoint.partner).probabilities(clips)
    fused_answer = Classifier(checkpoint).probabilities(clips)
    np.testing.assert_allclose(fused_answer, _fuse(own, gate, checkpoint.fusion_temperature),
                               atol=1e-5)
    assert list(fused_answer.argmax(1)) == [checkpoint.classes.index(k) for k in ("tone", "chirp")]


def test_a_checkpoint_answers_with_its_gate_only_where_the_gate_hears_its_clips(fused):
    from tests.model_factory import untrained_checkpoint

    checkpoint = fused[1]
    with pytest.raises(ValueError, match="only where the partner hears"):
        untrained_checkpoint(fusion_temperature=0.7)  # no gate
    shorter = dataclasses.replace(checkpoint.partner, feature_config=(
        checkpoint.partner.feature_config.with_clip_seconds(0.5)))
    with pytest.raises(ValueError, match="only where the partner hears"):
        dataclasses.replace(checkpoint, partner=shorter)
    with pytest.raises(ValueError, match="positive"):
        dataclasses.replace(checkpoint, fusion_temperature=-1.0)


def test_the_fused_model_exports_and_reads_as_the_app_answers(fused, tmp_path):
    from core.ml.features import prepare_clip
    from core.ml.model_card import format_card, read_model_card

    _result, checkpoint, path, pairs = fused
    n = checkpoint.feature_config.n_samples
    clips = np.stack([prepare_clip(checkpoint.feature_config.read(p), n) for p, _ in pairs[:3]])
    meta = model_factory.exported_metadata_answering_as_the_app(checkpoint, clips,
                                                                tmp_path / "speech.onnx")
    assert "the mean of this network's and its partner's calibrated log-probabilities" in (
        meta["output"])
    card = " ".join(format_card(read_model_card(path)).split())
    assert "answered with its partner (the compact-bands network trained on the same clips beside it)" in card


def test_the_temperature_answered_last_is_the_fusion_s_and_undoing_it_is_exact(fused):
    # `evaluate` reports the ECE without calibration by undoing the temperature applied last.
    from core.ml.calibration import temper
    from core.ml.inference import Classifier

    checkpoint = fused[1]
    classifier = Classifier(checkpoint)
    assert classifier.answer_temperature == checkpoint.fusion_temperature != checkpoint.temperature
    assert Classifier(checkpoint.partner).answer_temperature == checkpoint.partner.temperature
    rng = np.random.default_rng(3)
    own, gate = rng.dirichlet(np.ones(3), size=20), rng.dirichlet(np.ones(3), size=20)
    shown = _fuse(own, gate, classifier.answer_temperature)
    np.testing.assert_allclose(temper(shown, 1 / classifier.answer_temperature),
                               _fuse(own, gate, 1.0), atol=1e-9)


def test_a_pooled_model_fine_tuned_pools_again(fused):
    from core.ml.training import train

    result, checkpoint, _path, pairs = fused
    tuned = train(pairs, TrainConfig.for_model(SPEECH_MODEL, epochs=2, seed=1),
                  init_from=checkpoint).checkpoint
    assert tuned.partner is not None and tuned.fusion_temperature is not None
    assert tuned.metrics["fused_with_partner"] == DEFAULT_MODEL


@pytest.mark.parametrize(("value", "words"), [
    (0.5, "only where the partner hears its clips"),  # no partner to pool with
    (float("nan"), "fusion temperature must be a positive number"),
    ("0.5", "fusion temperature is not a number"),
])
def test_a_stranger_s_fusion_temperature_is_refused_in_words(tmp_path, value, words):
    from core.errors import CheckpointError
    from core.ml.checkpoint import load_checkpoint
    from tests.model_factory import untrained_checkpoint

    payload = untrained_checkpoint().to_payload()
    payload["fusion_temperature"] = value
    path = tmp_path / "stranger.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=words):
        load_checkpoint(path)
