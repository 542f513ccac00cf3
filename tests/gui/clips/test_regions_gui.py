"""Regions in the GUI: drawing a span or a box on the clip view, moving and resizing it, deleting
it, labelling it by key, the region list's keys and the clip list's Regions column. Every edit
goes through the undo stack, and the store says what the screen says after each step."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QMouseEvent, QUndoStack
from PySide6.QtWidgets import QApplication

from core.store import region_io
from core.store.project import Project
from core.store.records import RegionRecord
from gui.clips.clip_list_panel import ClipListPanel
from gui.clips.clip_table import REGIONS, ClipTableModel
from gui.clips.clip_view import ClipView
from gui.clips.commands import ClassEditCommand
from gui.clips.labelling import LabelController
from gui.clips.region_commands import (
    AddRegionCommand,
    DeleteRegionsCommand,
    ImportRegionsCommand,
    UpdateRegionCommand,
)
from gui.clips.region_list_panel import BAND, BEGIN, LABEL, SCORE, RegionListPanel
from gui.clips.region_overlay import RegionOverlay
from tests import audio_factory
from tests.gui.clips.test_edit_commands import FakeClipList

LOAD_TIMEOUT_MS = 10_000
DURATION_S = 4.0
RATE_HZ = 16000


class FakePlayback:
    """Records the ranges it is asked to play, and their bands; no sound (as on CI)."""

    unavailable_reason = "No audio output device found"

    def __init__(self) -> None:
        self.ranges: list[tuple[float, float]] = []
        self.bands: list[tuple[float, float] | None] = []

    def pause(self) -> None:
        pass

    def play_range(self, start_s: float, end_s: float, band_hz=None, channel=None) -> None:
        self.ranges.append((start_s, end_s))
        self.bands.append(band_hz)


class FakeMouse:
    """A pyqtgraph mouse event (drag or click) between two points of ``plot`` in its data
    coordinates (seconds, and hertz or amplitude): it answers in scene coordinates and, like
    pyqtgraph's, in those of ``currentItem``."""

    def __init__(self, plot, start, end, stage="finish", shift=False, previous=None) -> None:
        to_scene = plot.vb.mapViewToScene
        self._down = to_scene(QPointF(*start))
        self._now = to_scene(QPointF(*end))
        self._last = to_scene(QPointF(*(previous or start)))
        self._stage, self._shift = stage, shift
        self.currentItem = None
        self.accepted = False

    def button(self):
        return Qt.MouseButton.LeftButton

    def modifiers(self):
        return Qt.KeyboardModifier.ShiftModifier if self._shift else Qt.KeyboardModifier.NoModifier

    def isStart(self):  # noqa: N802 - pyqtgraph's names
        return self._stage == "start"

    def isFinish(self):  # noqa: N802
        return self._stage == "finish"

    def double(self):
        return False

    def scenePos(self):  # noqa: N802
        return self._now

    def lastScenePos(self):  # noqa: N802
        return self._last

    def buttonDownScenePos(self, button=None):  # noqa: N802
        return self._down

    def pos(self):
        return self.currentItem.mapFromScene(self._now)

    def lastPos(self):  # noqa: N802
        return self.currentItem.mapFromScene(self._last)

    def buttonDownPos(self, button=None):  # noqa: N802
        return self.currentItem.mapFromScene(self._down)

    def accept(self):
        self.accepted = True

    def ignore(self):
        self.accepted = False

    def isAccepted(self):  # noqa: N802
        return self.accepted


def drag(target, plot, start, end, shift=False) -> None:
    """A whole left drag from ``start`` to ``end`` through its middle, sent to ``target``: a view
    box (as the scene sends a drag on empty ground) or an item (a drag on that item)."""
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    previous = start
    for stage, point in (("start", middle), ("move", end), ("finish", end)):
        event = FakeMouse(plot, start, point, stage, shift, previous)
        event.currentItem = target
        target.mouseDragEvent(event)
        previous = point


def click(view, plot, x_s, y=0.0) -> None:
    """A left click at (``x_s``, ``y``) of ``plot``, as the scene reports it to the view."""
    event = FakeMouse(plot, (x_s, y), (x_s, y))
    view._on_scene_clicked(event)


def mouse_drag(view, plot, start, end, shift=False) -> None:
    """A real left drag with the mouse (Qt events to the view's viewport) from ``start`` to
    ``end``, points of ``plot`` in its data coordinates, in ten steps."""
    scene = view.graphics.scene()
    scene._moveEventIsAllowed = lambda: True  # pyqtgraph drops moves closer than ~16 ms apart
    viewport = view.graphics.viewport()
    a, b = (QPointF(view.graphics.mapFromScene(plot.vb.mapViewToScene(QPointF(*p))))
            for p in (start, end))
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, pos, button, buttons):
        QApplication.sendEvent(viewport, QMouseEvent(kind, pos, QPointF(viewport.mapToGlobal(
            pos.toPoint())), button, buttons, mods))

    send(QEvent.Type.MouseMove, a, none, none)
    send(QEvent.Type.MouseButtonPress, a, left, left)
    for step in range(1, 11):
        send(QEvent.Type.MouseMove, a + (b - a) * (step / 10), none, left)
    send(QEvent.Type.MouseButtonRelease, b, left, none)


@pytest.fixture
def rig(qtbot, tmp_path):
    """A project (dog/long.wav 4 s, cat/short.wav 1 s), its clip table and list, the undo stack,
    a LabelController, the clip view showing long.wav with a RegionOverlay, and a
    RegionListPanel, wired as the window wires them."""
    root = tmp_path / "audio"
    audio_factory.write(root / "dog/long.wav", audio_factory.tone(440.0, DURATION_S, RATE_HZ),
                        RATE_HZ)
    audio_factory.write(root / "cat/short.wav", audio_factory.tone(880.0, 1.0, RATE_HZ), RATE_HZ)
    project = Project.open(root)
    project.scan()
    model = ClipTableModel()
    model.set_records(project.clips(include_missing=True))
    clip_panel = ClipListPanel(model)
    qtbot.addWidget(clip_panel)
    stack = QUndoStack()
    clip_list = FakeClipList()
    labels = LabelController(model, clip_list, stack, lambda: False)
    labels.set_project(project)
    view = ClipView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    regions = labels.regions
    errors: list[str] = []
    overlay = RegionOverlay(view, lambda: labels.project, stack, regions, labels.class_colours,
                            on_error=errors.append)
    playback = FakePlayback()
    panel = RegionListPanel(regions, lambda: labels.project, view, playback,
                            labels.class_colours)
    qtbot.addWidget(panel)
    panel.show()
    ids = project.clip_ids_by_path()
    clip_id = ids["dog/long.wav"]
    regions.set_clip(clip_id)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.show_clip(root / "dog/long.wav")
    yield SimpleNamespace(project=project, model=model, clip_panel=clip_panel, stack=stack,
                          labels=labels, view=view, overlay=overlay, panel=panel,
                          regions=regions, playback=playback, clip_id=clip_id, ids=ids,
                          errors=errors, clip_list=clip_list)
    stack.clear()
    panel.shutdown()  # its measuring task joined before its thread could outlive it
    view.shutdown()
    project.close()


def stored(rig) -> list[tuple]:
    """(begin_s, end_s, low_hz, high_hz, label) of each region of the clip, from the store."""
    return [(round(r.begin_s, 3), round(r.end_s, 3),
             None if r.low_hz is None else round(r.low_hz), None if r.high_hz is None
             else round(r.high_hz), r.label) for r in rig.project.regions(rig.clip_id)]


def add(rig, begin_s, end_s, **fields):
    command = AddRegionCommand(rig.project, rig.clip_id, begin_s, end_s,
                               on_changed=rig.regions.notify_changed, **fields)
    rig.stack.push(command)
    return command.record


def test_drag_on_the_spectrogram_adds_a_span_as_one_undo_step(rig):
    spec = rig.view.spec_plot
    drag(spec.vb, spec, (1.0, 2000.0), (2.5, 3000.0))
    assert stored(rig) == [(1.0, 2.5, None, None, None)]
    assert rig.stack.count() == 1
    (record,) = rig.project.regions(rig.clip_id)
    assert rig.regions.region_id == record.id  # the new region is selected, ready for a key
    wave_item, spec_item = rig.overlay.items(record.id)
    assert wave_item.getRegion() == pytest.approx((1.0, 2.5))
    assert spec_item.getRegion() == pytest.approx((1.0, 2.5))
    rig.stack.undo()
    assert stored(rig) == [] and rig.overlay.regions() == []
    rig.stack.redo()
    assert [r.id for r in rig.project.regions(rig.clip_id)] == [record.id]  # the same region


def test_the_mouse_draws_a_span_a_box_and_moves_a_span(rig):
    spec = rig.view.spec_plot
    mouse_drag(rig.view, spec, (1.0, 2000.0), (2.0, 2000.0))
    assert stored(rig) == [(pytest.approx(1.0, abs=0.02), pytest.approx(2.0, abs=0.02),
                            None, None, None)]
    mouse_drag(rig.view, spec, (1.5, 2000.0), (2.0, 4000.0))  # on its body: moves it in time
    (span,) = rig.project.regions(rig.clip_id)
    assert span.begin_s == pytest.approx(1.5, abs=0.02) and span.low_hz is None
    mouse_drag(rig.view, spec, (2.8, 3000.0), (3.6, 1000.0), shift=True)
    box = rig.project.regions(rig.clip_id)[1]
    assert (box.begin_s, box.end_s) == (pytest.approx(2.8, abs=0.02), pytest.approx(3.6, abs=0.02))
    assert (box.low_hz, box.high_hz) == (pytest.approx(1000, abs=50), pytest.approx(3000, abs=50))
    assert rig.stack.count() == 3


def test_drag_on_the_waveform_adds_a_span_clamped_to_the_clip(rig):
    wave = rig.view.wave_plot
    drag(wave.vb, wave, (3.0, 0.0), (DURATION_S + 2.0, 0.0))  # past the end: stops there
    assert stored(rig) == [(3.0, DURATION_S, None, None, None)]


def test_shift_drag_on_the_spectrogram_adds_a_box_with_its_band(rig):
    spec = rig.view.spec_plot
    drag(spec.vb, spec, (0.5, 3000.0), (1.5, 1000.0), shift=True)
    assert stored(rig) == [(0.5, 1.5, 1000, 3000, None)]
    (record,) = rig.project.regions(rig.clip_id)
    box = rig.overlay.items(record.id)[1]
    assert box.rect().top() == pytest.approx(1000.0) and box.rect().bottom() == pytest.approx(3000.0)
    # Shift on the waveform has no band to give: a plain span.
    wave = rig.view.wave_plot
    drag(wave.vb, wave, (2.0, 0.0), (3.0, 0.0), shift=True)
    assert stored(rig)[1] == (2.0, 3.0, None, None, None)


def test_with_boxes_first_a_plain_drag_on_the_spectrogram_adds_a_box(rig):
    rig.overlay.set_boxes_first(True)  # Raven's way
    spec, wave = rig.view.spec_plot, rig.view.wave_plot
    drag(spec.vb, spec, (0.5, 3000.0), (1.5, 1000.0))
    drag(spec.vb, spec, (2.0, 3000.0), (2.5, 1000.0), shift=True)  # Shift: a span
    drag(wave.vb, wave, (3.0, 0.0), (3.5, 0.0))  # the waveform has no band: a span
    assert stored(rig) == [(0.5, 1.5, 1000, 3000, None), (2.0, 2.5, None, None, None),
                           (3.0, 3.5, None, None, None)]
    for _ in range(3):
        rig.stack.undo()
    rig.panel.set_boxes_first(True)  # the hint says which drag draws what
    assert rig.panel.hint.full_text().startswith("Drag on the spectrogram for a box, Shift+drag")
    rig.panel.set_boxes_first(False)
    assert rig.panel.hint.full_text().startswith("Drag to mark a region, Shift+drag for a box")


def test_a_tiny_drag_adds_nothing(rig):
    spec = rig.view.spec_plot
    drag(spec.vb, spec, (1.0, 100.0), (1.0005, 100.0))
    assert stored(rig) == [] and rig.stack.count() == 0
    # A click whose hand slipped a few pixels, under the platform's drag distance, is a click.
    assert QApplication.startDragDistance() >= 6
    px_s = spec.vb.viewPixelSize()[0]
    drag(spec.vb, spec, (1.0, 100.0), (1.0 + 5 * px_s, 100.0))
    assert stored(rig) == [] and rig.stack.count() == 0
    drag(spec.vb, spec, (1.0, 100.0), (1.0 + 30 * px_s, 100.0))
    assert len(stored(rig)) == 1
    # A box counts by its longer side: a click's tall box only 3 px wide is one.
    px_hz = spec.vb.viewPixelSize()[1]
    drag(spec.vb, spec, (3.0, 500.0), (3.0 + 3 * px_s, 500.0 + 40 * px_hz), shift=True)
    assert len(stored(rig)) == 2 and stored(rig)[1][2] is not None


def test_moving_a_span_is_one_undo_step_and_both_plots_follow(rig):
    record = add(rig, 1.0, 2.0)
    wave_item, spec_item = rig.overlay.items(record.id)
    wave = rig.view.wave_plot
    drag(wave_item, wave, (1.5, 0.0), (2.0, 0.0))
    assert stored(rig) == [(1.5, 2.5, None, None, None)]
    assert spec_item.getRegion() == pytest.approx((1.5, 2.5))
    assert rig.stack.count() == 2 and rig.stack.undoText() == "Move region"
    rig.stack.undo()
    assert stored(rig) == [(1.0, 2.0, None, None, None)]
    assert wave_item.getRegion() == pytest.approx((1.0, 2.0))
    assert spec_item.getRegion() == pytest.approx((1.0, 2.0))


def test_a_span_moved_against_the_end_keeps_its_length(rig):
    record = add(rig, 1.0, 2.0)
    wave_item = rig.overlay.items(record.id)[0]
    drag(wave_item, rig.view.wave_plot, (1.5, 0.0), (DURATION_S + 5.0, 0.0))
    assert stored(rig) == [(DURATION_S - 1.0, DURATION_S, None, None, None)]


def test_resizing_an_edge_is_one_undo_step(rig):
    record = add(rig, 1.0, 2.0)
    spec_item = rig.overlay.items(record.id)[1]
    edge = spec_item.lines[1]
    drag(edge, rig.view.spec_plot, (2.0, 500.0), (3.25, 500.0))
    assert stored(rig) == [(1.0, 3.25, None, None, None)]
    assert rig.stack.undoText() == "Resize region"
    rig.stack.undo()
    assert stored(rig) == [(1.0, 2.0, None, None, None)]


def test_a_resize_the_store_refuses_puts_the_span_back_and_says_why(rig, monkeypatch):
    """The push deleted the failed command, and asking it whether it had failed raised
    "Internal C++ object (UpdateRegionCommand) already deleted": the span stayed as dragged."""
    from core.errors import RegionError

    record = add(rig, 1.0, 2.0)
    spec_item = rig.overlay.items(record.id)[1]

    def refuse(*_args, **_kwargs):
        raise RegionError("the store is read-only")

    monkeypatch.setattr(rig.project, "update_region", refuse)
    drag(spec_item.lines[1], rig.view.spec_plot, (2.0, 500.0), (3.25, 500.0))
    assert rig.errors and "the store is read-only" in rig.errors[-1]
    assert stored(rig) == [(1.0, 2.0, None, None, None)] and rig.stack.count() == 1
    assert rig.overlay.items(record.id)[1].getRegion() == pytest.approx((1.0, 2.0))


def test_moving_a_box_moves_its_time_and_band(rig):
    record = add(rig, 1.0, 2.0, low_hz=1000.0, high_hz=2000.0)
    box = rig.overlay.items(record.id)[1]
    drag(box, rig.view.spec_plot, (1.5, 1500.0), (2.0, 2500.0))
    assert stored(rig) == [(1.5, 2.5, 2000, 3000, None)]
    assert rig.overlay.items(record.id)[0].getRegion() == pytest.approx((1.5, 2.5))
    rig.stack.undo()
    assert stored(rig) == [(1.0, 2.0, 1000, 2000, None)]


def test_a_box_shows_its_handles_while_selected_and_its_edge_then_drags(rig):
    """Handles on the selected box only, as Raven draws them: a spectrogram of many boxes stays
    readable. Selected, a box's right edge drags to a new end as one undo step."""
    first = add(rig, 1.0, 2.0, low_hz=1000.0, high_hz=2000.0)
    second = add(rig, 2.5, 3.5, low_hz=1000.0, high_hz=2000.0)
    rig.regions.select(None)

    def shown(record) -> list[bool]:
        return [h.isVisible() for h in rig.overlay.items(record.id)[1].getHandles()]

    assert shown(first) == shown(second) == [False] * 4
    click(rig.view, rig.view.spec_plot, 1.5, 1500.0)
    assert rig.regions.region_id == first.id
    assert shown(first) == [True] * 4 and shown(second) == [False] * 4
    steps = rig.stack.count()
    mouse_drag(rig.view, rig.view.spec_plot, (2.0, 1500.0), (2.4, 1500.0))
    assert stored(rig)[0][:4] == (1.0, pytest.approx(2.4, abs=0.03), 1000, 2000)
    assert rig.stack.count() == steps + 1
    rig.regions.select(second.id)
    assert shown(first) == [False] * 4 and shown(second) == [True] * 4


def test_click_selects_the_region_under_it_and_elsewhere_seeks(rig, qtbot):
    long = add(rig, 1.0, 3.0)
    short = add(rig, 2.0, 2.5)
    rig.regions.select(None)
    click(rig.view, rig.view.wave_plot, 2.2)
    assert rig.regions.region_id == short.id  # the shortest of those under the click
    click(rig.view, rig.view.spec_plot, 1.2, 100.0)
    assert rig.regions.region_id == long.id
    assert rig.panel.model.row_of_id(long.id) == rig.panel.table.currentIndex().row()
    with qtbot.waitSignal(rig.view.seek_requested) as blocker:
        click(rig.view, rig.view.wave_plot, 3.5)
    assert rig.regions.region_id is None and blocker.args == [pytest.approx(3.5)]


def test_delete_removes_the_selected_region_and_undo_puts_it_back(rig):
    record = add(rig, 1.0, 2.0, label="cat")
    rig.regions.select(record.id)
    rig.clip_list.ids = [rig.clip_id]
    rig.labels.clear_selection()
    assert stored(rig) == [] and rig.regions.region_id is None
    assert rig.project.clip(rig.clip_id).label == "dog"  # the clip's label is untouched
    rig.stack.undo()
    assert rig.project.regions(rig.clip_id) == [record]  # exactly, id and all
    assert rig.overlay.regions() == [record]
    # No region selected: Delete clears the selected clips' labels, as before.
    rig.labels.clear_selection()
    assert rig.project.clip(rig.clip_id).label is None and len(stored(rig)) == 1


def test_a_label_holding_a_newline_is_one_line_in_the_list_and_on_the_waveform(rig):
    record = add(rig, 1.0, 2.0, label="cat\tcall\nlong")  # as a stranger's Raven table may hold
    assert rig.panel.model.index(0, LABEL).data() == "cat?call?long"
    assert rig.overlay.label_text(record.id) == "cat?call?long"


def test_class_keys_label_the_selected_region_not_the_clip(rig):
    record = add(rig, 1.0, 2.0)
    rig.clip_list.ids = [rig.clip_id]
    key = next(c.shortcut for c in rig.project.classes() if c.name == "cat")
    rig.regions.select(record.id)
    rig.labels.label_by_key(key)
    assert stored(rig) == [(1.0, 2.0, None, None, "cat")]
    assert rig.project.clip(rig.clip_id).label == "dog"
    assert rig.stack.undoText() == "Label region as cat"
    cat_colour = rig.labels.class_colours()["cat"]
    assert rig.overlay.items(record.id)[0].brush.color().name() == cat_colour
    assert rig.panel.model.index(0, LABEL).data() == "cat"
    assert rig.overlay.label_text(record.id) == "cat"  # written on the waveform
    rig.labels.label_selection(None)  # the label bar's Clear: the region's label, not the clip's
    assert stored(rig)[0][-1] is None and rig.project.clip(rig.clip_id).label == "dog"
    rig.stack.undo()
    rig.labels.add_class("bird")  # a new name typed in the label bar: the region gets it
    assert stored(rig)[0][-1] == "bird" and "bird" in rig.labels.class_names
    for _ in range(3):  # label bird, add class bird, label cat
        rig.stack.undo()
    assert stored(rig) == [(1.0, 2.0, None, None, None)] and "bird" not in rig.labels.class_names
    rig.regions.select(None)  # none selected: the key labels the clip again
    rig.labels.label_by_key(key)
    assert rig.project.clip(rig.clip_id).label == "cat"


def test_a_class_renamed_or_recoloured_shows_on_the_regions(rig):
    record = add(rig, 1.0, 2.0, label="cat")
    cat_colour = rig.labels.class_colours()["cat"]
    rig.stack.push(ClassEditCommand("Rename cat", rig.project,
                                    lambda p: p.rename_class("cat", "kitten"),
                                    rig.labels.classes_edited))
    assert rig.overlay.regions()[0].label == "kitten"
    assert rig.panel.model.index(0, LABEL).data() == "kitten"
    rig.stack.push(ClassEditCommand("Recolour", rig.project,
                                    lambda p: p.set_class_colour("kitten", "#123456"),
                                    rig.labels.classes_edited))
    assert rig.overlay.items(record.id)[1].brush.color().name() == "#123456"
    rig.stack.undo()
    rig.stack.undo()
    assert rig.overlay.regions()[0].label == "cat"
    assert rig.overlay.items(record.id)[1].brush.color().name() == cat_colour


def test_selecting_a_region_says_what_the_keys_do(rig, qtbot):
    record = add(rig, 1.0, 2.5)
    rig.regions.select(None)
    with qtbot.waitSignal(rig.labels.status) as blocker:
        rig.regions.select(record.id)
    assert "1.00–2.50 s" in blocker.args[0] and "Delete" in blocker.args[0]
    assert "the class keys label it" in blocker.args[0]  # dog and cat hold keys 1 and 2
    # With no class yet there is no key: said how to make one (it spoke of class keys).
    rig.labels.class_names = []
    rig.regions.select(None)
    with qtbot.waitSignal(rig.labels.status) as blocker:
        rig.regions.select(record.id)
    assert "type a class name in the label bar (L) to label it" in blocker.args[0]


def test_region_list_keys_step_zoom_and_play(rig, qtbot):
    add(rig, 2.5, 3.0, low_hz=500.0, high_hz=1500.0)
    first = add(rig, 0.5, 1.0)
    rig.regions.select(None)
    model = rig.panel.model
    assert [model.index(r, BEGIN).data() for r in range(2)] == ["0.50", "2.50"]
    assert model.index(1, BAND).data() == "500–1,500 Hz"
    rig.panel.next_action.trigger()
    assert rig.regions.region_id == first.id
    start_s, end_s = rig.view.view_range()
    assert start_s <= 0.5 and 1.0 <= end_s <= 2.0  # the region, with some context
    rig.panel.next_action.trigger()
    second = model.record(1)
    assert rig.regions.region_id == second.id
    rig.panel.next_action.trigger()  # the last stays selected
    assert rig.regions.region_id == second.id
    rig.panel.play_action.trigger()
    assert rig.playback.ranges == [(2.5, 3.0)]
    assert rig.playback.bands == [(500.0, 1500.0)]  # played in its band with Band Only on
    rig.panel.previous_action.trigger()
    assert rig.regions.region_id == first.id
    rig.panel.table.selectRow(1)  # a click on a row
    assert rig.regions.region_id == second.id
    rig.regions.set_clip(rig.ids["cat/short.wav"])  # another clip: its (no) regions
    assert model.rowCount() == 0 and rig.regions.region_id is None


def test_region_table_model_passes_qt_model_tester(rig, qtmodeltester):
    add(rig, 0.5, 1.0, label="cat")
    add(rig, 2.0, 3.0, low_hz=100.0, high_hz=200.0)
    qtmodeltester.check(rig.panel.model)


def test_clip_list_counts_regions_per_file(rig):
    table = rig.clip_panel.table
    row = rig.model.row_of_id(rig.clip_id)
    assert table.isColumnHidden(REGIONS)  # no regions in the project yet
    add(rig, 0.5, 1.0)
    add(rig, 2.0, 3.0)
    assert rig.model.index(row, REGIONS).data() == "2" and not table.isColumnHidden(REGIONS)
    other = rig.model.row_of_id(rig.ids["cat/short.wav"])
    assert rig.model.index(other, REGIONS).data() == ""
    rig.stack.undo()
    assert rig.model.index(row, REGIONS).data() == "1"
    rig.stack.undo()
    assert rig.model.index(row, REGIONS).data() == "" and table.isColumnHidden(REGIONS)


def test_a_region_the_store_refuses_never_sits_on_the_stack(rig):
    errors: list[str] = []
    command = AddRegionCommand(rig.project, rig.clip_id, 1.0, DURATION_S + 1.0,
                               on_changed=rig.regions.notify_changed, on_error=errors.append)
    rig.stack.push(command)
    assert rig.stack.count() == 0 and stored(rig) == []
    assert errors and "past the end" in errors[0]


def test_update_and_delete_commands_restore_exactly(rig):
    record = add(rig, 1.0, 2.0, label="cat")
    changed: list[int] = []
    rig.stack.push(UpdateRegionCommand(rig.project, record, {"low_hz": 100.0, "high_hz": 900.0},
                                       changed.append))
    assert rig.stack.undoText() == "Set region band" and changed == [rig.clip_id]
    other = add(rig, 3.0, 3.5)
    rig.stack.push(DeleteRegionsCommand(rig.project, [record.id, other.id], changed.append))
    assert rig.stack.undoText() == "Delete 2 regions" and stored(rig) == []
    for _ in range(3):  # the delete, the other's add, the band
        rig.stack.undo()
    assert rig.project.regions(rig.clip_id) == [record]
    with pytest.raises(ValueError):
        UpdateRegionCommand(rig.project, record, {"source": "model"})


def test_import_regions_is_one_undo_step(rig, tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_text("path,begin_s,end_s,label\ndog/long.wav,0.5,1.0,bark\n"
                   "dog/long.wav,2.0,2.25,bark\n")
    done: list[list] = []
    specs = region_io.plan_regions_files(rig.project, [(csv, None)]).specs
    rig.stack.push(ImportRegionsCommand(rig.project, specs, "events.csv",
                                        lambda added, _changed: done.append(added)))
    assert rig.stack.undoText() == "Import regions from events.csv"
    assert stored(rig) == [(0.5, 1.0, None, None, "bark"), (2.0, 2.25, None, None, "bark")]
    assert [r.source for r in done[0]] == ["import", "import"]
    assert "bark" in [c.name for c in rig.project.classes()]
    rig.stack.undo()
    assert stored(rig) == []
    assert "bark" not in [c.name for c in rig.project.classes()]  # the class it made goes too
    rig.stack.redo()  # the same records again
    assert [r.id for r in rig.project.regions(rig.clip_id)] == [r.id for r in done[0]]


def test_model_events_are_dashed_with_their_score_and_rejected_ones_hidden(rig):
    from core.store.records import RegionSpec

    manual = add(rig, 0.2, 0.6, label="dog")
    found, gone = rig.project.replace_model_regions(rig.clip_id, [
        RegionSpec(rig.clip_id, 1.0, 1.5, "dog", score=0.64),
        RegionSpec(rig.clip_id, 2.0, 2.5, "dog", score=0.3)])[1]
    rig.project.review_region(gone.id, "reject")
    rig.regions.notify_changed(rig.clip_id)
    assert [r.id for r in rig.overlay.regions()] == [manual.id, found.id]
    wave, spec = rig.overlay.items(found.id)
    assert wave.lines[0].pen.style() == Qt.PenStyle.DashLine
    assert "64% by the model that found it" in wave.toolTip() and "not reviewed" in spec.toolTip()
    manual_wave, _ = rig.overlay.items(manual.id)
    assert manual_wave.lines[0].pen.style() == Qt.PenStyle.SolidLine
    [searched] = rig.project.replace_model_regions(rig.clip_id, [
        RegionSpec(rig.clip_id, 3.0, 3.5, "call", score=0.99)], {"call"}, "loud")[1]
    rig.regions.notify_changed(rig.clip_id)
    assert ("20 dB above its band's background (Find Loud Events)"
            in rig.overlay.items(searched.id)[0].toolTip())
    [similar] = rig.project.replace_model_regions(rig.clip_id, [
        RegionSpec(rig.clip_id, 0.2, 0.6, "call", score=0.853)], {"call"}, "similar")[1]
    rig.regions.notify_changed(rig.clip_id)
    cell = rig.panel.model.index(rig.panel.model.row_of_id(similar.id), SCORE)
    assert cell.data() == "match 0.85"  # whole in its column, not "matc…"
    assert (rig.panel.table.fontMetrics().horizontalAdvance(cell.data()) + 14
            <= rig.panel.table.columnWidth(SCORE))
    # Accepted, a search's score goes: a loud call read "99%" as a person's region.
    rig.project.review_region(searched.id, "accept")
    assert rig.project.region(searched.id).score is None
    rig.project.review_region(found.id, "accept")  # accepted: a person's region, drawn solid
    rig.regions.notify_changed(rig.clip_id)
    assert rig.overlay.items(found.id)[0].lines[0].pen.style() == Qt.PenStyle.SolidLine


def test_the_review_queue_zooms_to_each_event_plays_it_and_selects_it(rig, qtbot, settings):
    from core.store.records import RegionSpec
    from gui.model.dock import ModelDock

    dock = ModelDock(rig.model, rig.clip_panel, rig.stack, lambda *_: None, settings=settings)
    qtbot.addWidget(dock)
    dock.set_project(rig.project)
    dock.connect_clips(rig.view, rig.playback, rig.labels)
    short = rig.ids["cat/short.wav"]
    rig.project.replace_model_regions(rig.clip_id, [
        RegionSpec(rig.clip_id, 2.0, 2.4, "dog", score=0.4)])
    rig.project.replace_model_regions(short, [RegionSpec(short, 0.2, 0.5, "cat", score=0.9)])
    dock.refresh_events()
    first, second = dock.review.queue()
    dock.review.show_row(0)  # in the file on show: at once
    assert rig.regions.region_id == first.id
    assert rig.playback.ranges[-1] == (2.0, 2.4)
    start_s, end_s = rig.view.view_range()
    assert start_s == pytest.approx(1.5, abs=0.01) and end_s == pytest.approx(2.9, abs=0.01)
    dock.review.select_next()  # in another file: the clip list goes there, then once it is shown
    assert rig.clip_panel.current_id() == short
    with qtbot.waitSignal(rig.view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        rig.view.show_clip(rig.project.abspath(rig.project.clip(short)))
    assert rig.regions.clip_id == short and rig.regions.region_id == second.id
    assert rig.playback.ranges[-1] == (0.2, 0.5)
    assert rig.playback.bands[-1] is None  # a span over all frequencies
    dock.shutdown()


def test_many_regions_get_items_only_near_the_view_and_the_rest_are_painted_together(
        rig, qtbot, monkeypatch):
    import gui.clips.region_overlay as overlay_module
    from core.store.records import RegionSpec

    monkeypatch.setattr(overlay_module, "MAX_EDITABLE", 5)
    project = rig.project
    specs = [RegionSpec(rig.clip_id, 0.1 + 0.19 * k, 0.2 + 0.19 * k, "dog" if k % 2 else None,
                        *((500.0, 1500.0) if k % 3 == 0 else (None, None)))
             for k in range(20)]
    added = project.add_regions(specs, source="manual")
    rig.regions.notify_changed(rig.clip_id)
    overlay, (wave_summary, spec_summary) = rig.overlay, rig.overlay._summaries
    # The whole clip on show: 20 regions near it, more than 5, so none is editable.
    assert overlay.editable_ids() == set()
    assert wave_summary.span_count() == spec_summary.span_count() == 20
    # Painted over the plot's height as it is now (not as it was when the layer was made).
    assert spec_summary.boundingRect().height() == pytest.approx(RATE_HZ / 2)
    assert spec_summary.boundingRect().left() == pytest.approx(0.1)
    assert len(overlay.regions()) == 20 and rig.panel.model.rowCount() == 20
    # A click on one selects it through the records, and the selected one is editable.
    click(rig.view, rig.view.wave_plot, 0.15)
    assert rig.regions.region_id == added[0].id
    assert overlay.editable_ids() == {added[0].id} and wave_summary.span_count() == 19
    box = overlay.items(added[0].id)[1]
    assert box.rect().top() == pytest.approx(500.0)  # a region with a band is a box
    rig.regions.select(None)
    # Zoomed in: the few regions near the view (half its width either side) get items, the
    # others stay painted.
    with qtbot.waitSignal(rig.view.view_range_changed, timeout=LOAD_TIMEOUT_MS):
        rig.view.set_view_range(1.0, 1.3)
    start_s, end_s = rig.view.view_range()
    margin_s = (end_s - start_s) / 2
    near = {r.id for r in added if r.end_s >= start_s - margin_s and r.begin_s <= end_s + margin_s}
    assert overlay.editable_ids() == near and 0 < len(near) <= 5
    assert wave_summary.span_count() == 20 - len(near)
    dog = next(r for r in added if r.id in near and r.label == "dog")
    assert overlay.items(dog.id)[0].brush.color().name() == rig.labels.class_colours()["dog"]
    # Painting the summary draws only what is in view, and needs no mouse.
    assert wave_summary.acceptedMouseButtons() == Qt.MouseButton.NoButton
    rig.view.grab()


def test_items_scrolled_out_of_view_are_shown_again_for_the_regions_scrolled_in(rig, qtbot):
    """Scrolling hides the items of the regions left behind and shows them again, placed,
    labelled and wired, for the regions come into view (no new items made); a drag on such an
    item edits its new region, and a box's items never serve a span."""
    from core.store.records import RegionSpec

    early = rig.project.add_regions([RegionSpec(rig.clip_id, 0.1, 0.2, "dog"),
                                     RegionSpec(rig.clip_id, 0.3, 0.4, None, 500.0, 900.0)],
                                    source="manual")
    late = rig.project.add_regions([RegionSpec(rig.clip_id, 3.5, 3.6, "cat"),
                                    RegionSpec(rig.clip_id, 3.7, 3.8, "dog", 600.0, 800.0)],
                                   source="manual")
    rig.regions.notify_changed(rig.clip_id)
    overlay = rig.overlay
    with qtbot.waitSignal(rig.view.view_range_changed, timeout=LOAD_TIMEOUT_MS):
        rig.view.set_view_range(0.0, 0.5)
    assert overlay.editable_ids() == {r.id for r in early}
    before = {id(item) for r in early for item in overlay.items(r.id)}
    with qtbot.waitSignal(rig.view.view_range_changed, timeout=LOAD_TIMEOUT_MS):
        rig.view.set_view_range(3.4, 3.9)
    assert overlay.editable_ids() == {r.id for r in late}
    assert {id(item) for r in late for item in overlay.items(r.id)} == before  # none made
    span_wave, span_spec = overlay.items(late[0].id)
    assert span_wave.isVisible() and span_wave.getRegion() == pytest.approx((3.5, 3.6))
    assert span_spec.getRegion() == pytest.approx((3.5, 3.6))
    assert overlay.label_text(late[0].id) == "cat"
    assert span_wave.brush.color().name() == rig.labels.class_colours()["cat"]
    assert overlay.items(late[1].id)[1].rect().top() == pytest.approx(600.0)
    drag(span_wave, rig.view.wave_plot, (3.55, 0.0), (3.65, 0.0))
    moved = rig.project.regions(rig.clip_id)
    assert [(r.begin_s, r.end_s) for r in moved if r.id == late[0].id] == \
        [(pytest.approx(3.6), pytest.approx(3.7))]
    assert [(r.begin_s, r.end_s) for r in moved if r.id == early[0].id] == [(0.1, 0.2)]


def test_reading_the_same_regions_again_does_not_group_the_summary_layers_again(
        rig, monkeypatch):
    """Showing a clip reads its regions twice (chosen, then shown); with thousands of regions,
    grouping the summary layers is the costly part, done again only when a region changed."""
    from core.store.records import RegionSpec
    from gui.clips.region_summary import RegionSummary

    rig.project.add_regions([RegionSpec(rig.clip_id, 0.1 * k, 0.1 * k + 0.05, "dog")
                             for k in range(30)], source="manual")
    rig.regions.notify_changed(rig.clip_id)
    groupings = []
    original = RegionSummary.set_spans
    monkeypatch.setattr(RegionSummary, "set_spans",
                        lambda self, spans: (groupings.append(len(spans)), original(self, spans)))
    rig.overlay.refresh()
    assert groupings == []
    (first, *_) = rig.project.regions(rig.clip_id)
    rig.project.update_region(first.id, label="cat")
    rig.overlay.refresh()
    assert groupings == [30, 30]  # the waveform's layer and the spectrogram's


def test_summary_spans_clip_widen_and_merge():
    """The summary layer draws what reaches into the view, each span at least the minimum wide,
    overlapping ones as one rectangle (sorted by begin, as the layer keeps them)."""
    from gui.clips.region_summary import merged_spans

    begins = np.array([0.0, 1.0, 1.5, 5.0, 9.0, 20.0])
    ends = np.array([0.5, 2.0, 1.6, 5.01, 9.5, 21.0])
    one_band = np.zeros(len(begins), dtype=np.int64)
    merged = merged_spans(begins, ends, one_band, 0.8, 10.0, 0.1)[0]
    assert merged.tolist() == [[1.0, 2.0], [5.0, 5.1], [9.0, 9.5]]
    # Zoomed out, the minimum width joins neighbours; nothing in view gives no rectangle.
    assert merged_spans(begins, ends, one_band, 0.0, 30.0, 4.0)[0].tolist() == [[0.0, 13.0],
                                                                              [20.0, 24.0]]
    assert merged_spans(begins, ends, one_band, 30.0, 40.0, 0.1)[0].shape == (0, 2)


def test_summary_boxes_merge_within_their_band_only(qtbot):
    """Boxes were grouped by colour and band: 5,000 boxes of a Raven table, each with its own
    band, made 5,000 groups filtered and painted one by one (a fifth of a second a step). One
    group a colour now; boxes of one band still merge where they overlap, others never."""
    from PySide6.QtGui import QColor, QImage, QPainter

    from gui.clips.region_summary import RegionSummary

    fill = QColor(255, 0, 0, 80)
    summary = RegionSummary()
    spans = [(1, 0.0, 2.0, 100.0, 200.0, fill), (2, 1.0, 3.0, 100.0, 200.0, fill),  # one band
             (3, 1.5, 2.5, 300.0, 400.0, fill),  # overlaps in time, another band
             (4, 5.0, 6.0, None, None, fill)]  # the full height
    spans += [(10 + k, 10.0 + k, 10.5 + k, 50.0 + k, 60.0 + k, fill) for k in range(5000)]
    summary.set_spans(spans)
    assert len(summary._groups) == 1 and summary.span_count() == 5004
    drawn = []

    class Painter(QPainter):
        def drawRects(self, rects):  # noqa: N802 - Qt's name
            drawn.extend((r.left(), r.right(), r.top(), r.bottom()) for r in rects)

    summary.viewRect = lambda: QRectF(0.0, 0.0, 8.0, 1000.0)
    summary.pixelWidth = lambda: 0.0
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = Painter(image)
    summary.paint(painter)
    painter.end()
    assert sorted(drawn) == [(0.0, 3.0, 100.0, 200.0), (1.5, 2.5, 300.0, 400.0),
                             (5.0, 6.0, 0.0, 1000.0)]
    summary.leave_out(frozenset({2}))
    assert summary.span_count() == 5003


def test_summary_spans_that_touch_merge_in_any_band_exactly():
    """The running maximum over bands lifted apart was lifted back down with rounding: spans of
    a later band that touch (one ends where the next begins) stayed apart, ends off by 1e-8 s."""
    from gui.clips.region_summary import merged_spans

    begins = np.array([0.1, 80000.3, 86399.7, 86400.1])
    ends = np.array([0.2, 86399.7, 86400.1, 86400.3])
    bands = np.array([0, 7, 7, 7])
    rects, of_band = merged_spans(begins, ends, bands, 0.0, 90000.0, 0.0)
    assert rects.tolist() == [[0.1, 0.2], [80000.3, 86400.3]] and of_band.tolist() == [0, 7]


def test_region_labels_thin_out_when_zoomed_out_and_come_back_when_zoomed_in(rig, qtbot):
    """Eight labelled calls 50 ms apart: over the whole 4 s clip their labels would overprint,
    so only some show (the first, and the selected one always); zoomed in, all of them."""
    from core.store.records import RegionSpec

    added = rig.project.add_regions(
        [RegionSpec(rig.clip_id, 0.5 + 0.05 * k, 0.53 + 0.05 * k, "dog") for k in range(8)],
        source="manual")
    # An unlabelled region just before them takes no room from the first label.
    rig.project.add_regions([RegionSpec(rig.clip_id, 0.49, 0.5, None)], source="manual")
    rig.regions.notify_changed(rig.clip_id)
    overlay = rig.overlay
    assert {r.id for r in added} <= overlay.editable_ids()
    shown = overlay.shown_label_ids()
    assert added[0].id in shown and 1 <= len(shown) < 8
    rig.regions.select(added[1].id)
    assert added[1].id in overlay.shown_label_ids()
    with qtbot.waitSignal(rig.view.view_range_changed, timeout=LOAD_TIMEOUT_MS):
        rig.view.set_view_range(0.45, 0.95)
    assert {r.id for r in added} <= overlay.shown_label_ids()
    # Shown again, a label keeps its text (pyqtgraph writes its format on showing).
    assert {overlay.label_text(r.id) for r in added} == {"dog"}


def test_a_label_is_written_above_the_waveform_at_its_begin_and_the_views_top(rig):
    # The span sits behind the waveform's line; its label, a child of the span, hid behind a
    # loud call's waveform reaching the top of the view.
    record = add(rig, 1.0, 2.0, label="owl")
    name = rig.overlay.items(record.id)[0].name
    curves = rig.view.wave_plot.listDataItems()
    assert curves and all(name.zValue() > curve.zValue() for curve in curves)
    box = rig.view.wave_plot.getViewBox()
    assert (name.pos().x(), name.pos().y()) == pytest.approx((1.0, box.viewRange()[1][1]))
    top = box.viewRange()[1][1]
    box.setYRange(-top / 2, top / 2, padding=0)  # a quieter clip's height, say
    assert name.pos().y() == pytest.approx(top / 2)
    rig.stack.push(UpdateRegionCommand(rig.project, record, {"begin_s": 1.5},
                                       on_changed=rig.regions.notify_changed))
    assert name.pos().x() == pytest.approx(1.5)


def test_a_class_renamed_while_a_scan_runs_shows_its_new_name(rig):
    """While a scan runs, labels set by hand win over the scan's records (read before them);
    a class renamed then was put back to its old name on those clips, a class no longer there,
    to the scan's end and after it."""
    rig.model.protect_local_labels(True)  # as the scan controller does while a scan runs
    rig.clip_list.ids = [rig.clip_id]
    rig.regions.select(None)
    rig.labels.label_by_key(next(c.shortcut for c in rig.project.classes() if c.name == "cat"))
    stale = rig.project.clips(include_missing=True)  # the scan's records, read before the rename
    rig.stack.push(ClassEditCommand("Rename cat", rig.project,
                                    lambda p: p.rename_class("cat", "kitten"),
                                    rig.labels.classes_edited))
    assert rig.model.record_by_id(rig.clip_id).label == "kitten"
    rig.model.sync_records(stale)  # the scan's end
    rig.model.protect_local_labels(False)
    assert rig.model.record_by_id(rig.clip_id).label == "kitten"


@pytest.mark.parametrize("source, score, text", [
    ("model", 0.873, "87%"), ("model", 0.999, ">99%"), ("import", 0.5, "50%"),
    ("import", 3.2, "score 3.2"),  # another tool's score, no probability: not ">99%"
    ("loud", 0.99, "20 dB"), ("loud", 0.9, "10 dB"), ("loud", 1.0, "120 dB"),
    ("similar", 0.853, "match 0.85"), ("search", 0.99, "score 0.99"), ("manual", None, "")])
def test_an_event_s_score_reads_as_what_it_measures(source, score, text):
    """Find Loud Events' events read "99%" for any loud call (the share of the loudest moment's
    power above the background), as though a model were sure of their class."""
    from gui.clips.region_items import score_text

    record = RegionRecord(1, 1, 0.0, 1.0, None, None, "call", source, score, 0.0, 0.0,
                          "unreviewed", None)
    assert score_text(record) == text


def test_an_accepted_event_says_who_found_it_in_the_list_and_its_tooltip():
    """Accepted, a match of Find Similar Calls is a person's region that still reads "match
    0.62" and "similar ✓" (its tooltip: accepted), so a list of a night's calls tells checked
    matches from calls drawn by hand."""
    from gui.clips.region_items import region_tooltip, score_text, source_text

    accepted = RegionRecord(1, 1, 0.0, 1.0, None, None, "owl", "manual", None, 0.0, 0.0, None,
                            None, "similar", 0.62)
    drawn = RegionRecord(2, 1, 0.0, 1.0, None, None, "owl", "manual", None, 0.0, 0.0)
    assert (score_text(accepted), source_text(accepted)) == ("match 0.62", "similar \u2713")
    assert (score_text(drawn), source_text(drawn)) == ("", "manual")
    assert region_tooltip(accepted).endswith(
        "match 0.62 with its template (Find Similar Calls) · accepted")
    assert region_tooltip(drawn) == "owl: 0.00–1.00 s"
