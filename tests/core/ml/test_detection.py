"""Detection: thresholds from validation scores, windows merged into events, event metrics, and
``detect_file`` over a generated recording."""

import numpy as np
import pytest

from core.errors import AudioError
from core.ml import detection
from core.ml.checkpoint import Checkpoint
from core.ml.detection import (
    DEFAULT_THRESHOLD,
    Event,
    best_thresholds,
    detect_file,
    merge_windows,
    resolve_thresholds,
)
from core.ml.features import FeatureConfig
from core.ml.inference import Classifier, ScoringStopped
from core.ml.metrics import event_metrics
from core.ml.networks import DEFAULT_MODEL, build_model
from tests import audio_factory

CLASSES = ("a", "b", "background")


def _scores(rows):
    return np.array(rows, dtype=np.float64)


# --------------------------------------------------------------------------- merge_windows


def test_consecutive_windows_merge_and_a_gap_splits():
    starts = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    scores = _scores([[0.1, 0.0, 0.9], [0.8, 0.1, 0.1], [0.9, 0.0, 0.1], [0.2, 0.1, 0.7],
                      [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.1, 0.6, 0.3]])
    events = merge_windows(starts, 1.0, scores, CLASSES, [0.5, 0.5, 0.5], background="background")
    assert events == [(0.5, 2.0, "a", 0.9), (2.0, 3.0, "a", 0.7), (3.0, 4.0, "b", 0.6)]


def test_background_is_never_reported_and_none_reports_it():
    scores = _scores([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
    assert merge_windows([0.0, 0.5], 1.0, scores, CLASSES, [0.5] * 3, "background") == []
    assert merge_windows([0.0, 0.5], 1.0, scores, CLASSES, [0.5] * 3, None) == [
        (0.0, 1.5, "background", 0.8)]


def test_per_class_thresholds_and_peak_score():
    starts = [0.0, 1.0, 2.0]
    scores = _scores([[0.35, 0.3, 0.35], [0.45, 0.3, 0.25], [0.25, 0.6, 0.15]])
    # a needs only 0.3: windows 0 and 1 (peak 0.45); b needs 0.7: never.
    events = merge_windows(starts, 1.0, scores, CLASSES, [0.3, 0.7, 0.9], "background")
    assert events == [(0.0, 2.0, "a", 0.45)]
    # With 0.5 for everyone nothing reaches a, and b only in the last window.
    assert merge_windows(starts, 1.0, scores, CLASSES, [0.5] * 3, "background") == [
        (2.0, 3.0, "b", 0.6)]


def test_a_window_goes_to_one_class_unless_not_exclusive():
    scores = _scores([[0.45, 0.4, 0.15]])
    both = merge_windows([0.0], 1.0, scores, CLASSES, [0.3, 0.3, 0.5], "background",
                         exclusive=False)
    assert [e[2] for e in both] == ["a", "b"]
    assert [e[2] for e in merge_windows([0.0], 1.0, scores, CLASSES, [0.3, 0.3, 0.5],
                                        "background")] == ["a"]
    # Background scoring highest above its threshold wins the window: no event.
    scores = _scores([[0.35, 0.0, 0.65]])
    assert merge_windows([0.0], 1.0, scores, CLASSES, [0.3, 0.3, 0.5], "background") == []


def test_merge_windows_checks_shapes():
    with pytest.raises(ValueError):
        merge_windows([0.0, 1.0], 1.0, np.zeros((3, 3)), CLASSES, [0.5] * 3)


# --------------------------------------------------------------------------- thresholds


def _f1(scores, positive, threshold):
    kept = scores >= threshold
    tp = int((kept & positive).sum())
    return 2 * tp / (kept.sum() + positive.sum())


def test_best_thresholds_maximise_each_class_f1():
    rng = np.random.default_rng(0)
    n = 300
    targets = rng.integers(0, 3, n)
    probabilities = rng.dirichlet([1, 1, 1], n)
    # Class 0 separable above 0.6; class 1 noisy; class 2 random.
    probabilities[targets == 0, 0] = rng.uniform(0.6, 1.0, (targets == 0).sum())
    probabilities[targets != 0, 0] = rng.uniform(0.0, 0.65, (targets != 0).sum())
    probabilities[targets == 1, 1] += 0.3
    chosen = best_thresholds(probabilities, targets)
    assert chosen.shape == (3,)
    grid = np.unique(np.concatenate([probabilities.ravel(), [0.0, 1.0]]))
    for c in range(3):
        positive = targets == c
        best = max(_f1(probabilities[:, c], positive, t) for t in grid)
        assert _f1(probabilities[:, c], positive, chosen[c]) == pytest.approx(best)
    assert 0.55 < chosen[0] < 0.7


def test_best_threshold_sits_between_kept_and_left_out_scores():
    probabilities = _scores([[0.9, 0.1], [0.7, 0.3], [0.4, 0.6], [0.2, 0.8]])
    targets = np.array([0, 0, 1, 1])
    assert best_thresholds(probabilities, targets) == pytest.approx([0.55, 0.45])


def test_a_class_without_samples_keeps_the_default():
    probabilities = _scores([[0.9, 0.1], [0.8, 0.2]])
    assert best_thresholds(probabilities, np.array([0, 0]))[1] == DEFAULT_THRESHOLD


def test_resolve_thresholds():
    stored = [0.2, 0.3, 0.4]
    assert resolve_thresholds(CLASSES, None).tolist() == [0.5] * 3
    assert resolve_thresholds(CLASSES, stored).tolist() == stored
    assert resolve_thresholds(CLASSES, stored, 0.7).tolist() == [0.7] * 3
    assert resolve_thresholds(CLASSES, stored, {"b": 0.9}).tolist() == [0.2, 0.9, 0.4]
    with pytest.raises(ValueError, match="no class 'c'"):
        resolve_thresholds(CLASSES, stored, {"c": 0.9})
    with pytest.raises(ValueError):
        resolve_thresholds(CLASSES, stored, 1.5)


# --------------------------------------------------------------------------- event metrics


def test_event_hit_needs_half_the_true_span_and_same_class():
    true = [(1.0, 2.0, "a"), (5.0, 6.0, "b")]
    predicted = [(1.5, 3.0, "a"),  # overlaps half of a: a hit
                 (5.6, 7.0, "b")]  # 0.4 s of b's 1 s: not
    result = event_metrics(true, predicted, ["a", "b"])
    assert result["per_class"]["a"] == dict(precision=1.0, recall=1.0, f1=1.0, support=1,
                                             predicted=1, hits=1)
    assert result["per_class"]["b"]["hits"] == 0
    assert result["micro"]["precision"] == 0.5 and result["micro"]["recall"] == 0.5
    wrong_class = event_metrics([(1.0, 2.0, "a")], [(1.0, 2.0, "b")], ["a", "b"])
    assert wrong_class["micro"]["hits"] == 0 and wrong_class["per_class"]["b"]["predicted"] == 1


def test_each_true_event_is_matched_once():
    true = [(1.0, 2.0, "a")]
    predicted = [(1.0, 2.0, "a"), (1.2, 2.0, "a")]
    result = event_metrics(true, predicted, ["a"])["per_class"]["a"]
    assert result["hits"] == 1 and result["precision"] == 0.5 and result["recall"] == 1.0
    # One long prediction over two true events hits one of them.
    two = event_metrics([(0.0, 1.0, "a"), (1.2, 2.0, "a")], [(0.0, 2.0, "a")], ["a"])
    assert two["micro"]["hits"] == 1 and two["micro"]["recall"] == 0.5


def test_event_metrics_per_file_and_micro_totals():
    true = [Event("x.wav", 0.0, 1.0, "a", 1.0), Event("y.wav", 0.0, 1.0, "b", 1.0),
            ("y.wav", 3.0, 4.0, "a")]
    predicted = [("y.wav", 0.0, 1.0, "a"), ("y.wav", 0.0, 1.0, "b"), ("x.wav", 3.0, 4.0, "a"),
                 ("x.wav", 0.1, 0.9, "c")]  # c: not a class, left out
    result = event_metrics(true, predicted, ["a", "b"])
    assert result["per_class"]["a"]["hits"] == 0  # x's a at 0 s is not y's
    assert result["per_class"]["b"]["hits"] == 1
    assert result["micro"] == dict(precision=1 / 3, recall=1 / 3, f1=pytest.approx(1 / 3),
                                   support=3, predicted=3, hits=1)


def test_event_metrics_of_nothing():
    result = event_metrics([], [], ["a"])
    assert result["micro"]["f1"] == 0.0 and result["per_class"]["a"]["support"] == 0


# --------------------------------------------------------------------------- detect_file


class LoudnessClassifier(Classifier):
    """A real Classifier (windowing, reading, batching) whose scores are a rule on the samples:
    "loud" 0.8 for a window louder than 0.05 RMS, else 0.2; "quiet" the rest."""

    def probabilities(self, clips, batch_size=64, views=True):
        rms = np.sqrt(np.mean(np.square(clips), axis=1))
        loud = np.where(rms > 0.05, 0.8, 0.2).astype(np.float32)
        return np.stack([loud, 1 - loud], axis=1)


def _stub(background="quiet", thresholds=None):
    config = FeatureConfig(clip_seconds=1.0)
    classes = ["loud", "quiet"]
    model = build_model(DEFAULT_MODEL, len(classes), (config.n_freqs, config.n_frames))
    checkpoint = Checkpoint(DEFAULT_MODEL, classes, config, model.state_dict())
    checkpoint.background_class = background
    checkpoint.thresholds = thresholds
    return LoudnessClassifier(checkpoint)


def _recording(tmp_path, bursts_s, total_s=20.0, rate=16000):
    samples = 0.001 * np.random.default_rng(1).standard_normal(int(total_s * rate))
    for begin_s, end_s in bursts_s:
        first, stop = int(begin_s * rate), int(end_s * rate)
        samples[first:stop] += 0.3 * np.sin(2 * np.pi * 440 * np.arange(stop - first) / rate)
    return audio_factory.write(tmp_path / "long.wav", samples.astype(np.float32), rate)


def test_detect_file_finds_each_burst(tmp_path):
    path = _recording(tmp_path, [(3.2, 3.8), (10.0, 11.5)])
    fractions = []
    events = detect_file(_stub(), path, progress=fractions.append)
    assert [e.label for e in events] == ["loud", "loud"]
    assert all(isinstance(e, Event) and e.path == str(path) for e in events)
    first, second = events
    # At the bursts' edges (within a frame and the pad), not at their windows' (2.5 s to 4.5 s).
    assert (first.begin_s, first.end_s) == (pytest.approx(3.2, abs=0.031),
                                            pytest.approx(3.8, abs=0.031))
    assert (second.begin_s, second.end_s) == (pytest.approx(10.0, abs=0.031),
                                              pytest.approx(11.5, abs=0.031))
    assert first.score == pytest.approx(0.8)
    assert fractions[-1] == 1.0
    # The model's background is its own unless asked: with none, quiet stretches are events.
    quiet = detect_file(_stub(background=None), path, background="")
    assert {e.label for e in quiet} == {"loud", "quiet"}


def test_detect_file_thresholds_and_hop(tmp_path):
    path = _recording(tmp_path, [(3.0, 4.0)])
    assert detect_file(_stub(thresholds=[0.9, 0.5]), path) == []  # the model's own
    assert len(detect_file(_stub(thresholds=[0.9, 0.5]), path, thresholds={"loud": 0.7})) == 1
    assert detect_file(_stub(), path, thresholds=0.85) == []
    with pytest.raises(ValueError):
        detect_file(_stub(), path, thresholds={"loud": 2.0})
    fine = detect_file(_stub(), path, hop_s=0.1)
    assert len(fine) == 1 and 2.0 < fine[0].begin_s <= 3.0 and 4.0 <= fine[0].end_s < 5.0


def test_an_event_is_drawn_in_to_its_sound_or_kept_where_none_stands_out():
    levels = np.full(300, -60.0)  # 3 s of frames from 10 s: a call at 11.0-11.5 s
    levels[100:150] = -40.0
    fit = detection.fit_edges
    assert fit(10.5, 12.0, levels, 10.0, 1.0) == (
        pytest.approx(11.0 - detection.EDGE_PAD_S), pytest.approx(11.5 + detection.EDGE_PAD_S))
    # Never beyond the windows' span.
    assert fit(11.2, 12.0, levels, 10.0, 1.0)[0] == 11.2
    # Kept where nothing stands out: a call under the noise, one barely over the floor, one no
    # higher than a gust beside it (drawn onto the gust, an event lost its call), two sounds
    # (the call and its neighbour: which?), a moment of a long window.
    def rise(base: np.ndarray, frames: slice, level_db: float) -> np.ndarray:
        out = base.copy()
        out[frames] = level_db
        return out

    quiet = np.full(300, -60.0)
    for case in (rise(quiet, slice(100, 150), -57.0), rise(quiet, slice(100, 150), -50.0),
                 rise(levels, slice(20, 40), -42.0), rise(levels, slice(165, 180), -40.0),
                 rise(quiet, slice(100, 103), -40.0)):
        assert fit(10.5, 12.0, case, 10.0, 1.0) == (10.5, 12.0)
    # The model's band alone is measured: a tone above it is no sound.
    rate = 16000
    t = np.arange(rate) / rate
    high = np.where((t > 0.4) & (t < 0.6), np.sin(2 * np.pi * 6000 * t), 0.0) + 1e-4 * np.sin(
        2 * np.pi * 300 * t)
    assert np.ptp(detection.band_levels_db(high, rate, 20.0, 4000.0)) < 1.0
    assert np.ptp(detection.band_levels_db(high, rate, 20.0, 8000.0)) > 40.0


def test_of_events_over_one_sound_the_highest_scored_is_kept():
    events = [Event("a.wav", 1.0, 1.4, "3", 0.7), Event("a.wav", 1.05, 1.45, "5", 0.9),
              Event("a.wav", 1.38, 2.0, "3", 0.6), Event("a.wav", 5.0, 5.5, "3", 0.2)]
    assert detection.without_overlapped(events) == [events[1], events[2], events[3]]
    # A hoot drawn in to its body and a trill whose event takes in the hoot's tail share an
    # edge, not a span: both kept (the trill was dropped).
    hoot, trill = Event("a.wav", 125.6, 126.25, "hoot", 1.0), Event("a.wav", 125.65, 127.15,
                                                                    "trill", 1.0)
    assert detection.without_overlapped([hoot, trill]) == [hoot, trill]


def test_events_of_a_class_that_touch_are_one():
    """A call's windows above threshold in two runs, drawn in to its sound, lay end to end."""
    events = [Event("a.wav", 24.27, 24.51, "3", 0.12), Event("a.wav", 24.51, 24.6, "3", 0.06),
              Event("a.wav", 24.5, 24.7, "5", 0.3), Event("a.wav", 30.0, 30.2, "3", 0.5)]
    assert detection.joined(events) == [Event("a.wav", 24.27, 24.6, "3", 0.12), events[2],
                                        events[3]]


def test_an_event_is_measured_in_its_class_s_band_where_the_model_has_one(tmp_path,
                                                                         monkeypatch):
    """Measured over the model's whole band, a call sank under wind and an insect chorus."""
    path = _recording(tmp_path, [(3.2, 3.8)])
    measured: list[tuple[float, float]] = []
    levels = detection.band_levels_db
    monkeypatch.setattr(detection, "band_levels_db", lambda samples, rate, low, high: (
        measured.append((low, high)) or levels(samples, rate, low, high)))
    stub = _stub()
    detect_file(stub, path)
    assert measured == [(stub.features.f_min_hz, 8000.0)]  # none known: the model's band
    stub.checkpoint.class_bands_hz = [(300.0, 600.0), None]
    (event,) = detect_file(stub, path)
    assert measured[-1] == (300.0, 600.0) and event.begin_s <= 3.2 and event.end_s >= 3.8


@pytest.mark.parametrize("rate", [8000, 22050, 48000])
def test_an_event_is_measured_at_its_file_s_own_rate(tmp_path, monkeypatch, rate):
    """Each event's stretch was resampled to the model's rate to measure its levels (a quarter
    of detection's time on an 8 kHz recording), for the same edges; at 22,050 Hz, frames of a
    whole 220 samples drifted from the 10 ms they were counted as (a 5.5 s call ended 20 ms
    late)."""
    path = _recording(tmp_path, [(3.2, 3.8), (10.0, 15.5)], rate=rate)
    rates: list[int] = []
    levels = detection.band_levels_db
    monkeypatch.setattr(detection, "band_levels_db", lambda samples, at, low, high: (
        rates.append(at) or levels(samples, at, low, high)))
    events = detect_file(_stub(), path)  # a model of 16 kHz
    assert rates == [rate, rate]
    assert [(e.begin_s, e.end_s) for e in events] == [
        (pytest.approx(3.2, abs=0.021), pytest.approx(3.8, abs=0.021)),
        (pytest.approx(10.0, abs=0.021), pytest.approx(15.5, abs=0.021))]


def test_an_event_ends_with_the_file(tmp_path):
    path = _recording(tmp_path, [(9.0, 9.7)], total_s=9.7)
    (event,) = detect_file(_stub(), path)
    assert event.end_s == pytest.approx(9.7)


def test_detect_file_stops_and_fails_cleanly(tmp_path):
    path = _recording(tmp_path, [(3.0, 4.0)], total_s=120.0)
    with pytest.raises(ScoringStopped):
        detect_file(_stub(), path, should_stop=lambda: True)
    with pytest.raises(AudioError):
        detect_file(_stub(), tmp_path / "missing.wav")
    bad = audio_factory.write_broken(tmp_path / "bad.wav", "text")
    with pytest.raises(AudioError):
        detect_file(_stub(), bad)


@pytest.mark.slow
def test_detect_file_with_a_trained_model(trained, tmp_path):
    rng = np.random.default_rng(3)
    long = 0.003 * rng.standard_normal(16000 * 12).astype(np.float32)
    chirp = audio_factory.chirp(400, 3000, 0.5)
    long[16000 * 8:16000 * 8 + len(chirp)] += chirp
    path = audio_factory.write(tmp_path / "long.wav", long)
    events = detect_file(Classifier(trained.checkpoint), path, background="noise")
    chirps = [e for e in events if e.label == "chirp"]
    assert len(chirps) == 1 and chirps[0].begin_s <= 8.0 and chirps[0].end_s >= 8.5


def test_a_class_validation_lacks_takes_its_threshold_from_training():
    from core.ml.detection import fill_absent_thresholds

    asked = []

    def on_train():
        asked.append(True)
        return [0.9, 0.8, 0.7]

    assert fill_absent_thresholds([0.2, 0.5, 0.3], np.array([0, 2, 2]), on_train) == [0.2, 0.8, 0.3]
    assert fill_absent_thresholds([0.2, 0.4, 0.3], np.array([0, 1, 2]), on_train) == [0.2, 0.4, 0.3]
    assert len(asked) == 1  # computed only when a class is missing


class _UnlikeFaint(LoudnessClassifier):
    """LoudnessClassifier with an unknown rule: "loud" the surer the louder a window (0.6 over
    0.05 RMS, up to 0.95), and a faint loud window (0.05 to 0.15 RMS) unlike anything it was
    trained on (novelty 1.5), the others like it (0.3)."""

    def __init__(self, checkpoint):
        super().__init__(checkpoint)
        self.novelty = "a rule"

    def _score(self, clips, batch_size, views, novelty):
        rms = np.sqrt(np.mean(np.square(clips), axis=1))
        loud = np.where(rms > 0.05, np.minimum(0.6 + rms, 0.95), 0.2).astype(np.float32)
        unlike = np.where((rms > 0.05) & (rms <= 0.15), 1.5, 0.3)
        return np.stack([loud, 1 - loud], axis=1), unlike if novelty else None


def test_an_event_unlike_anything_the_model_was_trained_on_is_left_out(tmp_path):
    """A cats-and-dogs model made events of a whole recording of pink noise, each window "dog"
    above its threshold: an event none of whose best windows (those that most support its
    class, with sound) is like the training clips is no event, and the caller may have it to
    say so. An event whose best window is like them stays, its fainter ones unlike them."""
    rate = 16000
    samples = 0.001 * np.random.default_rng(1).standard_normal(20 * rate)

    def tone(at_s: float, amplitude: float, seconds: float) -> None:
        first, n = int(at_s * rate), int(seconds * rate)
        samples[first:first + n] += amplitude * np.sin(2 * np.pi * 440 * np.arange(n) / rate)

    tone(3.0, 0.1, 3.0)  # faint (0.07 RMS) throughout: unlike...
    tone(4.05, 0.8, 0.1)  # ...but a moment in two windows: like, and the best supported
    tone(12.0, 0.1, 3.0)  # faint throughout: unlike
    path = audio_factory.write(tmp_path / "night.wav", samples.astype(np.float32), rate)
    classifier = _UnlikeFaint(_stub().checkpoint)
    left_out = []
    events = detect_file(classifier, path, left_out=left_out)
    assert len(events) == 1 and events[0].begin_s < 4.1 < events[0].end_s
    assert [(e.label, e.begin_s <= 12.0, e.end_s >= 15.0) for e in left_out] == [
        ("loud", True, True)]
    # Each window's novelty from the scoring pass where asked; a model without the rule leaves
    # none out.
    scored = classifier.score_windows(path, novelty=True)
    assert len(scored.novelty) == len(scored.starts_s)
    assert classifier.score_windows(path).novelty is None
    assert len(detect_file(_stub(), path)) == 2


def test_a_stretch_left_out_is_counted_once_as_the_events_kept_are(tmp_path):
    """A faint call's windows above threshold in two runs (a window under it between) were two
    stretches left out, where kept they are one event."""
    rate = 16000
    samples = 0.001 * np.random.default_rng(2).standard_normal(10 * rate)
    for begin_s, end_s in ((3.0, 3.7), (4.3, 6.0)):  # the window at 3.5-4.5 s under 0.05 RMS
        first, stop = int(begin_s * rate), int(end_s * rate)
        samples[first:stop] += 0.1 * np.sin(2 * np.pi * 440 * np.arange(stop - first) / rate)
    path = audio_factory.write(tmp_path / "faint.wav", samples.astype(np.float32), rate)
    left_out = []
    assert detect_file(_UnlikeFaint(_stub().checkpoint), path, left_out=left_out) == []
    assert [(e.begin_s, e.end_s) for e in left_out] == [(2.5, 6.5)]  # its windows' span
