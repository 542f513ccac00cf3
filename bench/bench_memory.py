"""Peak resident memory (ru_maxrss of a fresh subprocess per measurement): training on the 2,000
FSDD clips with default settings, and a 20,000-clip project opened in the MainWindow (offscreen).
Run with `uv run python bench/bench_memory.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, median  # noqa: E402

BASELINE = """
import torch, numpy, soundfile, PySide6.QtWidgets, pyqtgraph  # what the others import
"""

TRAIN = """
from bench.common import fsdd_clips
from core.ml.training import train
clips = [(p, lbl) for p, lbl, _ in fsdd_clips()]
result = train(clips)
extra = {"epochs": len(result.history), "clips": result.n_train + result.n_val}
"""

GUI = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.main_window import MainWindow
from gui.clips.playback import PlaybackController
settings = QSettings(os.path.join(FOLDER, "..", "settings.ini"), QSettings.Format.IniFormat)
window = MainWindow(settings=settings, playback=PlaybackController(force_unavailable="bench"))
window.resize(1100, 700)
window.show()
loop = QEventLoop()
window.scan_finished.connect(loop.quit)
QTimer.singleShot(600_000, loop.quit)
window.open_folder(FOLDER)
loop.exec()
extra = {"rows": window.model.rowCount()}
window.close()
"""


def measure(body: str, folder: str = "") -> dict:
    """Run ``body`` in a fresh interpreter; its peak RSS (MiB) and the ``extra`` dict it sets."""
    code = (f"import sys, json, resource\nsys.path.insert(0, {str(ROOT)!r})\n"
            f"FOLDER = {folder!r}\nextra = {{}}\n" + textwrap.dedent(body) +
            "\nprint(json.dumps(dict(extra, "
            "peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))\n")
    env = dict(os.environ, EARMARK_DATA_DIR=tempfile.mkdtemp(prefix="earmark-bench-data-"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=3600)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_tiny_wavs(folder: Path, count: int) -> None:
    """``count`` 0.1 s 8 kHz WAVs in 20 class folders, written with the header by hand (fast)."""
    import numpy as np
    import soundfile as sf

    samples = (0.1 * np.sin(np.arange(800) / 5)).astype(np.float32)
    for i in range(count):
        path = folder / f"class{i % 20:02d}" / f"clip{i:05d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, samples, 8000, subtype="PCM_16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clips", type=int, default=20_000)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    baseline = median([measure(BASELINE)["peak_mib"] for _ in range(args.runs)])
    print(f"baseline (imports only): {baseline:.0f} MiB")
    if not args.skip_train:
        runs = [measure(TRAIN) for _ in range(args.runs)]
        print(f"train, FSDD 2,000 clips, defaults: {median([r['peak_mib'] for r in runs]):.0f} MiB "
              f"peak (median of {args.runs}; {runs[0]['epochs']} epochs)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "project"
        make_tiny_wavs(folder, args.clips)
        runs = []
        for _ in range(args.runs):
            # A fresh store each time, so every run scans all files.
            store = folder / ".earmark"
            if store.exists():
                for f in store.iterdir():
                    f.unlink()
                store.rmdir()
            runs.append(measure(GUI, str(folder)))
        print(f"GUI, {args.clips:,}-clip project scanned: {median([r['peak_mib'] for r in runs]):.0f} "
              f"MiB peak (median of {args.runs}; {runs[0]['rows']} rows)")


if __name__ == "__main__":
    main()
