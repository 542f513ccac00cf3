"""ReadOnlyTableModel: the base of the window's flat lists (clips, regions) a person reads and
selects in but does not edit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionRange,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ModelIndex = QModelIndex | QPersistentModelIndex


class ReadOnlyTableModel(QAbstractTableModel):
    """A flat table a person reads and selects in but does not edit: a subclass names its
    ``columns`` and those holding numbers (``right_columns``, aligned on their last digit), and
    says how many rows it shows (``_row_count``)."""

    columns: tuple[str, ...] = ()
    right_columns: tuple[int, ...] = ()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._row_count()

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in self.right_columns:
                return RIGHT_ALIGNED
        return None

    def _row_count(self) -> int:
        raise NotImplementedError


def rows_selection(model: QAbstractTableModel, rows: Iterable[int]) -> QItemSelection:
    """The whole ``rows`` of ``model`` as a selection of runs: one range for each run of
    neighbouring rows, so 16,000 rows selected together cost one range, not 16,000 (built and
    selected one at a time, that took seconds)."""
    selection = QItemSelection()
    last_column = model.columnCount() - 1
    run_start = previous = None
    for row in sorted(set(rows)) + [None]:
        if row is not None and previous is not None and row == previous + 1:
            previous = row
            continue
        if run_start is not None:
            selection.append(QItemSelectionRange(model.index(run_start, 0),
                                                 model.index(previous, last_column)))
        run_start = previous = row
    return selection


def selected_rows(selection: QItemSelection) -> list[int]:
    """The rows a selection of whole rows covers, in order, read from its ranges (a view's
    ``selectedRows()`` makes an index per row and cell first)."""
    rows: set[int] = set()
    for selected in selection:
        rows.update(range(selected.top(), selected.bottom() + 1))
    return sorted(rows)
