"""The honest "unknown" of a cats-and-dogs model: k-fold models of the shared cats/dogs train
split (../shared/data/catsdogs-train), trained with the default recipe, and per fold
- the accuracy on the held-out recordings with and without the rule (an answer of unknown or
  silence counts as wrong), so the accuracy the rule costs;
- the share answered unknown or silence of FSDD spoken digits (../shared/data/fsdd-4speakers,
  --digits of them drawn at random) and of generated white and pink noise, tones, digital
  silence and quiet hiss (bench_unknown.generated, --per-kind of each): none is a cat or a dog;
- the same for candidate rules, each fitted on the fold's model as training fits the product's
  (the training clips measured as they are and once drawn again, the threshold the 1 -
  novelty.FLAG_SHARE quantile of validation clips), with a file judged by the windows the
  product judges it by, and each one's AUROC of held-out recordings against digits and against
  noise and tones. A candidate is a statistic (the feature map's channels' mean and spread, the
  product's; the input of the last linear layer), a rule (the Mahalanobis distance to the
  nearest class, the product's; the distance to the k-th nearest training clip, the statistic
  scaled to length 1), and how the clips are drawn again (training's augmentation, the
  product's; or without its noise floor and equaliser) and the validation clips the threshold
  is taken on (so drawn, or as they are).
Run with `uv run python bench/bench_unknown_catsdogs.py` (`--folds 5`, `--seed 0`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_unknown import KINDS, auroc, generated, judged_windows  # noqa: E402
from bench.common import Timer, catsdogs_clips, fsdd_clips  # noqa: E402
from core.ml import novelty, train_loop  # noqa: E402
from core.ml.features import augment, prediction_views  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

STATS = ("map", "head")
#: How the training clips are drawn again and validation clips drawn for the threshold.
DRAWS = {"augmented": {}, "geometry": {"random_floor_db": 0.0, "eq_gain": 0.0}}
K = 5  # neighbours


class KnnRule:
    """The cosine distance of a clip's statistic to its K-th nearest training row; over the
    threshold (``score`` over 1): unknown."""

    def __init__(self, train: np.ndarray, calibration: np.ndarray) -> None:
        self.train = _unit(train)
        self.threshold = 1.0
        self.threshold = float(np.quantile(self.score(calibration), 1 - novelty.FLAG_SHARE))

    def score(self, x: np.ndarray) -> np.ndarray:
        d = 1 - _unit(x) @ self.train.T
        return np.sort(d, axis=1)[:, min(K, d.shape[1]) - 1] / self.threshold


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@contextlib.contextmanager
def hooked(model: torch.nn.Module, config) -> list[dict]:
    """A list that receives each forward pass's statistics: {"map": the product's, "head": the
    input of the last linear layer}."""
    seen: list[dict] = []
    current: dict = {}
    module = novelty.feature_map_module(model, config)

    def on_map(_m, _a, out):
        current["map"] = novelty._map_statistics(out.detach().float())

    def on_head(_m, args):
        seen.append({"map": current.pop("map"), "head": args[0].detach().float()})

    hooks = [module.register_forward_hook(on_map),
             model.get_submodule(model.head_name).register_forward_pre_hook(on_head)]
    try:
        yield seen
    finally:
        for hook in hooks:
            hook.remove()


def joined(seen: list[dict]) -> torch.Tensor:
    """The passes' statistics averaged, the STATS side by side ``(batch, sum of widths)``."""
    return torch.cat([torch.stack([s[name] for s in seen]).mean(0) for name in STATS], dim=1)


class Capture:
    """Stands in for train_loop.fit_to_model: fits the product's rule, and keeps the
    statistics of the same clips measured as fit_to_model measures them, for each DRAWS."""

    def __init__(self) -> None:
        self.original = train_loop.fit_to_model
        self.measured: dict[str, dict[str, np.ndarray]] = {}
        self.targets = np.zeros(0, dtype=np.int64)
        self.widths: list[int] = []

    def __call__(self, score, model, forward, config, targets, train_idx, val_idx, generator):
        rule = self.original(score, model, forward, config, targets, train_idx, val_idx,
                             generator)

        def measure(idx: np.ndarray, drawn) -> np.ndarray:
            def statistics(x: torch.Tensor) -> torch.Tensor:
                with hooked(model, config) as seen:
                    for batch in ([augment(x, drawn, generator)] if drawn is not None
                                  else prediction_views(x, config)):
                        forward(batch)
                self.widths = [seen[0][name].shape[1] for name in STATS]
                return joined(seen)
            return score(idx, statistics).cpu().numpy()

        passes = max(1, min(novelty.MAX_VAL_PASSES, math.ceil(novelty.MIN_DRAWS / len(val_idx))))
        clean, val_clean = measure(train_idx, None), measure(val_idx, None)
        for drawn, changes in DRAWS.items():
            drawn_config = dataclasses.replace(config, **changes)
            again = measure(train_idx, drawn_config)
            val_drawn = np.concatenate([measure(val_idx, drawn_config) for _ in range(passes)])
            self.measured[drawn] = {"train clean": clean, "train drawn": again,
                                    "val drawn": val_drawn, "val clean": val_clean}
        own = np.asarray(targets)[train_idx]
        self.targets = own
        return rule

    def split(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(STATS, np.split(rows, np.cumsum(self.widths)[:-1], axis=1), strict=True))


@torch.inference_mode()
def judged_statistics(classifier: Classifier, paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """The STATS side by side of each file's judged windows (averaged over the product's
    prediction views, then over the windows: the product averages the windows' scores instead,
    a file of one window alike), and whether each file is silence."""
    rows, silent = [], []
    for path in paths:
        windows, is_silent = judged_windows(classifier, path)
        silent.append(is_silent)
        with hooked(classifier.model, classifier.features) as seen:
            x = classifier.extractor(torch.from_numpy(windows))
            for batch in prediction_views(x, classifier.features):
                classifier._forward(batch)
        rows.append(joined(seen).mean(0).numpy())
    return np.stack(rows), np.array(silent)


def folds(clips: list, k: int, seed: int) -> list[list]:
    """``k`` folds, each class dealt round in a shuffled order."""
    rng = random.Random(seed)
    dealt: list[list] = [[] for _ in range(k)]
    for label in sorted({lbl for _, lbl in clips}):
        mine = [c for c in clips if c[1] == label]
        rng.shuffle(mine)
        for i, clip in enumerate(mine):
            dealt[i % k].append(clip)
    return dealt


def candidates(capture: Capture) -> dict[str, tuple[str, object]]:
    """name -> (statistic, rule with ``score``) of every candidate on the captured fold."""
    out = {}
    for drawn, m in capture.measured.items():
        parts = {key: capture.split(rows) for key, rows in m.items()}
        for stat in STATS:
            train = np.concatenate([parts["train clean"][stat], parts["train drawn"][stat]])
            targets = np.concatenate([capture.targets, capture.targets])
            for threshold_on in ("val drawn", "val clean"):
                calibration = parts[threshold_on][stat]
                label = f"{stat}, {drawn}, threshold on {threshold_on}"
                exponent = novelty.STAT_EXPONENT if stat == "map" else 1.0
                out[f"{label}, mahalanobis"] = (stat, novelty.fit_novelty(
                    train, targets, calibration, exponent))
                out[f"{label}, knn"] = (stat, KnnRule(train, calibration))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--run-folds", type=int, default=0, help="run only the first N folds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--digits", type=int, default=200, help="FSDD recordings drawn")
    parser.add_argument("--per-kind", type=int, default=20, help="generated files of each kind")
    args = parser.parse_args()
    clips = catsdogs_clips()
    digits = random.Random(args.seed).sample([p for p, _, _ in fsdd_clips()], args.digits)
    config = dataclasses.replace(TrainConfig(), seed=args.seed)
    dealt = folds(clips, args.folds, args.seed)
    capture = Capture()
    train_loop.fit_to_model = capture
    groups = ("digits", *KINDS)
    print(f"cats and dogs, {len(clips)} recordings, {args.folds} folds, seed {args.seed}; "
          f"{args.digits} FSDD digits; share answered unknown or silence")
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = generated(Path(tmp), args.per_kind, args.seed)
        outside = {"digits": digits, **files}
        for k, test in enumerate(dealt[:args.run_folds or None]):
            train_set = sorted(c for i, fold in enumerate(dealt) if i != k for c in fold)
            with Timer() as t:
                checkpoint = train(train_set, config).checkpoint
            classifier = Classifier(checkpoint)
            truth = [lbl for _, lbl in test]
            held = list(classifier.predict_files([p for p, _ in test]))
            right = np.array([p.label == lbl for p, lbl in zip(held, truth, strict=True)])
            product = {"acc": float(right.mean()),
                       "drop": float(np.mean([p.answer != lbl and p.label == lbl
                                              for p, lbl in zip(held, truth, strict=True)]))}
            for name, paths in outside.items():
                product[name] = float(np.mean([p.verdict is not None
                                               for p in classifier.predict_files(paths)]))
            results.setdefault("product", []).append(product)
            inside = capture.split(judged_statistics(classifier, [p for p, _ in test])[0])
            measured = {name: judged_statistics(classifier, paths) for name, paths in outside.items()}
            measured = {name: (capture.split(rows), silent) for name, (rows, silent) in measured.items()}
            for name, (stat, rule) in candidates(capture).items():
                held_scores = rule.score(inside[stat])
                row = {"acc": float(right.mean()), "drop": float(((held_scores > 1) & right).mean())}
                loud = []
                for group, (stats, silent) in measured.items():
                    scores = rule.score(stats[stat])
                    row[group] = float((silent | (scores > 1)).mean())
                    if group == "digits":
                        row["auroc digits"] = auroc(held_scores, scores)
                    elif group in ("white noise", "pink noise", "tone"):
                        loud.append(scores[~silent])
                row["auroc noise"] = auroc(held_scores, np.concatenate(loud))
                results.setdefault(name, []).append(row)
            print(f"fold {k}: trained in {t.seconds:.0f} s on {len(train_set)}; product: "
                  + ", ".join(f"{key} {value:.3f}" for key, value in product.items()), flush=True)
    keys = ["acc", "drop", "auroc digits", "auroc noise", *groups]
    print(f"\n{'rule (mean over folds)':<58} " + " ".join(f"{key[:12]:>12}" for key in keys))
    for name, rows in results.items():
        print(f"{name:<58} " + " ".join(
            f"{np.mean([r[key] for r in rows]):12.3f}" if key in rows[0] else f"{'':>12}"
            for key in keys))


if __name__ == "__main__":
    main()
