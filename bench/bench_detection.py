"""Detection end to end on FSDD: long recordings built from digits of three speakers placed into
noise at known times, marked through a Raven table imported into the project, a model trained by
`main.py train` on the folder (its regions and background), then digits of the fourth speaker
found in a new recording. Prints event precision, recall and F1, the detection time (and for a
generated 1-hour 16 kHz file) and false events per minute on a stretch where nothing is said.
Run with `uv run python bench/bench_detection.py` (EARMARK_FSDD: where FSDD is).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import namedtuple
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Timer, fsdd_clips, median  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.ml.detection import detect_file, merge_windows, model_background  # noqa: E402
from core.ml.inference import Classifier  # noqa: E402
from core.ml.metrics import event_metrics  # noqa: E402
from core.store.name_rules import NameRule  # noqa: E402
from core.store.project import Project  # noqa: E402
from core.store.region_export import raven_text  # noqa: E402
from core.store.region_io import import_regions_file  # noqa: E402

RATE_HZ = 8000  # FSDD's rate; the model resamples to its own
TEST_SPEAKER = "yweweler"
SPEECH_FLOOR_DB = 30.0  # a digit's span: its 10 ms frames within this of its loudest
Clip = namedtuple("Clip", "path sample_rate_hz duration_s channels")
Span = namedtuple("Span", "begin_s end_s label low_hz high_hz channel id status score",
                  defaults=(None, None, None, None))


def speech_span(samples: np.ndarray) -> tuple[int, int]:
    """First and last sample of the frames within SPEECH_FLOOR_DB of the loudest: where a
    person would mark the digit, not the recording's silent ends."""
    frame = RATE_HZ // 100
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    db = 20 * np.log10(rms / rms.max())
    loud = np.flatnonzero(db > -SPEECH_FLOOR_DB)
    return int(loud[0] * frame), int(min(len(samples), (loud[-1] + 1) * frame))


def build_recording(digits: list[tuple[Path, str]], rng: np.random.Generator, noise_rms: float,
                    quiet_s: float = 0.0, alter=None) -> tuple[np.ndarray, list]:
    """Digits one after another with 0.5..2.5 s of noise between, then ``quiet_s`` of noise
    alone: (samples at RATE_HZ, [(begin_s, end_s, digit)] of each digit's spoken span).
    ``alter(samples)``, when given, changes each digit before it is placed."""
    pieces, events, at = [], [], 0
    for path, digit in digits:
        gap = np.zeros(int(rng.uniform(0.5, 2.5) * RATE_HZ), np.float32)
        samples = audio.read(path, RATE_HZ)
        if alter is not None:
            samples = alter(samples)
        samples = 0.5 * samples / max(1e-6, float(np.abs(samples).max()))
        first, last = speech_span(samples)
        at += len(gap)
        events.append(((at + first) / RATE_HZ, (at + last) / RATE_HZ, digit))
        pieces += [gap, samples.astype(np.float32)]
        at += len(samples)
    pieces.append(np.zeros(int((1.0 + quiet_s) * RATE_HZ), np.float32))
    signal = np.concatenate(pieces)
    signal += (noise_rms * rng.standard_normal(len(signal))).astype(np.float32)
    return signal, events


def add_speaker_recording_arguments(parser) -> None:
    """The options of the benchmarks that place one speaker's digits into noise."""
    parser.add_argument("--speaker", default="yweweler")
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--quiet-s", type=float, default=120.0)
    parser.add_argument("--hour-s", type=float, default=3600.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)


def write_speaker_recording(path: Path, clips, args, rng, noise_rms: float = 0.01,
                            alter=None) -> tuple:
    """``args.per_class`` digits of ``args.speaker`` a class placed into noise, then
    ``args.quiet_s`` of noise alone, written to ``path`` at RATE_HZ: (the digits placed as
    (path, digit), their spans [(begin_s, end_s, digit)], the recording's duration (s), where
    the noise alone begins (s)). ``alter`` as for ``build_recording``."""
    digits = pick(clips, [args.speaker], args.per_class, rng)
    signal, true = build_recording(digits, rng, noise_rms=noise_rms, quiet_s=args.quiet_s,
                                   alter=alter)
    sf.write(path, signal, RATE_HZ, subtype="PCM_16")
    return digits, true, len(signal) / RATE_HZ, true[-1][1] + 1.0


def time_hour_search(search, args, what: str = "") -> None:
    """Run ``search()`` (a search of the hour-long file, returning its events) ``args.runs``
    times and print the median time."""
    times = []
    for _ in range(args.runs):
        with Timer() as t:
            found = search()
        times.append(t.seconds)
    print(f"1-hour file: {args.hour_s:.0f} s of 16 kHz audio searched{what} in "
          f"{median(times):.2f} s (median of {args.runs}: "
          f"{', '.join(f'{s:.2f}' for s in times)}; {args.hour_s / median(times):.0f}x real "
          f"time, {len(found)} events)", flush=True)


def repeat_to_length(source: Path, path: Path, seconds: float, rate_hz: int = 16000) -> Path:
    """``source`` at ``rate_hz``, repeated end to end into ``seconds`` of 16-bit ``path``."""
    samples = audio.read(source, rate_hz)
    with sf.SoundFile(path, "w", rate_hz, 1, "PCM_16") as out:
        left = int(seconds * rate_hz)
        while left > 0:
            out.write(samples[:left])
            left -= len(samples[:left])
    return path


def pick(clips, speakers, per_class: int, rng) -> list[tuple[Path, str]]:
    chosen = []
    for speaker in speakers:
        for digit in sorted({c[1] for c in clips}):
            pool = [p for p, d, s in clips if s == speaker and d == digit]
            chosen += [(p, digit) for p in rng.permutation(pool)[:per_class]]
    return [chosen[i] for i in rng.permutation(len(chosen))]


def make_training_folder(folder: Path, clips, args, rng) -> int:
    """Long recordings of the three training speakers, their Raven table imported into the
    folder's project as regions; returns the number of regions."""
    speakers = sorted({s for _, _, s in clips} - {TEST_SPEAKER})
    digits = pick(clips, speakers, args.per_class, rng)
    grouped = []
    for k, part in enumerate(np.array_split(np.arange(len(digits)), args.recordings)):
        signal, events = build_recording([digits[i] for i in part], rng,
                                         noise_rms=rng.uniform(0.002, 0.02))
        name = f"train_{k:02d}.wav"
        sf.write(folder / name, signal, RATE_HZ, subtype="PCM_16")
        grouped.append((Clip(name, RATE_HZ, len(signal) / RATE_HZ, 1),
                        [Span(b, e, d, None, None) for b, e, d in events]))
    table = folder.parent / "marked.selections.txt"
    table.write_text(raven_text(grouped))
    with Project.open(folder) as project:
        project.scan()
        # The recordings' names are no labels (the auto rule would read "train" from train_00).
        project.apply_name_rule(NameRule("none"))
        return len(import_regions_file(project, table))


def train(folder: Path, model: Path, args) -> dict:
    command = [sys.executable, str(ROOT / "main.py"), "train", str(folder), "--out", str(model),
               "--json", "--seed", str(args.seed)]
    if args.epochs is not None:
        command += ["--epochs", str(args.epochs)]
    if args.clip_seconds is not None:
        command += ["--clip-seconds", args.clip_seconds]
    with Timer() as t:
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"main.py train failed ({done.returncode}):\n{done.stderr[-3000:]}")
    metrics = json.loads(done.stdout)
    print(f"trained {metrics.get('epochs_run')} epochs in {t.seconds:.0f} s on "
          f"{metrics.get('n_train')} training / {metrics.get('n_val')} validation samples; "
          f"classes {', '.join(metrics.get('classes') or [])}", flush=True)
    return metrics


def span_fit(true, predicted) -> float:
    """The median, over the digits found (the right digit overlapping at least half its span),
    of how well the event that overlaps each most fits its span: overlap over union, 1 for an
    event that is the digit's span exactly; what a person drags to the call's edges."""
    fits = []
    for begin_s, end_s, label in true:
        overlaps = [(min(end_s, e) - max(begin_s, b), b, e) for b, e, guess in predicted
                    if guess == label]
        overlap_s, b, e = max(overlaps, default=(0.0, 0.0, 0.0))
        if overlap_s >= 0.5 * (end_s - begin_s):
            fits.append(overlap_s / (max(end_s, e) - min(begin_s, b)))
    return float(np.median(fits)) if fits else 0.0


def report(name: str, true, predicted, classes) -> None:
    result = event_metrics(true, predicted, classes)
    m = result["micro"]
    print(f"{name}: precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}  "
          f"({m['hits']} of {m['support']} digits found, {m['predicted']} events; span fit "
          f"{span_fit(true, predicted):.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-class", type=int, default=20,
                        help="digits per class of each training speaker")
    parser.add_argument("--test-per-class", type=int, default=20,
                        help="digits per class of the fourth speaker in the test recording")
    parser.add_argument("--recordings", type=int, default=6, help="training recordings")
    parser.add_argument("--quiet-s", type=float, default=120.0,
                        help="seconds of noise alone at the end of the test recording")
    parser.add_argument("--hour-s", type=float, default=3600.0, help="the long file's length")
    parser.add_argument("--runs", type=int, default=3, help="detections of each long file")
    parser.add_argument("--epochs", type=int, default=None, help="passed to main.py train")
    parser.add_argument("--clip-seconds", default=None, help="passed to main.py train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=None,
                        help="detect with this model instead of training one")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    clips = fsdd_clips()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        folder = work / "recordings"
        folder.mkdir(parents=True, exist_ok=True)
        n_regions = make_training_folder(folder, clips, args, rng)
        print(f"{args.recordings} training recordings, {n_regions} digits marked through a Raven "
              "table", flush=True)
        model = args.model or work / "model.pt"
        if args.model is None:
            train(folder, model, args)

        test_digits = pick(clips, [TEST_SPEAKER], args.test_per_class, rng)
        signal, true = build_recording(test_digits, rng, noise_rms=0.01, quiet_s=args.quiet_s)
        test = work / "test.wav"
        sf.write(test, signal, RATE_HZ, subtype="PCM_16")
        duration_s = len(signal) / RATE_HZ
        quiet_begin_s = true[-1][1] + 1.0
        classifier = Classifier.from_checkpoint(model)
        background = model_background(classifier)
        classes = [c for c in classifier.classes if c != background]
        thresholds = getattr(classifier.checkpoint, "thresholds", None)
        print(f"thresholds: {thresholds}; background class: {background}", flush=True)
        with Timer() as t:
            events = detect_file(classifier, test)
        print(f"detection: {t.seconds:.2f} s for {duration_s:.0f} s of audio "
              f"({duration_s / t.seconds:.0f}x real time)", flush=True)
        speech = [e for e in events if e.begin_s < quiet_begin_s]
        report(f"{TEST_SPEAKER}'s {len(true)} digits, the model's thresholds", true,
               [(e.begin_s, e.end_s, e.label) for e in speech], classes)
        for value in (0.3, 0.5, 0.7, 0.9):
            found = detect_file(classifier, test, thresholds=value)
            report(f"  threshold {value}", true,
                   [(e.begin_s, e.end_s, e.label) for e in found if e.begin_s < quiet_begin_s],
                   classes)
        # The events as the windows above threshold make them, before their edges are drawn in
        # to their sound and one sound's events are one (core.ml.detection.fit_edges).
        scored = classifier.score_windows(test)
        found = merge_windows(scored.starts_s, classifier.window_s, scored.heard,
                              classifier.classes, thresholds, background)
        report("  windows' events, the model's thresholds", true,
               [f[:3] for f in found if f[0] < quiet_begin_s], classes)
        quiet_s = duration_s - quiet_begin_s
        false = [e for e in events if e.end_s > quiet_begin_s]
        print(f"false events on {quiet_s:.0f} s of noise alone: {len(false)} "
              f"({len(false) / (quiet_s / 60):.2f} per minute)", flush=True)

        hour = repeat_to_length(test, work / "hour.wav", args.hour_s)
        # A quiet night: every window is checked for sound, the quiet ones at length.
        quiet = work / "quiet_hour.wav"
        noise = np.random.default_rng(args.seed).standard_normal(int(args.hour_s * 16000))
        sf.write(quiet, (1e-4 * noise).astype(np.float32), 16000, subtype="PCM_16")
        del noise
        for what, path in (("1-hour file", hour),
                           ("1-hour quiet file (white noise at -80 dBFS)", quiet)):
            times = []
            for _ in range(args.runs):
                with Timer() as t:
                    found = detect_file(classifier, path)
                times.append(t.seconds)
            print(f"{what}: {args.hour_s:.0f} s of 16 kHz audio detected in median "
                  f"{median(times):.2f} s of {args.runs} ({', '.join(f'{s:.2f}' for s in times)}; "
                  f"{args.hour_s / median(times):.0f}x real time, {len(found)} events)",
                  flush=True)


if __name__ == "__main__":
    main()
