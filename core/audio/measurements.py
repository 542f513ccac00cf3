"""Measurements of a marked region, as Raven Pro defines its robust ones: where in time and
frequency the region's energy lies (peak, centre, 5/25/75/95 % points, the 90 % duration and
bandwidth) and how spread it is (aggregate and average entropy).

Computed from a power spectrogram of the region alone (Hann frames of ``fft_size_for`` the file's
rate, a quarter-frame hop), over the frequency bins inside the region's band (all of them for a
region without one). Energy is summed over the band for each frame (the time envelope) and over
the frames for each bin (the spectrum); a percentile point is where the running sum first
reaches that share of the total. Times are on the file's timeline, as Raven reports them; a
frame's time is its centre. Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import numpy as np

from core.audio.reading import info, read
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


def _percentile_index(energy: np.ndarray, share: float) -> int:
    """The first index where the running sum of ``energy`` reaches ``share`` of its total."""
    running = np.cumsum(energy, dtype=np.float64)
    return int(min(np.searchsorted(running, share * running[-1], side="left"), len(energy) - 1))


def _entropy_bits(energy: np.ndarray) -> float:
    """Shannon entropy (bits) of ``energy`` as a distribution: 0 for one bin, log2(n) for flat."""
    total = float(energy.sum())
    if total <= 0:
        return 0.0
    p = energy[energy > 0] / total
    return float(-(p * np.log2(p)).sum())


def measure(samples: np.ndarray, sample_rate_hz: int, begin_s: float = 0.0,
            low_hz: float | None = None, high_hz: float | None = None,
            n_fft: int | None = None) -> RegionMeasurements | None:
    """The measurements of a region whose mono ``samples`` start ``begin_s`` into their file,
    within ``low_hz``..``high_hz`` (None: the whole spectrum). None when the region holds no
    energy in its band (digital silence, or no samples): nothing there has a peak or a centre.
    """
    n = len(samples)
    if n == 0 or sample_rate_hz <= 0:
        return None
    n_fft = n_fft or fft_size_for(sample_rate_hz)
    hop = max(1, n_fft // 4)
    x = np.asarray(samples, dtype=np.float32)
    x = x - float(x.mean())  # a DC offset is energy at 0 Hz no listener hears
    if n < n_fft:
        x = np.pad(x, (0, n_fft - n))
    starts = np.arange(0, len(x) - n_fft + 1, hop)
    if starts[-1] + n_fft < n:  # the last samples get a frame of their own
        starts = np.append(starts, n - n_fft)
    power = frame_power_at(x, starts, n_fft).astype(np.float64)
    freqs_hz = np.arange(power.shape[0]) * sample_rate_hz / n_fft
    nyquist_hz = sample_rate_hz / 2
    low = 0.0 if low_hz is None else max(0.0, float(low_hz))
    high = nyquist_hz if high_hz is None else min(nyquist_hz, float(high_hz))
    in_band = (freqs_hz >= low) & (freqs_hz <= high)
    if not in_band.any():  # a band narrower than one bin: the bin nearest its middle
        in_band[int(np.argmin(np.abs(freqs_hz - (low + high) / 2)))] = True
    band_power, band_freqs_hz = power[in_band], freqs_hz[in_band]
    if not np.isfinite(band_power).all() or float(band_power.sum()) <= 0:
        return None
    times_s = begin_s + np.minimum(starts + n_fft / 2, n) / sample_rate_hz
    spectrum, envelope = band_power.sum(axis=1), band_power.sum(axis=0)
    peak_bin, peak_frame = np.unravel_index(int(np.argmax(band_power)), band_power.shape)

    def freq(share: float) -> float:
        return float(band_freqs_hz[_percentile_index(spectrum, share)])

    def time(share: float) -> float:
        return float(times_s[_percentile_index(envelope, share)])

    f5, f25, f75, f95 = freq(0.05), freq(0.25), freq(0.75), freq(0.95)
    t5, t95 = time(0.05), time(0.95)
    frame_entropies = [_entropy_bits(band_power[:, j]) for j in range(band_power.shape[1])
                       if envelope[j] > 0]
    return RegionMeasurements(
        delta_time_s=n / sample_rate_hz, delta_freq_hz=high - low,
        peak_time_s=float(times_s[peak_frame]), peak_freq_hz=float(band_freqs_hz[peak_bin]),
        center_time_s=time(0.5), center_freq_hz=freq(0.5),
        time_5_s=t5, time_95_s=t95, dur_90_s=t95 - t5,
        freq_5_hz=f5, freq_25_hz=f25, freq_75_hz=f75, freq_95_hz=f95,
        bw_90_hz=f95 - f5, iqr_bw_hz=f75 - f25,
        agg_entropy_bits=_entropy_bits(spectrum),
        avg_entropy_bits=float(np.mean(frame_entropies)) if frame_entropies else 0.0)


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
    """Each span of the file at ``path`` measured, reading only that span (a region of a
    two-hour recording decodes its own seconds), at the file's own rate (every frequency up to
    its Nyquist). None for a silent span and for spans not reached before ``should_stop``.
    Raises AudioError naming the file when it cannot be read."""
    spans = list(spans)
    results: list[RegionMeasurements | None] = [None] * len(spans)
    if not spans:
        return results
    rate_hz = info(path).sample_rate_hz
    for i, span in enumerate(spans):
        if should_stop():
            break
        duration_s = max(0.0, span.end_s - span.begin_s)
        samples = read(path, offset_s=span.begin_s, duration_s=duration_s)
        results[i] = measure(samples, rate_hz, span.begin_s, span.low_hz, span.high_hz)
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
