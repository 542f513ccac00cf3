"""A recording with many regions in the window: a 1-hour 16 kHz file of noise holding --regions
model events (what Find Loud Events leaves on a night), shown in a real MainWindow (offscreen).
Times, in the window's thread: showing the clip with its regions, selecting a region (median of
--runs), zooming to one minute and back to the whole hour, scrolling a 20 s view on by its width
(each until the items are in step), painting the clip view over the whole hour and over that
20 s view (its regions' editable items drawn), labelling every region at once (selected in the
region list) and undoing it, and one verdict
in the Review tab (A) before any event is accepted and once half of them are. Each figure is
measured twice in the same run: with editable items only near the visible range (the app,
``MAX_EDITABLE``), and with an item pair for every region (as before; ``--app-only`` leaves that
out: at 7,000 regions it had not finished after an hour). Run with
``QT_QPA_PLATFORM=offscreen uv run python bench/bench_many_regions.py``.
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
import soundfile as sf  # noqa: E402

from bench.common import median  # noqa: E402

RATE_HZ = 16000


def make_night(folder: Path, n_regions: int) -> None:
    from core.store.project import Project
    from core.store.records import RegionSpec

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    with sf.SoundFile(folder / "hour.wav", "w", RATE_HZ, 1, "PCM_16") as out:
        for _ in range(60):
            out.write((0.01 * rng.standard_normal(60 * RATE_HZ)).astype(np.float32))
    with Project.open(folder) as project:
        project.scan()
        clip = project.clips()[0]
        starts = np.sort(rng.uniform(0, 3590, n_regions))
        project.replace_model_regions(clip.id, [
            RegionSpec(clip.id, float(s), float(s) + 0.5, "call", 1500.0, 2500.0, 0.9)
            for s in starts])


def measure(folder: Path, runs: int, editable: int) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    import gui.clips.region_overlay as overlay_module
    from gui.app import create_window

    overlay_module.MAX_EDITABLE = editable
    app = QApplication.instance()
    settings = QSettings(str(folder.parent / f"settings-{editable}.ini"),
                         QSettings.Format.IniFormat)
    window = create_window(settings=settings)
    window.resize(1600, 1000)
    window.show()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def settled(change) -> float:
        """ms from ``change()`` until the view range has settled and the items followed."""
        loop = QEventLoop()
        window.clip_view.view_range_changed.connect(loop.quit)
        start = time.perf_counter()
        change()
        loop.exec()
        window.clip_view.view_range_changed.disconnect(loop.quit)
        app.processEvents()
        return 1000 * (time.perf_counter() - start)

    window.open_folder(folder)
    while window.model.rowCount() == 0:
        wait(20)
    loop = QEventLoop()
    window.clip_view.clip_shown.connect(loop.quit)
    start = time.perf_counter()
    window.clip_list.select_row(0)
    loop.exec()
    app.processEvents()
    figures = {"show the clip": 1000 * (time.perf_counter() - start)}
    ids = [r.id for r in window.project.regions()]
    selects, zooms_in, zooms_out, scrolls, paints, paints_near = [], [], [], [], [], []
    for k in range(runs):
        start = time.perf_counter()
        window.labels.regions.select(ids[(k * 97) % len(ids)])
        app.processEvents()
        selects.append(1000 * (time.perf_counter() - start))
        window.labels.regions.select(None)
        app.processEvents()
        begin_s = 60.0 * (5 + 7 * k % 50)
        zooms_in.append(settled(lambda b=begin_s: window.clip_view.set_view_range(b, b + 60.0)))
        zooms_out.append(settled(lambda: window.clip_view.set_view_range(0.0, 3600.0)))
        for step in range(4):  # the last step counts: a person scrolling on, not the first look
            scroll = settled(lambda b=begin_s + 20.0 * step:
                             window.clip_view.set_view_range(b, b + 20.0))
        scrolls.append(scroll)
        start = time.perf_counter()
        window.clip_view.grab()  # the 20 s view: its regions' editable items all drawn
        paints_near.append(1000 * (time.perf_counter() - start))
        settled(lambda: window.clip_view.set_view_range(0.0, 3600.0))
        start = time.perf_counter()
        window.clip_view.grab()
        paints.append(1000 * (time.perf_counter() - start))
    figures.update({"select a region": median(selects), "zoom to a minute": median(zooms_in),
                    "zoom out to the hour": median(zooms_out),
                    "scroll 20 s by its width": median(scrolls),
                    "paint the clip view": median(paints),
                    "paint a 20 s view": median(paints_near),
                    "editable regions": len(window.region_overlay.editable_ids())})
    figures.update(label_all(window, runs))
    figures.update(review(window, runs, wait))
    window.close()
    wait(50)
    return figures


def label_all(window, runs: int) -> dict[str, float]:
    """ms to label every region of the file at once (all rows of the region list selected, a
    class named, as L does), the lists' news included, and to undo it; medians of ``runs``."""
    from PySide6.QtWidgets import QApplication

    app, table = QApplication.instance(), window.region_list.table
    regions = window.labels.regions
    labels, undos = [], []
    for k in range(runs):
        window.region_list.set_expanded(True)
        regions.select(window.project.regions()[0].id)  # a lead, then Ctrl+A in the list
        app.processEvents()
        table.selectAll()
        app.processEvents()
        start = time.perf_counter()
        window.labels.add_class(f"call{k}")  # labels the regions selected
        app.processEvents()
        labels.append(1000 * (time.perf_counter() - start))
        labelled = sum(r.label == f"call{k}" for r in window.project.regions())
        if labelled != len(regions.more_ids) + 1:
            raise SystemExit(f"labelled {labelled} regions of {len(regions.more_ids) + 1}")
        start = time.perf_counter()
        window.undo_stack.undo()
        app.processEvents()
        undos.append(1000 * (time.perf_counter() - start))
    return {"label every region (L)": median(labels), "undo that": median(undos)}


def review(window, runs: int, wait) -> dict[str, float]:
    """ms for one verdict (A) in the Review tab, the queue's news included (the filters' refresh,
    deferred to the next turn of the event loop), before any event is accepted and once half of
    them are (Shift+A halfway down the queue)."""
    from PySide6.QtWidgets import QApplication

    app, review_panel = QApplication.instance(), window.model_dock.review
    window.model_dock.tabs.setCurrentWidget(review_panel)
    review_panel.show_surest_first()

    def verdicts() -> float:
        times = []
        for _ in range(runs):
            review_panel.show_row(0)
            wait(300)  # shown, as a person sees it before pressing the key
            start = time.perf_counter()
            review_panel.accept_current()
            app.processEvents()
            times.append(1000 * (time.perf_counter() - start))
        return median(times)

    figures = {"accept one event (A)": verdicts()}
    review_panel.show_row(len(review_panel.queue()) // 2)
    wait(300)
    review_panel.accept_through_current()
    app.processEvents()
    figures["accept one, half accepted"] = verdicts()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--app-only", action="store_true",
                        help="measure the app alone, not an item pair for every region")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from gui.app import make_app
        from gui.clips.region_overlay import MAX_EDITABLE

        app = make_app()  # noqa: F841 - kept alive for the windows
        folder = Path(tmp) / "night"
        make_night(folder, args.regions)
        near = measure(folder, args.runs, MAX_EDITABLE)
        every = None if args.app_only else measure(folder, args.runs, 10**9)
    print(f"1-hour file, {args.regions} regions; ms in the window's thread (medians of "
          f"{args.runs}), items near the view (at most {MAX_EDITABLE})"
          + ("" if every is None else " against an item pair for every region") + ":")
    for name in near:
        if every is None:
            print(f"  {name:<26} {near[name]:8.0f}")
            continue
        ratio = f"  ({every[name] / near[name]:.1f}x)" if near[name] else ""
        print(f"  {name:<26} {near[name]:8.0f}  {every[name]:8.0f}{ratio}")


if __name__ == "__main__":
    main()
