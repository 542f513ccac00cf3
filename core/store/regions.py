"""The regions of a project: time spans of a clip (optionally a frequency band) with a label.

A mixin of :class:`core.store.project.Project`. Every change is one of the Project's ``_write``
transactions (durable when it returns) and each region it touches gets a line in the region
history. Edits return what they replaced (``update_region``, ``delete_regions``) and
:meth:`RegionsMixin.restore_regions` puts it back, so an undo stack can take them back.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence

from core.audio.spans import END_SLACK_S
from core.errors import RegionError
from core.store.records import (
    FOUND_SOURCES,
    REGION_COLUMNS,
    REGION_SOURCES,
    REJECTED,
    UNREVIEWED,
    ClipRecord,
    RegionChange,
    RegionRecord,
    RegionSpec,
    clean_label,
    in_chunks,
    region_from_row,
)

#: How many bad regions a RegionError lists before "and N more".
MAX_LISTED = 20

_MARKS = ", ".join("?" * len(REGION_COLUMNS.split(",")))
_INSERT = f"INSERT INTO regions({REGION_COLUMNS}) VALUES ({_MARKS})"
HISTORY_INSERT = ("INSERT INTO region_history(region_id, clip_id, action, old, new, "
                  "changed_at) VALUES (?, ?, ?, ?, ?, ?)")


class _Unchanged:
    """The type of :data:`UNCHANGED`."""

    _instance: _Unchanged | None = None

    def __new__(cls) -> _Unchanged:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNCHANGED"

    def __reduce__(self) -> str:
        return "UNCHANGED"


#: The default of :meth:`RegionsMixin.update_region`'s fields: keep the value, so that None can
#: clear a band or a label.
UNCHANGED = _Unchanged()


def validate_region(clip: ClipRecord | None, begin_s: float, end_s: float,
                    low_hz: float | None = None, high_hz: float | None = None,
                    channel: int | None = None) -> str | None:
    """Why a region cannot be on ``clip`` (one short phrase), or None when it can.

    ``0 <= begin_s < end_s``; ``end_s`` at most ``END_SLACK_S`` past the clip's duration when that
    is known; a band needs both ``low_hz`` and ``high_hz`` with ``0 <= low_hz < high_hz <=``
    Nyquist (when the sample rate is known); a ``channel`` (from 0) is one the clip has (when
    its count is known); the clip exists and is not missing.
    """
    if clip is None:
        return "no such clip"
    if clip.missing:
        return f"{clip.path} is missing"
    reason = _not_a_number("time", "seconds", begin=begin_s, end=end_s)
    if reason is not None:
        return reason
    if begin_s < 0:
        return f"begins before the start of the file ({begin_s:g} s)"
    if clip.duration_s is not None and max(begin_s, end_s) > clip.duration_s + END_SLACK_S:
        return (f"ends at {max(begin_s, end_s):g} s, past the end of {clip.path} "
                f"({clip.duration_s:g} s long)")
    if begin_s == end_s:  # a moment a person marked (a point label), not made a region
        return f"begin and end at {begin_s:g} s: a moment, not a span"
    if begin_s > end_s:
        return f"begin {begin_s:g} s is not before end {end_s:g} s"
    if channel is not None:
        if not isinstance(channel, numbers.Integral) or isinstance(channel, bool) or channel < 0:
            return f"channel {channel!r} is not a channel number"
        if clip.channels and channel >= clip.channels:
            return (f"channel {channel + 1} is not one of the {clip.channels} channel(s) of "
                    f"{clip.path}")
    if (low_hz is None) != (high_hz is None):
        return "a frequency band needs both a low and a high frequency"
    if low_hz is not None:
        reason = _not_a_number("frequency", "hertz", low=low_hz, high=high_hz)
        if reason is not None:
            return reason
        if low_hz < 0:
            return f"low frequency {low_hz:g} Hz is below 0 Hz"
        if low_hz >= high_hz:
            return f"low frequency {low_hz:g} Hz is not below high frequency {high_hz:g} Hz"
        if clip.sample_rate_hz and high_hz > clip.sample_rate_hz / 2:
            return (f"high frequency {high_hz:g} Hz is above the Nyquist frequency of "
                    f"{clip.path} ({clip.sample_rate_hz / 2:g} Hz)")
    return None


def _not_a_number(quantity: str, unit: str, **values) -> str | None:
    """Why the first of ``values`` that is not a finite number is refused, else None."""
    bad = next((name for name, value in values.items() if not is_number(value)), None)
    return None if bad is None else f"{bad} {quantity} {values[bad]!r} is not a number of {unit}"


def is_number(value) -> bool:
    """Whether ``value`` is a finite real number (not a bool): a time, a frequency, a score."""
    if type(value) is float:  # nearly always: a detector's thousands of events check fast
        return math.isfinite(value)
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def region_fields(record: RegionRecord) -> dict:
    """A record's fields for the history (all but id and clip_id)."""
    return {"begin_s": record.begin_s, "end_s": record.end_s, "low_hz": record.low_hz,
            "high_hz": record.high_hz, "label": record.label, "source": record.source,
            "score": record.score, "created": record.created, "modified": record.modified,
            "status": record.status, "channel": record.channel, "found_by": record.found_by,
            "found_score": record.found_score}


def _row(record: RegionRecord) -> tuple:
    return (record.id, record.clip_id, record.begin_s, record.end_s, record.low_hz,
            record.high_hz, record.label, record.source, record.score, record.created,
            record.modified, record.status, record.channel, record.found_by, record.found_score)


def stored_channel(channel: int | None, n_channels: int | None) -> int | None:
    """A region's channel as stored on a file of ``n_channels``: None (every channel) on a
    one-channel file, whose one channel is all, and for a channel the file no longer has (written
    again with fewer); kept where the file's channels are not known (it cannot be read now: it
    may be mended)."""
    if channel is None or n_channels == 1 or (n_channels and channel >= n_channels):
        return None
    return int(channel)


def _by_clip(records: Sequence[RegionRecord]) -> dict[int, list[RegionRecord]]:
    """``records`` grouped by clip id, each group in the order given."""
    groups: dict[int, list[RegionRecord]] = {}
    for record in records:
        groups.setdefault(record.clip_id, []).append(record)
    return groups


def _as_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _problems_message(problems: Sequence[tuple[int, str]], total: int) -> str:
    """``n of total regions cannot be added...`` then one line per problem (1-based), at most
    MAX_LISTED of them, then ``and N more``."""
    lines = [f"{len(problems)} of {total} regions cannot be added, so none were:"]
    lines += [f"  region {index + 1}: {reason}" for index, reason in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  and {len(problems) - MAX_LISTED} more")
    return "\n".join(lines)


class RegionsMixin:
    """Regions for ``Project``. Relies on the Project's ``_read``, ``_write``, ``store_path``
    and the classes mixin's ``_ensure_classes``."""

    # ----------------------------------------------------------------- reading

    def regions(self, clip_id: int | None = None) -> list[RegionRecord]:
        """The regions of one clip, or of every clip (missing ones too) when ``clip_id`` is None,
        ordered by (clip_id, begin_s, id). One read of them all serves every call until the store
        changes: after an edit the window's views each ask (the clip's, every clip's for the
        review queue and filters); on a night of thousands of events each read took 30 ms."""
        every = self._cached("regions", lambda: tuple(region_from_row(row) for row in self._read(
            f"SELECT {REGION_COLUMNS} FROM regions ORDER BY clip_id, begin_s, id")))
        if clip_id is None:
            return list(every)
        return list(self._cached("regions by clip", lambda: _by_clip(every)).get(int(clip_id), ()))

    def region(self, region_id: int) -> RegionRecord | None:
        rows = self._read(f"SELECT {REGION_COLUMNS} FROM regions WHERE id = ?", (int(region_id),))
        return region_from_row(rows[0]) if rows else None

    def region_counts(self, rejected: bool = False) -> dict[int, int]:
        """Clip id -> number of its regions, less the model events a person rejected (kept as
        background for training, never listed, drawn or exported) unless ``rejected``; clips
        without regions are left out."""
        where = "" if rejected else "WHERE status IS NOT ? "
        return dict(self._read(f"SELECT clip_id, COUNT(*) FROM regions {where}GROUP BY clip_id",
                               () if rejected else (REJECTED,)))

    def region_history(self, clip_id: int | None = None,
                       region_id: int | None = None) -> list[RegionChange]:
        """Every region change of a clip (or of one region, or of all), oldest first."""
        where, params = [], []
        if clip_id is not None:
            where.append("clip_id = ?")
            params.append(int(clip_id))
        if region_id is not None:
            where.append("region_id = ?")
            params.append(int(region_id))
        sql = "SELECT region_id, clip_id, action, old, new, changed_at FROM region_history"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._read(sql + " ORDER BY id", params)
        return [RegionChange(rid, cid, action, json.loads(old) if old else None,
                             json.loads(new) if new else None, at)
                for rid, cid, action, old, new, at in rows]

    # ----------------------------------------------------------------- changing

    def add_region(self, clip_id: int, begin_s: float, end_s: float, label: str | None = None,
                   low_hz: float | None = None, high_hz: float | None = None,
                   source: str = "manual", score: float | None = None,
                   channel: int | None = None) -> RegionRecord:
        """Add one region (its label's class is created when missing; ``channel``, from 0, the
        one of a multi-channel file it is on, None for all); raises RegionError naming the reason
        when it cannot be on that clip."""
        spec = RegionSpec(clip_id, begin_s, end_s, label, low_hz, high_hz, score, channel)
        try:
            return self.add_regions([spec], source=source)[0]
        except RegionError as error:
            if not error.problems:
                raise
            raise RegionError(f"cannot add the region: {error.problems[0][1]}",
                              error.problems) from None

    def add_regions(self, specs: Iterable[RegionSpec], source: str = "import") -> list[RegionRecord]:
        """Add every region of ``specs`` in one transaction, all or none: each is checked with
        :func:`validate_region` first, and any bad one raises RegionError listing them (index and
        reason, ``problems`` holding them all) with nothing written. Returns the records in the
        order of ``specs``. Regions Earmark found (FOUND_SOURCES) start "unreviewed", and so do imported
        ones with a score (a machine's detections another tool wrote, for review)."""
        if source not in REGION_SOURCES:
            raise RegionError(f"unknown region source {source!r} (one of "
                              f"{', '.join(REGION_SOURCES)})")
        with self._write() as conn:
            return self._add_regions(conn, list(specs), source)

    def _add_regions(self, conn: sqlite3.Connection, specs: list[RegionSpec],
                     source: str) -> list[RegionRecord]:
        """``add_regions`` inside an open transaction."""
        clips = self._clips_of({spec.clip_id for spec in specs})
        problems = []
        for index, spec in enumerate(specs):
            reason = validate_region(clips.get(spec.clip_id), spec.begin_s, spec.end_s,
                                     spec.low_hz, spec.high_hz, spec.channel)
            if reason is None and spec.score is not None and not is_number(spec.score):
                reason = f"score {spec.score!r} is not a number"
            if reason is not None:
                problems.append((index, reason))
        if problems:
            raise RegionError(_problems_message(problems, len(specs)), tuple(problems))
        labels = [clean_label(spec.label) for spec in specs]
        self._ensure_classes(conn, sorted({lab for lab in labels if lab is not None}))
        now = time.time()
        # Ids handed out here, under the write lock, so the records can be returned
        # without a query per row; AUTOINCREMENT's counter follows the largest.
        first_id = 1 + max(
            conn.execute("SELECT COALESCE(MAX(id), 0) FROM regions").fetchone()[0],
            (conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'regions'")
             .fetchone() or (0,))[0])
        records = [
            RegionRecord(first_id + i, int(spec.clip_id), float(spec.begin_s),
                         float(spec.end_s), _as_float(spec.low_hz), _as_float(spec.high_hz),
                         label, source, _as_float(spec.score), now, now,
                         UNREVIEWED if source in FOUND_SOURCES or (
                             source == "import" and spec.score is not None) else None,
                         stored_channel(spec.channel, clips[spec.clip_id].channels))
            for i, (spec, label) in enumerate(zip(specs, labels, strict=True))]
        conn.executemany(_INSERT, [_row(r) for r in records])
        conn.executemany(HISTORY_INSERT, [(r.id, r.clip_id, "add", None, json.dumps(region_fields(r)), now)
                                    for r in records])
        return records

    def update_region(self, region_id: int, *, begin_s=UNCHANGED, end_s=UNCHANGED,
                      low_hz=UNCHANGED, high_hz=UNCHANGED, label=UNCHANGED) -> RegionRecord:
        """Change the fields given (None clears a band or a label) in one transaction; returns
        the record as it was before, for :meth:`restore_regions` (undo). A new time or band is
        checked with :func:`validate_region` (RegionError when it does not fit); a label alone
        may change on a clip gone missing. A new label's class is created when missing."""
        with self._write() as conn:
            before = self._regions_by_ids(conn, [int(region_id)])
            if not before:
                raise RegionError(f"there is no region with id {region_id}")
            old = before[0]
            changes = {name: value for name, value in (
                ("begin_s", begin_s), ("end_s", end_s), ("low_hz", low_hz),
                ("high_hz", high_hz), ("label", label)) if value is not UNCHANGED}
            if "label" in changes:
                changes["label"] = clean_label(changes["label"])
            fields = {name: getattr(old, name)
                      for name in ("begin_s", "end_s", "low_hz", "high_hz", "label")}
            fields.update(changes)
            if changes.keys() - {"label"}:
                clip = self._clips_of({old.clip_id}).get(old.clip_id)
                reason = validate_region(clip, fields["begin_s"], fields["end_s"],
                                         fields["low_hz"], fields["high_hz"])
                if reason is not None:
                    raise RegionError(f"cannot change the region: {reason}")
            if all(fields[name] == getattr(old, name) for name in fields):
                return old
            if fields["label"] is not None:
                self._ensure_classes(conn, [fields["label"]])
            now = time.time()
            new = dataclasses.replace(old, begin_s=float(fields["begin_s"]),
                                      end_s=float(fields["end_s"]),
                                      low_hz=_as_float(fields["low_hz"]),
                                      high_hz=_as_float(fields["high_hz"]), label=fields["label"],
                                      modified=now)
            conn.execute(
                "UPDATE regions SET begin_s = ?, end_s = ?, low_hz = ?, high_hz = ?, label = ?, "
                "modified = ? WHERE id = ?",
                (new.begin_s, new.end_s, new.low_hz, new.high_hz, new.label, now, new.id))
            conn.execute(HISTORY_INSERT, (old.id, old.clip_id, "update", json.dumps(region_fields(old)),
                                    json.dumps(region_fields(new)), now))
        return old

    def import_regions(self, specs: Iterable[RegionSpec], updates: Mapping[int, RegionSpec]
                       ) -> tuple[list[RegionRecord], list[RegionRecord]]:
        """An import's regions added (source "import", as :meth:`add_regions`) and the regions
        its rows edited in another tool changed (:meth:`update_regions`), in one transaction,
        all or none. Returns (added, the changed records as they were): the undo is
        ``delete_regions(added ids)`` then ``restore_regions(before)``."""
        specs = list(specs)
        with self._write():  # the writes inside join this one
            added = self.add_regions(specs, "import") if specs else []
            return added, self.update_regions(updates) if updates else []

    def redo_import(self, added: Iterable[RegionRecord], updates: Mapping[int, RegionSpec]
                    ) -> list[RegionRecord]:
        """:meth:`import_regions` again after :meth:`undo_import`, in one transaction: the same
        records back and the same changes made; returns the changed records as they were."""
        with self._write():
            self.restore_regions(added)
            return self.update_regions(updates) if updates else []

    def undo_import(self, added: Iterable[RegionRecord], before: Iterable[RegionRecord]) -> None:
        """Take back :meth:`import_regions` in one transaction: ``added`` deleted, ``before``
        (the changed regions as they were) put back."""
        with self._write():
            self.delete_regions([r.id for r in added])
            self.restore_regions(before)

    def update_regions(self, updates: Mapping[int, RegionSpec]) -> list[RegionRecord]:
        """Set each region ``updates`` names (by id) to its spec's span, band, label and channel
        (a table edited in another tool and read back), all in one transaction or none: each
        is checked with :func:`validate_region` on its own clip (RegionError listing the bad
        ones, nothing written). Returns the records as they were, for :meth:`restore_regions`
        (undo). Source and score stay; a model's event nobody had reviewed, edited so, is a
        person's region (as :meth:`label_regions` makes it), which no later run replaces."""
        ids = [int(i) for i in updates]
        with self._write() as conn:
            before = {r.id: r for r in self._regions_by_ids(conn, ids)}
            unknown = sorted(set(ids) - before.keys())
            if unknown:
                raise RegionError(f"there is no region with id {unknown[0]}; nothing was changed")
            clips = self._clips_of({r.clip_id for r in before.values()})
            problems = [(index, reason) for index, (i, spec) in enumerate(updates.items())
                        if (reason := validate_region(
                            clips.get(before[int(i)].clip_id), spec.begin_s, spec.end_s,
                            spec.low_hz, spec.high_hz, spec.channel))]
            if problems:
                raise RegionError(_problems_message(problems, len(ids)), tuple(problems))
            now = time.time()
            new = [dataclasses.replace(
                before[int(i)], begin_s=float(spec.begin_s), end_s=float(spec.end_s),
                low_hz=_as_float(spec.low_hz), high_hz=_as_float(spec.high_hz),
                label=clean_label(spec.label), modified=now,
                channel=stored_channel(spec.channel, clips[before[int(i)].clip_id].channels),
                **({"source": "manual", "status": None}
                   if before[int(i)].status == UNREVIEWED else {}))
                for i, spec in updates.items()]
            self._ensure_classes(conn, sorted({r.label for r in new if r.label is not None}))
            conn.executemany(_INSERT.replace("INSERT", "INSERT OR REPLACE", 1),
                             [_row(r) for r in new])
            conn.executemany(HISTORY_INSERT, [(r.id, r.clip_id, "update", json.dumps(region_fields(
                before[r.id])), json.dumps(region_fields(r)), now) for r in new])
        return [before[i] for i in ids]

    def delete_regions(self, ids: Iterable[int]) -> list[RegionRecord]:
        """Delete the regions ``ids`` in one transaction; returns them as they were (ordered by
        clip, begin, id), for :meth:`restore_regions` (undo). An unknown id deletes nothing and
        raises RegionError."""
        ids = list(dict.fromkeys(int(i) for i in ids))
        with self._write() as conn:
            records = self._regions_by_ids(conn, ids)
            unknown = sorted(set(ids) - {r.id for r in records})
            if unknown:
                shown = ", ".join(str(i) for i in unknown[:5])
                raise RegionError(f"there is no region with id {shown}"
                                  f"{' ...' if len(unknown) > 5 else ''}; nothing was deleted")
            for chunk, marks in in_chunks(ids):
                conn.execute(f"DELETE FROM regions WHERE id IN ({marks})", chunk)
            now = time.time()
            conn.executemany(HISTORY_INSERT, [(r.id, r.clip_id, "delete", json.dumps(region_fields(r)), None,
                                         now) for r in records])
        return records

    def region_label_counts(self) -> dict[str, int]:
        """Class -> how many of a person's regions (manual, imported or accepted) carry it."""
        return dict(self._read("SELECT label, COUNT(*) FROM regions WHERE status IS NULL "
                               "AND label IS NOT NULL GROUP BY label"))

    def region_labels(self) -> dict[int, frozenset[str]]:
        """Clip id -> the classes of a person's regions (manual, imported or accepted) on it;
        clips without any left out."""
        labels: dict[int, set[str]] = {}
        for clip_id, label in self._read("SELECT DISTINCT clip_id, label FROM regions WHERE "
                                         "status IS NULL AND label IS NOT NULL"):
            labels.setdefault(clip_id, set()).add(label)
        return {clip_id: frozenset(names) for clip_id, names in labels.items()}

    def restore_regions(self, records: Iterable[RegionRecord]) -> None:
        """Put each record back exactly (same id, every field), in one transaction: the undo of
        :meth:`delete_regions` (the records it returned), of :meth:`update_region` and
        :meth:`review_region` (the one they returned) and, after deleting what it added, of
        :meth:`replace_model_regions`. Their clips must still be in the store (missing files
        too); a label's class is created when missing; a channel the file has lost since is
        every channel."""
        records = list(records)
        with self._write() as conn:
            clips = self._clips_of({r.clip_id for r in records})
            lost = sorted({r.clip_id for r in records} - clips.keys())
            if lost:
                raise RegionError(f"cannot restore regions of clip {lost[0]}: it is no longer in "
                                  f"{self.store_path}; nothing was restored")
            # A region back on a channel its file has lost since (written again) is on all.
            records = [r if (channel := stored_channel(r.channel, clips[r.clip_id].channels))
                       == r.channel else dataclasses.replace(r, channel=channel) for r in records]
            current = {r.id: r for r in self._regions_by_ids(conn, [r.id for r in records])}
            self._ensure_classes(conn, sorted({r.label for r in records if r.label is not None}))
            now = time.time()
            conn.executemany(_INSERT.replace("INSERT", "INSERT OR REPLACE", 1),
                             [_row(r) for r in records])
            conn.executemany(HISTORY_INSERT, [
                (r.id, r.clip_id, "restore",
                 json.dumps(region_fields(current[r.id])) if r.id in current else None,
                 json.dumps(region_fields(r)), now) for r in records])

    # ----------------------------------------------------------------- class edits

    def _relabel_regions(self, conn: sqlite3.Connection, old_names: list[str], new: str | None,
                         action: str) -> dict[int, str | None]:
        """Inside a class edit's transaction: every region labelled with one of ``old_names``
        now carries ``new`` (None: unlabelled), with history; returns region id -> label before.
        ``modified`` stays: the class changed, not the region."""
        marks = ",".join("?" * len(old_names))
        records = [region_from_row(row) for row in conn.execute(
            f"SELECT {REGION_COLUMNS} FROM regions WHERE label IN ({marks})", old_names)]
        return self._put_region_labels(conn, {r.id: new for r in records}, action, records)

    def _put_region_labels(self, conn: sqlite3.Connection, labels: dict[int, str | None],
                           action: str, records: list[RegionRecord] | None = None
                           ) -> dict[int, str | None]:
        """Give each region of ``labels`` (id -> label) its label, with a history line for each
        that changes; regions deleted since are skipped. Returns id -> label before."""
        if records is None:
            records = self._regions_by_ids(conn, list(labels))
        now = time.time()
        changed = [r for r in records if r.label != labels[r.id]]
        conn.executemany("UPDATE regions SET label = ? WHERE id = ?",
                         [(labels[r.id], r.id) for r in changed])
        conn.executemany(HISTORY_INSERT, [
            (r.id, r.clip_id, action, json.dumps(region_fields(r)),
             json.dumps({**region_fields(r), "label": labels[r.id]}), now) for r in changed])
        return {r.id: r.label for r in records}

    def _widen_lost_channels(self, conn: sqlite3.Connection, clip_id: int,
                             n_channels: int | None) -> None:
        """Inside a scan's transaction: a file written again with fewer channels (one, say)
        leaves its regions on a channel it no longer has on every channel, each with a history
        line. A file that cannot be read (``n_channels`` None) keeps them: it may be mended."""
        records = [record for record in (region_from_row(row) for row in conn.execute(
            f"SELECT {REGION_COLUMNS} FROM regions WHERE clip_id = ? AND channel IS NOT NULL",
            (clip_id,))) if stored_channel(record.channel, n_channels) is None]
        now = time.time()
        conn.executemany("UPDATE regions SET channel = NULL WHERE id = ?",
                         [(r.id,) for r in records])
        conn.executemany(HISTORY_INSERT, [(r.id, r.clip_id, "scan", json.dumps(region_fields(r)),
                                     json.dumps({**region_fields(r), "channel": None}), now)
                                    for r in records])

    # ----------------------------------------------------------------- helpers

    def _clips_of(self, clip_ids: Iterable[int]) -> dict[int, ClipRecord]:
        """Clip id -> its record (missing files too), for the ids that are in the store."""
        return {clip.id: clip for clip in self._clips_by_ids([int(i) for i in clip_ids])}

    def _regions_by_ids(self, conn: sqlite3.Connection, ids: list[int]) -> list[RegionRecord]:
        out: list[RegionRecord] = []
        for chunk, marks in in_chunks(ids):
            out.extend(region_from_row(row) for row in conn.execute(
                f"SELECT {REGION_COLUMNS} FROM regions WHERE id IN ({marks})", chunk))
        return sorted(out, key=lambda r: (r.clip_id, r.begin_s, r.id))

