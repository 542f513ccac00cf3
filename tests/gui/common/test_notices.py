"""The message banner: information goes by itself once read, a warning or an error stays."""

from __future__ import annotations

from gui.common import notices
from gui.common.notices import MessageBanner


def test_information_goes_by_itself_and_a_warning_stays(qtbot, monkeypatch):
    # Before: "Select clips that have a prediction first." stayed up after the next try went
    # through, until closed by hand.
    monkeypatch.setattr(notices, "INFO_MIN_MS", 50)
    monkeypatch.setattr(notices, "INFO_MS_PER_CHAR", 1)
    banner = MessageBanner()
    qtbot.addWidget(banner)
    banner.show_message("Select clips that have a prediction first.", "info")
    assert banner.text()
    qtbot.waitUntil(lambda: banner.text() == "", timeout=2000)
    banner.show_message("Could not read owl.wav: not an audio file", "error")
    banner.show_message("Training could not run", "warning")
    qtbot.wait(300)
    assert banner.text() == "Training could not run"  # stays until closed
    banner.show_message("Imported 2 regions.", "info")
    banner.show_message("The folder is read-only", "warning")  # a warning after: not timed out
    qtbot.wait(300)
    assert banner.text() == "The folder is read-only"
