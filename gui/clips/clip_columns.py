"""The clip list's column widths: Name takes the room the other columns leave; where the list
is too narrow for Name to show its names, the other columns are made as narrow as their heading
and their contents allow, except those a person has sized by hand."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle, QTableView

from gui.clips.clip_table import (
    CONFIDENCE,
    DURATION,
    FOLDER,
    LABEL,
    NAME,
    PREDICTION,
    REGIONS,
    STATUS,
)

# Each column's width where the list has room; Name's is what it gets when the list has room.
# Name takes the width the other shown columns leave, never under NAME_MIN_PX: once Prediction
# and Confidence appear, Status (the last) still fits beside the clip view instead of sitting
# past the list's edge.
COLUMN_PX = {NAME: 170, FOLDER: 72, DURATION: 72, LABEL: 104, PREDICTION: 92, CONFIDENCE: 92,
             REGIONS: 64, STATUS: 84}
NAME_MIN_PX = 100
# The columns that widen to their words, up to these: Status's "NaN/Inf samples" whole (the
# whole reason is on hover); class names as "common_chaffinch" (at 104 px, "com…nch").
GROWS_TO_PX = {STATUS: 140, LABEL: 180, PREDICTION: 180}
# A heading's text needs this much more: the stylesheet's 6 px padding each side and 2 px for
# rounding (at 18, the slack of Folder, Duration, Prediction and Confidence together cut FSDD's
# names to "0_jack...12.wav" beside the Model dock at 1,400 px). A cell's text needs the
# stylesheet's 6 px each side, 2 px for rounding and the style's text margin each side
# (_margin_px), and a label its colour swatch with that margin each side too: at 16 px in all,
# a person's "dog" in bold read "..." in a narrow list, and "Unreadable" "Unr...ble".
_HEADING_PAD_PX = 14
_CELL_PAD_PX = 14
# How many rows a column's contents are measured on (in list order): a 20,000-clip list is
# fitted in a few milliseconds, and a text past them is cut at worst.
ROWS_MEASURED = 1000
# Contents change (labels, predictions, rows of a scan) in bursts: the widths follow once after.
_REFIT_DELAY_MS = 100


class ColumnFitter:
    """Keeps ``table``'s columns fitted (see the module's docstring) as columns are shown or
    hidden, a person drags a column's edge, or the rows change. Its owner, which outlives the
    table's events, calls :meth:`fit` when the table's viewport is resized and
    :meth:`header_pressed` as the mouse goes down and up on the header."""

    def __init__(self, table: QTableView, owner: QObject) -> None:
        self.table = table
        self._fitting = False  # widths being set here, not by a person
        self._pressed = False  # a mouse button down on the header: a person resizing
        self.person_sized: set[int] = set()
        self.person_hidden: set[int] = set()  # the columns a person hid (its header's menu)
        self._measured: dict[int, int] | None = None  # during a fit: column -> contents' px
        for column, width in COLUMN_PX.items():
            table.setColumnWidth(column, width)
        table.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self._refit = QTimer(owner, singleShot=True, interval=_REFIT_DELAY_MS, timeout=self.fit)
        model = table.model()
        for changed in (model.dataChanged, model.rowsInserted, model.modelReset,
                        model.layoutChanged):
            changed.connect(self._refit.start)

    def header_pressed(self, pressed: bool) -> None:
        self._pressed = pressed

    def fit(self) -> None:
        """Size the columns for the room the list has now."""
        self._fitting = True
        self._measured = {}  # each column's contents measured once a fit (Status's was thrice)
        try:
            self._fit_others(self.table.viewport().width())
            width = max(NAME_MIN_PX, self.table.viewport().width() - self.others_px())
            if self.table.columnWidth(NAME) != width:
                self.table.setColumnWidth(NAME, width)
        finally:
            self._fitting = False
            self._measured = None

    def others_px(self) -> int:
        """The width of the shown columns but Name."""
        return sum(self.table.columnWidth(c) for c in self._shown_others())

    def _shown_others(self) -> list[int]:
        header = self.table.horizontalHeader()
        # A section being hidden is resized to 0 before it is marked hidden.
        return [c for c in range(self.table.model().columnCount())
                if c != NAME and not header.isSectionHidden(c) and header.sectionSize(c) > 0]

    def full_others_px(self) -> int:
        """The width of the shown columns but Name where the list has room: each at its
        COLUMN_PX width, or the width a person gave it."""
        return sum(self._room_px(c) if self._is_auto(c) else self.table.columnWidth(c)
                   for c in self._shown_others())

    def _room_px(self, column: int) -> int:
        """``column``'s width where the list has room: COLUMN_PX; Status's, Label's and
        Prediction's as wide as their words too (84 px read "Brok…link" and "NaN/…ples"), up
        to GROWS_TO_PX."""
        if column not in GROWS_TO_PX:
            return COLUMN_PX[column]
        return max(COLUMN_PX[column], min(GROWS_TO_PX[column], self._contents_px(column)))

    def _is_auto(self, column: int) -> bool:
        return column not in self.person_sized

    def _fit_others(self, room_px: int) -> None:
        short = room_px - self.full_others_px() < self._name_wanted_px()
        for column in filter(self._is_auto, self._shown_others()):
            width = self._snug_px(column) if short else self._room_px(column)
            if self.table.columnWidth(column) != width:
                self.table.setColumnWidth(column, width)

    def _name_wanted_px(self) -> int:
        return max(NAME_MIN_PX, min(COLUMN_PX[NAME], self._contents_px(NAME)))

    def _snug_px(self, column: int) -> int:
        """As narrow as ``column``'s heading and contents allow, never wider than COLUMN_PX
        (Status: its width with room): 92 px for "100%" gives Name the room."""
        widest = self._room_px(column) if column == STATUS else COLUMN_PX[column]
        return min(widest, max(self._heading_px(column), self._contents_px(column)))

    def _contents_px(self, column: int) -> int:
        """The width the widest of ``column``'s texts in its first ROWS_MEASURED rows (as listed)
        needs, with the padding; a label's in bold (a person's are) after its colour swatch."""
        if self._measured is not None and column in self._measured:
            return self._measured[column]
        font = QFont(self.table.font())
        font.setBold(column == LABEL)
        metrics = QFontMetrics(font)
        texts = self.table.model().column_texts(column, ROWS_MEASURED)
        # Each text once: a class's name, a duration, a status repeat down the list.
        widest = max(map(metrics.horizontalAdvance, set(texts)), default=0)
        width = (widest + _CELL_PAD_PX + 2 * self._margin_px()
                 + (self._swatch_px() if column == LABEL else 0))
        if self._measured is not None:
            self._measured[column] = width
        return width

    def _margin_px(self) -> int:
        """The margin Qt's item views keep each side of a cell's text and of its icon."""
        style = self.table.style()
        return style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1

    def _swatch_px(self) -> int:
        size = self.table.iconSize().width()
        if size <= 0:
            size = self.table.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        return size + 2 * self._margin_px()

    def _heading_px(self, column: int) -> int:
        """The width that shows ``column``'s heading whole: its text and margins, and room for
        the sort arrow only on the column sorted by (the header's own hint keeps it on all)."""
        header = self.table.horizontalHeader()
        if header.sortIndicatorSection() == column:
            return header.sectionSizeHint(column)
        text = self.table.model().headerData(column, Qt.Orientation.Horizontal,
                                             Qt.ItemDataRole.DisplayRole)
        font = QFont(header.font())
        font.setWeight(QFont.Weight.DemiBold)  # the stylesheet's headings: weight 600
        return QFontMetrics(font).horizontalAdvance(str(text)) + _HEADING_PAD_PX

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if self._fitting or column == NAME:
            return
        if self._pressed:  # a person drags its edge: theirs from now on
            self.person_sized.add(column)
        # Widened by a person, or shown or hidden (a hidden section is resized to 0): Name
        # gives or takes the room.
        self.fit()
