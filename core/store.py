"""The project store: one folder of audio plus a SQLite database that never loses a label.

A project is a folder of audio (scanned recursively) and its store, by default
``<folder>/.earmark/project.sqlite``. When the folder cannot be written, or a ``store_dir`` is
given, the store lives elsewhere (the per-user data dir, see :func:`default_store_dir`) and
``Project.store_note`` says where. The store never writes, moves or deletes audio.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so every committed
transaction has been fsynced when the call returns; every label change (one clip or a thousand)
is exactly one transaction, so a SIGKILL or power cut leaves each label at its old or its new
value. Schema and migrations live in :mod:`core.store_schema`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import AudioError, EarmarkError, ProjectBusyError, ProjectError
from core.store_schema import SCHEMA_VERSION, migrate

STORE_DIRNAME = ".earmark"
STORE_FILENAME = "project.sqlite"
DEFAULT_BUSY_TIMEOUT_S = 5.0
SCAN_BATCH = 500
LABEL_SOURCES = ("folder", "filename", "csv", "manual", "model")

# A pleasant, distinguishable palette (Tableau 10, then softer tones).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63",
)

_CLIP_COLUMNS = ("id, path, size_bytes, mtime_ns, duration_s, sample_rate_hz, channels, error, "
                 "missing, label, label_source")
_CHUNK = 500  # ids per "IN (...)" query, well under SQLite's variable limit


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
    action: str  # set, restore, import, scan, rename, merge, remove_class


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
class ScanSummary:
    total: int  # clips present on disk after the scan
    added: int
    changed: int
    unchanged: int
    missing: int  # newly marked missing by this scan
    unreadable: int  # added or changed clips whose header could not be read
    labels_imported: int
    stopped: bool
    elapsed_s: float
    warnings: tuple[str, ...] = ()  # e.g. a labels.csv that could not be used


def default_store_dir(folder: str | Path) -> Path:
    """Where the store of a folder that cannot hold its own lives.

    ``$EARMARK_DATA_DIR/projects/<hash>``, else the per-user data dir:
    ``$XDG_DATA_HOME/earmark`` (or ``~/.local/share/earmark``) on Linux,
    ``~/Library/Application Support/earmark`` on macOS, ``%LOCALAPPDATA%\\earmark`` on Windows.
    ``<hash>`` is derived from the folder's absolute path.
    """
    resolved = str(Path(folder).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    if os.environ.get("EARMARK_DATA_DIR"):
        base = Path(os.environ["EARMARK_DATA_DIR"])
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "earmark"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "earmark"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "earmark"
    return base / "projects" / f"{Path(resolved).name or 'root'}-{digest}"


def _can_hold_store(store_dir: Path) -> bool:
    """Probe (not guess from permission bits): create the dir and a file in it."""
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
        probe = store_dir / f".write-probe-{os.getpid()}-{threading.get_ident()}"
        with open(probe, "wb") as handle:
            handle.write(b"ok")
        probe.unlink()
        existing = store_dir / STORE_FILENAME
        return not existing.exists() or os.access(existing, os.W_OK)
    except OSError:
        return False


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Project:
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

    # ----------------------------------------------------------------- open / close

    @classmethod
    def open(cls, folder: str | Path, store_dir: str | Path | None = None,
             busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Project:
        """Open (creating if needed) the store of ``folder``; does not scan (call ``scan()``)."""
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise ProjectError(f"{folder}: not a folder")
        note = None
        if store_dir is not None:
            sdir = Path(store_dir).expanduser().resolve()
            if not _can_hold_store(sdir):
                raise ProjectError(f"cannot write the project store in {sdir}; "
                                   "choose a writable place with --project")
            note = f"the project store is kept at {sdir / STORE_FILENAME}"
        else:
            sdir = folder / STORE_DIRNAME
            if not _can_hold_store(sdir):
                sdir = default_store_dir(folder)
                if not _can_hold_store(sdir):
                    raise ProjectError(
                        f"{folder} is read-only and the store cannot be created in {sdir} "
                        "either; choose a writable place with --project")
                note = (f"{folder} is read-only, so its project store is kept at "
                        f"{sdir / STORE_FILENAME}")
        store_path = sdir / STORE_FILENAME
        conn = _connect(store_path, busy_timeout_s)
        project = cls(folder, store_path, conn, note)
        try:
            # Reopening writes nothing, so it succeeds while another program is writing.
            if project._get_meta("folder") is None:
                with project._write() as conn:
                    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('folder', ?)",
                                 (str(folder),))
        except BaseException:
            conn.close()
            raise
        return project

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

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
        busy_timeout), so a busy project fails before anything is changed."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise self._busy() from error
            raise self._damaged(error) from error
        try:
            yield conn
            conn.execute("COMMIT")
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
            raise

    def _busy(self) -> ProjectBusyError:
        return ProjectBusyError(
            f"project is busy: {self.store_path} is being changed by another program")

    def _damaged(self, error: Exception) -> ProjectError:
        return _damaged_error(self.store_path, str(error))

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise self._busy() from error
            raise self._damaged(error) from error
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from error

    def _get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # ----------------------------------------------------------------- clips

    def abspath(self, record_or_path: ClipRecord | str) -> Path:
        rel = record_or_path.path if isinstance(record_or_path, ClipRecord) else record_or_path
        return self.folder.joinpath(*PurePosixPath(rel).parts)

    def relpath(self, path: str | Path) -> str:
        """The store's key for ``path`` (absolute, or relative to the folder; any separators)."""
        text = str(path).replace("\\", "/")
        candidate = Path(text)
        if candidate.is_absolute():
            try:
                text = candidate.resolve().relative_to(self.folder).as_posix()
            except ValueError:
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
        sql = f"SELECT {_CLIP_COLUMNS} FROM clips"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY path"
        return [_clip(row) for row in self._read(sql, params)]

    def clip(self, clip_id: int) -> ClipRecord | None:
        rows = self._read(f"SELECT {_CLIP_COLUMNS} FROM clips WHERE id = ?", (clip_id,))
        return _clip(rows[0]) if rows else None

    def clip_ids_by_path(self, include_missing: bool = False) -> dict[str, int]:
        sql = "SELECT path, id FROM clips" + ("" if include_missing else " WHERE missing = 0")
        return dict(self._read(sql))

    # ----------------------------------------------------------------- scan

    def scan(self, progress: Callable[[float, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             on_batch: Callable[[list[ClipRecord]], None] | None = None) -> ScanSummary:
        """Bring the store up to date with the folder, reading only what changed.

        Files are keyed by relative path, size and modification time: new files are added (their
        headers read), changed ones re-read (labels kept), vanished ones marked missing (labels
        kept), unchanged ones not touched. The first scan of a project imports the labels the
        folder carries (class subfolders, file-name prefixes, ``labels.csv``) with their source;
        later scans give new files a folder/file-name label only when it names an existing class.

        ``on_batch`` receives the ClipRecords added, changed or newly missing, in batches of
        ``SCAN_BATCH`` as each batch is committed. ``should_stop`` is polled between files;
        what was committed stays and the next scan goes on from there.
        """
        from core import audio, labels  # imported late: scanning is the only user

        started = time.perf_counter()
        should_stop = should_stop or (lambda: False)
        first_import = self._get_meta("labels_imported") is None
        if progress:
            progress(0.0, f"listing {self.folder}")
        files = list(labels.iter_audio_files(self.folder))
        known = {row[0]: row[1:] for row in self._read(
            "SELECT path, id, size_bytes, mtime_ns, missing, label FROM clips")}
        class_names = {c.name for c in self.classes()}
        csv_cache: dict[Path, dict[str, str]] = {}
        warnings: list[str] = []

        added = changed = unchanged = unreadable = imported = 0
        pending: list[tuple] = []  # (existing id or None, rel, size, mtime, info fields, label)
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

        for index, path in enumerate(files):
            if should_stop():
                stopped = True
                break
            path = Path(path)
            rel = path.relative_to(self.folder).as_posix()
            seen.add(rel)
            try:
                stat = path.stat()
            except OSError:
                continue  # vanished while listing: the next scan sees it gone
            old = known.get(rel)
            if old is not None and old[1] == stat.st_size and old[2] == stat.st_mtime_ns \
                    and not old[3]:
                unchanged += 1
            else:
                try:
                    head = audio.info(path)
                    fields = (head.duration_s, head.sample_rate_hz, head.channels, None)
                except AudioError as error:
                    fields = (None, None, None, error.reason)
                    unreadable += 1
                new_label = None
                if old is None:
                    added += 1
                    new_label = self._label_for_new(path, first_import, class_names,
                                                     csv_cache, labels, warnings)
                    if new_label is not None:
                        class_names.add(new_label[0])
                else:
                    changed += 1
                pending.append((old[0] if old else None, rel, stat.st_size, stat.st_mtime_ns,
                                *fields, new_label))
                if len(pending) >= SCAN_BATCH:
                    flush()
            if progress and (index % 200 == 0 or index == total - 1):
                progress((index + 1) / max(total, 1), f"scanning {rel}")
        flush()

        newly_missing = 0
        if not stopped:
            gone = [(info[0],) for rel, info in known.items() if rel not in seen and not info[3]]
            if gone:
                with self._write() as conn:
                    conn.executemany("UPDATE clips SET missing = 1 WHERE id = ?", gone)
                newly_missing = len(gone)
                if on_batch:
                    ids = [g[0] for g in gone]
                    for start in range(0, len(ids), SCAN_BATCH):
                        on_batch(self._clips_by_ids(ids[start:start + SCAN_BATCH]))
            if first_import:
                with self._write() as conn:
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) "
                                 "VALUES ('labels_imported', ?)", (str(time.time()),))
        if progress:
            progress(1.0, "scan stopped" if stopped else "scan finished")
        present = self._read("SELECT COUNT(*) FROM clips WHERE missing = 0")[0][0]
        return ScanSummary(total=present, added=added, changed=changed, unchanged=unchanged,
                           missing=newly_missing, unreadable=unreadable,
                           labels_imported=imported, stopped=stopped,
                           elapsed_s=time.perf_counter() - started, warnings=tuple(warnings))

    def _label_for_new(self, path: Path, first_import: bool, class_names: set[str],
                       csv_cache: dict[Path, dict[str, str]], labels,
                       warnings: list[str]) -> tuple[str, str] | None:
        label, source = labels.label_from_path(self.folder, path)
        if label:
            if first_import or label in class_names:
                return label, source
            return None
        if not first_import:
            return None
        # A labels.csv beside the audio (in the file's folder or the project folder).
        for directory in {path.parent, self.folder}:
            table = csv_cache.get(directory)
            if table is None:
                table = {}
                csv_path = directory / "labels.csv"
                if csv_path.is_file():
                    try:
                        table = labels.read_labels_csv(csv_path)
                    except (OSError, ValueError, EarmarkError) as error:
                        warnings.append(f"{csv_path}: not used ({error})")
                csv_cache[directory] = table
            key = path.relative_to(directory).as_posix()
            found = table.get(key) or table.get(path.name)
            if found:
                return found, "csv"
        return None

    def _commit_scan_batch(self, pending: list[tuple]) -> tuple[list[ClipRecord], int]:
        now = time.time()
        ids: list[int] = []
        n_labels = 0
        with self._write() as conn:
            for old_id, rel, size, mtime, dur, rate, chans, err, new_label in pending:
                if old_id is None:
                    label, source = new_label if new_label else (None, None)
                    cur = conn.execute(
                        "INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, "
                        "sample_rate_hz, channels, error, missing, label, label_source) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                        (rel, size, mtime, dur, rate, chans, err, label, source))
                    clip_id = cur.lastrowid
                    if label is not None:
                        self._ensure_classes(conn, [label])
                        conn.execute(
                            "INSERT INTO label_history(clip_id, old_label, old_source, new_label,"
                            " new_source, changed_at, action) VALUES (?, NULL, NULL, ?, ?, ?, "
                            "'scan')", (clip_id, label, source, now))
                        n_labels += 1
                else:
                    clip_id = old_id
                    conn.execute(
                        "UPDATE clips SET size_bytes = ?, mtime_ns = ?, duration_s = ?, "
                        "sample_rate_hz = ?, channels = ?, error = ?, missing = 0 WHERE id = ?",
                        (size, mtime, dur, rate, chans, err, clip_id))
                ids.append(clip_id)
        return self._clips_by_ids(ids), n_labels

    def _clips_by_ids(self, ids: list[int]) -> list[ClipRecord]:
        out: list[ClipRecord] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            out.extend(_clip(r) for r in self._read(
                f"SELECT {_CLIP_COLUMNS} FROM clips WHERE id IN ({marks}) ORDER BY path", chunk))
        return out

    # ----------------------------------------------------------------- labels

    def set_labels(self, clip_ids: Iterable[int], label: str | None,
                   source: str = "manual") -> dict[int, tuple[str | None, str | None]]:
        """Give every clip ``label`` (None clears it) in one transaction.

        Returns ``{clip_id: (old_label, old_source)}`` for :meth:`restore_labels` (undo).
        A label naming no class adds the class. Unknown clip ids change nothing and raise.
        """
        ids = list(dict.fromkeys(int(i) for i in clip_ids))
        label = _clean_label(label)
        new_source = source if label is not None else None
        with self._write() as conn:
            return self._apply(conn, {i: (label, new_source) for i in ids}, "set")

    def apply_labels(self, changes: Mapping[int, str | None], source: str,
                     action: str = "import") -> dict[int, tuple[str | None, str | None]]:
        """Give each clip its own label (``{clip_id: label}``) in one transaction."""
        plan = {}
        for clip_id, label in changes.items():
            label = _clean_label(label)
            plan[int(clip_id)] = (label, source if label is not None else None)
        with self._write() as conn:
            return self._apply(conn, plan, action)

    def restore_labels(self, previous: Mapping[int, tuple[str | None, str | None]]) -> None:
        """Put back labels returned by :meth:`set_labels` (undo), in one transaction."""
        plan = {int(i): (_clean_label(lab), src if lab is not None else None)
                for i, (lab, src) in previous.items()}
        with self._write() as conn:
            self._apply(conn, plan, "restore")

    def _apply(self, conn: sqlite3.Connection, plan: dict[int, tuple[str | None, str | None]],
               action: str) -> dict[int, tuple[str | None, str | None]]:
        ids = list(plan)
        old: dict[int, tuple[str | None, str | None]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for clip_id, lab, src in conn.execute(
                    f"SELECT id, label, label_source FROM clips WHERE id IN ({marks})", chunk):
                old[clip_id] = (lab, src)
        unknown = [i for i in ids if i not in old]
        if unknown:
            shown = ", ".join(str(i) for i in unknown[:5])
            raise ProjectError(f"no clip with id {shown}{' ...' if len(unknown) > 5 else ''} "
                               f"in {self.store_path}")
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

    def label_history(self, clip_id: int) -> list[LabelChange]:
        """Every label change of a clip, oldest first."""
        return [LabelChange(*row) for row in self._read(
            "SELECT clip_id, old_label, old_source, new_label, new_source, changed_at, action "
            "FROM label_history WHERE clip_id = ? ORDER BY id", (clip_id,))]

    def label_counts(self) -> dict[str | None, int]:
        return dict(self._read(
            "SELECT label, COUNT(*) FROM clips WHERE missing = 0 GROUP BY label"))

    # ----------------------------------------------------------------- classes

    def classes(self) -> list[ClassInfo]:
        return [ClassInfo(*row) for row in self._read(
            "SELECT name, ord, colour, shortcut FROM classes ORDER BY ord, name")]

    def add_class(self, name: str, colour: str | None = None,
                  shortcut: str | None = None) -> ClassInfo:
        name = _clean_label(name)
        if name is None:
            raise ProjectError("a class needs a name")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM classes WHERE name = ?", (name,)).fetchone():
                raise ProjectError(f"there is already a class named {name!r}")
            if shortcut is not None:
                self._check_shortcut(conn, shortcut, name)
            self._ensure_classes(conn, [name], colour=colour, shortcut=shortcut)
            row = conn.execute("SELECT name, ord, colour, shortcut FROM classes WHERE name = ?",
                               (name,)).fetchone()
        return ClassInfo(*row)

    def _ensure_classes(self, conn: sqlite3.Connection, names: Iterable[str],
                        colour: str | None = None, shortcut: str | None = None) -> None:
        existing = conn.execute("SELECT name, colour, shortcut, ord FROM classes").fetchall()
        have = {r[0] for r in existing}
        colours = [r[1] for r in existing]
        shortcuts = {r[2] for r in existing if r[2]}
        next_ord = max((r[3] for r in existing), default=-1) + 1
        for name in names:
            if name in have:
                continue
            chosen_colour = colour or next(
                (c for c in PALETTE if c not in colours), PALETTE[len(colours) % len(PALETTE)])
            chosen_shortcut = shortcut
            if chosen_shortcut is None:
                chosen_shortcut = next(
                    (str(d) for d in range(1, 10) if str(d) not in shortcuts), None)
            conn.execute("INSERT INTO classes(name, ord, colour, shortcut) VALUES (?, ?, ?, ?)",
                         (name, next_ord, chosen_colour, chosen_shortcut))
            have.add(name)
            colours.append(chosen_colour)
            if chosen_shortcut:
                shortcuts.add(chosen_shortcut)
            next_ord += 1

    def _require_class(self, conn: sqlite3.Connection, name: str) -> None:
        if not conn.execute("SELECT 1 FROM classes WHERE name = ?", (name,)).fetchone():
            raise ProjectError(f"there is no class named {name!r}")

    def _check_shortcut(self, conn: sqlite3.Connection, shortcut: str, owner: str) -> None:
        row = conn.execute("SELECT name FROM classes WHERE shortcut = ? AND name != ?",
                           (shortcut, owner)).fetchone()
        if row:
            raise ProjectError(f"shortcut {shortcut!r} is already used by class {row[0]!r}")

    def _relabel_all(self, conn: sqlite3.Connection, old_names: list[str], new: str | None,
                     action: str) -> None:
        """Move every clip labelled with one of ``old_names`` to ``new``, with history."""
        now = time.time()
        marks = ",".join("?" * len(old_names))
        rows = conn.execute(f"SELECT id, label, label_source FROM clips WHERE label IN ({marks})",
                            old_names).fetchall()
        new_rows = [(new, src if new is not None else None, cid) for cid, _, src in rows]
        conn.executemany("UPDATE clips SET label = ?, label_source = ? WHERE id = ?", new_rows)
        conn.executemany(
            "INSERT INTO label_history(clip_id, old_label, old_source, new_label, new_source, "
            "changed_at, action) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(cid, lab, src, new, src if new is not None else None, now, action)
             for cid, lab, src in rows])

    def rename_class(self, old: str, new: str) -> None:
        """Rename a class; its clips (and predictions naming it) follow, sources kept."""
        new = _clean_label(new)
        if new is None:
            raise ProjectError("a class needs a name")
        if new == old:
            return
        with self._write() as conn:
            self._require_class(conn, old)
            if conn.execute("SELECT 1 FROM classes WHERE name = ?", (new,)).fetchone():
                raise ProjectError(f"there is already a class named {new!r}; merge them instead")
            conn.execute("UPDATE classes SET name = ? WHERE name = ?", (new, old))
            self._relabel_all(conn, [old], new, "rename")
            conn.execute("UPDATE predictions SET label = ? WHERE label = ?", (new, old))

    def merge_classes(self, sources: Iterable[str], target: str) -> None:
        """Relabel the clips of every class in ``sources`` as ``target`` (created if needed)."""
        target = _clean_label(target)
        if target is None:
            raise ProjectError("a class needs a name")
        sources = [s for s in dict.fromkeys(sources) if s != target]
        with self._write() as conn:
            for name in sources:
                self._require_class(conn, name)
            self._ensure_classes(conn, [target])
            if not sources:
                return
            self._relabel_all(conn, sources, target, "merge")
            marks = ",".join("?" * len(sources))
            conn.execute(f"UPDATE predictions SET label = ? WHERE label IN ({marks})",
                         [target, *sources])
            conn.execute(f"DELETE FROM classes WHERE name IN ({marks})", sources)
            self._renumber(conn)

    def remove_class(self, name: str) -> None:
        """Remove a class; its clips become unlabeled (recorded in their history)."""
        with self._write() as conn:
            self._require_class(conn, name)
            self._relabel_all(conn, [name], None, "remove_class")
            conn.execute("DELETE FROM classes WHERE name = ?", (name,))
            self._renumber(conn)

    def _renumber(self, conn: sqlite3.Connection) -> None:
        names = [r[0] for r in conn.execute("SELECT name FROM classes ORDER BY ord, name")]
        conn.executemany("UPDATE classes SET ord = ? WHERE name = ?",
                         [(i, n) for i, n in enumerate(names)])

    def reorder_classes(self, names: Iterable[str]) -> None:
        """Put ``names`` first, in that order; classes not named keep their order after them."""
        names = list(dict.fromkeys(names))
        with self._write() as conn:
            current = [r[0] for r in conn.execute("SELECT name FROM classes ORDER BY ord, name")]
            unknown = [n for n in names if n not in current]
            if unknown:
                raise ProjectError(f"there is no class named {unknown[0]!r}")
            order = names + [n for n in current if n not in names]
            conn.executemany("UPDATE classes SET ord = ? WHERE name = ?",
                             [(i, n) for i, n in enumerate(order)])

    def set_class_colour(self, name: str, colour: str) -> None:
        with self._write() as conn:
            self._require_class(conn, name)
            conn.execute("UPDATE classes SET colour = ? WHERE name = ?", (colour, name))

    def set_class_shortcut(self, name: str, shortcut: str | None) -> None:
        """Set (or clear with None) a class's key; a key already taken raises ProjectError."""
        with self._write() as conn:
            self._require_class(conn, name)
            if shortcut:
                self._check_shortcut(conn, shortcut, name)
            conn.execute("UPDATE classes SET shortcut = ? WHERE name = ?", (shortcut or None, name))

    # ----------------------------------------------------------------- models

    def add_model(self, path: str | Path, classes: Iterable[str], settings: dict,
                  metrics: dict, parent_id: int | None = None) -> int:
        with self._write() as conn:
            if parent_id is not None and not conn.execute(
                    "SELECT 1 FROM models WHERE id = ?", (parent_id,)).fetchone():
                raise ProjectError(f"there is no model with id {parent_id}")
            cur = conn.execute(
                "INSERT INTO models(path, classes_json, settings_json, metrics_json, parent_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (str(path), json.dumps(list(classes)), json.dumps(settings, default=str),
                 json.dumps(metrics, default=str), parent_id, time.time()))
            return cur.lastrowid

    def models(self) -> list[ModelRecord]:
        return [_model(r) for r in self._read(
            "SELECT id, path, classes_json, settings_json, metrics_json, parent_id, created_at "
            "FROM models ORDER BY id")]

    def active_model(self) -> ModelRecord | None:
        """The model chosen with :meth:`set_active_model`, else the newest, else None."""
        chosen = self._get_meta("active_model")
        models = {m.id: m for m in self.models()}
        if chosen is not None and int(chosen) in models:
            return models[int(chosen)]
        return models[max(models)] if models else None

    def set_active_model(self, model_id: int | None) -> None:
        with self._write() as conn:
            if model_id is None:
                conn.execute("DELETE FROM meta WHERE key = 'active_model'")
                return
            if not conn.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone():
                raise ProjectError(f"there is no model with id {model_id}")
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('active_model', ?)",
                         (str(int(model_id)),))

    def record_predictions(self, model_id: int,
                           rows: Iterable[tuple[int, str, float, Iterable[float]]]) -> int:
        """Store predictions in one transaction, replacing the model's earlier ones for those
        clips. Returns how many were written."""
        data = [(model_id, int(cid), str(lab), float(conf), json.dumps([float(p) for p in probs]))
                for cid, lab, conf, probs in rows]
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone():
                raise ProjectError(f"there is no model with id {model_id}")
            conn.executemany(
                "INSERT OR REPLACE INTO predictions(model_id, clip_id, label, confidence, "
                "probabilities_json) VALUES (?, ?, ?, ?, ?)", data)
        return len(data)

    def predictions(self, model_id: int) -> dict[int, PredictionRecord]:
        return {r[0]: PredictionRecord(r[0], model_id, r[1], r[2], tuple(json.loads(r[3])))
                for r in self._read(
                    "SELECT clip_id, label, confidence, probabilities_json FROM predictions "
                    "WHERE model_id = ?", (model_id,))}

    def disagreements(self, model_id: int) -> list[int]:
        """Labelled, present clips whose label differs from the model's; most confident first."""
        return [r[0] for r in self._read(
            "SELECT c.id FROM clips c JOIN predictions p ON p.clip_id = c.id "
            "WHERE p.model_id = ? AND c.missing = 0 AND c.label IS NOT NULL "
            "AND c.label != p.label ORDER BY p.confidence DESC, c.path", (model_id,))]

    def least_confident(self, model_id: int, unlabeled_only: bool = True,
                        limit: int | None = None) -> list[int]:
        sql = ("SELECT c.id FROM clips c JOIN predictions p ON p.clip_id = c.id "
               "WHERE p.model_id = ? AND c.missing = 0")
        if unlabeled_only:
            sql += " AND c.label IS NULL"
        sql += " ORDER BY p.confidence ASC, c.path"
        params: list = [model_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [r[0] for r in self._read(sql, params)]


# --------------------------------------------------------------------- helpers


def _damaged_error(store_path: Path, detail: str) -> ProjectError:
    return ProjectError(
        f"the project store {store_path} is damaged ({detail}); move it aside and reopen the "
        "folder to rebuild it from the audio; labels set by hand since the last export "
        "would need the CSV")


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
        if "readonly" in str(error).lower() or "unable to open" in str(error).lower():
            raise ProjectError(f"cannot write the project store {store_path} ({error})") from error
        raise _damaged_error(store_path, str(error)) from error
    except sqlite3.DatabaseError as error:
        conn.close()
        raise _damaged_error(store_path, str(error)) from error
    except ValueError as error:
        conn.close()
        raise ProjectError(f"the project store {store_path} was written by a newer Earmark "
                           f"({error}); update Earmark to open it") from error
    except BaseException:
        conn.close()
        raise
    return conn


def _clean_label(label: str | None) -> str | None:
    if label is None:
        return None
    label = str(label).strip()
    return label or None


def _clip(row: tuple) -> ClipRecord:
    return ClipRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                      bool(row[8]), row[9], row[10])


def _model(row: tuple) -> ModelRecord:
    return ModelRecord(row[0], row[1], tuple(json.loads(row[2])), json.loads(row[3]),
                       json.loads(row[4]), row[5], row[6])


__all__ = ["Project", "ClipRecord", "ClassInfo", "LabelChange", "ModelRecord",
           "PredictionRecord", "ScanSummary", "default_store_dir", "SCHEMA_VERSION",
           "LABEL_SOURCES", "PALETTE"]
