"""Undoable edits to regions (time spans of a clip, optionally with a frequency band): each
``redo()`` changes the store, ``undo()`` puts back what the store said it replaced, and
``on_changed(clip_id)`` tells the views after every step."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gui.clips.commands import _StoreCommand
from gui.common.time_text import format_span

OnChanged = Callable[[int], None]
OnError = Callable[[str], None] | None

#: The fields UpdateRegionCommand may change (the keyword arguments of Project.update_region).
EDITABLE_FIELDS = ("begin_s", "end_s", "low_hz", "high_hz", "label")


class AddRegionCommand(_StoreCommand):
    """Add one region a person drew (source "manual"). The first redo asks the store for an id;
    a later redo puts the same record back (same id), so commands above it that name the region
    stay true. Undo deletes it. ``record`` is the region once added."""

    PUTS_BACK_CLASSES = True  # a label of a class the project lacks makes it

    def __init__(self, project: Any, clip_id: int, begin_s: float, end_s: float,
                 label: str | None = None, low_hz: float | None = None,
                 high_hz: float | None = None, on_changed: OnChanged | None = None,
                 on_error: OnError = None, channel: int | None = None) -> None:
        what = "box" if low_hz is not None else "region"
        super().__init__(f"Add {what} {format_span(begin_s, end_s)}", on_error)
        self._project, self._on_changed = project, on_changed
        self._clip_id = clip_id
        self._fields = {"begin_s": begin_s, "end_s": end_s, "label": label,
                        "low_hz": low_hz, "high_hz": high_hz, "channel": channel}
        self.record: Any = None

    def _redo(self) -> None:
        if self.record is None:
            self.record = self._project.add_region(self._clip_id, source="manual", **self._fields)
        else:
            self._project.restore_regions([self.record])
        _tell(self._on_changed, [self._clip_id])

    def _undo(self) -> None:
        self._project.delete_regions([self.record.id])
        _tell(self._on_changed, [self._clip_id])


class UpdateRegionCommand(_StoreCommand):
    """Change one region: ``changes`` maps some of :data:`EDITABLE_FIELDS` to new values (None
    clears a label or, given for both low_hz and high_hz, a band). ``region`` is the record as
    the person saw it (it names the edit); undo restores the record the store returned, exactly."""

    PUTS_BACK_CLASSES = True  # a label of a class the project lacks makes it

    def __init__(self, project: Any, region: Any, changes: Mapping[str, Any],
                 on_changed: OnChanged | None = None, on_error: OnError = None) -> None:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"not a region field: {', '.join(sorted(unknown))}")
        super().__init__(_update_text(region, changes), on_error)
        self._project, self._on_changed = project, on_changed
        self._region_id, self._clip_id = region.id, region.clip_id
        self._changes = dict(changes)
        self._before: Any = None

    def _redo(self) -> None:
        self._before = self._project.update_region(self._region_id, **self._changes)
        _tell(self._on_changed, [self._clip_id])

    def _undo(self) -> None:
        self._project.restore_regions([self._before])
        _tell(self._on_changed, [self._clip_id])


class LabelRegionsCommand(_StoreCommand):
    """A person's ``label`` on several regions at once (selected together in the region list),
    in one transaction (``Project.label_regions``: a model's unreviewed event among them becomes
    theirs); undo puts each back exactly."""

    PUTS_BACK_CLASSES = True  # a label of a class the project lacks makes it

    def __init__(self, project: Any, region_ids: Iterable[int], label: str | None,
                 on_changed: OnChanged | None = None, on_error: OnError = None) -> None:
        self._ids = list(region_ids)
        n = len(self._ids)
        super().__init__(f"Label {n} regions as {label}" if label else f"Clear {n} region labels",
                         on_error)
        self._project, self._label, self._on_changed = project, label, on_changed
        self._before: list[Any] = []

    def _redo(self) -> None:
        self._before = self._project.label_regions(self._ids, self._label)
        _tell(self._on_changed, [r.clip_id for r in self._before])

    def _undo(self) -> None:
        self._project.restore_regions(self._before)
        _tell(self._on_changed, [r.clip_id for r in self._before])


class DeleteRegionsCommand(_StoreCommand):
    """Delete regions by id; undo puts each back exactly (same id, label, source, score)."""

    def __init__(self, project: Any, region_ids: Iterable[int],
                 on_changed: OnChanged | None = None, on_error: OnError = None) -> None:
        self._ids = list(region_ids)
        n = len(self._ids)
        super().__init__(f"Delete {n} regions" if n != 1 else "Delete region", on_error)
        self._project, self._on_changed = project, on_changed
        self._deleted: list[Any] = []

    def _redo(self) -> None:
        self._deleted = self._project.delete_regions(self._ids)
        _tell(self._on_changed, [r.clip_id for r in self._deleted])

    def _undo(self) -> None:
        self._project.restore_regions(self._deleted)
        _tell(self._on_changed, [r.clip_id for r in self._deleted])


class ImportRegionsCommand(_StoreCommand):
    """Regions read from other tools' files (``specs``, as
    :func:`core.store.region_io.plan_regions_files` planned them off the GUI thread; ``source``
    names the files), all added in one transaction, and the regions its rows edited there
    changed (``updates``: region id -> spec). A later redo restores the same records.
    ``on_done(added, changed)`` gets the imported records and the changed ones (as they were)
    after every step (the report, the views); an import that found nothing marks itself
    obsolete: there is nothing to undo."""

    PUTS_BACK_CLASSES = True  # a label of a class the project lacks makes it

    def __init__(self, project: Any, specs: list[Any], source: str,
                 on_done: Callable[[list[Any], list[Any]], None],
                 on_error: OnError = None, updates: Mapping[int, Any] | None = None) -> None:
        super().__init__(f"Import regions from {source}", on_error)
        self._project, self._specs = project, list(specs)
        self._updates = dict(updates or {})
        self._on_done = on_done
        self._added: list[Any] | None = None
        self._before: list[Any] = []  # the changed regions as they were

    def _redo(self) -> None:  # each step one transaction: a failed change adds nothing
        if self._added is None:
            self._added, self._before = self._project.import_regions(self._specs,
                                                                     self._updates)
            if not self._added and not self._updates:
                self.setObsolete(True)
        else:  # undone: the same records back, the same changes made again
            self._before = self._project.redo_import(self._added, self._updates)
        self._on_done(self._added, self._before)

    def _undo(self) -> None:
        self._project.undo_import(self._added, self._before)
        self._put_back_classes()
        self._on_done(self._added, self._before)


def _tell(on_changed: OnChanged | None, clip_ids: Iterable[int]) -> None:
    if on_changed is not None:
        for clip_id in dict.fromkeys(clip_ids):  # each clip once, in order
            on_changed(clip_id)


def _update_text(region: Any, changes: Mapping[str, Any]) -> str:
    """The undo menu's words for an update: move, resize, label, band."""
    if set(changes) == {"label"}:
        label = changes["label"]
        return f"Label region as {label}" if label else "Clear region label"
    begin = changes.get("begin_s", region.begin_s)
    end = changes.get("end_s", region.end_s)
    if "low_hz" in changes or "high_hz" in changes:
        if changes.get("low_hz", region.low_hz) is None:
            return "Clear region band"
        if (begin, end) == (region.begin_s, region.end_s) or region.low_hz is None:
            return "Set region band"
        return "Edit box"
    if abs((end - begin) - (region.end_s - region.begin_s)) < 1e-9:
        return "Move region"
    return "Resize region"
