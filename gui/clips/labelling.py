"""LabelController: turns a person's labelling (a key, a label button, a new class name) into undo
commands on the open project, and keeps the class list that keys and buttons show in step with
every class edit, undo and redo. RegionSelection: the region a person has picked (in the clip view
or the region list), which the labelling goes to instead of the clips while there is one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from core.errors import EarmarkError
from core.store.records import UNREVIEWED, clean_label
from gui.clips.commands import AddClassCommand, PutBackLabelCommand, SetLabelsCommand
from gui.clips.region_commands import (
    DeleteRegionsCommand,
    LabelRegionsCommand,
    UpdateRegionCommand,
)
from gui.common.time_text import format_span


class RegionSelection(QObject):
    """The clip whose regions are on show, the selected region among them (its id, or None), and
    news of region edits: the one object the clip view's overlay, the region list and the
    LabelController share, so a region picked in one is the region of all three.

    Signals: ``clip_changed(int)`` a new clip id (-1: none); ``selection_changed(object)`` the
    selected region's id or None; ``regions_changed(int)`` a clip's regions changed in the store
    (an edit, its undo or redo: commands call :meth:`notify_changed`).
    """

    clip_changed = Signal(int)
    selection_changed = Signal(object)
    regions_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clip_id = -1
        self.region_id: int | None = None
        # Other regions selected with it in the region list (Shift- or Ctrl-click): Delete
        # removes them all. Any other selection lets them go.
        self.more_ids: tuple[int, ...] = ()

    def set_clip(self, clip_id: int) -> None:
        """Show ``clip_id``'s regions (-1: none); a region of another clip is no longer selected."""
        if clip_id == self.clip_id:
            return
        self.clip_id = clip_id
        self.select(None)
        self.clip_changed.emit(clip_id)

    def select(self, region_id: int | None, more_ids: tuple[int, ...] = ()) -> None:
        """Make ``region_id`` (a region of the clip on show) the selected one, with ``more_ids``
        beside it; None: none is."""
        more = tuple(i for i in more_ids if i != region_id) if region_id is not None else ()
        # Those beside it changing is news too: the list shows the selection it is told.
        changed = region_id != self.region_id or more != self.more_ids
        self.more_ids = more
        if changed:
            self.region_id = region_id
            self.selection_changed.emit(region_id)

    def selected_ids(self) -> list[int]:
        """The selected region's id and those selected with it; [] when none is."""
        return [] if self.region_id is None else [self.region_id, *self.more_ids]

    def notify_changed(self, clip_id: int) -> None:
        """The store's regions of ``clip_id`` changed: tell the views."""
        self.regions_changed.emit(clip_id)


class LabelController(QObject):
    """Labels the clips selected in ``clip_list`` and mirrors them in the table ``model``.

    Signals: ``classes_changed(list)`` the project's ClassInfo list, after any change to it;
    ``keys_changed(dict)`` key -> class name for the digit shortcuts (each class's stored key:
    a key stays with its class until the person gives it another); ``counts_changed(dict)``
    clips per class (None: unlabeled), after every label edit; ``message(str, str)``
    banner text and kind; ``status(str, int)`` a status-bar line and its timeout (ms).
    ``auto_advance`` is a callable saying whether to move on after labelling one clip.

    While ``regions`` (its RegionSelection) has a selected region, a label goes to that region
    instead of the clips, and :meth:`clear_selection` (Delete) deletes it. The clip table's
    region counts follow every region edit.
    """

    classes_changed = Signal(list)
    keys_changed = Signal(dict)
    counts_changed = Signal(dict)
    message = Signal(str, str)
    message_past = Signal(str)  # a message shown before (an edit that failed) holds no more
    status = Signal(str, int)

    def __init__(self, model, clip_list, undo_stack: QUndoStack, auto_advance,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model, self._clip_list, self._undo_stack = model, clip_list, undo_stack
        self._auto_advance = auto_advance
        self.project = None
        self.class_names: list[str] = []
        self._key_to_class: dict[str, str] = {}
        self._colours: dict[str, str] = {}
        self._failed: str | None = None  # a label not saved, said until one is
        self.regions = RegionSelection(self)
        # (region, label) -> True when it took the label (the Review tab accepts a model's event
        # relabelled by a key); gui.clips cannot import gui.model, so it is handed in.
        self.region_label_override = None
        self.regions.regions_changed.connect(self._on_regions_changed)
        self.regions.selection_changed.connect(self._on_region_selected)

    def set_project(self, project) -> None:
        self.project = project
        self.regions.set_clip(-1)
        self.refresh_classes()
        self.refresh_region_counts()

    def class_colours(self) -> dict[str, str]:
        """Class name -> '#rrggbb' for the classes that have a colour."""
        return dict(self._colours)

    def refresh_region_counts(self) -> None:
        """Show each clip's number of regions in the table again, and tell it the classes of
        each clip's regions for its filters (two queries)."""
        project = self.project
        self._model.set_region_counts(project.region_counts() if project is not None else {})
        self._model.set_region_labels(project.region_labels() if project is not None else {})

    def refresh_classes(self) -> None:
        """Read the project's classes again and tell the views."""
        classes = self.project.classes() if self.project is not None else []
        self.class_names = [c.name for c in classes]
        self._colours = {c.name: c.colour for c in classes if c.colour}
        self._key_to_class = {c.shortcut: c.name for c in classes if c.shortcut}
        self.classes_changed.emit(classes)
        self.keys_changed.emit(dict(self._key_to_class))
        self.refresh_counts()

    def refresh_counts(self, *_) -> None:
        """Count the clips and a person's regions of each class again (two queries) and tell the
        views: each class's count is its clips plus its regions. An edit or its undo that made
        or took away a class (a prediction accepted, undone) has the classes read again."""
        if self.project is not None and [c.name for c in self.project.classes()] != \
                self.class_names:
            self.refresh_classes()  # and the counts
            return
        counts: dict = {}
        if self.project is not None:
            counts = self.project.label_counts()
            for label, n in self.project.region_label_counts().items():
                counts[label] = counts.get(label, 0) + n
        self.counts_changed.emit(counts)

    def refresh_if_new(self, labels: set) -> None:
        """Rows arrived carrying ``labels``: read the classes again if the list lacks one."""
        if not labels <= set(self.class_names):
            self.refresh_classes()

    def label_selection(self, label: str | None) -> None:
        """Give the selected region, or else the selected clips, ``label`` (None clears),
        undoably; after one clip labelled, maybe advance."""
        if label is not None and label.strip():
            # As the store keeps it: a Mac's decomposed "crème" (pasted, or a file's name) is
            # the "crème" typed; it went to the clip's row as typed, a class none had.
            label = clean_label(label)
        if self.regions.region_id is not None:
            self._label_region(label)
            return
        ids = self._clip_list.selected_ids()
        if self.project is None or not ids:
            self.status.emit("Select one or more clips first", 3000)
            return
        command = SetLabelsCommand(self.project, self._model, ids, label,
                                   on_error=self._label_not_saved, show=self._return_to)
        self._undo_stack.push(command)
        if command.unchanged and label is None:
            self.status.emit("No label to clear: unlabelled already", 3000)
            return
        if command.failed:
            return  # it said why
        if self._failed is not None:  # "could not label …: busy" is past once a label is kept
            self.message_past.emit(self._failed)
            self._failed = None
        if label is not None and label not in self.class_names:
            self.refresh_classes()  # set_labels added the class
        if label is not None:
            self._say_unheard(ids)
        # A label cleared stays selected: the right key comes next (Delete then 2 landed on
        # the clip after the one mended).
        if label is not None and len(ids) == 1 and self._auto_advance():
            self._clip_list.advance()

    def put_back(self, clip_id: int, label: str | None, source: str | None) -> None:
        """Give one clip ``label`` with ``source`` again (a label from its history), undoably."""
        if self.project is None:
            return
        self._undo_stack.push(PutBackLabelCommand(self.project, self._model, clip_id, label,
                                                  source, self.report_error, self._return_to))
        if label is not None and label not in self.class_names:
            self.refresh_classes()  # a class removed since: set_labels added it again

    def _return_to(self, ids: list[int]) -> None:
        """A label edit undone or redone: select the clips it changed, so the next key labels
        them, not the clip auto-advance moved on to; say so where the filter hides them."""
        if not ids or set(self._clip_list.selected_ids()) == set(ids):
            return
        shown = [clip_id for clip_id in ids if self._model.row_of_id(clip_id) >= 0]
        if shown:
            self._clip_list.select_ids(shown, shown[0])
        else:
            record = self._model.record_by_id(ids[0])
            what = record.path if len(ids) == 1 and record is not None else f"{len(ids):,} clips"
            self.status.emit(f"Changed {what}, which the list's filter hides", 5000)

    def mark_unreadable(self, path: Path, reason: str) -> None:
        """The view found the current clip unreadable past its header, which the scan read
        whole (NaN samples, a damaged stretch): record the reason, so the list shows it and its
        Unreadable filter finds it, and the person learns now that no model will hear it."""
        project, clip_id = self.project, self._clip_list.current_id()
        record = self._model.record_by_id(clip_id)
        if project is None or record is None or record.error or project.abspath(record) != path:
            return
        try:
            self._model.upsert_records(project.mark_unreadable({clip_id: reason}))
        except EarmarkError as error:  # the store cannot be written now: the view said why
            self.status.emit(str(error), 5000)

    def _say_unheard(self, ids: list[int]) -> None:
        """Say so when some of the clips just labelled cannot be read or are missing: the label
        is kept (the file may be mended) and counts on its button, but no model learns from it."""
        records = [self._model.record_by_id(clip_id) for clip_id in ids]
        unheard = [r for r in records if r is not None and (r.error or r.missing)]
        if not unheard:
            return
        if len(ids) == 1:
            why = "is missing" if unheard[0].missing else "cannot be read"
            text = f"{unheard[0].path} {why}: labelled, but no model learns from it until it can be read"
        else:
            text = (f"{len(unheard):,} of the {len(ids):,} clips labelled cannot be read or are "
                    f"missing: no model learns from them until they can be read")
        self.status.emit(text, 8000)

    def clear_selection(self) -> None:
        """Delete or Backspace: delete the selected region (and those selected with it in the
        region list, one undo step) when there is one, else clear the selected clips' labels."""
        region_ids = self.regions.selected_ids()
        if not region_ids:
            self.label_selection(None)
            return
        if self.project is None:
            return
        # Its news of the change (regions_changed) drops the selection of the deleted region.
        self._undo_stack.push(DeleteRegionsCommand(self.project, region_ids,
                                                   self.regions.notify_changed, self.report_error))

    def _label_region(self, label: str | None) -> None:
        region = self._selected_region()
        if region is None or self.project is None:
            self.regions.select(None)
            self.status.emit("The selected region is gone; select another", 3000)
            return
        # Those selected with it in the region list too: one command, one transaction.
        # (Read from the clip's regions, kept between edits: a query each took 0.2 s for 8,700.)
        more = set(self.regions.more_ids) - {region.id}
        others = [r for r in self.project.regions(region.clip_id) if r.id in more]
        if others:
            changing = [r.id for r in (region, *others)
                        if r.label != label or r.status == UNREVIEWED]
            if changing:  # nothing to undo where every one carries it already
                self._undo_stack.push(LabelRegionsCommand(
                    self.project, changing, label, self.regions.notify_changed,
                    self.report_error))
        # A model's event labelled by a person is also reviewed: the Review tab takes it.
        elif (label is not None and self.region_label_override is not None
                and self.region_label_override(region, label)) or region.label == label:
            return
        else:
            self._undo_stack.push(UpdateRegionCommand(
                self.project, region, {"label": label}, self.regions.notify_changed,
                self.report_error))
        if label is not None and label not in self.class_names:
            self.refresh_classes()  # the store added the class

    def _selected_region(self):
        if self.project is None:
            return None
        region_id = self.regions.region_id
        region = self.project.region(region_id) if region_id is not None else None
        return region if region is not None and region.clip_id == self.regions.clip_id else None

    def _on_region_selected(self, region_id) -> None:
        region = self._selected_region() if region_id is not None else None
        if region is not None:
            how = ("the class keys label it" if self.class_names else  # none yet: no keys
                   "type a class name in the label bar (L) to label it")
            self.status.emit(f"Region {format_span(region.begin_s, region.end_s)}: {how}, Delete "
                             "removes it; click beside it to label the clip", 6000)

    def _on_regions_changed(self, clip_id: int) -> None:
        """A region edit, its undo or redo: the selection forgets a region that is gone, the
        clip table counts again."""
        if self.project is None:
            return
        if clip_id == self.regions.clip_id and self.regions.region_id is not None \
                and self._selected_region() is None:
            self.regions.select(None)
        self.refresh_region_counts()

    def report_error(self, text: str) -> None:
        """A command could not do its work: the banner says what and why."""
        self.message.emit(text, "error")

    def _label_not_saved(self, text: str) -> None:
        """A label could not be set: said until one is (another failure stays up)."""
        self._failed = text
        self.report_error(text)

    def label_by_key(self, key: str) -> None:
        """The digit shortcuts: label the selection with the class on ``key``."""
        name = self._key_to_class.get(key)
        if name is None:
            self.status.emit(f"No class on key {key}: give it one in Edit > Classes (Ctrl+K), "
                             "or type a class name in the label bar (L)", 4000)
            return
        self.label_selection(name)

    def add_class(self, name: str) -> None:
        """A class name typed in the label bar: add it (undoably), and label the selection with it."""
        if self.project is None:
            return
        if name not in self.class_names:
            self._undo_stack.push(AddClassCommand(self.project, name, self.classes_edited,
                                                  on_error=self.report_error))
            if name not in self.class_names:
                return  # it failed, and said why
        if self.regions.region_id is not None or self._clip_list.selected_ids():
            self.label_selection(name)

    def classes_edited(self, labels_changed: bool) -> None:
        """After a class edit, its undo or redo, or an import: read the classes again, and the
        clips when labels moved. The undo stack is kept: every such edit is on it."""
        self.refresh_classes()
        if labels_changed and self.project is not None:
            self._model.sync_records(self.project.clips(include_missing=True), current=True)
        if self.regions.clip_id >= 0:  # its regions' labels or colours may have changed
            self.regions.notify_changed(self.regions.clip_id)
