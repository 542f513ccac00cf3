"""Training benchmark on real recordings (FSDD, 4 speakers): leave-one-speaker-out accuracy and wall
time of the default recipe, seed-cnn at the seed's settings with and without the feature cache, and
a 300-clip retrain at 5 s clips. Prints figures; run with `uv run python bench/bench_training.py`
(`--seeds N` trains N seeds per held-out speaker and quotes their mean; `--model speech` times the
speech model, its gate's run included, in place of the default network).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, fsdd_clips, median  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402


def held_out_accuracy(checkpoint, test) -> float:
    classifier = Classifier(checkpoint)
    preds = list(classifier.predict_files([p for p, _, _ in test]))
    return sum(pred.label == label for pred, (_, label, _) in zip(preds, test, strict=True)) / len(test)


def loso(clips, config: TrainConfig, folds: list[str], seeds: int = 1) -> list[dict]:
    """One row per (held-out speaker, seed). On FSDD one fold's accuracy moved by up to 0.08
    between seeds, so the mean over several seeds is the figure to quote."""
    rows = []
    for speaker in folds:
        train_set = [(p, lbl) for p, lbl, s in clips if s != speaker]
        test = [c for c in clips if c[2] == speaker]
        for seed in range(seeds):
            with Timer() as t:
                result = train(train_set, dataclasses.replace(config, seed=seed))
            acc = held_out_accuracy(result.checkpoint, test)
            rows.append({"speaker": speaker, "seed": seed, "accuracy": acc, "train_s": t.seconds,
                         "epochs": len(result.history), "best_epoch": result.best_epoch,
                         "clip_s": result.checkpoint.feature_config.clip_seconds})
            print(f"  held-out {speaker:<10} seed {seed}  acc {acc:.3f}  train {t.seconds:6.1f} s  "
                  f"{len(result.history)} epochs (best {result.best_epoch})  "
                  f"clip {rows[-1]['clip_s']} s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=4, help="how many speakers to hold out in turn")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per held-out speaker")
    parser.add_argument("--skip-loso", action="store_true")
    parser.add_argument("--skip-all", action="store_true", help="skip training on all 2,000 clips")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--seed-epochs", type=int, default=2,
                        help="epochs of the seed recipe actually run; its 150 are extrapolated")
    parser.add_argument("--model", default=None, help="the network to time (default: the default)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats for the 300-clip retrain (0: skip it)")
    args = parser.parse_args()
    clips = fsdd_clips()
    base = TrainConfig.for_model(args.model) if args.model else TrainConfig()
    speakers = sorted({s for _, _, s in clips})
    print(f"FSDD: {len(clips)} clips, speakers {', '.join(speakers)}; "
          f"{torch.get_num_threads()} torch threads", flush=True)

    if not args.skip_loso:
        print("Default recipe (compact-bands, peak-dB log-mel, auto clip length), leave one speaker out:")
        rows = loso(clips, base, speakers[: args.folds], args.seeds)
        per_speaker = {s: statistics.mean(r["accuracy"] for r in rows if r["speaker"] == s)
                       for s in speakers[: args.folds]}
        print("  mean per held-out speaker: "
              + ", ".join(f"{s} {a:.3f}" for s, a in per_speaker.items()), flush=True)
        print(f"{base.model.upper()} mean held-out accuracy {statistics.mean(per_speaker.values()):.3f} "
              f"({args.seeds} seed(s) per speaker); "
              f"median train time {median([r['train_s'] for r in rows]):.1f} s "
              f"(max {max(r['train_s'] for r in rows):.1f} s)", flush=True)
    if not args.skip_all:
        all_clips = [(p, lbl) for p, lbl, _ in clips]
        with Timer() as t:
            result = train(all_clips, base)
        print(f"{base.model.upper()} on all {len(all_clips)} clips: {t.seconds:.1f} s, "
              f"{len(result.history)} epochs, validation accuracy {result.report.accuracy:.3f}",
              flush=True)

    # 300 clips of three speakers at the seed's 5 s, tested on the fourth speaker.
    held_out = speakers[0]
    rng = random.Random(0)
    subset = rng.sample([(p, lbl) for p, lbl, s in clips if s != held_out], 300)
    test = [c for c in clips if c[2] == held_out]
    times, accuracies = [], []
    for i in range(args.repeats):
        with Timer() as t:
            result = train(subset, dataclasses.replace(base, clip_seconds_requested=5.0, seed=i))
        times.append(t.seconds)
        accuracies.append(held_out_accuracy(result.checkpoint, test))
        print(f"  300 clips at 5 s, {base.model}: {t.seconds:.1f} s, {len(result.history)} epochs "
              f"({median([h.seconds for h in result.history]):.2f} s/epoch), held-out {held_out} "
              f"accuracy {accuracies[-1]:.3f}", flush=True)
    if times:  # --repeats 0 skips the retrain (and the seed recipe's ratio to it)
        print(f"RETRAIN 300 x 5 s median {median(times):.1f} s over {len(times)} runs, held-out "
              f"accuracy median {median(accuracies):.3f}", flush=True)

    if not args.skip_seed:
        for cache in (False, True):
            config = TrainConfig.seed_recipe(epochs=args.seed_epochs, cache_features=cache)
            with Timer() as t:
                result = train(subset, config)
            per_epoch = median([h.seconds for h in result.history])
            label = "feature cache" if cache else "features every epoch, as the seed"
            print(f"SEED seed-cnn at the seed's settings, 300 x 5 s, {label}: {per_epoch:.2f} s/epoch "
                  f"(median of {len(result.history)}); 150 epochs = {150 * per_epoch:.0f} s "
                  f"(extrapolated); held-out accuracy after {args.seed_epochs} epochs "
                  f"{held_out_accuracy(result.checkpoint, test):.3f}", flush=True)
            if not cache and times:
                seed_total = 150 * per_epoch + (t.seconds - sum(h.seconds for h in result.history))
                print(f"RATIO seed 150-epoch recipe / default retrain: "
                      f"{seed_total / median(times):.0f}x ({seed_total:.0f} s vs {median(times):.1f} s)",
                      flush=True)

if __name__ == "__main__":
    main()
