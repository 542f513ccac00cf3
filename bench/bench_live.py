"""Listen Live on real speech: how long one judgement of the microphone's latest sound takes, and
what the answers are as a held-out speaker talks.

A model is trained (default settings, ``--epochs``) on the FSDD digits of every speaker but
``--speaker``; that speaker's digits (``--per-class`` of each) are placed one after another into
faint noise with 0.5-2.5 s between them (as bench_detection.py builds its recordings) and the
stream is resampled to 48 kHz, a microphone's usual rate. As the panel does, the stream is judged
every 250 ms of its time from the latest 10 s (``Classifier.predict_samples``). Prints the time
per judgement (median and 95th percentile over all of them), the share of digits named right by
a judgement within half a second after the digit ends, and the share of judgements whose window
holds no digit answered silence or unknown. Run with `uv run python bench/bench_live.py`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_detection import RATE_HZ, build_recording, pick  # noqa: E402
from bench.common import Timer, fsdd_clips, median  # noqa: E402
from core.audio.resampling import resample  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.training import TrainConfig, train  # noqa: E402

MIC_RATE_HZ = 48000
TICK_S = 0.25
KEPT_S = 10.0
AFTER_S = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--speaker", default="theo")
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=0, help="0: the default")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    clips = fsdd_clips()
    config = TrainConfig(seed=args.seed)
    if args.epochs:
        config = TrainConfig(seed=args.seed, epochs=args.epochs)
    with Timer() as t:
        checkpoint = train([(p, d) for p, d, s in clips if s != args.speaker], config).checkpoint
    print(f"trained on the other speakers in {t.seconds:.0f} s ({config.epochs} epochs)")
    rng = np.random.default_rng(args.seed)
    digits = pick(clips, [args.speaker], args.per_class, rng)
    signal, spans = build_recording(digits, rng, noise_rms=0.003)
    stream = resample(signal, RATE_HZ, MIC_RATE_HZ)
    classifier = Classifier(checkpoint)
    window_s = classifier.window_s
    times_ms, answers = [], []
    for k in range(1, int(len(stream) / MIC_RATE_HZ / TICK_S) + 1):
        now_s = k * TICK_S
        end = int(now_s * MIC_RATE_HZ)
        latest = stream[max(0, end - int(KEPT_S * MIC_RATE_HZ)):end]
        with Timer() as t:
            prediction = classifier.predict_samples(latest, MIC_RATE_HZ)
        times_ms.append(1000 * t.seconds)
        answers.append((now_s, prediction.answer))
    named = sum(any(b_e[1] <= now <= b_e[1] + AFTER_S and answer == b_e[2]
                    for now, answer in answers) for b_e in spans)
    quiet = [answer for now, answer in answers
             if not any(b < now and now - window_s < e for b, e, _ in spans)]
    print(f"{len(answers)} judgements of {len(stream) / MIC_RATE_HZ:.0f} s at {MIC_RATE_HZ} Hz "
          f"(the model's clip {window_s:.2f} s): {median(times_ms):.1f} ms each (median; 95th "
          f"percentile {np.percentile(times_ms, 95):.1f} ms; torch's threads on every core, as the "
          "app's task has them)")
    print(f"{args.speaker}'s {len(spans)} digits: {named / len(spans):.3f} named right within "
          f"{AFTER_S} s after each ends; of {len(quiet)} judgements with no digit in their window, "
          f"{sum(a in ('silence', 'unknown') for a in quiet) / max(1, len(quiet)):.3f} answered "
          "silence or unknown")


if __name__ == "__main__":
    main()
