"""RegionListPanel: the regions of the clip on show, one row each (begin, end, band, label, source,
score), with keys to go to the next or previous region and to play one. Picking a row selects the
region everywhere (RegionSelection) and zooms the clip view to it; the selected region's
measurements (Raven Pro's robust ones) are read off the GUI thread and shown under the list."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.audio.measurements import RAVEN_COLUMNS, RegionSpan, format_value, measure_file_regions
from core.store.name_rules import recorded_at
from core.store.records import REJECTED
from gui.clips.labelling import RegionSelection
from gui.clips.region_items import UNLABELLED_COLOUR, region_tooltip, score_text, source_text
from gui.clips.view_ranges import region_range
from gui.common.channels import channel_name
from gui.common.elided_label import ElidedLabel, one_line
from gui.common.table_model import (
    RIGHT_ALIGNED,
    ModelIndex,
    ReadOnlyTableModel,
    rows_selection,
    selected_rows,
)
from gui.common.tasks import FunctionWorker, TaskSlot
from gui.common.time_text import format_position, span_decimals
from gui.common.window_actions import window_action

# "Ch", a region's channel, narrow beside its times: shown only where a region is on one channel
# (last, it sat past the pane's edge; named "Channel" before Label, it pushed the label out).
# The label and a model's score come before the band and the source: in a pane 280 px wide (a
# 1,024 px window) the class was past its edge, and at 1,400 px the score.
REGION_COLUMNS = ("Begin", "End", "Ch", "Label", "Score", "Band", "Source")
BEGIN, END, CHANNEL, LABEL, SCORE, BAND, SOURCE = range(len(REGION_COLUMNS))
REGION_ID_ROLE = Qt.ItemDataRole.UserRole + 1

#: Measurements kept for regions picked again (about 1 KB each).
_MEASURED_KEPT = 2000

NEXT_REGION_KEY = "]"
PREVIOUS_REGION_KEY = "["
PLAY_REGION_KEY = "P"  # Space plays the file, Shift+Space the visible range


def format_band(record: Any) -> str:
    """'300–2,000 Hz', or '' for a region over all frequencies."""
    if record.low_hz is None:
        return ""
    return f"{record.low_hz:,.0f}–{record.high_hz:,.0f} Hz"


def measurements_line(m: Any) -> str:
    """A region's RegionMeasurements in one line: where its energy peaks and lies, how loud."""
    decimals = span_decimals(m.dur_90_s)  # "and 0.00 s" said nothing of a bat's call
    return (f"Peak {m.peak_freq_hz:,.0f} Hz at "
            f"{format_position(m.peak_time_s, unit=True, decimals=decimals)} · "
            f"centre {m.center_freq_hz:,.0f} Hz · 90% of its energy in {m.freq_5_hz:,.0f}–"
            f"{m.freq_95_hz:,.0f} Hz and {format_position(m.dur_90_s, unit=True, decimals=decimals)}"
            " · entropy "
            f"{m.agg_entropy_bits:.1f} bits · {m.inband_power_db:.1f} dB FS, {snr_phrase(m)}")


def snr_phrase(m: Any) -> str:
    """The region's SNR in words, saying why where it is not a number."""
    if math.isfinite(m.snr_db):
        return f"SNR {m.snr_db:.1f} dB"
    if m.snr_db == math.inf or m.noise_power_db == -math.inf:
        return "digital silence around it"
    if math.isnan(m.noise_power_db):
        return "no room around it to measure noise"
    return "no louder than the same band around it"


def measurements_table(m: Any) -> str:
    """Every measurement under Raven Pro's name for it, a line each (the line's tooltip)."""
    return "\n".join(f"{column}: {format_value(field, getattr(m, field))}"
                     for column, field in RAVEN_COLUMNS.items())


def _clock(moment: datetime) -> str:
    """'22:14:05.250'."""
    return f"{moment:%H:%M:%S}.{moment.microsecond // 1000:03d}"


class RegionTableModel(ReadOnlyTableModel):
    """Rows are RegionRecords (any object with their fields), in the order given."""

    columns = REGION_COLUMNS
    right_columns = (BEGIN, END, SCORE)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[Any] = []
        self._row_of: dict[int, int] = {}  # region id -> its row: row_of_id for thousands
        self._colours: dict[str, QColor] = {}
        self._began: datetime | None = None  # when the recording began, by its recorder's clock

    def _row_count(self) -> int:
        return len(self._records)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record, column = self._records[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == REGION_ID_ROLE:
            return record.id
        if role == Qt.ItemDataRole.DecorationRole and column == LABEL:
            return self._colours.get(record.label or "", QColor(UNLABELLED_COLOUR))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_columns:
            return RIGHT_ALIGNED
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CHANNEL:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole and column in (BEGIN, END):
            tip = f"{record.begin_s:.3f}–{record.end_s:.3f} s"
            if self._began is not None:
                begin, end = (self._began + timedelta(seconds=s)
                              for s in (record.begin_s, record.end_s))
                tip += (f" · {_clock(begin)}–{_clock(end)} on {begin:%Y-%m-%d} by the "
                        "recorder's clock")
            return tip
        if role == Qt.ItemDataRole.ToolTipRole and column in (SOURCE, SCORE):
            return region_tooltip(record)  # who found it, what it scored, whether accepted
        return None

    @staticmethod
    def _display(record: Any, column: int) -> str:
        if column in (BEGIN, END):  # a call of milliseconds to as many decimals as it needs
            decimals = span_decimals(record.end_s - record.begin_s)
            return format_position(record.begin_s if column == BEGIN else record.end_s,
                                   decimals=decimals)
        if column == BAND:
            return format_band(record)
        if column == CHANNEL:
            return "" if record.channel is None else str(record.channel + 1)
        if column == LABEL:
            return one_line(record.label or "")
        if column == SOURCE:
            return source_text(record)
        if column == SCORE:
            return score_text(record)
        return ""

    def set_records(self, records: list[Any], began: datetime | None = None) -> None:
        """Show ``records``, regions of a recording that began at ``began`` by its recorder's
        clock (None: not known)."""
        self.beginResetModel()
        self._records = list(records)
        self._row_of = {record.id: row for row, record in enumerate(self._records)}
        self._began = began
        self.endResetModel()

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self._colours = {name: QColor(colour) for name, colour in colours.items()}
        if self._records:
            self.dataChanged.emit(self.index(0, LABEL), self.index(len(self._records) - 1, LABEL))

    def record(self, row: int) -> Any:
        return self._records[row]

    def row_of_id(self, region_id: int | None) -> int:
        """The row of ``region_id``, -1 when it is not listed."""
        return self._row_of.get(region_id, -1)


class RegionListPanel(QWidget):
    """The regions of ``selection.clip_id``, read from ``project()`` (the open Project or None)
    whenever the clip or its regions change. ``view`` is the ClipView to zoom to a picked
    region; ``playback`` the PlaybackController that plays one; ``colours()`` class name ->
    '#rrggbb'. The actions ``next_action``, ``previous_action`` and ``play_action`` work
    anywhere in the window (keys ], [ and P); ``actions_for_menu()`` lists them. With a
    ``clip_list`` (the ClipListPanel), stepping past a file's last (first) region goes on to the
    first (last) region of the next (previous) file in the list that holds regions.
    """

    def __init__(self, selection: RegionSelection, project: Callable[[], Any], view: Any,
                 playback: Any, colours: Callable[[], dict[str, str]],
                 parent: QWidget | None = None, clip_list: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("RegionListPanel")
        self._selection, self._project, self._view = selection, project, view
        self._playback, self._colours, self._clip_list = playback, colours, clip_list
        # (clip id, row: 0 the first region, -1 the last) to pick once that clip is shown
        self._pending_pick: tuple[int, int] | None = None
        self._following = False  # the table follows the selection: no zoom, no echo
        self._picking = False  # the selection follows the table: the table is not set again
        self.model = RegionTableModel(self)
        self._folded_for = -2  # the clip the panel last folded or unfolded itself for
        self._unfolded_px = 160  # its height in the splitter before it was folded
        self._boxes_first = False  # what a plain drag on the spectrogram draws, for the hint
        self._shown_n = 0
        self._spans: list[tuple[int, RegionSpan]] = []  # (id, span) of the clip's regions
        self.toggle = QToolButton()
        self.toggle.setObjectName("RegionListToggle")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setToolTip("Show or hide the list of regions")
        self.toggle.toggled.connect(self.set_expanded)
        # One line, its shorter wording where the pane is narrow (a folded panel is one line
        # high: wrapped words were cut off); it never sets the window's width.
        self.hint = ElidedLabel()
        self.hint.setObjectName("RegionListHint")
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        self.table.setObjectName("RegionTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift- or Ctrl-click selects more regions with the current one: Delete removes them.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        # Score as wide as "match 0.85" (Find Similar Calls'): at 56 px it read "matc…".
        for column, width in ((BEGIN, 72), (END, 72), (CHANNEL, 36), (LABEL, 96), (SCORE, 84),
                              (BAND, 120), (SOURCE, 64)):
            self.table.setColumnWidth(column, width)
        self.table.setColumnHidden(CHANNEL, True)  # until a region on one channel is listed
        self.measurements = QLabel()
        self.measurements.setObjectName("RegionMeasurements")
        self.measurements.setWordWrap(True)
        self.measurements.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.measurements.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.measurements.hide()
        self._measure_task = TaskSlot(self)
        self._measured: dict[tuple, Any] = {}  # (path, mtime, begin, end, low, high) -> values
        self._measuring: tuple | None = None  # the key on show or being measured

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.toggle)
        top.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.measurements)

        self.next_action = window_action(self, "Next Region", self.select_next, NEXT_REGION_KEY)
        self.previous_action = window_action(self, "Previous Region", self.select_previous,
                                            PREVIOUS_REGION_KEY)
        self.play_action = window_action(self, "Play Region", self.play_selected, PLAY_REGION_KEY)
        self.deselect_action = QAction("Deselect Region", self)
        self.deselect_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        # Only in the table: Escape elsewhere belongs to the filter box and the dialogs.
        self.deselect_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.deselect_action.triggered.connect(lambda: selection.select(None))
        self.table.addAction(self.deselect_action)

        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        selection.clip_changed.connect(self.refresh)
        selection.regions_changed.connect(self._on_selection_regions_changed)
        selection.selection_changed.connect(self._on_selection_changed)
        view.clip_shown.connect(self._on_view_clip_shown)
        self.refresh()

    def shutdown(self) -> None:
        """Stop measuring and join its thread (the window is closing)."""
        self._measure_task.cancel()

    def closeEvent(self, event) -> None:  # a panel shown on its own (tests) closes itself
        self.shutdown()
        super().closeEvent(event)

    def actions_for_menu(self) -> list[QAction]:
        """Next, previous and play region, for a menu (their keys work without one)."""
        return [self.next_action, self.previous_action, self.play_action]

    # ---- contents -------------------------------------------------------------------------

    def refresh(self, *_) -> None:
        """Read the clip's regions again, keeping the selected one selected."""
        project, clip_id = self._project(), self._selection.clip_id
        records = project.regions(clip_id) if project is not None and clip_id >= 0 else []
        # Every region's span, rejected ones too: a region's noise keeps clear of them all. Kept
        # here so that selecting a region among thousands reads none of them again.
        self._spans = [(r.id, RegionSpan.of(r)) for r in records]
        # A rejected model event is kept (training uses it as background), never listed.
        records = [r for r in records if getattr(r, "status", None) != REJECTED]
        self.model.set_class_colours(self._colours())
        clip = project.clip(clip_id) if records else None
        began = recorded_at(PurePosixPath(clip.path).stem) if clip is not None else None
        # Regions on one channel of a multi-channel file say which (empty: every channel).
        self.table.setColumnHidden(CHANNEL, all(r.channel is None for r in records))
        self._following = True
        try:
            self.model.set_records(records, began)
            # Those selected with it stay selected (labelled together), while they are listed.
            more = [i for i in self._selection.more_ids if self.model.row_of_id(i) >= 0]
            self._select_row(self.model.row_of_id(self._selection.region_id),
                             [self.model.row_of_id(i) for i in more])
            self._selection.more_ids = tuple(more)
        finally:
            self._following = False
        n = len(records)
        if clip_id != self._folded_for or (n and not self._shown_n):
            # A file with regions shows them (from its first); one without leaves the room to
            # the clip view.
            self._folded_for = clip_id
            self.set_expanded(n > 0)
        self._shown_n = n
        self._show_measurements()
        self.toggle.setText(f"Regions ({n:,})" if clip_id >= 0 else "Regions")
        if clip_id < 0:
            hint = ("",)
        elif not n and self._boxes_first:
            hint = ("Drag on the spectrogram for a box, Shift+drag or drag on the waveform for a "
                    "span; or press M at its start and end",
                    "Drag: a box · Shift+drag: a span · M: start, end",
                    "Drag or press M to mark a region")
        elif not n:
            hint = ("Drag to mark a region, Shift+drag for a box; or press M at its start and end",
                    "Drag: a region · Shift+drag: a box · M: start, end",
                    "Drag or press M to mark a region")
        else:
            hint = (f"{PREVIOUS_REGION_KEY} {NEXT_REGION_KEY} previous/next · {PLAY_REGION_KEY} "
                    "play · class keys label · Delete removes · Ctrl-click: several",
                    f"{PREVIOUS_REGION_KEY} {NEXT_REGION_KEY} step · {PLAY_REGION_KEY} play · "
                    "keys label · Del removes",
                    f"{PREVIOUS_REGION_KEY} {NEXT_REGION_KEY} step · {PLAY_REGION_KEY} play")
        self.hint.set_choices(*hint)
        self.hint.setToolTip(hint[0])

    def set_boxes_first(self, boxes_first: bool) -> None:
        """Say what a plain drag on the spectrogram draws: a box (True) or a span."""
        self._boxes_first = bool(boxes_first)
        self.refresh()

    def set_expanded(self, expanded: bool) -> None:
        """Show the table, or fold the panel to its one-line header."""
        self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.table.setVisible(expanded)
        self.measurements.setVisible(expanded and self._measuring is not None)
        # Folded, the panel is its header's height and the splitter gives the rest to the view;
        # unfolded, it gets back the height it had.
        splitter = self.parentWidget()
        sizes = splitter.sizes() if isinstance(splitter, QSplitter) else None
        if expanded:
            self.setMaximumHeight(16_777_215)
            if sizes and sizes[-1] < self._unfolded_px:
                total = sum(sizes)
                splitter.setSizes([total - self._unfolded_px, self._unfolded_px])
        else:
            layout = self.layout()
            width = max(self.width(), 1)
            folded_px = 4 + (layout.heightForWidth(width) if layout.hasHeightForWidth()
                             else layout.sizeHint().height())
            if sizes and sizes[-1] > folded_px:
                self._unfolded_px = sizes[-1]
                splitter.setSizes([sum(sizes) - folded_px, folded_px])
            self.setMaximumHeight(folded_px)

    # ---- keys -----------------------------------------------------------------------------

    def select_next(self) -> None:
        """Select the region after the selected one (the first when none is) and zoom to it."""
        self._step(+1)

    def select_previous(self) -> None:
        """Select the region before the selected one (the last when none is) and zoom to it."""
        self._step(-1)

    def _step(self, direction: int) -> None:
        n = self.model.rowCount()
        row = self.model.row_of_id(self._selection.region_id)
        if n and row < 0:
            self.pick_row(0 if direction > 0 else n - 1)
        elif n and 0 <= row + direction < n:
            self.pick_row(row + direction)
        else:  # past this file's regions: on to the next file in the list holding some
            self._step_file(direction)

    def _step_file(self, direction: int) -> None:
        if self._clip_list is None:
            return
        target = self._clip_list.model.neighbour_with_regions(self._selection.clip_id, direction)
        if target is None:
            return
        self._pending_pick = (target, 0 if direction > 0 else -1)
        self._clip_list.select_ids([target], target)

    def _on_view_clip_shown(self, path) -> None:
        """A file is on show: measure the selected region on the channel it is drawn in, and
        pick the region a step across files was heading for."""
        self._show_measurements()
        pending, project = self._pending_pick, self._project()
        if pending is None or project is None:
            return
        clip_id, row = pending
        if self._selection.clip_id != clip_id:  # the person went elsewhere meanwhile
            self._pending_pick = None
            return
        clip = project.clip(clip_id)
        if clip is None or Path(path) != project.abspath(clip):
            return  # still loading
        self._pending_pick = None
        n = self.model.rowCount()
        if n:
            self.pick_row(row % n)

    def pick_row(self, row: int) -> None:
        """Select the region at ``row`` everywhere and zoom the clip view to it."""
        if 0 <= row < self.model.rowCount():
            self._following = True
            try:
                self._select_row(row)
            finally:
                self._following = False
            self._picked(self.model.record(row))

    def play_selected(self) -> None:
        """Play the selected region from its begin to its end (in its band, when the player
        is set to)."""
        row = self.model.row_of_id(self._selection.region_id)
        if row < 0:
            return
        record = self.model.record(row)
        self._playback.play_range(record.begin_s, record.end_s, record.band_hz, record.channel)

    # ---- slots ----------------------------------------------------------------------------

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._following and current.isValid():
            self._picked(self.model.record(current.row()))

    def _picked(self, record: Any) -> None:
        # Zoomed before selecting: the overlay makes items for the regions in view when the
        # selection changes (a file just shown is in view whole).
        self._view.set_view_range(*region_range(record, self._view.duration_s))
        self._picking = True  # the table has its rows selected already (see below)
        try:
            self._selection.select(record.id, self._rows_selected())
        finally:
            self._picking = False

    def _rows_selected(self) -> tuple[int, ...]:
        """The ids of the regions whose rows are selected."""
        rows = selected_rows(self.table.selectionModel().selection())
        return tuple(self.model.record(row).id for row in rows)

    def _on_table_selection_changed(self, *_) -> None:
        # Rows added to or taken from the selection (Ctrl-click). Qt makes a row Ctrl-clicked
        # off current all the same: then the first row still selected leads.
        if self._following or self._selection.region_id is None:
            return
        chosen = self._rows_selected()
        lead = (self._selection.region_id if self._selection.region_id in chosen
                else chosen[0] if chosen else None)
        self._picking = True
        try:
            self._selection.select(lead, chosen)
        finally:
            self._picking = False

    def _on_selection_regions_changed(self, clip_id: int) -> None:
        if clip_id == self._selection.clip_id:
            self.refresh()

    def _on_selection_changed(self, region_id: Any) -> None:
        # Picked in the table, it is selected there (a click: selecting it again here scrolled
        # the table under the mouse, and the release selected the row below).
        if not self._picking:
            self._following = True
            try:
                self._select_row(self.model.row_of_id(region_id))
            finally:
                self._following = False
        self._show_measurements()

    # ---- measurements ---------------------------------------------------------------------

    def _show_measurements(self) -> None:
        """Show the selected region's measurements: from the cache, else read and computed on a
        task (only its own seconds of the file); none shown when no region is selected."""
        project = self._project()
        row = self.model.row_of_id(self._selection.region_id)
        clip = project.clip(self._selection.clip_id) if project is not None and row >= 0 else None
        if clip is None:
            self._measure_task.cancel()
            self._measuring = None
            self.measurements.hide()
            return
        record = self.model.record(row)
        path = str(project.abspath(clip))
        span = RegionSpan.of(record)
        # The file's mtime too: a recording written again is measured again; and the file's other
        # regions, which its noise keeps clear of; and the channel the view draws of it.
        others = tuple(s for region_id, s in self._spans if region_id != record.id)
        channel, n_channels = self._view.drawn_channel(path)
        if record.channel is not None:  # a region on one channel is measured on it
            channel = record.channel
        key = (path, clip.mtime_ns, span, others, (channel, n_channels))
        self.measurements.setVisible(self.table.isVisible())
        if key == self._measuring and (key in self._measured or self._measure_task.is_running()):
            return
        self._measuring = key
        if key in self._measured:
            self._measure_task.cancel()
            self._put_measurements(key, self._measured[key])
            return
        self.measurements.setText("Measuring the region…")
        self.measurements.setToolTip("")
        self._measure_task.start(
            FunctionWorker(lambda worker: measure_file_regions(
                path, [span], worker.should_stop, others, channel)[0]),
            finished=lambda m: self._on_measured(key, m),
            failed=lambda reason: self._put_failure(key, reason))

    def _on_measured(self, key: tuple, measurements: Any) -> None:
        if len(self._measured) >= _MEASURED_KEPT:  # a long session's picks: start again
            self._measured.clear()
        self._measured[key] = measurements
        self._put_measurements(key, measurements)

    def _put_measurements(self, key: tuple, m: Any) -> None:
        if key != self._measuring:
            return
        if m is None:
            self.measurements.setText("Nothing to measure: the region is silent in its band")
            self.measurements.setToolTip("")
            return
        channel, n_channels = key[-1]
        on = "" if channel is None else f" · on {channel_name(channel, n_channels).lower()}"
        self.measurements.setText(measurements_line(m) + on)
        self.measurements.setToolTip(measurements_table(m))

    def _put_failure(self, key: tuple, reason: str) -> None:
        if key == self._measuring:  # not kept: a file put back is measured next time
            self.measurements.setText(f"Could not measure the region: {reason}")
            self.measurements.setToolTip("")

    def _select_row(self, row: int, more_rows: Iterable[int] = ()) -> None:
        selection_model = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        if row < 0:
            selection_model.clearSelection()
            selection_model.setCurrentIndex(QModelIndex(), flags.NoUpdate)
            return
        index = self.model.index(row, 0)
        selection_model.setCurrentIndex(index, flags.NoUpdate)
        # In runs, at once: a row at a time, the selection grew with each, and 7,000 regions
        # labelled together froze the window for seconds.
        selection_model.select(rows_selection(self.model, [row, *more_rows]),
                               flags.ClearAndSelect | flags.Rows)
        self.table.scrollTo(index)
