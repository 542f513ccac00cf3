"""Click-to-pixels time of the clip view: show_clip until the plots hold the data and repaint.

Run: QT_QPA_PLATFORM=offscreen uv run python bench/bench_clip_view.py [--data DIR] [--runs N]
Builds a 5 s clip, a 10-minute file and 20 s at 96 kHz (resampled) by concatenating real
recordings into temporary WAVs; times showing each, and a repaint with it on show.
``--while-training 2 1`` also times the 5 s clip while a model trains on the data's clips (as
the app's training task does, on another thread) with 2, then 1, torch threads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.audio.resampling import resample  # noqa: E402
from gui.clips.clip_view import ClipView  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd-4speakers"


def concatenate(files: list[Path], target_s: float, out: Path, rate_hz: int | None = None) -> Path:
    """Write ``files`` one after another (repeating the list) until ``target_s`` is reached, at
    ``rate_hz`` (resampled; default the files' own)."""
    pieces, total, rate = [], 0, None
    while rate is None or total < target_s * rate:
        for path in files:
            samples, file_rate = sf.read(path, dtype="float32")
            rate = rate or file_rate
            pieces.append(samples)
            total += len(samples)
            if total >= target_s * rate:
                break
    samples = np.concatenate(pieces)[: int(target_s * rate)]
    if rate_hz is not None and rate_hz != rate:
        samples, rate = resample(samples, rate, rate_hz), rate_hz
    sf.write(out, samples, rate)
    return out


class _PaintCounter(QObject):
    """Counts paint events on the plots' viewport, so a timing ends at real pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def time_show(app: QApplication, view: ClipView, path: Path, painter: _PaintCounter) -> float:
    """Seconds from show_clip until the new clip's last paint has finished."""
    loop = QEventLoop()
    view.clip_shown.connect(loop.quit)
    view.message_shown.connect(loop.quit)
    QTimer.singleShot(30_000, loop.quit)
    start = time.perf_counter()
    view.show_clip(path)
    loop.exec()
    # Until the last paint the new data caused: a paint that schedules another (a range change
    # settling inside it) counts to the end of the second, so wait for a quiet 100 ms.
    last_paint_end = None
    while last_paint_end is None or time.perf_counter() - last_paint_end < 0.1:
        painted = painter.count
        app.processEvents()
        if painter.count != painted:
            last_paint_end = time.perf_counter()
    elapsed = last_paint_end - start
    view.clip_shown.disconnect(loop.quit)
    view.message_shown.disconnect(loop.quit)
    if view.data is None or view.data.path != path:
        raise RuntimeError(f"{path} was not shown")
    return elapsed


def time_while_training(app: QApplication, view: ClipView, painter: _PaintCounter, files: list[Path],
                        clip: Path, threads: int, runs: int) -> list[float]:
    """``time_show`` of ``clip`` (alternating with other files) while a model trains on
    ``files`` (labelled by their folder) on ``threads`` torch threads in another thread."""
    from core.ml.training import TrainConfig, train

    stop, started = threading.Event(), threading.Event()
    pairs = [(path, path.parent.name) for path in files]
    config = TrainConfig(epochs=1000, patience_epochs=None, num_threads=threads, decode_workers=1)
    worker = threading.Thread(target=lambda: train(
        pairs, config, progress=lambda p: p.phase == "training" and started.set(),
        should_stop=stop.is_set))
    worker.start()
    started.wait(600)  # decoding done: epochs running
    times = []
    for i in range(runs):
        time_show(app, view, files[(100 + i) % len(files)], painter)
        times.append(time_show(app, view, clip, painter))
    stop.set()
    worker.join()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--while-training", type=int, nargs="*", default=[], metavar="THREADS",
                        help="also time the 5 s clip while a model trains on this many torch "
                             "threads (each value in turn)")
    args = parser.parse_args()
    files = sorted(args.data.rglob("*.wav"))
    if not files:
        sys.exit(f"no WAV files under {args.data}")
    app = QApplication.instance() or QApplication([])
    view = ClipView()
    view.resize(1200, 700)
    view.show()
    painter = _PaintCounter()
    view.graphics.viewport().installEventFilter(painter)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = {
            "5 s clip": concatenate(files[:20], 5.0, tmp / "five_s.wav"),
            "10 min file": concatenate(files, 600.0, tmp / "ten_min.wav"),
            "20 s, 96 kHz": concatenate(files[:60], 20.0, tmp / "twenty_s_96k.wav", 96_000),
        }
        # Alternate with a one-file warm-up so every run is a real change of clip.
        warm = files[0]
        time_show(app, view, warm, painter)
        for name, path in cases.items():
            times = []
            for _ in range(args.runs):
                time_show(app, view, warm, painter)
                times.append(time_show(app, view, path, painter))
            info = sf.info(path)
            print(f"{name:12s} ({info.frames / info.samplerate:6.1f} s at {info.samplerate} Hz): "
                  f"median {statistics.median(times) * 1e3:6.1f} ms, "
                  f"min {min(times) * 1e3:6.1f} ms, max {max(times) * 1e3:6.1f} ms "
                  f"over {args.runs} runs; image {view.spec_image.image.shape}")
            repaints = []
            for _ in range(args.runs):  # a repaint with the clip on show (a message, a resize)
                start = time.perf_counter()
                view.graphics.viewport().repaint()
                repaints.append(time.perf_counter() - start)
            print(f"{'':12s} repaint with it on show: median "
                  f"{statistics.median(repaints) * 1e3:6.1f} ms over {args.runs} runs")
        for threads in args.while_training:
            times = time_while_training(app, view, painter, files, cases["5 s clip"], threads,
                                        args.runs)
            print(f"5 s clip while a model trains on {threads} torch thread(s): median "
                  f"{statistics.median(times) * 1e3:6.1f} ms, max {max(times) * 1e3:6.1f} ms "
                  f"over {args.runs} runs")
    view.shutdown()


if __name__ == "__main__":
    main()
