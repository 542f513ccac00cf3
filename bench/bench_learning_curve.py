"""Learning curve: how many labelled clips per class the default recipe needs. Trains on 5, 10,
20, 50 clips per class and on all of them, and tests on recordings it never saw:

- FSDD (4 speakers): three speakers train, the fourth tests, for ``--folds`` held-out speakers
  in turn (all 4 for the full figure);
- cats and dogs (../shared/data/catsdogs-train): a seeded, stratified 25% held out for testing,
  training subsets drawn from the rest (dogs run out before 50, so "50" trains on fewer).

Each subset is drawn per class with a seeded generator; ``--seeds N`` repeats every cell with
seeds 0..N-1 and quotes the mean. Prints a table (clips per class, accuracy per corpus, training
seconds) and with ``--png`` writes the curve, e.g.
`uv run python bench/bench_learning_curve.py --folds 4 --seeds 3 --png docs/learning-curve.png`.
`--epochs 2 --sizes 5,10` is a quick check that it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, catsdogs_clips, fsdd_clips  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.networks import DEFAULT_MODEL  # noqa: E402
from core.ml.png_canvas import write_png  # noqa: E402
from core.ml.report_png import line_plot_image  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

ALL = 0  # the size that means every clip available
TEST_SHARE = 0.25  # of each cats/dogs class, held out


@dataclasses.dataclass
class Cell:
    """One corpus at one requested size: the runs' accuracies, clips per class and seconds."""

    accuracy: list[float] = dataclasses.field(default_factory=list)
    per_class: list[float] = dataclasses.field(default_factory=list)  # mean clips per class
    train_s: list[float] = dataclasses.field(default_factory=list)


def subset(clips: list[tuple[Path, str]], per_class: int, seed: int) -> list[tuple[Path, str]]:
    """``per_class`` clips of each class (all of a class that has fewer; all with ``ALL``),
    drawn with ``seed``, in a stable order."""
    by_class = defaultdict(list)
    for clip in clips:
        by_class[clip[1]].append(clip)
    rng = random.Random(seed)
    chosen = []
    for label in sorted(by_class):
        members = sorted(by_class[label])
        chosen += members if per_class == ALL else rng.sample(members, min(per_class, len(members)))
    return sorted(chosen)


def held_out_split(clips: list[tuple[Path, str]], seed: int
                   ) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """(train, test): ``TEST_SHARE`` of each class to test, drawn with ``seed``."""
    by_class = defaultdict(list)
    for clip in clips:
        by_class[clip[1]].append(clip)
    rng = random.Random(seed)
    train_set, test = [], []
    for label in sorted(by_class):
        members = sorted(by_class[label])
        rng.shuffle(members)
        n_test = round(TEST_SHARE * len(members))
        test += members[:n_test]
        train_set += members[n_test:]
    return sorted(train_set), sorted(test)


def accuracy(checkpoint, test: list[tuple[Path, str]]) -> float:
    """The share of ``test`` the classifier (as the app runs it) labels right."""
    predictions = Classifier(checkpoint).predict_files([p for p, _ in test])
    return sum(p.label == label for p, (_, label) in zip(predictions, test, strict=True)) / len(test)


def run(cell: Cell, train_set, test, config: TrainConfig, per_class: int, seed: int) -> None:
    chosen = subset(train_set, per_class, seed)
    with Timer() as t:
        checkpoint = train(chosen, dataclasses.replace(config, seed=seed)).checkpoint
    cell.accuracy.append(accuracy(checkpoint, test))
    cell.per_class.append(len(chosen) / len({label for _, label in chosen}))
    cell.train_s.append(t.seconds)


def fsdd_folds(n_folds: int):
    """(name, train, test) per held-out speaker, the first ``n_folds`` by name."""
    clips = fsdd_clips()
    for speaker in sorted({s for _, _, s in clips})[:n_folds]:
        yield (speaker, [(p, lbl) for p, lbl, s in clips if s != speaker],
               [(p, lbl) for p, lbl, s in clips if s == speaker])


def catsdogs_folds(seed: int):
    train_set, test = held_out_split(catsdogs_clips(), seed)
    yield f"split {seed}", train_set, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5,10,20,50,all",
                        help="clips per class to train on, comma-separated; all: every clip")
    parser.add_argument("--folds", type=int, default=2,
                        help="FSDD speakers held out in turn (4: each of them)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per cell (0..N-1)")
    parser.add_argument("--epochs", type=int, default=0, help="epochs (0: the default recipe)")
    parser.add_argument("--corpora", default="fsdd,catsdogs")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="the network (and its recipe): speech, for spoken words")
    parser.add_argument("--png", type=Path, default=None, help="write the curve to this PNG")
    parser.add_argument("--results", type=Path, default=None,
                        help="keep every cell in this JSON file: a later run of other --corpora "
                             "adds to it, and the table and PNG show all corpora kept")
    args = parser.parse_args()
    sizes = [ALL if s.strip() == "all" else int(s) for s in args.sizes.split(",")]
    config = TrainConfig.for_model(args.model)
    if args.epochs:
        config = dataclasses.replace(config, epochs=args.epochs)
    corpora = {"fsdd": ("FSDD, a held-out speaker", lambda seed: fsdd_folds(args.folds)),
               "catsdogs": ("cats/dogs, held-out 25%", catsdogs_folds)}
    chosen = [c.strip() for c in args.corpora.split(",")]
    cells: dict[str, dict[int, Cell]] = {c: {n: Cell() for n in sizes} for c in chosen}
    print(f"{config.epochs} epochs, seeds 0..{args.seeds - 1}, FSDD folds {args.folds}",
          file=sys.stderr)
    for corpus in chosen:
        for seed in range(args.seeds):
            for fold, train_set, test in corpora[corpus][1](seed):
                for n in sizes:
                    cell = cells[corpus][n]
                    run(cell, train_set, test, config, n, seed)
                    print(f"  {corpus} {fold} seed {seed} {n or 'all'}/class: accuracy "
                          f"{cell.accuracy[-1]:.3f} on {len(test)} clips, "
                          f"{cell.train_s[-1]:.1f} s", file=sys.stderr, flush=True)

    labels = {c: corpus_label(corpora[c][0], args, c) for c in chosen}
    if args.results:
        cells, labels = merge_results(args.results, cells, labels)
        chosen = list(cells)
    header = f"{'clips/class':>11}" + "".join(
        f"  {corpus + ' acc':>13} {'(sd)':>6} {'n/class':>7} {'train s':>7}" for corpus in chosen)
    print(header)
    for n in sizes:
        line = f"{n or 'all':>11}"
        for corpus in chosen:
            cell = cells[corpus].get(n) or Cell([float("nan")], [0.0], [0.0])
            sd = statistics.stdev(cell.accuracy) if len(cell.accuracy) > 1 else 0.0
            line += (f"  {statistics.mean(cell.accuracy):13.3f} {sd:6.3f} "
                     f"{statistics.mean(cell.per_class):7.0f} {statistics.mean(cell.train_s):7.1f}")
        print(line)
    if args.png:
        series = {}
        for corpus in chosen:
            points = sorted((statistics.mean(c.per_class), statistics.mean(c.accuracy))
                            for c in cells[corpus].values())
            series[labels[corpus]] = (
                [x for x, _ in points], [y for _, y in points])
        image = line_plot_image(series, title="Accuracy by labelled clips per class",
                                x_label="Labelled clips per class (training)",
                                y_label="Accuracy on held-out recordings", log_x=True)
        args.png.parent.mkdir(parents=True, exist_ok=True)
        write_png(args.png, image)
        print(f"wrote {args.png}", file=sys.stderr)


def merge_results(path: Path, cells: dict[str, dict[int, Cell]], labels: dict[str, str]
                  ) -> tuple[dict[str, dict[int, Cell]], dict[str, str]]:
    """The cells and series labels kept in ``path`` (JSON) with this run's replacing those of its
    corpora; writes the merge back to ``path``."""
    kept = json.loads(path.read_text()) if path.exists() else {}
    merged = {corpus: {int(n): Cell(**cell) for n, cell in entry["cells"].items()}
              for corpus, entry in kept.items()}
    merged_labels = {corpus: entry["label"] for corpus, entry in kept.items()}
    merged.update(cells)
    merged_labels.update(labels)
    path.write_text(json.dumps({corpus: {"label": merged_labels[corpus], "cells": {
        str(n): dataclasses.asdict(cell) for n, cell in merged[corpus].items()}}
        for corpus in merged}, indent=1))
    return merged, merged_labels


def corpus_label(name: str, args, corpus: str) -> str:
    runs = args.folds * args.seeds if corpus == "fsdd" else args.seeds
    model = "" if args.model == DEFAULT_MODEL else f", the {args.model} model"
    return f"{name}{model} ({runs} run{'s' if runs != 1 else ''} a point)"


if __name__ == "__main__":
    main()
