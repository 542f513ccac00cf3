"""Shared helpers for the benchmark scripts: where the real data lives, medians, timing."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FSDD = Path(os.environ.get("EARMARK_FSDD", ROOT.parent / "shared" / "data" / "fsdd-4speakers"))
CATSDOGS = Path(os.environ.get("EARMARK_CATSDOGS",
                               ROOT.parent / "shared" / "data" / "catsdogs-train"))


def fsdd_clips(root: Path = FSDD) -> list[tuple[Path, str, str]]:
    """(path, digit label, speaker) for every FSDD recording; the speaker is in the file name."""
    if not root.is_dir():
        raise SystemExit(f"FSDD not found at {root}; set EARMARK_FSDD to its folder")
    clips = []
    for path in sorted(root.rglob("*.wav")):
        clips.append((path, path.parent.name, path.stem.split("_")[1]))
    return clips


def catsdogs_clips(root: Path = CATSDOGS) -> list[tuple[Path, str]]:
    """(path, class) for every recording of the cats-and-dogs train split (class folders)."""
    if not root.is_dir():
        raise SystemExit(f"cats and dogs not found at {root}; set EARMARK_CATSDOGS to its folder")
    return [(path, path.parent.name) for path in sorted(root.glob("*/*.wav"))]


def median(values) -> float:
    return statistics.median(values)


def write_back_to_back(path: Path, sources: list[Path], n_samples: int, rate_hz: int) -> Path:
    """A long 16-bit mono recording of ``n_samples`` at ``rate_hz``: ``sources`` (mono mixes,
    resampled to ``rate_hz`` where theirs differs) end to end, over again until it is long
    enough, written one source at a time so memory stays small."""
    import soundfile as sf

    from core.audio import reading

    with sf.SoundFile(path, "w", rate_hz, 1, subtype="PCM_16") as out:
        written = 0
        while written < n_samples:
            for source in sources:
                part = reading.read(source, rate_hz)[:n_samples - written]
                out.write(part)
                written += len(part)
                if written >= n_samples:
                    break
    return path


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
