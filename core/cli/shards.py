"""``--shard I/N``: N processes (background jobs, a SLURM array, torchrun ranks) split one list of
files between them, each taking its own share, deterministically and with nothing run twice.

Shards are numbered from 0, as ``$SLURM_ARRAY_TASK_ID`` (with ``--array=0-3``) and torchrun's
``$RANK`` are. Every process expands the same PATHs into the same sorted list (folders through
``expand_audio_paths``) and takes one contiguous block of it; the blocks' sizes differ by one at
most, so the shards' outputs put end to end in shard order are the whole run's, in its order.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

SHARD_HELP = ("classify only shard I of N (0 <= I < N, numbered from 0): N processes given the "
              "same PATHs and I = 0..N-1 answer every file exactly once between them")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 0) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"{self.count} shards: N must be at least 1")
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count}: I must be 0..{self.count - 1} "
                             "(shards are numbered from 0)")

    def bounds(self, n_items: int) -> tuple[int, int]:
        """``(begin, end)`` of this shard's block of ``n_items``: the first ``n_items % count``
        shards take one item more."""
        size, extra = divmod(n_items, self.count)
        begin = self.index * size + min(self.index, extra)
        return begin, begin + size + (self.index < extra)

    def select(self, items: list[T]) -> list[T]:
        begin, end = self.bounds(len(items))
        return items[begin:end]

    def describe(self) -> str:
        return f"{self.index}/{self.count}"

    def file_name(self, path: Path) -> Path:
        """``path`` with the shard in its name, so shards that are told one --out never write
        one file: ``events.csv`` -> ``events-shard0of4.csv``."""
        return path.with_name(f"{path.stem}-shard{self.index}of{self.count}{path.suffix}")


def parse_shard(text: str) -> Shard:
    """``"I/N"`` -> Shard; ValueError with a plain reason for anything else."""
    index, sep, count = str(text).strip().partition("/")
    try:
        if not sep:
            raise ValueError
        parsed = int(index), int(count)
    except ValueError:
        raise ValueError(f"{text!r} is not I/N (two whole numbers, such as 0/4)") from None
    return Shard(*parsed)


def shard_arg(text: str) -> Shard:
    """argparse ``type=``: a bad value is a usage error (exit 2) naming the option's rule."""
    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_shard_option(parser: argparse.ArgumentParser, help_text: str = SHARD_HELP) -> None:
    parser.add_argument("--shard", type=shard_arg, default=None, metavar="I/N", help=help_text)


def take_shard(files: list[T], shard: Shard | None) -> list[T]:
    """``files`` itself without a shard, else the shard's block of them."""
    return files if shard is None else shard.select(files)
