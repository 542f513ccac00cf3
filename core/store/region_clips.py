"""Regions cut out of their recordings as clips in class folders (``DEST/<label>/``): what
BirdNET Analyzer's custom-classifier training, Teachable Machine's uploads and Edge Impulse's
uploader (a folder at a time, with its label) take, from a night's marked calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.audio.reading import fit_length, read
from core.audio.recording import save_take
from core.errors import AudioError, EarmarkError
from core.store.label_rules import safe_folder_name
from core.store.records import ClipRecord, RegionRecord

MAX_MIN_LENGTH_S = 60.0  # a bound on typing mistakes: BirdNET takes 3 s, Edge Impulse about 1 s


@dataclass
class RegionClipsResult:
    """What an export of region clips did. ``failed`` holds (recording or clip, reason)."""

    written: list[Path] = field(default_factory=list)
    skipped_existing: list[Path] = field(default_factory=list)  # never overwritten
    failed: list[tuple[str, str]] = field(default_factory=list)
    unlabelled: int = 0  # regions left out because they have no label
    stopped: bool = False


def exported_regions(project) -> list[tuple[ClipRecord, list[RegionRecord]]]:
    """The regions a clip is cut for, grouped by recording (sorted by path): those a person drew,
    imported or accepted, as training takes them; a model's unreviewed or rejected events are
    not calls anyone has vouched for."""
    by_clip: dict[int, list[RegionRecord]] = {}
    for region in project.regions():
        if region.status is None:
            by_clip.setdefault(region.clip_id, []).append(region)
    clips = {c.id: c for c in project.clips(include_missing=True)}
    return sorted(((clips[cid], regions) for cid, regions in by_clip.items() if cid in clips),
                  key=lambda pair: pair[0].path)


def clip_window_s(begin_s: float, end_s: float, duration_s: float | None,
                  min_length_s: float) -> tuple[float, float]:
    """(offset, length) in seconds of the clip cut for a region: the region itself, or, when it
    is shorter than ``min_length_s``, that long around its middle, moved to stay inside the
    recording (a recording shorter than that gives all of itself, padded with silence later)."""
    length_s = max(end_s - begin_s, min_length_s)
    offset_s = (begin_s + end_s - length_s) / 2
    if duration_s is not None:
        offset_s = min(offset_s, duration_s - length_s)
    return max(offset_s, 0.0), length_s


def clip_name(clip_path: str, region: RegionRecord) -> str:
    """``night_0412-0413.wav``-like: the recording's path in the folder (separators as ``_``)
    and the region's own span in milliseconds, so clips from files of the same name in different
    folders, or from the same file, never share a name."""
    stem = PurePosixPath(clip_path).with_suffix("").as_posix().replace("/", "_")
    return f"{stem}_{round(region.begin_s * 1000)}-{round(region.end_s * 1000)}ms.wav"


def export_region_clips(project, dest: str | Path, min_length_s: float = 0.0,
                        should_stop: Callable[[], bool] = lambda: False,
                        progress: Callable[[int, int], None] | None = None
                        ) -> RegionClipsResult:
    """Write each labelled region of :func:`exported_regions` as a mono 16-bit WAV at its
    recording's own rate, to ``dest/<label>/`` (:func:`clip_name`), at least ``min_length_s``
    long (:func:`clip_window_s`). Never overwrites: a clip already there is left alone and
    listed. A recording that cannot be read is named with the reason and the others go on; a
    clip that cannot be written stops the export with an EarmarkError naming it.
    ``progress(done, total)`` in regions after each recording; ``should_stop`` is checked between
    regions. Raises :class:`EarmarkError` for a ``min_length_s`` out of range, or a ``dest``
    that cannot be made."""
    if not 0 <= min_length_s <= MAX_MIN_LENGTH_S or math.isnan(min_length_s):
        raise EarmarkError(f"a clip's least length must be 0 to {MAX_MIN_LENGTH_S:g} s, "
                           f"not {min_length_s:g}")
    dest = Path(dest).expanduser()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EarmarkError(f"{dest}: cannot be made ({error.strerror or error})") from None
    result = RegionClipsResult()
    grouped = exported_regions(project)
    total, done = sum(len(regions) for _, regions in grouped), 0
    for clip, regions in grouped:
        for region in regions:
            if should_stop():
                result.stopped = True
                return result
            if region.label is None:
                result.unlabelled += 1
            elif not _write_one(project, clip, region, dest, min_length_s, result):
                break  # the recording cannot be read: its other regions neither
        done += len(regions)
        if progress:
            progress(done, total)
    return result


def _write_one(project, clip: ClipRecord, region: RegionRecord, dest: Path,
               min_length_s: float, result: RegionClipsResult) -> bool:
    """Cut one region into ``result``; False when its recording cannot be read."""
    if clip.missing:
        result.failed.append((clip.path, "the file is missing"))
        return False
    target = dest / safe_folder_name(region.label) / clip_name(clip.path, region)
    if target.exists() or target.is_symlink():
        result.skipped_existing.append(target)
        return True
    offset_s, length_s = clip_window_s(region.begin_s, region.end_s, clip.duration_s,
                                       min_length_s)
    try:
        samples = read(project.abspath(clip), offset_s=offset_s, duration_s=length_s)
    except AudioError as error:
        result.failed.append((clip.path, error.reason))
        return False
    rate_hz = clip.sample_rate_hz or 0
    if not rate_hz or not len(samples):
        result.failed.append((clip.path, f"nothing to read at {region.begin_s:g} s"))
        return True
    samples = fit_length(samples, max(len(samples), round(min_length_s * rate_hz)))
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
        reason = error.reason if isinstance(error, AudioError) else error.strerror or str(error)
        raise EarmarkError(f"{target}: cannot be written ({reason}); {len(result.written):,} "
                           "clips were written before it") from None
    result.written.append(target)
    return True


__all__ = ["RegionClipsResult", "exported_regions", "clip_window_s", "clip_name",
           "export_region_clips", "MAX_MIN_LENGTH_S"]
