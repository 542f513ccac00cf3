"""The background-task facility: one task of a kind at a time, a replaced task's late signals
never delivered, progress throttled, work that is over not counted as running, joined on cancel."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal

from gui.common import tasks
from gui.common.tasks import FunctionWorker, TaskSlot, Worker


class _Sink(QObject):
    """Collects what handlers are given, and signals each in the window's thread (qtbot waits
    on that, not on a worker's signal, which fires in the worker's thread)."""

    got = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.values: list = []

    def __call__(self, value=None) -> None:
        self.values.append(value)
        self.got.emit(value)


@pytest.fixture
def sink():
    return _Sink()


@pytest.fixture
def slot():
    owner = QObject()  # as a controller owns its slots
    yield TaskSlot(owner)
    del owner


class _LingeringWorker(Worker):
    """Says done, then keeps its thread a while (as closing a store or a pool does)."""

    def __init__(self) -> None:
        super().__init__()
        self.go_on = threading.Event()
        self.release = threading.Event()
        self.said_done = threading.Event()

    def cancel(self) -> None:
        super().cancel()
        self.go_on.set()
        self.release.set()

    def work(self) -> None:
        self.go_on.wait(10)

    def linger(self) -> None:
        """Connected (direct, after the slot's own handlers) to ``done``: holds the thread."""
        self.said_done.set()
        self.release.wait(10)


def _start_lingering(slot: TaskSlot) -> _LingeringWorker:
    worker = slot.start(_LingeringWorker())
    worker.done.connect(worker.linger, Qt.ConnectionType.DirectConnection)
    return worker


def test_a_task_that_said_done_is_not_running_while_its_thread_ends(qtbot, slot):
    worker = _start_lingering(slot)
    try:
        qtbot.waitUntil(lambda: slot.is_running(), timeout=5000)
        worker.go_on.set()
        assert worker.said_done.wait(5)
        assert slot.findChildren(QThread)[0].isRunning()  # still held by the worker
        assert not slot.is_running()
    finally:
        slot.cancel()
    assert not slot.is_running()


def test_the_slot_owns_a_thread_that_is_still_ending_and_it_frees_itself(qtbot, slot):
    # Without an owner, dropping the last reference to a thread still ending aborted the process
    # ("QThread: Destroyed while thread is still running").
    worker = _start_lingering(slot)
    worker.go_on.set()
    assert worker.said_done.wait(5)
    running = slot.findChildren(QThread)
    assert running and running[0].isRunning()
    worker.release.set()
    qtbot.waitUntil(lambda: not slot.findChildren(QThread), timeout=5000)  # freed once finished


def test_wait_ends_a_finished_task_without_the_event_loop(slot):
    # The quit a task's done sends is queued to the window's thread; wait() blocks that thread,
    # so it must not count on that quit (a test failed on a loaded machine, its wait timed out).
    import time

    worker = slot.start(FunctionWorker(lambda _worker: 42))
    deadline = time.monotonic() + 5
    while not worker.work_done and time.monotonic() < deadline:
        time.sleep(0.01)  # no events processed: the queued quit stays queued
    started = time.monotonic()
    assert slot.wait(timeout_ms=3000)
    assert time.monotonic() - started < 1.0


def is_(expected):
    return lambda value: value == expected


def test_a_replaced_tasks_late_signals_never_reach_the_handlers(qtbot, slot, sink):
    emitted = threading.Event()

    def chatty(task: Worker) -> str:
        for _ in range(50):
            task.partial.emit("old")
        emitted.set()
        return "old"

    slot.start(FunctionWorker(chatty), partial=sink, finished=sink)
    assert emitted.wait(5)  # its signals wait in the event queue, not yet delivered
    with qtbot.waitSignal(sink.got, check_params_cb=is_("new result"), timeout=5000):
        slot.start(FunctionWorker(lambda task: (task.partial.emit("new"), "new result")[1]),
                   partial=sink, finished=sink)
    assert sink.values == ["new", "new result"]
    slot.cancel()


def test_progress_is_throttled_but_forced_reports_go_out(qtbot, slot, sink, monkeypatch):
    monkeypatch.setattr(tasks, "EMIT_INTERVAL_S", 60.0)

    def busy(task: Worker) -> None:
        for k in range(1000):
            task.report_progress(k)
        task.report_progress(-1, force=True)

    with qtbot.waitSignal(sink.got, check_params_cb=is_(-1), timeout=5000):
        slot.start(FunctionWorker(busy), progress=sink)
    assert sink.values == [0, -1]
    slot.cancel()


def test_cancel_stops_cooperative_work_and_joins_its_thread(qtbot, slot, sink):
    started = threading.Event()

    def loop(task: Worker) -> str:
        started.set()
        while not task.should_stop():  # as core checks it between batches
            pass
        return "stopped"

    slot.start(FunctionWorker(loop), finished=sink)
    assert started.wait(5)
    slot.cancel()
    assert not slot.is_running() and not slot.findChildren(QThread)[0].isRunning()
    QCoreApplication.processEvents()
    assert sink.values == []  # cancelled: disconnected too


def test_an_abandoned_task_is_not_waited_for_and_the_next_runs_beside_it(qtbot, slot, sink):
    """Each clip shown cancelled its score track's scoring and waited for the rest of a block
    of a long file's windows: 0.3-1.8 s with the window held still."""
    started, step = threading.Event(), threading.Event()

    def block(task: Worker) -> str:
        started.set()
        step.wait(10)  # a block of windows: the stop is seen after it
        return "late"

    slot.start(FunctionWorker(block), finished=sink)
    assert started.wait(5)
    old = slot.findChildren(QThread)[0]
    slot.abandon()  # returns at once: the block is not over
    assert old.isRunning() and not slot.is_running()
    with qtbot.waitSignal(sink.got, check_params_cb=is_("next"), timeout=5000):
        began = time.perf_counter()
        slot.start(FunctionWorker(lambda _task: "next"), finished=sink)  # nor by the next
        assert time.perf_counter() - began < 2.0 and old.isRunning()
    step.set()
    qtbot.waitUntil(lambda: not slot._ending, timeout=5000)  # let go of once it has ended
    assert sink.values == ["next"]  # the abandoned task's result reached nothing
    # Closing waits for an abandoned task too.
    step.clear()
    started.clear()
    slot.start(FunctionWorker(block), finished=sink)
    assert started.wait(5)
    slot.abandon()
    step.set()
    slot.cancel()
    assert not any(thread.isRunning() for thread in slot.findChildren(QThread))


def test_a_task_started_beside_two_abandoned_waits_parked_and_nothing_blocks(qtbot, slot, sink):
    """Stepping through twelve long clips faster than a block of scoring started a thread per
    clip, eleven running at once on every core; then waiting for the one abandoned before held
    the window half a second a step."""
    step = threading.Event()
    threads = []

    def block(task: Worker) -> str:
        step.wait(10)  # a block of windows: the stop is seen after it
        return "late"

    began = time.perf_counter()
    for _ in range(2):
        slot.start(FunctionWorker(block), finished=sink)
        threads.append(slot._thread)
        slot.abandon()
    slot.start(FunctionWorker(lambda _task: "third"), finished=sink)
    assert time.perf_counter() - began < 1.0  # no wait anywhere
    assert slot.is_running() and slot.worker is None  # parked: two abandoned still run
    assert all(thread.isRunning() for thread in threads)
    with qtbot.waitSignal(sink.got, check_params_cb=is_("third"), timeout=5000):
        step.set()  # the abandoned end their blocks: the parked task starts
    assert sink.values == ["third"]
    # One parked and then replaced never starts; cancel drops a parked one and waits for all.
    step.clear()
    for _ in range(2):
        slot.start(FunctionWorker(block), finished=sink)
        slot.abandon()
    slot.start(FunctionWorker(lambda _task: "never"), finished=sink)
    slot.cancel(timeout_ms=0)  # drops the parked task
    step.set()
    slot.wait()
    assert not slot.is_running() and sink.values == ["third"]


def test_failures_reach_the_handler_with_their_reason(qtbot, slot, sink):
    def broken(_task: Worker) -> None:
        raise OSError("disk on fire")

    with qtbot.waitSignal(sink.got, timeout=5000):
        slot.start(FunctionWorker(broken), failed=sink)
    assert sink.values == ["disk on fire"]
    slot.cancel()


def test_settle_hands_over_the_outcome_now_and_only_once(qtbot, slot, sink):
    go = threading.Event()
    slot.start(FunctionWorker(lambda _task: go.wait(5) and "copied"), finished=sink)
    go.set()
    slot.settle()  # without running the event loop
    assert sink.values == ["copied"]
    QCoreApplication.processEvents()  # the settled task's queued signals: not delivered again
    assert sink.values == ["copied"]
    slot.cancel()


def test_a_task_is_marked_over_before_its_done_goes_out(qtbot, slot):
    # done is queued to the window's thread, which may run its handler before the worker's
    # thread has returned from emitting it: the task must already count as over by then, so
    # over before any receiver of done runs, even one connected before the task started.
    seen: list[bool] = []
    worker = FunctionWorker(lambda _task: None)
    worker.done.connect(lambda: seen.append(worker.work_done), Qt.ConnectionType.DirectConnection)
    slot.start(worker)
    qtbot.waitUntil(lambda: not slot.is_running() and bool(seen), timeout=5000)
    assert seen == [True]
    slot.cancel()


def test_a_broken_worker_still_says_done_and_its_error_is_shown(qtbot, slot, sink):
    def broken(_task: Worker) -> None:
        raise TypeError("a bug")  # not one of the failures a task reports

    with qtbot.capture_exceptions() as exceptions:
        with qtbot.waitSignal(sink.got, timeout=5000):
            slot.start(FunctionWorker(broken), failed=sink, done=sink)
    assert sink.values == [None]  # done alone: no failure reported for a bug
    assert any(isinstance(e[1], TypeError) for e in exceptions)
    assert not slot.is_running()
    slot.cancel()  # joins the thread
