"""Feature settings: presets, the frame budget, clip preparation and augmentation geometry."""

import dataclasses

import numpy as np
import pytest
import torch

from core.ml.features import (
    DEFAULT_FEATURES,
    PREDICTION_VIEWS,
    SEED_FEATURES,
    FeatureConfig,
    FeatureExtractor,
    augment,
    mean_probabilities,
    prediction_views,
    prepare_clip,
    preset,
)
from tests import audio_factory as af


def test_seed_preset_is_the_seeds_spectrogram():
    assert preset("seed") == SEED_FEATURES
    assert (SEED_FEATURES.sample_rate_hz, SEED_FEATURES.clip_seconds) == (16000, 5.0)
    assert SEED_FEATURES.kind == "spectrogram" and SEED_FEATURES.n_fft == 600
    assert SEED_FEATURES.hop_samples == 300  # torchaudio's default, n_fft // 2
    assert SEED_FEATURES.augment_probability == 0.25
    with pytest.raises(ValueError, match="unknown feature preset"):
        preset("nope")


def test_seed_preset_augments_by_time_masking_alone():
    # The seed's only augmentation: a quarter of the clips get a time mask (zero power); every
    # other cell is left as it was (no stretch, warp or colouring).
    features = torch.rand(400, 1, SEED_FEATURES.n_freqs, 60) + 1.0
    out = augment(features, SEED_FEATURES, torch.Generator().manual_seed(0))
    column_kept = (out == features).all(dim=2)
    column_masked = (out == 0).all(dim=2)
    assert (column_kept | column_masked).all()
    masked_clips = column_masked.any(dim=-1).float().mean().item()
    assert 0.18 < masked_clips < 0.32


@pytest.mark.parametrize("clip_seconds, frames", [(0.5, 51), (1.0, 101), (2.5, 251), (5.0, 255),
                                                  (10.0, 255)])
def test_frame_budget_caps_long_clips(clip_seconds, frames):
    config = DEFAULT_FEATURES.with_clip_seconds(clip_seconds)
    assert config.n_frames == frames
    out = FeatureExtractor(config)(torch.zeros(2, config.n_samples))
    assert out.shape == (2, 1, 64, frames)


def test_clip_normalised_logmel_is_standardised_and_finite_for_silence():
    config = dataclasses.replace(DEFAULT_FEATURES, normalize="clip")
    out = FeatureExtractor(config)(torch.zeros(1, config.n_samples))
    assert torch.isfinite(out).all()
    noise = torch.randn(1, config.n_samples)
    out = FeatureExtractor(config)(noise)
    assert abs(float(out.mean())) < 1e-4 and abs(float(out.std()) - 1) < 1e-3


def test_peak_normalised_logmel_ignores_gain_and_floors_silence():
    config = dataclasses.replace(DEFAULT_FEATURES, normalize="peak", floor_db=80.0)
    extractor = FeatureExtractor(config)
    silence = extractor(torch.zeros(1, config.n_samples))
    assert torch.isfinite(silence).all()
    # A clip that is half a tone, half digital silence: the silence sits exactly on the floor.
    t = torch.arange(config.n_samples) / config.sample_rate_hz
    tone = torch.sin(2 * torch.pi * 440 * t) * (t < config.clip_seconds / 2)
    loud, quiet = extractor(tone[None]), extractor(0.001 * tone[None])
    assert torch.allclose(loud, quiet, atol=1e-4)  # 60 dB quieter, same image
    assert float(loud.max()) == pytest.approx(2.0)  # the loudest cell: 0 dB
    assert float(loud.min()) == pytest.approx(-2.0)  # -80 dB and below
    assert float(loud[..., -5:].max()) == pytest.approx(-2.0)


def test_augment_random_floor_raises_only_the_quiet_cells():
    config = dataclasses.replace(DEFAULT_FEATURES, normalize="peak", floor_db=80.0,
                                 random_floor_db=40.0, time_shift_fraction=0.0, time_stretch=0.0,
                                 freq_warp=0.0, eq_gain=0.0, time_masks=0, freq_masks=0)
    ramp = torch.linspace(-2, 2, 64).view(1, 1, 64, 1).expand(16, 1, 64, 10)
    out = augment(ramp, config, torch.Generator().manual_seed(3))
    floors = out.amin(dim=(1, 2, 3))
    assert float(floors.min()) >= -2.0 and float(floors.max()) <= 0.0  # raised by 0..40 dB
    assert len(set(floors.tolist())) > 8  # each clip its own noise floor
    above = ramp > floors.view(-1, 1, 1, 1)
    assert torch.equal(out[above], ramp[above])


def test_prepare_clip_removes_dc_and_fits_length():
    samples = np.full(800, 0.2, np.float32) + np.sin(np.arange(800) / 5).astype(np.float32)
    out = prepare_clip(samples, 1000)
    assert out.shape == (1000,) and out.dtype == np.float32
    assert abs(float(out[:800].mean())) < 1e-6
    assert np.all(out[800:] == 0)
    assert prepare_clip(samples, 100).shape == (100,)
    assert prepare_clip(np.zeros(0, np.float32), 10).shape == (10,)


def test_augment_without_randomness_is_identity():
    config = dataclasses.replace(DEFAULT_FEATURES, time_shift_fraction=0.0, time_stretch=0.0,
                                 freq_warp=0.0, eq_gain=0.0, time_masks=0, freq_masks=0,
                                 random_floor_db=0.0)
    x = torch.randn(3, 1, 64, 40)
    assert torch.equal(augment(x, config, torch.Generator().manual_seed(0)), x)


def test_augment_frequency_warp_moves_energy_but_keeps_lowest_band():
    config = dataclasses.replace(FeatureConfig(), time_shift_fraction=0.0, time_stretch=0.0,
                                 freq_warp=0.3, eq_gain=0.0, time_masks=0, freq_masks=0)
    x = torch.zeros(8, 1, 64, 10)
    x[:, :, 32, :] = 1.0
    out = augment(x, config, torch.Generator().manual_seed(1))
    peaks = out[:, 0, :, 0].argmax(dim=1)
    assert len(set(peaks.tolist())) > 1  # different clips warped differently
    assert all(20 <= p <= 46 for p in peaks.tolist())


def test_augment_eq_adds_a_smooth_curve_over_frequency():
    config = dataclasses.replace(DEFAULT_FEATURES, time_shift_fraction=0.0, time_stretch=0.0,
                                 freq_warp=0.0, eq_gain=1.0, time_masks=0, freq_masks=0,
                                 random_floor_db=0.0)
    x = torch.zeros(4, 1, 64, 10)
    out = augment(x, config, torch.Generator().manual_seed(2))
    curve = out[:, 0, :, :]
    assert torch.allclose(curve, curve[:, :, :1].expand_as(curve))  # same gain in every frame
    assert float(curve.abs().max()) <= 2.0 and float(curve.abs().max()) > 0
    assert float((curve[:, 1:, 0] - curve[:, :-1, 0]).abs().max()) < 0.2  # smooth over frequency


def test_prediction_views_raise_the_floor_and_scale_frequency_or_time_of_peak_features():
    config = DEFAULT_FEATURES
    floor = -config.floor_db / 2 / 20.0  # "peak" features: 20 dB per unit
    x = torch.full((2, 1, 64, 21), floor)
    x[:, :, 32, :] = 4.0  # a loud band all through the clip
    x[:, :, :, 4] = 4.0  # and a loud click early in it
    views = prediction_views(x, config)
    assert len(views) == len(PREDICTION_VIEWS) > 1
    for (raise_db, warp, stretch), view in zip(PREDICTION_VIEWS, views, strict=True):
        assert view.shape == x.shape
        assert float(view.min()) == pytest.approx(floor + raise_db / 20.0)
        band = int(view[0, 0, :, 10].argmax())
        click = int(view[0, 0, 10, :].argmax())
        assert (band == 32) == (warp == 1.0)  # the band moves only in the frequency-scaled views
        assert (band < 32) == (warp > 1.0)  # scaling the axis up samples a higher band here
        assert (click == 4) == (stretch == 1.0)  # the click moves only in the time-scaled views
        assert (click > 4) == (stretch > 1.0)  # a faster view brings it nearer the middle
    assert {raise_db for raise_db, _, _ in PREDICTION_VIEWS} >= {0.0, 40.0}


def test_prediction_views_are_only_the_clip_itself_when_off_or_not_peak_features():
    x = torch.randn(2, 1, 64, 10)
    for config in (SEED_FEATURES, dataclasses.replace(DEFAULT_FEATURES, prediction_views=False),
                   dataclasses.replace(DEFAULT_FEATURES, normalize="clip")):
        views = prediction_views(x, config)
        assert len(views) == 1 and views[0] is x


def test_mean_probabilities_average_the_views_and_sum_to_one():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64 * 10, 3))
    x = torch.randn(4, 1, 64, 10)
    probs = mean_probabilities(model, x, DEFAULT_FEATURES)
    assert probs.shape == (4, 3)
    assert torch.allclose(probs.sum(dim=1), torch.ones(4))
    each = [torch.softmax(model(v), dim=1) for v in prediction_views(x, DEFAULT_FEATURES)]
    assert torch.allclose(probs, sum(each) / len(each))
    assert not torch.allclose(probs, each[0])  # the other views count


def test_models_saved_before_prediction_views_get_them():
    stored = DEFAULT_FEATURES.to_dict()
    del stored["prediction_views"]
    assert FeatureConfig.from_dict(stored).prediction_views


@pytest.mark.parametrize("name", ["default", "speech"])
def test_a_files_image_is_computed_a_block_at_a_time_as_if_whole(tmp_path, monkeypatch, name):
    from core.ml import features as features_module

    config = preset(name)
    rate = config.sample_rate_hz
    samples = af.noise(12.0, rate, amplitude=0.003)
    for start_s in (1.0, 5.5, 9.0):  # calls, one across the seam at 6 s
        i = int(start_s * rate)
        samples[i:i + rate // 2] += af.tone(1000.0, 0.5, rate, amplitude=0.3)
    path = af.write(tmp_path / "long.wav", samples, rate)
    whole = FeatureExtractor(config).numpy(samples)
    columns = 40
    per_column = -(-whole.shape[1] // columns)
    expected = np.pad(whole, ((0, 0), (0, -whole.shape[1] % per_column)), mode="edge")
    expected = expected.reshape(len(whole), -1, per_column).max(axis=2)
    computed = []
    real_extractor = features_module.FeatureExtractor

    class Counting(real_extractor):
        def raw(self, blocks):
            computed.append(blocks.shape[-1])
            return super().raw(blocks)

    monkeypatch.setattr(features_module, "FILE_BLOCK_S", 3.0)
    monkeypatch.setattr(features_module, "FeatureExtractor", Counting)
    image, span_s = features_module.file_image(path, config, columns)
    assert max(computed) <= 3.1 * rate and len(computed) == 4  # never the whole file at once
    assert span_s == pytest.approx(12.0)
    assert image.shape[0] == whole.shape[0] and abs(image.shape[1] - expected.shape[1]) <= 1
    n = min(image.shape[1], expected.shape[1])
    assert np.corrcoef(image[:, :n].ravel(), expected[:, :n].ravel())[0, 1] > 0.98
