"""Python's cyclic garbage collection on the GUI thread only.

A Qt object kept alive by a reference cycle (a slot closing over its widget, a plot item and its
view) is destroyed by whichever thread's allocations happen to set off a collection. On a worker
thread its QObject destructor takes a Qt lock and then waits for the GIL, while the GUI thread,
holding the GIL, waits for that lock: the window freezes for good. (Seen in the test suite: a
training worker's first import of torch._dynamo set off a collection that reached a menu of a
window closed earlier.) So the app turns automatic collection off and collects here instead, from
a timer on the GUI thread, by the thresholds Python itself would use.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500  # how often the thresholds are checked; a young collection takes about 1 ms


class MainThreadCollector(QObject):
    """Collects garbage cycles on the thread that made it (the GUI thread), every ``interval_ms``
    when Python's own thresholds say a generation is due. ``start()`` turns Python's automatic
    collection off; ``stop()`` collects once more and turns it back on."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the collector belongs to the GUI thread")
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count is past its threshold (a generation is
        counted only once the younger ones are due, as Python does); the generation collected,
        or None when none was due."""
        due = None
        for generation, (count, threshold) in enumerate(zip(gc.get_count(), gc.get_threshold(),
                                                            strict=True)):
            if threshold <= 0 or count <= threshold:
                break
            due = generation
        if due is not None:
            gc.collect(due)
        return due


def collect_on_gui_thread(app: QObject) -> MainThreadCollector:
    """Start a collector owned by ``app`` (the QApplication) for the rest of its life; one per
    app, however often this is called."""
    existing = app.findChild(MainThreadCollector)
    if existing is not None:
        return existing
    collector = MainThreadCollector(parent=app)
    collector.start()
    return collector
