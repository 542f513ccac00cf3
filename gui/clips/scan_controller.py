"""ScanController: scans the open folder in the background and brings its rows into the clip list
a few per event-loop turn, without widgets of its own."""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.store.scan import NOT_LISTED
from core.words import counted
from gui.clips.scan_worker import ScanWorker
from gui.common.tasks import TaskSlot

# Applying queued results stops after this long in one turn: the rest of the turn is left to
# input and paint.
APPLY_BUDGET_S = 0.03


class ScanController(QObject):
    """Runs one scan at a time of ``folder`` and applies its results to the table ``model`` and
    the ``clip_list`` (progress, first selection).

    Signals: ``labels_seen(set)`` the labels a batch of rows carries (the class list may lack
    some); ``status(str, int)`` a status-bar line and its timeout (ms); ``message(str, str)``
    text and kind for the banner; ``finished()`` the scan ended (done, failed or empty) and the
    list is complete.
    """

    labels_seen = Signal(set)
    status = Signal(str, int)
    message = Signal(str, str)
    finished = Signal()

    def __init__(self, model, clip_list, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model, self._clip_list = model, clip_list
        self.folder: Path | None = None
        # A stopped scan's late signals never arrive: the slot disconnects it.
        self._task = TaskSlot(self)
        self._restore_path: str | None = None
        # From start until its results are applied (_finish, _fail) or it is stopped: the
        # thread ends before its last signals are delivered and drained.
        self._scanning = False
        self.last_summary = None  # the ScanSummary of the last scan that ended
        self._warned = False  # the last scan of this folder left a warning on the banner
        # Queued signals are all delivered in one go, so applying them on arrival could stall the
        # window: results wait here and are applied a few per turn.
        self._queue: deque = deque()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._drain)

    def start(self, project, restore_path: str | None = None) -> None:
        """Scan ``project``'s folder (stopping a scan under way); select ``restore_path`` when it
        is listed."""
        self.stop()
        if project.folder != self.folder:
            self._warned = False
        self.folder = project.folder
        if restore_path is not None:
            self._restore_path = restore_path
        self._model.protect_local_labels(True)
        self._clip_list.set_progress(0.0, "Listing files")
        self.status.emit(f"Scanning {self.folder}…", 0)
        self._scanning = True
        self._task.start(ScanWorker(project),
                         partial=lambda records: self._enqueue(self._apply_rows, records),
                         progress=lambda value: self._clip_list.set_progress(*value),
                         finished=lambda outcome: outcome is not None  # None: stopped
                         and self._enqueue(self._finish, *outcome),
                         failed=lambda reason: self._enqueue(self._fail, reason))

    def stop(self) -> None:
        """Cancel the scan and wait for its thread; results still queued are dropped."""
        self._task.cancel()
        self._queue.clear()
        self._timer.stop()
        self._end()

    def _end(self) -> None:
        """The scan is over (stopped, or its results applied): the list's own again."""
        self._scanning = False
        self._model.protect_local_labels(False)
        self._clip_list.hide_progress()

    def is_scanning(self) -> bool:
        """Whether a scan runs or its results are still to be applied to the list."""
        return self._scanning

    def first_scan_read_names(self) -> bool:
        """The scan that just ended was the project's first (every file new) and labelled files
        by their names: the window then shows the rule it used."""
        summary = self.last_summary
        if summary is None or summary.stopped or summary.added != summary.total:
            return False
        return any(r.label_source == "filename" for r in self._model.records())

    # ---- the worker's signals -----------------------------------------------------------

    def _enqueue(self, apply, *args) -> None:
        self._queue.append((apply, args))
        self._timer.start()

    def _drain(self) -> None:
        deadline = time.perf_counter() + APPLY_BUDGET_S
        while self._queue and time.perf_counter() < deadline:
            apply, args = self._queue.popleft()
            apply(*args)
        if not self._queue:
            self._timer.stop()

    # ---- applying results ---------------------------------------------------------------

    def _apply_rows(self, records: list) -> None:
        self._model.upsert_records(records)
        labels = {r.label for r in records if r.label}
        if labels:
            self.labels_seen.emit(labels)
        if self._restore_path is not None:
            match = next((r.id for r in records if r.path == self._restore_path), None)
            if match is not None:
                self._restore_path = None
                self._clip_list.select_ids([match], match)
        elif self._clip_list.current_id() < 0:
            self._clip_list.select_row(0)  # something to label from the first keystroke

    def _finish(self, summary, records: list) -> None:
        self.last_summary = summary
        self._model.sync_records(records)  # the local labels protected until they are in
        self._end()
        if self._restore_path is not None or self._clip_list.current_id() < 0:
            self._restore_path = None
            self._clip_list.select_row(0)
        if summary.total == 0:
            self.message.emit(f"No audio files in {self.folder}. Earmark reads WAV, FLAC, OGG "
                              "and MP3 files in the folder and its subfolders.", "warning")
        self.status.emit(f"Scanned {self.folder.name}: {summary_text(summary)}", 8000)
        for warning in summary.warnings:
            self.message.emit(warning, "warning")
        # A warning stays until closed: say when one about files not listed is past (a folder
        # listed now). Other warnings (a labels file not used) are said by the first scan only.
        unlisted = any(f": {NOT_LISTED}" in warning for warning in summary.warnings)
        if self._warned and not unlisted and not summary.stopped:
            self.message.emit(f"Every file of {self.folder.name} is listed now.", "info")
        self._warned = unlisted
        self.finished.emit()

    def _fail(self, reason: str) -> None:
        self.last_summary = None
        self._end()
        self.message.emit(f"Scanning stopped: {reason}", "error")
        self.finished.emit()


def summary_text(summary) -> str:
    """``"1,200 clips, 3 new, 2 unreadable (1.4 s)"`` for a ScanSummary."""
    parts = [counted(summary.total, "clip")]
    if summary.added and summary.added != summary.total:
        parts.append(f"{summary.added:,} new")
    if summary.moved:
        parts.append(f"{summary.moved:,} moved")
    if summary.changed:  # a file changed under its name keeps its name's label: said
        parts.append(f"{summary.changed:,} changed")
    if summary.unreadable:
        parts.append(f"{summary.unreadable:,} unreadable")
    if summary.missing:
        parts.append(f"{summary.missing:,} missing")
    took = (f"{summary.elapsed_s:.1f} s" if summary.elapsed_s >= 1
            else f"{summary.elapsed_s * 1000:.0f} ms")
    return f"{', '.join(parts)} ({took})"
