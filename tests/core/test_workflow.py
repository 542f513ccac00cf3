"""core.project_models on small generated projects: snapshot checks, saving a trained model,
classifying every clip in batches, confusion cells, importing models and adding outside files."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import numpy as np
import pytest

from core import workflow as pm
from core.errors import CheckpointError, EarmarkError
from core.ml.inference import Classifier
from core.ml.training import TrainConfig, train
from core.store import added_files as adding
from core.store.project import Project
from core.store.records import RegionSpec
from core.workflow import events as event_search
from tests import audio_factory

FAST = TrainConfig(epochs=3, num_threads=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project of tone/chirp/noise (4 clips each, 1 s) plus an unreadable file, and a model
    trained on it (module-wide: training is the slow part)."""
    root = audio_factory.make_class_folder(tmp_path_factory.mktemp("p") / "clips", n_per_class=4)
    audio_factory.write_broken(root / "tone" / "broken.wav", "text")
    with Project.open(root) as project:
        project.scan()
        snapshot = pm.training_snapshot(project)
    result = train(snapshot.pairs, FAST)
    return root, snapshot, result


def _open(root, tmp_path):
    """The project with a store of the test's own (the module's trained project is shared)."""
    project = Project.open(root, store_dir=tmp_path / "store")
    project.scan()
    return project


@pytest.mark.slow
def test_snapshot_has_only_readable_labelled_clips(trained):
    root, snapshot, _ = trained
    assert snapshot.counts == {"chirp": 4, "noise": 4, "tone": 4}
    assert all(p.is_file() and p.name != "broken.wav" for p in snapshot.paths)
    assert pm.training_problem(snapshot) is None


def test_training_problem_names_the_reason():
    empty = pm.TrainingSnapshot((), (), ())
    assert "No labelled clips" in pm.training_problem(empty)
    one = pm.TrainingSnapshot((1, 2), ("a", "b"), ("dog", "dog"))
    assert "Only one class" in pm.training_problem(one) and "'dog'" in pm.training_problem(one)
    short = pm.TrainingSnapshot((1, 2, 3), ("a", "b", "c"), ("dog", "dog", "cat"))
    message = pm.training_problem(short, unreadable=2)
    assert "'cat' has 1" in message and "2 labelled clips cannot be read and do not" in message
    assert "(1 labelled clip cannot be read and does not count)" in pm.training_problem(
        short, unreadable=1)


@pytest.mark.slow
def test_snapshot_key_changes_with_labels(trained):
    root, snapshot, _ = trained
    with Project.open(root) as project:
        clip_id = snapshot.clip_ids[0]
        previous = project.set_labels([clip_id], "noise")
        try:
            assert pm.training_snapshot(project).key() != snapshot.key()
        finally:
            project.restore_labels(previous)
        assert pm.training_snapshot(project).key() == snapshot.key()


@pytest.mark.slow
def test_save_records_and_activates_without_overwriting(trained, tmp_path):
    root, _, result = trained
    with _open(root, tmp_path) as project:
        when = datetime(2026, 1, 2, 3, 4, 5)
        first = pm.save_trained_model(project, result.checkpoint, now=when)
        second = pm.save_trained_model(project, result.checkpoint, parent_id=first, now=when)
        models = {m.id: m for m in project.models()}
        assert models[first].path.endswith("models/model-20260102-030405.pt")
        assert models[second].path.endswith("models/model-20260102-030405-2.pt")
        assert models[second].parent_id == first
        assert project.active_model().id == second
        assert set(models[first].classes) == {"tone", "chirp", "noise"}
        assert "accuracy" in models[first].metrics
        assert pm.model_checkpoint_path(project, models[first]).parent == tmp_path / "store" / "models"
        # What the model sees is recorded with it (the clip view draws it); older records: None.
        assert pm.model_features(models[first]) == result.checkpoint.feature_config
        older = dataclasses.replace(models[first], settings={"model_name": "compact"})
        assert pm.model_features(older) is None


@pytest.mark.slow
def test_classify_project_records_in_batches_and_confusion_cells(trained, tmp_path):
    root, _, result = trained
    with _open(root, tmp_path) as project:
        model_id = pm.save_trained_model(project, result.checkpoint)
        batches = []
        n = pm.classify_project(project, Classifier(result.checkpoint), model_id,
                                on_batch=batches.append, batch_rows=5)
        assert n == 12  # the broken file is skipped
        assert [len(b) for b in batches] == [5, 5, 2]
        stored = pm.stored_predictions(project, model_id)
        assert len(stored) == 12 and all(0 <= c <= 1 for _, c in stored.values())
        table = pm.confusion_table(project, model_id, result.checkpoint.classes)
        assert table.matrix.sum() == 12
        for (true, predicted), ids in table.cells.items():
            assert sorted(ids) == sorted(pm.confusion_cell_clips(project, model_id, true,
                                                                 predicted))
            for clip_id in ids:
                assert project.clip(clip_id).label == true
                assert stored[clip_id][0] == predicted


@pytest.mark.slow
def test_a_file_found_unreadable_while_classifying_is_marked_with_the_reason(trained, tmp_path):
    # NaN samples behind a sound header: the scan (headers only) lists it OK. Before, the
    # classification skipped it without a word, and the list kept saying OK.
    import numpy as np

    from core.audio.reading import NON_FINITE

    _, _, result = trained
    root = tmp_path / "clips"
    audio_factory.write(root / "tone.wav", audio_factory.tone(440.0, 1.0))
    nan = audio_factory.tone(440.0, 1.0)
    nan[100:200] = np.nan
    audio_factory.write(root / "nan.wav", nan, subtype="FLOAT")
    with Project.open(root) as project:
        project.scan()
        assert all(c.error is None for c in project.clips())
        told = []
        model_id = pm.save_trained_model(project, result.checkpoint)
        n = pm.classify_project(project, Classifier(result.checkpoint), model_id,
                                on_unreadable=told.extend)
        reason = f"{NON_FINITE}: 100 samples of those read, the first at 0.006 s"
        assert n == 1 and [(c.path, c.error) for c in told] == [("nan.wav", reason)]
        assert {c.path: c.error for c in project.clips()} == {"nan.wav": reason,
                                                               "tone.wav": None}
        # Written again whole, the next scan reads it again.
        audio_factory.write(root / "nan.wav", audio_factory.tone(440.0, 1.5))
        project.scan()
        assert {c.path: c.error for c in project.clips()}["nan.wav"] is None


@pytest.mark.slow
def test_classify_project_stops_early(trained, tmp_path):
    root, _, result = trained
    with _open(root, tmp_path) as project:
        model_id = pm.save_trained_model(project, result.checkpoint)
        done = []
        n = pm.classify_project(project, Classifier(result.checkpoint), model_id,
                                progress=lambda d, t: done.append(d),
                                should_stop=lambda: len(done) >= 3)
        assert n < 12


@pytest.mark.slow
def test_import_model_file_refuses_non_checkpoints(trained, tmp_path):
    root, _, result = trained
    bogus = tmp_path / "notes.pt"
    bogus.write_text("not a model")
    with _open(root, tmp_path) as project:
        with pytest.raises(CheckpointError, match="notes.pt"):
            pm.import_model_file(project, bogus)
        assert project.models() == []
        from core.ml.checkpoint import load_checkpoint, save_checkpoint
        save_checkpoint(result.checkpoint, tmp_path / "elsewhere.pt")
        model_id = pm.import_model_file(project, tmp_path / "elsewhere.pt")
        assert project.active_model().id == model_id
        # Kept in the project's models folder: the file from elsewhere may go.
        (tmp_path / "elsewhere.pt").unlink()
        kept = pm.model_checkpoint_path(project, project.active_model())
        assert kept.parent == pm.models_dir(project)
        assert load_checkpoint(kept).classes == result.checkpoint.classes


@pytest.mark.slow
def test_add_files_copies_without_overwriting_labels_and_undoes(trained, tmp_path):
    root, _, _ = trained
    outside = tmp_path / "outside"
    first = audio_factory.write(outside / "tone_000.wav", audio_factory.tone(700))
    with _open(root, tmp_path) as project:
        before = len(project.clips())
        added = adding.add_files_to_project(project, [(first, "tone"), (first, "new class")])
        copies = [copy for _, copy in added.copies]
        assert copies[0] == root / "tone" / "tone_000-2.wav"  # tone_000.wav was taken
        assert copies[1] == root / "new class" / "tone_000.wav"
        assert (root / "tone" / "tone_000.wav").stat().st_size != 0
        labelled = {project.clip(i).path: (project.clip(i).label, project.clip(i).label_source)
                    for i in added.clip_ids}
        assert labelled == {"tone/tone_000-2.wav": ("tone", "model"),
                            "new class/tone_000.wav": ("new class", "model")}
        adding.remove_added_files(project, added)
        assert not any(c.exists() for c in copies)
        assert len(project.clips()) == before
        # Before, the copies stayed listed as missing with their labels, and "new class" stayed.
        assert len(project.clips(include_missing=True)) == before
        assert "new class" not in {c.name for c in project.classes()}
        assert not any(project.label_history(i) for i in added.clip_ids)


def test_add_files_to_a_folder_that_cannot_be_written_copies_nothing_and_says_why(
        trained, tmp_path, monkeypatch):
    """A read-only project (a card write-protected, a shared drive): the window said "[Errno
    30] Read-only file system: '/.../knock'", and a full disk at the second of two files left
    the first copied but never listed or labelled. All or none, in words."""
    import errno

    root, _, _ = trained
    outside = tmp_path / "outside"
    files = [audio_factory.write(outside / f"t{n}.wav", audio_factory.tone(700)) for n in (1, 2)]
    copy = adding.copy_no_overwrite

    def full_at_the_second(source, target):
        if source.name == "t2.wav":
            raise OSError(errno.ENOSPC, "No space left on device")
        return copy(source, target)

    monkeypatch.setattr(adding, "copy_no_overwrite", full_at_the_second)
    with _open(root, tmp_path) as project:
        before = len(project.clips())
        with pytest.raises(EarmarkError) as caught:
            adding.add_files_to_project(project, [(files[0], "new"), (files[1], "new")])
        assert str(caught.value) == (f"cannot copy t2.wav into {root / 'new'}: no space left on "
                                     "device; nothing was copied")
        assert sorted((root / "new").iterdir()) == [] and len(project.clips()) == before
    # A file or a dangling link of the name is never written through nor taken back.
    (root / "tone" / "t1.wav").write_bytes(b"mine")
    (root / "tone" / "t1-2.wav").symlink_to(tmp_path / "elsewhere.wav")
    monkeypatch.setattr(adding, "copy_no_overwrite", copy)
    with _open(root, tmp_path) as project:
        added = adding.add_files_to_project(project, [(files[0], "tone")])
        assert [c for _, c in added.copies] == [root / "tone" / "t1-3.wav"]
        adding.remove_added_files(project, added)
    assert (root / "tone" / "t1.wav").read_bytes() == b"mine"
    assert (root / "tone" / "t1-2.wav").is_symlink() and not (tmp_path / "elsewhere.wav").exists()
    monkeypatch.setattr(adding, "copy_no_overwrite", lambda source, target: (_ for _ in ()).throw(
        OSError(errno.EROFS, "Read-only file system")))
    with _open(root, tmp_path) as project, pytest.raises(EarmarkError, match="read-only file"):
        adding.add_files_to_project(project, [(files[0], "tone")])
    assert (root / "tone" / "t1.wav").read_bytes() == b"mine" and (root / "tone" / "t1-2.wav"
                                                                    ).is_symlink()
    # The store full after the copy: the copy goes too.
    monkeypatch.setattr(adding, "copy_no_overwrite", copy)
    with _open(root, tmp_path) as project:
        monkeypatch.setattr(project, "apply_labels", lambda *a, **k: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")))
        with pytest.raises(OSError):
            adding.add_files_to_project(project, [(files[1], "tone")])
        assert not (root / "tone" / "t2.wav").exists()
        assert "tone/t2.wav" not in project.clip_ids_by_path(include_missing=True)
    for made in ("t1.wav", "t1-2.wav"):  # the folder is the module's: left as it was
        (root / "tone" / made).unlink()
    (root / "new").rmdir()


def test_add_files_leaves_out_what_the_project_holds_already(trained, tmp_path):
    """One drop with a file twice and a clip of the project: before, each was copied again
    (d_tone-2.wav beside d_tone.wav, tone_000-2.wav beside its own original)."""
    root, _, _ = trained
    outside = audio_factory.write(tmp_path / "outside" / "d_tone.wav", audio_factory.tone(650))
    inside = root / "tone" / "tone_000.wav"
    with _open(root, tmp_path) as project:
        before = len(project.clips())
        added = adding.add_files_to_project(project, [(outside, "tone"), (outside, "tone"),
                                                  (inside, "tone")])
        assert [copy for _, copy in added.copies] == [root / "tone" / "d_tone.wav"]
        assert added.skipped == (outside, inside)
        again = adding.add_files_to_project(project, [(outside, "tone")])  # copied before
        assert again.copies == () and again.skipped == (outside,)
        assert len(project.clips()) == before + 1


def test_an_added_file_never_takes_a_missing_clips_place(trained, tmp_path):
    """A clip whose file is gone, with a person's region: a file of its name copied to its path
    became that clip (its regions and history), and the add's undo then deleted it."""
    root, _, _ = trained
    with _open(root, tmp_path) as project:
        gone = project.clip_ids_by_path()["tone/tone_001.wav"]
        project.add_regions([RegionSpec(gone, 0.1, 0.3, "tone")])
        (root / "tone" / "tone_001.wav").unlink()
        project.scan()
        outside = audio_factory.write(tmp_path / "outside" / "tone_001.wav",
                                      audio_factory.tone(650))
        added = adding.add_files_to_project(project, [(outside, "tone")])
        assert [copy.name for _, copy in added.copies] == ["tone_001-2.wav"]
        assert gone not in added.clip_ids
        adding.remove_added_files(project, added)
        assert project.clip(gone).missing and len(project.regions(gone)) == 1


def test_an_undone_add_keeps_its_clips_ids_for_its_redo_and_gives_them_no_other_file(
        trained, tmp_path):
    """The undo deleted the added clips' rows, and SQLite handed their ids out again: the next
    file a scan found took one, and a label or region redone after the add's redo (commands
    that name clips by id) went to that file, or failed."""
    root, _, _ = trained
    with _open(root, tmp_path) as project:
        outside = audio_factory.write(tmp_path / "outside" / "x.wav", audio_factory.tone(555))
        added = adding.add_files_to_project(project, [(outside, "tone")])
        clip_id = added.clip_ids[0]
        region = project.add_region(clip_id, 0.1, 0.3, "tone")
        adding.remove_added_files(project, added)
        assert project.clip(clip_id) is None
        audio_factory.write(root / "tone" / "new.wav", audio_factory.tone(900))
        project.scan()
        new = project.clip_ids_by_path()["tone/new.wav"]
        assert new > clip_id
        again = adding.add_files_to_project(project, [(outside, "tone")])
        assert list(again.clip_ids) == [clip_id] and project.clip(clip_id).path == "tone/x.wav"
        project.restore_regions([region])
        assert [r.id for r in project.regions(clip_id)] == [region.id]
    with _open(root, tmp_path) as project:  # kept in the store, not in this process
        audio_factory.write(root / "tone" / "newer.wav", audio_factory.tone(1200))
        project.scan()
        assert project.clip_ids_by_path()["tone/newer.wav"] > new
        # Undone again, and another recording put at the copy's path: it is another clip,
        # not the forgotten one (a label redone later would have gone to it).
        adding.remove_added_files(project, again)
        audio_factory.write(root / "tone" / "x.wav", audio_factory.tone(1500))
        project.scan()
        assert project.clip_ids_by_path()["tone/x.wav"] != clip_id


# ---------------------------------------------------------------- regions and background


def _recording(path, events, duration_s=20.0, seed=0):
    """Quiet noise with a 0.3 s tone (880 Hz) or chirp at each (start_s, kind) of ``events``."""
    rate = audio_factory.DEFAULT_RATE_HZ
    samples = audio_factory.noise(duration_s, amplitude=0.01, seed=seed)
    for start_s, kind in events:
        sound = (audio_factory.tone(880.0, 0.3) if kind == "tone"
                 else audio_factory.chirp(500.0, 3000.0, 0.3))
        i = int(start_s * rate)
        samples[i:i + len(sound)] += 0.5 * sound
    return audio_factory.write(path, samples)


@pytest.fixture
def marked(tmp_path):
    """Three recordings (in a folder that would label them "long") with tone and chirp events
    marked as regions, one rejected and one unreviewed model event; and a short labelled clip."""
    root = tmp_path / "project"
    kinds = ("tone", "chirp")
    for n in range(3):
        events = [(1.0 + 2.5 * i, kinds[(i + n) % 2]) for i in range(6)]
        _recording(root / "long" / f"rec{n}.wav", events, seed=n)
    audio_factory.write(root / "clips" / "tone" / "t.wav", audio_factory.tone(880.0, 0.5))
    project = Project.open(root)
    project.scan()
    ids = project.clip_ids_by_path()
    for n in range(3):
        clip_id = ids[f"long/rec{n}.wav"]
        project.add_regions([RegionSpec(clip_id, 1.0 + 2.5 * i, 1.3 + 2.5 * i, kinds[(i + n) % 2])
                             for i in range(6)], source="import")
    rec0 = ids["long/rec0.wav"]
    rejected, unreviewed = project.add_regions(
        [RegionSpec(rec0, 17.0, 17.4, "tone", score=0.6),
         RegionSpec(rec0, 18.5, 19.0, "chirp", score=0.7)], source="model")
    project.review_region(rejected.id, "reject")
    yield project, ids, rejected, unreviewed
    project.close()


def test_a_project_without_regions_snapshots_whole_clips_only(trained):
    root, snapshot, _ = trained
    assert snapshot.regions == () and snapshot.background == ()
    assert snapshot.samples == list(zip(snapshot.paths, snapshot.labels, strict=True))
    assert all(type(s) is tuple for s in snapshot.pairs)


def test_snapshot_takes_marked_regions_and_background_sources(marked):
    project, ids, rejected, unreviewed = marked
    snapshot = pm.training_snapshot(project)
    # The recordings' clip label (from their folder) is no sample: their events are marked.
    assert [p.name for p in snapshot.paths] == ["t.wav"]
    assert snapshot.counts == {"chirp": 9, "tone": 10}
    assert len(snapshot.regions) == 18
    rec0 = project.abspath(project.clip(ids["long/rec0.wav"]))
    first = snapshot.regions[0]
    assert (first.path, first.label, first.begin_s, first.end_s, first.group) == (
        rec0, "tone", 1.0, 1.3, str(rec0))
    assert first.duration_s == pytest.approx(20.0)
    assert len(snapshot.background) == 3
    source = next(s for s in snapshot.background if s.path == rec0)
    assert source.rejected == ((17.0, 17.4),)
    # Free: nowhere near a labelled or an unreviewed region; the rejected one is free.
    for begin_s, end_s in source.free:
        for region in project.regions(ids["long/rec0.wav"]):
            if region.status != "rejected":
                assert end_s <= region.begin_s or begin_s >= region.end_s
    assert any(b <= 17.0 and 17.4 <= e for b, e in source.free)
    assert pm.training_problem(snapshot) is None


def test_a_region_without_a_label_leaves_its_clip_a_whole_clip_sample(marked):
    project, ids, _, _ = marked
    short = ids["clips/tone/t.wav"]
    project.add_region(short, 0.1, 0.2)  # a note, or a click whose hand slipped
    snapshot = pm.training_snapshot(project)
    assert [p.name for p in snapshot.paths] == ["t.wav"] and snapshot.counts["tone"] == 10
    assert len(snapshot.background) == 3  # nor is the clip a source of background
    project.add_region(short, 0.3, 0.4, "tone")  # a named one marks it
    snapshot = pm.training_snapshot(project)
    assert snapshot.paths == () and len(snapshot.background) == 4


def test_snapshot_key_changes_with_regions(marked):
    project, ids, rejected, unreviewed = marked
    key = pm.training_snapshot(project).key()
    project.review_region(unreviewed.id, "accept")
    assert pm.training_snapshot(project).key() != key
    key = pm.training_snapshot(project).key()
    project.update_region(rejected.id, label="chirp")
    assert pm.training_snapshot(project).key() != key


def test_one_marked_class_trains_against_background():
    from core.ml.samples import BackgroundSource, TrainingSample

    regions = (TrainingSample("r.wav", "owl", 1.0, 1.5), TrainingSample("r.wav", "owl", 3.0, 3.5))
    source = BackgroundSource("r.wav", 10.0, ((0.0, 1.0), (1.5, 3.0), (3.5, 10.0)))
    snapshot = pm.TrainingSnapshot((), (), (), regions, (), (source,))
    assert pm.training_problem(snapshot) is None
    assert "Only one class" in pm.training_problem(snapshot, background=False)


@pytest.mark.slow
def test_training_from_regions_adds_background_splits_by_recording_and_keeps_thresholds(marked):
    project, ids, rejected, unreviewed = marked
    snapshot = pm.training_snapshot(project)
    config = dataclasses.replace(FAST, epochs=4, val_split=0.3)
    result = train(snapshot.samples, config)
    checkpoint = result.checkpoint
    assert checkpoint.classes == ["background", "chirp", "tone"]
    assert checkpoint.background_class == "background"
    # About the median class (9 chirps, 10 tones), the rejected event among them.
    assert 9 <= result.n_background <= 10
    assert result.report.class_metrics("background").support > 0
    assert result.n_train + result.n_val == 19 + result.n_background
    assert 0 < result.n_val < result.n_train
    assert len(checkpoint.thresholds) == 3 and all(0 < t < 1 for t in checkpoint.thresholds)
    # Windows are about as long as an event, not as a recording.
    assert checkpoint.feature_config.clip_seconds < 1.0
    off = train(snapshot.samples, dataclasses.replace(config, background=False, epochs=1))
    assert off.checkpoint.classes == ["chirp", "tone"] and off.n_background == 0
    assert off.checkpoint.background_class is None
    assert checkpoint.class_bands_hz is None  # marked in time alone: detection uses its band
    # The tones drawn as boxes: their band is the model's for the tones' events.
    tones = [r for r in project.regions() if r.label == "tone" and r.status is None]
    for region in tones:
        project.update_region(region.id, low_hz=600.0, high_hz=1200.0)
    boxed = pm.training_snapshot(project)
    assert {s.band_hz for s in boxed.regions if s.label == "tone"} == {(600.0, 1200.0)}
    bands = train(boxed.samples, dataclasses.replace(config, epochs=1)).checkpoint.class_bands_hz
    assert bands == [None, None, (600.0, 1200.0)]


def test_a_single_long_recording_is_validated_on_minutes_its_training_never_saw(tmp_path,
                                                                               monkeypatch):
    # One 4-minute recording, a tone or chirp every 12 s: split whole, it had no validation side.
    events = [(2.0 + 12 * i, ("tone", "chirp")[i % 2]) for i in range(20)]
    path = _recording(tmp_path / "night.wav", events, duration_s=240.0)
    from core.ml import training
    from core.ml.samples import BackgroundSource, TrainingSample, free_stretches

    seen = {}

    def spy(targets, groups, val_share, seed):
        seen["groups"] = list(groups)
        return grouped_split(targets, groups, val_share, seed)

    grouped_split = training.grouped_split
    monkeypatch.setattr(training, "grouped_split", spy)
    regions = [TrainingSample(path, kind, t, t + 0.3, str(path), 240.0) for t, kind in events]
    source = BackgroundSource(path, 240.0, free_stretches(240.0, [(t, t + 0.3) for t, _ in events]))
    result = train([*regions, source], dataclasses.replace(FAST, epochs=1, val_split=0.25))
    assert result.n_background > 0 and 0 < result.n_val < result.n_train
    # Regions and background windows alike are grouped by the minute they lie in.
    assert len(seen["groups"]) == 20 + result.n_background
    assert {g.rpartition("#")[0] for g in seen["groups"]} == {str(path)}
    assert {g.rpartition("#")[2] for g in seen["groups"][:20]} == {"0", "1", "2", "3"}


def test_recordings_to_search_are_four_model_windows_long_or_hold_regions(tmp_path):
    from core.store.project import Project
    from core.workflow.events import recordings_to_search

    root = tmp_path / "rec"
    for name, seconds in (("clip.wav", 1.0), ("marked.wav", 1.0), ("session.wav", 5.0)):
        audio_factory.write(root / name, audio_factory.tone(440.0, seconds))
    with Project.open(root) as project:
        project.scan()
        marked = next(c for c in project.clips() if c.path == "marked.wav")
        project.add_region(marked.id, 0.1, 0.5, label="a")
        found = [c.path for c in recordings_to_search(project, window_s=1.0)]
        assert found == ["marked.wav", "session.wav"]
        assert [c.path for c in recordings_to_search(project, window_s=2.0)] == ["marked.wav"]


def test_events_a_person_marked_already_are_not_offered_again():
    from types import SimpleNamespace as Span

    from core.workflow.events import unmarked_events

    regions = [Span(begin_s=1.0, end_s=2.0, label="dog", status=None),
               Span(begin_s=5.0, end_s=6.0, label="cat", status="unreviewed")]
    events = [Span(begin_s=1.2, end_s=1.9, label="dog"),   # marked already
              Span(begin_s=1.2, end_s=1.9, label="cat"),   # the person said dog: a disagreement
              Span(begin_s=1.9, end_s=3.0, label="dog"),   # barely overlaps: new
              Span(begin_s=0.65, end_s=1.25, label="dog"),  # a note off the dog (42%): its
              Span(begin_s=5.0, end_s=6.0, label="cat")]   # only a model's event there
    kept = unmarked_events(events, regions)
    assert [(e.begin_s, e.label) for e in kept] == [(1.2, "cat"), (1.9, "dog"), (5.0, "cat")]


def test_an_event_of_no_class_is_marked_already_by_any_region_there():
    from types import SimpleNamespace as Span

    from core.workflow.events import unmarked_events

    regions = [Span(begin_s=1.0, end_s=2.0, label="dog", status=None),
               Span(begin_s=4.0, end_s=5.0, label=None, status=None),
               Span(begin_s=7.0, end_s=8.0, label=None, status="unreviewed")]
    events = [Span(begin_s=1.1, end_s=1.8, label=None),  # the person's dog
              Span(begin_s=4.2, end_s=4.6, label=None),  # the person's unlabelled region
              Span(begin_s=4.2, end_s=4.6, label="dog"),  # a class the person has not given
              Span(begin_s=7.0, end_s=8.0, label=None)]   # only an event to review there
    kept = unmarked_events(events, regions)
    assert [(e.begin_s, e.label) for e in kept] == [(4.2, "dog"), (7.0, None)]
    # A detector that knows no class (loudness), its events labelled by the person's search:
    # any region of theirs there marks the event already (a "dog" search over a marked cat).
    searched = [Span(begin_s=1.1, end_s=1.8, label="cat"), Span(begin_s=7.0, end_s=8.0,
                                                                label="cat")]
    kept = unmarked_events(searched, regions, any_class=True)
    assert [(e.begin_s, e.label) for e in kept] == [(7.0, "cat")]


def test_a_search_of_recordings_goes_on_past_a_file_it_cannot_read_and_stops_between_files(
        tmp_path):
    """The project search loop (core's now, the window's task wraps it): a file that cannot be
    read is named with its reason, its neighbours searched; events go on the channel listened
    to, those a person marked left out; a stop ends it between files."""
    root = tmp_path / "night"
    for name in ("a.wav", "b.wav", "c.wav"):
        audio_factory.write(root / name, np.stack([audio_factory.tone(440, 1.0)] * 2, axis=1))
    with Project.open(root) as project:
        project.scan()
        clips = project.clips()
        ids = {c.path: c.id for c in clips}
        project.add_region(ids["c.wav"], 0.1, 0.3, "owl")  # marked: its event is no news

        def events_in(_project, clip, on_progress):
            if clip.path == "b.wav":
                raise EarmarkError("b.wav: it went away")
            on_progress(0.5)
            return [RegionSpec(clip.id, 0.1, 0.3, "owl", score=0.9)]

        reports = []
        outcome = event_search.search_recordings(project, clips, events_in, channel=1,
                                       progress=lambda done, total: reports.append(done))
        assert outcome.failed == [("b.wav", "b.wav: it went away")]
        assert (outcome.searched, outcome.total, outcome.stopped) == (2, 3, False)
        assert [s.channel for s in outcome.specs[ids["a.wav"]]] == [1]
        assert outcome.specs[ids["c.wav"]] == []
        assert reports == sorted(reports) and reports[-1] == outcome.progress_s[0] == 3.0
        asked = []
        stopped = event_search.search_recordings(project, clips, lambda p, c, on: asked.append(c) or [],
                                       should_stop=lambda: len(asked) >= 1)
        assert stopped.stopped and stopped.searched == 0 and len(asked) == 1


def test_unmarked_events_keeps_what_every_pair_compared_keeps():
    """The sweep looks only at pairs that overlap; on random spans (points, channels, classes,
    any_class) it keeps what comparing every event with every region keeps."""
    from types import SimpleNamespace

    from core.audio.spans import same_call, share_channel
    from core.workflow.events import unmarked_events

    rng = np.random.default_rng(3)

    def spans(n, status):
        begins = np.round(rng.uniform(0, 60, n), 1)
        return [SimpleNamespace(begin_s=b, end_s=b + float(rng.choice([0.0, 0.5, 2.0])),
                                label=rng.choice(["owl", "bat", None]),
                                channel=rng.choice([None, 0, 1]), status=status) for b in begins]

    for any_class in (False, True):
        events, regions = spans(300, "unreviewed"), spans(300, None) + spans(50, "rejected")
        every = [e for e in events if not any(
            r.status is None and (any_class or e.label is None or r.label == e.label)
            and share_channel(e, r) and same_call(e, r) for r in regions)]
        assert unmarked_events(events, regions, any_class) == every
        assert len(every) < len(events)
