"""Calibration benchmark on FSDD (4 speakers): leave-one-speaker-out with the default recipe, the
temperature fitted on the validation split at the end of training; per held-out speaker the
accuracy, the mean confidence, and the expected calibration error (15 bins) before (temperature
1.0) and after (the fitted one; for a model that answers with its gate, the fusion's, its
column T). Run with `uv run python bench/bench_calibration.py`
(`--epochs N` shortens training to fit a time budget; `--epochs 0` keeps the default;
`--model speech` measures the spoken-words model on Google's speech embedding; `--load DIR`
measures the models `bench_unknown.py --save DIR` kept, training only those it lacks).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, fsdd_clips  # noqa: E402
from core.ml.calibration import expected_calibration_error  # noqa: E402
from core.ml.checkpoint import load_checkpoint  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.networks import DEFAULT_MODEL  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402


def held_out_probabilities(checkpoint, paths) -> np.ndarray:
    """``(n, n_classes)`` probabilities the app would show for ``paths``."""
    return np.array([p.probabilities for p in Classifier(checkpoint).predict_files(paths)])


def uncalibrated(checkpoint):
    """``checkpoint`` at temperature 1.0: a model that answers with its partner (fusion.py), its
    partner and their pooled answer all at 1.0."""
    if checkpoint.fusion_temperature is None:
        return dataclasses.replace(checkpoint, temperature=1.0)
    return dataclasses.replace(checkpoint, temperature=1.0, fusion_temperature=1.0,
                               partner=dataclasses.replace(checkpoint.partner, temperature=1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=4, help="how many speakers to hold out in turn")
    parser.add_argument("--epochs", type=int, default=0, help="epochs to train (0: the default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the network (and its recipe)")
    parser.add_argument("--load", type=Path,
                        help="measure the models bench_unknown.py --save kept here")
    args = parser.parse_args()
    config = TrainConfig.for_model(args.model, seed=args.seed)
    if args.epochs:
        config = dataclasses.replace(config, epochs=args.epochs)
    clips = fsdd_clips()
    speakers = sorted({s for _, _, s in clips})[:args.folds]
    print(f"FSDD {len(clips)} clips, model {config.model}, {config.epochs} epochs, seed {args.seed}")
    print(f"{'held out':<10} {'acc':>6} {'conf':>6} {'ECE T=1':>8} {'ECE fit':>8} {'T':>6} "
          f"{'val ECE':>15} {'train s':>8}")
    rows = []
    for speaker in speakers:
        train_set = [(p, lbl) for p, lbl, s in clips if s != speaker]
        test = [(p, lbl) for p, lbl, s in clips if s == speaker]
        saved = Path(args.load or "") / f"{speaker}_s{config.seed}.pt"
        with Timer() as t:
            checkpoint = (load_checkpoint(saved) if args.load and saved.is_file()
                          else train(train_set, config).checkpoint)
        classes = list(checkpoint.classes)
        targets = np.array([classes.index(lbl) for _, lbl in test])
        paths = [p for p, _ in test]
        after = held_out_probabilities(checkpoint, paths)
        before = held_out_probabilities(uncalibrated(checkpoint), paths)
        fit = checkpoint.metrics.get("calibration") or {}
        row = (float((after.argmax(1) == targets).mean()), float(after.max(1).mean()),
               expected_calibration_error(before, targets), expected_calibration_error(after, targets))
        rows.append(row)
        print(f"{speaker:<10} {row[0]:6.3f} {row[1]:6.3f} {row[2]:8.3f} {row[3]:8.3f} "
              f"{checkpoint.fusion_temperature or checkpoint.temperature:6.3f} "
              f"{fit.get('ece_before', 0):7.3f}->{fit.get('ece_after', 0):.3f} "
              f"{t.seconds:8.1f}", flush=True)
    mean = np.mean(rows, axis=0)
    print(f"{'mean':<10} {mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:8.3f} {mean[3]:8.3f}")


if __name__ == "__main__":
    main()
