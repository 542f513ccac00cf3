"""TrainConfig's one constructor for a model name, its validation and clip-length rule, the
requested/resolved clip-length names (old checkpoints still load), and ModelMetrics."""

from __future__ import annotations

import dataclasses

import pytest

from core.cli.commands import main as cli_main
from core.errors import ConfigError, EarmarkError
from core.ml.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from core.ml.features import MAX_CLIP_S, MIN_CLIP_S, SEED_FEATURES, auto_clip_seconds, preset
from core.ml.metrics import ModelMetrics, classification_report
from core.ml.networks import build_model
from core.ml.train_config import AUTO, MAX_EPOCHS, TrainConfig, parse_clip_seconds
from tests import audio_factory


def test_for_model_default_is_one_click_config():
    assert TrainConfig.for_model() == TrainConfig()
    assert TrainConfig.for_model("compact", epochs=5) == dataclasses.replace(
        TrainConfig(), model="compact", epochs=5)


def test_seed_cnn_implies_the_seed_recipe():
    config = TrainConfig.for_model("seed-cnn")
    features = preset(config.features)
    assert (config.model, config.epochs, config.clip_seconds_requested) == ("seed-cnn", 150, 5.0)
    assert (features.sample_rate_hz, features.kind, features.n_fft) == (16000, "spectrogram", 600)
    assert features.augment_probability == 0.25 and features.time_masks == 1
    assert features is SEED_FEATURES
    assert config.min_epoch_clips == 0  # the seed's epoch is one pass over its clips
    assert TrainConfig.seed_recipe(epochs=7) == TrainConfig.for_model("seed-cnn", epochs=7)
    # Overrides keep the rest of the recipe.
    changed = TrainConfig.for_model("seed-cnn", epochs=3, cache_features=True)
    assert (changed.epochs, changed.cache_features, changed.optimizer) == (3, True, "adam")


@pytest.mark.parametrize("model, changes, words", [
    ("no-such-net", {}, "unknown model 'no-such-net'"),
    ("compact", {"epochs": 0}, "epochs 0"),
    ("compact", {"epochs": MAX_EPOCHS + 1}, f"1..{MAX_EPOCHS}"),
    ("compact", {"fine_tune_epochs": 0}, "fine-tune epochs 0"),
    ("compact", {"clip_seconds_requested": MIN_CLIP_S - 0.1}, "clip length"),
    ("compact", {"clip_seconds_requested": MAX_CLIP_S + 0.1}, "clip length"),
    ("compact", {"clip_seconds_requested": "long"}, "clip length 'long'"),
    ("compact", {"val_split": 0.9}, "validation share 0.9"),
    ("compact", {"val_split": -0.1}, "validation share"),
    ("compact", {"features": "fancy"}, "unknown feature preset"),
    ("compact", {"optimizer": "sgd"}, "unknown optimizer"),
    ("compact", {"min_epoch_clips": -1}, "clips per epoch -1"),
    ("compact", {"min_epoch_clips": 2.5}, "clips per epoch 2.5"),
    ("compact", {"no_such_field": 1}, "unknown setting(s) no_such_field"),
])
def test_refused_settings_say_why(model, changes, words):
    with pytest.raises(ConfigError, match="training settings") as raised:
        TrainConfig.for_model(model, **changes)
    assert words in str(raised.value)
    assert isinstance(raised.value, EarmarkError) and isinstance(raised.value, ValueError)


def test_fine_tuning_keeps_the_settings_on_a_short_schedule():
    config = TrainConfig(learning_rate=1e-3, seed=4)
    tuned = config.for_fine_tuning()
    assert tuned.epochs == config.fine_tune_epochs < config.epochs
    assert dataclasses.replace(tuned, epochs=config.epochs) == config
    assert TrainConfig(epochs=5).for_fine_tuning().epochs == 5  # never longer than Train


def test_replace_is_validated_too():
    with pytest.raises(ConfigError):
        dataclasses.replace(TrainConfig(), epochs=-1)


def test_auto_stays_within_the_range_the_config_accepts():
    # One range for "auto" and for a length asked for: whatever auto picks is a valid request.
    for durations in ([0.01] * 5, [1.0] * 5, [600.0] * 5):
        picked = auto_clip_seconds(durations)
        assert MIN_CLIP_S <= picked <= MAX_CLIP_S
        TrainConfig(clip_seconds_requested=picked)
    assert auto_clip_seconds([600.0]) == MAX_CLIP_S and auto_clip_seconds([0.01]) == MIN_CLIP_S


def test_parse_clip_seconds():
    assert parse_clip_seconds("auto") == AUTO and parse_clip_seconds(" AUTO ") == AUTO
    assert parse_clip_seconds("2.5") == 2.5 and parse_clip_seconds(3) == 3.0
    with pytest.raises(ConfigError, match="neither a number"):
        parse_clip_seconds("five")


def test_from_dict_reads_old_and_new_keys():
    config = TrainConfig.for_model("compact", clip_seconds_requested=2.0, epochs=4)
    assert TrainConfig.from_dict(config.to_dict()) == config
    old = dict(config.to_dict())
    old["clip_seconds"] = old.pop("clip_seconds_requested")
    assert TrainConfig.from_dict(old) == config
    # The seed recipe once stored None: the feature preset's own length.
    seed = TrainConfig.seed_recipe().to_dict()
    seed.pop("clip_seconds_requested")
    seed["clip_seconds"] = None
    assert TrainConfig.from_dict(seed) == TrainConfig.seed_recipe()


def _tiny_checkpoint(train_config: dict, metrics: dict | None = None) -> Checkpoint:
    features = preset("default").with_clip_seconds(2.0)
    model = build_model("compact-bands", 2, (features.n_freqs, features.n_frames))
    return Checkpoint("compact-bands", ["a", "b"], features, model.state_dict(),
                      train_config=train_config, metrics=metrics or {})


def test_an_old_checkpoint_with_the_old_key_still_loads(tmp_path):
    old = TrainConfig().to_dict()
    old["clip_seconds"] = old.pop("clip_seconds_requested")  # as files before the rename hold
    path = save_checkpoint(_tiny_checkpoint(old), tmp_path / "old.pt")
    loaded = load_checkpoint(path)
    assert loaded.train_config["clip_seconds_requested"] == AUTO
    assert "clip_seconds" not in loaded.train_config
    assert TrainConfig.from_dict(loaded.train_config) == TrainConfig()
    assert loaded.feature_config.clip_seconds == 2.0  # the resolved length lives in the features


def test_model_metrics_round_trip_and_partial_dicts():
    report = classification_report([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    metrics = ModelMetrics(report, evaluated_on="validation", n_train=10, n_val=4, best_epoch=3,
                           epochs_run=5)
    data = metrics.to_dict()
    assert data["accuracy"] == 0.75 and data["per_class"]["b"]["support"] == 2  # the on-disk form
    assert ModelMetrics.from_dict(data) == metrics
    assert metrics.n_evaluated == 4 and metrics.report.class_metrics("a").recall == 0.5
    empty = ModelMetrics.from_dict({})
    assert empty.report is None and empty.accuracy is None and empty.n_evaluated is None
    assert ModelMetrics.from_dict(None) == empty
    assert ModelMetrics.from_dict({"accuracy": "x"}).report is None  # damaged: no scores
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.n_val = 5


def test_cli_builds_its_config_through_for_model(tmp_path, monkeypatch, capsys):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=2, kinds=("tone", "noise"))
    seen = []

    def fake_train(clips, config, **_):
        seen.append(config)
        raise EarmarkError("stopped by the test")

    monkeypatch.setattr("core.ml.training.train", fake_train)
    assert cli_main(["train", str(data), "--model", "seed-cnn", "--epochs", "3",
                     "--clip-seconds", "2"]) == 2
    assert seen == [TrainConfig.for_model("seed-cnn", epochs=3, clip_seconds_requested=2.0,
                                          cache_features=True)]
    # --init-from fine-tunes on the short schedule unless --epochs says otherwise.
    monkeypatch.setattr("core.ml.checkpoint.load_checkpoint", lambda path: object())
    for extra, epochs in (([], TrainConfig().fine_tune_epochs), (["--epochs", "12"], 12)):
        assert cli_main(["train", str(data), "--init-from", str(tmp_path / "m.pt"), *extra]) == 2
        assert seen[-1].epochs == epochs
    assert cli_main(["train", str(data), "--clip-seconds", "0.1"]) == 2
    error = capsys.readouterr().err
    assert f"{MIN_CLIP_S:g}..{MAX_CLIP_S:g} s" in error and "Traceback" not in error
    assert cli_main(["train", str(data), "--clip-seconds", "soon"]) == 2
    assert "neither a number of seconds nor 'auto'" in capsys.readouterr().err
