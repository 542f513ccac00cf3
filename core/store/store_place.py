"""Where a folder's project store lives: ``<folder>/.earmark`` when the folder can hold it, else a
place of its own in the per-user data folder; and, where a store is already in either place,
that one, so labels made while a folder was read-only (or before it became so) are found again.

A folder may hold both: its own store, and one made in the per-user place while it was
read-only. The one written last is the project's (a store is written on every label). A store
found in a folder that cannot be written now is copied to the per-user place and worked on there;
a store already there that is older is kept beside it, renamed, not overwritten.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import threading
import time
from pathlib import Path

from core.errors import ProjectError
from core.paths import user_data_dir

STORE_DIRNAME = ".earmark"
STORE_FILENAME = "project.sqlite"
#: The files of one SQLite store in WAL mode that hold its data (the "-shm" index is rebuilt).
_DATA_SUFFIXES = ("", "-wal")


def default_store_dir(folder: str | Path) -> Path:
    """Where the store of a folder that cannot hold its own lives:
    ``<user data dir>/projects/<folder name>-<hash of its absolute path>`` (see core.paths)."""
    resolved = str(Path(folder).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return user_data_dir() / "projects" / f"{Path(resolved).name or 'root'}-{digest}"


def _last_written(store_dir: Path) -> float | None:
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
             if (written := _last_written(sdir)) is not None]
    return max(found)[2] if found else None  # a tie: the folder's own


def marked_read_only(path: Path) -> bool:
    """No write bit for anyone: the folder is meant to stay untouched, even by root, whose writes
    the probe below would let through (a shared data set mounted read-only by permissions)."""
    try:
        return stat.S_IMODE(path.stat().st_mode) & 0o222 == 0
    except OSError:
        return False


def can_hold_store(store_dir: Path) -> bool:
    """Probe (not guess from permission bits): create the dir and a file in it."""
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
        probe = store_dir / f".write-probe-{os.getpid()}-{threading.get_ident()}"
        with open(probe, "wb") as handle:
            handle.write(b"ok")
        probe.unlink()
        existing = store_dir / STORE_FILENAME
        return not existing.exists() or (os.access(existing, os.W_OK)
                                         and not marked_read_only(existing))
    except OSError:
        return False


def choose_store_dir(folder: Path) -> tuple[Path, str | None]:
    """The store folder of ``folder`` (resolved) and a note for the person where it is not the
    folder's own ``.earmark``. Raises ProjectError when no place can hold it."""
    own, elsewhere = folder / STORE_DIRNAME, default_store_dir(folder)
    found = existing_store_dir(folder)
    if found == elsewhere:
        if not can_hold_store(elsewhere):
            raise ProjectError(f"cannot write the project store of {folder} in {elsewhere}; "
                               "choose a writable place with --project")
        at = elsewhere / STORE_FILENAME
        if marked_read_only(folder) or not os.access(folder, os.W_OK):
            return elsewhere, f"{folder} is read-only, so its project store is kept at {at}"
        return elsewhere, (f"the project store of {folder} is kept at {at}, where it was made "
                           "while the folder was read-only")
    if (found is None and not marked_read_only(folder) and can_hold_store(own)) or (
            found == own and not marked_read_only(own) and can_hold_store(own)):
        return own, None
    if not can_hold_store(elsewhere):
        raise ProjectError(f"{folder} is read-only and the store cannot be created in "
                           f"{elsewhere} either; choose a writable place with --project")
    if found is None:
        return elsewhere, (f"{folder} is read-only, so its project store is kept at "
                           f"{elsewhere / STORE_FILENAME}")
    kept = _copy_store(own, elsewhere)
    return elsewhere, (f"{folder} is read-only, so its project store was copied to "
                       f"{elsewhere / STORE_FILENAME}, where labels are saved from now on"
                       + (f" (an older store there was kept as {kept.name})" if kept else ""))


def _copy_store(source: Path, target: Path) -> Path | None:
    """Copy the store in ``source`` (which no one can write now) to ``target``; an older store
    there is renamed with the time, not overwritten. Returns its new path, if any."""
    kept = None
    if (target / STORE_FILENAME).exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = target / f"{STORE_FILENAME}.before-{stamp}"
        for suffix in (*_DATA_SUFFIXES, "-shm"):
            old = target / f"{STORE_FILENAME}{suffix}"
            if old.exists():
                old.replace(target / f"{kept.name}{suffix}")
    try:
        # The log first, then the store under a passing name, renamed last: a copy cut short
        # is never taken for the newest store.
        partial = target / f"{STORE_FILENAME}.copying"
        if (source / f"{STORE_FILENAME}-wal").is_file():
            shutil.copyfile(source / f"{STORE_FILENAME}-wal", target / f"{STORE_FILENAME}-wal")
        shutil.copyfile(source / STORE_FILENAME, partial)
        partial.replace(target / STORE_FILENAME)
    except OSError as exc:
        raise ProjectError(f"cannot copy the project store {source / STORE_FILENAME} to "
                           f"{target}: {exc.strerror or exc}") from exc
    return kept
