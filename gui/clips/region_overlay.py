"""RegionOverlay: the regions of the clip on show, drawn on the clip view and edited there.

Each region is a translucent span in its class's colour on the waveform and on the spectrogram
(a box there when it has a frequency band); a model's event not yet reviewed has a dashed outline
and its score in the tooltip, and one a person rejected is not drawn. A left drag on empty
ground draws a new span, Shift+drag on the spectrogram a box; a click selects; edges resize and
the body moves; every edit is one undo command, pushed when the drag ends.

A recording can hold thousands of regions (an energy detector's night). Only the regions near
the visible range, at most ``MAX_EDITABLE`` of them, and the selected one, get editable items;
the rest are painted together by one item per plot, which a click passes through (the click
selects the region under it, which then gets its items).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from core.store.records import REJECTED
from gui.clips.labelling import RegionSelection
from gui.clips.region_commands import AddRegionCommand, UpdateRegionCommand
from gui.clips.region_items import (
    UNLABELLED_COLOUR,
    BoxROI,
    SpanItem,
    brush,
    is_model_event,
    region_tooltip,
)
from gui.clips.region_summary import RegionSummary
from gui.common.elided_label import one_line

_FILL_ALPHA = 55
_SELECTED_FILL_ALPHA = 100
_Z = 5  # above the image and the waveform, below the playhead (10)
_DRAFT_COLOUR = "#555555"
_NAME_COLOUR = "#222222"
_NAME_GROUND = (255, 255, 255, 200)  # a label's ground: the waveform shows faintly through
#: A drag narrower than this many pixels, or the platform's drag distance if more (10 px as a
#: rule), is taken for a click whose hand slipped, not a region: at 3 px, a click to seek left
#: a region that the next class key labelled instead of the clip.
_MIN_DRAG_PX = 3.0
#: Editable items at most: a pair of pyqtgraph items costs about 2 ms to make and a share of
#: every repaint, so 1,500 of them froze the window for 3 s on showing the clip.
MAX_EDITABLE = 150
_NAME_GAP_PX = 6  # the least room between two region labels on the waveform
#: Regions this share of the visible range beyond either edge get items too, so a short scroll
#: finds them ready.
_ITEM_MARGIN_SHARE = 0.5


@dataclass
class _Draft:
    """A region being drawn: where the drag started, on which plot, and its preview item."""

    plot: Any
    start: QPointF
    box: bool
    item: Any


class RegionOverlay(QObject):
    """Draws and edits the regions of ``selection.clip_id`` on ``view`` (a ClipView).

    ``project()`` is the open Project or None; ``colours()`` class name -> '#rrggbb'. Edits are
    pushed on ``undo_stack``; their news (``selection.notify_changed``) redraws. Sets the
    view's ``drag_handler`` and ``click_handler``: :meth:`handle_drag`, :meth:`handle_click`.
    """

    def __init__(self, view: Any, project: Callable[[], Any], undo_stack: QUndoStack,
                 selection: RegionSelection, colours: Callable[[], dict[str, str]],
                 on_error: Callable[[str], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view, self._project, self._undo_stack = view, project, undo_stack
        self._selection, self._colours, self._on_error = selection, colours, on_error
        self._records: dict[int, Any] = {}  # region id -> record on show
        self._records_read = 0  # counts the reads of _records, for the summary layers' key
        self._summary_key: tuple | None = None  # what the summary layers were built from
        self._items: dict[int, tuple[Any, Any]] = {}  # region id -> (wave item, spec item)
        # Hidden item pairs no region uses now, by kind (a box on the spectrogram or not).
        self._spare: dict[bool, list[tuple[Any, Any]]] = {False: [], True: []}
        # region id -> the (record, colour, selected) its items were last styled for
        self._styled: dict[int, tuple] = {}
        self._draft: _Draft | None = None
        self._boxes_first = False  # see set_boxes_first
        self._syncing = False  # items moved by code, not by a person: no commands
        self._duration_s = 0.0  # the clip's, from the store (bounds the items)
        self._nyquist_hz = 0.0  # 0: not known
        self._summaries = (RegionSummary(), RegionSummary())  # (waveform, spectrogram)
        for plot, summary, z in ((view.wave_plot, self._summaries[0], -_Z - 1),
                                 (view.spec_plot, self._summaries[1], _Z - 1)):
            summary.setZValue(z)
            plot.addItem(summary, ignoreBounds=True)
        view.drag_handler = self.handle_drag
        view.click_handler = self.handle_click
        # The clip's duration bounds the items. Queued: whoever shows a clip to zoom into it (the
        # Review tab, ] and [) zooms first, so items are made for the regions in that range,
        # not for every region of the whole file (110 of them took 0.2-1 s of the window's
        # thread for each event reviewed in another file).
        view.clip_shown.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        view.view_range_changed.connect(self._sync_items)
        view.wave_plot.getViewBox().sigYRangeChanged.connect(self._put_names)
        selection.clip_changed.connect(self.refresh)
        selection.regions_changed.connect(self._on_selection_regions_changed)
        selection.selection_changed.connect(self._on_selection_changed)

    # ---- what is on show ------------------------------------------------------------------

    def regions(self) -> list[Any]:
        """The records drawn, in time order."""
        return sorted(self._records.values(), key=lambda r: (r.begin_s, r.id))

    def items(self, region_id: int) -> tuple[Any, Any]:
        """(the waveform's LinearRegionItem, the spectrogram's LinearRegionItem or box ROI) of a
        region with editable items (near the visible range, or selected)."""
        return self._items[region_id]

    def editable_ids(self) -> set[int]:
        """The regions drawn as editable items; the others are in the summary layer."""
        return set(self._items)

    def label_text(self, region_id: int) -> str:
        """The label written on the waveform beside the region's begin ('' when it has none)."""
        return self._items[region_id][0].name.toPlainText()

    def shown_label_ids(self) -> set[int]:
        """The regions whose label shows on the waveform (those that would overprint one to
        their left are hidden)."""
        return {i for i, (wave, _) in self._items.items() if wave.name.isVisible()}

    def refresh(self, *_) -> None:
        """Read the clip's regions from the store and bring the items in line with them."""
        project, clip_id = self._project(), self._selection.clip_id
        clip = project.clip(clip_id) if project is not None and clip_id >= 0 else None
        self._duration_s = (clip.duration_s or 0.0) if clip is not None else 0.0
        self._nyquist_hz = clip.sample_rate_hz / 2 if clip is not None and clip.sample_rate_hz \
            else 0.0
        # The view drawing one channel of a multi-channel file shows the regions on it and
        # those on every channel, as Raven's view of a channel shows its selections.
        shown = self._drawn_channel(clip)
        regions = project.regions(clip_id) if clip is not None else []
        fresh = {r.id: r for r in regions if getattr(r, "status", None) != REJECTED
                 and (shown is None or r.channel is None or r.channel == shown)}
        # A selected region not drawn on the channel now shown is let go (the keys must not
        # label or delete it unseen), unless the view is being read again on its channel.
        loading = self._view.spectrogram_settings().channel
        if any(r.id == self._selection.region_id and r.id not in fresh and r.channel != loading
               for r in regions):
            self._selection.select(None)
        # Showing a clip reads its regions twice (the clip chosen, then shown): the summary
        # layers of 7,000 regions are grouped again only when the records changed.
        if fresh != self._records:
            self._records = fresh
            self._records_read += 1
        self._sync_items(replace=True)

    def _drawn_channel(self, clip: Any = None) -> int | None:
        """The channel (from 0) of ``clip`` (default: the clip on show) that the view draws;
        None for the mix."""
        project, clip_id = self._project(), self._selection.clip_id
        if clip is None and project is not None and clip_id >= 0:
            clip = project.clip(clip_id)
        return None if clip is None else self._view.drawn_channel(project.abspath(clip))[0]

    def _wanted_ids(self) -> set[int]:
        """The regions that should have editable items: those within the visible range and a
        margin, when there are at most MAX_EDITABLE of them, and the selected one."""
        start_s, end_s = self._view.view_range()
        margin_s = _ITEM_MARGIN_SHARE * max(end_s - start_s, 0.0)
        near = [i for i, r in self._records.items()
                if r.end_s >= start_s - margin_s and r.begin_s <= end_s + margin_s]
        wanted = set(near) if len(near) <= MAX_EDITABLE else set()
        if self._selection.region_id in self._records:
            wanted.add(self._selection.region_id)
        return wanted

    def _sync_items(self, *_args, replace: bool = False) -> None:
        """Bring the editable items in line with the records and the view (``replace``: the
        records were read again, so items still wanted are moved to where they say)."""
        wanted = self._wanted_ids()
        for region_id in [i for i in self._items if i not in wanted]:
            self._remove_items(region_id)
        self._syncing = True
        try:
            for region_id in wanted:
                record = self._records[region_id]
                items = self._items.get(region_id)
                if items is None or isinstance(items[1], BoxROI) != self._is_box(record):
                    if items is not None:
                        self._remove_items(region_id)
                    self._items[region_id] = self._make_items(record)
                elif replace:
                    self._place(record, *items)
        finally:
            self._syncing = False
        self._restyle()

    def region_at(self, plot: Any, x_s: float, y: float) -> Any | None:
        """The region under (``x_s``, ``y``) of ``plot``: a box counts on the spectrogram only
        inside its band; where regions overlap, the shortest."""
        on_spec = plot is self._view.spec_plot
        hits = [r for r in self._records.values() if r.begin_s <= x_s <= r.end_s
                and not (on_spec and self._is_box(r) and not r.low_hz <= y <= r.high_hz)]
        return min(hits, key=lambda r: (r.end_s - r.begin_s, r.id), default=None)

    # ---- the view's handlers --------------------------------------------------------------

    def handle_click(self, event: Any, plot: Any) -> bool:
        """A left click: select the region under it (True: the click is spent); on empty ground
        drop the selection and let the view seek (False)."""
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return False
        point = plot.vb.mapSceneToView(event.scenePos())
        region = self.region_at(plot, point.x(), point.y())
        self._selection.select(region.id if region is not None else None)
        return region is not None

    def set_boxes_first(self, boxes_first: bool) -> None:
        """True: a plain drag on the spectrogram draws a box (Raven's way) and Shift+drag a
        span; False: the other way round. A drag on the waveform is a span either way."""
        self._boxes_first = bool(boxes_first)

    def handle_drag(self, event: Any, plot: Any) -> bool:
        """A left drag on empty ground: draw a new region (Shift on the spectrogram: a box with a
        band; see set_boxes_first); pushed as one
        AddRegionCommand when the drag ends. False: not ours, pan."""
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if event.isStart():
            if not self.can_draw():
                return False
            start = plot.vb.mapSceneToView(event.buttonDownScenePos())
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            box = plot is self._view.spec_plot and self._bands_shown() and shift != self._boxes_first
            self._draft = _Draft(plot, start, box, self.make_draft_item(plot, box))
        elif self._draft is None or self._draft.plot is not plot:
            return False
        event.accept()
        end = plot.vb.mapSceneToView(event.scenePos())
        rect = self._draft_rect(self._draft.start, end)
        if self._draft.box:
            self._draft.item.set_rect(rect)
        else:
            self._draft.item.setRegion((rect.left(), rect.right()))
        if event.isFinish():
            draft, self._draft = self._draft, None
            draft.plot.removeItem(draft.item)
            # A box counts by its longer side: a click's tall narrow box on a night zoomed out.
            px_s, px_hz = plot.vb.viewPixelSize()
            drawn_px = max(rect.width() / px_s, rect.height() / px_hz if draft.box else 0.0)
            if (drawn_px >= max(_MIN_DRAG_PX, QApplication.startDragDistance())
                    and rect.width() > 0 and (not draft.box or rect.height() > 0)):
                self._add(rect, draft.box)
        return True

    # ---- edits ----------------------------------------------------------------------------

    def _add(self, rect: QRectF, box: bool) -> None:
        project = self._project()
        if project is None:
            return
        band = {"low_hz": rect.top(), "high_hz": rect.bottom()} if box else {}
        # Drawn on one channel of a multi-channel file, it is on that channel (as in Raven).
        command = AddRegionCommand(project, self._selection.clip_id, rect.left(), rect.right(),
                                   on_changed=self._selection.notify_changed,
                                   on_error=self._on_error, channel=self._drawn_channel(), **band)
        self._undo_stack.push(command)  # a failed one is deleted by the push: ask ``failed``
        if command.record is not None and not command.failed:
            self._selection.select(command.record.id)

    def add_span(self, begin_s: float, end_s: float) -> None:
        """Add a span (no band) as one undo step and select it: a mark made while listening."""
        self._add(QRectF(begin_s, 0.0, end_s - begin_s, 0.0), box=False)

    def _update(self, region_id: int, changes: dict) -> None:
        """Push one UpdateRegionCommand for the fields that changed (none: put the items back)."""
        record, project = self._records.get(region_id), self._project()
        if record is None or project is None:
            return
        changes = {k: v for k, v in changes.items() if abs(v - getattr(record, k)) > 1e-9}
        self._selection.select(region_id)
        if not changes:
            return
        command = UpdateRegionCommand(project, record, changes, self._selection.notify_changed,
                                      self._on_error)
        self._undo_stack.push(command)  # a failed one is deleted by the push: ask ``failed``
        if command.failed:
            self.refresh()  # it failed, and said why: the items go back to what is stored

    def _on_span_finished(self, item: Any) -> None:
        if self._syncing:
            return
        begin_s, end_s = item.getRegion()
        self._update(item.region_id, {"begin_s": begin_s, "end_s": end_s})

    def _on_box_finished(self, roi: BoxROI) -> None:
        if self._syncing:
            return
        rect = roi.rect()
        self._update(roi.region_id, {"begin_s": rect.left(), "end_s": rect.right(),
                                 "low_hz": rect.top(), "high_hz": rect.bottom()})

    def _on_moving(self, source: Any) -> None:
        """One of a region's items is being dragged: its partner on the other plot follows."""
        if self._syncing or source.region_id not in self._items:
            return
        wave, spec = self._items[source.region_id]
        if isinstance(source, BoxROI):
            rect = source.rect()
            begin_s, end_s = rect.left(), rect.right()
        else:
            begin_s, end_s = source.getRegion()
        self._syncing = True
        try:
            for item in (wave, spec):
                if item is source:
                    continue
                if isinstance(item, BoxROI):
                    rect = item.rect()
                    item.set_rect(QRectF(begin_s, rect.top(), end_s - begin_s, rect.height()))
                else:
                    item.setRegion((begin_s, end_s))
        finally:
            self._syncing = False

    # ---- items ----------------------------------------------------------------------------

    def _make_items(self, record: Any) -> tuple[Any, Any]:
        """Items for ``record``: a spare pair of its kind shown again, else a new pair."""
        box = self._is_box(record)
        wave, spec = self._spare[box].pop() if self._spare[box] else self._new_items(box)
        wave.region_id = spec.region_id = record.id
        self._place(record, wave, spec)
        for item in (wave, spec):
            item.setVisible(True)
        return wave, spec

    def _new_items(self, box: bool) -> tuple[Any, Any]:
        """A waveform span and a spectrogram span (or box), each knowing its region by
        ``region_id``, which a spare pair changes when it is shown for another region."""
        wave = SpanItem((0.0, 0.0), swapMode="block")
        # The label, at the top of the waveform beside the region's begin, as Raven and
        # Audacity write it: an item of its own above the waveform's line (the span sits behind
        # it, and a label of the span's own hid behind a loud call), on a light ground.
        wave.name = pg.TextItem(color=_NAME_COLOUR, anchor=(0, 0), fill=_NAME_GROUND)
        wave.name.setZValue(_Z + 1)
        wave.name.setVisible(False)
        self._view.wave_plot.addItem(wave, ignoreBounds=True)
        self._view.wave_plot.addItem(wave.name, ignoreBounds=True)
        wave.sigRegionChanged.connect(self._put_name)
        if box:
            spec = BoxROI(QRectF(0.0, 0.0, 0.0, 0.0), pen=pg.mkPen(UNLABELLED_COLOUR))
            spec.sigRegionChangeFinished.connect(self._on_box_finished)
        else:
            spec = SpanItem((0.0, 0.0), swapMode="block")
            spec.sigRegionChangeFinished.connect(self._on_span_finished)
        self._view.spec_plot.addItem(spec, ignoreBounds=True)
        wave.sigRegionChangeFinished.connect(self._on_span_finished)
        for item in (wave, spec):
            item.sigRegionChanged.connect(self._on_moving)
        return wave, spec

    def _put_name(self, wave: Any) -> None:
        """A waveform span's label at its begin, at the top of the waveform's view."""
        top = self._view.wave_plot.getViewBox().viewRange()[1][1]
        wave.name.setPos(min(wave.getRegion()), top)

    def _put_names(self, *_) -> None:
        for wave, _spec in self._items.values():
            self._put_name(wave)

    def _place(self, record: Any, wave: Any, spec: Any) -> None:
        """Move existing items to where ``record`` says (code, not a person: no commands)."""
        self._set_bounds(wave, spec)
        wave.setRegion((record.begin_s, record.end_s))
        self._put_name(wave)  # the view's height may have changed while it was spare
        if isinstance(spec, BoxROI):
            spec.set_rect(self._box_rect(record))
        else:
            spec.setRegion((record.begin_s, record.end_s))

    def _set_bounds(self, wave: Any, spec: Any) -> None:
        """Keep drags inside the clip's time (and, for a box, 0 Hz to Nyquist), where known."""
        duration_s = self._duration_s or None
        for item in (wave, spec):
            if isinstance(item, BoxROI):
                item.maxBounds = QRectF(0.0, 0.0, duration_s, self._nyquist_hz) \
                    if duration_s and self._nyquist_hz else None
            else:
                item.setBounds((0.0, duration_s) if duration_s else (None, None))

    def _remove_items(self, region_id: int) -> None:
        """Hide the region's items and keep them spare: making a pair costs about 5 ms (a box's
        four handles the most), so a scroll that settled on a hundred new regions froze the
        window for a quarter of a second making them."""
        wave, spec = self._items.pop(region_id)
        self._styled.pop(region_id, None)
        for item in (wave, spec, wave.name):
            item.setVisible(False)
            item.region_id = -1
        self._spare[isinstance(spec, BoxROI)].append((wave, spec))

    def _restyle(self) -> None:
        """Colour every item by its class, the selected region bolder and on top; the regions
        without items go to the summary layers in their class colours."""
        colours, selected = self._colours(), self._selection.region_id
        self._restyle_summaries(colours)
        for region_id, (wave, spec) in self._items.items():
            record = self._records[region_id]
            colour = colours.get(record.label, UNLABELLED_COLOUR) if record.label \
                else UNLABELLED_COLOUR
            chosen = region_id == selected
            # Scrolling a view of a hundred regions restyled every one of them at each step.
            if self._styled.get(region_id) == (record, colour, chosen):
                continue
            self._styled[region_id] = (record, colour, chosen)
            fill = brush(colour, _SELECTED_FILL_ALPHA if chosen else _FILL_ALPHA)
            # The model's finds are dashed until a person accepts them.
            style = Qt.PenStyle.DashLine if is_model_event(record) else Qt.PenStyle.SolidLine
            pen = pg.mkPen(colour, width=2.5 if chosen else 1, style=style)
            z = _Z + 1 if chosen else _Z
            wave.name.setText(one_line(record.label or ""))
            tip = region_tooltip(record)
            for item in (wave, spec):
                # On the waveform the span sits behind the line, so the sound stays readable.
                item.setZValue(z - 2 * _Z if item is wave else z)
                item.setToolTip(tip)
                if isinstance(item, BoxROI):
                    item.fill = fill
                    item.setPen(pen)
                    item.show_handles(chosen)
                else:
                    item.setBrush(fill)
                    item.setHoverBrush(brush(colour, min(_SELECTED_FILL_ALPHA + 30, 255)))
                    for line in item.lines:
                        line.setPen(pen)
                item.update()
        self._thin_names()

    def _thin_names(self) -> None:
        """Hide the labels that would overprint one to their left (the selected one always
        shows), so a zoomed-out view of many regions stays readable; zooming in brings them
        back."""
        start_s, end_s = self._view.view_range()
        width_px = self._view.wave_plot.getViewBox().width()
        s_per_px = (end_s - start_s) / width_px if width_px > 0 and end_s > start_s else 0.0
        selected = self._selection.region_id
        taken: list[tuple[float, float]] = []  # the shown labels' (begin_s, end_s)
        for region_id in sorted(self._items, key=lambda i: (i != selected,
                                                            self._records[i].begin_s)):
            name = self._items[region_id][0].name
            begin_s = self._records[region_id].begin_s
            label_end_s = begin_s + (name.boundingRect().width() + _NAME_GAP_PX) * s_per_px
            shown = region_id == selected or not any(
                begin_s < other_end_s and other_begin_s < label_end_s
                for other_begin_s, other_end_s in taken)
            named = bool(name.toPlainText())  # an unlabelled region has no label to show
            name.setVisible(shown and named)
            if shown and named:  # ... and takes no room from its neighbours
                taken.append((begin_s, label_end_s))

    def _restyle_summaries(self, colours: dict[str, str]) -> None:
        """The regions without items, in their class colours, on the summary layers; grouped
        again only when the regions, the colours or the spectrogram's axis changed."""
        key = (self._records_read, tuple(sorted(colours.items())), self._bands_shown())
        if key != self._summary_key:
            self._summary_key = key
            spans, fills, bands = [], {}, key[2]
            for region_id, record in self._records.items():
                colour = colours.get(record.label, UNLABELLED_COLOUR) if record.label \
                    else UNLABELLED_COLOUR
                fill = fills.get(colour) or fills.setdefault(colour, brush(colour, _FILL_ALPHA))
                box = bands and record.low_hz is not None
                band = (record.low_hz, record.high_hz) if box else (None, None)
                spans.append((region_id, record.begin_s, record.end_s, *band, fill))
            self._summaries[0].set_spans([(i, b, e, None, None, f) for i, b, e, _, _, f in spans])
            self._summaries[1].set_spans(spans)
        for summary in self._summaries:
            summary.leave_out(frozenset(self._items))

    def make_draft_item(self, plot: Any, box: bool = False) -> Any:
        """A dashed region on ``plot`` for one being drawn (a span, or a box)."""
        pen = pg.mkPen(_DRAFT_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        if box:
            item = BoxROI(QRectF(0, 0, 0, 0), pen=pen, movable=False, resizable=False)
            item.fill = brush(_DRAFT_COLOUR, _FILL_ALPHA)
        else:
            item = pg.LinearRegionItem((0.0, 0.0), brush=brush(_DRAFT_COLOUR, _FILL_ALPHA),
                                       pen=pen, movable=False)
        item.setZValue(_Z + 2)
        plot.addItem(item, ignoreBounds=True)
        return item

    # ---- helpers --------------------------------------------------------------------------

    def _on_selection_regions_changed(self, clip_id: int) -> None:
        if clip_id == self._selection.clip_id:
            self.refresh()

    def _on_selection_changed(self, _region_id: Any) -> None:
        self._sync_items()  # the selected region always has its items

    def can_draw(self) -> bool:
        """Whether a region can be added now: a project, and a clip shown."""
        return (self._project() is not None and self._selection.clip_id >= 0
                and self._duration_s > 0 and self._view.duration_s > 0)

    def _bands_shown(self) -> bool:
        """The spectrogram's y axis is in hertz (not the model's feature bins)."""
        return not self._view.show_features()

    def _is_box(self, record: Any) -> bool:
        return record.low_hz is not None and self._bands_shown()

    @staticmethod
    def _box_rect(record: Any) -> QRectF:
        return QRectF(record.begin_s, record.low_hz, record.end_s - record.begin_s,
                      record.high_hz - record.low_hz)

    def _draft_rect(self, start: QPointF, end: QPointF) -> QRectF:
        """The drag from ``start`` to ``end`` as (begin_s, low, width_s, height), inside the
        clip's time and (for a box) between 0 Hz and Nyquist."""
        top_hz = self._nyquist_hz or float("inf")
        x0, x1 = sorted(min(max(x, 0.0), self._duration_s) for x in (start.x(), end.x()))
        y0, y1 = sorted(min(max(y, 0.0), top_hz) for y in (start.y(), end.y()))
        return QRectF(x0, y0, x1 - x0, y1 - y0)
