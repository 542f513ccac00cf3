"""The template detector (Find Similar Calls, `find-similar`) on real speech: 200 FSDD digits of one
speaker placed into noise at known times (as bench_detection.py builds its test recording), and
for each digit a template cut from another recording of that digit by the same speaker (not one
of those placed; its spoken span, in the speech band 300-3,400 Hz). A template should find the 20
placements of its own digit and none of the 180 others, as a call type among a bird's others.
Each set of templates runs with the default time stretch (calls 0.8-1.2 times the template's
length), without it, and with each ``--pitch-shifts`` share besides the stretch (calls that much
higher or lower). Prints the review queue's mean average precision (events in score order, as
the Review tab lists them surest first) and, for a few thresholds, precision, recall and F1 over
the ten digits (a hit: an event overlapping at least half of a placement of the template's
digit), for one and three templates per digit and for templates of another speaker; false events
a minute on the noise alone at the end; then the same over a rumble as well (noise louder low
down than high up, as a night's wind and traffic). Then a second recording of the same speaker's digits,
each resampled to sound 0.9 or 1.1 times as high (and as much longer or shorter: the same call of
a bigger or smaller animal), searched with and without the first ``--pitch-shifts``. Last, the
time to search a 1-hour 16 kHz file with one template and with ten, and with one at each pitch
shift (median of --runs). Run with `uv run python bench/bench_template_detector.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_detection import (  # noqa: E402
    RATE_HZ,
    add_speaker_recording_arguments,
    repeat_to_length,
    speech_span,
    time_hour_search,
    write_speaker_recording,
)
from bench.common import fsdd_clips  # noqa: E402
from core.audio import reading as audio  # noqa: E402
from core.audio.template_detector import (  # noqa: E402
    CallTemplate,
    TemplateDetectorConfig,
    find_similar,
    prepare_template,
)
from core.ml.metrics import event_metrics  # noqa: E402

SPEECH_BAND_HZ = (300.0, 3400.0)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def templates_for(clips, speaker: str, placed: set, per_digit: int, folder: Path,
                  rng) -> dict[str, list]:
    """``per_digit`` prepared templates of each digit by ``speaker``, from recordings not placed
    (each written to ``folder``, its spoken span the template)."""
    out: dict[str, list] = {}
    for digit in sorted({d for _, d, _ in clips}):
        pool = [p for p, d, s in clips if s == speaker and d == digit and p not in placed]
        for path in rng.permutation(pool)[:per_digit]:
            samples = audio.read(path, RATE_HZ)
            first, last = speech_span(samples)
            copy = folder / f"template_{speaker}_{Path(path).name}"
            sf.write(copy, samples, RATE_HZ, subtype="PCM_16")
            out.setdefault(digit, []).append(prepare_template(CallTemplate(
                str(copy), first / RATE_HZ, last / RATE_HZ, *SPEECH_BAND_HZ, label=digit)))
    return out


def average_precision(events, wanted) -> float:
    """The review queue's average precision: events in score order, each a hit when it overlaps
    half of a placement not hit before (or half of itself); the mean over placements of the
    precision at the rank that first hits it (0 for those never hit)."""
    hit_at, seen = {}, 0
    for event in sorted(events, key=lambda e: -e.score):
        seen += 1
        for k, (b, e, _) in enumerate(wanted):
            overlap = min(event.end_s, e) - max(event.begin_s, b)
            if k not in hit_at and overlap >= 0.5 * min(e - b, event.end_s - event.begin_s):
                hit_at[k] = (len(hit_at) + 1) / seen
                break
    return sum(hit_at.values()) / len(wanted) if wanted else 0.0


def search(path: Path, templates: dict[str, list], true, quiet_begin_s: float,
           time_stretch: float, pitch_shift: float = 0.0) -> tuple:
    """Each digit's templates over the recording, scored against that digit's placements, at
    every threshold: {threshold: (hits, support, predicted, false events on noise alone)}, and
    the mean average precision of the review queue at the lowest threshold."""
    lowest = TemplateDetectorConfig(min(THRESHOLDS), time_stretch, pitch_shift)
    totals = {t: np.zeros(4, dtype=int) for t in THRESHOLDS}
    precisions = []
    for digit, prepared in templates.items():
        events = find_similar(path, prepared, lowest)
        wanted = [(b, e, "match") for b, e, d in true if d == digit]
        precisions.append(average_precision([e for e in events if e.begin_s < quiet_begin_s],
                                            wanted))
        for threshold in THRESHOLDS:
            kept = [e for e in events if e.score >= threshold]
            speech = [(e.begin_s, e.end_s, "match") for e in kept if e.begin_s < quiet_begin_s]
            m = event_metrics(wanted, speech, ["match"])["micro"]
            false = sum(e.end_s > quiet_begin_s for e in kept)
            totals[threshold] += (m["hits"], m["support"], m["predicted"], false)
    return totals, float(np.mean(precisions))


def print_totals(name: str, found: tuple, quiet_min: float, n_digits: int) -> None:
    totals, mean_ap = found
    print(f"{name} the review queue (events by score): mean average precision {mean_ap:.3f} "
          f"(chance {1 / n_digits:.2f})", flush=True)
    for threshold, (hits, support, predicted, false) in totals.items():
        precision = hits / predicted if predicted else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{name} threshold {threshold:.1f}: precision {precision:.3f}  recall {recall:.3f}"
              f"  F1 {f1:.3f}  ({hits} of {support} found, {predicted} events); "
              f"{false / quiet_min / n_digits:.2f} false events a minute a template set on "
              f"noise alone", flush=True)


def _scaled_calls(folder: Path, clips, args) -> None:
    """The speaker's digits each 0.9 or 1.1 times as high, searched with templates cut from
    unchanged ones, with and without a pitch shift (a random stream of its own, so the sections
    before and after are as they were)."""
    import torch
    import torchaudio

    rng = np.random.default_rng(args.seed + 1)

    def scaled(samples: np.ndarray) -> np.ndarray:
        factor = float(rng.choice((0.9, 1.1)))
        return torchaudio.functional.resample(torch.from_numpy(samples), RATE_HZ,
                                              round(RATE_HZ / factor)).numpy()

    recording = folder / "scaled.wav"
    digits, true, duration_s, quiet_begin_s = write_speaker_recording(
        recording, clips, args, rng, args.noise_rms, alter=scaled)
    placed = {p for p, _ in digits}
    quiet_min = (duration_s - quiet_begin_s) / 60
    print(f"{len(true)} digits of {args.speaker}, each 0.9 or 1.1 times as high, in "
          f"{duration_s:.0f} s", flush=True)
    default = TemplateDetectorConfig()
    for name, per_digit in (("one template a digit,", 1), ("three templates a digit,", 3)):
        templates = templates_for(clips, args.speaker, placed, per_digit, folder, rng)
        for shift in (0.0, *args.pitch_shifts[:1]):
            print_totals(f"scaled calls, {name} time stretch {default.time_stretch:g}, pitch "
                         f"shift {shift:g},", search(recording, templates, true, quiet_begin_s,
                                                     default.time_stretch, shift),
                         quiet_min, len(templates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_speaker_recording_arguments(parser)
    parser.add_argument("--other-speaker", default="jackson")
    parser.add_argument("--noise-rms", type=float, default=0.01)
    parser.add_argument("--pitch-shifts", type=float, nargs="*", default=[0.1],
                        help="pitch shifts to try besides none, each with the default stretch")
    args = parser.parse_args()
    clips = fsdd_clips()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        recording = folder / "recording.wav"
        digits, true, duration_s, quiet_begin_s = write_speaker_recording(
            recording, clips, args, rng, args.noise_rms)
        quiet_min = (duration_s - quiet_begin_s) / 60
        placed = {p for p, _ in digits}
        print(f"{len(true)} digits of {args.speaker} in {duration_s:.0f} s at 8 kHz, noise "
              f"{args.noise_rms} rms, the last {duration_s - quiet_begin_s:.0f} s noise alone; "
              f"band {SPEECH_BAND_HZ[0]:.0f}-{SPEECH_BAND_HZ[1]:.0f} Hz; each digit's templates "
              f"should find its {args.per_class} placements among the {len(true)}", flush=True)
        for name, speaker, per_digit in (("one template a digit,", args.speaker, 1),
                                         ("three templates a digit,", args.speaker, 3),
                                         (f"one of {args.other_speaker},", args.other_speaker, 1)):
            templates = templates_for(clips, speaker, placed, per_digit, folder, rng)
            # The default tries each template 0.8-1.2 times its length; 0: its own length only.
            default = TemplateDetectorConfig()
            for stretch, shift in ((default.time_stretch, default.pitch_shift), (0.0, 0.0),
                                   *((default.time_stretch, s) for s in args.pitch_shifts)):
                print_totals(f"{name} time stretch {stretch:g}, pitch shift {shift:g},",
                             search(recording, templates, true, quiet_begin_s, stretch, shift),
                             quiet_min, len(templates))

        # The same recording with a rumble added, louder low down than high up (white noise
        # through a one-pole low-pass, as a night's wind and distant traffic): its tilt across a
        # template's band is shared by every stretch, calls or none. A random stream of its own,
        # so the sections after are as they were.
        rumble_rng = np.random.default_rng(args.seed + 2)
        rumbled = folder / "rumble.wav"
        samples, rate_hz = sf.read(recording, dtype="float32")
        white = rumble_rng.standard_normal(len(samples))
        low = np.convolve(white, 0.85 ** np.arange(20), mode="same")
        sf.write(rumbled, samples + (args.noise_rms * 3 * low / low.std()).astype(np.float32),
                 rate_hz, subtype="PCM_16")
        templates = templates_for(clips, args.speaker, placed, 1, folder, rumble_rng)
        print_totals(f"one template a digit, over a rumble {args.noise_rms * 3:g} rms as well,",
                     search(rumbled, templates, true, quiet_begin_s,
                            TemplateDetectorConfig().time_stretch),
                     quiet_min, len(templates))

        _scaled_calls(folder, clips, args)

        hour = repeat_to_length(recording, folder / "hour.wav", args.hour_s)
        ten = [t for group in templates_for(clips, args.speaker, placed, 1, folder, rng).values()
               for t in group]
        time_hour_search(lambda: find_similar(hour, ten[7:8]), args,
                         f" with one {ten[7].duration_s:.2f} s template")
        # One spectrogram serves templates of one rate: ten cost less than ten searches.
        time_hour_search(lambda: find_similar(hour, ten), args, " with ten templates (each digit)")
        for shift in args.pitch_shifts:
            config = TemplateDetectorConfig(pitch_shift=shift)
            time_hour_search(lambda config=config: find_similar(hour, ten[7:8], config), args,
                             f" with one template, pitch shift {shift:g}")


if __name__ == "__main__":
    main()
