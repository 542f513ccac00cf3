"""The device choice and the device lines in the real window, to look at them: Training Settings,
the Training tab while a run trains (where it trains) and after it (where the model trained).

``xvfb-run -a -s "-screen 0 1600x1000x24" uv run python tools/screenshot_devices.py OUTDIR
[--gpus N]`` writes OUTDIR/devices-settings.png, devices-training.png and devices-trained.png
(the Model dock alone, at the window's size) and prints the texts shown. ``--gpus N`` lists N
CUDA GPUs in the dialog on a machine without them (the dialog only: training runs where it can).
Everything else lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_folder(root: Path) -> None:
    from tests import audio_factory

    for i, name in enumerate(("low", "mid", "high")):
        for j in range(8):
            audio_factory.write(root / name / f"take_{j}.wav",
                                audio_factory.tone(300.0 * (i + 1) + 11 * j, 0.6))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--gpus", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings, QTimer

        import core.ml.runtime as runtime
        from core.ml.train_config import TrainConfig
        from gui.app import create_window, make_app
        from gui.model.settings_dialog import TrainSettingsDialog

        real = runtime.available_devices
        if args.gpus:
            fake = ["cuda", *(f"cuda:{i}" for i in range(args.gpus))]
            runtime.available_devices = lambda: [*real(), *(d for d in fake if d not in real())]
        folder = Path(tmp) / "project"
        make_folder(folder)
        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        window.resize(1600, 1000)
        window.show()
        dock = window.model_dock
        shots: dict[str, bool] = {}

        def save(name: str, widget) -> None:
            widget.grab().save(str(args.out / f"devices-{name}.png"))
            shots[name] = True
            print(f"saved devices-{name}.png")

        def settings_shot() -> None:
            dialog = TrainSettingsDialog(dock.controller.default_config(), window)
            dialog.show()
            dialog.device_box.setCurrentIndex(dialog.device_box.count() - 1)
            print("devices offered:", [dialog.device_box.itemText(i)
                                       for i in range(dialog.device_box.count())])
            QTimer.singleShot(300, lambda: (save("settings", dialog), dialog.close(), unfake(),
                                            train()))

        def unfake() -> None:
            # The GPUs were the dialog's only: training and classifying resolve "auto" for real.
            runtime.available_devices = real

        def train() -> None:
            dock.controller.config_override = TrainConfig.for_model(epochs=6, patience_epochs=None,
                                                                    clip_seconds_requested=0.6)
            dock.controller.training_progress.connect(on_progress)
            dock.controller.classify_finished.connect(
                lambda *_: QTimer.singleShot(300, finish))
            dock.train()

        def on_progress(report) -> None:
            if report.epoch >= 3 and "training" not in shots:
                print("while training:", repr(dock.training.device_note.text()))
                save("training", dock)

        def finish() -> None:
            print("after:", repr(dock.training.summary.text()))
            save("trained", dock)
            window.close()

        window.scan_finished.connect(lambda: QTimer.singleShot(300, settings_shot))
        window.open_folder(folder)
        QTimer.singleShot(120_000, window.close)
        app.exec()
    return 0 if len(shots) == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
