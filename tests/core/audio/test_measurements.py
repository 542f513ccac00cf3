"""Raven-style region measurements on synthetic audio whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio.measurements import (
    FIELD_NAMES,
    MIN_LOUDER_DB,
    RAVEN_COLUMNS,
    RegionSpan,
    format_value,
    measure,
    measure_file_regions,
    snr_db,
)
from core.errors import AudioError
from tests import audio_factory

RATE_HZ = 16000
BIN_HZ = RATE_HZ / 512  # fft_size_for(16 kHz) is 512


def test_every_field_has_its_raven_column():
    assert sorted(RAVEN_COLUMNS.values()) == sorted(FIELD_NAMES)


def test_a_tone_in_silence_is_found_where_it_is_in_time_and_frequency():
    # 2 s of silence with a 1 kHz tone from 0.5 to 1.5 s, the region 0.2-1.8 s of a file.
    samples = audio_factory.burst(audio_factory.tone(1000.0, 1.0), 2.0, 0.5)
    region = samples[int(0.2 * RATE_HZ):int(1.8 * RATE_HZ)]
    m = measure(region, RATE_HZ, begin_s=0.2)
    assert m.delta_time_s == pytest.approx(1.6)
    assert m.delta_freq_hz == pytest.approx(8000.0)
    for field in ("peak_freq_hz", "center_freq_hz", "freq_5_hz", "freq_25_hz", "freq_75_hz",
                  "freq_95_hz"):
        assert getattr(m, field) == pytest.approx(1000.0, abs=BIN_HZ), field
    assert m.bw_90_hz <= 2 * BIN_HZ and m.iqr_bw_hz <= BIN_HZ
    # Times are on the file's timeline: the tone's energy lies from 0.5 to 1.5 s.
    frame_s = 512 / RATE_HZ
    assert m.time_5_s == pytest.approx(0.55, abs=frame_s)
    assert m.time_95_s == pytest.approx(1.45, abs=frame_s)
    assert m.center_time_s == pytest.approx(1.0, abs=frame_s)
    assert m.dur_90_s == pytest.approx(0.9, abs=2 * frame_s)
    assert 0.5 - frame_s <= m.peak_time_s <= 1.5 + frame_s
    # One bin and its leakage: little spread in frequency.
    assert m.agg_entropy_bits < 2.0 and m.avg_entropy_bits < 2.0


def test_the_band_picks_the_call_inside_it():
    both = audio_factory.tone(500.0, 1.0, amplitude=0.8) + audio_factory.tone(3000.0, 1.0,
                                                                              amplitude=0.1)
    whole = measure(both, RATE_HZ)
    banded = measure(both, RATE_HZ, low_hz=2000.0, high_hz=4000.0)
    assert whole.peak_freq_hz == pytest.approx(500.0, abs=BIN_HZ)
    assert banded.peak_freq_hz == pytest.approx(3000.0, abs=BIN_HZ)
    assert 2000.0 <= banded.freq_5_hz <= banded.freq_95_hz <= 4000.0
    assert banded.delta_freq_hz == pytest.approx(2000.0)


def test_a_rising_chirp_spreads_its_energy_across_its_sweep():
    sweep = audio_factory.chirp(1000.0, 5000.0, 1.0)
    m = measure(sweep, RATE_HZ)
    # Even energy over the sweep: the percentile points lie in proportion along it.
    assert m.freq_5_hz == pytest.approx(1200.0, abs=3 * BIN_HZ)
    assert m.center_freq_hz == pytest.approx(3000.0, abs=3 * BIN_HZ)
    assert m.freq_95_hz == pytest.approx(4800.0, abs=3 * BIN_HZ)
    assert m.bw_90_hz == pytest.approx(3600.0, abs=6 * BIN_HZ)
    # Spread over many bins in all, one at a time in each frame.
    assert m.agg_entropy_bits > m.avg_entropy_bits + 3


def test_white_noise_has_high_entropy_and_a_centre_near_the_middle():
    m = measure(audio_factory.noise(1.0), RATE_HZ)
    assert m.agg_entropy_bits > 7.5  # log2(257) is 8.0 for a flat spectrum
    assert m.center_freq_hz == pytest.approx(4000.0, rel=0.1)
    assert m.center_time_s == pytest.approx(0.5, abs=0.1)


def test_a_dc_offset_is_not_energy():
    offset = audio_factory.tone(2000.0, 0.5, amplitude=0.05) + 0.4
    assert measure(offset, RATE_HZ).peak_freq_hz == pytest.approx(2000.0, abs=BIN_HZ)


def test_silence_and_nothing_have_no_measurements():
    assert measure(np.zeros(RATE_HZ, dtype=np.float32), RATE_HZ) is None
    assert measure(np.full(RATE_HZ, 0.3, dtype=np.float32), RATE_HZ) is None  # DC only
    assert measure(np.zeros(0, dtype=np.float32), RATE_HZ) is None


def test_a_region_shorter_than_a_frame_and_a_band_narrower_than_a_bin():
    click = audio_factory.tone(4000.0, 0.01)  # 160 samples, under one 512-sample frame
    m = measure(click, RATE_HZ, begin_s=3.0, low_hz=3990.0, high_hz=4000.0)
    assert m.delta_time_s == pytest.approx(0.01)
    assert m.peak_freq_hz == pytest.approx(4000.0, abs=BIN_HZ)
    assert 3.0 <= m.peak_time_s <= 3.01


@pytest.mark.parametrize(("rate_hz", "low_hz", "high_hz", "duration_s"), [
    (384000, 40000.0, 80000.0, 0.004),  # a bat's call
    (48000, 3000.0, 6000.0, 0.010),  # a bird's tick
])
def test_a_call_shorter_than_the_frames_is_measured_in_frames_it_holds(rate_hz, low_hz, high_hz,
                                                                        duration_s):
    """In frames of about 25 ms, a 4 ms sweep from 80 to 40 kHz had a 90 % duration of 0 and its
    5-95 % frequencies 50-68 kHz; a 10 ms tick's duration was 0.33 ms."""
    sweep = audio_factory.chirp(high_hz, low_hz, duration_s, sample_rate_hz=rate_hz)
    pad = np.zeros(int(0.0005 * rate_hz), dtype=np.float32)
    m = measure(np.concatenate([pad, sweep, pad]), rate_hz, 0.0, low_hz * 0.9, high_hz * 1.1)
    assert 0.5 * duration_s <= m.dur_90_s <= duration_s
    span = high_hz - low_hz
    assert m.freq_5_hz == pytest.approx(low_hz + 0.05 * span, abs=0.15 * span)
    assert m.freq_95_hz == pytest.approx(high_hz - 0.05 * span, abs=0.15 * span)


def test_a_short_region_s_frames_keep_the_long_frames_bins():
    """Zero-padded: a 60 ms tone at 16 kHz, in frames of 16 ms, has its peak in the bin of
    frames of 32 ms (1,094 Hz), not the nearest of the short frames' (1,125 Hz)."""
    m = measure(audio_factory.tone(1100.0, 0.06, RATE_HZ), RATE_HZ)
    assert m.peak_freq_hz == pytest.approx(1100.0, abs=RATE_HZ / 512)
    assert m.bw_90_hz <= 130.0


def test_a_file_is_measured_span_by_span_at_its_own_rate(tmp_path):
    rate_hz = 44100
    samples = np.zeros(10 * rate_hz, dtype=np.float32)
    samples[2 * rate_hz:3 * rate_hz] = audio_factory.tone(15000.0, 1.0, rate_hz)
    samples[7 * rate_hz:8 * rate_hz] = audio_factory.tone(440.0, 1.0, rate_hz)
    path = audio_factory.write(tmp_path / "night.flac", samples, rate_hz)
    spans = [RegionSpan(1.5, 3.5), RegionSpan(6.8, 8.2, 200.0, 1000.0), RegionSpan(4.0, 5.0)]
    high, low, quiet = measure_file_regions(path, spans)
    assert high.peak_freq_hz == pytest.approx(15000.0, abs=rate_hz / 2048)  # above 8 kHz: no resampling
    assert high.center_time_s == pytest.approx(2.5, abs=0.05)
    assert low.peak_freq_hz == pytest.approx(440.0, abs=rate_hz / 2048)
    assert low.time_5_s >= 6.8 and low.time_95_s <= 8.2
    assert quiet is None
    stopped = measure_file_regions(path, spans, should_stop=lambda: True)
    assert stopped == [None, None, None]


def test_a_file_that_cannot_be_read_is_named(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError, match="notes.wav"):
        measure_file_regions(bad, [RegionSpan(0.0, 1.0)])
    assert measure_file_regions(bad, []) == []


def test_cells_carry_the_units_precision():
    assert format_value("peak_time_s", 1.234567) == "1.2346"
    assert format_value("peak_freq_hz", 1000.04) == "1000.0"
    assert format_value("agg_entropy_bits", 2.5) == "2.500"
    assert format_value("bw_90_hz", float("nan")) == ""


def test_a_region_measured_block_by_block_matches_one_measured_whole(tmp_path, monkeypatch):
    import core.audio.measurements as measurements

    rng = np.random.default_rng(3)
    samples = (audio_factory.chirp(300.0, 6000.0, 3.0)
               * rng.uniform(0.2, 1.0, 3 * RATE_HZ)).astype(np.float32)
    path = audio_factory.write(tmp_path / "long.wav", samples, subtype="FLOAT")
    whole = measure(samples[RATE_HZ // 2:], RATE_HZ, begin_s=0.5)
    opened = []
    real_blocks = measurements.read_blocks
    monkeypatch.setattr(measurements, "read_blocks",
                        lambda *a, **k: opened.append((a[1], k["offset_s"])) or real_blocks(*a, **k))
    monkeypatch.setattr(measurements, "BLOCK_FRAMES", 7)  # 2.5 s: 45 blocks of frames
    monkeypatch.setattr(measurements, "READ_BLOCK_S", 0.3)  # that end mid-frame
    [blocks] = measure_file_regions(path, [RegionSpan(0.5, 3.0)])
    # One handle for the whole region, one for the noise before it (it ends with the file).
    assert opened == [(0.3, 0.5), (0.3, 0.0)]
    for field in set(FIELD_NAMES) - {"noise_power_db", "snr_db"}:
        assert getattr(blocks, field) == pytest.approx(getattr(whole, field), rel=1e-3,
                                                       abs=1e-3), field
    # A stop in the middle of a region leaves it unmeasured.
    calls = iter(range(100))
    assert measure_file_regions(path, [RegionSpan(0.5, 3.0)],
                                should_stop=lambda: next(calls) > 3) == [None]


def test_levels_are_db_full_scale_in_the_band():
    tone = audio_factory.tone(1000.0, 1.0, amplitude=0.5)  # half full scale: -6.02 dB FS
    assert measure(tone, RATE_HZ).inband_power_db == pytest.approx(-6.02, abs=0.05)
    assert measure(tone, RATE_HZ, low_hz=500, high_hz=1500).inband_power_db == pytest.approx(
        -6.02, abs=0.05)
    # Outside its band the tone is only the window's leakage.
    assert measure(tone, RATE_HZ, low_hz=3000, high_hz=6000).inband_power_db < -80
    noise = np.random.default_rng(0).normal(0, 0.1, 2 * RATE_HZ).astype(np.float32)
    # White noise of RMS 0.1: 2 x 0.01 = -17 dB FS over the whole band, a quarter in 0-2 kHz.
    assert measure(noise, RATE_HZ).inband_power_db == pytest.approx(-16.99, abs=0.2)
    assert measure(noise, RATE_HZ, low_hz=0, high_hz=2000).inband_power_db == pytest.approx(
        -16.99 - 6.02, abs=0.3)
    assert np.isnan(measure(noise, RATE_HZ).snr_db)  # samples alone have no surroundings


def test_snr_against_the_quieter_side_of_the_same_band(tmp_path):
    rng = np.random.default_rng(1)
    # 6 s: loud noise (RMS 0.1) for 2 s, then quiet noise (RMS 0.01); a 1 kHz tone of
    # amplitude 0.1 from 2.5 to 3.5 s.
    samples = rng.normal(0, 0.01, 6 * RATE_HZ)
    samples[:2 * RATE_HZ] = rng.normal(0, 0.1, 2 * RATE_HZ)
    t = np.arange(RATE_HZ) / RATE_HZ
    samples[int(2.5 * RATE_HZ):int(3.5 * RATE_HZ)] += 0.1 * np.sin(2 * np.pi * 1000 * t)
    path = audio_factory.write(tmp_path / "call.wav", samples.astype(np.float32), subtype="FLOAT")
    [m] = measure_file_regions(path, [RegionSpan(2.5, 3.5, 900.0, 1100.0)])
    # The band holds 7 of the 512-point spectrum's bins: the quiet noise's share of 1e-4 is
    # 1e-4 x 14 / 512 (-52.6 dB FS); the tone's mean square is 0.005 (-20 dB FS).
    assert m.inband_power_db == pytest.approx(-20.0, abs=0.3)
    assert m.noise_power_db == pytest.approx(-52.6, abs=1.0)  # the side after, not the loud one
    assert m.snr_db == pytest.approx(32.6, abs=1.0)
    assert format_value("snr_db", m.snr_db) == f"{m.snr_db:.1f}"
    # A region of the file's whole length has no surroundings: its SNR is left blank.
    [whole] = measure_file_regions(path, [RegionSpan(0.0, 6.0)])
    assert np.isnan(whole.noise_power_db) and format_value("snr_db", whole.snr_db) == ""
    # Quiet noise between louder noise and a tone is no louder than its quieter side.
    [quiet] = measure_file_regions(path, [RegionSpan(4.0, 5.0, 900.0, 1100.0)])
    assert np.isnan(quiet.snr_db) or quiet.snr_db < 3.0


def test_snr_of_a_region_as_loud_as_its_noise_is_blank_whatever_the_rounding():
    assert snr_db(-20.0, -30.0) == pytest.approx(10 * np.log10(9.0))
    assert np.isnan(snr_db(-6.02, -6.02)) and np.isnan(snr_db(-6.02, -5.0))
    # The same steady sound summed in two ways can differ in the last bits: no SNR of -156 dB.
    assert np.isnan(snr_db(-6.02, -6.02 - 1e-5))
    assert snr_db(-6.0, -6.0 - 2 * MIN_LOUDER_DB) < -30.0  # just louder: a (very low) figure
    assert snr_db(-6.0, -np.inf) == np.inf


def _calls_in_quiet_noise(tmp_path, calls_s):
    """8 s of quiet noise (RMS 0.01) with a 1 kHz tone of amplitude 0.1 over each (begin, end)."""
    rng = np.random.default_rng(2)
    samples = rng.normal(0, 0.01, 8 * RATE_HZ)
    for begin_s, end_s in calls_s:
        first, last = int(begin_s * RATE_HZ), int(end_s * RATE_HZ)
        t = np.arange(last - first) / RATE_HZ
        samples[first:last] += 0.1 * np.sin(2 * np.pi * 1000 * t)
    return audio_factory.write(tmp_path / "chorus.wav", samples.astype(np.float32), subtype="FLOAT")


def test_the_noise_keeps_clear_of_the_neighbouring_calls_marked_in_its_band(tmp_path):
    # Three calls 0.2 s apart, each marked: the middle one's noise spans would each hold a call.
    path = _calls_in_quiet_noise(tmp_path, [(1.8, 2.8), (3.0, 4.0), (4.2, 5.2)])
    calls = [RegionSpan(1.8, 2.8, 900.0, 1100.0), RegionSpan(3.0, 4.0, 900.0, 1100.0),
             RegionSpan(4.2, 5.2, 900.0, 1100.0)]
    [alone] = measure_file_regions(path, [calls[1]])
    assert alone.snr_db < 5.0  # its neighbours taken for noise
    _, middle, _ = measure_file_regions(path, calls)
    assert middle.noise_power_db == pytest.approx(-52.6, abs=1.0)  # the quiet noise beyond them
    assert middle.snr_db == pytest.approx(32.6, abs=1.0)
    # The same from regions not measured (a rejected event, the region list's one at a time).
    [again] = measure_file_regions(path, [calls[1]], others=[calls[0], calls[2]])
    assert again.snr_db == pytest.approx(middle.snr_db)
    # Neighbours marked in another band are no call in this one: the spans stay beside it.
    elsewhere = [RegionSpan(1.8, 2.8, 3000.0, 4000.0), RegionSpan(4.2, 5.2, None, 500.0)]
    [beside] = measure_file_regions(path, [calls[1]], others=elsewhere)
    assert beside.snr_db == pytest.approx(alone.snr_db)
    # A neighbour without a band has every frequency.
    [unbanded] = measure_file_regions(path, [calls[1]], others=[RegionSpan(1.8, 2.8),
                                                               RegionSpan(4.2, 5.2)])
    assert unbanded.snr_db == pytest.approx(middle.snr_db)
    # A region holding it whole (a bout, the whole file) is not a neighbour.
    [held] = measure_file_regions(path, [calls[1]], others=[RegionSpan(0.0, 8.0),
                                                           RegionSpan(2.9, 4.0, 500.0, 2000.0)])
    assert held.snr_db == pytest.approx(alone.snr_db)


def test_a_region_hemmed_in_by_marked_calls_has_no_room_for_noise(tmp_path):
    path = _calls_in_quiet_noise(tmp_path, [(0.2, 3.9), (4.0, 5.0), (5.1, 7.95)])
    [m] = measure_file_regions(path, [RegionSpan(4.0, 5.0)],
                               others=[RegionSpan(0.0, 3.9), RegionSpan(5.1, 8.0)])
    assert np.isnan(m.noise_power_db) and np.isnan(m.snr_db)
    assert m.inband_power_db == pytest.approx(-20.0, abs=0.3)


def test_snr_follows_ravens_protocol():
    from core.audio.measurements import snr_db

    assert snr_db(-20.0, -30.0) == pytest.approx(10 * np.log10(9))
    assert np.isnan(snr_db(-30.0, -30.0)) and np.isnan(snr_db(-40.0, -30.0))
    assert snr_db(-20.0, -np.inf) == np.inf  # a call in digital silence
    assert format_value("snr_db", np.inf) == ""
