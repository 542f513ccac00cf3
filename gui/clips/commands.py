"""Undoable edits a person makes: each calls the store and mirrors the change in the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.errors import EarmarkError


class _LabelsCommand(QUndoCommand):
    """Shared by label edits: the store was changed before the push; undo restores ``previous``
    (what the store returned); a failed undo or redo marks the command obsolete, because leaving
    it on the stack would make later undos lie about the store."""

    def __init__(self, text: str, project: Any, model: Any,
                 previous: dict[int, tuple[str | None, str | None]],
                 on_error: Callable[[str], None] | None) -> None:
        super().__init__(text)
        self._project, self._model = project, model
        self._previous = previous
        self._on_error = on_error
        self._applied = True  # the caller already changed the store

    def undo(self) -> None:
        try:
            self._project.restore_labels(self._previous)
        except EarmarkError as error:
            self._fail(error)
            return
        self._model.restore_labels(self._previous)

    def _fail(self, error: Exception) -> None:
        self.setObsolete(True)
        if self._on_error:
            self._on_error(f"Could not change labels: {error}")



class SetLabelsCommand(_LabelsCommand):
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
        super().__init__(text, project, model, previous, on_error)
        self._ids, self._label, self._source = list(clip_ids), label, source

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


class AcceptPredictionsCommand(_LabelsCommand):
    """Take the model's prediction as the label of several clips (source "model"); undo puts
    back each clip's previous label. ``changes`` {clip_id: label} is already in the store."""

    def __init__(self, project: Any, model: Any, changes: dict[int, str],
                 previous: dict[int, tuple[str | None, str | None]],
                 on_error: Callable[[str], None] | None = None) -> None:
        n = len(changes)
        super().__init__(f"Accept prediction for {n} clip{'s' if n != 1 else ''}", project, model,
                         previous, on_error)
        self._changes = dict(changes)

    def redo(self) -> None:
        if self._applied:
            self._applied = False
        else:
            try:
                self._previous = self._project.apply_labels(self._changes, "model", action="set")
            except EarmarkError as error:
                self._fail(error)
                return
        self._model.restore_labels({i: (label, "model") for i, label in self._changes.items()})

