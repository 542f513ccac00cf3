"""Clips and their labels from a folder: scanning, folder/file-name rules, labels.csv. No Qt."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.audio import AUDIO_EXTENSIONS
from core.errors import EarmarkError

#: Where a label came from.
SOURCES = ("folder", "filename", "csv", "none")

# ``cat_12``, ``dog_barking-3``: a prefix, then ``_`` or ``-``, then digits only.
_PREFIX_RE = re.compile(r"^(?P<prefix>.*?[^_\-\s])[_-]\d+$")


@dataclass(frozen=True)
class LabeledClip:
    """An audio file and its label (None when unlabeled) with where the label came from."""

    path: Path
    label: str | None
    source: str


# --------------------------------------------------------------------------- scanning


def iter_audio_files(root: str | os.PathLike) -> Iterator[Path]:
    """Yield the audio files under ``root`` recursively, in sorted order.

    Hidden entries (a name starting with '.') are skipped, as are files whose suffix is not in
    ``AUDIO_EXTENSIONS``, folders named like audio files, dangling links and unreadable folders.
    Symbolic links to folders are followed once: a folder already visited (same device and
    inode) is not entered again, so link loops end. Uses ``os.scandir`` so that a folder of
    tens of thousands of files costs one listing, not a stat per file.
    """
    root = Path(root)
    try:
        st = os.stat(root)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        return
    visited: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    yield from _walk(root, visited)


def _walk(folder: Path, visited: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()  # follows links; False for dangling links
        except OSError:
            continue
        if is_dir:
            try:
                # os.stat, not entry.stat(): on Windows the latter leaves st_ino at 0.
                st = os.stat(entry.path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                continue
            visited.add(key)
            yield from _walk(Path(entry.path), visited)
            continue
        if os.path.splitext(name)[1].lower() not in AUDIO_EXTENSIONS:
            continue
        try:
            if not entry.is_file():  # dangling link, socket, fifo...
                continue
        except OSError:
            continue
        yield Path(entry.path)


# --------------------------------------------------------------------------- rules


def expand_audio_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given (audio or not: a bad one gets its own error later), folders as the audio
    files under them (``iter_audio_files``), in order."""
    out: list[Path] = []
    for path in map(Path, paths):
        out.extend(iter_audio_files(path) if path.is_dir() else [path])
    return out


def label_from_path(root: str | os.PathLike, path: str | os.PathLike) -> tuple[str | None, str]:
    """The label a file's place or name gives it, and the rule that gave it.

    1. ``("dogs", "folder")`` for ``root/dogs/bark1.wav`` (the immediate parent folder, for a
       file not directly in ``root``);
    2. ``("cat", "filename")`` for ``cat_12.wav`` or ``cat-12.wav`` (a prefix, ``_`` or ``-``,
       then only digits);
    3. ``(None, "none")``.
    """
    root = Path(root)
    path = Path(path)
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = None
    if relative is not None and len(relative.parts) > 1:
        return relative.parent.name, "folder"
    match = _PREFIX_RE.match(path.stem)
    if match:
        return match.group("prefix"), "filename"
    return None, "none"


# --------------------------------------------------------------------------- labels.csv


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _normalise_relative(text: str) -> str:
    """A CSV path as a posix path relative to the CSV's folder (``./a\\b.wav`` -> ``a/b.wav``)."""
    text = text.strip().replace("\\", "/")
    parts = [part for part in PurePosixPath(text).parts if part not in ("", ".")]
    return "/".join(parts)


def read_labels_csv(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``path,label`` CSV into ``{relative posix path: label}``.

    Paths are relative to the CSV's folder. A header row (``path,label`` in any case) is
    optional; blank lines and rows with an empty label (unlabeled) are skipped. UTF-8 with or
    without a BOM, UTF-16 with a BOM, and latin-1 are read; quoted fields may hold commas and
    quotes. A row without two columns raises :class:`EarmarkError` naming the file and line.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EarmarkError(f"{path}: labels file not found") from None
    except IsADirectoryError:
        raise EarmarkError(f"{path}: is a folder, not a labels file") from None
    except PermissionError:
        raise EarmarkError(f"{path}: permission denied") from None
    except OSError as exc:
        raise EarmarkError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(data)
    labels: dict[str, str] = {}
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    first = True
    try:
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            line = reader.line_num
            if first:
                first = False
                if [cell.strip().lower() for cell in row[:2]] == ["path", "label"]:
                    continue
            if len(row) < 2:
                raise EarmarkError(
                    f"{path.name}, line {line}: expected 'path,label' but found {len(row)} column")
            if len(row) > 2 and any(cell.strip() for cell in row[2:]):
                raise EarmarkError(
                    f"{path.name}, line {line}: expected 'path,label' but found {len(row)} "
                    "columns (quote names that contain commas)")
            relative = _normalise_relative(row[0])
            if not relative:
                raise EarmarkError(f"{path.name}, line {line}: empty path")
            label = row[1].strip()
            if label:
                labels[relative] = label
            else:
                labels.pop(relative, None)
    except csv.Error as exc:
        raise EarmarkError(f"{path.name}, line {reader.line_num}: malformed CSV ({exc})") from None
    return labels


# --------------------------------------------------------------------------- scan


def scan_labels(root: str | os.PathLike, csv_name: str = "labels.csv") -> list[LabeledClip]:
    """Every audio file under ``root`` with its label: folder, else file name, else the CSV
    ``root/csv_name`` (when present), else unlabeled. Sorted as :func:`iter_audio_files`."""
    root = Path(root)
    csv_path = root / csv_name
    csv_labels = read_labels_csv(csv_path) if csv_path.is_file() else {}
    clips = []
    for file in iter_audio_files(root):
        label, source = label_from_path(root, file)
        if label is None and csv_labels:
            key = file.relative_to(root).as_posix()
            if key in csv_labels:
                label, source = csv_labels[key], "csv"
        clips.append(LabeledClip(file, label, source))
    return clips
