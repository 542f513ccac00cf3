"""Inference: batches of files, long files in windows, one bad file never costs the batch."""

import numpy as np
import pytest

from core.ml.features import prepare_clip
from core.ml.inference import Classifier
from tests import audio_factory

pytestmark = pytest.mark.slow  # every test uses the session's trained model


def test_predicts_each_file_with_probabilities(trained, class_folder):
    classifier = Classifier(trained.checkpoint)
    files = sorted(class_folder.rglob("*.wav"))
    preds = list(classifier.predict_files(files, batch_size=16))
    assert [p.path for p in preds] == files
    assert sum(p.label == p.path.parent.name for p in preds) / len(preds) >= 0.9
    for p in preds:
        assert p.ok and len(p.probabilities) == 3
        assert abs(sum(p.probabilities) - 1) < 1e-4
        assert p.confidence == max(p.probabilities)


@pytest.mark.parametrize("decode_workers", [1, 2])  # the GUI's workers read with one thread
def test_bad_files_get_errors_and_the_rest_answers(trained, class_folder, tmp_path, decode_workers):
    good = sorted(class_folder.rglob("*.wav"))[:3]
    bad = [audio_factory.write_broken(tmp_path / f"{k}.wav", k) for k in ("empty", "text", "header_only")]
    missing = tmp_path / "gone.wav"
    nan = audio_factory.write(tmp_path / "nan.wav", np.full(8000, np.nan, np.float32), subtype="FLOAT")
    order = [good[0], bad[0], good[1], missing, bad[1], nan, good[2], bad[2]]
    classifier = Classifier(trained.checkpoint, decode_workers=decode_workers)
    preds = list(classifier.predict_files(order, batch_size=2))
    assert [p.path for p in preds] == order
    assert [p.ok for p in preds][:7] == [True, False, True, False, False, False, True]
    assert all(p.error for p in preds if not p.ok)
    assert "not found" in preds[3].error


def test_long_file_scored_in_windows_with_peak(trained, tmp_path):
    rng = np.random.default_rng(3)
    long = np.zeros(16000 * 12, np.float32)
    chirp = audio_factory.chirp(400, 3000, 0.5)
    long[16000 * 8:16000 * 8 + len(chirp)] = chirp
    long += 0.003 * rng.standard_normal(len(long)).astype(np.float32)
    path = audio_factory.write(tmp_path / "long.wav", long)
    classifier = Classifier(trained.checkpoint)
    pred = classifier.predict_file(path)
    assert pred.ok
    assert pred.window_probabilities.shape == (len(pred.window_starts_s), 3)
    assert len(pred.window_starts_s) == 23  # 1 s windows every 0.5 s over 12 s
    chirp_row = pred.window_probabilities[:, classifier.classes.index("chirp")]
    strongest_s = pred.window_starts_s[int(chirp_row.argmax())]
    assert 7.0 <= strongest_s <= 8.5
    assert abs(pred.duration_s - 12.0) < 1e-6
    # Windows are scored on the clip alone; a file of one clip's length gets the prediction views.
    # (Here and below to float32 rounding: the windows go through the model in a batch of 23,
    # the clip alone, and a batch's convolutions may sum in another order.)
    first = prepare_clip(long[:16000], 16000)[None]
    assert np.allclose(pred.window_probabilities[0], classifier.probabilities(first, views=False)[0],
                       atol=1e-4)
    assert not np.allclose(classifier.probabilities(first, views=False),
                           classifier.probabilities(first), atol=1e-5)
    short = classifier.predict_file(audio_factory.write(tmp_path / "short.wav", long[:16000]))
    assert np.allclose(short.probabilities, classifier.probabilities(first)[0], atol=1e-4)


def test_other_rates_and_channels(trained, tmp_path):
    mono = audio_factory.class_sample("tone", np.random.default_rng(5), sample_rate_hz=44100)
    stereo = np.stack([mono, 0.5 * mono], axis=1)
    path = audio_factory.write(tmp_path / "stereo.flac", stereo, 44100)
    pred = Classifier(trained.checkpoint).predict_file(path)
    assert pred.ok and pred.label == "tone"


def test_a_live_streams_latest_stretch_is_answered_as_a_file_is(trained, tmp_path):
    classifier = Classifier(trained.checkpoint)
    rng = np.random.default_rng(6)
    # A stream at the microphone's rate: 3 s of quiet, then a tone clip; its last window is the
    # clip, and it is answered as the same clip in a file is.
    clip = audio_factory.class_sample("tone", rng, sample_rate_hz=48000)
    stream = np.concatenate([np.zeros(3 * 48000, np.float32), clip])
    live = classifier.predict_samples(stream, 48000)
    as_file = classifier.predict_file(audio_factory.write(tmp_path / "tone.wav", clip, 48000))
    assert (live.path.name, live.answer, live.verdict) == ("microphone", "tone", None)
    assert np.allclose(live.probabilities, as_file.probabilities, atol=0.02)
    # Nothing but digital silence (or nothing yet) is silence, never a class.
    assert classifier.predict_samples(np.zeros(48000, np.float32), 48000).answer == "silence"
    assert classifier.predict_samples(np.zeros(0, np.float32), 48000).answer == "silence"
    # The stretch it judged, at the stream's rate (Listen Live keeps it): the clip's length, the
    # last of it; of frames, the mix, as the model hears them.
    n = int(round(classifier.features.clip_seconds * 48000))
    heard = classifier.heard_stretch(stream, 48000)
    assert len(heard) == n and np.array_equal(heard, stream[-n:])
    frames = np.stack([stream, np.zeros_like(stream)], axis=1)
    assert np.allclose(classifier.heard_stretch(frames, 48000), stream[-n:] / 2)


def _stub_scores(monkeypatch, classifier, scores) -> None:
    """``classifier``'s class scores are ``scores(clips)``; its novelty stays the model's own
    (Detect Events scores a window's classes and novelty in one pass)."""
    real = classifier._score

    def stub(clips, batch_size=64, views=True, novelty=False):
        return scores(clips), real(clips, batch_size, views, novelty)[1]

    monkeypatch.setattr(classifier, "_score", stub)


def test_a_sound_then_quiet_is_answered_by_the_sound_and_the_quiet_holds_no_event(
        trained, tmp_path, monkeypatch):
    """The file's answer was the mean over all its windows: a model that scores silence as one
    of its words (a hobbyist's, taught words only) named "zero" and a few seconds of quiet after
    it "one" at 86%, and the quiet was an event of "one" too."""
    from core.ml.detection import detect_file

    classifier = Classifier(trained.checkpoint)
    sound_class = classifier.classes.index("chirp")
    quiet_class = (sound_class + 1) % 3

    def stub(clips, batch_size=64, views=True):  # silence scores as the third class, sure
        rows = np.full((len(clips), 3), 0.05, np.float32)
        loud = np.abs(clips).max(axis=1) > 1e-6
        rows[loud, sound_class], rows[~loud, quiet_class] = 0.6, 0.9
        return rows / rows.sum(axis=1, keepdims=True)

    _stub_scores(monkeypatch, classifier, stub)
    samples = np.zeros(16000 * 10, np.float32)
    chirp = audio_factory.chirp(400, 3000, 0.5)  # the sound class (chirp) as it was taught
    samples[4000:4000 + len(chirp)] = chirp
    pred = classifier.predict_file(audio_factory.write(tmp_path / "word_then_quiet.wav", samples))
    assert pred.label == classifier.classes[sound_class] and pred.verdict is None
    assert pred.confidence == pytest.approx(0.6 / 0.7)
    quiet_rows = pred.window_probabilities[np.asarray(pred.window_starts_s) >= 1.0]
    assert len(quiet_rows) > 10 and not quiet_rows.any()  # the score track shows nothing there
    events = detect_file(classifier, tmp_path / "word_then_quiet.wav", thresholds=0.5)
    assert [e.label for e in events] == [classifier.classes[sound_class]]
    assert events[0].end_s <= 2.0


def test_a_sound_then_room_hiss_is_answered_by_the_sound(trained, tmp_path, monkeypatch):
    """Hiss 35 dB under the sound is not silence, and its windows outnumbered the sound's: a
    hobbyist's word recorded with 9 s of room hiss after it was answered unknown. The answer
    rests on the windows within FOREGROUND_DB of the loudest; a second sound 10 dB under the
    first still counts."""
    classifier = Classifier(trained.checkpoint)
    sound_class = classifier.classes.index("chirp")
    hiss_class = (sound_class + 1) % 3

    def stub(clips, batch_size=64, views=True):  # hiss scores as another class, sure
        rows = np.full((len(clips), 3), 0.05, np.float32)
        loud = np.abs(clips).max(axis=1) > 0.05
        rows[loud, sound_class], rows[~loud, hiss_class] = 0.6, 0.9
        return rows / rows.sum(axis=1, keepdims=True)

    _stub_scores(monkeypatch, classifier, stub)
    rng = np.random.default_rng(0)
    samples = (0.002 * rng.standard_normal(16000 * 10)).astype(np.float32)  # -54 dBFS
    chirp = audio_factory.chirp(400, 3000, 0.5)
    samples[4000:4000 + len(chirp)] += chirp
    pred = classifier.predict_file(audio_factory.write(tmp_path / "word_then_hiss.wav", samples))
    assert pred.label == classifier.classes[sound_class] and pred.verdict is None
    assert pred.confidence == pytest.approx(0.6 / 0.7)
    scored = classifier.score_windows(tmp_path / "word_then_hiss.wav")
    assert not scored.silent.any() and scored.foreground.sum() <= 3
    # A second, quieter sound is part of the answer; the hiss's windows still are not.
    samples[100000:100000 + len(chirp)] += chirp * 10 ** (-10 / 20)
    audio_factory.write(tmp_path / "two_sounds.wav", samples)
    scored = classifier.score_windows(tmp_path / "two_sounds.wav")
    second = (scored.starts_s <= 100000 / 16000) & (scored.starts_s + classifier.window_s
                                                     >= (100000 + len(chirp)) / 16000)
    assert second.any() and scored.foreground[second].all()
    assert scored.foreground.sum() <= 6


def test_a_click_does_not_decide_a_long_files_answer(trained, tmp_path, monkeypatch):
    """The windows the answer rests on were those within 20 dB of the loudest 32 ms: a 5 ms
    knock on the microphone, 22 dB over the call, left the call out, and the knock's window
    answered for the file."""
    classifier = Classifier(trained.checkpoint)
    sound_class = classifier.classes.index("chirp")
    knock_class = (sound_class + 1) % 3

    def stub(clips, batch_size=64, views=True):
        rows = np.full((len(clips), 3), 0.05, np.float32)
        peak = np.abs(clips).max(axis=1)
        rows[peak > 0.5, knock_class] = 0.9
        rows[(peak > 0.01) & (peak <= 0.5), sound_class] = 0.6
        return rows / rows.sum(axis=1, keepdims=True)

    _stub_scores(monkeypatch, classifier, stub)
    samples = np.zeros(16000 * 10, np.float32)
    chirp = 0.03 * audio_factory.chirp(400, 3000, 0.5) / np.abs(audio_factory.chirp(
        400, 3000, 0.5)).max()  # peaks at -30 dBFS
    samples[4000:4000 + len(chirp)] = chirp
    samples[96000:96080] = 0.9 * np.sin(2 * np.pi * np.arange(80) / 16)  # the knock, 5 ms
    pred = classifier.predict_file(audio_factory.write(tmp_path / "call_and_knock.wav", samples))
    assert pred.label == classifier.classes[sound_class]
