"""The window's actions, menus and toolbar: one builder module per menu, composed here.

Kept apart from MainWindow so that the window stays composition; each slot asks a person for a
path (or nothing) and hands it to core, a controller or the window.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from gui.actions import edit_menu, file_menu, help_menu, model_menu, view_menu
from gui.common import settings as keys
from gui.common.tasks import TaskSlot


class WindowActions:
    """Every QAction of ``window`` as an attribute (``acts.open_folder``, ``acts.train``...),
    with its menu place, shortcut and slot."""

    def __init__(self, window) -> None:
        self.w = window
        self._project_actions: list[QAction] = []
        self._tasks: dict[str, TaskSlot] = {}
        self._scratch: tempfile.TemporaryDirectory | None = None
        for menu in (file_menu, edit_menu, view_menu, model_menu, help_menu):
            menu.build(self, window)
        self._build_toolbar()
        self.rebuild_recent()

    def action(self, text, slot, shortcut=None, icon=None, project: bool = False) -> QAction:
        """A window action; ``project`` ones are enabled only while a folder is open."""
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

    def task(self, kind: str) -> TaskSlot:
        """The window's slot for one kind of background task a menu starts (``"demo"``,
        ``"export"``): one of a kind at a time, all stopped by ``shutdown``."""
        if kind not in self._tasks:
            self._tasks[kind] = TaskSlot(self.w)
        return self._tasks[kind]

    def scratch(self) -> Path:
        """A folder for this window's session (recorded takes, kept so their adding can be
        undone), removed by ``shutdown``."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="earmark-",
                                                        ignore_cleanup_errors=True)
        return Path(self._scratch.name)

    def shutdown(self) -> None:
        """Stop the menus' tasks and wait for their threads (the window is closing), and
        remove the scratch folder."""
        for task in self._tasks.values():
            task.cancel()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def all(self) -> list[QAction]:
        """Every action with a shortcut, menu order roughly, for the shortcuts dialog."""
        return [a for a in self.w.actions() if not a.shortcut().isEmpty()]

    def toggles(self) -> dict:
        """The checkable View actions kept between sessions: settings key -> action."""
        return {keys.AUTO_ADVANCE: self.auto_advance, keys.SHOW_FEATURES: self.show_features,
                keys.SHOW_SCORE_TRACK: self.show_score_track,
                keys.EXPLAIN_PREDICTION: self.explain_prediction,
                keys.PLAYBACK_BAND_ONLY: self.band_only, keys.TIME_OF_DAY: self.time_of_day,
                keys.BOXES_FIRST: self.boxes_first}

    def set_project_open(self, is_open: bool) -> None:
        for action in self._project_actions:
            action.setEnabled(is_open)

    def update_label_actions(self, key_to_class: dict[str, str]) -> None:
        edit_menu.update_label_actions(self, key_to_class)

    def rebuild_recent(self) -> None:
        file_menu.rebuild_recent(self, self.w)


def build_actions(window) -> WindowActions:
    """Create the actions, menus and toolbar of ``window``."""
    return WindowActions(window)
