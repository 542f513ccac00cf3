"""Undoable edits a person makes to labels and classes: each ``redo()`` does the work by calling the
store, ``undo()`` puts back what the store said it replaced, and the views are told after each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.errors import EarmarkError
from core.store import label_io
from core.store.classes import ClassesState


class _StoreCommand(QUndoCommand):
    """A command whose ``_redo``/``_undo`` change the store. When one fails the command marks
    itself obsolete, so QUndoStack drops it (a push never keeps it, an undo takes it off): left
    on the stack it would make later undos lie about the store. ``on_error`` receives a message
    naming the edit and the reason; ``failed`` says whether the last step failed.

    Where ``PUTS_BACK_CLASSES``, undo also puts back the class list as it was before the first
    redo (its ``_project``'s): the store makes any class a label names, so an edit naming one
    the project lacks (a prediction accepted, a label put back, a model's events) made it, and
    its undo left it behind, holding a key."""

    PUTS_BACK_CLASSES = False

    def __init__(self, text: str, on_error: Callable[[str], None] | None) -> None:
        super().__init__(text)
        self._on_error = on_error
        self.failed = False
        self._classes_before: ClassesState | None = None

    def redo(self) -> None:
        if self.PUTS_BACK_CLASSES and self._classes_before is None:
            self._classes_before = classes_now(self._project)
        self._run(self._redo, self.text())

    def undo(self) -> None:
        self._run(self._undo_with_classes, f"undo “{self.text()}”")

    def _undo_with_classes(self) -> None:
        self._undo()
        self._put_back_classes()

    def _put_back_classes(self) -> None:
        """The class list as before the first redo, where it differs (those the edit made go,
        unless still used): an ``_undo`` that tells the views of the classes calls it first (the
        call after it then finds the list as it was, and writes nothing)."""
        before = self._classes_before
        if before is not None and ([c.name for c in self._project.classes()]
                                   != [c.name for c in before.classes]):
            self._project.restore_classes(before)

    def _run(self, step: Callable[[], None], what: str) -> None:
        self.failed = False
        try:
            step()
        except (EarmarkError, OSError) as error:
            self.failed = True
            self.setObsolete(True)
            if self._on_error:
                self._on_error(f"Could not {what[0].lower()}{what[1:]}: {error}")

    def _redo(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError


class _LabelsCommand(_StoreCommand):
    """A label edit of several clips: ``_redo`` keeps what the store returned as ``_previous``
    ({clip_id: (label, source)}); undo restores it in the store and in the table ``model``.
    ``show(clip_ids)``, if given, is called after an undo and after a redo but the first, so the
    person is taken back to the clips changed (auto-advance had moved on from them)."""

    PUTS_BACK_CLASSES = True

    def __init__(self, text: str, project: Any, model: Any,
                 on_error: Callable[[str], None] | None,
                 show: Callable[[list[int]], None] | None = None) -> None:
        super().__init__(text, on_error)
        self._project, self._model, self._show = project, model, show
        self._previous: dict[int, tuple[str | None, str | None]] = {}
        self._done_before = False

    def redo(self) -> None:
        super().redo()
        if self._done_before and self._show is not None and not self.isObsolete():
            self._show(list(self._previous))
        self._done_before = True

    def _undo(self) -> None:
        self._project.restore_labels(self._previous)
        self._model.restore_labels(self._previous)
        if self._show is not None:
            self._show(list(self._previous))


class SetLabelsCommand(_LabelsCommand):
    """Label (or clear, ``label`` None) several clips at once; undo restores each clip's previous
    label and source. Where every clip had that label and source already, the command is
    ``unchanged`` and obsolete: a push keeps no step that undoes nothing."""

    def __init__(self, project: Any, model: Any, clip_ids: list[int], label: str | None,
                 source: str = "manual", on_error: Callable[[str], None] | None = None,
                 show: Callable[[list[int]], None] | None = None) -> None:
        n = len(clip_ids)
        what = f"{n} clips" if n != 1 else "clip"
        text = f"Label {what} as {label}" if label else f"Clear label of {what}"
        super().__init__(text, project, model, on_error, show)
        self._ids, self._label, self._source = list(clip_ids), label, source
        self.unchanged = False

    def _redo(self) -> None:
        self._previous = self._project.set_labels(self._ids, self._label, self._source)
        self._model.set_labels(self._ids, self._label, self._source if self._label else None)
        now = (self._label, self._source if self._label else None)
        if not self._done_before and all(old == now for old in self._previous.values()):
            self.unchanged = True
            self.setObsolete(True)


class AcceptPredictionsCommand(_LabelsCommand):
    """Take the model's prediction as the label of several clips (source "model"); ``changes``
    is {clip_id: predicted label}. Undo puts back each clip's previous label."""

    def __init__(self, project: Any, model: Any, changes: dict[int, str],
                 on_error: Callable[[str], None] | None = None) -> None:
        n = len(changes)
        super().__init__(f"Accept prediction for {n} clip{'s' if n != 1 else ''}", project, model,
                         on_error)
        self._changes = dict(changes)

    def _redo(self) -> None:
        self._previous = self._project.apply_labels(self._changes, "model", action="set")
        self._model.restore_labels({i: (label, "model") for i, label in self._changes.items()})


class PutBackLabelCommand(_LabelsCommand):
    """Give one clip again a label it had (its history's), with the source it had then; undo
    puts back the label it has now."""

    def __init__(self, project: Any, model: Any, clip_id: int, label: str | None,
                 source: str | None, on_error: Callable[[str], None] | None = None,
                 show: Callable[[list[int]], None] | None = None) -> None:
        super().__init__(f"Put back label {label}" if label else "Put back no label", project,
                         model, on_error, show)
        self._clip_id, self._label = clip_id, label
        self._source = (source or "manual") if label is not None else None

    def _redo(self) -> None:
        self._previous = self._project.apply_labels({self._clip_id: self._label}, self._source,
                                                    action="put_back")
        self._model.restore_labels({self._clip_id: (self._label, self._source)})


class ImportLabelsCommand(_StoreCommand):
    """Labels from a labels file, as read and matched to the clips on a background task (a
    :class:`~core.store.label_io.LabelsPlan`), set with source "csv". The first redo hands the
    :class:`~core.store.label_io.ImportResult` to ``on_imported`` (the report); a later redo sets
    the same labels again. ``on_changed()`` runs after each step, so the window reloads classes
    and rows. An import that changed nothing marks itself obsolete: there is nothing to undo."""

    PUTS_BACK_CLASSES = True  # those it made (a label file's typo, each holding a key) go

    def __init__(self, project: Any, plan: label_io.LabelsPlan, on_changed: Callable[[], None],
                 on_imported: Callable[[Any], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        super().__init__(f"Import labels from {plan.source}", on_error)
        self._project, self._plan = project, plan
        self._on_changed, self._on_imported = on_changed, on_imported
        self._result: Any = None

    def _redo(self) -> None:
        if self._result is None:
            self._result = label_io.apply_labels_plan(self._project, self._plan)
            self._on_imported(self._result)
            if not self._result.changes:
                self.setObsolete(True)
                return
        else:
            self._project.apply_labels(self._result.changes, source="csv", action="import")
        self._on_changed()

    def _undo(self) -> None:
        self._project.restore_labels(self._result.previous)
        self._put_back_classes()
        self._on_changed()


def classes_now(project: Any) -> ClassesState:
    """The project's class list as it is, for ``restore_classes`` to put back: an edit's undo
    takes away the classes it made that nothing carries since."""
    return ClassesState(tuple(project.classes()))


class ClassEditCommand(_StoreCommand):
    """A change to the class list: ``edit(project)`` calls one of the store's class edits
    (rename, merge, remove, recolour, reorder, key), which returns the
    :class:`~core.store.classes.ClassesState` it replaced; undo hands that to
    ``restore_classes``. ``on_changed(labels_changed)`` runs after each step: True when clips
    were relabelled, so the table reloads them too."""

    def __init__(self, text: str, project: Any, edit: Callable[[Any], Any],
                 on_changed: Callable[[bool], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        super().__init__(text, on_error)
        self._project, self._edit, self._on_changed = project, edit, on_changed
        self._before: Any = None

    def _redo(self) -> None:
        self._before = self._edit(self._project)
        # Regions relabelled too: the views that show them read again.
        self._on_changed(bool(self._before.labels or self._before.regions))

    def _undo(self) -> None:
        self._project.restore_classes(self._before)
        # Regions relabelled too: the views that show them read again.
        self._on_changed(bool(self._before.labels or self._before.regions))


class AddClassCommand(_StoreCommand):
    """Add a class (colour and key chosen by the store); undo removes it, which is exact because
    a class just added carries no clips (edits labelling it sit above it and are undone first)."""

    def __init__(self, project: Any, name: str, on_changed: Callable[[bool], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        super().__init__(f"Add class {name}", on_error)
        self._project, self._name, self._on_changed = project, name, on_changed

    def _redo(self) -> None:
        self._name = self._project.add_class(self._name).name
        self._on_changed(False)

    def _undo(self) -> None:
        self._project.remove_class(self._name)
        self._on_changed(False)
