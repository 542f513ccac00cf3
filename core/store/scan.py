"""The folder scan of a project: incremental by path, size and mtime, and the first-open label import;
and the project's file-name rule (which labels the files directly in the folder get from their names).

Mixins of :class:`core.store.project.Project`; they write through the Project's ``_write`` transactions.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import AudioError, EarmarkError
from core.paths import natural_order, undecodable_name
from core.store import label_rules
from core.store.classes import ClassesState
from core.store.moves import Known, file_fingerprint, moved_files, swapped_files
from core.store.name_rules import PREFIX_RULE, NameRule, infer_name_rule
from core.store.records import CHUNK, ClipRecord, ScanSummary, clean_label, get_meta, set_meta
from core.store.schema import FLAC_READ_AGAIN

SCAN_BATCH = 500
#: The words of a scan's warning about files it could not list (every scan repeats it).
NOT_LISTED = "not listed"



#: meta keys: the clips an undone add took back from the store, {path: [id, fingerprint]}, and the highest id
#: ever given a clip (see :class:`ClipIds`).
WITHDRAWN_KEY, ID_FLOOR_KEY = "withdrawn_clip_ids", "clip_id_floor"


class ClipIds:
    """The ids new clips get in one write transaction. A clip the store forgot (its file copied
    in by an add that was undone) keeps its id for its path: the add's redo brings the clip back
    under it, and the labels and regions later commands in the undo history name by it find it
    again. No other clip ever gets a forgotten id: SQLite would hand out the highest one again."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self._withdrawn = withdrawn_clip_ids(conn)
        floor = int(get_meta(conn, ID_FLOOR_KEY) or 0)
        highest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM clips").fetchone()[0]
        self._next = max(floor, highest) + 1

    def __call__(self, rel: str, fingerprint: str | None) -> int:
        """The id of a new clip at ``rel``: a forgotten clip's where its file is back (the
        same fingerprint: another file copied to that path is another clip), else the next."""
        kept = self._withdrawn.get(rel)
        if kept is not None and fingerprint is not None and kept[1] == fingerprint:
            del self._withdrawn[rel]
            set_meta(self._conn, WITHDRAWN_KEY, json.dumps(self._withdrawn))
            return kept[0]
        self._next += 1
        return self._next - 1


def withdraw_clip_ids(conn, clips: Iterable[tuple[int, str, str | None]]) -> None:
    """Keep the ids of clips about to be forgotten ((id, path, fingerprint)), by path, for
    :class:`ClipIds`."""
    withdrawn = withdrawn_clip_ids(conn)
    withdrawn.update({path: (int(clip_id), fingerprint) for clip_id, path, fingerprint in clips})
    if withdrawn:
        set_meta(conn, WITHDRAWN_KEY, json.dumps(withdrawn))
        floor = max(int(get_meta(conn, ID_FLOOR_KEY) or 0), *(i for i, _ in withdrawn.values()))
        set_meta(conn, ID_FLOOR_KEY, str(floor))


def withdrawn_clip_ids(conn) -> dict[str, tuple[int, str | None]]:
    """{path: (id, fingerprint)} of the clips an undone add took back from the store."""
    text = get_meta(conn, WITHDRAWN_KEY)
    # A bare id: kept so while the change that keeps them was being written, before it landed.
    return {path: (int(kept), None) if isinstance(kept, int) else (int(kept[0]), kept[1])
            for path, kept in json.loads(text).items()} if text else {}


def _stat(path: Path) -> os.stat_result | None:
    """A listed file's stat; a link whose file is gone, or in a loop, its own (its reading
    says why); None for one unreachable, or vanished since listing."""
    try:
        return path.stat()
    except OSError as error:
        if error.errno not in (errno.ENOENT, errno.ELOOP):
            return None
    try:
        return path.lstat()
    except OSError:
        return None


class ScanMixin:
    """``Project.scan`` and its helpers. Relies on the Project's ``folder``, ``_read``, ``_write``,
    ``_get_meta``, ``_ensure_classes``, ``classes``, ``_clips_by_ids`` and the regions'
    ``_widen_lost_channels``."""

    def scan(self, progress: Callable[[float, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             on_batch: Callable[[list[ClipRecord]], None] | None = None,
             paths: Iterable[str | Path] | None = None) -> ScanSummary:
        """Bring the store up to date with the folder, reading only what changed.

        Files are keyed by relative path, size and modification time: new files are added (their
        headers read), changed ones re-read (labels kept), vanished ones marked missing (labels
        kept), unchanged ones not touched. A new file that is a vanished (or missing) clip's file
        moved to another folder, or two files' names swapped (:mod:`core.store.moves`), is
        that clip, at its new path. The first
        scan of a project imports the labels the folder carries (class subfolders, file-name
        prefixes, ``labels.csv``, Edge Impulse's ``info.labels``, whose multi-label samples'
        spans become regions) with their source;
        later scans give new files a folder/file-name label only when it names an existing class.
        File names are read by the project's :meth:`~NameRuleMixin.name_rule`; the first scan of
        the whole folder infers it from the names of the files directly in the folder and keeps it.

        ``on_batch`` receives the ClipRecords added, changed or newly missing, in batches of
        ``SCAN_BATCH`` as each batch is committed. ``should_stop`` is polled between files;
        what was committed stays and the next scan goes on from there.

        ``paths`` (files inside the folder): look at only these, without listing the folder:
        those present are added or updated, those gone are marked missing. Adding a few files
        to a 20,000-clip project then costs the few files, not the project.
        """
        from core.audio import reading as audio  # imported late: scanning is the only user
        from core.audio.discovery import iter_audio_files

        started = time.perf_counter()
        should_stop = should_stop or (lambda: False)
        first_import = self._get_meta("labels_imported") is None
        flac_again = self._get_meta(FLAC_READ_AGAIN) is not None  # a store from before v8
        if progress:
            progress(0.0, f"listing {self.folder}")
        warnings: list[str] = []
        if paths is None:
            files = list(iter_audio_files(self.folder, on_unlisted=lambda folder, reason: (
                warnings.append(f"{folder.relative_to(self.folder).as_posix()}/: {NOT_LISTED} "
                                f"({reason}); the recordings in it are not here")),
                on_not_file=lambda path, kind: warnings.append(
                    f"{path.relative_to(self.folder).as_posix()}: {NOT_LISTED} ({kind}, not a "
                    "regular file); nothing is read from it")))
            wanted = None
        else:
            # A path outside the folder keeps its absolute form in relpath: not the store's.
            wanted = {rel for rel in map(self.relpath, paths) if not rel.startswith("/")}
            files = [self.folder / rel for rel in sorted(wanted, key=natural_order)
                     if (self.folder / rel).is_file()]
        known = {row[0]: Known(*row[1:]) for row in self._read(
            "SELECT path, id, size_bytes, mtime_ns, missing, label, label_source, fingerprint, "
            "error FROM clips")}
        class_names = {c.name for c in self.classes()}
        if first_import and wanted is None and self._stored_name_rule() is None:
            name_rule = infer_name_rule([p.stem for p in files if p.parent == self.folder])
            with self._write() as conn:
                self._put_name_rule(conn, name_rule)
        else:
            name_rule = self.name_rule()
        rule = label_rules.FolderLabels(
            self.folder, on_csv_error=lambda csv_path, error: warnings.append(
                f"{csv_path}: not used ({str(error).removeprefix(f'{csv_path.name}: ')})"),
            name_rule=name_rule)

        added = changed = unchanged = imported = regions_imported = 0
        files, rels = self._listable(files, warnings)
        stats: dict = {}  # every listed file's, once: moves are found by them, then read
        for index, (path, rel) in enumerate(zip(files, rels, strict=True)):
            if index % SCAN_BATCH == 0 and should_stop():
                break  # the loop below stops at once
            stats[rel] = _stat(path)
        whole = wanted is None and len(stats) == len(rels)
        swaps = swapped_files(self.folder, stats, known) if whole else {}
        moves = {**moved_files(self.folder, stats, known, {e.id for e in swaps.values()}),
                 **swaps} if whole else {}
        if moves:
            self._apply_moves(moves, known, class_names, rule)
            if on_batch:  # a view showing the old paths would label one file's clip by another
                on_batch(self._clips_by_ids([entry.id for entry in moves.values()]))
        unprinted: list[tuple[str | None, int]] = []  # (fingerprint, id): scanned before v6
        # (existing id or None, rel, size, mtime, info fields and note, (label, source) or None,
        # fingerprint)
        pending: list[tuple] = []
        seen: set[str] = set()
        stopped = False
        total = len(files)

        def flush() -> None:
            nonlocal imported
            if pending:
                records, n_labels = self._commit_scan_batch(pending)
                imported += n_labels
                pending.clear()
                if on_batch:
                    on_batch(records)

        for index, (path, rel) in enumerate(zip(files, rels, strict=True)):
            if should_stop():
                stopped = True
                break
            seen.add(rel)
            stat = stats[rel]
            if stat is None:
                continue  # vanished while listing: the next scan sees it gone
            old = known.get(rel)
            same = old is not None and old.size == stat.st_size \
                and old.mtime_ns == stat.st_mtime_ns and not old.missing \
                and not (flac_again and rel.lower().endswith(".flac"))
            # Unchanged, unless it could not be read for a fault not in its bytes (a
            # permission since given, a share that was down): read again.
            if same and (old.error is None or audio.is_content_fault(old.error)):
                unchanged += 1
                if old.fingerprint is None:  # scanned before fingerprints were kept: once
                    unprinted.append((file_fingerprint(path), old.id))
            else:
                try:
                    head = audio.info(path)
                    fields = (head.duration_s, head.sample_rate_hz, head.channels, None,
                              head.note)
                except AudioError as error:
                    fields = (None, None, None, error.reason, None)
                if same and fields[3] == old.error:  # read again, and as it was: no news
                    unchanged += 1
                    continue
                new_label = None
                if old is None:
                    added += 1
                    new_label = self._label_for_new(path, first_import, class_names, rule)
                    if new_label is not None:
                        class_names.add(new_label[0])
                elif rel not in moves:
                    changed += 1
                pending.append((old.id if old else None, rel, stat.st_size, stat.st_mtime_ns,
                                *fields, new_label, file_fingerprint(path)))
                if len(pending) >= SCAN_BATCH:
                    flush()
            if progress and (index % 200 == 0 or index == total - 1):
                progress((index + 1) / max(total, 1), f"scanning {rel}")
        flush()
        if unprinted:
            with self._write() as conn:
                conn.executemany("UPDATE clips SET fingerprint = ? WHERE id = ?", unprinted)

        newly_missing = 0
        if not stopped:
            gone = [(info.id,) for rel, info in known.items()
                    if rel not in seen and not info.missing and (wanted is None or rel in wanted)]
            if gone:
                with self._write() as conn:
                    conn.executemany("UPDATE clips SET missing = 1 WHERE id = ?", gone)
                newly_missing = len(gone)
                if on_batch:
                    ids = [g[0] for g in gone]
                    for start in range(0, len(ids), SCAN_BATCH):
                        on_batch(self._clips_by_ids(ids[start:start + SCAN_BATCH]))
            if flac_again and wanted is None:
                with self._write() as conn:
                    set_meta(conn, FLAC_READ_AGAIN, None)
            if first_import and wanted is None:
                for labels_file, rows in rule.rows_naming_no_file(rels):
                    shown = ", ".join(rows[:3]) + (f" and {len(rows) - 3:,} more"
                                                   if len(rows) > 3 else "")
                    n = len(rows)
                    warnings.append(f"{labels_file}: {n:,} row{'s name' if n != 1 else ' names'} "
                                    f"no audio file here, {'their labels' if n != 1 else 'its label'}"
                                    f" not used ({shown})")
                regions_imported = self._import_edge_impulse_spans(rule, warnings)
                with self._write() as conn:
                    set_meta(conn, "labels_imported", str(time.time()))
        if progress:
            progress(1.0, "scan stopped" if stopped else "scan finished")
        present, unreadable = self._read(
            "SELECT COUNT(*), COUNT(error) FROM clips WHERE missing = 0")[0]
        return ScanSummary(total=present, added=added, changed=changed, unchanged=unchanged,
                           missing=newly_missing, unreadable=unreadable,
                           labels_imported=imported, stopped=stopped,
                           elapsed_s=time.perf_counter() - started, warnings=tuple(warnings),
                           regions_imported=regions_imported, moved=len(moves))

    def _listable(self, files: Iterable[str | Path],
                  warnings: list[str]) -> tuple[list[Path], list[str]]:
        """The files the store can keep, and their paths in the folder: one whose name is not
        UTF-8 text cannot be kept (the store keeps names as text) and is named in ``warnings``."""
        kept: list[Path] = []
        rels: list[str] = []
        for path in map(Path, files):
            rel = path.relative_to(self.folder).as_posix()
            shown = undecodable_name(rel)
            if shown is not None:
                warnings.append(f"{shown}: {NOT_LISTED}, as its name is not UTF-8 text (written "
                                "by another system's encoding); rename it to list it")
                continue
            kept.append(path)
            rels.append(rel)
        return kept, rels

    def _apply_moves(self, moves: dict[str, Known], known: dict[str, Known],
                     class_names: set[str], rule: label_rules.FolderLabels) -> None:
        """Give each moved clip its new path, and the class its new place names
        (:meth:`_label_for_moved`), before any file is read (a file now at its old path is a
        new clip's; a scan stopped before it reads the moved file leaves nothing to redo), and
        re-key ``known``: the clip is read again at its new path."""
        if len({entry.id for entry in moves.values()}) != len(moves):
            raise ValueError("a clip moved to two paths")
        now = time.time()
        with self._write() as conn:
            # Paths swapped: each leaves its path before any takes another (paths are unique).
            conn.executemany("UPDATE clips SET path = ? WHERE id = ?",
                             [(f"//moving/{entry.id}", entry.id) for entry in moves.values()])
            for rel, entry in moves.items():
                conn.execute("UPDATE clips SET path = ? WHERE id = ?", (rel, entry.id))
                new_label = self._label_for_moved(self.folder / rel, entry, class_names, rule)
                if new_label is not None:
                    conn.execute("UPDATE clips SET label = ?, label_source = ? WHERE id = ?",
                                 (*new_label, entry.id))
                    conn.execute(
                        "INSERT INTO label_history(clip_id, old_label, old_source, new_label,"
                        " new_source, changed_at, action) VALUES (?, ?, ?, ?, ?, ?, 'scan')",
                        (entry.id, entry.label, entry.label_source, *new_label, now))
        ids = {entry.id for entry in moves.values()}
        for rel in [rel for rel, entry in known.items() if entry.id in ids]:
            del known[rel]
        for rel, entry in moves.items():
            known[rel] = entry._replace(size=None, mtime_ns=None, missing=True)

    def _label_for_moved(self, path: Path, entry: Known, class_names: set[str],
                         rule: label_rules.FolderLabels) -> tuple[str, str] | None:
        """A moved clip's new (label, source) where its label came from its folder or its name
        and its new place names another class the project has (a file moved from dog/ to cat/
        is how a class-folder data set is relabelled); else None, its label kept."""
        if entry.label_source not in ("folder", "filename"):
            return None
        label = self._label_for_new(path, False, class_names, rule)
        return label if label is not None and label[0] != entry.label else None

    def _import_edge_impulse_spans(self, rule: label_rules.FolderLabels,
                                   warnings: list[str]) -> int:
        """At the first scan, as the whole-sample labels are read: the labelled spans of Edge
        Impulse's multi-label samples in the info.labels files the folder carries, added as
        regions (source "import"). A file with a span that cannot be placed imports none of
        them and is named in ``warnings``. Returns how many regions were added."""
        from core.store import region_io  # imported late: only a first scan reads spans

        added = 0
        for path in rule.edge_impulse_files():
            try:
                if region_io.file_kind(path) == "labels":
                    continue  # whole-sample labels only, read already
                specs = region_io.plan_regions_files(self, [(path, None)]).specs
            except EarmarkError as error:
                warnings.append(f"{path}: its spans were not imported ({error})")
                continue
            if specs:
                added += len(self.add_regions(specs, source="import"))
        return added

    def _label_for_new(self, path: Path, first_import: bool, class_names: set[str],
                       rule: label_rules.FolderLabels) -> tuple[str, str] | None:
        """A new file's (label, source): on the first scan by the folder-label rule (the command
        line's too); later only a folder or file-name label naming a class the project has."""
        label, source = rule.label_of(path) if first_import else rule.place_label(path)
        label = clean_label(label)  # a labels file's name may hold a newline or worse
        if label is None or not (first_import or label in class_names):
            return None
        return label, source

    def _commit_scan_batch(self, pending: list[tuple]) -> tuple[list[ClipRecord], int]:
        now = time.time()
        ids: list[int] = []
        n_labels = 0
        with self._write() as conn:
            # The batch's new classes in the order a person counts them (call2 before call10),
            # so their list and keys are not in the order the files came.
            self._ensure_classes(conn, {row[9][0] for row in pending if row[0] is None and row[9]})
            new_id = ClipIds(conn)
            for old_id, rel, size, mtime, dur, rate, chans, err, note, new_label, print_ in pending:
                if old_id is None:
                    label, source = new_label if new_label else (None, None)
                    clip_id = new_id(rel, print_)
                    conn.execute(
                        "INSERT INTO clips(id, path, size_bytes, mtime_ns, duration_s, "
                        "sample_rate_hz, channels, error, missing, label, label_source, "
                        "fingerprint, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                        (clip_id, rel, size, mtime, dur, rate, chans, err, label, source,
                         print_, note))
                    if label is not None:  # its class was added with the batch's, above
                        conn.execute(
                            "INSERT INTO label_history(clip_id, old_label, old_source, new_label,"
                            " new_source, changed_at, action) VALUES (?, NULL, NULL, ?, ?, ?, "
                            "'scan')", (clip_id, label, source, now))
                        n_labels += 1
                else:
                    clip_id = old_id
                    conn.execute(
                        "UPDATE clips SET path = ?, size_bytes = ?, mtime_ns = ?, duration_s = ?, "
                        "sample_rate_hz = ?, channels = ?, error = ?, missing = 0, "
                        "fingerprint = ?, note = ? WHERE id = ?",
                        (rel, size, mtime, dur, rate, chans, err, print_, note, clip_id))
                    self._widen_lost_channels(conn, clip_id, chans)
                ids.append(clip_id)
        return self._clips_by_ids(ids), n_labels


# --------------------------------------------------------------------------- the file-name rule

_NAME_RULE_KEY = "name_rule"
_ROOT_CLIPS = "instr(path, '/') = 0"  # a clip directly in the folder


@dataclass(frozen=True)
class NameRuleState:
    """What :meth:`NameRuleMixin.apply_name_rule` replaced: the rule the store kept before (None
    when it kept none) and, in ``classes``, the class list and the previous ``(label, source)``
    of every clip it relabelled. A plain value for an undo command to hand back to
    :meth:`NameRuleMixin.restore_name_rule`."""

    rule: NameRule | None
    classes: ClassesState

    @property
    def labels_changed(self) -> bool:
        return bool(self.classes.labels)


class NameRuleMixin:
    """The project's file-name rule. Relies on the Project's ``_read``, ``_write``, ``_get_meta``
    and the class edits' ``_classes_now``, ``_renumber``, ``restore_classes`` and ``_apply``."""

    def name_rule(self) -> NameRule:
        """The rule that reads labels from the names of the files directly in the folder: the one
        the store keeps; for a store whose labels were imported before it kept one, the prefix
        rule that imported them; else the rule that suits the names of the folder's clips."""
        stored = self._stored_name_rule()
        if stored is not None:
            return stored
        if self._get_meta("labels_imported") is not None:
            return PREFIX_RULE
        return infer_name_rule(self.root_stems())

    def root_stems(self) -> list[str]:
        """The names (without suffix) of the present clips directly in the folder, by path, from
        the store (no disk access): what a file-name rule is previewed on."""
        return [PurePosixPath(path).stem for (path,) in self._read(
            f"SELECT path FROM clips WHERE missing = 0 AND {_ROOT_CLIPS} ORDER BY path")]

    def apply_name_rule(self, rule: NameRule) -> NameRuleState:
        """Keep ``rule`` as the project's file-name rule and relabel by it, in one transaction,
        every clip directly in the folder whose label came from its name (source ``filename``)
        or that has none; a clip the rule gives no label loses its file-name label. Labels from
        a person, a CSV, folders or a model are never touched. Classes the rule names are
        created; classes it leaves without clips (those the old rule made) are removed. Each
        relabelled clip gets a ``name_rule`` line in its history. Returns the state before, for
        :meth:`restore_name_rule`."""
        with self._write() as conn:
            before = NameRuleState(self._stored_name_rule(), ClassesState(self._classes_now(conn)))
            plan: dict[int, tuple[str | None, str | None]] = {}
            for clip_id, path, label, source in conn.execute(
                    f"SELECT id, path, label, label_source FROM clips WHERE {_ROOT_CLIPS} "
                    "AND (label IS NULL OR label_source = 'filename')"):
                new = rule.label_of(PurePosixPath(path).stem)
                target = (new, "filename") if new is not None else (None, None)
                if target != (label, source if label is not None else None):
                    plan[clip_id] = target
            self._remove_emptied_classes(conn, plan)
            previous = self._apply(conn, plan, "name_rule") if plan else {}
            self._put_name_rule(conn, rule)
        return NameRuleState(before.rule, ClassesState(before.classes.classes, previous))

    def restore_name_rule(self, state: NameRuleState) -> None:
        """Put back what :meth:`apply_name_rule` returned (undo), in one transaction: the rule,
        each relabelled clip's label and the class list (see ``restore_classes``)."""
        with self._write() as conn:
            self._put_name_rule(conn, state.rule)
            self.restore_classes(state.classes)  # joins this transaction

    def _remove_emptied_classes(self, conn, plan: dict[int, tuple[str | None, str | None]]) -> None:
        """Remove the classes whose every clip ``plan`` moves elsewhere, before the plan is
        applied, so the classes it creates can take their colours and keys."""
        new_names = {label for label, _ in plan.values()}
        moved: dict[str, int] = {}
        ids = list(plan)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for (label,) in conn.execute(
                    f"SELECT label FROM clips WHERE label IS NOT NULL AND id IN ({marks})", chunk):
                moved[label] = moved.get(label, 0) + 1
        # A class regions still carry stays, or their labels would name no class.
        emptied = [name for name, n in moved.items() if name not in new_names
                   and n == conn.execute("SELECT COUNT(*) FROM clips WHERE label = ?",
                                         (name,)).fetchone()[0]
                   and not conn.execute("SELECT 1 FROM regions WHERE label = ?",
                                        (name,)).fetchone()]
        if emptied:
            conn.executemany("DELETE FROM classes WHERE name = ?", [(n,) for n in emptied])
            self._renumber(conn)

    def _stored_name_rule(self) -> NameRule | None:
        text = self._get_meta(_NAME_RULE_KEY)
        if text is None:
            return None
        try:
            return NameRule.from_json(text)
        except EarmarkError:
            return None  # written by something else: the rule is found again

    def _put_name_rule(self, conn, rule: NameRule | None) -> None:
        set_meta(conn, _NAME_RULE_KEY, None if rule is None else rule.to_json())
