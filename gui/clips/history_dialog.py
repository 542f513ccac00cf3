"""LabelHistoryDialog: every label the current clip has had, newest first, when and how each
came (a key, an import, a class renamed, an undo), with any earlier label put back as an undo
step. The store keeps every change (``label_history``); the window's undo history ends with
its session, this does not."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.errors import EarmarkError
from core.store.records import LabelChange
from gui.common.elided_label import one_line
from gui.common.table_model import ModelIndex, ReadOnlyTableModel

UNLABELLED = "(none)"


class LabelHistoryModel(ReadOnlyTableModel):
    """A clip's label changes, newest first: when, the label before and after, and how."""

    columns = ("When", "Before", "After", "How")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.changes: list[LabelChange] = []

    def set_changes(self, changes: list[LabelChange]) -> None:
        self.beginResetModel()
        self.changes = list(reversed(changes))
        self.endResetModel()

    def _row_count(self) -> int:
        return len(self.changes)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        change = self.changes[index.row()]
        column = index.column()
        if column == 0:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(change.changed_at))
        if column in (1, 2):
            label = change.old_label if column == 1 else change.new_label
            return UNLABELLED if label is None else one_line(label)
        return change.how()


class LabelHistoryDialog(QDialog):
    """The label history of the clip current in the window's list, following it as the person
    moves through the list (the dialog is not modal) and as edits, undos and redos change it.
    *Put Back This Label* gives the clip the label (and its source) it had after the chosen
    change, through ``put_back(clip_id, label, source)``, an undoable edit of the window's.

    ``project_of()`` the open project or None; ``current_clip()`` the current clip's id, -1
    for none; ``record_of(clip_id)`` the list's record of it (its path and label), or None.
    Hidden, it reads nothing."""

    def __init__(self, project_of: Callable[[], Any], current_clip: Callable[[], int],
                 record_of: Callable[[int], Any],
                 put_back: Callable[[int, str | None, str | None], None],
                 undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label History")
        self.resize(640, 320)
        self._project_of, self._current_clip, self._record_of = project_of, current_clip, record_of
        self._put_back = put_back
        self._clip_id = -1
        self._label: str | None = None  # the current clip's, as the list shows it
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.model = LabelHistoryModel(self)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._update_button)
        self.table.doubleClicked.connect(lambda _index: self._on_put_back())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.put_back_button = QPushButton("&Put Back This Label")
        self.put_back_button.setToolTip("Give the clip the label it had after the chosen change "
                                        "(Ctrl+Z takes it back)")
        self.put_back_button.clicked.connect(self._on_put_back)
        buttons.addButton(self.put_back_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        undo_stack.indexChanged.connect(lambda _index: self.refresh())
        self.refresh()

    def refresh(self, *_: Any) -> None:
        """Show the current clip's history again (another clip, or its label changed)."""
        if not self.isVisible():
            return
        project, clip_id = self._project_of(), self._current_clip()
        record = self._record_of(clip_id) if project is not None and clip_id >= 0 else None
        kept = self._selected_change() if clip_id == self._clip_id else None
        self._clip_id = clip_id if record is not None else -1
        self._label = record.label if record is not None else None
        changes: list[LabelChange] = []
        if record is None:
            self.heading.setText("No clip is selected in the list.")
        else:
            path = html.escape(record.path)
            try:
                changes = project.label_history(clip_id)
            except EarmarkError as error:
                self.heading.setText(f"{path}: the history cannot be read "
                                     f"({html.escape(str(error))})")
            else:
                now = ("unlabelled" if self._label is None
                       else f"labelled <b>{html.escape(one_line(self._label))}</b>")
                never = "" if changes else ", its label never changed"
                self.heading.setText(f"<b>{path}</b>: {now} now{never}")
        self.model.set_changes(changes)
        if kept is not None and kept in self.model.changes:
            self.table.selectRow(self.model.changes.index(kept))
        self._update_button()

    def _selected_change(self) -> LabelChange | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.changes[rows[0].row()] if rows else None

    def _update_button(self, *_: Any) -> None:
        change = self._selected_change()
        self.put_back_button.setEnabled(change is not None and self._clip_id >= 0
                                        and self._label != change.new_label)

    def _on_put_back(self) -> None:
        change = self._selected_change()
        if change is None or not self.put_back_button.isEnabled():
            return
        self._put_back(self._clip_id, change.new_label, change.new_source)
