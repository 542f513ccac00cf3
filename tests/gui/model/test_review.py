"""The detect-and-review loop in the app: the review queue's order, accepting, rejecting and
relabelling events through the undo stack (the store checked after each step and after undo),
the detection command's undo, the detection task off the GUI thread, and the clip list's event
filters."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from core.audio.spans import same_call
from core.errors import AudioError
from core.ml.detection import Event
from core.store.project import Project
from core.store.records import RegionSpec
from core.workflow.events import disagreeing_clips
from gui.clips.clip_list_panel import ClipListPanel
from gui.clips.clip_table import FILTER_EVENTS_DISAGREE, FILTER_UNREVIEWED, ClipTableModel
from gui.model import review_panel, workers
from gui.model.detection_commands import DetectEventsCommand, ReviewRegionCommand
from gui.model.dock import ModelDock
from gui.model.review_panel import (
    ORDER_CLASS,
    ORDER_SUREST,
    ReviewPanel,
    review_queue,
)
from tests import audio_factory

RATE_HZ = 8000


@pytest.fixture
def project(tmp_path):
    """A scanned project: a.wav and b.wav (2 s each) and long.wav (31 s, searched by
    Detect Events for its length)."""
    root = tmp_path / "audio"
    for name, seconds in (("a.wav", 2.0), ("b.wav", 2.0), ("long.wav", 31.0)):
        audio_factory.write(root / name, audio_factory.tone(440.0, seconds, RATE_HZ), RATE_HZ)
    project = Project.open(root)
    project.scan()
    yield project
    project.close()


def clip_ids(project) -> dict[str, int]:
    return {c.path: c.id for c in project.clips()}


def events(project, clip_id, *spans) -> list:
    """Store ``spans`` ((begin_s, end_s, label, score)) as ``clip_id``'s unreviewed events."""
    return project.replace_model_regions(
        clip_id, [RegionSpec(clip_id, b, e, label=label, score=score)
                  for b, e, label, score in spans])[1]


def state(project, region_id) -> tuple:
    r = project.region(region_id)
    return (r.label, r.source, r.status)


def test_queue_is_least_sure_first_surest_first_or_by_class(project):
    ids = clip_ids(project)
    events(project, ids["a.wav"], (0.1, 0.5, "dog", 0.9), (0.6, 0.9, "cat", 0.55))
    events(project, ids["b.wav"], (0.2, 0.4, "dog", 0.6), (1.0, 1.5, "cat", 0.8))
    manual = project.add_region(ids["a.wav"], 1.0, 1.5, label="dog", source="manual")
    records = project.regions()
    by_score = review_queue(records)
    assert [(r.label, r.score) for r in by_score] == [
        ("cat", 0.55), ("dog", 0.6), ("cat", 0.8), ("dog", 0.9)]
    assert manual.id not in {r.id for r in by_score}  # a person's region is never queued
    surest = review_queue(records, ORDER_SUREST)
    assert [(r.label, r.score) for r in surest] == [
        ("dog", 0.9), ("cat", 0.8), ("dog", 0.6), ("cat", 0.55)]
    by_class = review_queue(records, ORDER_CLASS)
    assert [(r.label, r.score) for r in by_class] == [
        ("cat", 0.55), ("cat", 0.8), ("dog", 0.6), ("dog", 0.9)]
    assert project.unreviewed_counts() == {ids["a.wav"]: 2, ids["b.wav"]: 2}


def test_detect_command_undo_restores_the_previous_events(project):
    ids = clip_ids(project)
    a = ids["a.wav"]
    old = events(project, a, (0.1, 0.5, "dog", 0.7))
    kept = project.add_region(a, 1.2, 1.6, label="cat", source="manual")
    stack, told = QUndoStack(), []
    command = DetectEventsCommand(project, {a: [RegionSpec(a, 0.3, 0.8, "cat", score=0.9)],
                                            ids["b.wav"]: []}, "m1", on_changed=told.append)
    stack.push(command)
    assert command.text() == "Detect 1 event by m1 in 2 files"
    after = project.regions(a)
    assert [(r.begin_s, r.label, r.status) for r in after] == [
        (0.3, "cat", "unreviewed"), (1.2, "cat", None)]
    assert told == [a, ids["b.wav"]]
    new_ids = [r.id for r in command.added]
    stack.undo()
    assert project.regions(a) == [old[0], kept]  # the old event back, exactly (same id)
    stack.redo()
    assert [r.id for r in project.regions(a) if r.status == "unreviewed"] == new_ids
    assert project.region(kept.id) == kept


@pytest.fixture
def panel(qtbot, project):
    stack = QUndoStack()
    review = ReviewPanel(lambda: project, stack)
    qtbot.addWidget(review)
    shown, told = [], []
    review.go_to, review.on_changed = shown.append, told.append
    return SimpleNamespace(review=review, stack=stack, shown=shown, told=told)


def test_a_night_of_events_is_counted_and_not_ordered_again_for_the_same_read(
        qtbot, project, panel, monkeypatch):
    long_id = clip_ids(project)["long.wav"]
    events(project, long_id, *[(k * 0.025, k * 0.025 + 0.02, "dog", 0.5) for k in range(1200)])
    review = panel.review
    review.refresh()
    assert review.count_label.text() == "1,200 events to review"
    first_item, ordered = review.list.item(0), []
    monkeypatch.setattr(review_panel, "review_queue",
                        lambda *args: ordered.append(1) or review_queue(*args))
    review.refresh(project.regions())  # the window's filters refresh, with the same read
    assert not ordered and review.list.item(0) is first_item and review.list.count() == 1200
    review.show_row(0)
    review.accept_current()
    assert review.count_label.text() == "1,199 events to review"
    assert review.list.count() == 1199 and review.list.item(0) is not first_item


def test_accept_reject_relabel_through_the_undo_stack(qtbot, project, panel):
    ids = clip_ids(project)
    first, second, third = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5),
                                  (0.5, 0.9, "dog", 0.6), (1.0, 1.5, "dog", 0.7))
    review, stack = panel.review, panel.stack
    review.set_class_keys({"1": "dog", "2": "cat"})
    review.refresh()
    assert [r.id for r in review.queue()] == [first.id, second.id, third.id]
    review.show_row(0)
    assert panel.shown[-1].id == first.id  # shown (zoomed to and played by the dock)
    # A long line is cut at its end, the file's name, never behind a scroll bar ("· ch 2" was
    # hidden); what tells the events apart leads (cut in its middle, one file's name read
    # differently on each row).
    assert review.list.textElideMode() == Qt.TextElideMode.ElideRight
    assert review.list.item(0).text() == "dog 50% · 0.10–0.40 s · a.wav"
    assert review.list.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff

    review.accept_current()
    assert state(project, first.id) == ("dog", "manual", None)
    assert [r.id for r in review.queue()] == [second.id, third.id]
    assert review.current().id == second.id and panel.shown[-1].id == second.id
    assert panel.told == [ids["a.wav"]]

    review.reject_current()
    assert state(project, second.id) == ("dog", "model", "rejected")
    assert review.current().id == third.id

    review.list.setFocus()
    qtbot.keyClick(review.list, Qt.Key.Key_2)  # the class key relabels and accepts
    assert state(project, third.id) == ("cat", "manual", None)
    assert review.queue() == [] and review.current() is None
    assert [stack.text(i) for i in range(stack.count())] == [
        "Accept event dog", "Reject event dog", "Accept event as cat"]

    stack.undo()
    assert state(project, third.id) == ("dog", "model", "unreviewed")
    stack.undo()
    assert state(project, second.id) == ("dog", "model", "unreviewed")
    stack.undo()
    assert state(project, first.id) == ("dog", "model", "unreviewed")
    assert project.region(first.id) == first  # exactly as stored by the detection
    assert [r.id for r in review.queue()] == [first.id, second.id, third.id]
    stack.redo()
    assert state(project, first.id) == ("dog", "manual", None)


def test_the_review_buttons_are_off_with_an_empty_queue(project, panel):
    """Previous, Accept, Reject and Next looked live with no event to review, and did nothing."""
    from PySide6.QtWidgets import QPushButton

    review = panel.review
    buttons = {b.text(): b for b in review.findChildren(QPushButton)
               if b.text() in ("Previous", "Accept", "Reject", "Next")}
    review.refresh()
    assert len(buttons) == 4 and not any(b.isEnabled() for b in buttons.values())
    # What would fill the queue is said in the empty list, not squeezed beside the order box.
    assert review.count_label.text() == "No events to review"
    assert review.list.empty_text().startswith("Detect Events runs the active model")
    events(project, clip_ids(project)["a.wav"], (0.1, 0.4, "dog", 0.5))
    review.refresh()
    assert all(b.isEnabled() for b in buttons.values()) and review.list.empty_text() == ""


def test_a_verdict_key_on_an_event_not_yet_shown_shows_it_first(qtbot, project, panel):
    # Before: a new queue's first event was made current without being shown, so A or R gave
    # a verdict on an event the person never saw (the view was on another file).
    ids = clip_ids(project)
    first, second = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5), (0.5, 0.9, "dog", 0.6))
    review, told = panel.review, []
    review.message.connect(lambda text, kind: told.append(text))
    review.refresh()  # the tab out of view: the event is current, the view not moved
    assert review.current().id == first.id and panel.shown == []
    review.accept_current()
    assert state(project, first.id) == ("dog", "model", "unreviewed")  # no verdict given
    assert panel.shown[-1].id == first.id and "press the key again" in told[-1]
    review.accept_current()
    assert state(project, first.id) == ("dog", "manual", None)
    assert review.current().id == second.id and panel.shown[-1].id == second.id
    review.reject_from_current()  # shown after the last verdict: given at once
    assert state(project, second.id) == ("dog", "model", "rejected")
    # With the tab in view, a new queue's first event is shown as it comes.
    review.show()
    third, = events(project, ids["b.wav"], (0.2, 0.6, "cat", 0.7))
    review.refresh()
    assert review.current().id == third.id and panel.shown[-1].id == third.id


def test_surest_first_accept_the_top_and_reject_the_rest_in_one_step_each(qtbot, project,
                                                                          panel):
    ids = clip_ids(project)
    found = events(project, ids["a.wav"], (0.1, 0.3, "owl", 0.9), (0.5, 0.7, "owl", 0.5))
    found += events(project, ids["long.wav"], (1.0, 1.2, "owl", 0.8), (2.0, 2.2, "owl", 0.4),
                    (3.0, 3.2, "owl", 0.3))
    review, stack = panel.review, panel.stack
    said = []
    review.message.connect(lambda text, kind: said.append((text, kind)))
    review.show_surest_first()
    assert [r.score for r in review.queue()] == [0.9, 0.8, 0.5, 0.4, 0.3]
    review.show_row(1)  # the 0.8: it and the 0.9 above it are good matches
    assert review.accept_above_action.shortcut().toString() == "Shift+A"
    review.accept_above_action.trigger()
    assert [r.score for r in review.queue()] == [0.5, 0.4, 0.3]
    assert review.current().score == 0.5  # on to the best one left
    assert {state(project, r.id) for r in found if r.score > 0.6} == {("owl", "manual", None)}
    assert said[-1] == ("Accepted 2 events; Ctrl+Z undoes it.", "info")
    review.show_row(1)  # the 0.4 and below: no longer the call
    assert review.reject_below_action.shortcut().toString() == "Shift+R"
    review.reject_below_action.trigger()
    assert [r.score for r in review.queue()] == [0.5] and review.current().score == 0.5
    assert {state(project, r.id) for r in found if r.score < 0.45} == {
        ("owl", "model", "rejected")}
    assert [stack.text(i) for i in range(stack.count())] == ["Accept 2 events",
                                                              "Reject 2 events"]
    assert sorted(set(panel.told)) == sorted(ids[name] for name in ("a.wav", "long.wav"))

    stack.undo()  # both files' events back at once; the queue follows on the next turn
    qtbot.waitUntil(lambda: len(review.queue()) == 3)
    stack.undo()
    qtbot.waitUntil(lambda: len(review.queue()) == 5)
    assert [project.region(r.id) for r in found] == found  # exactly as stored by the search
    project.delete_regions([found[0].id])  # gone behind the queue's back: nothing is changed
    review.show_row(4)
    review.accept_through_current()
    assert said[-1][1] == "error" and "Could not accept" in said[-1][0]
    assert {state(project, r.id) for r in found[1:]} == {("owl", "model", "unreviewed")}
    assert not stack.canUndo()
    review.refresh()
    review.show_row(3)
    review.accept_through_current()  # every event at once
    assert review.queue() == [] and review.current() is None
    assert review.accept_above_action.isEnabled() is False


def test_a_rejected_event_can_be_taken_back_from_the_rejected_list(qtbot, project, panel):
    from gui.model.review_panel import ORDER_REJECTED

    ids = clip_ids(project)
    found = events(project, ids["a.wav"], (0.1, 0.3, "owl", 0.9), (0.5, 0.7, "owl", 0.5),
                   (1.0, 1.2, "owl", 0.4))
    review = panel.review
    review.show_surest_first()
    review.show_row(1)
    review.reject_below_action.trigger()  # the 0.5 and 0.4 rejected: the 0.5 was a call
    assert [r.score for r in review.queue()] == [0.9]
    review.order.setCurrentIndex(review.order.findData(ORDER_REJECTED))
    assert [r.score for r in review.queue()] == [0.5, 0.4]
    assert review.count_label.text() == "2 rejected events"
    review.show_row(0)
    review.accept_current()
    assert state(project, found[1].id) == ("owl", "manual", None)
    assert [r.score for r in review.queue()] == [0.4]
    review.detection_started()  # a new search: back to the events to review
    assert review.order.currentData() != ORDER_REJECTED
    review.detection_ended()


def test_a_failed_review_leaves_nothing_on_the_stack(project):
    ids = clip_ids(project)
    (event,) = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5))
    project.delete_regions([event.id])
    stack, errors = QUndoStack(), []
    stack.push(ReviewRegionCommand(project, event, "accept", on_error=errors.append))
    assert stack.count() == 0 and "Could not accept event dog" in errors[0]


def test_a_click_on_the_current_event_not_yet_shown_shows_it(qtbot, project, panel):
    # Before: the click changed no row, so nothing was shown and the next verdict key was spent
    # on showing it.
    ids = clip_ids(project)
    first, _second = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5), (0.5, 0.9, "dog", 0.6))
    review = panel.review
    review.refresh()  # out of view: the first event is current, not shown
    review.show()
    assert review.current().id == first.id and panel.shown == []
    rect = review.list.visualItemRect(review.list.item(0))
    qtbot.mouseClick(review.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [r.id for r in panel.shown] == [first.id]
    qtbot.mouseClick(review.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [r.id for r in panel.shown] == [first.id]  # shown already: not again


@pytest.fixture
def dock(qtbot, project, settings):
    model = ClipTableModel()
    model.set_records(project.clips(include_missing=True))
    clip_list = ClipListPanel(model)
    qtbot.addWidget(clip_list)
    messages = []
    dock = ModelDock(model, clip_list, QUndoStack(), lambda text, kind: messages.append(text),
                     settings=settings)
    qtbot.addWidget(dock)
    dock.set_project(project)
    yield SimpleNamespace(dock=dock, model=model, clip_list=clip_list, messages=messages)
    dock.shutdown()


def test_detect_events_runs_off_the_gui_thread_as_one_undo_command(qtbot, project, dock,
                                                                   monkeypatch):
    ids = clip_ids(project)
    # A file with regions is searched; its waiting cat is replaced, its dog (a class the
    # model does not look for: another search's) stays.
    events(project, ids["a.wav"], (0.1, 0.4, "cat", 0.5), (1.6, 1.9, "dog", 0.5))
    threads, searched = [], []

    def fake_detect(classifier, path, progress=None, should_stop=None, left_out=None, **_):
        threads.append(threading.current_thread())
        searched.append(path.name)
        progress(0.5)
        if path.name == "long.wav":  # a stretch unlike the training clips: no event, said
            left_out.append(Event(str(path), 2.0, 3.0, "cat", 0.9))
        return [Event(str(path), 1.0, 1.5, "cat", 0.75)]

    monkeypatch.setattr(workers, "detect_file", fake_detect)
    monkeypatch.setattr(workers, "_classifier", lambda checkpoint, device: SimpleNamespace(
        features=SimpleNamespace(clip_seconds=1.0, channel=None)))  # 4 windows: 4 s makes a recording
    d = dock.dock
    # A real record of the store (not a stand-in with fields it lacks).
    model_id = d.project.add_model("m.pt", ["cat"], {}, {})
    record = next(r for r in d.project.models() if r.id == model_id)
    monkeypatch.setattr(d.controller, "active_model", lambda: record)
    monkeypatch.setattr("core.workflow.model_checkpoint_path", lambda project, record: "m.pt")
    assert d.detect_events()
    assert d.tabs.currentWidget() is d.review
    qtbot.waitUntil(lambda: not d.review.cancel_button.isVisibleTo(d.review), timeout=10_000)
    d.wait_detection()
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert sorted(searched) == ["a.wav", "long.wav"]  # b.wav: short and without regions
    assert d.undo_stack.count() == 1
    found = [(r.clip_id, r.begin_s, r.label, r.score) for r in project.regions()
             if r.status == "unreviewed"]
    assert found == [(ids["a.wav"], 1.0, "cat", 0.75), (ids["a.wav"], 1.6, "dog", 0.5),
                     (ids["long.wav"], 1.0, "cat", 0.75)]
    assert ("Found 2 events in 2 files; 1 stretch unlike anything the model was trained on "
            "left out (unknown)" in dock.messages[-1])
    # a.wav's old cat waiting for review is replaced: said, not done in silence.
    assert ("they replace 1 event of the same class left waiting for review in those files (by "
            "an earlier search of the same kind, or on the same calls). Review them in the Review "
            "tab (Ctrl+Z removes them and brings the others back)." in dock.messages[-1])
    qtbot.waitUntil(lambda: len(d.review.queue()) == 3)
    d.undo_stack.undo()  # the old event of a.wav is back, the new ones gone
    assert [(r.begin_s, r.label) for r in project.regions() if r.status == "unreviewed"] == [
        (0.1, "cat"), (1.6, "dog")]


def test_disagreeing_clips_matches_every_event_against_every_region():
    """The per-class bisection finds the clips the plain definition does: an unreviewed event
    on a person's region of another class by core's rule (same_call: a quarter of the shorter;
    a channel in common), the rule that leaves an event of the region's class out of a search
    (any overlap, any channel counted here: an edge touched, the other microphone)."""
    rng = np.random.default_rng(3)
    records = []
    for k in range(600):
        begin_s = float(rng.uniform(0, 60))
        status, source = [("unreviewed", "model"), (None, "manual"), (None, "imported"),
                          ("rejected", "model"), (None, "model")][int(rng.integers(5))]
        records.append(SimpleNamespace(
            id=k, clip_id=int(rng.integers(40)), begin_s=begin_s,
            end_s=begin_s + float(rng.choice([0.2, 1.0, 4.0])), status=status, source=source,
            label=[None, "cat", "dog", "owl"][int(rng.integers(4))],
            channel=[None, None, 0, 1][int(rng.integers(4))]))
    records.append(SimpleNamespace(id=600, clip_id=50, begin_s=1.0, end_s=2.0, status=None,
                                   source="manual", label="cat", channel=None))
    records.append(SimpleNamespace(id=601, clip_id=50, begin_s=1.9, end_s=3.0, channel=None,
                                   status="unreviewed", source="model", label="dog"))  # an edge
    records.append(SimpleNamespace(id=602, clip_id=51, begin_s=1.0, end_s=2.0, status=None,
                                   source="manual", label="cat", channel=0))
    records.append(SimpleNamespace(id=603, clip_id=51, begin_s=1.0, end_s=2.0, channel=1,
                                   status="unreviewed", source="model", label="dog"))  # the other
    people = [r for r in records if r.status is None and r.source != "model" and r.label]
    expected = {e.clip_id for e in records if e.status == "unreviewed" for p in people
                if p.clip_id == e.clip_id and p.label != e.label and same_call(e, p)
                and (None in (e.channel, p.channel) or e.channel == p.channel)}
    with_events = {r.clip_id for r in records if r.status == "unreviewed"}
    assert 5 < len(expected) < len(with_events) - 5 and not {50, 51} & expected
    assert disagreeing_clips(records) == expected


def test_event_filters(qtbot, project, dock):
    ids = clip_ids(project)
    a, b = ids["a.wav"], ids["b.wav"]
    events(project, a, (0.1, 0.5, "dog", 0.5))
    events(project, b, (0.1, 0.5, "dog", 0.5))
    project.add_region(a, 1.0, 1.5, label="cat", source="manual")  # no overlap: agrees
    project.add_region(b, 0.3, 0.8, label="cat", source="manual")  # overlaps, another class
    project.add_region(ids["long.wav"], 0.3, 0.8, label="cat", source="manual")
    assert disagreeing_clips(project.regions()) == {b}
    dock.dock.refresh_events()
    model, clip_list = dock.model, dock.clip_list

    def shown() -> list[str]:
        return [model.record(row).path for row in range(model.rowCount())]

    clip_list.set_quick_filter(FILTER_UNREVIEWED)
    assert shown() == ["a.wav", "b.wav"]
    clip_list.set_quick_filter(FILTER_EVENTS_DISAGREE)
    assert shown() == ["b.wav"]


def test_training_settings_carry_the_background_choice(qtbot):
    from core.ml.train_config import TrainConfig
    from gui.model.settings_dialog import TrainSettingsDialog

    dialog = TrainSettingsDialog(TrainConfig(background=False))
    qtbot.addWidget(dialog)
    assert not dialog.background.isChecked()
    assert dialog.config().background is False
    dialog.background.setChecked(True)
    assert dialog.config().background is True


def test_relabel_event_accepts_only_unreviewed_events(project, panel):
    ids = clip_ids(project)
    (event,) = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5))
    manual = project.add_region(ids["a.wav"], 1.0, 1.5, label="dog", source="manual")
    assert not panel.review.relabel_event(manual, "cat")
    assert panel.stack.count() == 0
    assert panel.review.relabel_event(event, "cat")
    assert state(project, event.id) == ("cat", "manual", None)
    panel.stack.undo()
    assert project.region(event.id) == event


def test_a_template_search_skips_a_template_it_cannot_use_and_fails_when_none_is(project):
    from core.audio.template_detector import CallTemplate, TemplateDetectorConfig

    # A recording of tone bursts in faint noise (a tone sounding all through a long recording
    # is its background, below the noise floor the search measures from).
    bursts = audio_factory.noise(20.0, RATE_HZ, amplitude=0.001)
    for start_s in (3.0, 9.0, 15.0):
        first = int(start_s * RATE_HZ)
        bursts[first:first + RATE_HZ] += audio_factory.tone(440.0, 1.0, RATE_HZ)
    audio_factory.write(project.folder / "bursts.wav", bursts, RATE_HZ)
    project.scan()
    ids = clip_ids(project)
    good = CallTemplate("a.wav", 0.5, 0.8, 300.0, 600.0)
    gone = CallTemplate("gone.wav", 0.5, 0.8)
    config = TemplateDetectorConfig(0.5)
    worker = workers.TemplateDetectWorker(project, [gone, good], config, [ids["bursts.wav"]],
                                          "tone")
    outcome = worker.work_on(project)
    assert outcome.searched == 1 and not outcome.failed
    # The same tone: a match, with the template's band and the label chosen.
    specs = outcome.specs[ids["bursts.wav"]]
    assert specs and {(s.label, s.low_hz, s.high_hz) for s in specs} == {("tone", 300.0, 600.0)}
    assert max(s.score for s in specs) > 0.9
    with pytest.raises(AudioError, match="gone.wav"):
        workers.TemplateDetectWorker(project, [gone], config).work_on(project)


def test_a_search_adds_no_second_event_where_an_imported_one_waits(project):
    """Calls found on the command line (detect-energy's CSV) and imported, then searched for in
    the app: each waited twice, and Accept All made two regions of every call. The search's
    events over them are not added, and the banner says how many."""
    from gui.model.detection_commands import detection_message

    a = clip_ids(project)["a.wav"]
    project.add_regions([RegionSpec(a, 0.2, 0.6, "call", score=0.8)], "import")
    command = DetectEventsCommand(project, {a: [RegionSpec(a, 0.25, 0.6, "call", score=0.9),
                                                RegionSpec(a, 1.2, 1.5, "call", score=0.9)]},
                                  source="loud", labels={"call"})
    QUndoStack().push(command)
    assert [(r.begin_s, r.source) for r in project.regions(a)] == [(0.2, "import"),
                                                                   (1.2, "loud")]
    assert command.already_waiting == 1
    outcome = SimpleNamespace(specs=command._specs, searched=1, stopped=False, failed=[],
                              unknown=0, near=0, total=1)
    text, _ = detection_message(outcome, command.replaced, command.already_waiting)
    assert text.startswith("Found 2 events in 1 file; 1 of them already waited for review, "
                           "imported, and were not added again.")


def test_a_loud_search_says_which_files_its_band_lies_above(project):
    """Find Loud Events at 6-9 kHz over an 8 kHz file said "Found 14 events" of its noise and
    stored none; the file is not searched, and the banner says why, once, by its name."""
    from core.audio.energy_detector import EnergyDetectorConfig
    from gui.model.detection_commands import detection_message

    audio_factory.write(project.folder / "phone.wav", audio_factory.noise(5.0, 8000), 8000)
    project.scan()
    worker = workers.EnergyDetectWorker(project, EnergyDetectorConfig(6000.0, 9000.0),
                                        [clip_ids(project)["phone.wav"]], "bat")
    outcome = worker.work_on(project)
    assert (outcome.searched, outcome.specs, outcome.failed) == (0, {}, [(
        "phone.wav", "the band from 6,000 Hz lies above its highest frequency "
                     "(4,000 Hz, half its 8,000 Hz rate)")])
    text, kind = detection_message(outcome, 0)
    assert kind == "warning" and text.startswith(
        "Found 0 events in 0 files; 1 could not be searched (first: phone.wav: the band from "
        "6,000 Hz lies above")


def test_a_template_search_counts_and_says_its_matches_just_under_the_threshold(project,
                                                                               tmp_path):
    from core.audio.template_detector import TemplateDetectorConfig
    from gui.model.detection_commands import detection_message
    from tests.core.audio.test_template_detector import _night, _template_file

    audio_factory.write(project.folder / "night.wav", _night())
    project.scan()
    template = _template_file(tmp_path)  # the up-sweeps of the night score 0.71-0.84
    worker = workers.TemplateDetectWorker(project, [template], TemplateDetectorConfig(0.8),
                                          [clip_ids(project)["night.wav"]], "up")
    outcome = worker.work_on(project)
    assert (outcome.near, outcome.near_scores) == (2, (pytest.approx(0.65), 0.8))
    text, _ = detection_message(outcome, 0)
    assert text.startswith("Found 2 events in 1 file; 2 more matches scored 0.65-0.80, just "
                           "under the threshold (a lower one, or calls higher or lower, would "
                           "queue them).")
    # One of them marked by the person already: no news, not counted.
    from tests.core.audio.test_template_detector import UP_STARTS_S

    night = clip_ids(project)["night.wav"]
    project.add_region(night, UP_STARTS_S[0], UP_STARTS_S[0] + 0.3, "up")
    worker = workers.TemplateDetectWorker(project, [template], TemplateDetectorConfig(0.8),
                                          [night], "up")
    assert worker.work_on(project).near == 1


def test_clips_a_classification_found_unreadable_say_why_in_the_list(project, dock):
    from core.audio.reading import NON_FINITE
    from gui.clips.clip_table import STATUS

    clip = project.clips()[0]
    model = dock.model
    row = model.row_of_id(clip.id)
    assert model.index(row, STATUS).data() == "OK"
    [marked] = project.mark_unreadable({clip.id: NON_FINITE})
    dock.dock.controller.clips_unreadable.emit([marked])
    assert model.index(model.row_of_id(clip.id), STATUS).data() == "NaN/Inf samples"
    assert NON_FINITE in model.index(model.row_of_id(clip.id), STATUS).data(
        Qt.ItemDataRole.ToolTipRole)


def test_the_list_is_filled_again_only_when_its_lines_change(qtbot, project, panel):
    """A verdict's news reaches the queue twice (at once, and with the dock's filters): the
    second refresh, and one given the regions its caller has read, fill the list only when a
    line changed."""
    ids = clip_ids(project)
    first, second = events(project, ids["a.wav"], (0.1, 0.4, "dog", 0.5), (0.5, 0.9, "dog", 0.6))
    review = panel.review
    review.refresh()
    inserted = []
    review.list.model().rowsInserted.connect(lambda *args: inserted.append(args))
    review.refresh()
    review.refresh(project.regions())
    assert inserted == [] and review.list.count() == 2
    # Given regions without the first event, the queue and the list follow them.
    review.refresh([r for r in project.regions() if r.id != first.id])
    assert [r.id for r in review.queue()] == [second.id] and review.list.count() == 1
    # The order box still refreshes (its index is not taken for regions).
    review.order.setCurrentIndex((review.order.currentIndex() + 1) % review.order.count())
    assert review.list.count() == 2
