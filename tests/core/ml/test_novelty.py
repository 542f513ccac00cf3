"""The answers that are not a class: silence read from the waveform, unknown from the embedding."""

import numpy as np
import pytest

from core.ml import novelty
from core.ml.novelty import NoveltyRule, fit_novelty
from tests.audio_factory import at_dbfs, chirp, noise, pink_noise, tone

RATE_HZ = 16000


def _clusters(rng, n_per_class: int, centres: np.ndarray, spread: np.ndarray) -> tuple:
    """Gaussian classes: ``centres`` (n_classes, dim); ``spread`` (dim,) standard deviations."""
    x = np.concatenate([c + rng.standard_normal((n_per_class, len(spread))) * spread
                        for c in centres])
    return x, np.repeat(np.arange(len(centres)), n_per_class)


@pytest.fixture
def synthetic():
    """Three classes in 40 dimensions, spread along 8 of them (as a network's statistics lie near
    a low-dimensional surface), and a rule fitted on them."""
    rng = np.random.default_rng(0)
    dim = 40
    centres = rng.standard_normal((3, dim)) * 6
    spread = np.r_[np.linspace(3, 1, 8), np.full(dim - 8, 0.1)]
    train_x, train_y = _clusters(rng, 200, centres, spread)
    calibration, _ = _clusters(rng, 100, centres, spread * 1.2)  # augmented: a little wider
    rule = fit_novelty(train_x, train_y, calibration)
    return rule, centres, spread, rng


def test_the_rule_flags_few_clips_like_the_training_ones(synthetic):
    rule, centres, spread, rng = synthetic
    fresh, _ = _clusters(rng, 300, centres, spread)
    assert (rule.score(fresh) > 1).mean() <= 0.01


def test_the_rule_flags_what_lies_away_from_every_class(synthetic):
    rule, centres, spread, rng = synthetic
    between = (centres[0] + centres[1]) / 2 + rng.standard_normal((50, len(spread))) * spread
    elsewhere = rng.standard_normal((50, len(spread))) * 6
    # Near a class along its spread, but off it where the classes never vary.
    off_surface = centres[2] + rng.standard_normal((50, len(spread))) * 1.5
    for outliers in (between, elsewhere, off_surface):
        assert (rule.score(outliers) > 1).all()


def test_the_threshold_lets_the_calibration_share_through(synthetic):
    rule, centres, spread, rng = synthetic
    wider, _ = _clusters(rng, 1000, centres, spread * 1.2)
    assert abs((rule.score(wider) > 1).mean() - novelty.FLAG_SHARE) < 0.02


def test_the_rule_round_trips_through_plain_arrays(synthetic):
    rule, centres, spread, rng = synthetic
    copy = NoveltyRule.from_arrays(rule.to_arrays())
    probe = rng.standard_normal((20, len(spread))) * 5
    np.testing.assert_allclose(copy.score(probe), rule.score(probe), rtol=1e-5)
    assert (copy.n_classes, copy.dim) == (3, 40)


def test_the_rule_measures_the_statistics_raised_to_its_exponent(synthetic):
    _rule, centres, spread, rng = synthetic
    train_x, train_y = _clusters(rng, 200, np.abs(centres), spread)
    train_x, calibration = np.abs(train_x), np.abs(_clusters(rng, 100, centres, spread)[0])
    rooted = fit_novelty(train_x, train_y, calibration, exponent=0.5)
    plain = fit_novelty(np.sqrt(train_x), train_y, np.sqrt(calibration), exponent=1.0)
    assert (rooted.exponent, plain.exponent) == (0.5, 1.0)
    probe = np.abs(rng.standard_normal((20, len(spread))) * 5)
    np.testing.assert_allclose(rooted.score(probe), plain.score(np.sqrt(probe)), rtol=1e-6)
    # The sign is kept, so statistics of any sign are ordered as they were.
    np.testing.assert_allclose(novelty.power(np.array([-4.0, 0.0, 9.0]), 0.5), [-2.0, 0.0, 3.0])


def test_a_fitted_rule_keeps_its_settings_and_a_first_stored_one_has_the_first(synthetic):
    rule = synthetic[0]
    assert (rule.exponent, rule.flag_share) == (novelty.STAT_EXPONENT, novelty.FLAG_SHARE)
    copy = NoveltyRule.from_arrays(rule.to_arrays())
    assert (copy.exponent, copy.flag_share) == (rule.exponent, rule.flag_share)
    first = {k: v for k, v in rule.to_arrays().items() if k not in ("exponent", "flag_share")}
    old = NoveltyRule.from_arrays(first)
    assert (old.exponent, old.flag_share) == (1.0, novelty.FIRST_FLAG_SHARE)
    probe = np.random.default_rng(1).standard_normal((5, rule.dim))
    gaps = probe[:, None, :] - old.means[None].astype(np.float64)  # as they are: no root
    expected = np.einsum("nkd,de,nke->nk", gaps, old.precision.astype(np.float64), gaps).min(1)
    np.testing.assert_allclose(old.distances(probe), expected, rtol=1e-6)


def test_no_rule_without_calibration_rows_or_training_rows_enough():
    x = np.random.default_rng(0).standard_normal((30, 5))
    y = np.arange(30) % 3
    assert fit_novelty(x, y, np.zeros((0, 5))) is None
    assert fit_novelty(x[:4], y[:4], x[:2]) is None
    assert fit_novelty(np.ones((30, 5)), y, x) is None  # nothing varies


@pytest.mark.parametrize("change, error", [
    ({"threshold": 0.0}, ValueError),
    ({"threshold": float("nan")}, ValueError),
    ({"threshold": "1"}, TypeError),
    ({"precision": np.eye(3)}, ValueError),
    ({"means": np.full((2, 4), np.inf)}, ValueError),
    ({"exponent": 0.0}, ValueError),
    ({"exponent": 2.0}, ValueError),
    ({"exponent": "0.5"}, TypeError),
    ({"flag_share": 1.0}, ValueError),
    ({"flag_share": None}, TypeError),
    ({"steady_db": -6.0}, ValueError),
    ({"steady_db": "6"}, TypeError),
])
def test_a_damaged_rule_is_refused(change, error):
    good = {"means": np.zeros((2, 4)), "precision": np.eye(4), "threshold": 5.0}
    NoveltyRule.from_arrays(good)
    with pytest.raises(error):
        NoveltyRule.from_arrays({**good, **change})


def test_a_big_project_fits_the_rule_on_a_subset_and_a_small_one_on_every_clip(monkeypatch):
    import torch

    monkeypatch.setattr(novelty, "MAX_FIT_CLIPS", 40)
    measured: list[np.ndarray] = []
    rng = np.random.default_rng(0)

    monkeypatch.setattr(novelty, "_rises_tensor", lambda x, _config: torch.full((len(x),), 20.0))
    monkeypatch.setattr(novelty, "clip_statistics", lambda _model, _forward, x, _config, _gen:
                        torch.from_numpy(rng.standard_normal((len(x), 6))))

    def score(idx, fn):
        measured.append(np.asarray(idx))
        return fn(torch.zeros(len(idx), 1))

    targets = np.arange(1000) % 3
    rule = novelty.fit_to_model(score, None, None, None, targets, np.arange(900),
                                np.arange(900, 1000), torch.Generator().manual_seed(0))
    assert rule is not None
    assert all(len(idx) == 40 for idx in measured)  # every measure of either split, capped
    assert set(measured[0]) <= set(range(900)) and set(measured[-1]) <= set(range(900, 1000))
    assert np.all(np.diff(measured[0]) > 0)  # a subset, in order

    measured.clear()
    novelty.fit_to_model(score, None, None, None, targets, np.arange(30), np.arange(30, 60),
                         torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(measured[0], np.arange(30))
    np.testing.assert_array_equal(measured[-1], np.arange(30, 60))


@pytest.mark.parametrize("classes, verdict", [(("a", "b"), "silence"),
                                              (("silence", "b"), None),
                                              (("unknown", "Silence"), "silence")])
def test_a_class_named_like_a_verdict_answers_in_its_place(tmp_path, classes, verdict):
    # Before: a person's own class "silence" was taken everywhere for the verdict (italics, no
    # confidence, Accept Prediction refused) while the Classify tab showed it as a class.
    import torch

    from core.ml.checkpoint import Checkpoint
    from core.ml.features import FeatureConfig
    from core.ml.inference import Classifier
    from core.ml.networks import DEFAULT_MODEL, build_model
    from tests import audio_factory

    assert novelty.verdicts_of(classes) == tuple(v for v in novelty.VERDICTS if v not in classes)
    torch.manual_seed(0)
    features = FeatureConfig(clip_seconds=0.5)
    model = build_model(DEFAULT_MODEL, 2, (features.n_freqs, features.n_frames))
    quiet = audio_factory.write(tmp_path / "quiet.wav", np.zeros(8000, dtype=np.float32), 16000)
    (answer,) = Classifier(Checkpoint(DEFAULT_MODEL, list(classes), features,
                                      model.state_dict())).predict_files([quiet])
    assert answer.verdict == verdict
    assert answer.answer == (verdict or answer.label) and answer.label in classes


# ---- steady sounds -----------------------------------------------------------------------


def _images(clips, config):
    import torch

    from core.ml.features import FeatureExtractor, prepare_clip

    extractor = FeatureExtractor(config)
    return extractor(torch.from_numpy(np.stack([prepare_clip(c, config.n_samples)
                                                for c in clips])))


def _calls(duration_s: float, seed: int) -> np.ndarray:
    """Chirps now and then over faint noise, as a recorder hears calls: a sound that rises."""
    rng = np.random.default_rng(seed)
    out = at_dbfs(noise(duration_s, RATE_HZ, seed=seed), -50)
    for start in rng.uniform(0, duration_s - 0.4, 3):
        call = at_dbfs(chirp(800, 3000, 0.3, RATE_HZ), -20)
        at = int(start * RATE_HZ)
        out[at:at + len(call)] += call
    return out


def test_steady_noise_tones_and_chords_rise_little_and_calls_much():
    from core.ml.features import FeatureConfig

    config = FeatureConfig(clip_seconds=3.0)
    t = np.arange(3 * RATE_HZ) / RATE_HZ
    chord = sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392)) / 4
    steady = [at_dbfs(noise(3.0, RATE_HZ, seed=1), -20), at_dbfs(pink_noise(3.0), -10),
              tone(440, 3.0, RATE_HZ), chord]
    rises = novelty.feature_rise_db(_images(steady + [_calls(3.0, s) for s in range(3)],
                                            config), config)
    assert (rises[:4] < novelty.STEADY_DB).all()
    assert (rises[4:] > 2 * novelty.STEADY_DB).all()
    # Too short to tell, once its ends are left out: judged not steady.
    short = novelty.feature_rise_db(_images([at_dbfs(noise(0.4, RATE_HZ), -20)], config), config)
    assert np.isinf(short).all()
    clip_normalised = FeatureConfig(clip_seconds=3.0, normalize="clip")
    assert novelty.feature_rise_db(_images(steady[:1], clip_normalised), clip_normalised) is None


@pytest.mark.parametrize("rises, expected", [
    ([20.0] * 99 + [3.0], novelty.STEADY_DB),  # one steady clip in 100: the rule holds
    ([20.0] * 90 + [3.0] * 10, None),  # a steady class was taught
    ([np.inf] * 60 + [20.0] * 40, None),  # most too short to judge (FSDD's digits)
    ([], None)])
def test_the_steady_part_holds_only_for_a_model_whose_clips_were_never_steady(rises, expected):
    assert novelty.steady_threshold(np.array(rises)) == expected


def test_a_small_steady_class_turns_the_steady_part_off():
    """A hum taught in 4 clips of 200 is 2% of them all: the rule held, and answered every
    hum unknown."""
    rises = np.array([20.0] * 196 + [2.3] * 4)
    assert novelty.steady_threshold(rises) == novelty.STEADY_DB  # one class: 2% may be stray
    targets = np.array([0] * 196 + [1] * 4)
    assert novelty.steady_threshold(rises, targets) is None
    # One stray steady clip among a class's 115 (as a cat among the cats and dogs) keeps it.
    rises[196:] = 20.0
    rises[0] = 5.6
    assert novelty.steady_threshold(rises, np.array([0] * 115 + [1] * 85)) == novelty.STEADY_DB


def test_a_steady_clip_is_unknown_to_a_rule_with_a_steady_level(synthetic):
    rule, centres, spread, rng = synthetic
    like = centres[[0, 1]] + rng.standard_normal((2, len(spread))) * spread * 0.1
    assert (rule.score(like, np.array([2.0, 20.0])) <= 1).all()  # no steady level: distance only
    steady = NoveltyRule.from_arrays({**rule.to_arrays(), "steady_db": novelty.STEADY_DB})
    scores = steady.score(like, np.array([2.0, 20.0]))
    assert scores[0] == pytest.approx(2 - 2.0 / novelty.STEADY_DB) and scores[1] <= 1
    assert NoveltyRule.from_arrays(steady.to_arrays()).steady_db == novelty.STEADY_DB
    assert "steady_db" not in rule.to_arrays()  # a rule without one stores as before


def test_a_model_never_taught_a_steady_sound_answers_noise_and_a_tone_unknown(tmp_path):
    """A cats-and-dogs model answered white noise "cat" at 97% and a tone "dog" at 99.7%."""
    import torch

    from core.ml.checkpoint import Checkpoint
    from core.ml.features import FeatureConfig
    from core.ml.inference import Classifier
    from core.ml.networks import DEFAULT_MODEL, build_model
    from tests import audio_factory

    torch.manual_seed(0)
    features = FeatureConfig(clip_seconds=2.0)
    model = build_model(DEFAULT_MODEL, 2, (features.n_freqs, features.n_frames))
    checkpoint = Checkpoint(DEFAULT_MODEL, ["a", "b"], features, model.state_dict())
    classifier = Classifier(checkpoint)
    with novelty.feature_statistics(classifier.model, features) as seen:
        classifier.probabilities(np.stack([_calls(2.0, s) for s in range(6)]))
    statistics = torch.stack(seen).mean(0).numpy()
    # Every statistic within reach (a huge threshold): only the steady part can answer unknown.
    rule = fit_novelty(statistics, np.array([0, 1] * 3), statistics, steady_db=novelty.STEADY_DB)
    checkpoint.novelty = NoveltyRule.from_arrays({**rule.to_arrays(), "threshold": 1e12})
    classifier = Classifier(checkpoint)
    files = [audio_factory.write(tmp_path / f"{name}.wav", samples, RATE_HZ) for name, samples in (
        ("white", at_dbfs(noise(2.0, RATE_HZ, seed=3), -20)), ("tone", tone(1000, 2.0, RATE_HZ)),
        ("calls", _calls(2.0, 9)))]
    answers = list(classifier.predict_files(files))
    assert [a.verdict for a in answers] == ["unknown", "unknown", None]
    # A long file's windows are judged too (its score track greys out what the model never
    # heard): the calls' windows are known, the noise's unknown, as Detect Events judges them.
    long = audio_factory.write(tmp_path / "long.wav", np.concatenate(
        [_calls(4.0, 11), at_dbfs(noise(4.0, RATE_HZ, seed=4), -20)]), RATE_HZ)
    answer = next(iter(classifier.predict_files([long])))
    starts = np.asarray(answer.window_starts_s)
    assert answer.window_unknown is not None and len(answer.window_unknown) == len(starts)
    assert not answer.window_unknown[starts + 2.0 <= 4.0].any()
    assert answer.window_unknown[starts >= 4.0].all()
    np.testing.assert_array_equal(
        classifier.score_windows(long, novelty=True).unknown, answer.window_unknown)


def test_a_short_gate_judges_the_stretches_about_a_clips_loudest_sounds_as_a_long_file():
    """A gate trained on the sounds at their own length hears a longer clip's stretches of that
    length about its loudest sounds, each centred on one, means removed as a clip's is; a clip is
    judged as a long file is, by the most familiar of them with sound. In three takes of a word
    0.3 s apart the one loudest stretch was the end of one take and the start of the next."""
    import torch

    rate = 1000
    clips = np.zeros((3, 3 * rate), dtype=np.float32)
    clips[0, 2000:2300] = 0.5 + tone(50.0, 0.3, rate)  # one burst late, on a DC offset
    clips[1, 100:400] = noise(0.3, rate, seed=1)  # one early, and a sound 30 dB under it
    clips[1, 2500:2600] = 0.003
    takes = (0, 800, 1600)  # three takes of 0.5 s, 0.3 s apart
    for start in takes:
        clips[2, start:start + 500] = tone(50.0, 0.5, rate)
    pieces, heard = novelty.gate_stretches(torch.from_numpy(clips), rate)
    assert pieces.shape == (3, novelty.LONG_WINDOWS, rate)
    assert heard.tolist() == [[True, False, False], [True, False, False], [True, True, False]]

    def first(clip, piece) -> int:
        return next(s for s in range(0, 2 * rate + 1) if np.allclose(
            piece, clip[s:s + rate] - clip[s:s + rate].mean(), atol=1e-5))

    assert first(clips[0], pieces[0, 0].numpy()) <= 2000 <= 2300 - rate + 2 * rate  # the burst
    assert 2300 <= first(clips[0], pieces[0, 0].numpy()) + rate
    assert first(clips[1], pieces[1, 0].numpy()) <= 100
    for piece in pieces[2, :2].numpy():  # each about one take whole, not two halves
        start = first(clips[2], piece)
        assert any(start <= t and t + 500 <= start + rate for t in takes)
    scores = torch.tensor([[0.9, 0.1, 0.1], [0.9, 0.1, 0.1], [0.9, 0.6, 0.1]], dtype=torch.float64)
    # The most familiar with sound; the best of several at LONG_NOVELTY_SHARE of the threshold.
    np.testing.assert_allclose(novelty.gate_novelty(scores, heard).numpy(),
                               [0.9, 0.9, 0.6 / novelty.LONG_NOVELTY_SHARE])
