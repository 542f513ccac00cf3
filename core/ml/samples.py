"""What a training run learns from besides whole clips: windows of recordings centred on marked
events (regions), background windows cut from their unmarked stretches, and the validation split
that keeps every window of one recording (or, in a project of few recordings, of one minute of
it) on one side.

Plain values and numpy only; :mod:`core.ml.training` decodes the windows these functions plan.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Class names a person may give to "nothing of interest"; the background cut from unmarked
#: stretches joins such a class instead of making a second one.
BACKGROUND_NAMES = ("background", "noise", "none")
DEFAULT_BACKGROUND = "background"
#: Windows decoded (and, with cached features, cached) per region: centred, a little earlier and
#: a little later. Each epoch picks one at random, so the model never sees the event in one place.
REGION_VIEWS = 3
#: The largest random shift of a region's window, as a share of the clip length; never so much
#: that part of the event leaves the window.
MAX_OFFSET_SHARE = 0.25
#: Smallest shift of an offset view, as a share of the largest allowed: views worth caching differ.
MIN_OFFSET_SHARE = 0.3
#: A file up to this many clip lengths is read as one clip (padded or trimmed); a longer one is
#: heard through windows: overlapping ones, averaged, when it is classified; up to
#: LONG_CLIP_VIEWS spread over it, one picked each epoch, when it trains.
SINGLE_WINDOW_FACTOR = 1.25
LONG_CLIP_VIEWS = 8


def one_window(duration_s: float, clip_s: float) -> bool:
    """Whether a file of ``duration_s`` is read as one clip of ``clip_s`` (padded or trimmed),
    up to SINGLE_WINDOW_FACTOR clip lengths; a longer one is heard through windows."""
    return duration_s <= clip_s * SINGLE_WINDOW_FACTOR
#: Where fewer recordings than this hold the regions, the validation split takes stretches of
#: SPLIT_BLOCK_S within them, not whole recordings (see :func:`split_block_s`).
FEW_RECORDINGS = 5
SPLIT_BLOCK_S = 60.0


@dataclass(frozen=True, slots=True)
class TrainingSample:
    """One labelled sample: a whole clip (``begin_s`` None, read from its start; one longer than
    the model's window through windows spread over it, see :func:`clip_view_starts`), or a
    region of a recording (``begin_s``..``end_s``), read as a window of the model's clip length
    centred on it. ``group``: samples of one group never sit on both sides of the validation
    split (the recording's path for regions; None: the sample's own path). ``duration_s``: the
    file's, so windows stay inside it (None: read from the file).

    Multi-label training only (``TrainConfig.multi_label``; single-label training reads ``label``
    alone): ``other_labels``, further classes a whole clip holds; ``recording_regions``, the
    labelled regions ``(begin_s, end_s, label)`` of a region's recording (itself among them, one
    tuple shared by every region of the recording), so its window also holds the classes of the
    regions it overlaps (see :func:`window_labels`)."""

    path: Path
    label: str
    begin_s: float | None = None
    end_s: float | None = None
    group: str | None = None
    duration_s: float | None = None
    other_labels: tuple[str, ...] = ()
    recording_regions: tuple[tuple[float, float, str], ...] = ()
    band_hz: tuple[float, float] | None = None  # a region's box: the class's band (class_bands)

    @property
    def is_region(self) -> bool:
        return self.begin_s is not None

    @property
    def labels(self) -> tuple[str, ...]:
        """``label`` then ``other_labels``, each once."""
        return tuple(dict.fromkeys((self.label, *self.other_labels)))


@dataclass(frozen=True, slots=True)
class BackgroundSource:
    """A recording that has regions, as the background sampler sees it: ``free`` stretches
    (``(begin_s, end_s)``, sorted) that no labelled or unreviewed region touches, and the
    ``rejected`` model events a person turned down (each one a background window)."""

    path: Path
    duration_s: float
    free: tuple[tuple[float, float], ...]
    rejected: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of a file to decode: ``length_s`` seconds from ``start_s`` (the clip length, or
    less for a short free stretch, padded with zeros after)."""

    path: Path
    start_s: float
    length_s: float


#: A class's band is known where at least this share of its regions were drawn as boxes.
BAND_SHARE = 0.5


def class_bands(samples: Sequence[TrainingSample], classes: Sequence[str]
                ) -> list[tuple[float, float] | None] | None:
    """Per class, the band its calls lie in, from its regions drawn as boxes (``band_hz``): from
    the 10th percentile of their bottoms to the 90th of their tops, where at least BAND_SHARE
    of its regions are boxes; else None (a class marked in time alone, or whole clips). None
    where no class has one.
    Detection draws an event's edges in this band (detection.fit_edges): measured over the
    model's whole band, a call sank under wind and an insect chorus."""
    boxes: dict[str, list[tuple[float, float]]] = {}
    regions: dict[str, int] = {}
    for sample in samples:
        if sample.is_region:
            regions[sample.label] = regions.get(sample.label, 0) + 1
            if sample.band_hz is not None:
                boxes.setdefault(sample.label, []).append(sample.band_hz)
    bands: list[tuple[float, float] | None] = []
    for name in classes:
        drawn = boxes.get(name, [])
        if drawn and len(drawn) >= BAND_SHARE * regions[name]:
            low, high = np.asarray(drawn, dtype=np.float64).T
            bands.append((float(np.percentile(low, 10)), float(np.percentile(high, 90))))
        else:
            bands.append(None)
    return bands if any(bands) else None


def window_labels(label: str, start_s: float, length_s: float,
                  regions: Sequence[tuple[float, float, str]]) -> tuple[str, ...]:
    """The classes a window ``start_s..start_s + length_s`` holds for multi-label training:
    ``label`` (its own) first, then, sorted, the class of every region ``(begin_s, end_s, label)``
    that lies at least half inside the window (half the region's length, not the window's: a
    short call at the window's edge counts, a long song barely touched does not)."""
    end_s = start_s + length_s
    others = {name for begin, end, name in regions
              if min(end, end_s) - max(begin, start_s) >= 0.5 * (end - begin)}
    others.discard(label)
    return (label, *sorted(others))


def multi_hot(label_sets: Sequence[Sequence[str]], classes: Sequence[str]) -> np.ndarray:
    """``(len(label_sets), len(classes))`` float32 targets: 1 where a sample holds the class.
    Classes outside ``classes`` are left out."""
    index = {name: i for i, name in enumerate(classes)}
    out = np.zeros((len(label_sets), len(classes)), dtype=np.float32)
    for row, names in enumerate(label_sets):
        out[row, [index[n] for n in names if n in index]] = 1.0
    return out


def background_class(labels: Sequence[str]) -> str:
    """The class background joins: the person's own class named background, noise or none
    (any case; the first in ``BACKGROUND_NAMES`` order), else ``DEFAULT_BACKGROUND``."""
    by_lower = {}
    for label in sorted(set(labels)):
        by_lower.setdefault(label.strip().lower(), label)
    return next((by_lower[name] for name in BACKGROUND_NAMES if name in by_lower),
                DEFAULT_BACKGROUND)


def clip_view_starts(duration_s: float, clip_s: float) -> tuple[float, ...]:
    """Where a whole clip's training windows start: (0.0,) for a clip of up to
    ``SINGLE_WINDOW_FACTOR`` clip lengths (read as one, padded or trimmed); else one window per
    clip length it holds, at most ``LONG_CLIP_VIEWS``, spread evenly from 0 (the first: the view
    validation uses) to its end."""
    if one_window(duration_s, clip_s):
        return (0.0,)
    n_views = min(LONG_CLIP_VIEWS, math.ceil(duration_s / clip_s))
    return tuple(float(s) for s in np.linspace(0.0, duration_s - clip_s, n_views))


def free_stretches(duration_s: float, busy: Sequence[tuple[float, float]]
                   ) -> tuple[tuple[float, float], ...]:
    """``[0, duration_s]`` less every ``busy`` span, as sorted ``(begin_s, end_s)`` stretches."""
    out, cursor = [], 0.0
    for begin_s, end_s in sorted(busy):
        if begin_s > cursor:
            out.append((cursor, min(begin_s, duration_s)))
        cursor = max(cursor, end_s)
    if cursor < duration_s:
        out.append((cursor, duration_s))
    return tuple((b, e) for b, e in out if e > b)


def max_offset_s(begin_s: float, end_s: float, clip_s: float) -> float:
    """The largest shift of a region's window that keeps the whole event inside it (0 for an
    event as long as the clip or longer), at most ``MAX_OFFSET_SHARE`` of the clip."""
    return max(0.0, min(MAX_OFFSET_SHARE * clip_s, (clip_s - (end_s - begin_s)) / 2))


def region_offsets_s(begin_s: float, end_s: float, clip_s: float,
                     rng: np.random.Generator) -> tuple[float, ...]:
    """The shifts of a region's ``REGION_VIEWS`` windows: 0 first (the view validation uses),
    then alternately earlier and later by a random share of :func:`max_offset_s` (0 alone when
    the event leaves no room)."""
    limit = max_offset_s(begin_s, end_s, clip_s)
    if limit == 0:
        return (0.0,)  # the event fills the window: nowhere to move it
    shifts = [0.0]
    for view in range(1, REGION_VIEWS):
        sign = -1.0 if view % 2 else 1.0
        shifts.append(sign * limit * float(rng.uniform(MIN_OFFSET_SHARE, 1.0)))
    return tuple(shifts)


def background_windows(sources: Sequence[BackgroundSource], clip_s: float, n_wanted: int,
                       rng: np.random.Generator) -> list[Window]:
    """Background to decode: a window for every rejected event (centred on it, inside the free
    stretch that holds most of it), then random windows of ``clip_s`` lying wholly inside free
    stretches at least that long, until ``n_wanted`` windows in all (fewer when the recordings
    have no room). No window reaches into a labelled or unreviewed region; rejected events that
    give the same window (two in a free stretch no longer than ``clip_s``) give it once."""
    windows: list[Window] = []
    for source in sources:
        given: set[tuple[float, float]] = set()
        for begin_s, end_s in source.rejected:
            stretch = _stretch_holding(source.free, begin_s, end_s)
            if stretch is None:
                continue
            lo, hi = stretch
            b, e = max(begin_s, lo), min(end_s, hi)
            if hi - lo <= clip_s:
                window = Window(source.path, lo, hi - lo)
            else:
                window = Window(source.path, min(max((b + e) / 2 - clip_s / 2, lo), hi - clip_s),
                                clip_s)
            if (window.start_s, window.length_s) not in given:
                given.add((window.start_s, window.length_s))
                windows.append(window)
    room = [(source.path, lo, hi - clip_s) for source in sources for lo, hi in source.free
            if hi - lo >= clip_s]
    n_random = max(0, n_wanted - len(windows))
    if not room or n_random == 0:
        return windows
    # A stretch is drawn by how many window starts it holds (plus a little, so an exact fit counts).
    weights = np.array([last - first + 1e-3 for _, first, last in room])
    picks = rng.choice(len(room), size=n_random, p=weights / weights.sum())
    for pick in picks:
        path, first, last = room[pick]
        windows.append(Window(path, float(rng.uniform(first, last)), clip_s))
    return windows


def _stretch_holding(free: Sequence[tuple[float, float]], begin_s: float, end_s: float
                     ) -> tuple[float, float] | None:
    """The free stretch that overlaps ``begin_s..end_s`` most, or None when none does."""
    best, best_overlap = None, 0.0
    for lo, hi in free:
        overlap = min(hi, end_s) - max(lo, begin_s)
        if overlap > best_overlap:
            best, best_overlap = (lo, hi), overlap
    return best


def split_keys(names: Sequence[str], seed: int) -> np.ndarray:
    """A number in [0, 1) for each name, from a hash of ``seed`` and the name alone: where a clip
    falls in a split depends on its own name, not on which other clips there are. Paths count
    from the folder they all share, so a project split the same way wherever it lies."""
    names = [str(name) for name in names]
    try:
        root = os.path.commonpath(names) if len(names) > 1 else os.path.dirname(names[0])
    except (ValueError, IndexError):  # absolute and relative mixed; no names
        root = ""
    if root:
        names = [os.path.relpath(name, root) for name in names]
    return np.array([int.from_bytes(hashlib.blake2b(f"{seed}\0{name}".encode(),
                                                    digest_size=8).digest(), "big") / 2.0 ** 64
                     for name in names], dtype=np.float64)


def split_block_s(samples: Sequence[TrainingSample]) -> float | None:
    """The length of the stretches a recording is split into for validation, or None to keep
    each recording whole. Whole recordings are the honest test of a model meant for new ones,
    but a night's single recording (or two or three) split whole has no validation side, or one
    that misses a class the other recordings hold: then its regions and background windows are
    grouped by the minute of the recording they lie in (:func:`block_group`)."""
    recordings = {sample.group or str(sample.path) for sample in samples if sample.is_region}
    return SPLIT_BLOCK_S if 0 < len(recordings) < FEW_RECORDINGS else None


def block_group(group: str, centre_s: float, block_s: float | None) -> str:
    """The split group of a window centred at ``centre_s`` of the recording ``group``: the
    recording itself, or its stretch of ``block_s`` seconds."""
    return group if block_s is None else f"{group}#{int(centre_s // block_s)}"


def stratified_split(targets: np.ndarray, val_share: float, seed: int,
                     names: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val): ``val_share`` of each class in validation, at least one per class
    that has three or more clips, none for rarer classes. The clips of a class with the lowest
    :func:`split_keys` of their ``names`` (default: their indices) go to validation, so adding
    clips keeps the others on their side: a model fine-tuned after more labels is validated on
    clips its parent never trained on (bar the one or two a grown class moves across)."""
    targets = np.asarray(targets)
    keys = split_keys([str(i) for i in range(len(targets))] if names is None else names, seed)
    train, val = [], []
    for cls in np.unique(targets):
        idx = np.flatnonzero(targets == cls)
        idx = idx[np.argsort(keys[idx], kind="stable")]
        n_val = int(round(val_share * len(idx))) if val_share > 0 else 0
        if val_share > 0 and len(idx) >= 3:
            n_val = max(1, n_val)
        n_val = min(n_val, len(idx) - 1)
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(val, dtype=np.int64))


def grouped_split(targets: np.ndarray, groups: Sequence[str], val_share: float,
                  seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) with every group wholly on one side: ``stratified_split`` of the group
    names when each sample is its own group (a project of whole clips); otherwise groups are
    taken into validation, in the order of their :func:`split_keys`, while that brings each class
    nearer ``val_share`` of its samples (the classes weighed equally) and leaves every class a
    training sample. When none fits, the one group that comes nearest goes to validation, so a few
    long recordings still get a validation side, unless that side would hold fewer than half the
    classes: then there is none."""
    targets = np.asarray(targets)
    names, group_of = np.unique(np.asarray([str(g) for g in groups]), return_inverse=True)
    if len(names) == len(targets):
        return stratified_split(targets, val_share, seed, [str(g) for g in groups])
    classes, class_of = np.unique(targets, return_inverse=True)
    counts = np.zeros((len(names), len(classes)))
    np.add.at(counts, (group_of, class_of), 1)
    total = counts.sum(0)
    want = np.zeros(len(classes))
    if val_share > 0:
        want = np.round(val_share * total)
        want = np.where(total >= 3, np.maximum(want, 1), want)
        want = np.minimum(want, total - 1)

    def cost(val: np.ndarray) -> float:
        return float((np.abs(val - want) / total).sum())

    def fits(val: np.ndarray) -> bool:
        return bool(np.all(val <= total - 1))

    val_counts, chosen = np.zeros(len(classes)), []
    if want.any():
        for g in np.argsort(split_keys(names, seed), kind="stable"):
            trial = val_counts + counts[g]
            if fits(trial) and cost(trial) < cost(val_counts):
                val_counts, chosen = trial, [*chosen, g]
        if not chosen:
            fitting = [g for g in range(len(names)) if fits(counts[g])]
            if len(names) > 1 and fitting:
                chosen = [min(fitting, key=lambda g: cost(counts[g]))]
    in_val = np.isin(group_of, chosen)
    if chosen and np.count_nonzero(counts[chosen].sum(0)) * 2 < len(classes):
        # A validation side that holds fewer than half the classes (two recordings, one of
        # them barely marked) would judge the model on a handful of samples and take half the
        # data: train on every recording instead.
        in_val[:] = False
    return np.flatnonzero(~in_val), np.flatnonzero(in_val)
