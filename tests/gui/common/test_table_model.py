"""Whole rows selected in runs (rows_selection) and read back from them (selected_rows)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QStandardItemModel


def _model(rows: int = 30, columns: int = 4) -> QStandardItemModel:
    return QStandardItemModel(rows, columns)


def test_rows_become_runs_and_come_back_in_order():
    """16,000 rows selected one at a time took seconds: neighbouring rows are one range."""
    from gui.common.table_model import rows_selection, selected_rows

    model = _model()
    selection = rows_selection(model, [7, 3, 4, 5, 20, 4, 21, 0])  # unsorted, one twice
    assert [(r.top(), r.bottom(), r.left(), r.right()) for r in selection] == [
        (0, 0, 0, 3), (3, 5, 0, 3), (7, 7, 0, 3), (20, 21, 0, 3)]
    assert selected_rows(selection) == [0, 3, 4, 5, 7, 20, 21]
    assert selected_rows(rows_selection(model, [])) == []
    # A row taken out of a run (Ctrl-click) leaves the rest of it.
    chosen = QItemSelectionModel(model)
    flags = QItemSelectionModel.SelectionFlag
    chosen.select(rows_selection(model, range(10, 20)), flags.ClearAndSelect | flags.Rows)
    chosen.select(model.index(14, 0), flags.Deselect | flags.Rows)
    assert selected_rows(chosen.selection()) == [10, 11, 12, 13, 15, 16, 17, 18, 19]
    assert sorted(i.row() for i in chosen.selectedRows()) == selected_rows(chosen.selection())
