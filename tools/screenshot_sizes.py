"""Grab the window on a generated folder of N classes at a given window size, to look at how the
label bar, clip list and Model panel share a screen.

``xvfb-run -a -s "-screen 0 1280x720x24" uv run python tools/screenshot_sizes.py OUT.png
--classes 40 [--size 1280x720] [--trained] [--folder PATH]`` prints the window's size and minimum
width and saves the grab. ``--trained`` trains a small model first so the Prediction and Confidence
columns show. Everything it writes lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_folder(root: Path, n_classes: int, per_class: int) -> None:
    from tests import audio_factory

    for i in range(n_classes):
        name = f"class {i:02d}" if n_classes > 10 else str(i)
        for j in range(per_class):
            audio_factory.write(root / name / f"take_{j}.wav",
                                audio_factory.tone(200.0 + 90 * i + 7 * j, 0.6))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--size", default=None, help="WxH; default: the whole available screen")
    parser.add_argument("--trained", action="store_true")
    parser.add_argument("--folder", type=Path, default=None,
                        help="open this folder instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings, QTimer

        from gui.app import create_window, make_app

        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "project"
            make_folder(folder, args.classes, 8 if args.trained else 3)
        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        if args.size:
            width, height = (int(v) for v in args.size.split("x"))
            window.resize(width, height)
        window.show()
        done: list[str] = []

        def grab() -> None:
            room = window.screen().availableGeometry()
            print(f"screen {room.width()}x{room.height()}, window {window.width()}x"
                  f"{window.height()}, minimum width {window.minimumSizeHint().width()}")
            # The whole screen: dialogs the window opened are in the picture too.
            window.screen().grabWindow(0).save(str(args.out))
            done.append("saved")
            window.close()

        def after_scan() -> None:
            if args.trained:
                settings.setValue("training/model", "earmark-cnn")
                settings.setValue("training/epochs", 3)
                window.model_dock.controller.classify_finished.connect(
                    lambda *_: QTimer.singleShot(500, grab))
                window.model_dock.train()
            else:
                QTimer.singleShot(500, grab)

        window.scan_finished.connect(lambda: QTimer.singleShot(200, after_scan))
        QTimer.singleShot(300_000, window.close)
        window.open_folder(folder)
        app.exec()
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
