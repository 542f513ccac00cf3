"""Regions into a project from the files other tools write, each recognised by its text: (through
:mod:`core.store.region_tables`) a CSV (``path,label`` plus ``begin_s,end_s,low_hz,high_hz``), a
Raven Pro selection table, an Audacity label track, BirdNET Analyzer's CSV and a Sonic Visualiser
layer exported as CSV, (:mod:`core.store.region_json`) AviaNZ ``.data`` files and Label Studio
JSON, (:mod:`core.store.region_aoef`) Whombat's AOEF, and (:mod:`core.store.region_svl`) Sonic
Visualiser's layers and sessions. Reading never touches the store; an import checks every row,
then adds them all in one transaction. Writing them: :mod:`core.store.region_export`.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.audio.spans import END_SLACK_S
from core.errors import EarmarkError, RegionError, os_reason
from core.store.label_rules import decode_text, load_json, read_text_file
from core.store.records import ClipRecord, RegionRecord, RegionRow, RegionSpec, clean_label
from core.store.region_aoef import aoef_clip_labels, labels_clips, parse_aoef
from core.store.region_json import (
    AVIANZ_SUFFIX,
    EDGE_IMPULSE,
    Problem,
    avianz_audio,
    has_clip_choices,
    has_spans,
    holds_clip_choices,
    json_format,
    label_studio_clip_labels,
    labels_whole_samples,
    parse_avianz,
    parse_edge_impulse,
    parse_label_studio,
)
from core.store.region_known import (
    Planned,
    RegionsPlan,
    raven_channel,
    row_band,
    without_known,
)
from core.store.region_sv_csv import SV_CSV, is_sv_csv, is_sv_tab_line, parse_sv_csv
from core.store.region_svl import decompress, is_xml, parse_svl, svl_audio
from core.store.region_tables import (
    BIRDNET_TIMES,
    csv_has_regions,
    csv_header,
    header_key,
    is_number,
    parse_audacity,
    parse_birdnet,
    parse_csv,
    parse_raven,
    raven_header,
    raven_names_audio,
    table_text,
)
from core.store.regions import MAX_LISTED, validate_region

#: What a problem's number counts in each format, for messages.
_UNITS = {"avianz": "segment", "labelstudio": "region", "aoef": "entry", EDGE_IMPULSE: "span"}
#: A format's name in messages.
SONIC_VISUALISER = "sonicvisualiser"




# --------------------------------------------------------------------------- recognising


def detect_format(text: str) -> str:
    """``"raven"``, ``"audacity"``, ``"csv"``, ``"birdnet"``, ``"avianz"``, ``"labelstudio"``,
    ``"aoef"``, ``"edgeimpulse"`` or ``"sonicvisualiser"``, from the first line that is not
    blank: a tab-separated header naming ``Begin Time (s)`` and ``End Time (s)`` (or ``Delta
    Time (s)``) is a Raven
    selection table; a tab-separated line starting with a number an Audacity label track; JSON an
    AviaNZ file, a Label Studio export, an AOEF document or Edge Impulse's info.labels or
    structured_labels.labels (:func:`region_json.json_format`); XML a Sonic
    Visualiser layer or session; a comma-separated header naming ``Start (s)`` and ``End (s)``
    BirdNET Analyzer's CSV; a comma-separated line starting with a number, or a header naming a
    time and a duration, a Sonic Visualiser layer exported as CSV (``"sonicvisualiser-csv"``, as is
    a line of one number or the header ``TIME``: a time instants layer without labels, and a
    tab-separated one of three numbers and more, or a layer's header, :func:`is_sv_tab_line`);
    another line with a comma a CSV. Anything else raises
    :class:`EarmarkError`."""
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise EarmarkError("empty file: no labels or regions in it (a label track with none is "
                           "written so); nothing was imported")
    if first.lstrip()[0] in "[{":
        return json_format(text)
    if is_xml(first):
        return SONIC_VISUALISER
    if "\t" in first:
        cells = first.split("\t")
        keys = {header_key(cell) for cell in cells}
        if "begin time (s)" in keys and keys & {"end time (s)", "delta time (s)"}:
            return "raven"
        if "begin time (s)" in keys:
            raise EarmarkError("a Raven selection table without End Time (s) or Delta Time (s): "
                               "add the End Time measurement in Raven and save it again")
        if is_sv_tab_line(first):
            return SV_CSV
        if is_number(cells[0]):
            return "audacity"
    if "," in first or ";" in first:  # ";": a spreadsheet's in a decimal-comma locale
        if BIRDNET_TIMES <= set(csv_header(first)):
            return "birdnet"
        return SV_CSV if is_sv_csv(first) else "csv"
    if is_number(first) or header_key(first) == "time":
        return SV_CSV  # a time instants layer without labels: a time a line
    raise EarmarkError("not a CSV (path,label or path,begin_s,end_s,...), a Raven Pro selection "
                       "table, an Audacity label track, an AviaNZ .data file, Label Studio JSON, AOEF "
                       "(Whombat) JSON or a Sonic Visualiser layer")


def _read_text(path: str | os.PathLike) -> str:
    """A region file's text; a Sonic Visualiser session's, bzip2-compressed, opened."""
    try:
        data = read_text_file(Path(path))
    except OSError as error:
        raise EarmarkError(f"{path}: cannot be read ({os_reason(error)})") from None
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
    """What importing ``path`` means: ``"labels"`` for a ``path,label`` CSV of clip labels,
    Edge Impulse's info.labels or a Label Studio export of whole-clip choices (see
    :mod:`core.store.label_io`), else its region format
    (:func:`detect_format`). Raises :class:`EarmarkError` naming the file when it cannot be read
    or is in no format we know."""
    text, fmt = _read_format(path)
    return "labels" if _holds_clip_labels(text, fmt) else fmt


def json_clip_labels(path: str | os.PathLike) -> list[tuple[str, str]] | None:
    """The clip labels of a Label Studio export of an audio classification project at ``path``
    (:func:`label_studio_clip_labels`) or of an AOEF document's clip tags
    (:func:`aoef_clip_labels`), or None for a file in another format. Raises EarmarkError naming
    the file and each task or clip annotation that cannot be imported."""
    text = _read_text(path)
    if not text.lstrip().startswith(("[", "{")):
        return None
    try:
        fmt = detect_format(text)
    except EarmarkError:
        return None
    if fmt not in _CLIP_LABELS:
        return None
    read, unit = _CLIP_LABELS[fmt]
    rows, problems = read(load_json(text))
    if problems:
        raise EarmarkError(_listing(Path(path).name, problems, unit))
    return rows


@dataclass(frozen=True)
class ImportFacts:
    """What importing a file means, from one read of it: its ``kind`` (as :func:`file_kind`
    says), whether its audio must be named (:func:`needs_audio`), and whether a region file
    labels whole clips too (a Label Studio export with spans and choices of whole clips, an
    info.labels with samples labelled in spans and whole, an AOEF document with tags of whole
    clips beside its sound events: what
    :func:`core.store.label_io.import_csv` imports of it)."""

    kind: str
    needs_audio: bool
    clip_labels_too: bool


def import_facts(path: str | os.PathLike) -> ImportFacts:
    """:class:`ImportFacts` of ``path``. Raises as :func:`file_kind` does."""
    text, fmt = _read_format(path)
    if _holds_clip_labels(text, fmt):
        return ImportFacts("labels", False, False)
    labels_too = {"labelstudio": has_clip_choices, EDGE_IMPULSE: labels_whole_samples,
                  "aoef": labels_clips}.get(fmt)
    return ImportFacts(fmt, _needs_audio(path, text, fmt),
                       labels_too is not None and labels_too(load_json(text)))


#: The formats that label whole clips beside their regions: how to read those, and what a
#: problem's number counts.
_CLIP_LABELS = {"labelstudio": (label_studio_clip_labels, "task"),
                "aoef": (aoef_clip_labels, "clip annotation")}


def _holds_clip_labels(text: str, fmt: str) -> bool:
    """A path,label CSV, Edge Impulse's info.labels without multi-label samples, a Label
    Studio export of an audio classification project, or an AOEF document of tags of whole clips
    and no sound events: labels of whole clips, no regions."""
    if fmt == EDGE_IMPULSE:
        return not has_spans(load_json(text))
    if fmt == "labelstudio":
        return holds_clip_choices(load_json(text))
    if fmt == "aoef":
        value = load_json(text)
        return labels_clips(value) and not parse_aoef(value)[0]
    return fmt == "csv" and not csv_has_regions(text)


def needs_audio(path: str | os.PathLike) -> bool:
    """Whether the region file at ``path`` does not say which audio file it belongs to (an
    Audacity label track, a Raven table with neither ``Begin File`` nor ``Begin Path``), so that
    importing it needs ``audio``. Raises as :func:`file_kind` does."""
    return _needs_audio(path, *_read_format(path))


def _needs_audio(path: str | os.PathLike, text: str, fmt: str) -> bool:
    if fmt == "raven":
        return not raven_names_audio(raven_header(text.splitlines())[1])
    if fmt == "avianz":
        return avianz_audio(Path(path).name) is None
    if fmt == "birdnet":
        return "file" not in csv_header(text)
    if fmt == SONIC_VISUALISER:
        try:
            return svl_audio(text) is None
        except EarmarkError as error:
            raise EarmarkError(f"{Path(path).name}: {error}") from None
    return fmt in ("audacity", SV_CSV)


# --------------------------------------------------------------------------- reading


# Why a file of labels of whole clips gives no regions, by its format.
_WHOLE_CLIPS_ONLY = {
    "csv": "a path,label CSV of clip labels holds no regions (no begin_s,end_s columns)",
    EDGE_IMPULSE: "Edge Impulse's info.labels holds labels of whole clips, no regions",
    "labelstudio": "a Label Studio export of choices of whole clips holds no regions (no "
                   "labelled spans): import it as clip labels",
    "aoef": "an AOEF document of tags of whole clips holds no regions (no sound events): "
            "import it as clip labels",
}


def _parse(path: str | os.PathLike, audio: str | None
           ) -> tuple[str, list[RegionRow], list[Problem], bool]:
    """A region file's format, rows and bad rows, and whether its times may run on through
    several files as one sequence (a Raven table naming several files, without File Offset)."""
    text, fmt = _read_format(path)
    try:
        if _holds_clip_labels(text, fmt):
            raise EarmarkError(_WHOLE_CLIPS_ONLY[fmt])
        if fmt == "csv":
            rows, problems = parse_csv(text)
        elif fmt == "raven":
            rows, problems = parse_raven(text, audio)
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
        elif fmt == EDGE_IMPULSE:
            rows, problems = parse_edge_impulse(load_json(text), str(Path(path).resolve().parent))
        elif fmt == "birdnet":
            rows, problems = parse_birdnet(text, audio)
        elif fmt == SONIC_VISUALISER:
            rows, problems = parse_svl(text, audio)
        elif fmt == SV_CSV:
            rows, problems = parse_sv_csv(text, audio)
        else:
            rows, problems = parse_audacity(text, audio)
    except EarmarkError as error:
        raise EarmarkError(f"{Path(path).name}: {error}") from None
    on_sequence = fmt == "raven" and len({row.path for row in rows}) > 1 and (
        "file offset (s)" not in raven_header(text.splitlines())[1])
    return fmt, rows, problems, on_sequence


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
    fmt, rows, problems, _ = _parse(path, audio)
    if problems:
        raise EarmarkError(_listing(Path(path).name, problems, _UNITS.get(fmt, "line")))
    return fmt, rows


# --------------------------------------------------------------------------- importing


# Folders nested deeper than this below a project's folder are no recorder's or person's.
MAX_TAIL_PARTS = 32


def find_clip(key: str, by_path: dict[str, ClipRecord], by_name: dict[str, list[ClipRecord]],
              root: str | None = None, which: str = "give its path relative to the folder"
              ) -> tuple[ClipRecord | None, str | None]:
    """The clip a file's row names by ``key`` (a path relative to the folder, or from elsewhere),
    or None and why not; ``by_path`` and ``by_name`` as :func:`clip_index` gives them; ``root``
    the folder's name (a path through it names a file in it by what follows); ``which``: how to
    say which of several files of its name it is. Names match in either Unicode form (a Mac's
    table may write café decomposed)."""
    clip = by_path.get(key)
    if clip is not None:
        return clip, None
    key = unicodedata.normalize("NFC", key)  # the index holds each path in this form too
    root = root and unicodedata.normalize("NFC", root)
    parts = [part for part in key.split("/") if part]
    # A path through the folder's name (Label Studio's /data/local-files/?d=FOLDER/a.wav, as
    # Earmark writes it): what follows the name, a top-level file too. The name may come again
    # below it (birds/birds/a.wav: a subfolder named as the folder), so the longest path that
    # follows it and is in the folder wins.
    for at, part in enumerate(parts[:-1] if root else ()):
        clip = by_path.get("/".join(parts[at + 1:])) if part == root else None
        if clip is not None:
            return clip, None
    # A path from elsewhere (the same recordings in another folder, another machine's absolute
    # path as detect writes it): the longest tail of it that is a path in this folder, else its
    # base name when one file in the folder has it.
    # Tails of at most MAX_TAIL_PARTS parts: a stranger's path of thousands of parts would
    # otherwise cost its square in joins.
    for start in range(max(1, len(parts) - MAX_TAIL_PARTS), len(parts) - 1):
        clip = by_path.get("/".join(parts[start:]))
        if clip is not None:
            return clip, None
    same_name = by_name.get(parts[-1], []) if parts else []
    if len(same_name) == 1:
        return same_name[0], None
    if same_name:
        listed = ", ".join(c.path for c in same_name[:3]) + (", ..." if len(same_name) > 3 else "")
        return None, f"{key} names {len(same_name)} files in the folder ({listed}): {which}"
    return None, f"{key} is not in the folder"


_ClipIndex = tuple[dict[str, ClipRecord], dict[str, list[ClipRecord]]]
#: How to say which recording an AviaNZ file is of, where several have its name: the file holds
#: no path to give.
_AVIANZ_WHICH = ("put the file beside its recording, or say which recording it is of (File > "
                 "Import asks; `labels import --audio PATH`)")


def clip_index(project, include_missing: bool = True) -> _ClipIndex:
    """The project's clips by relative path (those missing too, unless not
    ``include_missing``), and those on disk by base name; each path and name in its NFC form
    too, as :func:`find_clip` looks for them, and as a tab-separated table writes it
    (:func:`table_text`: a tab in a name is a space there, and Earmark's own Raven table of a
    file named so was refused when read back)."""
    clips = project.clips(include_missing=include_missing)
    by_path = {c.path: c for c in clips}
    by_name: dict[str, list[ClipRecord]] = defaultdict(list)
    flattened: dict[str, list[ClipRecord]] = defaultdict(list)
    for clip in clips:
        by_path.setdefault(unicodedata.normalize("NFC", clip.path), clip)
        if table_text(clip.path) != clip.path:
            flattened[unicodedata.normalize("NFC", table_text(clip.path))].append(clip)
        if not clip.missing:
            by_name[unicodedata.normalize("NFC", PurePosixPath(clip.path).name)].append(clip)
    for path, same in flattened.items():
        if len(same) == 1:  # two names one as a table writes them: neither is guessed
            by_path.setdefault(path, same[0])
    return by_path, by_name


#: A moment a file marks (an Audacity point label, Ctrl+M while listening) becomes a region
#: this long about it, within its recording: a span to see, play and drag to the call's edges.
MOMENT_S = 0.5


def moments_text(n: int) -> str:
    """What an import says of the moments it made regions (MOMENT_S)."""
    if n == 1:
        return (f"1 moment (a point label) made a region of {MOMENT_S:g} s about it: drag its "
                "edges to the call's")
    return (f"{n:,} moments (point labels) made regions of {MOMENT_S:g} s about them: drag "
            "their edges to the calls'")


def _plan(project, rows: Iterable[RegionRow], index: _ClipIndex, fmt: str = ""
          ) -> tuple[list[Planned], list[Problem], bool]:
    """The rows matched to clips, the rows' problems, and whether a row was refused for lying
    past its file's end. ``fmt``: the file's format: a Raven table's Channel 1 may stand for
    every channel; an AviaNZ file names its recording by its own name alone."""
    raven = fmt == "raven"
    which = (_AVIANZ_WHICH if fmt == "avianz" else "give its path relative to the folder")
    by_path, by_name = index
    planned: list[Planned] = []
    problems: list[Problem] = []
    past_end = False
    found: dict[str, tuple[ClipRecord | None, str | None]] = {}
    for row in rows:
        if row.path not in found:  # a file has many rows
            found[row.path] = find_clip(project.relpath(row.path), by_path, by_name,
                                        project.folder.name, which)
        clip, reason = found[row.path]
        if clip is None:
            problems.append((row.line, reason))
            continue
        low_hz, high_hz = row_band(clip, row.low_hz, row.high_hz)
        channel = raven_channel(row.channel, clip) if raven else row.channel
        begin_s, end_s = row.begin_s, row.end_s
        duration_s = clip.duration_s or math.inf
        # A mark at the very end, written to a format's precision, may lie just past it.
        moment = begin_s == end_s and 0 <= begin_s <= duration_s + END_SLACK_S
        if moment:
            begin_s = max(0.0, min(begin_s - MOMENT_S / 2, duration_s - MOMENT_S))
            end_s = min(begin_s + MOMENT_S, duration_s)
        reason = validate_region(clip, begin_s, end_s, low_hz, high_hz, channel)
        if reason:
            problems.append((row.line, reason))
            past_end = past_end or end_s > duration_s + END_SLACK_S
        else:
            # The label as the store keeps it (NFC, trimmed): what the file's rows are compared
            # with (a Mac's decomposed "café" was every region of its class edited again).
            planned.append(Planned(RegionSpec(clip.id, begin_s, end_s, clean_label(row.label),
                                              low_hz, high_hz, row.score, channel), moment,
                                   row.region_ref))
    return planned, problems, past_end


def import_regions_file(project, path: str | os.PathLike,
                        audio: str | None = None) -> list[RegionRecord]:
    """Add the regions of a file in any of :data:`FORMATS` (``audio``: see
    :func:`read_regions`) to ``project`` with source ``"import"``, in one transaction, and return
    them. Every row is checked first (a file in the folder, found by its relative path or by a base
    name no other file has; begin before end, inside the file; a band under Nyquist): one bad row
    and nothing is imported, and the :class:`RegionError` names each bad row and why. An AviaNZ
    file inside the folder belongs to the recording beside it, whatever other file shares its
    name. The rows of Earmark's own Raven table edited in Raven change their regions in the same
    transaction (:func:`without_known`); only the regions added are returned."""
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
    and every edited one changed in one transaction."""
    plan = plan_regions_files(project, files)
    return project.import_regions(plan.specs, plan.updates)[0]


def plan_regions_files(project, files: Iterable[tuple[str | os.PathLike, str | None]]
                       ) -> RegionsPlan:
    """The regions ``files`` (each ``(path, audio)``) would add to ``project``, nothing written,
    less those already there (:func:`without_known`): every row of every file is checked, and
    one bad row anywhere raises a :class:`RegionError` naming each file's bad rows. Raises
    :class:`EarmarkError` naming a file that cannot be read or is in no format we know. Reads
    only: it may run on a thread of its own."""
    index = clip_index(project)
    planned: list[Planned] = []
    listings: list[str] = []
    problems: list[Problem] = []
    for path, audio in files:
        fmt, rows, found, on_sequence = _parse(path, audio or _avianz_beside(project, path))
        more, bad, past_end = _plan(project, rows, index, fmt)
        found += bad
        if found:
            listings.append(_listing(Path(path).name, found, _UNITS.get(fmt, "line"))
                            + (_SEQUENCE_HINT if on_sequence and past_end else ""))
            problems += found
        planned += more
    if listings:
        raise RegionError("\n".join(listings), tuple(sorted(problems)))
    return without_known(project, planned, index[0].values())


#: Said of a Raven table naming several files without File Offset (s), a row past its file's end.
_SEQUENCE_HINT = ("\n  Its times run on through its files as Raven opened them, one sequence: add the "
                  "File Offset (s) measurement in Raven and save the table again, so that each "
                  "selection is placed in its own file.")


def _avianz_beside(project, path: str | os.PathLike) -> str | None:
    """The recording an AviaNZ file inside the folder lies beside, whatever other file shares its
    name; None for another file (its name, or the person, says which)."""
    audio = avianz_audio(Path(path).name)
    if audio is None:
        return None
    beside = Path(path).resolve().with_name(audio)
    return project.relpath(beside) if beside.is_relative_to(project.folder) else None


__all__ = ["RegionRow", "detect_format", "file_kind", "import_facts", "ImportFacts",
           "needs_audio", "read_regions",
           "import_regions_file", "import_regions_files", "plan_regions_files",
           "avianz_files_beside"]
