"""The rows a training run reads: one per decoded window, features (or waveforms when features are
recomputed every epoch), held in RAM or in the feature cache on disk. Both are torch Datasets
indexed by a batch of row numbers, so a DataLoader reads either the same way."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from core.ml.feature_cache import RowReader

# Rows that fit in this much RAM are read from the cache once and trained on from RAM: read from
# the memory map batch by batch, 30 epochs on 300 five-second clips ran 8% slower than without a
# cache (bench_feature_cache.py). Past it they stay on disk and memory stays bounded.
IN_RAM_BYTES = 512 * 2**20
_LOAD_CHUNK_ROWS = 1024


class TensorRows(Dataset):
    """Rows in one float32 tensor ``(n_rows, *row_shape)``."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor

    def __len__(self) -> int:
        return len(self.tensor)

    def __getitem__(self, rows) -> torch.Tensor:
        return self.tensor[torch.as_tensor(rows)]

    def slice(self, start: int, stop: int | None = None) -> TensorRows:
        return TensorRows(self.tensor[start:stop])

    @staticmethod
    def cat(parts: list[TensorRows]) -> TensorRows:
        return TensorRows(torch.cat([part.tensor for part in parts]))


class CachedRows(Dataset):
    """Rows in the feature cache: row ``i`` is row ``rows[i]`` of shard ``shards[i]``, read (as
    float32) only when a batch asks for it, so memory holds a batch, not the project."""

    def __init__(self, reader: RowReader, shards: np.ndarray, rows: np.ndarray) -> None:
        self.reader = reader
        self.shards = np.asarray(shards, dtype=np.int32)
        self.rows = np.asarray(rows, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, rows) -> torch.Tensor:
        rows = np.asarray(rows, dtype=np.int64)
        return torch.from_numpy(self.reader.read(self.shards[rows], self.rows[rows]))

    def slice(self, start: int, stop: int | None = None) -> CachedRows:
        return CachedRows(self.reader, self.shards[start:stop], self.rows[start:stop])

    @staticmethod
    def cat(parts: list[CachedRows]) -> CachedRows:
        return CachedRows(parts[0].reader, np.concatenate([p.shards for p in parts]),
                          np.concatenate([p.rows for p in parts]))


Rows = TensorRows | CachedRows


def in_ram_if_small(rows: Rows, max_bytes: int | None = None) -> Rows:
    """``rows`` as TensorRows when they are cached rows that fit in ``max_bytes`` (default
    IN_RAM_BYTES) as float32; else as they are."""
    if not isinstance(rows, CachedRows):
        return rows
    shape = rows.reader.row_shape
    if len(rows) * int(np.prod(shape)) * 4 > (IN_RAM_BYTES if max_bytes is None else max_bytes):
        return rows
    loaded = torch.empty((len(rows), *shape), dtype=torch.float32)
    for start in range(0, len(rows), _LOAD_CHUNK_ROWS):
        stop = min(start + _LOAD_CHUNK_ROWS, len(rows))
        loaded[start:stop] = rows[np.arange(start, stop)]
    rows.reader.release()
    return TensorRows(loaded)
