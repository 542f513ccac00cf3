"""Time `uv run main.py --help` in one or more checkouts, interleaved, and print the medians.

    uv run python bench/bench_startup.py [--runs 9] [REPO ...]

Each REPO (default: this one) is timed in turn, round after round, so the machine's load falls
on all alike and their ratio is measured in the same run. The figure includes uv's own start and
its environment check (and, with uv's compile-bytecode setting, its recompile of the venv).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Timer, median  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    times: dict[Path, list[float]] = {repo: [] for repo in args.repos}
    for repo in args.repos:  # one untimed run each: uv's first check of a venv costs more
        subprocess.run(["uv", "run", "main.py", "--help"], cwd=repo, capture_output=True, check=True)
    for _ in range(args.runs):
        for repo in args.repos:
            with Timer() as timer:
                subprocess.run(["uv", "run", "main.py", "--help"], cwd=repo, capture_output=True,
                               check=True)
            times[repo].append(timer.seconds)
    first = median(times[args.repos[0]])
    for repo, values in times.items():
        print(f"{repo}: uv run main.py --help median {median(values):.2f} s over {len(values)} runs "
              f"(min {min(values):.2f}, max {max(values):.2f}); {median(values) / first:.2f}x the first")


if __name__ == "__main__":
    main()
