"""Takes from a microphone: PCM bytes of each format a device delivers become frames of samples,
and a take is written as a 16-bit WAV (a failure names the file)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from core.audio import recording
from core.audio.recording import pcm_frames, peak_level, save_take
from core.errors import AudioError


@pytest.mark.parametrize("sample_format, dtype, scale, offset", [
    ("int16", np.int16, 32768, 0), ("int32", np.int32, 2**31, 0),
    ("float32", np.float32, 1, 0), ("uint8", np.uint8, 128, 128)])
def test_each_format_becomes_frames_of_samples(sample_format, dtype, scale, offset):
    left, right = np.array([0.5, -0.25, 0.0]), np.array([0.25, -0.25, 0.5])
    frames = np.stack([left, right], axis=1) * scale + offset
    data = frames.astype(dtype).tobytes()
    frames = pcm_frames(data, sample_format, channels=2)
    assert frames.dtype == np.float32 and frames.shape == (3, 2)
    np.testing.assert_allclose(frames, np.stack([left, right], axis=1), atol=1.5 / 128)


def test_a_partial_frame_is_dropped_and_an_unknown_format_refused():
    data = np.array([1000, 2000, 3000], dtype=np.int16).tobytes() + b"\x01"
    assert len(pcm_frames(data, "int16", channels=2)) == 1
    with pytest.raises(ValueError, match="unknown PCM sample format 'int24'"):
        pcm_frames(data, "int24", 1)


def test_the_peak_level_is_at_most_full_scale():
    assert peak_level(np.array([0.1, -0.6], dtype=np.float32)) == pytest.approx(0.6)
    assert peak_level(np.zeros(0, dtype=np.float32)) == 0.0
    assert peak_level(np.array([1.7], dtype=np.float32)) == 1.0


def test_a_take_is_written_as_16_bit_wav(tmp_path):
    samples = np.linspace(-1.2, 1.2, 1600).astype(np.float32)  # past full scale: clipped
    path = save_take(samples, 16000, tmp_path / "yes_1.wav")
    info = sf.info(path)
    assert (info.samplerate, info.frames, info.channels, info.subtype) == (16000, 1600, 1, "PCM_16")
    assert np.abs(sf.read(path)[0]).max() <= 1.0
    # Exclusive: a file already there is refused and left as it was.
    with pytest.raises(FileExistsError):
        save_take(np.zeros(100, dtype=np.float32), 8000, path, exclusive=True)
    assert sf.info(path).frames == 1600


def test_a_take_that_cannot_be_written_names_the_file(tmp_path):
    with pytest.raises(AudioError, match="no such folder.*could not write the recording"):
        save_take(np.zeros(100, dtype=np.float32), 16000, tmp_path / "no such folder" / "a.wav")
    with pytest.raises(ValueError, match="empty take"):
        save_take(np.zeros(0, dtype=np.float32), 16000, tmp_path / "a.wav")
    assert not os.listdir(tmp_path)


def test_a_silent_take_and_one_cut_off_are_told_apart_from_a_whole_word():
    rate = 16000
    word = np.zeros(rate, np.float32)
    word[4000:12000] = 0.3 * np.sin(np.linspace(0, 400 * np.pi, 8000)) * np.hanning(8000)
    assert not recording.is_silent(word) and not recording.is_cut_off(word, rate)
    assert recording.peak_db(word) == pytest.approx(20 * np.log10(0.3), abs=0.1)
    hiss = np.random.default_rng(0).normal(0, 0.001, rate).astype(np.float32)
    assert recording.is_silent(hiss) and not recording.is_cut_off(hiss, rate)
    assert recording.is_silent(np.zeros(rate, np.float32))
    assert recording.peak_db(np.zeros(10, np.float32)) == float("-inf")
    late = np.roll(word, 6000)  # the word runs past the end of the take
    late[:6000] = 0.0
    assert recording.is_cut_off(late[:rate], rate)


def test_a_new_take_never_writes_over_one_saved_before(tmp_path):
    first = recording.save_new_take(np.full(800, 0.1, np.float32), 16000, tmp_path, "yes_x")
    second = recording.save_new_take(np.full(800, 0.2, np.float32), 16000, tmp_path, "yes_x")
    assert (first.name, second.name) == ("yes_x_1.wav", "yes_x_2.wav")
    assert sf.read(first)[0][0] == pytest.approx(0.1, abs=1e-3)
