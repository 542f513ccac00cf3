"""What the window says of a folder it could not open."""

from __future__ import annotations

from core.errors import ProjectError, ProjectLockedError
from core.store.lock import WINDOW
from gui.common.project_holder import refused_text


def test_only_a_window_holding_the_folder_is_called_one():
    """A command importing labels held the folder: the window's message sent the person to
    switch to a window that was not there."""
    held = refused_text("clips", ProjectLockedError("clips", "process 7, since 10:00", WINDOW))
    assert held.startswith("Could not open clips: clips is already open in another Earmark window")
    assert "switch to that window" in held
    command = refused_text("clips", ProjectLockedError("clips", "process 7, since 10:00",
                                                       "an Earmark command changing it"))
    assert "an Earmark command changing it" in command and "window" not in command
    assert refused_text("", ProjectError("no folder given")) == \
        "Could not open a folder: no folder given."
