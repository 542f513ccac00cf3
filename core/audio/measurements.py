"""Measurements of a marked region, as Raven Pro defines its robust ones: where in time and
frequency the region's energy lies (peak, centre, 5/25/75/95 % points, the 90 % duration and
bandwidth) and how spread it is (aggregate and average entropy).

Computed from a power spectrogram of the region alone (Hann frames of ``fft_size_for`` the
file's rate, a quarter-frame hop, each block of frames with its DC offset removed), over the
frequency bins inside the region's band (all of them for a region without one). Energy is summed
over the band for each frame (the time envelope) and over the frames for each bin (the
spectrum); a percentile point is where the running sum first reaches that share of the total.
Times are on the file's timeline, as Raven reports them; a frame's time is its centre.
Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import numpy as np

from core.audio.reading import info, read_blocks
from core.audio.spectrogram import fft_size_for, frame_power_at


@dataclass(frozen=True)
class RegionMeasurements:
    """One region's measurements; every time is seconds from the start of its file."""

    delta_time_s: float
    delta_freq_hz: float
    peak_time_s: float
    peak_freq_hz: float
    center_time_s: float
    center_freq_hz: float
    time_5_s: float
    time_95_s: float
    dur_90_s: float
    freq_5_hz: float
    freq_25_hz: float
    freq_75_hz: float
    freq_95_hz: float
    bw_90_hz: float
    iqr_bw_hz: float
    agg_entropy_bits: float
    avg_entropy_bits: float


#: Raven Pro's column names for the fields above, in its order (its "Begin Time (s)" timeline:
#: an export running files on as one sequence adds each file's offset to the *_time_s values).
RAVEN_COLUMNS = {
    "Delta Time (s)": "delta_time_s", "Delta Freq (Hz)": "delta_freq_hz",
    "Peak Time (s)": "peak_time_s", "Peak Freq (Hz)": "peak_freq_hz",
    "Center Time (s)": "center_time_s", "Center Freq (Hz)": "center_freq_hz",
    "Time 5% (s)": "time_5_s", "Time 95% (s)": "time_95_s", "Dur 90% (s)": "dur_90_s",
    "Freq 5% (Hz)": "freq_5_hz", "Freq 25% (Hz)": "freq_25_hz", "Freq 75% (Hz)": "freq_75_hz",
    "Freq 95% (Hz)": "freq_95_hz", "BW 90% (Hz)": "bw_90_hz", "IQR BW (Hz)": "iqr_bw_hz",
    "Agg Entropy (bits)": "agg_entropy_bits", "Avg Entropy (bits)": "avg_entropy_bits",
}
#: The fields that are times on the file's timeline (not durations).
TIMELINE_FIELDS = ("peak_time_s", "center_time_s", "time_5_s", "time_95_s")
FIELD_NAMES = tuple(f.name for f in fields(RegionMeasurements))


#: Seconds of a file read at a time.
READ_BLOCK_S = 10.0
#: Frames whose power is held at once: a region of any length is measured in blocks of this
#: many frames (about 4 MB of power at 1024 bins), so a two-hour region never sits in memory.
BLOCK_FRAMES = 1024


def _percentile_index(energy: np.ndarray, share: float) -> int:
    """The first index where the running sum of ``energy`` reaches ``share`` of its total."""
    running = np.cumsum(energy, dtype=np.float64)
    return int(min(np.searchsorted(running, share * running[-1], side="left"), len(energy) - 1))


def _entropy_bits(energy: np.ndarray, axis: int = 0) -> np.ndarray:
    """Shannon entropy (bits) of ``energy`` along ``axis`` as a distribution: 0 for one bin,
    log2(n) for a flat one, 0 where there is no energy."""
    total = energy.sum(axis=axis, keepdims=True)
    p = np.divide(energy, total, out=np.zeros_like(energy), where=total > 0)
    logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
    return -(p * logs).sum(axis=axis)


def _frame_starts(n: int, n_fft: int, hop: int) -> np.ndarray:
    """Starts of frames covering ``n`` samples (one frame for fewer than ``n_fft``), the last
    ending at the last sample."""
    starts = np.arange(0, max(n - n_fft, 0) + 1, hop)
    if n > n_fft and starts[-1] + n_fft < n:
        starts = np.append(starts, n - n_fft)
    return starts


class _Samples:
    """Consecutive pieces of a region's samples (``pieces``, in order), handed out by sample
    index: what was read stays until a later frame no longer needs it; zeros past the end."""

    def __init__(self, pieces: Iterable[np.ndarray]) -> None:
        self._pieces = iter(pieces)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._start = 0  # the sample index of _buffer[0]

    def take(self, start: int, count: int) -> np.ndarray:
        """Samples ``start`` to ``start + count``; those before ``start`` are let go."""
        while self._start + len(self._buffer) < start + count:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer = np.concatenate((self._buffer, np.asarray(piece, dtype=np.float32)))
        self._buffer = self._buffer[start - self._start:]
        self._start = start
        return _exactly(self._buffer[:count], count)


def _measure_stream(pieces: Iterable[np.ndarray], n: int, sample_rate_hz: int,
                    begin_s: float, low_hz: float | None, high_hz: float | None,
                    n_fft: int | None, should_stop: Callable[[], bool]
                    ) -> RegionMeasurements | None:
    """The measurements of ``n`` samples arriving as consecutive ``pieces``, frames taken a
    block at a time."""
    if n <= 0 or sample_rate_hz <= 0:
        return None
    n_fft = n_fft or fft_size_for(sample_rate_hz)
    hop = max(1, n_fft // 4)
    freqs_hz = np.arange(n_fft // 2 + 1) * sample_rate_hz / n_fft
    nyquist_hz = sample_rate_hz / 2
    low = 0.0 if low_hz is None else max(0.0, float(low_hz))
    high = nyquist_hz if high_hz is None else min(nyquist_hz, float(high_hz))
    in_band = (freqs_hz >= low) & (freqs_hz <= high)
    if not in_band.any():  # a band narrower than one bin: the bin nearest its middle
        in_band[int(np.argmin(np.abs(freqs_hz - (low + high) / 2)))] = True
    band_freqs_hz = freqs_hz[in_band]
    starts = _frame_starts(n, n_fft, hop)
    spectrum = np.zeros(len(band_freqs_hz))
    envelope, frame_entropy = np.zeros(len(starts)), np.zeros(len(starts))
    peak_power, peak_bin, peak_frame = -1.0, 0, 0
    samples = _Samples(pieces)
    for first in range(0, len(starts), BLOCK_FRAMES):
        if should_stop():
            return None
        block = starts[first:first + BLOCK_FRAMES]
        x = samples.take(int(block[0]), int(block[-1] - block[0]) + n_fft)
        x = x - float(x.mean())  # a DC offset is energy at 0 Hz no listener hears
        power = frame_power_at(x, block - block[0], n_fft)[in_band].astype(np.float64)
        if not np.isfinite(power).all():
            return None
        spectrum += power.sum(axis=1)
        envelope[first:first + len(block)] = power.sum(axis=0)
        frame_entropy[first:first + len(block)] = _entropy_bits(power, axis=0)
        b, f = np.unravel_index(int(np.argmax(power)), power.shape)
        if power[b, f] > peak_power:
            peak_power, peak_bin, peak_frame = float(power[b, f]), int(b), first + int(f)
    if float(spectrum.sum()) <= 0:
        return None
    times_s = begin_s + np.minimum(starts + n_fft / 2, n) / sample_rate_hz

    def freq(share: float) -> float:
        return float(band_freqs_hz[_percentile_index(spectrum, share)])

    def time(share: float) -> float:
        return float(times_s[_percentile_index(envelope, share)])

    f5, f25, f75, f95 = freq(0.05), freq(0.25), freq(0.75), freq(0.95)
    t5, t95 = time(0.05), time(0.95)
    sounding = envelope > 0
    return RegionMeasurements(
        delta_time_s=n / sample_rate_hz, delta_freq_hz=high - low,
        peak_time_s=float(times_s[peak_frame]), peak_freq_hz=float(band_freqs_hz[peak_bin]),
        center_time_s=time(0.5), center_freq_hz=freq(0.5),
        time_5_s=t5, time_95_s=t95, dur_90_s=t95 - t5,
        freq_5_hz=f5, freq_25_hz=f25, freq_75_hz=f75, freq_95_hz=f95,
        bw_90_hz=f95 - f5, iqr_bw_hz=f75 - f25,
        agg_entropy_bits=float(_entropy_bits(spectrum)),
        avg_entropy_bits=float(frame_entropy[sounding].mean()))


def _exactly(samples: np.ndarray, count: int) -> np.ndarray:
    """``samples`` cut or zero-padded to ``count``."""
    if len(samples) >= count:
        return samples[:count]
    return np.pad(samples, (0, count - len(samples)))


def measure(samples: np.ndarray, sample_rate_hz: int, begin_s: float = 0.0,
            low_hz: float | None = None, high_hz: float | None = None,
            n_fft: int | None = None) -> RegionMeasurements | None:
    """The measurements of a region whose mono ``samples`` start ``begin_s`` into their file,
    within ``low_hz``..``high_hz`` (None: the whole spectrum). None when the region holds no
    energy in its band (digital silence, or no samples): nothing there has a peak or a centre.
    """
    x = np.asarray(samples, dtype=np.float32)
    return _measure_stream([x], len(x), sample_rate_hz, begin_s, low_hz, high_hz, n_fft,
                           lambda: False)


@dataclass(frozen=True)
class RegionSpan:
    """Where a region lies in its file: seconds, and its band (None: all frequencies)."""

    begin_s: float
    end_s: float
    low_hz: float | None = None
    high_hz: float | None = None


def measure_file_regions(path: str | os.PathLike, spans: Iterable[RegionSpan],
                         should_stop: Callable[[], bool] = lambda: False
                         ) -> list[RegionMeasurements | None]:
    """Each span of the file at ``path`` measured at the file's own rate (every frequency up to
    its Nyquist), reading only that span through one open handle, READ_BLOCK_S at a time (an
    hour-long region never sits in memory whole). None for a silent span and for spans not finished before
    ``should_stop``. Raises AudioError naming the file when it cannot be read."""
    spans = list(spans)
    results: list[RegionMeasurements | None] = [None] * len(spans)
    if not spans:
        return results
    header = info(path)
    rate_hz = header.sample_rate_hz
    for i, span in enumerate(spans):
        if should_stop():
            break
        first = max(0, round(span.begin_s * rate_hz))
        n = max(0, min(round(span.end_s * rate_hz), header.frames) - first)

        blocks = read_blocks(path, READ_BLOCK_S, offset_s=first / rate_hz,
                             duration_s=n / rate_hz)
        try:
            results[i] = _measure_stream((b.samples for b in blocks), n, rate_hz,
                                         first / rate_hz, span.low_hz, span.high_hz, None,
                                         should_stop)
        finally:
            blocks.close()
    return results


def format_value(field: str, value: float) -> str:
    """A measurement as a table cell: seconds to the millisecond's tenth, Hz to 0.1, bits to
    0.001."""
    if not math.isfinite(value):
        return ""
    if field.endswith("_s"):
        return f"{value:.4f}"
    if field.endswith("_hz"):
        return f"{value:.1f}"
    return f"{value:.3f}"


__all__ = ["FIELD_NAMES", "RAVEN_COLUMNS", "RegionMeasurements", "RegionSpan",
           "TIMELINE_FIELDS", "format_value", "measure", "measure_file_regions"]
