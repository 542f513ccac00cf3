"""Importance maps and the augmentation preview: a model that decides on one band and time patch
gets its map's peak there (both methods, a short clip and a window of a long file), a sound it
ignores gets nothing, the stop flag is honoured, every registered network can be explained, band
centres match the mel filterbank, a map lands at the right hertz on a linear axis, and the
preview's copies are seeded."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.ml import explain
from core.ml.checkpoint import Checkpoint
from core.ml.explain import (
    ExplainConfig,
    ExplanationStopped,
    augmented_features,
    band_centres_hz,
    explain_clip,
    explain_file,
    importance_on_hz_grid,
    model_window_start_s,
    preview_file,
)
from core.ml.features import DEFAULT_FEATURES, SEED_FEATURES, FeatureExtractor, prepare_clip
from core.ml.inference import Classifier
from core.ml.networks import MODELS, build_model
from tests import audio_factory

RATE_HZ = 16000
KEY_HZ = 1000.0  # the band the model listens to...
KEY_S = (0.35, 0.55)  # ...and when, in its window
OTHER_HZ = 3000.0  # a louder sound the model ignores
OTHER_S = (0.65, 0.85)


def key_patch(config) -> tuple[slice, slice]:
    """(rows, columns) of the feature image the model decides on."""
    row = int(np.argmin(np.abs(band_centres_hz(config) - KEY_HZ)))
    frame_s = config.hop_samples / config.sample_rate_hz
    return (slice(row - 3, row + 4),
            slice(int(KEY_S[0] / frame_s), int(KEY_S[1] / frame_s) + 1))


class PatchModel(torch.nn.Module):
    """Class 0's logit is the mean height above silence of one patch of the image; class 1's
    is zero. Counts its calls."""

    def __init__(self, config, silence: float) -> None:
        super().__init__()
        self.rows, self.cols = key_patch(config)
        self.silence = silence
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        patch = x[:, 0, self.rows, self.cols].mean(dim=(1, 2)) - self.silence
        return torch.stack([patch, torch.zeros_like(patch)], dim=1)


def stub_classifier(config=DEFAULT_FEATURES):
    silence = -config.floor_db / 2 / 20  # "peak" features' floor
    answer = SimpleNamespace(ok=True, verdict=None)  # it names its class, whatever it hears
    return SimpleNamespace(features=config, extractor=FeatureExtractor(config),
                           model=PatchModel(config, silence), multi_label=False, temperature=1.0,
                           classes=("patch", "other"), window_s=config.clip_seconds,
                           verdicts=("silence", "unknown"),
                           predict_samples=lambda *_args, **_kw: answer)


def two_tones(duration_s: float = 1.0, offset_s: float = 0.0) -> np.ndarray:
    key = audio_factory.tone(KEY_HZ, KEY_S[1] - KEY_S[0], amplitude=0.3)
    other = audio_factory.tone(OTHER_HZ, OTHER_S[1] - OTHER_S[0], amplitude=0.6)
    return (audio_factory.burst(key, duration_s, offset_s + KEY_S[0])
            + audio_factory.burst(other, duration_s, offset_s + OTHER_S[0]))


def peak(importance: np.ndarray) -> tuple[int, int]:
    return tuple(int(i) for i in np.unravel_index(np.argmax(importance), importance.shape))


@pytest.mark.parametrize("method", ["gradient", "occlusion"])
def test_the_map_peaks_on_the_patch_the_model_decides_on_and_not_on_a_louder_sound(method):
    classifier = stub_classifier()
    result = explain_clip(classifier, two_tones(), config=ExplainConfig(method=method))
    rows, cols = key_patch(DEFAULT_FEATURES)
    assert result.class_name == "patch" and result.class_index == 0
    assert result.importance.shape == (DEFAULT_FEATURES.n_mels, DEFAULT_FEATURES.n_frames)
    row, col = peak(result.importance)
    assert rows.start - 2 <= row < rows.stop + 2 and cols.start - 2 <= col < cols.stop + 2
    assert result.band_hz[row] == pytest.approx(KEY_HZ, rel=0.15)
    assert KEY_S[0] - 0.05 <= result.start_s + col * result.frame_s <= KEY_S[1] + 0.05
    # The louder 3 kHz tone, which the model never looks at, counts for (almost) nothing.
    other_row = int(np.argmin(np.abs(result.band_hz - OTHER_HZ)))
    other_cols = slice(int(OTHER_S[0] / result.frame_s) + 3, int(OTHER_S[1] / result.frame_s))
    assert np.abs(result.importance[other_row - 2:other_row + 3, other_cols]).max() < (
        0.05 * result.importance.max())
    assert result.probability == pytest.approx(float(result.scores[0]))
    assert result.method == method


def test_explaining_the_other_class_marks_the_patch_as_evidence_against_it():
    result = explain_clip(stub_classifier(), two_tones(), class_index=1)
    rows, cols = key_patch(DEFAULT_FEATURES)
    assert result.class_name == "other"
    assert result.importance[rows, cols].mean() < 0
    with pytest.raises(ValueError):
        explain_clip(stub_classifier(), two_tones(), class_index=2)


def test_a_long_file_is_explained_in_the_window_in_view(tmp_path):
    path = audio_factory.write(tmp_path / "long.wav", two_tones(6.0, offset_s=3.0))
    start_s = model_window_start_s(6.0, 1.0, view_start_s=3.0, view_end_s=4.0)
    assert start_s == pytest.approx(3.0)
    result = explain_file(stub_classifier(), path, start_s)
    _, col = peak(result.importance)
    assert result.start_s == pytest.approx(3.0) and result.audio_s == pytest.approx(1.0)
    assert 3.0 + KEY_S[0] - 0.05 <= result.start_s + col * result.frame_s <= 3.0 + KEY_S[1] + 0.05


def test_the_window_to_explain():
    assert model_window_start_s(1.2, 1.0, 0.5, 1.2) == 0.0  # scored as one window
    assert model_window_start_s(60.0, 1.0) == pytest.approx(29.5)  # whole file on show
    assert model_window_start_s(60.0, 1.0, 10.0, 10.4) == pytest.approx(9.7)
    assert model_window_start_s(60.0, 1.0, 0.0, 0.2) == 0.0
    assert model_window_start_s(60.0, 1.0, 59.9, 60.0) == pytest.approx(59.0)


def test_a_short_clip_says_how_much_of_the_window_is_sound(tmp_path):
    path = audio_factory.write(tmp_path / "short.wav", two_tones(0.9))
    assert explain_file(stub_classifier(), path).audio_s == pytest.approx(0.9)


def test_occlusion_stops_between_batches_when_asked():
    config = ExplainConfig(method="occlusion", batch_size=16)

    def model_calls(should_stop) -> int:
        classifier = stub_classifier()
        try:
            explain_clip(classifier, two_tones(), config=config, should_stop=should_stop)
        except ExplanationStopped:
            pass
        return classifier.model.calls

    asked: list[bool] = []
    before_any_batch = model_calls(lambda: True)
    after_one_batch = model_calls(lambda: asked.append(True) or len(asked) > 1)
    whole = model_calls(None)
    assert after_one_batch == before_any_batch + 1
    assert whole > before_any_batch + 10
    with pytest.raises(ExplanationStopped):
        explain_clip(stub_classifier(), two_tones(), config=config, should_stop=lambda: True)


def test_the_gradient_map_stops_before_it_starts_when_asked():
    classifier = stub_classifier()
    with pytest.raises(ExplanationStopped):
        explain_clip(classifier, two_tones(), should_stop=lambda: True)


def test_band_centres_are_the_mel_filters_peaks():
    fb = FeatureExtractor(DEFAULT_FEATURES).transform.mel_scale.fb.numpy()  # (n_bins, n_mels)
    bins_hz = np.linspace(0, RATE_HZ / 2, fb.shape[0])
    centres = band_centres_hz(DEFAULT_FEATURES)
    assert centres.shape == (DEFAULT_FEATURES.n_mels,)
    np.testing.assert_allclose(centres, bins_hz[fb.argmax(axis=0)], atol=RATE_HZ / 512 / 2 + 0.5)
    spectrogram = dataclasses.replace(DEFAULT_FEATURES, kind="spectrogram")
    assert band_centres_hz(spectrogram)[1] == pytest.approx(RATE_HZ / 512)


def test_a_map_lands_at_its_bands_hertz_on_a_linear_axis():
    centres = band_centres_hz(DEFAULT_FEATURES)
    importance = np.zeros((len(centres), 5), dtype=np.float32)
    importance[40, 2] = 1.0
    result = explain.Explanation(importance, 0, "a", 0.9, np.array([0.9, 0.1]), 0.0, 0.01, 1.0,
                                 1.0, centres)
    grid = importance_on_hz_grid(result, top_hz=8000.0, n_rows=400)  # 20 Hz rows
    assert grid.shape == (400, 5)
    row = int(np.argmax(grid[:, 2]))
    assert (row + 0.5) * 20.0 == pytest.approx(centres[40], abs=20.0)
    assert grid[:, [0, 1, 3, 4]].max() == 0.0
    # Above the model's top band (a file at 44.1 kHz shown to 22 kHz) nothing is drawn.
    assert importance_on_hz_grid(result, 22050.0, 441)[-100:].max() == 0.0


def test_the_preview_augments_every_copy_and_the_same_seed_gives_the_same_copies(tmp_path):
    config = dataclasses.replace(DEFAULT_FEATURES, augment_probability=0.25)
    samples = two_tones()
    original, copies = augmented_features(samples, config, n_copies=4, seed=3)
    again = augmented_features(samples, config, n_copies=4, seed=3)[1]
    other = augmented_features(samples, config, n_copies=4, seed=4)[1]
    assert original.shape == (config.n_mels, config.n_frames)
    assert copies.shape == (4, config.n_mels, config.n_frames) and copies.dtype == np.float32
    np.testing.assert_array_equal(copies, again)
    assert not np.allclose(copies, other)
    assert all(not np.allclose(copy, original, atol=1e-3) for copy in copies)
    np.testing.assert_allclose(original, FeatureExtractor(config).numpy(
        prepare_clip(samples, config.n_samples)), atol=1e-5)
    path = audio_factory.write(tmp_path / "clip.wav", samples)
    preview = preview_file(path, config)
    np.testing.assert_array_equal(preview.augmented, preview_file(path, config).augmented)
    assert preview.window_s == config.clip_seconds


@pytest.mark.parametrize("network", sorted(MODELS))
def test_every_network_in_the_registry_can_be_explained(network):
    features = SEED_FEATURES if network == "seed-cnn" else DEFAULT_FEATURES
    model = build_model(network, 3, (features.n_freqs, features.n_frames))
    classifier = Classifier(Checkpoint(network, ["a", "b", "c"], features, model.state_dict()))
    result = explain_clip(classifier, audio_factory.tone(KEY_HZ, 0.5))
    assert result.importance.shape == (features.n_freqs, features.n_frames)
    assert np.isfinite(result.importance).all() and result.class_name in ("a", "b", "c")


@pytest.mark.parametrize("method", ["gradient", "occlusion"])
def test_a_classifier_on_a_named_device_is_explained_to_numpy_on_the_cpu(method):
    features = DEFAULT_FEATURES
    model = build_model("compact-bands", 2, (features.n_freqs, features.n_frames))
    checkpoint = Checkpoint("compact-bands", ["a", "b"], features, model.state_dict())
    config = ExplainConfig(method=method)
    on_cpu = Classifier(checkpoint, device="cpu")
    result = explain_clip(on_cpu, two_tones(), config=config)
    assert isinstance(result.importance, np.ndarray) and result.importance.dtype == np.float32
    assert isinstance(result.scores, np.ndarray) and np.isfinite(result.importance).all()
    assert result.importance.shape == (features.n_freqs, features.n_frames)
    default = explain_clip(Classifier(checkpoint), two_tones(), config=config)
    np.testing.assert_allclose(result.importance, default.importance, rtol=1e-5, atol=1e-7)


def test_an_explanation_says_when_the_model_hears_silence(tmp_path):
    """Explain Prediction said 'Why "cat" (100%)' over digital silence the list answered
    "silence": the map comes with the model's answer where it names no class, the file's own
    for a short file, the window's for a long one."""
    from core.ml.inference import Classifier
    from core.ml.novelty import SILENCE
    from tests import model_factory

    classifier = Classifier.from_checkpoint(model_factory.untrained_checkpoint())
    silent = audio_factory.write(tmp_path / "silent.wav", np.zeros(16000, np.float32))
    assert explain_file(classifier, silent).verdict == SILENCE
    night = np.concatenate([two_tones(3.0), np.zeros(16000 * 3, np.float32)])
    long_file = audio_factory.write(tmp_path / "night.wav", night)
    assert explain_file(classifier, long_file, 4.0).verdict == SILENCE  # a silent window
    assert explain_file(classifier, long_file, 0.0).verdict != SILENCE  # the tones


def test_a_long_files_window_is_unknown_only_as_the_whole_file_is(tmp_path):
    """A long file's unknown is the whole file's (its loudest windows'), which a window judged
    alone may not match: a window says silence alone, and leaves unknown to the list."""
    classifier = stub_classifier()
    judged = []
    classifier.predict_samples = lambda *_args, **_kw: (
        judged.append(1), SimpleNamespace(ok=True, verdict="unknown"))[1]
    short = audio_factory.write(tmp_path / "short.wav", two_tones(1.0))
    long_file = audio_factory.write(tmp_path / "long.wav", two_tones(6.0))
    assert explain_file(classifier, short).verdict == "unknown"  # one window: the list's
    assert explain_file(classifier, long_file, 0.0).verdict is None  # the tones: not silence
    # Silence needs no pass of the model: a long file's window is not judged by it (it was,
    # and all but silence thrown away).
    assert len(judged) == 1
