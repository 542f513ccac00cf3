"""Long files in the clip view: open to overview drawn, zoom to full resolution, scrolling stalls.

Run: QT_QPA_PLATFORM=offscreen uv run python bench/bench_long_view.py [--runs N]
Writes a 1-hour and a 10-minute 16 kHz WAV (faint noise, with a tone, a chirp and a noise burst
every minute) to a temporary folder and drives a real ClipView (1400x700):

- open: ``show_clip`` until the overview is drawn (plots and strip repainted), with a fresh
  overview cache each run (cold: the overview is computed from the file, which the OS has in
  its page cache after the first run) and with the cache kept (warm);
- zoom: a jump to a range of 10 s, 1 s or 0.1 s somewhere in the file; timed from the moment
  the range settles (``view_range_changed``) to the detail image set (``detail_shown``);
- scroll: the longest gap between two turns of the event loop while the view scrolls, either
  continuously (a step every 33 ms: the range never settles) or in steps 200 ms apart (each
  settles and is computed). Goals (issue 15): open <= 1 s, zoom <= 50 ms median, stall <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.bench_clip_view import _PaintCounter as PaintCounter  # noqa: E402
from gui.clips.clip_view import ClipView  # noqa: E402
from tests import audio_factory as af  # noqa: E402

RATE_HZ = 16000
EVENT_EVERY_S = 60


def write_long_file(path: Path, duration_s: int) -> Path:
    """Faint noise with, each minute, a 1 kHz tone at +5 s, a chirp at +20 s and a noise burst
    at +40 s; written a minute at a time so memory stays small."""
    rng = np.random.default_rng(0)
    tone = af.tone(1000.0, 0.5, RATE_HZ, amplitude=0.5)
    chirp = af.chirp(300.0, 3000.0, 1.0, RATE_HZ, amplitude=0.5)
    burst = af.noise(0.3, RATE_HZ, amplitude=0.3, seed=1)
    with sf.SoundFile(path, "w", RATE_HZ, 1, "PCM_16") as out:
        for _ in range(0, duration_s, EVENT_EVERY_S):
            minute = (0.003 * rng.standard_normal(EVENT_EVERY_S * RATE_HZ)).astype(np.float32)
            for offset_s, event in ((5, tone), (20, chirp), (40, burst)):
                minute[offset_s * RATE_HZ:][:len(event)] += event
            out.write(minute)
    return path


def wait_for(signal, timeout_ms: int = 30_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def time_open(view: ClipView, path: Path, cache_dir: Path) -> float:
    """Seconds from show_clip until the overview is on screen (both widgets repainted)."""
    view.show_clip(None)
    view.set_cache_dir(cache_dir)
    start = time.perf_counter()
    view.show_clip(path)
    wait_for(view.clip_shown)
    view.graphics.viewport().repaint()
    view.strip.graphics.viewport().repaint()
    elapsed = time.perf_counter() - start
    if view.data is None or view.data.overview is None:
        raise RuntimeError(f"{path} was not shown with an overview")
    return elapsed


def time_zoom(app: QApplication, view: ClipView, start_s: float, width_s: float) -> float:
    """Seconds from the range settling to its detail image being set."""
    marks: dict[str, float] = {}
    on_settled = lambda *_: marks.setdefault("settled", time.perf_counter())  # noqa: E731
    on_shown = lambda *_: marks.setdefault("shown", time.perf_counter())  # noqa: E731
    view.view_range_changed.connect(on_settled)
    view.detail_shown.connect(on_shown)
    view.set_view_range(start_s, start_s + width_s)
    deadline = time.perf_counter() + 10.0
    while "shown" not in marks and time.perf_counter() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    view.view_range_changed.disconnect(on_settled)
    view.detail_shown.disconnect(on_shown)
    if "shown" not in marks:
        raise RuntimeError(f"no detail for {start_s:.1f}+{width_s} s")
    return marks["shown"] - marks["settled"]


def longest_stall(view: ClipView, painter: PaintCounter, step_ms: int, seconds: float
                  ) -> tuple[float, float]:
    """The longest gap (s) between turns of the event loop while the view scrolls by a tenth of
    its width every ``step_ms``, and the plots' paints a second meanwhile."""
    gaps: list[float] = []
    last = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe_timer, scroll_timer = QTimer(), QTimer()
    probe_timer.setInterval(1)
    probe_timer.timeout.connect(probe)
    scroll_timer.setInterval(step_ms)
    scroll_timer.timeout.connect(lambda: view.scroll_by(0.1))
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    last[0] = time.perf_counter()
    paints = painter.count
    probe_timer.start()
    scroll_timer.start()
    loop.exec()
    probe_timer.stop()
    scroll_timer.stop()
    return (max(gaps) if gaps else float("nan")), (painter.count - paints) / seconds


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:7.1f} ms (max {max(values) * 1e3:6.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    view = ClipView()
    view.resize(1400, 700)
    view.show()
    painter = PaintCounter()
    view.graphics.viewport().installEventFilter(painter)
    rng = np.random.default_rng(1)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {"1 h": write_long_file(tmp / "hour.wav", 3600),
                 "10 min": write_long_file(tmp / "ten_minutes.wav", 600)}
        for name, path in files.items():
            cold = [time_open(view, path, tmp / f"cache-{name}-{i}") for i in range(args.runs)]
            warm = [time_open(view, path, tmp / f"cache-{name}-0") for _ in range(args.runs)]
            rows.append((name, "open, cold overview cache", ms(cold)))
            rows.append((name, "open, warm overview cache", ms(warm)))
            duration_s = view.duration_s
            for width_s in (10.0, 1.0, 0.1):
                times = [time_zoom(app, view, float(rng.uniform(0, duration_s - width_s)),
                                   width_s) for _ in range(args.runs * 2)]
                rows.append((name, f"zoom to {width_s:g} s, settle to image", ms(times)))
            view.set_view_range(duration_s / 3, duration_s / 3 + 10.0)
            for step_ms, kind in ((33, "continuous"), (200, "in steps")):
                stall, paints = longest_stall(view, painter, step_ms, 3.0)
                rows.append((name, f"scroll a 10 s view {kind}: longest stall",
                             f"{stall * 1e3:7.1f} ms ({paints:.0f} paints/s)"))
        width_px = int(view.spec_plot.vb.width())
    view.shutdown()
    print(f"ClipView {view.width()}x{view.height()}, plot {width_px} px wide; "
          f"{args.runs} runs each ({args.runs * 2} for zooms); median (max)")
    print(f"{'file':7s} {'measure':45s} figure")
    for name, measure, figure in rows:
        print(f"{name:7s} {measure:45s} {figure}")


if __name__ == "__main__":
    main()
