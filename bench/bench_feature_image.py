"""The clip view's "what the model sees" image of a long recording (View > Show Model Features):
seconds to compute it and the peak memory of the process (beside a process that only imports
the same), for the default log-mel features and the speech embedding, on a recording of white
noise at -40 dBFS of each length.

    uv run python bench/bench_feature_image.py [--minutes 10 60] [--runs 3]

Each measurement runs in a process of its own (peak RSS is a process's); the seconds are the
median of --runs, the memory their largest.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from core.ml.features import preset
from gui.clips.clip_loader import feature_image
config = preset({preset!r})
started = time.perf_counter()
if {path!r}:
    feature_image({path!r}, config)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(preset: str, path: str, runs: int) -> tuple[float, float]:
    """(median seconds, largest peak RSS in MB) of ``runs`` processes; ``path`` '' imports only."""
    out = [subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), preset=preset,
                                                               path=path)],
                          capture_output=True, text=True, check=True).stdout.split()
           for _ in range(runs)]
    return statistics.median(float(r[0]) for r in out), max(float(r[1]) for r in out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name in ("default", "speech"):
        print(f"imports only, {name:<8} peak {measure(name, '', args.runs)[1]:6.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            path = Path(tmp) / f"night_{minutes:g}.wav"
            noise = np.random.default_rng(0).standard_normal(int(16000 * 60 * minutes)) * 0.01
            sf.write(path, noise.astype(np.float32), 16000, subtype="PCM_16")
            for name in ("default", "speech"):
                seconds, peak_mb = measure(name, str(path), args.runs)
                print(f"{minutes:g} min, {name:<8} {seconds:6.1f} s  peak {peak_mb:6.0f} MB",
                      flush=True)


if __name__ == "__main__":
    main()
