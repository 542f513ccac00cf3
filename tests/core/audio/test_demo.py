"""The demo project: files, classes, unlabeled clips, determinism."""

import re

import numpy as np
import soundfile as sf

from core.audio import demo


def test_demo_builds_classes_and_unlabeled_clips(tmp_path):
    root = demo.build_demo(tmp_path / "demo", n_per_class=6, n_labelled=4)
    for kind in demo.DEMO_CLASSES:
        files = sorted((root / kind).glob("*.wav"))
        assert len(files) == 4
        assert all(f.name.startswith(kind + "_") for f in files)
    loose = sorted(root.glob("*.wav"))
    assert len(loose) == 3 * 2
    # No "_<digits>" suffix, so the filename rule leaves them unlabeled.
    assert not any(re.search(r"[_-]\d+$", f.stem) for f in loose)
    info = sf.info(loose[0])
    assert info.samplerate == demo.DEMO_RATE_HZ and 1.0 <= info.duration <= 2.0


def test_demo_is_deterministic_and_distinct(tmp_path):
    a = demo.build_demo(tmp_path / "a", n_per_class=3, n_labelled=3)
    b = demo.build_demo(tmp_path / "b", n_per_class=3, n_labelled=3)
    for name in ("whistle/whistle_001.wav", "knock/knock_002.wav", "hiss/hiss_003.wav"):
        assert np.array_equal(sf.read(a / name)[0], sf.read(b / name)[0])
    # The classes differ where a model would look: spectral centroid of the loud part.
    def centroid_hz(path):
        x, rate = sf.read(path)
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / rate)
        return float((spectrum * freqs).sum() / spectrum.sum())
    knock_hz = centroid_hz(a / "knock/knock_001.wav")
    whistle_hz = centroid_hz(a / "whistle/whistle_001.wav")
    hiss_hz = centroid_hz(a / "hiss/hiss_001.wav")
    assert knock_hz < whistle_hz < hiss_hz


def test_demo_reused_when_complete_and_honours_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "data"))
    root = demo.build_demo(n_per_class=2, n_labelled=1)
    assert root == tmp_path / "data" / "demo"
    keep = root / ".earmark"
    keep.mkdir()
    assert demo.build_demo(n_per_class=2, n_labelled=1) == root
    assert keep.exists(), "a complete demo must be reused, its store kept"
