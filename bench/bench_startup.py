"""Time `uv run main.py --help` in one or more checkouts, interleaved, and print the medians;
with --window, the seconds from starting the app's Python to its splash and to its window.

    uv run python bench/bench_startup.py [--runs 9] [--window] [REPO ...]

Each REPO (default: this one) is timed in turn, round after round, so the machine's load falls
on all alike and their ratio is measured in the same run. The figure includes uv's own start and
its environment check (and, with uv's compile-bytecode setting, its recompile of the venv).
--window starts this checkout's app as `main.py` does (run_gui, offscreen, with settings of its
own and no folder) and reads the times it prints as the splash and the window are shown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Timer, median  # noqa: E402

# run_gui itself, told to print the moment its splash and its window are up (the first turn of
# its event loop), then to close the window.
_WINDOW_CHILD = """
import sys, time
from PySide6.QtCore import QSettings, QTimer
import gui.app as app
show_splash, create_window = app.show_splash, app.create_window

def splash(qt_app):
    shown = show_splash(qt_app)
    print("splash", time.time(), flush=True)
    return shown

def window(*args, **kwargs):
    made = create_window(*args, settings=QSettings(sys.argv[1], QSettings.Format.IniFormat),
                         **kwargs)
    def shown():
        print("window", time.time(), flush=True)
        made.close()
    QTimer.singleShot(0, shown)
    return made

app.show_splash, app.create_window = splash, window
sys.exit(app.run_gui())
"""


def time_window(runs: int) -> None:
    """Print the medians of the seconds to the splash and to the window, over ``runs`` starts."""
    splash_s, window_s = [], []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as folder:
        env["EARMARK_DATA_DIR"] = folder
        for run in range(runs + 1):  # the first one untimed: the disk's cache warms
            began = time.time()
            out = subprocess.run([sys.executable, "-X", "faulthandler", "-c", _WINDOW_CHILD,
                                  f"{folder}/s.ini"], cwd=ROOT, env=env, capture_output=True,
                                 text=True)
            if out.returncode:
                sys.exit(f"the app's start failed ({out.returncode}):\n{out.stderr}")
            at = dict(line.split() for line in out.stdout.splitlines() if line[:1].isalpha())
            if run:
                splash_s.append(float(at["splash"]) - began)
                window_s.append(float(at["window"]) - began)
    print(f"splash shown after {median(splash_s):.2f} s, window after {median(window_s):.2f} s "
          f"(medians over {runs} starts; min {min(splash_s):.2f} / {min(window_s):.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--window", action="store_true",
                        help="time the splash and the window of this checkout instead")
    args = parser.parse_args()
    if args.window:
        time_window(args.runs)
        return
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
