"""The stylesheet's look of what is off: a disabled item must not look like a live one."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMenu

from gui.app import RESOURCES


def _darkest(image, rect) -> int:
    """The lightness (0-255) of the darkest pixel in ``rect``: the ink of its text."""
    return min(image.pixelColor(x, y).lightness()
               for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom()))


def test_a_disabled_menu_item_and_label_are_drawn_grey(qtbot):
    """The sheet's ink applied to every widget, disabled ones too: with no folder open, File's
    Rescan and Record and Model's Train looked as clickable as Open Folder."""
    sheet = (RESOURCES / "earmark.qss").read_text(encoding="utf-8")
    menu = QMenu()
    qtbot.addWidget(menu)
    menu.setStyleSheet(sheet)  # the widget's own, so other tests keep the plain style
    live = menu.addAction("Open Folder")
    off = menu.addAction("Record Clips")
    off.setEnabled(False)
    menu.adjustSize()
    image = menu.grab().toImage()
    ink, grey = _darkest(image, menu.actionGeometry(live)), _darkest(image, menu.actionGeometry(off))
    assert ink < 60 and grey > 120, (ink, grey)
    label = QLabel("Channel")
    qtbot.addWidget(label)
    label.setStyleSheet(sheet)
    label.setEnabled(False)
    label.adjustSize()
    assert _darkest(label.grab().toImage(), label.rect()) > 120
