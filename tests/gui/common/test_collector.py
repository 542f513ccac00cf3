"""Garbage cycles holding Qt objects die on the GUI thread (gui.common.collector): a worker's
allocations no longer set off a collection that destroys a QObject on the worker, which froze the
suite (the GUI thread held the GIL and waited for a Qt lock the worker held)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from gui.common.collector import MainThreadCollector, collect_on_gui_thread


class _Holder:
    """Half of a cycle with a QObject; says on which thread it was finalised."""

    finalised_on: list[str] = []

    def __init__(self) -> None:
        self.qobject = QObject()
        self.me = self

    def __del__(self) -> None:
        _Holder.finalised_on.append(threading.current_thread().name)


def _allocate_in_a_worker() -> None:
    def churn() -> None:
        for _ in range(20):
            junk = [[i] for i in range(5000)]  # containers: each counts towards a collection
            del junk

    worker = threading.Thread(target=churn, name="worker")
    worker.start()
    worker.join()


def test_a_cycle_with_a_qobject_is_collected_on_the_gui_thread_not_by_a_worker(qtbot):
    collector = MainThreadCollector(interval_ms=20)
    collector.start()
    try:
        _Holder.finalised_on.clear()
        holder = _Holder()
        alive = weakref.ref(holder)
        del holder
        _allocate_in_a_worker()  # with Python's automatic collection this frees it on "worker"
        assert alive() is not None and _Holder.finalised_on == []
        # The worker's objects are gone again (counted off): enough new ones make a collection due.
        due = [[i] for i in range(2 * gc.get_threshold()[0])]
        qtbot.waitUntil(lambda: alive() is None, timeout=5000)
        del due
        assert _Holder.finalised_on == [threading.main_thread().name]
    finally:
        collector.stop()


def test_collections_follow_pythons_thresholds_and_stop_restores_automatic_collection(qtbot):
    enabled_before = gc.isenabled()
    collector = MainThreadCollector()
    collector.start()
    assert not gc.isenabled()
    gc.collect()
    assert collector.collect_due() is None  # nothing allocated since: nothing due
    junk = [[i] for i in range(gc.get_threshold()[0] + 100)]
    assert collector.collect_due() == 0 and gc.get_count()[0] < gc.get_threshold()[0]
    del junk
    collector.stop()
    assert gc.isenabled() == enabled_before
    collector.deleteLater()


def test_the_app_keeps_one_collector(qapp):
    first = collect_on_gui_thread(qapp)
    try:
        assert collect_on_gui_thread(qapp) is first and not gc.isenabled()
    finally:
        first.stop()
        first.setParent(None)
        first.deleteLater()
