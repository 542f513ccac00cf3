"""How a scan knows a clip's file moved: renamed, sorted into another folder, or two files'
names swapped. A file's fingerprint (:func:`file_fingerprint`) with its size and modification
time (``mv`` keeps both) tell a clip's own file from another's; the scan
(:mod:`core.store.scan`) then gives the clip its new path, keeping its labels and regions."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import NamedTuple

#: Bytes hashed at each end of a file for its fingerprint (:func:`file_fingerprint`).
FINGERPRINT_BYTES = 4096


class Known(NamedTuple):
    """A clip as the store knew it when a scan began (its path the key)."""

    id: int
    size: int | None
    mtime_ns: int | None
    missing: int
    label: str | None
    label_source: str | None
    fingerprint: str | None
    error: str | None


def file_fingerprint(path: Path) -> str | None:
    """A hash of a file's first and last FINGERPRINT_BYTES (of all of a smaller file) and its
    size, taken where the scan reads a header anyway (two small reads more): two recorders'
    files of one name, length and time differ in it, a file moved does not. None where the
    file cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(FINGERPRINT_BYTES)
            size = handle.seek(0, os.SEEK_END)
            tail = b""
            if size > FINGERPRINT_BYTES:  # a file under twice that: all of it
                handle.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
                tail = handle.read(FINGERPRINT_BYTES)
    except OSError:
        return None
    return hashlib.blake2b(head + tail + size.to_bytes(8, "little"), digest_size=8).hexdigest()


def _unique_pairs(files: dict[str, tuple], clips: dict[str, tuple]) -> list[tuple[str, str]]:
    """(file, clip) paths whose keys only they share: exactly one file and one clip each."""
    by_key: dict[tuple, tuple[list[str], list[str]]] = {}
    for rel, key in files.items():
        by_key.setdefault(key, ([], []))[0].append(rel)
    for rel, key in clips.items():
        if key in by_key:
            by_key[key][1].append(rel)
    return [(found[0], held[0]) for found, held in by_key.values()
            if len(found) == 1 and len(held) == 1]


def moved_files(folder: Path, listed: dict[str, os.stat_result | None],
                known: dict[str, Known], placed: Collection[int] = ()) -> dict[str, Known]:
    """{path in the folder: the ``known`` entry of its clip} of the listed files (``listed``,
    paths in ``folder`` and their stats) the store does not know that are a clip's file moved:
    the same name, size and modification time (``mv`` keeps them) and the same fingerprint
    (:func:`file_fingerprint`: another recorder's file of the same name, length and time
    differs in its bytes), where exactly one clip and one file share them, and the clip's
    own path holds its file no more (it vanished, or another file took its place). Files
    sorted into folders, or a folder renamed, keep their labels, regions and predictions;
    a copy (its original still in place) or two clips alike are left as they are (new, and
    missing). A clip with no fingerprint yet (scanned before they were kept, or before a
    store's upgrade took them again) is known by its name, size and time alone, where
    nothing is at its own path any more. A file renamed (``rec_002.wav`` to
    ``kitchen_cat.wav``) is known by its size, time and fingerprint, where nothing is at
    its clip's path any more. Clips whose ids are ``placed`` (found swapped) are not looked
    for: a copy of one is a new clip."""
    stats = {rel: st for rel, st in listed.items() if rel not in known and st is not None}
    known = {rel: entry for rel, entry in known.items() if entry.id not in placed}
    if not stats:
        return {}
    moves: dict[str, Known] = {}
    named = _unique_pairs(
        {rel: (PurePosixPath(rel).name, st.st_size, st.st_mtime_ns) for rel, st in stats.items()},
        {rel: (PurePosixPath(rel).name, e.size, e.mtime_ns) for rel, e in known.items()})
    for new_rel, old_rel in named:
        entry = known[old_rel]
        if entry.fingerprint is None:
            # Name, size and time alone, only for a clip there at the last scan: two cards
            # on one schedule write files of one name, size and (to FAT's 2 s) time.
            if not entry.missing and _vacated(folder, old_rel, new_rel, listed):
                moves[new_rel] = entry
            continue
        still_there = not _vacated(folder, old_rel, new_rel, listed) and file_fingerprint(
            folder / old_rel) == entry.fingerprint
        if not still_there and file_fingerprint(folder / new_rel) == entry.fingerprint:
            moves[new_rel] = entry
    gone = known.keys() - listed - {known_rel for _, known_rel in named}
    renamed = _unique_pairs(
        {rel: (st.st_size, st.st_mtime_ns) for rel, st in stats.items() if rel not in moves},
        {rel: (known[rel].size, known[rel].mtime_ns) for rel in gone
         if known[rel].fingerprint is not None})
    for new_rel, old_rel in renamed:
        if _vacated(folder, old_rel, new_rel, listed) and \
                file_fingerprint(folder / new_rel) == known[old_rel].fingerprint:
            moves[new_rel] = known[old_rel]
    return moves


def swapped_files(folder: Path, listed: dict[str, os.stat_result | None],
                  known: dict[str, Known]) -> dict[str, Known]:
    """{path in the folder: the ``known`` entry of its clip} of clips whose files took each
    other's paths (``a.wav`` and ``b.wav`` swapped, or three names turned round): each path
    the store knows holds, by size, time and fingerprint, another of these clips' file, and
    every one of these clips' files is at one of these paths. Each path kept its own labels
    before, on the other recording. Swapped files of one size and time are not seen: the
    scan reads no more of a file unchanged on both."""
    changed: dict[str, tuple[int, int]] = {}
    for rel, st in listed.items():
        entry = known.get(rel)
        if entry is None or entry.missing or entry.fingerprint is None or st is None:
            continue
        if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
            changed[rel] = (st.st_size, st.st_mtime_ns)
    if len(changed) < 2:
        return {}
    pairs = _unique_pairs(changed, {rel: (known[rel].size, known[rel].mtime_ns)
                                    for rel in changed})
    origin = {new_rel: old_rel for new_rel, old_rel in pairs if new_rel != old_rel
              and file_fingerprint(folder / new_rel) == known[old_rel].fingerprint}
    # Only where the paths go round among these clips: none is left without its file, and no
    # file at one of these paths without its clip.
    while True:
        olds = set(origin.values())
        closed = {new: old for new, old in origin.items() if old in origin and new in olds}
        if len(closed) == len(origin):
            return {new_rel: known[old_rel] for new_rel, old_rel in closed.items()}
        origin = closed


def _vacated(folder: Path, old_rel: str, new_rel: str, listed: Collection[str]) -> bool:
    """Whether nothing is at a clip's old path but, maybe, its new one: on a disk that
    ignores case (macOS, Windows), ``REC_001.WAV`` renamed ``rec_001.wav`` is still there,
    though the folder lists only the new name (a hard link listed at both is a copy)."""
    old, new = folder / old_rel, folder / new_rel
    if not os.path.lexists(old):
        return True
    try:
        return old_rel not in listed and os.path.samefile(old, new)
    except OSError:
        return False
