"""ProjectLock: one window per project. A window holds an exclusive OS lock on a file in the
project's store folder while the project is open; a second window (in this process or another)
is told who holds it instead of silently writing beside it. The operating system drops the lock
when its process ends, however it ends, so a crash never leaves a project locked."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ProjectBusyError, ProjectLockedError

LOCK_NAME = "open.lock"
#: What holds a project's lock, unless it says otherwise.
WINDOW = "another Earmark window"


def _try_lock(fd: int) -> bool:
    """Take an exclusive, non-blocking lock on ``fd``; False when another holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def held(path: Path, what: str, timeout_s: float = 60.0) -> Iterator[None]:
    """Hold an exclusive OS lock on the file ``path`` (made if need be) while the block runs,
    waiting up to ``timeout_s`` for another process that holds it (ProjectBusyError past it,
    naming ``what`` the lock guards)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise ProjectBusyError(f"{what}: another Earmark has held {path} for "
                                       f"{timeout_s:.0f} s; try again")
            time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing drops the lock


def held_elsewhere(store_dir: Path) -> bool:
    """Whether a window (this process or another) has the project whose store is in
    ``store_dir`` open now (its ProjectLock is held)."""
    lock = ProjectLock(store_dir, store_dir)
    try:
        lock.acquire()
    except ProjectLockedError:
        return True
    lock.release()
    return False


class ProjectLock:
    """The lock of the project whose store lives in ``store_dir`` (for the folder ``folder``,
    named in messages). ``acquire()`` raises ProjectLockedError when another holds it; it is
    idempotent; ``release()`` lets it go. A store folder where no lock file can be made (a
    read-only one) is used without a lock."""

    def __init__(self, store_dir: str | Path, folder: str | Path,
                 holder: str = WINDOW) -> None:
        self.path = Path(store_dir) / LOCK_NAME
        self.folder = Path(folder)
        self.holder = holder  # what holds it, as the one refused is told
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return  # nowhere to keep a lock: the store's own transactions still protect it
        if not _try_lock(fd):
            holder, what = self._read_holder(fd)
            os.close(fd)
            raise ProjectLockedError(self.folder, holder, what)
        self._fd = fd
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                "what": self.holder}
        try:
            os.ftruncate(fd, 0)
            # Past the first byte, which Windows locks: the holder text stays readable there.
            os.lseek(fd, 1, os.SEEK_SET)
            os.write(fd, json.dumps(info).encode())
        except OSError:
            pass  # the lock holds without its description

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    @staticmethod
    def _read_holder(fd: int) -> tuple[str, str]:
        """(which process holds the lock, since when; what holds it: WINDOW unless said)."""
        try:
            os.lseek(fd, 1, os.SEEK_SET)
            info = json.loads(os.read(fd, 4096).decode())
            since = time.strftime("%H:%M", time.localtime(float(info["since"])))
            where = "" if info["host"] == socket.gethostname() else f" on {info['host']}"
            what = info.get("what")
            return (f"process {int(info['pid'])}{where}, since {since}",
                    what if isinstance(what, str) and what else WINDOW)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return "its process is not known", WINDOW
