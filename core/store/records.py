"""The plain values the project store hands out (frozen dataclasses) and the row helpers that build them.

Shared by :mod:`core.store.project` and its parts (scan, classes, models) so none of them imports another.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

LABEL_SOURCES = ("folder", "filename", "csv", "manual", "model")
REGION_SOURCES = ("manual", "import", "model", "loud", "similar", "search")
#: The sources of the events Earmark finds: a model's run (Detect Events, "model"), or a search
#: without a model: Find Loud Events ("loud") or Find Similar Calls ("similar"); "search" is either
#: search's, in a store written before they were told apart. Each starts "unreviewed".
FOUND_SOURCES = ("model", "loud", "similar", "search")
SEARCH_SOURCES = FOUND_SOURCES[1:]  # the searches without a model
# A region's review state: None for a person's or an imported region (and a model event a person
# accepted), "unreviewed" for a model event nobody has looked at, "rejected" for one a person
# turned down (kept: the next training uses it as background).
UNREVIEWED = "unreviewed"
REJECTED = "rejected"
REGION_STATUSES = (UNREVIEWED, REJECTED)

# A pleasant, distinguishable palette (Tableau 10, then softer tones).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63",
)

CLIP_COLUMNS = ("id, path, size_bytes, mtime_ns, duration_s, sample_rate_hz, channels, error, "
                "missing, label, label_source, note")
REGION_COLUMNS = ("id, clip_id, begin_s, end_s, low_hz, high_hz, label, source, score, created, "
                  "modified, status, channel, found_by, found_score")
CHUNK = 500  # ids per "IN (...)" query, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class ClipRecord:
    id: int
    path: str  # relative to the project folder, posix separators
    size_bytes: int
    mtime_ns: int
    duration_s: float | None
    sample_rate_hz: int | None
    channels: int | None
    error: str | None  # None when readable, else why not
    missing: bool
    label: str | None
    label_source: str | None
    note: str | None = None  # a readable file's flaw (cut short), else None


@dataclass(frozen=True, slots=True)
class ClassInfo:
    name: str
    order: int
    colour: str
    shortcut: str | None


@dataclass(frozen=True, slots=True)
class LabelChange:
    clip_id: int
    old_label: str | None
    old_source: str | None
    new_label: str | None
    new_source: str | None
    changed_at: float  # seconds since the epoch
    action: str  # set, restore, import, scan, rename, merge, remove_class, name_rule, put_back

    def how(self) -> str:
        """What made the change, in a person's words (the label history's How)."""
        source = _SOURCE_WORDS.get(self.new_source or "", self.new_source or "")
        if self.action == "set":
            return "label cleared" if self.new_label is None else {
                "model": "prediction accepted"}.get(self.new_source or "", "labelled")
        if self.action == "import":
            return f"imported from {source}" if self.new_label is not None else "cleared by an import"
        if self.action == "scan":
            return (f"read from {source}" if self.old_label is None
                    else f"moved, relabelled by {source}")
        return _ACTION_WORDS.get(self.action, self.action)


_SOURCE_WORDS = {"folder": "its folder", "filename": "its file name", "csv": "a labels file"}
_ACTION_WORDS = {"restore": "undone", "put_back": "put back from its history",
                 "rename": "class renamed", "merge": "classes merged",
                 "remove_class": "class removed", "name_rule": "file-name rule changed"}


@dataclass(frozen=True, slots=True)
class ModelRecord:
    id: int
    path: str
    classes: tuple[str, ...]
    settings: dict
    metrics: dict
    parent_id: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    clip_id: int
    model_id: int
    label: str
    confidence: float
    probabilities: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """A region to add (no id yet): a time span of a clip, optionally a frequency band in it."""

    clip_id: int
    begin_s: float
    end_s: float
    label: str | None = None
    low_hz: float | None = None  # both None: a time span over all frequencies
    high_hz: float | None = None
    score: float | None = None  # a model's score; None for people and imports
    channel: int | None = None  # of a multi-channel recording, from 0; None: every channel


@dataclass(frozen=True)
class RegionRow:
    """One region of a file another tool wrote, before it is matched to a clip. ``high_hz`` is
    ``math.inf`` where the file says "up to the top" (an Audacity band without a high edge)."""

    path: str  # as written in the file (relative path or base name)
    begin_s: float
    end_s: float
    label: str | None
    low_hz: float | None = None
    high_hz: float | None = None
    line: int = 0  # 1-based line (or segment, or region) in the file, for messages
    # A machine's detection the file marks as such (BirdNET's confidence, an AviaNZ filter's
    # certainty, a model's score in Earmark's own files), 0..1: imported as an event for review.
    score: float | None = None
    # The channel (from 0) the file puts it on (a Raven selection drawn on one channel); None:
    # every channel, or the file does not say.
    channel: int | None = None
    # The Earmark region a row of Earmark's own export stands for (a Raven table's Earmark ID,
    # ``token-id-stamp``: region_known.region_ref): read back edited, it changes that region rather
    # than adding one beside it.
    region_ref: str | None = None


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """A region in the store. ``created`` and ``modified`` are seconds since the epoch;
    ``modified`` moves when the region itself is edited (a class rename is in its history only)."""

    id: int
    clip_id: int
    begin_s: float
    end_s: float
    low_hz: float | None
    high_hz: float | None
    label: str | None
    source: str  # one of REGION_SOURCES: manual, import, model, loud, similar (search: older stores)
    score: float | None
    created: float
    modified: float
    status: str | None = None  # None, or one of REGION_STATUSES: unreviewed, rejected
    # The channel (from 0) of a multi-channel recording it is on, as Raven keeps a selection's;
    # None: every channel (always, on a one-channel file).
    channel: int | None = None
    # Of an event a person accepted (source "manual" since): who found it (one of FOUND_SOURCES)
    # and its score then, so that exports can tell checked matches from calls drawn by hand.
    found_by: str | None = None
    found_score: float | None = None

    @property
    def found(self) -> tuple[str, float | None] | None:
        """Who found this event (a model's run or a search, one of FOUND_SOURCES) and its score
        then, whether or not a person has reviewed it since; None for a region a person drew or
        another tool's file brought."""
        if self.source in FOUND_SOURCES:
            return self.source, self.score
        if self.found_by is not None:
            return self.found_by, self.found_score
        return None

    @property
    def band_hz(self) -> tuple[float, float] | None:
        """``(low_hz, high_hz)``, or None for a span over all frequencies."""
        return None if self.low_hz is None else (self.low_hz, self.high_hz)


@dataclass(frozen=True, slots=True)
class RegionChange:
    """One line of a region's history: ``old``/``new`` are its fields before and after (a dict
    of the RegionRecord's fields but id and clip_id), None where it did not exist."""

    region_id: int
    clip_id: int
    action: str  # add, update, delete, restore, rename, merge, remove_class, model, review, scan
    old: dict | None
    new: dict | None
    changed_at: float


@dataclass(frozen=True, slots=True)
class ScanSummary:
    total: int  # clips present on disk after the scan
    added: int
    changed: int
    unchanged: int
    missing: int  # newly marked missing by this scan
    unreadable: int  # the folder's clips that cannot be read (not only those read this scan)
    labels_imported: int
    stopped: bool
    elapsed_s: float
    warnings: tuple[str, ...] = ()  # e.g. a labels.csv that could not be used
    # Regions the first scan read from the labels files the folder carries (Edge Impulse's
    # multi-label samples in an info.labels).
    regions_imported: int = 0
    # Clips whose file was found under another folder (moved, or its folder renamed): the same
    # clip, its label, regions and predictions kept, at its new path.
    moved: int = 0


def in_chunks(ids: Sequence[int]) -> Iterator[tuple[Sequence[int], str]]:
    """``ids`` in runs of at most CHUNK, each with its ``?,?,...`` placeholders for ``IN (...)``."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def clean_label(label: str | None) -> str | None:
    """``label`` stripped of surrounding blanks, an unpaired surrogate (a stranger's JSON may
    hold ``"\\ud800"``, which no store or file can keep) shown as U+FFFD, in one Unicode form
    (NFC: a macOS folder's decomposed ``café`` is the ``café`` typed); None for None or an
    empty name. Nothing else changes: a class stored with a tab in its name keeps it."""
    if label is None:
        return None
    label = str(label)
    if not label.isprintable():  # rare: the slow way only for a name that may need it
        label = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in label)
    label = unicodedata.normalize("NFC", label.strip())
    return label or None


def clip_from_row(row: tuple) -> ClipRecord:
    """A ClipRecord from a row selected with ``CLIP_COLUMNS``."""
    return ClipRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                      bool(row[8]), row[9], row[10], row[11])


def region_from_row(row: tuple) -> RegionRecord:
    """A RegionRecord from a row selected with ``REGION_COLUMNS``."""
    return RegionRecord(*row)


def model_from_row(row: tuple) -> ModelRecord:
    """A ModelRecord from ``id, path, classes_json, settings_json, metrics_json, parent_id, created_at``."""
    return ModelRecord(row[0], row[1], tuple(json.loads(row[2])), json.loads(row[3]),
                       json.loads(row[4]), row[5], row[6])


def get_meta(conn, key: str) -> str | None:
    """The store's ``meta`` value of ``key``, read on ``conn`` (inside its transaction), or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(conn, key: str, value: str | None) -> None:
    """Set the store's ``meta`` value of ``key`` on ``conn``; None deletes it."""
    if value is None:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

