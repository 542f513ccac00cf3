"""predict and evaluate report the model's honest answer: a class, silence or unknown. predict's
label is the answer (its scores and top class still listed); evaluate scores the top class and
also says how many clips were answered unknown or silence, and the accuracy counting them wrong."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.commands import main
from core.ml.novelty import NoveltyRule, feature_statistics
from tests import audio_factory, model_factory


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _model_with_rule(path, threshold: float):
    """The untrained chirp/noise/tone model with a novelty rule: every clip with sound lies
    beyond a tiny ``threshold`` (unknown), none beyond a huge one."""
    import torch

    checkpoint = model_factory.untrained_checkpoint()
    model, features = checkpoint.build_model(), checkpoint.feature_config
    with torch.no_grad(), feature_statistics(model, features) as seen:
        model(torch.zeros(1, 1, features.n_freqs, features.n_frames))
    dim = seen[0].shape[1]
    checkpoint.novelty = NoveltyRule(np.zeros((3, dim)), np.eye(dim), threshold)
    return model_factory.save(checkpoint, path)


@pytest.fixture
def inputs(tmp_path):
    """A tone clip and one second of digital silence."""
    tone = audio_factory.write(tmp_path / "in" / "tone.wav",
                               audio_factory.class_sample("tone", np.random.default_rng(1)))
    silent = audio_factory.write(tmp_path / "in" / "silent.wav", np.zeros(16000, np.float32))
    return tone, silent


def _csv_rows(text):
    return {Path(row["path"]).name: row for row in csv.DictReader(io.StringIO(text))}


def test_predict_answers_unknown_and_silence_and_keeps_the_scores(tmp_path, capsys, inputs):
    model = _model_with_rule(tmp_path / "strict.pt", threshold=1e-9)
    code, out, err = _run(capsys, "predict", model, *inputs)
    assert code == 0, err
    rows = _csv_rows(out)
    assert list(next(iter(rows.values()))) == ["path", "label", "labels", "confidence", "chirp",
                                              "noise", "tone", "error"]
    assert rows["tone.wav"]["label"] == "unknown" and rows["silent.wav"]["label"] == "silence"
    for row in rows.values():
        assert row["labels"] == ""  # no class named
        assert sum(float(row[c]) for c in ("chirp", "noise", "tone")) == pytest.approx(1, abs=1e-3)
        assert row["confidence"] == ""  # the top class's would read as the answer's

    code, out, _ = _run(capsys, "predict", model, *inputs, "--format", "json")
    tone, silent = json.loads(out)
    assert tone["label"] == "unknown" and tone["verdict"] == "unknown" and tone["novelty"] > 1
    assert tone["top_class"] in ("chirp", "noise", "tone") and tone["labels"] == []
    # No confidence beside silence or unknown, as in the CSV (the JSON gave the top class's
    # 0.99999 beside "silence"); the top class's score stays among the probabilities.
    assert tone["confidence"] is None and silent["confidence"] is None
    assert tone["probabilities"][tone["top_class"]] == max(tone["probabilities"].values())
    assert silent["label"] == "silence" and silent["verdict"] == "silence"


def test_predict_names_the_class_when_the_rule_allows_it(tmp_path, capsys, inputs):
    model = _model_with_rule(tmp_path / "lenient.pt", threshold=1e30)
    code, out, _ = _run(capsys, "predict", model, inputs[0], "--format", "json")
    [tone] = json.loads(out)
    assert code == 0 and tone["verdict"] is None and 0 <= tone["novelty"] < 1
    assert tone["label"] == tone["top_class"] and tone["labels"] == [tone["top_class"]]


def test_predict_of_a_model_without_a_rule_still_answers_silence(untrained_model, capsys, inputs):
    code, out, _ = _run(capsys, "predict", untrained_model, *inputs, "--format", "json")
    tone, silent = json.loads(out)
    assert code == 0 and tone["novelty"] is None and tone["label"] == tone["top_class"]
    assert silent["label"] == "silence" and silent["top_class"] in ("chirp", "noise", "tone")


def test_predict_with_a_trained_model_answers_silence_for_a_silent_file(model_file, capsys,
                                                                        inputs):
    code, out, err = _run(capsys, "predict", model_file, *inputs)
    assert code == 0, err
    rows = _csv_rows(out)
    assert rows["silent.wav"]["label"] == "silence" and rows["silent.wav"]["labels"] == ""
    assert rows["tone.wav"]["label"] == "tone" == rows["tone.wav"]["labels"]


@pytest.fixture
def labelled(tmp_path):
    """Two clips of each of chirp, noise and tone in class folders, and a silent "tone"."""
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=2)
    audio_factory.write(data / "tone" / "silent.wav", np.zeros(16000, np.float32))
    return data


def test_evaluate_counts_unknown_and_silence_as_wrong_answers(tmp_path, capsys, labelled):
    strict = _model_with_rule(tmp_path / "strict.pt", threshold=1e-9)
    lenient = _model_with_rule(tmp_path / "lenient.pt", threshold=1e30)  # the same weights
    reports = {}
    for name, model in (("strict", strict), ("lenient", lenient)):
        code, out, err = _run(capsys, "evaluate", model, labelled, "--json")
        assert code == 0, err
        reports[name] = json.loads(out)
    strict, lenient = reports["strict"], reports["lenient"]
    # The confusion matrix scores the class scored highest, whatever the answer.
    assert strict["confusion_matrix"] == lenient["confusion_matrix"]
    assert strict["accuracy"] == lenient["accuracy"] and strict["n_clips"] == 7
    assert (strict["n_unknown"], strict["n_silence"], strict["answer_accuracy"]) == (6, 1, 0.0)
    assert (lenient["n_unknown"], lenient["n_silence"]) == (0, 1)
    code, out, _ = _run(capsys, "predict", tmp_path / "lenient.pt", labelled / "tone" / "silent.wav",
                        "--format", "json")
    silent_right = json.loads(out)[0]["top_class"] == "tone"  # right by the top class, not answered
    assert lenient["answer_accuracy"] == pytest.approx(lenient["accuracy"] - silent_right / 7)

    code, out, _ = _run(capsys, "evaluate", tmp_path / "strict.pt", labelled)
    assert code == 0
    assert "answered unknown 6, silence 1 of 7 clips; accuracy 0.000 counting those as wrong" in out


def test_evaluate_reads_a_test_sets_names_by_the_models_classes(tmp_path, capsys):
    """FSDD-like names and a few strays: inferred from the names alone, the part before the
    number (``0_yweweler``) read as well as the first part, so the model's classes were found in
    none and evaluate gave up. The classes say which rule: the first part."""
    model = model_factory.save(model_factory.untrained_checkpoint(classes=("0", "1", "2")),
                               tmp_path / "digits.pt")
    data = tmp_path / "new"
    for d in "012":
        for i in range(10):
            audio_factory.write(data / f"{d}_yweweler_{i}.wav", audio_factory.tone(300.0 + 100 * i))
    for i in range(5):
        audio_factory.write(data / f"other7_{i}.wav", audio_factory.tone(440.0))
    code, out, err = _run(capsys, "evaluate", model, data, "--json")
    assert code == 0, err
    assert json.loads(out)["n_clips"] == 30
    assert "the 1st part of the file name" in err and "ignoring 5 clips" in err
