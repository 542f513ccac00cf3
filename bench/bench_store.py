"""Benchmark the project store (prints figures; not a test).

    uv run python -m bench.bench_store [--clips 10000] [--repeats 5]

Writes N short WAVs (0.1 s, 16 kHz, in 10 class folders) to a temporary folder outside the repo,
then measures, repeated and reported as medians:

- first scan (a fresh store each time: header reads, label import) and the time until the first
  batch of rows reached ``on_batch``;
- reopen of the scanned project + ``clips()``;
- a rescan of the unchanged folder (stat only, no audio read);
- ``set_labels`` on 1,000 clips (one durable transaction);
- ``back_up``: the copy of the store the window makes as it lets the project go;
- ``check the copies``: SQLite's quick check of the copies, to find the one a damaged store is
  offered (one copy per repeat's store here).

Targets: first scan <= 10 s, first 500 rows <= 1 s, reopen <= 1 s, 1,000 labels <= 100 ms.
The audio was just written, so it sits in the OS page cache: a cold-disk first scan is slower.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from core.store import store_backup  # noqa: E402
from core.store.added_files import add_files_to_project, remove_added_files  # noqa: E402
from core.store.project import Project  # noqa: E402

TARGETS = {"first scan": 10.0, "first rows": 1.0, "reopen + clips()": 1.0,
           "set_labels(1000)": 0.100}


def make_folder(root: Path, n: int) -> None:
    rate = 16000
    t = np.arange(int(0.1 * rate)) / rate
    for i in range(n):
        kind = f"class{i % 10}"
        samples = (0.3 * np.sin(2 * np.pi * (200 + 10 * (i % 97)) * t)).astype(np.float32)
        path = root / kind / f"{kind}_{i:06d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, samples, rate, subtype="PCM_16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="earmark-bench-store-"))
    os.environ["EARMARK_DATA_DIR"] = str(tmp / "userdata")
    try:
        audio = tmp / "audio"
        started = time.perf_counter()
        make_folder(audio, args.clips)
        print(f"wrote {args.clips} WAVs in {time.perf_counter() - started:.1f} s to {audio}")
        times: dict[str, list[float]] = {k: [] for k in
                                         ("first scan", "first rows", "reopen + clips()",
                                          "rescan unchanged", "add 5 files",
                                          "set_labels(1000)", "restore_labels(1000)",
                                          "back_up at close", "check the copies")}
        first_batch_size = 0
        for rep in range(args.repeats):
            store = tmp / f"store{rep}"
            first_rows_at: list[float] = []

            def on_batch(batch, first_rows_at=first_rows_at):
                nonlocal first_batch_size
                if not first_rows_at:
                    first_rows_at.append(time.perf_counter())
                    first_batch_size = len(batch)

            t0 = time.perf_counter()
            with Project.open(audio, store_dir=store) as project:
                summary = project.scan(on_batch=on_batch)
            t1 = time.perf_counter()
            assert summary.added == args.clips, summary
            times["first scan"].append(t1 - t0)
            times["first rows"].append(first_rows_at[0] - t0)

            t0 = time.perf_counter()
            project = Project.open(audio, store_dir=store)
            clips = project.clips()
            times["reopen + clips()"].append(time.perf_counter() - t0)
            assert len(clips) == args.clips

            t0 = time.perf_counter()
            rescan = project.scan()
            times["rescan unchanged"].append(time.perf_counter() - t0)
            assert rescan.unchanged == args.clips

            # Five classified files added from the Classify tab (copied in, scanned, labelled),
            # then taken out again so the next repeat sees the same folder.
            dropped = sorted(audio.rglob("*.wav"))[:5]
            t0 = time.perf_counter()
            added = add_files_to_project(project, [(p, "added") for p in dropped])
            times["add 5 files"].append(time.perf_counter() - t0)
            assert len(added.clip_ids) == 5
            remove_added_files(project, added)

            ids = [c.id for c in clips[rep * 7: rep * 7 + 1000]]
            t0 = time.perf_counter()
            previous = project.set_labels(ids, f"bench{rep}")
            times["set_labels(1000)"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            project.restore_labels(previous)
            times["restore_labels(1000)"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert project.back_up() is not None
            times["back_up at close"].append(time.perf_counter() - t0)
            # What opening a damaged store costs to find the copy to offer (SQLite's quick
            # check of each copy, newest first), on the window's thread.
            t0 = time.perf_counter()
            assert store_backup.newest_sound(project.store_path) is not None
            times["check the copies"].append(time.perf_counter() - t0)
            project.close()

        print(f"\n{args.clips} clips, {args.repeats} repeats, medians "
              f"(first batch held {first_batch_size} rows):")
        for name, values in times.items():
            med = statistics.median(values)
            target = TARGETS.get(name)
            verdict = "" if target is None else (
                f"  target <= {target * 1000:.0f} ms: " + ("ok" if med <= target else "MISSED"))
            spread = ", ".join(f"{v * 1000:.0f}" for v in values)
            print(f"  {name:22s} {med * 1000:9.1f} ms   [{spread}]{verdict}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
