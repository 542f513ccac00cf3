"""The feature cache on disk: rows come back as written, a changed file is decoded again, other
writers' shards are seen, settings that shape the rows get their own cache, reading a big cache
keeps resident memory bounded, and decoding through it reads only what it lacks."""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pytest

from core.ml import feature_cache
from core.ml.decoding import RowWriter, decode_samples
from core.ml.feature_cache import (
    FeatureCache,
    HeaderCache,
    cache_size_bytes,
    clear_feature_cache,
    feature_cache_dir,
    file_identity,
)
from core.ml.features import DEFAULT_FEATURES
from core.ml.samples import TrainingSample
from tests import audio_factory

FEATURES = DEFAULT_FEATURES.with_clip_seconds(0.5)


def _clip(path, seed: int = 0):
    rng = np.random.default_rng(seed)
    return audio_factory.write(path, audio_factory.class_sample("chirp", rng, 0.5))


def _rows(cache, n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, *cache.row_shape)).astype(np.float32)


def test_rows_come_back_as_written(tmp_path):
    clip = _clip(tmp_path / "a.wav")
    cache = FeatureCache.open(tmp_path / "cache", FEATURES)
    assert cache.dtype == np.float16 and cache.row_shape == (1, 64, FEATURES.n_frames)
    rows = _rows(cache, 3)
    identity = file_identity(clip)
    with cache.writer() as writer:
        refs = [writer.add(identity, f"view:{i}", row) for i, row in enumerate(rows)]
    assert [cache.lookup(identity, f"view:{i}") for i in range(3)] == refs
    back = cache.reader().read(np.array([r[0] for r in refs]), np.array([r[1] for r in refs]))
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, rows, atol=2e-3 * np.abs(rows).max())

    waves = FeatureCache.open(tmp_path / "cache", FEATURES, "waveforms")  # exact: float32
    assert waves.folder != cache.folder and waves.row_shape == (FEATURES.n_samples,)
    wave = _rows(waves, 1)
    with waves.writer() as writer:
        ref = writer.add(identity, "clip", wave[0])
    np.testing.assert_array_equal(waves.reader().read(np.array([ref[0]]), np.array([ref[1]])), wave)


def test_a_changed_file_is_no_longer_cached(tmp_path):
    clip = _clip(tmp_path / "a.wav")
    cache = FeatureCache.open(tmp_path / "cache", FEATURES)
    with cache.writer() as writer:
        writer.add(file_identity(clip), "clip", _rows(cache, 1)[0])
    assert FeatureCache.open(tmp_path / "cache", FEATURES).lookup(file_identity(clip), "clip")
    stat = os.stat(clip)
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched
    assert FeatureCache.open(tmp_path / "cache", FEATURES).lookup(file_identity(clip), "clip") is None
    assert cache.lookup(None, "clip") is None  # a file that is gone


def test_another_writers_rows_are_seen_once_its_shard_is_closed(tmp_path):
    clip = _clip(tmp_path / "a.wav")
    mine = FeatureCache.open(tmp_path / "cache", FEATURES)
    theirs = FeatureCache.open(tmp_path / "cache", FEATURES)
    writer = theirs.writer()
    ref = writer.add(file_identity(clip), "clip", _rows(theirs, 1)[0])
    assert theirs.lookup(file_identity(clip), "clip") == ref  # its own at once
    mine.refresh()
    assert mine.lookup(file_identity(clip), "clip") is None  # not yet on disk
    writer.close()
    mine.refresh()
    assert mine.lookup(file_identity(clip), "clip") is not None


def test_only_settings_that_shape_rows_separate_caches(tmp_path):
    base = FeatureCache.open(tmp_path, FEATURES).folder
    augmented = dataclasses.replace(FEATURES, time_masks=5, eq_gain=0.0, prediction_views=False)
    assert FeatureCache.open(tmp_path, augmented).folder == base
    for changed in (FEATURES.with_clip_seconds(0.75), dataclasses.replace(FEATURES, n_mels=40),
                    dataclasses.replace(FEATURES, sample_rate_hz=8000),
                    dataclasses.replace(FEATURES, f_max_hz=4000.0)):
        assert FeatureCache.open(tmp_path, changed).folder != base
    spectrogram = dataclasses.replace(FEATURES, kind="spectrogram")
    assert FeatureCache.open(tmp_path, spectrogram).dtype == np.float32  # power overflows float16


def test_size_and_clear(tmp_path):
    store = tmp_path / "store"
    assert cache_size_bytes(store) == 0
    cache = FeatureCache.open(feature_cache_dir(store), FEATURES)
    clip = _clip(tmp_path / "a.wav")
    with cache.writer() as writer:
        for i in range(10):
            writer.add(file_identity(clip), f"view:{i}", _rows(cache, 1)[0])
    size = cache_size_bytes(store)
    assert size >= 10 * cache.row_bytes
    assert clear_feature_cache(store) == size
    assert cache_size_bytes(store) == 0 and not feature_cache_dir(store).exists()
    assert FeatureCache.open(feature_cache_dir(store), FEATURES).lookup(
        file_identity(clip), "view:0") is None


def test_headers_are_read_once_per_file_content(tmp_path, monkeypatch):
    clips = [_clip(tmp_path / f"{i}.wav", seed=i) for i in range(3)]
    opened = []
    real_info = feature_cache.audio.info
    monkeypatch.setattr(feature_cache.audio, "info", lambda p: opened.append(p) or real_info(p))
    first = HeaderCache(tmp_path / "cache")
    infos = [first.info(c) for c in clips]
    first.save()
    assert len(opened) == 3
    again = HeaderCache(tmp_path / "cache")
    assert [again.info(c) for c in clips] == infos and len(opened) == 3
    _clip(clips[0], seed=7)
    os.utime(clips[0], ns=(0, 10**18))
    again.info(clips[0])
    assert opened[3:] == [clips[0]]  # changed: read again
    assert HeaderCache(None).info(clips[1]) == infos[1] and len(opened) == 5  # no cache: read
    # ... once in the object's life: a run asks for the clip length and again for the windows.
    in_memory = HeaderCache(None)
    assert [in_memory.info(clips[2]) for _ in range(3)] == [infos[2]] * 3 and len(opened) == 6


def test_header_indexes_are_merged_past_a_few(tmp_path):
    clips = [_clip(tmp_path / f"{i}.wav", seed=i) for i in range(HeaderCache.MAX_PARTS + 2)]
    for clip in clips:  # one run per clip, each saving one index
        headers = HeaderCache(tmp_path / "cache")
        headers.info(clip)
        headers.save()
    parts = list((tmp_path / "cache" / "headers").iterdir())
    assert len(parts) <= HeaderCache.MAX_PARTS
    last = HeaderCache(tmp_path / "cache")
    assert all(file_identity(c).path in last._known for c in clips)


def _rss_file_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_reading_a_big_cache_keeps_resident_memory_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(feature_cache, "RELEASE_BYTES", 4 << 20)
    cache = FeatureCache.open(tmp_path, FEATURES, "waveforms")  # 32 KB rows
    clip = _clip(tmp_path / "a.wav")
    identity = file_identity(clip)
    n_rows = 3000  # 96 MB
    block = _rows(cache, 1)[0]
    with cache.writer() as writer:
        refs = [writer.add(identity, f"view:{i}", block) for i in range(n_rows)]
    reader = cache.reader()
    shards, rows = np.array([r[0] for r in refs]), np.array([r[1] for r in refs])
    before = _rss_file_kb()
    for start in range(0, n_rows, 32):
        reader.read(shards[start:start + 32], rows[start:start + 32])
    assert _rss_file_kb() - before < 24 * 1024  # all 96 MB stayed mapped before
    reader.close()


# ---------------------------------------------------------------- decoding through the cache


def _samples(folder, n, start=0):
    return [TrainingSample(_clip(folder / f"{i}.wav", seed=i), "chirp") for i in range(start, start + n)]


def _decode(samples, cache_dir, stored="features"):
    writer = RowWriter(FEATURES, stored, "cpu", cache_dir)
    decoded = decode_samples(samples, writer, multi_label=False, seed=0, decode_workers=2,
                             should_stop=lambda: False)
    return decoded, writer.n_decoded


def test_a_retrain_decodes_only_new_and_changed_clips(tmp_path):
    cache_dir = tmp_path / "store" / "feature-cache"
    samples = _samples(tmp_path / "clips", 6)
    in_ram, decoded_ram = _decode(samples, None)
    cold, decoded_cold = _decode(samples, cache_dir)
    assert decoded_ram == decoded_cold == 6
    np.testing.assert_allclose(cold.rows[np.arange(6)].numpy(), in_ram.rows.tensor.numpy(),
                               atol=5e-3)
    warm, decoded_warm = _decode(samples, cache_dir)
    assert decoded_warm == 0
    np.testing.assert_array_equal(warm.rows[np.arange(6)].numpy(), cold.rows[np.arange(6)].numpy())

    more = samples + _samples(tmp_path / "clips", 2, start=6)
    _clip(samples[0].path, seed=99)  # rewritten: other content
    _, decoded = _decode(more, cache_dir)
    assert decoded == 3  # two new clips and the changed one


def test_region_views_and_unreadable_files_through_the_cache(tmp_path):
    recording = audio_factory.write(tmp_path / "long.wav", audio_factory.noise(6.0))
    broken = audio_factory.write_broken(tmp_path / "broken.wav", "text")
    samples = [TrainingSample(recording, "hiss", begin_s=2.0, end_s=2.3, group="long"),
               TrainingSample(broken, "hiss"), *_samples(tmp_path, 2)]
    cold, decoded = _decode(samples, tmp_path / "cache", "waveforms")
    warm, again = _decode(samples, tmp_path / "cache", "waveforms")
    assert decoded > 3 and again == 0
    assert [p for p, _ in cold.skipped] == [p for p, _ in warm.skipped] == [broken]
    assert warm.views is not None and warm.views.shape[0] == 3
    np.testing.assert_array_equal(warm.views, cold.views)
    rows = np.arange(len(cold.rows))
    np.testing.assert_array_equal(warm.rows[rows].numpy(), cold.rows[rows].numpy())


def test_training_with_a_cache_place_it_cannot_write_keeps_rows_in_memory(tmp_path):
    from core.ml.training import TrainConfig, train

    blocked = tmp_path / "a file"
    blocked.write_text("")  # no folder can be made under a file, whoever runs the test
    assert feature_cache.writable_cache_dir(blocked / "feature-cache") is None
    assert feature_cache.writable_cache_dir(tmp_path / "new" / "cache") == tmp_path / "new" / "cache"
    folder = audio_factory.make_class_folder(tmp_path / "data", n_per_class=4, kinds=("tone", "noise"))
    clips = [(p, p.parent.name) for p in sorted(folder.rglob("*.wav"))]
    result = train(clips, TrainConfig(epochs=1, clip_seconds_requested=0.5),
                   cache_dir=blocked / "feature-cache")
    # eight 1 s clips, each heard through two 0.5 s windows
    assert result.n_decoded == 16 and not list((tmp_path / "new" / "cache").iterdir())
