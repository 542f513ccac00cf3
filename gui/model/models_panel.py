"""ModelsPanel: every model of the project (date, classes, accuracy), which one is active,
buttons to make another active or load a model file from elsewhere, and the card of the
selected model (core.ml.model_card, the text of `main.py info`), read in the background."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.ml.model_card import format_card, read_model_card
from core.workflow import model_metrics
from gui.common.elided_label import one_line
from gui.common.tasks import FunctionWorker, TaskSlot

ID_ROLE = Qt.ItemDataRole.UserRole + 1
CLASSES = 3  # the table's column of class names


NO_MODEL_TEXT = "Select a model to see its card."


class ModelsPanel(QWidget):
    """``set_models(records, active_id)`` fills the list. Signals: ``activate_requested(int)``,
    ``load_requested(str)`` a file path chosen by the person.

    Under the list, ``card`` shows the card of the selected model (the active one while none is
    selected), read from its file by a background task while the panel is shown; ``path_of``
    turns a ModelRecord into its file (default: the record's path as stored). ``shutdown()``
    joins that task (the window is closing).
    """

    activate_requested = Signal(int)
    load_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None,
                 path_of: Callable[[object], Path] | None = None) -> None:
        super().__init__(parent)
        self._path_of = path_of or (lambda record: Path(record.path))
        self._records: dict[int, object] = {}
        self._cards: dict[Path, dict] = {}  # model files never change once saved
        self._card: dict | None = None  # the card on show, written again at a new width
        self._card_chars = 0  # the width in characters it was written at
        self._card_path: Path | None = None  # the file whose card is shown or being read
        self._card_task = TaskSlot(self)
        self.setObjectName("ModelsPanel")
        # No File column: a model's file name (model-20261206-082601.pt, 170 px) with the others
        # pushed Accuracy out of a 380 px dock; it is in each row's tip and on the card.
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        self.table.setHorizontalHeaderLabels(["", "Created", "Accuracy", "Classes"])
        self.table.setWordWrap(False)  # the classes on one line, cut with "…"
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The classes take the room the others leave, cut with "…" (their whole list on hover):
        # at their own width, ten digits' names pushed Accuracy past a 380 px dock's edge.
        header.setSectionResizeMode(CLASSES, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._on_activate)
        self.activate_button = QPushButton("Make Active")
        self.activate_button.clicked.connect(self._on_activate)
        self.load_button = QPushButton("Load Model File…")
        self.load_button.clicked.connect(self.choose_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addStretch(1)
        buttons.addWidget(self.load_button)
        self.card = QPlainTextEdit()
        self.card.setObjectName("ModelCard")
        self.card.setReadOnly(True)
        # Written at the card's own width (format_card wraps its sections with their names
        # kept in a column; the table scrolls past it): a terminal's 78 columns were cut at a
        # 380 px dock's edge.
        self.card.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.card.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.card.viewport().installEventFilter(self)
        self.card.setPlaceholderText(NO_MODEL_TEXT)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.card)
        split.setStretchFactor(1, 2)  # a few models listed; the card is what is read
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemSelectionChanged.connect(self._show_card)
        self._active_id: int | None = None
        self._update_buttons()

    def set_models(self, records, active_id: int | None) -> None:
        """Newest first; the active one marked with ●."""
        self._active_id = active_id
        self._records = {record.id: record for record in records}
        self.table.blockSignals(True)  # one card request for the new list, not one per row
        self.table.setRowCount(0)
        for record in sorted(records, key=lambda r: r.id, reverse=True):
            row = self.table.rowCount()
            self.table.insertRow(row)
            accuracy = model_metrics(record).accuracy
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
            classes = one_line(", ".join(record.classes))
            cells = ["●" if record.id == active_id else "", created,
                     "" if accuracy is None else f"{accuracy:.1%}", classes]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, record.id)
                item.setToolTip(classes if col == CLASSES else str(record.path))
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self._update_buttons()
        self._show_card()

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

    # ---- the model card --------------------------------------------------------------------

    def card_model_id(self) -> int | None:
        """The model whose card is shown: the selected one, else the active one."""
        chosen = self.selected_id()
        return chosen if chosen is not None else self._active_id

    def shutdown(self) -> None:
        """Stop reading a card and join its thread (the window is closing)."""
        self._card_task.cancel()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._show_card()  # cards are read only for a panel a person can see

    def card_width_chars(self) -> int:
        """How many characters of the card's font fit across it (at least 40)."""
        char_px = max(self.card.fontMetrics().horizontalAdvance("0"), 1)
        margin_px = 2 * int(self.card.document().documentMargin())
        return max(40, (self.card.viewport().width() - margin_px) // char_px)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.card.viewport() and event.type() == QEvent.Type.Resize
                and self._card is not None and self.card_width_chars() != self._card_chars):
            self._put_card(self._card)
        return super().eventFilter(watched, event)

    def _put_card(self, card: dict | None, text: str = "") -> None:
        """Show ``card`` written at the card's width (None: ``text``); the same card written
        again (a new width) keeps where it was scrolled to."""
        scrolled = self.card.verticalScrollBar().value() if card is self._card else 0
        self._card, self._card_chars = card, self.card_width_chars()
        self.card.setPlainText(text if card is None else format_card(card, self._card_chars))
        self.card.verticalScrollBar().setValue(scrolled)

    def _show_card(self) -> None:
        record = self._records.get(self.card_model_id())
        if record is None:
            self._card_task.cancel()
            self._card_path = None
            self._put_card(None)
            return
        path = self._path_of(record)
        if path in self._cards:
            self._card_task.cancel()
            self._card_path = path
            self._put_card(self._cards[path])
            return
        if path == self._card_path and self._card_task.is_running():
            return
        if not self.isVisible():  # read when shown
            self._card_task.cancel()
            self._card_path = None
            self._put_card(None)
            return
        self._card_path = path
        self._put_card(None, f"Reading {path.name}…")
        self._card_task.start(FunctionWorker(lambda _worker: read_model_card(path)),
                              finished=lambda card: self._on_card_read(path, card),
                              failed=self._on_card_failed)

    def _on_card_read(self, path: Path, card: dict) -> None:
        self._cards[path] = card
        if path == self._card_path:
            self._put_card(card)

    def _on_card_failed(self, reason: str) -> None:
        # Not kept: a file put back (or a disk back online) is read again next time.
        self._put_card(None, f"This model's file cannot be read:\n{reason}")
