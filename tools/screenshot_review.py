"""The find-events loop in the real window, under xvfb, as a person would run it, with a
screenshot at each step: 20 spoken digits marked on a recording (through the same undo commands
a drag and a class key push), Train, Detect Events on a recording of a speaker the model has not
heard, review (accept some, reject some), retrain.

``xvfb-run -a -s "-screen 0 1600x1000x24" uv run python tools/screenshot_review.py OUTDIR``
Needs ../shared/data/fsdd-4speakers (EARMARK_FSDD overrides); writes OUTDIR/review-*.png and
prints what happened at each step. Everything else lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_detection import RATE_HZ, build_recording  # noqa: E402

DIGITS = ("0", "1", "2", "3", "4")
TRAIN_SPEAKERS = ("jackson", "nicolas", "theo")
TEST_SPEAKER = "yweweler"


def fsdd() -> Path:
    return Path(os.environ.get("EARMARK_FSDD", ROOT.parent / "shared" / "data" / "fsdd-4speakers"))


def recording(folder: Path, name: str, speakers, per_digit: int, rng) -> list:
    picks = []
    for digit in DIGITS:
        for speaker in speakers:
            picks += [(p, digit) for p in sorted((fsdd() / digit).glob(f"{digit}_{speaker}_*.wav"))]
    chosen = [picks[i] for i in rng.permutation(len(picks))]
    per = {d: [p for p in chosen if p[1] == d][:per_digit] for d in DIGITS}
    order = [x for d in DIGITS for x in per[d]]
    order = [order[i] for i in rng.permutation(len(order))]
    signal, events = build_recording(order, rng, noise_rms=0.005, quiet_s=5.0)
    sf.write(folder / name, signal, RATE_HZ, subtype="PCM_16")
    return events


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        folder = Path(tmp) / "digits"
        folder.mkdir()
        marked = recording(folder, "session_a.wav", TRAIN_SPEAKERS, 4, rng)   # 20 digits
        heard = recording(folder, "session_b.wav", (TEST_SPEAKER,), 2, rng)  # 10, new speaker
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication

        from core.store.name_rules import NameRule
        from gui.app import create_window, make_app
        from gui.clips.name_rule_dialog import ApplyNameRuleCommand
        from gui.clips.region_commands import AddRegionCommand

        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        window.resize(1600, 1000)
        window.show()
        dock, steps = window.model_dock, []

        def grab(name: str) -> None:
            window.screen().grabWindow(0).save(str(out / f"review-{name}.png"))
            print(f"saved review-{name}.png", flush=True)

        def when(done, then, every_ms: int = 300) -> None:
            QTimer.singleShot(every_ms, lambda: then() if done() else when(done, then, every_ms))

        def show(path: str) -> None:
            model = window.model
            row = next(r for r in range(model.rowCount()) if model.record(r).path == path)
            window.clip_list.select_row(row)

        def mark() -> None:
            project = window.project
            # The names "session_a"/"session_b" are no labels.
            window.undo_stack.push(ApplyNameRuleCommand(project, NameRule("none"),
                                                        window.labels.classes_edited))
            clip = next(c for c in project.clips() if c.path == "session_a.wav")
            for begin_s, end_s, digit in marked:
                window.undo_stack.push(AddRegionCommand(
                    project, clip.id, begin_s, end_s, label=digit,
                    on_changed=window.labels.regions.notify_changed))
            window.labels.refresh_classes()
            show("session_a.wav")
            print(f"marked {len(project.regions(clip.id))} events on session_a.wav", flush=True)
            QTimer.singleShot(2500, lambda: (window.clip_view.set_view_range(0.0, 30.0),
                                             QTimer.singleShot(1500, train)))

        def train() -> None:
            grab("1-marked")
            dock.controller.classify_finished.connect(lambda *_: QTimer.singleShot(500, detect))
            dock.train()

        def detect() -> None:
            if steps:
                return
            steps.append("detect")
            print("trained:", dock.training.status_label.text()
                  if hasattr(dock.training, "status_label") else "", flush=True)
            grab("2-trained")
            dock.detect_events()
            when(lambda: not dock.is_detecting(), review)

        def review() -> None:
            QApplication.processEvents()  # the Review tab reads the stored events
            queue = dock.review.queue()
            print(f"detected {len(queue)} events; truth on session_b: {len(heard)} digits",
                  flush=True)
            show("session_b.wav")
            QTimer.singleShot(2000, lambda: (dock.review.show_row(0),
                                             QTimer.singleShot(2000, decide)))

        def decide() -> None:
            grab("3-review")
            truth = heard
            accepted = rejected = 0
            for _ in range(min(6, len(dock.review.queue()))):
                event = dock.review.current()
                hit = any(t[2] == event.label and min(event.end_s, t[1]) - max(event.begin_s, t[0])
                          >= 0.5 * (t[1] - t[0]) for t in truth)
                if hit:
                    dock.review.accept_current()
                    accepted += 1
                else:
                    dock.review.reject_current()
                    rejected += 1
            print(f"accepted {accepted}, rejected {rejected}", flush=True)
            QTimer.singleShot(1500, retrain)

        def retrain() -> None:
            grab("4-reviewed")
            steps.append("retrain")
            dock.controller.classify_finished.connect(lambda *_: QTimer.singleShot(800, finish))
            dock.train()

        def finish() -> None:
            if steps[-1] != "retrain":
                return
            steps.append("done")
            show("session_b.wav")
            QTimer.singleShot(2000, lambda: (grab("5-retrained"), window.close()))

        window.scan_finished.connect(lambda: QTimer.singleShot(500, mark) if not steps else None)
        QTimer.singleShot(900_000, window.close)
        window.open_folder(folder)
        app.exec()
    return 0 if "done" in steps else 1


if __name__ == "__main__":
    sys.exit(main())
