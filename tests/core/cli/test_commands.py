"""The command line end to end, through subprocesses, as a person would run it (marked slow), and
where train and evaluate take their labels from, in process."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.commands import _labelled_clips, build_parser
from core.errors import EarmarkError
from core.store.project import Project
from core.store.records import RegionSpec
from tests import audio_factory
from tests.processes import run_main


@pytest.mark.slow
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
    assert list(rows[0]) == ["path", "label", "labels", "confidence", "noise", "tone", "error"]
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["good.wav"]["label"] == "tone" and not by_name["good.wav"]["error"]
    assert by_name["good.wav"]["labels"] == "tone"  # a single-label model: its label alone
    assert by_name["bad.wav"]["error"] and not by_name["bad.wav"]["label"]
    assert "Traceback" not in predicted.stderr

    only_good = run_main("predict", model, good, "--format", "json")
    assert only_good.returncode == 0
    assert json.loads(only_good.stdout)[0]["label"] == "tone"
    assert json.loads(only_good.stdout)[0]["labels"] == ["tone"]

    evaluated = run_main("evaluate", model, data, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "classes"} <= set(report)
    assert report["accuracy"] >= 0.9


@pytest.mark.slow
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


@pytest.mark.slow
def test_help_without_gui_lists_commands():
    result = run_main("--help")
    assert result.returncode == 0
    for command in ("train", "predict", "evaluate", "labels"):
        assert command in result.stdout


# ---------------------------------------------------------------- where the labels come from


def labelled(argv):
    return {c.path.name: c.label for c in _labelled_clips(build_parser().parse_args(argv))}


@pytest.fixture
def flat_fsdd(tmp_path):
    """Flat FSDD names: 3 digits x 2 speakers x 2 takes (the names are all the labels there are)."""
    root = tmp_path / "fsdd"
    for d in range(3):
        for speaker in ("jackson", "theo"):
            for take in range(2):
                audio_factory.write(root / f"{d}_{speaker}_{take}.wav", audio_factory.tone(440, 0.05))
    return root


def test_flat_fsdd_names_give_digits_and_the_rule_is_said(flat_fsdd, capsys):
    found = labelled(["train", str(flat_fsdd)])
    assert found["2_theo_1.wav"] == "2" and set(found.values()) == {"0", "1", "2"}
    assert ("earmark: labels from file names: the 1st part of the file name (split at _, - and "
            "spaces): 3 classes") in capsys.readouterr().err
    assert not (flat_fsdd / ".earmark").exists()  # looking for a store made none


def test_name_rule_option(flat_fsdd, capsys):
    assert set(labelled(["evaluate", "m.pt", str(flat_fsdd), "--name-rule", "token:2"]).values()) \
        == {"jackson", "theo"}
    assert "the 2nd part" in capsys.readouterr().err
    assert set(labelled(["train", str(flat_fsdd), "--name-rule", "tokens:2"]).values()) == {
        f"{d}_{s}" for d in range(3) for s in ("jackson", "theo")}
    assert labelled(["train", str(flat_fsdd), "--name-rule", "none"]) == {}
    assert "no labels from file names" in capsys.readouterr().err
    found = labelled(["train", str(flat_fsdd), "--name-rule", r"regex:_(j\w+)_"])
    assert set(found.values()) == {"jackson"} and len(found) == 6
    assert "6 of 12 files unlabelled" in capsys.readouterr().err


@pytest.mark.parametrize("rule", ["token:0", "middle", "regex:("])
def test_a_bad_name_rule_is_a_usage_error(flat_fsdd, capsys, rule):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["train", str(flat_fsdd), "--name-rule", rule])
    assert exit_info.value.code == 2 and "--name-rule" in capsys.readouterr().err


@pytest.fixture
def labelled_in_app(tmp_path):
    """Names with no scheme, labelled by hand in the app; one labelled file since deleted."""
    root = tmp_path / "recordings"
    for i in range(6):
        audio_factory.write(root / f"rec{i}.wav", audio_factory.tone(300 + 100 * i, 0.05))
    with Project.open(root) as project:
        project.scan()
        ids = {c.path: c.id for c in project.clips()}
        project.set_labels([ids[f"rec{i}.wav"] for i in (0, 1, 2)], "owl")
        project.set_labels([ids[f"rec{i}.wav"] for i in (3, 4)], "wren")
    (root / "rec4.wav").unlink()
    return root


def test_train_and_evaluate_use_the_labels_saved_by_the_app(labelled_in_app, capsys):
    for argv in (["train", str(labelled_in_app)], ["evaluate", "m.pt", str(labelled_in_app)]):
        assert labelled(argv) == {"rec0.wav": "owl", "rec1.wav": "owl", "rec2.wav": "owl",
                                  "rec3.wav": "wren"}
        err = capsys.readouterr().err
        assert (f"using the labels saved by the app in {labelled_in_app / '.earmark'} "
                "(4 labelled clips)") in err
        assert "skipped 1 labelled clip whose file is missing" in err
    assert labelled(["train", str(labelled_in_app), "--labels-from", "folder"]) == {}
    assert labelled(["train", str(labelled_in_app), "--name-rule", "none"])["rec0.wav"] == "owl"
    assert "--name-rule is not used" in capsys.readouterr().err


def test_a_folder_labelled_in_the_app_and_read_only_now_gives_its_labels(labelled_in_app,
                                                                          capsys):
    """Before, the command line opened the folder's own store for writing and failed; the app
    copies it to the per-user place, and so does the command line now."""
    paths = [labelled_in_app, *labelled_in_app.rglob("*")]
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert labelled(["train", str(labelled_in_app)])["rec3.wav"] == "wren"
        assert "is read-only, so its project store was copied to" in capsys.readouterr().err
    finally:
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)


def test_labels_from_store_without_a_store_says_so(flat_fsdd):
    with pytest.raises(EarmarkError, match="no labels saved by the app"):
        labelled(["train", str(flat_fsdd), "--labels-from", "store"])
    assert not (flat_fsdd / ".earmark").exists()


@pytest.mark.slow
def test_train_a_folder_labelled_only_in_the_app(tmp_path):
    root = tmp_path / "takes"
    rng = np.random.default_rng(3)
    kinds = ("tone", "noise") * 4
    for i, kind in enumerate(kinds):
        audio_factory.write(root / f"take{i:02d}.wav", audio_factory.class_sample(kind, rng, 0.5))
    with Project.open(root) as project:
        project.scan()
        for clip, kind in zip(project.clips(), kinds, strict=True):
            project.set_labels([clip.id], kind)
    trained = run_main("train", root, "--epochs", "1", "--clip-seconds", "0.5",
                       "--out", tmp_path / "m.pt")
    assert trained.returncode == 0, trained.stderr
    assert "using the labels saved by the app" in trained.stderr
    ignored = run_main("train", root, "--labels-from", "folder", "--out", tmp_path / "n.pt")
    assert ignored.returncode == 2 and "found none" in ignored.stderr


@pytest.fixture
def marked_in_app(tmp_path):
    """Two 12 s recordings with tone and chirp events marked as regions in the app (their folder
    would label them "long"), one rejected model event, and two labelled short clips."""
    root = tmp_path / "field"
    rate = audio_factory.DEFAULT_RATE_HZ
    kinds = ("tone", "chirp")
    for n in range(2):
        samples = audio_factory.noise(12.0, amplitude=0.01, seed=n)
        for i in range(4):
            sound = (audio_factory.tone(880.0, 0.3) if kinds[(i + n) % 2] == "tone"
                     else audio_factory.chirp(500.0, 3000.0, 0.3))
            start = int((1.0 + 2.5 * i) * rate)
            samples[start:start + len(sound)] += 0.5 * sound
        audio_factory.write(root / "long" / f"rec{n}.wav", samples)
    for kind in kinds:
        audio_factory.write(root / "clips" / kind / f"{kind}.wav", audio_factory.tone(880.0, 0.3))
    with Project.open(root) as project:
        project.scan()
        ids = project.clip_ids_by_path()
        for n in range(2):
            clip_id = ids[f"long/rec{n}.wav"]
            project.add_regions([RegionSpec(clip_id, 1.0 + 2.5 * i, 1.3 + 2.5 * i,
                                            kinds[(i + n) % 2]) for i in range(4)], "import")
        event = project.add_region(ids["long/rec0.wav"], 11.0, 11.4, "tone", source="model")
        project.review_region(event.id, "reject")
    return root


def test_train_takes_the_regions_marked_in_the_app(marked_in_app, capsys):
    from core.ml.samples import BackgroundSource, TrainingSample

    args = build_parser().parse_args(["train", str(marked_in_app)])
    assert args.background
    clips = _labelled_clips(args, regions=True)
    err = capsys.readouterr().err
    assert "(2 labelled clips, 8 marked events in 2 recordings)" in err
    whole = sorted(c.path.name for c in clips if not isinstance(c, TrainingSample | BackgroundSource))
    assert whole == ["chirp.wav", "tone.wav"]  # no "long" clip: the recordings' events are marked
    events = [c for c in clips if isinstance(c, TrainingSample)]
    assert [(e.path.name, e.begin_s, e.label) for e in events[:2]] == [
        ("rec0.wav", 1.0, "tone"), ("rec0.wav", 3.5, "chirp")]
    sources = [c for c in clips if isinstance(c, BackgroundSource)]
    assert sorted(s.path.name for s in sources) == ["rec0.wav", "rec1.wav"]
    # evaluate (and train's old path) still read whole clips only.
    assert labelled(["evaluate", "m.pt", str(marked_in_app)])["rec0.wav"] == "long"
    assert not build_parser().parse_args(["train", str(marked_in_app), "--no-background"]).background


@pytest.mark.slow
def test_cli_train_on_regions_learns_background_and_stores_thresholds(marked_in_app, tmp_path):
    from core.ml.checkpoint import load_checkpoint

    out = tmp_path / "m.pt"
    trained = run_main("train", marked_in_app, "--epochs", "2", "--json", "--out", out)
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    assert metrics["background_class"] == "background" and metrics["n_background"] >= 4
    assert set(metrics["thresholds"]) == {"background", "chirp", "tone"}
    checkpoint = load_checkpoint(out)
    assert checkpoint.classes == ["background", "chirp", "tone"]
    assert checkpoint.background_class == "background"
    plain = run_main("train", marked_in_app, "--epochs", "1", "--no-background",
                     "--out", tmp_path / "n.pt")
    assert plain.returncode == 0, plain.stderr
    assert load_checkpoint(tmp_path / "n.pt").classes == ["chirp", "tone"]


# ---------------------------------------------------------------- multi-label


def test_train_multi_label_learns_overlapping_events_of_the_apps_regions(tmp_path, capsys):
    """train --multi-label on a store whose recordings hold a low and a high tone at once, marked
    as two regions of one span: the app's regions train a multi-label model (the windows' classes
    are tested in tests/core/ml/test_multilabel.py)."""
    from core.cli.commands import main
    from core.ml.checkpoint import load_checkpoint

    root, rate = tmp_path / "project", audio_factory.DEFAULT_RATE_HZ
    spans = {"low": [], "high": []}
    for n in range(2):
        samples = audio_factory.noise(12.0, amplitude=0.01, seed=n)
        for i in range(10):
            start_s = 0.5 + 1.1 * i
            kinds = (("low",), ("high",), ("low", "high"))[i % 3]
            for kind in kinds:
                tone = audio_factory.tone(600.0 if kind == "low" else 2400.0, 0.5, amplitude=0.3)
                samples[int(start_s * rate):int(start_s * rate) + len(tone)] += tone
                spans[kind].append((n, start_s))
        audio_factory.write(root / f"rec{n}.wav", samples)
    with Project.open(root) as project:
        project.scan()
        ids = project.clip_ids_by_path()
        project.add_regions([RegionSpec(ids[f"rec{n}.wav"], s, s + 0.5, kind)
                             for kind, marks in spans.items() for n, s in marks], source="import")
    model = tmp_path / "m.pt"
    code = main(["train", str(root), "--multi-label", "--epochs", "2", "--clip-seconds", "0.5",
                 "--no-background", "--out", str(model), "--json"])
    assert code == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics["multi_label"]["per_class"]) == {"high", "low"}
    checkpoint = load_checkpoint(model)
    assert checkpoint.multi_label and checkpoint.train_config["multi_label"] is True
    assert build_parser().parse_args(["train", "x"]).multi_label is False


@pytest.mark.parametrize("argv", [["train", ""], ["predict", "model.pt", " "],
                                  ["labels", "export", ""], ["detect", "model.pt", ""]])
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(argv, capsys):
    """``Path("")`` is the current folder: a launcher's unset variable trained on it, or wrote a
    store there."""
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert "an empty path names no file or folder" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_command_without_a_traceback():
    """``labels export-folders --dry-run | head`` ended in a BrokenPipeError traceback."""
    from tests.processes import start_python

    proc = start_python("""
        import argparse

        from core.cli import commands

        class Parser(argparse.ArgumentParser):  # a command that writes much to stdout
            def parse_args(self, argv=None):
                return argparse.Namespace(func=lambda args: print("line\\n" * 1_000_000))

        commands.build_parser = Parser
        sys.exit(commands.main(["labels", "export-folders", "--dry-run"]))
    """)
    proc.stdout.close()  # the reader is gone before the first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and "Traceback" not in err, err
