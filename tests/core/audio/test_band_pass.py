"""Band-limited excerpts for listening: the filter keeps the band at full level and takes away
what lies outside it, the excerpt lines up with the file, and bad requests say why."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.audio import band_pass
from core.audio.band_pass import (
    band_pass_kernel,
    band_passed,
    transition_hz,
    write_band_excerpt,
)
from core.errors import AudioError, EarmarkError
from tests import audio_factory

RATE = 16000


def _level_db(samples: np.ndarray, freq_hz: float, rate: int = RATE) -> float:
    """The level of ``freq_hz`` in ``samples`` (dB, a full-scale sine at 0), by projection."""
    t = np.arange(len(samples)) / rate
    amplitude = 2 * np.abs(np.mean(samples * np.exp(-2j * np.pi * freq_hz * t)))
    return 20 * np.log10(amplitude + 1e-12)


def _two_tones(duration_s: float = 2.0) -> np.ndarray:
    return audio_factory.tone(1000, duration_s, RATE) + audio_factory.tone(5000, duration_s, RATE)


def test_the_band_passes_at_full_level_and_the_rest_is_taken_away():
    out = band_passed(_two_tones(), RATE, 4000, 6000)
    middle = out[4000:-4000]  # away from the ends, where the zeros beyond the clip count
    assert _level_db(middle, 5000) == pytest.approx(_level_db(_two_tones()[4000:-4000], 5000),
                                                    abs=0.1)
    assert _level_db(middle, 1000) < _level_db(middle, 5000) - 70


def test_the_output_lines_up_with_the_input():
    click = np.zeros(RATE, dtype=np.float32)
    click[5000] = 1.0
    out = band_passed(click, RATE, 500, 3000)
    assert len(out) == len(click)
    assert int(np.argmax(np.abs(out))) == 5000  # linear phase, the delay undone


def test_the_whole_spectrum_is_the_identity():
    kernel = band_pass_kernel(RATE, 0, RATE / 2)
    assert kernel[(len(kernel) - 1) // 2] == 1.0 and np.count_nonzero(kernel) == 1


def test_low_and_high_pass_bands():
    samples = _two_tones()
    high = band_passed(samples, RATE, 3000, RATE / 2)[4000:-4000]
    low = band_passed(samples, RATE, 0, 3000)[4000:-4000]
    assert _level_db(high, 1000) < _level_db(high, 5000) - 70
    assert _level_db(low, 5000) < _level_db(low, 1000) - 70


def test_the_slope_narrows_with_the_rate():
    assert transition_hz(48000) == pytest.approx(64.4, abs=0.1)
    assert transition_hz(8000) < 11


def test_an_excerpt_is_the_filtered_stretch_of_the_file(tmp_path):
    samples = _two_tones(6.0)
    source = audio_factory.write(tmp_path / "two.wav", samples, RATE, subtype="FLOAT")
    out = tmp_path / "band.wav"
    excerpt = write_band_excerpt(source, 2.0, 3.5, 4000, 6000, out)
    assert (excerpt.begin_s, excerpt.end_s) == (2.0, 3.5)
    assert (excerpt.low_hz, excerpt.high_hz) == (4000, 6000)
    written, rate = sf.read(out, dtype="float32")
    assert rate == RATE and len(written) == int(1.5 * RATE)
    # Filtered inside the whole recording: the same samples as filtering it all, fades aside.
    whole = band_passed(samples, RATE, 4000, 6000)[2 * RATE:int(3.5 * RATE)]
    inner = slice(200, -200)
    np.testing.assert_allclose(written[inner], whole[inner], atol=1e-5)
    assert abs(written[0]) < 0.01 and abs(written[-1]) < 0.01  # faded, no click
    assert _level_db(written[inner], 1000) < -70


def test_an_excerpt_is_streamed_in_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(band_pass, "FFT_SIZE", 1 << 13)  # blocks of 4,096 samples: many
    samples = audio_factory.noise(3.0, RATE, seed=4)
    source = audio_factory.write(tmp_path / "noise.wav", samples, RATE, subtype="FLOAT")
    excerpt = write_band_excerpt(source, 0.0, 3.0, 1000, 2000, tmp_path / "band.wav")
    written, _ = sf.read(excerpt.path, dtype="float32")
    whole = band_passed(samples, RATE, 1000, 2000)
    np.testing.assert_allclose(written[200:-200], whole[200:-200], atol=1e-5)


def test_an_excerpt_mixes_channels_and_stops_at_the_end_of_the_file(tmp_path):
    stereo = np.stack([audio_factory.tone(3000, 1.0, RATE), audio_factory.tone(300, 1.0, RATE)], 1)
    source = audio_factory.write(tmp_path / "st.wav", stereo, RATE)
    excerpt = write_band_excerpt(source, 0.5, 9.0, 2000, 4000, tmp_path / "band.wav")
    assert excerpt.end_s == pytest.approx(1.0)  # the file ends first
    written, _ = sf.read(excerpt.path, dtype="float32")
    assert len(written) == RATE // 2
    assert _level_db(written[200:-200], 3000) == pytest.approx(20 * np.log10(0.25), abs=0.2)
    assert _level_db(written[200:-200], 300) < -80


def test_a_long_range_is_cut_to_the_longest_excerpt(tmp_path, monkeypatch):
    monkeypatch.setattr(band_pass, "MAX_EXCERPT_SAMPLES", RATE // 4)
    source = audio_factory.write(tmp_path / "a.wav", _two_tones(2.0), RATE)
    excerpt = write_band_excerpt(source, 0.5, 2.0, 100, 7000, tmp_path / "band.wav")
    assert excerpt.end_s == pytest.approx(0.75)
    assert sf.info(excerpt.path).frames == RATE // 4


def test_the_band_is_cut_to_the_files_nyquist_and_one_above_it_is_refused(tmp_path):
    source = audio_factory.write(tmp_path / "a.wav", _two_tones(1.0), RATE)
    excerpt = write_band_excerpt(source, 0, 1, 6000, 20000, tmp_path / "band.wav")
    assert excerpt.high_hz == RATE / 2
    with pytest.raises(EarmarkError, match="a.wav.*above this file's highest frequency"):
        write_band_excerpt(source, 0, 1, 9000, 12000, tmp_path / "band2.wav")
    with pytest.raises(EarmarkError, match="nothing to play"):
        write_band_excerpt(source, 3.0, 4.0, 100, 200, tmp_path / "band3.wav")


def test_a_stop_leaves_no_file(tmp_path):
    source = audio_factory.write(tmp_path / "a.wav", _two_tones(1.0), RATE)
    out = tmp_path / "band.wav"
    assert write_band_excerpt(source, 0, 1, 100, 200, out, should_stop=lambda: True) is None
    assert not out.exists()


def test_a_broken_file_names_itself_and_leaves_no_excerpt(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError, match="bad.wav"):
        write_band_excerpt(bad, 0, 1, 100, 200, tmp_path / "band.wav")
    truncated = audio_factory.write_broken(tmp_path / "cut.wav", "header_only")
    with pytest.raises(AudioError, match="cut.wav"):
        write_band_excerpt(truncated, 0, 30, 100, 200, tmp_path / "band.wav")
    assert not (tmp_path / "band.wav").exists()


def test_filtering_in_blocks_is_the_convolution(monkeypatch):
    monkeypatch.setattr(band_pass, "FFT_SIZE", 1 << 13)  # 4,096-sample blocks and a ragged last
    samples = audio_factory.noise(1.3, RATE, seed=2)
    kernel = band_pass_kernel(RATE, 300, 2500)
    expected = np.convolve(samples.astype(np.float64), kernel)[2048:2048 + len(samples)]
    np.testing.assert_allclose(band_passed(samples, RATE, 300, 2500), expected, atol=1e-5)


def test_one_channel_plays_alone_filtered_or_whole(tmp_path):
    """A stereo file with a 1 kHz tone on the left and 5 kHz on the right: channel 2's excerpt
    holds the right one alone; over the whole spectrum it is that channel's samples as they lie
    (no filter, no delay), fades aside. A channel the file lacks is refused by number."""
    left = audio_factory.tone(1000, 2.0, RATE)
    right = audio_factory.tone(5000, 2.0, RATE)
    source = audio_factory.write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), RATE,
                                 subtype="FLOAT")
    whole = write_band_excerpt(source, 0.5, 1.5, 0.0, np.inf, tmp_path / "right.wav", channel=1)
    assert (whole.channel, whole.low_hz, whole.high_hz) == (1, 0.0, RATE / 2)
    written, _ = sf.read(whole.path, dtype="float32")
    np.testing.assert_allclose(written[200:-200], right[RATE // 2 + 200:int(1.5 * RATE) - 200],
                               atol=1e-6)
    band = write_band_excerpt(source, 0.5, 1.5, 4000, 6000, tmp_path / "band.wav", channel=1)
    written, _ = sf.read(band.path, dtype="float32")
    assert _level_db(written[200:-200], 5000) == pytest.approx(_level_db(right, 5000), abs=0.2)
    assert _level_db(written[200:-200], 1000) < -80  # the left channel's tone is not in it
    mix = write_band_excerpt(source, 0.5, 1.5, 0.0, np.inf, tmp_path / "mix.wav")
    written, _ = sf.read(mix.path, dtype="float32")
    assert mix.channel is None  # the mean of both: each tone at half its level
    assert _level_db(written[200:-200], 1000) == pytest.approx(_level_db(left, 1000) - 6.02,
                                                               abs=0.1)
    with pytest.raises(EarmarkError, match="stereo.wav.*2 channel.*no channel 3"):
        write_band_excerpt(source, 0, 1, 0.0, np.inf, tmp_path / "c3.wav", channel=2)
