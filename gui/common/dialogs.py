"""Dialogs every feature may use: the keyboard shortcuts list, About, and asking whether to stop
work and close."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


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


def ask_stop_work(parent: QWidget, what: str) -> bool:
    """Ask whether to stop background work (``what`` is running) and close; tests replace it."""
    answer = QMessageBox.question(
        parent, "Stop and close?", f"Right now {what}. Stop it and close Earmark?\n\n"
        "Labels are saved; a model still training is not.",
        QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Close
