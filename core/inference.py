"""Classifying files with a checkpoint: batches of clips, overlapping windows for long files.

Each file yields one ``Prediction``; a file that cannot be read yields one with ``error`` set and
never costs the rest of the batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core import audio
from core.checkpoint import Checkpoint, load_checkpoint
from core.errors import AudioError, EarmarkError
from core.features import FeatureExtractor

# Files up to this many clip lengths are scored as one clip (padded or trimmed, as in training).
SINGLE_WINDOW_FACTOR = 1.25
WINDOW_OVERLAP = 0.5  # share of a window that overlaps the next one


@dataclass(frozen=True)
class Prediction:
    """What the model says of one file. ``probabilities`` follow ``classes`` order."""

    path: Path
    classes: tuple[str, ...]
    label: str | None = None
    confidence: float = 0.0
    probabilities: tuple[float, ...] = ()
    duration_s: float = 0.0
    # Long files: the start of each window (s) and its class probabilities (n_windows, n_classes).
    window_starts_s: tuple[float, ...] = ()
    window_probabilities: np.ndarray | None = field(default=None, compare=False)
    peak_time_s: float | None = None  # start of the window that most supports ``label``
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Classifier:
    """A loaded model ready to score files; build with ``from_checkpoint``."""

    def __init__(self, checkpoint: Checkpoint, num_threads: int | None = None) -> None:
        if num_threads:
            torch.set_num_threads(num_threads)
        self.checkpoint = checkpoint
        self.classes = tuple(checkpoint.classes)
        self.features = checkpoint.feature_config
        # Inference only: BatchNorm folded into the convolutions and channels_last (measured
        # ~1.5x faster per clip on a 2-core CPU; same probabilities to 1e-6).
        self.model = _fuse_conv_bn(checkpoint.build_model()).to(memory_format=torch.channels_last)
        self.extractor = FeatureExtractor(self.features)

    @classmethod
    def from_checkpoint(cls, source: str | Path | Checkpoint) -> Classifier:
        return cls(source if isinstance(source, Checkpoint) else load_checkpoint(source))

    @property
    def window_s(self) -> float:
        return self.features.clip_seconds

    @torch.inference_mode()
    def probabilities(self, clips: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """``(n, n_samples)`` float32 clips at the model's rate -> ``(n, n_classes)`` probabilities.

        The model sees at most ``batch_size`` clips at a time: a 20-minute file is 2,400 windows,
        and one forward pass over all of them took gigabytes of activations.
        """
        out = np.zeros((len(clips), len(self.classes)), dtype=np.float32)
        for start in range(0, len(clips), batch_size):
            chunk = np.ascontiguousarray(clips[start:start + batch_size], dtype=np.float32)
            x = self.extractor(torch.from_numpy(chunk)).contiguous(memory_format=torch.channels_last)
            out[start:start + len(chunk)] = torch.softmax(self.model(x), dim=1).numpy()
        return out

    def predict_files(self, paths: Iterable[str | Path], batch_size: int = 64,
                      progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None) -> Iterator[Prediction]:
        """Yield one Prediction per file, in order; ``progress(done, total)`` after each file.

        Windows of several short files share a batch; ``should_stop`` is checked between files.
        """
        paths = [Path(p) for p in paths]
        for done, prediction in enumerate(self._predict(paths, batch_size, should_stop), start=1):
            yield prediction
            if progress:
                progress(done, len(paths))

    def _predict(self, paths: list[Path], batch_size: int, should_stop) -> Iterator[Prediction]:
        should_stop = should_stop or (lambda: False)
        pending: list[tuple[Path, float, list[float], list[np.ndarray]]] = []
        n_windows = 0
        for path in paths:
            if should_stop():
                return
            try:
                duration_s, starts, windows = self._windows(path)
            except EarmarkError as exc:
                # Score what is queued first so results stay in order.
                yield from self._score(pending, batch_size)
                pending, n_windows = [], 0
                yield Prediction(path, self.classes, error=_reason(exc))
                continue
            pending.append((path, duration_s, starts, windows))
            n_windows += len(windows)
            if n_windows >= batch_size:
                yield from self._score(pending, batch_size)
                pending, n_windows = [], 0
        yield from self._score(pending, batch_size)

    def predict_file(self, path: str | Path) -> Prediction:
        return next(self.predict_files([path]))

    def _windows(self, path: Path) -> tuple[float, list[float], list[np.ndarray]]:
        info = audio.info(path)
        window_s, rate = self.window_s, self.features.sample_rate_hz
        n_samples = self.features.n_samples
        if info.duration_s <= window_s * SINGLE_WINDOW_FACTOR:
            samples = audio.read(path, rate, 0.0, window_s)
            return info.duration_s, [0.0], [audio.fit_length(samples, n_samples)]
        hop_s = window_s * (1 - WINDOW_OVERLAP)
        count = 1 + math.ceil(max(0.0, info.duration_s - window_s) / hop_s)
        starts, windows = [], []
        # Read in blocks of many windows so a long file is never loaded whole.
        block_windows = 64
        for first in range(0, count, block_windows):
            last = min(count, first + block_windows)
            offset_s = first * hop_s
            span_s = (last - 1 - first) * hop_s + window_s
            block = audio.read(path, rate, offset_s, span_s)
            for w in range(first, last):
                begin = int(round((w - first) * hop_s * rate))
                windows.append(audio.fit_length(block[begin:begin + n_samples], n_samples))
                starts.append(w * hop_s)
        return info.duration_s, starts, windows

    def _score(self, pending, batch_size: int) -> Iterator[Prediction]:
        if not pending:
            return
        stacked = np.stack([w for _, _, _, windows in pending for w in windows])
        probs = self.probabilities(stacked, batch_size)
        at = 0
        for path, duration_s, starts, windows in pending:
            file_probs = probs[at:at + len(windows)]
            at += len(windows)
            mean = file_probs.mean(axis=0)
            top = int(mean.argmax())
            long_file = len(windows) > 1
            yield Prediction(
                path=path, classes=self.classes, label=self.classes[top],
                confidence=float(mean[top]), probabilities=tuple(float(p) for p in mean),
                duration_s=duration_s,
                window_starts_s=tuple(starts) if long_file else (),
                window_probabilities=file_probs if long_file else None,
                peak_time_s=float(starts[int(file_probs[:, top].argmax())]) if long_file else None,
            )


def _fuse_conv_bn(model: torch.nn.Module) -> torch.nn.Module:
    """Fold each BatchNorm2d that follows a Conv2d in a Sequential into the conv (eval mode)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    model.eval()
    for module in model.modules():
        if not isinstance(module, torch.nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, norm = module._modules[first], module._modules[second]
            if isinstance(conv, torch.nn.Conv2d) and isinstance(norm, torch.nn.BatchNorm2d):
                module._modules[first] = fuse_conv_bn_eval(conv, norm)
                module._modules[second] = torch.nn.Identity()
    return model


def _reason(exc: EarmarkError) -> str:
    return exc.reason if isinstance(exc, AudioError) else str(exc)
