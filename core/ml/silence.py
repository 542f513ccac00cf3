"""Silence read from the waveform, before any model: a clip or a long file's window with no sound
in it (``is_silent``), and each window's level (``window_sound``). A model's "peak" features
scale every clip to the same loudness, so to the model a faint hiss and a loud one look alike;
``novelty`` answers such clips ``silence``."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

# A clip is silence when its loudest 32 ms block is below DIGITAL_SILENCE_DBFS (about one step of
# 16-bit audio: nothing was recorded), or when it is both quiet and flat: its loudest block under
# QUIET_DBFS, and no frequency band rising RISE_DB over that band's own median level (its noise
# floor). Both, because neither alone is safe. Flat is not enough: FSDD's tightly trimmed digits
# rise as little as 2 dB (1% of them under 3.3 dB), no more than a recorder's hiss, and a loud
# steady tone or noise is a sound (``unknown`` unless the model knows it), not silence. Quiet is
# not enough: a faint call over faint hiss is a sound. Measured: white, pink and brown hiss of
# 0.3-10 s rise at most 6.8 dB in any band; cats and dogs 8.1 dB at the least; the quietest FSDD
# digit (speaker theo) peaks at -49 dBFS, 11 dB over QUIET_DBFS, and no FSDD, cat or dog clip is
# silence.
DIGITAL_SILENCE_DBFS = -90.0
QUIET_DBFS = -60.0
RISE_DB = 10.0
FRAME_S = 0.032  # frames of 32 ms every 16 ms: a syllable or a bark spans several
N_BANDS = 16  # log-spaced from BAND_LOW_HZ to the Nyquist frequency
BAND_LOW_HZ = 100.0
SMOOTH_FRAMES = 5  # band levels averaged over ~100 ms, so a noise band's chance peaks stay low
BAND_RANGE_DB = 60.0  # a band more than this under the loudest is taken as at that level
TINY = 1e-30
LOUD_PERCENTILE = 90  # window_sound's level of a window (its frames' nearest rank)


def _centred(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float64)
    return x - x.mean() if len(x) else x


@functools.lru_cache(maxsize=16)
def _band_means(size: int, sample_rate_hz: int) -> tuple[np.ndarray, np.ndarray]:
    """A frame's Hann window, and the ``(n_bins, n_bands)`` matrix that takes a frame's power
    spectrum to the mean power of each of the N_BANDS bands holding a bin (every window of a
    long file is checked: built once, not per call)."""
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate_hz)
    edges = np.geomspace(BAND_LOW_HZ, sample_rate_hz / 2, N_BANDS + 1)
    inside = [(freqs >= lo) & (freqs < hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    bands = np.stack([band / band.sum() for band in inside if band.any()], axis=1)
    return np.hanning(size), bands


def band_rise_db(samples: np.ndarray, sample_rate_hz: int) -> float:
    """How far the clip rises over its own noise floor: over N_BANDS log-spaced bands, the
    largest gap (dB) between a band's loudest moment and its median level, band levels smoothed
    over SMOOTH_FRAMES frames. Stationary noise stays within a few dB; a sound rises."""
    x = _centred(samples)
    if not len(x):
        return 0.0
    size = max(8, int(round(FRAME_S * sample_rate_hz)))
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::size // 2]  # whole frames
    window, bands = _band_means(size, int(sample_rate_hz))
    levels = (np.abs(np.fft.rfft(frames * window, axis=1)) ** 2) @ bands
    if len(levels) >= SMOOTH_FRAMES:
        levels = moving_mean(levels, SMOOTH_FRAMES)
    db = 10.0 * np.log10(levels + TINY)
    db = np.maximum(db, db.max() - BAND_RANGE_DB)
    return float((db.max(axis=0) - np.median(db, axis=0)).max())


def moving_mean(levels: np.ndarray, n: int) -> np.ndarray:
    """``levels`` ``(n_frames, n_bands)`` averaged over each run of ``n`` frames (those whole:
    ``n_frames - n + 1`` rows)."""
    cumulative = np.cumsum(np.vstack([np.zeros(levels.shape[1]), levels]), axis=0)
    return (cumulative[n:] - cumulative[:-n]) / n


def loudness_dbfs(samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """``(n_frames,)`` RMS level (dB full scale) of each FRAME_S block, DC removed: back-to-back
    blocks, the last padded with zeros (a clip shorter than a block is one). Each block's
    energy about the clip's mean from its sums, without a centred copy (every window of a long
    file is measured: 0.028 against 0.064 ms a 0.86 s window)."""
    size = max(1, int(round(FRAME_S * sample_rate_hz)))
    n = len(samples)
    count = max(1, math.ceil(n / size))
    blocks = np.zeros(count * size)
    blocks[:n] = samples
    blocks = blocks.reshape(count, size)
    mean = blocks.sum() / n if n else 0.0
    real = np.full(count, float(size))  # samples of the clip in each block
    real[-1] = n - (count - 1) * size
    sums = blocks.sum(axis=1)
    energy = np.einsum("ij,ij->i", blocks, blocks) - 2 * mean * sums + real * mean * mean
    return 10.0 * np.log10(np.maximum(energy, 0.0) / size + TINY)


def is_silent(samples: np.ndarray, sample_rate_hz: int) -> bool:
    """True when ``samples`` (mono, any length) hold no sound: digital silence, or quiet and
    flat (see the thresholds above). Blocks of digital silence inside a clip are left out, so a
    hiss with a dropout is still a hiss."""
    verdict = _by_energy(samples, sample_rate_hz)
    if verdict is not None:
        return verdict
    return _silent_at(samples, sample_rate_hz, loudness_dbfs(samples, sample_rate_hz))


def _silent_at(samples: np.ndarray, sample_rate_hz: int, levels: np.ndarray) -> bool:
    """:func:`is_silent` of ``samples`` whose FRAME_S blocks' ``levels`` (``loudness_dbfs``)
    are measured."""
    live = levels >= DIGITAL_SILENCE_DBFS
    if not live.any():
        return True
    if levels.max() >= QUIET_DBFS:
        return False
    x = _centred(samples)
    kept = np.repeat(live, max(1, int(round(FRAME_S * sample_rate_hz))))[:len(x)]
    return band_rise_db(x[kept], sample_rate_hz) < RISE_DB


def window_sound(windows: Sequence[np.ndarray],
                 sample_rate_hz: int) -> tuple[np.ndarray, np.ndarray]:
    """Of each of ``windows`` (a long file's): whether it is silent (:func:`is_silent`),
    ``(n,)`` bool, and the level (dB full scale) its loudest tenth of FRAME_S blocks reach
    (LOUD_PERCENTILE: a click of a few ms is not a window's level), ``(n,)``, its blocks
    measured once for both (0.03 ms a window; a quiet one's spectrum 0.3 ms more). Measured
    together (numpy's
    or torch's FFT over the batch) they were no faster, or slower: torch's threads, contended in
    a busy process, took a quiet clip's 0.3 ms to 15."""
    silent, loudest = np.zeros(len(windows), dtype=bool), np.zeros(len(windows))
    for k, window in enumerate(windows):
        levels = loudness_dbfs(window, sample_rate_hz)
        silent[k] = _silent_at(window, sample_rate_hz, levels)
        loudest[k] = np.sort(levels)[(len(levels) - 1) * LOUD_PERCENTILE // 100]
    return silent, loudest


def _by_energy(samples: np.ndarray, sample_rate_hz: int) -> bool | None:
    """Whether ``samples`` are silent as their energy alone tells (most windows of a long
    file), None where it cannot: the frames' mean power is the energy over their padded
    length, and no frame holds more than all of it."""
    x = np.asarray(samples, dtype=np.float64)  # float32 sums drowned a quiet sound under a DC
    if not len(x):
        return None
    size = max(1, int(round(FRAME_S * sample_rate_hz)))
    # Not np.dot: BLAS threads spun against torch's, and an hour's detection took 13 s, not 3.3.
    energy = float((x * x).sum()) - float(x.sum()) ** 2 / len(x)
    if energy / (max(1, math.ceil(len(x) / size)) * size) >= 1.01 * 10 ** (QUIET_DBFS / 10):
        return False  # some frame is louder than quiet
    if energy / size < 0.99 * 10 ** (DIGITAL_SILENCE_DBFS / 10):
        return True  # every frame is digital silence
    return None
