"""Filtered play on real audio: what the band-pass filter keeps and takes away, and how long a
region's band takes to be filtered before it plays.

1. The filter itself (``band_pass_kernel``) at 8, 16, 48 and 384 kHz, for a band of 1-3 kHz
   (20-60 kHz at 384 kHz): the largest deviation from full level inside the band, and the
   strongest leak more than one slope width (``transition_hz``) outside it, from its frequency
   response.
2. Every cats-and-dogs recording (../shared/data/catsdogs-train, 16 kHz), a box over its first
   second at 500-4,000 Hz: ``write_band_excerpt`` per region (the wait before a call plays), and
   the energy outside the band before and after (dB, summed over all the regions).
3. The longest excerpt (MAX_EXCERPT_SAMPLES) from a long recording built from those clips back
   to back and resampled to 48 kHz (5.8 minutes): seconds to filter and write it; and, from a
   stereo copy of it (the other channel the recording played backwards), the same length of
   its second channel alone over the whole spectrum, what Play on a channel waits for.

Medians over ``--runs`` (default 5). Run with ``uv run python bench/bench_band_pass.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, catsdogs_clips, median, write_back_to_back  # noqa: E402
from core.audio.band_pass import (  # noqa: E402
    MAX_EXCERPT_SAMPLES,
    band_pass_kernel,
    transition_hz,
    write_band_excerpt,
)

BOX_HZ = (500.0, 4000.0)


def kernel_figures(rate_hz: int, low_hz: float, high_hz: float) -> tuple[float, float]:
    """(largest passband deviation dB, strongest stopband leak dB) of the filter."""
    kernel = band_pass_kernel(rate_hz, low_hz, high_hz)
    n_fft = 1 << 20
    gain_db = 20 * np.log10(np.abs(np.fft.rfft(kernel, n_fft)) + 1e-12)
    freqs = np.fft.rfftfreq(n_fft, 1 / rate_hz)
    slope = transition_hz(rate_hz)
    inside = (freqs >= low_hz) & (freqs <= high_hz)
    outside = (freqs < low_hz - slope) | (freqs > high_hz + slope)
    return float(np.abs(gain_db[inside]).max()), float(gain_db[outside].max())


def out_of_band_db(samples: np.ndarray, rate_hz: int) -> float:
    """Energy below and above BOX_HZ (dB, arbitrary reference), through a Hann window so the
    spectrum's own leakage does not hide what the filter took away."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate_hz)
    out = (freqs < BOX_HZ[0] - 100) | (freqs > BOX_HZ[1] + 100)
    return float(10 * np.log10(spectrum[out].sum() + 1e-20))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    print("the filter, band 1-3 kHz (20-60 kHz at 384 kHz):")
    for rate_hz, band in ((8000, (1000, 3000)), (16000, (1000, 3000)), (48000, (1000, 3000)),
                          (384000, (20000, 60000))):
        ripple_db, leak_db = kernel_figures(rate_hz, *band)
        print(f"  {rate_hz / 1000:g} kHz: slope {transition_hz(rate_hz):.0f} Hz wide, in the band "
              f"within {ripple_db:.3f} dB of full level, outside it at most {leak_db:.1f} dB")

    clips = [(path, label) for path, label in catsdogs_clips() if sf.info(path).samplerate == 16000]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "band.wav"
        per_region, before_db, after_db = [], [], []
        for run in range(args.runs):
            times = []
            for path, _ in clips:
                with Timer() as t:
                    excerpt = write_band_excerpt(path, 0.0, 1.0, *BOX_HZ, out)
                times.append(t.seconds)
                if run == 0:
                    original, rate_hz = sf.read(path, dtype="float32", frames=16000,
                                                always_2d=True)
                    filtered, _ = sf.read(excerpt.path, dtype="float32")
                    before_db.append(out_of_band_db(original.mean(axis=1), rate_hz))
                    after_db.append(out_of_band_db(filtered, rate_hz))
            per_region.append(median(times))
        drop = np.array(before_db) - np.array(after_db)
        print(f"cats and dogs, {len(clips)} boxes of 1 s at 500-4,000 Hz: filtered and written "
              f"in a median {median(per_region) * 1000:.1f} ms a box (medians of {args.runs} runs: "
              f"{', '.join(f'{s * 1000:.1f}' for s in per_region)} ms); energy outside the band "
              f"down by a median {np.median(drop):.0f} dB (least {drop.min():.0f} dB)")

        rate_hz = 48000
        target = MAX_EXCERPT_SAMPLES + rate_hz  # a little longer than the cap
        long_path = write_back_to_back(Path(tmp) / "long48k.wav", [p for p, _ in clips],
                                       target, rate_hz)
        times = []
        for _ in range(args.runs):
            with Timer() as t:
                excerpt = write_band_excerpt(long_path, 0.0, target / rate_hz, *BOX_HZ, out)
            times.append(t.seconds)
        print(f"the longest excerpt, {(excerpt.end_s - excerpt.begin_s) / 60:.1f} min at 48 kHz "
              f"({MAX_EXCERPT_SAMPLES:,} samples): median {median(times):.2f} s over {args.runs} "
              f"runs ({', '.join(f'{s:.2f}' for s in times)})")

        samples, _ = sf.read(long_path, dtype="float32")
        stereo_path = Path(tmp) / "long48k-stereo.wav"
        sf.write(stereo_path, np.stack([samples, samples[::-1]], axis=1), rate_hz, "PCM_16")
        del samples
        times = []
        for _ in range(args.runs):
            with Timer() as t:
                excerpt = write_band_excerpt(stereo_path, 0.0, target / rate_hz, 0.0, np.inf, out,
                                             channel=1)
            times.append(t.seconds)
        print(f"one channel of a stereo copy, the whole spectrum (Play on a channel), "
              f"{(excerpt.end_s - excerpt.begin_s) / 60:.1f} min: median {median(times):.2f} s over "
              f"{args.runs} runs ({', '.join(f'{s:.2f}' for s in times)})")


if __name__ == "__main__":
    main()
