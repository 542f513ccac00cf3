"""Region measurements on real audio: how long Export Regions with measurements takes, and what
one long region costs.

1. Every cats-and-dogs recording (../shared/data/catsdogs-train, 16 kHz, 1-18 s) in a project,
   one region over each whole file and one box per file (its first second, 500-4,000 Hz):
   ``measure_regions`` over all of them, regions per second.
2. A long recording built from those clips back to back (``--long-minutes``, 30 by default,
   written to a temporary folder), one region over all of it: seconds to measure, and the
   process's peak memory growth (ru_maxrss) against the samples' own size, so the block-by-block
   reading shows.

Medians over ``--runs`` (default 5). Run with ``uv run python bench/bench_measurements.py``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Timer, catsdogs_clips, median, write_back_to_back  # noqa: E402
from core.audio.measurements import RegionSpan, measure_file_regions  # noqa: E402
from core.store.project import Project  # noqa: E402
from core.store.region_export import measure_regions  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--long-minutes", type=float, default=30.0)
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


if __name__ == "__main__":
    main()
