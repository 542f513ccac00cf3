"""LabelController: turns a person's labelling (a key, a label button, a new class name) into undo
commands on the open project, and keeps the class list that keys and buttons show in step with
every class edit, undo and redo."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from gui.clips.commands import AddClassCommand, SetLabelsCommand


class LabelController(QObject):
    """Labels the clips selected in ``clip_list`` and mirrors them in the table ``model``.

    Signals: ``classes_changed(list)`` the project's ClassInfo list, after any change to it;
    ``keys_changed(dict)`` key -> class name for the digit shortcuts (each class's stored key:
    a key stays with its class until the person gives it another); ``counts_changed(dict)``
    clips per class (None: unlabeled), after every label edit; ``message(str, str)``
    banner text and kind; ``status(str, int)`` a status-bar line and its timeout (ms).
    ``auto_advance`` is a callable saying whether to move on after labelling one clip.
    """

    classes_changed = Signal(list)
    keys_changed = Signal(dict)
    counts_changed = Signal(dict)
    message = Signal(str, str)
    status = Signal(str, int)

    def __init__(self, model, clip_list, undo_stack: QUndoStack, auto_advance,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model, self._clip_list, self._undo_stack = model, clip_list, undo_stack
        self._auto_advance = auto_advance
        self.project = None
        self.class_names: list[str] = []
        self._key_to_class: dict[str, str] = {}

    def set_project(self, project) -> None:
        self.project = project
        self.refresh_classes()

    def refresh_classes(self) -> None:
        """Read the project's classes again and tell the views."""
        classes = self.project.classes() if self.project is not None else []
        self.class_names = [c.name for c in classes]
        self._key_to_class = {c.shortcut: c.name for c in classes if c.shortcut}
        self.classes_changed.emit(classes)
        self.keys_changed.emit(dict(self._key_to_class))
        self.refresh_counts()

    def refresh_counts(self, *_) -> None:
        """Count the clips of each class again (one query) and tell the views."""
        counts = self.project.label_counts() if self.project is not None else {}
        self.counts_changed.emit(counts)

    def refresh_if_new(self, labels: set) -> None:
        """Rows arrived carrying ``labels``: read the classes again if the list lacks one."""
        if not labels <= set(self.class_names):
            self.refresh_classes()

    def label_selection(self, label: str | None) -> None:
        """Give the selected clips ``label`` (None clears), undoably, then maybe advance."""
        ids = self._clip_list.selected_ids()
        if self.project is None or not ids:
            self.status.emit("Select one or more clips first", 3000)
            return
        before = self._undo_stack.index()
        self._undo_stack.push(SetLabelsCommand(self.project, self._model, ids, label,
                                               on_error=self.report_error))
        if self._undo_stack.index() == before:
            return  # it failed, and said why
        if label is not None and label not in self.class_names:
            self.refresh_classes()  # set_labels added the class
        if len(ids) == 1 and self._auto_advance():
            self._clip_list.advance()

    def report_error(self, text: str) -> None:
        """A command could not do its work: the banner says what and why."""
        self.message.emit(text, "error")

    def label_by_key(self, key: str) -> None:
        """The digit shortcuts: label the selection with the class on ``key``."""
        name = self._key_to_class.get(key)
        if name is None:
            self.status.emit(f"No class on key {key}: give it one in Edit > Classes (Ctrl+K), "
                             "or type a class name in the label bar (L)", 4000)
            return
        self.label_selection(name)

    def add_class(self, name: str) -> None:
        """A class name typed in the label bar: add it (undoably), and label the selection with it."""
        if self.project is None:
            return
        if name not in self.class_names:
            self._undo_stack.push(AddClassCommand(self.project, name, self.classes_edited,
                                                  on_error=self.report_error))
            if name not in self.class_names:
                return  # it failed, and said why
        if self._clip_list.selected_ids():
            self.label_selection(name)

    def classes_edited(self, labels_changed: bool) -> None:
        """After a class edit, its undo or redo, or an import: read the classes again, and the
        clips when labels moved. The undo stack is kept: every such edit is on it."""
        self.refresh_classes()
        if labels_changed and self.project is not None:
            self._model.sync_records(self.project.clips(include_missing=True))
