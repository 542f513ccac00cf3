"""Reviewing a template search's events in the window: --files recordings of one FSDD speaker's
digits placed into noise (as bench_template_detector.py builds its recording), searched with one
template of each digit at a low threshold (0.3), the events stored as the model's unreviewed
events, and the Review tab ordered surest first in a real MainWindow (offscreen). Times, in the
window's thread (ms, medians of --runs): accepting one event (A), and until the next event is on
show (its file loaded, the view zoomed to it); accepting the current event and every one above it
at once (Shift+A on the queue's last: all of them, one undo step), undoing that, and rejecting
all at once (Shift+R on the first). Run with
``uv run python bench/bench_review_many.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.bench_detection import add_speaker_recording_arguments, write_speaker_recording  # noqa: E402
from bench.bench_template_detector import templates_for  # noqa: E402
from bench.common import fsdd_clips, median  # noqa: E402
from core.audio.template_detector import TemplateDetectorConfig, find_similar  # noqa: E402

THRESHOLD = 0.3


def make_night(folder: Path, clips, args, rng) -> int:
    """``args.files`` recordings in ``folder`` with their template-search events stored as
    unreviewed model events; returns how many events."""
    from core.store.project import Project
    from core.store.records import RegionSpec

    folder.mkdir(parents=True)
    placed: set = set()
    for k in range(args.files):
        digits, *_ = write_speaker_recording(folder / f"night_{k:02d}.wav", clips, args, rng)
        placed |= {p for p, _ in digits}
    templates = [group[0] for group in templates_for(clips, args.speaker, placed, 1,
                                                     folder.parent, rng).values()]
    config = TemplateDetectorConfig(threshold=THRESHOLD)
    n = 0
    with Project.open(folder) as project:
        project.scan()
        for clip in project.clips():
            events = find_similar(project.abspath(clip), templates, config)
            project.replace_model_regions(clip.id, [
                RegionSpec(clip.id, e.begin_s, e.end_s, e.label, e.low_hz, e.high_hz, e.score)
                for e in events])
            n += len(events)
    return n


def measure(folder: Path, runs: int) -> dict[str, list[float]]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import create_window

    app = QApplication.instance()
    window = create_window(settings=QSettings(str(folder.parent / "settings.ini"),
                                              QSettings.Format.IniFormat))
    window.resize(1600, 1000)
    window.show()
    window.open_folder(folder)
    while window.model.rowCount() == 0 or window.scan.is_scanning():
        app.processEvents()
    review, view, project = window.model_dock.review, window.clip_view, window.project
    review.show_surest_first()
    review.refresh()

    def shown() -> None:
        """Wait, as a person does, until the current event is on show: its file loaded and the
        view zoomed to it, the view settled (its items in step)."""
        record = review.current()
        deadline = time.perf_counter() + 30
        while record is not None and time.perf_counter() < deadline:
            app.processEvents()
            start_s, end_s = view.view_range()
            if view.path == project.abspath(project.clip(record.clip_id)) \
                    and start_s <= record.begin_s and record.end_s <= end_s \
                    and end_s - start_s < view.duration_s:
                break
        settle = time.perf_counter() + 0.3
        while time.perf_counter() < settle:
            app.processEvents()

    def ms(step) -> float:
        """ms in the window's thread until ``step``'s own work is done (the queue's refresh,
        deferred to the next turn of the event loop, included)."""
        start = time.perf_counter()
        step()
        app.processEvents()
        return 1000 * (time.perf_counter() - start)

    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    n = len(review.queue())
    for _ in range(runs):
        review.show_row(0)
        shown()
        start = time.perf_counter()
        add("accept one (A)", ms(review.accept_current))
        shown()
        add("accept one, next shown", 1000 * (time.perf_counter() - start) - 300)  # less settling
        window.undo_stack.undo()
        review.show_row(n - 1)
        shown()
        add("accept all (Shift+A)", ms(review.accept_through_current))
        assert not review.queue()
        add("undo that", ms(window.undo_stack.undo))
        assert len(review.queue()) == n
        review.show_row(0)
        shown()
        add("reject all (Shift+R)", ms(review.reject_from_current))
        window.undo_stack.undo()
        app.processEvents()
    window.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_speaker_recording_arguments(parser)
    parser.add_argument("--files", type=int, default=6)
    parser.set_defaults(per_class=10, quiet_s=30.0, runs=5)
    args = parser.parse_args()
    clips = fsdd_clips()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from gui.app import make_app

        app = make_app()  # noqa: F841 - kept alive for the window
        folder = Path(tmp) / "night"
        n = make_night(folder, clips, args, rng)
        figures = measure(folder, args.runs)
    print(f"{n} events in {args.files} recordings ({args.per_class * 10} digits of "
          f"{args.speaker} each), Review tab surest first; ms in the window's thread (medians "
          f"of {args.runs}):")
    for name, values in figures.items():
        print(f"  {name:<22} {median(values):8.1f}   ({', '.join(f'{v:.0f}' for v in values)})")
    one = median(figures["accept one, next shown"])
    print(f"  accepting all {n} one at a time: about {n * one / 1000:.0f} s of waiting for the "
          f"next event (and {n} key presses), against "
          f"{median(figures['accept all (Shift+A)']):.0f} ms at once")


if __name__ == "__main__":
    main()
