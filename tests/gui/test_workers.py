"""Worker plumbing: work that is over does not count as running while its thread winds down."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from gui.workers import is_working, start_worker, stop_thread


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
    worker = _LingeringWorker()
    thread = start_worker(worker)
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
