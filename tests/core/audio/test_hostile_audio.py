"""Audio files a fuzzing run found to stop Earmark with a Python error, or to take gigabytes: each
is now read, or refused with an AudioError that names the file and the reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from core.audio import reading, resampling
from core.audio.template_detector import CallTemplate, prepare_template
from core.errors import AudioError, EarmarkError
from core.store.project import Project
from tests import audio_factory


def test_an_odd_sample_rate_is_resampled_through_a_round_one_not_a_kernel_of_gigabytes(tmp_path):
    # 44,101 and 16,000 Hz share no divisor: torchaudio's kernel for them would be 5.6 GB.
    assert resampling._kernel_rates(44101, 16000) == (44100, 16000)
    assert resampling._kernel_rates(8000, 44101) == (8000, 44100)  # a template's odd rate too
    assert resampling._kernel_rates(44100, 16000) == (44100, 16000)  # a usual pair as it is
    assert resampling._kernel_rates(11025, 16000) == (11025, 16000)
    for bat_hz in (250_000, 256_000, 312_500, 384_000, 400_000, 500_000):  # bat detectors' rates
        for to_hz in (8000, 11025, 16000, 22050, 32000, 44100, 48000):
            assert resampling._kernel_rates(bat_hz, to_hz) == (bat_hz, to_hz)
    path = audio_factory.write(tmp_path / "odd.wav", audio_factory.tone(440.0, 1.0, 44101), 44101)
    samples = reading.read(path, sample_rate_hz=16000)
    assert abs(len(samples) - 16000) <= 1  # 23 ppm from the exact count
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 16000 / len(samples) - 440.0) < 2.0  # still the tone


def _flac_claiming(tmp_path, name: str, total_samples: int, seconds: float = 1.0):
    """A FLAC of ``seconds`` of silence at 8 kHz whose STREAMINFO's total samples (36 bits ending
    at byte 26) says ``total_samples``."""
    buffer = io.BytesIO()
    buffer.name = "x.flac"
    sf.write(buffer, np.zeros(int(8000 * seconds), dtype=np.int16), 8000, format="FLAC")
    data = bytearray(buffer.getvalue())
    word = int.from_bytes(data[18:26], "big") & ~((1 << 36) - 1) | total_samples
    data[18:26] = word.to_bytes(8, "big")
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def test_a_flac_that_does_not_say_its_length_is_refused_by_name(tmp_path):
    # 0: "unknown", as a stream encoder writes it; libsndfile then counts 2**63 - 1 frames.
    path = _flac_claiming(tmp_path, "stream.flac", 0)
    with pytest.raises(AudioError, match="stream.flac.*does not say how long"):
        reading.info(path)


def test_a_flac_claiming_more_samples_than_its_size_can_hold_is_refused_by_name(tmp_path):
    # A fuzzed header claimed 74 hours for a 1 s file, and the file was listed that long.
    path = _flac_claiming(tmp_path, "liar.flac", 74 * 3600 * 8000)
    with pytest.raises(AudioError, match=r"liar.flac: corrupt .*claims 74.0 hours, more than its "):
        reading.info(path)
    # Ten minutes of digital silence, FLAC's smallest file for its length, is read.
    assert reading.info(_flac_claiming(tmp_path, "quiet.flac", 600 * 8000, 600.0)
                        ).duration_s == 600.0


def test_samples_far_beyond_full_scale_are_refused_not_handed_on_as_infinities(tmp_path):
    samples = audio_factory.tone(300.0, 0.25, 8000)
    samples[1000] = 3e38
    path = audio_factory.write(tmp_path / "huge.wav", samples, 8000, subtype="FLOAT")
    with pytest.raises(AudioError, match="huge.wav.*far beyond full scale"):
        reading.read(path)
    loud = audio_factory.write(tmp_path / "loud.wav", samples.clip(-1, 1) * 4.0, 8000,
                               subtype="FLOAT")  # an overloaded float file is still audio
    assert np.abs(reading.read(loud)).max() == pytest.approx(4.0)
    scaled = audio_factory.write(tmp_path / "int16_as_float.wav", samples.clip(-1, 1) * 20000,
                                 8000, subtype="FLOAT")  # int16 data cast to float, unscaled
    assert np.abs(reading.read(scaled)).max() == pytest.approx(20000)


def test_many_channels_are_read_and_mixed_in_pieces_as_they_were_at_once(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    frames = (0.1 * rng.standard_normal((5000, 6))).astype(np.float32)
    path = audio_factory.write(tmp_path / "six.wav", frames, 8000, subtype="FLOAT")
    whole = {channel: reading.read(path, channel=channel) for channel in (None, 3)}
    monkeypatch.setattr(reading, "_MAX_READ_VALUES", 600)  # 100 frames of 6 channels a piece
    for channel, expected in whole.items():
        np.testing.assert_array_equal(reading.read(path, channel=channel), expected)
        np.testing.assert_array_equal(reading.read(path, offset_s=0.1, duration_s=0.3,
                                                   channel=channel), expected[800:3200])


def test_a_template_from_a_recording_of_a_few_hertz_is_refused_by_name(tmp_path):
    path = audio_factory.write(tmp_path / "slow.wav",
                               np.random.default_rng(1).uniform(-0.5, 0.5, 200), 4)
    with pytest.raises(EarmarkError, match="needs at least"):
        prepare_template(CallTemplate(str(path), 0.0, 1.0))


def test_a_name_that_is_not_text_is_shown_with_replacement_characters():
    from core.paths import undecodable_name

    assert undecodable_name("caf\udce9.wav") == "caf\ufffd.wav"  # a POSIX name's latin-1 byte
    assert undecodable_name("a\ud800.wav").startswith("a\ufffd")  # a Windows name's surrogate
    assert undecodable_name("café.wav") is None


def test_a_file_whose_name_is_not_text_is_left_out_of_the_scan_and_named(tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "good.wav", audio_factory.tone(440.0, 0.2))
    sf.write(bytes(root) + b"/caf\xe9.wav", np.zeros(800), 8000)  # latin-1, not UTF-8
    with Project.open(root, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        assert [c.path for c in project.clips()] == ["good.wav"]
        assert any(w.startswith("caf\ufffd.wav: not listed") for w in summary.warnings)
        assert project.scan().warnings == summary.warnings  # and again, without a failure


def test_a_folder_that_cannot_be_listed_is_named_by_the_scan(tmp_path, monkeypatch):
    import os

    root = tmp_path / "audio"
    audio_factory.write(root / "good.wav", audio_factory.tone(440.0, 0.2))
    audio_factory.write(root / "locked" / "secret.wav", audio_factory.tone(440.0, 0.2))
    listing = os.scandir

    def scandir(path):  # as a folder without read permission answers (root ignores chmod)
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with Project.open(root, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        assert [c.path for c in project.clips()] == ["good.wav"]
    assert "locked/: not listed (permission denied); the recordings in it are not here" \
        in summary.warnings


def test_a_broken_info_labels_is_said_to_be_unused_once(tmp_path):
    """It also read "its spans were not imported", as if its whole-clip labels had been. Its
    samples stay unlabelled: an Edge Impulse export's training/ and testing/ are no classes."""
    root = tmp_path / "audio"
    audio_factory.write(root / "training" / "a.wav", audio_factory.tone(440.0, 0.2))
    (root / "training" / "info.labels").write_text('{"version": 1, "files": [')
    with Project.open(root, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        assert project.clips()[0].label is None and not project.classes()
    assert len(summary.warnings) == 1 and "info.labels: not used (broken JSON" in \
        summary.warnings[0] and summary.warnings[0].count("info.labels") == 1
