"""Faults from outside: SIGKILL while labelling, training or saving, a full disk (RLIMIT_FSIZE),
a store made read-only while open, and model files that are hostile or do not fit.

A SIGKILL mid-import is in tests/core/test_label_io.py; a deleted file in test_bad_input.py.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

from core.errors import CheckpointError, ProjectError
from core.ml.checkpoint import load_checkpoint, save_checkpoint
from core.store.project import Project
from tests import audio_factory
from tests.bad_corpus import write_trapped_checkpoint
from tests.processes import kill_hard, killed_mid_write, run_main, start_main, start_python

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")



# ---------------------------------------------------------------- SIGKILL


@pytest.mark.slow
def test_sigkill_while_labelling_leaves_old_or_new(tmp_path):
    root = tmp_path / "audio"
    for i in range(60):
        audio_factory.write(root / f"clip{i:02d}.wav", audio_factory.tone(440, 0.01))
    with Project.open(root) as project:
        project.scan()
    labeller = """
        from core.store.project import Project
        with Project.open(sys.argv[1]) as project:
            ids = [c.id for c in project.clips()]
            print("started", flush=True)
            i = 0
            while True:
                project.set_labels(ids, ("a", "b", None)[i % 3])
                i += 1
    """
    for _ in killed_mid_write(labeller, root, seed=7):
        with Project.open(root) as project:
            labels = {c.label for c in project.clips()}
            # One transaction per set_labels: every clip has the label of the same call.
            assert len(labels) == 1 and labels <= {"a", "b", None}
            assert len(project.clips()) == 60
            project.set_labels([project.clips()[0].id], "after")  # still writable


def _training_run(data: Path, out: Path, epochs: int) -> subprocess.Popen:
    return start_main("train", data, "--epochs", epochs, "--clip-seconds", "1", "--out", out)


@pytest.mark.slow
def test_sigkill_mid_training_keeps_the_previous_model(tmp_path, model_file):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=10, kinds=("tone", "noise"))
    out = tmp_path / "models" / "m.pt"
    out.parent.mkdir()
    out.write_bytes(model_file.read_bytes())  # the earlier run's model
    before = out.read_bytes()
    proc = _training_run(data, out, epochs=500)
    try:
        for line in proc.stderr:  # progress lines go to stderr, one per update when piped
            if "epoch 2/" in line:
                break
    finally:
        kill_hard(proc)
    assert out.read_bytes() == before
    assert list(out.parent.iterdir()) == [out]
    assert load_checkpoint(out).classes == ["chirp", "noise", "tone"]


@pytest.mark.slow
def test_sigkill_while_saving_leaves_a_valid_model_and_stray_temp_is_harmless(
        tmp_path, trained, model_file):
    out = tmp_path / "m.pt"
    out.write_bytes(model_file.read_bytes())
    saver = """
        import torch
        from core.ml.checkpoint import load_checkpoint, save_checkpoint
        checkpoint = load_checkpoint(sys.argv[1])
        # Heavier weights make each save long enough to be killed inside it.
        checkpoint.metrics["padding"] = torch.zeros(8_000_000)
        print("started", flush=True)
        while True:
            save_checkpoint(checkpoint, sys.argv[1])
    """
    rng = random.Random(3)
    for _ in range(2):
        proc = start_python(saver, out)
        try:
            assert proc.stdout.readline().strip() == "started", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 0.5))
        finally:
            kill_hard(proc)
        # Old or new, but always a whole checkpoint under the final name.
        assert load_checkpoint(out).classes == ["chirp", "noise", "tone"]
    strays = [p for p in tmp_path.iterdir() if p != out]
    assert all(p.name.startswith(".m.pt.") and p.name.endswith(".tmp") for p in strays), strays
    # A left-over temp file (made here if no kill landed mid-write) confuses nothing.
    stray = tmp_path / ".m.pt.leftover.tmp"
    stray.write_bytes(b"half a checkpoint")
    save_checkpoint(trained.checkpoint, out)
    assert load_checkpoint(out).classes == trained.checkpoint.classes
    wav = audio_factory.write(tmp_path / "x.wav", audio_factory.tone(700, 1.0))
    result = run_main("predict", out, tmp_path)  # the folder with the stray: only x.wav listed
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 2 and str(wav) in result.stdout


# ---------------------------------------------------------------- disk full


@pytest.mark.slow
def test_real_file_size_limit_gives_checkpoint_error_and_keeps_old_model(tmp_path, model_file):
    pytest.importorskip("resource")  # the script below sets RLIMIT_FSIZE
    out = tmp_path / "m.pt"
    out.write_bytes(model_file.read_bytes())
    before = out.read_bytes()
    limit_bytes = len(before) // 2
    saver = f"""
        import resource, signal
        from core.ml.checkpoint import load_checkpoint, save_checkpoint
        from core.errors import CheckpointError
        checkpoint = load_checkpoint(sys.argv[1])
        # Past the limit a write fails with EFBIG, as on a full disk (SIGXFSZ would kill us).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit_bytes}, {limit_bytes}))
        try:
            save_checkpoint(checkpoint, sys.argv[1])
        except CheckpointError as exc:
            print("refused:", exc)
    """
    proc = start_python(saver, out)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert stdout.startswith("refused:") and str(out) in stdout and "could not save" in stdout
    assert out.read_bytes() == before
    assert list(tmp_path.iterdir()) == [out]


# ---------------------------------------------------------------- read-only store


def test_store_made_read_only_while_open(tmp_path):
    root = tmp_path / "audio"
    for i in range(4):
        audio_factory.write(root / "dog" / f"{i}.wav", audio_factory.tone(440, 0.01))
    store_dir = root / ".earmark"
    with Project.open(root) as project:
        project.scan()
        ids = [c.id for c in project.clips()]
        project.set_labels(ids[:1], "cat")
        for path in [store_dir, *store_dir.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            try:
                project.set_labels(ids[1:2], "wolf")
                saved = True  # the open connection's files still take writes (or we are root)
            except ProjectError as exc:
                saved = False
                assert str(store_dir) in str(exc)
        finally:
            for path in [store_dir, *store_dir.iterdir()]:
                path.chmod(0o755 if path.is_dir() else 0o644)
    with Project.open(root) as project:
        labels = [project.clip(i).label for i in ids]
    assert labels[0] == "cat"  # nothing lost
    assert labels[1] == ("wolf" if saved else "dog")


# ---------------------------------------------------------------- model files


@pytest.mark.slow
def test_cli_refuses_pickled_code_in_one_line(tmp_path, trained):
    marker = tmp_path / "pwned"
    evil = write_trapped_checkpoint(trained.checkpoint, tmp_path / "evil.pt", marker)
    wav = audio_factory.write(tmp_path / "x.wav", audio_factory.tone(700, 1.0))
    result = run_main("predict", evil, wav)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and str(evil) in result.stderr
    assert "refused" in result.stderr and not result.stdout
    assert not marker.exists()


@pytest.mark.slow
@pytest.mark.parametrize("change, words", [
    ({"classes": ["a", "b"], "thresholds": [0.5, 0.5], "background_class": None, "novelty": None},
     "do not fit"),  # only the weights disagree
    ({"classes": ["a", "b"], "thresholds": [0.5, 0.5], "background_class": None},
     "novelty rule for 3 classes"),  # the unknown rule disagrees too
    ({"feature_config": {"kind": "cqt"}}, "feature settings"),
    ({"feature_config": {"n_mels": 1}}, "feature settings"),
    ({"feature_config": {"sample_rate_hz": 0}}, "sample rate"),
    ({"model_name": "seed-cnn"}, "do not fit"),
])
def test_checkpoint_that_does_not_fit_gets_a_clear_message(tmp_path, trained, change, words):
    payload = trained.checkpoint.to_payload()
    for key, value in change.items():
        if isinstance(value, dict):
            payload[key] = dict(payload[key], **value)
        else:
            payload[key] = value
    path = tmp_path / "other.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=words) as caught:
        load_checkpoint(path)
    assert caught.value.path == path and "\n" not in str(caught.value)
