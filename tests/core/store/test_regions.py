"""Regions in the project store: adding one or many (all or none, each bad one named), updating
and deleting with undo by restore_regions, the history, class edits that carry region labels,
the migration to the regions schema, a vanished file keeping its regions, and SIGKILL durability."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from core.errors import EarmarkError, RegionError
from core.store.project import Project
from core.store.records import RegionRecord, RegionSpec
from core.store.regions import UNCHANGED, validate_region
from core.store.schema import SCHEMA_VERSION
from tests import audio_factory
from tests.core.store.old_store import old_store
from tests.processes import killed_mid_write


@pytest.fixture
def root(tmp_path) -> Path:
    """long.wav: 10 s at 16 kHz (Nyquist 8 kHz); dog/short.wav: 0.5 s at 8 kHz (Nyquist 4 kHz)."""
    folder = tmp_path / "audio"
    audio_factory.write(folder / "long.wav", audio_factory.tone(440.0, 10.0))
    audio_factory.write(folder / "dog" / "short.wav", audio_factory.tone(440.0, 0.5, 8000), 8000)
    return folder


@pytest.fixture
def project(root):
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def ids(project: Project) -> dict[str, int]:
    return project.clip_ids_by_path()


# ---------------------------------------------------------------- add and read


def test_add_region_returns_the_stored_record_and_creates_its_class(project):
    long_id = ids(project)["long.wav"]
    before = time.time()
    region = project.add_region(long_id, 1.25, 2.5, label=" bark ", low_hz=500, high_hz=2000)
    assert isinstance(region, RegionRecord)
    assert (region.clip_id, region.begin_s, region.end_s) == (long_id, 1.25, 2.5)
    assert (region.low_hz, region.high_hz, region.label) == (500.0, 2000.0, "bark")
    assert region.source == "manual" and region.score is None
    assert before <= region.created == region.modified <= time.time()
    assert project.regions(long_id) == [region] == project.regions()
    assert project.region(region.id) == region
    assert "bark" in [c.name for c in project.classes()]
    assert project.label_counts() == {"dog": 1, None: 1}  # clip labels are not touched


def test_regions_are_ordered_by_clip_then_begin_and_counted(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    late = project.add_region(long_id, 5.0, 6.0)
    early = project.add_region(long_id, 0.0, 1.0, label="a")
    same_begin = project.add_region(long_id, 5.0, 5.5)
    other = project.add_region(short_id, 0.1, 0.2)
    first, second = sorted([long_id, short_id])
    expected = {long_id: [early, late, same_begin], short_id: [other]}
    assert project.regions() == expected[first] + expected[second]
    assert project.region_counts() == {long_id: 3, short_id: 1}
    assert project.regions(long_id) == [early, late, same_begin]
    # A rejected model event is kept (background for training) but is no region a person counts:
    # the clip list's Regions column said 39 where the region list listed 28.
    event, = project.replace_model_regions(short_id, [RegionSpec(short_id, 0.3, 0.4, "a")])[1]
    project.review_region(event.id, "reject")
    assert project.region_counts() == {long_id: 3, short_id: 1}
    assert project.region_counts(rejected=True) == {long_id: 3, short_id: 2}


def test_regions_read_again_see_every_change_own_or_another_programs(root, project):
    """Reads are kept while the store is unchanged (a window's views share one read of a
    night's regions); a change by this project, by another connection, or an undo ends that."""
    long_id = ids(project)["long.wav"]
    first = project.add_region(long_id, 1.0, 2.0, label="a")
    assert project.regions() == [first] == project.regions(long_id)
    project.regions().clear()  # each read is the caller's own list
    assert project.regions(long_id) == [first]
    second = project.add_region(long_id, 3.0, 4.0)
    assert project.regions() == [first, second]
    with Project.open(root) as other:  # another program (the CLI, a scan's thread) writes
        third = other.add_region(long_id, 5.0, 6.0, label="b")
    assert project.regions(long_id) == [first, second, third]
    with pytest.raises(RegionError):
        project.add_regions([RegionSpec(long_id, 7.0, 8.0), RegionSpec(long_id, 9.0, 1.0)])
    assert project.regions() == [first, second, third]  # the refused call wrote nothing
    project.delete_regions([second.id])
    assert project.regions(long_id) == [first, third]


def test_add_regions_many_in_one_call_keeps_order_source_and_score(project):
    long_id = ids(project)["long.wav"]
    specs = [RegionSpec(long_id, 9.0, 9.5, "b", score=0.75),
             RegionSpec(long_id, 1.0, 2.0, "a", 100.0, 200.0)]
    added = project.add_regions(specs, source="model")
    assert [(r.begin_s, r.label, r.score, r.source) for r in added] == [
        (9.0, "b", 0.75, "model"), (1.0, "a", None, "model")]
    assert (added[1].low_hz, added[1].high_hz) == (100.0, 200.0)
    assert len({r.id for r in added}) == 2
    assert sorted(project.regions(), key=lambda r: r.id) == sorted(added, key=lambda r: r.id)
    assert project.add_regions([]) == []
    with pytest.raises(RegionError, match="unknown region source"):
        project.add_regions(specs, source="guess")


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("begin_s, end_s, low_hz, high_hz, reason", [
    (-0.5, 1.0, None, None, "before the start"),
    (2.0, 2.0, None, None, "a moment, not a span"),
    (3.0, 2.0, None, None, "not before end"),
    (9.0, 10.5, None, None, "past the end of long.wav"),
    (float("nan"), 1.0, None, None, "not a number"),
    (0.0, float("inf"), None, None, "not a number"),
    (0.0, 1.0, 100.0, None, "needs both"),
    (0.0, 1.0, None, 100.0, "needs both"),
    (0.0, 1.0, -1.0, 100.0, "below 0 Hz"),
    (0.0, 1.0, 300.0, 300.0, "not below high"),
    (0.0, 1.0, 100.0, 8000.5, "above the Nyquist"),
])
def test_validate_region_names_the_reason(project, begin_s, end_s, low_hz, high_hz, reason):
    clip = project.clip(ids(project)["long.wav"])
    assert reason in validate_region(clip, begin_s, end_s, low_hz, high_hz)
    with pytest.raises(RegionError, match=reason):
        project.add_region(clip.id, begin_s, end_s, low_hz=low_hz, high_hz=high_hz)
    assert project.regions() == []


def test_validate_region_accepts_the_edges(project):
    clip = project.clip(ids(project)["long.wav"])
    assert validate_region(clip, 0.0, 10.0) is None
    assert validate_region(clip, 0.0, 10.0 + 0.01) is None  # rounding of other tools' times
    assert validate_region(clip, 0.0, 1.0, 0.0, 8000.0) is None
    assert validate_region(None, 0.0, 1.0) == "no such clip"
    unknown = clip.__class__(**{**{f: getattr(clip, f) for f in clip.__slots__},
                                "duration_s": None, "sample_rate_hz": None})
    assert validate_region(unknown, 0.0, 1e6, 0.0, 1e9) is None  # nothing known to check


def test_add_regions_lists_every_bad_one_and_writes_nothing(project):
    long_id = ids(project)["long.wav"]
    good = RegionSpec(long_id, 0.0, 1.0, "fine")
    specs = [good] + [RegionSpec(long_id, 11.0 + i, 12.0 + i) for i in range(25)]
    specs.append(RegionSpec(10_000, 0.0, 1.0))
    with pytest.raises(RegionError) as caught:
        project.add_regions(specs)
    error = caught.value
    assert isinstance(error, EarmarkError)
    assert len(error.problems) == 26 and error.problems[0][0] == 1
    assert error.problems[-1] == (26, "no such clip")
    lines = str(error).splitlines()
    assert lines[0] == "26 of 27 regions cannot be added, so none were:"
    assert lines[1].startswith("  region 2: ends at 12 s, past the end of long.wav")
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  and 6 more"
    assert project.regions() == [] and "fine" not in [c.name for c in project.classes()]
    assert project.region_history() == []


# ---------------------------------------------------------------- update, delete, undo


def test_update_returns_the_record_before_and_restore_undoes_it(project):
    long_id = ids(project)["long.wav"]
    region = project.add_region(long_id, 1.0, 2.0, label="a", low_hz=100, high_hz=200)
    before = project.update_region(region.id, begin_s=1.5, high_hz=400.0, label="b")
    assert before == region
    now = project.region(region.id)
    assert (now.begin_s, now.end_s, now.low_hz, now.high_hz, now.label) == (
        1.5, 2.0, 100.0, 400.0, "b")
    assert now.created == region.created and now.modified >= region.modified
    assert "b" in [c.name for c in project.classes()]
    project.restore_regions([before])
    assert project.regions() == [region]


def test_update_with_none_clears_the_band_and_the_label(project):
    long_id = ids(project)["long.wav"]
    region = project.add_region(long_id, 1.0, 2.0, label="a", low_hz=100, high_hz=200)
    project.update_region(region.id, low_hz=None, high_hz=None, label=None)
    now = project.region(region.id)
    assert (now.low_hz, now.high_hz, now.label) == (None, None, None)
    assert project.update_region(region.id) == now  # nothing asked: nothing written
    assert project.region(region.id) == now
    assert repr(UNCHANGED) == "UNCHANGED"


def test_update_is_validated_and_a_refused_one_changes_nothing(project):
    long_id = ids(project)["long.wav"]
    region = project.add_region(long_id, 1.0, 2.0, low_hz=100, high_hz=200)
    with pytest.raises(RegionError, match="past the end"):
        project.update_region(region.id, end_s=20.0)
    with pytest.raises(RegionError, match="needs both"):
        project.update_region(region.id, low_hz=None)
    with pytest.raises(RegionError, match="a moment, not a span"):
        project.update_region(region.id, begin_s=2.0)
    with pytest.raises(RegionError, match="no region with id"):
        project.update_region(region.id + 100, label="x")
    assert project.regions() == [region]


def test_delete_returns_the_records_and_restore_puts_them_back_with_their_ids(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    keep = project.add_region(long_id, 0.0, 1.0, label="a")
    gone = [project.add_region(long_id, 3.0, 4.0, label="b", low_hz=10, high_hz=20),
            project.add_region(short_id, 0.1, 0.3, label="c")]
    everything = project.regions()
    deleted = project.delete_regions([gone[1].id, gone[0].id, gone[0].id])
    assert sorted(deleted, key=lambda r: r.id) == gone
    assert project.regions() == [keep]
    assert project.region_counts() == {long_id: 1}
    # A region added meanwhile never takes a deleted one's id, so undo cannot collide.
    newer = project.add_region(long_id, 5.0, 6.0)
    assert newer.id not in {r.id for r in gone}
    project.delete_regions([newer.id])
    project.restore_regions(deleted)
    assert project.regions() == everything


def test_delete_of_an_unknown_id_deletes_nothing(project):
    region = project.add_region(ids(project)["long.wav"], 0.0, 1.0)
    with pytest.raises(RegionError, match="no region with id 999"):
        project.delete_regions([region.id, 999])
    assert project.regions() == [region]


def test_redo_and_undo_round_trips_are_exact(project):
    """As an undo stack drives them: add, update, delete, each undone and redone twice."""
    long_id = ids(project)["long.wav"]
    added = project.add_region(long_id, 1.0, 2.0, label="a")
    for _ in range(2):
        before = project.update_region(added.id, end_s=3.0)
        changed = project.region(added.id)
        project.restore_regions([before])
        assert project.regions() == [added]
        project.restore_regions([changed])  # redo of an update may restore what it made
        assert project.regions() == [changed]
        project.restore_regions([before])
    for _ in range(2):
        deleted = project.delete_regions([added.id])
        assert project.regions() == []
        project.restore_regions(deleted)
        assert project.regions() == [added]


def test_history_has_a_line_per_change(project):
    long_id = ids(project)["long.wav"]
    region = project.add_region(long_id, 1.0, 2.0, label="a")
    before = project.update_region(region.id, label="b")
    project.restore_regions([before])
    deleted = project.delete_regions([region.id])
    project.restore_regions(deleted)
    history = project.region_history(long_id)
    assert [h.action for h in history] == ["add", "update", "restore", "delete", "restore"]
    assert history[0].old is None and history[0].new["label"] == "a"
    assert (history[1].old["label"], history[1].new["label"]) == ("a", "b")
    assert history[3].new is None and history[3].old["begin_s"] == 1.0
    assert history[4].old is None
    assert all(h.region_id == region.id and h.clip_id == long_id for h in history)
    assert project.region_history(region_id=region.id) == history


# ---------------------------------------------------------------- migration


def test_migration_from_version_2_keeps_clips_labels_classes_and_models(root):
    conn = old_store(root, 2)
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, sample_rate_hz, "
                 "label, label_source) VALUES ('old/kept.wav', 1, 1, 3.0, 16000, 'owl', 'manual')")
    conn.execute("INSERT INTO classes(name, ord, colour, shortcut) VALUES ('owl', 0, '#010203', 'o')")
    conn.execute("INSERT INTO label_history(clip_id, old_label, old_source, new_label, new_source, "
                 "changed_at, action) VALUES (1, NULL, NULL, 'owl', 'manual', 5.0, 'set')")
    conn.execute("INSERT INTO models(path, classes_json, settings_json, metrics_json, created_at) "
                 "VALUES ('m.pt', '[\"owl\"]', '{}', '{}', 1.0)")
    conn.close()
    with Project.open(root) as project:
        assert project.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
        old = project.clip(1)
        assert (old.path, old.label, old.label_source, old.duration_s) == (
            "old/kept.wav", "owl", "manual", 3.0)
        assert [(c.name, c.colour, c.shortcut) for c in project.classes()] == [
            ("owl", "#010203", "o")]
        assert [h.new_label for h in project.label_history(1)] == ["owl"]
        assert [m.path for m in project.models()] == ["m.pt"]
        assert project.regions() == [] and project.region_counts() == {}
        region = project.add_region(1, 0.5, 2.5, label="owl")
        assert project.regions(1) == [region]


# ---------------------------------------------------------------- files that vanish


def test_a_vanished_file_keeps_its_regions_and_they_come_back_with_it(root, project):
    short_id = ids(project)["dog/short.wav"]
    region = project.add_region(short_id, 0.1, 0.2, label="yip", low_hz=100, high_hz=3000)
    moved = root.parent / "short.wav.away"
    (root / "dog" / "short.wav").rename(moved)
    summary = project.scan()
    assert summary.missing == 1
    assert project.regions() == [region] and project.region_counts() == {short_id: 1}
    # A missing file takes no new region or new times; its label may still change and undo works.
    with pytest.raises(RegionError, match="dog/short.wav is missing"):
        project.add_region(short_id, 0.0, 0.1)
    with pytest.raises(RegionError, match="is missing"):
        project.update_region(region.id, end_s=0.3)
    before = project.update_region(region.id, label="woof")
    project.restore_regions([before])
    deleted = project.delete_regions([region.id])
    project.restore_regions(deleted)
    moved.rename(root / "dog" / "short.wav")
    project.scan()
    assert project.regions(short_id) == [region]


def test_restore_onto_a_clip_no_longer_in_the_store_is_refused(project):
    region = project.add_region(ids(project)["long.wav"], 0.0, 1.0)
    ghost = RegionRecord(**{**{f: getattr(region, f) for f in region.__slots__},
                            "id": region.id + 1, "clip_id": 4242})
    with pytest.raises(RegionError, match="clip 4242"):
        project.restore_regions([region, ghost])
    assert project.regions() == [region]


# ---------------------------------------------------------------- scale and durability


def test_ten_thousand_regions_in_one_call(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    specs = [RegionSpec(long_id if i % 2 else short_id, (i % 40) * 0.01, (i % 40) * 0.01 + 0.005,
                        f"c{i % 7}", 10.0, 3000.0) for i in range(10_000)]
    start = time.perf_counter()
    added = project.add_regions(specs)
    elapsed_s = time.perf_counter() - start
    assert elapsed_s < 3.0, elapsed_s  # about 0.1 s here; generous for a busy machine
    assert len(added) == 10_000 and len({r.id for r in added}) == 10_000
    assert project.region_counts() == {long_id: 5000, short_id: 5000}
    assert len(project.regions()) == 10_000
    start = time.perf_counter()
    project.delete_regions(r.id for r in added)
    assert time.perf_counter() - start < 3.0
    assert project.region_counts() == {}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_sigkill_while_adding_and_deleting_leaves_whole_calls(root, project):
    """A process adds 50 regions at a time and deletes them again, killed at random moments:
    each call is one transaction, so what is left is whole batches, matching the history."""
    project.close()
    writer = """
        from core.store.project import Project
        from core.store.records import RegionSpec
        with Project.open(sys.argv[1]) as project:
            clip_id = project.clip_ids_by_path()["long.wav"]
            print("started", flush=True)
            i = 0
            while True:
                added = project.add_regions(
                    [RegionSpec(clip_id, k * 0.1, k * 0.1 + 0.05, f"b{i}") for k in range(50)])
                if i % 2:
                    project.delete_regions(r.id for r in added)
                else:
                    project.update_region(added[0].id, label=f"u{i}")
                i += 1
    """
    for _ in killed_mid_write(writer, root, seed=11):
        with Project.open(root) as reopened:
            regions = reopened.regions()
            by_batch: dict[float, list] = {}
            for region in regions:
                by_batch.setdefault(region.created, []).append(region)
            assert all(len(batch) == 50 for batch in by_batch.values())
            history = reopened.region_history()
            alive = {h.region_id for h in history if h.action == "add"} - {
                h.region_id for h in history if h.action == "delete"}
            assert alive == {r.id for r in regions}
            assert {c.name for c in reopened.classes()} >= {r.label for r in regions}
            still_writable = reopened.add_region(reopened.clip_ids_by_path()["long.wav"], 0.0, 0.1)
            reopened.delete_regions([still_writable.id])


# ---------------------------------------------------------------- review state (migration 4)


def _old_regions(root, version: int, rows: list[tuple]) -> None:
    """The store of ``root`` as Earmark ``version`` left it: long.wav (10 s at 16 kHz, clip 1)
    and its regions, each ``rows`` tuple (begin_s, end_s, label, source, score, created,
    modified) and, from version 4 on, its status."""
    conn = old_store(root, version)
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, sample_rate_hz) "
                 "VALUES ('long.wav', 1, 1, 10.0, 16000)")
    columns = "begin_s, end_s, label, source, score, created, modified" + (
        ", status" if version >= 4 else "")
    conn.executemany(f"INSERT INTO regions(clip_id, {columns}) VALUES "
                     f"(1, {', '.join('?' * len(rows[0]))})", rows)
    conn.close()


def test_migration_from_version_3_keeps_regions_and_gives_them_no_status(root):
    _old_regions(root, 3, [(1.0, 2.0, "owl", "manual", None, 5.0, 5.0),
                           (3.0, 4.0, "owl", "model", 0.8, 6.0, 6.0)])
    with Project.open(root) as project:
        assert project.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
        person, model = project.regions(1)
        assert (person.label, person.source, person.status) == ("owl", "manual", None)
        # Model events from before review states existed count as reviewed: nobody asked.
        assert (model.source, model.score, model.status) == ("model", 0.8, None)
        assert project.unreviewed_counts() == {}


def test_model_regions_start_unreviewed_and_are_counted(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    person = project.add_region(long_id, 0.0, 1.0, "bark")
    found = project.add_regions([RegionSpec(long_id, 2.0, 3.0, "bark", score=0.9),
                                 RegionSpec(short_id, 0.1, 0.2, "yip", score=0.6)], "model")
    assert person.status is None
    assert [r.status for r in found] == ["unreviewed", "unreviewed"]
    assert project.unreviewed_counts() == {long_id: 1, short_id: 1}
    assert project.region(found[0].id).status == "unreviewed"


def test_region_labels_name_each_clips_classes_of_a_persons_regions(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    project.add_region(long_id, 0.0, 1.0, "bark")
    project.add_region(long_id, 1.5, 2.0, "bark")
    project.add_region(long_id, 3.0, 4.0, "owl", low_hz=500.0, high_hz=2000.0)
    project.add_region(long_id, 5.0, 6.0)  # unlabelled: no class
    events = project.add_regions([RegionSpec(short_id, 0.1, 0.2, "yip", score=0.6),
                                  RegionSpec(long_id, 7.0, 8.0, "wren", score=0.7)], "model")
    # Unreviewed and rejected model events are nobody's regions yet.
    assert project.region_labels() == {long_id: frozenset({"bark", "owl"})}
    project.review_region(events[0].id, "accept")
    project.review_region(events[1].id, "reject")
    assert project.region_labels() == {long_id: frozenset({"bark", "owl"}),
                                       short_id: frozenset({"yip"})}


def test_replace_model_regions_keeps_reviewed_ones_and_undoes_exactly(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    person = project.add_region(long_id, 0.0, 1.0, "bark")
    old = project.add_regions([RegionSpec(long_id, 2.0, 3.0, "bark", score=0.9),
                               RegionSpec(long_id, 4.0, 5.0, "bark", score=0.7),
                               RegionSpec(long_id, 6.0, 7.0, "bark", score=0.6)], "model")
    other_clip = project.add_region(short_id, 0.1, 0.2, "yip", source="model", score=0.5)
    project.review_region(old[1].id, "accept")
    project.review_region(old[2].id, "reject")
    before = project.regions()

    deleted, added = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 8.0, 9.0, "bark", score=0.95)])
    assert deleted == [old[0]]
    assert [(r.begin_s, r.source, r.status, r.score) for r in added] == [
        (8.0, "model", "unreviewed", 0.95)]
    kept = {r.id: r for r in project.regions()}
    assert person.id in kept and old[1].id in kept and old[2].id in kept
    assert kept[old[1].id].status is None and kept[old[2].id].status == "rejected"
    assert other_clip.id in kept and old[0].id not in kept
    assert project.unreviewed_counts() == {long_id: 1, short_id: 1}

    project.delete_regions([r.id for r in added])  # the undo the contract names
    project.restore_regions(deleted)
    assert project.regions() == before


def test_a_search_for_one_class_replaces_only_that_class_s_waiting_events(project):
    """A search for hoots wiped the sweeps a search before had queued."""
    long_id = ids(project)["long.wav"]
    project.add_regions([RegionSpec(long_id, 1.0, 2.0, "sweep", score=0.9),
                         RegionSpec(long_id, 3.0, 4.0, None, score=0.8),
                         RegionSpec(long_id, 5.0, 6.0, "hoot", score=0.7)], "model")
    deleted, _ = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 7.0, 8.0, "hoot", score=0.6)], labels={"hoot"})
    assert [r.label for r in deleted] == ["hoot"]
    deleted, _ = project.replace_model_regions(long_id, [], labels={None})  # unlabelled ones
    assert [r.label for r in deleted] == [None]
    assert sorted(r.label for r in project.regions()) == ["hoot", "sweep"]


def test_a_search_s_events_say_which_search_found_them_and_replace_only_its_own(project):
    """Find Loud Events' and Find Similar Calls' events read "model" in the region list and
    their exports, with no model in sight; then both read "search", and Find Similar Calls run
    after Find Loud Events deleted the loud events of its label still waiting for review."""
    long_id = ids(project)["long.wav"]
    _, model = project.replace_model_regions(long_id, [RegionSpec(long_id, 1.0, 2.0, "hoot")])
    _, loud = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 3.0, 4.0, "hoot", score=0.99)], labels={"hoot"},
        source="loud")
    assert [(r.source, r.status) for r in loud] == [("loud", "unreviewed")]
    _, similar = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 5.0, 6.0, "hoot", score=0.7)], labels={"hoot"},
        source="similar")
    # Each kind of run keeps the others' waiting events of the class, as Raven a table each.
    assert {r.id for r in project.regions()} == {model[0].id, loud[0].id, similar[0].id}
    assert project.unreviewed_counts() == {long_id: 3}
    # The same search again replaces its own waiting events only.
    deleted, again = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 7.0, 8.0, "hoot")], labels={"hoot"}, source="loud")
    assert deleted == loud
    assert {r.id for r in project.regions()} == {model[0].id, similar[0].id, again[0].id}
    deleted, _ = project.replace_model_regions(long_id, [], labels={"hoot"})
    assert deleted == model  # a model's run: the model's own
    project.review_region(again[0].id, "accept")
    assert project.region(again[0].id).source == "manual"
    with pytest.raises(RegionError, match="'manual' is no source of found events"):
        project.replace_model_regions(long_id, [], source="manual")


def test_a_new_event_replaces_another_search_s_waiting_event_over_the_same_call(project):
    """One call waited in the queue once per kind of search that found it (Find Loud Events,
    then a model's Detect Events, then Find Similar Calls): the latest takes the others' place
    over that call only, of its class and channel; elsewhere theirs stay."""
    long_id = ids(project)["long.wav"]
    _, loud = project.replace_model_regions(long_id, [
        RegionSpec(long_id, 1.0, 2.0, "hoot", score=0.99),
        RegionSpec(long_id, 5.0, 6.0, "hoot", score=0.99),
        RegionSpec(long_id, 7.0, 8.0, "sweep", score=0.99)], source="loud")
    gone, model = project.replace_model_regions(long_id, [
        RegionSpec(long_id, 1.1, 1.9, "hoot", score=0.8),  # the first loud hoot's call
        RegionSpec(long_id, 7.2, 7.8, "hoot", score=0.7)], labels={"hoot"})  # a sweep there
    assert gone == [loud[0]]
    assert {r.id for r in project.regions()} == {loud[1].id, loud[2].id} | {r.id for r in model}
    gone, _ = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 4.8, 5.5, "hoot", score=0.9)], labels={"hoot"},
        source="similar")
    assert gone == [loud[1]]  # over its call; the model's hoots elsewhere stay
    imported = project.add_regions([RegionSpec(long_id, 3.0, 3.5, "hoot", score=0.6)], "import")
    gone, added = project.replace_model_regions(
        long_id, [RegionSpec(long_id, 3.0, 3.5, "hoot"), RegionSpec(long_id, 3.0, 3.5, "sweep")],
        labels={"hoot", "sweep"}, source="loud")
    assert imported[0].id in {r.id for r in project.regions()}  # another tool's: not Earmark's
    # ... and over its call, no second hoot waits beside it (a night's calls found on the command
    # line and imported, then searched for in the app, each waited twice); a sweep there does.
    assert [(r.begin_s, r.label) for r in added] == [(3.0, "sweep")]
    # Two new events over one stretch, one unlabelled (their order is by time alone), and a
    # spec that is no span: refused, and nothing changed.
    before = project.regions()
    with pytest.raises(RegionError):
        project.replace_model_regions(long_id, [
            RegionSpec(long_id, 9.0, 9.5, None), RegionSpec(long_id, 9.0, 9.5, "hoot"),
            RegionSpec(long_id, "soon", 9.5, "hoot")], source="similar")
    assert project.regions() == before
    project.replace_model_regions(long_id, [RegionSpec(long_id, 9.0, 9.5, None),
                                            RegionSpec(long_id, 9.0, 9.5, "hoot")], source="loud")


def test_either_search_replaces_an_older_store_s_search_events(project):
    """A store written before the two searches were told apart holds "search" events: either
    search replaces them, as it did, and a model's run does not."""
    long_id = ids(project)["long.wav"]
    old = project.add_regions([RegionSpec(long_id, 1.0, 2.0, "hoot", score=0.9)], "search")
    assert old[0].status == "unreviewed"
    assert project.replace_model_regions(long_id, [], labels={"hoot"})[0] == []
    assert project.replace_model_regions(long_id, [], labels={"hoot"},
                                         source="similar")[0] == old


def test_replace_model_regions_refuses_a_bad_spec_and_changes_nothing(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    project.add_region(long_id, 2.0, 3.0, "bark", source="model", score=0.9)
    before = project.regions()
    with pytest.raises(RegionError, match="past the end"):
        project.replace_model_regions(long_id, [RegionSpec(long_id, 8.0, 99.0, "bark")])
    with pytest.raises(RegionError, match="not 1|is for clip"):
        project.replace_model_regions(long_id, [RegionSpec(short_id, 0.1, 0.2, "bark")])
    assert project.regions() == before


def test_review_accept_makes_a_persons_region_and_restore_undoes_it(project):
    long_id = ids(project)["long.wav"]
    event = project.add_region(long_id, 2.0, 3.0, "bark", source="model", score=0.9)
    before = project.review_region(event.id, "accept")
    assert before == event
    accepted = project.region(event.id)
    assert (accepted.source, accepted.status, accepted.label, accepted.score) == (
        "manual", None, "bark", 0.9)
    assert project.unreviewed_counts() == {}
    assert project.region_history(region_id=event.id)[-1].action == "review"
    project.restore_regions([before])
    assert project.region(event.id) == event
    assert project.unreviewed_counts() == {long_id: 1}


def test_review_regions_gives_many_one_verdict_in_one_step_and_restore_undoes_it(project):
    long_id, short_id = ids(project)["long.wav"], ids(project)["dog/short.wav"]
    events = project.add_regions([RegionSpec(long_id, 2.0, 3.0, "bark", score=0.9),
                                  RegionSpec(long_id, 4.0, 5.0, "bark", score=0.8),
                                  RegionSpec(short_id, 0.1, 0.2, "yip", score=0.7)], "model")
    before = project.regions()
    with pytest.raises(RegionError, match="no region with id 999"):
        project.review_regions([events[0].id, 999], "accept")
    assert project.regions() == before  # nothing changed
    old = project.review_regions([events[2].id, events[0].id, events[2].id], "accept")
    assert old == [events[2], events[0]]  # in the order given, each once
    assert [(r.source, r.status) for r in project.regions() if r.id != events[1].id] == [
        ("manual", None), ("manual", None)]
    assert project.unreviewed_counts() == {long_id: 1}
    assert [c.action for c in project.region_history()][-2:] == ["review", "review"]
    project.review_regions([events[1].id], "reject", label="howl")
    rejected = project.region(events[1].id)
    assert (rejected.status, rejected.label) == ("rejected", "howl")
    assert "howl" in [c.name for c in project.classes()]  # a new label's class is made
    project.restore_regions(old + [events[1]])
    assert project.regions() == before


def test_review_accept_with_a_label_relabels_and_creates_the_class(project):
    long_id = ids(project)["long.wav"]
    event = project.add_region(long_id, 2.0, 3.0, "bark", source="model", score=0.9)
    project.review_region(event.id, "accept", label=" howl ")
    accepted = project.region(event.id)
    assert (accepted.label, accepted.source, accepted.status) == ("howl", "manual", None)
    assert "howl" in [c.name for c in project.classes()]


def test_review_reject_keeps_the_region_marked_and_restore_undoes_it(project):
    long_id = ids(project)["long.wav"]
    event = project.add_region(long_id, 2.0, 3.0, "bark", source="model", score=0.4)
    before = project.review_region(event.id, "reject")
    rejected = project.region(event.id)
    assert (rejected.source, rejected.status, rejected.label) == ("model", "rejected", "bark")
    assert project.unreviewed_counts() == {}
    project.restore_regions([before])
    assert project.region(event.id) == event


def test_review_refuses_unknown_decisions_and_regions(project):
    long_id = ids(project)["long.wav"]
    event = project.add_region(long_id, 2.0, 3.0, "bark", source="model")
    with pytest.raises(RegionError, match="unknown review decision"):
        project.review_region(event.id, "maybe")
    with pytest.raises(RegionError, match="no region"):
        project.review_region(event.id + 100, "accept")
    assert project.region(event.id) == event


def test_label_regions_labels_many_at_once_and_makes_an_event_the_persons(project):
    long_id = ids(project)["long.wav"]
    mine = project.add_region(long_id, 0.0, 1.0, "a")
    imported = project.add_regions([RegionSpec(long_id, 1.0, 2.0, "a")], source="import")[0]
    event, = project.replace_model_regions(long_id, [RegionSpec(long_id, 2.0, 3.0, "a")])[1]
    before = project.label_regions([mine.id, imported.id, event.id], "b")
    assert [(r.label, r.source, r.status) for r in project.regions(long_id)] == [
        ("b", "manual", None), ("b", "import", None), ("b", "manual", None)]
    assert [h.action for h in project.region_history(long_id)][-3:] == ["update"] * 3
    project.restore_regions(before)
    assert project.regions(long_id) == [mine, imported, event]


def test_update_regions_changes_all_or_none_and_gives_back_what_was(project):
    long_id = ids(project)["long.wav"]
    first = project.add_region(long_id, 1.0, 2.0, "owl")
    second = project.add_region(long_id, 3.0, 4.0, "wren", 500.0, 1500.0)
    with pytest.raises(RegionError, match="past the end of long.wav"):
        project.update_regions({first.id: RegionSpec(long_id, 1.5, 2.5, "owl"),
                                second.id: RegionSpec(long_id, 9.0, 12.0, "wren")})
    with pytest.raises(RegionError, match="no region with id"):
        project.update_regions({second.id + 50: RegionSpec(long_id, 1.0, 2.0)})
    assert project.regions() == [first, second]  # nothing written
    before = project.update_regions({first.id: RegionSpec(long_id, 1.5, 2.5, "tit"),
                                     second.id: RegionSpec(long_id, 3.0, 4.0, "wren")})
    assert before == [first, second]
    now = project.regions()
    assert [(r.begin_s, r.label, r.low_hz, r.source) for r in now] == [
        (1.5, "tit", None, first.source), (3.0, "wren", None, second.source)]
    assert "tit" in [c.name for c in project.classes()]
    assert [c.action for c in project.region_history(region_id=first.id)] == ["add", "update"]
    project.restore_regions(before)
    assert project.regions() == [first, second]


def test_an_import_is_undone_and_redone_in_one_transaction_each(project):
    """Redone by hand, its added regions came back before a change that then failed, left with
    nothing to undo them."""
    long_id = ids(project)["long.wav"]
    edited = project.add_region(long_id, 1.0, 2.0, "owl")
    added, before = project.import_regions([RegionSpec(long_id, 3.0, 4.0, "fox")],
                                           {edited.id: RegionSpec(long_id, 1.0, 2.0, "tawny")})
    assert before == [edited]
    project.undo_import(added, before)
    assert project.regions() == [edited]
    assert project.redo_import(added, {edited.id: RegionSpec(long_id, 1.0, 2.0, "tawny")}) == [
        edited]
    assert [r.label for r in project.regions()] == ["tawny", "fox"]
    project.undo_import(added, before)
    with pytest.raises(RegionError, match="past the end"):
        project.redo_import(added, {edited.id: RegionSpec(long_id, 9.0, 12.0, "tawny")})
    assert project.regions() == [edited]  # the added region did not come back alone


# ---------------------------------------------------------------- who found it (migration 11)


def test_an_accepted_event_keeps_who_found_it_and_its_score(project, root):
    """Accepted, a search's match is a person's region (its match score is no confidence in
    its class) that still says which search found it and what it scored; a model's keeps its
    score too. An edit keeps them, undo puts the event back, and a drawn region has none."""
    long_id = ids(project)["long.wav"]
    match, loud = project.add_regions([RegionSpec(long_id, 2.0, 3.0, "owl", score=0.62),
                                       RegionSpec(long_id, 5.0, 6.0, "owl", score=0.9)],
                                      "similar")
    model = project.add_region(long_id, 7.0, 8.0, "owl", source="model", score=0.8)
    drawn = project.add_region(long_id, 0.0, 1.0, "owl")
    before = project.review_regions([match.id, model.id], "accept")
    project.label_regions([loud.id], "hoot")  # a class key on an event accepts it too
    accepted, labelled, by_model = (project.region(i) for i in (match.id, loud.id, model.id))
    assert (accepted.source, accepted.status, accepted.score, accepted.found_by,
            accepted.found_score) == ("manual", None, None, "similar", 0.62)
    assert (labelled.label, labelled.found, by_model.found) == ("hoot", ("similar", 0.9),
                                                               ("model", 0.8))
    assert by_model.score == 0.8
    assert project.region(drawn.id).found is None
    project.update_region(match.id, end_s=3.5)
    assert project.region(match.id).found == ("similar", 0.62)
    project.restore_regions(before)
    assert project.region(match.id) == match and project.region(match.id).found == (
        "similar", 0.62)  # unreviewed again: its own source and score
    project.close()
    with Project.open(root) as again:
        assert again.region(loud.id).found == ("similar", 0.9)


def test_migration_from_version_10_gives_regions_no_finder(root):
    _old_regions(root, 10, [(1.0, 2.0, "owl", "manual", None, 5.0, 5.0, None),
                            (3.0, 4.0, "owl", "loud", 0.9, 6.0, 6.0, "unreviewed")])
    with Project.open(root) as project:
        assert project.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 11
        person, event = project.regions(1)
        assert (person.found_by, person.found, event.found) == (None, None, ("loud", 0.9))
