"""The feature cache on disk: what training computes from each clip (its features, or its waveform
when features are recomputed every epoch) kept once per file content and feature settings, in
append-only memory-mapped shards in the project's store folder, so a retrain decodes only the
clips that are new or changed and reads the rest a batch at a time, in bounded memory.

Layout: ``<store dir>/feature-cache/<what>-<settings digest>/`` holds ``settings.json`` (for a
person), shards ``<name>.rows`` (raw rows, float16 for log-mel features, float32 otherwise) and
one index per shard, ``<name>.index.json``, written atomically after its shard is on disk. Every
writer (a training run, each torchrun process) writes its own shards, so writers never lock: the
index is the union of the index files. A row is keyed by its file's path and what was read
(the whole clip, a window at an offset) and valid while the file keeps its size and mtime.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import mmap
import os
import secrets
import shutil
import time
from pathlib import Path

import numpy as np

from core.audio import reading as audio
from core.ml.features import FeatureConfig
from core.paths import FileIdentity, file_identity, probe_writable, write_text_atomic

CACHE_DIRNAME = "feature-cache"
# Bump when what a row holds for the same settings changes (decoding, resampling, extraction).
CACHE_FORMAT = 1
# A shard's index is written when it closes: an interrupted run loses at most this many rows.
SHARD_ROWS = 4096
# Mapped pages count toward a process's resident memory until released; a reader lets go of
# them after this many bytes read, so reading a cache of any size stays within tens of MB. Rows
# read in shuffled order map about four times their bytes (the kernel maps the cached pages
# around each one it faults in): at 64 MB resident memory swung by 250 MB while training.
RELEASE_BYTES = 16 << 20
# FeatureConfig fields that change only training's augmentation or prediction's views, not the
# rows stored: runs that differ in them share a cache.
_NOT_STORED = frozenset({
    "augment_probability", "time_masks", "time_mask_frames", "freq_masks", "freq_mask_bins",
    "time_shift_fraction", "time_stretch", "freq_warp", "eq_gain", "random_floor_db",
    "prediction_views"})
_INDEX_SUFFIX = ".index.json"
_ROWS_SUFFIX = ".rows"


def feature_cache_dir(store_dir: str | Path) -> Path:
    """The cache folder of the project whose store lives in ``store_dir``."""
    return Path(store_dir) / CACHE_DIRNAME


def writable_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """``cache_dir``, created if missing, when this process can write there; None otherwise (a
    read-only or full disk): training then keeps the rows in RAM, as without a cache."""
    if cache_dir is None:
        return None
    folder = Path(cache_dir)
    try:
        probe_writable(folder)
    except OSError:
        return None
    return folder


def cache_size_bytes(store_dir: str | Path) -> int:
    """Bytes the project's feature cache takes on disk (0 when it has none)."""
    folder = feature_cache_dir(store_dir)
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass  # removed meanwhile
    return total


def clear_feature_cache(store_dir: str | Path) -> int:
    """Delete the project's feature cache; the next training run decodes every clip again.
    Returns the bytes freed. A run training meanwhile keeps the shards it has open (POSIX) and
    its new rows start a fresh cache."""
    size = cache_size_bytes(store_dir)
    shutil.rmtree(feature_cache_dir(store_dir), ignore_errors=True)
    return size


def settings_digest(features: FeatureConfig, stored: str) -> str:
    """A short digest of everything that decides a row: ``stored`` ("features" or "waveforms"),
    the feature settings that shape it and the cache format."""
    shaping = {k: v for k, v in dataclasses.asdict(features).items() if k not in _NOT_STORED}
    if shaping["channel"] is None:  # the mix, as every row before channels were chosen
        del shaping["channel"]
    text = json.dumps({"stored": stored, "format": CACHE_FORMAT, **shaping}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class FeatureCache:
    """The rows of one kind (``stored``) and one set of feature settings. ``lookup`` finds valid
    rows, ``writer`` appends new ones, ``reader`` reads them back as float32."""

    def __init__(self, folder: Path, row_shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.folder = folder
        self.row_shape = tuple(row_shape)
        self.dtype = np.dtype(dtype)
        self.row_bytes = int(np.prod(self.row_shape)) * self.dtype.itemsize
        self.shards: list[str] = []  # shard names; a reference's first number indexes this
        self._index: dict[str, tuple[int, int, int, int]] = {}  # key -> shard, row, size, mtime
        self.refresh()

    @classmethod
    def open(cls, cache_dir: str | Path, features: FeatureConfig, stored: str = "features"
             ) -> FeatureCache:
        """The cache under ``cache_dir`` for ``features``: log-mel features (float16: they lie
        within a few units, where float16 keeps 3 significant digits), other features or
        waveforms (float32: a power spectrogram overflows float16)."""
        if stored == "features":
            row_shape: tuple[int, ...] = (1, features.n_freqs, features.n_frames)
            dtype = np.float16 if features.kind == "logmel" else np.float32
        elif stored == "waveforms":
            row_shape, dtype = (features.n_samples,), np.float32
        else:
            raise ValueError(f"stored must be 'features' or 'waveforms', not {stored!r}")
        folder = Path(cache_dir) / f"{stored}-{settings_digest(features, stored)}"
        folder.mkdir(parents=True, exist_ok=True)
        settings = folder / "settings.json"
        if not settings.exists():
            write_text_atomic(settings, json.dumps(
                {"stored": stored, "format": CACHE_FORMAT, "dtype": np.dtype(dtype).name,
                 "row_shape": list(row_shape), "features": features.to_dict()}, indent=1))
        return cls(folder, row_shape, dtype)

    def refresh(self) -> None:
        """Read every shard index on disk (other writers' too): later shards win a key."""
        for index_path in sorted(self.folder.glob("*" + _INDEX_SUFFIX)):
            name = index_path.name[:-len(_INDEX_SUFFIX)]
            if name in self.shards:
                continue
            try:
                part = json.loads(index_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # removed meanwhile, or not ours: its rows are decoded again
            shard = self._add_shard(name)
            for key, row, size, mtime_ns in zip(part["keys"], part["rows"], part["sizes"],
                                                part["mtimes_ns"], strict=True):
                self._index[key] = (shard, row, size, mtime_ns)

    def _add_shard(self, name: str) -> int:
        self.shards.append(name)
        return len(self.shards) - 1

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, identity: FileIdentity | None, item: str) -> tuple[int, int] | None:
        """``(shard, row)`` of ``item`` of the file, or None when it is not cached or the file
        has changed since (another size or modification time)."""
        if identity is None:
            return None
        found = self._index.get(_key(identity, item))
        if found is None or found[2:] != (identity.size, identity.mtime_ns):
            return None
        return found[0], found[1]

    def writer(self) -> CacheWriter:
        return CacheWriter(self)

    def reader(self) -> RowReader:
        """A reader of this cache's rows, also of shards added after it was made."""
        return RowReader(self.folder, self.shards, self.row_shape, self.dtype)

    def rows_path(self, shard: int) -> Path:
        return self.folder / (self.shards[shard] + _ROWS_SUFFIX)


class CacheWriter:
    """Appends rows to new shards of one cache; ``close`` (or leaving the ``with`` block) makes
    the last shard's rows visible. Rows are visible to this process's ``FeatureCache`` at once
    and to others once their shard's index is written."""

    def __init__(self, cache: FeatureCache) -> None:
        self.cache = cache
        self._handle = None
        self._shard = -1
        self._entries: list[tuple[str, int, int, int]] = []

    def __enter__(self) -> CacheWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, identity: FileIdentity, item: str, row: np.ndarray) -> tuple[int, int]:
        """Write one row for ``item`` of the file ``identity``; returns its ``(shard, row)``."""
        if self._handle is None or len(self._entries) >= SHARD_ROWS:
            self._finish_shard()
            name = f"{time.time_ns():x}-{os.getpid()}-{secrets.token_hex(4)}"
            self._shard = self.cache._add_shard(name)
            self._handle = open(self.cache.rows_path(self._shard), "wb")  # noqa: SIM115 - kept open across calls
        data = np.ascontiguousarray(row, dtype=self.cache.dtype)
        if data.size * data.itemsize != self.cache.row_bytes:
            raise ValueError(f"row of shape {row.shape}; the cache holds {self.cache.row_shape}")
        self._handle.write(data.tobytes())
        position = len(self._entries)
        self._entries.append((_key(identity, item), position, identity.size, identity.mtime_ns))
        self.cache._index[_key(identity, item)] = (self._shard, position, identity.size,
                                                   identity.mtime_ns)
        return self._shard, position

    def _finish_shard(self) -> None:
        if self._handle is None:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        keys, rows, sizes, mtimes = (list(column) for column in zip(*self._entries, strict=True))
        index = self.cache.folder / (self.cache.shards[self._shard] + _INDEX_SUFFIX)
        write_text_atomic(index, json.dumps(
            {"keys": keys, "rows": rows, "sizes": sizes, "mtimes_ns": mtimes}))
        self._entries = []

    def close(self) -> None:
        self._finish_shard()


class RowReader:
    """Reads rows by ``(shard, row)`` from memory-mapped shards, as float32. Picklable (a
    DataLoader worker maps the shards anew)."""

    def __init__(self, folder: Path, shards: list[str], row_shape: tuple[int, ...],
                 dtype: np.dtype) -> None:
        self.folder, self.shards = folder, shards
        self.row_shape, self.dtype = tuple(row_shape), np.dtype(dtype)
        self.row_bytes = int(np.prod(self.row_shape)) * self.dtype.itemsize
        self._maps: dict[int, mmap.mmap] = {}
        self._read_bytes = 0

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _maps={}, _read_bytes=0)

    def read(self, shards: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``(len(rows), *row_shape)`` float32: row ``rows[i]`` of shard ``shards[i]``."""
        shards, rows = np.asarray(shards), np.asarray(rows)
        out = np.empty((len(rows), *self.row_shape), dtype=np.float32)
        for shard in np.unique(shards):
            chosen = shards == shard
            out[chosen] = self._array(int(shard))[rows[chosen]]
        self._read_bytes += len(rows) * self.row_bytes
        if self._read_bytes >= RELEASE_BYTES:
            self.release()
        return out

    def _array(self, shard: int) -> np.ndarray:
        mapped = self._maps.get(shard)
        if mapped is None:
            path = self.folder / (self.shards[shard] + _ROWS_SUFFIX)
            with open(path, "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._maps[shard] = mapped
        n_rows = len(mapped) // self.row_bytes
        return np.frombuffer(mapped, dtype=self.dtype, count=n_rows * self.row_bytes
                             // self.dtype.itemsize).reshape(n_rows, *self.row_shape)

    def release(self) -> None:
        """Let go of the pages read so far (they stay in the OS's file cache, not in this
        process): madvise where the OS has it, else unmapping (mapped again when next read)."""
        self._read_bytes = 0
        for shard, mapped in list(self._maps.items()):
            if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                mapped.madvise(mmap.MADV_DONTNEED)
            else:
                del self._maps[shard]
                mapped.close()

    def close(self) -> None:
        for mapped in self._maps.values():
            mapped.close()
        self._maps = {}


class HeaderCache:
    """What files' headers say (``audio.info``), kept by file identity beside the rows: opening a
    file's header took 1.3 ms (FSDD, 2 cores), so a warm run on 200,000 clips with an "auto"
    clip length would spend minutes reading headers it read last time. ``cache_dir`` None: each
    header is read once, nothing kept on disk. ``save`` writes what was read since as one index
    file."""

    MAX_PARTS = 8  # index files before they are merged into one

    def __init__(self, cache_dir: str | Path | None) -> None:
        self.folder = Path(cache_dir) / "headers" if cache_dir is not None else None
        self._known: dict[str, list] = {}
        self._read: dict[str, audio.AudioInfo] = {}  # without a folder: this run's reads
        self._new: dict[str, list] = {}
        self._parts: list[Path] = []
        if self.folder is not None and self.folder.is_dir():
            self._parts = sorted(self.folder.glob("*" + _INDEX_SUFFIX))
            for part in self._parts:
                try:
                    self._known.update(json.loads(part.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    continue  # merged away meanwhile: those headers are read again

    def info(self, path: str | Path) -> audio.AudioInfo:
        """``audio.info(path)``, from the cache while the file keeps its size and mtime; without
        a cache folder, each file's header is read once in this object's life (one training
        run asks for it to choose the clip length and again to plan its windows). Raises
        AudioError as ``audio.info`` does."""
        if self.folder is None:
            found = self._read.get(str(path))
            if found is None:
                found = self._read[str(path)] = audio.info(path)
            return found
        identity = file_identity(path)
        if identity is not None:
            entry = self._known.get(identity.path)
            if entry is not None and entry[:2] == [identity.size, identity.mtime_ns]:
                duration_s, rate_hz, channels, frames, fmt, subtype = entry[2:]
                return audio.AudioInfo(Path(path), duration_s, rate_hz, channels, frames, fmt,
                                       subtype)
        found = audio.info(path)
        if identity is not None:
            entry = [identity.size, identity.mtime_ns, found.duration_s, found.sample_rate_hz,
                     found.channels, found.frames, found.format, found.subtype]
            self._known[identity.path] = self._new[identity.path] = entry
        return found

    def save(self) -> None:
        """Keep the headers read since opening (merging every index into one past MAX_PARTS)."""
        if self.folder is None or not self._new:
            return
        merge = len(self._parts) + 1 > self.MAX_PARTS
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():x}-{os.getpid()}-{secrets.token_hex(4)}{_INDEX_SUFFIX}"
        write_text_atomic(self.folder / name, json.dumps(self._known if merge else self._new))
        if merge:
            for part in self._parts:
                part.unlink(missing_ok=True)
        self._parts = sorted(self.folder.glob("*" + _INDEX_SUFFIX))
        self._new = {}


def _key(identity: FileIdentity, item: str) -> str:
    return f"{identity.path}\x00{item}"
