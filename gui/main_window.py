"""MainWindow: composes the workspace (clip list, clip view, label bar), the Model dock, the menus
and the undo stack, and wires them; the work happens in core, controllers, tasks and commands."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow

from core.errors import EarmarkError
from core.store.project import Project
from gui.actions import build_actions, edit_menu
from gui.clips.clip_list_panel import ClipListPanel
from gui.clips.clip_table import ClipTableModel
from gui.clips.clip_view import ClipView
from gui.clips.cursor_readout import CursorReadout
from gui.clips.label_bar import LabelBar
from gui.clips.labelling import LabelController
from gui.clips.playback import PlaybackBar, PlaybackController
from gui.clips.region_list_panel import RegionListPanel
from gui.clips.region_overlay import RegionOverlay
from gui.clips.scan_controller import ScanController
from gui.clips.workspace import Workspace
from gui.common import dialogs
from gui.common import settings as keys
from gui.common.drops import split_window_drop, take_window_drop
from gui.common.notices import MessageBanner, WelcomePage
from gui.common.project_holder import ProjectHolder, refused_text
from gui.common.screen import fit_inside_screen
from gui.model.dock import ModelDock

#: The size the window opens at the first time: the screen's room, up to this.
DEFAULT_SIZE_PX = (1680, 1050)


class MainWindow(QMainWindow):
    """Earmark's window. ``open_folder(path)`` opens a project; signals tell tests and tools when
    a folder is open (``folder_opened``) and its scan is over (``scan_finished``)."""

    folder_opened = Signal(str)
    scan_finished = Signal()

    @property
    def project(self) -> Project | None:  # None before one is open
        return self._holder.project

    def __init__(self, settings: QSettings | None = None, store_dir: str | Path | None = None,
                 playback: PlaybackController | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else keys.open_settings()
        self._holder = ProjectHolder(store_dir)  # the open project and its lock
        self._fitted = False
        self._closed = False
        self.folder: Path | None = None
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)

        self.undo_stack = QUndoStack(self)
        self.model = ClipTableModel(self)
        self.clip_list = ClipListPanel(self.model)
        self.banner = MessageBanner()
        self.clip_view = ClipView()
        self.playback = playback if playback is not None else PlaybackController(self)
        self.playback_bar = PlaybackBar(self.playback)
        self.playback.follow_view(self.clip_view)
        self.label_bar = LabelBar()
        self.welcome = WelcomePage()  # its buttons: the File and Help menus' actions
        self.scan = ScanController(self.model, self.clip_list, self)
        self.labels = LabelController(self.model, self.clip_list, self.undo_stack,
                                      lambda: self.acts.auto_advance.isChecked(), self)
        regions = self.labels.regions
        self.region_overlay = RegionOverlay(self.clip_view, lambda: self.project, self.undo_stack,
                                            regions, self.labels.class_colours,
                                            self.labels.report_error, self)
        self.region_list = RegionListPanel(regions, lambda: self.project, self.clip_view,
                                           self.playback, self.labels.class_colours,
                                           clip_list=self.clip_list)
        self.addActions(self.region_list.actions_for_menu())  # so Keyboard Shortcuts lists them
        self.workspace = Workspace(self.clip_list, self.banner, self.welcome, self.clip_view,
                                   self.region_list, self.playback_bar, self.label_bar)
        self.splitter = self.workspace.splitter
        self.setCentralWidget(self.workspace)
        self.cursor_readout = CursorReadout(self.clip_view)  # time, pitch, level at the pointer
        self.statusBar().addPermanentWidget(self.cursor_readout)
        self.store_label = QLabel()
        self.store_label.setObjectName("StoreLabel")
        self.statusBar().addPermanentWidget(self.store_label)
        self.model_dock = ModelDock(self.model, self.clip_list, self.undo_stack, self.show_message,
                                    self, settings=self.settings)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.model_dock)
        self.resizeDocks([self.model_dock], [380], Qt.Orientation.Horizontal)
        self.model_dock.records_changed.connect(self._on_model_dock_records_changed)
        self.model_dock.status.connect(self.statusBar().showMessage)
        self.model_dock.features_changed.connect(self.clip_view.set_feature_config)
        # Every label edit, undo and redo passes through the stack: the training panel hears of it.
        self.undo_stack.indexChanged.connect(self.model_dock.labels_edited)

        self.model_dock.connect_clips(self.clip_view, self.playback, self.labels)
        self.labels.region_label_override = self.model_dock.review.relabel_event
        self.acts = build_actions(self)
        self._wire()
        QGuiApplication.instance().applicationStateChanged.connect(self._on_app_state_changed)
        self._update_title()
        self._update_enabled()
        fit_inside_screen(self, *DEFAULT_SIZE_PX)
        self._read_settings()
        fit_inside_screen(self)  # a size saved on a larger screen

    def _wire(self) -> None:
        self.clip_list.current_clip_changed.connect(self._on_clip_list_current_changed)
        self.clip_list.current_clip_changed.connect(self.labels.regions.set_clip)
        # A click in the clip list hands the class keys back to the clips.
        self.clip_list.table.pressed.connect(lambda _index: self.labels.regions.select(None))
        # Columns appeared: seen without scrolling sideways, names not cut to first letters.
        self.clip_list.columns_appeared.connect(
            lambda: self.workspace.widen_list(self.clip_list.wanted_width()))
        self.label_bar.label_requested.connect(self.labels.label_selection)
        self.clip_view.unreadable.connect(self.labels.mark_unreadable)
        self.label_bar.class_added.connect(self.labels.add_class)
        self.label_bar.typing_finished.connect(self.clip_list.focus_list)
        self.label_bar.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.labels.counts_changed.connect(self.label_bar.set_counts)
        # New classes and colours reach the regions drawn and listed.
        self.labels.classes_changed.connect(self.region_overlay.refresh)
        self.labels.classes_changed.connect(self.region_list.refresh)
        self.undo_stack.indexChanged.connect(self.labels.refresh_counts)
        self.labels.classes_changed.connect(self._on_labels_classes_changed)
        self.labels.keys_changed.connect(self.acts.update_label_actions)
        self.labels.message.connect(self.show_message)
        self.labels.message_past.connect(self.banner.withdraw)
        self.labels.status.connect(self.statusBar().showMessage)
        self.scan.labels_seen.connect(self.labels.refresh_if_new)
        self.scan.message.connect(self.show_message)
        self.scan.status.connect(self.statusBar().showMessage)
        self.scan.finished.connect(self._on_scan_finished)

    # ---- opening folders ----------------------------------------------------------------

    def open_folder(self, folder: str | Path) -> bool:
        """Open ``folder`` as the project (stopping any scan) and scan it in the background."""
        self.scan.stop()
        try:
            project = self._holder.open(folder, before_close=self._let_go_of_project, parent=self)
        except EarmarkError as error:
            self.show_message(refused_text(folder, error), "error")
            return False
        self.folder = project.folder
        self.clip_view.set_cache_dir(project.store_path.parent / "cache")  # overviews of long files
        self.undo_stack.clear()
        self.model.set_records([])
        self.playback.load(None)
        self.clip_view.show_clip(None)
        self.workspace.show_clips()
        self.banner.hide()
        self.labels.set_project(project)
        self.model_dock.set_project(project)
        keys.add_recent(self.settings, str(self.folder))
        self.acts.rebuild_recent()
        self.store_label.setText(f"Labels are saved as you go, in {self._holder.where()}")
        self.store_label.setToolTip(str(project.store_path))
        if project.store_note:
            self.show_message(project.store_note[0].upper() + project.store_note[1:] + ".")
        self._update_title()
        self._update_enabled()
        self.scan.start(project, restore_path=keys.last_selection(self.settings, str(self.folder)))
        self.clip_list.focus_list()  # the first keystroke labels or moves, never filters
        self.folder_opened.emit(str(self.folder))
        return True

    def rescan(self) -> None:
        """Scan the open folder again (new, changed and vanished files)."""
        if self.folder is not None and not self._say_if_folder_gone():
            self.scan.start(self.project)

    def is_scanning(self) -> bool:
        return self.scan.is_scanning()

    def _on_model_dock_records_changed(self, records: list) -> None:
        """Clips were added or removed outside a scan (classified files added): ``records`` are
        all of them, read by the task that changed them."""
        if self.project is not None:
            self.model.sync_records(records)
            self.labels.refresh_classes()  # an undone add takes its clips, and classes, away

    def _let_go_of_project(self) -> None:
        """Before the open project closes: nothing holds it any more."""
        self.model_dock.set_project(None)
        self.labels.set_project(None)

    def _on_scan_finished(self) -> None:
        self.workspace.fit_list(self.clip_list.wanted_width())
        self.labels.refresh_classes()
        self.model_dock.classify_new_clips()
        if self.scan.first_scan_read_names():
            edit_menu.open_name_rule_dialog(self)  # say which rule read the names; let them pick
        self.scan_finished.emit()

    def _on_labels_classes_changed(self, classes: list) -> None:
        colours = {c.name: c.colour for c in classes if c.colour}
        self.model.set_class_colours(colours)
        self.model_dock.set_class_colours(colours)
        self.label_bar.set_classes(classes)
        self.clip_list.set_classes([c.name for c in classes])

    # ---- the clip on show ---------------------------------------------------------------

    def _on_clip_list_current_changed(self, clip_id: int) -> None:
        record = self.model.record_by_id(clip_id) if clip_id >= 0 else None
        if record is None or self.project is None:
            self.clip_view.show_clip(None)
            return
        keys.remember_selection(self.settings, str(self.folder), record.path)
        # A file gone: the view says so, and playback lets go of the clip shown before.
        if not self.clip_view.show_file(self.project.abspath(record), record.path):
            self.statusBar().showMessage(f"{record.path} no longer exists", 5000)

    def _on_app_state_changed(self, state: Qt.ApplicationState) -> None:
        # Coming back to the window is when a vanished folder (unplugged drive) is noticed.
        if state == Qt.ApplicationState.ApplicationActive:
            self._say_if_folder_gone()

    def _say_if_folder_gone(self) -> bool:
        text = self._holder.gone_text()
        if text:
            self.show_message(text, "error")
        return bool(text)

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
        self.region_list.setVisible(is_open)

    # ---- drag and drop, settings, closing -----------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(split_window_drop(event.mimeData())):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder, files = split_window_drop(event.mimeData())
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: take_window_drop(
            self, folder, files, self.project and self.project.folder,
            self.model_dock.classify.has_model(), self.model_dock.classify_files,
            self.open_folder))

    def _read_settings(self) -> None:
        if keys.restore_window(self.settings, self, self.workspace,
                               self.clip_list.table.horizontalHeader(), self.acts.toggles(),
                               self.clip_list.columns):
            self.clip_list.show_computed_columns()

    def _write_settings(self) -> None:
        keys.save_window(self.settings, self, self.workspace,
                         self.clip_list.table.horizontalHeader(), self.acts.toggles(),
                         self.clip_list.columns)
        self.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:  # the frame's size is known once shown
            self._fitted = True
            fit_inside_screen(self)

    def closeEvent(self, event) -> None:
        if self.model_dock.is_busy() and not dialogs.ask_stop_work(self, self.model_dock.busy_text()):
            event.ignore()
            return
        self.model_dock.shutdown()  # tasks stopped and joined before the store closes
        self.acts.shutdown()
        self.scan.stop()
        self.playback.shutdown()
        self.clip_view.shutdown()
        self.region_list.shutdown()
        self._write_settings()
        self._let_go_of_project()
        self._holder.close()
        if not self._closed:  # a second close() has nothing left to let go
            self._closed = True
            QGuiApplication.instance().applicationStateChanged.disconnect(
                self._on_app_state_changed)
        super().closeEvent(event)
