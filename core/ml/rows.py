"""The rows a training run reads: one per decoded window, features (or waveforms when features are
recomputed every epoch), held in RAM or in the feature cache on disk. Both are torch Datasets
indexed by a batch of row numbers, so a DataLoader reads either the same way."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from core.ml.feature_cache import RowReader


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
