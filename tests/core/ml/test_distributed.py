"""Data-parallel training under torchrun, two CPU processes (gloo): one model, written once by rank
0, which alone prints progress; every process sees the same epochs (validation and early stopping
agree); with a feature cache each process decodes its share. And a plain run is a world of one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from core.ml import distributed
from core.ml.checkpoint import load_checkpoint
from tests import audio_factory
from tests.processes import REPO_ROOT

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]


def _torchrun(*args, timeout_s: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*TORCHRUN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout_s, cwd=REPO_ROOT)


def test_a_plain_run_is_a_world_of_one():
    assert distributed.world_from_env({}) == distributed.World(0, 1, 0)
    assert distributed.world_from_env({"WORLD_SIZE": "1", "RANK": "0"}).distributed is False
    world = distributed.world_from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert (world.rank, world.size, world.local_rank, world.is_main) == (3, 4, 1, False)
    # Without a process group every collective is the identity.
    assert distributed.sum_across([1.5, 2.0]) == [1.5, 2.0]
    assert distributed.any_across(True) and not distributed.any_across(False)
    distributed.barrier()


@pytest.mark.slow
def test_torchrun_main_py_train_writes_one_model_and_prints_once(tmp_path):
    folder = audio_factory.make_class_folder(tmp_path / "data", n_per_class=8)
    out = tmp_path / "model.pt"
    done = _torchrun("main.py", "train", folder, "--out", out, "--epochs", "2", "--clip-seconds", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    checkpoint = load_checkpoint(out)
    assert checkpoint.metrics["world_size"] == 2 and checkpoint.metrics["device"] == "cpu"
    assert sorted(checkpoint.classes) == ["chirp", "noise", "tone"]
    assert done.stdout.count("Saved ") == 1  # the summary, from rank 0 alone
    assert done.stderr.count("Training compact") == 1
    epoch_lines = [line for line in done.stderr.splitlines() if "epoch 2/2" in line]
    assert epoch_lines and len(epoch_lines) == len(set(epoch_lines))  # one process's bar


WORKER = """
    import json, os, sys
    from pathlib import Path
    from core.ml.train_config import TrainConfig
    from core.ml.training import train
    folder, cache, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    clips = [(p, p.parent.name) for p in sorted(Path(folder).rglob("*.wav"))]
    result = train(clips, TrainConfig(epochs=6, patience_epochs=1, clip_seconds_requested=1.0,
                                      num_threads=1), cache_dir=cache)
    rank = os.environ["RANK"]
    (out / f"rank{rank}.json").write_text(json.dumps(dict(
        world_size=result.world_size, n_decoded=result.n_decoded,
        checkpoint=result.checkpoint is not None, best_epoch=result.best_epoch,
        history=[(h.train_loss, h.val_loss, h.val_accuracy) for h in result.history])))
"""


@pytest.mark.slow
def test_processes_agree_on_every_epoch_and_share_the_decoding(tmp_path):
    folder = audio_factory.make_class_folder(tmp_path / "data", n_per_class=8)
    script = tmp_path / "worker.py"
    script.write_text(f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n"
                      + textwrap.dedent(WORKER))
    done = _torchrun(script, folder, tmp_path / "cache", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert [r["checkpoint"] for r in ranks] == [True, False]  # rank 0 holds the model
    # The same figures on both, so both stop early at the same epoch (patience 1).
    assert ranks[0]["history"] == ranks[1]["history"] and ranks[0]["best_epoch"] == ranks[1]["best_epoch"]
    # Each decoded half of the 24 clips into the shared cache and read the other half from it.
    assert sorted(r["n_decoded"] for r in ranks) == [12, 12]
