"""Regions cut out of their recordings as clips in class folders (``DEST/<label>/``), with
clips of the unmarked stretches as a background class: what BirdNET Analyzer's custom-classifier
training and Edge Impulse's uploader (a folder at a time, with its label) take, from a night's
marked calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from core.audio.reading import centred_window_start, fit_length, read
from core.audio.recording import save_take
from core.errors import AudioError, EarmarkError, os_reason
from core.store.label_rules import safe_folder_name
from core.store.records import ClipRecord, RegionRecord
from core.store.region_export import regions_by_clip

MAX_MIN_LENGTH_S = 60.0  # a bound on typing mistakes: BirdNET takes 3 s, Edge Impulse about 1 s


@dataclass
class RegionClipsResult:
    """What an export of region clips did. ``failed`` holds (recording or clip, reason)."""

    written: list[Path] = field(default_factory=list)
    skipped_existing: list[Path] = field(default_factory=list)  # never overwritten
    failed: list[tuple[str, str]] = field(default_factory=list)
    unlabelled: int = 0  # regions left out because they have no label
    stopped: bool = False
    background_folder: str = ""  # the background class's folder's name

    @property
    def background(self) -> int:
        """Of ``written``, the clips in the background class's folder."""
        return sum(path.parent.name == self.background_folder for path in self.written)


class _Cut(NamedTuple):
    """One clip to cut: from ``clip``, ``length_s`` seconds from ``offset_s``, padded with silence
    to ``least_s``, into ``label``'s folder, named after the span ``begin_s..end_s``; of its
    ``channel`` (from 0), None: the mix."""

    clip: ClipRecord
    label: str
    begin_s: float
    end_s: float
    offset_s: float
    length_s: float
    least_s: float
    channel: int | None = None


def exported_regions(project) -> list[tuple[ClipRecord, list[RegionRecord]]]:
    """The regions a clip is cut for, grouped by recording (sorted by path): those a person drew,
    imported or accepted, as training takes them; a model's unreviewed or rejected events are
    not calls anyone has vouched for."""
    return regions_by_clip(project, lambda region: region.status is None)


def clip_window_s(begin_s: float, end_s: float, duration_s: float | None,
                  min_length_s: float) -> tuple[float, float]:
    """(offset, length) in seconds of the clip cut for a region: the region itself, or, when it
    is shorter than ``min_length_s``, that long around its middle, moved to stay inside the
    recording (a recording shorter than that gives all of itself, padded with silence later)."""
    length_s = max(end_s - begin_s, min_length_s)
    return centred_window_start(begin_s, end_s, length_s, duration_s), length_s


def clip_name(clip_path: str, begin_s: float, end_s: float, channel: int | None = None) -> str:
    """``night_0412-0413ms.wav``-like: the recording's path in the folder (separators as ``_``),
    the channel of a region on one (``night_ch2_...``) and the span's own seconds in
    milliseconds, so clips from files of the same name in different folders, or from the same
    file, or of one span on two channels, never share a name."""
    stem = PurePosixPath(clip_path).with_suffix("").as_posix().replace("/", "_")
    on = "" if channel is None else f"_ch{channel + 1}"
    return f"{stem}{on}_{round(begin_s * 1000)}-{round(end_s * 1000)}ms.wav"


def export_region_clips(project, dest: str | Path, min_length_s: float = 0.0,
                        background: Sequence[tuple[str, float, float]] = (),
                        background_label: str = "background",
                        should_stop: Callable[[], bool] = lambda: False,
                        progress: Callable[[int, int], None] | None = None
                        ) -> RegionClipsResult:
    """Write each labelled region of :func:`exported_regions` as a mono 16-bit WAV at its
    recording's own rate (a region on one channel: that channel; else the mix), to
    ``dest/<label>/`` (:func:`clip_name`), at least ``min_length_s``
    long (:func:`clip_window_s`), then each ``background`` stretch (a recording's path in the
    folder, start and length in seconds; see ``core.workflow.background_clip_windows``) to
    ``dest/<background_label>/``, that long (padded with silence where the recording is
    shorter). Never overwrites: a clip already there is left alone and listed. A recording that
    cannot be read is named with the reason and the others go on; a clip that cannot be written
    stops the export with an EarmarkError naming it. ``progress(done, total)`` in clips after
    each recording; ``should_stop`` is checked between clips. Raises :class:`EarmarkError` for a
    ``min_length_s`` out of range, or a ``dest`` inside the project's folder or that cannot be
    made."""
    if not 0 <= min_length_s <= MAX_MIN_LENGTH_S or math.isnan(min_length_s):
        raise EarmarkError(f"a clip's least length must be 0 to {MAX_MIN_LENGTH_S:g} s, "
                           f"not {min_length_s:g}")
    dest = project.export_destination(dest, "clips")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EarmarkError(f"{dest}: cannot be made ({os_reason(error)})") from None
    clips = {c.path: c for c in project.clips(include_missing=True)}
    # Every clip to cut, by recording: a recording that cannot be read is tried once.
    jobs: list[list[_Cut]] = []
    result = RegionClipsResult(background_folder=safe_folder_name(background_label))
    for clip, regions in exported_regions(project):
        result.unlabelled += sum(r.label is None for r in regions)
        jobs.append([_Cut(clip, r.label, r.begin_s, r.end_s,
                          *clip_window_s(r.begin_s, r.end_s, clip.duration_s, min_length_s),
                          min_length_s, r.channel) for r in regions if r.label is not None])
    by_path: dict[str, list[_Cut]] = {}
    for path, start_s, length_s in background:
        if path in clips:
            by_path.setdefault(path, []).append(_Cut(
                clips[path], background_label, start_s, start_s + length_s, start_s, length_s,
                max(length_s, min_length_s)))
    jobs += by_path.values()
    total, done = sum(map(len, jobs)), 0
    for recording in jobs:
        for job in recording:
            if should_stop():
                result.stopped = True
                return result
            if not _cut(project, dest, job, result):
                break  # the recording cannot be read: its other clips neither
        done += len(recording)
        if progress:
            progress(done, total)
    return result


def _cut(project, dest: Path, job: _Cut, result: RegionClipsResult) -> bool:
    """Cut one clip into ``result``; False when its recording cannot be read."""
    clip, label, begin_s, end_s, offset_s, length_s, least_s, channel = job
    if clip.missing:
        result.failed.append((clip.path, "the file is missing"))
        return False
    target = dest / safe_folder_name(label) / clip_name(clip.path, begin_s, end_s, channel)
    if target.exists() or target.is_symlink():
        result.skipped_existing.append(target)
        return True
    try:
        samples = read(project.abspath(clip), offset_s=offset_s, duration_s=length_s,
                       channel=channel, or_mix=True)
    except AudioError as error:
        result.failed.append((clip.path, error.reason))
        return False
    rate_hz = clip.sample_rate_hz or 0
    if not rate_hz or not len(samples):
        result.failed.append((clip.path, f"nothing to read at {begin_s:g} s"))
        return True
    samples = fit_length(samples, max(len(samples), round(least_s * rate_hz)))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        save_take(samples, rate_hz, target, exclusive=True)
    except FileExistsError:
        if not target.is_file():  # a file where the class folder belongs, a folder for a clip
            blocker = target.parent if target.parent.is_file() else target
            raise EarmarkError(f"{target}: cannot be written: {blocker} is in the way") from None
        result.skipped_existing.append(target)
        return True
    except (AudioError, OSError) as error:
        # The destination refuses (read-only, full): every other clip would fail alike.
        reason = error.reason if isinstance(error, AudioError) else os_reason(error)
        raise EarmarkError(f"{target}: cannot be written ({reason}); {len(result.written):,} "
                           "clips were written before it") from None
    result.written.append(target)
    return True


__all__ = ["RegionClipsResult", "exported_regions", "clip_window_s", "clip_name",
           "export_region_clips", "MAX_MIN_LENGTH_S"]
