"""Helpers the GUI tests share (fixtures stay in conftest.py): opening a folder in a window
and waiting for its scan to end, showing a clip and waiting for it."""

from __future__ import annotations

#: Long enough for a scan of a test folder on a busy CI machine.
SCAN_TIMEOUT_MS = 20_000
#: Long enough for a test clip to load on a busy CI machine.
LOAD_TIMEOUT_MS = 10_000


def open_and_wait(qtbot, window, folder):
    """Open ``folder`` in ``window`` and wait until its scan is over."""
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        assert window.open_folder(folder)


def show_row(qtbot, window, row: int = 0) -> None:
    """Select ``row`` of the clip list and wait until the clip view shows its clip; at once
    when it shows it already (the window shows the first clip as a folder opens, and that load
    can be over before the test selects it: selecting it again loads nothing)."""
    view = window.clip_view
    if view.data is not None and view.data.path == window.project.abspath(window.model.record(row)):
        return
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.clip_list.select_row(row)
