"""Undoable edits of the project's files made from the Model dock: classified files added."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.store.added_files import add_files_to_project, remove_added_files
from core.words import counted
from gui.common.tasks import ProjectWorker, TaskSlot


class AddFilesCommand(QUndoCommand):
    """Outside files copied into the project under their labels (``pairs`` of (path, label)),
    labelled by ``source`` ("model" for classified files, "manual" for a person's recordings).

    Copying and scanning take a while, so neither runs in ``redo``/``undo`` themselves: redo
    starts ``core.store.added_files.add_files_to_project`` and undo ``remove_added_files`` as a task of
    ``task`` (the dock's slot for the project's files), and ``on_changed(records, added)`` gets
    every clip of the project when one ends, so the table updates then, and core's AddedFiles
    (None after an undo). A task that fails marks the
    command obsolete (the stack drops it at its next undo or redo, which then do nothing) and
    ``on_error`` gets a message naming the reason.
    """

    def __init__(self, project: Any, pairs: list, task: TaskSlot,
                 on_changed: Callable[[list, Any], None],
                 on_error: Callable[[str], None] | None = None, source: str = "model") -> None:
        n = len(pairs)
        what = "recording" if source == "manual" else "classified file"
        super().__init__(f"Add {n} {what}{'s' if n != 1 else ''} to the project")
        self._project, self._pairs, self._task = project, list(pairs), task
        self._source = source  # whose labels: the model's, or a person's (a recording)
        self._on_changed, self._on_error = on_changed, on_error
        self.added = None  # core's AddedFiles once a redo has ended

    def redo(self) -> None:
        pairs, source = self._pairs, self._source
        self._run(lambda project, _task: (add_files_to_project(project, pairs, source),
                                          project.clips(include_missing=True)))
        if self.added is not None:
            # A redo from the history, not the first: the edits after it there name its clips
            # (a label, a region), and their redos come next, so it ends before they run.
            self._task.settle()

    def undo(self) -> None:
        self._task.settle()  # the copies to remove are known once the redo has ended
        added = self.added
        if added is None or self.isObsolete():
            return
        self._run(lambda project, _task: (remove_added_files(project, added) or None,
                                          project.clips(include_missing=True)))

    def _run(self, fn) -> None:
        self._task.settle()
        if self.isObsolete():
            return
        self._task.start(ProjectWorker(self._project, fn), finished=self._on_finished,
                         failed=self._fail)

    def _on_finished(self, outcome: tuple) -> None:
        added, records = outcome
        if added is not None:
            self.added = added
        self._on_changed(records, added)

    def _fail(self, reason: str) -> None:
        self.setObsolete(True)
        if self._on_error:
            self._on_error(f"Could not change the project's files: {reason}")


def added_message(added: Any, folder_name: str) -> str:
    """What an add of classified files did (core's AddedFiles), for the banner: the copies,
    and the files not copied as the project holds them already."""
    names = (f"{', '.join(p.name for p in added.skipped[:3])}"
             f"{'…' if len(added.skipped) > 3 else ''}")
    if not added.copies:
        return f"Nothing copied: the project holds these files already ({names})."
    held = (f"; {len(added.skipped)} not copied, as the project holds them already ({names})"
            if added.skipped else "")
    return (f"Copied {counted(len(added.copies), 'file')} into {folder_name}, labelled by the model "
            f"(Ctrl+Z removes them){held}.")
