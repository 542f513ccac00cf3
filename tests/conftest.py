"""Test-wide setup: Qt runs offscreen, every test builds its own audio in tmp_path."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch from spreading a test over every core of a small CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "2")

import pytest  # noqa: E402

from tests import audio_factory  # noqa: E402


@pytest.fixture
def make_audio(tmp_path):
    """Return audio_factory bound to tmp_path: ``make_audio("a.wav", audio_factory.tone(440))``."""

    def _make(relative: str, samples=None, sample_rate_hz: int = 16000, **kwargs):
        if samples is None:
            samples = audio_factory.tone(440.0, sample_rate_hz=sample_rate_hz)
        return audio_factory.write(tmp_path / relative, samples, sample_rate_hz, **kwargs)

    return _make


@pytest.fixture
def three_class_folder(tmp_path):
    """A folder of tones/chirps/noise in class subfolders, 24 clips a class, 1 s at 16 kHz."""
    return audio_factory.make_class_folder(tmp_path / "data", n_per_class=24)
