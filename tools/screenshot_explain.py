"""Grab the window with View > Explain Prediction on: a model trained in-process (default
settings), one clip selected, the importance map drawn over its spectrogram.

``xvfb-run -a -s "-screen 0 1600x1000x24" uv run python tools/screenshot_explain.py OUT.png
[--folder PATH] [--clip NAME] [--features]``: the demo project unless ``--folder`` names a folder
of labelled audio (class subfolders or the app's labels; it is trained on as it is, so keep it to
a few hundred clips); ``--clip`` the file name to select (default: the first clip the model
labelled right with the highest confidence); ``--features`` also turns on View > Show Model
Features, so the features and the preview of the training augmentations show. Everything else
(settings, the demo, the user data folder) lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.screenshot import _small_png  # noqa: E402


def _clip_row(window, name: str | None) -> int:
    """The row of ``name``, else the row of the labelled clip the model is surest of and
    right about."""
    model = window.model
    if name is not None:
        return next((row for row in range(model.rowCount())
                     if Path(model.record(row).path).name == name), 0)
    predictions = window.project.predictions(window.model_dock.controller.active_model().id)
    best, best_row = -1.0, 0
    for row in range(model.rowCount()):
        record = model.record(row)
        prediction = predictions.get(record.id)
        if (prediction is not None and record.label == prediction.label
                and prediction.confidence > best):
            best, best_row = prediction.confidence, row
    return best_row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--clip", default=None)
    parser.add_argument("--features", action="store_true")
    parser.add_argument("--size", default="1500x900")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings, QTimer

        from gui.app import create_window, make_app

        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        window.resize(*(int(v) for v in args.size.split("x")))
        window.show()
        failures: list[str] = []

        def grab() -> None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            if not _small_png(window.grab().toImage()).save(str(args.out)):
                failures.append(f"could not save {args.out}")
            window.close()

        def when_drawn() -> None:
            explain, preview = window.acts.explain, window.acts.augment_preview
            if (explain.explanation() is None
                    or (args.features and preview.preview() is None)):
                QTimer.singleShot(200, when_drawn)
                return
            print(explain.caption_text())
            QTimer.singleShot(300, grab)

        def select() -> None:
            window.acts.explain_prediction.setChecked(True)
            window.acts.show_features.setChecked(args.features)
            window.clip_list.select_row(_clip_row(window, args.clip))
            window.clip_list.table.setFocus()
            QTimer.singleShot(500, when_drawn)

        def train() -> None:
            dock = window.model_dock
            dock.controller.classify_finished.connect(lambda *_: QTimer.singleShot(300, select))
            dock.train()

        window.scan_finished.connect(lambda: QTimer.singleShot(200, train))
        QTimer.singleShot(600_000, lambda: (failures.append("timed out"), window.close()))
        if args.folder is not None:
            window.open_folder(args.folder)
        else:
            window.acts.open_demo.trigger()
        app.exec()
    for failure in failures:
        print(failure, file=sys.stderr)
    if not failures:
        print(f"saved {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
