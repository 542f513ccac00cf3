"""Undoable edits of the project's files made from the Model dock: classified files added."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.errors import EarmarkError


class AddFilesCommand(QUndoCommand):
    """Outside files copied into the project with the model's labels (already done by
    ``core.workflow.add_files_to_project``); undo deletes the copies and rescans, redo
    copies again. ``on_changed()`` runs after either, so the window reloads its list."""

    def __init__(self, project: Any, pairs: list, added: Any, on_changed: Callable[[], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        n = len(added.copies)
        super().__init__(f"Add {n} classified file{'s' if n != 1 else ''} to the project")
        self._project, self._pairs, self._added = project, list(pairs), added
        self._on_changed, self._on_error = on_changed, on_error
        self._applied = True

    def redo(self) -> None:
        from core.workflow import add_files_to_project

        if self._applied:
            self._applied = False
            return
        try:
            self._added = add_files_to_project(self._project, self._pairs)
        except (EarmarkError, OSError) as error:
            self._fail(error)
            return
        self._on_changed()

    def undo(self) -> None:
        from core.workflow import remove_added_files

        try:
            remove_added_files(self._project, self._added)
        except (EarmarkError, OSError) as error:
            self._fail(error)
            return
        self._on_changed()

    def _fail(self, error: Exception) -> None:
        self.setObsolete(True)
        if self._on_error:
            self._on_error(f"Could not change the project's files: {error}")
