"""Where a folder's project store lives: ``<folder>/.earmark`` when the folder can hold it, else a
place of its own in the per-user data folder; and, where a store is already in either place,
that one, so labels made while a folder was read-only (or before it became so) are found again.

A folder may hold both: its own store, and one made in the per-user place while it was
read-only. The one written last is the project's (a store is written on every label); the
other is renamed aside where it is the per-user one, and the person told, as its labels are not
merged. A store found in a folder that cannot be written now is copied to the per-user place and
worked on there, by one process at a time; a store already there that is older is kept beside
it, renamed, not overwritten.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from pathlib import Path

from core.errors import ProjectError, os_reason
from core.paths import first_free, probe_writable, user_data_dir
from core.store import lock, store_backup

STORE_DIRNAME = ".earmark"
STORE_FILENAME = "project.sqlite"
#: The files of one SQLite store in WAL mode that hold its data (the "-shm" index is rebuilt).
_DATA_SUFFIXES = ("", "-wal")
#: Held while a store is copied to the per-user place (in that place).
COPY_LOCK_NAME = "copy.lock"


def default_store_dir(folder: str | Path) -> Path:
    """Where the store of a folder that cannot hold its own lives:
    ``<user data dir>/projects/<folder name>-<hash of its absolute path>`` (see core.paths)."""
    resolved = str(Path(folder).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return user_data_dir() / "projects" / f"{Path(resolved).name or 'root'}-{digest}"


def last_written(store_dir: Path) -> float | None:
    """When the store in ``store_dir`` was last written (its file's or its write-ahead log's
    time, the log only once it holds something), or None when there is none."""
    try:
        times = [(store_dir / STORE_FILENAME).stat().st_mtime]
    except OSError:
        return None
    try:
        wal = (store_dir / f"{STORE_FILENAME}-wal").stat()
        if wal.st_size:
            times.append(wal.st_mtime)
    except OSError:
        pass
    return max(times)


def existing_store_dir(folder: str | Path) -> Path | None:
    """The folder holding the store ``folder`` already has (its own ``.earmark``, or the per-user
    place :func:`choose_store_dir` falls back to; the one written last where both are), or None
    when it has none. Creates nothing."""
    folder = Path(folder).expanduser().resolve()
    found = [(written, n, sdir) for n, sdir in enumerate((default_store_dir(folder),
                                                         folder / STORE_DIRNAME))
             if (written := last_written(sdir)) is not None]
    return max(found)[2] if found else None  # a tie: the folder's own


def marked_read_only(path: Path) -> bool:
    """No write bit for anyone: the folder is meant to stay untouched, even by root, whose writes
    the probe below would let through (a shared data set mounted read-only by permissions)."""
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o222 == 0
    except OSError:
        return False


def folder_read_only(folder: Path) -> bool:
    """Whether ``folder`` is read-only to Earmark: no write bit for anyone, or none for us."""
    return marked_read_only(folder) or not os.access(folder, os.W_OK)


def can_hold_store(store_dir: Path) -> bool:
    """Probe (not guess from permission bits): create the dir and a file in it. A full disk
    holds the store it holds: it stays there, and a write that finds no room says so (taken
    for read-only, the folder's labels went on in a copy elsewhere, the two never merged)."""
    existing = store_dir / STORE_FILENAME
    try:
        probe_writable(store_dir)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) or not existing.exists():
            return False
    return not existing.exists() or (os.access(existing, os.W_OK)
                                     and not marked_read_only(existing))


def choose_store_dir(folder: Path, afresh: bool = False) -> tuple[Path, str | None]:
    """The store folder of ``folder`` (resolved) and a note for the person where it is not the
    folder's own ``.earmark``, or where a store was set aside. Raises ProjectError when no place
    can hold it. A read-only folder's per-user store that is gone while Earmark keeps a copy
    of it newer than the folder's own store is not copied again from the folder's (its newer
    labels would be passed over in silence): the per-user place is returned without a store,
    for :meth:`Project.open` to offer the copy, unless ``afresh``."""
    own, elsewhere = folder / STORE_DIRNAME, default_store_dir(folder)
    found = existing_store_dir(folder)
    if (found is None and not marked_read_only(folder) and can_hold_store(own)) or (
            found == own and not marked_read_only(own) and can_hold_store(own)):
        return own, _set_aside_older(elsewhere, folder) if found == own else None
    if not can_hold_store(elsewhere):
        raise ProjectError(f"cannot write the project store of {folder} in {elsewhere}; "
                           "choose a writable place with --project" if found == elsewhere else
                           f"{folder} is read-only and the store cannot be created in "
                           f"{elsewhere} either; choose a writable place with --project")
    at = elsewhere / STORE_FILENAME
    # Several processes may open the folder at once (a training run's ranks): one copies.
    with lock.held(elsewhere / COPY_LOCK_NAME, f"copying the project store of {folder}"):
        if existing_store_dir(folder) == own:
            if not afresh and _kept_copy_newer(at, own):
                return elsewhere, None
            kept = _copy_store(own, elsewhere)
            return elsewhere, (f"{folder} is read-only, so its project store was copied to "
                               f"{at}, where labels are saved from now on"
                               + (f" (an older store there was kept as {kept.name})"
                                  if kept else ""))
    if found is None or folder_read_only(folder):
        return elsewhere, f"{folder} is read-only, so its project store is kept at {at}"
    return elsewhere, (f"the project store of {folder} is kept at {at}, where it was made "
                       "while the folder was read-only")


def _kept_copy_newer(store_path: Path, own: Path) -> bool:
    """Whether Earmark keeps a sound copy of the store at ``store_path`` (gone) made after the
    store in ``own`` was last written."""
    copy = store_backup.newest_sound(store_path)
    written = last_written(own)
    return copy is not None and written is not None and copy.stat().st_mtime > written


def _set_aside_older(elsewhere: Path, folder: Path) -> str | None:
    """Where the folder's own store is used and an older one made while the folder was
    read-only is in the per-user place too (both were written: one person labelled in the
    folder, another, without write access, in a copy), rename that one aside, so it is said
    once and not found again; its labels are not merged. A note saying so, or None."""
    written = last_written(elsewhere)
    if written is None:
        return None
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(written))
    if lock.held_elsewhere(elsewhere):
        return (f"another Earmark has this folder's older store at {elsewhere / STORE_FILENAME} "
                f"(last written {when}) open; its labels are not in this one")
    try:
        kept = _rename_store(elsewhere, "set-aside")
    except OSError:
        return None
    return (f"a store of {folder} made while it was read-only, last written {when}, is older "
            f"than the folder's own and not used: it was set aside as {kept}, its labels "
            "not merged into this one")


def _rename_store(store_dir: Path, why: str) -> Path:
    """Rename the store in ``store_dir`` (its file, log and index) to
    ``project.sqlite.<why>-<time>``, a name no other store there has; its new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = first_free(lambda n: store_dir / f"{STORE_FILENAME}.{why}-{stamp}"
                                                f"{'' if n == 1 else f'-{n}'}")
    for suffix in (*_DATA_SUFFIXES, "-shm"):
        old = store_dir / f"{STORE_FILENAME}{suffix}"
        if old.exists():
            old.replace(store_dir / f"{kept.name}{suffix}")
    return kept


def _copy_store(source: Path, target: Path) -> Path | None:
    """Copy the store in ``source`` (which no one can write now) to ``target``; an older store
    there is renamed with the time, not overwritten. Returns its new path, if any. The caller
    holds ``target``'s copy lock."""
    if (target / STORE_FILENAME).exists() and lock.held_elsewhere(target):
        raise ProjectError(f"another Earmark has the project store at {target / STORE_FILENAME} "
                           f"open; close it before opening {source.parent} again")
    partial = target / f"{STORE_FILENAME}.copying-{os.getpid()}"
    try:
        kept = _rename_store(target, "before") if (target / STORE_FILENAME).exists() else None
        # The log first, then the store under a passing name, renamed last: a copy cut short
        # is never taken for the newest store.
        if (source / f"{STORE_FILENAME}-wal").is_file():
            shutil.copyfile(source / f"{STORE_FILENAME}-wal", target / f"{STORE_FILENAME}-wal")
        shutil.copyfile(source / STORE_FILENAME, partial)
        partial.replace(target / STORE_FILENAME)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ProjectError(f"cannot copy the project store {source / STORE_FILENAME} to "
                           f"{target}: {os_reason(exc)}") from exc
    return kept
