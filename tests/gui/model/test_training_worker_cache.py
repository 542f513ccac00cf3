"""The app's training task fills the project's feature cache beside its models folder, so a
retrain decodes only the clips labelled since."""

from __future__ import annotations

import pytest

from core.ml.feature_cache import cache_size_bytes
from core.ml.train_config import TrainConfig
from gui.model.workers import TrainingWorker
from tests import audio_factory


@pytest.mark.slow
def test_training_task_reads_and_fills_the_store_cache(tmp_path):
    folder = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=4)
    pairs = [(p, p.parent.name) for p in sorted(folder.rglob("*.wav"))]
    store = tmp_path / "store"
    config = TrainConfig(epochs=1, clip_seconds_requested=1.0, num_threads=1)
    result, saved = TrainingWorker(pairs[:-2], config, save_to=store / "models").work()
    assert saved.parent == store / "models" and result.n_decoded == len(pairs) - 2
    assert cache_size_bytes(store) > 0
    again, _ = TrainingWorker(pairs, config, save_to=store / "models").work()
    assert again.n_decoded == 2


@pytest.mark.slow
def test_training_task_runs_torch_on_every_core_and_reads_files_on_all_but_one(tmp_path,
                                                                               monkeypatch):
    import torch

    import gui.model.workers as workers

    monkeypatch.setattr(workers.os, "cpu_count", lambda: 3)
    folder = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=4)
    pairs = [(p, p.parent.name) for p in sorted(folder.rglob("*.wav"))]
    before = torch.get_num_threads()  # .work() runs on this thread and sets its count
    try:
        result, _ = TrainingWorker(pairs, TrainConfig(epochs=1, clip_seconds_requested=1.0)).work()
        asked, _ = TrainingWorker(pairs, TrainConfig(epochs=1, clip_seconds_requested=1.0,
                                                     num_threads=1)).work()
    finally:
        torch.set_num_threads(before)
    assert result.checkpoint.train_config["num_threads"] == 3
    assert result.checkpoint.train_config["decode_workers"] == 2
    assert asked.checkpoint.train_config["num_threads"] == 1  # a number asked for is kept
