"""Finding audio files: a folder walked recursively (hidden, non-audio and looping links skipped),
and dropped paths expanded to the audio files they name."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from core.audio.reading import AUDIO_EXTENSIONS
from core.errors import os_reason
from core.paths import natural_order

# --------------------------------------------------------------------------- scanning


def iter_audio_files(root: str | os.PathLike,
                     on_unlisted: Callable[[Path, str], None] | None = None,
                     on_not_file: Callable[[Path, str], None] | None = None) -> Iterator[Path]:
    """Yield the audio files under ``root`` recursively, each folder's entries in the order a
    person counts them (``clip_2`` before ``clip_10``: ``core.paths.natural_order``).

    Hidden entries (a name starting with '.') are skipped, as are files whose suffix is not in
    ``AUDIO_EXTENSIONS``, folders named like audio files and unreadable folders. A dangling link
    named like an audio file, or one in a loop of links, is yielded: it is a recording someone
    meant to be there, and reading it says why it is not.
    Symbolic links to folders are followed once: a folder already visited (same device and
    inode) is not entered again, so link loops end. Uses ``os.scandir`` so that a folder of
    tens of thousands of files costs one listing, not a stat per file.
    ``on_unlisted(folder, reason)`` hears of each folder that cannot be listed (no permission;
    ``root`` itself too), so a caller can say which recordings it did not see;
    ``on_not_file(path, kind)`` of each entry named like audio that is not a file (a named pipe,
    a device, a socket: ``kind`` says which), which is not yielded: reading a named pipe waits
    for a writer that may never come.
    """
    root = Path(root)
    try:
        st = os.stat(root)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    visited: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    yield from _walk(root, visited, on_unlisted, on_not_file)


def _walk(folder: Path, visited: set[tuple[int, int]],
          on_unlisted: Callable[[Path, str], None] | None,
          on_not_file: Callable[[Path, str], None] | None) -> Iterator[Path]:
    try:
        with os.scandir(folder) as it:
            # The name itself breaks ties (A.wav, a.wav): the same order on every run.
            entries = sorted(it, key=lambda entry: natural_order(entry.name))
    except OSError as error:
        if on_unlisted is not None:
            on_unlisted(folder, os_reason(error))
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()  # follows links; False for dangling links
        except OSError as error:  # a link in a loop (ELOOP): as a dangling one, reading it says so
            if _is_audio_name(name) and entry.is_symlink():
                yield Path(entry.path)
            elif on_unlisted is not None and not entry.is_symlink():
                on_unlisted(Path(entry.path), os_reason(error))
            continue
        if is_dir:
            try:
                # os.stat, not entry.stat(): on Windows the latter leaves st_ino at 0.
                st = os.stat(entry.path)
            except OSError as error:  # a path too long to name (ENAMETOOLONG): said, not skipped
                if on_unlisted is not None and error.errno != errno.ELOOP:
                    on_unlisted(Path(entry.path), os_reason(error))
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                continue
            visited.add(key)
            yield from _walk(Path(entry.path), visited, on_unlisted, on_not_file)
            continue
        if not _is_audio_name(name):
            continue
        try:
            if not (entry.is_file() or _dangling(entry)):
                if on_not_file is not None:  # a stat, which never opens it
                    on_not_file(Path(entry.path), _kind(entry.stat().st_mode))
                continue
        except OSError:
            continue
        yield Path(entry.path)


def _is_audio_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _dangling(entry: os.DirEntry) -> bool:
    return entry.is_symlink() and not os.path.exists(entry.path)


# --------------------------------------------------------------------------- rules


def expand_audio_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given (audio or not: a bad one gets its own error later), folders as the audio
    files under them (``iter_audio_files``), in order."""
    out: list[Path] = []
    for path in map(Path, paths):
        out.extend(iter_audio_files(path) if path.is_dir() else [path])
    return out


