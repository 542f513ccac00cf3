"""Data-parallel training under torchrun: the process group started from the variables torchrun
sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), this process's place in it, and
the few collective steps training needs. A plain run (no torchrun) is a world of one, where every
helper here does nothing."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

# How long a process waits for the others at a barrier: the first run on a big project decodes
# for hours before the first epoch.
BARRIER_TIMEOUT = timedelta(hours=12)


@dataclass(frozen=True)
class World:
    """This process's ``rank`` among ``size`` processes, and ``local_rank`` on its machine."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that reports progress and writes the model."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


SINGLE = World()  # a plain run: one process


def world_from_env(environ=None) -> World:
    """This process's place from torchrun's variables; a world of one without them."""
    environ = os.environ if environ is None else environ
    size = int(environ.get("WORLD_SIZE", "1") or 1)
    if size <= 1:
        return SINGLE
    return World(int(environ.get("RANK", "0")), size, int(environ.get("LOCAL_RANK", "0")))


def is_main_process() -> bool:
    """Whether this process is rank 0 (or not under torchrun): the one that prints and writes.
    Needs no process group, so a command may ask before training starts."""
    return world_from_env().is_main


@contextlib.contextmanager
def process_group(world: World, device: str) -> Iterator[World]:
    """The process group for the block: gloo for the CPU, nccl for CUDA GPUs; started here
    unless the caller already started one, and ended here if it was. A world of one starts
    nothing."""
    started = False
    if world.distributed and not dist.is_initialized():
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(torch.device(device))
        dist.init_process_group(backend, rank=world.rank, world_size=world.size,
                                timeout=BARRIER_TIMEOUT)
        started = True
    try:
        yield world
    except BaseException:
        if started:  # no barrier: the others may be gone, and would leave this one waiting
            dist.destroy_process_group()
        raise
    if started:
        _end_together()


def _end_together() -> None:
    """Ends the process group once every process is done with it. The DistributedDataParallel
    wrapper sits in reference cycles, so its reducer (gloo work, threads) would otherwise be freed
    by a later garbage collection, after the group is gone; and a process that destroys the group
    while another still talks through it can leave the other to abort at exit ("terminate called
    without an active exception", seen once in CI)."""
    gc.collect()
    dist.barrier()
    dist.destroy_process_group()


def _active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _device() -> torch.device:
    """Where a collective's tensors must be: this process's GPU under nccl, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def barrier() -> None:
    if _active():
        dist.barrier()


def sum_across(values: list[float]) -> list[float]:
    """Each value summed over every process (float64; the values themselves in a world of
    one): per-process totals of a sharded evaluation become the whole split's."""
    if not _active():
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64, device=_device())
    dist.all_reduce(tensor)
    return tensor.tolist()


def any_across(flag: bool) -> bool:
    """Whether ``flag`` is true on any process (one asked to stop stops them all)."""
    if not _active():
        return flag
    tensor = torch.tensor([1 if flag else 0], device=_device())
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def sync_buffers(model: torch.nn.Module) -> None:
    """Rank 0's buffers (BatchNorm running statistics) on every process. DDP syncs them before
    each training forward, but each process's last batch moved its own copy: evaluated without
    this, the processes would score validation with slightly different models."""
    if not _active():
        return
    for buffer in model.buffers():
        dist.broadcast(buffer, src=0)
