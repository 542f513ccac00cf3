"""Edit menu: undo and redo, label the selection by key or clear it, mark a region at the
playhead, find, the Classes dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QStyle

from core.store.classes import CLASS_KEYS
from gui.clips.classes_dialog import ClassesDialog
from gui.clips.history_dialog import LabelHistoryDialog
from gui.clips.name_rule_dialog import ApplyNameRuleCommand, NameRuleDialog
from gui.clips.playhead_marks import PlayheadMarker
from gui.common.window_actions import redo_keys


def build(acts, w) -> None:
    """Create the Edit actions on ``acts`` and add the Edit menu to window ``w``."""
    icon, SP = w.style().standardIcon, QStyle.StandardPixmap
    acts.undo = w.undo_stack.createUndoAction(w, "&Undo")
    acts.undo.setShortcuts(QKeySequence.StandardKey.Undo)
    acts.undo.setIcon(icon(SP.SP_ArrowBack))
    acts.redo = w.undo_stack.createRedoAction(w, "&Redo")
    acts.redo.setShortcuts(redo_keys())
    acts.redo.setIcon(icon(SP.SP_ArrowForward))
    # The toolbar's buttons say "Undo" and "Redo" (their icon text), and on hover what they
    # undo, as the menu does (a tooltip never set is the text): "Undo Label 24 clips as
    # chaffinch" on the toolbar pushed Train off a narrow window.
    acts.undo.setIconText("Undo")
    acts.redo.setIconText("Redo")
    w.addAction(acts.undo)
    w.addAction(acts.redo)
    acts.label_actions = {}
    for key in CLASS_KEYS:
        acts.label_actions[key] = acts.action(
            f"Label as class {key}", lambda _=False, k=key: w.labels.label_by_key(k), key,
            project=True)
    acts.label_by_name = acts.action("Label by &Name…", w.label_bar.focus_type_ahead, "L",
                                     project=True)
    acts.clear_label = acts.action("&Clear Label", w.labels.clear_selection,
                                   QKeySequence(Qt.Key.Key_Delete), project=True)
    acts.clear_label.setToolTip("Delete the selected region, or clear the selected clips' labels")
    acts.clear_label.setShortcuts([QKeySequence(Qt.Key.Key_Delete),
                                   QKeySequence(Qt.Key.Key_Backspace)])
    acts.marker = PlayheadMarker(w.clip_view, w.playback, w.labels.regions, w.region_overlay, w)
    acts.marker.status.connect(w.statusBar().showMessage)
    acts.mark_region = acts.action("&Mark Region at Playhead", acts.marker.mark, "M", project=True)
    acts.mark_region.setToolTip("While listening: M at a call's start and M again at its end "
                                "make a region of it")
    acts.boxes_first = acts.action("Drag Draws &Boxes on the Spectrogram", None)
    acts.boxes_first.setCheckable(True)
    acts.boxes_first.setToolTip("A plain drag on the spectrogram marks a box with its frequency "
                                "band, as in Raven, and Shift+drag a span of time (off: the "
                                "other way round); a drag on the waveform is always a span")
    acts.boxes_first.toggled.connect(w.region_overlay.set_boxes_first)
    acts.boxes_first.toggled.connect(w.region_list.set_boxes_first)
    acts.find = acts.action("&Find Clips", lambda: _on_find(w), QKeySequence.StandardKey.Find)
    acts.classes = acts.action("Cl&asses…", lambda: _on_classes(w), "Ctrl+K",
                               icon(SP.SP_FileDialogDetailedView), project=True)
    acts.label_history = acts.action("Label &History…", lambda: open_label_history(acts, w),
                                     "Ctrl+H", project=True)
    acts.label_history.setToolTip("Every label the current clip has had, when and how; put "
                                  "an earlier one back")
    acts.history_dialog = None
    acts.name_rule = acts.action("Labels from File &Names…", lambda: open_name_rule_dialog(w),
                                 project=True)
    acts.name_rule.setToolTip("Which part of the file names labels the files directly in the "
                              "folder, with a preview of the classes it gives")
    menu = w.menuBar().addMenu("&Edit")
    menu.addAction(acts.undo)
    menu.addAction(acts.redo)
    menu.addSeparator()
    acts.label_menu = menu.addMenu("&Label Selection")
    for action in acts.label_actions.values():
        acts.label_menu.addAction(action)
    acts.label_menu.addSeparator()
    acts.label_menu.addAction(acts.label_by_name)
    acts.label_menu.addAction(acts.clear_label)
    menu.addAction(acts.mark_region)
    menu.addActions(w.region_list.actions_for_menu())  # ] [ P: they were in no menu
    menu.addAction(acts.boxes_first)
    menu.addAction(acts.find)
    menu.addAction(acts.label_history)
    menu.addSeparator()
    menu.addAction(acts.classes)
    menu.addAction(acts.name_rule)


def update_label_actions(acts, key_to_class: dict[str, str]) -> None:
    """Name each digit action after its class; the menu lists those with one. A key without a
    class is left out of the menu, not hidden: a hidden action's key does nothing, and the
    person pressing it heard nothing of why (labelling says how to give it a class)."""
    menu = acts.label_menu
    for action in acts.label_actions.values():
        menu.removeAction(action)
    named = []
    for key, action in acts.label_actions.items():
        name = key_to_class.get(key)
        action.setText(f"Label as {name}" if name else f"Label as class {key}")
        if name is not None:
            named.append(action)
    menu.insertActions(menu.actions()[0] if menu.actions() else None, named)


def _on_find(w) -> None:
    w.clip_list.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
    w.clip_list.filter_edit.selectAll()


def open_name_rule_dialog(w) -> None:
    """Show the project's file-name rule with its preview; the rule the person applies is an
    undoable command on the window's stack."""
    if w.project is None:
        return
    project = w.project
    if not project.root_stems():  # a preview of "0 files" and "0 classes", Apply on, said nothing
        w.show_message("Labels from File Names reads the files directly in the folder, and "
                       f"{project.folder.name} has none" + (
                           ": its clips lie in subfolders, which name their classes."
                           if w.model.counts()["clips"] else "."), "info")  # shown or not
        return
    dialog = NameRuleDialog(project, w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.rule_chosen.connect(lambda rule: w.undo_stack.push(ApplyNameRuleCommand(
        project, rule, w.labels.classes_edited, w.labels.report_error)))
    dialog.show()  # not modal: the list beside it stays usable


def open_label_history(acts, w) -> None:
    """Show the label history of the clip current in the list (one dialog, raised again)."""
    if acts.history_dialog is None:
        dialog = LabelHistoryDialog(lambda: w.project, w.clip_list.current_id,
                                    w.model.record_by_id, w.labels.put_back, w.undo_stack, w)
        w.clip_list.current_clip_changed.connect(dialog.refresh)
        acts.history_dialog = dialog
    acts.history_dialog.show()
    acts.history_dialog.refresh()
    acts.history_dialog.raise_()
    acts.history_dialog.activateWindow()


def _on_classes(w) -> None:
    if w.project is None:
        return
    dialog = ClassesDialog(w.project, w.undo_stack, w.labels.classes_edited,
                           w.labels.report_error, w)
    dialog.exec()
    dialog.deleteLater()  # its commands stay on the stack; they need nothing of the dialog

