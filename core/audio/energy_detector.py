"""A band-limited energy detector, as Raven Pro's: the stretches of a recording where the energy
in a frequency band stands a given number of dB above that band's own background, found without
any model, to mark calls in a night of recordings before there is anything to train on.

The band's power is taken frame by frame (Hann frames of ``fft_size_for`` the file's rate, half a
frame apart), the recording read a block at a time so its length does not matter. The background
is a low percentile of the band's level over a window of ``noise_window_s`` around each frame
(quiet moments set it, calls do not), so a background that rises and falls through the night
moves the threshold with it. An event starts at a frame ``snr_db`` above the background and runs
on while the frames stay half that above it (a word's or a call's quieter ends belong to it);
events closer than ``min_gap_s`` are one; those shorter than ``min_duration_s`` or longer than
``max_duration_s`` are dropped. An event's score is the share of its loudest frame's band power
above the background, ``1 - 10^(-SNR/10)``: 0.9 at 10 dB, 0.99 at 20 dB. Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from core.audio.reading import channel_or_mix, channel_problem, info, read_blocks
from core.audio.spectrogram import band_bins, fft_size_for, frame_power_at
from core.errors import EarmarkError, NotSearchedError

#: Seconds of audio read at a time.
BLOCK_S = 60.0
#: The fewest frequency bins a band cut by a file's highest frequency must keep to be searched
#: there (one bin alone, at the top, is noise).
MIN_BAND_BINS = 2
#: An event runs on while its frames stand this share of ``snr_db`` above the background.
EXTEND_SHARE = 0.5


@dataclass(frozen=True)
class EnergyDetectorConfig:
    """What the detector looks for. ``low_hz``/``high_hz``: the band (None: 0 Hz / Nyquist)."""

    low_hz: float | None = None
    high_hz: float | None = None
    snr_db: float = 10.0  # above the band's background
    min_duration_s: float = 0.05
    max_duration_s: float = 10.0
    min_gap_s: float = 0.1  # events closer than this are one
    noise_window_s: float = 10.0  # the background is measured over this much audio around a frame
    noise_percentile: float = 20.0
    # The channel listened to (from 0) in each recording that has it, as Raven's detectors run
    # on one: a call on one microphone of a stereo recorder stands 3 dB higher above the noise
    # there than in the mix. None: the mix of its channels.
    channel: int | None = None

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise EarmarkError(f"energy detector: {problem}")

    def for_example(self, duration_s: float) -> EnergyDetectorConfig:
        """These settings made able to find calls like one ``duration_s`` long (the region a
        person selected): the shortest event at most half of it, events joined only when closer
        than it, the longest at least twice it; settings already within those are kept. A bat's
        call of 3 ms, 60 ms from the next, was dropped as shorter than 0.05 s, or the pass joined
        into one event by the 0.1 s gap."""
        if not (math.isfinite(duration_s) and duration_s > 0):
            return self
        return replace(self, min_duration_s=min(self.min_duration_s, duration_s / 2),
                       min_gap_s=min(self.min_gap_s, duration_s),
                       max_duration_s=max(self.max_duration_s, 2 * duration_s))

    def problem(self) -> str | None:
        """Why these settings cannot be used, or None."""
        numbers = {name: getattr(self, name) for name in (
            "snr_db", "min_duration_s", "max_duration_s", "min_gap_s", "noise_window_s",
            "noise_percentile")}
        for name, value in numbers.items():
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                return f"{name} must be a number >= 0, not {value!r}"
        if self.snr_db <= 0:
            return "snr_db must be more than 0 dB: at 0 every frame is an event"
        if self.max_duration_s <= self.min_duration_s:
            return (f"the longest event ({self.max_duration_s} s) must be longer than the "
                    f"shortest ({self.min_duration_s} s)")
        if not 0 < self.noise_percentile < 100:
            return f"noise_percentile must lie between 0 and 100, not {self.noise_percentile}"
        if self.noise_window_s <= 0:
            return "noise_window_s must be more than 0 s"
        low, high = self.low_hz, self.high_hz
        for name, value in (("low_hz", low), ("high_hz", high)):
            if value is not None and (not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value < 0):
                return f"{name} must be a frequency >= 0 Hz, not {value!r}"
        if low is not None and high is not None and high <= low:
            return f"the band's top ({high} Hz) must lie above its bottom ({low} Hz)"
        return channel_problem(self.channel)


@dataclass(frozen=True)
class EnergyEvent:
    """One stretch the detector found: its span (s), the band searched (Hz) and its score (the
    share of its loudest frame's band power above the background), with its peak SNR in dB."""

    begin_s: float
    end_s: float
    low_hz: float
    high_hz: float
    snr_db: float

    @property
    def score(self) -> float:
        return 1.0 - 10.0 ** (-self.snr_db / 10.0)


def _band(config: EnergyDetectorConfig, sample_rate_hz: int, n_fft: int
          ) -> tuple[np.ndarray, float, float]:
    """The bins inside the band, and the band actually searched (clipped to Nyquist)."""
    nyquist_hz = sample_rate_hz / 2
    low = 0.0 if config.low_hz is None else min(float(config.low_hz), nyquist_hz)
    high = nyquist_hz if config.high_hz is None else min(float(config.high_hz), nyquist_hz)
    return band_bins(sample_rate_hz, n_fft, low, high), low, high


def _background_db(level_db: np.ndarray, window_frames: int, percentile: float) -> np.ndarray:
    """Each frame's background: the percentile of ``level_db`` over windows of
    ``window_frames`` half a window apart, interpolated between their centres."""
    n = len(level_db)
    if n <= window_frames:
        return np.full(n, np.percentile(level_db, percentile))
    step = max(1, window_frames // 2)
    starts = np.arange(0, n - window_frames + 1, step)
    if starts[-1] + window_frames < n:
        starts = np.append(starts, n - window_frames)
    values = np.array([np.percentile(level_db[s:s + window_frames], percentile) for s in starts])
    centres = starts + window_frames / 2
    return np.interp(np.arange(n), centres, values)


def _events(level_db: np.ndarray, background_db: np.ndarray, hop_s: float, frame_s: float,
            config: EnergyDetectorConfig, low: float, high: float) -> list[EnergyEvent]:
    """Runs of frames above the background by ``snr_db``, merged and filtered by duration."""
    snr = level_db - background_db
    # Two thresholds: on FSDD digits in noise (bench_energy_detector.py, 10 dB) F1 0.922
    # against 0.861 with one, which cut words into pieces.
    above = snr >= config.snr_db * EXTEND_SHARE
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(np.int8), [0]))))
    runs = [[int(a), int(b)] for a, b in zip(edges[::2], edges[1::2], strict=True)  # [a, b)
            if snr[a:b].max() >= config.snr_db]
    if not runs:
        return []
    merged = [runs[0]]
    gap_frames = config.min_gap_s / hop_s
    for a, b in runs[1:]:
        if a - merged[-1][1] < gap_frames:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    events = []
    for a, b in merged:
        # Each frame stands for the hop around its centre.
        begin_s = max(0.0, a * hop_s + (frame_s - hop_s) / 2)
        end_s = (b - 1) * hop_s + (frame_s + hop_s) / 2
        if config.min_duration_s <= end_s - begin_s <= config.max_duration_s:
            events.append(EnergyEvent(begin_s, end_s, low, high, float(snr[a:b].max())))
    return events


def band_levels(path: str | os.PathLike, config: EnergyDetectorConfig,
                should_stop: Callable[[], bool] = lambda: False,
                progress: Callable[[float], None] | None = None
                ) -> tuple[np.ndarray, float, float, float, float] | None:
    """The band's level (dB) of each frame of the file at ``path``, read a block at a time;
    with the hop and frame length (s) and the band searched (Hz). None when stopped. Raises
    AudioError naming the file when it cannot be read."""
    header = info(path)
    rate_hz = header.sample_rate_hz
    n_fft = fft_size_for(rate_hz)
    nyquist_hz = rate_hz / 2
    if config.low_hz is not None and (config.high_hz is None or config.high_hz > nyquist_hz) \
            and nyquist_hz - config.low_hz < MIN_BAND_BINS * rate_hz / n_fft:
        # Its band holds nothing of the file, or a sliver at its top: the Nyquist bin alone was
        # searched, and its noise made events (14 in 30 s of an 8 kHz file at 6-9 kHz).
        where = ("lies above" if config.low_hz >= nyquist_hz else
                 "holds no more than a sliver below")
        raise NotSearchedError(path, f"the band from {config.low_hz:,.0f} Hz "
                                     f"{where} its highest frequency ({nyquist_hz:,.0f} Hz, "
                                     f"half its {rate_hz:,} Hz rate)")
    hop = n_fft // 2
    in_band, low, high = _band(config, rate_hz, n_fft)
    levels: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)  # samples of the frames the last block could not finish
    total = max(header.frames, 1)
    blocks = read_blocks(path, BLOCK_S, channel=channel_or_mix(config.channel, header.channels))
    try:
        for block in blocks:
            if should_stop():
                return None
            x = np.concatenate((carry, block.samples))
            n_frames = (len(x) - n_fft) // hop + 1 if len(x) >= n_fft else 0
            if n_frames:
                starts = np.arange(n_frames) * hop
                power = frame_power_at(x - float(x.mean()), starts, n_fft)[in_band]
                levels.append(10.0 * np.log10(np.maximum(power.sum(axis=0), 1e-20)))
            carry = x[n_frames * hop:]
            if progress:
                progress(min(1.0, (block.start_s * rate_hz + len(block.samples)) / total))
    finally:
        blocks.close()
    if len(carry) and not levels:  # a file shorter than one frame: one padded frame
        padded = np.pad(carry - float(carry.mean()), (0, n_fft - len(carry)))
        power = frame_power_at(padded, np.array([0]), n_fft)[in_band]
        levels.append(10.0 * np.log10(np.maximum(power.sum(axis=0), 1e-20)))
    level_db = np.concatenate(levels) if levels else np.zeros(0)
    return level_db.astype(np.float64), hop / rate_hz, n_fft / rate_hz, low, high


def detect_energy(path: str | os.PathLike, config: EnergyDetectorConfig,
                  should_stop: Callable[[], bool] = lambda: False,
                  progress: Callable[[float], None] | None = None) -> list[EnergyEvent] | None:
    """The events of the file at ``path`` (see the module), in time order. ``progress`` gets the
    fraction read; None when ``should_stop`` ended it first. Raises AudioError naming the file
    when it cannot be read."""
    found = band_levels(path, config, should_stop, progress)
    if found is None:
        return None
    level_db, hop_s, frame_s, low, high = found
    if not len(level_db):
        return []
    # At most the file: a window of 1e308 s rounded to an int overflowed.
    window_frames = max(1, round(min(config.noise_window_s / hop_s, len(level_db))))
    background = _background_db(level_db, window_frames, config.noise_percentile)
    return _events(level_db, background, hop_s, frame_s, config, low, high)


__all__ = ["BLOCK_S", "EnergyDetectorConfig", "EnergyEvent", "band_levels", "detect_energy"]
