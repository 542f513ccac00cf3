"""What an import's rows add to a project and what they change: the rows matched to clips
(:class:`Planned`), less those whose region is here already, and the regions Earmark's own Raven
table edited in Raven stands for (:func:`without_known`), as a :class:`RegionsPlan`. Reads
only; :mod:`core.store.region_io` reads the files and matches their rows.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.store.records import REJECTED, ClipRecord, RegionSpec
from core.store.region_tables import table_text
from core.store.regions import stored_channel

BAND_SLACK_HZ = 0.5  # a band from 0 to within this of Nyquist is the whole spectrum: no band


def region_ref(store_token: str, region_id: int, modified: float) -> str:
    """How a table names a region of the store whose token is ``store_token`` (its Earmark ID:
    ``token-id-stamp``): the same numbers name other regions in another folder's store, and the
    stamp (when the region last changed, in microseconds) tells a row edited in another tool
    from one written before the region changed here."""
    return f"{store_token}-{region_id}-{_stamp(modified)}"


def _region_of(ref: str | None, store_token: str | None) -> tuple[int, str] | None:
    """(id, stamp) of the region ``ref`` (:func:`region_ref`) names in the store of
    ``store_token``; None for another store's region, or anything else."""
    token, region_id, stamp = ((ref or "").strip().split("-") + ["", ""])[:3]
    if not store_token or token != store_token or not region_id.isdigit() or not stamp:
        return None
    return int(region_id), stamp


def _modified_since(stamp: str, modified: float) -> bool:
    """Whether a region whose ``modified`` time this is changed after the table with ``stamp``
    (:func:`region_ref`) was written."""
    return stamp != _stamp(modified)


def _stamp(modified: float) -> str:
    return f"{round(modified * 1e6):x}"


def raven_channel(channel: int | None, clip: ClipRecord) -> int | None:
    """A Raven row's channel as read back: Raven writes a region on every channel of a file that
    cannot be read (its count unknown) on the first, so there the first is every channel."""
    return None if channel == 0 and clip.channels is None else channel


def row_band(clip: ClipRecord, low_hz: float | None, high_hz: float | None
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


@dataclass(frozen=True)
class Planned:
    """A row matched to its clip: the region it gives, whether it was a moment made a region
    (MOMENT_S), and the Earmark region it stands for (a row of Earmark's own export:
    :func:`region_ref`), if any."""

    spec: RegionSpec
    moment: bool = False
    region_ref: str | None = None


@dataclass(frozen=True)
class RegionsPlan:
    """What an import adds (``specs``), changes (``updates``: region id -> what it becomes) and
    how many of its rows were left out as already in the project (``known``): a table exported,
    edited in Raven and imported again changes what was edited and adds what was drawn, not a
    second copy of every region."""

    specs: list[RegionSpec]
    known: int = 0
    moments: int = 0  # rows marking a moment, made regions MOMENT_S long about it
    updates: dict[int, RegionSpec] = dataclasses.field(default_factory=dict)


#: Two spans are the same region within this (formats write times to a millisecond or finer).
SAME_TIME_S = 0.002


def without_known(project, specs: Sequence[RegionSpec | Planned],
                  clips: Iterable[ClipRecord] | None = None) -> RegionsPlan:
    """``specs`` less those already in ``project`` (or earlier in ``specs``): a region on the
    same clip with the same span (within SAME_TIME_S), whose label, band and channel are those
    of the row where the row gives them. A row that names less (no band, no channel, no label:
    a format without them) adds nothing to a region that has more. Rejected model events do not
    count: a person's row where they rejected one is news. A row standing for a region of this
    store on the same clip (:class:`Planned`'s ``region_ref``) that says otherwise changes it
    instead (``updates``), unless the region changed here since the table was written (its
    stamp): left out, as known. ``clips``: the project's, where the caller has read them
    already."""
    by_clip: dict[int, list] = defaultdict(list)
    for region in project.regions():  # in order of clip, then begin
        if region.status != REJECTED:
            by_clip[region.clip_id].append(region)
    # Per clip: its regions in order of begin and their begins (for bisect), rows kept added.
    found = {clip_id: (rs, [r.begin_s for r in rs]) for clip_id, rs in by_clip.items()}
    by_id = {clip.id: clip
             for clip in (clips if clips is not None else project.clips(include_missing=True))}
    stored = {region.id: region for rs in by_clip.values() for region in rs}
    token = project.store_token
    kept: list[RegionSpec] = []
    kept_moments = 0
    updates: dict[int, RegionSpec] = {}
    claimed: set[int] = set()  # the regions rows have stood for: a copied row is a new one's
    for planned in specs:
        planned = planned if isinstance(planned, Planned) else Planned(planned)
        # As it would be stored: a Raven row's Channel 1 of a mono file is every channel.
        clip = by_id.get(planned.spec.clip_id)
        spec = dataclasses.replace(planned.spec, channel=stored_channel(
            planned.spec.channel, clip.channels if clip is not None else None))
        ref = _region_of(planned.region_ref, token)
        region = stored.get(ref[0]) if ref is not None and ref[0] not in claimed else None
        # A row standing for a region of this store on its clip (one deleted here since is read
        # as any row: brought back; a second row for one region, a copy, as a new region's).
        if region is not None:
            claimed.add(region.id)
            if region.clip_id == spec.clip_id and clip is not None:
                # Changed here since the table was written: the row is no edit of its own.
                if not _modified_since(ref[1], region.modified) and not _same_region(
                        spec, region, clip):
                    updates[region.id] = spec
                continue
        regions, begins = found.setdefault(spec.clip_id, ([], []))
        start = bisect.bisect_left(begins, spec.begin_s - SAME_TIME_S)
        stop = bisect.bisect_right(begins, spec.begin_s + SAME_TIME_S)
        if any(_names_no_more(spec, region) for region in regions[start:stop]):
            continue
        kept.append(spec)
        kept_moments += planned.moment
        at = bisect.bisect_right(begins, spec.begin_s)
        begins.insert(at, spec.begin_s)
        regions.insert(at, spec)
    return RegionsPlan(kept, len(specs) - len(kept) - len(updates), kept_moments, updates)


def _same_region(row: RegionSpec, region, clip: ClipRecord) -> bool:
    """Whether ``row`` (of a table, standing for ``region``, on ``clip``) says what ``region``
    holds as a table writes it and a row is read back: its span (within SAME_TIME_S), label (a
    tab or a line break a space), band (within 1 Hz; one over every frequency none) and channel
    (a Raven table's first of a file whose channels are not known: every one)."""
    low_hz, high_hz = row_band(clip, region.low_hz, region.high_hz)
    read_back = dataclasses.replace(region, low_hz=low_hz, high_hz=high_hz,
                                    channel=raven_channel(region.channel, clip))
    return (abs(row.begin_s - region.begin_s) <= SAME_TIME_S
            and table_text(row.label) == table_text(region.label)
            and row.channel == read_back.channel and (row.low_hz is None) == (low_hz is None)
            and _names_no_more(dataclasses.replace(row, label=region.label), read_back))


def _names_no_more(row: RegionSpec, region) -> bool:
    """Whether ``row`` (of a file) says nothing ``region`` (stored, on the same clip) does not."""
    return (abs(row.end_s - region.end_s) <= SAME_TIME_S
            and all(mine is None or mine == theirs for mine, theirs in (
                (row.label, region.label), (row.channel, region.channel)))
            and (row.low_hz is None or (region.low_hz is not None
                                        and math.isclose(row.low_hz, region.low_hz, abs_tol=1.0)
                                        and math.isclose(row.high_hz, region.high_hz, abs_tol=1.0))))


__all__ = ["Planned", "RegionsPlan", "raven_channel", "region_ref", "row_band", "without_known"]
