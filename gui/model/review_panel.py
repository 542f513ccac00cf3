"""ReviewPanel: the Model dock's Review tab, the queue of the model's unreviewed events. Stepping
through it takes the clip list to each event's file, zooms the clip view to the event and plays
it; A accepts, R rejects, a class key relabels and accepts, Shift+A accepts the event and every
one above it and Shift+R rejects it and every one below (a template search reviewed surest first:
its good matches at the top, the rest once they peter out), all through the undo stack."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.store.records import REJECTED
from core.words import counted
from gui.clips.region_items import score_text
from gui.common.elided_label import one_line
from gui.common.empty_views import EmptyTextList
from gui.common.flow_layout import FlowLayout
from gui.common.time_text import format_span
from gui.common.window_actions import window_action
from gui.model.detection_commands import (
    ACCEPT,
    REJECT,
    ReviewRegionCommand,
    ReviewRegionsCommand,
    is_unreviewed,
)

ORDER_SCORE, ORDER_SUREST, ORDER_CLASS = "score", "surest", "class"
#: Not an order of the queue but another list: the events a person rejected, surest first, to
#: take one back (A) that was rejected with the rest below it.
ORDER_REJECTED = "rejected"
ACCEPT_KEY, REJECT_KEY = "A", "R"
ACCEPT_ABOVE_KEY, REJECT_BELOW_KEY = "Shift+A", "Shift+R"
NEXT_EVENT_KEY, PREVIOUS_EVENT_KEY = "N", "Shift+N"


def review_queue(records: Iterable[Any], order: str = ORDER_SCORE) -> list[Any]:
    """The unreviewed model events among ``records``: least sure first (ORDER_SCORE), surest
    first (ORDER_SUREST: a template search's best matches, reviewed until they peter out), or
    grouped by class and least sure first within each (ORDER_CLASS); ties in file and time
    order. ORDER_REJECTED: the rejected events instead, surest first."""
    if order == ORDER_REJECTED:
        events = [r for r in records if getattr(r, "status", None) == REJECTED]
        order = ORDER_SUREST
    else:
        events = [r for r in records if is_unreviewed(r)]

    def score(r: Any) -> float:
        return r.score if r.score is not None else 0.0

    if order == ORDER_CLASS:
        return sorted(events, key=lambda r: (r.label or "", score(r), r.clip_id, r.begin_s, r.id))
    if order == ORDER_SUREST:
        return sorted(events, key=lambda r: (-score(r), r.clip_id, r.begin_s, r.id))
    return sorted(events, key=lambda r: (score(r), r.clip_id, r.begin_s, r.id))


class ReviewPanel(QWidget):
    """The queue and its buttons. ``project()`` is the open Project or None; ``undo_stack`` takes
    the review commands; ``on_changed(clip_id)`` is told after each (the window's
    RegionSelection.notify_changed); ``go_to(record)`` shows an event (its file, zoomed, played:
    set by the dock). ``set_class_keys`` gives the digit keys, which relabel and accept while the
    queue has the keys.

    Signals: ``detect_requested()``, ``energy_requested()``, ``similar_requested()``,
    ``cancel_requested()`` (the Detect Events, Find Loud Events, Find Similar Calls and Cancel
    buttons); ``message(str, str)`` banner text and kind.
    """

    detect_requested = Signal()
    energy_requested = Signal()
    similar_requested = Signal()
    cancel_requested = Signal()
    message = Signal(str, str)

    def __init__(self, project: Callable[[], Any], undo_stack: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReviewPanel")
        self._project, self._undo_stack = project, undo_stack
        self.on_changed: Callable[[int], None] | None = None
        self.go_to: Callable[[Any], None] | None = None
        self._key_to_class: dict[str, str] = {}
        self._queue: list[Any] = []
        self._ordered: tuple[str, list[Any]] = ("", [])  # the (order, regions) it was made from
        self._lines: tuple[list[int], list[str]] = ([], [])  # the list's (event ids, lines)
        self._names: dict[int, str] = {}  # clip id -> file name, of the clips in the queue
        self._current_id: int | None = None
        self._filling = False
        self._shown_id: int | None = None  # the event last shown in the clip view
        # A many-event verdict touches many files: their news, and its undo's, refresh the
        # queue once (on the next turn of the event loop), not once per file.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)

        self.detect_button = QPushButton("Detect Events")
        self.detect_button.setToolTip("Run the active model over the project's long recordings "
                                      "and list the events it finds here")
        self.detect_button.clicked.connect(self.detect_requested)
        self.energy_button = QPushButton("Find Loud Events…")
        self.energy_button.setToolTip("Mark every stretch where a frequency band stands above "
                                      "its own background, without a model (a band-limited "
                                      "energy detector), and list them here")
        self.energy_button.clicked.connect(self.energy_requested)
        self.similar_button = QPushButton("Find Similar Calls…")
        self.similar_button.setToolTip("Find the stretches shaped like the selected region "
                                       "(a template detector), and list them here")
        self.similar_button.clicked.connect(self.similar_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setMaximumHeight(16)
        self.progress.hide()
        self.order = QComboBox()
        self.order.addItem("Least sure first", ORDER_SCORE)
        self.order.addItem("Surest first", ORDER_SUREST)
        self.order.addItem("By class", ORDER_CLASS)
        self.order.addItem("Rejected ones (A takes one back)", ORDER_REJECTED)
        self.order.currentIndexChanged.connect(lambda _index: self.refresh())
        self.count_label = QLabel()
        self.count_label.setObjectName("ReviewCount")
        self.count_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count_label.setWordWrap(True)  # the empty queue says what would fill it
        self.list = EmptyTextList()
        self.list.setObjectName("ReviewList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        # A line longer than the dock is cut at its end, the file's name, never behind a scroll
        # bar: the class, score, times and channel lead, what tells the events apart (cut in
        # its middle, one file's name read differently on each row).
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._on_list_row_changed)
        # A click on the row already current (not shown: the queue changed while the tab was
        # out of view) shows it too.
        self.list.itemClicked.connect(lambda _item: self._show_if_unseen())
        self.list.installEventFilter(self)
        self.hint = QLabel(f"{ACCEPT_KEY} accept · {REJECT_KEY} reject · class keys relabel and "
                           f"accept · {NEXT_EVENT_KEY} next · {PREVIOUS_EVENT_KEY} previous · "
                           f"{ACCEPT_ABOVE_KEY} accept it and all above · {REJECT_BELOW_KEY} "
                           f"reject it and all below")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.accept_action = window_action(self, "Accept &Event", self.accept_current, ACCEPT_KEY)
        self.reject_action = window_action(self, "&Reject Event", self.reject_current, REJECT_KEY)
        self.next_action = window_action(self, "&Next Event", self.select_next, NEXT_EVENT_KEY)
        self.previous_action = window_action(self, "&Previous Event", self.select_previous,
                                            PREVIOUS_EVENT_KEY)
        self.accept_above_action = window_action(
            self, "Accept This and All Events Abo&ve", self.accept_through_current,
            ACCEPT_ABOVE_KEY)
        self.accept_above_action.setToolTip("Accept the current event and every one above it in "
                                            "the queue (Surest first: the best matches)")
        self.reject_below_action = window_action(
            self, "Reject This and All Events &Below", self.reject_from_current,
            REJECT_BELOW_KEY)
        self.reject_below_action.setToolTip("Reject the current event and every one below it in "
                                            "the queue (Surest first: the matches left)")
        buttons = QHBoxLayout()
        for action in (self.previous_action, self.accept_action, self.reject_action,
                       self.next_action):
            button = QPushButton(action.text().replace("&", "").replace(" Event", ""))
            button.setToolTip(f"{action.text().replace('&', '')} "
                              f"({action.shortcut().toString()})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the queue
            button.clicked.connect(action.trigger)
            button.setEnabled(action.isEnabled())  # off with an empty queue, as its key is
            action.enabledChanged.connect(button.setEnabled)
            buttons.addWidget(button)
        searches = FlowLayout()  # wraps where the dock is narrow, not widening the window
        for button in (self.detect_button, self.energy_button, self.similar_button,
                       self.cancel_button):
            searches.addWidget(button)
        counted = QHBoxLayout()
        counted.addWidget(self.count_label, 1)
        counted.addWidget(self.order)
        layout = QVBoxLayout(self)
        layout.addLayout(searches)
        layout.addWidget(self.progress)
        layout.addLayout(counted)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self.refresh()

    def actions_for_menu(self) -> list[QAction]:
        """Accept, reject, next and previous event, and the many-event verdicts, for the Model
        menu."""
        return [self.accept_action, self.reject_action, self.next_action, self.previous_action,
                self.accept_above_action, self.reject_below_action]

    # ---- the queue ------------------------------------------------------------------------

    def queue(self) -> list[Any]:
        """The unreviewed events, in the order shown."""
        return list(self._queue)

    def current(self) -> Any | None:
        """The event the keys act on, or None."""
        row = self.list.currentRow()
        return self._queue[row] if 0 <= row < len(self._queue) else None

    def set_class_keys(self, key_to_class: dict[str, str]) -> None:
        self._key_to_class = dict(key_to_class)

    def refresh(self, records: list[Any] | None = None) -> None:
        """Read the project's events again (or take ``records``, every region of the project,
        when the caller has just read them), keeping the current one (or its place) current.
        The list is filled again only when its lines changed: a night's thousands of events
        cost one pass of plain strings, not one widget item each."""
        self._refresh_timer.stop()  # this is the refresh it was waiting to do
        project = self._project()
        if project is None:
            records = []
        elif records is None:
            records = project.regions()
        old_row = self.list.currentRow()
        order = self.order.currentData() or ORDER_SCORE
        # A verdict's news reaches the queue twice (its own refresh, then the window's filters
        # refresh with the same read): the second finds the same regions and orders nothing.
        if (order, records) != self._ordered:
            self._ordered = (order, records)
            self._queue = review_queue(records, order)
            # The queue's files only, each named once (not every clip of a large project).
            clips = (project.clip(clip_id) for clip_id in {r.clip_id for r in self._queue})
            self._names = {clip.id: Path(clip.path).name for clip in clips if clip is not None}
            lines = ([r.id for r in self._queue], [self._describe(r) for r in self._queue])
        else:
            lines = self._lines
        ids = lines[0]
        self._filling = True
        try:
            if lines != self._lines:
                self._lines = lines
                self.list.clear()
                self.list.addItems(lines[1])
            if self._current_id in ids:
                row = ids.index(self._current_id)
            else:  # reviewed or gone: the one that took its place
                row = min(max(old_row, 0), len(ids) - 1) if ids else -1
            self.list.setCurrentRow(row)
        finally:
            self._filling = False
        before, self._current_id = self._current_id, self._queue[row].id if row >= 0 else None
        if self._current_id not in (before, None) and self.isVisible():
            self._show(self._queue[row])  # a new queue's first event, with the tab in view
        n = len(self._queue)
        rejected = self.order.currentData() == ORDER_REJECTED
        self.count_label.setText(f"{counted(n, 'rejected event')}" if rejected and n else
                                 "No rejected events" if rejected else
                                 f"{counted(n, 'event')} to review" if n else
                                 "No events to review")
        # What would fill it, in the empty list: beside the order box it was squeezed to a
        # column of eight lines.
        self.list.set_empty_text(
            "" if n or rejected else "Detect Events runs the active model over the long "
            "recordings; Find Loud Events and Find Similar Calls need no model. The events they "
            "find wait here for your verdict.")
        for action in self.actions_for_menu():
            action.setEnabled(n > 0)

    def _describe(self, record: Any) -> str:
        name = self._names.get(record.clip_id, "?")
        score = "" if record.score is None else f" {score_text(record)}"
        channel = getattr(record, "channel", None)
        on = "" if channel is None else f" · ch {channel + 1}"
        return (f"{one_line(record.label or 'unlabelled')}{score} · "
                f"{format_span(record.begin_s, record.end_s)}{on} · {name}")

    # ---- keys -----------------------------------------------------------------------------

    def select_next(self) -> None:
        self._step(+1)

    def select_previous(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        n = len(self._queue)
        if not n:
            return
        row = self.list.currentRow()
        row = 0 if row < 0 else min(max(row + direction, 0), n - 1)
        self.show_row(row)

    def show_row(self, row: int) -> None:
        """Make ``row`` current and show its event (even when it was current already)."""
        if not 0 <= row < len(self._queue):
            return
        self._filling = True
        try:
            self.list.setCurrentRow(row)
        finally:
            self._filling = False
        self._current_id = self._queue[row].id
        self._show(self._queue[row])

    def take_keys(self) -> None:
        """A person chose the Review tab: the class keys, A and R act on the queue's current
        event, which is shown (before, a class key labelled the file on show instead)."""
        if self.current() is None:
            return
        self.list.setFocus(Qt.FocusReason.TabFocusReason)
        self._show_if_unseen()

    def _show_if_unseen(self) -> None:
        record = self.current()
        if record is not None and record.id != self._shown_id:
            self.show_row(self.list.currentRow())

    def accept_current(self) -> None:
        self._review(ACCEPT)

    def reject_current(self) -> None:
        self._review(REJECT)

    def relabel_current(self, label: str) -> None:
        """Give the current event ``label`` and accept it (one undo step)."""
        self._review(ACCEPT, label)

    def relabel_event(self, region: Any, label: str) -> bool:
        """Relabel and accept ``region`` when it is an unreviewed model event (one undo step);
        False, doing nothing, for any other region (for the window's labelling to handle)."""
        project = self._project()
        if project is None or not is_unreviewed(region):
            return False
        self._undo_stack.push(ReviewRegionCommand(
            project, region, ACCEPT, label, on_changed=self._changed,
            on_error=lambda text: self.message.emit(text, "error")))
        return True

    def label_by_key(self, key: str) -> bool:
        """A class key pressed in the queue: relabel and accept (False: no class on it)."""
        name = self._key_to_class.get(key)
        if name is None:
            return False
        self.relabel_current(name)
        return True

    def _unseen(self) -> bool:
        """Whether the current event has not been shown since it became current (the queue
        changed under it): it is shown now, and the key that asked for a verdict gives none."""
        record = self.current()
        if record is None or record.id == self._shown_id:
            return False
        self.show_row(self.list.currentRow())
        self.message.emit("This event is shown now: look, then press the key again.", "info")
        return True

    def _review(self, decision: str, *label: str) -> None:
        record, project = self.current(), self._project()
        if record is None or project is None or self._unseen():
            return
        row = self.list.currentRow()
        self._undo_stack.push(ReviewRegionCommand(
            project, record, decision, *label, on_changed=self._changed,
            on_error=lambda text: self.message.emit(text, "error")))
        # The queue was read again by the command's news; on to the event in its place.
        if self._queue and self._current_id != record.id:
            self.show_row(min(row, len(self._queue) - 1))

    def accept_through_current(self) -> None:
        """Accept the current event and every one above it (one undo step)."""
        row = self.list.currentRow()
        if row >= 0 and not self._unseen():
            self._review_many(ACCEPT, self._queue[:row + 1], 0)

    def reject_from_current(self) -> None:
        """Reject the current event and every one below it (one undo step)."""
        row = self.list.currentRow()
        if row >= 0 and not self._unseen():
            self._review_many(REJECT, self._queue[row:], row - 1)

    def _review_many(self, decision: str, records: list[Any], next_row: int) -> None:
        project = self._project()
        if project is None or not records:
            return
        failed: list[str] = []

        def on_error(text: str) -> None:
            failed.append(text)
            self.message.emit(text, "error")

        self._undo_stack.push(ReviewRegionsCommand(project, records, decision,
                                                   on_changed=self._changed_later,
                                                   on_error=on_error))
        if failed:  # said, and nothing changed
            return
        self.refresh()
        if self._queue:
            self.show_row(min(max(next_row, 0), len(self._queue) - 1))
        n = len(records)
        done = "Accepted" if decision == ACCEPT else "Rejected"
        self.message.emit(f"{done} {counted(n, 'event')}; Ctrl+Z undoes it.", "info")

    def _changed(self, clip_id: int) -> None:
        if self.on_changed is not None:
            self.on_changed(clip_id)
        self.refresh()

    def _changed_later(self, clip_id: int) -> None:
        if self.on_changed is not None:
            self.on_changed(clip_id)
        self._refresh_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The class keys are the window's labelling shortcuts; while the queue has the keys they
        # relabel and accept the current event instead (claimed before the shortcut fires).
        if watched is self.list and event.type() in (QEvent.Type.ShortcutOverride,
                                                     QEvent.Type.KeyPress):
            text = event.text()
            plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if plain and text in self._key_to_class and self.current() is not None:
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    self.label_by_key(text)
                return True
        return super().eventFilter(watched, event)

    # ---- showing --------------------------------------------------------------------------

    def _on_list_row_changed(self, row: int) -> None:
        if self._filling or not 0 <= row < len(self._queue):
            return
        self._current_id = self._queue[row].id
        self._show(self._queue[row])

    def _show(self, record: Any) -> None:
        self._shown_id = record.id
        if self.go_to is not None:
            self.go_to(record)

    def show_surest_first(self) -> None:
        """Order the queue by score, best first (a template search's matches)."""
        self.order.setCurrentIndex(self.order.findData(ORDER_SUREST))

    # ---- detection ------------------------------------------------------------------------

    def detection_started(self) -> None:
        if self.order.currentData() == ORDER_REJECTED:  # a search's news is the events to review
            self.order.setCurrentIndex(self.order.findData(ORDER_SCORE))
        self.detect_button.setEnabled(False)
        self.energy_button.setEnabled(False)
        self.similar_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.progress.show()

    def detection_progress(self, done_s: float, total_s: float) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done_s / total_s) if total_s > 0 else 0)
        self.progress.setFormat(f"Detecting… {done_s / total_s:.0%}" if total_s > 0 else "")

    def detection_ended(self) -> None:
        self.detect_button.setEnabled(True)
        self.energy_button.setEnabled(True)
        self.similar_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()

