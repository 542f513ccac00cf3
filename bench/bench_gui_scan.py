"""Benchmark the window on a 10,000-file folder: time to first rows, scan time, the longest
event-loop stall (gap between ticks of a 10 ms QTimer), time to select a clip, sort time.

    uv run python bench/bench_gui_scan.py [--files 10000] [--runs 3]

Prints medians over the runs. Each run opens the folder with a fresh store (the worst case:
every header is read) and then once more with the store filled (a reopen).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402


def make_folder(root: Path, n_files: int) -> None:
    """n_files WAVs of 0.2 s in 10 class folders plus unlabeled ones at the root."""
    rng = np.random.default_rng(0)
    rate_hz = 16000
    for i in range(n_files):
        folder = root / f"class{i % 10}" if i % 4 else root
        folder.mkdir(exist_ok=True)
        samples = (0.1 * rng.standard_normal(int(0.2 * rate_hz))).astype(np.float32)
        sf.write(folder / f"clip-{i:05d}.wav", samples, rate_hz, subtype="PCM_16")


def measure_open(app, window, folder: Path) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    first_rows: list[float] = []

    def on_rows(*_):
        if not first_rows:
            first_rows.append(time.perf_counter())

    window.model.rowsInserted.connect(on_rows)
    loop = QEventLoop()
    window.scan_finished.connect(loop.quit)
    timer.start()
    ticks.append(time.perf_counter())
    started = time.perf_counter()
    window.open_folder(folder)
    loop.exec()
    finished = time.perf_counter()
    timer.stop()
    window.scan_finished.disconnect(loop.quit)
    window.model.rowsInserted.disconnect(on_rows)
    gaps = np.diff(ticks)
    return {"first_rows_s": first_rows[0] - started if first_rows else float("nan"),
            "scan_s": finished - started, "max_gap_ms": float(gaps.max() * 1000),
            "rows": window.model.rowCount()}


def measure_idle_gap(app, seconds: float = 2.0) -> float:
    """Longest gap (ms) of the 10 ms timer with nothing else to do: this machine's noise floor."""
    from PySide6.QtCore import QEventLoop, QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    return float(np.diff(ticks).max() * 1000)


def measure_selection(app, window, n: int = 20) -> tuple[float, float]:
    """(ms until the selection's slot has run, ms until the clip view shows the clip)."""
    from PySide6.QtCore import QEventLoop, QTimer

    sync_ms, shown_ms = [], []
    for k in range(n):
        row = 37 * k + 11
        loop = QEventLoop()
        window.clip_view.clip_shown.connect(loop.quit)
        QTimer.singleShot(5000, loop.quit)
        started = time.perf_counter()
        window.clip_list.select_row(row)
        app.processEvents()  # runs the coalesced current-clip slot: what blocks the loop
        sync_ms.append((time.perf_counter() - started) * 1000)
        loop.exec()
        shown_ms.append((time.perf_counter() - started) * 1000)
        window.clip_view.clip_shown.disconnect(loop.quit)
    return statistics.median(sync_ms), statistics.median(shown_ms)


def measure_sort(window) -> dict[str, float]:
    from PySide6.QtCore import Qt

    from gui.clips.clip_table import DURATION, LABEL, NAME

    out = {}
    for name, column in (("name", NAME), ("duration", DURATION), ("label", LABEL)):
        started = time.perf_counter()
        window.clip_list.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        out[name] = (time.perf_counter() - started) * 1000
    window.clip_list.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = str(Path(tmp) / "data")
        from PySide6.QtCore import QSettings

        from gui.app import freeze_startup_objects, make_app
        from gui.clips.playback import PlaybackController
        from gui.main_window import MainWindow

        folder = Path(tmp) / "clips"
        folder.mkdir()
        started = time.perf_counter()
        make_folder(folder, args.files)
        print(f"made {args.files:,} WAVs in {time.perf_counter() - started:.1f} s")
        app = make_app([])
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        fresh, reopen, selections, sorts, idle = [], [], [], [], []
        for _ in range(args.runs):
            shutil.rmtree(folder / ".earmark", ignore_errors=True)
            window = MainWindow(settings=settings,
                                playback=PlaybackController(force_unavailable="benchmark"))
            window.resize(1280, 800)
            window.show()
            freeze_startup_objects()  # as gui.app.create_window does
            idle.append(measure_idle_gap(app))
            fresh.append(measure_open(app, window, folder))
            reopen.append(measure_open(app, window, folder))
            selections.append(measure_selection(app, window))
            sorts.append(measure_sort(window))
            window.close()
            window.deleteLater()
            app.processEvents()

        def median(rows, key):
            return statistics.median(r[key] for r in rows)

        print(f"runs: {args.runs}, medians; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs; idle event-loop longest gap "
              f"{statistics.median(idle):.1f} ms")
        for title, rows in (("first open (fresh store)", fresh), ("reopen (store filled)", reopen)):
            print(f"{title:26s} first rows {median(rows, 'first_rows_s') * 1000:7.0f} ms   "
                  f"all rows {median(rows, 'scan_s'):6.2f} s   "
                  f"longest event-loop gap {median(rows, 'max_gap_ms'):6.1f} ms   "
                  f"rows {int(median(rows, 'rows')):,}")
        print(f"select a clip: {statistics.median(s[0] for s in selections):.1f} ms in the GUI "
              f"thread, {statistics.median(s[1] for s in selections):.1f} ms until drawn")
        print(f"sort {args.files:,} rows: " + ", ".join(
            f"{k} {statistics.median(s[k] for s in sorts):.0f} ms" for k in sorts[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
