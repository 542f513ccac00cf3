"""Grab docs/screenshot.png: the real window on the demo project with a clip selected.

Run with a display, e.g. ``xvfb-run -a uv run python tools/screenshot.py [OUT.png]``.
``--trained`` first trains a model on the demo in-process (default settings), waits until every
clip is classified, and grabs docs/screenshot-trained.png with the results and confusion matrix.
``--spectrogram-settings`` opens View > Spectrogram Settings, chooses grey (inverted) at 60 dB and
an FFT size of 1024 in it, and grabs the window with the panel drawn over its top right corner.
The demo and settings live in a temporary folder, so the user's own are not touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _small_png(image):
    """The image on a palette of its 256 most used colours: the spectrogram's noise makes a
    true-colour PNG of the window over 300 KB; nearest-colour mapping keeps the look."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    colours, counts = np.unique(pixels, return_counts=True)
    table = [int(c) for c in colours[np.argsort(counts)[::-1][:256]]]
    return image.convertToFormat(QImage.Format.Format_Indexed8, table)


def _with_panel(window, panel):
    """The window's image with ``panel`` (a separate top-level window) drawn over its top right."""
    from PySide6.QtGui import QColor, QPainter

    image = window.grab().toImage()
    painter = QPainter(image)
    left, top = image.width() - panel.width() - 24, 60
    painter.drawImage(left, top, panel.grab().toImage())
    painter.setPen(QColor("#888888"))
    painter.drawRect(left - 1, top - 1, panel.width() + 1, panel.height() + 1)  # a window's edge
    painter.end()
    return image


def main() -> int:
    flags = ("--trained", "--spectrogram-settings")
    args = [a for a in sys.argv[1:] if a not in flags]
    trained = "--trained" in sys.argv[1:]
    spectrogram = "--spectrogram-settings" in sys.argv[1:]
    default = ("screenshot-trained.png" if trained
               else "screenshot-spectrogram.png" if spectrogram else "screenshot.png")
    out = Path(args[0]) if args else ROOT / "docs" / default
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings, QTimer

        from gui.app import create_window, make_app

        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        window.resize(1600, 880) if trained else window.resize(1280, 780)
        window.show()
        failures: list[str] = []

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            panel = window.acts.spectrogram.panel
            image = (_with_panel(window, panel) if panel is not None and panel.isVisible()
                     else window.grab().toImage())
            if not _small_png(image).save(str(out)):
                failures.append(f"could not save {out}")
            window.close()

        def select() -> None:
            model = window.model
            # An unlabeled clip near the top: the list shows unlabeled and labelled rows.
            row = next((r for r in range(model.rowCount())
                        if model.record(r).path == "clip-ac.wav"), 0)
            after_shown = open_spectrogram_settings if spectrogram else grab
            window.clip_view.clip_shown.connect(lambda *_: QTimer.singleShot(400, after_shown))
            window.clip_list.select_row(row)
            window.clip_list.table.setFocus()

        def open_spectrogram_settings() -> None:
            window.clip_view.clip_shown.disconnect()
            window.acts.spectrogram_settings.trigger()
            panel = window.acts.spectrogram.panel
            panel.colour_combo.setCurrentIndex(panel.colour_combo.findData("grey_inverted"))
            panel.range_spin.setValue(60)
            # A new FFT size is computed in the background: grab once the clip is drawn again.
            window.clip_view.clip_shown.connect(lambda *_: QTimer.singleShot(400, grab))
            panel.fft_combo.setCurrentIndex(panel.fft_combo.findData(1024))

        def review() -> None:
            # The review loop: unlabeled clips, least sure first, with the model's guesses.
            from gui.clips.clip_table import FILTER_LABEL_NEXT

            window.splitter.setSizes([640, 520])
            window.clip_list.set_quick_filter(FILTER_LABEL_NEXT)
            window.clip_list.select_row(0)
            # The first row may already be the clip on show (no new clip_shown): wait instead.
            QTimer.singleShot(1500, grab)
            window.clip_list.table.setFocus()

        def train() -> None:
            dock = window.model_dock
            dock.controller.classify_finished.connect(lambda *_: QTimer.singleShot(300, review))
            dock.train()

        after_scan = train if trained else select
        window.scan_finished.connect(lambda: QTimer.singleShot(200, after_scan))
        timeout_ms = 300_000 if trained else 20_000
        QTimer.singleShot(timeout_ms, lambda: (failures.append("timed out"), window.close()))
        window.acts.open_demo.trigger()
        app.exec()
    for failure in failures:
        print(failure, file=sys.stderr)
    if not failures:
        print(f"saved {out} ({out.stat().st_size // 1024} KiB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
