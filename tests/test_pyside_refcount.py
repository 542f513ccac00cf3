"""Guards the PySide6 pin: 6.12.0 on Python 3.11 leaks a reference to True on every signal emission
to a Python slot and aborts the interpreter ("Fatal Python error: bool_dealloc")."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_signal_emission_keeps_refcount_of_true(qapp):
    emitter = _Emitter()
    received = []
    emitter.fired.connect(lambda value: received.append(value))
    before = sys.getrefcount(True)
    for _ in range(5000):
        emitter.fired.emit(True)
    after = sys.getrefcount(True)
    assert len(received) == 5000
    received.clear()
    # A leak would drop the count by about 5,000; allow for unrelated churn.
    assert after >= before - 50, f"refcount of True fell from {before} to {after}"
