"""The folder-label rule, one for the app's scan and the command line: a file's label from its folder,
its name or a labels.csv (FolderLabels), scan_labels over a folder, and the way back, a label as a
folder name (safe_folder_name). No Qt."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
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


# --------------------------------------------------------------------------- the rule

CSV_NAME = "labels.csv"


class FolderLabels:
    """The label of each file under ``root``, by one rule (the project store's first scan and the
    command line's train and evaluate both ask here, so they never label a folder differently):

    1. the file's folder, for a file below ``root`` (``root/dogs/bark1.wav`` -> ``dogs``);
    2. its name's prefix (``cat_12.wav`` -> ``cat``), see :func:`label_from_path`;
    3. a ``labels.csv`` in the file's own folder, then one in ``root``: the row whose path
       (relative to that CSV's folder) names the file, else a row naming just its file name.
       By rule 1 a file below ``root`` is labelled by its folder first, so in practice the CSV
       labels the files directly in ``root``;
    4. none: ``(None, "none")``.

    Each CSV is read once. One that cannot be read is passed to ``on_csv_error(csv_path, error)``
    and treated as empty; without that callback the EarmarkError is raised.
    """

    def __init__(self, root: str | os.PathLike, csv_name: str = CSV_NAME,
                 on_csv_error: Callable[[Path, EarmarkError], None] | None = None) -> None:
        self.root = Path(root)
        self.csv_name = csv_name
        self.on_csv_error = on_csv_error
        self._tables: dict[Path, dict[str, str]] = {}

    def label_of(self, path: str | os.PathLike) -> tuple[str | None, str]:
        """``(label, source)`` for ``path``; source is one of SOURCES."""
        path = Path(path)
        label, source = label_from_path(self.root, path)
        if label is not None:
            return label, source
        # Nearest first; a file in root has one folder to look in.
        for folder in dict.fromkeys((path.parent, self.root)):
            table = self._table(folder)
            if not table:
                continue
            try:
                key = path.relative_to(folder).as_posix()
            except ValueError:
                key = path.name
            found = table.get(key) or table.get(path.name)
            if found:
                return found, "csv"
        return None, "none"

    def _table(self, folder: Path) -> dict[str, str]:
        table = self._tables.get(folder)
        if table is None:
            table = {}
            csv_path = folder / self.csv_name
            if csv_path.is_file():
                try:
                    table = read_labels_csv(csv_path)
                except (OSError, ValueError, EarmarkError) as error:
                    if not isinstance(error, EarmarkError):  # e.g. broken UTF-16
                        error = EarmarkError(f"{csv_path}: cannot be read ({error})")
                    if self.on_csv_error is None:
                        raise error from None
                    self.on_csv_error(csv_path, error)
            self._tables[folder] = table
        return table


def scan_labels(root: str | os.PathLike, csv_name: str = CSV_NAME) -> list[LabeledClip]:
    """Every audio file under ``root`` with its label by the :class:`FolderLabels` rule, sorted as
    :func:`iter_audio_files`. A labels.csv that cannot be read raises EarmarkError."""
    rule = FolderLabels(root, csv_name)
    return [LabeledClip(file, *rule.label_of(file)) for file in iter_audio_files(Path(root))]


# --------------------------------------------------------------------------- folder names


def safe_folder_name(label: str) -> str:
    """A class name usable as one folder name on any system (export into class folders, files
    copied into a project under their label): separators, reserved and control characters
    become ``_``; trailing dots and blanks go; nothing left, or a dot name, gives ``_``."""
    name = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in label).strip()
    name = name.rstrip(". ")
    return name if name and name not in (".", "..") else "_"
