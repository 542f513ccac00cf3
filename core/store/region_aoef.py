"""The Acoustic Objects Exchange Format (AOEF): the JSON in which Whombat imports and exports
annotation projects, and the soundevent library saves any of its collections. Recordings, sound
events (a geometry on a recording), their annotations (tags) or a model's predictions (tags with
scores) and clips are lists that refer to one another by UUID; tags by number. Reading gives a
RegionRow for each sound-event annotation or prediction tagged with the key that names the
class, as :mod:`core.store.region_io` reads its other formats; writing gives an annotation
project and the dataset of its recordings, which Whombat imports in turn: it finds a project's
recordings only among those it holds already, by UUID, so the same recording keeps the same UUID
in every export.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath, PureWindowsPath

from core.audio.spans import score_words
from core.store.label_rules import RATING_NAMES, json_number, normalise_relative
from core.store.records import UNREVIEWED, RegionRecord, RegionRow

Problem = tuple[int, str]  # (sound-event annotation number; reason)

AOEF_VERSION = "1.1.0"  # the version soundevent writes and reads
#: The tag key Earmark's labels are written under (Whombat tags are key: value): a key of its own
#: to soundevent, which reads "class" as Darwin Core's taxonomic class and "species" as a
#: scientific name (its aliases), neither of which a class of Earmark's need be.
LABEL_KEY = "label"
#: Geometries that mark a moment (a time, or a time and a frequency), not a span: read as a span
#: of no length, which an import makes a region about the moment (region_io.MOMENT_S).
MOMENTS = {"TimeStamp": "a time", "Point": "[time, frequency]"}
#: The coordinates of the two shapes read as they are; any other is read as the box around it.
SHAPES = {"TimeInterval": "[start, end]", "BoundingBox": "[start, low, end, high]"}
#: Tag keys that name a sound's class, in the order one is preferred (a Whombat project may tag
#: each sound with its species and its call type: the call type is no class). soundevent writes
#: its aliases by their Darwin Core terms ("species" as dwc:scientificName, "common_name" as
#: dwc:vernacularName, "class" as dwc:class: Earmark's key before stop 58, a taxon's class after).
CLASS_KEYS = ("class", "species", "dwc:scientificname", LABEL_KEY, "common_name",
              "dwc:vernacularname", "class_name", "event", "dwc:class")
#: The note on an event nobody has reviewed, by its source: who found it.
_FOUND_BY = {"model": "Found by an Earmark model",
             "loud": "Found by Earmark's Find Loud Events",
             "similar": "Found by Earmark's Find Similar Calls",
             "search": "Found by an Earmark search (Find Loud Events or Find Similar Calls)",
             "import": "Found by a detector, imported into Earmark"}
#: The namespace of the UUIDs of exported recordings and datasets (uuid5 of the project's name
#: and the file's path in it): Whombat matches a project's recordings to its own by UUID.
_NAMESPACE = uuid.UUID("6f1d2c8e-3b7a-5e49-a0c2-9d8e4b7f1a35")


def is_aoef(value) -> bool:
    """Whether parsed JSON is an AOEF document: ``{"version", "data": {"collection_type", ...}}``."""
    return (isinstance(value, dict) and isinstance(value.get("data"), dict)
            and "collection_type" in value["data"])


def _items(data: dict, key: str) -> list[dict]:
    found = data.get(key)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _recording_path(path) -> str:
    """A recording's path as the folder knows it: relative as written (to the audio folder it was
    saved from), an absolute one (another machine's) by its name."""
    if not isinstance(path, str) or not path.strip():
        return ""
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute():
        return PureWindowsPath(path).name  # splits at / and \
    return normalise_relative(path)


def _points(coordinates) -> Iterator[tuple[float, float]]:
    """The (time, frequency) pairs in a geometry's nested coordinates."""
    if isinstance(coordinates, list) and coordinates and all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates):
        if len(coordinates) == 2:
            yield float(coordinates[0]), float(coordinates[1])
        return
    if isinstance(coordinates, list):
        for inner in coordinates:
            yield from _points(inner)


def _span(geometry) -> tuple[tuple[float, float, float | None, float | None] | None, str | None]:
    """(begin_s, end_s, low_hz, high_hz) a geometry covers, or None and the reason: an interval
    its times, a box its times and band, a moment (a time stamp, a point) its time as begin and
    end, any other shape (a line, a polygon, several) the box around it."""
    if not isinstance(geometry, dict):
        return None, "its sound event has no geometry"
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(kind, str):
        return None, "its sound event's geometry names no type"
    if kind in MOMENTS:
        time = json_number(coordinates if kind == "TimeStamp" else (
            coordinates[0] if isinstance(coordinates, list) and len(coordinates) == 2 else None))
        if time is None:
            return None, f"a {kind} needs {MOMENTS[kind]}"
        return (time, time, None, None), None
    if not isinstance(coordinates, list) or not all(
            json_number(c) is not None for c in _flat(coordinates)):
        return None, f"{kind} coordinates must be numbers"
    flat = not any(isinstance(c, list) for c in coordinates)
    if kind == "TimeInterval" and flat and len(coordinates) == 2:
        return (float(coordinates[0]), float(coordinates[1]), None, None), None
    if kind == "BoundingBox" and flat and len(coordinates) == 4:
        begin_s, low_hz, end_s, high_hz = (float(c) for c in coordinates)
        return (begin_s, end_s, low_hz, high_hz), None
    if kind in SHAPES:
        return None, f"a {kind} needs {SHAPES[kind]}"
    points = list(_points(coordinates))
    if not points:
        return None, f"a {kind} with no (time, frequency) points"
    times = [t for t, _ in points]
    hertz = [f for _, f in points]
    return (min(times), max(times), min(hertz), max(hertz)), None


def _flat(coordinates) -> Iterator:
    for c in coordinates:
        if isinstance(c, list):
            yield from _flat(c)
        else:
            yield c


def parse_aoef(value: dict) -> tuple[list[RegionRow], list[Problem]]:
    """The regions of a parsed AOEF document (:func:`is_aoef`; its ``data`` an annotation project
    or set, an evaluation set, a prediction set or model run, any collection with
    ``sound_event_annotations`` or ``sound_event_predictions``): each tag of an annotation a
    region on its sound event's span (a tag's value its label), no tag an unlabelled one; each
    predicted tag of a prediction a model's event to review, its score the tag's (the
    prediction's own when it has no tags); each class tag of a clip annotation whose clip is a
    part of its recording (Whombat's clips cut from a night's recording) a region over the clip.
    The recording is named by its path. Problems count the entries from 1 through the file,
    annotations first, then predictions, then clip annotations."""
    data = value["data"]
    recordings = {str(r.get("uuid")): _recording_path(r.get("path"))
                  for r in _items(data, "recordings")}
    expansions = {str(r.get("uuid")): _time_expansion(r) for r in _items(data, "recordings")}
    events = {str(e.get("uuid")): e for e in _items(data, "sound_events")}
    entries = [(entry, False) for entry in _items(data, "sound_event_annotations")]
    entries += [(entry, True) for entry in _items(data, "sound_event_predictions")]
    tags, of_class = _class_tags(_items(data, "tags"), _tagged_entries(data))
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    for number, (entry, predicted) in enumerate(entries, start=1):
        event = events.get(str(entry.get("sound_event")))
        if event is None:
            problems.append((number, "its sound event is not in the file"))
            continue
        audio = recordings.get(str(event.get("recording")))
        if not audio:
            problems.append((number, "its sound event's recording is not in the file or has "
                                     "no path"))
            continue
        span, reason = _span(event.get("geometry"))
        if span is None:
            problems.append((number, reason))
            continue
        span = _in_file_units(span, expansions.get(str(event.get("recording")), 1.0))
        labelled, reason = (_predicted(entry, tags, of_class) if predicted
                            else (_tagged(entry, tags, of_class, _score(event.get("features"))),
                                  None))
        if labelled is None:
            problems.append((number, reason))
            continue
        rows += [RegionRow(audio, *span[:2], label, *span[2:], line=number, score=score)
                 for label, score in labelled]
    for number, audio, clip, labels, whole in _clip_tags(data, first=len(entries) + 1):
        if not whole:
            begin_s, end_s = (json_number(clip.get(key)) for key in ("start_time", "end_time"))
            if begin_s is None or end_s is None:
                problems.append((number, "its clip's start_time and end_time must be numbers"))
            else:
                begin_s, end_s, *_ = _in_file_units(
                    (begin_s, end_s, None, None), expansions.get(str(clip.get("recording")), 1.0))
                rows += [RegionRow(audio, begin_s, end_s, label, line=number)
                         for label in labels]
    return rows, problems


def _time_expansion(recording: dict) -> float:
    """A recording's time expansion (a bat detector's x10 plays a call ten times slower and
    lower), 1 where it gives none or one that is no positive number."""
    expansion = json_number(recording.get("time_expansion"))
    return expansion if expansion is not None and expansion > 0 else 1.0


def _in_file_units(span: tuple[float, float, float | None, float | None], expansion: float
                   ) -> tuple[float, float, float | None, float | None]:
    """A span in a time-expanded recording's real units (soundevent keeps a recording's times
    and frequencies as they were in the air: a call at 0.1 s and 40 kHz of a x10 file lies at
    1 s and 4 kHz of the file) as the file's own seconds and hertz, which Earmark's regions are."""
    if expansion == 1.0:
        return span
    begin_s, end_s, low_hz, high_hz = span
    return (begin_s * expansion, end_s * expansion,
            None if low_hz is None else low_hz / expansion,
            None if high_hz is None else high_hz / expansion)


def _tagged_entries(data: dict) -> list[dict]:
    """Every entry whose tags may name a class: sound events' annotations and predictions, and
    clip annotations (one class key for them all)."""
    return [*_items(data, "sound_event_annotations"), *_items(data, "sound_event_predictions"),
            *_items(data, "clip_annotations")]


#: A clip annotation whose clip begins and ends within this of its recording's is the recording's.
WHOLE_SLACK_S = 0.01


def _clip_tags(data: dict, first: int = 1) -> Iterator[tuple[int, str, dict, list[str], bool]]:
    """(number from ``first``, recording path, clip, class labels, whether the clip covers its
    recording) of each clip annotation tagged with a class, under the key that names classes in
    the whole file (a "noise: rain" beside species names none; nor does a rating)."""
    recordings = {str(r.get("uuid")): r for r in _items(data, "recordings")}
    clips = {str(c.get("uuid")): c for c in _items(data, "clips")}
    tags, of_class = _class_tags(_items(data, "tags"), _tagged_entries(data), alone=False)
    for number, entry in enumerate(_items(data, "clip_annotations"), start=first):
        labels = list(dict.fromkeys(label for i in of_class(_entry_tags(entry))
                                    if (label := _label(tags, i))))
        if labels:
            clip = clips.get(str(entry.get("clip")), {})
            recording = recordings.get(str(clip.get("recording")), {})
            yield (number, _recording_path(recording.get("path")), clip, labels,
                   _covers(clip, recording))


def aoef_clip_labels(value: dict) -> tuple[list[tuple[str, str]], list[Problem]]:
    """The clip labels of a parsed AOEF document: (recording path, label) for each clip
    annotation (Whombat's tags of a whole clip, as a classification task asks them) whose clip
    covers its recording and which is tagged with one class (:func:`_clip_tags`; a part of a
    recording is a region: :func:`parse_aoef`). Problems count the clip annotations from 1: one
    tagged with several classes, or whose recording is not in the file."""
    rows: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for number, audio, _clip, labels, whole in _clip_tags(value["data"]):
        if not audio:
            problems.append((number, "its clip's recording is not in the file or has no path"))
        elif whole and len(labels) > 1:
            problems.append((number, f"{audio}: {len(labels)} classes ({', '.join(labels[:3])}); "
                                     "a clip has one label"))
        elif whole:
            rows.append((audio, labels[0]))
    return rows, problems


def labels_clips(value: dict) -> bool:
    """Whether a parsed AOEF document labels some recording whole (:func:`aoef_clip_labels`)."""
    return any(whole for *_, whole in _clip_tags(value["data"]))


def _covers(clip: dict, recording: dict) -> bool:
    """Whether a clip spans its whole recording (one whose duration is not given: from 0)."""
    start, end = json_number(clip.get("start_time")), json_number(clip.get("end_time"))
    duration = json_number(recording.get("duration"))
    return (start is None or start <= WHOLE_SLACK_S) and (
        end is None or not duration or end >= duration - WHOLE_SLACK_S)


def _class_tags(tags: list[dict], entries: list[dict], alone: bool = True
                ) -> tuple[dict, Callable[[list], list]]:
    """(tag id -> value, and ``of_class(ids)``: those of an entry's tag ids that name its class).
    The class's key is one of CLASS_KEYS (in their order, whatever the case), else the key the
    ``entries`` (annotations and predictions) use most, never a rating's (RATING_NAMES); an entry
    tagged under it is labelled by those tags alone (a call type or a quality beside the species
    is no class), one tagged only under other keys by those (rain among the wrens), where
    ``alone`` (a sound's tags; a clip's other tags, a quality, say, are none)."""
    values = {t.get("id"): t.get("value") for t in tags if isinstance(t.get("id"), (int, str))}
    keys = {t.get("id"): t.get("key").strip().lower() for t in tags
            if isinstance(t.get("id"), (int, str)) and isinstance(t.get("key"), str)}
    used: Counter = Counter()  # in the order the keys first come: ties go to the first
    for entry in entries:
        used.update(list(dict.fromkeys(keys.get(i) for i in map(_tag_id, _entry_tags(entry))
                                       if i in keys and keys.get(i) not in RATING_NAMES)))
    main = max(used, default=None, key=lambda key: (
        -CLASS_KEYS.index(key) if key in CLASS_KEYS else -len(CLASS_KEYS), used[key]))

    def of_class(ids: list) -> list:
        chosen = [i for i in ids if keys.get(_tag_id(i)) == main]
        return chosen or (ids if alone else [])

    return values, of_class


def _entry_tags(entry: dict) -> list:
    return entry.get("tags") if isinstance(entry.get("tags"), list) else []


def _tag_id(item):
    """A tag id, from a prediction's [tag id, score] pair too; None for anything else."""
    item = item[0] if isinstance(item, list) and item else item
    return item if isinstance(item, (int, str)) else None


def _label(tags: dict, tag_id) -> str | None:
    """The tag's value, stripped (None: blank, or no such tag; an id that is a list or an object
    names none)."""
    value = tags.get(tag_id) if isinstance(tag_id, (int, str)) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _tagged(annotation: dict, tags: dict, of_class: Callable[[list], list],
            score: float | None) -> list[tuple[str | None, float | None]]:
    """(label, score) for each class tag of an annotation (one unlabelled region when it has
    none)."""
    labels = [label for i in of_class(_entry_tags(annotation)) if (label := _label(tags, i))]
    return [(label, score) for label in list(dict.fromkeys(labels)) or [None]]


def _predicted(prediction: dict, tags: dict, of_class: Callable[[list], list]
               ) -> tuple[list[tuple[str | None, float | None]] | None, str | None]:
    """(label, score) for each predicted class tag of a prediction (soundevent writes them as
    [tag id, score] pairs; the prediction's own score for one without tags), or None and the
    reason."""
    pairs = _entry_tags(prediction)
    if not all(isinstance(pair, list) and len(pair) == 2 and _is_score(pair[1]) for pair in pairs):
        return None, "a predicted tag must be [tag id, score from 0 to 1]"
    found: dict[str | None, float] = {}
    for pair in of_class(pairs):
        label = _label(tags, pair[0])
        if label is not None:
            found[label] = max(found.get(label, 0.0), float(pair[1]))
    if found:
        return list(found.items()), None
    if not _is_score(prediction.get("score")):
        return None, "its score must be a number from 0 to 1"
    return [(None, float(prediction["score"]))], None


def _is_score(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _score(features) -> float | None:
    """A sound event's "score" feature in 0..1 (a model's event nobody reviewed, as
    :func:`aoef_document` writes it: ``{"score": 0.8}``, or soundevent's list of name and value),
    else None."""
    if isinstance(features, list):
        features = {f.get("name"): f.get("value") for f in features
                    if isinstance(f, dict) and isinstance(f.get("name"), str)}
    value = features.get("score") if isinstance(features, dict) else None
    return float(value) if _is_score(value) else None


def aoef_document(grouped, name: str, where: str | None = None) -> dict:
    """A project's regions (``grouped``: (clip, its regions) pairs) as an AOEF annotation project
    named ``name``, which Whombat imports: a recording, a clip over all of it and a task per audio
    file (its path relative to the folder: Whombat's audio folder is the project's), a sound
    event per region (a time interval, a bounding box when it has a band) and its annotation,
    tagged ``label: <label>`` (untagged when it has none). An event the model found that nobody
    has reviewed carries its score as a feature and a note raised as an issue, for review."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    tag_ids: dict[str, int] = {}
    recordings, clips, tasks, events, annotations, clip_annotations = [], [], [], [], [], []
    for clip, regions in grouped:
        recording = _recording(clip, where or name)
        recording_id, clip_id = recording["uuid"], str(uuid.uuid4())
        recordings.append(recording)
        clips.append({"uuid": clip_id, "recording": recording_id, "start_time": 0.0,
                      "end_time": clip.duration_s or max(r.end_s for r in regions)})
        tasks.append({"uuid": str(uuid.uuid4()), "clip": clip_id, "created_on": now})
        ids = []
        for region in regions:
            event, annotation = _aoef_event(region, recording_id, tag_ids, now)
            events.append(event)
            annotations.append(annotation)
            ids.append(annotation["uuid"])
        clip_annotations.append({"uuid": str(uuid.uuid4()), "clip": clip_id, "sound_events": ids,
                                 "created_on": now})
    return {"version": AOEF_VERSION, "created_on": now, "data": {
        "uuid": str(uuid.uuid4()), "collection_type": "annotation_project", "name": name,
        "description": "Regions exported from Earmark", "created_on": now,
        "tags": [{"id": i, "key": LABEL_KEY, "value": label} for label, i in tag_ids.items()],
        "project_tags": list(tag_ids.values()), "recordings": recordings, "clips": clips,
        "sound_events": events, "sound_event_annotations": annotations,
        "clip_annotations": clip_annotations, "tasks": tasks}}


def aoef_dataset(clips: Iterable, name: str, where: str | None = None) -> dict:
    """The recordings of ``clips`` (ClipRecords) as an AOEF dataset named ``name``, which Whombat
    imports first (Datasets, Import, the project's folder as its audio folder): its import of
    an annotation project finds the recordings only among those it holds, by the UUIDs
    :func:`aoef_document` gives them too. ``where`` (the folder's absolute path; default the
    name) seeds the UUIDs: the same file of the same folder has the same one in every export,
    and another folder's file of the same name another."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    return {"version": AOEF_VERSION, "created_on": now, "data": {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"dataset\0{where or name}")),
        "collection_type": "dataset", "name": name,
        "description": "Recordings exported from Earmark", "created_on": now,
        "recordings": [_recording(clip, where or name) for clip in clips], "tags": []}}


def _recording(clip, where: str) -> dict:
    """A recording's entry, its UUID the same in every export of the folder ``where``."""
    return {"uuid": str(uuid.uuid5(_NAMESPACE, f"{where}\0{clip.path}")), "path": clip.path,
            "duration": clip.duration_s or 0.0, "channels": clip.channels or 1,
            "samplerate": clip.sample_rate_hz or 0}


def _aoef_event(region: RegionRecord, recording_id: str, tag_ids: dict[str, int],
                now: str) -> tuple[dict, dict]:
    """One region's sound event and annotation; its label's tag numbered in ``tag_ids``."""
    if region.low_hz is None:
        geometry = {"type": "TimeInterval", "coordinates": [round(region.begin_s, 6),
                                                            round(region.end_s, 6)]}
    else:
        geometry = {"type": "BoundingBox", "coordinates": [
            round(region.begin_s, 6), round(region.low_hz, 3), round(region.end_s, 6),
            round(region.high_hz, 3)]}
    event = {"uuid": str(uuid.uuid4()), "recording": recording_id, "geometry": geometry}
    annotation = {"uuid": str(uuid.uuid4()), "sound_event": event["uuid"], "created_on": now,
                  "tags": [tag_ids.setdefault(region.label, len(tag_ids))] if region.label else []}
    if region.status == UNREVIEWED:
        if region.score is not None:
            event["features"] = {"score": round(region.score, 4)}
        annotation["notes"] = [_note(found_note(region.source, region.score) + "; not reviewed.",
                                     now, issue=True)]
    elif region.status is None and region.found is not None:  # an event a person accepted
        annotation["notes"] = [_note(found_note(*region.found) + "; accepted by a person.", now)]
    return event, annotation


def found_note(source: str, score: float | None) -> str:
    """Who found an event and its score then, as the region list says it (``spans.score_words``):
    "Found by Earmark's Find Similar Calls (match 0.62)"; Find Loud Events' "(20 dB above its
    band's background)"."""
    said = ("" if score is None else f" ({score_words(source, score)}"
            + (" above its band's background)" if source == "loud" else ")"))
    return f"{_FOUND_BY.get(source, _FOUND_BY['import'])}{said}"


def _note(message: str, now: str, issue: bool = False) -> dict:
    return {"uuid": str(uuid.uuid4()), "is_issue": issue, "created_on": now, "message": message}


__all__ = ["AOEF_VERSION", "LABEL_KEY", "aoef_clip_labels", "aoef_dataset", "aoef_document",
           "is_aoef", "labels_clips", "parse_aoef"]
