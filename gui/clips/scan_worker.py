"""ScanWorker: a folder scan on its own QThread, streaming the store's clip records in batches."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from core.errors import EarmarkError
from core.store.project import Project
from gui.common.tasks import lower_this_threads_priority

# At most this many rows per signal, and at most one signal per interval: the GUI thread inserts
# a batch in a few ms, so ~10 signals/s keeps it responsive even for 20,000-file folders.
BATCH_ROWS = 500
EMIT_INTERVAL_S = 0.1


class ScanWorker(QObject):
    """Lists the store's clips, then scans the folder, streaming ClipRecords in batches.

    Signals: ``rows_ready(list)`` ClipRecords (new or changed), ``progress(float, str)`` fraction
    done and what is being read, ``finished(object, list)`` the scan summary and every
    record the store holds afterwards, ``failed(str)`` a readable reason.
    """

    rows_ready = Signal(list)
    progress = Signal(float, str)
    finished = Signal(object, list)
    failed = Signal(str)
    done = Signal()  # always last, success or not: the thread quits on it

    def __init__(self, folder: str | Path, store_dir: str | Path | None = None) -> None:
        super().__init__()
        self._folder, self._store_dir = Path(folder), store_dir
        self._stop = threading.Event()
        self._pending: list[Any] = []
        self._last_emit = 0.0
        self._progress = (0.0, "")

    def cancel(self) -> None:
        """Ask the scan to stop at its next check (safe from any thread)."""
        self._stop.set()

    @Slot()
    def run(self) -> None:
        lower_this_threads_priority()
        project = None
        try:
            project = Project.open(self._folder, store_dir=self._store_dir)
            known = project.clips(include_missing=True)
            for start in range(0, len(known), BATCH_ROWS):
                self.rows_ready.emit(known[start:start + BATCH_ROWS])
            summary = project.scan(progress=self._on_progress, should_stop=self._stop.is_set,
                                   on_batch=self._on_batch)
            self._flush()
            if not self._stop.is_set():
                self.finished.emit(summary, project.clips(include_missing=True))
        except (EarmarkError, OSError) as error:
            if not self._stop.is_set():
                self.failed.emit(str(error))
        finally:
            if project is not None and hasattr(project, "close"):
                project.close()
            self.done.emit()

    def _on_progress(self, fraction: float, text: str) -> None:
        self._progress = (float(fraction), str(text))
        self._maybe_flush()

    def _on_batch(self, records: list[Any]) -> None:
        self._pending.extend(records)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if len(self._pending) >= BATCH_ROWS or now - self._last_emit >= EMIT_INTERVAL_S:
            self._flush()

    def _flush(self) -> None:
        self._last_emit = time.monotonic()
        while self._pending:
            batch, self._pending = self._pending[:BATCH_ROWS], self._pending[BATCH_ROWS:]
            self.rows_ready.emit(batch)
        self.progress.emit(*self._progress)


