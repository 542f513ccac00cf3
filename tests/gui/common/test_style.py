"""The stylesheet's look of what is off: a disabled item must not look like a live one."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMenu

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


def _dark_desktop() -> QPalette:
    """A desktop in dark mode, as the platform hands it to Qt."""
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202020"), (QPalette.ColorRole.Base, "#1b1b1b"),
                         (QPalette.ColorRole.Button, "#2b2b2b"), (QPalette.ColorRole.Text, "#f0f0f0"),
                         (QPalette.ColorRole.WindowText, "#f0f0f0")):
        palette.setColor(role, QColor(colour))
    return palette


def test_a_dark_desktop_leaves_the_window_light_and_readable(qtbot):
    """Under a dark desktop palette, menus, lists and the Model dock's pages took its dark
    backgrounds while the sheet kept its dark ink: the File menu and the Classes dialog's
    names could not be read, checked and unchecked boxes looked alike."""
    from gui.app import make_app

    app = QApplication.instance()
    before = app.palette()
    try:
        app.setPalette(_dark_desktop())
        make_app()
        assert app.palette().color(QPalette.ColorRole.Base).lightness() > 240
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 230
        menu = QMenu()
        qtbot.addWidget(menu)
        item = menu.addAction("Open Folder")
        menu.adjustSize()
        image = menu.grab().toImage()
        rect = menu.actionGeometry(item)
        assert image.pixelColor(rect.right() - 2, rect.center().y()).lightness() > 200  # ground
        assert _darkest(image, rect) < 60  # ink
        names = QListWidget()
        qtbot.addWidget(names)
        names.addItem("whistle")
        names.resize(200, 80)
        image = names.grab().toImage()
        rect = names.visualItemRect(names.item(0))
        assert image.pixelColor(rect.right() - 2, rect.center().y()).lightness() > 200
        assert _darkest(image, rect) < 60
    finally:
        app.setPalette(before)


def test_the_focused_button_tick_box_and_tab_are_marked(qtbot):
    """With the sheet, a button, a tick box or a dock tab with the keyboard's focus was drawn
    pixel for pixel as one without: a person tabbing through could not tell where they were."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QCheckBox, QLineEdit, QPushButton, QTabBar, QVBoxLayout, QWidget

    sheet = (RESOURCES / "earmark.qss").read_text(encoding="utf-8")
    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(sheet)
    layout = QVBoxLayout(host)
    elsewhere, button, tick, tabs = QLineEdit(), QPushButton("Train"), QCheckBox("Augment"), QTabBar()
    tabs.addTab("Training")
    tabs.addTab("Models")
    for widget in (elsewhere, button, tick, tabs):
        layout.addWidget(widget)
    host.show()
    qtbot.waitExposed(host)
    for widget in (button, tick, tabs):
        elsewhere.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(elsewhere.hasFocus)
        before = widget.grab().toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        assert widget.grab().toImage() != before, type(widget).__name__


def test_the_clip_list_says_it_has_the_keys_by_its_frame(qtbot):
    """Focused, the clip list only drew its selected row a shade brighter (#c4d7f8 for
    #ccd9ef): whether arrows and digits would reach it could not be seen."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget

    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet((RESOURCES / "earmark.qss").read_text(encoding="utf-8"))
    layout = QVBoxLayout(host)
    elsewhere, table = QLineEdit(), QTableView()
    table.setObjectName("ClipTable")
    table.setModel(QStandardItemModel(3, 2, table))
    layout.addWidget(elsewhere)
    layout.addWidget(table)
    host.show()
    qtbot.waitExposed(host)

    def frame_blue() -> int:
        image = table.grab().toImage()
        colour = image.pixelColor(0, image.height() // 2)  # the left edge of the frame
        return colour.blue() - colour.red()

    elsewhere.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(elsewhere.hasFocus)
    unfocused = frame_blue()
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(table.hasFocus)
    assert frame_blue() > unfocused + 60, (unfocused, frame_blue())
