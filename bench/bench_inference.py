"""Inference throughput from files on disk: clips per second for FSDD clips (~0.5 s), 1 s and 5 s
clips made from FSDD, and windows per second for one 10-minute file, its windows scored with
and without each one's novelty (the score tracks' unknown band). Medians over --runs runs.
Run with `uv run python bench/bench_inference.py`; the models (one per clip length) are trained
here on FSDD, briefly. `--models compact-bands,speech` measures each network in turn in the same
run (the speech model at the clips' own length answers with its gate, and the default network
with its speech partner: both networks score each clip, fusion.py); `--alone-too` measures each
model trained without a speech partner first, in the same run. The 10-minute file is scored by
the 1 s model and by the one at the clips' own length ("auto", which has the partner).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, fsdd_clips, median  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.networks import DEFAULT_MODEL  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

RATE_HZ = 8000  # FSDD's rate; the model resamples to its own


def make_clips(sources: list[Path], folder: Path, duration_s: float, count: int) -> list[Path]:
    """``count`` files of ``duration_s``: FSDD recordings concatenated and cut to length."""
    folder.mkdir(parents=True, exist_ok=True)
    pool = [audio.read(p) for p in sources[: 4 * count]]
    n = int(duration_s * RATE_HZ)
    out, at = [], 0
    for i in range(count):
        pieces, have = [], 0
        while have < n:
            pieces.append(pool[at % len(pool)])
            have += len(pieces[-1])
            at += 1
        path = folder / f"clip_{i:04d}.wav"
        sf.write(path, np.concatenate(pieces)[:n], RATE_HZ, subtype="PCM_16")
        out.append(path)
    return out


def throughput(classifier: Classifier, files: list[Path], runs: int) -> tuple[float, int]:
    """Median files per second, and the number of windows scored per pass."""
    times, windows = [], 0
    for _ in range(runs):
        with Timer() as t:
            preds = list(classifier.predict_files(files))
        times.append(t.seconds)
        windows = sum(max(1, len(p.window_starts_s)) for p in preds)
    return len(files) / median(times), windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=300, help="files per clip length")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--models", default=DEFAULT_MODEL,
                        help="the networks (and their recipes) to measure, comma-separated")
    parser.add_argument("--alone-too", action="store_true",
                        help="measure each model without its speech partner first")
    args = parser.parse_args()
    for model in args.models.split(","):
        for partner in ((False, True) if args.alone_too else (True,)):
            print(f"-- {model}{'' if partner else ' without a speech partner'}", flush=True)
            measure(model, args, partner)


def measure(model_name: str, args, partner: bool = True) -> None:
    clips = fsdd_clips()
    labelled = [(p, lbl) for p, lbl, _ in clips]

    def quick_model(clip_seconds):
        with Timer() as t:
            result = train(labelled, TrainConfig.for_model(
                model_name, epochs=args.epochs, patience_epochs=None,
                clip_seconds_requested=clip_seconds, speech_partner=partner))
        features = result.checkpoint.feature_config
        pooled = "; answers with its partner" if result.checkpoint.fusion_temperature else ""
        print(f"trained {args.epochs} epochs in {t.seconds:.1f} s; model window "
              f"{features.clip_seconds:.2f} s at {features.sample_rate_hz} Hz{pooled}", flush=True)
        return Classifier(result.checkpoint)

    # Each clip length is scored by a model trained at that length, as a user's would be.
    models = {"auto": quick_model("auto"), 1.0: quick_model(1.0), 5.0: quick_model(5.0)}
    sources = [p for p, _, _ in clips]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sets = {"FSDD (~0.5 s)": ("auto", sources[: args.count]),
                "1 s": (1.0, make_clips(sources, tmp / "1s", 1.0, args.count)),
                "5 s": (5.0, make_clips(sources, tmp / "5s", 5.0, args.count))}
        for name, (model, files) in sets.items():
            rate, windows = throughput(models[model], files, args.runs)
            print(f"{name:>14}: {rate:7.1f} clips/s  ({len(files)} files, {windows} windows, "
                  f"median of {args.runs})", flush=True)
        long_file = make_clips(sources, tmp / "long", 600.0, 1)
        for model in (1.0, "auto"):
            files_per_s, windows = throughput(models[model], long_file, args.runs)
            window_s = models[model].window_s
            print(f"{'10 min file':>14}: {files_per_s * windows:7.1f} windows/s, "
                  f"{1 / files_per_s:.1f} s for the file ({windows} {window_s:.2f} s windows, "
                  f"median of {args.runs})", flush=True)
        # The score tracks judge each window's novelty too (the unknown band): its cost.
        for novelty in (False, True):
            seconds = []
            for _ in range(args.runs):
                with Timer() as t:
                    models[1.0].score_windows(long_file[0], novelty=novelty)
                seconds.append(t.seconds)
            print(f"{'windows only' if not novelty else 'with novelty':>14}: "
                  f"{median(seconds):.2f} s for the 10 min file's windows (median of {args.runs})")


if __name__ == "__main__":
    main()
