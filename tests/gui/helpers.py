"""Helpers the GUI tests share (fixtures stay in conftest.py): opening a folder in a window
and waiting for its scan to end."""

from __future__ import annotations

#: Long enough for a scan of a test folder on a busy CI machine.
SCAN_TIMEOUT_MS = 20_000


def open_and_wait(qtbot, window, folder):
    """Open ``folder`` in ``window`` and wait until its scan is over."""
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        assert window.open_folder(folder)
