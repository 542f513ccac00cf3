"""`labels export|import|export-folders|export-clips` through an argparse parser built with register()."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from core.cli import labels as cli_labels
from core.store.project import Project
from tests import audio_factory


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


def test_history_lists_every_change_of_a_clip_and_says_how(folder, tmp_path, capsys):
    import csv
    from datetime import datetime

    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\nloose.wav,owl\ndog/c0.wav,wolf\n", encoding="utf-8")
    assert run(["labels", "import", str(folder), str(csv_path)]) == 0
    with Project.open(folder) as project:
        loose = project.clip_ids_by_path()["loose.wav"]
        project.set_labels([loose], "lark")
        project.rename_class("lark", "skylark")
    capsys.readouterr()

    assert run(["labels", "history", str(folder), "loose.wav", str(folder / "dog" / "c0.wav")]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["changed_at", "path", "before", "after", "how", "source"]
    assert [row[1:] for row in rows[1:]] == [
        ["dog/c0.wav", "", "dog", "read from its folder", "folder"],
        ["loose.wav", "", "owl", "imported from a labels file", "csv"],
        ["dog/c0.wav", "dog", "wolf", "imported from a labels file", "csv"],
        ["loose.wav", "owl", "lark", "labelled", "manual"],
        ["loose.wav", "lark", "skylark", "class renamed", "manual"]]
    assert datetime.fromisoformat(rows[1][0]).tzinfo is not None  # a local time, its offset said

    out = tmp_path / "history.csv"
    assert run(["labels", "history", str(folder), "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 4 + 4  # the four folder labels, the four above
    assert "wrote 8 label changes" in capsys.readouterr().err
    assert run(["labels", "history", str(folder), "ghost.wav"]) == 2
    assert "not a clip of" in capsys.readouterr().err


def test_import_names_a_file_given_two_labels(folder, tmp_path, capsys):
    """The last row won, said only as "3 labels set"."""
    csv_path = tmp_path / "in.csv"
    # cat/c0.wav's last row gives its first label again (said "cat, then dog", dog read as kept);
    # dog/c0.wav's two rows give one name in its two Unicode forms (said "café, then café").
    csv_path.write_text("path,label\nloose.wav,owl\nloose.wav,lark\ndog/c0.wav,caf\u00e9\n"
                        "dog/c0.wav,cafe\u0301\ncat/c0.wav,cat\ncat/c0.wav,dog\n"
                        "cat/c0.wav,cat\n", encoding="utf-8")
    assert run(["labels", "import", str(folder), str(csv_path)]) == 0
    err = capsys.readouterr().err
    assert f"labelled twice in {csv_path}, the last row kept: loose.wav: owl, then lark" in err
    assert "cat/c0.wav: cat, then dog, then cat" in err
    assert "dog/c0.wav" not in err  # the same label twice is no conflict
    with Project.open(folder) as project:
        assert project.clip(project.clip_ids_by_path()["loose.wav"]).label == "lark"


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


def test_import_into_a_folder_open_in_a_window_is_refused(folder, tmp_path, capsys):
    """The window did not show what the command line imported, and its undo took it back."""
    from core.store.lock import ProjectLock

    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\nloose.wav,owl\n", encoding="utf-8")
    with Project.open(folder) as project:
        project.scan()
        window = ProjectLock(project.store_path.parent, project.folder)
        window.acquire()  # as a window holds it
        try:
            assert run(["labels", "import", str(folder), str(csv_path)]) == 2
            err = capsys.readouterr().err
            assert "already open in another Earmark window" in err and "close it there" in err
            assert project.clips(label="owl") == []
            assert run(["labels", "export", str(folder)]) == 0  # reading is no change
            capsys.readouterr()
        finally:
            window.release()
    assert run(["labels", "import", str(folder), str(csv_path)]) == 0
    with Project.open(folder) as project:
        assert [c.path for c in project.clips(label="owl")] == ["loose.wav"]


def test_edge_impulse_labels_out_and_back_in(folder, tmp_path, capsys):
    assert run(["labels", "export", str(folder), "--format", "edgeimpulse"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [(f["path"], f["label"]) for f in files] == [
        ("cat/c0.wav", {"type": "label", "label": "cat"}),
        ("cat/c1.wav", {"type": "label", "label": "cat"}),
        ("dog/c0.wav", {"type": "label", "label": "dog"}),
        ("dog/c1.wav", {"type": "label", "label": "dog"}), ("loose.wav", {"type": "unlabeled"})]
    files[4]["label"] = {"type": "label", "label": "owl"}  # labelled in Edge Impulse
    info = tmp_path / "info.labels"
    info.write_text(json.dumps({"version": 1, "files": files}))
    assert run(["labels", "import", str(folder), str(info)]) == 0
    assert "1 labels set, 4 already so" in capsys.readouterr().err
    with Project.open(folder) as project:
        assert project.clips(label="owl")[0].path == "loose.wav"


def test_label_studio_tasks_out_and_back_in(folder, tmp_path, capsys):
    out = tmp_path / "tasks.json"
    assert run(["labels", "export", str(folder), "--format", "labelstudio-clips",
                "--out", str(out)]) == 0
    assert "wrote 5 tasks" in capsys.readouterr().err
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert [t["data"]["audio"] for t in tasks] == [
        f"/data/local-files/?d={folder.name}/{path}"
        for path in ("cat/c0.wav", "cat/c1.wav", "dog/c0.wav", "dog/c1.wav", "loose.wav")]
    tasks[4]["annotations"] = [{"result": [{"type": "choices", "from_name": "class",
                                            "to_name": "audio", "value": {"choices": ["owl"]}}]}]
    out.write_text(json.dumps(tasks), encoding="utf-8")  # labelled in Label Studio
    assert run(["labels", "import", str(folder), str(out)]) == 0
    assert "1 labels set, 4 already so" in capsys.readouterr().err
    with Project.open(folder) as project:
        assert project.clips(label="owl")[0].path == "loose.wav"


def test_label_studio_spans_and_clip_choices_both_come_in(folder, tmp_path, capsys):
    span = {"type": "labels", "value": {"start": 0.01, "end": 0.03, "labels": ["hoot"]}}
    choice = {"type": "choices", "value": {"choices": ["owl"]}}
    export = tmp_path / "project.json"
    export.write_text(json.dumps([{"data": {"audio": "loose.wav"},
                                   "annotations": [{"result": [span, choice]}]}]))
    assert run(["labels", "import", str(folder), str(export)]) == 0
    err = capsys.readouterr().err
    assert "1 regions imported" in err and "1 labels set" in err and "project.json" in err
    with Project.open(folder) as project:
        assert project.clips(label="owl")[0].path == "loose.wav"
        assert [r.label for r in project.regions()] == ["hoot"]


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


def test_export_clips_cuts_regions_into_class_folders(folder, tmp_path, capsys):
    with Project.open(folder) as project:
        project.scan()
        loose = [c for c in project.clips() if c.path == "loose.wav"][0]
        project.add_region(loose.id, 0.01, 0.02, "click")
        project.add_region(loose.id, 0.02, 0.03, None)
    dest = tmp_path / "clips"
    assert run(["labels", "export-clips", str(folder), str(dest), "--background", "0"]) == 0
    assert "1 clips written (0 background), 0 skipped (already there), 0 failed, 1 unlabelled" \
        in capsys.readouterr().err
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*.wav")] == [
        "click/loose_10-20ms.wav"]
    # By default as much background as the commonest class: one clip of the unmarked 0.03-0.05 s.
    assert run(["labels", "export-clips", str(folder), str(dest)]) == 0
    assert "1 clips written (1 background), 1 skipped (already there)" in capsys.readouterr().err
    assert sorted(p.parent.name for p in dest.rglob("*.wav")) == ["background", "click"]
    assert run(["labels", "export-clips", str(folder), str(dest), "--min-length-s", "99"]) == 2
    assert "least length must be 0 to 60 s" in capsys.readouterr().err


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

    # Copies inside the folder would join it; moving within it sorts it.
    assert run(["labels", "export-folders", str(folder), str(folder / "sorted")]) == 2
    assert "choose a folder outside it" in capsys.readouterr().err
    assert not (folder / "sorted").exists()

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
    # Later, the labels come from the project's store, as the person left them: no word on
    # file names (before, it said so each time, whatever the labels had become).
    with Project.open(root) as project:
        project.set_labels([project.clips()[0].id], "7")
    assert run(["labels", "export", str(root)]) == 0
    captured = capsys.readouterr()
    assert "0_jackson_0.wav,7" in captured.out.splitlines() and "file names" not in captured.err


def test_no_word_on_file_names_when_they_give_no_labels(folder, capsys):
    assert run(["labels", "export", str(folder)]) == 0
    assert "file names" not in capsys.readouterr().err


# --------------------------------------------------------------------------- regions


@pytest.fixture
def recordings(tmp_path):
    root = tmp_path / "recordings"
    audio_factory.write(root / "night" / "owl.wav", audio_factory.tone(440, 2.0))
    audio_factory.write(root / "day.wav", audio_factory.tone(440, 1.0, 8000), 8000)
    return root


def regions_in(folder) -> list[tuple]:
    with Project.open(folder) as project:
        paths = {c.id: c.path for c in project.clips()}
        return [(paths[r.clip_id], r.begin_s, r.end_s, r.low_hz, r.high_hz, r.label, r.source)
                for r in project.regions()]


RAVEN = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
         "High Freq (Hz)\tBegin File\tSpecies\n"
         "1\tWaveform 1\t1\t0.5\t0.75\t500\t2500\towl.wav\tTawny\n"
         "1\tSpectrogram 1\t1\t0.5\t0.75\t500\t2500\towl.wav\tTawny\n"
         "2\tSpectrogram 1\t1\t0.25\t0.5\t0\t4000\tday.wav\t\n")


def test_import_recognises_a_raven_table(recordings, tmp_path, capsys):
    table = tmp_path / "owl.Table.1.selections.txt"
    table.write_text(RAVEN)
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    assert "2 regions imported" in capsys.readouterr().err
    assert sorted(regions_in(recordings)) == [
        ("day.wav", 0.25, 0.5, None, None, None, "import"),
        ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "Tawny", "import")]
    # Exported, a label given in Raven, read back: the region it stands for changes.
    assert run(["labels", "export", str(recordings), "--format", "raven", "--out", str(table)]) == 0
    table.write_text("\n".join(line.replace("\t0.250000\t\t", "\t0.250000\tWren\t")
                               if "\tday.wav\t" in line else line
                               for line in table.read_text().split("\n")))
    capsys.readouterr()
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    assert ("0 regions imported from" in (err := capsys.readouterr().err)
            and "(1 already in the project left out); 1 changed, as edited there" in err)
    assert sorted(regions_in(recordings))[0] == ("day.wav", 0.25, 0.5, None, None, "Wren",
                                                 "import")


def test_import_an_audacity_track_for_the_audio_given(recordings, tmp_path, capsys):
    track = tmp_path / "owl.txt"
    track.write_text("0.100000\t0.400000\thoot\n\\\t300.000000\t1200.000000\n1.5\t1.9\thoot\n")
    assert run(["labels", "import", str(recordings), str(track), "--audio", "night/owl.wav"]) == 0
    assert [r[1:6] for r in regions_in(recordings)] == [(0.1, 0.4, 300.0, 1200.0, "hoot"),
                                                         (1.5, 1.9, None, None, "hoot")]
    assert run(["labels", "import", str(recordings), str(track)]) == 2
    assert "--audio" in capsys.readouterr().err
    points = tmp_path / "marks.txt"  # Ctrl+M while listening: a point label a call
    points.write_text("1.0\t1.0\thoot\n")
    assert run(["labels", "import", str(recordings), str(points), "--audio", "night/owl.wav"]) == 0
    assert "1 moment (a point label) made a region of 0.5 s about it" in capsys.readouterr().err


def test_import_with_bad_rows_names_each_and_imports_nothing(recordings, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("path,begin_s,end_s,low_hz,high_hz,label\n"
                   "night/owl.wav,0.1,0.2,,,ok\n"
                   "ghost.wav,0.1,0.2,,,x\n"
                   "night/owl.wav,1.5,2.5,,,late\n"
                   "day.wav,0.1,0.2,100,5000,high\n"
                   "day.wav,0.3,0.2,,,backwards\n")
    assert run(["labels", "import", str(recordings), str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "earmark: error: bad.csv: 4 rows cannot be imported, so nothing was:"
    assert [line.split(":")[0].strip() for line in err[1:]] == ["line 3", "line 4", "line 5",
                                                                "line 6"]
    assert "past the end" in err[2] and "Nyquist" in err[3] and "not before" in err[4]
    assert regions_in(recordings) == []


def test_import_of_a_file_in_no_known_format_is_one_line(recordings, tmp_path, capsys):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello there\n")
    assert run(["labels", "import", str(recordings), str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("earmark: error: junk.txt: not a CSV") and err.count("\n") == 1


def test_export_regions_as_raven_csv_and_audacity(recordings, tmp_path, capsys):
    table = tmp_path / "t.txt"
    table.write_text(RAVEN)
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    capsys.readouterr()

    assert run(["labels", "export", str(recordings), "--format", "raven"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0][:3] == ["Selection", "View", "Channel"] and len(rows) == 3
    assert [r[7] for r in rows[1:]] == ["day.wav", "owl.wav"]  # Begin File: the name, as Raven's
    assert [r[8] for r in rows[1:]] == [str(recordings / "day.wav"), str(recordings / "night/owl.wav")]

    out = tmp_path / "regions.csv"
    assert run(["labels", "export", str(recordings), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[1:] == [
        "day.wav,0.250000,0.500000,,,,,,,,",
        "night/owl.wav,0.500000,0.750000,500.000,2500.000,Tawny,,,,,"]

    tracks = tmp_path / "tracks"
    assert run(["labels", "export", str(recordings), "--format", "audacity", "--out",
                str(tracks)]) == 0
    assert "wrote 2 regions" in capsys.readouterr().err
    assert (tracks / "night" / "owl.txt").read_text() == (
        "0.500000\t0.750000\tTawny\n\\\t500.000000\t2500.000000\n")
    assert run(["labels", "export", str(recordings), "--format", "audacity"]) == 2
    assert "--out" in capsys.readouterr().err
    with Project.open(recordings) as project:  # an event nobody reviewed: left out, and said
        day = project.clip_ids_by_path()["day.wav"]
        project.add_region(day, 0.6, 0.8, "Tawny", source="model", score=0.7)
    assert run(["labels", "export", str(recordings), "--format", "audacity", "--out",
                str(tracks)]) == 0
    err = capsys.readouterr().err
    assert "wrote 2 regions" in err and "left out 1 event nobody has reviewed: " in err
    # A table that keeps it says so too, as the window does.
    assert run(["labels", "export", str(recordings), "--format", "raven", "--out",
                str(tmp_path / "t.txt")]) == 0
    assert ("1 of them is an event nobody has reviewed yet, with its score, still to review"
            in capsys.readouterr().err)


def test_export_with_measurements(recordings, tmp_path, capsys):
    from core.store.region_export import MEASURED_FORMATS

    assert cli_labels.MEASURED_FORMATS == MEASURED_FORMATS  # written out: kept the same
    table = tmp_path / "t.txt"
    table.write_text(RAVEN)
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    capsys.readouterr()
    assert run(["labels", "export", str(recordings), "--format", "raven", "--measure"]) == 0
    header, day, owl = (line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert header[15:17] == ["Delta Time (s)", "Delta Freq (Hz)"] and "Peak Freq (Hz)" in header
    peak = header.index("Peak Freq (Hz)")
    # Both are 440 Hz tones: day.wav's band is all of its 4 kHz, owl.wav's starts at 500 Hz,
    # where only the tone's leakage lies.
    assert abs(float(day[peak]) - 440.0) < 8000 / 256 and float(owl[peak]) >= 500.0
    (recordings / "day.wav").write_text("gone")
    assert run(["labels", "export", str(recordings), "--format", "csv", "--measure"]) == 0
    captured = capsys.readouterr()
    assert "earmark: warning: not measured: day.wav: " in captured.err
    assert captured.out.splitlines()[1].startswith("day.wav,0.250000,0.500000,,,,,,")
    assert run(["labels", "export", str(recordings), "--format", "aoef", "--measure"]) == 2
    assert "--measure adds columns to --format csv, raven, ravenfiles only" in capsys.readouterr().err
    assert run(["labels", "export", str(recordings), "--format", "raven", "--channel", "2"]) == 2
    assert "--channel goes with --measure" in capsys.readouterr().err
    for bad in ("0", "65"):
        assert run(["labels", "export", str(recordings), "--format", "raven", "--measure",
                    "--channel", bad]) == 2
        assert f"--channel {bad}: a channel from 1 to 64" in capsys.readouterr().err
    # Mono recordings measured "on channel 2": each on its one channel, and the table says 1.
    assert run(["labels", "export", str(recordings), "--format", "raven", "--measure",
                "--channel", "2"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0][2] == "Channel" and {row[2] for row in rows[1:]} == {"1"}


def test_avianz_and_label_studio_out_of_the_folder_and_back(recordings, tmp_path, capsys):
    from core.store.region_export import FORMATS

    assert cli_labels.REGION_FORMATS == FORMATS  # written out for the parser: kept the same
    table = tmp_path / "t.txt"
    table.write_text(RAVEN)
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    before = sorted(regions_in(recordings))

    assert run(["labels", "export", str(recordings), "--format", "avianz"]) == 2
    assert "give --out FOLDER" in capsys.readouterr().err
    assert run(["labels", "export", str(recordings), "--format", "avianz", "--out",
                str(recordings)]) == 0
    assert (recordings / "night" / "owl.wav.data").exists()  # beside it, where AviaNZ reads it
    assert run(["labels", "export", str(recordings), "--format", "labelstudio", "--out",
                str(tmp_path / "ls.json")]) == 0
    with Project.open(recordings) as project:
        project.delete_regions(r.id for r in project.regions())
    capsys.readouterr()
    files = [str(recordings / data) for data in ("day.wav.data", "night/owl.wav.data")]
    assert run(["labels", "import", str(recordings), *files, "--audio", "day.wav"]) == 2
    assert "--audio names the audio file of one FILE" in capsys.readouterr().err
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\nday.wav,dog\n")
    assert run(["labels", "import", str(recordings), *files, str(labels)]) == 2
    assert "labels.csv holds labels of whole clips" in capsys.readouterr().err
    assert regions_in(recordings) == []
    assert run(["labels", "import", str(recordings), *files]) == 0  # a night's files: one import
    assert sorted(regions_in(recordings)) == before
    assert "2 regions imported from 2 files (avianz)" in capsys.readouterr().err
    with Project.open(recordings) as project:
        project.delete_regions(r.id for r in project.regions())
    assert run(["labels", "import", str(recordings), str(tmp_path / "ls.json")]) == 0
    assert "(labelstudio)" in capsys.readouterr().err
    assert sorted(r[:3] + r[5:] for r in regions_in(recordings)) == [  # no band in Label Studio
        ("day.wav", 0.25, 0.5, None, "import"), ("night/owl.wav", 0.5, 0.75, "Tawny", "import")]
    # Whombat's AOEF: a file holding every recording, found again by its relative path.
    held = sorted(regions_in(recordings))
    assert run(["labels", "export", str(recordings), "--format", "aoef", "--out",
                str(tmp_path / "project.json")]) == 0
    with Project.open(recordings) as project:
        project.delete_regions(r.id for r in project.regions())
    capsys.readouterr()
    assert run(["labels", "import", str(recordings), str(tmp_path / "project.json")]) == 0
    assert "(aoef)" in capsys.readouterr().err
    assert sorted(regions_in(recordings)) == held


def test_sonic_visualiser_layers_out_of_the_folder_and_back(recordings, tmp_path, capsys):
    from core.store.region_export import PER_FILE

    assert set(cli_labels.PER_FILE_FORMATS) == set(PER_FILE)  # written out: kept the same
    table = tmp_path / "t.txt"
    table.write_text(RAVEN)
    assert run(["labels", "import", str(recordings), str(table)]) == 0
    before = sorted(regions_in(recordings))
    assert run(["labels", "export", str(recordings), "--format", "sonicvisualiser"]) == 2
    assert "give --out FOLDER" in capsys.readouterr().err
    layers = tmp_path / "layers"
    assert run(["labels", "export", str(recordings), "--format", "sonicvisualiser", "--out",
                str(layers)]) == 0
    assert sorted(p.relative_to(layers).as_posix() for p in layers.rglob("*")
                  if p.is_file()) == ["day.svl", "night/owl.svl"]
    with Project.open(recordings) as project:
        project.delete_regions(r.id for r in project.regions())
    capsys.readouterr()
    # A layer names no recording: one at a time, with --audio.
    assert run(["labels", "import", str(recordings), str(layers / "night" / "owl.svl")]) == 2
    assert "does not say which audio file" in capsys.readouterr().err
    for rel in ("day", "night/owl"):
        assert run(["labels", "import", str(recordings), str(layers / f"{rel}.svl"),
                    "--audio", f"{rel}.wav"]) == 0
    assert "(sonicvisualiser)" in capsys.readouterr().err
    assert sorted(regions_in(recordings)) == before


def test_export_default_is_still_clip_labels(recordings, capsys):
    assert run(["labels", "export", str(recordings)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "path,label"
