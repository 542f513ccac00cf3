"""Which CPU options pay off for training here: channels_last memory format and bf16 autocast.

Times one training step (forward, backward, AdamW) of the default CNN on FSDD log-mel
features, for each combination, and prints medians and ratios measured in the same run.
Run: `uv run python bench/bench_cpu_options.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fsdd_clips, median  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.ml.features import DEFAULT_FEATURES, FeatureExtractor  # noqa: E402
from core.ml.networks import DEFAULT_MODEL, build_model  # noqa: E402


def step_times(x, y, channels_last: bool, bf16: bool, steps: int = 15) -> list[float]:
    torch.manual_seed(0)
    features = DEFAULT_FEATURES.with_clip_seconds(0.62)
    model = build_model(DEFAULT_MODEL, 10, (features.n_freqs, features.n_frames))
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    x = x.contiguous(memory_format=fmt)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.float(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return times[3:]  # the first steps build oneDNN kernels


def main() -> None:
    features = DEFAULT_FEATURES.with_clip_seconds(0.62)
    clips = fsdd_clips()[::60][:32]
    waves = np.stack([audio.fit_length(audio.read(p, features.sample_rate_hz), features.n_samples)
                      for p, _, _ in clips])
    x = FeatureExtractor(features)(torch.from_numpy(waves))
    y = torch.tensor([int(label) for _, label, _ in clips])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {len(x)}, "
          f"input {tuple(x.shape[1:])}")
    results = {}
    for channels_last in (False, True):
        for bf16 in (False, True):
            results[channels_last, bf16] = median(step_times(x, y, channels_last, bf16)) * 1000
            print(f"channels_last={channels_last!s:5} bf16={bf16!s:5}  "
                  f"{results[channels_last, bf16]:6.1f} ms/step (median)", flush=True)
    base = results[False, False]
    print(f"speed-up over fp32 contiguous: channels_last {base / results[True, False]:.2f}x, "
          f"bf16 {base / results[False, True]:.2f}x, both {base / results[True, True]:.2f}x")


if __name__ == "__main__":
    main()
