"""The band-limited energy detector on synthetic recordings whose events are known."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio import energy_detector
from core.audio.energy_detector import EnergyDetectorConfig, detect_energy
from core.errors import AudioError, EarmarkError
from tests import audio_factory

RATE_HZ = 16000
FRAME_S = 512 / RATE_HZ


def _night(duration_s: float = 60.0, ramp: float = 1.0, seed: int = 0) -> np.ndarray:
    """Faint noise (its level rising ``ramp`` times over the file), 2 kHz calls of 0.3 s at 5,
    15, 25, 35 and 45 s and 200 Hz knocks of 0.2 s at 10 and 30 s (those that fit)."""
    samples = audio_factory.noise(duration_s, RATE_HZ, amplitude=0.005, seed=seed)
    samples = samples * np.linspace(1.0, ramp, len(samples), dtype=np.float32)
    call = audio_factory.tone(2000.0, 0.3, RATE_HZ, amplitude=0.1)
    knock = audio_factory.tone(200.0, 0.2, RATE_HZ, amplitude=0.3)
    for sound, starts_s in ((call, (5, 15, 25, 35, 45)), (knock, (10, 30))):
        for start_s in starts_s:
            if start_s + 1 < duration_s:
                samples[start_s * RATE_HZ:start_s * RATE_HZ + len(sound)] += sound
    return samples


def _spans(events) -> list[float]:
    return [t for e in events for t in (e.begin_s, e.end_s)]


def test_calls_in_their_band_are_found_where_they_are(tmp_path):
    path = audio_factory.write(tmp_path / "night.wav", _night())
    events = detect_energy(path, EnergyDetectorConfig(low_hz=1500.0, high_hz=2500.0))
    assert len(events) == 5
    for event, start_s in zip(events, (5, 15, 25, 35, 45), strict=True):
        assert event.begin_s == pytest.approx(start_s, abs=FRAME_S)
        assert event.end_s == pytest.approx(start_s + 0.3, abs=FRAME_S)
        assert (event.low_hz, event.high_hz) == (1500.0, 2500.0)
        assert event.snr_db > 20 and event.score > 0.99
    # Over the whole spectrum the knocks are events too.
    everything = detect_energy(path, EnergyDetectorConfig())
    assert [round(e.begin_s) for e in everything] == [5, 10, 15, 25, 30, 35, 45]
    assert everything[1].high_hz == RATE_HZ / 2


def test_a_band_above_a_files_highest_frequency_is_not_searched_there(tmp_path):
    """An 8 kHz file searched at 6-9 kHz (a folder of bat recordings beside phone ones): the
    Nyquist bin alone was searched and its noise gave 14 events in 30 s, which the window then
    could not store (their band had no width). Not searched, and said why; a band reaching past
    the top is searched to the top."""
    from core.errors import NotSearchedError

    path = audio_factory.write(tmp_path / "phone.wav", _night(30.0)[::2].copy(), 8000)
    with pytest.raises(NotSearchedError) as caught:
        detect_energy(path, EnergyDetectorConfig(low_hz=6000.0, high_hz=9000.0))
    assert caught.value.path == path and caught.value.reason == (
        "the band from 6,000 Hz lies above its highest frequency (4,000 Hz, half "
        "its 8,000 Hz rate)")
    with pytest.raises(NotSearchedError):
        detect_energy(path, EnergyDetectorConfig(low_hz=4000.0))
    with pytest.raises(NotSearchedError, match="from 3,990 Hz holds no more than a sliver"):
        detect_energy(path, EnergyDetectorConfig(low_hz=3990.0, high_hz=9000.0))
    events = detect_energy(path, EnergyDetectorConfig(low_hz=1500.0, high_hz=9000.0))
    assert [round(e.begin_s) for e in events] == [5, 15, 25]
    assert {(e.low_hz, e.high_hz) for e in events} == {(1500.0, 4000.0)}


def test_a_background_window_longer_than_any_file_is_the_whole_file(tmp_path):
    """``--noise-window 1e308`` ended in a traceback (a float too big for an int)."""
    path = audio_factory.write(tmp_path / "night.wav", _night(20.0))
    band = {"low_hz": 1500.0, "high_hz": 2500.0}
    assert detect_energy(path, EnergyDetectorConfig(**band, noise_window_s=1e308)) == \
        detect_energy(path, EnergyDetectorConfig(**band, noise_window_s=20.0))


def test_a_chosen_channel_is_searched_where_a_recording_has_it(tmp_path):
    """A stereo recorder with the night's calls on the right microphone and louder noise on the
    left: heard on the right alone, every call; in the mix, the noise hides them."""
    right = _night()
    left = audio_factory.noise(60.0, RATE_HZ, amplitude=0.1, seed=5)
    path = audio_factory.write(tmp_path / "pair.wav", np.stack([left, right], axis=1),
                               subtype="FLOAT")
    band = {"low_hz": 1500.0, "high_hz": 2500.0}
    assert [round(e.begin_s) for e in detect_energy(
        path, EnergyDetectorConfig(**band, channel=1))] == [5, 15, 25, 35, 45]
    assert detect_energy(path, EnergyDetectorConfig(**band)) == []
    mono = audio_factory.write(tmp_path / "mono.wav", right)  # no second channel: its one
    assert len(detect_energy(mono, EnergyDetectorConfig(**band, channel=1))) == 5


def test_the_background_follows_a_rising_noise_floor(tmp_path):
    # The noise rises 20 dB over the file: a fixed threshold would call its end one long event.
    path = audio_factory.write(tmp_path / "dawn.wav", _night(ramp=10.0))
    events = detect_energy(path, EnergyDetectorConfig(low_hz=1500.0, high_hz=2500.0, snr_db=6.0))
    assert [round(e.begin_s) for e in events] == [5, 15, 25, 35, 45]
    # The last call stands about 20 dB less above its background than the first.
    assert events[0].snr_db - events[-1].snr_db > 12


def test_close_events_merge_and_durations_filter(tmp_path):
    samples = audio_factory.noise(20.0, RATE_HZ, amplitude=0.005)
    call = audio_factory.tone(3000.0, 0.2, RATE_HZ, amplitude=0.2)
    for start_s in (2.0, 2.25):  # 50 ms apart: one event
        i = int(start_s * RATE_HZ)
        samples[i:i + len(call)] += call
    i = int(8.0 * RATE_HZ)
    samples[i:i + 160] += audio_factory.tone(3000.0, 0.01, RATE_HZ, amplitude=0.2)  # a 10 ms click
    samples[12 * RATE_HZ:18 * RATE_HZ] += audio_factory.tone(3000.0, 6.0, RATE_HZ, amplitude=0.2)
    path = audio_factory.write(tmp_path / "mixed.wav", samples)
    config = EnergyDetectorConfig(low_hz=2500.0, high_hz=3500.0, max_duration_s=5.0)
    [merged] = detect_energy(path, config)
    assert merged.begin_s == pytest.approx(2.0, abs=FRAME_S)
    assert merged.end_s == pytest.approx(2.45, abs=FRAME_S)
    apart = detect_energy(path, EnergyDetectorConfig(low_hz=2500.0, high_hz=3500.0,
                                                     max_duration_s=5.0, min_gap_s=0.01))
    assert len(apart) == 2
    longer = detect_energy(path, EnergyDetectorConfig(low_hz=2500.0, high_hz=3500.0,
                                                      max_duration_s=7.0, min_duration_s=0.01,
                                                      noise_window_s=30.0))
    assert [round(e.begin_s) for e in longer] == [2, 8, 12]


def test_reading_block_by_block_finds_the_same_events(tmp_path, monkeypatch):
    path = audio_factory.write(tmp_path / "night.wav", _night(20.0), subtype="FLOAT")
    config = EnergyDetectorConfig(low_hz=1500.0, high_hz=2500.0)
    whole = detect_energy(path, config)
    monkeypatch.setattr(energy_detector, "BLOCK_S", 1.37)  # blocks end mid-frame
    fractions = []
    blocks = detect_energy(path, config, progress=fractions.append)
    assert len(fractions) == 15 and fractions[-1] == 1.0
    assert _spans(blocks) == pytest.approx(_spans(whole))
    levels_whole = energy_detector.band_levels(path, config)[0]
    monkeypatch.setattr(energy_detector, "BLOCK_S", 60.0)
    assert len(levels_whole) == len(energy_detector.band_levels(path, config)[0])


def test_short_silent_and_stopped(tmp_path):
    short = audio_factory.write(tmp_path / "short.wav", audio_factory.tone(2000.0, 0.01))
    assert detect_energy(short, EnergyDetectorConfig()) == []
    silent = audio_factory.write(tmp_path / "silent.wav", np.zeros(5 * RATE_HZ, np.float32))
    assert detect_energy(silent, EnergyDetectorConfig()) == []
    night = audio_factory.write(tmp_path / "night.wav", _night(10.0))
    assert detect_energy(night, EnergyDetectorConfig(), should_stop=lambda: True) is None


def test_a_file_that_cannot_be_read_is_named(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError, match="notes.wav"):
        detect_energy(bad, EnergyDetectorConfig())


@pytest.mark.parametrize("changes, words", [
    ({"snr_db": 0.0}, "snr_db must be more than 0 dB"),
    ({"snr_db": float("nan")}, "snr_db must be a number"),
    ({"min_duration_s": 2.0, "max_duration_s": 1.0}, "must be longer than the shortest"),
    ({"noise_percentile": 100.0}, "between 0 and 100"),
    ({"low_hz": 3000.0, "high_hz": 1000.0}, "must lie above its bottom"),
    ({"low_hz": -5.0}, "low_hz must be a frequency"),
    ({"channel": 64}, "channel must be one of 0..63"),
    ({"channel": 1.0}, "channel must be one of 0..63"),
])
def test_settings_that_cannot_work_are_refused(changes, words):
    with pytest.raises(EarmarkError, match=words):
        EnergyDetectorConfig(**changes)


def test_a_calls_quieter_tail_belongs_to_it(tmp_path):
    samples = audio_factory.noise(20.0, RATE_HZ, amplitude=0.005)
    i = 5 * RATE_HZ
    samples[i:i + 3200] += audio_factory.tone(2000.0, 0.2, RATE_HZ, amplitude=0.1)
    samples[i + 3200:i + 6400] += audio_factory.tone(2000.0, 0.2, RATE_HZ, amplitude=0.02)
    path = audio_factory.write(tmp_path / "fading.wav", samples)
    # The head stands about 26 dB above the band's background, the tail about 12 dB.
    [event] = detect_energy(path, EnergyDetectorConfig(low_hz=1500.0, high_hz=2500.0,
                                                       snr_db=20.0))
    assert event.begin_s == pytest.approx(5.0, abs=FRAME_S)
    assert event.end_s == pytest.approx(5.4, abs=FRAME_S)


def test_settings_fitted_to_an_example_call_find_a_bat_pass_call_by_call(tmp_path):
    rate_hz = 192_000
    samples = audio_factory.noise(3.0, rate_hz, amplitude=0.002)
    call = audio_factory.tone(45_000.0, 0.004, rate_hz, amplitude=0.3)  # 4 ms, 60 ms apart
    starts_s = [1.0 + 0.06 * k for k in range(8)]
    for start_s in starts_s:
        i = int(start_s * rate_hz)
        samples[i:i + len(call)] += call
    path = audio_factory.write(tmp_path / "pass.wav", samples, rate_hz)
    band = EnergyDetectorConfig(low_hz=40_000.0, high_hz=50_000.0)
    # As they were: each call shorter than the shortest event, the pass no more than one.
    assert len(detect_energy(path, band)) <= 1
    fitted = band.for_example(0.004)
    assert (fitted.min_duration_s, fitted.min_gap_s, fitted.max_duration_s) == (0.002, 0.004, 10.0)
    found = detect_energy(path, fitted)
    assert [e.begin_s for e in found] == pytest.approx(starts_s, abs=0.01)  # each its own
    # Settings already within an example's are kept; a long one lets a long event through.
    assert band.for_example(1.0) == band and band.for_example(0.0) == band
    assert band.for_example(30.0).max_duration_s == 60.0
