"""torch's process-level settings that callers on worker threads need, so no caller imports torch
for them: per-thread intra-op thread counts and the lazily imported optimiser machinery."""

from __future__ import annotations

import functools
import gc

import torch


def set_thread_count(n_threads: int) -> None:
    """Intra-op threads for the calling thread only (torch's OpenMP setting is per thread)."""
    torch.set_num_threads(max(1, int(n_threads)))


@functools.cache
def warm_up_optimisers() -> None:
    """Import what torch's optimisers import lazily (torch._dynamo: tens of thousands of objects)
    and keep the cyclic GC off them: without this, full collections walking them held the GIL
    and stalled a GUI for 250+ ms during the first training. ``gc.freeze`` without a collection
    is cheap. Runs once."""
    import torch._dynamo  # noqa: F401 - imported for its side effect, see above

    gc.freeze()
