"""Cats and dogs by k-fold cross-validation (issue 17's measure: >= 0.95 by 5-fold CV on the shared
train split): each class's recordings dealt into k folds (shuffled with the seed); each fold is
tested on a model trained, with the default recipe (or `--epochs`), on the other k-1. The
classifier runs as the app runs it; a clip counts as right when its highest-scoring class is its
label (an "unknown" answer still names one). Prints each fold's accuracy and training time, and the
mean over folds and seeds.

`uv run python bench/bench_catsdogs_cv.py --seeds 2 [--first-seed 0]` (about 5 minutes a seed on two
cores).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_learning_curve import accuracy  # noqa: E402
from bench.common import Timer, catsdogs_clips, median  # noqa: E402
from core.ml.networks import DEFAULT_MODEL  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402


def folds(clips: list[tuple[Path, str]], k: int, seed: int) -> list[list[tuple[Path, str]]]:
    """``clips`` dealt into ``k`` folds, each class's recordings shuffled with ``seed`` first."""
    by_class = defaultdict(list)
    for clip in clips:
        by_class[clip[1]].append(clip)
    rng = random.Random(seed)
    dealt: list[list[tuple[Path, str]]] = [[] for _ in range(k)]
    for label in sorted(by_class):
        members = sorted(by_class[label])
        rng.shuffle(members)
        for i, clip in enumerate(members):
            dealt[i % k].append(clip)
    return dealt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=1,
                        help="seeds S..S+N-1 (split and training), S the first seed")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="S: more seeds can be added to an earlier run's")
    parser.add_argument("--epochs", type=int, default=0, help="epochs (0: the default recipe)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the network (and its recipe)")
    args = parser.parse_args()
    clips = catsdogs_clips()
    means, seconds = [], []
    print(f"cats and dogs train split, {len(clips)} recordings, {args.folds}-fold CV")
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        config = TrainConfig.for_model(args.model, seed=seed,
                                       **({"epochs": args.epochs} if args.epochs else {}))
        dealt = folds(clips, args.folds, seed)
        scores = []
        for k, test in enumerate(dealt):
            train_set = sorted(c for i, fold in enumerate(dealt) if i != k for c in fold)
            with Timer() as t:
                checkpoint = train(train_set, config).checkpoint
            scores.append(accuracy(checkpoint, test))
            seconds.append(t.seconds)
            print(f"  seed {seed} fold {k}: accuracy {scores[-1]:.3f} on {len(test)} clips, "
                  f"trained in {t.seconds:.1f} s", flush=True)
        means.append(statistics.mean(scores))
        print(f"  seed {seed}: mean {means[-1]:.3f}")
    print(f"mean accuracy {statistics.mean(means):.3f} over {args.seeds} seed(s) "
          f"({', '.join(f'{m:.3f}' for m in means)}); training median {median(seconds):.1f} s")


if __name__ == "__main__":
    main()
