"""Short clips beside a class of long recordings: the hobbyist's spoken words (FSDD digits,
0.3-0.8 s) plus an ``other`` class of 1-18 s recordings (the shared cats and dogs), all at the
default recipe with the clip length on "auto".

Before the long class was heard through windows, its recordings set the clip length (10 s) and
every digit became a few frames in a padded 10 s image. This trains on ``--per-class`` digits
per class from three FSDD speakers plus ``--other`` cats/dogs recordings, and tests the
classifier (as the app runs it) on the fourth speaker's digits and on a held-out 25% of the cats
and dogs, which should be answered ``other``. Prints the clip length chosen, both accuracies and
the training seconds per fold and seed, e.g.
`uv run python bench/bench_mixed_lengths.py --folds 4 --seeds 2`.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_learning_curve import held_out_split, subset  # noqa: E402
from bench.common import Timer, catsdogs_clips, fsdd_clips  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

OTHER = "other"


def accuracy(classifier: Classifier, test: list[tuple[Path, str]]) -> float:
    predictions = classifier.predict_files([p for p, _ in test])
    return sum(p.label == label for p, (_, label) in zip(predictions, test, strict=True)) / len(test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=20, help="digits per class to train on")
    parser.add_argument("--other", type=int, default=20, help="cats/dogs recordings to train on")
    parser.add_argument("--folds", type=int, default=2, help="FSDD speakers held out in turn")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1")
    parser.add_argument("--epochs", type=int, default=0, help="epochs (0: the default recipe)")
    args = parser.parse_args()
    config = TrainConfig()
    if args.epochs:
        config = dataclasses.replace(config, epochs=args.epochs)
    digits = fsdd_clips()
    speakers = sorted({s for _, _, s in digits})[:args.folds]
    results = {"digits": [], OTHER: [], "train_s": []}
    for seed in range(args.seeds):
        others_train, others_test = held_out_split(catsdogs_clips(), seed)
        others_train = [(p, OTHER) for p, _ in others_train]
        others_test = [(p, OTHER) for p, _ in others_test]
        for speaker in speakers:
            train_digits = [(p, lbl) for p, lbl, s in digits if s != speaker]
            test_digits = [(p, lbl) for p, lbl, s in digits if s == speaker]
            chosen = (subset(train_digits, args.per_class, seed)
                      + random.Random(seed).sample(others_train, args.other))
            with Timer() as t:
                checkpoint = train(chosen, dataclasses.replace(config, seed=seed)).checkpoint
            classifier = Classifier(checkpoint)
            on_digits, on_other = accuracy(classifier, test_digits), accuracy(classifier, others_test)
            results["digits"].append(on_digits)
            results[OTHER].append(on_other)
            results["train_s"].append(t.seconds)
            print(f"seed {seed} held out {speaker}: clip {checkpoint.feature_config.clip_seconds:g} s,"
                  f" digits {on_digits:.3f} ({len(test_digits)}), other {on_other:.3f} "
                  f"({len(others_test)}), trained in {t.seconds:.1f} s", flush=True)
    print(f"mean over {len(results['digits'])} runs: digits {statistics.mean(results['digits']):.3f},"
          f" other {statistics.mean(results[OTHER]):.3f}; training median "
          f"{statistics.median(results['train_s']):.1f} s")


if __name__ == "__main__":
    main()
