"""The folder-label rule: a clip's label from its folder or file name, labels.csv, scan_labels. No Qt."""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.audio.discovery import iter_audio_files
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
