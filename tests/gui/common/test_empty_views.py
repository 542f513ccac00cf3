"""An empty list says what would fill it, in its middle; a list with rows says nothing."""

from __future__ import annotations

from PySide6.QtGui import QStandardItemModel

from gui.clips.clip_list_panel import RowsView
from gui.common.empty_views import EmptyTextList


def _darkest_in_middle(view) -> int:
    image = view.grab().toImage()
    return min(image.pixelColor(x, y).lightness() for x in range(40, 260) for y in range(70, 130))


def test_an_empty_table_and_list_draw_their_empty_text(qtbot):
    table, listed = RowsView(), EmptyTextList()
    table.setModel(QStandardItemModel(0, 3))
    for view in (table, listed):
        qtbot.addWidget(view)
        view.resize(300, 200)
        view.show()
        blank = _darkest_in_middle(view)
        view.set_empty_text("Nothing is shown by this filter")
        assert view.empty_text() == "Nothing is shown by this filter"
        assert _darkest_in_middle(view) < blank - 60  # the words, in grey, on the white
    listed.addItem("an event")
    listed.item(0).setHidden(False)
    assert _darkest_in_middle(listed) > 200  # a row: the words are not drawn
