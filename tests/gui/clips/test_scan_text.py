"""The status line after a scan: what it found, in a few words."""

from __future__ import annotations

from core.store.records import ScanSummary
from gui.clips.scan_controller import summary_text


def test_the_scan_line_says_files_changed_under_their_names():
    """Two recordings that swapped names keep their names' labels: the line said only "2 new"
    of the scan that found them, nothing of the files changed."""
    summary = ScanSummary(total=16, added=2, changed=2, unchanged=12, missing=0, unreadable=0,
                          labels_imported=0, stopped=False, elapsed_s=0.05, warnings=(),
                          regions_imported=0, moved=1)
    assert summary_text(summary) == "16 clips, 2 new, 1 moved, 2 changed (50 ms)"


def test_one_clip_is_one_clip():
    summary = ScanSummary(total=1, added=1, changed=1, unchanged=0, missing=0, unreadable=0,
                          labels_imported=0, stopped=False, elapsed_s=0.004, warnings=(),
                          regions_imported=0, moved=0)
    assert summary_text(summary) == "1 clip, 1 changed (4 ms)"  # "1 clips" before
