"""Silence read from the waveform (core.ml.silence): digital silence and quiet flat hiss are silent,
sounds however quiet or steady are not, and a long file's windows measured together agree with
each alone."""

import numpy as np
import pytest

from core.ml import silence
from core.ml.silence import is_silent
from tests.audio_factory import at_dbfs, chirp, noise, pink_noise, tone

RATE_HZ = 16000


def _spoken(level_dbfs: float, seed: int = 0) -> np.ndarray:
    """Something like a spoken word: a harmonic voice whose loudness rises and falls over two
    syllables, over a faint noise floor 40 dB under it."""
    t = np.arange(int(0.6 * RATE_HZ)) / RATE_HZ
    voice = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 15))
    envelope = np.clip(np.sin(2 * np.pi * t / 0.6 * 2), 0, None) ** 2
    word = at_dbfs(voice * envelope, level_dbfs)
    return word + at_dbfs(noise(0.6, RATE_HZ, seed=seed), level_dbfs - 40)


@pytest.mark.parametrize("samples", [
    np.zeros(RATE_HZ, dtype=np.float32),  # digital silence
    np.zeros(0, dtype=np.float32),  # nothing at all
    np.full(RATE_HZ, 0.2, dtype=np.float32),  # a DC offset is no sound
    at_dbfs(noise(1.0, RATE_HZ), -75),  # a recorder's white hiss
    at_dbfs(pink_noise(3.0), -80),  # a room's pink hiss, longer than the clip
    at_dbfs(noise(0.2, RATE_HZ), -70),  # shorter than a few frames
])
def test_no_sound_is_silence(samples):
    assert is_silent(samples, RATE_HZ)


def test_hiss_with_a_dropout_of_digital_silence_is_still_silence():
    hiss = at_dbfs(noise(1.0, RATE_HZ), -75)
    hiss[4000:9000] = 0.0
    assert is_silent(hiss, RATE_HZ)


@pytest.mark.parametrize("samples", [
    tone(440, 1.0, RATE_HZ, amplitude=0.5),  # a loud steady tone: a sound, not silence
    at_dbfs(noise(1.0, RATE_HZ), -20),  # loud white noise, as steady as hiss
    _spoken(-20),
    _spoken(-48),  # as quiet as FSDD's quietest speaker
    chirp(300, 3000, 0.5, RATE_HZ, amplitude=0.3),
])
def test_sounds_are_not_silence(samples):
    assert not is_silent(samples, RATE_HZ)


def test_a_faint_call_over_faint_hiss_is_not_silence():
    """Both under the quiet level: the call is told by rising over the hiss's own floor."""
    clip = at_dbfs(noise(2.0, RATE_HZ), -80)
    call = at_dbfs(tone(2000, 0.25, RATE_HZ), -65)
    clip[8000:8000 + len(call)] += call
    assert silence.band_rise_db(clip, RATE_HZ) > silence.RISE_DB
    assert not is_silent(clip, RATE_HZ)


def test_a_long_files_windows_checked_together_are_silent_exactly_where_each_alone_is():
    """window_sound measures a long file's windows otherwise than is_silent (their frames'
    levels once, for the verdict and each window's level): the verdicts must be is_silent's,
    window for window, loud, quiet hiss, a quiet call, digital silence in places, whole, short
    and empty windows alike; the level, the 90th percentile (nearest rank) of loudness_dbfs's."""
    rng = np.random.default_rng(7)
    rate = 16000
    windows = []
    for amplitude in (0.0, 1e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 1e-2, 0.3):
        for length in (13760, 13760, 13760, 3000, 100, 7, 0):
            x = (amplitude * rng.standard_normal(length)).astype(np.float32)
            if length > 1000:
                x[500:900] += amplitude * rng.uniform(1, 8) * np.sin(np.arange(400) * 0.7)
                if rng.random() < 0.3:
                    x[1000:2000] = 0.0  # a dropout: digital silence in places
            windows += [x, x + 0.2]  # and with an offset, which the check removes
    together, loudest_dbfs = silence.window_sound(windows, rate)
    alone = np.array([is_silent(w, rate) for w in windows])
    assert together.tolist() == alone.tolist()
    levels = [np.sort(silence.loudness_dbfs(w, rate)) for w in windows]
    np.testing.assert_allclose(loudest_dbfs, [w[(len(w) - 1) * 9 // 10] for w in levels])
    assert 10 < alone.sum() < len(alone) - 10  # both answers are tested


def test_a_quiet_sound_on_a_dc_offset_is_not_taken_for_silence():
    """The energy bound summed the squares in float32: on a window with a DC offset its
    rounding drowned a 64 ms tone just over the quiet threshold, and the window read silent."""
    found = []
    for rate, seconds in ((16000, 2), (44100, 3), (48000, 5)):
        for dc in (0.02, 0.05, 0.1, 0.2):
            n = int(rate * seconds)
            x = np.full(n, dc, np.float64)
            start, length = int(0.4 * n), int(0.064 * rate)
            t = np.arange(length) / rate
            x[start:start + length] += 10 ** (-55 / 20) * np.sqrt(2) * np.sin(2 * np.pi * 3000 * t)
            x = x.astype(np.float32)
            found.append((is_silent(x, rate), bool(silence.window_sound([x], rate)[0][0])))
    assert found == [(False, False)] * len(found)
