"""Measurements of a marked region, as Raven Pro defines its robust ones: where in time and
frequency the region's energy lies (peak, centre, 5/25/75/95 % points, the 90 % duration and
bandwidth), how spread it is (aggregate and average entropy), and how loud it is: its in-band
power, and its signal-to-noise ratio against the same band just before and after it.

Computed from a power spectrogram of the region alone (Hann frames of ``fft_size_for`` the
file's rate, about 25 ms, shorter for a region that would not hold FRAMES_ACROSS of them (a
bat's call) and zero-padded to their FFT; a quarter-frame hop, each block of frames with its DC
offset removed), over the frequency bins inside the region's band (all of them for a region
without one). Energy is summed
over the band for each frame (the time envelope) and over the frames for each bin (the
spectrum); a percentile point is where the running sum first reaches that share of the total.
Times are on the file's timeline, as Raven reports them; a frame's time is its centre.

Levels are dB relative to full scale, a full-scale sine reading 0 dB FS (AES17): the in-band
power is the region's mean square in its band (Parseval over its frames). Raven has no SNR
measurement; its manual's protocol measures the Inband Power of a companion selection of the same
band where there is as little sound as possible and takes 10 log10((signal - noise) / noise).
Earmark does that for every region: the noise is the quieter of the same band's spans just before
and just after the region (each as long as the region, within NOISE_SPAN_MIN_S..NOISE_SPAN_MAX_S,
one frame apart from it), each moved away from the region until it is clear, by a frame, of every
other marked region whose band meets this one's and that does not hold it whole: a neighbouring
call is not noise. The SNR is left
blank where the region is no louder than that noise or where the file has no room for either span.
Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

import numpy as np

from core.audio.reading import info, read_blocks
from core.audio.spectrogram import band_bins, bin_frequencies_hz, fft_size_for, frame_power_at


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
    inband_power_db: float
    # The region's surroundings; NaN where they were not measured (``measure`` on samples alone).
    noise_power_db: float = math.nan
    snr_db: float = math.nan


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
    "Inband Power (dB FS)": "inband_power_db",
    # Not Raven's: its SNR protocol done for every region (see the module's docstring).
    "Noise Power (dB FS)": "noise_power_db", "SNR (dB)": "snr_db",
}
#: The fields that are times on the file's timeline (not durations).
TIMELINE_FIELDS = ("peak_time_s", "center_time_s", "time_5_s", "time_95_s")
FIELD_NAMES = tuple(f.name for f in fields(RegionMeasurements))


#: How long each span of the noise around a region is: the region's duration within these.
NOISE_SPAN_MIN_S = 0.25
NOISE_SPAN_MAX_S = 5.0

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


#: A region is measured in frames short enough that this many fit in it, down to MIN_N_FFT: in
#: frames of about 25 ms, a 4 ms bat call had a 90 % duration of 0 and its frequency points
#: squeezed into the middle of its sweep (49.9-68.4 kHz for 40-80 kHz). Two, zero-padded to
#: the long frames' FFT: the shorter a frame the wider a tone's band (a 60 ms tone at 16 kHz:
#: 90 % of it in 62 Hz in 32 ms frames, 125 Hz in 16 ms, 469 Hz in 8 ms).
FRAMES_ACROSS = 2
MIN_N_FFT = 64


def region_frame_size(sample_rate_hz: int, n_samples: int | None = None) -> int:
    """The frame a region of ``n_samples`` is measured in: ``fft_size_for`` the rate (about
    25 ms), halved while FRAMES_ACROSS of them would not fit in the region (its FFT stays
    ``fft_size_for`` the rate: the short frames are zero-padded, so the bins are as fine)."""
    n_window = fft_size_for(sample_rate_hz)
    while n_samples is not None and n_window > MIN_N_FFT and \
            n_window * FRAMES_ACROSS > n_samples:
        n_window //= 2
    return n_window


@dataclass(frozen=True)
class _Band:
    """The spectrogram a region is measured with: its frame size (``n_window``), its FFT's
    (``n_fft``, the frame zero-padded) and the bins in its band."""

    sample_rate_hz: int
    n_fft: int
    low_hz: float
    high_hz: float
    in_band: np.ndarray  # bool per rfft bin
    n_window: int

    @classmethod
    def of(cls, sample_rate_hz: int, low_hz: float | None, high_hz: float | None,
           n_fft: int | None = None, n_samples: int | None = None) -> _Band:
        """The band of a region of ``n_samples`` (None: any length), in frames of ``n_fft``
        (None: :func:`region_frame_size`, zero-padded to ``fft_size_for`` the rate)."""
        n_window = n_fft or region_frame_size(sample_rate_hz, n_samples)
        n_fft = n_fft or fft_size_for(sample_rate_hz)
        low = 0.0 if low_hz is None else max(0.0, float(low_hz))
        high = sample_rate_hz / 2 if high_hz is None else min(sample_rate_hz / 2, float(high_hz))
        return cls(sample_rate_hz, n_fft, low, high, band_bins(sample_rate_hz, n_fft, low, high),
                   n_window)

    @property
    def hop(self) -> int:
        return max(1, self.n_window // 4)

    @property
    def freqs_hz(self) -> np.ndarray:
        return bin_frequencies_hz(self.sample_rate_hz, self.n_fft)[self.in_band]

    def power_db(self, spectrum: np.ndarray, n_frames: int) -> float:
        """dB FS of the mean square that ``spectrum`` (each in-band bin's power summed over
        ``n_frames`` frames) stands for: Parseval over a one-sided Hann-windowed spectrum, each
        bin but 0 Hz and the Nyquist counting twice; a full-scale sine reads 0."""
        weights = np.full(self.n_fft // 2 + 1, 2.0)
        weights[[0, -1]] = 1.0
        window_energy = 3 * self.n_window / 8  # the sum of a periodic Hann window's squares
        mean_square = float(spectrum @ weights[self.in_band]) / (
            max(n_frames, 1) * self.n_fft * window_energy)
        return 10.0 * math.log10(2.0 * mean_square) if mean_square > 0 else -math.inf


def _band_power_blocks(pieces: Iterable[np.ndarray], n: int, band: _Band,
                       should_stop: Callable[[], bool]):
    """(index of its first frame, in-band power (bins, frames)) for each block of frames over
    ``n`` samples arriving as consecutive ``pieces``; stops early when ``should_stop``."""
    starts = _frame_starts(n, band.n_window, band.hop)
    samples = _Samples(pieces)
    for first in range(0, len(starts), BLOCK_FRAMES):
        if should_stop():
            return
        block = starts[first:first + BLOCK_FRAMES]
        x = samples.take(int(block[0]), int(block[-1] - block[0]) + band.n_window)
        x = x - float(x.mean())  # a DC offset is energy at 0 Hz no listener hears
        yield first, frame_power_at(x, block - block[0], band.n_fft, band.n_window)[
            band.in_band].astype(np.float64)


def _measure_stream(pieces: Iterable[np.ndarray], n: int, begin_s: float, band: _Band,
                    should_stop: Callable[[], bool]) -> RegionMeasurements | None:
    """The measurements of ``n`` samples arriving as consecutive ``pieces``, frames taken a
    block at a time."""
    if n <= 0 or band.sample_rate_hz <= 0:
        return None
    band_freqs_hz = band.freqs_hz
    starts = _frame_starts(n, band.n_window, band.hop)
    spectrum = np.zeros(len(band_freqs_hz))
    envelope, frame_entropy = np.zeros(len(starts)), np.zeros(len(starts))
    peak_power, peak_bin, peak_frame = -1.0, 0, 0
    done = 0
    for first, power in _band_power_blocks(pieces, n, band, should_stop):
        if not np.isfinite(power).all():
            return None
        spectrum += power.sum(axis=1)
        envelope[first:first + power.shape[1]] = power.sum(axis=0)
        frame_entropy[first:first + power.shape[1]] = _entropy_bits(power, axis=0)
        b, f = np.unravel_index(int(np.argmax(power)), power.shape)
        if power[b, f] > peak_power:
            peak_power, peak_bin, peak_frame = float(power[b, f]), int(b), first + int(f)
        done = first + power.shape[1]
    if done < len(starts) or float(spectrum.sum()) <= 0:
        return None
    times_s = begin_s + np.minimum(starts + band.n_window / 2, n) / band.sample_rate_hz

    def freq(share: float) -> float:
        return float(band_freqs_hz[_percentile_index(spectrum, share)])

    def time(share: float) -> float:
        return float(times_s[_percentile_index(envelope, share)])

    f5, f25, f75, f95 = freq(0.05), freq(0.25), freq(0.75), freq(0.95)
    t5, t95 = time(0.05), time(0.95)
    sounding = envelope > 0
    return RegionMeasurements(
        delta_time_s=n / band.sample_rate_hz, delta_freq_hz=band.high_hz - band.low_hz,
        peak_time_s=float(times_s[peak_frame]), peak_freq_hz=float(band_freqs_hz[peak_bin]),
        center_time_s=time(0.5), center_freq_hz=freq(0.5),
        time_5_s=t5, time_95_s=t95, dur_90_s=t95 - t5,
        freq_5_hz=f5, freq_25_hz=f25, freq_75_hz=f75, freq_95_hz=f95,
        bw_90_hz=f95 - f5, iqr_bw_hz=f75 - f25,
        agg_entropy_bits=float(_entropy_bits(spectrum)),
        avg_entropy_bits=float(frame_entropy[sounding].mean()),
        inband_power_db=band.power_db(spectrum, len(starts)))


def _stream_power_db(pieces: Iterable[np.ndarray], n: int, band: _Band,
                     should_stop: Callable[[], bool]) -> float | None:
    """The in-band power (dB FS) of ``n`` samples arriving as ``pieces``; None if stopped."""
    spectrum, done = np.zeros(int(band.in_band.sum())), 0
    starts = _frame_starts(n, band.n_window, band.hop)
    for first, power in _band_power_blocks(pieces, n, band, should_stop):
        spectrum += power.sum(axis=1)
        done = first + power.shape[1]
    return band.power_db(spectrum, len(starts)) if done == len(starts) else None


#: A region less than this much louder than its noise is no louder: the difference is the float
#: rounding of two sums of the same sound (a call within a steady tone came out 0.00001 dB
#: louder on one CPU, an SNR of -156 dB, and NaN on another). The least SNR shown is -36 dB.
MIN_LOUDER_DB = 1e-3


def snr_db(signal_db: float, noise_db: float) -> float:
    """Raven's protocol: 10 log10((signal - noise) / noise) in powers; NaN where the signal is
    no louder than the noise (by MIN_LOUDER_DB; or either is unknown), +inf over digital
    silence."""
    if not (math.isfinite(signal_db) and noise_db < signal_db - MIN_LOUDER_DB):
        return math.nan
    if noise_db == -math.inf:
        return math.inf
    return 10.0 * math.log10(10.0 ** ((signal_db - noise_db) / 10.0) - 1.0)


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
    Its noise and SNR are NaN: only :func:`measure_file_regions` sees around a region.
    """
    x = np.asarray(samples, dtype=np.float32)
    band = _Band.of(sample_rate_hz, low_hz, high_hz, n_fft, len(x))
    return _measure_stream([x], len(x), begin_s, band, lambda: False)


@dataclass(frozen=True)
class RegionSpan:
    """Where a region lies in its file: seconds, and its band (None: all frequencies)."""

    begin_s: float
    end_s: float
    low_hz: float | None = None
    high_hz: float | None = None

    @classmethod
    def of(cls, region) -> RegionSpan:
        """The span of any record with ``begin_s``, ``end_s``, ``low_hz`` and ``high_hz``."""
        return cls(region.begin_s, region.end_s, region.low_hz, region.high_hz)


def _is_neighbour(other: RegionSpan, span: RegionSpan) -> bool:
    """Whether the noise around ``span`` keeps clear of ``other``: their bands share frequencies
    (a region without a band has them all) and ``other`` does not hold ``span`` whole (a region
    around a call, a bout or a whole file, leaves no noise outside it near the call)."""
    low = max(other.low_hz or 0.0, span.low_hz or 0.0)
    high = min(math.inf if other.high_hz is None else other.high_hz,
               math.inf if span.high_hz is None else span.high_hz)
    holds = other.begin_s <= span.begin_s and other.end_s >= span.end_s
    return low < high and not holds


def _noise_spans(first: int, n: int, file_samples: int, band: _Band,
                 busy: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """(first sample, count) of the spans the noise around samples ``first..first + n`` is
    measured over: as long as the region within NOISE_SPAN_MIN_S..NOISE_SPAN_MAX_S, one frame
    apart from it, before and after, each moved further out until it is a frame clear of every
    ``busy`` (first, end) sample range, cut by the file's ends and left out when shorter than a
    frame."""
    rate = band.sample_rate_hz
    length = int(round(min(max(n / rate, NOISE_SPAN_MIN_S), NOISE_SPAN_MAX_S) * rate))
    gap = band.n_window
    # Each busy range widened by the gap a span keeps from it, in time order.
    blocked = sorted((a - gap, b + gap) for a, b in busy if b > a)
    spans = []
    end = first - gap
    while end >= band.n_window:
        start = max(0, end - length)
        hits = [a for a, b in blocked if a < end and b > start]
        if not hits:
            spans.append((start, end))
            break
        end = min(hits)
    start = first + n + gap
    while start <= file_samples - band.n_window:
        end = min(file_samples, start + length)
        hits = [b for a, b in blocked if a < end and b > start]
        if not hits:
            spans.append((start, end))
            break
        start = max(hits)
    return [(a, b - a) for a, b in spans if b - a >= band.n_window]


@contextmanager
def _pieces(path: str | os.PathLike, rate_hz: int, first: int, n: int, channel: int | None):
    """Samples ``first..first + n`` of the file at ``path`` (of ``channel``, or the mix),
    READ_BLOCK_S at a time."""
    blocks = read_blocks(path, READ_BLOCK_S, offset_s=first / rate_hz, duration_s=n / rate_hz,
                         channel=channel)
    try:
        yield (b.samples for b in blocks)
    finally:
        blocks.close()


def measure_file_regions(path: str | os.PathLike, spans: Iterable[RegionSpan],
                         should_stop: Callable[[], bool] = lambda: False,
                         others: Iterable[RegionSpan] = (), channel: int | None = None
                         ) -> list[RegionMeasurements | None]:
    """Each span of the file at ``path`` measured at the file's own rate (every frequency up to
    its Nyquist) with its noise and SNR (see the module's docstring), reading only that span and
    its surroundings, READ_BLOCK_S at a time (an hour-long region never sits in memory whole),
    of the file's ``channel`` (from 0; ValueError when it has none such) or of its mix (None).
    The noise keeps clear of the other ``spans`` and of ``others`` (the file's regions not
    measured). None for a silent span and for spans not finished before ``should_stop``. Raises
    AudioError naming the file when it cannot be read."""
    spans = list(spans)
    marked = spans + list(others)
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
        band = _Band.of(rate_hz, span.low_hz, span.high_hz, n_samples=n)
        with _pieces(path, rate_hz, first, n, channel) as pieces:
            m = _measure_stream(pieces, n, first / rate_hz, band, should_stop)
        if m is None:
            continue
        noise_db = []
        busy = [(round(o.begin_s * rate_hz), round(o.end_s * rate_hz))
                for j, o in enumerate(marked) if j != i and _is_neighbour(o, span)]
        for start, count in _noise_spans(first, n, header.frames, band, busy):
            with _pieces(path, rate_hz, start, count, channel) as pieces:
                noise_db.append(_stream_power_db(pieces, count, band, should_stop))
        if noise_db and None not in noise_db:
            m = replace(m, noise_power_db=min(noise_db), snr_db=snr_db(m.inband_power_db, min(noise_db)))
        results[i] = m
    return results


def format_value(field: str, value: float) -> str:
    """A measurement as a table cell: seconds to the millisecond's tenth, Hz and dB to 0.1,
    bits to 0.001; empty where it is not a number."""
    if not math.isfinite(value):
        return ""
    if field.endswith("_s"):
        return f"{value:.4f}"
    if field.endswith(("_hz", "_db")):
        return f"{value:.1f}"
    return f"{value:.3f}"


__all__ = ["FIELD_NAMES", "MIN_LOUDER_DB", "RAVEN_COLUMNS", "RegionMeasurements", "RegionSpan",
           "TIMELINE_FIELDS", "format_value", "measure", "measure_file_regions", "snr_db"]
