"""File > Import Labels or Regions…, Import AviaNZ Files Beside the Recordings and Export Regions…
in the window: a Raven table, an Audacity label track, AviaNZ files and several files at once
imported as one undo step each (a track's audio asked for, the clip on show offered first), bad
rows refused whole, a Sonic Visualiser session by the recording it names, and exports written off
the GUI thread."""

from __future__ import annotations

import bz2
import csv
import io
import json
import threading

import pytest
import soundfile as sf
from PySide6.QtWidgets import QFileDialog, QInputDialog

from core.store import label_io, region_clips, region_export, region_io
from gui.actions import file_menu
from gui.actions import region_clips as region_clips_action
from gui.common import settings as keys
from tests import audio_factory
from tests.gui.helpers import open_and_wait

TASK_TIMEOUT_MS = 30_000


@pytest.fixture
def recordings(tmp_path):
    root = tmp_path / "recordings"
    audio_factory.write(root / "dawn.wav", audio_factory.tone(440, 2.0))
    audio_factory.write(root / "night" / "owl.wav", audio_factory.tone(440, 3.0))
    return root


@pytest.fixture
def opened(qtbot, window, recordings, monkeypatch):
    open_and_wait(qtbot, window, recordings)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(window, "show_message", lambda text, kind="info": shown.append((text, kind)))
    window.shown = shown
    return window


def regions(window) -> list[tuple]:
    paths = {c.id: c.path for c in window.project.clips()}
    return sorted((paths[r.clip_id], r.begin_s, r.end_s, r.low_hz, r.high_hz, r.label)
                  for r in window.project.regions())


def run_import(qtbot, window, action) -> None:
    """Trigger an import and wait for what it says: the files are read on a background task."""
    before = len(window.shown)
    action.trigger()
    qtbot.waitUntil(lambda: len(window.shown) > before, timeout=TASK_TIMEOUT_MS)


def record_threads(monkeypatch, module, name: str) -> list[bool]:
    """Wrap ``module.name``: the list it returns says, for each call, whether it ran on the GUI
    thread."""
    on_gui_thread: list[bool] = []
    original = getattr(module, name)

    def wrapper(*args):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return original(*args)

    monkeypatch.setattr(module, name, wrapper)
    return on_gui_thread


def choose_file(monkeypatch, *paths) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(p) for p in paths], ""))


RAVEN = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
         "High Freq (Hz)\tBegin File\tAnnotation\n"
         "1\tWaveform 1\t1\t0.5\t0.75\t500\t2500\towl.wav\tTawny owl\n"
         "1\tSpectrogram 1\t1\t0.5\t0.75\t500\t2500\towl.wav\tTawny owl\n"
         "2\tSpectrogram 1\t1\t1.25\t1.5\t0\t8000\tdawn.wav\tRobin\n")


def test_a_raven_table_is_imported_as_one_undo_step(qtbot, opened, tmp_path, monkeypatch):
    table = tmp_path / "dawn.Table.1.selections.txt"
    table.write_text(RAVEN)
    choose_file(monkeypatch, table)
    run_import(qtbot, opened, opened.acts.import_csv)
    imported = [("dawn.wav", 1.25, 1.5, None, None, "Robin"),
                ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "Tawny owl")]
    assert regions(opened) == imported
    assert opened.shown[-1] == ("Imported 2 regions from dawn.Table.1.selections.txt onto 2 "
                                "recordings. Ctrl+Z undoes the import.", "info")
    assert {"Robin", "Tawny owl"} <= set(opened.labels.class_names)
    assert opened.undo_stack.count() == 1
    table.unlink()  # a redo does not read the file again
    opened.undo_stack.undo()
    assert regions(opened) == []
    opened.undo_stack.redo()
    assert regions(opened) == imported
    assert len(opened.shown) == 1, "undo and redo do not report the import again"


def test_a_raven_table_imported_again_adds_only_its_new_rows(qtbot, opened, tmp_path,
                                                              monkeypatch):
    table = tmp_path / "dawn.Table.1.selections.txt"
    table.write_text(RAVEN)
    choose_file(monkeypatch, table)
    run_import(qtbot, opened, opened.acts.import_csv)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert opened.shown[-1] == ("Every region dawn.Table.1.selections.txt holds is here already "
                                "(2): nothing was imported.", "info")
    assert opened.undo_stack.count() == 1  # nothing to undo
    table.write_text(RAVEN + "3\tSpectrogram 1\t1\t0.1\t0.2\t0\t8000\tdawn.wav\tWren\n")
    run_import(qtbot, opened, opened.acts.import_csv)
    assert opened.shown[-1][0].startswith("Imported 1 region from dawn.Table.1.selections.txt "
                                          "onto 1 recording; 2 already here were left out.")
    assert len(regions(opened)) == 3


def test_a_raven_table_edited_there_changes_its_regions_as_one_undo_step(qtbot, opened,
                                                                        tmp_path, monkeypatch):
    """Earmark's own table, a selection relabelled in Raven: the region changes (it came back
    as a second region beside the first, each with its own label)."""
    table = tmp_path / "dawn.Table.1.selections.txt"
    table.write_text(RAVEN)
    choose_file(monkeypatch, table)
    run_import(qtbot, opened, opened.acts.import_csv)
    region_export.export_regions(opened.project, "raven", table)
    table.write_text(table.read_text().replace("\tRobin\t", "\tSong thrush\t"))
    run_import(qtbot, opened, opened.acts.import_csv)
    assert opened.shown[-1][0].startswith(
        "1 region changed as dawn.Table.1.selections.txt has it; 1 already here was left out.")
    changed = [("dawn.wav", 1.25, 1.5, None, None, "Song thrush"),
               ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "Tawny owl")]
    assert regions(opened) == changed and opened.undo_stack.count() == 2
    opened.undo_stack.undo()
    assert [r[5] for r in regions(opened)] == ["Robin", "Tawny owl"]
    opened.undo_stack.redo()
    assert regions(opened) == changed


def test_an_import_whose_change_fails_adds_nothing_either(qtbot, opened, tmp_path,
                                                          monkeypatch):
    """Planned on a task while the region it changes was deleted: the change failed, and the
    regions added in a transaction of their own stayed with nothing on the stack to undo them."""
    from core.store.records import RegionSpec
    from gui.clips.region_commands import ImportRegionsCommand

    dawn = opened.project.clip_ids_by_path()["dawn.wav"]
    gone = opened.project.add_region(dawn, 0.1, 0.2, "owl")
    opened.project.delete_regions([gone.id])
    errors: list[str] = []
    opened.undo_stack.push(ImportRegionsCommand(
        opened.project, [RegionSpec(dawn, 0.5, 0.75, "fox")], "t.txt", lambda *_records: None,
        on_error=errors.append, updates={gone.id: RegionSpec(dawn, 0.3, 0.4, "owl")}))
    assert errors and "no region with id" in errors[0]
    assert regions(opened) == [] and opened.undo_stack.count() == 0


def test_an_audacity_track_asks_for_its_audio_offering_the_clip_on_show(qtbot, opened, tmp_path,
                                                                       monkeypatch):
    qtbot.waitUntil(lambda: opened.clip_view.path is not None, timeout=5000)
    on_show = opened.project.relpath(opened.clip_view.path)
    track = tmp_path / "labels.txt"
    track.write_text("0.100000\t0.400000\thoot\n\\\t300.000000\t1200.000000\n")
    asked: list[tuple] = []

    def get_item(parent, title, text, items, current, editable):
        asked.append((text, list(items), items[current]))
        return "night/owl.wav", True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    choose_file(monkeypatch, track)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert asked[0][1] == ["dawn.wav", "night/owl.wav"] and asked[0][2] == on_show
    assert "labels.txt does not say which audio file" in asked[0][0]
    assert regions(opened) == [("night/owl.wav", 0.1, 0.4, 300.0, 1200.0, "hoot")]

    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: ("", False))
    opened.acts.import_csv.trigger()  # cancelled: nothing happens
    assert opened.undo_stack.count() == 1


def test_a_sonic_visualiser_csv_layer_asks_for_its_audio_and_comes_in_as_regions(
        qtbot, opened, tmp_path, monkeypatch):
    layer = tmp_path / "owl-regions.csv"
    layer.write_text("0.500000000,0,0.250000000,hoot\n1.000000000,0,0.500000000\n")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: ("night/owl.wav", True))
    choose_file(monkeypatch, layer)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert regions(opened) == [("night/owl.wav", 0.5, 0.75, None, None, "hoot"),
                               ("night/owl.wav", 1.0, 1.5, None, None, None)]
    assert opened.undo_stack.count() == 1


def test_edge_impulse_spans_come_in_as_regions_without_asking(qtbot, opened, tmp_path,
                                                             monkeypatch):
    # A multi-label sample's spans (milliseconds, the end one included), from an info.labels
    # outside the folder (its path found by its tail).
    path = tmp_path / "info.labels"
    path.write_text(json.dumps({"version": 1, "files": [{
        "path": "night/owl.wav", "category": "training", "label": {"type": "multi-label", "labels": [
            {"label": "quiet", "startIndex": 0, "endIndex": 499},
            {"label": "hoot", "startIndex": 500, "endIndex": 999}]}}]}))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: pytest.fail("no audio to ask for"))
    choose_file(monkeypatch, path)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert regions(opened) == [("night/owl.wav", 0.0, 0.5, None, None, "quiet"),
                               ("night/owl.wav", 0.5, 1.0, None, None, "hoot")]
    assert opened.undo_stack.count() == 1


def test_an_avianz_file_named_after_its_recording_is_imported_without_asking(qtbot, opened,
                                                                             tmp_path, monkeypatch):
    data = tmp_path / "owl.wav.data"
    data.write_text('[{"Operator": "Ann", "Reviewer": "", "Duration": 3.0},'
                    ' [0.5, 1.0, 400, 1600, [{"species": "Morepork", "certainty": 100,'
                    ' "filter": "M"}]]]')
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: pytest.fail("no audio to ask for"))
    choose_file(monkeypatch, data)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert regions(opened) == [("night/owl.wav", 0.5, 1.0, 400.0, 1600.0, "Morepork")]
    assert opened.undo_stack.count() == 1 and "Morepork" in opened.labels.class_names


def test_a_sonic_visualiser_session_is_imported_without_asking(qtbot, opened, tmp_path,
                                                             monkeypatch):
    # A session (.sv, bzip2) names its recording; an exported layer (.svl) would not.
    session = tmp_path / "owl.sv"
    session.write_bytes(bz2.compress(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sonic-visualiser>\n<sv><data>'
        b'<model id="0" name="owl" sampleRate="16000" start="0" end="48000" type="wavefile" '
        b'file="/home/ann/owl.wav" mainModel="true" />'
        b'<model id="2" name="" sampleRate="16000" start="8000" end="16000" type="sparse" '
        b'dimensions="2" resolution="1" notifyOnAdd="true" dataset="1" subtype="box" '
        b'minimum="400" maximum="1600" units="Hz" />'
        b'<dataset id="1" dimensions="2"><point frame="8000" value="400" duration="8000" '
        b'extent="1200" label="Morepork" /></dataset></data></sv>'))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: pytest.fail("no audio to ask for"))
    choose_file(monkeypatch, session)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert regions(opened) == [("night/owl.wav", 0.5, 1.0, 400.0, 1600.0, "Morepork")]
    assert opened.undo_stack.count() == 1


def test_avianz_files_beside_the_recordings_are_one_import(qtbot, opened, recordings):
    run_import(qtbot, opened, opened.acts.import_avianz)
    assert "No AviaNZ .data file lies beside" in opened.shown[-1][0]
    (recordings / "night" / "owl.wav.data").write_text(
        '[{"Operator": "Ann", "Reviewer": "", "Duration": 3.0},'
        ' [0.5, 1.0, 0, 0, [{"species": "Morepork", "certainty": 100, "filter": "M"}]]]')
    (recordings / "dawn.wav.data").write_text('[[1.0, 1.5, 900, 3000, ["Robin"]]]')
    (recordings / "gone.wav.data").write_text('[[0.0, 9.0, 0, 0, ["Nobody"]]]')  # no recording
    run_import(qtbot, opened, opened.acts.import_avianz)
    assert regions(opened) == [("dawn.wav", 1.0, 1.5, 900.0, 3000.0, "Robin"),
                               ("night/owl.wav", 0.5, 1.0, None, None, "Morepork")]
    assert "Imported 2 regions from 2 files onto 2 recordings" in opened.shown[-1][0]
    assert opened.undo_stack.count() == 1
    opened.undo_stack.undo()
    assert regions(opened) == []


def test_several_region_files_are_one_import_and_one_undo_step(qtbot, opened, tmp_path,
                                                               monkeypatch):
    data = tmp_path / "owl.wav.data"
    data.write_text('[[0.5, 1.0, 0, 0, [{"species": "Morepork"}]]]')
    track = tmp_path / "labels.txt"
    track.write_text("0.100000\t0.400000\thoot\n")
    asked: list[str] = []

    def get_item(parent, title, text, items, current, editable):
        asked.append(text)
        return "dawn.wav", True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    choose_file(monkeypatch, data, track)
    run_import(qtbot, opened, opened.acts.import_csv)
    assert len(asked) == 1 and asked[0].startswith("labels.txt does not say")
    assert regions(opened) == [("dawn.wav", 0.1, 0.4, None, None, "hoot"),
                               ("night/owl.wav", 0.5, 1.0, None, None, "Morepork")]
    assert opened.undo_stack.count() == 1
    assert opened.undo_stack.undoText() == "Import regions from 2 files"
    assert "Imported 2 regions from 2 files onto 2 recordings" in opened.shown[-1][0]
    opened.undo_stack.undo()
    assert regions(opened) == []

    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\ndawn.wav,robin\n")
    choose_file(monkeypatch, data, labels)
    with qtbot.waitSignal(opened.labels.message, timeout=TASK_TIMEOUT_MS) as blocker:
        opened.acts.import_csv.trigger()
    assert blocker.args[0].startswith("labels.csv holds labels of whole clips: import it on its "
                                      "own")
    assert opened.undo_stack.count() == 1 and regions(opened) == []


def test_region_files_are_read_off_the_gui_thread(qtbot, opened, recordings, monkeypatch):
    (recordings / "dawn.wav.data").write_text('[[1.0, 1.5, 0, 0, ["Robin"]]]')
    on_gui_thread = record_threads(monkeypatch, region_io, "plan_regions_files")
    run_import(qtbot, opened, opened.acts.import_avianz)
    assert on_gui_thread == [False] and regions(opened) == [
        ("dawn.wav", 1.0, 1.5, None, None, "Robin")]
    # Chosen by hand: what each file is (and whether it names its audio) is read there too.
    opened.project.delete_regions(r.id for r in opened.project.regions())
    facts = record_threads(monkeypatch, region_io, "import_facts")
    choose_file(monkeypatch, recordings / "dawn.wav.data")
    run_import(qtbot, opened, opened.acts.import_csv)
    assert facts == [False] and on_gui_thread == [False, False]
    assert regions(opened) == [("dawn.wav", 1.0, 1.5, None, None, "Robin")]


def test_bad_rows_are_each_named_and_nothing_reaches_the_stack(qtbot, opened, tmp_path,
                                                               monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("path,begin_s,end_s,label\ndawn.wav,0.5,1.0,ok\nghost.wav,0,1,x\n"
                   "dawn.wav,1.5,2.5,late\n")
    choose_file(monkeypatch, bad)
    with qtbot.waitSignal(opened.labels.message, timeout=TASK_TIMEOUT_MS) as blocker:
        opened.acts.import_csv.trigger()
    text = blocker.args[0]
    assert text.startswith("Could not import regions from bad.csv")
    assert "line 3: ghost.wav is not in the folder" in text and "line 4: ends at 2.5 s" in text
    assert opened.undo_stack.count() == 0 and regions(opened) == []


def test_a_file_in_no_known_format_is_refused_in_one_line(qtbot, opened, tmp_path, monkeypatch):
    junk = tmp_path / "junk.txt"
    junk.write_text("dear diary\n")
    choose_file(monkeypatch, junk)
    with qtbot.waitSignal(opened.labels.message, timeout=TASK_TIMEOUT_MS) as blocker:
        opened.acts.import_csv.trigger()
    assert blocker.args[0].startswith("Could not import junk.txt: not a CSV")
    assert "\n" not in blocker.args[0] and opened.undo_stack.count() == 0


def test_a_path_label_csv_still_labels_clips(qtbot, opened, tmp_path, monkeypatch):
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\ndawn.wav,robin\n")
    choose_file(monkeypatch, labels)
    run_import(qtbot, opened, opened.acts.import_csv)
    dawn = [c for c in opened.project.clips() if c.path == "dawn.wav"][0]
    assert (dawn.label, dawn.label_source) == ("robin", "csv") and regions(opened) == []


def test_labels_for_edge_impulse_out_beside_the_audio_and_back_in(qtbot, opened, recordings,
                                                                 monkeypatch):
    target = recordings / "info.labels"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    run_import(qtbot, opened, opened.acts.export_edge_impulse)  # written on a background task
    assert "upload the folder with Edge Impulse's uploader" in opened.shown[-1][0]
    files = json.loads(target.read_text())["files"]
    assert [(f["path"], f["label"]["type"]) for f in files] == [("dawn.wav", "unlabeled"),
                                                                ("night/owl.wav", "label")]
    files[0]["label"] = {"type": "label", "label": "robin"}  # labelled in Edge Impulse
    target.write_text(json.dumps({"version": 1, "files": files}))
    choose_file(monkeypatch, target)
    run_import(qtbot, opened, opened.acts.import_csv)
    dawn = [c for c in opened.project.clips() if c.path == "dawn.wav"][0]
    assert (dawn.label, dawn.label_source) == ("robin", "csv")
    assert opened.undo_stack.count() == 1


def test_a_labels_csv_is_written_off_the_windows_thread(qtbot, opened, tmp_path, monkeypatch):
    target = tmp_path / "labels.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    on_gui_thread = record_threads(monkeypatch, label_io, "export_csv")
    dawn = next(c for c in opened.project.clips() if c.path == "dawn.wav")
    opened.project.set_labels([dawn.id], None)
    assert [c.label is None for c in opened.project.clips()].count(False) == 1
    opened.acts.export_csv.trigger()
    # A row for each clip; the labels counted are those given (before: "2 labels" for one).
    qtbot.waitUntil(lambda: "Exported 1 label to " in opened.statusBar().currentMessage(),
                    timeout=TASK_TIMEOUT_MS)
    assert "(a row for each of 2 clips)" in opened.statusBar().currentMessage()
    assert on_gui_thread == [False] and target.read_text().startswith("path,label")


def test_labels_for_label_studio_out_and_back_in(qtbot, opened, tmp_path, monkeypatch):
    target = tmp_path / "labels.label-studio.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    on_gui_thread = record_threads(monkeypatch, label_io, "export_label_studio")
    run_import(qtbot, opened, opened.acts.export_label_studio)
    assert on_gui_thread == [False]  # 20,000 clips' tasks take about half a second
    assert "<Choices name=\"class\" toName=\"audio\">" in opened.shown[-1][0]
    tasks = json.loads(target.read_text(encoding="utf-8"))
    local = f"/data/local-files/?d={opened.folder.name}/"  # Label Studio's local files
    assert [t["data"]["audio"] for t in tasks] == [local + "dawn.wav", local + "night/owl.wav"]
    assert f"LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT={opened.folder.parent}" in opened.shown[-1][0]
    tasks[0]["annotations"] = [{"result": [{"type": "choices", "from_name": "class",
                                            "to_name": "audio", "value": {"choices": ["robin"]}}]}]
    target.write_text(json.dumps(tasks), encoding="utf-8")  # labelled in Label Studio
    choose_file(monkeypatch, target)
    run_import(qtbot, opened, opened.acts.import_csv)
    dawn = [c for c in opened.project.clips() if c.path == "dawn.wav"][0]
    assert (dawn.label, dawn.label_source) == ("robin", "csv")
    assert opened.undo_stack.count() == 1


def test_a_label_studio_export_of_spans_and_clip_choices_imports_both_as_one_step(
        qtbot, opened, tmp_path, monkeypatch):
    """A Label Studio config with <Labels> and <Choices> on the audio: the spans are regions,
    each task's choice for the whole clip its label, and one Ctrl+Z takes both back."""
    span = {"type": "labels", "from_name": "label", "to_name": "audio",
            "value": {"start": 0.5, "end": 1.0, "labels": ["hoot"]}}
    choice = {"type": "choices", "from_name": "class", "to_name": "audio",
              "value": {"choices": ["owl"]}}
    export = tmp_path / "project-2.json"
    export.write_text(json.dumps([{"data": {"audio": "/data/upload/2/0a1b2c3d-owl.wav"},
                                   "annotations": [{"result": [span, choice]}]}]))
    choose_file(monkeypatch, export)
    before = {c.path: c.label for c in opened.project.clips()}
    run_import(qtbot, opened, opened.acts.import_csv)
    assert regions(opened) == [("night/owl.wav", 0.5, 1.0, None, None, "hoot")]
    owl = [c for c in opened.project.clips() if c.path == "night/owl.wav"][0]
    assert (owl.label, owl.label_source) == ("owl", "csv")
    text = opened.shown[-1][0]
    assert "Imported 1 region" in text and "choices of whole clips labelled 1 clip." in text
    assert opened.undo_stack.count() == 1
    opened.undo_stack.undo()
    assert regions(opened) == [] and {c.path: c.label for c in opened.project.clips()} == before


@pytest.mark.parametrize("fmt", ["raven", "ravenfiles", "audacity", "csv", "avianz", "labelstudio",
                                 "aoef", "sonicvisualiser", "summary"])
def test_export_regions_runs_off_the_gui_thread(qtbot, opened, tmp_path, monkeypatch, fmt):
    ids = {c.path: c.id for c in opened.project.clips()}
    opened.project.add_region(ids["night/owl.wav"], 0.5, 0.75, "owl", 500.0, 2500.0)
    opened.project.add_region(ids["dawn.wav"], 1.0, 1.5, "robin")
    choice = next(text for text, name in file_menu.REGION_EXPORTS.items()
                  if name == (fmt, False))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (choice, True))
    out = tmp_path / ("tracks" if fmt in ("ravenfiles", "audacity", "avianz", "sonicvisualiser")
                      else "out.txt")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    on_gui_thread = record_threads(monkeypatch, region_export, "export_regions")
    with qtbot.waitSignal(opened.statusBar().messageChanged, timeout=TASK_TIMEOUT_MS,
                          check_params_cb=lambda text: "Exported 2 regions" in text):
        opened.acts.export_regions.trigger()
    assert on_gui_thread == [False]
    if fmt == "audacity":
        assert (out / "night" / "owl.txt").read_text().startswith("0.500000\t0.750000\towl\n")
        assert (out / "dawn.txt").exists()
    elif fmt == "avianz":  # named as AviaNZ looks for them: each found again by its own name
        opened.project.delete_regions(r.id for r in opened.project.regions())
        for rel in ("night/owl.wav.data", "dawn.wav.data"):
            region_io.import_regions_file(opened.project, out / rel)
        assert regions(opened) == [("dawn.wav", 1.0, 1.5, None, None, "robin"),
                                   ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "owl")]
    elif fmt == "ravenfiles":  # a table per recording, each naming it, in its own times
        opened.project.delete_regions(r.id for r in opened.project.regions())
        for rel in ("night/owl", "dawn"):
            region_io.import_regions_file(opened.project, out / f"{rel}.Table.1.selections.txt")
        assert regions(opened) == [("dawn.wav", 1.0, 1.5, None, None, "robin"),
                                   ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "owl")]
    elif fmt == "sonicvisualiser":  # a layer per recording, which names none: given back by hand
        opened.project.delete_regions(r.id for r in opened.project.regions())
        for rel in ("night/owl", "dawn"):
            region_io.import_regions_file(opened.project, out / f"{rel}.svl", audio=f"{rel}.wav")
        assert regions(opened) == [("dawn.wav", 1.0, 1.5, None, None, "robin"),
                                   ("night/owl.wav", 0.5, 0.75, 500.0, 2500.0, "owl")]
    elif fmt == "summary":  # a table to read, not regions to import
        assert out.read_text().splitlines()[1:] == ["dawn.wav,robin,1,0,0.500,1.000,1.500,,",
                                                    "night/owl.wav,owl,1,0,0.250,0.500,0.750,,"]
    else:
        opened.project.delete_regions(r.id for r in opened.project.regions())
        region_io.import_regions_file(opened.project, out)
        band = (None, None) if fmt == "labelstudio" else (500.0, 2500.0)  # audio regions: no band
        assert regions(opened) == [("dawn.wav", 1.0, 1.5, None, None, "robin"),
                                   ("night/owl.wav", 0.5, 0.75, *band, "owl")]


@pytest.mark.parametrize("fmt, words", [
    ("raven", "Exported 2 regions to {out}; 1 of them is an event nobody has reviewed yet, "
              "with its score, still to review."),
    ("audacity", "Exported 1 region to {out}; left out 1 event nobody has reviewed")])
def test_an_export_says_which_events_nobody_has_reviewed(qtbot, opened, tmp_path, monkeypatch,
                                                         fmt, words):
    from core.store.records import RegionSpec

    ids = {c.path: c.id for c in opened.project.clips()}
    opened.project.add_region(ids["dawn.wav"], 1.0, 1.5, "robin")
    opened.project.add_regions([RegionSpec(ids["dawn.wav"], 0.2, 0.6, "robin", score=0.7)],
                               source="model")
    choice = next(text for text, name in file_menu.REGION_EXPORTS.items()
                  if name == (fmt, False))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (choice, True))
    out = tmp_path / ("tracks" if fmt == "audacity" else "out.txt")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    with qtbot.waitSignal(opened.statusBar().messageChanged, timeout=TASK_TIMEOUT_MS,
                          check_params_cb=lambda text: text.startswith("Exported")):
        opened.acts.export_regions.trigger()
    assert opened.shown[-1][0].startswith(words.format(out=out))


def test_regions_cut_into_clips_off_the_gui_thread(qtbot, opened, tmp_path, monkeypatch):
    ids = {c.path: c.id for c in opened.project.clips()}
    opened.project.add_region(ids["night/owl.wav"], 0.5, 0.75, "owl", 500.0, 2500.0)
    opened.project.add_region(ids["dawn.wav"], 1.0, 1.5, "robin")
    opened.project.add_region(ids["dawn.wav"], 0.2, 0.4, None)
    out = tmp_path / "clips"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (region_clips_action.CHOICE, True))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a: (1.0, True))
    on_gui_thread = record_threads(monkeypatch, region_clips, "export_region_clips")
    run_import(qtbot, opened, opened.acts.export_regions)  # waits for what it says
    assert on_gui_thread == [False]
    # One background clip (as many as the commonest class has regions) from the unmarked stretches.
    assert opened.shown[-1] == (f"Wrote 3 clips into class folders under {out} (1 of the unmarked "
                                "stretches, in background); 1 unlabelled regions were left out.",
                                "info")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav")
                  if p.parent.name != "background") == [
        "owl/night_owl_500-750ms.wav", "robin/dawn_1000-1500ms.wav"]
    assert sf.info(out / "owl" / "night_owl_500-750ms.wav").duration == 1.0
    assert keys.read(opened.settings, keys.CLIP_MIN_LENGTH_S) == 1.0  # offered next time


@pytest.mark.parametrize("fmt", ["raven", "csv"])
def test_export_with_measurements_reads_the_recordings_off_the_gui_thread(
        qtbot, opened, tmp_path, monkeypatch, fmt):
    ids = {c.path: c.id for c in opened.project.clips()}
    opened.project.add_region(ids["night/owl.wav"], 0.5, 0.75, "owl", 200.0, 2500.0)
    opened.project.add_region(ids["dawn.wav"], 1.0, 1.5, "robin")
    choice = next(text for text, name in file_menu.REGION_EXPORTS.items() if name == (fmt, True))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (choice, True))
    offered = []
    out = tmp_path / "measured.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: offered.append(a[2]) or (str(out), ""))
    on_gui_thread = record_threads(monkeypatch, region_export, "measure_regions")
    (opened.folder / "dawn.wav").write_text("overwritten")  # after the scan: unreadable now
    with qtbot.waitSignal(opened.statusBar().messageChanged, timeout=TASK_TIMEOUT_MS,
                          check_params_cb=lambda text: "Exported 2 regions" in text):
        opened.acts.export_regions.trigger()
    assert on_gui_thread == [False] and "regions.measured." in offered[0]
    delimiter = "\t" if fmt == "raven" else ","
    rows = list(csv.DictReader(io.StringIO(out.read_text()), delimiter=delimiter))
    peak = "Peak Freq (Hz)" if fmt == "raven" else "peak_freq_hz"
    by_label = {row["Annotation" if fmt == "raven" else "label"]: row for row in rows}
    assert abs(float(by_label["owl"][peak]) - 440.0) < 16000 / 512 and by_label["robin"][peak] == ""
    [(text, kind)] = opened.shown
    assert kind == "warning" and "could not be read" in text and "dawn.wav: " in text


def test_export_without_regions_says_so(qtbot, opened, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: pytest.fail("no format to choose"))
    opened.acts.export_regions.trigger()
    assert "No regions to export" in opened.shown[-1][0]
