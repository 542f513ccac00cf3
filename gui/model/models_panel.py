"""ModelsPanel: every model of the project (date, classes, accuracy), which one is active, and
buttons to make another active or load a model file from elsewhere."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.workflow import model_metrics

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ModelsPanel(QWidget):
    """``set_models(records, active_id)`` fills the list. Signals: ``activate_requested(int)``,
    ``load_requested(str)`` a file path chosen by the person."""

    activate_requested = Signal(int)
    load_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModelsPanel")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["", "Created", "Classes", "Accuracy", "File"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._on_activate)
        self.activate_button = QPushButton("Make Active")
        self.activate_button.clicked.connect(self._on_activate)
        self.load_button = QPushButton("Load Model File…")
        self.load_button.clicked.connect(self.choose_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addStretch(1)
        buttons.addWidget(self.load_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._active_id: int | None = None
        self._update_buttons()

    def set_models(self, records, active_id: int | None) -> None:
        """Newest first; the active one marked with ●."""
        self._active_id = active_id
        self.table.setRowCount(0)
        for record in sorted(records, key=lambda r: r.id, reverse=True):
            row = self.table.rowCount()
            self.table.insertRow(row)
            accuracy = model_metrics(record).accuracy
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
            classes = ", ".join(record.classes)
            cells = ["●" if record.id == active_id else "", created,
                     classes if len(classes) < 60 else classes[:57] + "…",
                     "" if accuracy is None else f"{accuracy:.1%}",
                     str(record.path).rsplit("/", 1)[-1]]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, record.id)
                item.setToolTip(classes if col == 2 else str(record.path))
                self.table.setItem(row, col, item)
        self._update_buttons()

    def model_ids(self) -> list[int]:
        return [self.table.item(r, 0).data(ID_ROLE) for r in range(self.table.rowCount())]

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(ID_ROLE) if rows else None

    def select_id(self, model_id: int) -> None:
        for row, mid in enumerate(self.model_ids()):
            if mid == model_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected_id()
        self.activate_button.setEnabled(chosen is not None and chosen != self._active_id)

    def _on_activate(self, *_) -> None:
        chosen = self.selected_id()
        if chosen is not None and chosen != self._active_id:
            self.activate_requested.emit(chosen)

    def choose_file(self) -> None:
        """Ask for a model file and emit ``load_requested`` with it."""
        path, _ = QFileDialog.getOpenFileName(self, "Load an Earmark model", "",
                                              "Earmark models (*.pt);;All files (*)")
        if path:
            self.load_requested.emit(path)
