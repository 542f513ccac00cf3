"""Multi-label clips: windows holding the classes of the regions they overlap, multi-hot targets,
a sigmoid head trained with binary cross-entropy, per-class thresholds stored and applied, every
class above its threshold reported (Prediction.labels, the CLI's ``labels`` column), detection
with classes sharing windows, and single-label training exactly as before."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import torch

from core.ml.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from core.ml.decoding import RowWriter, decode_samples
from core.ml.detection import (
    best_multi_label_thresholds,
    best_thresholds,
    detect_file,
    multi_label_scores,
)
from core.ml.features import FeatureConfig, preset
from core.ml.inference import Classifier, mean_scores
from core.ml.networks import DEFAULT_MODEL, build_model
from core.ml.samples import TrainingSample, multi_hot, window_labels
from core.ml.train_config import TrainConfig
from core.ml.train_loop import _multi_label_losses
from core.ml.training import train
from tests import audio_factory
from tests.processes import run_main

RATE = audio_factory.DEFAULT_RATE_HZ
LOW_HZ, HIGH_HZ = 600.0, 2400.0


# ---------------------------------------------------------------- targets


def test_a_window_holds_the_regions_it_overlaps_by_half_of_each():
    regions = ((1.0, 1.5, "owl"), (1.25, 1.75, "wren"), (1.75, 3.25, "crow"), (5.0, 5.25, "owl"))
    # Window 1.0..2.0: wren lies wholly inside; crow only 0.25 s of its 1.5 s.
    assert window_labels("owl", 1.0, 1.0, regions) == ("owl", "wren")
    # Its own class first, the others sorted; its own class is not repeated.
    assert window_labels("wren", 0.75, 1.75, regions) == ("wren", "crow", "owl")
    # Exactly half of a region inside counts; a little less does not.
    assert window_labels("x", 2.5, 1.0, regions) == ("x", "crow")
    assert window_labels("x", 2.5625, 1.0, regions) == ("x",)
    assert window_labels("owl", 4.5, 1.0, ()) == ("owl",)


def test_multi_hot_targets_follow_the_class_order():
    hot = multi_hot([("owl",), ("wren", "owl"), ("crow",)], ["owl", "wren"])
    assert hot.dtype == np.float32
    assert hot.tolist() == [[1, 0], [1, 1], [0, 0]]  # a class the model lacks is left out


def test_a_training_sample_lists_its_labels_once():
    sample = TrainingSample("a.wav", "owl", other_labels=("wren", "owl"))
    assert sample.labels == ("owl", "wren")
    assert TrainingSample("a.wav", "owl").labels == ("owl",)


def test_region_windows_get_the_classes_of_the_regions_they_overlap(tmp_path):
    recording = audio_factory.noise(10.0, amplitude=0.01)
    path = audio_factory.write(tmp_path / "rec.wav", recording)
    regions = ((2.0, 2.3, "owl"), (2.2, 2.6, "wren"), (7.0, 7.3, "owl"))
    samples = [TrainingSample(path, label, b, e, str(path), 10.0, recording_regions=regions)
               for b, e, label in regions]
    features = preset("default").with_clip_seconds(1.0)
    decoded = decode_samples(samples, RowWriter(features, "waveforms"), multi_label=True, seed=0,
                             decode_workers=1, should_stop=lambda: False)
    assert not decoded.skipped
    assert decoded.label_sets == [("owl", "wren"), ("wren", "owl"), ("owl",)]
    # Single-label training reads each sample's own label only.
    single = decode_samples(samples, RowWriter(features, "waveforms"), multi_label=False, seed=0,
                            decode_workers=1, should_stop=lambda: False)
    assert single.label_sets == [("owl",), ("wren",), ("owl",)]


def test_the_training_snapshot_gives_each_region_its_recordings_labelled_regions(tmp_path):
    from core.store.project import Project
    from core.store.records import RegionSpec
    from core.workflow import training_snapshot

    audio_factory.write(tmp_path / "p" / "rec.wav", audio_factory.noise(6.0, amplitude=0.01))
    with Project.open(tmp_path / "p") as project:
        project.scan()
        clip_id = project.clip_ids_by_path()["rec.wav"]
        project.add_regions([RegionSpec(clip_id, 1.0, 1.3, "owl"),
                             RegionSpec(clip_id, 1.1, 1.5, "wren")], source="import")
        project.add_regions([RegionSpec(clip_id, 4.0, 4.4, "crow", score=0.9)], source="model")
        snapshot = training_snapshot(project)
    assert [r.label for r in snapshot.regions] == ["owl", "wren"]
    expected = ((1.0, 1.3, "owl"), (1.1, 1.5, "wren"))  # not the unreviewed model event
    assert all(r.recording_regions == expected for r in snapshot.regions)


# ---------------------------------------------------------------- the head


def test_the_multi_label_loss_is_binary_cross_entropy_with_per_class_pos_weight():
    targets = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.3], [-1.0, 0.2], [1.0, -2.0]])
    loss, eval_loss = _multi_label_losses(targets, TrainConfig(label_smoothing=0.0))
    # Class 0: 3 positives, 1 negative -> 1/3; class 1: 1 positive, 3 negatives -> 3.
    pos_weight = torch.tensor([1 / 3, 3.0])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, targets, pos_weight=pos_weight)
    assert torch.allclose(loss(logits, targets), expected)
    assert torch.allclose(eval_loss(logits, targets),
                          torch.nn.functional.binary_cross_entropy_with_logits(logits, targets))
    smoothed, _ = _multi_label_losses(targets, TrainConfig(label_smoothing=0.1,
                                                           balance_classes=False))
    assert torch.allclose(smoothed(logits, targets),
                          torch.nn.functional.binary_cross_entropy_with_logits(
                              logits, targets * 0.9 + 0.05))


def test_multi_label_scores_are_sigmoids_single_label_softmax():
    logits = torch.tensor([[2.0, 1.0, -3.0], [0.0, 0.0, 0.0]])
    config = FeatureConfig(clip_seconds=1.0)
    features = torch.zeros(2, 1, config.n_freqs, config.n_frames)
    sig = mean_scores(lambda _x: logits, features, config, views=False, multi_label=True)
    soft = mean_scores(lambda _x: logits, features, config, views=False)
    assert torch.allclose(sig, torch.sigmoid(logits))
    assert torch.allclose(soft, torch.softmax(logits, dim=1))


def test_thresholds_from_multi_hot_truth():
    probabilities = np.array([[0.9, 0.8], [0.7, 0.2], [0.3, 0.6], [0.1, 0.1]])
    truth = np.array([[1, 1], [1, 0], [0, 1], [0, 0]])
    # The first sample holds both classes: it is a positive of each.
    assert best_multi_label_thresholds(probabilities, truth) == pytest.approx([0.5, 0.4])
    # One class per sample: the same as best_thresholds on class indices.
    scores = np.random.default_rng(0).random((30, 3))
    indices = np.random.default_rng(1).integers(0, 3, 30)
    assert np.array_equal(best_multi_label_thresholds(scores, np.eye(3)[indices]),
                          best_thresholds(scores, indices))


def test_multi_label_scores_at_the_thresholds():
    probabilities = np.array([[0.9, 0.8], [0.7, 0.2], [0.3, 0.6], [0.1, 0.1]])
    truth = np.array([[1, 1], [1, 0], [0, 0], [0, 0]])
    scores = multi_label_scores(probabilities, truth, [0.5, 0.5], ["owl", "wren"])
    assert scores["exact_match"] == 0.75  # the third sample's wren is a false one
    assert scores["per_class"]["owl"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert scores["per_class"]["wren"]["precision"] == 0.5
    assert scores["per_class"]["wren"]["f1"] == pytest.approx(2 / 3)


# ---------------------------------------------------------------- checkpoint and prediction


def _checkpoint(multi_label: bool, thresholds=None) -> Checkpoint:
    config = FeatureConfig(clip_seconds=0.5)
    classes = ["high", "low"]
    torch.manual_seed(0)
    model = build_model(DEFAULT_MODEL, len(classes), (config.n_freqs, config.n_frames))
    return Checkpoint(DEFAULT_MODEL, classes, config, model.state_dict(), thresholds=thresholds,
                      multi_label=multi_label)


def test_multi_label_and_thresholds_are_stored_and_old_files_load_single_label(tmp_path):
    saved = save_checkpoint(_checkpoint(True, [0.3, 0.7]), tmp_path / "m.pt")
    loaded = load_checkpoint(saved)
    assert loaded.multi_label is True and loaded.thresholds == [0.3, 0.7]
    payload = torch.load(saved, weights_only=True)
    assert payload["format_version"] == 3
    payload["format_version"] = 2
    del payload["multi_label"]
    torch.save(payload, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt").multi_label is False


def test_predict_reports_every_class_above_its_threshold(tmp_path):
    path = audio_factory.write(tmp_path / "a.wav", audio_factory.tone(LOW_HZ, 0.5))
    multi = Classifier(_checkpoint(True, [0.0, 0.0]))
    both = multi.predict_file(path)
    assert both.labels == ("high", "low")
    assert both.label == both.classes[int(np.argmax(both.probabilities))]
    assert all(0 < p < 1 for p in both.probabilities)  # sigmoids, not a distribution
    multi.checkpoint.thresholds = [1.0, 0.0]
    assert multi.predict_file(path).labels == ("low",)
    multi.checkpoint.thresholds = [1.0, 1.0]
    assert multi.predict_file(path).labels == ()
    single = Classifier(_checkpoint(False, [0.0, 0.0])).predict_file(path)
    assert single.labels == (single.label,)
    assert sum(single.probabilities) == pytest.approx(1.0, abs=1e-5)
    long_path = audio_factory.write(tmp_path / "long.wav", audio_factory.tone(LOW_HZ, 3.0))
    long = Classifier(_checkpoint(True, [0.0, 0.0])).predict_file(long_path)
    assert long.window_probabilities is not None and long.labels == ("high", "low")
    assert Classifier(_checkpoint(True)).predict_file(tmp_path / "gone.wav").labels == ()


def test_cli_predict_joins_labels_with_semicolons_and_lists_them_in_json(tmp_path):
    model = save_checkpoint(_checkpoint(True, [0.0, 0.0]), tmp_path / "m.pt")
    path = audio_factory.write(tmp_path / "in" / "a.wav", audio_factory.tone(LOW_HZ, 0.5))
    result = run_main("predict", model, path)
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert list(row) == ["path", "label", "labels", "confidence", "high", "low", "error"]
    assert row["labels"] == "high;low"
    result = run_main("predict", model, path, "--format", "json")
    assert json.loads(result.stdout)[0]["labels"] == ["high", "low"]


class _TwoLoudClasses(Classifier):
    """A real Classifier whose two classes both score 0.8 on a loud window, 0.1 otherwise."""

    def probabilities(self, clips, batch_size=64, views=True):
        rms = np.sqrt(np.mean(np.square(clips), axis=1))
        loud = np.where(rms > 0.05, 0.8, 0.1).astype(np.float32)
        return np.stack([loud, loud], axis=1)


def test_detection_with_a_multi_label_model_lets_classes_share_windows(tmp_path):
    samples = np.zeros(10 * RATE, dtype=np.float32)
    samples[4 * RATE:5 * RATE] = audio_factory.tone(LOW_HZ, 1.0)
    path = audio_factory.write(tmp_path / "rec.wav", samples)
    multi = detect_file(_TwoLoudClasses(_checkpoint(True, [0.5, 0.5])), path, background="")
    assert sorted(e.label for e in multi) == ["high", "low"]
    assert multi[0].begin_s == multi[1].begin_s and multi[0].end_s == multi[1].end_s
    single = detect_file(_TwoLoudClasses(_checkpoint(False, [0.5, 0.5])), path, background="")
    assert [e.label for e in single] == ["high"]  # one class per window


# ---------------------------------------------------------------- training


def test_single_label_training_ignores_other_labels_exactly(class_folder):
    """multi_label off: samples carrying further labels and their recordings' regions train the
    very weights that plain pairs train."""
    pairs = [(p, p.parent.name) for p in sorted(class_folder.rglob("*.wav"))][::3]
    config = TrainConfig(epochs=1, clip_seconds_requested=1.0, num_threads=1)
    plain = train(pairs, config)
    extra = train([TrainingSample(p, label, other_labels=("noise", "zebra"),
                                  recording_regions=((0.0, 1.0, "zebra"),))
                   for p, label in pairs], config)
    assert plain.checkpoint.classes == extra.checkpoint.classes == ["chirp", "noise", "tone"]
    assert extra.checkpoint.multi_label is False and "multi_label" not in extra.checkpoint.metrics
    for key, value in plain.checkpoint.state_dict.items():
        assert torch.equal(value, extra.checkpoint.state_dict[key]), key
    assert plain.checkpoint.thresholds == extra.checkpoint.thresholds


def _mixture_folder(root, n_per_kind: int = 14):
    """Clips of a low tone, a high tone, and both mixed, each with a little noise: returned as
    (path, labels) with the mixed clips labelled with both classes."""
    rng = np.random.default_rng(3)
    clips = []
    for kind, labels in (("low", ("low",)), ("high", ("high",)), ("both", ("low", "high"))):
        for i in range(n_per_kind):
            samples = audio_factory.noise(0.5, amplitude=0.02, seed=int(rng.integers(1 << 30)))
            if kind in ("low", "both"):
                samples += audio_factory.tone(LOW_HZ * rng.uniform(0.9, 1.1), 0.5, amplitude=0.3)
            if kind in ("high", "both"):
                samples += audio_factory.tone(HIGH_HZ * rng.uniform(0.9, 1.1), 0.5, amplitude=0.3)
            clips.append((audio_factory.write(root / kind / f"{i}.wav", samples), labels))
    return clips


def test_a_multi_label_model_hears_both_tones_in_a_mixed_clip(tmp_path):
    clips = _mixture_folder(tmp_path / "data")  # about 3 s on two cores: not marked slow
    config = TrainConfig(epochs=12, clip_seconds_requested=0.5, multi_label=True, num_threads=1,
                         patience_epochs=None, seed=1)
    result = train(clips, config)
    checkpoint = result.checkpoint
    assert checkpoint.multi_label and checkpoint.classes == ["high", "low"]
    assert checkpoint.metrics["multi_label"]["exact_match"] >= 0.9
    assert len(checkpoint.thresholds) == 2 and all(0 < t < 1 for t in checkpoint.thresholds)
    loaded = load_checkpoint(save_checkpoint(checkpoint, tmp_path / "m.pt"))
    assert loaded.multi_label and loaded.thresholds == checkpoint.thresholds
    classifier = Classifier(loaded)
    rng = np.random.default_rng(99)
    fresh = {
        "both": audio_factory.tone(LOW_HZ, 0.5, amplitude=0.3)
        + audio_factory.tone(HIGH_HZ, 0.5, amplitude=0.3),
        "low": audio_factory.tone(LOW_HZ * 1.02, 0.5, amplitude=0.3),
        "high": audio_factory.tone(HIGH_HZ * 0.98, 0.5, amplitude=0.3),
    }
    paths = [audio_factory.write(tmp_path / "new" / f"{name}.wav",
                                 samples + 0.02 * rng.standard_normal(len(samples)).astype(np.float32))
             for name, samples in fresh.items()]
    labels = {p.stem: set(pred.labels) for p, pred in zip(paths, classifier.predict_files(paths),
                                                          strict=True)}
    assert labels == {"both": {"low", "high"}, "low": {"low"}, "high": {"high"}}
