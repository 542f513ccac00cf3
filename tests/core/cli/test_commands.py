"""The command line end to end, through subprocesses, as a person would run it."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests import audio_factory
from tests.processes import run_main

pytestmark = pytest.mark.slow  # every test runs main.py in a subprocess


def test_train_predict_evaluate(tmp_path):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=12, kinds=("tone", "noise"))
    model = tmp_path / "out" / "m.pt"
    trained = run_main("train", data, "--epochs", "8", "--clip-seconds", "1", "--out", model, "--json")
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    assert metrics["classes"] == ["noise", "tone"] and model.exists()
    assert "epoch" in trained.stderr  # progress on stderr

    audio_factory.write_broken(tmp_path / "in" / "bad.wav", "text")
    good = audio_factory.write(tmp_path / "in" / "good.wav",
                               audio_factory.class_sample("tone", np.random.default_rng(7)))
    predicted = run_main("predict", model, tmp_path / "in")
    assert predicted.returncode == 1
    rows = list(csv.DictReader(io.StringIO(predicted.stdout)))
    assert list(rows[0]) == ["path", "label", "confidence", "noise", "tone", "error"]
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["good.wav"]["label"] == "tone" and not by_name["good.wav"]["error"]
    assert by_name["bad.wav"]["error"] and not by_name["bad.wav"]["label"]
    assert "Traceback" not in predicted.stderr

    only_good = run_main("predict", model, good, "--format", "json")
    assert only_good.returncode == 0
    assert json.loads(only_good.stdout)[0]["label"] == "tone"

    evaluated = run_main("evaluate", model, data, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "classes"} <= set(report)
    assert report["accuracy"] >= 0.9


def test_expected_errors_are_one_line(tmp_path):
    not_model = tmp_path / "model.pt"
    not_model.write_text("nope")
    result = run_main("predict", not_model, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and str(not_model) in result.stderr
    one_class = audio_factory.make_class_folder(tmp_path / "one", n_per_class=3, kinds=("tone",))
    result = run_main("train", one_class, "--out", tmp_path / "x.pt")
    assert result.returncode == 2 and "at least two classes" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_without_gui_lists_commands():
    result = run_main("--help")
    assert result.returncode == 0
    for command in ("train", "predict", "evaluate", "labels"):
        assert command in result.stdout
