"""Undoable edits of the model's events: storing one detection run's events (DetectEventsCommand)
and a person's verdict on one event (ReviewRegionCommand) or on many at once
(ReviewRegionsCommand). Each ``redo()`` changes the store,
``undo()`` puts back exactly what the store said it replaced (same region ids), and
``on_changed(clip_id)`` tells the views after every step."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import PurePath
from typing import Any

from core.store.regions import UNCHANGED
from core.words import counted
from gui.clips.commands import _StoreCommand
from gui.clips.region_commands import OnChanged, OnError, _tell
from gui.clips.region_items import is_model_event as is_unreviewed

__all__ = ["ACCEPT", "REJECT", "DetectEventsCommand", "ReviewRegionCommand",
           "ReviewRegionsCommand", "detection_message", "is_unreviewed"]

ACCEPT, REJECT = "accept", "reject"


class DetectEventsCommand(_StoreCommand):
    """One detection run's events, stored as unreviewed regions of each file, of ``source``
    "model" (a model's run), "loud" (Find Loud Events) or "similar" (Find Similar Calls).

    ``specs`` maps clip id -> the RegionSpecs the task found there (computed in the background;
    a file with none still clears its old unreviewed events). The first redo calls
    ``project.replace_model_regions`` per clip (of ``labels``, the classes the run looks for:
    those events the same kind of run found before are replaced, others stay); undo deletes
    what was added and restores what it replaced; a later redo repeats that exactly (the same
    ids, so review commands above it stay true) without asking the store to detect again.
    ``added`` lists the stored events."""

    PUTS_BACK_CLASSES = True  # a loaded model's class the project lacks: made, then gone

    def __init__(self, project: Any, specs: Mapping[int, Iterable[Any]], model_name: str = "",
                 on_changed: OnChanged | None = None, on_error: OnError = None,
                 labels: Collection[str | None] | None = None, source: str = "model") -> None:
        self._specs = {clip_id: list(items) for clip_id, items in specs.items()}
        n = sum(len(items) for items in self._specs.values())
        files = len(self._specs)
        by = f" by {model_name}" if model_name else ""
        super().__init__(f"Detect {counted(n, 'event')}{by} in {counted(files, 'file')}",
                         on_error)
        self._project, self._on_changed, self._labels = project, on_changed, labels
        self._source = source
        self._deleted: list[Any] = []
        self.added: list[Any] | None = None

    @property
    def replaced(self) -> int:
        """How many events waiting for review this run's redo replaced (a search before)."""
        return len(self._deleted)

    @property
    def already_waiting(self) -> int:
        """How many of this run's events were not added: an imported event of their class
        already waits for review over their call (Project.replace_model_regions)."""
        return sum(map(len, self._specs.values())) - len(self.added or ())

    def _redo(self) -> None:
        if self.added is None:
            deleted, added = [], []
            for clip_id, specs in self._specs.items():
                gone, new = self._project.replace_model_regions(clip_id, specs, self._labels,
                                                                self._source)
                deleted.extend(gone)
                added.extend(new)
            self._deleted, self.added = deleted, added
        else:
            if self._deleted:
                self._project.delete_regions([r.id for r in self._deleted])
            self._project.restore_regions(self.added)
        _tell(self._on_changed, self._specs)

    def _undo(self) -> None:
        if self.added:
            self._project.delete_regions([r.id for r in self.added])
        self._project.restore_regions(self._deleted)
        _tell(self._on_changed, self._specs)


def detection_message(outcome: Any, replaced: int, waiting: int = 0) -> tuple[str, str]:
    """(text, kind) for the banner after a search (a DetectOutcome): the events found, the
    files searched, cancelled or unreadable, how many stretches a model's search left out as
    unknown, how many events left waiting by a search before were replaced (a new search
    of another class replaced them without a word), and how many found were ``waiting``
    already, imported (DetectEventsCommand.already_waiting)."""
    n = sum(len(specs) for specs in outcome.specs.values())
    text = f"Found {counted(n, 'event')} in {counted(outcome.searched, 'file')}"
    if outcome.stopped:
        text += f" before the search was cancelled ({outcome.total} to search)"
    if outcome.failed:
        path, reason = outcome.failed[0]
        text += (f"; {len(outcome.failed)} could not be searched (first: "
                 f"{PurePath(path).name}: {reason})")
    if outcome.unknown:
        text += (f"; {counted(outcome.unknown, 'stretch', 'stretches')} unlike anything the "
                 "model was trained on left out (unknown)")
    if outcome.near:
        low, threshold = outcome.near_scores
        text += (f"; {counted(outcome.near, 'more match', 'more matches')} scored "
                 f"{low:.2f}-{threshold:.2f}, just under the threshold (a lower one, or "
                 "calls higher or lower, would queue them)")
    if replaced:
        text += (f"; they replace {counted(replaced, 'event')} of the same class left waiting "
                 "for review in those files (by an earlier search of the same kind, or on the "
                 "same calls)")
    if waiting:
        text += (f"; {waiting:,} of them already waited for review, imported, and were not "
                 "added again")
    return (text + ". Review them in the Review tab (Ctrl+Z removes them"
            + (" and brings the others back)." if replaced else ")."),
            "warning" if outcome.failed else "info")


class ReviewRegionsCommand(_StoreCommand):
    """A person's verdict on model events, in one store transaction: ``decision`` ACCEPT (each
    becomes a manual region, relabelled to ``label`` when one is given) or REJECT (kept as
    rejected: the next training may use them as background). Undo restores the records the
    store returned, exactly. ``text`` names the step (default: 'Accept 12 events')."""

    def __init__(self, project: Any, regions: Iterable[Any], decision: str,
                 label: Any = UNCHANGED, on_changed: OnChanged | None = None,
                 on_error: OnError = None, text: str | None = None) -> None:
        if decision not in (ACCEPT, REJECT):
            raise ValueError(f"not a review decision: {decision!r}")
        regions = list(regions)
        n = len(regions)
        super().__init__(text or f"{decision.capitalize()} {counted(n, 'event')}",
                         on_error)
        self._project, self._on_changed = project, on_changed
        self._ids = [r.id for r in regions]
        self._clip_ids = [r.clip_id for r in regions]
        self._decision, self._label = decision, label
        self._before: list[Any] = []

    def _redo(self) -> None:
        self._before = self._project.review_regions(self._ids, self._decision, self._label)
        _tell(self._on_changed, self._clip_ids)

    def _undo(self) -> None:
        self._project.restore_regions(self._before)
        _tell(self._on_changed, self._clip_ids)


class ReviewRegionCommand(ReviewRegionsCommand):
    """A person's verdict on one model event (see ReviewRegionsCommand), named in the undo
    menu by its label: 'Accept event dog', 'Accept event as cat', 'Reject event dog'."""

    def __init__(self, project: Any, region: Any, decision: str, label: Any = UNCHANGED,
                 on_changed: OnChanged | None = None, on_error: OnError = None) -> None:
        super().__init__(project, [region], decision, label, on_changed, on_error,
                         _review_text(region, decision, label))

    @property
    def region_id(self) -> int:
        return self._ids[0]


def _review_text(region: Any, decision: str, label: Any) -> str:
    """The undo menu's words: 'Accept event dog', 'Accept event as cat', 'Reject event dog'."""
    if decision == REJECT:
        return f"Reject event {region.label or ''}".rstrip()
    if label is not UNCHANGED and label != region.label:
        return f"Accept event as {label}"
    return f"Accept event {region.label or ''}".rstrip()
