"""The default network's speech partner (TrainConfig.speech_partner, Checkpoint.partner): a speech
model trained on the very same clips after it, whose answer is pooled with the network's
(fusion.py), while the network keeps its own unknown rule, explanation and features."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.ml.calibration import log_loss
from core.ml.fusion import Reported, fit_fusion, fuse
from core.ml.networks import DEFAULT_MODEL
from core.ml.train_config import SEED_MODEL, SPEECH_MODEL, TrainConfig
from tests import audio_factory, model_factory


@pytest.fixture(scope="module")
def partnered(tmp_path_factory):
    """The default network trained at the clips' own length, with its progress reports."""
    from core.ml.checkpoint import load_checkpoint, save_checkpoint
    from core.ml.training import train

    tmp = tmp_path_factory.mktemp("partner")
    root = audio_factory.make_class_folder(tmp / "clips", n_per_class=24, kinds=("tone", "chirp"))
    pairs = sorted((str(p), p.parent.name) for p in root.rglob("*.wav"))
    reports = []
    result = train(pairs, TrainConfig(epochs=4, seed=0), progress=reports.append)
    path = save_checkpoint(result.checkpoint, tmp / "default.pt")
    return result, load_checkpoint(path), path, pairs, reports


def _clips(checkpoint, pairs, count: int = 4) -> np.ndarray:
    from core.ml.features import prepare_clip

    n = checkpoint.feature_config.n_samples
    return np.stack([prepare_clip(checkpoint.feature_config.read(p), n)
                     for p, _ in pairs[::len(pairs) // count][:count]])


def test_the_default_network_answers_with_a_speech_model_trained_beside_it(partnered):
    from core.ml.inference import Classifier

    result, checkpoint, path, pairs, reports = partnered
    partner = checkpoint.partner
    assert checkpoint.model_name == DEFAULT_MODEL and partner.model_name == SPEECH_MODEL
    # The very clips: the same length at the same rate, and the fusion fitted on the same
    # validation clips, kept through the file.
    assert partner.feature_config.n_samples == checkpoint.feature_config.n_samples
    assert checkpoint.fusion_temperature is not None
    assert checkpoint.metrics["fused_with_partner"] == SPEECH_MODEL
    assert checkpoint.metrics["accuracy"] == result.report.accuracy
    # The network keeps its own unknown rule; the partner has none.
    assert checkpoint.novelty is not None and partner.novelty is None
    clips = _clips(checkpoint, pairs)
    alone = Classifier(dataclasses.replace(checkpoint, partner=None, fusion_temperature=None))
    classifier = Classifier(checkpoint)
    own, own_novelty = alone._score(clips, 4, views=True, novelty=True)
    theirs = Classifier(partner).probabilities(clips)
    answer, novelty = classifier._score(clips, 4, views=True, novelty=True)
    np.testing.assert_allclose(answer, fuse(torch.from_numpy(own), torch.from_numpy(theirs),
                                            checkpoint.fusion_temperature).numpy(), atol=1e-6)
    np.testing.assert_allclose(novelty, own_novelty)  # the network's rule, not pooled
    # Saved under a key Earmarks that knew only gates ignore, so they answer with the network.
    payload = torch.load(path, weights_only=True)
    assert "partner" in payload and "gate" not in payload
    # Its run says so in the bar after the network's, and draws no curves.
    from core.ml.training import PARTNER_SHARE
    second = [r for r in reports if r.phase == "partner"]
    assert second and all(r.message.startswith("speech partner: ") and r.epoch_metrics is None
                          and r.fraction >= 1 - PARTNER_SHARE for r in second)


@pytest.mark.parametrize(("changes", "trains"), [
    ({}, True),
    ({"clip_seconds_requested": 1.0}, False),  # a fixed length, longer than the sounds
    ({"multi_label": True}, False),
    ({"speech_partner": False}, False),
    ({"features": "seed"}, True),  # the seed's spectrogram, at 16 kHz like the speech model
])
def test_a_partner_trains_only_where_it_hears_the_very_clips_of_a_single_label_model(changes,
                                                                                     trains):
    from core.ml.training import trains_speech_partner

    assert trains_speech_partner(TrainConfig(**changes)) is trains
    assert not trains_speech_partner(TrainConfig.for_model(SPEECH_MODEL))  # it has its gate instead
    assert not trains_speech_partner(TrainConfig.for_model(SEED_MODEL, clip_seconds_requested="auto"))


def test_a_partner_that_makes_the_answer_worse_on_the_held_out_clips_is_left_out():
    rng = np.random.default_rng(0)
    targets = np.arange(60) % 3
    own = np.full((60, 3), 0.05)
    own[np.arange(60), targets] = 0.9
    wrong = np.full((60, 3), 0.02)
    wrong[np.arange(60), (targets + rng.integers(1, 3, 60)) % 3] = 0.96  # sure, and wrong
    keys = tuple(range(60))
    mine = Reported(keys, targets, own, held_out=True)
    assert fit_fusion(mine, Reported(keys, targets, wrong, held_out=True)) is None
    # One that knows nothing (uniform) changes no answer and is kept; so is one right as often
    # but less sure on these clips (the training voices', where the network is at its best),
    # which a share of the network's small loss would have left out.
    assert fit_fusion(mine, Reported(keys, targets, np.full((60, 3), 1 / 3),
                                     held_out=True)) is not None
    sure = np.full((60, 3), 0.005)
    sure[np.arange(60), targets] = 0.99
    less_sure = np.full((60, 3), 0.02)
    less_sure[np.arange(60), targets] = 0.96
    confident = Reported(keys, targets, sure, held_out=True)
    fitted = fit_fusion(confident, Reported(keys, targets, less_sure, held_out=True))
    assert fitted is not None and log_loss(fitted[1], targets) > 1.1 * log_loss(sure, targets)


def test_a_partner_must_answer_unknown_or_join_the_answer(partnered):
    checkpoint = partnered[1]
    with pytest.raises(ValueError, match="neither answers unknown nor joins"):
        dataclasses.replace(checkpoint, fusion_temperature=None)
    ruled = dataclasses.replace(checkpoint.partner, novelty=checkpoint.novelty)
    with pytest.raises(ValueError, match="both have an unknown rule"):
        dataclasses.replace(checkpoint, partner=ruled)


def test_the_partnered_model_exports_explains_and_reads_as_the_app_answers(partnered, tmp_path):
    from core.ml.explain import explain_clip
    from core.ml.export import SPEECH_NOTICE
    from core.ml.inference import Classifier
    from core.ml.model_card import format_card, read_model_card

    _result, checkpoint, path, pairs, _reports = partnered
    classifier = Classifier(checkpoint)
    clips = _clips(checkpoint, pairs, 3)
    meta = model_factory.exported_metadata_answering_as_the_app(checkpoint, clips,
                                                                tmp_path / "default.onnx")
    assert "its partner's calibrated log-probabilities (a speech network" in meta["output"]
    assert meta["third_party"] == SPEECH_NOTICE  # the speech embedding's licence goes with it
    card = " ".join(format_card(read_model_card(path)).split())
    assert "answered with its partner (the speech network trained on the same clips" in card
    # The explanation is the network's own map, over its bands, of the pooled answer's class.
    explained = explain_clip(classifier, clips[0])
    assert explained.class_index == int(np.argmax(classifier.probabilities(clips[:1])[0]))
    assert explained.importance.shape[0] == checkpoint.feature_config.n_freqs


def test_the_time_left_counts_the_partner_s_run_still_to_come():
    from core.ml.training import PARTNER_SHARE, TrainProgress, _share

    seen = []
    first = _share(seen.append, 0.0, 1 - PARTNER_SHARE)
    first(TrainProgress("training", 0.5, "Epoch 15/30", elapsed_s=10.0, eta_s=10.0))
    # Half of the network's run is 10 s more, so all of it 20 s, and the partner's share of the
    # bar after it another 20 s x PARTNER_SHARE / (1 - PARTNER_SHARE) at that pace.
    assert seen[-1].fraction == pytest.approx(0.5 * (1 - PARTNER_SHARE))
    assert seen[-1].eta_s == pytest.approx(10.0 + 20.0 * PARTNER_SHARE / (1 - PARTNER_SHARE))
    second = _share(seen.append, 1 - PARTNER_SHARE, 1.0, "speech partner: ", "partner")
    second(TrainProgress("training", 0.5, "Epoch 15/30", elapsed_s=30.0, eta_s=4.0))
    assert seen[-1].eta_s == 4.0 and seen[-1].phase == "partner"
