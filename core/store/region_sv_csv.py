"""Sonic Visualiser's annotation layers exported as text (File > Export Annotation Layer): a
``.csv`` comma-separated, any other name (``.txt``, ``.lab``) tab-separated, as its exporter
writes them; read into RegionRows and the problems of their bad rows (line; reason).
:mod:`core.store.region_io` recognises a file and imports what this reads; ``.svl`` layers are
:mod:`core.store.region_svl`'s."""

from __future__ import annotations

import csv
import io
import re

from core.errors import EarmarkError
from core.store.records import RegionRow
from core.store.region_json import Problem
from core.store.region_tables import header_key, is_number, number_or_none, region_row

#: A Sonic Visualiser layer exported as text (File > Export Annotation Layer): rows of time, value,
#: duration, [level,] label in seconds, after a header row when asked for one ("start" for
#: "time" is taken too); a box layer's rows are start, end, extent start, extent end (its band
#: in the layer's units, Hz over a spectrogram), label (svcore's BoxModel); a time instants
#: layer's rows are a time and its label, where it has one (svcore's Event writes no empty one).
SV_CSV = "sonicvisualiser-csv"
_SV_TIME_RE = re.compile(r"-?\d+\.\d{9}")  # RealTime::toString's seconds: 1.000000000
_SV_CSV_TIMES = ("time", "start")
_SV_BOX = ("start", "end", "extent start", "extent end")


def is_sv_csv(first: str) -> bool:
    """Whether a comma-separated first line opens a Sonic Visualiser CSV layer: a point's time
    (no other CSV Earmark reads starts with a number), or a header naming a time and a duration."""
    cells = [header_key(cell) for cell in first.split(",")]
    return number_or_none(cells[0]) is not None or _is_sv_header(cells)


def _is_sv_header(cells: list[str]) -> bool:
    """Whether a header's keys are a layer's: a box's, a time and a duration, or a time alone
    with a value or a label (instants or values)."""
    return set(_SV_BOX) <= set(cells) or (
        "duration" in cells and any(name in cells for name in (*_SV_CSV_TIMES, "frame"))) or (
        cells[0] == "time" and set(cells) <= {"time", "value", "label"})


def is_sv_tab_line(first: str) -> bool:
    """Whether a tab-separated first line opens a Sonic Visualiser layer exported as text (it
    writes every name but ``.csv`` so), not an Audacity label track: a header of a layer's
    names, or a row of three numbers and a fourth cell (a region's time, value, duration and
    label, a box's start, end and band), or of two or three numbers with the time written in
    SV's own way, nine decimals (a region without a label, which SV leaves out; a time values
    layer's point, which the reader refuses as a measurement): Audacity's rows are two
    times at six decimals and a title (a number for a title, "7", is three cells), BirdNET's
    add a confidence after a title of words."""
    cells = first.split("\t")
    if not is_number(cells[0]):
        return _is_sv_header([header_key(cell) for cell in cells])
    numbers = len(cells) >= 2 and all(is_number(cell) for cell in cells[1:3])
    return numbers and (len(cells) >= 4 or _SV_TIME_RE.fullmatch(cells[0].strip()) is not None)


def _is_instants_header(cells: list[str]) -> bool:
    """Whether a header's keys are a time instants layer's: TIME, and LABEL where it has one."""
    return cells[0] == "time" and set(cells) <= {"time", "label"}


def parse_sv_csv(text: str, audio: str | None) -> tuple[list[RegionRow], list[Problem]]:
    """The regions of a Sonic Visualiser layer exported as CSV (a region or note layer: each row's
    time and duration, its label the region's; a box layer: its start, end and band, named so
    by its header, or without one where every row's four numbers read as a box, as
    :func:`_is_sv_box` says; a time instants layer: each row's time as begin and end, a moment
    an import makes a region about). In a layer of spans, rows without a duration are problems;
    a layer of values (a time and a number: a measurement, not a mark), or in frames, raises
    EarmarkError saying so."""
    if not audio:
        raise EarmarkError("a Sonic Visualiser CSV layer does not say which audio file it belongs "
                           "to: say which (--audio)")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""),  # spaces kept: see _SvCells
                        delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t"
                        else csv.QUOTE_MINIMAL)
    header: list[str] | None = None
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    try:
        lines = [(reader.line_num, values) for values in reader]
    except csv.Error as error:
        raise EarmarkError(f"line {reader.line_num}: malformed CSV ({error})") from None
    lines = [(number, _SvCells(values, delimiter)) for number, values in lines
             if any(value.strip() for value in values)]
    if lines and not is_number(lines[0][1][0]):
        header = [header_key(cell) for cell in lines.pop(0)[1]]
        if "frame" in header or "startframe" in header:
            raise EarmarkError("times in frames: export the layer again with times in seconds")
    if _is_sv_box(header, [cells for _, cells in lines]):
        return _sv_boxes(lines, audio)
    if _is_sv_instants(header, [cells for _, cells in lines]):
        return _sv_instants(lines, audio)
    for number, cells in lines:
        time_s, duration_s, label = _sv_csv_point(cells, header)
        if time_s is None:
            problems.append((number, f"time '{cells[0]}' is not a number"))
        elif duration_s is None or duration_s <= 0:
            problems.append((number, "no duration: a moment, not a span"))
        else:
            rows.append(RegionRow(audio, time_s, time_s + duration_s, label or None, line=number))
    if not rows and problems and all(reason.startswith("no duration") for _, reason in problems):
        raise EarmarkError("a layer of values (a time and a number: a measurement), not of marks: "
                           "export a time instants, region, note or box layer")
    return rows, problems


def _is_sv_instants(header: list[str] | None, rows: list[list[str]]) -> bool:
    """Whether a CSV layer is a time instants layer's: its header says so, or (none) every row
    holds a time and at most a label that is no number (a time and a number are a time value
    layer's point)."""
    if header is not None:
        return _is_instants_header(header)
    return bool(rows) and all(len(cells) == 1 or not is_number(cells[1]) for cells in rows)


def _sv_instants(lines: list[tuple[int, list[str]]], audio: str) -> tuple[list[RegionRow],
                                                                           list[Problem]]:
    """The moments of a time instants layer's rows ``(line, cells)``: begin and end the time."""
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    for number, cells in lines:
        time_s = number_or_none(cells[0])
        if time_s is None:
            problems.append((number, f"time '{cells[0]}' is not a number"))
        else:
            label = cells.label_from(1)
            rows.append(RegionRow(audio, time_s, time_s, label or None, line=number))
    return rows, problems


#: Without a header, a row of four numbers may be a box without a label or a region whose label
#: is a number (time, value, duration, "7"): it reads as a box where its band's bottom is 0 or
#: at least this (a region's duration in its place is mostly seconds).
_SV_BOX_LOWEST_BOTTOM_HZ = 10.0


def _is_sv_box(header: list[str] | None, rows: list[list[str]]) -> bool:
    """Whether a CSV layer is a box layer's: its header says so, or (none) every row holds
    start, end, band bottom and band top, each after the one before it but the band's bottom,
    the top above 1 (a note's fourth number, its level, is 0-1); and some row holds a label
    after them (a region's row holds four cells at most), or every band reads as one in Hz
    (_SV_BOX_LOWEST_BOTTOM_HZ)."""
    if header is not None:
        return set(_SV_BOX) <= set(header)
    if not rows:
        return False
    bottoms = []
    for cells in rows:
        numbers = [number_or_none(cell) if is_number(cell) else None for cell in cells[:4]]
        if len(numbers) < 4 or None in numbers:
            return False
        start, end, low, high = numbers
        if not (start < end and 0 <= low < high and high > 1):
            return False
        bottoms.append(low)
    return any(len(cells) > 4 for cells in rows) or all(
        low == 0 or low >= _SV_BOX_LOWEST_BOTTOM_HZ for low in bottoms)


def _sv_boxes(lines: list[tuple[int, list[str]]], audio: str) -> tuple[list[RegionRow],
                                                                         list[Problem]]:
    """The regions of a box layer's rows ``(line, cells)``: start, end, band, label."""
    rows: list[RegionRow] = []
    problems: list[Problem] = []
    for number, cells in lines:
        row, reason = region_row(audio, *(cells + [""] * 5)[:2], cells.label_from(4),
                           *(cells + [""] * 5)[2:4], number)
        if row is None:
            problems.append((number, reason))
        else:
            rows.append(row)
    return rows, problems


def _sv_csv_point(cells: list[str], header: list[str] | None
                  ) -> tuple[float | None, float | None, str]:
    """(time, duration, label) of a row: by the header's names, else by position (time, value,
    duration, then the label, after a note's level when one is there)."""
    if header is not None:
        named = dict(zip(header, cells, strict=False))
        time = next((named[name] for name in _SV_CSV_TIMES if name in named), "")
        label = cells.label_from(header.index("label")) if header[-1:] == ["label"] else \
            named.get("label", "")
        return number_or_none(time), number_or_none(named.get("duration", "")), label
    if len(cells) < 3 or not (is_number(cells[1]) and is_number(cells[2])):
        return number_or_none(cells[0]), None, ""
    level = len(cells) > 4 and is_number(cells[3])  # a note's level before its label
    return (number_or_none(cells[0]), number_or_none(cells[2]),
            cells.label_from(4 if level else 3))


class _SvCells(list):
    """A CSV row's cells, stripped, that keep the row as written: an old Sonic Visualiser wrote
    a label with a comma unquoted (``1.0,Wren, juvenile``), which :meth:`label_from` puts back
    together, its space kept."""

    def __init__(self, values: list[str], delimiter: str = ",") -> None:
        super().__init__(value.strip() for value in values)
        self._values, self._delimiter = values, delimiter

    def label_from(self, index: int) -> str:
        """The label that starts at cell ``index``, every cell after it part of it; one quoted
        after a space (``1.0, "Wren, juvenile"``, which the reader, keeping spaces, splits)
        unquoted."""
        text = self._delimiter.join(self._values[index:]).strip()
        if len(text) > 1 and text[0] == text[-1] == '"':
            text = next(csv.reader([text]))[0]
        return text


__all__ = ["SV_CSV", "is_sv_csv", "is_sv_tab_line", "parse_sv_csv"]
