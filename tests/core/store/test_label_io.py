"""CSV export/import round trips, odd CSVs, export into class folders, and a SIGKILL mid-import."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import pytest

from core.store.label_io import apply_labels_plan, export_csv, export_folders, import_csv, plan_labels_import
from core.store.project import Project
from tests import audio_factory
from tests.processes import kill_hard, start_python


def short(path: Path, duration_s: float = 0.05) -> Path:
    return audio_factory.write(path, audio_factory.tone(440.0, duration_s))


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "audio"
    for kind in ("dog", "cat"):
        for i in range(2):
            short(root / kind / f"c{i}.wav")
    short(root / "odd, \"quoted\" name.wav")
    short(root / "café.wav")
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def labels_of(project: Project) -> dict[str, tuple]:
    return {c.path: (c.label, c.label_source) for c in project.clips()}


def test_export_csv_rows_and_quoting(project):
    buffer = io.StringIO()
    assert export_csv(project, buffer) == 6
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "path,label"
    assert "cat/c0.wav,cat" in lines
    assert '"odd, ""quoted"" name.wav",' in lines
    assert "café.wav," in lines


def test_exports_list_clips_in_the_windows_order(project, tmp_path):
    """clip_2 before clip_10 in every export of clip labels, as the clip list shows them."""
    import json

    from core.store.label_io import export_edge_impulse, export_label_studio

    for n in (10, 2, 1):
        short(project.folder / "takes" / f"clip_{n}.wav")
    project.scan()
    order = ["takes/clip_1.wav", "takes/clip_2.wav", "takes/clip_10.wav"]
    buffer = io.StringIO()
    export_csv(project, buffer)
    assert [line.split(",")[0] for line in buffer.getvalue().splitlines() if "takes/" in line] \
        == order
    buffer = io.StringIO()
    export_edge_impulse(project, buffer)
    assert [f["path"] for f in json.loads(buffer.getvalue())["files"]
            if f["path"].startswith("takes/")] == order
    buffer = io.StringIO()
    export_label_studio(project, buffer)
    local = f"/data/local-files/?d={project.folder.name}/"  # Label Studio's local files
    assert [t["data"]["audio"].removeprefix(local) for t in json.loads(buffer.getvalue())
            if "/takes/" in t["data"]["audio"]] == order


def test_round_trip_every_source(project, tmp_path):
    ids = {c.path: c.id for c in project.clips()}
    project.set_labels([ids["café.wav"]], "bird, small", source="manual")
    project.set_labels([ids["cat/c1.wav"]], "lion", source="model")
    out = tmp_path / "out" / "labels.csv"
    export_csv(project, out)
    before = {p: lab for p, (lab, _) in labels_of(project).items()}
    # A fresh store for the same folder, then the CSV back in.
    with Project.open(project.folder, store_dir=tmp_path / "fresh") as fresh:
        fresh.scan()
        result = import_csv(fresh, out)
        after = labels_of(fresh)
    assert {p: lab for p, (lab, _) in after.items()} == before
    assert after["café.wav"] == ("bird, small", "csv")
    assert after["cat/c1.wav"] == ("lion", "csv")
    assert after["dog/c0.wav"] == ("dog", "folder")  # same label: untouched, source kept
    assert result.unknown_paths == []
    assert result.updated == 2


def test_import_unknown_paths_reported_not_fatal(project, tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\nnope/missing.wav,dog\ndog/c0.wav,wolf\n./cat/c0.wav,tiger\n",
                        encoding="utf-8")
    result = import_csv(project, csv_path)
    assert result.unknown_paths == ["nope/missing.wav"]
    assert labels_of(project)["dog/c0.wav"] == ("wolf", "csv")
    assert labels_of(project)["cat/c0.wav"] == ("tiger", "csv")
    history = project.label_history(project.clips(label="wolf")[0].id)
    assert history[-1].action == "import" and history[-1].old_label == "dog"


def test_a_plan_reads_without_writing_and_applies_against_the_labels_of_then(project, tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\ndog/c0.wav,dog\ndog/c1.wav,wolf\ncat/c0.wav,tiger\n"
                        "gone.wav,dog\n", encoding="utf-8")
    before = labels_of(project)
    plan = plan_labels_import(project, csv_path)  # on a background task in the window
    assert labels_of(project) == before and plan.source == "in.csv"
    assert plan.unknown_paths == ["gone.wav"] and len(plan.labels) == 3
    cat = next(c for c in project.clips() if c.path == "cat/c0.wav")
    project.set_labels([cat.id], "tiger")  # labelled by hand while the file was read
    result = apply_labels_plan(project, plan)
    after = labels_of(project)
    # A clip already carrying its label keeps its source: the folder's, the person's.
    assert after["dog/c0.wav"] == ("dog", "folder") and after["cat/c0.wav"] == ("tiger", "manual")
    assert after["dog/c1.wav"] == ("wolf", "csv")
    assert (result.updated, result.unchanged) == (1, 2) and set(result.previous) == set(
        result.changes) and list(result.previous.values()) == [("dog", "folder")]


def test_a_clip_gone_since_the_plan_is_reported_not_labelled(project, tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("path,label\ndog/c1.wav,wolf\ncat/c1.wav,lynx\n", encoding="utf-8")
    plan = plan_labels_import(project, csv_path)
    (project.folder / "cat" / "c1.wav").unlink()  # while the file was read
    project.scan()
    result = apply_labels_plan(project, plan)
    assert (result.updated, result.unknown_paths) == (1, ["cat/c1.wav"])
    assert labels_of(project)["dog/c1.wav"] == ("wolf", "csv")
    gone = next(c for c in project.clips(include_missing=True) if c.path == "cat/c1.wav")
    assert gone.missing and (gone.label, gone.label_source) == ("cat", "folder")  # kept as it was


def test_a_class_stored_with_a_tab_in_its_name_keeps_it(project, tmp_path):
    """Names are stripped, not rewritten: a store from before may hold a class whose folder
    name had a tab, and labelling with it, undoing and importing must still reach it."""
    clip = project.clips()[0]
    previous = project.set_labels([clip.id], "dog\tbark")
    project.set_labels([clip.id], "cat")
    project.restore_labels({clip.id: ("dog\tbark", "manual")})
    assert project.clip(clip.id).label == "dog\tbark" and previous
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(f'path,label\n{project.clips()[1].path},"dog\tbark"\n', encoding="utf-8")
    import_csv(project, csv_path)
    assert [c.name for c in project.classes()].count("dog\tbark") == 1
    assert "dog bark" not in [c.name for c in project.classes()]


def _ls_task(audio, *results, cancelled=False, ground_truth=False, updated="2026-01-01"):
    return {"id": 1, "data": {"audio": audio},
            "annotations": [{"result": list(results), "was_cancelled": cancelled,
                             "ground_truth": ground_truth, "updated_at": updated}]}


def _ls_choice(*names, **span):
    return {"from_name": "label", "to_name": "audio", "type": "choices",
            "value": {"choices": list(names), **span}}


def test_a_label_studio_audio_classification_export_labels_its_clips(project, tmp_path):
    """Label Studio's audio classification (<Choices toName="audio">): each task's chosen
    class is its clip's label; an upload is found by its name (its 8-digit prefix dropped), a
    local-storage file and an absolute path from elsewhere by their tails; a cancelled annotation, a
    choice on a region (a span of its own) and a task with no choice change nothing."""
    import json

    from core.store.region_io import file_kind

    tasks = [
        _ls_task("/data/upload/3/1a2b3c4d-c0.wav", _ls_choice("Wolf")),  # two c0.wav: ambiguous
        _ls_task("/data/upload/3/0badcafe-café.wav", _ls_choice("bird")),
        _ls_task("/data/local-files/?d=audio/dog/c1.wav", _ls_choice("fox")),
        _ls_task("/home/someone/audio/cat/c1.wav", _ls_choice("lynx")),
        _ls_task("D:\\field\\odd, \"quoted\" name.wav", _ls_choice("odd")),  # Windows
        _ls_task("cat/c0.wav", _ls_choice("ignored"), cancelled=True),
        _ls_task("dog/c0.wav", _ls_choice("ignored", start=0.1, end=0.2)),
        _ls_task("dog/c0.wav"),
    ]
    export = tmp_path / "project-1.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    assert file_kind(export) == "labels"
    before = labels_of(project)
    result = import_csv(project, export)
    after = labels_of(project)
    assert after["café.wav"] == ("bird", "csv") and after["cat/c1.wav"] == ("lynx", "csv")
    assert after["dog/c1.wav"] == ("fox", "csv")
    assert after['odd, "quoted" name.wav'] == ("odd", "csv")
    assert after["cat/c0.wav"] == before["cat/c0.wav"] and after["dog/c0.wav"] == before["dog/c0.wav"]
    assert result.unknown_paths == ["c0.wav"]  # cat/c0.wav or dog/c0.wav: not guessed
    assert result.updated == 4


def test_a_label_studio_json_min_export_labels_its_clips_by_the_usual_tag_names(project,
                                                                                tmp_path):
    """JSON-MIN names a choice only by its tag: ``class`` (Earmark's export's config) or
    ``label`` (Label Studio's audio classification template), one as a string."""
    import json

    from core.store.region_io import file_kind

    rows = [{"id": 1, "audio": "/data/upload/1/0a0b0c0d-café.wav", "class": "bird",
             "annotator": 1, "annotation_id": 4, "lead_time": 2.5},
            {"id": 2, "audio": "dog/c1.wav", "label": {"choices": ["fox"]}},
            {"id": 3, "audio": "cat/c1.wav", "label": [{"start": 0, "end": 0.01, "labels": ["x"]}]}]
    export = tmp_path / "min.json"
    export.write_text(json.dumps(rows[:2]), encoding="utf-8")
    assert file_kind(export) == "labels"
    import_csv(project, export)
    after = labels_of(project)
    assert after["café.wav"] == ("bird", "csv") and after["dog/c1.wav"] == ("fox", "csv")
    export.write_text(json.dumps(rows), encoding="utf-8")
    assert file_kind(export) == "labelstudio"  # a span too: regions, its choices beside them


def test_a_label_studio_export_with_spans_is_regions_and_bad_tasks_are_named(project, tmp_path):
    import json

    from core.errors import EarmarkError
    from core.store.region_io import file_kind

    spans = [_ls_task("cat/c0.wav", {"type": "labels", "from_name": "label", "to_name": "audio",
                                     "value": {"start": 0.0, "end": 0.02, "labels": ["meow"]}},
                      _ls_choice("cat"))]
    export = tmp_path / "spans.json"
    export.write_text(json.dumps(spans), encoding="utf-8")
    assert file_kind(export) == "labelstudio"  # its regions; the clip's choice is not a label
    odd = {"type": "choices", "value": {"choices": "wolf"}}  # one class, not in a list
    export.write_text(json.dumps([_ls_task("dog/c1.wav", odd), _ls_task("cat/c1.wav", "junk"),
                                  {"data": {"audio": "x.wav"}, "annotations": "none"}]),
                      encoding="utf-8")
    wolf = next(c.id for c in project.clips() if c.path == "dog/c1.wav")
    assert import_csv(project, export).changes == {wolf: "wolf"}
    two = [_ls_task("cat/c0.wav", _ls_choice("cat", "dog")), _ls_task("", _ls_choice("cat"))]
    export.write_text(json.dumps(two), encoding="utf-8")
    before = labels_of(project)
    with pytest.raises(EarmarkError) as raised:
        import_csv(project, export)
    assert "spans.json" in str(raised.value) and "task 1: cat/c0.wav: 2 classes chosen" in str(
        raised.value) and "task 2: task 1 names no audio file" in str(raised.value)
    assert labels_of(project) == before  # nothing was imported


def test_label_studio_tasks_carry_labels_and_the_models_answers_and_come_back(project, tmp_path):
    """Each readable clip a task: its label an annotation (a choice of the whole clip); an
    unlabelled clip the active model's class as a prediction with its confidence (not its
    silence or unknown); imported back, the labels are as they were."""
    import json

    from core.store.label_io import export_label_studio

    short(project.folder / "new.wav")
    short(project.folder / "quiet.wav")
    (project.folder / "broken.wav").write_text("not audio")
    project.scan()
    ids = {c.path: c.id for c in project.clips()}
    model = project.add_model("m.pt", ["cat", "dog"], {}, {})
    project.record_predictions(model, [(ids["new.wav"], "dog", 0.87654, [0.1, 0.9]),
                                       (ids["quiet.wav"], "silence", 1.0, [0.5, 0.5]),
                                       (ids["cat/c0.wav"], "dog", 0.6, [0.4, 0.6])])
    out = tmp_path / "tasks.json"
    assert export_label_studio(project, out) == len(ids) - 1  # the broken file is no task
    # Label Studio serves a local file by its path under its document root, here the folder
    # holding the project's: a path relative to the project's folder alone loads nothing there.
    local = f"/data/local-files/?d={project.folder.name}/"
    tasks = {t["data"]["audio"].removeprefix(local): t
             for t in json.loads(out.read_text(encoding="utf-8"))}
    assert "broken.wav" not in tasks
    cat = tasks["cat/c0.wav"]
    assert "predictions" not in cat  # labelled: the label, not the model's guess
    assert cat["annotations"][0]["result"] == [{
        "from_name": "class", "to_name": "audio", "type": "choices", "origin": "manual",
        "value": {"choices": ["cat"]}}]
    guess = tasks["new.wav"]["predictions"][0]
    assert guess["score"] == 0.8765 and guess["result"][0]["value"] == {"choices": ["dog"]}
    assert "annotations" not in tasks["new.wav"]
    assert set(tasks["quiet.wav"]) == {"data"}  # silence names no class
    before = labels_of(project)
    for clip in project.clips(label="cat"):
        project.apply_labels({clip.id: "dog"}, source="manual")
    result = import_csv(project, out)
    assert result.unknown_paths == [] and result.updated == 2
    assert {p: lab for p, (lab, _) in labels_of(project).items()} == {
        p: lab for p, (lab, _) in before.items()}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1", "cp1252"])
def test_import_odd_encodings(project, tmp_path, encoding):
    csv_path = tmp_path / "enc.csv"
    text = 'path,label\r\ncafé.wav,élan\r\n"odd, ""quoted"" name.wav","a ""b"", c"\r\n'
    csv_path.write_bytes(text.encode(encoding))
    result = import_csv(project, csv_path)
    assert result.unknown_paths == []
    got = labels_of(project)
    assert got["café.wav"] == ("élan", "csv")
    assert got['odd, "quoted" name.wav'] == ('a "b", c', "csv")


def test_export_folders_copy_dry_run_move_no_overwrite(project, tmp_path):
    dest = tmp_path / "dest"
    ids = {c.path: c.id for c in project.clips()}
    project.set_labels([ids["café.wav"]], "a/b")  # unsafe folder name
    (dest / "dog").mkdir(parents=True)
    (dest / "dog" / "c0.wav").write_bytes(b"precious")  # must never be overwritten

    dry = export_folders(project, dest, dry_run=True)
    assert dry.dry_run and len(dry.done) == 4 and len(dry.skipped_existing) == 1
    assert dry.unlabeled == 1
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.wav")) == ["dog/c0.wav"]

    done = export_folders(project, dest)
    assert len(done.done) == 4 and len(done.skipped_existing) == 1 and not done.failed
    assert (dest / "dog" / "c0.wav").read_bytes() == b"precious"
    assert (dest / "a_b" / "café.wav").exists()
    original = (project.folder / "cat" / "c1.wav").read_bytes()
    assert (dest / "cat" / "c1.wav").read_bytes() == original

    again = export_folders(project, dest)  # everything now exists
    assert again.done == [] and len(again.skipped_existing) == 5

    moved_dest = tmp_path / "moved"
    moved = export_folders(project, moved_dest, move=True)
    assert len(moved.done) == 5
    assert not (project.folder / "cat" / "c1.wav").exists()
    assert (moved_dest / "cat" / "c1.wav").exists()
    summary = project.scan()  # the store keeps the labels of the moved clips
    assert summary.missing == 5
    missing = [c for c in project.clips(include_missing=True) if c.missing]
    assert {c.label for c in missing} == {"dog", "cat", "a/b"}


@pytest.mark.slow
def test_sigkill_mid_import_leaves_each_label_old_or_new(tmp_path):
    root = tmp_path / "big"
    n = 1200
    for i in range(n):
        short(root / "start" / f"{i:05d}.wav", duration_s=0.01)
    with Project.open(root) as project:
        project.scan()
        assert len(project.clips()) == n
        rows = [c.path for c in project.clips()]
    for name in ("a", "b"):
        body = "".join(f"{p},{name}\n" for p in rows)
        # Many unknown rows make each import longer, widening the window for the kill.
        body += "".join(f"nowhere/{i}.wav,{name}\n" for i in range(20000))
        (tmp_path / f"{name}.csv").write_text("path,label\n" + body, encoding="utf-8")

    script = f"""
        from core.store.project import Project
        from core.store.label_io import import_csv
        with Project.open({str(root)!r}) as project:
            print("started", flush=True)
            i = 0
            while True:
                import_csv(project, {str(tmp_path)!r} + "/" + "ab"[i % 2] + ".csv")
                i += 1
                print(i, flush=True)
    """
    for attempt_delay in (0.4, 0.9, 1.7):
        proc = start_python(script)
        try:
            assert proc.stdout.readline().strip() == "started", proc.stderr.read()
            time.sleep(attempt_delay)
        finally:
            kill_hard(proc)
        # The store opens, passes an integrity check, and the bulk imports were all-or-nothing.
        store = root / ".earmark" / "project.sqlite"
        with Project.open(root) as project:
            labels = [c.label for c in project.clips()]
            assert len(labels) == n
            assert len(set(labels)) == 1, {lab: labels.count(lab) for lab in set(labels)}
            assert labels[0] in ("start", "a", "b")
            sources = {c.label_source for c in project.clips()}
            assert sources == ({"folder"} if labels[0] == "start" else {"csv"})
        check = sqlite3.connect(store)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
