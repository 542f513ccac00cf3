"""Training: it learns, it stops when asked, it is reproducible, it fine-tunes across class lists."""

import numpy as np
import pytest
import torch

from core.errors import TrainingError
from core.ml.features import (
    DEFAULT_FEATURES,
    FeatureExtractor,
    augment,
    auto_clip_seconds,
    auto_f_max_hz,
)
from core.ml.inference import Classifier
from core.ml.networks import build_model
from core.ml.rows import TensorRows
from core.ml.train_loop import TrainLoop, _EpochSampler
from core.ml.training import TrainConfig, _load_for_fine_tuning, stratified_split, train
from tests import audio_factory


def _clips(folder, kinds=None):
    return [(p, p.parent.name) for p in sorted(folder.rglob("*.wav"))
            if kinds is None or p.parent.name in kinds]


@pytest.mark.slow
def test_learns_three_synthetic_classes(trained):
    result = trained
    assert result.report.accuracy >= 0.95
    assert not result.stopped
    assert len(result.history) == 8
    assert result.history[-1].train_loss < result.history[0].train_loss
    # Trained with mixup (a default): accuracy is counted against each blend's dominant clip.
    assert TrainConfig().mixup_alpha > 0 and result.history[-1].train_accuracy >= 0.8
    assert result.checkpoint.classes == ["chirp", "noise", "tone"]
    metrics = result.checkpoint.metrics
    assert set(metrics) >= {"accuracy", "macro_f1", "per_class", "confusion_matrix", "best_epoch"}
    assert np.asarray(metrics["confusion_matrix"]).sum() == result.n_val


@pytest.mark.slow
def test_one_cycle_keeps_the_last_epoch_and_never_stops_early(class_folder):
    # Patience 1 would stop a run at its first epoch without a validation gain; under the
    # one-cycle schedule the run ends annealed and keeps its last weights.
    result = train(_clips(class_folder), TrainConfig(epochs=6, patience_epochs=1,
                                                     clip_seconds_requested=1.0))
    assert len(result.history) == 6 and result.best_epoch == 6
    assert result.checkpoint.metrics["best_epoch"] == 6


@pytest.mark.slow
def test_a_constant_rate_stops_early_and_restores_the_last_epoch_of_best_accuracy(class_folder):
    result = train(_clips(class_folder), TrainConfig(epochs=6, patience_epochs=1,
                                                     schedule="constant", learning_rate=3e-2,
                                                     clip_seconds_requested=1.0))
    accuracies = [h.val_accuracy for h in result.history]
    # Patience 1: every epoch but the last matched the best before it.
    assert all(a >= max(accuracies[:i + 1]) for i, a in enumerate(accuracies[:-1]))
    best = max(accuracies)
    assert result.best_epoch == max(h.epoch for h in result.history if h.val_accuracy == best)
    assert result.checkpoint.metrics["best_epoch"] == result.best_epoch


@pytest.mark.slow
def test_progress_reports_and_stop_within_one_batch(class_folder):
    calls = []

    def should_stop():
        # Stop during the second epoch, after two batches of it.
        return sum(1 for p in calls if p.phase == "training" and p.epoch == 2) >= 2

    result = train(_clips(class_folder), TrainConfig(epochs=30, batch_size=8, clip_seconds_requested=1.0),
                   progress=calls.append, should_stop=should_stop)
    assert result.stopped
    assert result.checkpoint is not None  # best model so far
    assert len(result.history) == 1
    assert result.checkpoint.metrics["stopped"] is True
    training = [p for p in calls if p.phase == "training"]
    assert training[-1].epoch == 2
    assert any(p.phase == "decoding" for p in calls)
    assert all(0.0 <= p.fraction <= 1.0 for p in calls)
    assert [p.epoch_metrics.epoch for p in calls if p.epoch_metrics] == [1]


@pytest.mark.slow
def test_stop_before_any_epoch_returns_no_model(class_folder):
    result = train(_clips(class_folder), TrainConfig(epochs=3), should_stop=lambda: True)
    assert result.stopped and result.checkpoint is None


@pytest.mark.slow
def test_same_seed_same_result(class_folder):
    clips = _clips(class_folder)[::3]
    config = TrainConfig(epochs=2, clip_seconds_requested=1.0, patience_epochs=None)
    a = train(clips, config).checkpoint.state_dict
    b = train(clips, config).checkpoint.state_dict
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_fine_tune_with_an_added_class_maps_heads_by_name(class_folder, trained):
    old = trained.checkpoint
    result = train(_clips(class_folder), TrainConfig(epochs=3, patience_epochs=None), init_from=old)
    assert result.checkpoint.classes == ["chirp", "noise", "tone"]
    # Fresh head for a new class list: shared rows copied by name, backbone kept.
    from core.ml.networks import build_model

    features = old.feature_config
    model = build_model(old.model_name, 4, (features.n_freqs, features.n_frames))
    _load_for_fine_tuning(model, old, ["bark", "chirp", "noise", "tone"])
    state = model.state_dict()
    assert torch.equal(state["classifier.weight"][1], old.state_dict["classifier.weight"][0])
    assert torch.equal(state["classifier.weight"][3], old.state_dict["classifier.weight"][2])
    assert torch.equal(state["features.0.weight"], old.state_dict["features.0.weight"])


@pytest.mark.slow
def test_fine_tune_two_class_model_to_three_classes(class_folder):
    two = train(_clips(class_folder, {"tone", "chirp"}), TrainConfig(epochs=4, clip_seconds_requested=1.0))
    three = train(_clips(class_folder), TrainConfig(epochs=6, patience_epochs=None),
                  init_from=two.checkpoint)
    assert three.checkpoint.classes == ["chirp", "noise", "tone"]
    assert three.checkpoint.feature_config == two.checkpoint.feature_config
    assert three.report.accuracy >= 0.8


@pytest.mark.slow
def test_unreadable_clips_are_skipped_and_listed(class_folder, tmp_path):
    bad = audio_factory.write_broken(tmp_path / "tone" / "broken.wav", "text")
    clips = _clips(class_folder)[::2] + [(bad, "tone")]
    result = train(clips, TrainConfig(epochs=1, clip_seconds_requested=1.0))
    assert [p for p, _ in result.skipped] == [bad]


def test_refuses_a_single_class(class_folder):
    with pytest.raises(TrainingError, match="at least two classes"):
        train(_clips(class_folder, {"tone"}), TrainConfig(epochs=1))
    with pytest.raises(TrainingError, match="at least two classes"):
        train([], TrainConfig(epochs=1))


@pytest.mark.slow
def test_auto_clip_length_from_durations(tmp_path):
    assert auto_clip_seconds([0.2] * 10) == 0.5
    assert auto_clip_seconds([30.0] * 10) == 10.0
    assert auto_clip_seconds([1.0] * 100) == 1.25
    assert auto_clip_seconds([0.6] * 995 + [9.0] * 5) == pytest.approx(0.75, abs=0.01)
    folder = tmp_path / "d"
    for kind in ("a", "b"):
        for i in range(4):
            audio_factory.write(folder / kind / f"{kind}_{i}.wav", audio_factory.tone(440, 1.5))
    result = train(_clips(folder), TrainConfig(epochs=1))
    assert result.checkpoint.feature_config.clip_seconds == pytest.approx(1.88)


def test_a_class_of_long_recordings_leaves_the_clip_to_the_short_classes():
    words = [0.5] * 40 + [0.8] * 40
    labels = ["yes"] * 40 + ["no"] * 40
    # Five long background recordings (6% of the clips) set 10 s without the classes.
    assert auto_clip_seconds(words + [60.0] * 5) == 10.0
    assert auto_clip_seconds(words + [60.0] * 5, labels + ["background"] * 5) == 1.0
    # Cats and dogs: medians 10.8 and 3.75 s, under four times apart; both set the length.
    cats, dogs = [10.8] * 60 + [17.0] * 2, [3.75] * 30 + [15.7] * 2
    assert (auto_clip_seconds(cats + dogs, ["cat"] * 62 + ["dog"] * 32)
            == auto_clip_seconds(cats + dogs) == 10.0)
    # Classes of events under MIN_CLIP_S are not told apart by length: 0.1 s clicks and 0.4 s
    # calls both fit the shortest clip.
    assert auto_clip_seconds([0.1] * 10 + [0.4] * 10, ["click"] * 10 + ["call"] * 10) == 0.5


@pytest.mark.slow
def test_a_long_recording_trains_through_windows_over_all_of_it(tmp_path):
    from core.ml.decoding import RowWriter, decode_samples
    from core.ml.features import preset
    from core.ml.training import TrainingSample

    rate = audio_factory.DEFAULT_RATE_HZ
    # Five seconds, each second a tone of its own: every window must hold one second of it.
    seconds = [audio_factory.tone(300.0 + 200 * k, 1.0) for k in range(5)]
    long_path = audio_factory.write(tmp_path / "long.wav", np.concatenate(seconds))
    short_path = audio_factory.write(tmp_path / "short.wav", audio_factory.tone(440.0, 0.5))
    features = preset("default").with_clip_seconds(1.0)
    decoded = decode_samples([TrainingSample(short_path, "word"), TrainingSample(long_path, "bg")],
                             RowWriter(features, "waveforms"), multi_label=False, seed=0,
                             decode_workers=2, should_stop=lambda: False)
    waves, views = decoded.rows.tensor.numpy(), decoded.views
    assert views is not None and views.shape == (2, 5)
    assert views[0].tolist() == [0] * 5  # the short clip: its one row
    for k, row in enumerate(views[1].tolist()):
        expected = seconds[k] - seconds[k].mean()
        assert np.allclose(waves[row][:rate], expected, atol=1e-3), k
    # Twelve seconds: eight windows spread wider than they are long, each read on its own.
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, 12 * rate).astype(np.float32)
    twelve = audio_factory.write(tmp_path / "twelve.wav", noise)
    spread = decode_samples([TrainingSample(twelve, "bg")], RowWriter(features, "waveforms"),
                            multi_label=False, seed=0, decode_workers=1,
                            should_stop=lambda: False)
    assert spread.views.shape == (1, 8)
    for k, row in enumerate(spread.views[0].tolist()):
        start = round(k * 11 / 7 * rate)
        expected = noise[start:start + rate] - noise[start:start + rate].mean()
        assert np.allclose(spread.rows.tensor.numpy()[row][:rate], expected, atol=1e-3), k
    # Trained: the clip length follows the short class, and the long class is still learnt.
    folder = tmp_path / "project"
    rng = np.random.default_rng(0)
    for i in range(8):
        audio_factory.write(folder / "word" / f"w{i}.wav",
                            audio_factory.class_sample("chirp", rng, duration_s=0.5))
    for i in range(4):
        audio_factory.write(folder / "bg" / f"b{i}.wav", audio_factory.noise(8.0, seed=i))
    result = train(_clips(folder), TrainConfig(epochs=3))
    assert result.checkpoint.feature_config.clip_seconds == pytest.approx(0.63)
    heard = Classifier(result.checkpoint).predict_files([
        audio_factory.write(tmp_path / "new_bg.wav", audio_factory.noise(20.0, seed=9)),
        audio_factory.write(tmp_path / "new_word.wav",
                            audio_factory.class_sample("chirp", rng, duration_s=0.5))])
    assert [p.label for p in heard] == ["bg", "word"]


@pytest.mark.slow
def test_auto_band_edge_from_the_recordings_sample_rates(tmp_path):
    assert auto_f_max_hz([8000] * 10, 16000) == 4000.0
    assert auto_f_max_hz([44100] * 10, 16000) is None  # nothing missing below 8 kHz
    assert auto_f_max_hz([16000] * 10, 16000) is None
    assert auto_f_max_hz([44100] * 95 + [8000] * 5, 16000) is None  # a few narrow-band strays
    assert auto_f_max_hz([44100] * 70 + [11025] * 30, 16000) == pytest.approx(5512.5)
    assert auto_f_max_hz([6000] * 10, 16000) == 4000.0  # never narrower than 4 kHz
    assert auto_f_max_hz([], 16000) is None
    narrow = audio_factory.make_class_folder(tmp_path / "narrow", n_per_class=4, kinds=("tone", "noise"),
                                             sample_rate_hz=8000)
    result = train(_clips(narrow), TrainConfig(epochs=1))
    assert result.checkpoint.feature_config.f_max_hz == 4000.0
    fixed = train(_clips(narrow), TrainConfig(epochs=1, f_max_hz=3000))
    assert fixed.checkpoint.feature_config.f_max_hz == 3000.0
    seed = train(_clips(narrow), TrainConfig.seed_recipe(epochs=1, clip_seconds_requested=1.0))
    assert seed.checkpoint.feature_config.f_max_hz is None  # the seed's plain spectrogram


@pytest.mark.slow
def test_full_band_for_recordings_at_the_feature_rate(trained):
    assert trained.checkpoint.feature_config.f_max_hz is None


def test_stratified_split_keeps_every_class():
    targets = np.array([0] * 20 + [1] * 5 + [2] * 2)
    train_idx, val_idx = stratified_split(targets, 0.2, seed=0)
    assert sorted(np.concatenate([train_idx, val_idx]).tolist()) == list(range(27))
    assert sorted(targets[val_idx].tolist()) == [0, 0, 0, 0, 1]


def test_augment_changes_copy_not_input():
    x = torch.randn(4, 1, 64, 101)
    before = x.clone()
    out = augment(x, DEFAULT_FEATURES, torch.Generator().manual_seed(0))
    assert torch.equal(x, before)
    assert out.shape == x.shape and not torch.equal(out, x)


def test_region_windows_are_centred_and_every_view_holds_the_whole_event(tmp_path):
    from core.ml.decoding import RowWriter, decode_samples
    from core.ml.features import preset
    from core.ml.training import TrainingSample

    rate = audio_factory.DEFAULT_RATE_HZ
    event = audio_factory.tone(1000.0, 0.3)
    path = audio_factory.write(tmp_path / "rec.wav", audio_factory.burst(event, 20.0, 7.0))
    features = preset("default").with_clip_seconds(1.0)
    samples = [TrainingSample(path, "beep", 7.0, 7.3, str(path), 20.0),
               TrainingSample(path, "beep", 7.0, 7.3, str(path))]  # duration read from the file
    decoded = decode_samples(samples, RowWriter(features, "waveforms"), multi_label=False, seed=0,
                             decode_workers=4, should_stop=lambda: False)
    waves, labels, groups = decoded.rows.tensor, decoded.labels, decoded.groups
    views, skipped = decoded.views, decoded.skipped
    assert labels == ["beep", "beep"] and groups == [str(path)] * 2 and not skipped
    assert views is not None and views.shape == (2, 3)
    energy = float((event.astype(np.float64) ** 2).sum())
    for row in views.flatten().tolist():
        wave = waves[row].numpy().astype(np.float64)
        assert (wave ** 2).sum() == pytest.approx(energy, rel=0.02)  # nothing of it cut off
    centred = waves[views[0, 0]].numpy()
    loud = np.flatnonzero(np.abs(centred) > 0.05)
    middle_s = (loud[0] + loud[-1]) / 2 / rate
    assert middle_s == pytest.approx(0.5, abs=0.01)
    offsets = {round(float(np.flatnonzero(np.abs(waves[r].numpy()) > 0.05)[0]) / rate, 2)
               for r in views[0].tolist()}
    assert len(offsets) == 3  # three different placements of the event


def test_whole_clips_as_samples_train_exactly_as_pairs(class_folder):
    from core.ml.training import TrainingSample

    pairs = _clips(class_folder)[::3]
    config = TrainConfig(epochs=1, clip_seconds_requested=1.0, num_threads=1)
    as_pairs = train(pairs, config)
    as_samples = train([TrainingSample(p, label) for p, label in pairs], config)
    assert (as_pairs.n_train, as_pairs.n_val) == (as_samples.n_train, as_samples.n_val)
    assert as_samples.n_background == 0
    for key, value in as_pairs.checkpoint.state_dict.items():
        assert torch.equal(value, as_samples.checkpoint.state_dict[key]), key


def test_scoring_uses_a_folded_copy_and_leaves_the_trained_model_alone():
    torch.manual_seed(0)
    features = DEFAULT_FEATURES
    shape = (features.n_freqs, features.n_frames)
    model = build_model("compact-bands", 3, shape)
    for module in model.modules():  # statistics as after training, so folding has work to do
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    model.train()
    targets = torch.tensor([0, 1, 2] * 4)
    rows = TensorRows(torch.randn(len(targets), 1, *shape))
    config = TrainConfig(augment=False)
    loop = TrainLoop(model, FeatureExtractor(features), config, features, rows, targets,
                     ("a", "b", "c"), torch.Generator().manual_seed(0), torch.contiguous_format)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    idx = np.arange(len(targets))
    loss, _accuracy = loop.evaluate(idx)
    # The model being trained keeps its mode and weights; the figures are its eval-mode ones.
    assert model.training and loop.scorer is None
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    with torch.no_grad():
        expected = torch.nn.functional.cross_entropy(model.eval()(rows[torch.as_tensor(idx)]),
                                                     targets)
    assert loss == pytest.approx(float(expected), rel=1e-4)
    with loop._scoring() as scorer:  # one copy, BatchNorm folded away, shared when nested
        with loop._scoring() as inner:
            assert inner is scorer
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in scorer.modules())
    assert loop.scorer is None


@pytest.mark.parametrize("n_train, min_clips, taken", [(100, 256, 256), (300, 256, 300),
                                                       (100, 0, 100), (256, 256, 256)])
def test_an_epoch_of_a_small_project_deals_its_clips_out_again(n_train, min_clips, taken):
    features = DEFAULT_FEATURES
    targets = torch.zeros(n_train + 5, dtype=torch.long)
    rows = TensorRows(torch.zeros(len(targets), 1, 2, 2))
    config = TrainConfig(min_epoch_clips=min_clips, batch_size=32)
    loop = TrainLoop(build_model("compact", 2, (features.n_freqs, features.n_frames)),
                     FeatureExtractor(features), config, features, rows, targets, ("a", "b"),
                     torch.Generator().manual_seed(0), torch.contiguous_format)
    train_idx = np.arange(5, n_train + 5)  # not every row: the sampler deals train_idx only
    order = torch.cat([idx for idx, _rows in _EpochSampler(loop, train_idx, 1)]).numpy()
    assert len(order) == taken
    # Each deal is a shuffle of every clip, so no clip comes twice before all have come once.
    for start in range(0, taken, n_train):
        deal = order[start:start + n_train]
        assert len(set(deal)) == len(deal) and set(deal) <= set(train_idx)
    counts = np.bincount(order - 5, minlength=n_train)
    assert counts.max() - counts.min() <= 1


def test_a_small_project_takes_the_steps_of_min_epoch_clips(class_folder):
    clips = _clips(class_folder)[:30]
    for min_clips, batches in ((64, 4), (0, 2)):  # 64 clips in batches of 16; 30 clips
        reports = []
        train(clips, TrainConfig(epochs=1, val_split=0.0, min_epoch_clips=min_clips,
                                 batch_size=16, augment=False), progress=reports.append)
        assert len([p for p in reports if p.phase == "training" and p.epoch_metrics is None
                    and p.eta_s is not None]) == batches
