"""`labels export|import|export-folders` through an argparse parser built with register()."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.cli import labels as cli_labels
from core.store.project import Project
from tests import audio_factory


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "userdata"))


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="earmark")
    sub = parser.add_subparsers(dest="command")
    cli_labels.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "audio"
    for kind in ("dog", "cat"):
        for i in range(2):
            audio_factory.write(root / kind / f"c{i}.wav", audio_factory.tone(440, 0.05))
    audio_factory.write(root / "loose.wav", audio_factory.tone(440, 0.05))
    return root


def test_export_to_stdout(folder, capsys):
    assert run(["labels", "export", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["path,label", "cat/c0.wav,cat", "cat/c1.wav,cat", "dog/c0.wav,dog",
                   "dog/c1.wav,dog", "loose.wav,"]


def test_export_to_file_with_project_elsewhere(folder, tmp_path, capsys):
    out = tmp_path / "labels.csv"
    store = tmp_path / "store"
    assert run(["labels", "export", str(folder), "--out", str(out), "--project", str(store)]) == 0
    assert out.read_text().splitlines()[1] == "cat/c0.wav,cat"
    assert (store / "project.sqlite").exists() and not (folder / ".earmark").exists()
    assert str(store) in capsys.readouterr().err


def test_import_reports_unknown_paths(folder, tmp_path, capsys):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\nloose.wav,owl\nghost.wav,owl\ndog/c0.wav,\n",
                        encoding="utf-8")
    assert run(["labels", "import", str(folder), str(csv_path)]) == 0
    err = capsys.readouterr().err
    assert "ghost.wav" in err and "1 labels set" in err
    with Project.open(folder) as project:
        loose = [c for c in project.clips() if c.path == "loose.wav"][0]
        assert (loose.label, loose.label_source) == ("owl", "csv")
        assert project.clips(label="dog")[0].path == "dog/c0.wav"  # empty label: left alone


def test_expected_error_is_one_line_exit_2(tmp_path, capsys):
    code = run(["labels", "export", str(tmp_path / "no-such-folder")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("earmark: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_import_missing_csv_is_error(folder, tmp_path, capsys):
    assert run(["labels", "import", str(folder), str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err.startswith("earmark: error: ")


def test_damaged_store_is_error_exit_2(folder, capsys):
    (folder / ".earmark").mkdir()
    (folder / ".earmark" / "project.sqlite").write_bytes(b"garbage" * 1000)
    assert run(["labels", "export", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and err.count("\n") == 1


def test_export_folders_dry_run_copy_move(folder, tmp_path, capsys):
    dest = tmp_path / "dest"
    assert run(["labels", "export-folders", str(folder), str(dest), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("would copy") == 4 and not dest.exists()

    (dest / "cat").mkdir(parents=True)
    (dest / "cat" / "c0.wav").write_bytes(b"keep me")
    assert run(["labels", "export-folders", str(folder), str(dest)]) == 0
    err = capsys.readouterr().err
    assert "already exists" in err
    assert (dest / "cat" / "c0.wav").read_bytes() == b"keep me"
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.wav")) == [
        "cat/c0.wav", "cat/c1.wav", "dog/c0.wav", "dog/c1.wav"]
    assert (folder / "dog" / "c0.wav").exists()

    moved = tmp_path / "moved"
    assert run(["labels", "export-folders", str(folder), str(moved), "--move"]) == 0
    assert not (folder / "dog" / "c0.wav").exists()
    assert Path(moved / "dog" / "c0.wav").exists()
    assert (folder / "loose.wav").exists()  # unlabeled: left where it was


def test_labels_commands_read_flat_names_by_the_inferred_rule_and_say_so(tmp_path, capsys):
    root = tmp_path / "flat"
    for d in range(3):
        for speaker in ("jackson", "theo"):
            for take in range(2):
                audio_factory.write(root / f"{d}_{speaker}_{take}.wav",
                                    audio_factory.tone(440, 0.05))
    assert run(["labels", "export", str(root)]) == 0
    captured = capsys.readouterr()
    assert "0_jackson_0.wav,0" in captured.out.splitlines()
    assert "labels from file names: the 1st part of the file name" in captured.err
    assert "3 classes" in captured.err


def test_no_word_on_file_names_when_they_give_no_labels(folder, capsys):
    assert run(["labels", "export", str(folder)]) == 0
    assert "file names" not in capsys.readouterr().err
