"""Regions out of a project, into the files other tools read: a CSV (``path,begin_s,end_s,low_hz,
high_hz,label``), a Raven Pro selection table, Audacity label tracks, AviaNZ ``.data`` files and a
Label Studio JSON import (these two through :mod:`core.store.region_json`), an AOEF annotation
project for Whombat (:mod:`core.store.region_aoef`) and Sonic Visualiser annotation layers
(:mod:`core.store.region_svl`); and a summary table, a row per recording and label.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TextIO

from core.audio.measurements import (
    FIELD_NAMES,
    RAVEN_COLUMNS,
    TIMELINE_FIELDS,
    RegionMeasurements,
    RegionSpan,
    format_value,
    measure_file_regions,
)
from core.audio.reading import channel_or_mix
from core.errors import AudioError, EarmarkError
from core.paths import first_free, natural_key, write_text_atomic
from core.store.name_rules import recorded_at
from core.store.records import REJECTED, UNREVIEWED, ClipRecord, RegionRecord
from core.store.region_aoef import aoef_dataset, aoef_document
from core.store.region_json import AVIANZ_SUFFIX, avianz_text, label_studio_text
from core.store.region_known import region_ref
from core.store.region_svl import SVL_SUFFIX, svl_text
from core.store.region_tables import table_text
from core.words import counted

FORMATS = ("csv", "raven", "ravenfiles", "audacity", "avianz", "labelstudio", "aoef",
           "sonicvisualiser", "summary")
#: The formats that can carry each region's measurements as more columns.
MEASURED_FORMATS = ("csv", "raven", "ravenfiles")
#: A recording's own selection table, named as Raven names the first table saved from a sound
#: file's window (rec.wav: rec.Table.1.selections.txt), its times within that file.
RAVEN_FILE_SUFFIX = ".Table.1.selections.txt"
# "score" and Raven's "Confidence" (as BirdNET writes it): the model's score of an event nobody
# has reviewed, empty for a person's region, so the event comes back as one to review.
# begin_clock: when the region began by the recorder's clock, where the file's name says when it
# began (AudioMoth's 20260601_220000.wav: 2026-06-01T22:14:05.250); empty for other names.
# channel: the one of a multi-channel recording a region is on (1, 2...), empty for every channel.
# found_by, found_score: who found an event Earmark found (model, loud, similar) and its score
# then, kept once a person accepted it, so a table tells checked matches from calls drawn by
# hand; empty for those and for another tool's regions.
CSV_HEADER = ("path", "begin_s", "end_s", "low_hz", "high_hz", "label", "score", "begin_clock",
              "channel", "found_by", "found_score")
# The summary: per recording and label, the regions a person drew, imported or accepted, the
# model's events still to review, the seconds the former cover (overlaps counted once), and the
# first start and last end of either, in seconds and by the recorder's clock (as begin_clock).
SUMMARY_HEADER = ("path", "label", "regions", "to_review", "seconds", "first_s", "last_s",
                  "first_clock", "last_clock")
#: The last column, each selection's region in the project: a table edited in Raven and read
#: back changes the regions it stands for (region_known.without_known).
RAVEN_REGION_ID = "Earmark ID"
RAVEN_HEADER = ("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)",
                "High Freq (Hz)", "Begin File", "Begin Path", "File Offset (s)", "Annotation",
                "Confidence", "Found By", "Found Score", RAVEN_REGION_ID)


def _hz(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _unreviewed_score(region: RegionRecord) -> str:
    """The score of a model's event nobody has reviewed ("0.5" when it has none), else ''."""
    if region.status != UNREVIEWED:
        return ""
    return f"{0.5 if region.score is None else region.score:.4f}"


def _found_cells(region: RegionRecord) -> tuple[str, str]:
    """Who found an event Earmark found and its score then (CSV_HEADER's found_by, found_score),
    reviewed or not; empty for a region a person drew and for another tool's."""
    found = region.found
    if found is None:
        return "", ""
    return found[0], "" if found[1] is None else f"{found[1]:.4f}"


def _exported(region: RegionRecord) -> bool:
    return region.status != REJECTED  # a person said it is no event: never handed on as one


def _sure(region: RegionRecord) -> bool:
    """A person's region, an imported one or an event a person accepted: what a format with no
    word for an event still to review may carry (it would come back sure)."""
    return region.status is None


def regions_by_clip(project, keep: Callable[[RegionRecord], bool] = _exported
                    ) -> list[tuple[ClipRecord, list[RegionRecord]]]:
    """The regions ``keep`` keeps (default: all but rejected events), grouped by recording,
    in the window's order (by path, counting as a person does); recordings with none left out."""
    clips = {c.id: c for c in project.clips(include_missing=True)}
    grouped: dict[int, list[RegionRecord]] = defaultdict(list)
    for region in project.regions():
        if keep(region):
            grouped[region.clip_id].append(region)
    return sorted(((clips[i], regions) for i, regions in grouped.items()),
                  key=lambda item: natural_key(item[0].path))


@dataclass(frozen=True)
class Measured:
    """What :func:`measure_regions` found: each region's measurements by region id (None for a
    silent region, or one whose file could not be read), and a line for each such file."""

    by_region: dict[int, RegionMeasurements | None]
    unreadable: list[str]
    stopped: bool = False
    # The channel (from 0) each region measured on one channel was measured on, by region id;
    # the others were measured on the mix of their recording's channels.
    channels: dict[int, int] = field(default_factory=dict)


def measure_regions(project, should_stop: Callable[[], bool] = lambda: False,
                    progress: Callable[[int, int], None] | None = None,
                    channel: int | None = None) -> Measured:
    """Every exported region of ``project`` measured from its recording (each region's own
    seconds read, at the file's own rate): a region on one channel on that one; the others on
    ``channel`` (from 0) where the recording has that one and more, else on the mix of its
    channels. A file that cannot be read leaves its regions unmeasured and is named in
    ``unreadable`` with the reason; the others go on. ``progress(done, total)`` in regions after
    each file; ``should_stop`` is checked between regions."""
    grouped = regions_by_clip(project)
    total = sum(len(regions) for _, regions in grouped)
    by_region: dict[int, RegionMeasurements | None] = {}
    unreadable: list[str] = []
    channels: dict[int, int] = {}
    for clip, regions in grouped:
        if should_stop():
            return Measured(by_region, unreadable, True, channels)
        # The noise keeps clear of every region of the file, as the region list's measurement
        # does: those on another channel (a loud neighbour marked on the other microphone is
        # heard on both), those not exported, a rejected event (no call, yet maybe loud).
        every = project.regions(clip.id)
        on: dict[int | None, list[RegionRecord]] = {}  # channel measured on -> its regions
        for r in regions:
            one = channel_or_mix(r.channel if r.channel is not None else channel, clip.channels)
            on.setdefault(one, []).append(r)
        for one, some in on.items():
            measured = {r.id for r in some}
            others = [RegionSpan.of(r) for r in every if r.id not in measured]
            try:
                values = measure_file_regions(project.abspath(clip),
                                              [RegionSpan.of(r) for r in some], should_stop,
                                              others, one)
            except (AudioError, ValueError) as error:  # ValueError: a channel lost since its scan
                unreadable.append(f"{clip.path}: {error}")
                break
            channels.update((r.id, one) for r in some if one is not None)
            by_region.update(zip((r.id for r in some), values, strict=True))
        by_region.update((r.id, None) for r in regions if r.id not in by_region)
        if progress:
            progress(len(by_region), total)
    return Measured(by_region, unreadable, should_stop(), channels)


def _measurement_cells(measured: Mapping[int, RegionMeasurements | None] | None,
                       region: RegionRecord, offset_s: float = 0.0) -> tuple[str, ...]:
    """The measurement columns of ``region`` (empty cells when it has none); its times moved on
    by ``offset_s``."""
    if measured is None:
        return ()
    values = measured.get(region.id)
    if values is None:
        return ("",) * len(FIELD_NAMES)
    return tuple(format_value(name, getattr(values, name)
                              + (offset_s if name in TIMELINE_FIELDS else 0.0))
                 for name in FIELD_NAMES)


def _csv_text(grouped: list[tuple[ClipRecord, list[RegionRecord]]],
              measured: Mapping[int, RegionMeasurements | None] | None = None,
              channels: Mapping[int, int] | None = None) -> str:
    """The CSV (:data:`CSV_HEADER`); with ``measured``, the measurements by field name and the
    channel they were measured on, ``measured_channel`` (1, 2...; "mix" for the mix of a file's
    channels, as ``channels``, region id -> channel from 0, does not name one)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER + ((*FIELD_NAMES, "measured_channel") if measured is not None
                                  else ()))
    channels = channels or {}
    for clip, regions in grouped:
        began = _began(clip)
        for r in regions:
            writer.writerow((clip.path, f"{r.begin_s:.6f}", f"{r.end_s:.6f}", _hz(r.low_hz),
                             _hz(r.high_hz), r.label or "", _unreviewed_score(r),
                             _clock(began, r.begin_s), _channel_number(r.channel),
                             *_found_cells(r))
                            + ((*_measurement_cells(measured, r),
                                _channel_number(channels.get(r.id), "mix"))
                               if measured is not None else ()))
    return out.getvalue()


def _channel_number(channel: int | None, none: str = "") -> str:
    """A channel from 0 as people count them (1, 2...); ``none`` for None."""
    return none if channel is None else str(channel + 1)


def _began(clip: ClipRecord) -> datetime | None:
    """When ``clip``'s recording began by its recorder's clock, where its name says."""
    return recorded_at(PurePosixPath(clip.path).stem)


def _clock(began: datetime | None, seconds: float) -> str:
    """The moment ``seconds`` into a recording that began at ``began``, as ISO 8601 to the
    millisecond (2026-06-01T22:14:05.250); "" when it is not known."""
    return "" if began is None else \
        (began + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def summary_text(grouped: list[tuple[ClipRecord, list[RegionRecord]]]) -> str:
    """The summary CSV (:data:`SUMMARY_HEADER`): a row per recording and label, sorted by path
    and label, an unlabelled region's label empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_HEADER)
    for clip, regions in grouped:
        by_label: dict[str, list[RegionRecord]] = defaultdict(list)
        for r in regions:
            by_label[r.label or ""].append(r)
        began = _began(clip)
        for label in sorted(by_label):
            rows = by_label[label]
            sure = [(r.begin_s, r.end_s) for r in rows if r.status != UNREVIEWED]
            first_s, last_s = min(r.begin_s for r in rows), max(r.end_s for r in rows)
            writer.writerow((clip.path, label, len(sure), len(rows) - len(sure),
                             f"{_covered_s(sure):.3f}", f"{first_s:.3f}", f"{last_s:.3f}",
                             _clock(began, first_s), _clock(began, last_s)))
    return out.getvalue()


def _covered_s(spans: list[tuple[float, float]]) -> float:
    """Seconds that ``spans`` cover, overlaps counted once."""
    total, reach = 0.0, float("-inf")
    for begin_s, end_s in sorted(spans):
        if end_s > reach:
            total += end_s - max(begin_s, reach)
            reach = end_s
    return total


def sequence_starts(project, grouped: list[tuple[ClipRecord, list[RegionRecord]]]
                    ) -> dict[int, float]:
    """Clip id -> where each recording begins on the timeline of the whole folder opened as one
    sequence in Raven (every file in the window's order, not only those holding regions); a
    file whose length is not known (it cannot be read now) is as long as its last region, and a
    file gone missing takes no time (it is in no sequence now) but keeps a place for its
    regions."""
    ends = {clip.id: max(r.end_s for r in regions) for clip, regions in grouped if regions}
    starts, at_s = {}, 0.0
    for clip in sorted(project.clips(include_missing=True), key=lambda c: natural_key(c.path)):
        starts[clip.id] = at_s
        if not clip.missing:
            at_s += clip.duration_s or ends.get(clip.id, 0.0)
    return starts


def raven_text(grouped: list[tuple[ClipRecord, list[RegionRecord]]],
               measured: Mapping[int, RegionMeasurements | None] | None = None,
               channels: Mapping[int, int] | None = None,
               starts: Mapping[int, float] | None = None,
               store_token: str | None = None, folder: Path | None = None) -> str:
    """One Raven selection table; with ``measured``, Raven's measurement columns after its own
    (their times on the table's sequence timeline, as Begin Time). A selection has a row per
    channel it is on, as Raven writes it: a region's own channel, else every channel of its
    recording. Its measurements are on the row of the channel they were measured on
    (``channels``: region id -> channel from 0), or on its first row when measured on the mix;
    its other rows leave them empty. ``starts`` (``sequence_starts``) places each recording on
    the sequence's timeline; without it, the recordings of ``grouped`` follow one another.
    ``store_token`` (the project's): each row names its region (Earmark ID), so that the table
    edited in Raven and read back changes those regions. As Raven writes them, ``Begin File``
    names the file alone and ``Begin Path`` the whole path (in ``folder``; without one, the path
    in the folder), by which Earmark tells two recorders' files of one name apart."""
    lines = ["\t".join(RAVEN_HEADER + (tuple(RAVEN_COLUMNS) if measured is not None else ()))]
    number, sequence_s = 0, 0.0
    channels = channels or {}
    for clip, regions in grouped:
        if starts is not None:
            sequence_s = starts[clip.id]
        nyquist_hz = clip.sample_rate_hz / 2 if clip.sample_rate_hz else None
        every = range(max(clip.channels or 1, 1))
        path = PurePosixPath(clip.path)
        files = (table_text(path.name),
                 table_text(str(folder.joinpath(*path.parts)) if folder else clip.path))
        for r in regions:
            number += 1
            low_hz, high_hz = (r.low_hz, r.high_hz) if r.low_hz is not None else (
                (0.0, nyquist_hz) if nyquist_hz else (None, None))
            on = (r.channel,) if r.channel is not None else every
            cells = _measurement_cells(measured, r, sequence_s)
            measured_on = channels.get(r.id, on[0])
            lines += ["\t".join((
                str(number), "Spectrogram 1", str(channel + 1), f"{sequence_s + r.begin_s:.6f}",
                f"{sequence_s + r.end_s:.6f}", _hz(low_hz), _hz(high_hz), *files,
                f"{r.begin_s:.6f}", table_text(r.label), _unreviewed_score(r), *_found_cells(r),
                region_ref(store_token, r.id, r.modified) if store_token else "")
                + (cells if channel == measured_on else ("",) * len(cells)))
                for channel in on]
        sequence_s += max([clip.duration_s or 0.0] + [r.end_s for r in regions])
    return "\n".join(lines) + "\n"


def aoef_text(grouped, name: str, where: str | None = None) -> str:
    """``grouped`` as an AOEF annotation project named ``name`` (region_aoef.aoef_document)."""
    return json.dumps(aoef_document(grouped, name, where), indent=1, ensure_ascii=False) + "\n"


def aoef_dataset_path(out: Path) -> Path:
    """Where the dataset of an AOEF project written to ``out`` goes: beside it, ``regions.aoef.json``
    -> ``regions.dataset.aoef.json``."""
    out = Path(out)
    stem = out.name.removesuffix(".json").removesuffix(".aoef")
    return out.with_name(f"{stem}.dataset{out.name[len(stem):] or '.json'}")


def write_aoef(grouped, name: str, out: Path, where: str | None = None) -> Path:
    """Write ``grouped`` as an AOEF annotation project to ``out`` and the dataset of its
    recordings beside it (:func:`aoef_dataset_path`), which Whombat imports first; returns the
    dataset's path."""
    dataset = aoef_dataset_path(out)
    write_text_atomic(dataset, json.dumps(aoef_dataset([clip for clip, _ in grouped], name, where),
                                          indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(out), aoef_text(grouped, name, where))
    return dataset


def audacity_text(regions: Iterable[RegionRecord]) -> str:
    """One file's regions as an Audacity label track: 6 decimals, as Audacity writes, and a
    ``\\<TAB>low<TAB>high`` line after each region with a band."""
    lines = []
    for r in regions:
        lines.append(f"{r.begin_s:.6f}\t{r.end_s:.6f}\t{table_text(r.label)}")
        if r.low_hz is not None:
            lines.append(f"\\\t{r.low_hz:.6f}\t{r.high_hz:.6f}")
    return "".join(line + "\n" for line in lines)


def avianz_targets(clips: list[ClipRecord], out: Path) -> dict[int, Path]:
    """``out/<relative path>.data``: under the recordings' own folder, each beside its recording,
    where AviaNZ reads it."""
    return {c.id: out.joinpath(*PurePosixPath(c.path + AVIANZ_SUFFIX).parts) for c in clips}


def _replaced_suffix_targets(suffix: str) -> Callable[[list[ClipRecord], Path], dict[int, Path]]:
    """``out/<relative path, extension replaced by suffix>``; files that would share one (a.wav
    and a.flac) keep their extension before it (a.wav.txt)."""

    def targets(clips: list[ClipRecord], out: Path) -> dict[int, Path]:
        plain = {c.id: PurePosixPath(c.path).with_suffix(suffix) for c in clips}
        taken = defaultdict(int)
        for rel in plain.values():
            taken[rel] += 1
        return {c.id: out.joinpath(*(plain[c.id] if taken[plain[c.id]] == 1 else
                                     PurePosixPath(c.path + suffix)).parts) for c in clips}

    return targets


def raven_file_targets(clips: list[ClipRecord], out: Path) -> dict[int, Path]:
    """``out/<relative path, extension replaced by .Table.1.selections.txt>``, or Table.2, 3...
    where a table of that name is there and is not Earmark's (no Earmark ID column): one Raven
    saved beside its recording is a person's work, not to be written over."""
    targets = _replaced_suffix_targets(RAVEN_FILE_SUFFIX)(clips, out)
    for clip_id, path in targets.items():
        stem = path.name[:-len(RAVEN_FILE_SUFFIX)]
        targets[clip_id] = first_free(
            lambda n, path=path, stem=stem: path.with_name(f"{stem}.Table.{n}.selections.txt"),
            lambda table: table.exists() and not _is_earmarks_table(table))
    return targets


def _is_earmarks_table(path: Path) -> bool:
    """Whether the selection table at ``path`` was written by Earmark (its Earmark ID column)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return RAVEN_REGION_ID in handle.readline()
    except OSError:
        return False


@dataclass(frozen=True)
class PerFile:
    """A format written as a file per audio file, under a folder: what its files are called,
    where each goes (clip id -> path), one recording's text, and which regions it carries
    (``keep``: all but rejected events; a format with no word for an event still to review
    leaves those out too, or they would come back as a person's)."""

    what: str
    targets: Callable[[list[ClipRecord], Path], dict[int, Path]]
    text: Callable[[ClipRecord, list[RegionRecord]], str]
    keep: Callable[[RegionRecord], bool] = _exported


#: The formats written as a file per audio file. AviaNZ keeps an event's review in its
#: certainty; Audacity's labels and Sonic Visualiser's points have no word for it.
PER_FILE = {
    "ravenfiles": PerFile("Raven selection tables", raven_file_targets,
                          lambda clip, regions: raven_text([(clip, regions)])),
    "audacity": PerFile("Audacity label tracks", _replaced_suffix_targets(".txt"),
                        lambda _clip, regions: audacity_text(regions), _sure),
    "avianz": PerFile("AviaNZ .data files", avianz_targets, avianz_text),
    "sonicvisualiser": PerFile("Sonic Visualiser layers", _replaced_suffix_targets(SVL_SUFFIX),
                               svl_text, _sure),
}


#: Why unreviewed_note says they are left out.
UNREVIEWED_LEFT_OUT = ("the format has no word for an event still to review, and they would come "
                       "back as sure regions (Raven's table, the CSV and AviaNZ keep them, with "
                       "their scores)")


def unreviewed_note(project, fmt: str) -> str:
    """What an export as ``fmt`` did with the events nobody has reviewed, in words ('' when there
    are none): left out, and why (Audacity, Sonic Visualiser: see PER_FILE); counted apart (the
    summary); or kept with their scores, as events still to review."""
    n = sum(project.unreviewed_counts().values())
    if not n:
        return ""
    per_file = PER_FILE.get(fmt)
    if per_file is not None and per_file.keep is not _exported:
        return f"left out {counted(n, 'event')} nobody has reviewed: {UNREVIEWED_LEFT_OUT}"
    if fmt == "summary":
        return f"{counted(n, 'event')} nobody has reviewed yet counted as to review"
    return (f"{n:,} of them {'is an event' if n == 1 else 'are events'} nobody has reviewed yet, "
            f"with {'its score' if n == 1 else 'their scores'}, still to review")


def export_regions(project, fmt: str, out: str | os.PathLike | TextIO,
                   measured: Measured | None = None) -> int:
    """Write every region of ``project`` as ``fmt`` and return how many; a model's event a person
    rejected (kept in the project as background for training) is no event and is left out:

    - ``"csv"``: ``path,begin_s,end_s,low_hz,high_hz,label,score,...`` (no band: empty low and
      high; ``score`` only for a model's event nobody has reviewed: see CSV_HEADER);
    - ``"raven"``: one Raven selection table, selections numbered from 1, ``Begin File`` the file's
      name and ``Begin Path`` its whole path (as Raven writes them), ``File Offset (s)`` the
      begin within that file and ``Begin Time (s)`` on the timeline of every file of the folder
      in path order, those without regions too (as Raven times the folder opened as one sequence
      of files); a region over all frequencies is the band from 0 to Nyquist;
    - ``"ravenfiles"``: one Raven selection table per audio file with regions, its times within
      that file (to open beside the file alone in Raven), under the folder ``out`` at
      ``out/<relative path, extension replaced by .Table.1.selections.txt>`` (Table.2... where
      Raven's own table of that name is there: see :func:`raven_file_targets`);
    - ``"audacity"``: one label track per audio file under the folder ``out``, at
      ``out/<relative path, extension replaced by .txt>`` (files that would share one, a.wav and
      a.flac, keep their extension: a.wav.txt); events nobody has reviewed are left out
      (:func:`unreviewed_note`), as for sonicvisualiser;
    - ``"avianz"``: one AviaNZ ``.data`` file per audio file under the folder ``out``, at
      ``out/<relative path>.data`` (the project's own folder puts each beside its recording, where
      AviaNZ looks), see :func:`region_json.avianz_text`;
    - ``"labelstudio"``: one Label Studio JSON import, a task per audio file, see
      :func:`region_json.label_studio_text`;
    - ``"aoef"``: one AOEF annotation project named after the folder, which Whombat imports, see
      :func:`region_aoef.aoef_document`, and to a path, the dataset of its recordings beside it
      (:func:`write_aoef`), which Whombat imports first;
    - ``"sonicvisualiser"``: one Sonic Visualiser annotation layer per audio file under the
      folder ``out``, at ``out/<relative path, extension replaced by .svl>`` as for audacity, see
      :func:`region_svl.svl_text`;
    - ``"summary"``: one CSV, a row per recording and label, see :func:`summary_text`.

    With ``measured`` (from :func:`measure_regions`), csv and the raven formats get each region's
    measurements as more columns: csv by their field names (``peak_freq_hz``...) and the channel
    measured (``measured_channel``), raven by Raven's own (``Peak Freq (Hz)``...) on the row of
    the channel measured (see :func:`raven_text`).

    ``out`` may be an open text stream for csv, raven, labelstudio, aoef and summary. Files are written
    atomically (temporary file, fsync, rename), so an interrupted export never leaves half a file
    in place of a good one.
    """
    if fmt not in FORMATS:
        raise EarmarkError(f"unknown region format {fmt!r} ({', '.join(FORMATS)})")
    if measured is not None and fmt not in MEASURED_FORMATS:
        raise EarmarkError(f"measurements are written to {', '.join(MEASURED_FORMATS)} "
                           f"only, not {fmt}")
    grouped = regions_by_clip(project, PER_FILE[fmt].keep if fmt in PER_FILE else _exported)
    count = sum(len(regions) for _, regions in grouped)
    by_region, channels = ((measured.by_region, measured.channels) if measured is not None
                           else (None, None))
    if fmt in PER_FILE:
        per_file = PER_FILE[fmt]
        if not isinstance(out, (str, os.PathLike)):
            raise EarmarkError(f"{per_file.what} are one file per audio file: give a folder")
        text_of = per_file.text
        if fmt == "ravenfiles":  # with the measurements and each region's Earmark ID
            def text_of(clip, regions):
                return raven_text([(clip, regions)], by_region, channels, None,
                                  project.store_token, project.folder)
        targets = per_file.targets([clip for clip, _ in grouped], Path(out))
        for clip, regions in grouped:
            write_text_atomic(targets[clip.id], text_of(clip, regions))
        return count
    if fmt == "aoef" and isinstance(out, (str, os.PathLike)):
        write_aoef(grouped, project.folder.name, Path(out), str(project.folder))
        return count
    if fmt == "aoef":
        text = aoef_text(grouped, project.folder.name, str(project.folder))
    elif fmt == "labelstudio":
        text = label_studio_text(grouped, project.folder.name)
    elif fmt == "summary":
        text = summary_text(grouped)
    else:
        text = (raven_text(grouped, by_region, channels, sequence_starts(project, grouped),
                           project.store_token, project.folder)
                if fmt == "raven" else _csv_text(grouped, by_region, channels))
    if isinstance(out, (str, os.PathLike)):
        write_text_atomic(Path(out), text)
    else:
        out.write(text)
    return count



__all__ = ["FORMATS", "MEASURED_FORMATS", "PER_FILE", "Measured", "export_regions",
           "unreviewed_note",
           "regions_by_clip", "measure_regions", "aoef_dataset_path", "aoef_text",
           "audacity_text", "write_aoef",
           "avianz_targets", "raven_text", "sequence_starts", "summary_text"]
