"""Worker plumbing: work that is over does not count as running while its thread winds down."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gui.common.tasks import is_working, start_worker, stop_thread


class _LingeringWorker(QObject):
    """Says done, then keeps its thread a while (as closing a store or a pool does)."""

    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.go_on = threading.Event()
        self.release = threading.Event()
        self.said_done = threading.Event()

    def cancel(self) -> None:
        self.go_on.set()
        self.release.set()

    @Slot()
    def run(self) -> None:
        self.go_on.wait(10)
        self.done.emit()
        self.said_done.set()
        self.release.wait(10)


def test_a_worker_that_said_done_is_not_working_while_its_thread_ends(qtbot):
    owner = QObject()
    worker = _LingeringWorker()
    thread = start_worker(worker, owner)
    try:
        qtbot.waitUntil(thread.isRunning, timeout=5000)
        assert is_working(worker, thread)
        worker.go_on.set()
        assert worker.said_done.wait(5)
        assert thread.isRunning()  # still held by the worker
        assert not is_working(worker, thread)
    finally:
        stop_thread(worker, thread)
    assert not is_working(worker, None)


def test_dropping_a_thread_that_is_still_ending_does_not_destroy_it(qtbot):
    # As the window does when it starts the next run as soon as the last one said done:
    # without an owner, Qt aborted the process ("QThread: Destroyed while thread is still running").
    owner = QObject()
    worker = _LingeringWorker()
    thread = start_worker(worker, owner)
    qtbot.waitUntil(thread.isRunning, timeout=5000)
    worker.go_on.set()
    assert worker.said_done.wait(5)
    del thread
    gc.collect()
    running = owner.findChildren(QThread)
    assert running and running[0].isRunning()
    worker.release.set()
    qtbot.waitUntil(lambda: not owner.findChildren(QThread), timeout=5000)  # freed once finished
