"""Class edits return what they replaced and restore_classes puts it back exactly: the class list
(names, order, colours, keys), every relabelled clip's label and source, every relabelled
region's label, renamed predictions, each step one transaction with a line in the label history
(and the region history)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ProjectError
from core.store.classes import ClassesState
from core.store.project import Project
from core.store.records import RegionSpec
from tests import audio_factory


@pytest.fixture
def project(tmp_path):
    """dog/ and cat/ (two clips each, source "folder"), one loose clip labelled owl by hand, a
    model predicting dog for every clip, and regions in loose.wav labelled dog, owl, cat and
    none; owl has a chosen colour and key."""
    root = tmp_path / "audio"
    for kind in ("dog", "cat"):
        for i in range(2):
            audio_factory.write(root / kind / f"c{i}.wav", audio_factory.tone(440.0, 0.05))
    audio_factory.write(root / "loose.wav", audio_factory.tone(440.0, 0.05))
    with Project.open(root) as opened:
        opened.scan()
        loose = opened.clip_ids_by_path()["loose.wav"]
        opened.set_labels([loose], "owl")
        opened.set_class_colour("owl", "#123456")
        opened.set_class_shortcut("owl", "o")
        model_id = opened.add_model(Path("m.pt"), ["cat", "dog", "owl"], {}, {})
        opened.record_predictions(model_id, [(c.id, "dog", 0.9, [0.1, 0.9, 0.0])
                                             for c in opened.clips()])
        opened.add_regions([RegionSpec(loose, 0.01 * i, 0.01 * i + 0.02, label)
                            for i, label in enumerate(["dog", "owl", "cat", None, "dog"])],
                           source="manual")
        yield opened


def state(project: Project) -> tuple:
    """Everything a class edit may touch, as plain values to compare."""
    model_id = project.models()[0].id
    return (project.classes(),
            {c.path: (c.label, c.label_source) for c in project.clips()},
            {cid: p.label for cid, p in project.predictions(model_id).items()},
            project.regions())


@pytest.mark.parametrize("edit", [
    lambda p: p.rename_class("dog", "hound"),
    lambda p: p.merge_classes(["dog"], "cat"),
    lambda p: p.merge_classes(["dog", "owl"], "bird"),
    lambda p: p.remove_class("dog"),
    lambda p: p.reorder_classes(["owl", "dog"]),
    lambda p: p.set_class_colour("cat", "#abcdef"),
    lambda p: p.set_class_shortcut("cat", None),
], ids=["rename", "merge", "merge-into-new", "remove", "reorder", "colour", "key"])
def test_each_edit_undone_restores_everything_and_redone_again(project, edit):
    before = state(project)
    replaced = edit(project)
    after = state(project)
    assert isinstance(replaced, ClassesState) and after != before
    assert replaced.classes == tuple(before[0])

    project.restore_classes(replaced)
    assert state(project) == before

    project.restore_classes(edit(project))  # redo, then undo again: the same both times
    assert state(project) == before
    edit(project)
    assert state(project) == after


def test_rename_undo_records_history_and_renames_predictions_back(project):
    dog = project.clip_ids_by_path()["dog/c0.wav"]
    replaced = project.rename_class("dog", "hound")
    assert replaced.labels[dog] == ("dog", "folder")
    assert {p.label for p in project.predictions(project.models()[0].id).values()} == {"hound"}
    project.restore_classes(replaced)
    actions = [(h.action, h.new_label, h.new_source) for h in project.label_history(dog)]
    assert actions[-2:] == [("rename", "hound", "folder"), ("restore", "dog", "folder")]


def test_each_class_edit_is_said_in_words_in_the_history(project):
    """The label history's How column (the window's Label History, ``labels history``)."""
    dog, loose = (project.clip_ids_by_path()[p] for p in ("dog/c0.wav", "loose.wav"))
    project.merge_classes(["owl"], "dog")
    project.remove_class("dog")
    project.apply_labels({loose: "cat"}, "model", action="set")
    assert [h.how() for h in project.label_history(dog)] == [
        "read from its folder", "class removed"]
    assert [h.how() for h in project.label_history(loose)] == [
        "labelled", "classes merged", "class removed", "prediction accepted"]


@pytest.mark.parametrize("edit, expected", [
    (lambda p: p.rename_class("dog", "hound"), ["hound", "owl", "cat", None, "hound"]),
    (lambda p: p.merge_classes(["dog", "owl"], "cat"), ["cat", "cat", "cat", None, "cat"]),
    (lambda p: p.remove_class("dog"), [None, "owl", "cat", None, None]),
], ids=["rename", "merge", "remove"])
def test_class_edits_carry_region_labels_and_their_history(project, edit, expected):
    before = project.regions()
    replaced = edit(project)
    after = project.regions()
    assert [r.label for r in after] == expected
    assert [r.modified for r in after] == [r.modified for r in before]  # the class changed
    moved = {r.id for r, new in zip(before, after, strict=True) if r.label != new.label}
    assert set(replaced.regions) == moved
    assert all(replaced.regions[r.id] == r.label for r in before if r.id in moved)
    action = next(h.action for h in project.region_history() if h.region_id in moved
                  and h.action != "add")
    assert action in ("rename", "merge", "remove_class")
    project.restore_classes(replaced)
    assert project.regions() == before
    assert [h.action for h in project.region_history(region_id=min(moved))][-2:] == [
        action, "restore"]


def test_a_class_only_regions_carry_stays_when_an_edit_is_undone(project):
    replaced = project.remove_class("cat")
    region = project.regions()[3]
    project.update_region(region.id, label="frog")  # not undone before the class edit
    project.restore_classes(replaced)
    assert "frog" in [c.name for c in project.classes()]


def test_undo_interleaved_with_label_edits(project):
    """Stack order: label, merge, label; undone last first, each step lands where it was."""
    ids = project.clip_ids_by_path()
    start = state(project)
    first = project.set_labels([ids["loose.wav"]], "cat")
    after_first = state(project)
    merged = project.merge_classes(["cat"], "dog")
    after_merge = state(project)
    last = project.set_labels([ids["dog/c1.wav"]], None)

    project.restore_labels(last)
    assert state(project) == after_merge
    project.restore_classes(merged)
    assert state(project) == after_first
    project.restore_labels(first)
    assert state(project) == start


def test_a_class_a_rescan_brought_stays_when_an_edit_is_undone(project):
    replaced = project.remove_class("cat")
    new = project.clip_ids_by_path()["loose.wav"]
    project.set_labels([new], "frog")  # outside the undo order, as a rescan's folder labels are
    project.restore_classes(replaced)
    assert [c.name for c in project.classes()] == ["cat", "dog", "owl", "frog"]
    keys = [c.shortcut for c in project.classes() if c.shortcut]
    assert keys == ["1", "2", "o"]  # frog took cat's free key meanwhile; cat has it back


def test_a_refused_edit_changes_nothing(project):
    before = state(project)
    with pytest.raises(ProjectError, match="merge them instead"):
        project.rename_class("dog", "cat")
    project.conn.execute("CREATE TRIGGER no_delete BEFORE DELETE ON classes "
                         "BEGIN SELECT RAISE(ABORT, 'classes are kept'); END")
    with pytest.raises(ProjectError, match="classes are kept"):
        project.remove_class("dog")
    assert state(project) == before
    replaced = project.rename_class("dog", "hound")
    with pytest.raises(ProjectError, match="classes are kept"):
        project.restore_classes(replaced)  # the undo is refused too, and is all or nothing
    assert [c.name for c in project.classes()] == ["cat", "hound", "owl"]


# ---- keys follow the classes, not their order ------------------------------------------------


def test_digit_named_classes_get_their_own_digit_whatever_their_order():
    from core.store.classes import assign_keys

    keys = assign_keys([str(d) for d in range(10)])
    assert keys == {str(d): str(d) for d in range(10)}
    # Other names take the free keys in order 1..9, 0; digits keep theirs.
    assert assign_keys(["dog", "3", "cat"]) == {"3": "3", "dog": "1", "cat": "2"}
    # A digit already held by another class: the digit class takes a free key instead.
    assert assign_keys(["1"], taken={"1"}) == {"1": "2"}
    # Beyond ten keys, classes have none (the label bar's type-ahead reaches them).
    many = assign_keys([f"c{i}" for i in range(12)])
    assert list(many.values()) == list("1234567890") and "c10" not in many


def test_scan_of_digit_folders_gives_each_digit_its_key(tmp_path):
    root = tmp_path / "digits"
    for digit in range(10):
        audio_factory.write(root / str(digit) / "a.wav", audio_factory.tone(440.0, 0.05))
    with Project.open(root) as opened:
        opened.scan()
        assert {c.name: c.shortcut for c in opened.classes()} == {str(d): str(d)
                                                                   for d in range(10)}


def test_a_scan_lists_classes_and_gives_keys_as_a_person_counts(tmp_path, monkeypatch):
    """call2 before call10, and its key 2, though text sorts call10 first; in every batch of
    the scan, as the files come in that order too (call1's files, then call2's ...)."""
    from core.audio.discovery import iter_audio_files
    from core.store import scan

    monkeypatch.setattr(scan, "SCAN_BATCH", 3)
    root = tmp_path / "calls"
    for n in (1, 2, 10, 11):
        for take in (1, 2, 10):
            audio_factory.write(root / f"call{n}" / f"take_{take}.wav",
                                audio_factory.tone(440.0, 0.05))
    assert [p.relative_to(root).as_posix() for p in iter_audio_files(root)][:4] == [
        "call1/take_1.wav", "call1/take_2.wav", "call1/take_10.wav", "call2/take_1.wav"]
    with Project.open(root) as opened:
        opened.scan()
        assert [(c.name, c.shortcut) for c in opened.classes()] == [
            ("call1", "1"), ("call2", "2"), ("call10", "3"), ("call11", "4")]
        opened.add_class("call3")  # a class added later goes after them
        assert [c.name for c in opened.classes()][-1] == "call3"


def test_classes_that_count_the_same_come_in_one_order_on_every_run(tmp_path):
    """call01 and call1 count the same; their names decide, whatever order a set gave them."""
    root = tmp_path / "calls"
    for name in ("call1", "call01", "call2"):
        audio_factory.write(root / name / "a.wav", audio_factory.tone(440.0, 0.05))
    with Project.open(root) as opened:
        opened.scan()
        assert [c.name for c in opened.classes()] == ["call01", "call1", "call2"]


def test_a_key_stays_with_its_class_when_another_is_removed(project):
    before = {c.name: c.shortcut for c in project.classes()}
    project.remove_class(project.classes()[0].name)
    after = {c.name: c.shortcut for c in project.classes()}
    assert all(after[name] == before[name] for name in after)
    project.add_class("bird")
    # The new class takes a free key, never one another class holds.
    keys = [c.shortcut for c in project.classes() if c.shortcut]
    assert len(keys) == len(set(keys))


def test_setting_a_held_key_with_swap_trades_the_keys_in_one_undoable_edit(project):
    keys = {c.name: c.shortcut for c in project.classes()}
    with pytest.raises(ProjectError):
        project.set_class_shortcut("cat", keys["dog"])
    before = project.set_class_shortcut("cat", keys["dog"], swap=True)
    now = {c.name: c.shortcut for c in project.classes()}
    assert now["cat"] == keys["dog"] and now["dog"] == keys["cat"]
    project.restore_classes(before)
    assert {c.name: c.shortcut for c in project.classes()} == keys
