"""Background work for the window, in one facility (after Orange3's ConcurrentMixin/TaskState and
superqt's new_worker_qthread): a ``Worker`` (a QObject on its own QThread, emitting plain values,
stopping cooperatively, progress throttled to about ten signals a second) and a ``TaskSlot`` per
kind of task, which runs one at a time: starting a task cancels and disconnects the one before,
so a replaced task's late signals never reach the handlers.

Workers never touch widgets. One that uses the store opens its own Project (SQLite connections
belong to one thread): ``ProjectWorker``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import EarmarkError
from core.store.project import Project

# One progress signal per interval at most: the window redraws a bar in well under that.
EMIT_INTERVAL_S = 0.1
# What a worker reports as a failure (with its reason) instead of letting it end the thread.
TASK_ERRORS = (EarmarkError, OSError, ValueError, RuntimeError)


def lower_this_threads_priority() -> None:
    """On Linux, nice the calling thread: on a busy machine the window's thread is scheduled
    first, and the worker takes the idle time. Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass


class Throttle:
    """True at most once per ``interval_s``: the one limit on how often a worker signals."""

    def __init__(self, interval_s: float | None = None) -> None:
        self.interval_s = EMIT_INTERVAL_S if interval_s is None else interval_s
        self._last = 0.0

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._last = now
            return True
        return False


class Worker(QObject):
    """One task, run on its own thread by a ``TaskSlot``. Subclasses implement ``work()``, which
    returns the result, checks ``should_stop()`` between steps (core takes it as its
    ``should_stop``), calls ``report_progress`` and emits ``partial`` batches.

    Signals (plain values): ``progress(object)`` throttled; ``partial(object)`` results as they
    come; ``finished(object)`` what ``work`` returned (also after a stop: work that stops early
    returns what it has); ``failed(str)`` a readable reason (not after a stop); ``done()``
    always last, on which the thread quits. ``outcome`` holds the result for ``TaskSlot.settle``.
    """

    progress = Signal(object)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()
        self.throttle = Throttle()
        self.work_done = False
        self.outcome: tuple[str, Any] | None = None  # ("finished", result) or ("failed", reason)

    def cancel(self) -> None:
        """Ask the work to stop at its next check (safe from any thread)."""
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def report_progress(self, value: Any, force: bool = False) -> None:
        """Emit ``progress(value)`` unless one went out less than an interval ago (``force``:
        always, for reports that must not be lost, such as the last or an epoch's scores)."""
        if force or self.throttle.ready():
            self.progress.emit(value)

    def work(self) -> Any:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        # Niced (threads it starts inherit that): on a busy machine the window comes first.
        lower_this_threads_priority()
        try:
            result = self.work()
            self.outcome = ("finished", result)
            self.finished.emit(result)
        except TASK_ERRORS as error:
            if not self.should_stop():
                self.outcome = ("failed", str(error))
                self.failed.emit(str(error))
        except Exception:
            # A bug, not a failure a task reports: shown as any uncaught error would be (the
            # tests' capture_exceptions sees it), handled here so it never leaves Qt's slot.
            sys.excepthook(*sys.exc_info())
        finally:
            # Marked before done goes out: a handler of the queued done may run in the window's
            # thread before this thread returns from emit, and must not find the task running.
            self.work_done = True
            self.done.emit()


class FunctionWorker(Worker):
    """Runs ``fn(worker)`` (the worker gives it ``should_stop`` and ``report_progress``)."""

    def __init__(self, fn: Callable[[Worker], Any]) -> None:
        super().__init__()
        self._fn = fn

    def work(self) -> Any:
        return self._fn(self)


class ProjectWorker(Worker):
    """Work on its own Project of ``project``'s folder and store, opened and closed on the
    worker's thread (a SQLite connection belongs to the thread that opened it; the window's
    Project is only read here for where it lives). Runs ``fn(project, worker)``, or a subclass
    overrides ``work_on(project)``."""

    def __init__(self, project: Any, fn: Callable[[Project, Worker], Any] | None = None) -> None:
        super().__init__()
        self._folder, self._store_dir = Path(project.folder), Path(project.store_path).parent
        self._fn = fn

    def work(self) -> Any:
        with Project.open(self._folder, store_dir=self._store_dir) as project:
            return self.work_on(project)

    def work_on(self, project: Project) -> Any:
        return self._fn(project, self)


class _Relay(QObject):
    """Lives in the window's thread and receives one task's signals (queued); hands them to the
    task's handlers while ``active``. A replaced task's relay is switched off (and lets go of its
    worker and handlers once its thread has ended), so signals Qt had already queued for it
    reach nothing: that gate, not a ``sender()`` check, keeps a replaced task's late signals
    away."""

    def __init__(self, worker: Worker, handlers: dict[str, Callable | None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.worker, self.handlers, self.active = worker, handlers, True
        self.outcome_delivered = False  # finished or failed went out (see TaskSlot.settle)
        worker.progress.connect(self._on_progress)
        worker.partial.connect(self._on_partial)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)

    def deliver(self, kind: str, *args) -> None:
        handler = self.handlers.get(kind)
        if not self.active:
            return
        self.outcome_delivered |= kind in ("finished", "failed")
        if handler is not None:
            handler(*args)

    def release(self) -> None:
        """Let go of the ended task's worker and handlers (their results can be large). The
        relay itself stays, switched off, as a child of its slot until the slot goes: deleting it
        once the next task had started crashed that task's thread (PySide 6, Python 3.11, in
        torch's first call) in the GUI tests."""
        self.worker, self.handlers = None, {}

    @Slot(object)
    def _on_progress(self, value) -> None:
        self.deliver("progress", value)

    @Slot(object)
    def _on_partial(self, value) -> None:
        self.deliver("partial", value)

    @Slot(object)
    def _on_finished(self, value) -> None:
        self.deliver("finished", value)

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        self.deliver("failed", reason)

    @Slot()
    def _on_done(self) -> None:
        self.deliver("done")
        # Nothing follows ``done``: a settled task's queued signals are not delivered again.
        self.active = False


#: Abandoned tasks of a slot that may still run (each to the end of its block of work) beside
#: the task that replaced them: stepping through clips faster than that started a thread per
#: clip (11 at once, each running torch on every core).
MAX_ABANDONED_RUNNING = 2


class TaskSlot(QObject):
    """Runs one task of a kind at a time for its parent (a controller or panel).

    ``start(worker, finished=..., ...)`` cancels and disconnects the task before, then runs
    ``worker`` on a new QThread owned by this slot, so dropping a reference to a thread that is
    still ending (its worker said done, see ``is_running``) cannot destroy it while it runs, which
    aborts the process; the thread frees itself once finished. ``abandon()`` stops and
    disconnects a task that only reads without waiting for it (see there).
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._relay: _Relay | None = None
        self._thread: QThread | None = None
        self._ending: list[tuple[_Relay, QThread]] = []  # abandoned, their threads still running
        self._parked: tuple[Worker, dict] | None = None  # to start once one of those has ended

    @property
    def worker(self) -> Worker | None:
        return self._relay.worker if self._relay is not None else None

    def start(self, worker: Worker, *, progress: Callable | None = None,
              partial: Callable | None = None, finished: Callable | None = None,
              failed: Callable | None = None, done: Callable | None = None) -> Worker:
        """Run ``worker``, its signals going to the handlers given (each takes the signal's
        value; ``done`` none); the task before is cancelled, disconnected and joined (not those
        abandoned before it: with two of them still running, it starts once one has ended)."""
        self._stop(timeout_ms=10000)
        self._sweep()  # those ended are no longer counted
        handlers = {"progress": progress, "partial": partial, "finished": finished,
                    "failed": failed, "done": done}
        if len(self._ending) >= MAX_ABANDONED_RUNNING:
            self._parked = (worker, handlers)
        else:
            self._run(worker, handlers)
        return worker

    def _run(self, worker: Worker, handlers: dict) -> None:
        self._relay = _Relay(worker, handlers, self)
        self._thread = _start_thread(worker, self)
        self._thread.finished.connect(self._sweep)  # before it can end: an ending is never missed

    def is_running(self) -> bool:
        """Whether the task still has work to do: its thread runs and it has not said done, or
        it is parked, to start once an abandoned task has ended."""
        if self._parked is not None:
            return True
        worker = self.worker
        return (worker is not None and thread_running(self._thread)
                and not worker.work_done)

    def request_stop(self) -> None:
        """Ask the task to stop but keep listening: it reports what it has (``finished``)."""
        if self.worker is not None:
            self.worker.cancel()

    def cancel(self, timeout_ms: int = 10000) -> None:
        """Stop the task, disconnect its handlers and wait for its thread, and for those of the
        tasks abandoned before it (closing, another project: nothing runs on afterwards)."""
        self._stop(timeout_ms)
        self._join_ending(timeout_ms)

    def _stop(self, timeout_ms: int) -> None:
        """Stop the task, disconnect its handlers and wait up to ``timeout_ms`` for its thread; a
        thread still running is kept (``_ending``) until it ends. A task parked, not started, is
        dropped."""
        self._parked = None
        relay, thread = self._relay, self._thread
        self._relay = self._thread = None
        if relay is None:
            return
        relay.active = False
        relay.worker.cancel()
        _join(thread, timeout_ms)
        if thread_running(thread):
            self._ending.append((relay, thread))
        else:
            relay.release()

    def abandon(self) -> None:
        """Stop the task and disconnect its handlers without waiting for its thread, which ends
        on its own at the worker's next check for a stop, beside the next task (the slot keeps
        it until then; :meth:`cancel` and :meth:`wait` wait for it). For work replaced as a
        person moves on that only reads, or writes only what is its own (a model's
        predictions): waiting held the window still for the rest of a block of a long file's
        windows, 0.3-1.8 s at each clip shown while a model's score track was computed (a
        walk-through's watchdog on the GUI thread). Stepping through clips faster than a block
        of work ends starts no thread per clip: a task started while MAX_ABANDONED_RUNNING
        abandoned ones still run waits, parked, until one has ended (:meth:`start`)."""
        self._stop(timeout_ms=0)

    def _join_ending(self, timeout_ms: int) -> None:
        """Wait for the threads of the tasks abandoned before, and let go of them."""
        for _relay, ending in self._ending:
            _join(ending, timeout_ms)
        self._sweep()

    @Slot()
    def _sweep(self) -> None:
        """Let go of the abandoned tasks whose threads have ended, and start the task parked
        when there is room for it."""
        running = []
        for relay, thread in self._ending:
            if thread_running(thread):
                running.append((relay, thread))
            else:
                relay.release()
        self._ending = running
        if self._parked is not None and len(running) < MAX_ABANDONED_RUNNING:
            (worker, handlers), self._parked = self._parked, None
            self._run(worker, handlers)

    def settle(self, timeout_ms: int = 60000) -> None:
        """Wait for the task to end and hand its outcome to its handlers now, instead of through
        the event queue (for work the next task builds on: an undo needs its redo's result).
        A short stall, taken only when the next task comes before the last has ended."""
        relay = self._relay
        if relay is None or not relay.active:
            return
        _join(self._thread, timeout_ms)
        if relay.worker.outcome is not None and not relay.outcome_delivered:
            relay.deliver(*relay.worker.outcome)
        relay.deliver("done")
        relay.active = False

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Block until the task's thread has ended (tests, benchmarks, closing). The thread is
        told to quit here: the quit its ``done`` sends is queued to this (the window's) thread,
        which would not run it while it waits, and the wait would last its whole timeout."""
        self._join_ending(timeout_ms)
        thread = self._thread
        if not thread_running(thread):
            return True
        _join(thread, timeout_ms)
        return not thread_running(thread)


def _start_thread(worker: Worker, owner: QObject) -> QThread:
    thread = QThread(owner)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # The thread takes a moment more to end after done (the quit is queued to the window's
    # thread): Worker.work_done, set before done, says the work is over meanwhile.
    worker.done.connect(thread.quit)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread


def _join(thread: QThread | None, timeout_ms: int) -> None:
    # The quit only ends the thread's event loop once the work has returned (Qt keeps a quit
    # that comes before the loop starts).
    if thread is None:
        return
    try:
        thread.quit()
        thread.wait(timeout_ms)
    except RuntimeError:
        pass  # already deleted after it finished


def thread_running(thread: QThread | None) -> bool:
    """Whether ``thread`` still runs (False once Qt has deleted it after it finished)."""
    try:
        return thread is not None and thread.isRunning()
    except RuntimeError:
        return False
