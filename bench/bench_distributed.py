"""Data-parallel training (issue 18 item 3): training time and held-out accuracy of one process
against N processes under torchrun (`--procs 1,2`), on FSDD: three speakers train, the fourth
tests, for each held-out speaker of `--folds`. The machine's cores are shared out (one process
gets them all, two get half each), so the figures say what splitting the work gains, not what
more hardware would. `--cache` decodes into a shared feature cache (cold, in a fresh folder per
run: each process decodes its share) instead of every process decoding every clip in RAM.

Full run (the lead's): `uv run python bench/bench_distributed.py --folds 4`; a smoke run:
`uv run python bench/bench_distributed.py --folds 1 --epochs 1 --per-speaker 40`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fsdd_clips  # noqa: E402


def worker(args) -> None:
    """One process of a run (under torchrun, or alone): trains on every speaker but the held-out
    one; rank 0 classifies the held-out speaker's clips and writes the figures to ``args.out``."""
    from core.ml.distributed import is_main_process
    from core.ml.inference import Classifier
    from core.ml.train_config import TrainConfig
    from core.ml.training import train

    clips = _subset(args.held_out, args.per_speaker)
    config = TrainConfig(epochs=args.epochs, seed=args.seed, num_threads=args.threads)
    first: list[float] = []

    def on_progress(report) -> None:
        if report.phase == "training" and not first:
            first.append(time.perf_counter())

    started = time.perf_counter()
    result = train([(p, lbl) for p, lbl, spk in clips if spk != args.held_out], config,
                   progress=on_progress, cache_dir=args.cache)
    seconds = time.perf_counter() - started
    if not is_main_process():
        return
    test = [(p, lbl) for p, lbl, spk in clips if spk == args.held_out]
    classifier = Classifier.from_checkpoint(result.checkpoint)
    predictions = list(classifier.predict_files([p for p, _ in test]))
    right = sum(pred.label == lbl for pred, (_, lbl) in zip(predictions, test, strict=True))
    Path(args.out).write_text(json.dumps(dict(
        seconds=seconds, before_first_epoch_s=(first[0] - started) if first else seconds,
        accuracy=right / len(test), world_size=result.world_size, epochs=len(result.history),
        n_train=result.n_train, n_decoded=result.n_decoded)))


def _subset(held_out: str, per_speaker: int | None) -> list[tuple[Path, str, str]]:
    clips = fsdd_clips()
    if held_out not in {spk for _, _, spk in clips}:
        raise SystemExit(f"no FSDD speaker {held_out!r}")
    if per_speaker:
        by_speaker: dict[str, list] = {}
        for clip in clips:
            by_speaker.setdefault(clip[2], []).append(clip)
        clips = [c for group in by_speaker.values() for c in group[::max(1, len(group) // per_speaker)]
                 [:per_speaker]]
    return clips


def run(procs: int, held_out: str, args, folder: Path) -> dict:
    """One run with ``procs`` processes; its figures and the wall time of the whole launch."""
    cores = os.cpu_count() or 1
    out = folder / f"result-{procs}-{held_out}.json"
    cache = folder / f"cache-{procs}-{held_out}" if args.cache else None
    command = [__file__, "--worker", "--held-out", held_out, "--epochs", str(args.epochs),
               "--seed", str(args.seed), "--threads", str(max(1, cores // procs)),
               "--out", str(out)]
    if args.per_speaker:
        command += ["--per-speaker", str(args.per_speaker)]
    if cache is not None:
        command += ["--cache", str(cache)]
    if procs > 1:
        command = ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(procs),
                   *command]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    figures = json.loads(out.read_text())
    figures["wall_s"] = time.perf_counter() - started
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", default="1,2", help="process counts to compare")
    parser.add_argument("--folds", type=int, default=4, help="held-out speakers, in turn")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-speaker", type=int, default=None,
                        help="clips per speaker (a quick run); default all")
    parser.add_argument("--cache", nargs="?", const="auto", default=None,
                        help="decode into a shared feature cache (cold) instead of in RAM")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--held-out", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    speakers = sorted({spk for _, _, spk in fsdd_clips()})[:args.folds]
    procs = [int(p) for p in args.procs.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="earmark-bench-ddp-"))
    os.environ.setdefault("EARMARK_DATA_DIR", str(folder / "data"))
    results: dict[int, list[dict]] = {p: [] for p in procs}
    try:
        print(f"{'held out':>10} {'procs':>5} {'accuracy':>8} {'train s':>8} {'decode s':>8} "
              f"{'wall s':>7} {'epochs':>6}")
        for speaker in speakers:
            for p in procs:
                r = run(p, speaker, args, folder)
                results[p].append(r)
                print(f"{speaker:>10} {p:>5} {r['accuracy']:>8.3f} {r['seconds']:>8.1f} "
                      f"{r['before_first_epoch_s']:>8.1f} {r['wall_s']:>7.1f} {r['epochs']:>6}",
                      flush=True)
        for p in procs:
            rows = results[p]
            print(f"{p} process(es): mean accuracy {statistics.mean(r['accuracy'] for r in rows):.3f}, "
                  f"mean training {statistics.mean(r['seconds'] for r in rows):.1f} s "
                  f"over {len(rows)} fold(s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
