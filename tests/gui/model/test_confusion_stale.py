"""The confusion matrix of current labels against a model's predictions says when labels changed
since it was computed (how many clips), offers to recompute it, and is current again after
that, or after undoing back to the labels it was computed with."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from core.store.project import Project
from gui.clips.clip_table import ClipTableModel
from gui.clips.commands import SetLabelsCommand
from gui.model.controller import labels_differing
from gui.model.dock import ModelDock
from tests import audio_factory

WAIT_MS = 5_000


@pytest.fixture
def project(tmp_path):
    """tone/ and noise/ (3 clips each), a recorded model that predicts every clip "tone"."""
    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=3,
                                           kinds=("tone", "noise"))
    project = Project.open(root)
    project.scan()
    model_id = project.add_model("m.pt", ["noise", "tone"], {}, {})
    project.set_active_model(model_id)
    project.record_predictions(model_id, [(r.id, "tone", 0.9, [0.1, 0.9])
                                          for r in project.clips()])
    yield project
    project.close()


@pytest.fixture
def dock(qtbot, project, settings):
    table = ClipTableModel()
    table.set_records(project.clips())
    stack = QUndoStack()
    dock = ModelDock(table, None, stack, lambda *_: None, settings=settings)
    qtbot.addWidget(dock)
    stack.indexChanged.connect(dock.labels_edited)  # as MainWindow wires it
    dock.set_project(project)
    yield dock
    dock.shutdown()
    # The stack dies with the dock's attributes and says its index changed as it clears.
    stack.indexChanged.disconnect(dock.labels_edited)


def _recompute(qtbot, dock) -> None:
    with qtbot.waitSignal(dock.controller.confusion_ready, timeout=WAIT_MS):
        dock.training.confusion_caption.linkActivated.emit("recompute")


def _relabel(qtbot, dock, project, do) -> int:
    """Run ``do()`` (an edit through the undo stack) and return the changes the dock heard of."""
    with qtbot.waitSignal(dock.controller.confusion_changes, timeout=WAIT_MS) as heard:
        do()
    return heard.args[0]


def test_a_relabelled_clip_makes_the_matrix_say_it_is_stale_until_recomputed(qtbot, dock,
                                                                            project):
    panel = dock.training
    _recompute(qtbot, dock)
    assert panel.confusion.matrix.tolist() == [[0, 3], [0, 3]]  # rows noise, tone
    assert "current labels" in panel.confusion_caption.text()

    noise_clip = project.clips(label="noise")[0]
    command = SetLabelsCommand(project, dock.model, [noise_clip.id], "tone")
    assert _relabel(qtbot, dock, project, lambda: dock.undo_stack.push(command)) == 1
    caption = panel.confusion_caption.text()
    assert "current labels" not in caption
    assert "Computed before the labels of 1 clip changed" in caption
    assert "href='recompute'" in caption
    assert panel.confusion.matrix.tolist() == [[0, 3], [0, 3]]  # as computed, until asked

    _recompute(qtbot, dock)
    assert panel.confusion.matrix.tolist() == [[0, 2], [0, 4]]
    assert "current labels" in panel.confusion_caption.text()
    assert "Computed before" not in panel.confusion_caption.text()


def test_the_check_after_an_edit_reads_the_labels_off_the_window_s_thread(qtbot, dock, project,
                                                                        monkeypatch):
    """Every edit re-read every clip's label (and, once a model had trained, every region) on
    the window's thread: 0.4-0.5 s at 20,000 clips, at each pause in labelling."""
    import threading

    from gui.model import controller as controller_module

    _recompute(qtbot, dock)
    readers = []
    reads = controller_module.clip_labels

    def counted(project_read):
        readers.append(threading.current_thread())
        return reads(project_read)

    monkeypatch.setattr(controller_module, "clip_labels", counted)
    clip = project.clips(label="noise")[0]
    assert _relabel(qtbot, dock, project, lambda: dock.undo_stack.push(
        SetLabelsCommand(project, dock.model, [clip.id], "tone"))) == 1
    assert readers and threading.main_thread() not in readers


def test_a_cell_clicked_lists_the_clips_the_matrix_on_show_counted(qtbot, dock, project):
    """The click asked the store again: after one label changed, a cell still reading 1 (its
    caption saying the matrix was computed before the change) listed no clip."""
    from types import SimpleNamespace

    _recompute(qtbot, dock)
    listed = []
    dock.clip_list = SimpleNamespace(show_clip_ids=lambda ids, title: listed.append(ids))
    noise = [r.id for r in project.clips(label="noise")]
    assert _relabel(qtbot, dock, project, lambda: dock.undo_stack.push(
        SetLabelsCommand(project, dock.model, noise[:1], "tone"))) == 1
    dock.training.confusion.click_cell(0, 1)  # labelled noise, predicted tone: 3 on show
    assert sorted(listed[-1]) == sorted(noise)


def test_undoing_back_to_the_computed_labels_makes_it_current_again(qtbot, dock, project):
    panel = dock.training
    _recompute(qtbot, dock)
    ids = [r.id for r in project.clips(label="noise")[:2]]
    assert _relabel(qtbot, dock, project, lambda: dock.undo_stack.push(
        SetLabelsCommand(project, dock.model, ids, "tone"))) == 2
    assert "labels of 2 clips changed" in panel.confusion_caption.text()
    assert _relabel(qtbot, dock, project, dock.undo_stack.undo) == 0
    assert "current labels" in panel.confusion_caption.text()


def test_a_new_model_shows_its_held_out_matrix_without_a_stale_note(qtbot, dock, project):
    panel = dock.training
    _recompute(qtbot, dock)
    dock.controller.set_project(project)  # as on reopening: the record's own (empty) metrics
    clip = project.clips(label="noise")[0]
    with qtbot.assertNotEmitted(dock.controller.confusion_changes, wait=500):
        dock.undo_stack.push(SetLabelsCommand(project, dock.model, [clip.id], "tone"))
    assert "Computed before" not in panel.confusion_caption.text()


def test_labels_differing_counts_clips_whose_label_changed():
    before = {1: "a", 2: "b", 3: None}
    assert labels_differing(before, dict(before)) == 0
    assert labels_differing(before, {1: "b", 2: "b", 3: "a"}) == 2
    assert labels_differing(before, {1: "a", 2: "b", 3: None, 4: None}) == 0  # new, unlabelled
    assert labels_differing(before, {1: "a", 3: None}) == 1  # a labelled clip vanished


def test_clips_answered_unknown_or_silence_are_counted_not_passed_over(qtbot, dock, project):
    noise = project.clips(label="noise")
    model_id = project.active_model().id
    project.record_predictions(model_id, [(noise[0].id, "unknown", 0.4, [0.6, 0.4]),
                                          (noise[1].id, "silence", 0.5, [0.5, 0.5])])
    _recompute(qtbot, dock)
    panel = dock.training
    assert panel.confusion.matrix.tolist() == [[0, 1], [0, 3]]
    caption = panel.confusion_caption.text()
    assert "All 4 labelled clips" in caption and "2 more answered unknown or silence" in caption
    assert "Click a cell" in panel.confusion_caption.toolTip()
