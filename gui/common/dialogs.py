"""Dialogs every feature may use: the keyboard shortcuts list, About (with the versions), and
asking whether to stop work and close."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import qVersion
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

from core.audio.reading import AUDIO_EXTENSIONS
from core.version import earmark_version, runtime_versions


class ShortcutsDialog(QDialog):
    """Every action that has a shortcut, with its keys, in a table."""

    def __init__(self, actions: list[QAction], extra: list[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setMinimumSize(640, 480)  # the keys of a mouse gesture are a sentence
        rows = list(extra)
        for action in actions:
            keys = ", ".join(s.toString(s.SequenceFormat.NativeText) for s in action.shortcuts())
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…."), keys))
        table = QTableWidget(len(rows), 2)
        table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (text, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(text))
            table.setItem(row, 1, QTableWidgetItem(keys))
        # The keys wrap, whole: each row as tall as its keys, again as the dialog is resized.
        table.setWordWrap(True)
        header.sectionResized.connect(lambda *_: table.resizeRowsToContents())
        self.table = table
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(close)


def audio_file_filter() -> str:
    """A file dialog's filter of every kind of audio file the app reads (a scan lists AIFF, Opus,
    W64... too), either case."""
    patterns = " ".join(f"*{suffix} *{suffix.upper()}" for suffix in sorted(AUDIO_EXTENSIONS))
    return f"Audio files ({patterns});;All files (*)"


def about_text() -> str:
    """The About box's text: what Earmark is, its version and the versions it runs on."""
    runtime = runtime_versions()
    python = runtime.pop("Python")
    parts = [f"Python {python}", f"Qt {qVersion()} (PySide6 {PySide6.__version__})"]
    parts += [f"{name} {version}" for name, version in runtime.items()]
    return (f"<h3>Earmark {earmark_version()}</h3>"
            "<p>Label audio clips quickly and train a classifier on them.</p>"
            "<p>Labels are saved as you go, in the folder's <code>.earmark</code> store.</p>"
            f"<p><small>{' · '.join(parts)}</small></p>")


def show_about(parent: QWidget) -> None:
    """The About box."""
    QMessageBox.about(parent, "About Earmark", about_text())


def ask_stop_work(parent: QWidget, what: str) -> bool:
    """Ask whether to stop background work (``what`` is running) and close; tests replace it."""
    kept = ("Labels are saved; the model being trained is not." if "training" in what else
            "Labels are saved; what is stopped can be run again.")  # no training: none lost
    answer = QMessageBox.question(
        parent, "Stop and close?", f"Right now {what}. Stop it and close Earmark?\n\n{kept}",
        QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Close
