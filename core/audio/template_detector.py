"""A template detector (spectrogram cross-correlation, as monitoR's ``corMatch`` and Raven Pro's
template detector): box one call, and every stretch of a recording whose spectrogram looks like
it is found, calls of other shapes in the same band are not.

A template is a region of a recording: its spectrogram's dB levels within its band (the whole
spectrum when it has none), from Hann frames of ``fft_size_for`` the template file's rate a
quarter frame apart, each frequency row less its noise floor (a low percentile of its levels over
the seconds around it when its recording has them; a recording searched of 15 s or more, over
each block read): the shape of how the call rises above the background, not the background's
own tilt, which every stretch of a night shares. At each frame of a recording the score is the
Pearson correlation between the template and the recording's cells under it (the same bins, as
many frames): 1 where the shapes match whatever their loudness (a gain shifts every dB alike),
near 0 in noise. An event is a peak of the score at or above ``threshold``, the highest within
the template's length around it; it spans the template's duration and band. A call may be
slower or faster than the template: it is also tried stretched along time (``time_stretch``).
A call may be higher or lower than the template (another individual, a bigger or smaller
animal): it can also be tried scaled along frequency (``pitch_shift``), its band with it. Events
of several templates (or variants) that overlap by a quarter of the shorter one
(SAME_CALL_OVERLAP) are one, the higher-scoring one kept.

A recording at another rate is resampled to the template's, so the cells mean the same
frequencies; one whose Nyquist frequency lies below the template's band cannot hold the call
and is refused, naming the file. Recordings are read a block at a time, so an hour costs no
more memory than its scores, and their spectrogram is computed once for all the templates of one
rate. Pure numpy (the frames through torch), no Qt.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.audio.reading import channel_or_mix, channel_problem, info, read, read_blocks
from core.audio.spans import END_SLACK_S, same_call
from core.audio.spectrogram import (
    POWER_FLOOR,
    band_bins,
    bin_frequencies_hz,
    fft_size_for,
    frame_power_at,
)
from core.errors import AudioError, EarmarkError

#: Seconds of audio read at a time.
BLOCK_S = 60.0
#: The longest template: a longer stretch is a recording, not a call.
MAX_TEMPLATE_S = 10.0
#: The fewest frames a template may span: below this a correlation says little of a shape.
MIN_TEMPLATE_FRAMES = 4
#: Each frequency row's noise floor: this percentile of its levels over a block read (calls are
#: sparse, so it is the background's), and over the template recording's seconds around it.
FLOOR_PERCENTILE = 20.0
#: The template's noise floor is taken from this much of its recording around it.
FLOOR_CONTEXT_S = 30.0
#: The least background that tells a floor: a shorter recording (a clip its call may fill) is
#: searched as it is, and a template with less around it keeps its own levels.
MIN_FLOOR_S = FLOOR_CONTEXT_S / 2


#: The most ``time_stretch`` may be: a call half as long again is another call.
MAX_TIME_STRETCH = 0.5
#: The most ``pitch_shift`` may be: a call a third higher or lower is another call.
MAX_PITCH_SHIFT = 0.3
#: Matches this far under the threshold are near misses, counted for the person (the threshold
#: may be too high for their calls: calls varying in pitch scored 0.25-0.4 against 0.4).
NEAR_MISS_BAND = 0.15


@dataclass(frozen=True)
class TemplateDetectorConfig:
    """What counts as a match: the correlation a peak must reach (0..1), and how much longer or
    shorter than the template a call may be (a share: 0.2 also tries the template stretched to
    0.8, 0.9, 1.1 and 1.2 times its length, and keeps the best; 0: its own length only)."""

    threshold: float = 0.4
    # On one speaker's FSDD digits (bench_template_detector.py) 0.2 raised the review queue's
    # mean average precision from 0.753 to 0.789 with one template per digit, from 0.825 to
    # 0.840 with three and from 0.415 to 0.520 with another speaker's; five lengths are
    # correlated with one spectrogram.
    time_stretch: float = 0.2
    # How much higher or lower than the template a call may be, as a share of its frequencies:
    # 0.1 also tries the template scaled to 0.9, 0.95, 1.05 and 1.1 times them; 0: as it is.
    pitch_shift: float = 0.0
    # The channel listened to (from 0), in the template's recording and in each one searched
    # that has it; None: the mix of its channels (see EnergyDetectorConfig.channel).
    channel: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, (int, float)) or not 0 < self.threshold < 1:
            raise EarmarkError(f"template detector: the threshold must lie between 0 and 1, "
                               f"not {self.threshold!r}")
        stretch = self.time_stretch
        if not isinstance(stretch, (int, float)) or not 0 <= stretch <= MAX_TIME_STRETCH:
            raise EarmarkError(f"template detector: the time stretch must lie between 0 and "
                               f"{MAX_TIME_STRETCH:g}, not {stretch!r}")
        shift = self.pitch_shift
        if not isinstance(shift, (int, float)) or not 0 <= shift <= MAX_PITCH_SHIFT:
            raise EarmarkError(f"template detector: the pitch shift must lie between 0 and "
                               f"{MAX_PITCH_SHIFT:g}, not {shift!r}")
        problem = channel_problem(self.channel)
        if problem:
            raise EarmarkError(f"template detector: {problem}")

    def stretch_factors(self) -> tuple[float, ...]:
        """The lengths the template is tried at, as factors of its own."""
        return _factors(self.time_stretch)

    def pitch_factors(self) -> tuple[float, ...]:
        """The frequency scales the template is tried at, as factors of its own."""
        return _factors(self.pitch_shift)


def _factors(share: float) -> tuple[float, ...]:
    """1 and four steps around it up to ``share`` either way; 1 alone for 0."""
    if not share:
        return (1.0,)
    return tuple(1.0 + share * k for k in (-1.0, -0.5, 0.0, 0.5, 1.0))


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
    # The frequency scale of a variant tried for calls higher or lower (see ``pitched``).
    pitch_factor: float = 1.0

    @property
    def n_frames(self) -> int:
        return self.cells.shape[1]


def _less_floor(db: np.ndarray) -> np.ndarray:
    """``db`` less each row's noise floor (its FLOOR_PERCENTILE over the frames): how far each
    cell rises above the background in its band. A night's noise is louder low down than high
    up; that tilt, shared by every stretch of the recording, would otherwise correlate with any
    template boxed on it (about 0.37 on noise alone, so a 0.4 threshold queued noise)."""
    return db - _floor(db) if db.size else db


def _floor(db: np.ndarray) -> np.ndarray:
    """Each row's noise floor (n_rows, 1): its FLOOR_PERCENTILE over the frames."""
    return np.percentile(db, FLOOR_PERCENTILE, axis=1, keepdims=True)


def _band_db(samples: np.ndarray, n_fft: int, hop: int, rows: np.ndarray) -> np.ndarray:
    """dB levels (n_rows, n_frames) float64 of the bins ``rows`` of every whole frame of
    ``samples`` (its DC offset removed first)."""
    n_frames = (len(samples) - n_fft) // hop + 1 if len(samples) >= n_fft else 0
    if not n_frames:
        return np.zeros((int(rows.sum()), 0))
    starts = np.arange(n_frames) * hop
    power = frame_power_at(samples - float(samples.mean()), starts, n_fft)[rows]
    return 10.0 * np.log10(np.maximum(power.astype(np.float64), POWER_FLOOR))


def prepare_template(template: CallTemplate, channel: int | None = None) -> PreparedTemplate:
    """The template's spectrogram from its recording (its ``channel``, from 0, where it has
    that one; else its mix). Raises AudioError naming the recording when it cannot be read, and
    EarmarkError when the region cannot be a template (too short or long, silent, a band
    outside the recording's spectrum)."""
    duration_s = float(template.end_s) - float(template.begin_s)
    if not (math.isfinite(duration_s) and template.begin_s >= 0 and duration_s > 0):
        raise EarmarkError(f"template {template.begin_s:g}-{template.end_s:g} s is no span of "
                           "time (its begin must lie before its end)")
    if duration_s > MAX_TEMPLATE_S:
        raise EarmarkError(f"the template is {duration_s:.1f} s long; a call to look for lasts at "
                           f"most {MAX_TEMPLATE_S:g} s")
    header = info(template.path)
    rate_hz = header.sample_rate_hz
    if template.end_s > header.duration_s + END_SLACK_S:  # rounded by a tool, as a region's
        raise EarmarkError(f"the template {template.begin_s:g}-{template.end_s:g} s ends past the "
                           f"end of {os.path.basename(template.path)} "
                           f"({header.duration_s:.2f} s long)")
    n_fft = fft_size_for(rate_hz)
    hop = max(1, n_fft // 4)
    nyquist_hz = rate_hz / 2
    low = 0.0 if template.low_hz is None else float(template.low_hz)
    high = nyquist_hz if template.high_hz is None else float(template.high_hz)
    if not 0 <= low < high or low >= nyquist_hz:
        raise EarmarkError(f"the template's band {low:g}-{high:g} Hz lies outside "
                           f"{os.path.basename(template.path)}'s spectrum (0-{nyquist_hz:g} Hz)")
    high = min(high, nyquist_hz)
    rows = band_bins(rate_hz, n_fft, low, high)
    context_from_s = max(0.0, float(template.begin_s) - FLOOR_CONTEXT_S / 2)
    context = read(template.path, offset_s=context_from_s, duration_s=duration_s + FLOOR_CONTEXT_S,
                   channel=channel_or_mix(channel, header.channels))
    first = int(round((float(template.begin_s) - context_from_s) * rate_hz))
    samples = context[first:first + int(round(duration_s * rate_hz))]
    db = _band_db(samples, n_fft, hop, rows)
    if db.shape[1] < MIN_TEMPLATE_FRAMES:
        shortest_s = ((MIN_TEMPLATE_FRAMES - 1) * hop + n_fft) / rate_hz
        raise EarmarkError(f"the template is {duration_s * 1000:.0f} ms long; at "
                           f"{rate_hz:,} Hz a template needs at least {shortest_s * 1000:.0f} ms")
    if len(context) - len(samples) >= MIN_FLOOR_S * rate_hz:
        # Levels above the band's floor around the call, as the recordings searched have theirs.
        # A clip not much longer than its call has no background to tell: its own levels.
        db = db - _floor(_band_db(context, n_fft, hop, rows))
    cells = db - db.mean()
    norm = float(np.sqrt(np.square(cells).sum()))
    if not norm >= 1e-6:  # NaN too
        raise EarmarkError("the template is silent or uniform: it has no shape to look for")
    return PreparedTemplate(template, rate_hz, n_fft, hop, rows, low, high, cells, norm,
                            duration_s)


class _Block:
    """dB levels (n_rows, n_frames) ready to be correlated with templates along time: centred
    (a constant changes no correlation; keeping the numbers small keeps the sums exact), their
    spectrum along time (FFTs of ``n_fft`` points: the products of every offset at once, each
    row's summed before one inverse), and their running sums over rows for each window's spread.
    Rows are picked by bin masks; what a mask picks is kept for the next template of it."""

    def __init__(self, db: np.ndarray) -> None:
        self.n_frames = db.shape[1]
        self.n_fft = 1 << max(0, (self.n_frames - 1).bit_length())
        self.centred = db - db.mean() if db.size else db
        self.spectrum = np.fft.rfft(self.centred, self.n_fft, axis=1)
        self._picked: dict[bytes, tuple] = {}

    def _rows(self, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = b"" if mask is None else mask.tobytes()
        if key not in self._picked:
            centred = self.centred if mask is None else self.centred[mask]
            spectrum = self.spectrum if mask is None else self.spectrum[mask]
            sums = np.concatenate(([0.0], np.cumsum(centred.sum(axis=0))))
            squares = np.concatenate(([0.0], np.cumsum(np.square(centred).sum(axis=0))))
            self._picked[key] = (spectrum, sums, squares)
        return self._picked[key]

    def correlation(self, template: PreparedTemplate, mask: np.ndarray | None = None,
                    skip: int = 0) -> np.ndarray:
        """The template's correlation with the rows ``mask`` picks (None: all) at each offset
        from ``skip`` on where it fits."""
        n_rows, width = template.cells.shape
        n_offsets = self.n_frames - width + 1
        if n_offsets <= skip:
            return np.zeros(0)
        spectrum, sums, squares = self._rows(mask)
        kernel = np.fft.rfft(template.cells, self.n_fft, axis=1).conj()
        products = np.fft.irfft((spectrum * kernel).sum(axis=0), self.n_fft)[skip:n_offsets]
        window_sum = (sums[width:] - sums[:-width])[skip:]
        window_squares = (squares[width:] - squares[:-width])[skip:]
        spread = np.sqrt(np.maximum(window_squares - window_sum ** 2 / (n_rows * width), 0.0))
        out = np.zeros(len(products))
        ok = spread > 1e-6 * math.sqrt(n_rows * width)
        out[ok] = products[ok] / (spread[ok] * template.norm)
        return np.clip(out, -1.0, 1.0)


def correlation(db: np.ndarray, template: PreparedTemplate) -> np.ndarray:
    """The Pearson correlation of ``template`` with ``db`` (n_rows, n_frames) at each of the
    ``n_frames - template.n_frames + 1`` offsets where it fits; 0 where ``db`` is uniform."""
    return _Block(db).correlation(template)


def stretched(template: PreparedTemplate, factor: float) -> PreparedTemplate:
    """``template`` resampled along time to ``factor`` times its length (at least
    MIN_TEMPLATE_FRAMES frames): the same call, slower or faster."""
    if factor == 1.0:
        return template
    n_frames = max(MIN_TEMPLATE_FRAMES, round(template.n_frames * factor))
    at = np.linspace(0.0, template.n_frames - 1.0, n_frames)
    cells = np.stack([np.interp(at, np.arange(template.n_frames), row) for row in template.cells])
    cells -= cells.mean()
    return dataclasses.replace(template, cells=cells, norm=float(np.sqrt(np.square(cells).sum())),
                               duration_s=template.duration_s * n_frames / template.n_frames)


def pitched(template: PreparedTemplate, factor: float) -> PreparedTemplate | None:
    """``template`` scaled along frequency by ``factor``: its band and every cell's frequency
    times ``factor`` (the same call from a smaller or bigger animal), its rows the bins of the
    new band below the Nyquist frequency; None when fewer than two bins are left there, or the
    template has only one to scale."""
    if factor == 1.0:
        return template
    rate_hz, n_fft = template.sample_rate_hz, template.n_fft
    freqs_hz = bin_frequencies_hz(rate_hz, n_fft)
    low, high = template.low_hz * factor, min(template.high_hz * factor, rate_hz / 2)
    rows = (freqs_hz >= low) & (freqs_hz <= high)
    if rows.sum() < 2 or template.cells.shape[0] < 2:
        return None
    # Each new bin takes the template's level at the frequency it came from.
    source_hz = freqs_hz[rows] / factor
    own_hz = freqs_hz[template.rows]
    cells = np.stack([np.interp(source_hz, own_hz, column) for column in template.cells.T],
                     axis=1)
    cells -= cells.mean()
    norm = float(np.sqrt(np.square(cells).sum()))
    if norm < 1e-6:
        return None
    return dataclasses.replace(template, rows=rows, low_hz=low, high_hz=high, cells=cells,
                               norm=norm, pitch_factor=template.pitch_factor * factor)


def variants(template: PreparedTemplate, config: TemplateDetectorConfig) -> list[PreparedTemplate]:
    """``template`` at each length and frequency scale ``config`` tries."""
    out = []
    for pitch in config.pitch_factors():
        scaled = pitched(template, pitch)
        if scaled is not None:
            out.extend(stretched(scaled, factor) for factor in config.stretch_factors())
    return out


def _scores(path: str | os.PathLike, group: Sequence[PreparedTemplate], channel: int | None,
            should_stop: Callable[[], bool], progress: Callable[[float], None] | None
            ) -> list[np.ndarray] | None:
    """Each template's correlation at each frame of the recording at ``path`` (templates of one
    rate and frame size: the spectrogram and its spectrum along time are computed once for them
    all), read a block at a time at their rate, its ``channel`` where it has it (else its mix);
    None when stopped."""
    first = group[0]
    header = info(path)
    # A recording must reach the templates' own bands; a variant scaled up may reach beyond.
    top_hz = max(t.high_hz / max(t.pitch_factor, 1.0) for t in group)
    if header.sample_rate_hz / 2 < top_hz - 1e-6:
        raise AudioError(path, f"its sample rate ({header.sample_rate_hz:,} Hz) does not reach "
                               f"the template's band (up to {top_hz:,.0f} Hz)")
    rate_hz = first.sample_rate_hz
    n_fft, hop = first.n_fft, first.hop
    rows = np.logical_or.reduce([t.rows for t in group])  # every bin some template needs
    own = [t.rows[rows] for t in group]  # each template's bins among those
    widest = max(t.n_frames for t in group)
    parts: list[list[np.ndarray]] = [[] for _ in group]
    carry = np.zeros(0, dtype=np.float32)  # samples of frames the last block could not finish
    # The last widest - 1 frames of dB, where the next offsets of every template begin.
    columns = np.zeros((int(rows.sum()), 0))
    total_s = max(header.duration_s, 1e-9)
    blocks = read_blocks(path, BLOCK_S,
                         sample_rate_hz=None if header.sample_rate_hz == rate_hz else rate_hz,
                         channel=channel_or_mix(channel, header.channels))
    try:
        for block in blocks:
            if should_stop():
                return None
            x = np.concatenate((carry, block.samples))
            db = _band_db(x, n_fft, hop, rows)
            carry = x[db.shape[1] * hop:]
            if header.duration_s >= MIN_FLOOR_S:  # a clip's call may fill it: as it is
                db = _less_floor(db)
            kept = columns.shape[1]
            joined = np.concatenate((columns, db), axis=1)
            both = _Block(joined)
            for k, template in enumerate(group):
                # Offsets that start in the frames kept were scored with the last block, but
                # for the widest template's.
                parts[k].append(both.correlation(template, own[k],
                                                 max(0, kept - template.n_frames + 1)))
            columns = joined[:, max(0, joined.shape[1] - widest + 1):]
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
    """The events less those overlapping a higher-scoring one by SAME_CALL_OVERLAP of the
    shorter of the two;
    in time order. Each is checked against the kept ones near it only (kept in time order), so
    the tens of thousands of peaks of many templates at a low threshold take a moment."""
    kept: list[TemplateEvent] = []
    begins: list[float] = []  # of ``kept``, in time order
    longest_s = max((e.end_s - e.begin_s for e in events), default=0.0)
    for event in sorted(events, key=lambda e: -e.score):
        low = bisect.bisect_left(begins, event.begin_s - longest_s)
        high = bisect.bisect_right(begins, event.end_s)
        if not any(same_call(event, k) for k in kept[low:high]):
            at = bisect.bisect_right(begins, event.begin_s)
            begins.insert(at, event.begin_s)
            kept.insert(at, event)
    return sorted(kept, key=lambda e: (e.begin_s, e.end_s))


def near_miss_floor(threshold: float) -> float:
    """The lowest score of a near miss under ``threshold``: NEAR_MISS_BAND under it, but never
    under NEAR_MISS_BAND itself (noise scores up to about that), nor above ``threshold``: at
    0.2 the band is 0.15-0.2, at 0.15 or less there are none."""
    return max(threshold - NEAR_MISS_BAND, min(NEAR_MISS_BAND, threshold))


def find_similar(path: str | os.PathLike, templates: Sequence[PreparedTemplate],
                 config: TemplateDetectorConfig = TemplateDetectorConfig(),
                 should_stop: Callable[[], bool] = lambda: False,
                 progress: Callable[[float], None] | None = None,
                 near_misses: list[TemplateEvent] | None = None) -> list[TemplateEvent] | None:
    """The matches of ``templates`` in the recording at ``path`` (see the module), in time
    order. ``progress`` gets the fraction searched; None when ``should_stop`` ended it first.
    ``near_misses``, a list: the peaks scoring from :func:`near_miss_floor` up to the threshold,
    one per call and none on a match, are added to it (the matches are the same either way). Raises
    AudioError naming the file when it cannot be read or searched."""
    events: list[TemplateEvent] = []
    duration_s = info(path).duration_s
    lowest = config.threshold if near_misses is None else near_miss_floor(config.threshold)
    groups: dict[tuple[int, int, int], list[PreparedTemplate]] = {}
    for template in templates:
        groups.setdefault((template.sample_rate_hz, template.n_fft, template.hop), []).extend(
            variants(template, config))
    for n, group in enumerate(groups.values()):
        def on_progress(fraction: float, n: int = n) -> None:
            if progress:
                progress((n + fraction) / len(groups))

        found = _scores(path, group, config.channel, should_stop, on_progress)
        if found is None:
            return None
        for template, scores in zip(group, found, strict=True):
            hop_s = template.hop / template.sample_rate_hz
            for offset in _peaks(scores, template.n_frames, lowest):
                begin_s = offset * hop_s
                events.append(TemplateEvent(
                    begin_s, min(begin_s + template.duration_s, duration_s), template.low_hz,
                    template.high_hz, template.template.label, float(scores[offset])))
    # A near miss is kept only apart from every higher peak, so it takes no match's place.
    events = _one_per_overlap(events)
    if near_misses is not None:
        near_misses.extend(e for e in events if e.score < config.threshold)
    return [e for e in events if e.score >= config.threshold]


__all__ = ["BLOCK_S", "CallTemplate", "MAX_PITCH_SHIFT", "MAX_TEMPLATE_S", "MAX_TIME_STRETCH",
           "NEAR_MISS_BAND", "PreparedTemplate", "TemplateDetectorConfig", "TemplateEvent",
           "correlation", "find_similar", "near_miss_floor", "pitched", "prepare_template",
           "stretched", "variants"]
