"""Regions into a project from the files other tools write: a CSV (``path,label`` plus
``begin_s,end_s,low_hz,high_hz``), a Raven Pro selection table, an Audacity label track, BirdNET
Analyzer's CSV, (through :mod:`core.store.region_json`) AviaNZ ``.data`` files and Label Studio
JSON, (:mod:`core.store.region_aoef`) Whombat's AOEF, and (:mod:`core.store.region_svl`) Sonic
Visualiser's layers and sessions. Reading never
touches the store; an import checks every row, then adds them all in one transaction. Writing them:
:mod:`core.store.region_export`.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath, PureWindowsPath

from core.errors import EarmarkError, RegionError
from core.store.label_rules import decode_text, normalise_relative
from core.store.records import ClipRecord, RegionRecord, RegionRow, RegionSpec
from core.store.region_aoef import parse_aoef
from core.store.region_json import (
    AVIANZ_SUFFIX,
    Problem,
    avianz_audio,
    json_format,
    load_json,
    parse_avianz,
    parse_label_studio,
)
from core.store.region_svl import (
    SV_CSV,
    decompress,
    is_sv_csv,
    is_xml,
    parse_sv_csv,
    parse_svl,
    svl_audio,
)
from core.store.regions import MAX_LISTED, validate_region

#: BirdNET Analyzer's CSV (``--rtype csv``): ``Start (s),End (s),Scientific name,Common name,
#: Confidence`` and, in its newer versions, ``File``.
BIRDNET_TIMES = {"start (s)", "end (s)"}
BIRDNET_LABELS = ("common name", "scientific name", "label", "species")
#: What a problem's number counts in each format, for messages.
_UNITS = {"avianz": "segment", "labelstudio": "region", "aoef": "entry"}
#: A format's name in messages.
SONIC_VISUALISER = "sonicvisualiser"
#: The annotation columns Raven users name, in the order one is preferred when a table has several
#: ("Common Name" is what BirdNET writes).
ANNOTATION_COLUMNS = ("annotation", "label", "species", "class", "common name")
BAND_SLACK_HZ = 0.5  # a band from 0 to within this of Nyquist is the whole spectrum: no band
_AUDACITY_UNDEFINED_HZ = -1.0  # what Audacity writes for a band edge it does not know




# --------------------------------------------------------------------------- recognising


def _header_key(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _number(text: str) -> float | None:
    """A cell as a number (None when empty); Audacity may write a decimal comma. ValueError when it
    is not a finite number."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"[-+]?\d*,\d+", text):
        text = text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _is_number(text: str) -> bool:
    try:
        return _number(text) is not None
    except ValueError:
        return False


def detect_format(text: str) -> str:
    """``"raven"``, ``"audacity"``, ``"csv"``, ``"birdnet"``, ``"avianz"``, ``"labelstudio"``,
    ``"aoef"`` or ``"sonicvisualiser"``, from the first line that is not blank: a tab-separated
    header naming ``Begin Time (s)`` and ``End Time (s)`` is a Raven selection table; a
    tab-separated line starting with a number an Audacity label track; JSON an AviaNZ file, a
    Label Studio export or an AOEF document (:func:`region_json.json_format`); XML a Sonic
    Visualiser layer or session; a comma-separated header naming ``Start (s)`` and ``End (s)``
    BirdNET Analyzer's CSV; a comma-separated line starting with a number, or a header naming a
    time and a duration, a Sonic Visualiser layer exported as CSV (``"sonicvisualiser-csv"``);
    another line with a comma a CSV. Anything else raises
    :class:`EarmarkError`."""
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise EarmarkError("empty file")
    if first.lstrip()[0] in "[{":
        return json_format(text)
    if is_xml(first):
        return SONIC_VISUALISER
    if "\t" in first:
        cells = first.split("\t")
        keys = {_header_key(cell) for cell in cells}
        if {"begin time (s)", "end time (s)"} <= keys:
            return "raven"
        if _is_number(cells[0]):
            return "audacity"
    if "," in first:
        if BIRDNET_TIMES <= set(_csv_header(first)):
            return "birdnet"
        return SV_CSV if is_sv_csv(first) else "csv"
    raise EarmarkError("not a CSV (path,label or path,begin_s,end_s,...), a Raven Pro selection "
                       "table, an Audacity label track, an AviaNZ .data file, Label Studio JSON, AOEF "
                       "(Whombat) JSON or a Sonic Visualiser layer")


def _csv_reader(text: str):
    return csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)


def _csv_header(text: str) -> list[str]:
    """The keys of a CSV's first row that is not blank."""
    for row in _csv_reader(text):
        if any(cell.strip() for cell in row):
            return [_header_key(cell) for cell in row]
    return []


def _csv_has_regions(text: str) -> bool:
    return {"begin_s", "end_s"} <= set(_csv_header(text))


def _read_text(path: str | os.PathLike) -> str:
    """A region file's text; a Sonic Visualiser session's, bzip2-compressed, opened."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise EarmarkError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return decode_text(decompress(data))
    except EarmarkError as error:
        raise EarmarkError(f"{Path(path).name}: {error}") from None


def _read_format(path: str | os.PathLike) -> tuple[str, str]:
    """A file's text and format; EarmarkError naming the file when it is in none we know."""
    text = _read_text(path)
    try:
        return text, detect_format(text)
    except EarmarkError as error:
        raise EarmarkError(f"{Path(path).name}: {error}") from None


def file_kind(path: str | os.PathLike) -> str:
    """What importing ``path`` means: ``"labels"`` for a ``path,label`` CSV of clip labels or
    Edge Impulse's info.labels (see :mod:`core.store.label_io`), else its region format
    (:func:`detect_format`). Raises :class:`EarmarkError` naming the file when it cannot be read
    or is in no format we know."""
    text, fmt = _read_format(path)
    return "labels" if _holds_clip_labels(text, fmt) else fmt


def _holds_clip_labels(text: str, fmt: str) -> bool:
    """A path,label CSV, or Edge Impulse's info.labels: labels of whole clips, no regions."""
    return fmt == "edgeimpulse" or (fmt == "csv" and not _csv_has_regions(text))


def needs_audio(path: str | os.PathLike) -> bool:
    """Whether the region file at ``path`` does not say which audio file it belongs to (an
    Audacity label track, a Raven table with neither ``Begin File`` nor ``Begin Path``), so that
    importing it needs ``audio``. Raises as :func:`file_kind` does."""
    text, fmt = _read_format(path)
    if fmt == "raven":
        return not _raven_names_audio(_raven_header(text.splitlines())[1])
    if fmt == "avianz":
        return avianz_audio(Path(path).name) is None
    if fmt == "birdnet":
        return "file" not in _csv_header(text)
    if fmt == SONIC_VISUALISER:
        try:
            return svl_audio(text) is None
        except EarmarkError as error:
            raise EarmarkError(f"{Path(path).name}: {error}") from None
    return fmt in ("audacity", SV_CSV)


# --------------------------------------------------------------------------- reading


def _row(path: str, begin: str, end: str, label: str, low: str, high: str,
         line: int, score: str = "") -> tuple[RegionRow | None, str | None]:
    """A RegionRow from a row's cells, or the reason it is not one. ``score``: a machine's
    confidence in the detection, 0..1 (empty: a person's region)."""
    values = {}
    for name, text in (("begin", begin), ("end", end), ("low frequency", low),
                       ("high frequency", high), ("score", score)):
        try:
            values[name] = _number(text)
        except ValueError:
            return None, f"{name} '{text.strip()}' is not a number"
    if values["begin"] is None or values["end"] is None:
        return None, "no begin or end time"
    low_hz, high_hz = values["low frequency"], values["high frequency"]
    if (low_hz is None) != (high_hz is None):
        return None, "a band needs both its low and its high frequency"
    if values["score"] is not None and not 0.0 <= values["score"] <= 1.0:
        return None, f"score {score.strip()} is not between 0 and 1"
    return RegionRow(path, values["begin"], values["end"], label.strip() or None, low_hz, high_hz,
                     line, values["score"]), None


def _csv_rows(text: str, make_row: Callable[[dict[str, str], int], tuple[RegionRow | None,
                                                                        str | None]]
              ) -> tuple[list[RegionRow], list[Problem]]:
    """The rows after a CSV's header (its first row that is not blank), each made by
    ``make_row(cells by header key, line)``: a RegionRow, or None and the reason."""
    header = _csv_header(text)
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    reader = _csv_reader(text)
    past_header = False
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if not past_header:
                past_header = True
                continue
            row, reason = make_row(dict(zip(header, values, strict=False)), reader.line_num)
            if row is None:
                problems.append((reader.line_num, reason))
            else:
                rows.append(row)
    except csv.Error as error:
        raise EarmarkError(f"line {reader.line_num}: malformed CSV ({error})") from None
    return rows, problems


def _parse_csv(text: str) -> tuple[list[RegionRow], list[Problem]]:
    missing = [name for name in ("path", "begin_s", "end_s") if name not in _csv_header(text)]
    if missing:
        raise EarmarkError(f"a region CSV needs a header naming path, begin_s and end_s "
                           f"(missing {', '.join(missing)})")

    def make_row(cells: dict[str, str], line: int):
        path = normalise_relative(cells.get("path", ""))
        if not path:
            return None, "no path"
        return _row(path, cells.get("begin_s", ""), cells.get("end_s", ""), cells.get("label", ""),
                    cells.get("low_hz", ""), cells.get("high_hz", ""), line,
                    cells.get("score", ""))

    return _csv_rows(text, make_row)


@functools.lru_cache(maxsize=4096)  # a table names few files, on thousands of rows
def _raven_path(begin_file: str, begin_path: str, audio: str | None) -> str:
    if begin_file:
        return normalise_relative(begin_file)
    if begin_path:  # an absolute path on the machine that wrote it: its name only
        return PureWindowsPath(begin_path).name  # splits at both / and \
    return audio or ""


def _raven_header(lines: list[str]) -> tuple[int, list[str]]:
    """The index of a Raven table's header line and its column keys."""
    start = next(i for i, line in enumerate(lines) if line.strip())
    return start, [_header_key(cell) for cell in lines[start].split("\t")]


def _raven_names_audio(header: list[str]) -> bool:
    return "begin file" in header or "begin path" in header


def _parse_raven(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    lines = text.splitlines()
    start, header = _raven_header(lines)
    if not audio and not _raven_names_audio(header):
        raise EarmarkError("no Begin File column names the audio file: say which audio file the "
                           "table belongs to (--audio)")
    label_key = next((key for key in ANNOTATION_COLUMNS if key in header), None)
    low_key = "low freq (hz)" if "low freq (hz)" in header else "low frequency (hz)"
    high_key = "high freq (hz)" if "high freq (hz)" in header else "high frequency (hz)"
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        if not line.strip():
            continue
        cells = dict(zip(header, (cell.strip() for cell in line.split("\t")), strict=False))
        path = _raven_path(cells.get("begin file", ""), cells.get("begin path", ""), audio)
        # Raven writes a row per view (Waveform 1, Spectrogram 1) of one selection: keep one.
        selection = cells.get("selection", "")
        if selection:
            if (selection, path) in seen:
                continue
            seen.add((selection, path))
        if not path:
            problems.append((number, "no Begin File"))
            continue
        row, reason = _row(path, cells.get("begin time (s)", ""), cells.get("end time (s)", ""),
                           cells.get(label_key, "") if label_key else "",
                           cells.get(low_key, ""), cells.get(high_key, ""), number,
                           cells.get("confidence", ""))
        if row is None:
            problems.append((number, reason))
            continue
        # In a table over several files Begin Time runs on through the files in sequence;
        # File Offset is where the selection begins in its own file.
        try:
            offset_s = _number(cells.get("file offset (s)", ""))
        except ValueError:
            problems.append((number, f"File Offset '{cells['file offset (s)']}' is not a number"))
            continue
        if offset_s is not None:
            row = replace(row, begin_s=offset_s, end_s=offset_s + (row.end_s - row.begin_s))
        rows.append(row)
    return rows, problems


def _parse_audacity(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """Audacity's label format, as its LabelStruct::Import reads it: ``start<TAB>end<TAB>label``
    (a second field that is not a number makes a point label titled by it), then optional lines
    starting with ``\\``, the first of which is ``\\<TAB>low<TAB>high`` (-1: an edge not known)."""
    if not audio:
        raise EarmarkError("an Audacity label track does not say which audio file it belongs to: "
                           "say which (--audio)")
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    previous_ok, band_read = False, False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if fields[0].strip() == "\\":
            if previous_ok and not band_read:
                band_read = True
                try:
                    low_hz, high_hz = (_number(f) for f in (fields + ["", ""])[1:3])
                except ValueError:
                    low_hz = high_hz = None
                if low_hz is None or high_hz is None:
                    problems.append((number, "a frequency line needs \\<TAB>low<TAB>high"))
                    rows.pop()
                    previous_ok = False
                else:
                    rows[-1] = _audacity_band(rows[-1], low_hz, high_hz)
            continue
        previous_ok, band_read = False, False
        fields += ["", ""]
        if not _is_number(fields[0]):
            problems.append((number, "not a label line (start<TAB>end<TAB>label)"))
            continue
        begin_s = _number(fields[0])
        end_s, title = (_number(fields[1]), fields[2]) if _is_number(fields[1]) else (begin_s,
                                                                                      fields[1])
        rows.append(RegionRow(audio, begin_s, end_s, title.strip() or None, line=number))
        previous_ok = True
    return rows, problems


def _parse_birdnet(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """BirdNET Analyzer's CSV: a detection a row, labelled by its common name (its scientific
    name when there is none); the audio is the ``File`` column's file, by its name (BirdNET writes
    the path on the machine that ran it), else ``audio``."""
    header = _csv_header(text)
    if not audio and "file" not in header:
        raise EarmarkError("no File column names the audio file: say which audio file the "
                           "detections belong to (--audio)")
    label_key = next((key for key in BIRDNET_LABELS if key in header), None)

    def make_row(cells: dict[str, str], line: int):
        return _row(_raven_path("", cells.get("file", "").strip(), audio),
                    cells.get("start (s)", ""), cells.get("end (s)", ""),
                    cells.get(label_key, "") if label_key else "", "", "", line,
                    cells.get("confidence", ""))

    return _csv_rows(text, make_row)


def _audacity_band(row: RegionRow, low_hz: float, high_hz: float) -> RegionRow:
    low_known, high_known = low_hz != _AUDACITY_UNDEFINED_HZ, high_hz != _AUDACITY_UNDEFINED_HZ
    if not (low_known or high_known):
        return row
    return replace(row, low_hz=low_hz if low_known else 0.0,
                   high_hz=high_hz if high_known else math.inf)


def _parse(path: str | os.PathLike, audio: str | None
           ) -> tuple[str, list[RegionRow], list[Problem]]:
    text, fmt = _read_format(path)
    try:
        if _holds_clip_labels(text, fmt):
            raise EarmarkError("a path,label CSV of clip labels holds no regions (no begin_s,end_s "
                               "columns)" if fmt == "csv" else "Edge Impulse's info.labels holds "
                               "labels of whole clips, no regions")
        if fmt == "csv":
            rows, problems = _parse_csv(text)
        elif fmt == "raven":
            rows, problems = _parse_raven(text, audio)
        elif fmt == "avianz":
            audio = audio or avianz_audio(Path(path).name)
            if not audio:
                raise EarmarkError(f"an AviaNZ file not named after its recording (rec.wav"
                                   f"{AVIANZ_SUFFIX}): say which audio file it belongs to (--audio)")
            rows, problems = parse_avianz(text, audio)
        elif fmt == "labelstudio":
            rows, problems = parse_label_studio(text)
        elif fmt == "aoef":
            rows, problems = parse_aoef(load_json(text))
        elif fmt == "birdnet":
            rows, problems = _parse_birdnet(text, audio)
        elif fmt == SONIC_VISUALISER:
            rows, problems = parse_svl(text, audio)
        elif fmt == SV_CSV:
            rows, problems = parse_sv_csv(text, audio)
        else:
            rows, problems = _parse_audacity(text, audio)
    except EarmarkError as error:
        raise EarmarkError(f"{Path(path).name}: {error}") from None
    return fmt, rows, problems


def _listing(name: str, problems: list[Problem], unit: str = "line") -> str:
    problems = sorted(problems)
    n = len(problems)
    lines = [f"{name}: {n} row{'s' if n != 1 else ''} cannot be imported, so nothing was:"]
    lines += [f"  {unit} {line}: {reason}" for line, reason in problems[:MAX_LISTED]]
    if n > MAX_LISTED:
        lines.append(f"  and {n - MAX_LISTED} more")
    return "\n".join(lines)


def read_regions(path: str | os.PathLike, audio: str | None = None
                 ) -> tuple[str, list[RegionRow]]:
    """Read a region file: its format (:func:`detect_format`) and its rows, one per region (one
    per selection of a Raven table, whatever its views). ``audio`` is the file, relative to the
    project folder, an Audacity label track (or a Raven table without ``Begin File``) belongs to.
    Raises :class:`EarmarkError` naming the file and each bad row (its line and the reason)."""
    fmt, rows, problems = _parse(path, audio)
    if problems:
        raise EarmarkError(_listing(Path(path).name, problems, _UNITS.get(fmt, "line")))
    return fmt, rows


# --------------------------------------------------------------------------- importing


def _find_clip(key: str, by_path: dict[str, ClipRecord],
               by_name: dict[str, list[ClipRecord]]) -> tuple[ClipRecord | None, str | None]:
    clip = by_path.get(key)
    if clip is not None:
        return clip, None
    # A path from elsewhere (the same recordings in another folder, another machine's absolute
    # path as detect writes it): the longest tail of it that is a path in this folder, else its
    # base name when one file in the folder has it.
    parts = [part for part in key.split("/") if part]
    for start in range(1, len(parts) - 1):
        clip = by_path.get("/".join(parts[start:]))
        if clip is not None:
            return clip, None
    same_name = by_name.get(parts[-1], []) if parts else []
    if len(same_name) == 1:
        return same_name[0], None
    if same_name:
        listed = ", ".join(c.path for c in same_name[:3]) + (", ..." if len(same_name) > 3 else "")
        return None, (f"{key} names {len(same_name)} files in the folder ({listed}): give its "
                      "path relative to the folder")
    return None, f"{key} is not in the folder"


def _band(clip: ClipRecord, low_hz: float | None, high_hz: float | None
          ) -> tuple[float | None, float | None]:
    """The band a row gives on ``clip``: one that covers the whole spectrum (as Raven writes a
    selection over all frequencies) is no band; an open top edge is Nyquist."""
    if low_hz is None or high_hz is None:
        return None, None
    nyquist_hz = clip.sample_rate_hz / 2 if clip.sample_rate_hz else None
    if nyquist_hz is None:
        return (None, None) if math.isinf(high_hz) else (low_hz, high_hz)
    if low_hz <= BAND_SLACK_HZ and high_hz >= nyquist_hz - BAND_SLACK_HZ:
        return None, None
    return low_hz, nyquist_hz if math.isinf(high_hz) else high_hz


_ClipIndex = tuple[dict[str, ClipRecord], dict[str, list[ClipRecord]]]


def _clip_index(project) -> _ClipIndex:
    """The project's clips by relative path, and those on disk by base name."""
    clips = project.clips(include_missing=True)
    by_name: dict[str, list[ClipRecord]] = defaultdict(list)
    for clip in clips:
        if not clip.missing:
            by_name[PurePosixPath(clip.path).name].append(clip)
    return {c.path: c for c in clips}, by_name


def _plan(project, rows: Iterable[RegionRow], index: _ClipIndex
          ) -> tuple[list[RegionSpec], list[Problem]]:
    by_path, by_name = index
    specs: list[RegionSpec] = []
    problems: list[Problem] = []
    found: dict[str, tuple[ClipRecord | None, str | None]] = {}
    for row in rows:
        if row.path not in found:  # a file has many rows
            found[row.path] = _find_clip(project.relpath(row.path), by_path, by_name)
        clip, reason = found[row.path]
        if clip is None:
            problems.append((row.line, reason))
            continue
        low_hz, high_hz = _band(clip, row.low_hz, row.high_hz)
        reason = validate_region(clip, row.begin_s, row.end_s, low_hz, high_hz)
        if reason:
            problems.append((row.line, reason))
        else:
            specs.append(RegionSpec(clip.id, row.begin_s, row.end_s, row.label, low_hz, high_hz,
                                    row.score))
    return specs, problems


def import_regions_file(project, path: str | os.PathLike,
                        audio: str | None = None) -> list[RegionRecord]:
    """Add the regions of a file in any of :data:`FORMATS` (``audio``: see
    :func:`read_regions`) to ``project`` with source ``"import"``, in one transaction, and return
    them. Every row is checked first (a file in the folder, found by its relative path or by a base
    name no other file has; begin before end, inside the file; a band under Nyquist): one bad row
    and nothing is imported, and the :class:`RegionError` names each bad row and why. An AviaNZ
    file inside the folder belongs to the recording beside it, whatever other file shares its
    name."""
    return import_regions_files(project, [(path, audio)])


def avianz_files_beside(project) -> list[tuple[Path, str]]:
    """The AviaNZ files that lie beside the project's recordings (``rec.wav.data`` by
    ``rec.wav``), each with its recording's relative path: what :func:`import_regions_files`
    takes, for a folder AviaNZ annotated."""
    found = []
    for clip in project.clips():
        data = project.abspath(clip).with_name(PurePosixPath(clip.path).name + AVIANZ_SUFFIX)
        if data.is_file():
            found.append((data, clip.path))
    return found


def import_regions_files(project, files: Iterable[tuple[str | os.PathLike, str | None]]
                         ) -> list[RegionRecord]:
    """:func:`import_regions_file` for several files, each ``(path, audio)``, as one import (a
    night of recordings' AviaNZ files, say): :func:`plan_regions_files`, then every region added
    in one transaction."""
    specs = plan_regions_files(project, files)
    return project.add_regions(specs, source="import") if specs else []


def plan_regions_files(project, files: Iterable[tuple[str | os.PathLike, str | None]]
                       ) -> list[RegionSpec]:
    """The regions ``files`` (each ``(path, audio)``) would add to ``project``, nothing written:
    every row of every file is checked, and one bad row anywhere raises a :class:`RegionError`
    naming each file's bad rows. Raises :class:`EarmarkError` naming a file that cannot be read
    or is in no format we know. Reads only: it may run on a thread of its own."""
    index = _clip_index(project)
    specs: list[RegionSpec] = []
    listings: list[str] = []
    problems: list[Problem] = []
    for path, audio in files:
        fmt, rows, found = _parse(path, audio or _avianz_beside(project, path))
        planned, more = _plan(project, rows, index)
        found += more
        if found:
            listings.append(_listing(Path(path).name, found, _UNITS.get(fmt, "line")))
            problems += found
        specs += planned
    if listings:
        raise RegionError("\n".join(listings), tuple(sorted(problems)))
    return specs


def _avianz_beside(project, path: str | os.PathLike) -> str | None:
    """The recording an AviaNZ file inside the folder lies beside, whatever other file shares its
    name; None for another file (its name, or the person, says which)."""
    audio = avianz_audio(Path(path).name)
    if audio is None:
        return None
    beside = Path(path).resolve().with_name(audio)
    return project.relpath(beside) if beside.is_relative_to(project.folder) else None


__all__ = ["RegionRow", "detect_format", "file_kind", "needs_audio", "read_regions",
           "import_regions_file", "import_regions_files", "plan_regions_files",
           "avianz_files_beside"]
