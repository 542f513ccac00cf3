"""``export``: a model file as ONNX or TorchScript that takes waveforms and returns class
probabilities, for use without Earmark (see ``core.ml.export``).

``register(subparsers)`` adds the ``export`` parser. A model that cannot be read or a file that
cannot be written is one error line naming it, and the exit status 2.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from core.cli import given_path
from core.errors import EarmarkError

# core.ml.export.FORMATS, written out: building the parser must not import torch.
FORMATS = ("onnx", "torchscript")


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``export`` to an argparse ``subparsers`` object."""
    x = subparsers.add_parser(
        "export", help="write a model as ONNX or TorchScript (waveform in, probabilities out)",
        description="Write MODEL as a file that runs without Earmark: input `waveform`, float32 "
                    "(batch, n_samples) mono at the model's sample rate (the mix of a "
                    "recording's channels, or the one channel the model was trained on); output "
                    "`probabilities` (batch, n_classes), as the app computes them without "
                    "prediction views (DC removal, padding, features and calibration included). "
                    "The file says its classes, sample_rate_hz, n_samples and channel in its "
                    "metadata.")
    x.add_argument("model", type=given_path, metavar="MODEL")
    x.add_argument("--format", choices=FORMATS, default=None,
                   help="onnx or torchscript (default: from the --out suffix, .pt for "
                        "torchscript; else onnx)")
    x.add_argument("--out", type=given_path, default=None, metavar="PATH",
                   help="the file to write (default: MODEL's name with .onnx, or .torchscript.pt)")
    x.set_defaults(func=cmd_export)
    return x


def cmd_export(args) -> int:
    from core.ml.checkpoint import load_checkpoint
    from core.ml.export import export_metadata, export_model, format_for_path

    fmt = args.format or (format_for_path(args.out) if args.out is not None else "onnx")
    out = args.out if args.out is not None else _default_out(args.model, fmt)
    if out.exists() and args.model.exists() and out.resolve() == args.model.resolve():
        raise EarmarkError(f"{out}: is the model file itself; give another --out")
    checkpoint = load_checkpoint(args.model)
    started = time.monotonic()
    path = export_model(checkpoint, out, fmt)
    metadata = export_metadata(checkpoint)
    classes = json.loads(metadata["classes"])
    print(f"{path}: {fmt}, {len(classes)} classes ({', '.join(classes)}), "
          f"{metadata['sample_rate_hz']} Hz, {metadata['n_samples']} samples a clip, "
          f"{path.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s")
    return 0


def _default_out(model: Path, fmt: str) -> Path:
    return model.with_name(model.stem + (".onnx" if fmt == "onnx" else ".torchscript.pt"))
