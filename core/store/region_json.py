"""The region files other tools write as JSON: AviaNZ's ``.data`` annotation files (one beside each
recording), Label Studio's JSON exports of audio tasks and the labelled spans of Edge Impulse's
multi-label samples (in its ``info.labels`` or ``structured_labels.labels``). Reading gives
RegionRows and the problems of bad entries, as :mod:`core.store.region_io` reads its text formats;
writing takes grouped regions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from core.audio.reading import AUDIO_EXTENSIONS
from core.errors import EarmarkError
from core.store.label_rules import (
    RATING_NAMES,
    is_edge_impulse,
    json_number,
    load_json,
    normalise_relative,
)
from core.store.records import UNREVIEWED, ClipRecord, RegionRecord, RegionRow
from core.store.region_aoef import found_note, is_aoef

Problem = tuple[int, str]  # (line, segment or region number; reason)
Grouped = list[tuple[ClipRecord, list[RegionRecord]]]

AVIANZ_SUFFIX = ".data"  # AviaNZ keeps rec.wav's annotations in rec.wav.data beside it
AVIANZ_UNKNOWN = "Don't Know"  # AviaNZ's species of a segment nobody has named
AVIANZ_MANUAL = "M"  # the "filter" of a label a person gave
# The "filter" of an event the model found and nobody has reviewed (and Label Studio's
# model_version of those events).
AVIANZ_FILTER = "Earmark"
AVIANZ_SURE = 100  # certainty of a label a person gave or accepted
# Label Studio's labelling config these tasks fit: <Audio name="audio" value="$audio"/> and
# <Labels name="label" toName="audio">.
LS_AUDIO = "audio"
LS_LABELS = "label"
# ... and the config of clip labels' tasks: <Choices name="class" toName="audio">.
LS_CLASS = "class"
#: The names a Label Studio control that asks a sound's class goes by (Earmark's, the templates').
CLASS_CONTROLS = (LS_CLASS, LS_LABELS, "labels", "species", "category")
EDGE_IMPULSE = "edgeimpulse"
# The label type of an Edge Impulse sample labelled in spans ("label": one label for the whole
# file; "unlabeled": none).
EI_SPANS = "multi-label"
# A file Label Studio stored on upload is named "<8 hex digits>-<its own name>".
_LS_UPLOAD = re.compile(r"^[0-9a-f]{8}-(.+)$")


def json_format(text: str) -> str:
    """``"avianz"``, ``"labelstudio"``, ``"aoef"`` or ``"edgeimpulse"`` for JSON shaped like one;
    EarmarkError for JSON that is broken or none. AviaNZ: a list of segments (lists), after an
    optional metadata object. AOEF (Whombat, soundevent): an object whose ``data`` has a
    ``collection_type``. Edge Impulse's info.labels: an object with a ``files`` list; its
    structured_labels.labels: one with a ``structuredLabels`` object. Label Studio: a task (an
    object with ``data`` or ``annotations``) or a list of them."""
    value = load_json(text)
    if is_aoef(value):
        return "aoef"
    if is_edge_impulse(value) or _is_structured(value):
        return EDGE_IMPULSE
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        if all(isinstance(v, list) for v in value[1:]) and (
                not value or isinstance(value[0], list) or _is_avianz_meta(value[0])):
            return "avianz"
        if all(isinstance(v, dict) for v in value) and any(
                "data" in v or "annotations" in v or _min_regions(v) or _min_choices(v)
                for v in value):
            return "labelstudio"
    raise EarmarkError("JSON that is not an AviaNZ .data file, a Label Studio export, an AOEF "
                       "(Whombat) document or Edge Impulse's labels")


def _is_avianz_meta(value) -> bool:
    return isinstance(value, dict) and bool({"Operator", "Reviewer", "Duration"} & set(value))


# --------------------------------------------------------------------------- AviaNZ


def avianz_audio(name: str) -> str | None:
    """The audio file an AviaNZ annotation file is named after (``rec.wav.data``: ``rec.wav``);
    None when its name does not say."""
    if not name.lower().endswith(AVIANZ_SUFFIX):
        return None
    audio = name[:-len(AVIANZ_SUFFIX)]
    return audio if PurePosixPath(audio).suffix.lower() in AUDIO_EXTENSIONS else None


def parse_avianz(text: str, audio: str) -> tuple[list[RegionRow], list[Problem]]:
    """AviaNZ's segments ``[start, end, low_hz, high_hz, labels]``, as its file format
    specification has them and its reader (``SegmentList.parseJSON``) takes them: both
    frequencies 0 (or both under 1.1, its old format's fractions) is a segment over the whole
    band; each label's ``species`` is a region of its own on the segment's span, and "Don't Know"
    (or no label) an unlabelled one. The old format's labels: a plain string is a species (a
    single one too, not in a list), one ending in ``?`` a doubtful one (certainty 50); its
    metadata, a first segment ``[-1, duration, operator, reviewer, ...]``, is skipped. Problems
    count segments from 1."""
    value = load_json(text)
    value = [value] if isinstance(value, dict) else value  # its metadata alone
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    first = value[0] if isinstance(value, list) and value else None
    old_metadata = isinstance(first, list) and bool(first) and json_number(first[0]) == -1
    segments = value[1:] if isinstance(first, dict) or old_metadata else value
    for number, segment in enumerate(segments, start=1):
        if not isinstance(segment, list) or len(segment) < 5:
            problems.append((number, "not a segment [start, end, low, high, labels]"))
            continue
        begin_s, end_s, low_hz, high_hz = (json_number(v) for v in segment[:4])
        if None in (begin_s, end_s, low_hz, high_hz):
            problems.append((number, "start, end, low and high must be numbers"))
            continue
        labels, reason = _avianz_species(segment[4])
        if reason:
            problems.append((number, reason))
            continue
        whole_band = (low_hz == high_hz == 0) or (0 < low_hz < 1.1 and 0 < high_hz < 1.1)
        band = (None, None) if whole_band else (low_hz, high_hz)
        rows += [RegionRow(audio, begin_s, end_s, label, *band, line=number, score=score)
                 for label, score in labels.items()]
    return rows, problems


def _avianz_species(labels) -> tuple[dict[str | None, float | None], str | None]:
    """Each species of a segment's labels with its score: None for a sure one (certainty 100,
    AviaNZ's green), the certainty over 100 for one in doubt (its yellow), whoever gave it: a
    recogniser's (or Earmark's model's) guess, a batch guess that names no filter, or a person's
    question mark (filter "M" at 50), each an event to review. The old format's labels as AviaNZ
    reads them: "Kiwi" sure, "Kiwi?" Kiwi at certainty 50."""
    labels = [labels] if isinstance(labels, str) else labels
    if not isinstance(labels, list):
        return {}, "its labels are not a list"
    species: dict[str | None, float | None] = {}
    for label in labels:
        if isinstance(label, str):
            name = label.strip()
            label = ({"species": name[:-1], "certainty": 50} if name.endswith("?") else
                     {"species": name, "certainty": AVIANZ_SURE})
        name = label.get("species") if isinstance(label, dict) else label
        if not isinstance(name, str):
            return {}, "a label without a species"
        name = name.strip()
        name = None if not name or name == AVIANZ_UNKNOWN else name
        species.setdefault(name, _avianz_score(label) if name is not None else None)
    if len(species) > 1 and None in species:  # "Don't Know" beside a named species adds nothing
        del species[None]
    return species or {None: None}, None


def _avianz_score(label) -> float | None:
    if not isinstance(label, dict):
        return None
    certainty = json_number(label.get("certainty"))
    if certainty is None or not 0 <= certainty < AVIANZ_SURE:
        return None
    return certainty / AVIANZ_SURE


def avianz_text(clip: ClipRecord, regions: Iterable[RegionRecord]) -> str:
    """One recording's regions as an AviaNZ ``.data`` file: its metadata, then a segment per
    region. A region without a band spans the whole band (0, 0); one without a label is "Don't
    Know" at certainty 0; an event the model found that nobody has reviewed carries its score as
    the certainty (1-99), filter "Earmark"; every other label is a person's (100, filter "M")."""
    meta = {"Operator": AVIANZ_FILTER, "Reviewer": "", "Duration": clip.duration_s or 0.0}
    segments = []
    for r in regions:
        if r.label is None:
            label = {"species": AVIANZ_UNKNOWN, "certainty": 0, "filter": AVIANZ_MANUAL}
        elif r.status == UNREVIEWED:
            certainty = 50 if r.score is None else min(99, max(1, round(r.score * 100)))
            label = {"species": r.label, "certainty": certainty, "filter": AVIANZ_FILTER,
                     "calltype": r.label}
        else:
            label = {"species": r.label, "certainty": AVIANZ_SURE, "filter": AVIANZ_MANUAL}
        segments.append([round(r.begin_s, 6), round(r.end_s, 6),
                         0 if r.low_hz is None else round(r.low_hz, 3),
                         0 if r.high_hz is None else round(r.high_hz, 3), [label]])
    return json.dumps([meta, *segments]) + "\n"


# --------------------------------------------------------------------------- Label Studio


def _min_regions(task: dict) -> list:
    """A JSON-MIN task's regions: in its lists, the objects with a start, an end and labels (a
    per-region text or choice has a span too, but no labels)."""
    return [item for value in task.values() if isinstance(value, list)
            for item in value if isinstance(item, dict) and {"start", "end", "labels"} <= set(item)]


def label_studio_url(path: str, root: str | None) -> str:
    """A task's audio address for the file at ``path`` (relative to the folder ``root`` names):
    Label Studio serves a local file as ``/data/local-files/?d=<its path under
    LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT>``, so with that root the folder holding ``root``,
    ``?d=<root>/<path>`` (a relative path alone names nothing it can load). No ``root``: the
    path as it is."""
    if not root:
        return path
    return "/data/local-files/?d=" + quote(f"{root}/{path}", safe="/")


def label_studio_path(url: str) -> str:
    """The file a task's audio URL names, as the folder may know it: a Label Studio upload
    (``/data/upload/3/1a2b3c4d-rec.wav``) by its own name; a local-storage file
    (``/data/local-files/?d=site1/rec.wav``), a web address or an absolute path by its path,
    which an import finds here by its longest tail, then by its name; a relative path as
    written."""
    parts = _split_url(url)
    if parts.path.startswith("/data/local-files"):
        found = parse_qs(parts.query).get("d")
        return normalise_relative(found[0]) if found else ""
    path = unquote(parts.path)
    if path.startswith("/data/upload/"):
        name = PurePosixPath(path).name
        upload = _LS_UPLOAD.match(name)
        return upload.group(1) if upload else name
    if parts.scheme or parts.netloc or path.startswith("/"):  # a Windows drive reads as a scheme
        return normalise_relative(path).lstrip("/")
    return normalise_relative(path)


def _task_audio(task: dict) -> str:
    data = task.get("data") if isinstance(task.get("data"), dict) else task
    url = data.get(LS_AUDIO)
    if not isinstance(url, str):  # a config naming its audio otherwise: the first address
        url = next((v for v in data.values() if isinstance(v, str) and
                    PurePosixPath(_split_url(v).path).suffix.lower() in AUDIO_EXTENSIONS), "")
    return label_studio_path(url) if url else ""


def _split_url(text: str) -> SplitResult:
    """``text``'s parts as an address; an address Python cannot split (``http://[x/a.wav``, a
    broken IPv6 host) as a path."""
    try:
        return urlsplit(text)
    except ValueError:
        return SplitResult("", "", text, "", "")


def _chosen_results(task: dict) -> list[dict]:
    """The results of a task's annotation: the ground truth, else the one updated last; none
    cancelled."""
    annotations = task["annotations"] if isinstance(task.get("annotations"), list) else []
    kept = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    if not kept:
        return []
    chosen = max(kept, key=lambda a: (bool(a.get("ground_truth")), str(a.get("updated_at", ""))))
    results = chosen.get("result") if isinstance(chosen.get("result"), list) else []
    return [r for r in results if isinstance(r, dict) and isinstance(r.get("value"), dict)]


def _task_results(task: dict) -> list[dict]:
    """The labelled spans of a task's annotation (results of type ``labels``; a per-region text
    or choice shares its region's span and is not one): :func:`_chosen_results`'s. A JSON-MIN
    task's own region lists."""
    if "annotations" not in task:
        return [{"value": item} for item in _min_regions(task)]
    return [r for r in _chosen_results(task)
            if r.get("type") == "labels" and {"start", "end"} <= set(r["value"])]


def _task_choices(task: dict) -> list[dict]:
    """A task's choices of the whole clip (Label Studio's audio classification, ``<Choices
    toName="audio">``): the results of type ``choices`` with no span of their own; a JSON-MIN
    task's, :func:`_min_choices`. A rating's (RATING_NAMES) are none."""
    if "annotations" not in task:
        return _min_choices(task)
    return [r for r in _chosen_results(task) if r.get("type") == "choices"
            and "choices" in r["value"] and not {"start", "end"} & set(r["value"])
            and str(r.get("from_name", "")).strip().lower() not in RATING_NAMES]


def _one_control(per_task: list[list[dict]], spans: bool) -> list[list[dict]]:
    """Each task's results (``per_task``) less a second question's answers. A config may ask
    of each region its species and then its call type, or of each clip its class and then its
    quality: those answers are not classes. The class's control is one named as a class is
    (CLASS_CONTROLS), else the one that answers most over the export. Where that one is not
    named as a class is, a control that answers most of its tasks without it (birds beside
    mammals, each clip one or the other, one clip now and then both) is another list of
    classes, and kept; beside a control named
    ``class``, a rating asked alone of a clip is still a rating. Of a second question's answers, a region the
    class's control did not answer (``spans``: another control's own spans, an insect beside
    the birds) is kept; a clip's choice is not (a clip rated but given no class has none)."""
    counts = Counter(r.get("from_name") for results in per_task for r in results)
    if len(counts) < 2:
        return per_task
    main = max(counts, key=lambda name: (str(name).lower() in CLASS_CONTROLS, counts[name]))
    with_main = Counter(r.get("from_name") for results in per_task
                        if any(r.get("from_name") == main for r in results) for r in results)
    asked_with_main = set(counts) if str(main).lower() in CLASS_CONTROLS else {
        name for name in with_main if 2 * with_main[name] > counts[name]}
    kept = []
    for results in per_task:
        answered = {r.get("id") for r in results if r.get("from_name") == main}
        kept.append([r for r in results if r.get("from_name") == main
                     or r.get("from_name") not in asked_with_main
                     or (spans and r.get("id") is not None and r.get("id") not in answered)])
    return kept


def _min_choices(task: dict) -> list[dict]:
    """A JSON-MIN task's choice of its whole clip, as a result, under the tag names Earmark's
    export (``class``) and Label Studio's audio classification template (``label``) give it:
    one class as a string, several as ``{"choices": [...]}``. JSON-MIN names a tag's value
    only by the tag, so a config naming its choices otherwise is read from a JSON export."""
    for tag in (LS_CLASS, LS_LABELS):
        value = task.get(tag)
        if isinstance(value, str):
            value = {"choices": [value]}
        if isinstance(value, dict) and "choices" in value:
            return [{"type": "choices", "value": value}]
    return []


def label_studio_clip_labels(value) -> tuple[list[tuple[str, str]], list[Problem]]:
    """The clip labels of a Label Studio JSON export (parsed) from an audio classification
    project: (audio file as :func:`label_studio_path` gives it, label) for each task whose
    annotation chose one class. Problems count tasks from 1: one that names no audio, or
    chose several classes (a clip here has one label). A task with no choice is passed over."""
    tasks = [value] if isinstance(value, dict) else value
    tasks = [task if isinstance(task, dict) else None for task in tasks]
    choices = _one_control([_task_choices(task) if task else [] for task in tasks], spans=False)
    rows: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for number, (task, results) in enumerate(zip(tasks, choices, strict=True), start=1):
        if task is None:
            continue
        chosen = [c.strip() for r in results for c in _as_list(r["value"]["choices"])
                  if isinstance(c, str) and c.strip()]
        chosen = list(dict.fromkeys(chosen))
        if not chosen:
            continue
        audio = _task_audio(task)
        if not audio:
            problems.append((number, f"task {task.get('id', '?')} names no audio file"))
        elif len(chosen) > 1:
            problems.append((number, f"{audio}: {len(chosen)} classes chosen "
                                     f"({', '.join(chosen[:3])}); a clip has one label"))
        else:
            rows.append((audio, chosen[0]))
    return rows, problems


def label_studio_clip_tasks(clips: Iterable[ClipRecord],
                            predictions: dict[int, tuple[str, float]],
                            root: str | None = None) -> str:
    """A Label Studio JSON import of audio classification tasks: a task per clip, ``data.audio``
    its address for Label Studio's local files under the folder ``root`` names
    (:func:`label_studio_url`); a labelled clip's class its annotation (a choice of the
    whole clip), an unlabelled one's ``predictions`` entry (clip id -> (class, confidence)),
    where there is one, its prediction, the pre-annotation Label Studio offers to accept. For
    the config ``<Audio name="audio" value="$audio"/>`` with ``<Choices name="class"
    toName="audio">``."""
    tasks = []
    for clip in clips:
        task: dict = {"data": {LS_AUDIO: label_studio_url(clip.path, root)}}
        if clip.label:
            task["annotations"] = [{"result": [_ls_choice(clip.label, "manual")]}]
        elif clip.id in predictions:
            label, confidence = predictions[clip.id]
            task["predictions"] = [{"model_version": AVIANZ_FILTER, "score": round(confidence, 4),
                                    "result": [_ls_choice(label, "prediction")]}]
        tasks.append(task)
    return json.dumps(tasks, indent=1, ensure_ascii=False) + "\n"


def _ls_choice(label: str, origin: str) -> dict:
    return {"from_name": LS_CLASS, "to_name": LS_AUDIO, "type": "choices", "origin": origin,
            "value": {"choices": [label]}}


def _as_list(value) -> list:
    """A JSON list as it is; one string as a list of it; anything else as nothing."""
    return value if isinstance(value, list) else [value] if isinstance(value, str) else []


def _tasks(value) -> list[dict]:
    tasks = [value] if isinstance(value, dict) else value
    return [t for t in tasks if isinstance(t, dict)] if isinstance(tasks, list) else []


def has_clip_choices(value) -> bool:
    """Whether a Label Studio export (parsed) chose a class for some task's whole clip."""
    return any(_task_choices(t) for t in _tasks(value))


def holds_clip_choices(value) -> bool:
    """Whether a Label Studio export (parsed) labels whole clips only: some task chose a class
    for its clip and none holds a labelled span (an export with spans is imported as regions,
    and its choices as clip labels beside them)."""
    return has_clip_choices(value) and not any(_task_results(t) for t in _tasks(value))


def parse_label_studio(text: str) -> tuple[list[RegionRow], list[Problem]]:
    """The audio regions of a Label Studio export (JSON, or JSON-MIN): each of a region's
    ``labels`` a region on its span, none an unlabelled one. Problems count regions from 1
    through the file."""
    value = load_json(text)
    tasks = [value] if isinstance(value, dict) else value
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    number = 0
    for task, results in zip(tasks, _one_control([_task_results(task) for task in tasks],
                                                 spans=True), strict=True):
        audio = _task_audio(task)
        for result in results:
            number += 1
            region = result["value"]
            begin_s, end_s = json_number(region["start"]), json_number(region["end"])
            if not audio:
                problems.append((number, f"task {task.get('id', '?')} names no audio file"))
            elif begin_s is None or end_s is None:
                problems.append((number, "start and end must be numbers"))
            else:
                rows += [RegionRow(audio, begin_s, end_s, label, line=number,
                                   channel=_ls_channel(region))
                         for label in _ls_labels(region)]
    return rows, problems


def _ls_channel(region: dict) -> int | None:
    """The channel (from 0) of a region of a split-channel Label Studio view; None for its
    channel 0, which is also what it writes where the view shows the file as one."""
    channel = region.get("channel")
    return channel if type(channel) is int and channel > 0 else None


def _ls_labels(region: dict) -> list[str | None]:
    names = region.get("labels")
    names = names if isinstance(names, list) else []
    found = [n.strip() for n in names if isinstance(n, str) and n.strip()]
    return list(dict.fromkeys(found)) or [None]


def label_studio_text(grouped: Grouped, root: str | None = None) -> str:
    """A Label Studio JSON import: a task per recording, ``data.audio`` its address for Label
    Studio's local files under the folder ``root`` names (:func:`label_studio_url`); a person's
    regions (``labels``: its class, empty when it has none; Label Studio's audio regions have
    no band) its annotation, the events the model found that nobody has reviewed its
    predictions (pre-annotations, each with its score), as Label Studio takes a model's work.
    For the config ``<Audio name="audio" value="$audio"/>`` with ``<Labels name="label"
    toName="audio">``."""
    tasks = []
    for clip, regions in grouped:
        task: dict = {"data": {LS_AUDIO: label_studio_url(clip.path, root)}}
        people = [_ls_result(r) for r in regions if r.status != UNREVIEWED]
        model = [_ls_result(r) for r in regions if r.status == UNREVIEWED]
        if people:
            task["annotations"] = [{"result": people}]
        if model:
            scores = [r["score"] for r in model if "score" in r]
            task["predictions"] = [{"model_version": AVIANZ_FILTER, "result": model,
                                    **({"score": min(scores)} if scores else {})}]
        tasks.append(task)
    return json.dumps(tasks, indent=1, ensure_ascii=False) + "\n"


def _ls_result(region: RegionRecord) -> dict:
    result = {"id": f"earmark-{region.id}", "from_name": LS_LABELS, "to_name": LS_AUDIO,
              "type": "labels", "origin": "manual" if region.status != UNREVIEWED else "prediction",
              "value": {"start": round(region.begin_s, 6), "end": round(region.end_s, 6),
                        "channel": region.channel or 0,
                        "labels": [region.label] if region.label else []}}
    if region.status == UNREVIEWED and region.score is not None:
        result["score"] = round(region.score, 4)
    elif region.status is None and region.found is not None:
        # An event a person accepted: a region a prediction made, and who found it in its meta
        # (the text Label Studio shows beside a region).
        result["origin"] = "prediction"
        result["meta"] = {"text": [found_note(*region.found) + "; accepted."]}
    return result

# --------------------------------------------------------------------------- Edge Impulse


def _is_spans(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("label"), dict) and \
        entry["label"].get("type") == EI_SPANS


def _is_structured(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("structuredLabels"), dict)


def has_spans(value) -> bool:
    """Whether parsed JSON is Edge Impulse's labels of spans: a structured_labels.labels, or an
    info.labels with a multi-label sample. An info.labels of whole-sample labels only holds clip
    labels (:mod:`core.store.label_rules`)."""
    return _is_structured(value) or (
        is_edge_impulse(value) and any(_is_spans(entry) for entry in value["files"]))


def labels_whole_samples(value) -> bool:
    """Whether parsed JSON is an info.labels that labels some sample whole (beside samples
    labelled in spans, those labels are clip labels: :mod:`core.store.label_rules`)."""
    return is_edge_impulse(value) and any(
        isinstance(entry, dict) and isinstance(entry.get("label"), dict)
        and entry["label"].get("type") == "label" for entry in value["files"])


def _milliseconds(value) -> int | None:
    number = json_number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) else None


def parse_edge_impulse(value, folder: str) -> tuple[list[RegionRow], list[Problem]]:
    """The labelled spans of Edge Impulse's multi-label samples, each ``{"label", "startIndex",
    "endIndex"}`` in milliseconds, the end one included (the next span starts a millisecond
    later), as its structured-labels specification gives them: an info.labels' samples of type
    ``multi-label`` (``{"path", "label": {"type": "multi-label", "labels": [...]}}``; its samples
    labelled whole, or not at all, hold no regions and are passed over) or a
    structured_labels.labels (``{"structuredLabels": {file name: [...]}}``). Paths are relative to
    ``folder``, the file's own. Problems count the spans from 1."""
    if _is_structured(value):
        samples = list(value["structuredLabels"].items())
    else:
        samples = [(entry.get("path"), entry["label"].get("labels"))
                   for entry in filter(_is_spans, value["files"])]
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    number = 0
    for path, spans in samples:
        relative = normalise_relative(path) if isinstance(path, str) else ""
        if not isinstance(spans, list) or not spans:
            number += 1
            problems.append((number, f"a multi-label sample ({relative or 'no path'}) without "
                                     "labelled spans"))
            continue
        where = relative if relative.startswith("/") else f"{folder}/{relative}"
        for span in spans:
            number += 1
            label = span.get("label") if isinstance(span, dict) else None
            begin_ms, end_ms = (_milliseconds(span.get(key)) if isinstance(span, dict) else None
                                for key in ("startIndex", "endIndex"))
            if not relative:
                problems.append((number, "no path"))
            elif not isinstance(label, str) or not label.strip():
                problems.append((number, "no label"))
            elif begin_ms is None or end_ms is None or end_ms < begin_ms:
                problems.append((number, "startIndex and endIndex must be whole milliseconds, "
                                         "the end not before the start"))
            else:
                rows.append(RegionRow(where, begin_ms / 1000, (end_ms + 1) / 1000,
                                      label.strip(), line=number))
    return rows, problems


__all__ = ["json_format", "avianz_audio", "parse_avianz", "avianz_text", "label_studio_path",
           "parse_label_studio", "label_studio_text", "label_studio_clip_labels",
           "label_studio_clip_tasks", "LS_CLASS",
           "holds_clip_choices", "has_clip_choices", "load_json", "has_spans",
           "labels_whole_samples",
           "parse_edge_impulse", "AVIANZ_SUFFIX", "EDGE_IMPULSE"]
