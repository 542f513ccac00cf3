"""Benchmark File > Import AviaNZ Files Beside the Recordings in the window on real audio: FSDD
clips copied into a folder, a .data file of segments beside each, imported through the action
(``--chosen``: every .data file chosen at once in File > Import Labels or Regions…); prints the
longest event-loop stall (gap between ticks of a 10 ms QTimer) and the time until the import's
report shows, then undoes it for the next run.

    uv run python bench/bench_region_import.py [--files 2000] [--segments 10] [--runs 5] [--chosen]
                                               [--repo PATH]

``--repo`` puts another checkout first on sys.path (the code before a change: ``git worktree add
OLD REV``, then this script with ``--repo OLD``). Prints medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_gui_tasks import StallProbe, copy_clips, open_and_wait, prepare  # noqa: E402
from bench.common import fsdd_clips, median  # noqa: E402


def write_segments(recording: Path, n_segments: int, duration_s: float) -> None:
    """AviaNZ's file for ``recording``: metadata, then ``n_segments`` labelled segments."""
    step_s = duration_s / (n_segments + 1)
    segments = [[round(k * step_s, 4), round(k * step_s + step_s / 2, 4), 0, 0,
                 [{"species": recording.parent.name, "certainty": 100, "filter": "M"}]]
                for k in range(n_segments)]
    meta = {"Operator": "bench", "Reviewer": "", "Duration": duration_s}
    Path(f"{recording}.data").write_text(json.dumps([meta, *segments]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--segments", type=int, default=10, help="segments in each .data file")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chosen", action="store_true",
                        help="choose the files in Import Labels or Regions instead")
    parser.add_argument("--repo", type=Path, default=None,
                        help="a checkout whose gui and core are measured (default: this one)")
    args = parser.parse_args()
    tmp = prepare(args.repo, "earmark-bench-import-")

    import soundfile as sf
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    from gui.app import create_window, make_app
    clips = fsdd_clips()[:args.files]
    folder = tmp / "night"
    for path, _ in copy_clips(clips, folder):
        write_segments(path, args.segments, sf.info(str(path)).duration)
    app = make_app()
    window = create_window(settings=QSettings(str(tmp / "settings.ini"),
                                              QSettings.Format.IniFormat))
    probe = StallProbe()
    messages: list[str] = []
    show = window.show_message
    window.show_message = lambda text, kind="info": (messages.append(text), show(text, kind))
    stalls, times = [], []
    try:
        open_and_wait(window, folder)
        action = window.acts.import_avianz
        if args.chosen:
            chosen = sorted(str(p) for p in folder.rglob("*.data"))
            QFileDialog.getOpenFileNames = staticmethod(lambda *a, **k: (chosen, ""))
            action = window.acts.import_csv
        for k in range(args.runs):
            messages.clear()
            stall_ms, took_s = probe.measure(action.trigger,
                                             lambda: any("Imported" in m for m in messages))
            regions = len(window.project.regions())
            window.undo_stack.undo()
            stalls.append(stall_ms)
            times.append(took_s)
            print(f"run {k + 1}: {regions} regions, longest stall {stall_ms:.0f} ms, "
                  f"done in {took_s:.2f} s")
    finally:
        window.close()
        app.processEvents()
        shutil.rmtree(tmp, ignore_errors=True)
    how = "chosen in Import Labels or Regions" if args.chosen else "beside the recordings"
    print(f"\nmedians over {args.runs} runs ({len(clips)} files {how}, {args.segments} segments each): "
          f"longest stall {median(stalls):.0f} ms, done in {median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
