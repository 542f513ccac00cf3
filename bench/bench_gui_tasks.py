"""Benchmark the window's one-shot tasks on real audio: the longest event-loop stall (gap between
ticks of a 10 ms QTimer) while building the demo, exporting into class folders, adding classified
files to the project and undoing that, and loading a model file.

    uv run python bench/bench_gui_tasks.py [--clips 300] [--runs 3] [--repo PATH]

Each task is started through the window (its action, or the dock method the Classify tab's
button calls; QFileDialog answers with prepared paths) and measured until its result shows, plus
a short settle so work queued for the window counts too. ``--repo`` puts another checkout first on
sys.path (the code before a change, checked out with ``git worktree add OLD REV`` and run in its
own venv: ``cd OLD && uv run python THIS/bench/bench_gui_tasks.py --repo OLD``); only APIs both
have are used.
Prints medians over the runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fsdd_clips, median  # noqa: E402  (before --repo shadows the package)

SETTLE_S = 0.3  # after the result shows: the window's share of the work (reloads) is counted
TIMEOUT_S = 300.0


class StallProbe:
    """Runs the event loop until ``done()`` holds, recording a 10 ms timer's ticks; the longest
    gap between ticks is how long the window could not react."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        if self._until is None and self._done():
            self._until = self.ticks[-1] + SETTLE_S
        if (self._until is not None and self.ticks[-1] >= self._until) or (
                self.ticks[-1] - self.ticks[0] > TIMEOUT_S):
            self._loop.quit()

    def measure(self, start, done) -> tuple[float, float]:
        """Call ``start()`` inside the loop, run until ``done()`` (plus SETTLE_S);
        returns (longest gap ms, seconds until done)."""
        from PySide6.QtCore import QEventLoop, QTimer

        self._loop, self._done, self._until = QEventLoop(), done, None
        self.ticks = [time.perf_counter()]
        QTimer.singleShot(0, start)
        self.timer.start()
        self._loop.exec()
        self.timer.stop()
        if self._until is None:
            raise SystemExit("timed out waiting for the task to finish")
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        return max(gaps) * 1000, self._until - SETTLE_S - self.ticks[0]


def prepare(repo: Path | None, prefix: str) -> Path:
    """Put ``repo`` first on sys.path (the code measured; None: this checkout), make the bench's
    temporary folder and the app's data folder in it; says which code runs. Returns the folder."""
    if repo is not None:
        sys.path.insert(0, str(repo.resolve()))
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["EARMARK_DATA_DIR"] = str(tmp / "data")
    import gui
    print(f"code: {Path(gui.__file__).resolve().parent.parent}")
    return tmp


def wait_until(predicate, timeout_s: float = TIMEOUT_S) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("timed out")
        QApplication.processEvents()
        time.sleep(0.01)  # the bench's own wait, not the window's


def copy_clips(clips, root: Path) -> list[tuple[Path, str]]:
    """Copy (path, label) clips into ``root/<label>/`` (labelled by the folder rule)."""
    out = []
    for path, label, _ in clips:
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / label / path.name)
        out.append((root / label / path.name, label))
    return out


def open_and_wait(window, folder: Path) -> None:
    scanned = []
    window.scan_finished.connect(lambda: scanned.append(True))
    window.open_folder(folder)
    wait_until(lambda: scanned)


def train_model_file(window, folder: Path, out: Path) -> Path:
    """Train a one-epoch model in ``folder`` with the window's own code; copied to ``out``."""
    open_and_wait(window, folder)
    dock = window.model_dock
    dock.controller.config_override = dataclasses.replace(dock.controller.default_config(),
                                                          epochs=1)
    assert dock.train(), "training did not start"
    wait_until(lambda: window.project.models() and not dock.is_busy())
    record = window.project.models()[0]
    path = Path(record.path)
    if not path.is_absolute():
        path = window.project.store_path.parent / path
    return Path(shutil.copy2(path, out))


def one_run(window, probe, clips, model_file: Path, work: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QFileDialog

    n = len(clips) // 2
    out: dict[str, float] = {}
    messages: list[str] = []
    show = window.show_message
    window.show_message = lambda text, kind="info": (messages.append(text), show(text, kind))

    # Demo: built from nothing each run (its folder is removed first).
    shutil.rmtree(Path(os.environ["EARMARK_DATA_DIR"]) / "demo", ignore_errors=True)
    scanned: list[bool] = []
    window.scan_finished.connect(lambda: scanned.append(True))
    out["demo_ms"], out["demo_s"] = probe.measure(window.acts.open_demo.trigger,
                                                  lambda: bool(scanned))

    project = work / "project"
    copy_clips(clips[:n], project)
    open_and_wait(window, project)

    dest = work / "export"
    QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(dest))
    messages.clear()
    out["export_ms"], out["export_s"] = probe.measure(
        window.acts.export_folders.trigger, lambda: any("export" in m.lower() or "Copied" in m
                                                       for m in messages))

    pairs = [(path, label) for path, label, _ in clips[n:]]
    rows = window.model.rowCount()
    out["add_ms"], out["add_s"] = probe.measure(lambda: window.model_dock.add_files(pairs),
                                                lambda: window.model.rowCount() >= rows + len(pairs))
    copies = [project / label / path.name for path, label in pairs]
    out["undo_ms"], out["undo_s"] = probe.measure(window.undo_stack.undo,
                                                  lambda: not any(c.exists() for c in copies))
    wait_until(lambda: not window.model_dock.is_busy())

    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(model_file), ""))
    models = len(window.project.models())
    out["load_ms"], out["load_s"] = probe.measure(
        window.acts.load_model.trigger, lambda: len(window.project.models()) > models)
    wait_until(lambda: not window.model_dock.is_busy())  # the classification that follows
    window.show_message = show
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=300,
                        help="clips in the project, and as many added from outside")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=None,
                        help="a checkout whose gui and core are measured (default: this one)")
    args = parser.parse_args()
    tmp = prepare(args.repo, "earmark-bench-tasks-")

    from PySide6.QtCore import QSettings

    from gui.app import create_window, make_app
    all_clips = fsdd_clips()
    step = max(1, len(all_clips) // (2 * args.clips))
    clips = all_clips[::step][:2 * args.clips]
    app = make_app()
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = create_window(settings=settings)
    probe = StallProbe()
    try:
        model_file = train_model_file(window, _fresh(tmp / "train", clips[:120]), tmp / "model.pt")
        runs = []
        for k in range(args.runs):
            runs.append(one_run(window, probe, clips, model_file, tmp / f"run{k}"))
            print(f"run {k + 1}: " + ", ".join(f"{key} {value:.0f}" if key.endswith("ms")
                                               else f"{key} {value:.2f}"
                                               for key, value in runs[-1].items()))
    finally:
        window.close()
        app.processEvents()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmedians over {args.runs} runs ({len(clips) // 2} clips in the project, "
          f"{len(clips) - len(clips) // 2} added):")
    for task in ("demo", "export", "add", "undo", "load"):
        print(f"  {task:7s} longest stall {median(r[task + '_ms'] for r in runs):7.0f} ms   "
              f"done in {median(r[task + '_s'] for r in runs):6.2f} s")
    return 0


def _fresh(folder: Path, clips) -> Path:
    copy_clips(clips, folder)
    return folder


if __name__ == "__main__":
    sys.exit(main())
