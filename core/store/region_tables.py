"""The tab- and comma-separated region files: Earmark's own CSV (``path,begin_s,end_s`` plus
``label,low_hz,high_hz,score``), Raven Pro selection tables, Audacity label tracks, BirdNET
Analyzer's CSV, each read into RegionRows and the problems of its bad rows (line; reason); Sonic
Visualiser's layers exported as text are :mod:`core.store.region_sv_csv`'s.
:mod:`core.store.region_io` recognises a file and imports what these read.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import PureWindowsPath

from core.errors import EarmarkError
from core.store.label_rules import csv_delimiter, normalise_relative
from core.store.records import RegionRow
from core.store.region_json import Problem

#: BirdNET Analyzer's CSV (``--rtype csv``): ``Start (s),End (s),Scientific name,Common name,
#: Confidence`` and, in its newer versions, ``File``.
BIRDNET_TIMES = {"start (s)", "end (s)"}
BIRDNET_LABELS = ("common name", "scientific name", "label", "species")
NO_CALL = "nocall"
#: The annotation columns Raven users name, in the order one is preferred when a table has several
#: ("Common Name" is what BirdNET writes).
ANNOTATION_COLUMNS = ("annotation", "label", "species", "class", "common name")
#: Raven's columns that are no annotation though their values are text (a measurement names its
#: unit, "Begin Time (s)", and is never one), and the notes people keep beside a label.
_NOT_ANNOTATIONS = {"selection", "view", "channel", "begin file", "begin path", "end file",
                    "end path", "sound files", "begin date", "end date", "begin clock time",
                    "end clock time", "begin date time", "end date time",
                    "notes", "note", "comment", "comments", "earmark id"}
#: Short names people give an annotation column (a four-letter "Species Code" in bird work),
#: asked after those that say they name sounds: BirdNET's Species Code comes after its Common
#: Name. Not "ID" or "Name": a selection's id (ARU01-0001) or an observer's name, each value
#: of which would be a class.
_SHORT_LABEL_NAMES = ("species code", "code", "sp", "spp")
_AUDACITY_UNDEFINED_HZ = -1.0  # what Audacity writes for a band edge it does not know


def table_text(value: str | None) -> str:
    """A name or label as a tab-separated table (Raven's, Audacity's) holds it: each tab or line
    break a space."""
    return " ".join((value or "").split("\t")).replace("\n", " ").replace("\r", " ")


def header_key(text: str) -> str:
    """A column name as a key: '  Begin  Time (s) ' -> 'begin time (s)'."""
    return " ".join(text.strip().lower().split())


def _number(text: str) -> float | None:
    """A cell as a number (None when empty); Audacity may write a decimal comma. ValueError when it
    is not a finite number."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"[-+]?\d*,\d+", text):
        text = text.replace(",", ".")
    if "_" in text:  # Python reads 0_3 as 3; no table writes it
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def number_or_none(text: str) -> float | None:
    """A cell as a finite number; None when it is empty or not one."""
    try:
        return _number(text)
    except ValueError:
        return None


def is_number(text: str) -> bool:
    """Whether a cell is a finite number (a decimal comma allowed)."""
    return number_or_none(text) is not None


def _csv_reader(text: str):
    return csv.reader(io.StringIO(text, newline=""), skipinitialspace=True,
                      delimiter=csv_delimiter(text))


def csv_header(text: str) -> list[str]:
    """The keys of a CSV's first row that is not blank. EarmarkError when it cannot be read as
    a CSV row (a field longer than a CSV field may be)."""
    try:
        for row in _csv_reader(text):
            if any(cell.strip() for cell in row):
                return [header_key(cell) for cell in row]
    except csv.Error as error:
        raise EarmarkError(f"its first line is not a CSV row ({error})") from None
    return []


def csv_has_regions(text: str) -> bool:
    """Whether a CSV's header names begin_s and end_s (regions, not clip labels)."""
    return {"begin_s", "end_s"} <= set(csv_header(text))


def _channel(text: str) -> tuple[int | None, str | None]:
    """A channel cell, counted from 1 (empty, "all" or "mix": every channel), as a channel from
    0 or None; or the reason it is not one."""
    text = text.strip()
    if text.lower() in ("", "all", "mix"):
        return None, None
    if text.isascii() and text.isdecimal() and int(text) >= 1:
        return int(text) - 1, None
    return None, f"channel '{text}' is not a channel number (1, 2...)"


def region_row(path: str, begin: str, end: str, label: str, low: str, high: str,
               line: int, score: str = "", channel: str = "") -> tuple[RegionRow | None, str | None]:
    """A RegionRow from a row's cells, or the reason it is not one. ``score``: a machine's
    confidence in the detection, 0..1 (empty: a person's region); ``channel``: the one it is on
    (see ``_channel``)."""
    if not path.strip():
        return None, "no audio file named (its file cell is empty)"
    channel_index, reason = _channel(channel)
    if reason is not None:
        return None, reason
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
                     line, values["score"], channel_index), None


def _csv_rows(text: str, make_row: Callable[[dict[str, str], int], tuple[RegionRow | None,
                                                                        str | None]]
              ) -> tuple[list[RegionRow], list[Problem]]:
    """The rows after a CSV's header (its first row that is not blank), each made by
    ``make_row(cells by header key, line)``: a RegionRow, or None and the reason (None for a
    row that is no region and no problem either)."""
    header = csv_header(text)
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
            if row is not None:
                rows.append(row)
            elif reason is not None:
                problems.append((reader.line_num, reason))
    except csv.Error as error:
        raise EarmarkError(f"line {reader.line_num}: malformed CSV ({error})") from None
    return rows, problems


def parse_csv(text: str) -> tuple[list[RegionRow], list[Problem]]:
    """Earmark's region CSV: a region a row, its file by its path in the folder."""
    header = csv_header(text)
    missing = [name for name in ("path", "begin_s", "end_s") if name not in header]
    if missing:
        raise EarmarkError(f"a region CSV needs a header naming path, begin_s and end_s "
                           f"(missing {', '.join(missing)})")

    # Before regions had channels, a measured CSV's "channel" was the one measured on (now
    # "measured_channel"): in such a file it says nothing of where a region is.
    channel_key = "" if "peak_freq_hz" in header and "measured_channel" not in header \
        else "channel"

    def make_row(cells: dict[str, str], line: int):
        path = normalise_relative(cells.get("path", ""))
        if not path:
            return None, "no path"
        return region_row(path, cells.get("begin_s", ""), cells.get("end_s", ""), cells.get("label", ""),
                    cells.get("low_hz", ""), cells.get("high_hz", ""), line,
                    cells.get("score", ""), cells.get(channel_key, ""))

    return _csv_rows(text, make_row)


@functools.lru_cache(maxsize=4096)  # a table names few files, on thousands of rows
def _raven_path(begin_file: str, begin_path: str, audio: str | None) -> str:
    if begin_path:
        # An absolute path on the machine that wrote it, with / for \: the clip is the one whose
        # path in the folder is its longest tail (region_io.find_clip), so recorders' files of
        # one name (ARU01/20260601_220000.wav, ARU02/...) are told apart by their folders, where
        # Begin File, beside it, names the file alone.
        return PureWindowsPath(begin_path).as_posix()
    if begin_file:
        return normalise_relative(begin_file)
    return audio or ""


def _no_call(label: str) -> bool:
    """BirdNET's row for a file in which it found nothing ("nocall", 0-3 s, confidence 1): no
    detection, as BirdNET's own table merge skips it."""
    return label.strip().lower() == NO_CALL


def raven_header(lines: list[str]) -> tuple[int, list[str]]:
    """The index of a Raven table's header line and its column keys."""
    start = next(i for i, line in enumerate(lines) if line.strip())
    return start, [header_key(cell) for cell in lines[start].split("\t")]


def raven_names_audio(header: list[str]) -> bool:
    """Whether a Raven table's columns name each selection's audio file."""
    return "begin file" in header or "begin path" in header


#: Words in a column name a person gave that say it names the sounds.
_LABEL_WORDS = ("species", "call", "song", "label", "class", "taxon", "sound", "bird", "tag",
                "annotation", "type")


def _raven_end(cells: dict[str, str]) -> str:
    """A selection's End Time, else its Begin Time and Delta Time (its length) added: a table
    whose measurements hold the one and not the other."""
    end = cells.get("end time (s)", "")
    if end or "delta time (s)" not in cells:
        return end
    begin, delta = (number_or_none(cells.get(key, "")) for key in ("begin time (s)",
                                                                      "delta time (s)"))
    return "" if begin is None or delta is None else repr(begin + delta)


def _raven_label_key(header: list[str], lines: list[str]) -> str | None:
    """The column of a Raven table that labels its selections: of the ANNOTATION_COLUMNS, the
    first with a value in some row (an empty Annotation column beside a Species one lost every
    label); else a column of a person's own name that says it names sounds (_LABEL_WORDS:
    "Species ID", "Call Type"; an Observer or a Site column names none), no measurement,
    holding text that is no number, then one of the _SHORT_LABEL_NAMES so; else the first of the
    ANNOTATION_COLUMNS there, or None."""
    rows = [cells for cells in (line.split("\t") for line in lines) if any(c.strip() for c in cells)]

    def values(key: str) -> list[str]:
        at = header.index(key)
        return [cells[at].strip() for cells in rows if len(cells) > at and cells[at].strip()]

    known = [key for key in ANNOTATION_COLUMNS if key in header]
    own = [key for key in header if key and key not in known and key not in _NOT_ANNOTATIONS
           and not key.endswith(")") and any(word in key for word in _LABEL_WORDS)]
    own += [key for key in _SHORT_LABEL_NAMES if key in header and key not in own]
    return next((key for key in known if values(key)), None) or next(
        (key for key in own if values(key) and not all(is_number(v) for v in values(key))),
        known[0] if known else None)


def _birdnet_channels(header: list[str], lines: list[str]) -> bool:
    """Whether a Raven table's Channel column is BirdNET Analyzer's, which says Channel 1 of
    every detection, heard in the mix: a Species Code column, and no row on another channel (a
    BirdNET table a person went on with in Raven keeps the column, and their channels)."""
    if "species code" not in header or "channel" not in header:
        return "species code" in header
    at = header.index("channel")
    return all(cells[at].strip() in ("", "1") for cells in (line.split("\t") for line in lines)
               if len(cells) > at and any(cell.strip() for cell in cells))


def parse_raven(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """A Raven Pro selection table: a region a selection (its views' rows as one), its file from
    Begin File or Begin Path, else ``audio``. A selection on one channel is a region on that
    channel; one whose rows name several channels, a region on every channel; BirdNET's (a
    Species Code column, every row on Channel 1), heard in the mix, on every channel."""
    lines = text.splitlines()
    start, header = raven_header(lines)
    if not audio and not raven_names_audio(header):
        raise EarmarkError("no Begin File column names the audio file: say which audio file the "
                           "table belongs to (--audio)")
    label_key = _raven_label_key(header, lines[start + 1:])
    channel_key = "" if _birdnet_channels(header, lines[start + 1:]) else "channel"
    # BirdNET's "nocall" row says it found nothing; in a person's table it is a class (BirdNET's
    # own name for its non-event class), kept.
    birdnet = "species code" in header and "confidence" in header
    low_key = "low freq (hz)" if "low freq (hz)" in header else "low frequency (hz)"
    high_key = "high freq (hz)" if "high freq (hz)" in header else "high frequency (hz)"
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    # A selection's rows (by number, file and times) -> its region's index in ``rows``, or -1
    # where its first row was refused.
    seen: dict[tuple[str, str, str, str], int] = {}
    waveform_rows: set[int] = set()  # regions taken from a Waveform view's row
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        if not line.strip():
            continue
        cells = dict(zip(header, (cell.strip() for cell in line.split("\t")), strict=False))
        path = _raven_path(cells.get("begin file", ""), cells.get("begin path", ""), audio)
        # Raven writes a row per view (Waveform 1, Spectrogram 1) of one selection, and per
        # channel, each with the same times: keep one, on every channel its rows name. Rows that
        # share a number but not their times (tables pasted together) are selections of their
        # own.
        selection = cells.get("selection", "")
        same = (selection, path, cells.get("begin time (s)", ""), cells.get("end time (s)", ""))
        view = cells.get("view", "").lower()
        if selection and same in seen:
            index = seen[same]
            channel, reason = _channel(cells.get(channel_key, ""))
            if reason is not None:
                problems.append((number, reason))
            elif index >= 0 and rows[index].channel != channel:
                rows[index] = replace(rows[index], channel=None)  # on several channels: all
            if index in waveform_rows and view.startswith("spectrogram"):
                # A Waveform row gives the view's whole range; the Spectrogram's, the band.
                low_hz = number_or_none(cells.get(low_key, ""))
                high_hz = number_or_none(cells.get(high_key, ""))
                if low_hz is not None and high_hz is not None:
                    rows[index] = replace(rows[index], low_hz=low_hz, high_hz=high_hz)
                    waveform_rows.discard(index)
            continue
        if selection:
            seen[same] = -1
        if birdnet and label_key and _no_call(cells.get(label_key, "")):
            continue
        if not path:
            problems.append((number, "no Begin File"))
            continue
        row, reason = region_row(path, cells.get("begin time (s)", ""), _raven_end(cells),
                           cells.get(label_key, "") if label_key else "",
                           cells.get(low_key, ""), cells.get(high_key, ""), number,
                           cells.get("confidence", ""), cells.get(channel_key, ""))
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
        if cells.get("earmark id"):
            row = replace(row, region_ref=cells["earmark id"])
        if selection:
            seen[same] = len(rows)
            if view.startswith("waveform"):
                waveform_rows.add(len(rows))
        rows.append(row)
    return rows, problems


def parse_audacity(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """Audacity's label format, as its LabelStruct::Import reads it: ``start<TAB>end<TAB>label``
    (a second field that is not a number makes a point label titled by it), then optional lines
    starting with ``\\``, the first of which is ``\\<TAB>low<TAB>high`` (-1: an edge not known).
    BirdNET's labels add a fourth field, the confidence (its label "Scientific, Common"): the
    detection is an event to review with that score, labelled by its common name."""
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
        if not is_number(fields[0]):
            problems.append((number, "not a label line (start<TAB>end<TAB>label)"))
            continue
        begin_s = _number(fields[0])
        end_s, title = (_number(fields[1]), fields[2]) if is_number(fields[1]) else (begin_s,
                                                                                      fields[1])
        score = number_or_none(fields[3]) if len(fields) > 5 and is_number(fields[3]) else None
        # BirdNET's: "Strix aluco, Tawny Owl" and a confidence. Audacity itself reads no fourth
        # field: after a title without BirdNET's ", " ("Wren" 0.5) the number is no confidence.
        if score is not None and 0 <= score <= 1 and ", " in title:
            title = title.split(", ", 1)[-1]
        else:
            score = None
        rows.append(RegionRow(audio, begin_s, end_s, title.strip() or None, line=number,
                              score=score))
        previous_ok = True
    return rows, problems


def parse_birdnet(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """BirdNET Analyzer's CSV: a detection a row, labelled by its common name (its scientific
    name when there is none); the audio is the ``File`` column's file, by its name (BirdNET writes
    the path on the machine that ran it), else ``audio``."""
    header = csv_header(text)
    if not audio and "file" not in header:
        raise EarmarkError("no File column names the audio file: say which audio file the "
                           "detections belong to (--audio)")
    label_key = next((key for key in BIRDNET_LABELS if key in header), None)

    def make_row(cells: dict[str, str], line: int):
        if label_key and _no_call(cells.get(label_key, "")):
            return None, None
        return region_row(_raven_path("", cells.get("file", "").strip(), audio),
                    cells.get("start (s)", ""), cells.get("end (s)", ""),
                    cells.get(label_key, "") if label_key else "", "", "", line,
                    cells.get("confidence", ""))

    return _csv_rows(text, make_row)


def _audacity_band(row: RegionRow, low_hz: float, high_hz: float) -> RegionRow:
    low_known, high_known = low_hz != _AUDACITY_UNDEFINED_HZ, high_hz != _AUDACITY_UNDEFINED_HZ
    # Both edges at one frequency: a click on Audacity's spectrogram that was never dragged up or
    # down, which Audacity keeps; no band (as a band it was refused, and the whole track).
    if not (low_known or high_known) or low_hz == high_hz:
        return row
    return replace(row, low_hz=low_hz if low_known else 0.0,
                   high_hz=high_hz if high_known else math.inf)


__all__ = ["BIRDNET_TIMES", "csv_has_regions", "csv_header", "header_key", "is_number",
           "number_or_none", "parse_audacity", "parse_birdnet", "parse_csv", "parse_raven",
           "raven_header", "raven_names_audio", "region_row", "table_text"]
