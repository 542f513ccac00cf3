"""ReadOnlyTableModel: the base of the window's flat lists (clips, regions) a person reads and
selects in but does not edit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

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
