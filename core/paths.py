"""The per-user data folder, shared by the demo project and the stores of read-only folders; writing
a file so that it is whole or not there, with the mode a plain write gives; names and paths in the
order a person counts them (``natural_key``), as file managers list them: ``clip_2`` before
``clip_10``, ``ARU2/`` before ``ARU10/``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def user_data_dir() -> Path:
    """``$EARMARK_DATA_DIR`` if set, else the platform's usual place for application data:
    ``$XDG_DATA_HOME/earmark`` (``~/.local/share/earmark``) on Linux,
    ``~/Library/Application Support/earmark`` on macOS, ``%LOCALAPPDATA%\\earmark`` on Windows."""
    env = os.environ.get("EARMARK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "earmark"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "earmark"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "earmark"


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` as :func:`write_bytes_atomic` does."""
    write_bytes_atomic(target, text.encode("utf-8"))


def write_bytes_atomic(target: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to ``target`` through a temporary file beside it, fsync and rename, so an
    interrupted write never leaves half a file in place of a good one. The file gets the mode a
    plain write would give it (the umask's; a file written over keeps its own), not the private
    0600 of Python's temporary files: tables and models are written to be handed on."""
    import secrets
    import stat

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)  # the rename itself survives a power cut


def first_free(name_for: Callable[[int], Path],
               taken: Callable[[Path], bool] = Path.exists) -> Path:
    """``name_for(1)``, else ``name_for(2)``, ``name_for(3)``...: the first not ``taken`` (a
    model's ``-2``, a copy's, a Raven table's ``Table.2``), numbered as each place names them."""
    n = 1
    while taken(path := name_for(n)):
        n += 1
    return path


def probe_writable(folder: Path) -> None:
    """Raise OSError unless a file can be written in ``folder`` (created if missing): found by
    writing one (a byte, so a full disk says so; an empty file takes no room) and removing it,
    not guessed from permission bits."""
    import secrets

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".write-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(probe, "wb") as handle:
            handle.write(b"ok")
    finally:
        probe.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_DIGITS_RE = re.compile(r"(\d+)")


def undecodable_name(path: str | Path) -> str | None:
    """``path`` as a person can read it, when its name is not UTF-8 (bytes from another
    system's encoding, which Python keeps as lone surrogates and no text file or SQLite column
    can hold), each such byte shown as U+FFFD; None for a name that is text."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:  # a POSIX name's bytes, kept as U+DC80..U+DCFF
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a Windows name's unpaired UTF-16 surrogates
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")
    return None


def natural_key(text: str) -> tuple:
    """A sort key for ``text``: its runs of digits compared as numbers, the rest as lower-case
    text. Text and numbers alternate from a text part (perhaps empty), so any two keys compare
    part by part without mixing types. Names equal but for leading zeros (``clip01``,
    ``clip1``) tie, and a stable sort keeps their previous order."""
    parts: list = _DIGITS_RE.split(text.lower())
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def natural_order(text: str) -> tuple:
    """A sort key in the order a person counts (:func:`natural_key`), the text itself breaking
    ties (``Cat`` before ``cat``, ``call01`` before ``call1``): the same order on every run,
    whatever order the names came in."""
    return natural_key(text), text


def path_keys(path: str) -> tuple[tuple, tuple, tuple]:
    """``natural_key`` of a ``/``-separated ``path``, of its folder and of its file name, from
    one key: the path's is split at its last ``/`` (never inside a number), because building
    keys is most of the time a 20,000-clip list takes to fill."""
    key = natural_key(path)
    for cut in range(len(key) - 1, -1, -2):  # the text parts, from the last
        if "/" in key[cut]:
            before, _, after = key[cut].rpartition("/")
            return key, key[:cut] + (before,), (after,) + key[cut + 1:]
    return key, ("",), key


@dataclass(frozen=True)
class FileIdentity:
    """Which content a path holds: its size and modification time, kept with what was made from
    it (a feature cache's rows, a recording's overview, a clip on show) to tell it changed since."""

    path: str
    size: int
    mtime_ns: int


def file_identity(path: str | Path) -> FileIdentity | None:
    """The identity of ``path`` now (resolved, so two spellings share rows); None when it cannot
    be read (reading it says why)."""
    try:
        resolved = Path(path).resolve()
        stat = os.stat(resolved)
    except (OSError, RuntimeError):  # RuntimeError: a loop of links (Python 3.11's resolve)
        return None
    return FileIdentity(str(resolved), stat.st_size, stat.st_mtime_ns)
