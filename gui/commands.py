"""Undoable edits a person makes: each calls the store and mirrors the change in the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.errors import EarmarkError


class SetLabelsCommand(QUndoCommand):
    """Label (or clear) several clips at once; undo restores each clip's previous label and source.

    The store change is made before the command is pushed (so a failure never reaches the stack);
    ``previous`` is what ``Project.set_labels`` returned. ``on_error`` receives a message when a
    later undo or redo fails (a busy or vanished store).
    """

    def __init__(self, project: Any, model: Any, clip_ids: list[int], label: str | None,
                 previous: dict[int, tuple[str | None, str | None]], source: str = "manual",
                 on_error: Callable[[str], None] | None = None) -> None:
        n = len(clip_ids)
        what = f"{n} clips" if n != 1 else "clip"
        text = f"Label {what} as {label}" if label else f"Clear label of {what}"
        super().__init__(text)
        self._project, self._model = project, model
        self._ids, self._label, self._source = list(clip_ids), label, source
        self._previous = previous
        self._on_error = on_error
        self._applied = True  # the caller already changed the store

    def redo(self) -> None:
        if self._applied:
            self._applied = False
        else:
            try:
                self._previous = self._project.set_labels(self._ids, self._label, self._source)
            except EarmarkError as error:
                self._fail(error)
                return
        self._model.set_labels(self._ids, self._label, self._source if self._label else None)

    def undo(self) -> None:
        try:
            self._project.restore_labels(self._previous)
        except EarmarkError as error:
            self._fail(error)
            return
        self._model.restore_labels(self._previous)

    def _fail(self, error: Exception) -> None:
        # Leaving the command on the stack would make later undos lie about the store.
        self.setObsolete(True)
        if self._on_error:
            self._on_error(f"Could not change labels: {error}")
