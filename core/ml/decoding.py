"""Decoding for training: each sample read once and fitted to the clip length (a region as a few
shifted windows, see core.ml.samples), made into rows (features extracted on the run's device, or
the waveforms when features are recomputed every epoch) and kept in RAM or in the feature cache
on disk, where a later run finds them and reads only what is new or changed."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.audio import reading as audio
from core.errors import AudioError
from core.ml import distributed
from core.ml.feature_cache import FeatureCache, HeaderCache, file_identity
from core.ml.features import FeatureConfig, FeatureExtractor, prepare_clip
from core.ml.rows import CachedRows, Rows, TensorRows
from core.ml.samples import (
    BackgroundSource,
    TrainingSample,
    Window,
    background_windows,
    clip_view_starts,
    region_offsets_s,
    window_labels,
)

CHUNK = 64  # samples read (and their features extracted) together
EXTRACT_BATCH = 128  # windows per feature extraction call
# Rows kept in RAM are copied into blocks of this many: kept as slices of each chunk's array
# instead, they pinned glibc's heap between the chunks' large temporaries, and decoding 10,000
# one-second clips held 4.4 GB for 260 MB of features.
BLOCK_ROWS = 1024

DecodeProgress = Callable[[int, int], None]  # (samples done, samples in all)


@dataclass
class Decoded:
    """The samples as training reads them. ``rows``: one per sample kept, in order, then the
    offset views of regions and the further windows of long clips; ``views`` ``(n_samples,
    n_views)`` row numbers (a sample of one view: its row repeated), None when no sample has
    more; ``labels`` each kept sample's own class, ``label_sets`` all its classes (its label
    alone unless multi-label; a region's window then also holds the regions it overlaps, as its
    centred view places it); ``groups`` what the
    validation split keeps together; ``skipped`` (path, reason) of samples that could not be
    read."""

    rows: Rows
    labels: list[str]
    groups: list[str]
    views: torch.Tensor | None
    skipped: list[tuple[Path, str]]
    label_sets: list[tuple[str, ...]]


class RowWriter:
    """Where decoded windows go: made into rows (``stored`` "features": extracted on ``device``;
    "waveforms": as read) and kept in RAM, or written to ``cache`` and found there again."""

    def __init__(self, features: FeatureConfig, stored: str, device: str = "cpu",
                 cache_dir: str | Path | None = None, headers: HeaderCache | None = None) -> None:
        self.features, self.stored, self.device = features, stored, device
        self.cache = FeatureCache.open(cache_dir, features, stored) if cache_dir else None
        self.headers = headers if headers is not None else HeaderCache(cache_dir)
        self._writer = self.cache.writer() if self.cache is not None else None
        self._extractor = (FeatureExtractor(features).to(device) if stored == "features"
                           else None)
        self.n_decoded = 0  # windows read from audio (the rest came from the cache)
        self._blocks: list[np.ndarray] = []  # rows in RAM (no cache), BLOCK_ROWS each
        self._kept = 0

    @property
    def row_shape(self) -> tuple[int, ...]:
        if self.stored == "features":
            return (1, self.features.n_freqs, self.features.n_frames)
        return (self.features.n_samples,)

    def cached(self, path: Path, items: Sequence[str]):
        """(identity of the file now, its rows' handles when every item is cached, else None)."""
        if self.cache is None:
            return None, None
        identity = file_identity(path)
        handles = [self.cache.lookup(identity, item) for item in items]
        return identity, (handles if all(h is not None for h in handles) else None)

    def add(self, entries: list[tuple[object, Sequence[str], list[np.ndarray]]]) -> list[list]:
        """Rows for ``entries`` (file identity, items, one waveform per item); their handles,
        entry by entry: the rows themselves in RAM, ``(shard, row)`` in the cache."""
        waves = [wave for _identity, _items, entry_waves in entries for wave in entry_waves]
        self.n_decoded += len(waves)
        rows = self._rows_of(np.stack(waves)) if waves else []
        handles, position = [], 0
        for identity, items, entry_waves in entries:
            part = rows[position:position + len(entry_waves)]
            position += len(entry_waves)
            if self._writer is not None:
                handles.append([self._writer.add(identity, item, row)
                                for item, row in zip(items, part, strict=True)])
            else:
                handles.append([self._keep(row) for row in part])
        return handles

    def _keep(self, row: np.ndarray) -> int:
        if self._kept == len(self._blocks) * BLOCK_ROWS:
            self._blocks.append(np.empty((BLOCK_ROWS, *self.row_shape), dtype=np.float32))
        self._blocks[-1][self._kept % BLOCK_ROWS] = row
        self._kept += 1
        return self._kept - 1

    def _rows_of(self, waves: np.ndarray) -> np.ndarray:
        if self._extractor is None:
            return waves
        parts = []
        for start in range(0, len(waves), EXTRACT_BATCH):
            batch = torch.from_numpy(waves[start:start + EXTRACT_BATCH]).to(self.device)
            parts.append(self._extractor(batch).float().cpu().numpy())
        return np.concatenate(parts)

    def flush(self) -> None:
        """Make every row written so far visible to other processes."""
        if self._writer is not None:
            self._writer.close()

    def close(self) -> None:
        """Done decoding: rows visible to others, and the cache's index let go (the rows read
        since need only its shards: at 200,000 clips the index is tens of MB)."""
        self.flush()
        self.headers.save()
        self.cache, self._writer, self.headers = None, None, HeaderCache(None)

    def rows(self, handles: list) -> Rows:
        """The rows of ``handles`` (from ``cached`` and ``add`` since the last call), in order."""
        if self.cache is None:  # the rows kept since the last call, gathered; the blocks freed
            index = np.asarray(handles, dtype=np.int64)
            out = np.empty((len(index), *self.row_shape), dtype=np.float32)
            for number, block in enumerate(self._blocks):
                chosen = index // BLOCK_ROWS == number
                out[chosen] = block[index[chosen] % BLOCK_ROWS]
            self._blocks, self._kept = [], 0
            return TensorRows(torch.from_numpy(out))
        shards = np.asarray([h[0] for h in handles], dtype=np.int32)
        rows = np.asarray([h[1] for h in handles], dtype=np.int64)
        return CachedRows(self.cache.reader(), shards, rows)


@dataclass(frozen=True)
class _Plan:
    """What to read of one sample: ``items`` (the cache's names of its windows) starting at
    ``starts_s`` (None: the whole clip from its start), and the classes it holds."""

    items: tuple[str, ...]
    starts_s: tuple[float, ...] | None
    labels: tuple[str, ...]


def _sample_plan(sample: TrainingSample, features: FeatureConfig, multi_label: bool,
                 seed: int, headers: HeaderCache) -> _Plan:
    clip_s = features.clip_seconds
    duration_s = sample.duration_s
    if duration_s is None:
        duration_s = headers.info(sample.path).duration_s
    if not sample.is_region:
        labels = sample.labels if multi_label else (sample.label,)
        starts = clip_view_starts(duration_s, clip_s)
        if len(starts) == 1:
            return _Plan(("clip",), None, labels)
    else:
        rng = np.random.default_rng([seed, int(sample.begin_s * 1000), int(sample.end_s * 1000)])
        starts = tuple(audio.centred_window_start(sample.begin_s, sample.end_s, clip_s, duration_s, shift)
                       for shift in region_offsets_s(sample.begin_s, sample.end_s, clip_s, rng))
        labels = (window_labels(sample.label, starts[0], clip_s, sample.recording_regions)
                  if multi_label else (sample.label,))
    return _Plan(tuple(f"view:{s:.6f}" for s in starts), starts, labels)


def _load_sample(sample: TrainingSample, plan: _Plan, features: FeatureConfig) -> list[np.ndarray]:
    clip_s, rate, n_samples = features.clip_seconds, features.sample_rate_hz, features.n_samples
    if plan.starts_s is None:
        return [prepare_clip(features.read(sample.path, 0.0, clip_s), n_samples)]
    first = min(plan.starts_s)
    if max(plan.starts_s) - first > (len(plan.starts_s) - 1) * clip_s:
        # Views spread wider than they are long (a long clip's, over what may be hours): one
        # read each, never the stretch between them.
        return [prepare_clip(features.read(sample.path, s, clip_s), n_samples)
                for s in plan.starts_s]
    # Views that overlap or nearly touch (a region's offsets, the windows of a clip a few
    # lengths long): one read covering them all.
    block = features.read(sample.path, first, max(plan.starts_s) - first + clip_s)
    return [prepare_clip(block[int(round((s - first) * rate)):][:n_samples], n_samples)
            for s in plan.starts_s]


def _window_plan(window: Window) -> _Plan:
    return _Plan((f"bg:{window.start_s:.6f}:{window.length_s:.6f}",), (window.start_s,), ())


def _load_window(window: Window, _plan: _Plan, features: FeatureConfig) -> list[np.ndarray]:
    samples = features.read(window.path, window.start_s, window.length_s)
    return [prepare_clip(samples, features.n_samples)]


def _run(jobs: Sequence, plan_of, load, writer: RowWriter, workers: int, should_stop,
         on_chunk: DecodeProgress | None) -> Iterator[tuple[object, _Plan | None, list | str]]:
    """(job, plan, row handles) per job in order, or (job, None, reason) for one that cannot be
    read. Jobs go ``CHUNK`` at a time: plans, then the cache, then the reads it lacks on a pool
    of ``workers`` threads (soundfile and the resampler release the GIL)."""
    with ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(jobs), CHUNK):
            if should_stop():
                break
            part = jobs[start:start + CHUNK]
            plans: list = []
            for future in [pool.submit(plan_of, job) for job in part]:
                try:
                    plans.append(future.result())
                except AudioError as exc:
                    plans.append(exc.reason)
            found, reads = [], {}
            for i, (job, plan) in enumerate(zip(part, plans, strict=True)):
                if isinstance(plan, str):
                    found.append(None)
                    continue
                identity, handles = writer.cached(Path(job.path), plan.items)
                found.append(handles)
                if handles is None:
                    reads[i] = (identity, pool.submit(load, job, plan, writer.features))
            entries, order = [], []
            for i, (identity, future) in reads.items():
                try:
                    waves = future.result()
                except AudioError as exc:
                    plans[i] = exc.reason
                    continue
                if writer.cache is not None and identity is None:  # created while we looked
                    identity = file_identity(Path(part[i].path))
                    if identity is None:
                        plans[i] = "the file vanished while it was read"
                        continue
                entries.append((identity, plans[i].items, waves))
                order.append(i)
            for i, handles in zip(order, writer.add(entries), strict=True):
                found[i] = handles
            for job, plan, handles in zip(part, plans, found, strict=True):
                yield (job, None, plan) if isinstance(plan, str) else (job, plan, handles)
            if on_chunk is not None:
                on_chunk(min(start + CHUNK, len(jobs)), len(jobs))


def _shared_decode(jobs: Sequence, plan_of, load, writer: RowWriter, workers: int,
                   should_stop, on_chunk, world: distributed.World) -> None:
    """Under torchrun with a cache: each process reads its share of ``jobs`` into the cache (its
    own shards), then all wait for each other and see every shard; the pass that follows
    finds everything there. Does nothing otherwise."""
    if writer.cache is None or not world.distributed:
        return
    share = jobs[world.rank::world.size]
    for _ in _run(share, plan_of, load, writer, workers, should_stop, on_chunk):
        pass
    writer.flush()
    distributed.barrier()
    writer.cache.refresh()


def decode_samples(samples: list[TrainingSample], writer: RowWriter, multi_label: bool,
                   seed: int, decode_workers: int, should_stop: Callable[[], bool],
                   on_chunk: DecodeProgress | None = None,
                   world: distributed.World = distributed.SINGLE) -> Decoded:
    """Read every sample once (or find it in the cache), fitted to the clip length; unreadable
    ones go to ``skipped``."""
    features = writer.features
    workers = max(1, min(decode_workers, os.cpu_count() or 1))

    def plan_of(sample: TrainingSample) -> _Plan:
        return _sample_plan(sample, features, multi_label, seed, writer.headers)

    _shared_decode(samples, plan_of, _load_sample, writer, workers, should_stop, on_chunk, world)
    own, extra, owners, labels, groups, skipped = [], [], [], [], [], []
    label_sets: list[tuple[str, ...]] = []
    for sample, plan, handles in _run(samples, plan_of, _load_sample, writer, workers,
                                      should_stop, on_chunk):
        if plan is None:
            skipped.append((sample.path, handles))
            continue
        first, *others = handles
        owners.extend([len(own)] * len(others))
        own.append(first)
        extra.extend(others)
        labels.append(sample.label)
        label_sets.append(plan.labels)
        groups.append(sample.group or str(sample.path))
    writer.flush()
    writer.headers.save()
    views = None
    if extra:
        n_views = 1 + max(Counter(owners).values())
        views = own_rows(0, len(own), n_views)
        filled = Counter()
        for row, owner in enumerate(owners, start=len(own)):
            filled[owner] += 1
            views[owner, filled[owner]:] = row
    return Decoded(writer.rows(own + extra), labels, groups, views, skipped, label_sets)


def own_rows(first: int, count: int, n_views: int) -> torch.Tensor:
    """Views of samples that have one window: their own row in every column."""
    return torch.arange(first, first + count).unsqueeze(1).repeat(1, n_views)


def decode_background(sources: list[BackgroundSource], background: str, labels: list[str],
                      writer: RowWriter, seed: int, skipped: list,
                      world: distributed.World = distributed.SINGLE
                      ) -> tuple[Rows, list[Window]]:
    """Background windows for ``labels``: as many as the median of the other classes' samples
    (less those the person labelled background already), every rejected event among them.
    Returns their rows and the windows they came from; unreadable ones go to ``skipped``."""
    counts = Counter(labels)
    others = [n for name, n in counts.items() if name != background]
    wanted = int(np.median(others)) - counts.get(background, 0) if others else 0
    rng = np.random.default_rng(seed)
    windows = background_windows(sources, writer.features.clip_seconds, max(0, wanted), rng)
    never = lambda: False  # noqa: E731 - a few windows: not worth a stop check
    _shared_decode(windows, _window_plan, _load_window, writer, 1, never, None, world)
    handles, kept = [], []
    for window, plan, found in _run(windows, _window_plan, _load_window, writer, 1, never, None):
        if plan is None:
            skipped.append((window.path, found))
            continue
        handles.extend(found)
        kept.append(window)
    writer.flush()
    return writer.rows(handles), kept
