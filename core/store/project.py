"""The project store: one folder of audio plus a SQLite database that never loses a label.

A project is a folder of audio (scanned recursively) and its store, by default
``<folder>/.earmark/project.sqlite``. When the folder cannot be written, or a ``store_dir`` is
given, the store lives elsewhere (the per-user data dir, see :mod:`core.store.store_place`) and
``Project.store_note`` says where. The store never writes, moves or deletes audio.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so every committed
transaction has been fsynced when the call returns; every label change (one clip or a thousand)
is exactly one transaction, so a SIGKILL or power cut leaves each label at its old or its new
value; regions keep the same promise. This module owns opening, transactions, clips and labels;
the scan, the classes, the models and the regions are mixins of ``Project`` in
:mod:`core.store.scan`, :mod:`core.store.classes`, :mod:`core.store.model_records` and
:mod:`core.store.regions`; the values it hands out are in :mod:`core.store.records`; schema and
migrations in :mod:`core.store.schema`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from core.errors import (
    EarmarkError,
    ProjectBusyError,
    ProjectDamagedError,
    ProjectError,
    ProjectStoreGoneError,
    os_reason,
)
from core.store import store_backup
from core.store.classes import ClassesMixin
from core.store.model_records import ModelsMixin
from core.store.records import (
    CLIP_COLUMNS,
    LABEL_SOURCES,
    PALETTE,
    ClassInfo,
    ClipRecord,
    LabelChange,
    ModelRecord,
    PredictionRecord,
    RegionChange,
    RegionRecord,
    RegionSpec,
    ScanSummary,
    clean_label,
    clip_from_row,
    get_meta,
    in_chunks,
)
from core.store.region_review import RegionReviewMixin
from core.store.regions import UNCHANGED, RegionsMixin, validate_region
from core.store.scan import (
    SCAN_BATCH,
    NameRuleMixin,
    NameRuleState,
    ScanMixin,
    withdraw_clip_ids,
)
from core.store.schema import SCHEMA_VERSION, migrate
from core.store.store_place import (
    STORE_DIRNAME,
    STORE_FILENAME,
    can_hold_store,
    choose_store_dir,
    default_store_dir,
    existing_store_dir,
    last_written,
)

DEFAULT_BUSY_TIMEOUT_S = 5.0


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Project(ScanMixin, NameRuleMixin, ClassesMixin, ModelsMixin, RegionsMixin,
              RegionReviewMixin):
    """A folder of audio and its store.

    Threading rule: one ``Project`` object per thread. The SQLite connection is opened with
    ``check_same_thread=True``, so using an object from another thread raises instead of
    corrupting anything; a GUI scanning in a worker thread opens its own ``Project`` for the same
    folder there (SQLite WAL lets the readers and the one writer share the file, and writers wait
    up to ``busy_timeout_s`` for each other, then raise ``ProjectBusyError``).

    Every method that changes something is one transaction, durable when it returns.
    """

    def __init__(self, folder: Path, store_path: Path, conn: sqlite3.Connection,
                 store_note: str | None) -> None:
        self.folder = folder
        self.store_path = store_path
        self.store_note = store_note
        self._conn = conn
        # Reads kept until the store changes (see _cached): this connection's finished writes,
        # counted, and SQLite's data_version, which moves when another connection commits.
        self._writes = 0
        self._cache: dict = {}
        self._cache_version: tuple[int, int] | None = None
        self._opened_version = self._version()
        try:  # held to tell a store deleted from one moved (store_deleted)
            self._store_fd: int | None = os.open(store_path, os.O_RDONLY)
        except OSError:
            self._store_fd = None

    # ----------------------------------------------------------------- open / close

    @classmethod
    def open(cls, folder: str | Path, store_dir: str | Path | None = None,
             busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S, afresh: bool = False) -> Project:
        """Open (creating if needed) the store of ``folder``; does not scan (call ``scan()``).
        A store that is gone while Earmark holds a copy of it raises ProjectStoreGoneError
        naming the copy, unless ``afresh`` (a person chose to start a new one)."""
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise ProjectError(f"{folder}: not a folder")
        if store_dir is not None:
            sdir = Path(store_dir).expanduser().resolve()
            if not can_hold_store(sdir):
                raise ProjectError(f"cannot write the project store in {sdir}; "
                                   "choose a writable place with --project")
            note = f"the project store is kept at {sdir / STORE_FILENAME}"
        else:
            sdir, note = choose_store_dir(folder, afresh)
        store_path = sdir / STORE_FILENAME
        if not store_path.exists():
            if not afresh:  # a store kept elsewhere by choice (--project) starts empty
                _refuse_gone_store(store_path, None if store_dir is not None else
                                   folder / STORE_DIRNAME / STORE_FILENAME)
            try:  # a gone store's log is no new one's
                store_backup.set_aside_side_files(store_path)
            except OSError as error:
                raise ProjectError(f"{store_path}: the log of a store no longer there cannot be "
                                   f"moved aside ({os_reason(error)})") from None
        conn = _connect(store_path, busy_timeout_s)
        try:
            project = cls(folder, store_path, conn, note)
        except BaseException:
            conn.close()
            raise
        try:
            # Reopening writes nothing, so it succeeds while another program is writing.
            if project._get_meta("folder") is None:
                with project._write() as conn:
                    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('folder', ?)",
                                 (str(folder),))
        except BaseException:
            project.close()  # its connection and its handle on the store file
            raise
        return project

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._store_fd is not None:
            os.close(self._store_fd)
            self._store_fd = None

    def store_deleted(self) -> bool:
        """Whether the store file was deleted while open (with its folder, say): what is kept
        now goes to no file a later open finds, and is lost when the store is closed. A store
        moved or renamed (its folder with it) is not deleted."""
        try:
            return self._store_fd is not None and os.fstat(self._store_fd).st_nlink == 0
        except OSError:
            return False

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------- plumbing

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError(f"the project store {self.store_path} is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock up front (waiting up to
        busy_timeout), so a busy project fails before anything is changed. Any failure inside
        rolls everything back; SQLite errors come out as ProjectError (ProjectBusyError when
        busy) naming the store file, other exceptions unchanged. A write inside a write joins
        it: the outer one commits or rolls back the whole."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise self._busy() from error
            raise self._damaged(error) from error
        try:
            yield conn
            conn.execute("COMMIT")
            self._writes += 1
        except BaseException as error:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if isinstance(error, sqlite3.OperationalError) and _is_busy(error):
                raise self._busy() from error
            if isinstance(error, sqlite3.DatabaseError) and not isinstance(
                    error, sqlite3.IntegrityError):
                raise self._damaged(error) from error
            if isinstance(error, sqlite3.Error):
                # A constraint or trigger refusing the change (or any other SQLite error) is not
                # damage: the store is intact and the rollback above left it as it was.
                raise ProjectError(f"cannot change the project store {self.store_path} ({error}); "
                                   "nothing was changed") from error
            raise

    def _busy(self) -> ProjectBusyError:
        return ProjectBusyError(
            f"project is busy: {self.store_path} is being changed by another program")

    def _damaged(self, error: Exception) -> ProjectError:
        return _store_error(self.store_path, error)

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as error:
            raise self._read_error(error) from error

    def _read_error(self, error: sqlite3.DatabaseError) -> ProjectError:
        if isinstance(error, sqlite3.OperationalError) and _is_busy(error):
            return self._busy()
        return self._damaged(error)

    def _cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, done once while the store is unchanged: a window's views that each
        read a night's thousands of regions after one edit share one read. Not cached inside a
        write (it could still roll back). The value is shared: return it immutable."""
        if self.conn.in_transaction:
            return compute()
        version = self._version()
        if version != self._cache_version:
            self._cache.clear()
            self._cache_version = version
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _version(self) -> tuple[int, int]:
        """Moves with every commit to the store: this connection's (counted) and any other's
        (SQLite's data_version)."""
        return self._writes, self._read("PRAGMA data_version")[0][0]

    def back_up(self) -> Path | None:
        """A copy of the store in its ``backups`` folder (``store_backup.back_up``), unless
        nothing was committed since this Project opened and a copy exists already. Returns the
        copy, or None."""
        if self._version() == self._opened_version and store_backup.backups(self.store_path):
            return None
        return store_backup.back_up(self.conn, self.store_path)

    @property
    def store_token(self) -> str | None:
        """This store's own random token (schema v10): a region of it is ``token-id`` in the
        tables Earmark writes (region_known.region_ref)."""
        return self._get_meta("store_token")

    def _get_meta(self, key: str) -> str | None:
        try:
            return get_meta(self.conn, key)
        except sqlite3.DatabaseError as error:
            raise self._read_error(error) from error

    # ----------------------------------------------------------------- clips

    def abspath(self, record_or_path: ClipRecord | str) -> Path:
        rel = record_or_path.path if isinstance(record_or_path, ClipRecord) else record_or_path
        return self.folder.joinpath(*PurePosixPath(rel).parts)

    def export_destination(self, dest: str | Path, what: str) -> Path:
        """``dest`` made absolute, for an export that writes ``what`` (audio) there; EarmarkError
        when it lies inside the folder, whose next scan would take them in as clips of their
        own beside the recordings they came from."""
        dest = Path(dest).expanduser().resolve()
        if dest.is_relative_to(self.folder):
            raise EarmarkError(f"{dest}: lies inside {self.folder}, whose next scan would take "
                               f"the {what} in as clips of their own: choose a folder outside it")
        return dest

    def relpath(self, path: str | Path) -> str:
        """The store's key for ``path`` (absolute, or relative to the folder; any separators)."""
        text = str(path).replace("\\", "/")
        candidate = Path(text)
        if candidate.is_absolute():
            try:
                text = candidate.resolve().relative_to(self.folder).as_posix()
            except (ValueError, RuntimeError, OSError):  # outside; a loop of links
                text = candidate.as_posix()
        return PurePosixPath(text).as_posix().removeprefix("./")

    def clips(self, label: str | None = None, unlabeled: bool = False, source: str | None = None,
              readable: bool | None = None, include_missing: bool = False) -> list[ClipRecord]:
        """Clips sorted by path, filtered; missing files are left out unless asked for."""
        where, params = [], []
        if not include_missing:
            where.append("missing = 0")
        if label is not None:
            where.append("label = ?")
            params.append(label)
        if unlabeled:
            where.append("label IS NULL")
        if source is not None:
            where.append("label_source = ?")
            params.append(source)
        if readable is True:
            where.append("error IS NULL")
        elif readable is False:
            where.append("error IS NOT NULL")
        sql = f"SELECT {CLIP_COLUMNS} FROM clips"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY path"
        return [clip_from_row(row) for row in self._read(sql, params)]

    def clip(self, clip_id: int) -> ClipRecord | None:
        rows = self._read(f"SELECT {CLIP_COLUMNS} FROM clips WHERE id = ?", (clip_id,))
        return clip_from_row(rows[0]) if rows else None

    def clip_ids_by_path(self, include_missing: bool = False) -> dict[str, int]:
        sql = "SELECT path, id FROM clips" + ("" if include_missing else " WHERE missing = 0")
        return dict(self._read(sql))

    def present_clip_ids(self, clip_ids: Iterable[int]) -> set[int]:
        """Those of ``clip_ids`` that name a clip here whose file is present (not missing)."""
        found: set[int] = set()
        for chunk, marks in in_chunks(list(clip_ids)):
            found.update(i for (i,) in self._read(
                f"SELECT id FROM clips WHERE missing = 0 AND id IN ({marks})", chunk))
        return found

    def _clips_by_ids(self, ids: list[int]) -> list[ClipRecord]:
        out: list[ClipRecord] = []
        for chunk, marks in in_chunks(ids):
            out.extend(clip_from_row(r) for r in self._read(
                f"SELECT {CLIP_COLUMNS} FROM clips WHERE id IN ({marks}) ORDER BY path", chunk))
        return out

    def mark_unreadable(self, reasons: Mapping[int, str]) -> list[ClipRecord]:
        """Record why each clip (``{clip_id: reason}``) could not be read when its samples were
        (NaN samples behind a sound header: the scan reads headers only); the next scan that
        finds the file changed reads it again. Returns the clips as they are now."""
        if not reasons:
            return []
        with self._write() as conn:
            conn.executemany("UPDATE clips SET error = ? WHERE id = ?",
                             [(str(reason), int(i)) for i, reason in reasons.items()])
        return self._clips_by_ids([int(i) for i in reasons])

    def forget_missing_clips(self, clip_ids: Iterable[int]) -> int:
        """Drop from the store those of ``clip_ids`` whose files are gone (missing), with their
        labels' history, predictions and regions: for copies the app made and took back (an
        undone add), which would otherwise stay listed as missing. A clip whose file is there is
        kept. Returns how many were dropped."""
        ids = [int(i) for i in clip_ids]
        dropped = 0
        with self._write() as conn:
            for chunk, marks in in_chunks(ids):
                rows = conn.execute(
                    f"SELECT id, path, fingerprint FROM clips WHERE missing = 1 AND id IN "
                    f"({marks})", chunk).fetchall()
                if not rows:
                    continue
                withdraw_clip_ids(conn, rows)  # the add's redo brings each back under its id
                gone = [row[0] for row in rows]
                marks = ", ".join("?" * len(gone))
                for table in ("label_history", "predictions", "region_history", "regions"):
                    conn.execute(f"DELETE FROM {table} WHERE clip_id IN ({marks})", gone)
                conn.execute(f"DELETE FROM clips WHERE id IN ({marks})", gone)
                dropped += len(gone)
        return dropped

    # ----------------------------------------------------------------- labels

    def set_labels(self, clip_ids: Iterable[int], label: str | None,
                   source: str = "manual") -> dict[int, tuple[str | None, str | None]]:
        """Give every clip ``label`` (None clears it) in one transaction.

        Returns ``{clip_id: (old_label, old_source)}`` for :meth:`restore_labels` (undo).
        A label naming no class adds the class. Unknown clip ids change nothing and raise.
        """
        ids = list(dict.fromkeys(int(i) for i in clip_ids))
        label = clean_label(label)
        new_source = source if label is not None else None
        with self._write() as conn:
            return self._apply(conn, {i: (label, new_source) for i in ids}, "set")

    def apply_labels(self, changes: Mapping[int, str | None], source: str,
                     action: str = "import", keep_same_label: bool = False
                     ) -> dict[int, tuple[str | None, str | None]]:
        """Give each clip its own label (``{clip_id: label}``) in one transaction.
        ``keep_same_label``: a clip that already carries its label keeps it and its source
        (folder, manual...) and is left out of the result, which then names only the clips
        changed."""
        plan = {}
        for clip_id, label in changes.items():
            label = clean_label(label)
            plan[int(clip_id)] = (label, source if label is not None else None)
        with self._write() as conn:
            return self._apply(conn, plan, action, keep_same_label)

    def restore_labels(self, previous: Mapping[int, tuple[str | None, str | None]]) -> None:
        """Put back labels returned by :meth:`set_labels` (undo), in one transaction."""
        plan = {int(i): (clean_label(lab), src if lab is not None else None)
                for i, (lab, src) in previous.items()}
        with self._write() as conn:
            self._apply(conn, plan, "restore")

    def _apply(self, conn: sqlite3.Connection, plan: dict[int, tuple[str | None, str | None]],
               action: str, keep_same_label: bool = False
               ) -> dict[int, tuple[str | None, str | None]]:
        ids = list(plan)
        old: dict[int, tuple[str | None, str | None]] = {}
        for chunk, marks in in_chunks(ids):
            for clip_id, lab, src in conn.execute(
                    f"SELECT id, label, label_source FROM clips WHERE id IN ({marks})", chunk):
                old[clip_id] = (lab, src)
        unknown = [i for i in ids if i not in old]
        if unknown:
            shown = ", ".join(str(i) for i in unknown[:5])
            raise ProjectError(f"no clip with id {shown}{' ...' if len(unknown) > 5 else ''} "
                               f"in {self.store_path}")
        if keep_same_label:
            ids = [i for i in ids if old[i][0] != plan[i][0]]
            plan = {i: plan[i] for i in ids}
        self._ensure_classes(conn, sorted({lab for lab, _ in plan.values() if lab is not None}))
        now = time.time()
        updates, history = [], []
        for clip_id, (lab, src) in plan.items():
            if old[clip_id] == (lab, src):
                continue
            updates.append((lab, src, clip_id))
            history.append((clip_id, *old[clip_id], lab, src, now, action))
        conn.executemany("UPDATE clips SET label = ?, label_source = ? WHERE id = ?", updates)
        conn.executemany(
            "INSERT INTO label_history(clip_id, old_label, old_source, new_label, new_source, "
            "changed_at, action) VALUES (?, ?, ?, ?, ?, ?, ?)", history)
        return {i: old[i] for i in ids}

    def label_history(self, clip_id: int | None = None) -> list[LabelChange]:
        """Every label change of a clip (None: of every clip), oldest first."""
        sql = ("SELECT clip_id, old_label, old_source, new_label, new_source, changed_at, action "
               "FROM label_history")
        if clip_id is None:
            return [LabelChange(*row) for row in self._read(f"{sql} ORDER BY id")]
        return [LabelChange(*row) for row in self._read(
            f"{sql} WHERE clip_id = ? ORDER BY id", (clip_id,))]

    def label_counts(self) -> dict[str | None, int]:
        return dict(self._read(
            "SELECT label, COUNT(*) FROM clips WHERE missing = 0 GROUP BY label"))


# --------------------------------------------------------------------- helpers


def _unwritable_error(store_path: Path, error: Exception) -> ProjectError | None:
    """The error for a store that is sound but cannot be written where it is (its disk full,
    it or its disk made read-only, or not answering), None for any other: told it was damaged,
    a person would move it aside and lose the labels set by hand."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    if code & 0xFF == sqlite3.SQLITE_FULL:
        return ProjectError(f"cannot save to the project store {store_path}: the disk is full "
                            f"({error}); nothing was changed, and what was saved before is "
                            "safe; free some space on that disk and do it again")
    if code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return ProjectError(f"cannot write the project store {store_path} ({error}): it or its "
                            "disk is read-only now, or no longer there; nothing was changed")
    if code & 0xFF == sqlite3.SQLITE_IOERR:
        return ProjectError(f"cannot read or write the project store {store_path} ({error}): "
                            "its disk failed to answer (unplugged, a network share down?); "
                            "nothing was changed, and the store is not known to be damaged: "
                            "check the disk and try again")
    return None


def _store_error(store_path: Path, error: Exception) -> ProjectError:
    """What a SQLite error of the store says to a person: that it cannot be written where it
    is (:func:`_unwritable_error`), else that it is damaged."""
    return _unwritable_error(store_path, error) or _damaged_error(store_path, str(error))


def _damaged_error(store_path: Path, detail: str) -> ProjectDamagedError:
    copy = store_backup.newest_sound(store_path)
    if copy is not None:
        remedy = (f"Earmark's copy of {store_backup.made_at(copy)} holds everything up to then: "
                  f"put {copy} in its place (the window offers to)")
    else:
        remedy = ("move it aside and reopen the folder to rebuild it from the audio; labels set "
                  "by hand since the last export would need the CSV")
    return ProjectDamagedError(store_path, f"the project store {store_path} is damaged "
                                           f"({detail}); {remedy}", copy)


def _refuse_gone_store(store_path: Path, own: Path | None) -> None:
    """Raise ProjectStoreGoneError where ``store_path`` is gone but a sound copy of it is kept.
    ``own``: the folder's own store, which a read-only folder's afresh starts from."""
    copy = store_backup.newest_sound(store_path)
    if copy is None:
        return
    instead = None
    written = None if own is None or own == store_path else last_written(own.parent)
    if written is not None:
        instead = ("the folder's own store, older (last written "
                   f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(written))})")
    raise ProjectStoreGoneError(
        store_path, f"the project store {store_path} is gone (deleted?), and with it the "
        f"labels and regions; Earmark's copy of {store_backup.made_at(copy)} holds them up to "
        f"then: put {copy} in its place (the window offers to), or move the backups folder "
        f"aside to start afresh{f' from {instead}' if instead else ''}", copy, instead)


def _connect(store_path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """Open, check and migrate the store. Autocommit mode: transactions are explicit."""
    try:
        conn = sqlite3.connect(store_path, timeout=busy_timeout_s, isolation_level=None)
    except sqlite3.Error as error:
        raise ProjectError(f"cannot open the project store {store_path} ({error})") from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        # WAL: readers never block the writer and a crash mid-write leaves the last committed
        # state. synchronous=FULL: the WAL is fsynced at every commit, so a transaction that
        # has returned survives a power cut, not only a crash of this process.
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL (journal mode {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = OFF")
        check = conn.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            detail = "; ".join(str(r[0]) for r in check[:3])
            raise sqlite3.DatabaseError(f"quick_check: {detail}")
        migrate(conn)
    except sqlite3.OperationalError as error:
        conn.close()
        if _is_busy(error):
            raise ProjectBusyError(f"project is busy: {store_path} is being changed by another "
                                   "program") from error
        raise _store_error(store_path, error) from error
    except sqlite3.DatabaseError as error:
        conn.close()
        raise _store_error(store_path, error) from error
    except ValueError as error:
        conn.close()
        raise ProjectError(f"the project store {store_path} was written by a newer Earmark "
                           f"({error}); update Earmark to open it") from error
    except BaseException:
        conn.close()
        raise
    return conn


__all__ = ["Project", "ClipRecord", "ClassInfo", "LabelChange", "ModelRecord",
           "PredictionRecord", "ScanSummary", "NameRuleState",
           "RegionChange", "RegionRecord", "RegionSpec", "UNCHANGED", "validate_region",
           "default_store_dir", "existing_store_dir", "SCHEMA_VERSION",
           "LABEL_SOURCES", "PALETTE", "SCAN_BATCH", "STORE_DIRNAME", "STORE_FILENAME",
           "DEFAULT_BUSY_TIMEOUT_S"]
