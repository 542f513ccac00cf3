"""Training past one CPU and past RAM: the device a run uses is resolved, refused when missing and
recorded in the model; with a feature cache a retrain decodes only new and changed clips, reads
its batches from the cache and learns as well as a run in RAM."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from core.errors import TrainingError
from core.ml import feature_cache
from core.ml import rows as rows_module
from core.ml.rows import CachedRows
from core.ml.train_config import TrainConfig
from core.ml.training import train
from tests import audio_factory

# Epochs of one pass over the clips (min_epoch_clips 0): these tests compare ways of feeding the
# same steps, and float16 cached features move the weights further the more steps there are.
FAST = TrainConfig(epochs=3, patience_epochs=None, clip_seconds_requested=1.0, num_threads=1,
                   min_epoch_clips=0)


def _clips(folder):
    return [(p, p.parent.name) for p in sorted(folder.rglob("*.wav"))]


def test_a_missing_device_stops_before_any_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    read = []
    monkeypatch.setattr("core.audio.reading.read", lambda *a, **k: read.append(a))
    clips = [(tmp_path / f"{i}.wav", "ab"[i % 2]) for i in range(6)]
    with pytest.raises(TrainingError, match=r"device cuda:1 is not available.*available: cpu"):
        train(clips, TrainConfig(device="cuda:1"))
    assert read == []


@pytest.mark.slow
def test_the_device_and_process_count_are_recorded(class_folder):
    result = train(_clips(class_folder)[::4], TrainConfig(epochs=1, clip_seconds_requested=1.0,
                                                           num_threads=1))
    assert (result.device, result.world_size, result.rank) == ("cpu", 1, 0)
    assert result.checkpoint.metrics["device"] == "cpu"
    assert result.checkpoint.metrics["world_size"] == 1
    assert result.checkpoint.metrics["precision"] == "fp32"
    assert result.checkpoint.train_config["device"] == "auto"


@pytest.mark.slow
def test_progress_names_the_device(class_folder):
    reports = []
    train(_clips(class_folder)[::4], TrainConfig(epochs=1, clip_seconds_requested=1.0,
                                                 num_threads=1, device="cpu"),
          progress=reports.append)
    assert {(r.device, r.precision) for r in reports} == {("cpu", "fp32")}


@pytest.mark.slow
def test_a_retrain_decodes_only_the_clips_labelled_since(tmp_path, monkeypatch):
    monkeypatch.setattr(rows_module, "IN_RAM_BYTES", 0)  # a project too big for RAM
    folder = audio_factory.make_class_folder(tmp_path / "data", n_per_class=10)
    clips = _clips(folder)
    cache_dir = feature_cache.feature_cache_dir(tmp_path / "store")
    first = train(clips[:-3], FAST, cache_dir=cache_dir)
    assert first.n_decoded == len(clips) - 3
    assert feature_cache.cache_size_bytes(tmp_path / "store") > 0

    batches = []  # what the epochs read: rows from the cache, never the audio
    read_rows = CachedRows.__getitem__
    monkeypatch.setattr(CachedRows, "__getitem__",
                        lambda self, rows: batches.append(len(rows)) or read_rows(self, rows))
    again = train(clips, FAST, cache_dir=cache_dir)
    assert again.n_decoded == 3
    assert sum(batches) >= 3 * again.n_train  # three epochs of batches, then scoring
    assert again.report.accuracy >= 0.8

    os.utime(clips[0][0], ns=(0, 10**18))  # one file changed
    assert train(clips, FAST, cache_dir=cache_dir).n_decoded == 1


@pytest.mark.slow
def test_a_small_project_reads_the_cache_once_and_trains_from_ram(tmp_path, monkeypatch):
    folder = audio_factory.make_class_folder(tmp_path / "data", n_per_class=6)
    clips = _clips(folder)
    train(clips, FAST, cache_dir=tmp_path / "cache")
    read = []
    read_rows = CachedRows.__getitem__
    monkeypatch.setattr(CachedRows, "__getitem__",
                        lambda self, rows: read.append(len(rows)) or read_rows(self, rows))
    again = train(clips, FAST, cache_dir=tmp_path / "cache")
    assert again.n_decoded == 0
    assert sum(read) == again.n_train + again.n_val  # each row once, then three epochs in RAM


def test_only_cached_rows_that_fit_are_loaded(tmp_path):
    from core.ml.features import DEFAULT_FEATURES

    cache = feature_cache.FeatureCache.open(tmp_path / "cache", DEFAULT_FEATURES)
    shape = cache.row_shape
    with cache.writer() as writer:
        places = [writer.add(feature_cache.FileIdentity(f"{i}.wav", 1, 1), "0",
                             np.full(shape, i, dtype=np.float32)) for i in range(5)]
    rows = CachedRows(cache.reader(), [s for s, _ in places], [r for _, r in places])
    row_bytes = int(np.prod(shape)) * 4
    assert rows_module.in_ram_if_small(rows, max_bytes=5 * row_bytes - 1) is rows
    loaded = rows_module.in_ram_if_small(rows, max_bytes=5 * row_bytes)
    assert isinstance(loaded, rows_module.TensorRows)
    assert torch.equal(loaded[[4, 0]], rows[[4, 0]])


@pytest.mark.slow
def test_the_cache_learns_as_well_as_ram_and_keeps_features_close(class_folder, tmp_path):
    clips = _clips(class_folder)[::2]
    in_ram = train(clips, FAST)
    cached = train(clips, FAST, cache_dir=tmp_path / "cache")
    assert cached.n_decoded == in_ram.n_decoded == len(clips)
    assert abs(cached.report.accuracy - in_ram.report.accuracy) <= 0.1
    # Log-mel features are kept as float16: a model's weights move, but only a little.
    for key, value in in_ram.checkpoint.state_dict.items():
        if value.is_floating_point():
            assert torch.allclose(value, cached.checkpoint.state_dict[key], atol=0.05), key


@pytest.mark.slow
def test_seed_recipe_caches_waveforms(class_folder, tmp_path):
    clips = _clips(class_folder)[::6]
    config = TrainConfig.seed_recipe(epochs=1, clip_seconds_requested=1.0, num_threads=1)
    assert not config.cache_features  # features recomputed each epoch, from cached waveforms
    train(clips, config, cache_dir=tmp_path / "cache")
    assert [p.name.split("-")[0] for p in (tmp_path / "cache").glob("*-*")] == ["waveforms"]
    again = train(clips, config, cache_dir=tmp_path / "cache")
    assert again.n_decoded == 0 and np.isfinite(again.history[-1].train_loss)
