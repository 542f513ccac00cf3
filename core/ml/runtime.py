"""torch's process-level settings that callers need without importing torch: per-thread intra-op
thread counts, the lazily imported optimiser machinery, the devices this machine has (which one a
run uses) and the mixed precision a device computes in."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import re
import sys
from dataclasses import dataclass

import torch

from core.errors import TrainingError


def set_thread_count(n_threads: int) -> None:
    """Intra-op threads for the calling thread only (torch's OpenMP setting is per thread)."""
    torch.set_num_threads(max(1, int(n_threads)))


@functools.cache
def _glibc():
    """The C library when it is glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only: musl and others lack it
    except (OSError, AttributeError):
        return None
    return libc


def trim_heap() -> bool:
    """Hand the memory freed since back to the system (glibc's malloc_trim): training's large
    short-lived tensors (batches, the activations of the prediction views) are carved from a heap
    that glibc keeps, so each phase of a run (decoding, the epochs, calibration, the unknown
    rule) added its own high-water mark: one epoch on 40,000 one-second clips peaked at 1,325 MiB.
    Called between phases, it costs milliseconds; fixing glibc's mmap threshold instead bounded
    memory as well but slowed every batch by half (each allocation mapped and zeroed anew).
    False where the C library is not glibc (macOS, Windows, musl): nothing to do there."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0) in (0, 1))


@functools.cache
def warm_up_optimisers() -> None:
    """Import what torch's optimisers import lazily (torch._dynamo: tens of thousands of objects)
    and keep the cyclic GC off them: without this, full collections walking them held the GIL
    and stalled a GUI for 250+ ms during the first training. ``gc.freeze`` without a collection
    is cheap. Runs once."""
    import torch._dynamo  # noqa: F401 - imported for its side effect, see above

    gc.freeze()


# ---------------------------------------------------------------- devices

AUTO_DEVICE = "auto"
_DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def is_device_name(requested: str) -> bool:
    """Whether ``requested`` names a device Earmark knows ("auto", "cpu", "cuda", "cuda:N",
    "mps"), present on this machine or not."""
    return isinstance(requested, str) and _DEVICE_PATTERN.fullmatch(requested) is not None


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    """The devices this machine can train and classify on: "cpu" always, then "cuda" and each
    "cuda:N" when torch sees a CUDA GPU, then "mps" on Apple silicon."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    if _mps_available():
        found.append("mps")
    return found


def resolve_device(requested: str = AUTO_DEVICE, local_rank: int | None = None) -> str:
    """The torch device string a run uses for ``requested``: "auto" is the first of a CUDA GPU,
    Apple's mps and the CPU that this machine has; "cuda" is one GPU, "cuda:N" (N is
    ``local_rank`` under torchrun, each process on its own GPU, else torch's current device).
    Raises TrainingError naming the device and what the machine has when it lacks it."""
    if not is_device_name(requested):
        raise TrainingError(f"unknown device {requested!r}: use auto, cpu, cuda, cuda:N or mps")
    found = available_devices()
    if requested == AUTO_DEVICE:
        requested = "cuda" if "cuda" in found else "mps" if "mps" in found else "cpu"
    if requested == "cuda" and "cuda" in found:
        index = local_rank if local_rank is not None else torch.cuda.current_device()
        requested = f"cuda:{index % torch.cuda.device_count()}"
    if requested not in found:
        raise TrainingError(f"device {requested} is not available on this machine "
                            f"(available: {', '.join(found)})")
    return requested


def inference_device(requested: str = AUTO_DEVICE) -> str:
    """The device the app classifies on for Training Settings' ``requested`` device: as
    ``resolve_device``, but a device this machine lacks (chosen on another one) is Automatic, as
    the settings dialog shows it, where the command line refuses it. The first look for a GPU
    takes a while: call it off the GUI thread."""
    try:
        return resolve_device(requested)
    except TrainingError:
        return resolve_device(AUTO_DEVICE)


@dataclass(frozen=True)
class Precision:
    """How a run computes on its device: ``name`` "fp32", "bf16" or "fp16"; ``dtype`` the autocast
    type (None: float32, no autocast). fp16 needs a gradient scaler (``scaler()``)."""

    device_type: str
    name: str = "fp32"

    @property
    def dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)

    def autocast(self):
        """A context manager for forward passes: autocast to ``dtype``, or nothing for fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def scaler(self):
        """A gradient scaler for fp16 on a GPU (small gradients underflow in fp16 without one);
        None otherwise."""
        return torch.amp.GradScaler(self.device_type) if self.name == "fp16" else None


def precision_for(device: str, mixed_precision: bool = True, bf16: bool = False) -> Precision:
    """The one rule for mixed precision: on a CUDA GPU ``mixed_precision`` autocasts to bf16 where
    the GPU has it (Ampere and later), else to fp16 with a gradient scaler; on the CPU ``bf16``
    autocasts to bf16 (off by default: most CPUs emulate it, slower than float32); mps and
    anything else run float32."""
    device_type = torch.device(device).type
    if device_type == "cuda" and mixed_precision:
        return Precision("cuda", "bf16" if torch.cuda.is_bf16_supported() else "fp16")
    if device_type == "cpu" and bf16:
        return Precision("cpu", "bf16")
    return Precision(device_type)
