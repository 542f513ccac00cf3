"""Feature cache on disk (issue 18 item 2), two figures:

- peak resident memory (ru_maxrss of a fresh child process) of a training run on 10,000 / 50,000 /
  200,000 generated one-second clips (`--sizes`), features read through the cache (goal: under
  2 GB at 200,000); `--ram-too` also runs the in-RAM path (no cache) on the smallest size;
- a retrain of 300 five-second clips (cut from ../shared/data/catsdogs-train, generated without
  it): the first run on 290 of them filling an empty cache (cold), then, after 10 more clips are
  labelled, today's Train without a cache, Train with the warm cache, and Fine-tune of the first
  run's model with the warm cache (goal: at most half of today's run), each in a fresh process,
  with the time spent before the first epoch (decoding) apart; medians of `--repeats`.

`uv run python bench/bench_feature_cache.py --sizes 10000 --epochs 1` is the short run;
generated clips are kept under `--folder` (default: a temporary folder, removed after) and take
about 32 KB each on disk (200,000: 6.4 GB; check `df -h /tmp`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CATSDOGS, ROOT, median  # noqa: E402
from core.ml.train_config import TrainConfig  # noqa: E402

RATE_HZ = 16000
KINDS = ("tone", "chirp", "noise", "pulses")
PER_FOLDER = 1000  # files per folder: a flat folder of 200,000 files is slow to list

CHILD = """
import json, resource, sys, time
args = json.loads(sys.argv[1])
sys.path.insert(0, args["root"])
from core.ml.train_config import TrainConfig
from core.ml.training import train
clips = [tuple(line.rsplit("\\t", 1)) for line in open(args["list"]).read().splitlines()]
first = []
def on_progress(report):
    if report.phase == "training" and not first:
        first.append(time.perf_counter())
# The app's patience, or none (the memory runs); a one-cycle run ignores it and runs every epoch.
patience = TrainConfig().patience_epochs if args["early_stopping"] else None
config = TrainConfig(epochs=args["epochs"], clip_seconds_requested=args["clip_s"],
                     patience_epochs=patience, num_threads=args["threads"])
init = None
if args.get("init"):  # Fine-tune: the app's button, from the model of an earlier run
    from core.ml.checkpoint import load_checkpoint
    init, config = load_checkpoint(args["init"]), config.for_fine_tuning()
started = time.perf_counter()
result = train(clips, config, init_from=init, progress=on_progress, cache_dir=args["cache"])
if args.get("save"):
    from core.ml.checkpoint import save_checkpoint
    save_checkpoint(result.checkpoint, args["save"])
print(json.dumps(dict(
    peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    seconds=time.perf_counter() - started, before_first_epoch_s=first[0] - started,
    n_decoded=result.n_decoded, clips=result.n_train + result.n_val,
    accuracy=result.report.accuracy, epochs=len(result.history))))
"""

def generate(folder: Path, count: int, seed: int = 0) -> Path:
    """``count`` one-second clips of four kinds (a tone, a chirp, noise, pulses) at random
    pitches, offsets and levels, in folders of PER_FOLDER; returns the list file (path TAB label).
    Files already there are kept, so a bigger size reuses a smaller one's."""
    listing = folder / f"clips-{count}.tsv"
    if listing.exists():
        return listing
    rng = np.random.default_rng(seed)
    t = np.arange(RATE_HZ) / RATE_HZ
    lines = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        path = folder / f"{i // PER_FOLDER:04d}" / f"{kind}-{i:06d}.wav"
        lines.append(f"{path}\t{kind}")
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        f0 = rng.uniform(300, 3000)
        if kind == "tone":
            wave = np.sin(2 * np.pi * f0 * t)
        elif kind == "chirp":
            wave = np.sin(2 * np.pi * (f0 * t + rng.uniform(500, 2000) * t * t))
        elif kind == "noise":
            wave = rng.standard_normal(RATE_HZ) * 0.5
        else:
            wave = np.sin(2 * np.pi * f0 * t) * (np.sin(2 * np.pi * rng.uniform(3, 12) * t) > 0.6)
        envelope = np.zeros(RATE_HZ)
        start = rng.integers(0, RATE_HZ // 2)
        envelope[start:start + RATE_HZ // 2] = 1.0
        wave = wave * envelope * rng.uniform(0.05, 0.5) + rng.standard_normal(RATE_HZ) * 0.005
        sf.write(path, wave.astype(np.float32), RATE_HZ, subtype="PCM_16")
    listing.write_text("\n".join(lines) + "\n")
    return listing


def five_second_clips(folder: Path, count: int = 300, rate_hz: int | None = None
                      ) -> list[tuple[str, str]]:
    """``count`` five-second clips, cut from the cats-and-dogs recordings one after another
    (a recording gives 5 s windows at 0, 5, 10 s... while it lasts, shorter ones padded by the
    app), labelled by their class; generated tones and noise when the corpus is missing.
    ``rate_hz``: written resampled to it (as a recorder's 44.1 kHz files: decoding then
    resamples them), else at the corpus's 16 kHz."""
    from core.audio.resampling import resample

    folder.mkdir(parents=True, exist_ok=True)
    clips: list[tuple[str, str]] = []
    if CATSDOGS.is_dir():
        sources = sorted(CATSDOGS.glob("*/*.wav"))
        offset_s = 0
        while len(clips) < count and offset_s < 20:
            for source in sources:
                audio, rate = sf.read(source, dtype="float32")
                window = audio[offset_s * rate:(offset_s + 5) * rate]
                if len(window) < rate or len(clips) >= count:
                    continue
                path = folder / f"{source.parent.name}-{source.stem}-{offset_s}.wav"
                if rate_hz:
                    window = resample(window, rate, rate_hz)
                sf.write(path, window, rate_hz or rate, subtype="PCM_16")
                clips.append((str(path), source.parent.name))
            offset_s += 5
    rng = np.random.default_rng(1)
    while len(clips) < count:  # the corpus missing (or short): generated clips
        kind = KINDS[len(clips) % 2]
        wave = (np.sin(2 * np.pi * rng.uniform(300, 3000) * np.arange(5 * RATE_HZ) / RATE_HZ)
                if kind == "tone" else rng.standard_normal(5 * RATE_HZ) * 0.3)
        path = folder / f"generated-{len(clips):03d}.wav"
        sf.write(path, (wave * 0.3).astype(np.float32), RATE_HZ, subtype="PCM_16")
        clips.append((str(path), kind))
    return clips


def run_child(listing: Path, cache: Path | None, epochs: int, clip_s: float,
              threads: int | None = None, init: Path | None = None,
              save: Path | None = None, early_stopping: bool = False) -> dict:
    """One training run in a fresh interpreter (fine-tuning the model at ``init``; saving its
    own to ``save``); what it reports, and the children's peak RSS as the parent sees it."""
    args = dict(root=str(ROOT), list=str(listing), epochs=epochs, clip_s=clip_s,
                cache=None if cache is None else str(cache), threads=threads,
                init=None if init is None else str(init), save=None if save is None else str(save),
                early_stopping=early_stopping)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), json.dumps(args)],
                          capture_output=True, text=True, timeout=24 * 3600)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["children_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return report


def memory_by_size(folder: Path, sizes: list[int], epochs: int, ram_too: bool,
                   threads: int | None) -> None:
    print(f"Peak RSS of a training run on generated one-second clips ({epochs} epoch(s), "
          f"features through the disk cache, cold: decoding included)")
    print(f"{'clips':>8} {'path':>6} {'peak MiB':>9} {'seconds':>8} {'decoded':>8} {'cache MiB':>9}")
    for i, size in enumerate(sorted(sizes)):
        started = time.perf_counter()
        listing = generate(folder / "clips", size)
        print(f"  ({size:,} clips ready in {time.perf_counter() - started:.0f} s)", flush=True)
        runs = [("cache", folder / f"cache-{size}")] + ([("RAM", None)] if ram_too and i == 0 else [])
        for name, cache in runs:
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)
            report = run_child(listing, cache, epochs, 1.0, threads)
            cache_mib = (sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 2**20
                         if cache is not None else 0.0)
            print(f"{size:>8,} {name:>6} {report['peak_mib']:>9.0f} {report['seconds']:>8.1f} "
                  f"{report['n_decoded']:>8,} {cache_mib:>9.0f}", flush=True)
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)


def retrain(folder: Path, epochs: int, threads: int | None, rate_hz: int | None,
            repeats: int) -> None:
    clips = five_second_clips(folder / f"five-second-{rate_hz or 'native'}", rate_hz=rate_hz)
    source = "cats and dogs" if CATSDOGS.is_dir() and "generated" not in clips[0][0] else "generated"
    for path, _ in clips:  # every file in the OS's cache before the first run, for all runs
        Path(path).read_bytes()
    rng = np.random.default_rng(0)
    newest = set(rng.choice(len(clips), 10, replace=False).tolist())
    listings = {}
    for name, chosen in (("all", clips), ("first", [c for i, c in enumerate(clips)
                                                    if i not in newest])):
        listings[name] = folder / f"five-second-{name}.tsv"
        listings[name].write_text("".join(f"{p}\t{label}\n" for p, label in chosen))
    cache, cold_cache = folder / "cache-retrain", folder / "cache-retrain-cold"
    parent = folder / "model-290.pt"
    for stale in (cache, cold_cache):
        shutil.rmtree(stale, ignore_errors=True)
    print(f"\nRetrain of {len(clips)} five-second clips ({source}"
          f"{f', written at {rate_hz} Hz' if rate_hz else ''}), {epochs} epoch(s) "
          f"at most (Fine-tune: {TrainConfig(epochs=epochs).for_fine_tuning().epochs}), the "
          f"app's settings, each run in a fresh process, medians of {repeats}:")
    cold = run_child(listings["first"], cache, epochs, 5.0, threads, save=parent,
                     early_stopping=True)
    shutil.copytree(cache, cold_cache)  # each warm run finds the same 10 clips new

    def warm(init: Path | None) -> dict:
        shutil.rmtree(cache)
        shutil.copytree(cold_cache, cache)
        return run_child(listings["all"], cache, epochs, 5.0, threads, init=init,
                         early_stopping=True)

    runs: dict[str, list[dict]] = {"today": [], "train": [], "fine-tune": []}
    for _ in range(repeats):  # interleaved: a slow spell of the machine hits every kind alike
        runs["today"].append(run_child(listings["all"], None, epochs, 5.0, threads,
                                       early_stopping=True))
        runs["train"].append(warm(None))
        runs["fine-tune"].append(warm(parent))
    rows = [("cold cache, 290 clips (Train)", [cold]),
            ("today: no cache, 300 clips (Train)", runs["today"]),
            ("warm cache, 300 clips, 10 new (Train)", runs["train"]),
            ("warm cache, 300 clips, 10 new (Fine-tune)", runs["fine-tune"])]
    for name, reports in rows:
        print(f"  {name:<42} {median([r['seconds'] for r in reports]):6.1f} s  (before the first "
              f"epoch {median([r['before_first_epoch_s'] for r in reports]):5.1f} s; "
              f"{reports[0]['n_decoded']} decoded; {median([r['epochs'] for r in reports]):.0f} "
              f"epochs; val acc {median([r['accuracy'] for r in reports]):.3f})")
    today_s = median([r["seconds"] for r in runs["today"]])
    for kind in ("train", "fine-tune"):
        ratios = [w["seconds"] / t["seconds"] for w, t in zip(runs[kind], runs["today"], strict=True)]
        print(f"  warm {kind} / today: {median([r['seconds'] for r in runs[kind]]) / today_s:.2f} "
              f"(each repeat: {', '.join(f'{r:.2f}' for r in ratios)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 200_000])
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the memory runs")
    parser.add_argument("--retrain-epochs", type=int, default=None,
                        help="epochs of the retrain runs (default: the default recipe's)")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where generated clips and caches go (kept); default a temporary one")
    parser.add_argument("--ram-too", action="store_true",
                        help="also the in-RAM path (no cache) on the smallest size")
    parser.add_argument("--skip-retrain", action="store_true")
    parser.add_argument("--retrain-rate", type=int, default=None,
                        help="write the five-second clips at this rate (e.g. 44100: decoding "
                             "then resamples); default the corpus's 16 kHz")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each retrain kind, quoted as medians (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per run (default: every core)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="earmark-bench-cache-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EARMARK_DATA_DIR", str(folder / "data"))
    try:
        if args.sizes:
            memory_by_size(folder, args.sizes, args.epochs, args.ram_too, args.threads)
        if not args.skip_retrain:
            retrain(folder, args.retrain_epochs or TrainConfig().epochs, args.threads,
                    args.retrain_rate, args.repeats)
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
