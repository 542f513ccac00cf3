"""Grab docs/screenshot-regions.png: the window on a generated 10-minute recording with regions
marked (spans and a box with a band), zoomed to a minute of it, a region selected in the region
list under the clip view.

``xvfb-run -a -s "-screen 0 1600x1000x24" uv run python tools/screenshot_regions.py [OUT.png]``
Everything it writes lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATE_HZ = 16000


def make_recording(folder: Path) -> Path:
    """Ten minutes of faint noise with a whistle (chirp) every 20 s and a knock every 30 s."""
    import numpy as np

    from tests import audio_factory as af

    duration_s = 600
    rng = np.random.default_rng(3)
    samples = (0.01 * rng.standard_normal(duration_s * RATE_HZ)).astype(np.float32)
    chirp = af.chirp(1500.0, 3500.0, 0.8, RATE_HZ, amplitude=0.4)
    knock = af.chirp(200.0, 120.0, 0.25, RATE_HZ, amplitude=0.8)
    for start_s in range(5, duration_s - 2, 20):
        samples[start_s * RATE_HZ:start_s * RATE_HZ + len(chirp)] += chirp
    for start_s in range(12, duration_s - 2, 30):
        samples[start_s * RATE_HZ:start_s * RATE_HZ + len(knock)] += knock
    af.write(folder / "whistle" / "w1.wav", chirp, RATE_HZ)
    af.write(folder / "knock" / "k1.wav", knock, RATE_HZ)
    return af.write(folder / "night_garden.wav", samples, RATE_HZ)


def mark_regions(folder: Path) -> None:
    from core.store.project import Project

    with Project.open(folder) as project:
        project.scan()
        clip = next(c for c in project.clips() if c.path == "night_garden.wav")
        for start_s in range(5, 80, 20):
            project.add_region(clip.id, start_s - 0.05, start_s + 0.9, label="whistle",
                               low_hz=1300.0, high_hz=3700.0)
        for start_s in range(12, 80, 30):
            project.add_region(clip.id, start_s - 0.05, start_s + 0.35, label="knock")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot-regions.png"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EARMARK_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings, QTimer

        from gui.app import create_window, make_app

        folder = Path(tmp) / "garden"
        make_recording(folder)
        mark_regions(folder)
        app = make_app()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(settings=settings)
        window.show()
        done: list[str] = []

        def grab() -> None:
            window.screen().grabWindow(0).save(str(out))
            done.append("saved")
            window.close()

        def zoom() -> None:
            window.region_list.table.selectRow(2)  # selects it, and zooms to it
            QTimer.singleShot(300, lambda: window.clip_view.set_view_range(20.0, 50.0))
            QTimer.singleShot(2000, grab)

        def show() -> None:
            model = window.model
            row = next(r for r in range(model.rowCount()) if model.record(r).path == "night_garden.wav")
            window.clip_list.select_row(row)
            QTimer.singleShot(1500, zoom)

        window.scan_finished.connect(lambda: QTimer.singleShot(200, show))
        QTimer.singleShot(60_000, window.close)
        window.open_folder(folder)
        app.exec()
    if done:
        print(f"saved {out}")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
