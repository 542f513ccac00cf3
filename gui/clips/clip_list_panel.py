"""ClipListPanel: the clip table with its filter box, quick filters, scan progress and selection."""

from __future__ import annotations

import functools

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.store.name_rules import recorder_prefix
from core.words import counted
from gui.clips.clip_columns import COLUMN_PX, ColumnFitter
from gui.clips.clip_table import (
    CLIP_ID_ROLE,
    CONFIDENCE,
    DURATION,
    FILTER_ALL,
    FILTER_CLIPS,
    FILTER_DISAGREE,
    FILTER_EVENTS_DISAGREE,
    FILTER_LABEL_NEXT,
    FILTER_LOW_CONFIDENCE,
    FILTER_UNLABELED,
    FILTER_UNREADABLE,
    FILTER_UNREVIEWED,
    FOLDER,
    NAME,
    PREDICTION,
    REGIONS,
    STATUS,
    ClipTableModel,
)
from gui.common.empty_views import EmptyText
from gui.common.table_model import rows_selection, selected_rows

# The columns a person may hide (right-click the header): the others are the clip, its label and
# the model's answer, or appear by themselves (Prediction, Confidence, Regions). Status and Folder
# appear by themselves too, only while they hold news: some clip missing or unreadable, some clip
# in a subfolder ("OK", or nothing, on every row cut the names of a night's recordings).
OPTIONAL_COLUMNS = (FOLDER, DURATION, STATUS)
_MENU_TEXT = {STATUS: "Status (while a clip cannot be read)",
              FOLDER: "Folder (where clips lie in subfolders)"}
# The columns that show only while the clips give them news, each with the model's test.
_NEWS = {PREDICTION: ClipTableModel.has_predictions, CONFIDENCE: ClipTableModel.has_predictions,
         REGIONS: ClipTableModel.has_regions, STATUS: ClipTableModel.has_problems,
         FOLDER: ClipTableModel.has_folders}
# The quick filters that can show a clip only once a model answered or a recording holds
# regions: off until then, saying why (they looked live and showed an empty list).
_FILTER_NEEDS = {
    **dict.fromkeys((FILTER_DISAGREE, FILTER_LOW_CONFIDENCE), (
        ClipTableModel.has_predictions, "No model has answered yet: train one first")),
    **dict.fromkeys((FILTER_UNREVIEWED, FILTER_EVENTS_DISAGREE), (
        ClipTableModel.has_regions, "No recording holds regions or events yet")),
}


class RowsView(EmptyText, QTableView):
    """A table of whole rows: Home and End go to the first and last row (a table's go to the
    first and last column of the row, which moved nothing a person could see); Tab moves on to
    the next widget (a table's walked the row's cells, then changed the clip, and never left)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTabKeyNavigation(False)

    def moveCursor(self, action, modifiers):  # noqa: N802 - Qt override
        if action in (QAbstractItemView.CursorAction.MoveHome,
                      QAbstractItemView.CursorAction.MoveEnd):
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(action, modifiers)


class ClipListPanel(QWidget):
    """Emits ``current_clip_changed(int)`` (clip id, -1 for none) when the current row changes,
    or the current clip's file does (moved, gone, back), coalesced so holding an arrow key does
    not load every clip on the way."""

    current_clip_changed = Signal(int)
    columns_appeared = Signal()  # a column shown by itself (news) or by a person: more width

    def __init__(self, model: ClipTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClipListPanel")
        self.model = model
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name, folder or label")
        self.filter_edit.setClearButtonEnabled(True)
        self.quick_filter = QComboBox()
        self.quick_filter.setToolTip("Show only some clips")
        # Its longest entry ("Label next (unlabelled: unknown, then least sure)") set the list's
        # least width, and with it the window's: the closed box shows what fits, its list all.
        self.quick_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.quick_filter.setMinimumContentsLength(14)
        self._clips_title = ""  # the name of the FILTER_CLIPS entry, when there is one
        self.set_classes([])
        self.table = RowsView()
        self.table.setObjectName("ClipTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setItemDelegateForColumn(NAME, StampedNameDelegate(self.table))
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        # Fixed row height: the view never asks 20,000 rows for their size hint.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        self.columns = ColumnFitter(self.table, self)
        self.table.viewport().installEventFilter(self)
        header.viewport().installEventFilter(self)
        # Where the list is narrow (a 1280 px screen beside the Model dock), a person can give
        # Name and the model's columns the room of the ones they do not need; the header's
        # saved state keeps the choice.
        self.column_menu = QMenu(self)
        for column in OPTIONAL_COLUMNS:
            action = self.column_menu.addAction(_MENU_TEXT.get(column) or model.headerData(
                column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
            action.setCheckable(True)
            action.setData(column)
            action.toggled.connect(lambda shown, c=column: self.show_column(c, shown))
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(
            lambda pos: self.column_menu.popup(header.mapToGlobal(pos)))
        self.column_menu.aboutToShow.connect(self._check_shown_columns)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMaximumHeight(16)
        self.progress.hide()
        self.count_label = QLabel()
        self.count_label.setObjectName("CountLabel")

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.quick_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.count_label)

        self._current_timer = QTimer(self)
        self._current_timer.setSingleShot(True)
        self._current_timer.setInterval(0)
        self._current_timer.timeout.connect(self._emit_current)
        self._last_emitted: tuple = (-1, None, None)  # (clip id, its path, missing) last said
        self._hidden_selection: tuple | None = None  # (ids, current) a filter hid: _refilter
        self._stand_in: int | None = None  # the clip shown in its place, until another is chosen
        # Another folder's clips: its ids name other clips (the digit keys would label one).
        model.records_replaced.connect(lambda: setattr(self, "_hidden_selection", None))
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(150)  # typing is not re-filtered on every key
        self._text_timer.timeout.connect(self._apply_text_filter)
        self.filter_edit.textChanged.connect(self._text_timer.start)
        # Enter or Escape in the filter box hands the keys back to the list (Escape clears it),
        # so labelling by digit keys goes on without reaching for the mouse.
        self.filter_edit.returnPressed.connect(self._on_filter_return)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.filter_edit)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._on_filter_escape)
        self.quick_filter.currentIndexChanged.connect(self._on_quick_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_timer.start)
        model.modelReset.connect(self._current_timer.start)
        model.dataChanged.connect(self._current_timer.start)  # the clip's file moved, came back
        for signal in (model.rowsInserted, model.modelReset, model.dataChanged):
            signal.connect(self.update_counts)
        model.column_news_changed.connect(self._show_columns)  # see _NEWS
        self.show_computed_columns()

    def show_column(self, column: int, shown: bool) -> None:
        """A person's choice to show or hide one of OPTIONAL_COLUMNS (Name takes or gives up its
        room: hiding or showing a section resizes it, see _on_section_resized)."""
        if shown:
            self.columns.person_hidden.discard(column)
        else:
            self.columns.person_hidden.add(column)
        self._show_columns()

    def _show_columns(self) -> None:
        """Each column that shows only when it holds news (_NEWS) or a person wants it
        (OPTIONAL_COLUMNS) shown or hidden as that says; ``columns_appeared`` when one came."""
        appeared = False
        for column in sorted({*_NEWS, *OPTIONAL_COLUMNS}):
            news = _NEWS.get(column)
            hidden = column in self.columns.person_hidden or (news is not None
                                                              and not news(self.model))
            appeared |= self.table.isColumnHidden(column) and not hidden
            self.table.setColumnHidden(column, hidden)
        if appeared:
            self.columns_appeared.emit()
        self._offer_filters()

    def _offer_filters(self) -> None:
        """Each quick filter in _FILTER_NEEDS on only while what it reads is there; the one
        chosen, switched off so (another folder, no model yet), gives way to All clips."""
        for key, (has, why) in _FILTER_NEEDS.items():
            item = self.quick_filter.model().item(self.quick_filter.findData(key))
            if item is not None:
                item.setEnabled(has(self.model))
                item.setToolTip("" if has(self.model) else why)
        current = self.quick_filter.model().item(self.quick_filter.currentIndex())
        if current is not None and not current.isEnabled():
            self.quick_filter.setCurrentIndex(self.quick_filter.findData(FILTER_ALL))

    def _check_shown_columns(self) -> None:
        for action in self.column_menu.actions():
            action.blockSignals(True)
            action.setChecked(action.data() not in self.columns.person_hidden)
            action.blockSignals(False)

    def show_computed_columns(self) -> None:
        """Show or hide the columns that depend on the model's contents (predictions, regions,
        clips that cannot be read) and a person's choice: after a header state is restored, which
        may say otherwise (a state saved before Name took the spare width also stretched
        Status)."""
        self.table.horizontalHeader().setStretchLastSection(False)
        self.columns.person_hidden &= set(OPTIONAL_COLUMNS)
        self._show_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if watched is self.table.viewport() and kind == QEvent.Type.Resize:
            self.columns.fit()
        elif watched is self.table.horizontalHeader().viewport():
            if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                self.columns.header_pressed(True)
            elif kind == QEvent.Type.MouseButtonRelease:
                self.columns.header_pressed(False)
        return super().eventFilter(watched, event)

    def wanted_width(self) -> int:
        """The width at which every shown column fits without scrolling sideways, Name at its
        full COLUMN_PX width."""
        margins = self.layout().contentsMargins()
        return (COLUMN_PX[NAME] + self.columns.full_others_px()
                + self.table.verticalScrollBar().sizeHint().width()
                + 2 * self.table.frameWidth() + margins.left() + margins.right())

    # ---- filters ------------------------------------------------------------------------

    def set_classes(self, names: list[str]) -> None:
        """Offer a quick filter per class, keeping the current choice when it still exists."""
        self._class_names = list(names)
        current = self.quick_filter.currentData() or FILTER_ALL
        self.quick_filter.blockSignals(True)
        self.quick_filter.clear()
        self.quick_filter.addItem("All clips", FILTER_ALL)
        self.quick_filter.addItem("Unlabelled", FILTER_UNLABELED)
        self.quick_filter.addItem("Unreadable", FILTER_UNREADABLE)
        self.quick_filter.insertSeparator(self.quick_filter.count())
        self.quick_filter.addItem("Model disagrees with label", FILTER_DISAGREE)
        self.quick_filter.addItem("Label next (unlabelled: unknown, then least sure)",
                                  FILTER_LABEL_NEXT)
        self.quick_filter.addItem("Model unsure (unknown, or confidence < 60%)",
                                  FILTER_LOW_CONFIDENCE)
        self.quick_filter.addItem("Files with unreviewed events", FILTER_UNREVIEWED)
        self.quick_filter.addItem("Events the model and the person disagree on",
                                  FILTER_EVENTS_DISAGREE)
        if self._clips_title:
            self.quick_filter.addItem(self._clips_title, FILTER_CLIPS)
        if names:
            self.quick_filter.insertSeparator(self.quick_filter.count())
        for name in names:
            self.quick_filter.addItem(f"Label: {name}", name)
            self.quick_filter.setItemData(
                self.quick_filter.count() - 1,
                f"Clips labelled {name}, and files holding your regions of {name}",
                Qt.ItemDataRole.ToolTipRole)
        index = self.quick_filter.findData(current)
        self.quick_filter.setCurrentIndex(max(index, 0))
        self.quick_filter.blockSignals(False)
        self._offer_filters()  # after: a filter it switches off is left as a change heard
        if index < 0 and current != FILTER_ALL:
            self._on_quick_filter_changed()

    def set_quick_filter(self, key: str) -> None:
        """Choose a quick filter by key (FILTER_* or a class name)."""
        index = self.quick_filter.findData(key)
        if index >= 0:
            self.quick_filter.setCurrentIndex(index)

    def _on_filter_return(self) -> None:
        self._text_timer.stop()
        self._apply_text_filter()
        if self.table.currentIndex().isValid() or self.model.rowCount() == 0:
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.select_row(0)
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_filter_escape(self) -> None:
        self.filter_edit.clear()
        self._text_timer.stop()
        self._apply_text_filter()
        self.focus_list()

    def focus_list(self) -> None:
        """Give the keys to the clip list (digit keys label, arrows move), with a current clip:
        the first when none is."""
        if not self.table.currentIndex().isValid():
            self.select_row(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_clip_ids(self, clip_ids: list[int], title: str) -> None:
        """Show only ``clip_ids`` (a confusion-matrix cell), as a quick filter named ``title``."""
        self._clips_title = f"{title} ({len(clip_ids)})"
        self.model.set_clip_filter(clip_ids)
        self.set_classes(self._class_names)
        index = self.quick_filter.findData(FILTER_CLIPS)
        if self.quick_filter.currentIndex() == index:
            self._on_quick_filter_changed()
        else:
            self.quick_filter.setCurrentIndex(index)
        if clip_ids:
            self.select_ids([clip_ids[0]], clip_ids[0])

    def _on_quick_filter_changed(self) -> None:
        self._refilter(quick=self.quick_filter.currentData() or FILTER_ALL)
        if self.current_id() < 0:  # "Label next" chosen: its first clip, not "No clip selected"
            self.select_row(0)
            self._stand_in = self.current_id()  # the clip a filter hid comes back over it

    def _apply_text_filter(self) -> None:
        self._refilter(text=self.filter_edit.text())

    def _refilter(self, **kwargs) -> None:
        keep, current = self.selected_ids(), self.current_id()
        if self._hidden_selection and current in (-1, self._stand_in):  # hidden before: back?
            keep, current = self._hidden_selection
        self._stand_in = None
        self.model.set_filter(**kwargs)
        self.select_ids(keep, current)
        # A filter that hid the current clip: clearing it brought back no clip, and the view
        # stayed on "No clip selected".
        self._hidden_selection = (keep, current) if 0 <= current != self.current_id() else None

    # ---- selection ----------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """Ids of the selected clips, in row order."""
        # From the selection's runs: selectedRows() made an index per row of 16,000 first.
        rows = selected_rows(self.table.selectionModel().selection())
        return [self.model.record(row).id for row in rows]

    def current_id(self) -> int:
        """Id of the current clip, -1 for none."""
        index = self.table.currentIndex()
        return index.data(CLIP_ID_ROLE) if index.isValid() else -1

    def select_ids(self, clip_ids: list[int], current: int = -1) -> None:
        """Select these clips (those shown) and make ``current`` the current one."""
        rows = [row for row in map(self.model.row_of_id, clip_ids) if row >= 0]
        selection = rows_selection(self.model, rows)  # in runs: see rows_selection
        flags = QItemSelectionModel.SelectionFlag
        selection_model = self.table.selectionModel()
        row = self.model.row_of_id(current)
        if row >= 0:
            selection_model.setCurrentIndex(self.model.index(row, 0), flags.NoUpdate)
            self.table.scrollTo(self.model.index(row, 0),
                                QAbstractItemView.ScrollHint.PositionAtCenter)
        selection_model.select(selection, flags.ClearAndSelect | flags.Rows)

    def select_row(self, row: int) -> None:
        """Make ``row`` the current and only selected row."""
        if 0 <= row < self.model.rowCount():
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag
            self.table.selectionModel().setCurrentIndex(
                index, flags.ClearAndSelect | flags.Rows)
            self.table.scrollTo(index)

    def advance(self) -> None:
        """Move to the next row (auto-advance after labelling one clip)."""
        row = self.table.currentIndex().row()
        if row + 1 < self.model.rowCount():
            self.select_row(row + 1)

    def _emit_current(self) -> None:
        """Say which clip is current when it changes, or when its file does: a scan found it
        moved to another folder, gone, or back (the view shows it again from where it is)."""
        clip_id = self.current_id()
        record = self.model.record_by_id(clip_id) if clip_id >= 0 else None
        now = (clip_id, getattr(record, "path", None), getattr(record, "missing", None))
        if now != self._last_emitted:
            self._last_emitted = now
            self.current_clip_changed.emit(clip_id)

    # ---- progress -----------------------------------------------------------------------

    def set_progress(self, fraction: float, text: str = "") -> None:
        """Show scan progress (fraction in [0, 1]); ``text`` goes to the tooltip."""
        self.progress.setMaximum(1000)
        self.progress.setValue(int(1000 * min(max(fraction, 0.0), 1.0)))
        self.progress.setFormat(f"Scanning… {fraction:.0%}")
        self.progress.setToolTip(text)
        self.progress.show()

    def hide_progress(self) -> None:
        self.progress.hide()

    def update_counts(self, *_) -> None:
        """Refresh the totals line under the table."""
        counts = self.model.counts()
        text = f"{counted(counts['clips'], 'clip')} · {counts['unlabeled']:,} unlabelled"
        if counts["unreadable"]:
            text += f" · {counts['unreadable']:,} unreadable"
        if counts["shown"] != counts["clips"]:
            text += f" · {counts['shown']:,} shown"
        self.count_label.setText(text)
        self.table.set_empty_text("No clip is shown by this filter. Esc in the filter box clears "
                                  "it; “All clips” shows every clip."
                                  if counts["clips"] and not counts["shown"] else "")


class StampedNameDelegate(QStyledItemDelegate):
    """The Name column's cells: a name a recorder stamped with when it began
    (``20260601_224000.wav``) is cut from the left, keeping its time (``…0601_224000.wav``);
    cut in the middle as other names are, a night's files all read ``2026060…000.wav``. The
    recorder's own name before its stamp is kept too, the date cut (``ARU01…0601_220000.wav``):
    cut from the left, four recorders' files of one night all read ``…_20260601_220000.wav``."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        text = index.data()
        prefix = _recorder_prefix(text) if isinstance(text, str) else None
        if prefix is None:
            return
        option.textElideMode = Qt.TextElideMode.ElideLeft
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        room_px = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option,
                                       widget).width() - 2 * _TEXT_MARGIN_PX
        metrics = option.fontMetrics
        if prefix and room_px > 0 and metrics.horizontalAdvance(text) > room_px:
            # The recorder's name, in what the time of day (its last six digits) leaves.
            time_px = metrics.horizontalAdvance("…" + text[len(text.rsplit(".", 1)[0]) - 6:])
            head = metrics.elidedText(prefix, Qt.TextElideMode.ElideRight,
                                      max(room_px - time_px, room_px // 3))
            option.text = head + metrics.elidedText(
                text[len(prefix):], Qt.TextElideMode.ElideLeft,
                room_px - metrics.horizontalAdvance(head))


#: Each side of a cell's text, as Qt's styles leave it (PM_FocusFrameHMargin + 1).
_TEXT_MARGIN_PX = 3


@functools.lru_cache(maxsize=4096)  # each visible name once, not its regex at every repaint
def _recorder_prefix(name: str) -> str | None:
    """What a file's ``name`` holds before its recorder's stamp (``ARU01`` of
    ``ARU01_20260601_224000.wav``, empty for a bare stamp); None for a name without one."""
    return recorder_prefix(name.rsplit(".", 1)[0])
