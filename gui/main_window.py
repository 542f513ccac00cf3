"""MainWindow: composes the clip list, clip view, label bar, menus and undo stack, and wires them.

Work happens elsewhere: the store in core, the scan in gui.workers, edits in gui.clips.commands.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import EarmarkError
from core.store.project import Project
from gui.actions import build_actions
from gui.clips.clip_list_panel import ClipListPanel
from gui.clips.clip_table import ClipTableModel
from gui.clips.clip_view import ClipView
from gui.clips.commands import SetLabelsCommand
from gui.clips.label_bar import LabelBar, shortcut_keys
from gui.clips.playback import PlaybackBar, PlaybackController
from gui.common import settings as keys
from gui.common.notices import MessageBanner, WelcomePage
from gui.common.tasks import ScanWorker, is_working, start_worker, stop_thread
from gui.model.classify_panel import local_paths
from gui.model.dock import ModelDock


def ask_stop_work(parent: QWidget, what: str) -> bool:
    """Ask whether to stop background work (``what`` is running) and close; tests replace it."""
    answer = QMessageBox.question(
        parent, "Stop and close?", f"Right now {what}. Stop it and close Earmark?\n\n"
        "Labels are saved; a model still training is not.",
        QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Close


class MainWindow(QMainWindow):
    """Earmark's window. ``open_folder(path)`` opens a project; signals tell tests and tools when
    a folder is open (``folder_opened``) and its scan is over (``scan_finished``)."""

    folder_opened = Signal(str)
    scan_finished = Signal()

    def __init__(self, settings: QSettings | None = None, store_dir: str | Path | None = None,
                 playback: PlaybackController | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else keys.open_settings()
        self._store_dir = store_dir
        self.project: Project | None = None
        self.folder: Path | None = None
        self._worker: ScanWorker | None = None
        self._thread = None
        # Stopped workers stay referenced: their queued signals may still arrive, and a new worker
        # at a freed worker's address would pass for their sender.
        self._retired_workers: list = []
        self._restore_path: str | None = None
        # Scan results wait here and are applied a few per event-loop turn: queued signals are
        # all delivered in one go, so applying them on arrival could stall the window.
        self._scan_queue: deque = deque()
        self._scan_timer = QTimer(self)
        self._scan_timer.setInterval(0)
        self._scan_timer.timeout.connect(self._drain_scan_queue)
        self._class_names: list[str] = []
        self._key_to_class: dict[str, str] = {}
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.undo_stack = QUndoStack(self)
        self.model = ClipTableModel(self)
        self.clip_list = ClipListPanel(self.model)
        self.banner = MessageBanner()
        self.clip_view = ClipView()
        self.playback = playback if playback is not None else PlaybackController(self)
        self.playback_bar = PlaybackBar(self.playback)
        self.clip_view.connect_playback(self.playback)
        self.label_bar = LabelBar()
        self.welcome = WelcomePage()
        self.welcome.open_folder_clicked.connect(lambda: self.acts.open_folder.trigger())
        self.welcome.open_demo_clicked.connect(lambda: self.acts.open_demo.trigger())
        self.centre_stack = QStackedWidget()
        self.centre_stack.addWidget(self.welcome)
        self.centre_stack.addWidget(self.clip_view)
        right = QWidget()
        right.setObjectName("CentrePane")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 4)
        right_layout.setSpacing(6)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.centre_stack, 1)
        right_layout.addWidget(self.playback_bar)
        right_layout.addWidget(self.label_bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("MainSplitter")
        # Name, duration and label must stay readable when the Model dock opens beside it.
        self.clip_list.setMinimumWidth(440)
        self.splitter.addWidget(self.clip_list)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 380])
        self.setCentralWidget(self.splitter)
        self.store_label = QLabel()
        self.store_label.setObjectName("StoreLabel")
        self.statusBar().addPermanentWidget(self.store_label)
        self.model_dock = ModelDock(self.model, self.clip_list, self.undo_stack, self.show_message,
                                    self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.model_dock)
        self.resizeDocks([self.model_dock], [380], Qt.Orientation.Horizontal)
        self.model_dock.records_changed.connect(self._reload_records)
        self.model_dock.features_changed.connect(self.clip_view.set_feature_config)
        # Every label edit, undo and redo passes through the stack: the training panel hears of it.
        self.undo_stack.indexChanged.connect(self.model_dock.labels_edited)

        self.acts = build_actions(self)
        self.clip_list.current_clip_changed.connect(self._on_clip_list_current_changed)
        self.label_bar.label_requested.connect(self.label_selection)
        self.label_bar.class_added.connect(self._on_label_bar_class_added)
        QGuiApplication.instance().applicationStateChanged.connect(self._on_app_state_changed)
        self._update_title()
        self._update_enabled()
        self._read_settings()

    # ---- opening folders ----------------------------------------------------------------

    def open_folder(self, folder: str | Path) -> bool:
        """Open ``folder`` as the project (stopping any scan) and scan it in the background."""
        path = Path(folder).expanduser()
        if not path.is_dir():
            self.show_message(f"Folder not found: {path}. It may have been moved, renamed or "
                              "unplugged.", "error")
            return False
        self._stop_scan()
        try:
            project = Project.open(path, store_dir=self._store_dir)
        except EarmarkError as error:
            self.show_message(f"Could not open {path}: {error}", "error")
            return False
        self._close_project()
        self.project, self.folder = project, project.folder
        self.undo_stack.clear()
        self.model.set_records([])
        self.playback.load(None)
        self.clip_view.show_clip(None)
        self.centre_stack.setCurrentWidget(self.clip_view)
        self.banner.hide()
        self._refresh_classes()
        self.model_dock.set_project(project, self._store_dir)
        keys.add_recent(self.settings, str(self.folder))
        self.acts.rebuild_recent()
        self._restore_path = keys.last_selection(self.settings, str(self.folder))
        note = project.store_note
        inside = project.store_path.parent.parent == project.folder
        where = "the folder's .earmark" if inside else str(project.store_path.parent)
        self.store_label.setText(f"Labels are saved as you go, in {where}")
        self.store_label.setToolTip(str(project.store_path))
        if note:
            self.show_message(note[0].upper() + note[1:] + ".", "info")
        self._update_title()
        self._update_enabled()
        self._start_scan()
        self.folder_opened.emit(str(self.folder))
        return True

    def rescan(self) -> None:
        """Scan the open folder again (new, changed and vanished files)."""
        if self.folder is None:
            return
        if not self.folder.is_dir():
            self.show_message(f"The folder {self.folder} is gone (moved, renamed or unplugged). "
                              "Labels are kept in its store; open it again when it is back.",
                              "error")
            return
        self._stop_scan()
        self._start_scan()

    def _start_scan(self) -> None:
        worker = ScanWorker(self.folder, store_dir=self._store_dir)
        # Bound methods of this window: queued into the GUI thread.
        worker.rows_ready.connect(self._on_worker_rows_ready)
        worker.progress.connect(self._on_worker_progress)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)
        self.model.protect_local_labels(True)
        self.clip_list.set_progress(0.0, "Listing files")
        self.statusBar().showMessage(f"Scanning {self.folder}…")
        self._worker, self._thread = worker, start_worker(worker, self)

    def _stop_scan(self) -> None:
        stop_thread(self._worker, self._thread)
        if self._worker is not None:
            self._retired_workers = [*self._retired_workers[-15:], self._worker]
        self._worker = self._thread = None
        self._scan_queue.clear()
        self._scan_timer.stop()
        self.model.protect_local_labels(False)
        self.clip_list.hide_progress()

    def _queue(self, apply, *args) -> None:
        # A cancelled worker's last signals may still arrive after another folder opened.
        if self.sender() is self._worker:
            self._scan_queue.append((apply, args))
            self._scan_timer.start()

    def _on_worker_rows_ready(self, records: list) -> None:
        self._queue(self._apply_rows, records)

    def _on_worker_finished(self, summary, records: list) -> None:
        self._queue(self._finish_scan, summary, records)

    def _on_worker_failed(self, reason: str) -> None:
        self._queue(self._fail_scan, reason)

    def _on_worker_progress(self, fraction: float, text: str) -> None:
        if self.sender() is self._worker:
            self.clip_list.set_progress(fraction, text)

    def _drain_scan_queue(self) -> None:
        deadline = time.perf_counter() + 0.03  # leave the rest of each turn to input and paint
        while self._scan_queue and time.perf_counter() < deadline:
            apply, args = self._scan_queue.popleft()
            apply(*args)
        if not self._scan_queue:
            self._scan_timer.stop()

    def is_scanning(self) -> bool:
        return is_working(self._worker, self._thread)

    def _reload_records(self) -> None:
        """Clips were added or removed outside a scan (classified files added): reload the list."""
        if self.project is not None:
            self.model.sync_records(self.project.clips(include_missing=True))
            self._refresh_classes()

    def _close_project(self) -> None:
        self.model_dock.set_project(None)
        if self.project is not None:
            self.project.close()
            self.project = None

    def _apply_rows(self, records: list) -> None:
        self.model.upsert_records(records)
        if any(r.label and r.label not in self._class_names for r in records):
            self._refresh_classes()
        if self._restore_path is not None:
            match = next((r.id for r in records if r.path == self._restore_path), None)
            if match is not None:
                self._restore_path = None
                self.clip_list.select_ids([match], match)

    def _finish_scan(self, summary, records: list) -> None:
        self.clip_list.hide_progress()
        self.model.sync_records(records)
        self.model.protect_local_labels(False)
        self._refresh_classes()
        if self._restore_path is not None or self.clip_list.current_id() < 0:
            self._restore_path = None
            self.clip_list.select_row(0)
        if summary.total == 0:
            self.show_message(f"No audio files in {self.folder}. Earmark reads WAV, FLAC, OGG "
                              "and MP3 files in the folder and its subfolders.", "warning")
        parts = [f"{summary.total:,} clips"]
        if summary.added and summary.added != summary.total:
            parts.append(f"{summary.added:,} new")
        if summary.unreadable:
            parts.append(f"{summary.unreadable:,} unreadable")
        if summary.missing:
            parts.append(f"{summary.missing:,} missing")
        took = (f"{summary.elapsed_s:.1f} s" if summary.elapsed_s >= 1
                else f"{summary.elapsed_s * 1000:.0f} ms")
        self.statusBar().showMessage(f"Scanned {self.folder.name}: {', '.join(parts)} ({took})",
                                     8000)
        for warning in summary.warnings:
            self.show_message(warning, "warning")
        self.model_dock.scan_finished()
        self.scan_finished.emit()

    def _fail_scan(self, reason: str) -> None:
        self.clip_list.hide_progress()
        self.model.protect_local_labels(False)
        self.show_message(f"Scanning stopped: {reason}", "error")
        self.scan_finished.emit()

    # ---- classes and labels -------------------------------------------------------------

    def _refresh_classes(self) -> None:
        classes = self.project.classes() if self.project is not None else []
        self._class_names = [c.name for c in classes]
        self._key_to_class = {key: name for name, key in shortcut_keys(classes).items()}
        colours = {c.name: c.colour for c in classes if c.colour}
        self.model.set_class_colours(colours)
        self.model_dock.set_class_colours(colours)
        self.label_bar.set_classes(classes)
        self.clip_list.set_classes(self._class_names)
        self.acts.update_label_actions(self._key_to_class)

    def label_selection(self, label: str | None) -> None:
        """Give the selected clips ``label`` (None clears), undoably, then maybe advance."""
        ids = self.clip_list.selected_ids()
        if self.project is None or not ids:
            self.statusBar().showMessage("Select one or more clips first", 3000)
            return
        try:
            previous = self.project.set_labels(ids, label)
        except EarmarkError as error:
            self.show_message(f"Could not label: {error}", "error")
            return
        self.undo_stack.push(SetLabelsCommand(self.project, self.model, ids, label, previous,
                                              on_error=lambda m: self.show_message(m, "error")))
        if label is not None and label not in self._class_names:
            self._refresh_classes()  # set_labels added the class
        if len(ids) == 1 and self.acts.auto_advance.isChecked():
            self.clip_list.advance()

    def label_by_key(self, key: str) -> None:
        """The digit shortcuts: label the selection with the class on ``key``."""
        name = self._key_to_class.get(key)
        if name is None:
            self.statusBar().showMessage(f"No class on key {key}; type a name under the clip "
                                         "view to add one", 3000)
            return
        self.label_selection(name)

    def _on_label_bar_class_added(self, name: str) -> None:
        if self.project is None:
            return
        if name not in self._class_names:
            try:
                self.project.add_class(name)
            except EarmarkError as error:
                self.show_message(str(error), "error")
                return
            self._refresh_classes()
        if self.clip_list.selected_ids():
            self.label_selection(name)

    def classes_edited(self, labels_changed: bool) -> None:
        """After the Classes dialog: reload classes, and clips when labels moved with them."""
        self._refresh_classes()
        if labels_changed and self.project is not None:
            # Rename/merge/remove are not on the undo stack: older commands would restore
            # names that no longer exist.
            self.undo_stack.clear()
            self.model.sync_records(self.project.clips(include_missing=True))

    # ---- the clip on show ---------------------------------------------------------------

    def _on_clip_list_current_changed(self, clip_id: int) -> None:
        record = self.model.record_by_id(clip_id) if clip_id >= 0 else None
        if record is None or self.project is None:
            self.clip_view.show_clip(None)
            return
        path = self.project.abspath(record)
        keys.remember_selection(self.settings, str(self.folder), record.path)
        if not path.exists():
            self.playback.load(None)  # Space must not play the clip shown before
            self.clip_view.show_clip(None)
            self.clip_view.show_message(f"{record.path} was deleted or moved.\n"
                                        "Rescan the folder (F5) to update the list.")
            self.statusBar().showMessage(f"{record.path} no longer exists", 5000)
            return
        self.clip_view.show_clip(path, title=record.path)

    def _on_app_state_changed(self, state: Qt.ApplicationState) -> None:
        # Coming back to the window is when a vanished folder (unplugged drive) is noticed.
        if (state == Qt.ApplicationState.ApplicationActive and self.folder is not None
                and not self.folder.is_dir()):
            self.show_message(f"The folder {self.folder} is gone (moved, renamed or unplugged). "
                              "Labels are kept in its store; open it again when it is back.",
                              "error")

    # ---- messages, title, enabled state -------------------------------------------------

    def show_message(self, text: str, kind: str = "info") -> None:
        """A non-blocking banner over the clip view, echoed in the status bar."""
        self.banner.show_message(text, kind)
        self.statusBar().showMessage(text.split("\n")[0], 10000)

    def _update_title(self) -> None:
        self.setWindowTitle(f"Earmark — {self.folder.name}" if self.folder else "Earmark")
        self.setWindowFilePath(str(self.folder) if self.folder else "")

    def _update_enabled(self) -> None:
        is_open = self.project is not None
        self.acts.set_project_open(is_open)
        # The welcome page shows no player or label buttons: nothing to act on yet.
        self.label_bar.setVisible(is_open)
        self.playback_bar.setVisible(is_open)

    # ---- drag and drop, settings, closing -----------------------------------------------

    @staticmethod
    def _split_drop(event: QDragEnterEvent | QDropEvent) -> tuple[Path | None, list[Path]]:
        """(a folder to open, audio files to classify): dropped files are classified, a dropped
        folder opens as the project (the Classify tab's drop zone classifies folders)."""
        paths = local_paths(event.mimeData())
        files = [p for p in paths if p.is_file()]
        folders = [p for p in paths if p.is_dir()]
        return (folders[0] if folders and not files else None), files

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        folder, files = self._split_drop(event)
        if folder is not None or files:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder, files = self._split_drop(event)
        if files:
            event.acceptProposedAction()
            self.model_dock.classify_files(files)
        elif folder is not None:
            event.acceptProposedAction()
            self.open_folder(folder)

    def _read_settings(self) -> None:
        geometry = keys.read(self.settings, keys.GEOMETRY)
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = keys.read(self.settings, keys.WINDOW_STATE)
        if not state.isEmpty():
            self.restoreState(state)
        splitter = keys.read(self.settings, keys.MAIN_SPLITTER)
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        header = keys.read(self.settings, keys.TABLE_HEADER)
        if not header.isEmpty():
            self.clip_list.table.horizontalHeader().restoreState(header)
            self.clip_list.show_prediction_columns(self.model.has_predictions())
        self.acts.auto_advance.setChecked(keys.read(self.settings, keys.AUTO_ADVANCE))
        self.acts.show_features.setChecked(keys.read(self.settings, keys.SHOW_FEATURES))

    def _write_settings(self) -> None:
        keys.write(self.settings, keys.GEOMETRY, self.saveGeometry())
        keys.write(self.settings, keys.WINDOW_STATE, self.saveState())
        keys.write(self.settings, keys.MAIN_SPLITTER, self.splitter.saveState())
        keys.write(self.settings, keys.TABLE_HEADER,
                   self.clip_list.table.horizontalHeader().saveState())
        keys.write(self.settings, keys.AUTO_ADVANCE, self.acts.auto_advance.isChecked())
        keys.write(self.settings, keys.SHOW_FEATURES, self.acts.show_features.isChecked())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if self.model_dock.is_busy() and not ask_stop_work(self, self.model_dock.busy_text()):
            event.ignore()
            return
        self.model_dock.shutdown()  # workers stopped and joined before the store closes
        self._stop_scan()
        self.playback.stop()
        self.clip_view.shutdown()
        self._write_settings()
        self._close_project()
        QGuiApplication.instance().applicationStateChanged.disconnect(self._on_app_state_changed)
        super().closeEvent(event)

    def all_actions(self) -> list[QAction]:
        """Every action with a shortcut, for the shortcuts dialog."""
        return self.acts.all()
