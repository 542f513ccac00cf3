"""The display spectrogram's settings: FFT size (auto or chosen) and dynamic range."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio.spectrogram import (
    DEFAULT_SPECTROGRAM,
    DYNAMIC_RANGE_DB,
    FFT_SIZES,
    MAX_COLUMNS,
    SpectrogramConfig,
    compute_spectrogram,
    fft_size_for,
)
from tests import audio_factory


def test_auto_keeps_the_rate_based_size_and_a_chosen_size_sets_the_rows():
    samples = audio_factory.tone(1000.0, 1.0, 16000)
    auto = compute_spectrogram(samples, 16000)
    assert auto.n_fft == fft_size_for(16000) == 512
    assert auto.db.shape[0] == 512 // 2 + 1
    low, high = auto.levels_for(DEFAULT_SPECTROGRAM)
    assert high == auto.top_db == float(auto.db.max()) and high - low == pytest.approx(DYNAMIC_RANGE_DB)
    for size in FFT_SIZES:
        image = compute_spectrogram(samples, 16000, config=SpectrogramConfig(fft_size=size))
        assert image.n_fft == size and image.db.shape[0] == size // 2 + 1
        assert image.db.dtype == np.float32 and np.all(np.isfinite(image.db))
        assert image.max_freq_hz == 8000.0 and image.duration_s == pytest.approx(1.0)
        # The tone's row is where it should be at every size.
        loudest_hz = np.argmax(image.db.mean(axis=1)) * 16000 / size
        assert loudest_hz == pytest.approx(1000.0, abs=16000 / size)


def test_a_larger_fft_on_a_long_file_still_stays_within_the_columns():
    samples = audio_factory.noise(120.0, 8000)
    image = compute_spectrogram(samples, 8000, max_columns=500,
                                config=SpectrogramConfig(fft_size=4096))
    assert image.db.shape[0] == 2049 and 0 < image.db.shape[1] <= 500
    assert image.duration_s == pytest.approx(120.0)


def test_short_clip_with_a_large_fft_is_padded():
    image = compute_spectrogram(np.zeros(100, np.float32), 8000,
                                config=SpectrogramConfig(fft_size=4096))
    assert image.db.shape == (2049, 1)
    low, high = image.levels_for(DEFAULT_SPECTROGRAM)
    assert np.isfinite(low) and high > low


def test_dynamic_range_and_brightness_set_the_levels_below_the_loudest_bin():
    samples = audio_factory.tone(440.0, 0.5, 16000)
    image = compute_spectrogram(samples, 16000)
    top = float(image.db.max())
    # Another range or brightness needs no new STFT.
    assert image.levels_for(SpectrogramConfig(dynamic_range_db=120)) == (top - 120.0, top)
    assert image.levels_for(SpectrogramConfig(dynamic_range_db=40)) == (top - 40.0, top)
    # Brighter: the top colour goes to bins 30 dB below the loudest, the range below that.
    assert image.levels_for(SpectrogramConfig(dynamic_range_db=40, brightness_db=30)) == (
        top - 70.0, top - 30.0)


@pytest.mark.parametrize("kwargs", [{"fft_size": 300}, {"fft_size": 0},
                                    {"dynamic_range_db": 39.0}, {"dynamic_range_db": 121.0},
                                    {"brightness_db": -1.0}, {"brightness_db": 61.0},
                                    {"channel": -1}, {"channel": 64}, {"channel": "1"}])
def test_config_refuses_values_outside_the_choices(kwargs):
    with pytest.raises(ValueError):
        SpectrogramConfig(**kwargs)


def test_the_channel_shown_is_the_chosen_one_where_a_file_has_it():
    assert SpectrogramConfig().channel_for(6) is None  # the mix
    assert SpectrogramConfig(channel=1).channel_for(2) == 1
    assert SpectrogramConfig(channel=5).channel_for(6) == 5
    assert SpectrogramConfig(channel=2).channel_for(2) is None  # no third: the mix
    assert SpectrogramConfig(channel=0).channel_for(1) is None  # a mono file is its mix


def test_resolved_fft_size():
    assert SpectrogramConfig().n_fft_for(44100) == fft_size_for(44100) == 1024
    assert SpectrogramConfig(fft_size=256).n_fft_for(44100) == 256


def test_an_ultrasonic_recording_is_drawn_with_short_windows():
    """A bat detector's 384 kHz file was drawn with 2048-sample windows (5.3 ms, a 3 ms call
    one blot); from 192 kHz the automatic window is about 1.3 ms, as Raven's 512 samples. The
    searches and measurements keep their 25 ms frames (fft_size_for)."""
    auto = SpectrogramConfig()
    assert [auto.n_fft_for(rate) for rate in (48_000, 96_000, 192_000, 250_000, 384_000,
                                              500_000)] == [1024, 2048, 256, 256, 512, 512]
    assert fft_size_for(384_000) == 2048
    assert SpectrogramConfig(fft_size=4096).n_fft_for(384_000) == 4096


def test_frames_at_any_start_match_the_stft_and_back_to_back_frames_cover_every_sample():
    import torch

    from core.audio.spectrogram import back_to_back_power, frame_power_at, power_to_db

    samples = audio_factory.chirp(200, 3000, 0.5, 8000)
    starts = np.array([0, 128, 256, 1000])
    power = frame_power_at(samples, starts, 256)
    spec = torch.stft(torch.from_numpy(samples), 256, 128, window=torch.hann_window(256),
                      center=False, return_complex=True)
    reference = spec.abs().square().numpy()
    assert power.shape == (129, 4) and power.dtype == np.float32
    assert np.allclose(power[:, :3], reference[:, :3], rtol=1e-3, atol=1e-4)
    assert not np.allclose(power[:, 3], reference[:, 7], rtol=1e-3)  # 1000 is no hop's start

    tail = back_to_back_power(samples[:1000], 256)  # 3 whole frames and a padded fourth
    assert tail.shape == (129, 4)
    assert np.allclose(tail[:, :3], reference[:, 0:6:2], rtol=1e-3, atol=1e-4)
    assert tail[:, 3].max() > 0
    db = power_to_db(np.array([[0.0, 1.0]]))
    assert db.dtype == np.float32 and db.tolist() == [[-100.0, 0.0]]


def test_band_bins_are_the_bins_of_the_band_or_the_nearest_one():
    from core.audio.spectrogram import band_bins, bin_frequencies_hz

    freqs = bin_frequencies_hz(16000, 512)
    assert len(freqs) == 257 and freqs[1] == 31.25 and freqs[-1] == 8000.0
    mask = band_bins(16000, 512, 1000.0, 2000.0)
    assert freqs[mask].min() >= 1000.0 and freqs[mask].max() <= 2000.0 and mask.sum() == 33
    # Narrower than a bin: the bin nearest its middle.
    assert list(freqs[band_bins(16000, 512, 1010.0, 1020.0)]) == [1000.0]


def test_digital_silence_takes_the_lowest_colour_however_bright():
    image = compute_spectrogram(np.zeros(16000, np.float32), 16000)
    for config in (DEFAULT_SPECTROGRAM, SpectrogramConfig(brightness_db=30.0)):
        low, high = image.levels_for(config)
        # Every bin at (or under) the low level: drawn dark, not as the loudest sound.
        assert float(image.db.max()) <= low < high


def test_an_image_says_whether_its_columns_pool_whole_frames():
    """The clip view computes a zoomed range finer only where the image beneath is pooled (a
    bat detector's seconds at 384 kHz): it worked that out again from the hop rule."""
    short = compute_spectrogram(np.zeros(8000, np.float32), 8000)
    bat = compute_spectrogram(np.zeros(6 * 384_000, np.float32), 384_000)
    assert not short.pooled and short.db.shape[1] > 100
    assert bat.pooled and bat.db.shape[1] <= MAX_COLUMNS
