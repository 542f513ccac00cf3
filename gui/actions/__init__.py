"""The window's actions, menus and toolbar, and the small slots behind file dialogs.

Kept apart from MainWindow so that the window stays composition; each slot asks a person for a
path and hands it to core or to the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QStyle, QToolBar

from core.audio import demo
from core.errors import EarmarkError
from core.store import label_io
from gui.common import settings as keys
from gui.common.dialogs import ClassesDialog, ShortcutsDialog, show_about

_EXTRA_SHORTCUTS = [
    ("Move between clips", "Up, Down, Page Up, Page Down"),
    ("Select several clips", "Shift+Click, Ctrl+Click, Shift+Up/Down"),
    ("Seek", "Click the waveform or spectrogram"),
]


class WindowActions:
    """Builds every QAction of ``window`` with its menu place, shortcut and slot."""

    def __init__(self, window) -> None:
        self.w = window
        self._project_actions: list[QAction] = []
        style = window.style()
        icon = style.standardIcon
        SP = QStyle.StandardPixmap
        w = window

        # File
        self.open_folder = self._action("&Open Folder…", self._on_open_folder,
                                        QKeySequence.StandardKey.Open, icon(SP.SP_DirOpenIcon))
        self.open_folder.setIconText("Open")
        self.recent_menu = QMenu("Open &Recent", w)
        self.rescan = self._action("Re&scan Folder", w.rescan, "F5", icon(SP.SP_BrowserReload),
                                   project=True)
        self.rescan.setIconText("Rescan")
        self.import_csv = self._action("&Import Labels CSV…", self._on_import_csv, project=True)
        self.export_csv = self._action("&Export Labels CSV…", self._on_export_csv, project=True)
        self.export_folders = self._action("Export into Class &Folders…",
                                           self._on_export_folders, project=True)
        self.quit = self._action("&Quit", w.close, QKeySequence.StandardKey.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)

        # Edit
        self.undo = w.undo_stack.createUndoAction(w, "&Undo")
        self.undo.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo.setIcon(icon(SP.SP_ArrowBack))
        self.redo = w.undo_stack.createRedoAction(w, "&Redo")
        redo_keys = [QKeySequence("Ctrl+Shift+Z")]
        redo_keys += [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
                      if k not in redo_keys]  # Linux's standard Redo already holds Ctrl+Shift+Z
        self.redo.setShortcuts(redo_keys)
        self.redo.setIcon(icon(SP.SP_ArrowForward))
        w.addAction(self.undo)
        w.addAction(self.redo)
        self.label_actions: dict[str, QAction] = {}
        for key in "123456789":
            self.label_actions[key] = self._action(
                f"Label as class {key}", lambda _=False, k=key: w.label_by_key(k), key,
                project=True)
        self.clear_label = self._action("&Clear Label", lambda: w.label_selection(None), "0",
                                        project=True)
        self.clear_label.setShortcuts([QKeySequence("0"), QKeySequence(Qt.Key.Key_Delete),
                                       QKeySequence(Qt.Key.Key_Backspace)])
        self.find = self._action("&Find Clips", self._on_find, QKeySequence.StandardKey.Find)
        self.classes = self._action("C&lasses…", self._on_classes, "Ctrl+K",
                                    icon(SP.SP_FileDialogDetailedView), project=True)

        # View
        self.play_pause = self._action("&Play / Pause", w.playback.toggle, "Space",
                                       icon(SP.SP_MediaPlay))
        self.play_pause.setIconText("Play")
        self.play_pause.setEnabled(w.playback.available)
        if not w.playback.available:
            self.play_pause.setToolTip(w.playback.unavailable_reason)
        w.playback.state_changed.connect(self._on_playback_state)
        self.auto_advance = self._action("&Auto-advance After Labelling", None, "Ctrl+Shift+A")
        self.auto_advance.setCheckable(True)
        self.auto_advance.setIconText("Auto-advance")
        self.auto_advance.setToolTip("After labelling one clip, move to the next")
        self.show_features = self._action("Show Model &Features", None, "Ctrl+Shift+F")
        self.show_features.setCheckable(True)
        self.show_features.toggled.connect(w.clip_view.set_show_features)

        # Model: the dock does the work; these are its entry points.
        dock = w.model_dock
        self.train = self._action("&Train", dock.train, "Ctrl+T", icon(SP.SP_MediaSeekForward),
                                  project=True)
        self.train.setToolTip("Train a new model on the current labels (Ctrl+T)")
        self.fine_tune = self._action("&Fine-tune Active Model", dock.fine_tune, project=True)
        self.train_settings = self._action("Training &Settings…", dock.edit_settings)
        self.cancel_training = self._action("&Cancel Training", dock.controller.cancel_training)
        self.accept_prediction = self._action("&Accept Prediction as Label",
                                              dock.accept_predictions, "Ctrl+Return",
                                              project=True)
        self.load_model = self._action("&Load Model File…", dock.models.choose_file, project=True)
        self.classify_files = self._action("Classify &Files…", self._on_classify_files)
        self.show_model_dock = dock.toggleViewAction()
        self.show_model_dock.setText("Show Model &Panel")

        # Help
        self.shortcuts = self._action("&Keyboard Shortcuts", self._on_shortcuts,
                                      QKeySequence.StandardKey.HelpContents)
        self.open_demo = self._action("Open &Demo Project", self._on_open_demo)
        self.about = self._action("&About Earmark", lambda: show_about(w))
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

        self._build_menus()
        self._build_toolbar()
        self.rebuild_recent()

    def _action(self, text, slot, shortcut=None, icon=None, project: bool = False) -> QAction:
        action = QAction(text, self.w)
        if icon is not None:
            action.setIcon(icon)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        # Shortcuts work wherever focus is in the window; a text field still gets its keys first.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if slot is not None:
            action.triggered.connect(slot)
        self.w.addAction(action)
        if project:
            self._project_actions.append(action)
        return action

    def _build_menus(self) -> None:
        bar = self.w.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_folder)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.rescan)
        file_menu.addSeparator()
        for action in (self.import_csv, self.export_csv, self.export_folders):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.undo)
        edit.addAction(self.redo)
        edit.addSeparator()
        self.label_menu = edit.addMenu("&Label Selection")
        for action in self.label_actions.values():
            self.label_menu.addAction(action)
        self.label_menu.addSeparator()
        self.label_menu.addAction(self.clear_label)
        edit.addAction(self.find)
        edit.addSeparator()
        edit.addAction(self.classes)
        view = bar.addMenu("&View")
        view.addAction(self.play_pause)
        view.addSeparator()
        view.addAction(self.auto_advance)
        view.addAction(self.show_features)
        self.w.model_menu = model = bar.addMenu("&Model")
        for action in (self.train, self.fine_tune, self.train_settings, self.cancel_training, None,
                       self.accept_prediction, None, self.classify_files, self.load_model, None,
                       self.show_model_dock):
            if action is None:
                model.addSeparator()
            else:
                model.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts)
        help_menu.addAction(self.open_demo)
        help_menu.addSeparator()
        help_menu.addAction(self.about)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main", self.w)
        toolbar.setObjectName("MainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.open_folder, self.rescan, None, self.undo, self.redo, None,
                       self.play_pause, self.auto_advance, None, self.classes, None,
                       self.train):
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        self.w.addToolBar(toolbar)
        self.w.toolbar = toolbar

    def all(self) -> list[QAction]:
        """Every action, menu order roughly, for the shortcuts dialog."""
        return [a for a in self.w.actions() if not a.shortcut().isEmpty()]

    def set_project_open(self, is_open: bool) -> None:
        for action in self._project_actions:
            action.setEnabled(is_open)

    def update_label_actions(self, key_to_class: dict[str, str]) -> None:
        """Name each digit action after its class; keys without a class stay but do nothing."""
        for key, action in self.label_actions.items():
            name = key_to_class.get(key)
            action.setText(f"Label as {name}" if name else f"Label as class {key}")
            action.setVisible(name is not None)

    def rebuild_recent(self) -> None:
        self.recent_menu.clear()
        recent = keys.read(self.w.settings, keys.RECENT_FOLDERS)
        for folder in recent:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.w.open_folder(f))
        if not recent:
            self.recent_menu.addAction("No recent folders").setEnabled(False)

    # ---- slots --------------------------------------------------------------------------

    def _on_playback_state(self, playing: bool) -> None:
        SP = QStyle.StandardPixmap
        pixmap = SP.SP_MediaPause if playing else SP.SP_MediaPlay
        self.play_pause.setIcon(self.w.style().standardIcon(pixmap))

    def _on_classify_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.w, "Classify audio files", str(Path.home()),
                                                "Audio files (*.wav *.flac *.ogg *.mp3);;"
                                                "All files (*)")
        if paths:
            self.w.model_dock.classify_files(paths)

    def _on_open_folder(self) -> None:
        start = str(self.w.folder or Path.home())
        folder = QFileDialog.getExistingDirectory(self.w, "Open a folder of audio clips", start)
        if folder:
            self.w.open_folder(folder)

    def _on_open_demo(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            root = demo.build_demo()
        except OSError as error:
            self.w.show_message(f"Could not create the demo project: {error}", "error")
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.w.open_folder(root)

    def _on_find(self) -> None:
        self.w.clip_list.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.w.clip_list.filter_edit.selectAll()

    def _on_classes(self) -> None:
        if self.w.project is None:
            return
        dialog = ClassesDialog(self.w.project, self.w)
        dialog.classes_changed.connect(self.w.classes_edited)
        dialog.exec()

    def _on_shortcuts(self) -> None:
        ShortcutsDialog([a for a in self.all() if a.isVisible()], _EXTRA_SHORTCUTS, self.w).exec()

    def _on_import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Import labels", str(self.w.folder),
                                              "CSV files (*.csv);;All files (*)")
        if not path:
            return
        try:
            result = label_io.import_csv(self.w.project, path)
        except (EarmarkError, OSError) as error:
            self.w.show_message(f"Could not import {path}: {error}", "error")
            return
        self.w.classes_edited(True)
        text = f"Imported labels from {Path(path).name}: {result.updated:,} changed"
        if result.unknown_paths:
            text += f", {len(result.unknown_paths):,} rows name no clip in this folder"
        self.w.show_message(text + ". Import cannot be undone with Ctrl+Z.", "info")

    def _on_export_csv(self) -> None:
        start = str(Path(self.w.folder) / "labels.csv")
        path, _ = QFileDialog.getSaveFileName(self.w, "Export labels", start,
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            n = label_io.export_csv(self.w.project, path)
        except (EarmarkError, OSError) as error:
            self.w.show_message(f"Could not export to {path}: {error}", "error")
            return
        self.w.statusBar().showMessage(f"Exported {n:,} labels to {path}", 8000)

    def _on_export_folders(self) -> None:
        dest = QFileDialog.getExistingDirectory(self.w, "Copy labelled clips into class folders "
                                                "under…", str(Path(self.w.folder).parent))
        if not dest:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = label_io.export_folders(self.w.project, dest)
        except (EarmarkError, OSError) as error:
            self.w.show_message(f"Could not export to {dest}: {error}", "error")
            return
        finally:
            QApplication.restoreOverrideCursor()
        text = f"Copied {len(result.done):,} clips into class folders under {dest}"
        if result.skipped_existing:
            text += f"; {len(result.skipped_existing):,} already there were left alone"
        if result.failed:
            text += f"; {len(result.failed):,} failed ({result.failed[0][1]})"
        self.w.show_message(text + ".", "warning" if result.failed else "info")


def build_actions(window) -> WindowActions:
    """Create the actions, menus and toolbar of ``window``."""
    return WindowActions(window)
