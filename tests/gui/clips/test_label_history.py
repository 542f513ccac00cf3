"""Edit > Label History: a clip's every label, read from the store after the window that set
them has closed (its undo history gone with it), and an earlier one put back undoably."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.store.project import Project
from tests.gui.helpers import open_and_wait

CLIP = "tone/tone_000.wav"


def _select(window, path):
    model = window.model
    window.clip_list.select_row(next(r for r in range(model.rowCount())
                                     if model.record(r).path == path))


def _rows(dialog):
    model = dialog.model
    return [tuple(model.index(r, c).data() for c in (1, 2, 3)) for r in range(model.rowCount())]


def _label(folder):
    with Project.open(folder) as project:
        return next((c.label, c.label_source) for c in project.clips() if c.path == CLIP)


def test_a_label_from_an_earlier_session_is_put_back_from_the_history(qtbot, make_window,
                                                                      clip_folder):
    first = make_window()
    open_and_wait(qtbot, first, clip_folder)
    first.acts.auto_advance.setChecked(False)
    _select(first, CLIP)
    first.labels.label_selection("chirp")
    first.close()  # its undo history goes with it

    window = make_window()
    open_and_wait(qtbot, window, clip_folder)
    assert window.undo_stack.count() == 0
    _select(window, CLIP)
    window.acts.label_history.trigger()
    dialog = window.acts.history_dialog
    assert dialog.isVisible()
    assert CLIP in dialog.heading.text() and "chirp" in dialog.heading.text()
    assert _rows(dialog) == [("tone", "chirp", "labelled"),
                             ("(none)", "tone", "read from its folder")]
    dialog.table.selectRow(0)
    assert not dialog.put_back_button.isEnabled()  # chirp it is
    dialog.table.selectRow(1)
    assert dialog.put_back_button.isEnabled()
    dialog.put_back_button.click()

    assert _label(clip_folder) == ("tone", "folder")  # the source it had: a move relabels it
    assert window.model.record_by_id(window.clip_list.current_id()).label == "tone"
    assert _rows(dialog)[0] == ("chirp", "tone", "put back from its history")
    assert not dialog.put_back_button.isEnabled()  # the row chosen stays chosen: tone now

    window.undo_stack.undo()
    assert _label(clip_folder) == ("chirp", "manual")
    assert _rows(dialog)[0] == ("tone", "chirp", "undone")
    window.undo_stack.redo()
    assert _label(clip_folder) == ("tone", "folder")


def test_the_history_follows_the_current_clip_and_puts_back_a_removed_class(
        qtbot, window, clip_folder):
    open_and_wait(qtbot, window, clip_folder)
    window.acts.auto_advance.setChecked(False)
    _select(window, "loose-a.wav")
    window.acts.label_history.trigger()
    dialog = window.acts.history_dialog
    assert _rows(dialog) == []
    assert "unlabelled now, its label never changed" in dialog.heading.text()
    window.labels.label_selection("owl")
    assert _rows(dialog) == [("(none)", "owl", "labelled")]
    window.labels.label_selection(None)
    assert _rows(dialog)[0] == ("owl", "(none)", "label cleared")
    window.project.remove_class("owl")
    window.labels.refresh_classes()
    assert "owl" not in window.labels.class_names

    _select(window, CLIP)  # the dialog, not modal, follows the list
    qtbot.waitUntil(lambda: _rows(dialog) == [("(none)", "tone", "read from its folder")])
    _select(window, "loose-a.wav")
    qtbot.waitUntil(lambda: len(_rows(dialog)) == 2)
    rect = dialog.table.visualRect(dialog.model.index(1, 0))  # owl
    # A double-click puts it back (the first click of it chooses the row).
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.model.record_by_id(window.clip_list.current_id()).label == "owl"
    assert "owl" in window.labels.class_names
    window.acts.label_history.trigger()  # raised again, not a second dialog
    assert window.acts.history_dialog is dialog
