"""The energy detector (Find Loud Events, `detect-energy`) on real speech: FSDD digits placed into
noise at known times, as bench_detection.py builds its test recording, found without a model in
the speech band (300-3,400 Hz). Prints, for a few thresholds, event precision, recall and F1 (a hit:
an event overlapping at least half a digit's spoken span, whatever the digit), false events per
minute on the stretch of noise alone at the end, and the same with a noise floor that rises 20 dB
through the recording (the background the detector measures follows it), and on a stereo recording
whose digits one microphone hears, each microphone with its own noise: searched in the mix of the
two channels and on that microphone's channel alone (--channel); then the time to search a 1-hour
16 kHz file (median of --runs). Run with `uv run python bench/bench_energy_detector.py`.
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
    build_recording,
    pick,
    repeat_to_length,
    time_hour_search,
    write_speaker_recording,
)
from bench.common import fsdd_clips  # noqa: E402
from core.audio.energy_detector import EnergyDetectorConfig, detect_energy  # noqa: E402
from core.ml.metrics import event_metrics  # noqa: E402

SPEECH_BAND_HZ = (300.0, 3400.0)


def score(path: Path, true, quiet_begin_s: float, duration_s: float, snr_db: float,
          channel: int | None = None) -> str:
    config = EnergyDetectorConfig(*SPEECH_BAND_HZ, snr_db=snr_db, min_duration_s=0.1,
                                  max_duration_s=3.0, min_gap_s=0.15, channel=channel)
    events = detect_energy(path, config)
    speech = [(e.begin_s, e.end_s, "digit") for e in events if e.begin_s < quiet_begin_s]
    m = event_metrics([(b, e, "digit") for b, e, _ in true], speech, ["digit"])["micro"]
    false = [e for e in events if e.end_s > quiet_begin_s]
    quiet_min = (duration_s - quiet_begin_s) / 60
    return (f"{snr_db:4.0f} dB: precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
            f"F1 {m['f1']:.3f}  ({m['hits']} of {m['support']} digits, {m['predicted']} events); "
            f"{len(false) / quiet_min:.2f} false events a minute on noise alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_speaker_recording_arguments(parser)
    args = parser.parse_args()
    clips = fsdd_clips()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        steady = Path(tmp) / "steady.wav"
        _, true, duration_s, quiet_begin_s = write_speaker_recording(steady, clips, args, rng)
        print(f"{len(true)} digits of {args.speaker} in {duration_s:.0f} s at 8 kHz, noise "
              f"0.01 rms, the last {duration_s - quiet_begin_s:.0f} s noise alone; band "
              f"{SPEECH_BAND_HZ[0]:.0f}-{SPEECH_BAND_HZ[1]:.0f} Hz", flush=True)
        for snr_db in (6.0, 10.0, 15.0):
            print("steady noise " + score(steady, true, quiet_begin_s, duration_s, snr_db),
                  flush=True)
        # The same digits over a noise floor rising 20 dB (0.003 to 0.03 rms) through the file.
        rng = np.random.default_rng(args.seed)
        digits = pick(clips, [args.speaker], args.per_class, rng)
        clean, true = build_recording(digits, rng, noise_rms=0.0, quiet_s=args.quiet_s)
        ramp = np.geomspace(0.003, 0.03, len(clean)).astype(np.float32)
        rising = Path(tmp) / "rising.wav"
        sf.write(rising, clean + ramp * rng.standard_normal(len(clean)).astype(np.float32),
                 RATE_HZ, subtype="PCM_16")
        for snr_db in (6.0, 10.0, 15.0):
            print("rising noise " + score(rising, true, true[-1][1] + 1.0,
                                          len(clean) / RATE_HZ, snr_db), flush=True)

        # Two microphones: the digits on the left one, each with its own noise (a stereo
        # recorder facing two ways); the mix halves the digits but not the noise's power.
        for noise_rms in (0.03, 0.06):
            rng = np.random.default_rng(args.seed)
            left, true = build_recording(digits, rng, noise_rms=noise_rms, quiet_s=args.quiet_s)
            right = (noise_rms * rng.standard_normal(len(left))).astype(np.float32)
            pair = Path(tmp) / "pair.wav"
            sf.write(pair, np.stack([left, right], axis=1), RATE_HZ, subtype="PCM_16")
            for channel, words in ((None, "the mix        "), (0, "its own channel")):
                print(f"two microphones, noise {noise_rms} rms each, {words} "
                      + score(pair, true, true[-1][1] + 1.0, len(left) / RATE_HZ, 10.0, channel),
                      flush=True)

        hour = repeat_to_length(steady, Path(tmp) / "hour.wav", args.hour_s)
        time_hour_search(lambda: detect_energy(hour, EnergyDetectorConfig(*SPEECH_BAND_HZ)),
                         args)


if __name__ == "__main__":
    main()
