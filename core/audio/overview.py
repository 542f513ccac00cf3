"""Long files at the resolution of the screen: a pooled overview image of a whole file (cached
per file as a small .npz) and the spectrogram of one time range at exactly the pixel columns
asked, each read from disk block by block (a range: only the range and half a window each side).
"""

from __future__ import annotations

import hashlib
import math
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.audio import reading
from core.audio.spectrogram import (
    DEFAULT_SPECTROGRAM,
    SpectrogramConfig,
    back_to_back_power,
    frame_power_at,
    loudest_db,
    power_to_db,
)
from core.paths import file_identity

# Wider than most screens: an hour is 0.9 s a column, so a whole-file view needs nothing more.
OVERVIEW_COLUMNS = 4000
# About a plot's height in pixels: an FFT of 512 keeps all its 257 rows, larger ones are pooled.
OVERVIEW_MAX_ROWS = 300
# Samples read per block when streaming (about 16 s at 16 kHz): memory stays bounded and a stop
# request is seen within a block.
_BLOCK_SAMPLES = 1 << 18
# Bumped when the overview's computation changes, so old cache files are computed again.
_CACHE_VERSION = 1

ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class Overview:
    """A whole file's pooled picture, small enough to keep and draw at once.

    ``db`` float32 (n_rows, n_columns): each column the loudest (max-pooled) power of the frames
    in its share of the file, in dB, rows max-pooled from the FFT bins; it spans 0..``duration_s``
    and 0..``max_freq_hz``. ``env_min``/``env_max`` (n_columns,) the waveform's peak envelope.
    """

    db: np.ndarray
    env_min: np.ndarray
    env_max: np.ndarray
    duration_s: float
    sample_rate_hz: int
    max_freq_hz: float
    n_fft: int

    @property
    def column_s(self) -> float:
        """Seconds of the file in one column."""
        return self.duration_s / max(self.db.shape[1], 1)

    @property
    def top_db(self) -> float:
        """The file's loudest bin (finite)."""
        return loudest_db(self.db)


@dataclass(frozen=True)
class RangeSpectrogram:
    """The spectrogram of ``start_s``..``end_s`` at one column a pixel.

    ``db`` float32 (n_fft // 2 + 1, n_columns), column i covering ``start_s + i * column_s``
    onwards, row 0 at 0 Hz, the last row at ``max_freq_hz`` (Nyquist); ``env_min``/``env_max``
    (n_columns,) the waveform's peak envelope over the same columns.
    """

    db: np.ndarray
    env_min: np.ndarray
    env_max: np.ndarray
    start_s: float
    end_s: float
    sample_rate_hz: int
    max_freq_hz: float
    n_fft: int

    @property
    def column_s(self) -> float:
        return (self.end_s - self.start_s) / max(self.db.shape[1], 1)


# --------------------------------------------------------------------------- the range


def compute_range_spectrogram(path: str | os.PathLike, start_s: float, end_s: float,
                              n_columns: int, config: SpectrogramConfig = DEFAULT_SPECTROGRAM,
                              should_stop: ShouldStop | None = None) -> RangeSpectrogram | None:
    """The spectrogram of ``start_s``..``end_s`` of ``path`` with exactly ``n_columns`` columns
    (clipped to the file; None when ``should_stop`` said stop).

    The FFT size is ``config``'s; only the range is read, with half a window either side. A column
    narrower than a window gets one frame centred on it (any hop, not a whole number of samples);
    a wider one the loudest of the frames laid back to back across it, so no sound is skipped.
    Raises AudioError for a bad file, ValueError for ``n_columns`` < 1.
    """
    if n_columns < 1:
        raise ValueError(f"n_columns must be >= 1, got {n_columns!r}")
    header = reading.info(path)
    rate, total = header.sample_rate_hz, header.frames
    first = min(max(int(round(start_s * rate)), 0), total - 1)
    last = min(max(int(round(end_s * rate)), first + 1), total)
    n_fft = config.n_fft_for(rate)
    channel = config.channel_for(header.channels)
    if (last - first) / n_columns <= n_fft:
        power, env_min, env_max = _power_under_columns(path, rate, total, first, last,
                                                       n_columns, n_fft, channel)
    else:
        pooled = _pooled_power(path, rate, first, last, n_columns, n_fft, channel, should_stop)
        if pooled is None:
            return None
        power, env_min, env_max = pooled
    return RangeSpectrogram(power_to_db(power), env_min, env_max, first / rate, last / rate,
                            rate, rate / 2.0, n_fft)


def _power_under_columns(path, rate: int, total: int, first: int, last: int, n_columns: int,
                         n_fft: int, channel: int | None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One frame centred on each column; what is read is the range and half a frame more."""
    half = n_fft // 2
    read_first, read_last = max(first - half, 0), min(last + half, total)
    samples = reading.read(path, offset_s=read_first / rate,
                           duration_s=(read_last - read_first) / rate, channel=channel)
    # ``padded[j]`` is sample ``first - half + j`` of the file; zeros stand in before its start
    # and after its end.
    origin = first - half
    padded = np.zeros((last - first) + 2 * n_fft, dtype=np.float32)
    padded[read_first - origin:][:len(samples)] = samples
    centres = first + (np.arange(n_columns) + 0.5) * ((last - first) / n_columns)
    power = frame_power_at(padded, np.round(centres).astype(np.int64) - half - origin, n_fft)
    inside = samples[first - read_first:last - read_first]
    env_min, env_max = reading.peak_envelope(inside, n_columns)
    return power, env_min, env_max


def _pooled_power(path, rate: int, first: int, last: int, n_columns: int, n_fft: int,
                  channel: int | None, should_stop: ShouldStop | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Max-pooled power and peak envelope of ``first``..``last`` (of ``channel``, or the mix)
    over ``n_columns`` columns at least a window wide, streamed: frames back to back from
    ``first``, each in the column under its centre. None when stopped."""
    n_freqs = n_fft // 2 + 1
    span = last - first
    edges = first + (np.arange(n_columns, dtype=np.int64) * span) // n_columns
    power = np.zeros((n_freqs, n_columns), dtype=np.float32)
    env_min = np.full(n_columns, np.inf, dtype=np.float32)
    env_max = np.full(n_columns, -np.inf, dtype=np.float32)
    block_frames = max(1, _BLOCK_SAMPLES // n_fft)
    blocks = reading.read_blocks(path, block_s=block_frames * n_fft / rate,
                                 offset_s=first / rate, duration_s=span / rate, channel=channel)
    try:
        for block in blocks:
            if should_stop is not None and should_stop():
                return None
            position = int(round(block.start_s * rate))
            _pool_block(block.samples, position, edges, n_fft, power)
            _envelope_block(block.samples, position, edges, env_min, env_max)
    finally:
        blocks.close()
    empty = ~np.isfinite(env_min)
    env_min[empty] = 0.0
    env_max[empty] = 0.0
    return power, env_min, env_max


def _pool_block(samples: np.ndarray, position: int, edges: np.ndarray, n_fft: int,
                out: np.ndarray) -> None:
    """Fold the back-to-back frames of one block (starting at file sample ``position``, a whole
    number of frames after the span's start) into ``out`` by the column under each centre."""
    frames = back_to_back_power(samples, n_fft)
    centres = position + np.arange(frames.shape[1], dtype=np.int64) * n_fft + n_fft // 2
    columns = np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, len(edges) - 1)
    present, first = np.unique(columns, return_index=True)
    out[:, present] = np.maximum(out[:, present], np.maximum.reduceat(frames, first, axis=1))


def _envelope_block(samples: np.ndarray, position: int, edges: np.ndarray,
                    env_min: np.ndarray, env_max: np.ndarray) -> None:
    """Fold one block's samples into the per-column min/max (columns at least a sample wide)."""
    n = len(samples)
    low = max(int(np.searchsorted(edges, position, side="right")) - 1, 0)
    high = int(np.searchsorted(edges, position + n, side="left"))
    starts = np.maximum(edges[low:high] - position, 0)
    env_min[low:high] = np.minimum(env_min[low:high], np.minimum.reduceat(samples, starts))
    env_max[low:high] = np.maximum(env_max[low:high], np.maximum.reduceat(samples, starts))


# --------------------------------------------------------------------------- the overview


def compute_overview(path: str | os.PathLike, config: SpectrogramConfig = DEFAULT_SPECTROGRAM,
                     n_columns: int = OVERVIEW_COLUMNS, max_rows: int = OVERVIEW_MAX_ROWS,
                     should_stop: ShouldStop | None = None) -> Overview | None:
    """The whole file's overview: at most ``n_columns`` columns (never narrower than a window)
    and ``max_rows`` rows, read once block by block. None when ``should_stop`` said stop.
    Raises AudioError."""
    header = reading.info(path)
    rate, total = header.sample_rate_hz, header.frames
    n_fft = config.n_fft_for(rate)
    n_columns = max(1, min(n_columns, total // n_fft))
    pooled = _pooled_power(path, rate, 0, total, n_columns, n_fft,
                           config.channel_for(header.channels), should_stop)
    if pooled is None:
        return None
    power, env_min, env_max = pooled
    rows, group = _pool_rows(power, max_rows)
    top_hz = rate / 2.0 * (rows.shape[0] * group) / power.shape[0]
    return Overview(power_to_db(rows), env_min, env_max, total / rate, rate, top_hz, n_fft)


def _pool_rows(power: np.ndarray, max_rows: int) -> tuple[np.ndarray, int]:
    """Max-pool groups of frequency bins so at most ``max_rows`` rows remain; (rows, group)."""
    group = max(1, math.ceil(power.shape[0] / max_rows))
    if group == 1:
        return power, 1
    n_rows = math.ceil(power.shape[0] / group)
    padded = np.zeros((n_rows * group, power.shape[1]), dtype=power.dtype)
    padded[:power.shape[0]] = power
    return padded.reshape(n_rows, group, -1).max(axis=1), group


def overview_cache_path(path: str | os.PathLike, cache_dir: str | os.PathLike,
                        config: SpectrogramConfig = DEFAULT_SPECTROGRAM,
                        n_columns: int = OVERVIEW_COLUMNS,
                        max_rows: int = OVERVIEW_MAX_ROWS, n_channels: int = 1) -> Path:
    """Where the overview of ``path`` (a file of ``n_channels`` channels) with these settings is
    kept: one file per file and settings, overwritten when the file changes."""
    channel = config.channel_for(n_channels)
    name = f"{Path(path).resolve()}|{config.fft_size}|{n_columns}|{max_rows}|{_CACHE_VERSION}"
    if channel is not None:  # the mix keeps the key it always had
        name += f"|channel {channel}"
    return Path(cache_dir) / f"overview-{hashlib.sha1(name.encode()).hexdigest()[:24]}.npz"


def load_overview(path: str | os.PathLike, cache_dir: str | os.PathLike | None,
                  config: SpectrogramConfig = DEFAULT_SPECTROGRAM,
                  n_columns: int = OVERVIEW_COLUMNS, max_rows: int = OVERVIEW_MAX_ROWS,
                  should_stop: ShouldStop | None = None) -> Overview | None:
    """The overview of ``path`` from ``cache_dir`` when its size and modification time still
    match, else computed (and kept there; a cache that cannot be written is skipped). No
    ``cache_dir``: always computed. None when stopped."""
    if cache_dir is None:
        return compute_overview(path, config, n_columns, max_rows, should_stop)
    stamp = _file_stamp(path)
    n_channels = reading.info(path).channels if config.channel is not None else 1
    cached = overview_cache_path(path, cache_dir, config, n_columns, max_rows, n_channels)
    overview = _read_cache(cached, stamp)
    if overview is not None:
        return overview
    overview = compute_overview(path, config, n_columns, max_rows, should_stop)
    if overview is not None:
        _write_cache(cached, stamp, overview)
    return overview


def _file_stamp(path) -> np.ndarray:
    """(size, mtime_ns) of the file: what says it changed since its overview was kept."""
    identity = file_identity(path)
    if identity is None:
        return np.array([-1, -1], dtype=np.int64)  # reading it raises the real reason
    return np.array([identity.size, identity.mtime_ns], dtype=np.int64)


def _read_cache(cached: Path, stamp: np.ndarray) -> Overview | None:
    try:
        # Opened here, so that a damaged file is closed whatever np.load makes of it.
        with open(cached, "rb") as handle, np.load(handle, allow_pickle=False) as saved:
            if not np.array_equal(saved["stamp"], stamp):
                return None
            meta = saved["meta"]
            return Overview(saved["db"].astype(np.float32), saved["env_min"], saved["env_max"],
                            float(meta[0]), int(meta[1]), float(meta[2]), int(meta[3]))
    except (OSError, ValueError, KeyError, IndexError, EOFError, AttributeError, TypeError,
            zipfile.BadZipFile):  # AttributeError, TypeError: a lone .npy, not an archive
        return None  # missing, damaged, partly written or from another version: computed again


def _write_cache(cached: Path, stamp: np.ndarray, overview: Overview) -> None:
    """Write beside and rename, so a reader never sees half a file."""
    meta = np.array([overview.duration_s, overview.sample_rate_hz, overview.max_freq_hz,
                     overview.n_fft], dtype=np.float64)
    partial = cached.with_name(f"{cached.stem}.{os.getpid()}.partial.npz")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # float16 halves the file; a colour map cannot show the difference.
        np.savez(partial, stamp=stamp, meta=meta, db=overview.db.astype(np.float16),
                 env_min=overview.env_min, env_max=overview.env_max)
        os.replace(partial, cached)
    except OSError:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass  # its folder could not be made: there is nothing to remove
