"""Background work for the window: a QObject worker on its own QThread, emitting plain values.

Workers never touch widgets. Each opens its own Project (SQLite connections belong to one thread),
stops cooperatively through a threading.Event, and is joined by ``stop_thread``.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread


def lower_this_threads_priority() -> None:
    """On Linux, nice the calling thread: on a busy machine the window's thread is scheduled
    first, and the worker takes the idle time. Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass



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
