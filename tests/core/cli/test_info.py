"""``main.py info MODEL [--json]``: the model card of a trained model, of one that records
little, and one error line for a file that is not a model."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from core.cli.commands import main
from core.ml import novelty
from core.ml.checkpoint import load_checkpoint, save_checkpoint
from core.ml.metrics import FEW_VALIDATION_CLIPS, ROUGH_FIGURE
from core.ml.model_card import CARD_VERSION, format_card, read_model_card
from tests import model_factory

CARD_KEYS = {"card_version", "file", "format", "created", "network", "classes", "background_class",
             "thresholds", "sample_rate_hz", "clip_seconds", "clip_seconds_requested", "features",
             "training", "metrics", "calibration", "novelty", "silence"}


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _lines(text):
    """{section: its first line's text}."""
    return {line[:13].strip(): line[14:] for line in text.splitlines() if line[:1] != " "}


def test_info_of_a_trained_model_with_its_training_record(trained, tmp_path, capsys):
    checkpoint = trained.checkpoint
    # What a data-parallel run records (in the metrics: what it found; the settings say only
    # what was asked): shown as recorded.
    recorded = dataclasses.replace(
        checkpoint, train_config=dict(checkpoint.train_config, device="auto"),
        metrics=dict(checkpoint.metrics, world_size=2, device="cuda"))
    path = save_checkpoint(recorded, tmp_path / "trained.pt")
    code, out, err = _run(capsys, "info", path)
    assert code == 0 and err == ""
    sections = _lines(out)
    assert out.splitlines()[0] == "Earmark model card: trained.pt"
    assert sections["Classes (3)"] == ", ".join(checkpoint.classes)
    assert sections["Network"].startswith(f"{checkpoint.model_name}, ")
    assert sections["World size"] == "2" and sections["Device"] == "cuda"
    assert sections["Created"] == checkpoint.created
    clip_s = checkpoint.feature_config.clip_seconds
    assert sections["Clip length"].startswith(f"{clip_s:g} s at 16000 Hz")
    assert f"a file over {clip_s * 1.25:.3g} s is heard through windows of it" in " ".join(out.split())
    accuracy = checkpoint.metrics["accuracy"]
    assert f"accuracy {accuracy:.3f}" in sections["Scores"]
    # Few validation clips: the card says the figure is rough, as the Training tab does.
    few = checkpoint.metrics["n_val"] < FEW_VALIDATION_CLIPS
    assert (ROUGH_FIGURE in " ".join(out.split())) == few
    calibration = checkpoint.metrics["calibration"]
    assert sections["Calibration"] == (
        f"ECE {calibration['ece_after']:.3f} with temperature {checkpoint.temperature:.4g} "
        f"({calibration['ece_before']:.3f} without), on {calibration['n']} clips")
    for name, threshold in zip(checkpoint.classes, checkpoint.thresholds, strict=True):
        row = next(line for line in out.splitlines() if line.startswith(f"  {name} "))
        assert row.split()[-1] == f"{threshold:.3f}"
        assert row.split()[1] == f"{checkpoint.metrics['per_class'][name]['precision']:.3f}"
    rule = checkpoint.novelty
    assert sections["Unknown"].startswith(f"beyond a squared distance of {rule.threshold:.4g} "
                                          "from the nearest class")
    assert sections["Silence"].startswith("loudest 32 ms under -90 dBFS, or under -60 dBFS")
    assert "not recorded" not in out

    code, out, _ = _run(capsys, "info", path, "--json")
    card = json.loads(out)
    assert code == 0 and set(card) == CARD_KEYS and card["card_version"] == CARD_VERSION
    assert card["file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert card["file"]["size_bytes"] == path.stat().st_size
    assert card["format"] == {"name": "earmark-checkpoint", "version": 5}
    assert card["classes"] == checkpoint.classes
    assert card["thresholds"] == dict(zip(checkpoint.classes, checkpoint.thresholds, strict=True))
    assert card["network"]["temperature"] == checkpoint.temperature
    assert card["training"]["world_size"] == 2 and card["training"]["device"] == "cuda"
    assert card["training"]["settings"]["epochs"] == checkpoint.train_config["epochs"]
    assert card["training"]["n_val"] == checkpoint.metrics["n_val"]
    assert card["metrics"]["accuracy"] == accuracy
    assert card["metrics"]["per_class"] == checkpoint.metrics["per_class"]
    assert card["calibration"]["ece_after"] == calibration["ece_after"]
    assert card["features"] == checkpoint.feature_config.to_dict()
    assert card["novelty"] == {"threshold": rule.threshold, "n_statistics": rule.dim,
                               "exponent": novelty.STAT_EXPONENT,
                               "validation_share_beyond": novelty.FLAG_SHARE,
                               "steady_db": rule.steady_db}
    assert card["silence"] == {"frame_s": 0.032, "digital_silence_dbfs": -90.0,
                               "quiet_dbfs": -60.0, "rise_db": 10.0}
    assert format_card(card) == format_card(read_model_card(path))


def test_info_of_a_model_that_records_little_says_not_recorded(untrained_model, capsys):
    code, out, _ = _run(capsys, "info", untrained_model)
    sections = _lines(out)
    assert code == 0
    for name in ("World size", "Device", "Created", "Training", "Settings", "Scores",
                 "Calibration", "Unknown"):
        assert sections[name] == "not recorded", name
    assert sections["Format"] == "earmark-checkpoint version 3"  # temperature 1: written as 3
    tone = next(line for line in out.splitlines() if line.startswith("  tone "))
    assert tone.endswith("0.500")  # the default threshold

    card = json.loads(_run(capsys, "info", untrained_model, "--json")[1])
    assert set(card) == CARD_KEYS
    assert card["created"] is None and card["calibration"] is None and card["novelty"] is None
    assert card["silence"]["digital_silence_dbfs"] == -90.0  # every model answers silence
    assert card["training"]["world_size"] is None and card["training"]["device"] is None
    assert card["metrics"]["accuracy"] is None and card["metrics"]["per_class"] == {}


def test_info_prefers_the_device_the_run_found_to_the_one_asked(tmp_path, capsys):
    checkpoint = model_factory.scored_checkpoint(device="auto")
    checkpoint.metrics["device"] = "cpu"
    path = model_factory.save(checkpoint, tmp_path / "m.pt")
    card = json.loads(_run(capsys, "info", path, "--json")[1])
    assert card["training"]["device"] == "cpu" and card["training"]["world_size"] is None


@pytest.mark.parametrize(("best_epoch", "shown"), [(30, "30 epochs"), (12, "30 epochs (best 12)")])
def test_the_training_line_names_the_epoch_kept_only_when_not_the_last(tmp_path, capsys,
                                                                      best_epoch, shown):
    # A one-cycle run keeps its last epoch; a constant-rate one may restore an earlier best.
    checkpoint = model_factory.scored_checkpoint()
    checkpoint.metrics.update(n_train=85, n_val=15, epochs_run=30, best_epoch=best_epoch)
    path = model_factory.save(checkpoint, tmp_path / "m.pt")
    code, out, _ = _run(capsys, "info", path)
    assert code == 0
    assert _lines(out)["Training"] == f"85 training clips, 15 validation clips, {shown}"


@pytest.mark.parametrize("content", [b"", b"not a model at all\n", bytes(range(256)) * 8])
@pytest.mark.parametrize("as_json", [False, True])
def test_info_of_a_file_that_is_not_a_model_is_one_error_line(tmp_path, capsys, content, as_json):
    bad = tmp_path / "bad model.pt"
    bad.write_bytes(content)
    code, out, err = _run(capsys, "info", bad, *(["--json"] if as_json else []))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"earmark: error: {bad}: ")


def test_info_of_a_missing_file_or_a_folder(tmp_path, capsys):
    code, out, err = _run(capsys, "info", tmp_path / "gone.pt")
    assert (code, out) == (2, "") and err == f"earmark: error: {tmp_path / 'gone.pt'}: file not found\n"
    code, _, err = _run(capsys, "info", tmp_path)
    assert code == 2 and "is a folder" in err


def test_a_card_is_json_ready_whatever_a_strangers_metrics_hold(tmp_path):
    """weights_only files may hold tensors and non-finite numbers in their metrics: the card
    stays valid JSON."""
    import torch

    checkpoint = model_factory.untrained_checkpoint(
        metrics={"accuracy": float("nan"), "device": torch.tensor([1.0]), "odd": {1: (2, 3)}})
    path = model_factory.save(checkpoint, tmp_path / "odd.pt")
    card = read_model_card(path)
    text = json.dumps(card, allow_nan=False)
    assert json.loads(text)["training"]["device"] == "tensor([1.])"
    assert load_checkpoint(path).metrics["odd"] == {1: (2, 3)}
    assert "not recorded" in format_card(card)


def test_the_unknown_rule_of_a_multi_label_model_is_none(tmp_path, capsys):
    path = model_factory.save(model_factory.untrained_checkpoint(multi_label=True), tmp_path / "m.pt")
    card = json.loads(_run(capsys, "info", path, "--json")[1])
    assert card["novelty"] is None
    assert _lines(format_card(card))["Unknown"] == ("none (a multi-label model's scores are per "
                                                    "class)")


def test_a_model_with_a_class_of_its_own_named_unknown_says_that_class_answers(tmp_path, capsys):
    """It read "not recorded", as if the model were too old to have a rule."""
    checkpoint = model_factory.untrained_checkpoint()
    checkpoint = dataclasses.replace(checkpoint, classes=[*checkpoint.classes[:-1], "unknown"])
    path = model_factory.save(checkpoint, tmp_path / "kws.pt")
    card = json.loads(_run(capsys, "info", path, "--json")[1])
    assert _lines(format_card(card))["Unknown"] == "its own class 'unknown' answers, as taught"
