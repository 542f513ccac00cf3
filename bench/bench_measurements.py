"""Region measurements on real audio: how long Export Regions with measurements takes, and what
one long region costs.

1. Every cats-and-dogs recording (../shared/data/catsdogs-train, 16 kHz, 1-18 s) in a project,
   one region over each whole file and one box per file (its first second, 500-4,000 Hz):
   ``measure_regions`` over all of them, regions per second.
2. A long recording built from those clips back to back (``--long-minutes``, 30 by default,
   written to a temporary folder), one region over all of it: seconds to measure, and the
   process's peak memory growth (ru_maxrss) against the samples' own size, so the block-by-block
   reading shows.
3. SNR against a known one: FSDD digits (``--snr-digits`` of them, 8 kHz) each placed 1 s into
   3 s of white noise, scaled so that the digit's mean square over its own span is 0, 10, 20 or
   30 dB above the noise's; one region over the digit, all frequencies. Per SNR set, the median
   measured SNR and the median absolute error.

Medians over ``--runs`` (default 5). Run with ``uv run python bench/bench_measurements.py``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, catsdogs_clips, fsdd_clips, median, write_back_to_back  # noqa: E402
from core.audio.measurements import RegionSpan, measure_file_regions  # noqa: E402
from core.store.project import Project  # noqa: E402
from core.store.region_export import measure_regions  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--long-minutes", type=float, default=30.0)
    parser.add_argument("--snr-digits", type=int, default=100)
    args = parser.parse_args()
    clips = catsdogs_clips()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "catsdogs"
        folder.mkdir()
        for path, label in clips:
            (folder / f"{label}_{path.name}").symlink_to(path)
        with Project.open(folder, store_dir=Path(tmp) / "store") as project:
            project.scan()
            for clip in project.clips():
                project.add_region(clip.id, 0.0, clip.duration_s, clip.path.split("_")[0])
                project.add_region(clip.id, 0.0, min(1.0, clip.duration_s), None, 500.0, 4000.0)
            n = len(project.regions())
            audio_s = sum(c.duration_s for c in project.clips()) + sum(
                min(1.0, c.duration_s) for c in project.clips())
            times = []
            for _ in range(args.runs):
                with Timer() as t:
                    measured = measure_regions(project)
                times.append(t.seconds)
            assert not measured.unreadable and len(measured.by_region) == n
        print(f"cats and dogs: {n} regions over {audio_s:.0f} s of audio in {len(clips)} files; "
              f"measure_regions median {median(times):.2f} s "
              f"({n / median(times):.0f} regions/s, {audio_s / median(times):.0f} s of audio per s)"
              f" over {args.runs} runs: {', '.join(f'{s:.2f}' for s in times)}")

        rate_hz = 16000
        target = int(args.long_minutes * 60 * rate_hz)
        long_path = write_back_to_back(
            Path(tmp) / "long.wav", [p for p, _ in clips if sf.info(p).samplerate == rate_hz],
            target, rate_hz)
        samples_mb = target * 4 / 1e6
        before_mb = _peak_rss_mb()
        long_times = []
        for _ in range(args.runs):
            with Timer() as t:
                [m] = measure_file_regions(long_path, [RegionSpan(0.0, target / rate_hz)])
            long_times.append(t.seconds)
        grown_mb = _peak_rss_mb() - before_mb
        print(f"one region over {args.long_minutes:.0f} min at 16 kHz: median {median(long_times):.2f} s"
              f" over {args.runs} runs ({', '.join(f'{s:.2f}' for s in long_times)}); peak memory "
              f"grew {grown_mb:.0f} MB, against {samples_mb:.0f} MB for its samples as float32; "
              f"peak {m.peak_freq_hz:.0f} Hz, centre {m.center_freq_hz:.0f} Hz, "
              f"90% duration {m.dur_90_s:.0f} s")
        _snr_against_known(Path(tmp), args.snr_digits)


def _snr_against_known(folder: Path, n_digits: int) -> None:
    rng = np.random.default_rng(0)
    digits = [p for p, _, _ in fsdd_clips()]
    digits = [digits[i] for i in rng.choice(len(digits), size=n_digits, replace=False)]
    print(f"SNR of {n_digits} FSDD digits placed in white noise at a known SNR "
          f"(one region over each digit, all frequencies):")
    for target_db in (0.0, 10.0, 20.0, 30.0):
        measured = []
        for i, path in enumerate(digits):
            digit, rate_hz = sf.read(path, dtype="float32", always_2d=True)
            digit = digit.mean(axis=1)
            noise = rng.normal(0.0, 0.01, 3 * rate_hz).astype(np.float32)
            first = rate_hz
            span = noise[first:first + len(digit)]
            gain = np.sqrt(np.mean(span.astype(np.float64) ** 2) * 10 ** (target_db / 10)
                           / np.mean(digit.astype(np.float64) ** 2))
            samples = noise.copy()
            samples[first:first + len(digit)] += gain * digit
            out = folder / f"snr_{i}.wav"
            sf.write(out, samples, rate_hz, subtype="FLOAT")
            [m] = measure_file_regions(out, [RegionSpan(first / rate_hz,
                                                        (first + len(digit)) / rate_hz)])
            measured.append(m.snr_db)
        measured = np.asarray(measured)
        print(f"  set {target_db:4.0f} dB: measured median {np.nanmedian(measured):6.2f} dB, "
              f"median |error| {np.nanmedian(np.abs(measured - target_db)):.2f} dB, "
              f"95th percentile |error| {np.nanpercentile(np.abs(measured - target_db), 95):.2f} dB"
              f", not a number {int(np.isnan(measured).sum())}")


if __name__ == "__main__":
    main()
