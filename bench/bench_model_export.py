"""Benchmark Model > Export Model… on real audio: the longest event-loop stall of the window (gap
between ticks of a 10 ms QTimer) and the seconds until the export is reported, for the first and
the second ONNX export of a window's session.

    uv run python bench/bench_model_export.py [--runs 3]

Each run starts two fresh processes (the first export is the one that imports the exporter), each
with a window that trains a one-epoch model on 40 FSDD clips and exports it twice: "apart", as the
app does (export_model_apart: the export in a spawned process), and "here", the export in the
window's own process (export_model in the task's thread, as before). Prints medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fsdd_clips, median  # noqa: E402

MODES = ("apart", "here")


def child(mode: str) -> None:
    """One window, one model, two exports; prints a JSON line of figures."""
    from bench.bench_gui_tasks import StallProbe, copy_clips, prepare, train_model_file

    tmp = prepare(None, f"earmark-bench-export-{mode}-")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    from gui.actions import model_menu
    from gui.app import create_window, make_app

    if mode == "here":
        from core.ml.export import export_model

        model_menu.export_model_apart = lambda source, out, fmt, _stop: export_model(source, out, fmt)
    app = make_app()
    window = create_window(settings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    window.show()
    messages: list[str] = []
    show = window.show_message
    window.show_message = lambda text, kind="info": (messages.append(text), show(text, kind))
    folder = tmp / "project"
    copy_clips(fsdd_clips()[::50], folder)
    train_model_file(window, folder, tmp / "model.pt")
    probe = StallProbe()
    out: dict[str, float | bool] = {}
    for name in ("first", "second"):
        target = tmp / f"{name}.onnx"
        QFileDialog.getSaveFileName = staticmethod(lambda *a, t=target, **k: (str(t), "ONNX (*.onnx)"))
        messages.clear()
        out[f"{name}_ms"], out[f"{name}_s"] = probe.measure(
            window.acts.export_model.trigger, lambda: any("xport" in m for m in messages))
        if not target.exists():
            raise SystemExit(f"{mode}: no export written: {messages}")
    out["onnx_imported_here"] = "onnx" in sys.modules
    window.close()
    app.processEvents()
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for k in range(args.runs):
        for mode in MODES:
            done = subprocess.run([sys.executable, __file__, "--child", mode], check=True,
                                  capture_output=True, text=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            runs[mode].append(figures)
            print(f"run {k + 1} {mode:5s}: " + ", ".join(
                f"{key} {value:.0f}" if key.endswith("ms") else f"{key} {value}"
                if isinstance(value, bool) else f"{key} {value:.2f}"
                for key, value in figures.items()), flush=True)
    print(f"\nmedians over {args.runs} runs (ONNX export of a compact model, 1 s clips at 8 kHz):")
    for mode in MODES:
        for name in ("first", "second"):
            print(f"  {mode:5s} {name:6s} export: longest stall "
                  f"{median(r[name + '_ms'] for r in runs[mode]):5.0f} ms, done in "
                  f"{median(r[name + '_s'] for r in runs[mode]):5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
