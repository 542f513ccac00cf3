"""ClassesDialog: add, rename, merge, recolour, key, reorder and remove the project's classes, each
an undo command (undo is the confirmation of a merge or a remove)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.store.classes import CLASS_KEYS
from core.words import counted
from gui.clips.commands import AddClassCommand, ClassEditCommand
from gui.common.colours import colour_icon
from gui.common.elided_label import one_line
from gui.common.window_actions import redo_keys

NO_KEY = "No key (type-ahead only)"


class ClassesDialog(QDialog):
    """Add, rename, merge, recolour, re-key, reorder and remove the project's classes.

    Each button builds a command and pushes it on ``undo_stack`` (the window's), whose redo makes
    the change; nothing asks "are you sure", because Undo (here, or Ctrl+Z in the window) is
    the confirmation. ``on_changed(labels_changed)`` runs after every change, undo and redo
    (True when clips were relabelled); ``on_error(text)`` gets the reason an edit failed, which
    the dialog's own status line shows too.
    """

    def __init__(self, project: Any, undo_stack: QUndoStack,
                 on_changed: Callable[[bool], None], on_error: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classes")
        self.setMinimumSize(540, 340)  # "great_spotted_woodpecker [no key] · 1 clip" whole
        self._project, self._undo_stack = project, undo_stack
        self._on_changed, self._on_error = on_changed, on_error
        self.list = QListWidget()
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.list.model().rowsMoved.connect(self._on_rows_moved)
        buttons = QVBoxLayout()
        for text, slot in (("Add…", self._add), ("Rename…", self._rename),
                           ("Merge into…", self._merge), ("Colour…", self._colour),
                           ("Key…", self._key), ("Move up", lambda: self._move(-1)),
                           ("Move down", lambda: self._move(1)), ("Remove", self._remove)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        # The window's Undo shortcut cannot reach past a modal dialog: it gets its own.
        for action, keys in ((undo_stack.createUndoAction(self, "Undo"),
                              QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)),
                             (undo_stack.createRedoAction(self, "Redo"), redo_keys())):
            action.setShortcuts(keys)
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)  # its text names the edit: "Undo Merge class knock..."
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        undo_stack.indexChanged.connect(self._on_undo_stack_index_changed)
        self._reload()

    def _reload(self, select: str | None = None) -> None:
        select = select if select is not None else self._selected()
        # A class names clips and regions (the label bar counts both): a class of 12 regions
        # read "0 clips" here, where Remove is offered.
        clips, regions = self._project.label_counts(), self._project.region_label_counts()
        self.list.blockSignals(True)
        self.list.clear()
        for info in self._project.classes():
            key = f"  [key {info.shortcut}]" if info.shortcut else "  [no key]"
            n_clips, n_regions = clips.get(info.name, 0), regions.get(info.name, 0)
            size = ", ".join([counted(n_clips, "clip")] * bool(n_clips or not n_regions)
                             + [counted(n_regions, "region")] * bool(n_regions))
            item = QListWidgetItem(colour_icon(info.colour), f"{one_line(info.name)}{key}  · "
                                                           f"{size}")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.list.addItem(item)
            if info.name == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _push(self, command_type: type, *args: Any, select: str | None = None,
              done: str = "") -> None:
        """Build a ``command_type(project, *args, on_changed, on_error)`` command and push it
        (its redo runs now); the status line says why it failed, or ``done`` when it worked.
        A failed edit keeps the selection (a rename to a name taken selected that class, and
        the next Rename… renamed it), and is said here alone; a later undo or redo's failure,
        when the dialog may be gone, goes to the window's banner."""
        errors: list[str] | None = []

        def report(text: str) -> None:
            # Kept by the command after this dialog is gone: touches no widget of it.
            if errors is None:
                self._on_error(text)
            else:
                errors.append(text)

        self._undo_stack.push(command_type(*args, self._on_changed, on_error=report))
        failed, errors = errors, None
        self.status.setText(failed[-1] if failed else done)
        self._reload(None if failed else select)

    def _edit(self, text: str, edit: Callable[[Any], Any], select: str | None = None,
              done: str = "") -> None:
        """Push a ClassEditCommand: ``edit(project)`` is one of the store's class edits."""
        self._push(ClassEditCommand, text, self._project, edit, select=select, done=done)

    def _on_undo_stack_index_changed(self, _index: int) -> None:
        if self.isVisible():
            self._reload()

    def _add(self) -> None:
        name, ok = QInputDialog.getText(self, "Add class", "Name of the new class:")
        if ok and name.strip():
            self._push(AddClassCommand, self._project, name.strip(), select=name.strip())

    def _rename(self) -> None:
        old = self._selected()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename class", f"New name for {old}:", text=old)
        new = new.strip()
        if ok and new and new != old:
            self._edit(f"Rename class {old} to {new}", lambda p: p.rename_class(old, new), new)

    def _merge(self) -> None:
        source = self._selected()
        others = [n for n in self._names() if n != source]
        if source is None or not others:
            return
        target, ok = QInputDialog.getItem(self, "Merge class",
                                          f"Relabel every {source} clip as:", others, 0, False)
        if ok:
            self._edit(f"Merge class {source} into {target}",
                       lambda p: p.merge_classes([source], target), target,
                       f"Merged {source} into {target}. Ctrl+Z brings it back.")

    def _colour(self) -> None:
        name = self._selected()
        if name is None:
            return
        current = next((c.colour for c in self._project.classes() if c.name == name), "#888888")
        colour = QColorDialog.getColor(QColor(current), self, f"Colour of {name}")
        if colour.isValid():
            self._edit(f"Recolour class {name}",
                       lambda p: p.set_class_colour(name, colour.name()), name)

    def _key(self) -> None:
        """The shortcut editor: pick the key for the selected class from every key, each shown
        with the class holding it; taking a held key trades the two (one undoable edit)."""
        name = self._selected()
        if name is None:
            return
        classes = self._project.classes()
        holders = {c.shortcut: c.name for c in classes if c.shortcut}
        current = next((c.shortcut for c in classes if c.name == name), None)
        choices = [NO_KEY] + [f"{key}" + (f"  (now {holders[key]})" if key in holders else "")
                              for key in CLASS_KEYS]
        start = CLASS_KEYS.index(current) + 1 if current in CLASS_KEYS else 0
        choice, ok = QInputDialog.getItem(self, "Class key",
                                          f"Key that labels a clip as {name}:\n(a key another "
                                          "class holds: the two trade keys)", choices, start, False)
        if not ok:
            return
        key = None if choice == NO_KEY else choice.split()[0]
        if key == current:
            return
        holder = holders.get(key) if key else None
        text = (f"Give key {key} to {name} (from {holder})" if holder
                else f"Set the key of class {name}" if key else f"Remove the key of class {name}")
        self._edit(text, lambda p: p.set_class_shortcut(name, key, swap=True), name)

    def _move(self, step: int) -> None:
        name = self._selected()
        names = self._names()
        if name is None:
            return
        i = names.index(name)
        j = i + step
        if 0 <= j < len(names):
            names[i], names[j] = names[j], names[i]
            self._edit(f"Move class {name}", lambda p: p.reorder_classes(names), name)

    def _on_rows_moved(self, *_: Any) -> None:
        names = self._names()
        self._edit("Reorder classes", lambda p: p.reorder_classes(names))

    def _remove(self) -> None:
        name = self._selected()
        if name is None:
            return
        self._edit(f"Remove class {name}", lambda p: p.remove_class(name), None,
                   f"Removed {name}; its clips and regions are unlabelled. Ctrl+Z brings it "
                   "back.")
