"""Events in a project's recordings: which recordings a detection searches, searching them
file after file (the failures named, a person's marks left out), the review's counts of events
and disagreements, and the scores of a model's windows over the regions a person marked.

Plain functions over a ``Project`` (no Qt); long work takes callbacks and a ``should_stop``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.audio.reading import channel_or_mix
from core.audio.spans import same_call, share_channel
from core.errors import EarmarkError, FileError
from core.ml.inference import Classifier
from core.store.records import FOUND_SOURCES, UNREVIEWED

#: A file this many model windows long (or longer) is a recording to search for events.
RECORDING_WINDOWS = 4


def recordings_to_search(project, window_s: float) -> list:
    """The ClipRecords a detection run searches, in path order: every readable file at least
    RECORDING_WINDOWS of the model's windows long (a clip the model classifies whole is shorter),
    and every readable file that holds regions."""
    with_regions = set(project.region_counts(rejected=True))
    shortest_s = RECORDING_WINDOWS * window_s
    return [clip for clip in project.clips(readable=True)
            if (clip.duration_s or 0.0) >= shortest_s or clip.id in with_regions]


def unmarked_events(events: Iterable, regions: Iterable, any_class: bool = False) -> list:
    """``events`` (anything with begin_s, end_s, label) less those a person already marked: an
    event overlapping a person's region (manual, imported or accepted: status None) of the same
    class as one call (:func:`core.audio.spans.same_call`: a quarter of the shorter; at half,
    one a note off a marked two-note hoot was not). An overlap with another class stays: the
    model and the person disagree there, which is worth a review. An event of no class, or of a
    detector that knows none (``any_class``: the energy detector's, whatever label the person
    gave its events), is marked already by any region of the person's there. A region on one
    channel marks only events on that channel or on every channel (``channel`` None)."""
    events, marked = list(events), [r for r in regions if getattr(r, "status", None) is None]

    def marks(event, region) -> bool:
        return ((any_class or event.label is None or region.label == event.label)
                and share_channel(event, region) and same_call(event, region))

    done = {i for i, j in _overlapping(events, marked) if marks(events[i], marked[j])}
    return [event for i, event in enumerate(events) if i not in done]


def disagreeing_clips(records: Iterable[Any]) -> set[int]:
    """Clip ids where an unreviewed model event lies on a person's region (manual, imported or
    accepted) of another class, by the rule of an event on a region :func:`unmarked_events`
    keeps (one call: :func:`~core.audio.spans.same_call`; a channel in common): the window's
    "events disagree" filter."""
    events: dict[int, list[Any]] = {}
    people: dict[int, list[Any]] = {}  # clip id -> a person's labelled regions
    for r in records:
        if getattr(r, "status", None) == UNREVIEWED:
            events.setdefault(r.clip_id, []).append(r)
        elif getattr(r, "status", None) is None and r.source not in FOUND_SOURCES and r.label:
            people.setdefault(r.clip_id, []).append(r)
    return {clip_id for clip_id, clip_events in events.items()
            if _any_on_another_class(clip_events, people.get(clip_id, []))}


def _any_on_another_class(events: list[Any], regions: list[Any]) -> bool:
    """Whether one of ``events`` lies on one of ``regions`` of another class."""
    return any(events[i].label != regions[j].label and share_channel(events[i], regions[j])
               and same_call(events[i], regions[j]) for i, j in _overlapping(events, regions))


def _overlapping(events: Sequence[Any], regions: Sequence[Any]) -> Iterator[tuple[int, int]]:
    """``(i, j)`` for each of ``events[i]`` overlapping ``regions[j]``, as they are found. One
    sweep through both in order of their begins, each meeting only those still running beside
    it: the pairs looked at are the pairs that overlap (every event against every region took
    seconds once a night's thousands of events were half accepted, or searched again; a
    bisection per class walked back through all of them past one long region on the other
    microphone, a second at 3,500 of each)."""
    if not regions or not events:
        return
    starts = sorted([(r.begin_s, 1, i) for i, r in enumerate(regions)]
                    + [(e.begin_s, 0, i) for i, e in enumerate(events)])
    running_regions: list[tuple[float, int]] = []  # (end, index): heaps, the first to end first
    running_events: list[tuple[float, int]] = []
    for begin_s, is_region, i in starts:
        for running in (running_regions, running_events):
            while running and running[0][0] < begin_s:  # ending where one begins: a point may meet it
                heapq.heappop(running)
        if is_region:
            yield from ((j, i) for _, j in running_events)
            heapq.heappush(running_regions, (regions[i].end_s, i))
        else:
            yield from ((i, j) for _, j in running_regions)
            heapq.heappush(running_events, (events[i].end_s, i))


@dataclass
class DetectOutcome:
    """What a search of a project's recordings for events found (:func:`search_recordings`):
    ``specs`` {clip_id: [RegionSpec]} of every file searched to its end (after a stop, those
    before it), events a person marked already left out; ``searched`` how many files that is,
    ``total`` how many there were, ``failed`` [(path, reason)] files that could not be read,
    ``stopped`` whether it was stopped, ``progress_s`` (done, total) seconds of audio."""

    specs: dict = field(default_factory=dict)
    searched: int = 0
    total: int = 0
    failed: list = field(default_factory=list)
    stopped: bool = False
    #: Events a model's search left out: stretches unlike anything it was trained on.
    unknown: int = 0
    #: Find Similar Calls: how many matches scored just under its threshold, and the scores
    #: (lowest, threshold) that counts.
    near: int = 0
    near_scores: tuple = (0.0, 0.0)
    progress_s: tuple[float, float] = (0.0, 0.0)


def search_recordings(project, clips: Sequence, events_in: Callable, channel: int | None = None,
                      any_class: bool = False, should_stop: Callable[[], bool] = lambda: False,
                      progress: Callable[[float, float], None] | None = None) -> DetectOutcome:
    """Search ``clips`` (ClipRecords of ``project``) for events, one file after another:
    ``events_in(project, clip, on_progress)`` gives a file's RegionSpecs (None: stopped before
    its end), ``on_progress(done, total)`` or ``on_progress(fraction)`` within it. A file that
    cannot be read (EarmarkError, OSError, ValueError) is named in ``failed`` with the reason and
    the search goes on; a stop ends it between files (a file cut short by it is left out). Each
    file's events are put on ``channel`` (from 0, the one listened to, where the recording has
    it; else the mix) and those a person marked already are left out (:func:`unmarked_events`,
    ``any_class`` for a detector that knows no class). ``progress(done_s, total_s)`` in
    seconds of audio."""
    total_s = sum(clip.duration_s or 0.0 for clip in clips)
    outcome = DetectOutcome(total=len(clips))
    done_s = 0.0

    def report(at_s: float) -> None:
        outcome.progress_s = (at_s, total_s)
        if progress is not None:
            progress(at_s, total_s)

    for clip in clips:
        if should_stop():
            break
        length_s = clip.duration_s or 0.0

        def on_progress(*value, before_s=done_s, length_s=length_s) -> None:
            report(before_s + length_s * _fraction(value))

        try:
            specs = events_in(project, clip, on_progress)
        except Exception as error:  # noqa: BLE001 - a stop may surface as any error
            if should_stop():
                break  # the file was cut short: its events are not all there
            if not isinstance(error, (EarmarkError, OSError, ValueError)):
                raise
            # The reason alone where the error names the file apart (AudioError...).
            outcome.failed.append((clip.path, error.reason if isinstance(error, FileError)
                                   else str(error)))
            specs = None
        if should_stop():
            break
        if specs is not None:
            one = channel_or_mix(channel, clip.channels)
            if one is not None:
                specs = [replace(spec, channel=one) for spec in specs]
            # What the person marked already is no event to review.
            outcome.specs[clip.id] = unmarked_events(specs, project.regions(clip.id),
                                                     any_class=any_class)
            outcome.searched += 1
        done_s += length_s
        report(done_s)
    outcome.stopped = should_stop()
    outcome.progress_s = (done_s, total_s)
    return outcome


def _fraction(value: tuple) -> float:
    """How far into a file a progress report says the search is: (done, total) or a fraction."""
    if len(value) == 1 and isinstance(value[0], tuple):
        value = value[0]
    if len(value) >= 2 and value[1]:
        return min(max(float(value[0]) / float(value[1]), 0.0), 1.0)
    if len(value) == 1:
        return min(max(float(value[0]), 0.0), 1.0)
    return 0.0


def marked_recordings(project) -> list[tuple[Path, list]]:
    """The recordings holding regions a person marked or accepted (labelled, not a model's
    unreviewed or rejected events), as ``(path, regions)`` in path order: what event metrics
    compare a model's events with."""
    clips = {c.id: c for c in project.clips(include_missing=True)}
    marked: dict[int, list] = {}
    for region in project.regions():
        if region.label and region.source not in FOUND_SOURCES and region.status is None:
            marked.setdefault(region.clip_id, []).append(region)
    found = [(project.abspath(clips[clip_id]), regions) for clip_id, regions in marked.items()]
    return sorted(found, key=lambda item: str(item[0]))


def event_scores(classifier: Classifier, recordings: Sequence[tuple[Path, list]],
                 on_error: Callable[[str], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> dict | None:
    """Event precision, recall and F1 per class (``core.ml.metrics.event_metrics``, over the
    model's classes but its background) of ``classifier``'s events in ``recordings`` (from
    :func:`marked_recordings`) against the regions marked there; ``n_files`` says how many were
    scored. None when there is nothing to score. A file that cannot be read is passed to
    ``on_error(reason)`` and left out."""
    from core.ml.detection import detect_file, model_background
    from core.ml.metrics import event_metrics

    if not recordings:
        return None
    background = model_background(classifier)
    classes = [c for c in classifier.classes if c != background]
    true, predicted, scored = [], [], 0
    for path, regions in recordings:
        if should_stop is not None and should_stop():
            return None
        try:
            events = detect_file(classifier, path, should_stop=should_stop)
        except EarmarkError as error:
            if on_error is not None:
                on_error(str(error))
            continue
        scored += 1
        true += [(str(path), r.begin_s, r.end_s, r.label) for r in regions]
        predicted += events
    result = event_metrics(true, predicted, classes)
    result["n_files"] = scored
    return result
