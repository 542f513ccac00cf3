"""Dialogs: manage classes, the keyboard shortcuts list, About."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import EarmarkError
from gui.common.colours import colour_icon


class ClassesDialog(QDialog):
    """Add, rename, merge, recolour, reorder and remove the project's classes.

    Emits ``classes_changed(bool)`` after each change; True when clip labels changed too
    (rename, merge, remove), so the window reloads the list and drops stale undo history.
    """

    classes_changed = Signal(bool)

    def __init__(self, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classes")
        self.setMinimumSize(420, 320)
        self._project = project
        self.list = QListWidget()
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.list.model().rowsMoved.connect(self._on_rows_moved)
        buttons = QVBoxLayout()
        for text, slot in (("Add…", self._add), ("Rename…", self._rename),
                           ("Merge into…", self._merge), ("Colour…", self._colour),
                           ("Move up", lambda: self._move(-1)),
                           ("Move down", lambda: self._move(1)), ("Remove", self._remove)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(close)
        self._reload()

    def _reload(self, select: str | None = None) -> None:
        self.list.clear()
        for info in self._project.classes():
            item = QListWidgetItem(colour_icon(info.colour), info.name)
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.list.addItem(item)
            if info.name == select:
                self.list.setCurrentItem(item)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _apply(self, change, labels_changed: bool, select: str | None = None) -> None:
        try:
            change()
        except EarmarkError as error:
            QMessageBox.warning(self, "Classes", str(error))
        else:
            self.classes_changed.emit(labels_changed)
        self._reload(select)

    def _add(self) -> None:
        name, ok = QInputDialog.getText(self, "Add class", "Name of the new class:")
        if ok and name.strip():
            self._apply(lambda: self._project.add_class(name.strip()), False, name.strip())

    def _rename(self) -> None:
        old = self._selected()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename class", f"New name for {old}:", text=old)
        if ok and new.strip() and new.strip() != old:
            self._apply(lambda: self._project.rename_class(old, new.strip()), True, new.strip())

    def _merge(self) -> None:
        source = self._selected()
        others = [n for n in self._names() if n != source]
        if source is None or not others:
            return
        target, ok = QInputDialog.getItem(self, "Merge class",
                                          f"Relabel every {source} clip as:", others, 0, False)
        if ok:
            self._apply(lambda: self._project.merge_classes([source], target), True, target)

    def _colour(self) -> None:
        name = self._selected()
        if name is None:
            return
        current = next((c.colour for c in self._project.classes() if c.name == name), "#888888")
        colour = QColorDialog.getColor(QColor(current), self, f"Colour of {name}")
        if colour.isValid():
            self._apply(lambda: self._project.set_class_colour(name, colour.name()), False, name)

    def _move(self, step: int) -> None:
        name = self._selected()
        names = self._names()
        if name is None:
            return
        i = names.index(name)
        j = i + step
        if 0 <= j < len(names):
            names[i], names[j] = names[j], names[i]
            self._apply(lambda: self._project.reorder_classes(names), False, name)

    def _on_rows_moved(self, *_: Any) -> None:
        names = self._names()
        self._apply(lambda: self._project.reorder_classes(names), False, self._selected())

    def _remove(self) -> None:
        name = self._selected()
        if name is None:
            return
        answer = QMessageBox.question(
            self, "Remove class", f"Remove {name}? Clips labelled {name} become unlabeled.")
        if answer == QMessageBox.StandardButton.Yes:
            self._apply(lambda: self._project.remove_class(name), True)


class ShortcutsDialog(QDialog):
    """Every action that has a shortcut, with its keys, in a table."""

    def __init__(self, actions: list[QAction], extra: list[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setMinimumSize(420, 460)
        rows = list(extra)
        for action in actions:
            keys = ", ".join(s.toString(s.SequenceFormat.NativeText) for s in action.shortcuts())
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…."), keys))
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, (text, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(text))
            table.setItem(row, 1, QTableWidgetItem(keys))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(close)


def show_about(parent: QWidget) -> None:
    """The About box."""
    QMessageBox.about(
        parent, "About Earmark",
        "<h3>Earmark</h3><p>Label audio clips quickly and train a classifier on them.</p>"
        "<p>Labels are saved as you go, in the folder's <code>.earmark</code> store.</p>")
