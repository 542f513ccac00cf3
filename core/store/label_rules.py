"""The folder-label rule, one for the app's scan and the command line: a file's label from Edge
Impulse's info.labels, its folder, its name (by a NameRule, see core.store.name_rules) or a
labels.csv (FolderLabels), scan_labels over a folder, labels files read (read_labels_file), and
the way back, a label as a folder name (safe_folder_name). No Qt."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.audio.discovery import iter_audio_files
from core.audio.reading import AUDIO_EXTENSIONS
from core.errors import EarmarkError, os_reason
from core.store.name_rules import (
    PREFIX_RULE,
    NameRule,
    infer_name_rule,
    is_date_stamp,
    is_recorder_folder,
    token_rules,
)
from core.store.records import clean_label

#: Where a label came from.
SOURCES = ("folder", "filename", "csv", "none")
#: The names of a question that rates a clip or a sound rather than naming its class (a Label
#: Studio control, an AOEF tag's key): its answers are never a class, even asked alone of a clip
#: (a "quality" of Good made a class Good).
RATING_NAMES = ("quality", "rating", "confidence", "certainty", "difficulty", "snr", "review",
                "status", "verified", "validation", "valid")


@dataclass(frozen=True)
class LabeledClip:
    """An audio file and its label (None when unlabeled) with where the label came from."""

    path: Path
    label: str | None
    source: str


def label_from_path(root: str | os.PathLike, path: str | os.PathLike,
                    name_rule: NameRule = PREFIX_RULE) -> tuple[str | None, str]:
    """The label a file's place or name gives it, and the rule that gave it.

    1. ``("dogs", "folder")`` for ``root/dogs/bark1.wav`` (the immediate parent folder, for a
       file not directly in ``root``), unless that folder is named by a date (``2026-06-01``)
       or is a recorder's (``ARU01/20260601_220000.wav``, see ``is_recorder_folder``);
    2. ``("cat", "filename")`` for a file directly in ``root`` whose name ``name_rule`` reads
       (by default the prefix rule: ``cat_12.wav`` or ``cat-12.wav``, a prefix, ``_`` or ``-``,
       then only digits);
    3. ``(None, "none")``.
    """
    return FolderLabels(root, name_rule=name_rule).place_label(path)


def class_named_by(path: str | os.PathLike, classes: Iterable[str]) -> str | None:
    """The one of ``classes`` that ``path``'s folder, or else its name, names, as test sets are
    laid out (``cat/a.wav``; ``cat_12.wav`` by the prefix rule, FSDD's ``0_yweweler_3.wav`` by
    its first part, or its first two...: :func:`rule_naming`); None when none does."""
    path, classes = Path(path), set(classes)
    if path.parent.name in classes:
        return path.parent.name
    rule = rule_naming([path.stem], classes)
    return None if rule is None else rule.label_of(path.stem)


def rule_naming(stems: Sequence[str], classes: Iterable[str],
                first: NameRule | None = None) -> NameRule | None:
    """Of ``first`` (a rule already chosen), the prefix rule and the rules reading the first
    parts of a name, the one by which the most of ``stems`` name one of ``classes`` (the earliest
    of those that name as many); None when none names any: a model's classes say how a test
    set's names are read where a rule inferred from the names alone may not (``0_yweweler_3``
    beside a few ``other7_1``: the part before the number, ``0_yweweler``, fits as well as the
    first part, ``0``, the model's class)."""
    classes = set(classes)
    rules = [*([first] if first is not None else []), PREFIX_RULE,
             *(rule for rule in token_rules(stems) if rule.first == 0)]
    named = [(sum(rule.label_of(stem) in classes for stem in stems), -order, rule)
             for order, rule in enumerate(rules)]
    count, _, rule = max(named, key=lambda n: n[:2])
    return rule if count else None


def _in_subfolder(root: Path, path: Path) -> bool:
    try:
        return len(path.relative_to(root).parts) > 1
    except ValueError:
        return False


def root_audio_stems(root: str | os.PathLike) -> list[str]:
    """The names (without suffix) of the audio files directly in ``root``, sorted; hidden files
    left out as the folder walk leaves them out."""
    try:
        with os.scandir(root) as entries:
            names = sorted(entry.name for entry in entries
                           if not entry.name.startswith(".") and entry.is_file())
    except OSError:
        return []
    return [Path(name).stem for name in names if Path(name).suffix.lower() in AUDIO_EXTENSIONS]


# --------------------------------------------------------------------------- labels.csv


#: How many of a labels file's bad rows a refusal lists before "and N more".
MAX_PROBLEMS_LISTED = 20
#: How much of a chosen label or region file is read to tell whether it is text at all.
SNIFF_BYTES = 1 << 16


def not_text(head: bytes) -> str | None:
    """Why a file that begins with ``head`` is no label or region file, or None: an audio file
    (chosen by mistake: a two-hour WAV was read whole and decoded as text, holding the window
    for seconds before it was refused) or other binary data (NUL bytes, which no text in UTF-8
    or cp1252 or latin-1 holds; UTF-16 and a Sonic Visualiser session's bzip2 do, and their starts say)."""
    if (head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"
            or head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")
            or head.startswith((b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"))
            or head.startswith(b"ID3") and head[3:4] in (b"\x02", b"\x03", b"\x04")
            or head[4:8] == b"ftyp"):
        return "an audio file, not a file of labels or regions (open its folder to add it)"
    if b"\0" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"BZh")):
        return "not a text file (it holds binary data), so no file of labels or regions"
    return None


def read_text_file(path: Path) -> bytes:
    """The bytes of a label or region file at ``path``, refused (EarmarkError naming it and
    :func:`not_text`'s reason) from its first SNIFF_BYTES when it is no text, or by its name
    when it is an audio file's (a text file called notes.wav was read as a path,label CSV: "1
    rows name no clip"); OSError as ``open`` raises it."""
    if path.suffix.lower() in AUDIO_EXTENSIONS:
        raise EarmarkError(f"{path.name}: an audio file by its name, not a file of labels or "
                           "regions (open its folder to add it)")
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        reason = not_text(head)
        if reason is not None:
            raise EarmarkError(f"{path.name}: {reason}")
        return head + handle.read()


def _as_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    """A byte code page 1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as latin-1
    reads it, the rest of the file still as 1252 (one such byte sent the whole file to latin-1,
    its dashes and quotes to control codes)."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


_LATIN1_BYTES = "earmark-latin1-bytes"
codecs.register_error(_LATIN1_BYTES, _as_latin1)


def decode_text(data: bytes) -> str:
    """A text file's bytes as text: UTF-8 with or without a BOM, UTF-16 with a BOM, else Windows'
    code page 1252 (what Excel's "CSV (Comma delimited)" writes, latin-1 with dashes, curly
    quotes and € where latin-1 has control codes), else latin-1 (a byte 1252 leaves undefined).
    Bytes that are not text in the encoding its BOM names (a broken UTF-16 file) are read as
    U+FFFD, which no row's path or times contain."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors=_LATIN1_BYTES)


def load_json(text: str):
    """``text`` as JSON; EarmarkError saying why it cannot be read (a stranger's file may be
    broken, nested thousands deep or hold a number of thousands of digits)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EarmarkError(f"broken JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise EarmarkError("JSON nested too deeply to read") from None
    except ValueError:  # an integer of more digits than Python converts
        raise EarmarkError("JSON holding a number too long to read") from None


def json_number(value) -> float | None:
    """A JSON number as a finite float; None for anything else: a bool (JSON's true is no
    time), text, NaN, infinity or an integer beyond a float's range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def normalise_relative(text: str) -> str:
    """A CSV path as a posix path relative to the CSV's folder (``./a\\b.wav`` -> ``a/b.wav``);
    an absolute one stays absolute (``/data/a.wav``, not ``//data/a.wav``)."""
    text = text.strip().replace("\\", "/")
    parts = [part for part in PurePosixPath(text).parts if part not in ("", ".")]
    if parts and parts[0] == "/":
        return "/" + "/".join(parts[1:])
    return "/".join(parts)


def read_labels_file(path: str | os.PathLike,
                     conflicts: list[str] | None = None) -> dict[str, str]:
    """Read a labels file into ``{relative posix path: label}``, paths relative to the file's
    folder: Edge Impulse's ``info.labels`` (JSON, :func:`_edge_impulse_labels`) or a
    ``path,label`` CSV.

    CSV: a header row (``path,label`` in any case) is optional; blank lines and rows with an empty
    label (unlabeled) are skipped; quoted fields may hold commas and quotes. UTF-8 with or without
    a BOM, UTF-16 with a BOM, and latin-1 are read. A row that is not ``path,label`` (or an entry
    of info.labels without a path) raises :class:`EarmarkError` naming the file and where. A
    path the rows give two labels keeps the last; ``conflicts`` receives ``"a.wav: cat, then
    dog"`` for each.
    """
    path = Path(path)
    try:
        data = read_text_file(path)
    except FileNotFoundError:
        raise EarmarkError(f"{path}: labels file not found") from None
    except IsADirectoryError:
        raise EarmarkError(f"{path}: is a folder, not a labels file") from None
    except PermissionError:
        raise EarmarkError(f"{path}: permission denied") from None
    except OSError as exc:
        raise EarmarkError(f"{path}: cannot be read ({os_reason(exc)})") from None
    text = decode_text(data)
    if text.lstrip().startswith("{"):
        return _edge_impulse_labels(text, path.name)
    return _csv_labels(text, path.name, conflicts)


def csv_delimiter(text: str) -> str:
    """The cells' separator of a CSV: ``;`` where its first line holds one before any comma (a
    spreadsheet in a decimal-comma locale, Excel's in French or German, saves CSVs so, with
    ``1,5`` for a number; a label after it may hold a comma), else ``,``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    semicolon, comma = first.find(";"), first.find(",")
    return ";" if semicolon >= 0 and (comma < 0 or semicolon < comma) else ","


def _csv_labels(text: str, name: str, conflicts: list[str] | None = None) -> dict[str, str]:
    labels: dict[str, str] = {}
    given: dict[str, list[str]] = {}
    problems: list[str] = []  # every bad row, said at once (fixing one a run took a run each)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True,
                        delimiter=csv_delimiter(text))
    rows, ended = [], 0  # (the line a row begins on, the line it ends on, its cells)
    try:
        for row in reader:
            rows.append((ended + 1, reader.line_num, row))
            ended = reader.line_num
    except csv.Error as exc:
        raise EarmarkError(f"{name}, line {reader.line_num}: malformed CSV ({exc})") from None
    # A quote never closed runs its row on to the end of the file (blank lines and all).
    unclosed = text.count('"') % 2 == 1
    first = True
    for began, ended, row in rows:
        if not row or all(not cell.strip() for cell in row):
            continue
        if first:
            first = False
            if [cell.strip().lower() for cell in row[:2]] == ["path", "label"]:
                continue
        if unclosed and ended == reader.line_num and ended > began:
            problems.append(f"line {began}: a quote opened there is never closed")
        elif len(row) < 2:
            problems.append(f"line {began}: expected 'path,label' but found {len(row)} column")
        elif len(row) > 2 and any(cell.strip() for cell in row[2:]):
            problems.append(f"line {began}: expected 'path,label' but found {len(row)} "
                            "columns (quote names that contain commas)")
        elif not (relative := normalise_relative(row[0])):
            problems.append(f"line {began}: empty path")
        elif label := row[1].strip():
            labels[relative] = label
            given.setdefault(relative, []).append(label)
        else:
            labels.pop(relative, None)
    if len(problems) == 1:
        raise EarmarkError(f"{name}, {problems[0]}")
    if problems:
        listed = [f"  {problem}" for problem in problems[:MAX_PROBLEMS_LISTED]]
        if len(problems) > MAX_PROBLEMS_LISTED:
            listed.append(f"  and {len(problems) - MAX_PROBLEMS_LISTED} more")
        raise EarmarkError("\n".join([f"{name}: {len(problems)} rows cannot be read, so no label "
                                       "was imported:", *listed]))
    if conflicts is not None:
        conflicts.extend(filter(None, (two_labels(rel, said) for rel, said in given.items())))
    return labels


def two_labels(path: str, given: list[str]) -> str | None:
    """A file a labels file labels more than once, for a message, each change of label in the
    rows' order, the last kept: ``"a.wav: cat, then dog"``, ``"a.wav: cat, then dog, then
    cat"``; None where every row gives it one label (as the store keeps names: one Unicode
    form)."""
    said = [clean_label(label) for label in given]
    changes = [label for k, label in enumerate(said) if k == 0 or label != said[k - 1]]
    return f"{path}: {', then '.join(changes)}" if len(set(said)) > 1 else None


def is_edge_impulse(value) -> bool:
    """Whether parsed JSON is Edge Impulse's info.labels: an object with a ``files`` list."""
    return isinstance(value, dict) and isinstance(value.get("files"), list)


def _edge_impulse_labels(text: str, name: str) -> dict[str, str]:
    """Edge Impulse's exporter format (``info.labels``): ``{"version": 1, "files": [{"path",
    "category", "label": {"type": "label", "label": ...}}]}``, each path relative to the file's
    folder. A file of type ``unlabeled`` has no label; a ``multi-label`` one (spans of a long
    sample) no label for the whole file either."""
    try:
        value = load_json(text)
    except EarmarkError as error:
        raise EarmarkError(f"{name}: {error}") from None
    if not is_edge_impulse(value):
        raise EarmarkError(f"{name}: JSON that is not Edge Impulse's info.labels (no \"files\" "
                           "list)")
    labels: dict[str, str] = {}
    for number, entry in enumerate(value["files"], start=1):
        relative = normalise_relative(entry.get("path", "")) if isinstance(entry, dict) and \
            isinstance(entry.get("path"), str) else ""
        if not relative:
            raise EarmarkError(f"{name}, file {number}: no path")
        label = entry.get("label")
        if isinstance(label, dict) and label.get("type") == "label" and \
                isinstance(label.get("label"), str) and label["label"].strip():
            labels[relative] = label["label"].strip()
    return labels


# --------------------------------------------------------------------------- the rule

CSV_NAME = "labels.csv"
EDGE_IMPULSE_NAME = "info.labels"  # Edge Impulse's exporter format, in a folder or at the root


class FolderLabels:
    """The label of each file under ``root``, by one rule (the project store's first scan and the
    command line's train and evaluate both ask here, so they never label a folder differently):

    0. Edge Impulse's ``info.labels`` (its exporter format) in the file's own folder, then in
       ``root``, as a CSV is read in rule 2: Edge Impulse exports into ``training/`` and
       ``testing/``, which are no classes, so a file beside an info.labels that gives it no
       label has none;
    1. the file's folder, for a file below ``root`` (``root/dogs/bark1.wav`` -> ``dogs``),
       unless the folder is named by a date (``root/2026-06-01/...``: no label) or is a
       recorder's (``root/ARU01/20260601_220000.wav``: no label);
    2. a ``labels.csv`` in the file's own folder, then one in ``root``: the row whose path
       (relative to that CSV's folder) names the file, else a row naming just its file name.
       By rule 1 a file below ``root`` is labelled by its folder first, so in practice the CSV
       labels the files directly in ``root``: a person's list, before a rule guessed from
       names (which had won, and the CSV a person wrote was never read, without a word);
    3. for a file directly in ``root``, what ``name_rule`` reads in its name
       (``cat_12.wav`` -> ``cat``); None: the rule that suits the names of the files directly
       in ``root`` (:func:`~core.store.name_rules.infer_name_rule`), found once, when first
       needed, and then kept in :attr:`name_rule`;
    4. none: ``(None, "none")``.

    Each labels file is read once. One that cannot be read is passed to ``on_csv_error(path,
    error)`` and treated as empty; without that callback the EarmarkError is raised.
    """

    def __init__(self, root: str | os.PathLike, csv_name: str = CSV_NAME,
                 on_csv_error: Callable[[Path, EarmarkError], None] | None = None,
                 name_rule: NameRule | None = None) -> None:
        self.root = Path(root)
        self.csv_name = csv_name
        self.on_csv_error = on_csv_error
        self._name_rule = name_rule
        self._tables: dict[tuple[Path, str], dict[str, str]] = {}
        self._present: set[tuple[Path, str]] = set()  # (folder, name) of the files that exist
        self._unusable: set[tuple[Path, str]] = set()  # ...and of those that could not be read

    @property
    def name_rule(self) -> NameRule:
        """The file-name rule for the files directly in ``root``: the one given, else inferred
        from their names (once)."""
        if self._name_rule is None:
            self._name_rule = infer_name_rule(root_audio_stems(self.root))
        return self._name_rule

    def place_label(self, path: str | os.PathLike) -> tuple[str | None, str]:
        """``(label, source)`` from the file's folder or name alone (rules 1 and 3), no CSV."""
        path = Path(path)
        if _in_subfolder(self.root, path):
            # A folder named by a date (a night's recordings in 2026-06-01/) says when, not
            # what; a recorder's (ARU01/20260601_220000.wav) says where.
            folder = path.parent.name
            if is_date_stamp(folder) or is_recorder_folder(folder, path.stem):
                return None, "none"
            return folder, "folder"
        label = self.name_rule.label_of(path.stem)
        return (label, "filename") if label is not None else (None, "none")

    def label_of(self, path: str | os.PathLike) -> tuple[str | None, str]:
        """``(label, source)`` for ``path``; source is one of SOURCES."""
        path = Path(path)
        # Edge Impulse exports its samples into training/ and testing/ with their labels in an
        # info.labels: that file, where there is one, says more than the folder's name.
        found = self._listed(path, EDGE_IMPULSE_NAME)
        if found:
            return found, "csv"
        if (path.parent, EDGE_IMPULSE_NAME) in self._present:  # an unlabelled Edge Impulse sample
            return None, "none"
        label, source = self.place_label(path)
        if source == "folder":
            return label, source
        found = self._listed(path, self.csv_name)
        return (found, "csv") if found else (label, source)

    def edge_impulse_files(self) -> list[Path]:
        """The Edge Impulse info.labels files :meth:`label_of` has found so far and could read,
        sorted (one that could not was reported to ``on_csv_error`` already)."""
        return sorted(folder / name for folder, name in self._present - self._unusable
                      if name == EDGE_IMPULSE_NAME)

    def _listed(self, path: Path, name: str) -> str | None:
        """The label a labels file called ``name`` gives ``path``: the one in its own folder, then
        the one in ``root``; the row naming its path relative to that file's folder, else one
        naming just its file name."""
        for folder in dict.fromkeys((path.parent, self.root)):  # nearest first
            table = self._table(folder, name)
            if not table:
                continue
            try:
                key = path.relative_to(folder).as_posix()
            except ValueError:
                key = path.name
            found = table.get(key) or table.get(path.name)
            if found:
                return found
        return None

    def rows_naming_no_file(self, files: Iterable[str]) -> list[tuple[Path, list[str]]]:
        """Of each labels file read so far, the rows naming no file of ``files`` (the audio
        files' paths relative to ``root``, posix) as :meth:`_listed` finds them: by path, or by
        name (the root's file: any file's; a subfolder's: one directly in it). ``[(labels file,
        [rows' paths])]``, those with any. A person reading a labels file they were given would
        not know why some labels never showed."""
        files = set(files)
        out = []
        for (folder, name), table in self._tables.items():
            try:
                base = folder.relative_to(self.root).as_posix()
            except ValueError:
                continue
            prefix = "" if base == "." else f"{base}/"
            names = {PurePosixPath(rel).name for rel in files
                     if not prefix or PurePosixPath(rel).parent.as_posix() == base}
            missing = [key for key in table
                       if f"{prefix}{key}" not in files and not ("/" not in key and key in names)]
            if missing:
                out.append((folder / name, missing))
        return out

    def scan(self) -> list[LabeledClip]:
        """Every audio file under ``root`` with its label, sorted as :func:`iter_audio_files`."""
        return [LabeledClip(file, *self.label_of(file)) for file in iter_audio_files(self.root)]

    def _table(self, folder: Path, name: str) -> dict[str, str]:
        table = self._tables.get((folder, name))
        if table is None:
            table = {}
            labels_path = folder / name
            if labels_path.is_file():
                self._present.add((folder, name))
                try:
                    table = read_labels_file(labels_path)
                except (OSError, ValueError, EarmarkError) as error:
                    if not isinstance(error, EarmarkError):  # e.g. broken UTF-16
                        error = EarmarkError(f"{labels_path}: cannot be read ({error})")
                    if self.on_csv_error is None:
                        raise error from None
                    self._unusable.add((folder, name))
                    self.on_csv_error(labels_path, error)
            self._tables[(folder, name)] = table
        return table


def scan_labels(root: str | os.PathLike, csv_name: str = CSV_NAME,
                name_rule: NameRule | None = None) -> list[LabeledClip]:
    """Every audio file under ``root`` with its label by the :class:`FolderLabels` rule (a
    ``name_rule`` of None: inferred from the names of the files directly in ``root``), sorted as
    :func:`iter_audio_files`. A labels.csv that cannot be read raises EarmarkError."""
    return FolderLabels(root, csv_name, name_rule=name_rule).scan()


# --------------------------------------------------------------------------- folder names


#: The longest folder name (UTF-8 bytes) safe_folder_name gives: under file systems' 255.
MAX_FOLDER_NAME_BYTES = 200


def safe_folder_name(label: str) -> str:
    """A class name usable as one folder name on any system (export into class folders, files
    copied into a project under their label): separators, reserved and control characters
    become ``_``; trailing dots and blanks go; nothing left, or a dot name, gives ``_``."""
    name = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in label).strip()
    name = name.rstrip(". ")
    if len(name.encode("utf-8")) > MAX_FOLDER_NAME_BYTES:
        # Past what a file system takes (255 bytes: 85 CJK characters) the export stopped
        # halfway; cut, with a mark of the whole name, so two long names stay two folders.
        mark = hashlib.sha1(label.encode("utf-8")).hexdigest()[:8]
        cut = name.encode("utf-8")[:MAX_FOLDER_NAME_BYTES - len(mark) - 1]
        name = f"{cut.decode('utf-8', errors='ignore').rstrip('. ')}-{mark}"
    return name if name and name not in (".", "..") else "_"
