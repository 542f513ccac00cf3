"""Fine-tune after labelling more clips against a fresh Train (the choice of fine_tune_epochs): a
model is trained on a training set less 10 clips (the parent), then on the whole set either afresh
(Train) or from the parent for each of `--epochs` (Fine-tune), and each is tested on held-out
recordings: cats and dogs by 5-fold split (folds named by number) and FSDD with a speaker held out
(folds named by speaker). Prints accuracy and training time of each, per fold, then their means.

`uv run python bench/bench_fine_tune.py 0 1 2 3 4 jackson nicolas` (about 25 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_catsdogs_cv import folds  # noqa: E402
from bench.bench_learning_curve import accuracy  # noqa: E402
from bench.common import Timer, catsdogs_clips, fsdd_clips  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

N_ADDED = 10


def fold(name: str) -> tuple[list, list]:
    """(train set, test set) of the fold ``name``: a cats-and-dogs fold number or an FSDD
    speaker held out."""
    if name.isdigit():
        dealt = folds(catsdogs_clips(), 5, 0)
        return sorted(c for i, f in enumerate(dealt) if i != int(name) for c in f), dealt[int(name)]
    clips = fsdd_clips()
    return ([(p, lbl) for p, lbl, spk in clips if spk != name],
            [(p, lbl) for p, lbl, spk in clips if spk == name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folds", nargs="+", help="cats-and-dogs fold numbers (0-4), FSDD speakers")
    parser.add_argument("--epochs", default="8,12", help="Fine-tune epochs to compare")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="Fine-tune's peak learning rate (default: Train's)")
    args = parser.parse_args()
    config = TrainConfig()
    kinds = ["parent", "train"] + [f"fine-tune {e}" for e in args.epochs.split(",")]
    scores: dict[str, list[float]] = {k: [] for k in kinds}
    for name in args.folds:
        train_set, test = fold(name)
        draw = random.Random(int(name) if name.isdigit() else 0)
        added = set(draw.sample(range(len(train_set)), N_ADDED))
        parent_set = [c for i, c in enumerate(train_set) if i not in added]
        line = []
        with Timer() as t:
            parent = train(parent_set, config).checkpoint
        runs = {"parent": (parent, t.seconds)}
        with Timer() as t:
            fresh = train(train_set, config).checkpoint
        runs["train"] = (fresh, t.seconds)
        for kind in kinds[2:]:
            tuned = dataclasses.replace(config, fine_tune_epochs=int(kind.split()[-1]),
                                        **({"learning_rate": args.learning_rate}
                                           if args.learning_rate else {}))
            with Timer() as t:
                model = train(train_set, tuned.for_fine_tuning(), init_from=parent).checkpoint
            runs[kind] = (model, t.seconds)
        for kind in kinds:
            model, seconds = runs[kind]
            scores[kind].append(accuracy(model, test))
            line.append(f"{kind} {scores[kind][-1]:.3f} ({seconds:.0f} s)")
        print(f"{name:>9} on {len(test)} clips: " + ", ".join(line), flush=True)
    print("mean accuracy: " + ", ".join(f"{k} {statistics.mean(v):.3f}" for k, v in scores.items()))


if __name__ == "__main__":
    main()
