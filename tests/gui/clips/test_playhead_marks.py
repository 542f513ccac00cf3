"""Edit > Mark Region at Playhead: M at a call's start and M again at its end make a region of
the span between, drawn while it grows, one undo step, selected for a class key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests import audio_factory
from tests.gui.helpers import LOAD_TIMEOUT_MS, open_and_wait, show_row


@pytest.fixture
def shown(qtbot, window, tmp_path):
    """A window showing a 6 s recording (the first of two)."""
    folder = tmp_path / "night"
    audio_factory.write(folder / "a.wav", audio_factory.tone(1000.0, 6.0))
    audio_factory.write(folder / "b.wav", audio_factory.tone(2000.0, 6.0))
    open_and_wait(qtbot, window, folder)
    show_row(qtbot, window, 0)
    return window


def _regions(window):
    clip_id = window.labels.regions.clip_id
    return [(r.begin_s, r.end_s, r.low_hz, r.label) for r in window.project.regions(clip_id)]


def test_two_presses_of_m_mark_the_span_between_them(qtbot, shown):
    window, marker = shown, shown.acts.marker
    assert window.acts.mark_region.shortcut().toString() == "M"
    window.playback.seek(1.25)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_M)
    assert marker.marking
    assert window.statusBar().currentMessage() == "Marking from 0:01.2: press M again at its end"
    plots = (window.clip_view.wave_plot, window.clip_view.spec_plot)
    drafts = [item for _plot, item in marker._drafts]  # dashed, on both plots
    assert len(drafts) == 2 and all(d in plot.items for d, plot in zip(drafts, plots, strict=True))
    window.playback.seek(2.5)  # as the playhead moves while playing
    assert drafts[0].getRegion() == pytest.approx((1.25, 2.5))
    window.acts.mark_region.trigger()
    assert not marker.marking
    assert not any(d in plot.items for d, plot in zip(drafts, plots, strict=True))
    assert _regions(window) == [(1.25, 2.5, None, None)]
    (record,) = window.project.regions(window.labels.regions.clip_id)
    assert window.labels.regions.region_id == record.id  # selected: a class key labels it
    window.undo_stack.undo()
    assert _regions(window) == []


def test_a_mark_may_end_before_it_began_and_not_where_it_began(shown):
    window = shown
    window.playback.seek(3.0)
    window.acts.mark_region.trigger()
    window.playback.seek(2.0)  # went back: the span is the same either way
    window.acts.mark_region.trigger()
    assert _regions(window) == [(2.0, 3.0, None, None)]
    window.acts.mark_region.trigger()
    window.acts.mark_region.trigger()  # twice at one place: no region
    assert _regions(window) == [(2.0, 3.0, None, None)]
    assert window.statusBar().currentMessage() == "No region marked: it ended where it began"


def test_another_file_drops_a_mark_begun(qtbot, shown):
    window = shown
    window.playback.seek(1.0)
    window.acts.mark_region.trigger()
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        window.clip_list.select_row(1)
    assert not window.acts.marker.marking
    window.playback.seek(0.5)
    window.acts.mark_region.trigger()  # a new mark, in this file
    window.playback.seek(0.75)
    window.acts.mark_region.trigger()
    assert _regions(window) == [(0.5, 0.75, None, None)]


def test_without_a_file_shown_m_says_what_it_needs(qtbot, window, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    open_and_wait(qtbot, window, folder)
    window.acts.mark_region.trigger()
    assert not window.acts.marker.marking
    assert window.statusBar().currentMessage() == \
        "Show a file first: M marks a region at the playhead"
