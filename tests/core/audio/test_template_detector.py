"""The template detector on synthetic recordings: an up-sweep template finds the up-sweeps and
not the down-sweeps or tones in the same band, wherever they lie and whatever their level."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio import spans, template_detector
from core.audio.template_detector import (
    CallTemplate,
    TemplateDetectorConfig,
    correlation,
    find_similar,
    near_miss_floor,
    prepare_template,
)
from core.errors import AudioError, EarmarkError
from tests import audio_factory

RATE_HZ = 16000
HOP_S = 128 / RATE_HZ  # fft_size_for(16 kHz) is 512, a quarter of it
UP_STARTS_S = (3.0, 11.0, 23.5, 37.25)
DOWN_STARTS_S = (7.0, 17.0, 30.0)
TONE_STARTS_S = (14.0, 27.0)


def _place(samples: np.ndarray, sound: np.ndarray, start_s: float, rate_hz: int = RATE_HZ) -> None:
    i = int(round(start_s * rate_hz))
    samples[i:i + len(sound)] += sound


def _night(rate_hz: int = RATE_HZ, seed: int = 0) -> np.ndarray:
    """45 s of faint noise holding 0.3 s up-sweeps (2-3 kHz, at levels 20 dB apart),
    down-sweeps (3-2 kHz) and 2.5 kHz tones."""
    samples = audio_factory.noise(45.0, rate_hz, amplitude=0.003, seed=seed)
    for level, start_s in zip((0.1, 0.3, 0.03, 0.2), UP_STARTS_S, strict=True):
        _place(samples, level * audio_factory.chirp(2000.0, 3000.0, 0.3, rate_hz), start_s, rate_hz)
    for start_s in DOWN_STARTS_S:
        _place(samples, 0.1 * audio_factory.chirp(3000.0, 2000.0, 0.3, rate_hz), start_s, rate_hz)
    for start_s in TONE_STARTS_S:
        _place(samples, audio_factory.tone(2500.0, 0.3, rate_hz, amplitude=0.1), start_s, rate_hz)
    return samples


def _template_file(tmp_path, rate_hz: int = RATE_HZ):
    """A recording holding one up-sweep at 1.0 s, and the template boxing it."""
    samples = audio_factory.noise(3.0, rate_hz, amplitude=0.003, seed=7)
    _place(samples, 0.1 * audio_factory.chirp(2000.0, 3000.0, 0.3, rate_hz), 1.0, rate_hz)
    path = audio_factory.write(tmp_path / f"template_{rate_hz}.wav", samples, rate_hz)
    return CallTemplate(str(path), 1.0, 1.3, 1500.0, 3500.0, label="up")


def test_the_template_finds_its_own_shape_and_no_other(tmp_path):
    path = audio_factory.write(tmp_path / "night.wav", _night())
    template = prepare_template(_template_file(tmp_path))
    events = find_similar(path, [template])
    assert [e.begin_s for e in events] == pytest.approx(UP_STARTS_S, abs=2 * HOP_S)
    for event in events:
        # The template's length, or a stretch of it tried for slower or faster calls.
        assert 0.8 * 0.3 - 0.01 <= event.end_s - event.begin_s <= 1.2 * 0.3 + 0.01
        assert (event.low_hz, event.high_hz, event.label) == (1500.0, 3500.0, "up")
        # Calls 20 dB apart all score high: a gain shifts every dB by the same amount (the
        # faintest scores a little lower, the noise filling more of its cells).
        assert event.score > 0.65
    # The down-sweeps and tones lie in the band but score far lower.
    everything = find_similar(path, [template], TemplateDetectorConfig(threshold=0.05))
    others = [e for e in everything
              if min(abs(e.begin_s - s) for s in UP_STARTS_S) > 0.5]
    assert max(e.score for e in others) < 0.3


def test_matches_just_under_the_threshold_are_counted_apart(tmp_path):
    # The up-sweeps score 0.71-0.84: at 0.8, two are matches and two near misses.
    path = audio_factory.write(tmp_path / "night.wav", _night())
    template = prepare_template(_template_file(tmp_path))
    config = TemplateDetectorConfig(threshold=0.8)
    near: list = []
    events = find_similar(path, [template], config, near_misses=near)
    assert events == find_similar(path, [template], config)  # the matches, as without
    assert [e.begin_s for e in events] == pytest.approx(UP_STARTS_S[1::2], abs=2 * HOP_S)
    assert [e.begin_s for e in near] == pytest.approx(UP_STARTS_S[0::2], abs=2 * HOP_S)
    floor = near_miss_floor(0.8)
    assert floor == pytest.approx(0.65) and all(floor <= e.score < 0.8 for e in near)
    # Just what a search at the floor finds besides the matches.
    lower = find_similar(path, [template], TemplateDetectorConfig(threshold=floor))
    assert sorted(near + events, key=lambda e: e.begin_s) == lower
    assert near_miss_floor(0.1) == 0.1  # a threshold that low has none
    assert near_miss_floor(0.2) == pytest.approx(0.15)  # never into the noise's scores


def test_the_channel_asked_for_is_searched_and_its_template_taken_from_it(tmp_path):
    """A stereo night: the up-sweeps on the right microphone, down-sweeps on the left. Listening
    to the right, the up-sweeps; the template boxed on a stereo file's right channel holds the
    up-sweep there, not the left's down-sweep at the same moment."""
    night = _night()
    left = audio_factory.noise(45.0, RATE_HZ, amplitude=0.003, seed=3)
    for start_s in UP_STARTS_S:
        _place(left, 0.3 * audio_factory.chirp(3000.0, 2000.0, 0.3), start_s)
    path = audio_factory.write(tmp_path / "pair.wav", np.stack([left, night], axis=1))
    up = prepare_template(_template_file(tmp_path))
    right = find_similar(path, [up], TemplateDetectorConfig(channel=1))
    assert [e.begin_s for e in right] == pytest.approx(UP_STARTS_S, abs=2 * HOP_S)
    assert find_similar(path, [up], TemplateDetectorConfig(channel=0)) == []
    # The template from a stereo file's right channel; a mono recording is searched whole.
    box = CallTemplate(str(path), UP_STARTS_S[1], UP_STARTS_S[1] + 0.3, 1500.0, 3500.0)
    from_right = prepare_template(box, channel=1)
    mono = audio_factory.write(tmp_path / "night.wav", night)
    found = find_similar(mono, [from_right], TemplateDetectorConfig(channel=1))
    assert [e.begin_s for e in found] == pytest.approx(UP_STARTS_S, abs=2 * HOP_S)
    with pytest.raises(EarmarkError, match="channel must be one of 0..63"):
        TemplateDetectorConfig(channel=64)


def test_a_recording_at_another_rate_is_searched_at_the_templates(tmp_path):
    path = audio_factory.write(tmp_path / "night_44k.wav", _night(44100), 44100)
    events = find_similar(path, [prepare_template(_template_file(tmp_path))])
    assert [e.begin_s for e in events] == pytest.approx(UP_STARTS_S, abs=2 * HOP_S)
    # A recording whose spectrum stops below the template's band cannot hold the call.
    low = audio_factory.write(tmp_path / "phone.wav", audio_factory.noise(2.0, 4000), 4000)
    with pytest.raises(AudioError, match="phone.wav.*does not reach the template's band"):
        find_similar(low, [prepare_template(_template_file(tmp_path))])


def test_a_slower_call_is_found_at_its_own_length(tmp_path):
    samples = audio_factory.noise(20.0, RATE_HZ, amplitude=0.003, seed=3)
    for start_s, length_s in ((4.0, 0.36), (12.0, 0.24)):  # 1.2 and 0.8 times the template
        _place(samples, 0.1 * audio_factory.chirp(2000.0, 3000.0, length_s, RATE_HZ), start_s)
    path = audio_factory.write(tmp_path / "tempo.wav", samples)
    template = prepare_template(_template_file(tmp_path))
    rigid = find_similar(path, [template], TemplateDetectorConfig(0.3, time_stretch=0.0))
    events = find_similar(path, [template], TemplateDetectorConfig(0.3))
    assert [round(e.begin_s) for e in events] == [4, 12]
    assert [e.end_s - e.begin_s for e in events] == pytest.approx([0.36, 0.24], abs=0.02)
    assert all(e.score > r.score + 0.1 for e, r in zip(events, rigid, strict=True))
    assert TemplateDetectorConfig(time_stretch=0.0).stretch_factors() == (1.0,)
    assert TemplateDetectorConfig().stretch_factors() == pytest.approx((0.8, 0.9, 1.0, 1.1, 1.2))


def _two_notes(low_hz: float, high_hz: float) -> np.ndarray:
    """A call of two 0.12 s notes, ``low_hz`` then ``high_hz``: no shift in time makes one
    pitch of it look like another, as it can for a sweep."""
    return 0.1 * np.concatenate([audio_factory.tone(f, 0.12, RATE_HZ, amplitude=1.0)
                                 for f in (low_hz, high_hz)])


def test_a_higher_or_lower_call_is_found_in_its_own_band(tmp_path):
    own = audio_factory.noise(2.0, RATE_HZ, amplitude=0.003, seed=5)
    _place(own, _two_notes(2000.0, 2600.0), 1.0)
    template = prepare_template(CallTemplate(
        str(audio_factory.write(tmp_path / "own.wav", own)), 1.0, 1.24, 1500.0, 3500.0))
    samples = audio_factory.noise(20.0, RATE_HZ, amplitude=0.003, seed=4)
    # The call 1.1 and 0.9 times as high, and one long note in the band: another call.
    for start_s, (low_hz, high_hz) in ((4.0, (2200.0, 2860.0)), (12.0, (1800.0, 2340.0)),
                                       (16.0, (2300.0, 2300.0))):
        _place(samples, _two_notes(low_hz, high_hz), start_s)
    path = audio_factory.write(tmp_path / "pitch.wav", samples)
    rigid = find_similar(path, [template], TemplateDetectorConfig(0.05))
    events = find_similar(path, [template], TemplateDetectorConfig(0.7, pitch_shift=0.1))
    assert [round(e.begin_s) for e in events] == [4, 12]
    # Each is found in the template's band scaled as the call is, and scores far higher.
    assert [b for e in events for b in (e.low_hz, e.high_hz)] == pytest.approx(
        [1650.0, 3850.0, 1350.0, 3150.0])
    best = {start: max((e.score for e in rigid if abs(e.begin_s - start) < 0.2), default=0.0)
            for start in (4.0, 12.0)}
    assert all(e.score > 0.8 and e.score > best[round(e.begin_s)] + 0.3 for e in events)
    assert TemplateDetectorConfig().pitch_factors() == (1.0,)
    assert TemplateDetectorConfig(pitch_shift=0.1).pitch_factors() == pytest.approx(
        (0.9, 0.95, 1.0, 1.05, 1.1))


def test_a_template_scaled_in_frequency_keeps_its_shape_within_the_spectrum(tmp_path):
    from core.audio.template_detector import pitched, variants

    template = prepare_template(_template_file(tmp_path))
    up = pitched(template, 1.1)
    assert (up.low_hz, up.high_hz, up.pitch_factor) == pytest.approx((1650.0, 3850.0, 1.1))
    assert up.n_frames == template.n_frames and up.cells.mean() == pytest.approx(0.0, abs=1e-9)
    # The sweep's loudest bin moves up with it, frame by frame.
    bin_hz = RATE_HZ / template.n_fft
    own_hz = np.flatnonzero(template.rows) * bin_hz
    new_hz = np.flatnonzero(up.rows) * bin_hz
    frame = template.n_frames // 2
    assert new_hz[up.cells[:, frame].argmax()] == pytest.approx(
        1.1 * own_hz[template.cells[:, frame].argmax()], abs=2 * bin_hz)
    # A band scaled past the Nyquist frequency is cut there; one with nothing left is dropped.
    whole = prepare_template(CallTemplate(template.template.path, 1.0, 1.3))
    assert pitched(whole, 1.2).high_hz == RATE_HZ / 2
    narrow = prepare_template(CallTemplate(template.template.path, 1.0, 1.3, 7990.0, 8000.0))
    assert pitched(narrow, 1.2) is None
    # Every length at every scale: 5 x 5 variants; a one-bin template is tried as it is.
    assert len(variants(template, TemplateDetectorConfig(pitch_shift=0.1))) == 25
    assert len(variants(narrow, TemplateDetectorConfig(time_stretch=0.0, pitch_shift=0.2))) == 1


def test_several_templates_one_event_where_they_overlap(tmp_path):
    path = audio_factory.write(tmp_path / "night.wav", _night())
    up = prepare_template(_template_file(tmp_path))
    down = prepare_template(CallTemplate(str(path), DOWN_STARTS_S[0], DOWN_STARTS_S[0] + 0.3,
                                         1500.0, 3500.0, label="down"))
    events = find_similar(path, [up, down])
    assert [(round(e.begin_s, 1), e.label) for e in events] == sorted(
        [(round(s, 1), "up") for s in UP_STARTS_S] + [(s, "down") for s in DOWN_STARTS_S])
    # The template's own region matches itself exactly.
    assert max(e.score for e in events if e.label == "down") == pytest.approx(1.0, abs=1e-3)


def test_reading_block_by_block_scores_the_same(tmp_path, monkeypatch):
    # Each block's noise floor is its own by design (a night's background drifts); with the
    # floor left alone, the frames carried between blocks must give the scores of one read.
    monkeypatch.setattr(template_detector, "_less_floor", lambda db: db)
    path = audio_factory.write(tmp_path / "night.wav", _night(), subtype="FLOAT")
    template = prepare_template(_template_file(tmp_path))
    [whole] = template_detector._scores(path, [template], None, lambda: False, None)
    monkeypatch.setattr(template_detector, "BLOCK_S", 1.37)  # blocks end mid-frame
    fractions = []
    [blocks] = template_detector._scores(path, [template], None, lambda: False, fractions.append)
    assert len(fractions) == 33 and fractions[-1] == pytest.approx(1.0)
    assert len(blocks) == len(whole)
    assert blocks == pytest.approx(whole, abs=1e-4)
    # Templates of several lengths (the stretches tried) share the frames kept between blocks.
    def flat(events) -> list[float]:
        return [v for e in events for v in (e.begin_s, e.end_s, e.score)]

    in_blocks = find_similar(path, [template], TemplateDetectorConfig(0.1))
    monkeypatch.setattr(template_detector, "BLOCK_S", 60.0)
    assert flat(in_blocks) == pytest.approx(
        flat(find_similar(path, [template], TemplateDetectorConfig(0.1))), abs=1e-4)


def test_templates_of_one_rate_share_one_spectrogram_and_score_as_alone(tmp_path, monkeypatch):
    path = audio_factory.write(tmp_path / "night.wav", _night())
    up = prepare_template(_template_file(tmp_path))
    narrow = prepare_template(CallTemplate(str(path), DOWN_STARTS_S[0], DOWN_STARTS_S[0] + 0.5,
                                           1800.0, 3200.0, label="down"))
    alone = [template_detector._scores(path, [t], None, lambda: False, None)[0] for t in (up, narrow)]
    calls = []
    real = template_detector._band_db
    monkeypatch.setattr(template_detector, "_band_db",
                        lambda *args: calls.append(1) or real(*args))
    together = template_detector._scores(path, [up, narrow], None, lambda: False, None)
    assert len(calls) == 1  # one block, one spectrogram for both
    for mine, theirs in zip(together, alone, strict=True):
        assert mine == pytest.approx(theirs, abs=1e-6)


def test_correlation_is_pearsons_at_every_offset():
    rng = np.random.default_rng(0)
    db = rng.normal(-40.0, 6.0, (12, 90))
    db[:, 40:50] = -120.0  # digital silence: no shape, no correlation
    cells = rng.normal(0.0, 1.0, (12, 7))
    cells -= cells.mean()
    template = template_detector.PreparedTemplate(
        CallTemplate("x.wav", 0.0, 0.1), RATE_HZ, 512, 128, np.ones(257, bool), 0.0, 8000.0,
        cells, float(np.sqrt(np.square(cells).sum())), 0.1)
    scores = correlation(db, template)
    assert len(scores) == 90 - 7 + 1
    for offset in (0, 17, 83):
        expected = np.corrcoef(db[:, offset:offset + 7].ravel(), cells.ravel())[0, 1]
        assert scores[offset] == pytest.approx(expected, abs=1e-5)
    assert scores[41] == 0.0


def test_stopped_short_and_silent(tmp_path):
    path = audio_factory.write(tmp_path / "night.wav", _night())
    template = prepare_template(_template_file(tmp_path))
    assert find_similar(path, [template], should_stop=lambda: True) is None
    short = audio_factory.write(tmp_path / "short.wav", audio_factory.tone(2000.0, 0.1))
    assert find_similar(short, [template]) == []  # shorter than the template
    silent = audio_factory.write(tmp_path / "silent.wav", np.zeros(5 * RATE_HZ, np.float32))
    assert find_similar(silent, [template]) == []


@pytest.mark.parametrize("begin_s, end_s, band, words", [
    (1.0, 1.01, (1500.0, 3500.0), "needs at least"),
    (0.0, 12.0, (None, None), "at most 10 s"),
    (1.0, 1.3, (9000.0, 12000.0), "outside template_16000.wav's spectrum"),
    # A span past the file's end, or the wrong way round, said "the template is 1000 ms long;
    # ... needs at least 56 ms" and "-300 ms long".
    (50.0, 51.0, (None, None), r"ends past the end of template_16000.wav \("),
    (0.5, 0.2, (None, None), r"0.5-0.2 s is no span of time \(its begin must lie before"),
])
def test_a_region_that_cannot_be_a_template_is_refused(tmp_path, begin_s, end_s, band, words):
    source = _template_file(tmp_path)
    with pytest.raises(EarmarkError, match=words):
        prepare_template(CallTemplate(source.path, begin_s, end_s, *band))
    silent = audio_factory.write(tmp_path / "silent.wav", np.zeros(RATE_HZ, np.float32))
    with pytest.raises(EarmarkError, match="silent or uniform"):
        prepare_template(CallTemplate(str(silent), 0.2, 0.6))
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError, match="notes.wav"):
        prepare_template(CallTemplate(str(bad), 0.0, 0.3))


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.2, float("nan"), "high"])
def test_a_threshold_outside_zero_to_one_is_refused(threshold):
    with pytest.raises(EarmarkError, match="threshold must lie between 0 and 1"):
        TemplateDetectorConfig(threshold=threshold)


@pytest.mark.parametrize("stretch", [-0.1, 0.6, float("nan"), "some"])
def test_a_time_stretch_outside_its_range_is_refused(stretch):
    with pytest.raises(EarmarkError, match="time stretch must lie between 0 and 0.5"):
        TemplateDetectorConfig(time_stretch=stretch)


@pytest.mark.parametrize("shift", [-0.1, 0.31, float("nan"), "up"])
def test_a_pitch_shift_outside_its_range_is_refused(shift):
    with pytest.raises(EarmarkError, match="pitch shift must lie between 0 and 0.3"):
        TemplateDetectorConfig(pitch_shift=shift)


def test_one_event_per_overlap_keeps_what_checking_every_pair_keeps():
    def every_pair(events):
        kept = []
        for e in sorted(events, key=lambda e: -e.score):
            if not any(min(e.end_s, k.end_s) - max(e.begin_s, k.begin_s)
                       >= spans.SAME_CALL_OVERLAP
                       * min(e.end_s - e.begin_s, k.end_s - k.begin_s) for k in kept):
                kept.append(e)
        return sorted(kept, key=lambda e: (e.begin_s, e.end_s))

    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(0, 200))
        events = [template_detector.TemplateEvent(float(b), float(b + d), 0.0, 1.0, None,
                                                  float(rng.random()))
                  for b, d in zip(rng.uniform(0, 60, n), rng.uniform(0.05, 3.0, n), strict=True)]
        assert template_detector._one_per_overlap(events) == every_pair(events)


def _rumble(duration_s: float, seed: int, rate_hz: int = RATE_HZ) -> np.ndarray:
    """Noise louder low down than high up (white noise through a one-pole low-pass, about 22 dB
    more at 200 Hz than at 4 kHz), as a night's wind and distant traffic are; RMS 0.003."""
    white = np.random.default_rng(seed).standard_normal(int(duration_s * rate_hz))
    low = np.convolve(white, 0.85 ** np.arange(20), mode="same")
    return (0.003 * low / low.std()).astype(np.float32)


def test_noise_louder_low_down_is_no_call(tmp_path):
    # Before: the noise's tilt across the template's band, shared by every stretch, correlated
    # with the template boxed on it (about 0.37 anywhere), so noise alone was queued as calls.
    samples = _rumble(90.0, seed=3)
    # A bark-like call: harmonics of 500 Hz, each weaker than the one below, as most calls are.
    t = np.arange(int(0.5 * RATE_HZ)) / RATE_HZ
    call = sum(np.sin(2 * np.pi * 500.0 * k * t) / k for k in range(1, 8)) * np.hanning(len(t))
    for start_s in (5.0, 15.0, 25.0):
        _place(samples, (0.02 * call).astype(np.float32), start_s, RATE_HZ)
    path = audio_factory.write(tmp_path / "night.wav", samples)
    template = prepare_template(CallTemplate(str(path), 5.0, 5.5, 200.0, 4000.0, label="up"))
    events = find_similar(path, [template])
    assert [round(e.begin_s) for e in events] == [5, 15, 25]  # the minute after: nothing


def test_a_call_of_two_notes_is_one_event_not_one_a_note_apart(tmp_path):
    """A two-note hoot matched a note off by a stretched variant too (one note over the
    other): each call was queued two or three times, the matches overlapping by 42-55%."""
    def hoot() -> np.ndarray:
        note = audio_factory.tone(600.0, 0.25, RATE_HZ, amplitude=0.2)
        return np.concatenate([note, np.zeros(int(0.2 * RATE_HZ), np.float32), note])

    samples = audio_factory.noise(40.0, RATE_HZ, amplitude=0.003, seed=5)
    starts_s = (2.0, 9.0, 16.5, 24.0, 33.0)
    for start_s in starts_s:
        _place(samples, hoot(), start_s)
    path = audio_factory.write(tmp_path / "owls.wav", samples)
    template = prepare_template(CallTemplate(str(path), 2.0, 2.7, 400.0, 800.0, label="hoot"))
    events = find_similar(path, [template], TemplateDetectorConfig(threshold=0.3))
    found = [min(starts_s, key=lambda s, e=e: abs(s - e.begin_s)) for e in events]
    assert sorted(found) == list(starts_s)  # each call once
