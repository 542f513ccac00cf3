"""Background work for the window: a folder scan on its own QThread, emitting plain values.

Workers never touch widgets. Each opens its own Project (SQLite connections belong to one thread),
stops cooperatively through a threading.Event, and is joined by ``stop_thread``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from core.errors import EarmarkError
from core.store.project import Project

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
        _lower_this_threads_priority()
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


def _lower_this_threads_priority() -> None:
    """On Linux, nice the calling thread: on a busy machine the window's thread is scheduled
    first, and the scan takes the idle time. Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass


lower_this_threads_priority = _lower_this_threads_priority  # for the model workers


def start_worker(worker: QObject, owner: QObject) -> QThread:
    """Move ``worker`` to a new QThread wired to run it and quit when it is done.

    The caller keeps the worker (not deleteLater'd: its queued signals may still be on their way,
    and ``sender()`` must name it when they arrive). ``owner`` (a QObject of the window's thread)
    owns the thread, so dropping the caller's reference to a thread that is still ending (its
    worker said done, see ``is_working``) cannot destroy it while it runs, which aborts the
    process; the thread frees itself once finished.
    """
    thread = QThread(owner)
    worker.moveToThread(thread)
    worker.work_done = False
    thread.started.connect(worker.run)
    # Marked in the worker's own thread as it says done: its thread takes a moment more to end
    # (the quit is queued to the window's thread), and work that is over must not count as running.
    # A weak reference: a lambda holding the worker would keep it alive through its own signal.
    ref = weakref.ref(worker)
    worker.done.connect(lambda: _mark_done(ref()), Qt.ConnectionType.DirectConnection)
    worker.done.connect(thread.quit)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread


def _mark_done(worker: Any) -> None:
    if worker is not None:
        worker.work_done = True


def is_working(worker: Any, thread: QThread | None) -> bool:
    """Whether ``worker`` (started by ``start_worker``) still has work to do: its thread runs and
    it has not said ``done``."""
    return thread_running(thread) and not getattr(worker, "work_done", False)


def thread_running(thread: QThread | None) -> bool:
    """Whether ``thread`` still runs (False once Qt has deleted it after it finished)."""
    try:
        return thread is not None and thread.isRunning()
    except RuntimeError:
        return False


def stop_thread(worker: Any, thread: QThread | None, timeout_ms: int = 10000) -> None:
    """Cancel ``worker`` and wait for its thread to end."""
    if worker is not None:
        try:
            worker.cancel()
        except RuntimeError:
            pass  # already deleted after it finished
    if thread is not None:
        try:
            thread.quit()
            thread.wait(timeout_ms)
        except RuntimeError:
            pass
