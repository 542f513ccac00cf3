"""Long files: the range spectrogram reads only its range and has one column a pixel; the
overview pools a whole file into a small image, and its cache follows the file."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.audio import overview, reading
from core.audio.spectrogram import SpectrogramConfig
from core.errors import AudioError
from tests import audio_factory as af

RATE_HZ = 8000
LONG_S = 180.0  # three minutes: long enough to pool, short enough for a quick suite
# Where the test file has something to see: (start s, duration s, frequency Hz).
EVENTS = [(30.0, 0.05, 1000.0), (95.0, 0.5, 2000.0), (170.0, 1.0, 3000.0)]


@pytest.fixture(scope="module")
def long_file(tmp_path_factory):
    """Three minutes of faint noise at 8 kHz with tone bursts at EVENTS."""
    samples = af.noise(LONG_S, RATE_HZ, amplitude=0.001)
    for start_s, duration_s, freq_hz in EVENTS:
        burst = af.tone(freq_hz, duration_s, RATE_HZ, amplitude=0.8)
        first = int(start_s * RATE_HZ)
        samples[first:first + len(burst)] += burst
    return af.write(tmp_path_factory.mktemp("long") / "long.wav", samples, RATE_HZ)


def _row_of(image_db: np.ndarray, column: int, max_freq_hz: float) -> float:
    """The frequency (Hz) of the loudest row of one column."""
    return np.argmax(image_db[:, column]) / (image_db.shape[0] - 1) * max_freq_hz


# --------------------------------------------------------------------------- the range


@pytest.mark.parametrize("span_s, n_columns", [(1.0, 800), (0.01, 300), (20.0, 1000),
                                               (100.0, 200)])
def test_range_has_one_column_a_pixel_and_shows_the_event_in_place(long_file, span_s, n_columns):
    event_s, _, freq_hz = EVENTS[1]
    start_s = event_s - span_s / 4
    image = overview.compute_range_spectrogram(long_file, start_s, start_s + span_s, n_columns)
    assert image.db.shape == (256 // 2 + 1, n_columns)  # auto FFT at 8 kHz: 256
    assert image.db.dtype == np.float32 and np.all(np.isfinite(image.db))
    assert image.start_s == pytest.approx(start_s, abs=1 / RATE_HZ)
    assert image.end_s == pytest.approx(start_s + span_s, abs=1 / RATE_HZ)
    assert image.column_s == pytest.approx(span_s / n_columns, rel=1e-3)
    assert image.max_freq_hz == RATE_HZ / 2
    # The burst starts a quarter of the way in: a column inside it hears its tone.
    inside_s = event_s + min(0.2, span_s / 2)
    column = int((inside_s - start_s) / span_s * n_columns)
    assert _row_of(image.db, column, image.max_freq_hz) == pytest.approx(freq_hz, abs=40.0)
    assert len(image.env_min) == len(image.env_max) == n_columns
    assert image.env_max.max() == pytest.approx(0.8, abs=0.01)


def test_a_short_event_survives_a_wide_range(long_file):
    # 50 ms at 30 s in two minutes over 120 columns (one a second): max pooling keeps it.
    image = overview.compute_range_spectrogram(long_file, 0.0, 120.0, 120)
    start_s, _, freq_hz = EVENTS[0]
    column = int(start_s)
    assert _row_of(image.db, column, image.max_freq_hz) == pytest.approx(freq_hz, abs=40.0)
    assert image.db[:, column].max() > image.db[:, column + 5].max() + 30.0
    assert image.env_max[column] == pytest.approx(0.8, abs=0.01)


def _spy_reads(monkeypatch) -> list[tuple[float, float]]:
    """Record the (start s, end s) of every window read from disk."""
    seen: list[tuple[float, float]] = []
    real_read, real_blocks = reading.read, reading.read_blocks

    def read(path, sample_rate_hz=None, offset_s=0.0, duration_s=None, channel=None):
        seen.append((offset_s, offset_s + duration_s))
        return real_read(path, sample_rate_hz, offset_s, duration_s, channel)

    def read_blocks(path, block_s, sample_rate_hz=None, offset_s=0.0, duration_s=None,
                    channel=None):
        seen.append((offset_s, offset_s + duration_s))
        return real_blocks(path, block_s, sample_rate_hz, offset_s, duration_s, channel)

    monkeypatch.setattr(reading, "read", read)
    monkeypatch.setattr(reading, "read_blocks", read_blocks)
    return seen


@pytest.mark.parametrize("start_s, end_s", [(60.0, 61.0), (60.0, 90.0), (0.0, 0.5),
                                            (LONG_S - 0.5, LONG_S)])
def test_only_the_range_and_half_a_window_are_read(long_file, monkeypatch, start_s, end_s):
    seen = _spy_reads(monkeypatch)
    config = SpectrogramConfig(fft_size=1024)
    margin_s = 1024 / 2 / RATE_HZ
    overview.compute_range_spectrogram(long_file, start_s, end_s, 500, config)
    assert seen
    for first_s, last_s in seen:
        assert first_s >= max(start_s - margin_s, 0.0) - 1e-9
        assert last_s <= min(end_s + margin_s, LONG_S) + 1e-9


def test_range_is_clipped_to_the_file_and_stops_when_asked(long_file):
    image = overview.compute_range_spectrogram(long_file, LONG_S - 1.0, LONG_S + 5.0, 100)
    assert image.end_s == pytest.approx(LONG_S) and image.db.shape[1] == 100
    assert overview.compute_range_spectrogram(long_file, 0.0, LONG_S, 10,
                                              should_stop=lambda: True) is None
    with pytest.raises(ValueError):
        overview.compute_range_spectrogram(long_file, 0.0, 1.0, 0)
    with pytest.raises(AudioError):
        overview.compute_range_spectrogram(long_file.with_name("gone.wav"), 0.0, 1.0, 10)


def test_range_keeps_the_fft_size_of_the_settings(long_file):
    image = overview.compute_range_spectrogram(long_file, 95.0, 96.0, 200,
                                               SpectrogramConfig(fft_size=2048))
    assert image.n_fft == 2048 and image.db.shape == (1025, 200)


# --------------------------------------------------------------------------- the overview


def test_overview_pools_the_whole_file_into_a_small_image(long_file):
    whole = overview.compute_overview(long_file)
    samples = reading.read(long_file)
    assert whole.duration_s == pytest.approx(LONG_S)
    n_rows, n_columns = whole.db.shape
    assert n_columns == min(overview.OVERVIEW_COLUMNS, len(samples) // 256)
    assert n_rows <= overview.OVERVIEW_MAX_ROWS and whole.db.dtype == np.float32
    assert whole.column_s == pytest.approx(LONG_S / n_columns)
    for start_s, _, freq_hz in EVENTS:
        column = int((start_s + 0.02) / whole.column_s)
        assert _row_of(whole.db, column, whole.max_freq_hz) == pytest.approx(freq_hz, abs=40.0)
    # The envelope is the file's, bin for bin as a whole-file peak envelope draws it.
    low, high = reading.peak_envelope(samples, n_columns)
    assert np.allclose(whole.env_min, low) and np.allclose(whole.env_max, high)
    low_db, high_db = SpectrogramConfig(dynamic_range_db=60.0, brightness_db=10.0).levels(
        whole.top_db)
    assert high_db == pytest.approx(float(whole.db.max()) - 10.0) and high_db - low_db == 60.0


def test_overview_pools_rows_of_a_large_fft(long_file):
    whole = overview.compute_overview(long_file, SpectrogramConfig(fft_size=4096), n_columns=50,
                                      max_rows=100)
    assert whole.db.shape == (98, 50)  # 2049 bins in groups of 21, the last one short
    assert whole.max_freq_hz == pytest.approx(RATE_HZ / 2 * 98 * 21 / 2049)


def test_overview_stops_when_asked(long_file):
    assert overview.compute_overview(long_file, should_stop=lambda: True) is None


def test_overview_cache_hits_misses_and_follows_the_file(tmp_path, monkeypatch):
    path = af.write(tmp_path / "a.wav", af.chirp(200, 3000, 40.0, RATE_HZ), RATE_HZ)
    cache = tmp_path / "cache"
    computed = []
    real = overview.compute_overview

    def counting(*args, **kwargs):
        computed.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(overview, "compute_overview", counting)
    first = overview.load_overview(path, cache)
    assert len(computed) == 1 and overview.overview_cache_path(path, cache).is_file()
    again = overview.load_overview(path, cache)
    assert len(computed) == 1  # a hit
    assert np.allclose(again.db, first.db, atol=0.05)  # kept as float16
    assert (again.duration_s, again.n_fft, again.max_freq_hz) == (
        first.duration_s, first.n_fft, first.max_freq_hz)
    assert np.array_equal(again.env_max, first.env_max)

    overview.load_overview(path, cache, SpectrogramConfig(fft_size=1024))
    assert len(computed) == 2  # other settings: their own entry
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    overview.load_overview(path, cache)
    assert len(computed) == 3  # the file changed: computed again...
    overview.load_overview(path, cache)
    assert len(computed) == 3  # ...and kept in place of the old one
    assert len(list(cache.glob("*.npz"))) == 2

    overview.overview_cache_path(path, cache).write_bytes(b"not an npz")
    assert overview.load_overview(path, cache) is not None and len(computed) == 4
    assert overview.load_overview(path, None) is not None and len(computed) == 5
    # A damaged zip (a crash mid-write, a bad disk) is computed again and replaced, not kept.
    overview.overview_cache_path(path, cache).write_bytes(b"PK\x03\x04" + bytes(100))
    assert overview.load_overview(path, cache) is not None and len(computed) == 6
    assert overview.load_overview(path, cache) is not None and len(computed) == 6


def test_a_chosen_channel_is_drawn_and_kept_apart_from_the_mix(tmp_path):
    """A stereo night: a tone on the left microphone only. Its second channel's overview and
    range show none of it, the mix and the first channel do; a mono file draws its one channel
    whatever is chosen, under the mix's cache entry."""
    left = af.tone(1000.0, 40.0, RATE_HZ)
    path = af.write(tmp_path / "pair.wav", np.stack([left, np.zeros_like(left)], axis=1), RATE_HZ)
    cache = tmp_path / "cache"
    configs = {c: SpectrogramConfig(channel=c) for c in (None, 0, 1)}
    peaks = {c: overview.load_overview(path, cache, config).env_max.max()
             for c, config in configs.items()}
    assert peaks[0] == pytest.approx(0.5, abs=0.02) and peaks[None] == pytest.approx(0.25, abs=0.01)
    assert peaks[1] == 0.0
    assert len(list(cache.glob("*.npz"))) == 3
    assert overview.overview_cache_path(path, cache, configs[None], n_channels=2) \
        == overview.overview_cache_path(path, cache)  # the mix keeps its old entry
    ranges = {c: overview.compute_range_spectrogram(path, 10.0, 12.0, 200, config)
              for c, config in configs.items()}
    assert ranges[0].env_max.max() > 0.4 and ranges[1].env_max.max() == 0.0
    assert ranges[0].db.max() > ranges[1].db.max() + 60
    mono = af.write(tmp_path / "mono.wav", left, RATE_HZ)
    assert SpectrogramConfig(channel=1).channel_for(1) is None
    assert overview.load_overview(mono, cache, configs[1]).env_max.max() > 0.4
    assert overview.overview_cache_path(mono, cache, configs[1]) \
        == overview.overview_cache_path(mono, cache)


def test_an_unwritable_cache_is_skipped(tmp_path):
    path = af.write(tmp_path / "a.wav", af.tone(440, 5.0, RATE_HZ), RATE_HZ)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    assert overview.load_overview(path, blocker / "cache") is not None
