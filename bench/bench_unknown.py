"""The honest "unknown" on FSDD (4 speakers): leave-one-speaker-out models trained with the default
recipe (the rule fitted at the end of training), and per held-out speaker
- the accuracy on that speaker with and without the rule (an answer of unknown or silence counts
  as wrong), so the accuracy the rule costs;
- the share of the shared cats/dogs clips (../shared/data/catsdogs-train) answered unknown or
  silence, and of generated white and pink noise, tones, digital silence and quiet hiss (written to
  a temporary folder, --per-kind of each, at random levels and lengths, some longer than a
  window);
- the same for each candidate score, its threshold chosen alike (the 1 - share quantile of
  augmented validation clips, at FLAG_SHARE or each of `--shares`) and a long file judged by its
  one window with sound that most supports its label: the calibrated top probability, the energy
  score, the Mahalanobis distance on the input of the last linear layer, and on the statistics of
  the last feature map as they are and raised to STAT_EXPONENT (the product's); with each one's
  AUROC against the held-out speaker;
- the share of long files made of the held-out speaker's digits (three recordings of one digit,
  0.3 s apart) answered unknown: a window of a long recording is judged, not a whole clip.
`--model speech` measures the speech model, whose unknown answer is its gate's (the default
network trained beside it, Checkpoint.partner): the product's answers, no candidates of its own.
Run with `uv run python bench/bench_unknown.py` (`--folds N` for fewer speakers, `--save DIR`
to keep the models and `--load DIR` to measure them again without training; with `--refit`
their rule is fitted again as this code fits it, so a change to the rule is measured on the
same models).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Timer, fsdd_clips  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.ml import novelty, silence  # noqa: E402
from core.ml.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from core.ml.features import augment, prediction_views, prepare_clip  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.networks import DEFAULT_MODEL  # noqa: E402
from core.ml.samples import grouped_split, one_window  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

CATS_DOGS = ROOT.parent / "shared" / "data" / "catsdogs-train"
RATE_HZ = 16000
TONES_HZ = (250, 440, 1000, 2000, 3000)
KINDS = ("white noise", "pink noise", "tone", "digital silence", "quiet hiss")


def generated(folder: Path, per_kind: int, seed: int = 0) -> dict[str, list[Path]]:
    """``per_kind`` files of each of KINDS, 0.3-3 s (a quarter longer than 1.5 s), loud ones at
    -40..-6 dBFS RMS, hiss at -85..-62 dBFS."""
    rng = np.random.default_rng(seed)
    files: dict[str, list[Path]] = {}
    for kind in KINDS:
        for i in range(per_kind):
            n = int(RATE_HZ * (rng.uniform(1.5, 3.0) if i % 4 == 0 else rng.uniform(0.3, 1.5)))
            level_dbfs = rng.uniform(-40, -6)
            if kind == "white noise" or (kind == "quiet hiss" and i % 2 == 0):
                x = rng.standard_normal(n)
            elif kind in ("pink noise", "quiet hiss"):
                spectrum = np.fft.rfft(rng.standard_normal(n))
                x = np.fft.irfft(spectrum / np.sqrt(np.maximum(np.arange(len(spectrum)), 1)), n)
            elif kind == "tone":
                x = np.sin(2 * np.pi * TONES_HZ[i % len(TONES_HZ)] * np.arange(n) / RATE_HZ
                           + rng.uniform(0, 2 * np.pi))
            else:
                x = np.zeros(n)
            if kind == "quiet hiss":
                level_dbfs = rng.uniform(-85, -62)
            if x.any():
                x = x / np.sqrt(np.mean(x ** 2)) * 10 ** (level_dbfs / 20)
            path = folder / kind.replace(" ", "_") / f"{i:03d}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, x.astype(np.float32), RATE_HZ, subtype="PCM_16")
            files.setdefault(kind, []).append(path)
    return files


def long_digit_files(test: list, folder: Path, count: int = 40, seed: int = 0) -> list:
    """``count`` (path, digit) files, each three of the held-out speaker's recordings of one digit
    0.3 s apart, at 16 kHz."""
    rng = np.random.default_rng(seed)
    digits = sorted({lbl for _, lbl in test})
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        digit = digits[i % len(digits)]
        chosen = rng.choice([p for p, lbl in test if lbl == digit], 3, replace=False)
        parts = []
        for path in chosen:
            parts += [audio.read(path, RATE_HZ), np.zeros(int(0.3 * RATE_HZ), np.float32)]
        path = folder / f"{digit}_{i:03d}.wav"
        sf.write(path, np.concatenate(parts), RATE_HZ, subtype="PCM_16")
        files.append((path, digit))
    return files


class Probe:
    """What each candidate measures of a batch of clips: the logits of every prediction view, the
    input of the last linear layer and the product's feature-map statistics (both averaged over
    the views), and the same of one augmented draw (no views)."""

    def __init__(self, classifier: Classifier, seed: int) -> None:
        self.classifier = classifier
        self.generator = torch.Generator().manual_seed(seed)
        model = classifier.model
        self.head_inputs: list[torch.Tensor] = []
        model.get_submodule(model.head_name).register_forward_pre_hook(
            lambda _m, args: self.head_inputs.append(args[0].detach().float()))

    @torch.inference_mode()
    def measure(self, clips: np.ndarray, augmented: bool = False) -> dict[str, np.ndarray]:
        c = self.classifier
        parts: dict[str, list[np.ndarray]] = {"logits": [], "head": [], "map": []}
        for start in range(0, len(clips), 64):
            x = c.extractor(torch.from_numpy(np.ascontiguousarray(clips[start:start + 64])))
            views = [augment(x, c.features, self.generator)] if augmented else \
                prediction_views(x, c.features)
            with novelty.feature_statistics(c.model, c.features) as maps:
                # Entering may make a dry run of one clip (the first use of a model): not ours.
                self.head_inputs.clear()
                logits = [c._forward(v) for v in views]
            parts["logits"].append(torch.stack(logits, 1).numpy())
            parts["head"].append(torch.stack(self.head_inputs).mean(0).numpy())
            parts["map"].append(torch.stack(maps).mean(0).numpy())
        return {k: np.concatenate(v) for k, v in parts.items()}


def judged_windows(classifier: Classifier, path: Path) -> tuple[np.ndarray, bool]:
    """``(n, n_samples)`` the clips the product judges a file by (the file itself, or for a long
    one the windows with sound that most support its label: ``Classifier.peak_windows``), and
    whether it is silence."""
    rate, window_s, n = classifier.features.sample_rate_hz, classifier.window_s, \
        classifier.features.n_samples
    duration_s = audio.info(path).duration_s
    if one_window(duration_s, window_s):
        samples = audio.read(path, rate, 0.0, window_s)
        return prepare_clip(samples, n)[None], silence.is_silent(samples, rate)
    scored = classifier.score_windows(path, duration_s=duration_s)
    windows = classifier.peak_windows(path, scored, int(scored.file_probabilities.argmax()))
    if not windows:
        return prepare_clip(audio.read(path, rate, 0.0, window_s), n)[None], True
    return np.stack([prepare_clip(w, n) for w in windows]), False


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def candidates(temperature: float, train_m: dict, train_aug: dict, targets: np.ndarray,
               calibration: dict) -> dict:
    """name -> function(measures) -> (n,) score (higher: less like the training clips)."""
    def top_probability(m):
        p = _softmax(m["logits"]).mean(1)
        return -_softmax(np.log(np.maximum(p, 1e-300)) / temperature).max(1)

    def energy(m):
        z = m["logits"].mean(1) / temperature
        top = z.max(1)
        return -temperature * (top + np.log(np.exp(z - top[:, None]).sum(1)))

    out = {"top probability": top_probability, "energy": energy}
    for name, key, exponent in (("last linear input", "head", 1.0),
                                ("feature map, as they are", "map", 1.0),
                                ("feature map (product)", "map", novelty.STAT_EXPONENT)):
        rule = novelty.fit_novelty(np.concatenate([train_m[key], train_aug[key]]),
                                   np.concatenate([targets, targets]), calibration[key], exponent)
        out[name] = (lambda r, k: lambda m: r.distances(m[k]))(rule, key)
    return out


def auroc(inside: np.ndarray, outside: np.ndarray) -> float:
    ranks = np.concatenate([inside, outside]).argsort().argsort() + 1.0
    return float((ranks[len(inside):].sum() - len(outside) * (len(outside) + 1) / 2)
                 / (len(inside) * len(outside)))


def fold(speaker: str, clips, config: TrainConfig, files: dict, scratch: Path, args) -> dict:
    train_set = [(p, lbl) for p, lbl, s in clips if s != speaker]
    test = [(p, lbl) for p, lbl, s in clips if s == speaker]
    saved = Path(args.load or args.save or "") / f"{speaker}_s{config.seed}.pt"
    with Timer() as t:
        if args.load and saved.is_file():
            checkpoint = load_checkpoint(saved)
        else:
            checkpoint = train(train_set, config).checkpoint
            if args.save:
                save_checkpoint(checkpoint, saved)
    if checkpoint.novelty is None and checkpoint.partner is None:
        raise SystemExit(f"{saved}: a model without the unknown rule; train it again")
    classifier = Classifier(checkpoint)
    if checkpoint.novelty is None or args.answers_only:  # the speech model's: its gate's rule
        return _answers(classifier, test, files, scratch / speaker, config.seed,
                        {"train_s": t.seconds, "candidates": {}})
    classes = list(checkpoint.classes)
    # What the candidates measure, each thresholded on augmented validation clips; with
    # --refit, the product's rule fitted again on them (as training fits it) before it is measured.
    probe = Probe(classifier, config.seed + 1)
    rate, n = classifier.features.sample_rate_hz, classifier.features.n_samples
    targets = np.array([classes.index(lbl) for _, lbl in train_set])
    train_idx, val_idx = grouped_split(targets, [str(p) for p, _ in train_set], config.val_split,
                                       config.seed)
    waves = np.stack([prepare_clip(audio.read(p, rate), n) for p, _ in train_set])
    train_m = probe.measure(waves[train_idx])
    train_aug = probe.measure(waves[train_idx], augmented=True)
    passes = max(1, min(novelty.MAX_VAL_PASSES, math.ceil(novelty.MIN_DRAWS / len(val_idx))))
    calibration = [probe.measure(waves[val_idx], augmented=True) for _ in range(passes)]
    calibration = {k: np.concatenate([c[k] for c in calibration]) for k in calibration[0]}
    held_m = probe.measure(np.stack([prepare_clip(audio.read(p, rate), n) for p, _ in test]))
    if args.refit:
        classifier.novelty = novelty.fit_novelty(
            np.concatenate([train_m["map"], train_aug["map"]]),
            np.concatenate([targets[train_idx]] * 2), calibration["map"])
    row = _answers(classifier, test, files, scratch / speaker, config.seed, {"train_s": t.seconds})
    cats_dogs = sorted(CATS_DOGS.rglob("*.wav"))
    outside = {"cats/dogs": cats_dogs, **files}
    right = row.pop("right")
    # Every candidate judges a long file by its one window with sound that most supports the
    # label (the product weighs its best three, see inference.LONG_WINDOWS).
    judged = {name: [judged_windows(classifier, p) for p in paths] for name, paths in outside.items()}
    silent = {name: np.array([s for _, s in windows]) for name, windows in judged.items()}
    measured = {name: probe.measure(np.stack([w[0] for w, _ in windows]))
                for name, windows in judged.items()}
    row["candidates"] = {}
    for base, score in candidates(classifier.temperature, train_m, train_aug, targets[train_idx],
                                  calibration).items():
        inside = score(held_m)
        scores = {group: score(m) for group, m in measured.items()}
        loud = np.concatenate([scores[k][~silent[k]] for k in ("white noise", "pink noise", "tone")])
        for share in args.shares:
            threshold = float(np.quantile(score(calibration), 1 - share))
            figures = {"drop": float(((inside > threshold) & right).mean()),
                       "auroc cats/dogs": auroc(inside, scores["cats/dogs"]),
                       "auroc noise/tones": auroc(inside, loud)}
            for group, values in scores.items():
                figures[group] = float((silent[group] | (values > threshold)).mean())
            row["candidates"][f"{base} at {share:g}"] = figures
    return row


def _answers(classifier: Classifier, test: list, files: dict, scratch: Path, seed: int,
             row: dict) -> dict:
    """The product's answers: the held-out speaker's accuracy without and with the rule, the
    share of each outside group answered unknown or silence, and long digit files; ``right``
    (which held-out clips the model names right) for the candidates."""
    truth = [lbl for _, lbl in test]
    held = list(classifier.predict_files([p for p, _ in test]))
    right = np.array([p.label == lbl for p, lbl in zip(held, truth, strict=True)])
    row.update(acc=float(right.mean()), right=right, acc_rule=float(
        np.mean([p.answer == lbl for p, lbl in zip(held, truth, strict=True)])))
    for name, paths in {"cats/dogs": sorted(CATS_DOGS.rglob("*.wav")), **files}.items():
        answers = [p.verdict for p in classifier.predict_files(paths)]
        row[name] = float(np.mean([a is not None for a in answers]))
        row[name + " silence"] = float(np.mean([a == novelty.SILENCE for a in answers]))
    longs = long_digit_files(test, scratch, seed=seed)
    answers = list(classifier.predict_files([p for p, _ in longs]))
    row["long unknown"] = float(np.mean([a.verdict == novelty.UNKNOWN for a in answers]))
    row["long acc"] = float(np.mean([a.label == lbl for a, (_, lbl) in zip(answers, longs, strict=True)]))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=4, help="how many speakers to hold out in turn")
    parser.add_argument("--epochs", type=int, default=0, help="epochs to train (0: the default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the network (and its recipe)")
    parser.add_argument("--per-kind", type=int, default=50, help="generated files of each kind")
    parser.add_argument("--save", type=Path, help="keep the trained models in this folder")
    parser.add_argument("--answers-only", action="store_true",
                        help="the product's answers only, no candidate scores")
    parser.add_argument("--load", type=Path, help="measure the models saved here (train the rest)")
    parser.add_argument("--refit", action="store_true",
                        help="fit each model's unknown rule again, as this code fits it")
    parser.add_argument("--shares", type=lambda text: [float(v) for v in text.split(",")],
                        default=[novelty.FLAG_SHARE],
                        help="shares of augmented validation clips the candidates' thresholds "
                             "leave beyond them, comma-separated")
    args = parser.parse_args()
    if not CATS_DOGS.is_dir():
        raise SystemExit(f"cats/dogs not found at {CATS_DOGS}")
    config = TrainConfig.for_model(args.model, seed=args.seed)
    if args.epochs:
        config = dataclasses.replace(config, epochs=args.epochs)
    clips = fsdd_clips()
    speakers = sorted({s for _, _, s in clips})[:args.folds]
    groups = ("cats/dogs", *KINDS)
    print(f"FSDD {len(clips)} clips, {config.epochs} epochs, seed {args.seed}; "
          f"share answered unknown or silence (silence alone in brackets)")
    print(f"{'held out':<10} {'acc':>6} {'w/ rule':>7} {'drop':>6} " + " ".join(f"{g:>15}" for g in groups)
          + "   long digits unknown (their accuracy)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = generated(Path(tmp), args.per_kind, args.seed)
        for speaker in speakers:
            row = fold(speaker, clips, config, files, Path(tmp) / "long", args)
            rows.append(row)
            print(f"{speaker:<10} {row['acc']:6.3f} {row['acc_rule']:7.3f} "
                  f"{row['acc'] - row['acc_rule']:6.3f} "
                  + " ".join(f"{row[g]:8.3f} ({row[g + ' silence']:.2f})" for g in groups)
                  + f" {row['long unknown']:10.3f} ({row['long acc']:.2f})"
                  + f"   trained in {row['train_s']:.0f} s", flush=True)
    mean = {k: float(np.mean([r[k] for r in rows]))
            for k in ("acc", "acc_rule", "long unknown", "long acc", *groups)}
    every = np.mean([np.mean([r[g] for g in KINDS]) for r in rows])
    print(f"{'mean':<10} {mean['acc']:6.3f} {mean['acc_rule']:7.3f} "
          f"{mean['acc'] - mean['acc_rule']:6.3f} " + " ".join(f"{mean[g]:15.3f}" for g in groups)
          + f" {mean['long unknown']:10.3f} ({mean['long acc']:.2f})"
          + f"   (generated, all kinds: {every:.3f})")
    if not rows[0]["candidates"]:
        return
    print("\ncandidate scores at a share (mean over folds; threshold: the quantile of augmented "
          "validation clips that leaves that share beyond it)")
    names = list(rows[0]["candidates"])
    keys = ["drop", "auroc cats/dogs", "auroc noise/tones", *groups]
    print(f"{'candidate':<36} " + " ".join(f"{k:>17}" for k in keys))
    for name in names:
        values = [np.mean([r["candidates"][name][k] for r in rows]) for k in keys]
        print(f"{name:<36} " + " ".join(f"{v:17.3f}" for v in values))


if __name__ == "__main__":
    main()
