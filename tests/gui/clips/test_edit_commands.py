"""Every label and class edit goes through the undo stack: the slot pushes a command whose redo
does the work, undo restores classes (names, order, colours, keys), labels and sources exactly,
and an edit that fails never sits on the stack and says why."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import QColorDialog, QFileDialog, QInputDialog, QMessageBox

from core.store import label_io
from core.store.project import Project
from gui.actions import file_menu
from gui.clips.classes_dialog import ClassesDialog
from gui.clips.clip_table import ClipTableModel
from gui.clips.commands import AcceptPredictionsCommand
from gui.clips.labelling import LabelController
from gui.common.tasks import TaskSlot
from tests import audio_factory


class FakeClipList:
    """What LabelController asks of the clip list: the selection, to read and (after an undo
    or a redo) to set, and the step to the next clip."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def selected_ids(self) -> list[int]:
        return list(self.ids)

    def select_ids(self, clip_ids: list[int], current: int = -1) -> None:
        self.ids = list(clip_ids)

    def advance(self) -> None:
        pass


@pytest.fixture
def rig(qtbot, tmp_path, monkeypatch):
    """A scanned project (dog/, cat/ two clips each, two loose clips), the table model, the undo
    stack, a LabelController and an open Classes dialog, wired as the window wires them."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked to confirm"))
    root = tmp_path / "audio"
    for path in ("dog/a.wav", "dog/b.wav", "cat/a.wav", "cat/b.wav", "loose-a.wav", "loose-b.wav"):
        audio_factory.write(root / path, audio_factory.tone(440.0, 0.05))
    project = Project.open(root)
    project.scan()
    model = ClipTableModel()
    model.set_records(project.clips(include_missing=True))
    stack = QUndoStack()
    clip_list = FakeClipList()
    labels = LabelController(model, clip_list, stack, lambda: False)
    labels.set_project(project)
    dialog = ClassesDialog(project, stack, labels.classes_edited, labels.report_error)
    qtbot.addWidget(dialog)
    dialog.show()
    ids = project.clip_ids_by_path()
    yield SimpleNamespace(project=project, model=model, stack=stack, labels=labels,
                          dialog=dialog, clip_list=clip_list, ids=ids)
    stack.clear()
    project.close()


def snapshot(rig) -> tuple:
    """Classes as stored and as the controller and dialog show them, and every clip's label and
    source in the store and in the table."""
    store = {c.path: (c.label, c.label_source) for c in rig.project.clips()}
    table = {r.path: (r.label, r.label_source) for r in rig.model.records()}
    return (rig.project.classes(), rig.labels.class_names, rig.dialog._names(), store, table)


def label(rig, paths: list[str], name: str | None) -> None:
    rig.clip_list.ids = [rig.ids[p] for p in paths]
    rig.labels.label_selection(name)


def choose(rig, monkeypatch, name: str, text: str | None = None, item: str | None = None) -> None:
    rig.dialog.list.setCurrentRow(rig.dialog._names().index(name))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (text, True))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (item, True))


def test_a_decomposed_name_labels_as_the_composed_class(rig):
    """A Mac's "crème" (e and a combining grave, pasted or from a file's name) went to the
    clip's row as typed, a class none had, while the store kept it composed: one class."""
    label(rig, ["loose-a.wav"], "cre\u0300me")
    label(rig, ["cat/a.wav"], "cr\u00e8me")
    store, table = snapshot(rig)[3:]
    assert store["loose-a.wav"] == table["loose-a.wav"] == ("cr\u00e8me", "manual")
    assert [c.name for c in rig.project.classes()].count("cr\u00e8me") == 1
    assert "cr\u00e8me" in rig.labels.class_names


@pytest.mark.parametrize("edit", ["rename", "merge", "remove", "colour", "key", "move"])
def test_class_edit_undone_restores_exactly_and_redone_again_between_label_edits(
        rig, monkeypatch, edit):
    start = snapshot(rig)
    label(rig, ["loose-a.wav"], "dog")
    label(rig, ["cat/a.wav"], "dog")  # a manual label over a folder one
    before = snapshot(rig)
    choose(rig, monkeypatch, "dog", text="d" if edit == "key" else "hound", item="cat")
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#abcdef"))
    {"rename": rig.dialog._rename, "merge": rig.dialog._merge, "remove": rig.dialog._remove,
     "colour": rig.dialog._colour, "key": rig.dialog._key,
     "move": lambda: rig.dialog._move(-1)}[edit]()
    after = snapshot(rig)
    assert rig.stack.count() == 3 and after != before
    label(rig, ["loose-b.wav"], "cat")
    last = snapshot(rig)

    rig.stack.undo()
    assert snapshot(rig) == after
    rig.stack.undo()
    assert snapshot(rig) == before
    rig.stack.undo()
    rig.stack.undo()
    assert snapshot(rig) == start
    for _ in range(4):
        rig.stack.redo()
    assert snapshot(rig) == last


def test_merge_and_remove_ask_nothing_and_say_ctrl_z_brings_them_back(rig, monkeypatch):
    choose(rig, monkeypatch, "dog", item="cat")
    rig.dialog._merge()
    assert "Ctrl+Z brings it back" in rig.dialog.status.text()
    assert rig.project.label_counts()["cat"] == 4
    choose(rig, monkeypatch, "cat")
    rig.dialog._remove()
    assert "Ctrl+Z brings it back" in rig.dialog.status.text()
    assert rig.dialog._names() == [] and rig.stack.count() == 2
    undo_action = next(a for a in rig.dialog.actions() if a.text().startswith("Undo"))
    undo_action.trigger()
    undo_action.trigger()
    assert rig.project.label_counts() == {"dog": 2, "cat": 2, None: 2}
    assert rig.dialog._names() == ["cat", "dog"], "the dialog follows the stack"


def test_the_dialog_counts_a_class_s_regions_beside_its_clips(rig):
    """The label bar counts a class's clips and regions; the dialog counted clips alone, so a
    class of twelve regions read "0 clips" where Remove is offered (and unlabels them all)."""
    for n in range(12):
        rig.project.add_region(rig.ids["loose-a.wav"], n * 0.002, n * 0.002 + 0.001, "owl")
    rig.dialog._reload()
    rows = [rig.dialog.list.item(i).text() for i in range(rig.dialog.list.count())]
    assert any(row.startswith("owl") and row.endswith("· 12 regions") for row in rows)
    assert any(row.startswith("dog") and row.endswith("· 2 clips") for row in rows)
    rig.project.add_region(rig.ids["dog/a.wav"], 0.0, 0.01, "dog")
    rig.dialog._reload()
    assert any(rig.dialog.list.item(i).text().endswith("· 2 clips, 1 region")
               for i in range(rig.dialog.list.count()))


def test_add_class_from_the_label_bar_is_undone(rig):
    classes = rig.project.classes()
    rig.labels.add_class("owl")
    assert "owl" in rig.labels.class_names and rig.stack.count() == 1
    label(rig, ["loose-a.wav"], "owl")
    rig.stack.undo()
    rig.stack.undo()
    assert rig.project.classes() == classes and "owl" not in rig.labels.class_names


def test_a_name_clash_never_reaches_the_stack_and_says_why(qtbot, rig, monkeypatch):
    before = snapshot(rig)
    choose(rig, monkeypatch, "dog", text="cat")
    banner = []
    rig.labels.message.connect(lambda *args: banner.append(args))
    rig.dialog._rename()
    text = rig.dialog.status.text()
    assert "rename class dog to cat" in text and "merge them" in text
    assert banner == []  # said in the dialog, not left on the window's banner after it
    assert rig.stack.count() == 0 and snapshot(rig) == before


def test_a_store_refusing_writes_keeps_failed_edits_and_undos_off_the_stack(qtbot, rig):
    label(rig, ["loose-a.wav"], "dog")
    before = snapshot(rig)
    rig.project.conn.execute("CREATE TRIGGER frozen BEFORE UPDATE ON clips "
                             "BEGIN SELECT RAISE(ABORT, 'store is read-only'); END")
    with qtbot.waitSignal(rig.labels.message, timeout=1000) as blocker:
        label(rig, ["loose-b.wav"], "cat")
    assert "label clip as cat" in blocker.args[0] and "read-only" in blocker.args[0]
    assert rig.stack.count() == 1 and snapshot(rig) == before

    with qtbot.waitSignal(rig.labels.message, timeout=1000) as blocker:
        rig.stack.undo()
    assert blocker.args[0].startswith("Could not undo “Label clip as dog”")
    assert rig.stack.count() == 0, "a command that could not be undone leaves the stack"
    assert snapshot(rig) == before


def test_accept_predictions_is_done_by_its_redo_and_undone(rig):
    before = snapshot(rig)
    changes = {rig.ids["loose-a.wav"]: "cat", rig.ids["dog/a.wav"]: "cat"}
    rig.stack.push(AcceptPredictionsCommand(rig.project, rig.model, changes))
    store = {c.id: (c.label, c.label_source) for c in rig.project.clips()}
    assert all(store[i] == ("cat", "model") for i in changes)
    rig.stack.undo()
    assert snapshot(rig) == before
    rig.stack.redo()
    assert rig.model.record_by_id(rig.ids["dog/a.wav"]).label_source == "model"


def test_a_class_an_edit_made_goes_with_its_undo_and_comes_back_with_its_redo(rig):
    """The store makes any class a label names: a prediction of a class the project lacks (a
    loaded model's), a region labelled so, a model's events of it made the class, and their
    undo left it behind, holding a key."""
    from core.store.records import RegionSpec
    from gui.clips.region_commands import AddRegionCommand, UpdateRegionCommand
    from gui.model.detection_commands import DetectEventsCommand

    rig.stack.indexChanged.connect(rig.labels.refresh_counts)  # as the window wires it
    before = snapshot(rig)
    loose = rig.ids["loose-a.wav"]
    rig.stack.push(AcceptPredictionsCommand(rig.project, rig.model, {loose: "bird"}))
    assert "bird" in rig.labels.class_names and "bird" in rig.labels._key_to_class.values()
    rig.stack.undo()
    assert snapshot(rig) == before and "bird" not in rig.labels.class_names
    rig.stack.redo()
    assert rig.project.clip(loose).label == "bird" and "bird" in rig.labels.class_names
    rig.stack.undo()
    drawn = AddRegionCommand(rig.project, loose, 0.01, 0.02)
    rig.stack.push(drawn)
    for command, made in (
            (UpdateRegionCommand(rig.project, drawn.record, {"label": "frog"}), "frog"),
            (DetectEventsCommand(rig.project, {loose: [RegionSpec(loose, 0.03, 0.04, label="heron",
                                                                  score=0.9)]},
                                 labels={"heron"}), "heron")):
        rig.stack.push(command)
        assert made in {c.name for c in rig.project.classes()}
        rig.stack.undo()  # each command's own undo takes its class away
        assert made not in {c.name for c in rig.project.classes()}
    rig.stack.undo()
    assert snapshot(rig) == before and rig.project.regions() == []


def menu_window(rig, show_message) -> SimpleNamespace:
    """What File > Import Labels or Regions uses of the window: the rig's project, stack and
    label controller, and a background task slot of each kind, as the window's actions give
    (``acts.slots``: to join their threads before the test ends)."""
    slots: dict[str, TaskSlot] = {}
    acts = SimpleNamespace(task=lambda kind: slots.setdefault(kind, TaskSlot(rig.labels)),
                           slots=slots)
    return SimpleNamespace(folder=rig.project.folder, project=rig.project, undo_stack=rig.stack,
                           labels=rig.labels, show_message=show_message, acts=acts)


def test_import_csv_is_undone_and_redone_and_reports(qtbot, rig, tmp_path, monkeypatch):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\nloose-a.wav,frog\ndog/a.wav,cat\nnot-here.wav,dog\n")
    label(rig, ["dog/a.wav"], "dog")
    before = snapshot(rig)
    shown: list[tuple[str, str]] = []
    window = menu_window(rig, lambda t, k: shown.append((t, k)))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(csv_path)], ""))
    readers: list[threading.Thread] = []
    read = label_io._label_rows
    monkeypatch.setattr(label_io, "_label_rows",
                        lambda *args: readers.append(threading.current_thread()) or read(*args))
    file_menu._on_import_csv(window)  # the file is read on a background task, then imported
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert readers and threading.main_thread() not in readers
    assert shown[-1][1] == "info" and "2 changed" in shown[-1][0] and "1 rows" in shown[-1][0]
    assert "Ctrl+Z" in shown[-1][0]
    after = snapshot(rig)
    assert after[3]["loose-a.wav"] == ("frog", "csv") and after[4]["dog/a.wav"] == ("cat", "csv")
    assert "frog" in rig.labels.class_names and rig.stack.count() == 2
    csv_path.unlink()  # a redo does not read the file again
    rig.stack.undo()
    assert snapshot(rig)[3:] == before[3:]
    # The class the import made goes with it (it stayed, holding a key, with no clip).
    assert "frog" not in rig.labels.class_names
    assert "frog" not in [c.name for c in rig.project.classes()]
    rig.stack.redo()
    assert snapshot(rig)[3:] == after[3:] and "frog" in rig.labels.class_names
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_an_import_giving_a_file_two_labels_says_which_it_kept(qtbot, rig, tmp_path,
                                                               monkeypatch):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\nloose-a.wav,frog\nloose-a.wav,toad\n")
    shown: list[tuple[str, str]] = []
    window = menu_window(rig, lambda t, k: shown.append((t, k)))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(csv_path)], ""))
    file_menu._on_import_csv(window)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown[-1] == ("Imported labels from labels.csv: 1 changed; 1 file is given two labels, "
                         "the last row kept (loose-a.wav: frog, then toad). Ctrl+Z undoes the "
                         "import.", "warning")
    assert snapshot(rig)[3]["loose-a.wav"] == ("toad", "csv")
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_labels_read_for_a_folder_no_longer_open_are_dropped(qtbot, rig, tmp_path, monkeypatch):
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\nloose-a.wav,frog\n")
    before = snapshot(rig)
    shown: list[tuple[str, str]] = []
    window = menu_window(rig, lambda t, k: shown.append((t, k)))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(csv_path)], ""))
    reading, go_on = threading.Event(), threading.Event()
    read = label_io._label_rows
    monkeypatch.setattr(label_io, "_label_rows",
                        lambda *args: (reading.set(), go_on.wait(10), read(*args))[2])
    file_menu._on_import_csv(window)
    qtbot.waitUntil(reading.is_set, timeout=10_000)
    window.project = object()  # another folder opened while the file was read
    go_on.set()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown[-1] == ("Labels from labels.csv were not imported: another folder was opened "
                         "while they were read.", "info")
    assert snapshot(rig) == before and rig.stack.count() == 0
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_a_second_labels_file_chosen_while_the_first_is_read_drops_neither(qtbot, rig, tmp_path):
    """The second import once stopped the first, waiting for it on the window's thread, and
    only the second was applied."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("path,label\nloose-a.wav,frog\n")
    second.write_text("path,label\ndog/a.wav,cat\n")
    shown: list[tuple[str, str]] = []
    window = menu_window(rig, lambda t, k: shown.append((t, k)))
    file_menu._import_labels(window, str(first))
    file_menu._import_labels(window, str(second))
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)
    after = snapshot(rig)
    assert after[3]["loose-a.wav"] == ("frog", "csv") and after[4]["dog/a.wav"] == ("cat", "csv")
    assert rig.stack.count() == 2
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_a_second_region_file_chosen_while_the_first_is_read_drops_neither(qtbot, rig,
                                                                           tmp_path):
    first, second = tmp_path / "owl.csv", tmp_path / "wren.csv"
    first.write_text("path,begin_s,end_s,label\nloose-a.wav,0.0,0.02,owl\n")
    second.write_text("path,begin_s,end_s,label\ndog/a.wav,0.01,0.03,wren\n")
    shown: list[tuple[str, str]] = []
    window = menu_window(rig, lambda t, k: shown.append((t, k)))
    file_menu._import_regions(window, [(str(first), None)])
    file_menu._import_regions(window, [(str(second), None)])
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)
    assert sorted(r.label for r in rig.project.regions()) == ["owl", "wren"]
    assert rig.stack.count() == 2
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_import_of_an_unreadable_csv_never_reaches_the_stack(qtbot, rig, tmp_path, monkeypatch):
    window = menu_window(rig, lambda t, k: None)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(tmp_path / "gone.csv")], ""))
    with qtbot.waitSignal(rig.labels.message, timeout=10_000) as blocker:
        file_menu._on_import_csv(window)
    assert blocker.args[0].startswith("Could not import ")
    assert "gone.csv: cannot be read" in blocker.args[0]
    assert rig.stack.count() == 0
    # The message comes from the failed handler; the thread may still be finishing.
    assert all(slot.wait() for slot in window.acts.slots.values())


def test_labelling_a_clip_that_cannot_be_read_keeps_the_label_and_says_no_model_learns_it(
        qtbot, tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "good.wav", audio_factory.tone(440.0, 0.05))
    (root / "broken.wav").write_text("not audio")
    project = Project.open(root)
    project.scan()
    model = ClipTableModel()
    model.set_records(project.clips(include_missing=True))
    clip_list = FakeClipList()
    labels = LabelController(model, clip_list, QUndoStack(), lambda: False)
    labels.set_project(project)
    said: list[str] = []
    labels.status.connect(lambda text, _ms: said.append(text))
    ids = project.clip_ids_by_path()
    clip_list.ids = [ids["broken.wav"]]
    labels.label_selection("cat")
    assert project.clip(ids["broken.wav"]).label == "cat"  # kept: the file may be mended
    assert said == ["broken.wav cannot be read: labelled, but no model learns from it until it "
                    "can be read"]
    clip_list.ids = [ids["good.wav"], ids["broken.wav"]]
    labels.label_selection("dog")
    assert said[-1].startswith("1 of the 2 clips labelled cannot be read or are missing")
    said.clear()
    clip_list.ids = [ids["good.wav"]]
    labels.label_selection("cat")
    labels.label_selection(None)  # clearing a label says nothing of the file
    assert said == []
    project.close()


def test_a_rename_refused_keeps_the_class_selected_and_is_said_in_the_dialog(rig, monkeypatch):
    """A rename to a name taken selected that class, and the next Rename… renamed it; the
    refusal also stayed on the window's banner after the dialog closed."""
    banner = []
    rig.dialog._on_error = banner.append
    choose(rig, monkeypatch, "cat", text="dog")
    rig.dialog._rename()
    assert rig.dialog._selected() == "cat" and "dog" in rig.dialog.status.text()
    assert banner == [] and rig.stack.count() == 0
    choose(rig, monkeypatch, "cat", text="kitty")
    rig.dialog._rename()
    assert sorted(rig.dialog._names()) == ["dog", "kitty"]
