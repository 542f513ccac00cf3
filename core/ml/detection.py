"""Finding events in long recordings: per-class thresholds chosen on validation scores, windows
above their class's threshold merged into events, and ``detect_file`` joining both to a model's
windowed scoring. Plain values in and out; event metrics live in :mod:`core.ml.metrics`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.audio import reading as audio
from core.audio.spectrogram import band_bins, frame_power_at, power_to_db
from core.errors import AudioError
from core.ml.checkpoint import DEFAULT_THRESHOLD  # a model saved without thresholds: this each
from core.ml.novelty import LONG_WINDOWS

BACKGROUND_NAMES = ("background",)  # a class of this name is background when the model names none


@dataclass(frozen=True)
class Event:
    """One event found in a file: its span in seconds, its class and its peak score."""

    path: str
    begin_s: float
    end_s: float
    label: str
    score: float


def best_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The threshold per class that maximises that class's F1, one class against the rest.

    ``probabilities`` ``(n, C)`` scores, ``targets`` ``(n,)`` true class indices. See
    :func:`best_multi_label_thresholds`, which this is with one class per sample. Returns
    ``(C,)`` float64.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    n_classes = probabilities.shape[1] if probabilities.ndim == 2 else 0
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    return best_multi_label_thresholds(probabilities, targets[:, None] == np.arange(n_classes))


def best_multi_label_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The threshold per class that maximises that class's F1, from multi-hot truth.

    ``probabilities`` ``(n, C)`` scores, ``targets`` ``(n, C)``: nonzero where a sample holds the
    class (a sample may hold several). A sample counts as the class when its score is >= the
    threshold. The threshold sits midway between the lowest score kept and the highest score left
    out (not on a sample's own score, so a slightly weaker sound in a new recording is not lost on
    the edge); of thresholds with equal F1 the highest is taken (fewer false events). A class
    with no sample in ``targets`` keeps ``DEFAULT_THRESHOLD``. Returns ``(C,)`` float64.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    n, n_classes = probabilities.shape if probabilities.ndim == 2 else (0, 0)
    out = np.full(n_classes, DEFAULT_THRESHOLD)
    if n == 0:
        return out
    truth = np.asarray(targets).astype(bool).reshape(n, n_classes)
    for c in range(n_classes):
        positive = truth[:, c]
        n_positive = int(positive.sum())
        if n_positive == 0:
            continue
        order = np.argsort(-probabilities[:, c], kind="stable")
        scores = probabilities[order, c]
        hits = np.cumsum(positive[order])
        # Only the last of a run of equal scores is a possible cut (>= keeps them all).
        ends = np.flatnonzero(np.append(scores[1:] != scores[:-1], True))
        kept = ends + 1
        f1 = 2 * hits[ends] / (kept + n_positive)
        best = ends[np.flatnonzero(f1 == f1.max())[0]]  # the first: the highest threshold
        below = scores[best + 1] if best + 1 < n else 0.0
        out[c] = (scores[best] + below) / 2
    return out


def multi_label_scores(probabilities: np.ndarray, targets: np.ndarray,
                       thresholds: Sequence[float], classes: Sequence[str]) -> dict:
    """How a multi-label model does at ``thresholds`` on samples with multi-hot ``targets``
    ``(n, C)``: ``exact_match``, the share of samples whose every class is right, and
    ``per_class`` ``{class: {precision, recall, f1, support}}``."""
    predicted = np.asarray(probabilities) >= np.asarray(thresholds, dtype=np.float64)[None, :]
    truth = np.asarray(targets) > 0.5
    per_class = {}
    for c, name in enumerate(classes):
        hits = int((predicted[:, c] & truth[:, c]).sum())
        n_predicted, n_true = int(predicted[:, c].sum()), int(truth[:, c].sum())
        precision = hits / n_predicted if n_predicted else 0.0
        recall = hits / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[str(name)] = {"precision": precision, "recall": recall, "f1": f1,
                                "support": n_true}
    exact = float((predicted == truth).all(axis=1).mean()) if len(truth) else 0.0
    return {"exact_match": exact, "per_class": per_class}


def fill_absent_thresholds(thresholds: Sequence[float], val_targets: np.ndarray,
                           on_train: Callable[[], Sequence[float]]) -> list[float]:
    """``thresholds`` chosen on the validation samples, with each class those samples lack (a
    class marked in few minutes of few recordings) taking its threshold from ``on_train()`` (the
    same choice on the training samples, computed only when needed) instead of a blind 0.5."""
    present = set(np.asarray(val_targets).tolist())
    absent = [c for c in range(len(thresholds)) if c not in present]
    if not absent:
        return [float(t) for t in thresholds]
    fallback = on_train()
    return [float(fallback[c] if c in absent else t) for c, t in enumerate(thresholds)]


def merge_windows(starts_s: Sequence[float], window_s: float, scores: np.ndarray,
                  classes: Sequence[str], thresholds: Sequence[float] | np.ndarray,
                  background: str | None = None, exclusive: bool = True
                  ) -> list[tuple[float, float, str, float]]:
    """Events from window scores: ``[(begin_s, end_s, label, peak_score), ...]`` by begin time.

    ``scores`` ``(n_windows, C)`` follows ``classes``; window ``i`` spans ``starts_s[i]`` to
    ``starts_s[i] + window_s``. A window is above class ``c`` when its score is >=
    ``thresholds[c]``; a run of consecutive windows above one class is one event, from the begin
    of its first window to the end of its last, scored by its highest window. The ``background``
    class is never reported. With ``exclusive`` (a single-label model: one sound per window) a
    window counts only for the class that scores highest among those above their thresholds, so a
    window where background wins holds no event and two classes never share a window.
    """
    scores = np.asarray(scores, dtype=np.float64)
    starts = np.asarray(starts_s, dtype=np.float64)
    if scores.ndim != 2 or len(scores) != len(starts) or scores.shape[1] != len(classes):
        raise ValueError(f"scores {scores.shape} do not match {len(starts)} windows and "
                         f"{len(classes)} classes")
    thresholds = np.asarray(thresholds, dtype=np.float64)
    above = scores >= thresholds[None, :]
    if exclusive and len(scores):
        masked = np.where(above, scores, -np.inf)
        winner = masked.argmax(axis=1)
        above = np.zeros_like(above)
        has = np.isfinite(masked[np.arange(len(scores)), winner])
        above[np.flatnonzero(has), winner[has]] = True
    events = []
    for c, name in enumerate(classes):
        if name == background:
            continue
        flags = np.concatenate(([False], above[:, c], [False])).astype(np.int8)
        edges = np.diff(flags)
        for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1),
                               strict=True):
            events.append((float(starts[first]), float(starts[stop - 1] + window_s), str(name),
                           float(scores[first:stop, c].max())))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return events


def resolve_thresholds(classes: Sequence[str], stored: Sequence[float] | None,
                       requested: float | Sequence[float] | Mapping[str, float] | None = None
                       ) -> np.ndarray:
    """``(C,)`` thresholds: ``requested`` as one value for all classes, one per class, or a
    ``{class: value}`` mapping over the ``stored`` ones (the model's, else
    ``DEFAULT_THRESHOLD``). ValueError for a class the model does not know or a value outside
    0..1."""
    n = len(classes)
    base = np.full(n, DEFAULT_THRESHOLD)
    if stored is not None and len(stored) == n:
        base = np.asarray(stored, dtype=np.float64).copy()
    if requested is None:
        out = base
    elif isinstance(requested, Mapping):
        out = base
        for name, value in requested.items():
            if name not in classes:
                raise ValueError(f"the model has no class {name!r} (it knows "
                                 f"{', '.join(classes)})")
            out[list(classes).index(name)] = float(value)
    elif np.ndim(requested) == 0:
        out = np.full(n, float(requested))
    else:
        out = np.asarray(requested, dtype=np.float64)
        if out.shape != (n,):
            raise ValueError(f"{len(out)} thresholds for {n} classes")
    if not np.all((out >= 0) & (out <= 1)):
        raise ValueError("a threshold is a probability, from 0 to 1")
    return out


def model_background(classifier) -> str | None:
    """The background class a model was trained with (stored with it), else a class named
    ``background``, else None."""
    stored = getattr(classifier.checkpoint, "background_class", None)
    if stored in classifier.classes:
        return stored
    return next((c for c in classifier.classes if c.lower() in BACKGROUND_NAMES), None)


# A model's windows say that a sound is in them, not where: an event of whole windows was about
# four times its call (bench_detection.py: a digit's span 0.22 of its event's, overlap over
# union). Its edges are drawn in to the sound in it: the EDGE_FRAME_S frames of the model's band
# whose power rises EDGE_RISE_DB over the floor about it (the EDGE_FLOOR_PERCENTILE of the frames
# of the event and a window either side), from the first to the last, EDGE_PAD_S beyond each.
# Only where the sound stands out: an event keeps its windows' span where no frame rises so,
# where its loudest frame is not EDGE_RISE_DB over the EDGE_OUTSIDE_PERCENTILE of the frames
# beside it nor EDGE_PEAK_DB over the floor (wind's gusts, rain's drops and a call's neighbours
# rise as high: drawn in there, an event landed on a gust beside its call), where what rises is
# two sounds EDGE_GAP_S or more apart (a call and its neighbour: which is the event's?), or
# where it is shorter than EDGE_MIN_SHARE of a window (a 50 ms peak of an insect chorus).
# bench_event_edges.py (made-up calls in field noise): as many calls found as the windows' events
# (recall 0.777 against 0.783, precision 0.872 against 0.858), the edges rarely drawn in there;
# measured in the model's band, not the call's, a chorus in it still misleads a few; a model
# whose regions were drawn as boxes measures each class in its own band (samples.class_bands).
EDGE_FRAME_S = 0.01
EDGE_RISE_DB = 6.0
EDGE_FLOOR_PERCENTILE = 20.0
EDGE_OUTSIDE_PERCENTILE = 90.0
EDGE_MIN_SHARE = 0.15
EDGE_PEAK_DB = 12.0
EDGE_GAP_S = 0.1
EDGE_PAD_S = 0.02


def band_levels_db(samples: np.ndarray, rate_hz: int, low_hz: float, high_hz: float,
                   frame_s: float = EDGE_FRAME_S) -> np.ndarray:
    """``(n_frames,)`` the power (dB) of ``samples``' consecutive ``frame_s`` frames between
    ``low_hz`` and ``high_hz`` (a frame a Hann-windowed FFT), frame k starting at k * frame_s to
    the nearest sample: at 22,050 Hz frames of a whole 220 samples drifted 2 ms in 10 s."""
    step = frame_s * rate_hz
    n = max(2, round(step))
    if len(samples) < n:
        return np.zeros(0)
    starts = np.round(np.arange(int((len(samples) - n) // step) + 1) * step).astype(np.int64)
    power = frame_power_at(samples, np.minimum(starts, len(samples) - n), n)[
        band_bins(rate_hz, n, low_hz, high_hz)]
    return power_to_db(power.sum(axis=0, dtype=np.float64))


def fit_edges(begin_s: float, end_s: float, levels_db: np.ndarray, start_s: float,
              window_s: float, frame_s: float = EDGE_FRAME_S) -> tuple[float, float]:
    """An event's span (``begin_s``..``end_s``, of windows of ``window_s``) drawn in to its
    sound, where it stands out (see EDGE_RISE_DB): ``levels_db`` (:func:`band_levels_db`) are
    frames from ``start_s`` over the event and around it."""
    times = start_s + np.arange(len(levels_db)) * frame_s
    inside = (times >= begin_s - 1e-9) & (times + frame_s <= end_s + 1e-9)
    if inside.sum() < 3 or inside.all():
        return begin_s, end_s
    floor = np.percentile(levels_db, EDGE_FLOOR_PERCENTILE)
    beside = np.percentile(levels_db[~inside], EDGE_OUTSIDE_PERCENTILE)
    sound = np.flatnonzero(inside & (levels_db > floor + EDGE_RISE_DB))
    if not len(sound) or levels_db[inside].max() < max(beside + EDGE_RISE_DB,
                                                       floor + EDGE_PEAK_DB):
        return begin_s, end_s
    if (np.diff(sound) * frame_s > EDGE_GAP_S).any():
        return begin_s, end_s  # two sounds (a call and its neighbour): which is this one's?
    fitted = (max(begin_s, float(times[sound[0]]) - EDGE_PAD_S),
              min(end_s, float(times[sound[-1]]) + frame_s + EDGE_PAD_S))
    return fitted if fitted[1] - fitted[0] >= EDGE_MIN_SHARE * window_s else (begin_s, end_s)


def joined(events: Sequence[Event]) -> list[Event]:
    """Events of one class that touch (within a frame), drawn in to their sound, as one, scored
    by the higher, by begin time: a call's windows above threshold in two runs, split by a
    window under it, were two events end to end."""
    out: list[Event] = []
    for event in sorted(events, key=lambda e: (e.label, e.begin_s, e.end_s)):
        last = out[-1] if out else None
        if last is not None and last.label == event.label and \
                event.begin_s <= last.end_s + EDGE_FRAME_S:
            out[-1] = Event(last.path, last.begin_s, max(last.end_s, event.end_s), last.label,
                            max(last.score, event.score))
        else:
            out.append(event)
    return sorted(out, key=lambda e: (e.begin_s, e.end_s, e.label))


def without_overlapped(events: Sequence[Event]) -> list[Event]:
    """Of events that are mostly one span (their overlap more than half their union), the one
    scored highest, by begin time: a single-label model's answers for one sound (a digit heard
    as a 3 in one window and a 5 in the next), drawn in to it, were two events over one digit.
    Two calls that only share an edge (a hoot's tail under the trill after it) are both kept."""
    kept: list[Event] = []  # by begin time, with their begins, to look only at those near
    begins: list[float] = []  # (every kept event against every other: 7 s for a night's 6,000)
    longest_s = 0.0
    for event in sorted(events, key=lambda e: -e.score):
        near = kept[bisect.bisect_left(begins, event.begin_s - longest_s):
                    bisect.bisect_right(begins, event.end_s)]
        if all(min(event.end_s, other.end_s) - max(event.begin_s, other.begin_s)
               <= 0.5 * (max(event.end_s, other.end_s) - min(event.begin_s, other.begin_s))
               for other in near):
            at = bisect.bisect_right(begins, event.begin_s)
            begins.insert(at, event.begin_s)
            kept.insert(at, event)
            longest_s = max(longest_s, event.end_s - event.begin_s)
    return sorted(kept, key=lambda e: (e.begin_s, e.end_s, e.label))


def unknown_events(classifier, scored, events: Sequence[tuple]) -> set[int]:
    """The indices of ``events`` (:func:`merge_windows`' of ``scored``) unlike anything the
    model was trained on: none of the LONG_WINDOWS windows with sound in it that most support
    its class is like the training clips. Much as a long file's answer is judged, but on each
    window alone (``WindowScores.unknown``, from the scoring pass), at the rule's own threshold
    (a window alone lies further from the training clips than its prediction views' mean, at
    which a long file's windows are judged, at LONG_NOVELTY_SHARE of it): scoring each event's
    windows again with the views made a search 6-9 times slower and left out no more. So a
    file Classify answers unknown may still hold events, and one it names a class may hold
    stretches left out. A clip model (cats and dogs) made events of a whole recording of pink
    noise, each window "dog" above its threshold; a detection model's events in a held-out
    FSDD speaker's digits (bench_detection.py): precision 0.677 before, 0.843 after, recall
    0.860 both. Empty for a model without an unknown rule (multi-label, older files)."""
    if getattr(scored, "novelty", None) is None or not len(events):
        return set()
    unknown = scored.unknown
    starts = np.asarray(scored.starts_s)
    found = set()
    for i, (begin_s, end_s, label, _score) in enumerate(events):
        inside = np.flatnonzero((starts >= begin_s - 1e-9) & ~scored.silent
                                & (starts + classifier.window_s <= end_s + 1e-6))
        if not len(inside):
            continue
        top = classifier.classes.index(label)
        best = inside[np.argsort(-scored.probabilities[inside, top], kind="stable")][:LONG_WINDOWS]
        if unknown[best].all():
            found.add(i)
    return found


def _bands(classifier) -> dict[str, tuple[float, float]]:
    """The band (Hz) each class's events are measured in: its own where the model has one (its
    training regions' boxes: samples.class_bands), else the model's."""
    features = classifier.features
    nyquist_hz = features.sample_rate_hz / 2
    own = getattr(classifier.checkpoint, "class_bands_hz", None) or [None] * len(classifier.classes)
    return {name: (band[0], min(band[1], nyquist_hz)) if band else
            (features.f_min_hz, features.f_max_hz or nyquist_hz)
            for name, band in zip(classifier.classes, own, strict=True)}


def _fitted(classifier, path: Path, rate_hz: int, begin_s: float, end_s: float,
            band: tuple[float, float]) -> tuple[float, float]:
    """An event's span drawn in to its sound in the file (:func:`fit_edges`), its channel or mix
    as the model hears it at the file's own ``rate_hz`` (resampled to the model's, an 8 kHz
    recording took a quarter longer to search), measured in ``band``, which lies below the
    model's Nyquist frequency; its windows' span where the file cannot be read."""
    start_s = max(0.0, begin_s - classifier.window_s)
    try:
        samples = classifier.features.read(path, start_s, end_s + classifier.window_s - start_s,
                                           resample=False)
    except AudioError:
        return begin_s, end_s
    levels = band_levels_db(samples, rate_hz, *band)
    return fit_edges(begin_s, end_s, levels, start_s, classifier.window_s)


def detect_file(classifier, path: str | Path,
                thresholds: float | Sequence[float] | Mapping[str, float] | None = None,
                background: str | None = None, hop_s: float | None = None,
                progress: Callable[[float], None] | None = None,
                should_stop: Callable[[], bool] | None = None,
                left_out: list[Event] | None = None) -> list[Event]:
    """The events a :class:`~core.ml.inference.Classifier` finds in one file, by begin time.

    ``thresholds``: None for the model's own (chosen on its validation split when it was trained;
    0.5 for an older model), one value for every class, one per class, or ``{class: value}`` over
    the model's. ``background``: the class never reported (None: the model's). ``hop_s``: the
    window step (None: half a window, as long-file scoring). ``progress(fraction)`` after each
    block of windows; ``should_stop()`` between blocks. An event ends at most at the file's end;
    its edges are drawn in to its sound (:func:`fit_edges`), events of a class that then touch are
    one (:func:`joined`), and of a single-label model's events over one sound the highest scored
    is kept (:func:`without_overlapped`). An event whose windows are unlike anything the model was
    trained on is no event (:func:`unknown_events`): it goes to ``left_out`` where given.
    Raises :class:`~core.errors.AudioError` for a file that cannot be read and
    :class:`~core.errors.StoppedError` when stopped.
    """
    classes = classifier.classes
    chosen = resolve_thresholds(classes, getattr(classifier.checkpoint, "thresholds", None),
                                thresholds)
    background = background if background is not None else model_background(classifier)
    scored = classifier.score_windows(path, hop_s=hop_s, progress=progress,
                                      should_stop=should_stop, novelty=True)
    # A multi-label model scores each class on its own: a window may hold several events.
    exclusive = not getattr(classifier, "multi_label", False)
    events = merge_windows(scored.starts_s, classifier.window_s, scored.heard, classes,
                           chosen, background, exclusive=exclusive)  # silence holds no event
    unknown = unknown_events(classifier, scored, events)
    if left_out is not None:  # one stretch each, as the events kept are (joined, one a sound)
        gone = joined([Event(str(path), *events[i]) for i in sorted(unknown)])
        left_out.extend(without_overlapped(gone) if exclusive else gone)
    events = [e for i, e in enumerate(events) if i not in unknown]
    name, bands = str(path), _bands(classifier)
    rate_hz = audio.info(path).sample_rate_hz
    found = [Event(name, *_fitted(classifier, Path(path), rate_hz, begin_s,
                                  min(end_s, max(scored.duration_s, begin_s)), bands[label]),
                   label, score)
             for begin_s, end_s, label, score in events]
    found = joined(found)
    return without_overlapped(found) if exclusive else found
