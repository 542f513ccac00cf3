"""Copies of a project's store, so labels outlive a damaged one: the window backs its store up
when it lets the project go (a few copies kept; see ``Project.back_up``), and a store that will
not open can be swapped for the newest copy, the damaged one kept beside it.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from core.errors import EarmarkError, os_reason

BACKUP_DIRNAME = "backups"
KEEP_BACKUPS = 5  # the newest copies kept; older ones are deleted
_SIDE_FILES = ("-wal", "-shm")  # SQLite's write-ahead log and its index, beside the store


def backup_dir(store_path: Path) -> Path:
    return Path(store_path).parent / BACKUP_DIRNAME


def backups(store_path: Path) -> list[Path]:
    """The copies of ``store_path``, newest first (their names hold when they were made)."""
    folder = backup_dir(store_path)
    stem = Path(store_path).stem
    found = folder.glob(f"{stem}-*.sqlite") if folder.is_dir() else []
    return sorted(found, key=lambda path: path.name, reverse=True)


def _stamp(now: float | None) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))


def made_at(backup: Path) -> str:
    """When a copy was made, in words (``2026-12-04 16:40:12``), read from its name."""
    stamp = backup.stem.rsplit("-", 2)[-2:]
    try:
        parsed = time.strptime("-".join(stamp), "%Y%m%d-%H%M%S")
    except ValueError:
        return backup.name
    return time.strftime("%Y-%m-%d %H:%M:%S", parsed)


def back_up(conn: sqlite3.Connection, store_path: Path, now: float | None = None) -> Path | None:
    """Copy the store open on ``conn`` (SQLite's online backup: a consistent copy, committed
    transactions only) to ``backups/<store>-<when>.sqlite`` and keep the newest
    ``KEEP_BACKUPS``. Returns the copy, or None when it could not be written (a full disk must
    not keep a window from closing; the store itself is untouched)."""
    store_path = Path(store_path)
    target = backup_dir(store_path) / f"{store_path.stem}-{_stamp(now)}.sqlite"
    partial = target.with_suffix(".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(partial)
        try:
            conn.backup(copy)
        finally:
            copy.close()
        partial.replace(target)
    except (OSError, sqlite3.Error):
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass  # no folder to hold it: nothing was written
        return None
    for old in backups(store_path)[KEEP_BACKUPS:]:
        old.unlink(missing_ok=True)
    return target


def _sound(copy: Path) -> bool:
    """Whether SQLite reads ``copy`` whole (its quick check), opened read-only."""
    try:
        conn = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [row[0] for row in conn.execute("PRAGMA quick_check")] == ["ok"]
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False


def newest_sound(store_path: Path) -> Path | None:
    """The newest copy of ``store_path`` that SQLite reads whole, or None."""
    return next((copy for copy in backups(store_path) if _sound(copy)), None)


def restore_newest(store_path: Path, now: float | None = None,
                   copy: Path | None = None) -> tuple[Path, Path]:
    """Put ``copy`` (None: the newest sound one, :func:`newest_sound`) in place of a store that
    will not open: the damaged store (and its side files) moved aside to
    ``<store>.damaged-<when>``, never deleted, and the copy's contents written where it was.
    Returns (the copy used, where the damaged store went). Raises EarmarkError when there is no
    sound copy or the files cannot be moved."""
    store_path = Path(store_path)
    copy = copy or newest_sound(store_path)
    if copy is None:
        raise EarmarkError(f"{store_path}: Earmark holds no sound copy of it")
    aside = store_path.with_name(f"{store_path.name}.damaged-{_stamp(now)}")
    try:
        if store_path.exists():
            store_path.replace(aside)
        set_aside_side_files(store_path, aside)
        shutil.copyfile(copy, store_path)
    except OSError as error:
        raise EarmarkError(f"{store_path}: the copy of {made_at(copy)} cannot be put in its "
                           f"place ({os_reason(error)})") from None
    return copy, aside


def set_aside_side_files(store_path: Path, aside: Path | None = None) -> None:
    """Move SQLite's log and its index of ``store_path`` beside ``aside`` (None: to
    ``<store>.gone-<when>``): left by a store that is gone or damaged, they must not be read
    into the store put in its place. Raises OSError when they cannot be moved."""
    store_path = Path(store_path)
    aside = aside or store_path.with_name(f"{store_path.name}.gone-{_stamp(None)}")
    for side in _SIDE_FILES:
        extra = Path(str(store_path) + side)
        if extra.exists():
            extra.replace(Path(str(aside) + side))


__all__ = ["BACKUP_DIRNAME", "KEEP_BACKUPS", "backup_dir", "backups", "made_at", "back_up",
           "newest_sound", "restore_newest", "set_aside_side_files"]
