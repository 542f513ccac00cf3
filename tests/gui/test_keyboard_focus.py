"""The window from the keyboard alone: Tab goes from widget to widget, out of the lists and
tables, and reaches the Model dock; it never changes the clip on show."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import open_and_wait, show_row


def _tab_through(qtbot, window, presses: int) -> list:
    """Press Tab ``presses`` times on whatever has the focus; the widgets focused in turn."""
    focused = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        focused.append(QApplication.focusWidget())
    return focused


def test_tab_leaves_the_clip_list_and_reaches_the_model_dock(qtbot, window, clip_folder):
    """Tab walked the clip list's row cell by cell, then moved to the next clip, and never left:
    after 80 presses nothing past the list had been reached; the dock's tables did the same."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, 2)
    window.activateWindow()
    table = window.clip_list.table
    table.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(table.hasFocus)
    current = table.currentIndex().row()
    focused = _tab_through(qtbot, window, 40)
    assert table.currentIndex().row() == current  # the clip on show stayed
    assert focused[0] is not table
    dock = window.model_dock
    assert any(w is not None and dock.isAncestorOf(w) for w in focused)
    # Each table on the way is one stop: Tab goes on past it.
    # No stop on what cannot be used or seen: the plots, an empty class table.
    assert all(w.isVisible() and w.height() > 0 for w in focused if w is not None)
    assert not any(w is not None and w.inherits("QGraphicsView") for w in focused)  # plots
    # nor a scroll area whose contents take no keys (the class buttons, the training results)
    assert not any(w is not None and w.inherits("QScrollArea") for w in focused)
    tables = [w for w in focused if w is not None and w.inherits("QAbstractItemView")]
    assert all(not w.tabKeyNavigation() for w in tables)


def test_enter_or_escape_in_the_range_box_hands_the_keys_back_to_the_list(qtbot, window,
                                                                         clip_folder):
    """Ctrl+G, a range, Enter (or Escape) left nothing focused: Down no longer stepped through
    the clips, as it does after the filter box."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, 2)
    window.activateWindow()
    table, box = window.clip_list.table, window.clip_view.range_edit
    for key, text in ((Qt.Key.Key_Escape, None), (Qt.Key.Key_Return, "0.1-0.2")):
        table.setFocus(Qt.FocusReason.OtherFocusReason)
        qtbot.waitUntil(table.hasFocus)
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        qtbot.waitUntil(box.hasFocus)
        if text is not None:
            box.selectAll()
            qtbot.keyClicks(box, text)
        qtbot.keyClick(box, key)
        qtbot.waitUntil(table.hasFocus)
    assert window.clip_view.view_range() == (
        pytest.approx(0.1, abs=0.01), pytest.approx(0.2, abs=0.01))


def test_the_keys_start_on_open_folder_with_no_folder_open(qtbot, window):
    """With no folder open they started in the empty clip list's filter box, Open Folder four
    Tabs away."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget().text() == "Open Folder…"


def test_f6_gives_the_keys_to_the_model_panel_and_back(qtbot, window, clip_folder):
    """Only Tab through the whole window reached the Model panel: F6 (View > Switch Between
    Clip List and Model Panel) goes there, showing it if it was closed, and F6 again comes back
    to the clip list."""
    open_and_wait(qtbot, window, clip_folder)
    show_row(qtbot, window, 2)
    window.activateWindow()
    dock, table = window.model_dock, window.clip_list.table
    dock.hide()
    table.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(table.hasFocus)
    window.acts.switch_pane.trigger()
    qtbot.waitUntil(lambda: dock.isAncestorOf(QApplication.focusWidget()))
    assert dock.isVisible() and QApplication.focusWidget() is dock.tabs.tabBar()
    window.acts.switch_pane.trigger()
    qtbot.waitUntil(table.hasFocus)
    assert table.currentIndex().row() == 2
