"""A template detector (spectrogram cross-correlation, as monitoR's ``corMatch`` and Raven Pro's
template detector): box one call, and every stretch of a recording whose spectrogram looks like
it is found, calls of other shapes in the same band are not.

A template is a region of a recording: its spectrogram's dB levels within its band (the whole
spectrum when it has none), from Hann frames of ``fft_size_for`` the template file's rate a
quarter frame apart. At each frame of a recording the score is the Pearson correlation between
the template and the recording's cells under it (the same bins, as many frames): 1 where the
shapes match whatever their loudness (a gain shifts every dB alike), near 0 in noise. An event
is a peak of the score at or above ``threshold``, the highest within the template's length
around it; it spans the template's duration and band. Events of several templates that overlap
by half the shorter one are one, the higher-scoring one kept.

A recording at another rate is resampled to the template's, so the cells mean the same
frequencies; one whose Nyquist frequency lies below the template's band cannot hold the call
and is refused, naming the file. Recordings are read a block at a time, so an hour costs no
more memory than its scores, and their spectrogram is computed once for all the templates of one
rate. Pure numpy/torch, no Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from core.audio.reading import info, read, read_blocks
from core.audio.spectrogram import POWER_FLOOR, fft_size_for, frame_power_at
from core.errors import AudioError, EarmarkError

#: Seconds of audio read at a time.
BLOCK_S = 60.0
#: The longest template: a longer stretch is a recording, not a call.
MAX_TEMPLATE_S = 10.0
#: The fewest frames a template may span: below this a correlation says little of a shape.
MIN_TEMPLATE_FRAMES = 4


@dataclass(frozen=True)
class TemplateDetectorConfig:
    """What counts as a match: the correlation a peak must reach (0..1)."""

    threshold: float = 0.4

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, (int, float)) or not 0 < self.threshold < 1:
            raise EarmarkError(f"template detector: the threshold must lie between 0 and 1, "
                               f"not {self.threshold!r}")


@dataclass(frozen=True)
class CallTemplate:
    """One call to look for: the stretch ``begin_s``..``end_s`` of the recording at ``path``
    within ``low_hz``..``high_hz`` (None: 0 Hz / Nyquist); events found get ``label``."""

    path: str
    begin_s: float
    end_s: float
    low_hz: float | None = None
    high_hz: float | None = None
    label: str | None = None


@dataclass(frozen=True)
class TemplateEvent:
    """One match: its span (s), the template's band (Hz) and label, and its score (the
    correlation, 0..1)."""

    begin_s: float
    end_s: float
    low_hz: float
    high_hz: float
    label: str | None
    score: float


@dataclass(frozen=True)
class PreparedTemplate:
    """A template's spectrogram, ready to correlate: the bins ``rows`` of frames of ``n_fft``
    samples ``hop`` apart at ``sample_rate_hz``, centred (mean 0) as ``cells``, with the
    norm of those cells; ``duration_s`` the region's length."""

    template: CallTemplate
    sample_rate_hz: int
    n_fft: int
    hop: int
    rows: np.ndarray  # bool mask over the n_fft // 2 + 1 bins
    low_hz: float
    high_hz: float
    cells: np.ndarray  # (n_rows, n_frames) dB less their mean
    norm: float
    duration_s: float

    @property
    def n_frames(self) -> int:
        return self.cells.shape[1]


def _band_db(samples: np.ndarray, n_fft: int, hop: int, rows: np.ndarray) -> np.ndarray:
    """dB levels (n_rows, n_frames) float64 of the bins ``rows`` of every whole frame of
    ``samples`` (its DC offset removed first)."""
    n_frames = (len(samples) - n_fft) // hop + 1 if len(samples) >= n_fft else 0
    if not n_frames:
        return np.zeros((int(rows.sum()), 0))
    starts = np.arange(n_frames) * hop
    power = frame_power_at(samples - float(samples.mean()), starts, n_fft)[rows]
    return 10.0 * np.log10(np.maximum(power.astype(np.float64), POWER_FLOOR))


def prepare_template(template: CallTemplate) -> PreparedTemplate:
    """The template's spectrogram from its recording. Raises AudioError naming the recording
    when it cannot be read, and EarmarkError when the region cannot be a template (too short or
    long, silent, a band outside the recording's spectrum)."""
    duration_s = float(template.end_s) - float(template.begin_s)
    if not (math.isfinite(duration_s) and template.begin_s >= 0):
        raise EarmarkError(f"template {template.begin_s}-{template.end_s} s is no span of time")
    if duration_s > MAX_TEMPLATE_S:
        raise EarmarkError(f"the template is {duration_s:.1f} s long; a call to look for lasts at "
                           f"most {MAX_TEMPLATE_S:g} s")
    rate_hz = info(template.path).sample_rate_hz
    n_fft = fft_size_for(rate_hz)
    hop = max(1, n_fft // 4)
    nyquist_hz = rate_hz / 2
    low = 0.0 if template.low_hz is None else float(template.low_hz)
    high = nyquist_hz if template.high_hz is None else float(template.high_hz)
    if not 0 <= low < high or low >= nyquist_hz:
        raise EarmarkError(f"the template's band {low:g}-{high:g} Hz lies outside "
                           f"{os.path.basename(template.path)}'s spectrum (0-{nyquist_hz:g} Hz)")
    high = min(high, nyquist_hz)
    freqs_hz = np.arange(n_fft // 2 + 1) * rate_hz / n_fft
    rows = (freqs_hz >= low) & (freqs_hz <= high)
    if not rows.any():
        rows[int(np.argmin(np.abs(freqs_hz - (low + high) / 2)))] = True
    samples = read(template.path, offset_s=float(template.begin_s), duration_s=duration_s)
    db = _band_db(samples, n_fft, hop, rows)
    if db.shape[1] < MIN_TEMPLATE_FRAMES:
        shortest_s = ((MIN_TEMPLATE_FRAMES - 1) * hop + n_fft) / rate_hz
        raise EarmarkError(f"the template is {duration_s * 1000:.0f} ms long; at "
                           f"{rate_hz:,} Hz a template needs at least {shortest_s * 1000:.0f} ms")
    cells = db - db.mean()
    norm = float(np.sqrt(np.square(cells).sum()))
    if norm < 1e-6:
        raise EarmarkError("the template is silent or uniform: it has no shape to look for")
    return PreparedTemplate(template, rate_hz, n_fft, hop, rows, low, high, cells, norm,
                            duration_s)


def correlation(db: np.ndarray, template: PreparedTemplate) -> np.ndarray:
    """The Pearson correlation of ``template`` with ``db`` (n_rows, n_frames) at each of the
    ``n_frames - template.n_frames + 1`` offsets where it fits; 0 where ``db`` is uniform."""
    n_rows, width = template.cells.shape
    n_offsets = db.shape[1] - width + 1
    if n_offsets <= 0:
        return np.zeros(0)
    shifted = db - db.mean()  # a constant changes no correlation; this one keeps float32 exact
    products = torch.nn.functional.conv1d(
        torch.from_numpy(shifted.astype(np.float32))[None],
        torch.from_numpy(template.cells.astype(np.float32))[None])[0, 0].double().numpy()
    sums = np.concatenate(([0.0], np.cumsum(shifted.sum(axis=0))))
    squares = np.concatenate(([0.0], np.cumsum(np.square(shifted).sum(axis=0))))
    window_sum = sums[width:] - sums[:-width]
    window_squares = squares[width:] - squares[:-width]
    spread = np.sqrt(np.maximum(window_squares - window_sum ** 2 / (n_rows * width), 0.0))
    out = np.zeros(n_offsets)
    ok = spread > 1e-6 * math.sqrt(n_rows * width)
    out[ok] = products[ok] / (spread[ok] * template.norm)
    return np.clip(out, -1.0, 1.0)


def _scores(path: str | os.PathLike, group: Sequence[PreparedTemplate],
            should_stop: Callable[[], bool], progress: Callable[[float], None] | None
            ) -> list[np.ndarray] | None:
    """Each template's correlation at each frame of the recording at ``path`` (templates of one
    rate and frame size: the spectrogram is computed once for them all), read a block at a time
    at their rate; None when stopped."""
    first = group[0]
    header = info(path)
    top_hz = max(t.high_hz for t in group)
    if header.sample_rate_hz / 2 < top_hz - 1e-6:
        raise AudioError(path, f"its sample rate ({header.sample_rate_hz:,} Hz) does not reach "
                               f"the template's band (up to {top_hz:,.0f} Hz)")
    rate_hz = first.sample_rate_hz
    n_fft, hop = first.n_fft, first.hop
    rows = np.logical_or.reduce([t.rows for t in group])  # every bin some template needs
    own = [t.rows[rows] for t in group]  # each template's bins among those
    parts: list[list[np.ndarray]] = [[] for _ in group]
    carry = np.zeros(0, dtype=np.float32)  # samples of frames the last block could not finish
    # Each template's last n_frames - 1 frames of dB, where its next offsets begin.
    columns = [np.zeros((int(t.rows.sum()), 0)) for t in group]
    total_s = max(header.duration_s, 1e-9)
    blocks = read_blocks(path, BLOCK_S,
                         sample_rate_hz=None if header.sample_rate_hz == rate_hz else rate_hz)
    try:
        for block in blocks:
            if should_stop():
                return None
            x = np.concatenate((carry, block.samples))
            db = _band_db(x, n_fft, hop, rows)
            carry = x[db.shape[1] * hop:]
            for k, template in enumerate(group):
                both = np.concatenate((columns[k], db[own[k]]), axis=1)
                parts[k].append(correlation(both, template))
                columns[k] = both[:, max(0, both.shape[1] - template.n_frames + 1):]
            if progress:
                progress(min(1.0, (block.start_s + len(block.samples) / rate_hz) / total_s))
    finally:
        blocks.close()
    return [np.concatenate(p) if p else np.zeros(0) for p in parts]


def _peaks(scores: np.ndarray, width: int, threshold: float) -> np.ndarray:
    """Offsets whose score reaches ``threshold`` and is the highest within ``width`` frames
    either way (the first of equal ones)."""
    if not (scores >= threshold).any():
        return np.zeros(0, dtype=np.int64)
    half = max(1, width // 2)
    padded = np.pad(scores, half, constant_values=-np.inf)
    around = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)
    before = np.lib.stride_tricks.sliding_window_view(padded, half)[:len(scores)].max(axis=1)
    return np.flatnonzero((scores >= threshold) & (scores >= around) & (scores > before))


def _one_per_overlap(events: list[TemplateEvent]) -> list[TemplateEvent]:
    """The events less those overlapping a higher-scoring one by half the shorter of the two;
    in time order."""
    kept: list[TemplateEvent] = []
    for event in sorted(events, key=lambda e: -e.score):
        if not any(min(event.end_s, k.end_s) - max(event.begin_s, k.begin_s)
                   >= 0.5 * min(event.end_s - event.begin_s, k.end_s - k.begin_s) for k in kept):
            kept.append(event)
    return sorted(kept, key=lambda e: (e.begin_s, e.end_s))


def find_similar(path: str | os.PathLike, templates: Sequence[PreparedTemplate],
                 config: TemplateDetectorConfig = TemplateDetectorConfig(),
                 should_stop: Callable[[], bool] = lambda: False,
                 progress: Callable[[float], None] | None = None) -> list[TemplateEvent] | None:
    """The matches of ``templates`` in the recording at ``path`` (see the module), in time
    order. ``progress`` gets the fraction searched; None when ``should_stop`` ended it first.
    Raises AudioError naming the file when it cannot be read or searched."""
    events: list[TemplateEvent] = []
    duration_s = info(path).duration_s
    groups: dict[tuple[int, int, int], list[PreparedTemplate]] = {}
    for template in templates:
        groups.setdefault((template.sample_rate_hz, template.n_fft, template.hop),
                          []).append(template)
    for n, group in enumerate(groups.values()):
        def on_progress(fraction: float, n: int = n) -> None:
            if progress:
                progress((n + fraction) / len(groups))

        found = _scores(path, group, should_stop, on_progress)
        if found is None:
            return None
        for template, scores in zip(group, found, strict=True):
            hop_s = template.hop / template.sample_rate_hz
            for offset in _peaks(scores, template.n_frames, config.threshold):
                begin_s = offset * hop_s
                events.append(TemplateEvent(
                    begin_s, min(begin_s + template.duration_s, duration_s), template.low_hz,
                    template.high_hz, template.template.label, float(scores[offset])))
    return _one_per_overlap(events)


__all__ = ["BLOCK_S", "CallTemplate", "MAX_TEMPLATE_S", "PreparedTemplate",
           "TemplateDetectorConfig", "TemplateEvent", "correlation", "find_similar",
           "prepare_template"]
