"""The project store: label import on first open, incremental rescans, atomic label changes,
classes, models, read-only folders, concurrency, damage and migrations."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from core.errors import ProjectBusyError, ProjectDamagedError, ProjectError
from core.store import moves as store_moves
from core.store import project as store_mod
from core.store import scan as store_scan
from core.store import store_place
from core.store.label_io import import_csv
from core.store.lock import ProjectLock
from core.store.project import Project
from core.store.records import RegionSpec
from core.store.schema import SCHEMA_VERSION
from tests import audio_factory
from tests.core.store.old_store import old_store


def short(path: Path, freq: float = 440.0, duration_s: float = 0.1) -> Path:
    return audio_factory.write(path, audio_factory.tone(freq, duration_s))


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Keep the per-user store location inside the test's tmp dir."""
    target = tmp_path / "userdata"
    monkeypatch.setenv("EARMARK_DATA_DIR", str(target))
    return target


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "audio"
    for kind in ("dog", "cat"):
        for i in range(3):
            short(root / kind / f"clip{i}.wav", 300 + 100 * i)
    short(root / "loose.wav")
    return root


def by_path(project: Project, **kw) -> dict:
    return {c.path: c for c in project.clips(**kw)}


# ---------------------------------------------------------------- first open, label sources


def test_first_open_imports_folder_labels_with_source(folder):
    with Project.open(folder) as project:
        assert project.store_path == folder.resolve() / ".earmark" / "project.sqlite"
        assert project.store_note is None
        summary = project.scan()
        assert summary.added == 7 and summary.total == 7 and not summary.stopped
        clips = by_path(project)
        assert clips["dog/clip0.wav"].label == "dog"
        assert clips["dog/clip0.wav"].label_source == "folder"
        assert clips["cat/clip2.wav"].label == "cat"
        assert clips["loose.wav"].label is None and clips["loose.wav"].label_source is None
        c = clips["dog/clip1.wav"]
        assert c.error is None and c.sample_rate_hz == 16000 and c.channels == 1
        assert c.duration_s == pytest.approx(0.1, abs=1e-3) and c.size_bytes > 0
        assert not c.missing
        classes = project.classes()
        assert sorted(k.name for k in classes) == ["cat", "dog"]
        assert {k.shortcut for k in classes} == {"1", "2"}
        assert len({k.colour for k in classes}) == 2
        history = project.label_history(c.id)
        assert [(h.old_label, h.new_label, h.new_source, h.action) for h in history] == [
            (None, "dog", "folder", "scan")]


def test_filename_prefix_labels_recorded_as_filename(tmp_path):
    from core.audio.discovery import iter_audio_files
    from core.store.label_rules import label_from_path

    root = tmp_path / "flat"
    for i in range(3):
        short(root / f"bird_{i:03d}.wav")
        short(root / f"frog_{i:03d}.wav")
    expected = {p.relative_to(root).as_posix(): label_from_path(root, p)
                for p in map(Path, iter_audio_files(root))}
    assert any(src == "filename" and lab for lab, src in expected.values()), expected
    with Project.open(root) as project:
        project.scan()
        for rel, clip in by_path(project).items():
            lab, src = expected[rel]
            assert clip.label == lab
            assert clip.label_source == (src if lab else None)


def test_labels_csv_beside_audio_recorded_as_csv(tmp_path):
    root = tmp_path / "csvd"
    short(root / "one.wav")
    short(root / "two.wav")
    short(root / "three.wav")
    (root / "labels.csv").write_text("path,label\none.wav,owl\ntwo.wav,bat\n", encoding="utf-8")
    with Project.open(root) as project:
        summary = project.scan()
        clips = by_path(project)
    assert (clips["one.wav"].label, clips["one.wav"].label_source) == ("owl", "csv")
    assert (clips["two.wav"].label, clips["two.wav"].label_source) == ("bat", "csv")
    assert clips["three.wav"].label is None
    assert summary.labels_imported == 2


def test_labels_csv_rows_naming_no_file_are_said_on_the_first_scan(tmp_path):
    """They were dropped in silence; the command line named each, the window none."""
    root = tmp_path / "csvd"
    short(root / "one.wav")
    short(root / "sub" / "two.wav")
    (root / "labels.csv").write_text("path,label\none.wav,owl\ngone.wav,bat\nsub/two.wav,owl\n"
                                     "sub/three.wav,bat\n", encoding="utf-8")
    with Project.open(root) as project:
        summary = project.scan()
        assert by_path(project)["one.wav"].label == "owl"
        assert [w for w in summary.warnings if "name no audio file" in w] == [
            f"{root.resolve() / 'labels.csv'}: 2 rows name no audio file here, their labels not "
            "used (gone.wav, sub/three.wav)"]
        assert not project.scan().warnings  # said once, on the scan that reads the labels
    # A night's folder's own labels.csv names its own files: a row naming a file by a name only
    # another folder's file has labels nothing, and is said (it was taken as found).
    night = tmp_path / "night"
    short(night / "2026-06-01" / "a.wav")
    short(night / "other" / "x.wav")
    (night / "2026-06-01" / "labels.csv").write_text("path,label\na.wav,owl\nx.wav,bat\n",
                                                     encoding="utf-8")
    with Project.open(night) as project:
        summary = project.scan()
        assert by_path(project)["2026-06-01/a.wav"].label == "owl"
        assert by_path(project)["other/x.wav"].label == "other"
        assert [w.rsplit(": ", 1)[1] for w in summary.warnings] == [
            "1 row names no audio file here, its label not used (x.wav)"]


def test_unreadable_file_recorded_with_reason(tmp_path):
    root = tmp_path / "broken"
    short(root / "good.wav")
    audio_factory.write_broken(root / "bad.wav", "text")
    with Project.open(root) as project:
        summary = project.scan()
        clips = by_path(project)
        assert summary.unreadable == 1
        assert clips["bad.wav"].error and clips["good.wav"].error is None
        assert [c.path for c in project.clips(readable=False)] == ["bad.wav"]
        assert [c.path for c in project.clips(readable=True)] == ["good.wav"]


# ---------------------------------------------------------------- rescans


def test_reopen_does_not_reread_audio(folder, monkeypatch):
    with Project.open(folder) as project:
        project.scan()
    from core.audio import reading as audio

    def boom(path):
        raise AssertionError(f"re-read {path}")

    monkeypatch.setattr(audio, "info", boom)
    with Project.open(folder) as project:
        summary = project.scan()
        assert summary.unchanged == 7 and summary.added == summary.changed == 0
        assert len(project.clips()) == 7


def test_rescan_after_add_remove_modify_keeps_labels(folder):
    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "dog")
    short(folder / "dog" / "new.wav")  # added: takes the existing class of its folder
    short(folder / "owl" / "x.wav")  # added later in a folder that is no class: unlabeled
    (folder / "cat" / "clip0.wav").unlink()  # removed
    old = folder / "loose.wav"
    before = old.stat()
    short(old, duration_s=0.25)  # modified
    os.utime(old, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    with Project.open(folder) as project:
        batches = []
        summary = project.scan(on_batch=batches.append)
        assert (summary.added, summary.changed, summary.missing) == (2, 1, 1)
        assert summary.unchanged == 5
        clips = by_path(project)
        assert "cat/clip0.wav" not in clips
        assert clips["dog/new.wav"].label == "dog"
        assert clips["owl/x.wav"].label is None
        assert clips["loose.wav"].duration_s == pytest.approx(0.25, abs=1e-3)
        assert (clips["loose.wav"].label, clips["loose.wav"].label_source) == ("dog", "manual")
        gone = by_path(project, include_missing=True)["cat/clip0.wav"]
        assert gone.missing and gone.label == "cat"
        delivered = {c.path: c for batch in batches for c in batch}
        assert set(delivered) == {"dog/new.wav", "owl/x.wav", "loose.wav", "cat/clip0.wav"}
        assert delivered["cat/clip0.wav"].missing
    short(folder / "cat" / "clip0.wav")  # comes back: same clip, label kept
    with Project.open(folder) as project:
        project.scan()
        back = by_path(project)["cat/clip0.wav"]
        assert back.id == gone.id and not back.missing and back.label == "cat"


def test_files_moved_to_other_folders_stay_the_same_clips(folder):
    """Files sorted into folders, or a folder renamed: before, each came back as a new,
    unlabelled clip, and its label, regions and predictions stayed with a missing one."""
    import shutil

    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "owl")
        region = project.add_regions([RegionSpec(loose.id, 0.01, 0.05, "hoot")])[0]
        cat0 = by_path(project)["cat/clip0.wav"]
    (folder / "night" / "site-B").mkdir(parents=True)
    shutil.move(folder / "loose.wav", folder / "night" / "site-B" / "loose.wav")
    (folder / "cat").rename(folder / "felines")  # a folder renamed: its three files move
    shutil.copy2(folder / "dog" / "clip0.wav", folder / "night" / "clip0.wav")  # a copy: new
    with Project.open(folder) as project:
        batches = []
        summary = project.scan(on_batch=batches.append)
        assert (summary.moved, summary.added, summary.missing, summary.changed) == (4, 1, 0, 0)
        clips = by_path(project, include_missing=True)
        moved = clips["night/site-B/loose.wav"]
        assert (moved.id, moved.label, moved.missing) == (loose.id, "owl", False)
        assert [r.id for r in project.regions(loose.id)] == [region.id]
        assert clips["felines/clip0.wav"].id == cat0.id and clips["felines/clip0.wav"].label == "cat"
        assert "loose.wav" not in clips and "cat/clip0.wav" not in clips
        assert clips["night/clip0.wav"].label is None  # the copy: a new clip
        delivered = {c.path for batch in batches for c in batch}
        assert "night/site-B/loose.wav" in delivered


def test_a_file_renamed_stays_its_clip_and_a_copy_under_another_name_is_new(folder):
    """A labelled file renamed (rec_002 to kitchen_cat), or moved and renamed, came back as a
    new unlabelled clip, its label left on a missing one, and nothing said so."""
    import shutil

    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        dog0 = by_path(project)["dog/clip0.wav"]
        project.set_labels([loose.id, dog0.id], "owl")
    (folder / "loose.wav").rename(folder / "kitchen_owl.wav")
    (folder / "sorted").mkdir()
    (folder / "dog" / "clip0.wav").rename(folder / "sorted" / "garden_owl.wav")
    shutil.copy2(folder / "cat" / "clip0.wav", folder / "cat" / "clip0 copy.wav")  # a copy
    with Project.open(folder) as project:
        summary = project.scan()
        assert (summary.moved, summary.added, summary.missing) == (2, 1, 0)
        clips = by_path(project, include_missing=True)
        assert (clips["kitchen_owl.wav"].id, clips["kitchen_owl.wav"].label) == (loose.id, "owl")
        assert (clips["sorted/garden_owl.wav"].id, clips["sorted/garden_owl.wav"].label) == (
            dog0.id, "owl")
        assert clips["cat/clip0 copy.wav"].id != clips["cat/clip0.wav"].id


def test_files_whose_names_were_swapped_keep_their_own_labels(tmp_path):
    """Two recordings of one size whose names were swapped (a → tmp, b → a, tmp → b) each
    kept the label of its new name, the other recording's: the scan said "2 changed"."""
    root = tmp_path / "swaps"
    names = ("a.wav", "b.wav", "c.wav", "d.wav")
    for k, name in enumerate(names):
        path = short(root / name, 300 + 100 * k)
        os.utime(path, ns=(10**18 + k * 10**9,) * 2)  # one size, their own times
    with Project.open(root) as project:
        project.scan()
        clips = by_path(project)
        for name, label in zip(names, ("owl", "wren", "jay", "tit"), strict=True):
            project.set_labels([clips[name].id], label)

    def rename_round(*cycle):  # cycle[0] -> cycle[1] -> ... -> cycle[0]
        (root / cycle[-1]).rename(root / "tmp")
        for src, dst in zip(reversed(cycle[:-1]), reversed(cycle[1:]), strict=True):
            (root / src).rename(root / dst)
        (root / "tmp").rename(root / cycle[0])

    import shutil

    (root / "sub").mkdir()
    shutil.copy2(root / "a.wav", root / "sub" / "a.wav")  # a copy of one, of its name and time
    rename_round("a.wav", "b.wav")
    with Project.open(root) as project:
        # The window hears of the new paths before any file is read, so a scan stopped at once
        # leaves no row showing a clip at the other's path (a key would label the wrong one).
        batches, asked = [], []
        # Stopped once the files are listed and looked at, before the first is read.
        assert project.scan(on_batch=batches.append,
                            should_stop=lambda: asked.append(1) or len(asked) > 1).stopped
        assert {(r.path, r.label) for r in batches[0]} == {("b.wav", "owl"), ("a.wav", "wren")}
        summary = project.scan()
        assert (summary.moved, summary.changed, summary.added, summary.missing) == (0, 0, 1, 0)
        now = by_path(project)
        assert (now["b.wav"].id, now["b.wav"].label) == (clips["a.wav"].id, "owl")
        assert (now["a.wav"].id, now["a.wav"].label) == (clips["b.wav"].id, "wren")
        assert now["sub/a.wav"].id not in {c.id for c in clips.values()}  # the copy: new
    (root / "sub" / "a.wav").unlink()
    rename_round("b.wav", "c.wav", "d.wav")  # three names turned round: b to c, c to d, d to b
    with Project.open(root) as project:
        summary = project.scan()
        assert (summary.moved, summary.missing) == (3, 1)  # the copy gone
        assert {c.path: c.label for c in project.clips()} == {
            "a.wav": "wren", "c.wav": "owl", "d.wav": "jay", "b.wav": "tit"}

def test_a_scan_stopped_while_it_looks_at_the_files_moves_nothing(folder):
    """Every listed file is looked at (its size and time) before any is read, to find the
    moved ones: on a slow share Stop did nothing until all were; a withdrawn clip id kept as
    a bare number (before fingerprints were kept with them) still reads."""
    import json

    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "owl")
        with project._write() as conn:
            store_scan.set_meta(conn, store_scan.WITHDRAWN_KEY, json.dumps({"gone.wav": 99}))
            assert store_scan.withdrawn_clip_ids(conn) == {"gone.wav": (99, None)}
    (folder / "loose.wav").rename(folder / "kitchen_owl.wav")
    with Project.open(folder) as project:
        summary = project.scan(should_stop=lambda: True)
        assert summary.stopped and summary.moved == 0
        assert by_path(project, include_missing=True)["loose.wav"].label == "owl"
        assert project.scan().moved == 1
        assert by_path(project)["kitchen_owl.wav"].id == loose.id


def test_a_name_changed_in_case_only_stays_its_clip_on_a_disk_that_ignores_case(
        folder, monkeypatch):
    """On macOS or Windows, REC_001.WAV renamed rec_001.wav is still there by its old name, so
    the clip never counted as gone: new, unlabelled, its label on a missing clip."""
    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "owl")
    (folder / "loose.wav").rename(folder / "LOOSE.wav")

    def lexists(path):  # as such a disk answers
        path = Path(path)
        return any(p.name.lower() == path.name.lower() for p in path.parent.iterdir())

    def samefile(one, other):
        return Path(one).name.lower() == Path(other).name.lower() or os.path.samefile(one, other)

    monkeypatch.setattr(store_moves.os.path, "lexists", lexists)
    monkeypatch.setattr(store_moves.os.path, "samefile", samefile)
    with Project.open(folder) as project:
        assert project.scan().moved == 1
        clip = by_path(project)["LOOSE.wav"]
        assert (clip.id, clip.label) == (loose.id, "owl")


def test_a_clip_without_a_fingerprint_missing_since_an_earlier_scan_is_not_taken_over(folder):
    """Two cards on one schedule write files of one name, size and time (FAT keeps it to 2 s):
    a clip long missing, with no fingerprint to tell, took the other card's recording's."""
    import shutil

    with Project.open(folder) as project:
        project.scan()
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "owl")
        project.conn.execute("UPDATE clips SET fingerprint = NULL")
    stat = (folder / "loose.wav").stat()
    (folder / "loose.wav").unlink()
    with Project.open(folder) as project:
        assert project.scan().missing == 1
    (folder / "card_b").mkdir()
    other = shutil.copy(folder / "cat" / "clip0.wav", folder / "card_b" / "loose.wav")
    audio_factory.write(other, audio_factory.tone(880.0, 0.1))  # another recording, same size
    assert other.stat().st_size == stat.st_size
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with Project.open(folder) as project:
        assert project.scan().moved == 0
        assert by_path(project)["card_b/loose.wav"].label is None


def test_a_file_moved_while_another_takes_its_old_path_stays_its_clip(folder):
    """A file moved to a site folder and another recording copied in at its old path (a second
    card's files, named alike): before, the newcomer kept the label and the moved recording
    came back new. The same with the newcomer's size and time made the old one's."""
    import shutil

    with Project.open(folder) as project:
        project.scan()
        clip0, clip2 = by_path(project)["dog/clip0.wav"], by_path(project)["dog/clip2.wav"]
        project.set_labels([clip0.id, clip2.id], "wolf")
    (folder / "site").mkdir()
    shutil.move(folder / "dog" / "clip0.wav", folder / "site" / "clip0.wav")
    shutil.copy(folder / "cat" / "clip1.wav", folder / "dog" / "clip0.wav")
    shutil.move(folder / "dog" / "clip2.wav", folder / "site" / "clip2.wav")
    short(folder / "dog" / "clip2.wav", 900)  # 0.1 s as clip2 is: the same size
    moved = folder / "site" / "clip2.wav"
    os.utime(folder / "dog" / "clip2.wav", ns=(moved.stat().st_atime_ns, moved.stat().st_mtime_ns))
    with Project.open(folder) as project:
        summary = project.scan()
        clips = by_path(project)
        assert summary.moved == 2 and summary.added == 2
        for name, was in (("clip0.wav", clip0), ("clip2.wav", clip2)):
            assert (clips[f"site/{name}"].id, clips[f"site/{name}"].label) == (was.id, "wolf")
            assert clips[f"dog/{name}"].id != was.id and clips[f"dog/{name}"].label == "dog"


def test_a_moved_file_like_two_vanished_clips_is_new(folder):
    """Two clips of one name, size and time gone at once: which one moved is not known."""
    import shutil

    twin = folder / "owl" / "clip1.wav"
    twin.parent.mkdir()
    shutil.copy2(folder / "cat" / "clip1.wav", twin)
    os.utime(twin, ns=((folder / "cat" / "clip1.wav").stat().st_atime_ns,
                       (folder / "cat" / "clip1.wav").stat().st_mtime_ns))
    with Project.open(folder) as project:
        project.scan()
    shutil.move(folder / "cat" / "clip1.wav", folder / "clip1.wav")
    twin.unlink()
    with Project.open(folder) as project:
        summary = project.scan()
        assert (summary.moved, summary.added, summary.missing) == (0, 1, 2)


def test_another_recorders_file_of_one_name_size_and_time_is_no_move(tmp_path):
    """Two recorders on one schedule write files of one name and length, and a card's clock
    counts in 2 s steps: ARU01/ removed and ARU02/ added in one go, ARU02's file took ARU01's
    label and regions before. Their bytes differ."""
    import numpy as np

    root = tmp_path / "night"
    first = audio_factory.write(root / "ARU01" / "20260601_220000.wav",
                                audio_factory.noise(1.0, seed=1))
    with Project.open(root) as project:
        project.scan()
        clip = project.clips()[0]
        project.set_labels([clip.id], "tawny_owl")
    stamp = first.stat().st_mtime_ns
    first.unlink()
    first.parent.rmdir()
    other = audio_factory.write(root / "ARU02" / "20260601_220000.wav",
                                audio_factory.noise(1.0, seed=2).astype(np.float32))
    os.utime(other, ns=(stamp, stamp))
    assert other.stat().st_size == clip.size_bytes
    with Project.open(root) as project:
        summary = project.scan()
        assert (summary.moved, summary.added, summary.missing) == (0, 1, 1)
        assert by_path(project)["ARU02/20260601_220000.wav"].label is None


def test_a_file_moved_to_another_class_folder_takes_that_class(tmp_path):
    """Moving a file from dog/ to cat/ is how a class-folder data set is relabelled; a label a
    person gave stays as it is."""
    import shutil

    root = tmp_path / "pets"
    for n, name in enumerate(("dog/a", "dog/b", "cat/c", "cat/d")):
        short(root / f"{name}.wav", 300 + 100 * n)
    with Project.open(root) as project:
        project.scan()
        a, b = by_path(project)["dog/a.wav"], by_path(project)["dog/b.wav"]
        project.set_labels([b.id], "wolf")
    for name in ("a", "b"):
        shutil.move(root / "dog" / f"{name}.wav", root / "cat" / f"{name}.wav")
    with Project.open(root) as project:
        assert project.scan().moved == 2
        clips = by_path(project)
        assert (clips["cat/a.wav"].id, clips["cat/a.wav"].label,
                clips["cat/a.wav"].label_source) == (a.id, "cat", "folder")
        assert project.label_history(a.id)[-1].new_label == "cat"
        assert (clips["cat/b.wav"].id, clips["cat/b.wav"].label) == (b.id, "wolf")


def test_a_scan_stopped_before_it_reads_a_moved_file_leaves_its_new_class(tmp_path):
    """The moves are written before any file is read: a scan stopped at once (the window
    closed) kept the new path and left the next scan nothing to relabel, so a file moved from
    dog/ to cat/ stayed a dog for good."""
    import shutil

    root = tmp_path / "pets"
    for n, name in enumerate(("dog/a", "cat/c")):
        short(root / f"{name}.wav", 300 + 100 * n)
    with Project.open(root) as project:
        project.scan()
    shutil.move(root / "dog" / "a.wav", root / "cat" / "a.wav")
    with Project.open(root) as project:
        assert project.scan(should_stop=lambda: True).stopped
    with Project.open(root) as project:
        project.scan()
        moved = by_path(project)["cat/a.wav"]
        assert (moved.label, moved.label_source) == ("cat", "folder")


def test_a_file_moved_into_a_folder_not_named_in_utf8_does_not_stop_the_scan(tmp_path):
    """A clip's file moved into a folder named in another system's encoding: the move was
    written with that name before the names were checked, and every scan after failed on it."""
    import shutil

    root = tmp_path / "audio"
    short(root / "dog" / "a.wav")
    short(root / "b.wav", 300)
    with Project.open(root) as project:
        project.scan()
    odd = os.fsencode(root) + b"/caf\xe9"
    os.mkdir(odd)
    shutil.move(os.fsencode(root / "dog" / "a.wav"), odd + b"/a.wav")
    for _ in range(2):
        with Project.open(root) as project:
            summary = project.scan()
            assert summary.moved == 0 and any("not UTF-8" in w for w in summary.warnings)
            assert by_path(project, include_missing=True)["dog/a.wav"].missing


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_called_wav_is_named_not_opened(folder):
    """A named pipe called ``.wav`` (a recorder's live output, say) was skipped without a word;
    opening it would wait for a writer. The scan names it and goes on, without opening it."""
    os.mkfifo(folder / "live.wav")
    with Project.open(folder) as project:
        summary = project.scan()
        assert [w for w in summary.warnings if w.startswith("live.wav")] == [
            "live.wav: not listed (a named pipe, not a regular file); nothing is read from it"]
        assert "live.wav" not in by_path(project) and "loose.wav" in by_path(project)


def test_a_file_unreadable_for_a_fault_not_in_its_bytes_is_read_again(folder, monkeypatch):
    """A file without read permission, given it since (chmod keeps its size and time): it
    stayed "No permission" through every rescan and reopen, and no model learnt from it. A file
    whose bytes are at fault is not read again until it changes."""
    from core.audio import reading
    from core.errors import AudioError

    real_info = reading.info
    faults = {"dog/clip0.wav": reading.PERMISSION, "dog/clip1.wav": reading.CORRUPT}

    def info_with_faults(path):
        for name, reason in faults.items():
            if Path(path).as_posix().endswith(name):
                raise AudioError(path, reason)
        return real_info(path)

    monkeypatch.setattr(reading, "info", info_with_faults)
    with Project.open(folder) as project:
        project.scan()
        assert {c.path: c.error for c in project.clips() if c.error} == faults
    faults.clear()  # the permission given; the other file's bytes are as they were
    with Project.open(folder) as project:
        project.scan()
        errors = {c.path: c.error for c in project.clips() if c.error}
        assert errors == {"dog/clip1.wav": reading.CORRUPT}


def test_a_rescan_counts_a_file_read_again_as_it_was_as_unchanged(tmp_path):
    """A link whose file is gone is read again by every scan (its file may come back); before,
    each rescan counted it changed and unreadable anew, and the window said "1 unreadable" each
    time. A file libsndfile cannot decode is read once."""
    root = tmp_path / "night"
    short(root / "a.wav")
    (root / "gone.wav").symlink_to(root / "nowhere.wav")
    with Project.open(root) as project:
        first = project.scan()
        second = project.scan()
    assert (first.added, first.unreadable) == (2, 1)
    assert (second.changed, second.unreadable, second.unchanged) == (0, 1, 2)  # the folder's
    from core.audio import reading
    assert reading.is_content_fault(f"{reading.UNREADABLE_DATA} (odd chunk)")
    assert reading.is_content_fault(reading.UNSUPPORTED)


def test_the_fingerprint_reads_all_of_a_file_under_eight_kilobytes(tmp_path):
    """Files of 4-8 KB were told apart by their first 4 KB alone: two recorders' short calls,
    silent at first, of one name, size and time, passed for one file moved."""
    import numpy as np

    calls = []
    for seed in (1, 2):
        samples = np.zeros(3000, np.float32)
        samples[2500:] = audio_factory.noise(500 / 16000, seed=seed)[:500]
        calls.append(audio_factory.write(tmp_path / f"{seed}" / "call.wav", samples))
    assert 4096 < calls[0].stat().st_size == calls[1].stat().st_size <= 8192
    assert calls[0].read_bytes()[:4096] == calls[1].read_bytes()[:4096]
    assert store_moves.file_fingerprint(calls[0]) != store_moves.file_fingerprint(calls[1])


def test_clips_scanned_before_fingerprints_get_theirs_at_the_next_scan(folder):
    import shutil

    with Project.open(folder) as project:
        project.scan()
        project.conn.execute("UPDATE clips SET fingerprint = NULL")  # a store from before v6
        loose = by_path(project)["loose.wav"]
        project.set_labels([loose.id], "dog")
    shutil.move(folder / "loose.wav", folder / "cat" / "loose.wav")
    # Moved before the clip had one: known by its name, size and time (it came back new, its
    # label left on a missing clip).
    with Project.open(folder) as project:
        assert project.scan().moved == 1
        moved = by_path(project)["cat/loose.wav"]
        assert (moved.id, moved.label) == (loose.id, "dog")
        assert project.conn.execute(
            "SELECT COUNT(*) FROM clips WHERE fingerprint IS NULL AND missing = 0").fetchone()[0] == 0
    shutil.move(folder / "cat" / "clip1.wav", folder / "clip1.wav")
    with Project.open(folder) as project:
        assert project.scan().moved == 1


def test_scan_of_given_paths_looks_at_only_those(folder):
    with Project.open(folder) as project:
        project.scan()
        new = short(folder / "dog" / "new.wav")
        other = short(folder / "dog" / "other.wav")
        (folder / "cat" / "clip0.wav").unlink()
        summary = project.scan(paths=[new])
        assert (summary.added, summary.changed, summary.missing, summary.unchanged) == (1, 0, 0, 0)
        clips = by_path(project)
        assert clips["dog/new.wav"].label == "dog"
        assert "dog/other.wav" not in clips and "cat/clip0.wav" in clips  # not looked at
        new.unlink()
        summary = project.scan(paths=[new, str(folder / "cat" / "clip0.wav")])
        assert summary.missing == 2
        assert {"dog/new.wav", "cat/clip0.wav"}.isdisjoint(by_path(project))
        outside = short(folder.parent / "elsewhere.wav")
        assert project.scan(paths=[outside]).added == 0  # not the project's: ignored
        assert project.scan().added == 1  # a whole scan finds the file the others skipped
        assert other.exists() and "dog/other.wav" in by_path(project)


def test_scan_batches_progress_and_stop(tmp_path, monkeypatch):
    monkeypatch.setattr(store_scan, "SCAN_BATCH", 4)
    root = tmp_path / "many"
    for i in range(10):
        short(root / "k" / f"{i:02d}.wav")
    fractions = []
    batches = []
    with Project.open(root) as project:
        calls = iter(range(100))
        summary = project.scan(progress=lambda f, m: fractions.append(f),
                               # 3 asks while the files are looked at, then one a file
                               should_stop=lambda: next(calls) >= 3 + 6,
                               on_batch=batches.append)
        assert summary.stopped and summary.added == 6
        assert [len(b) for b in batches] == [4, 2]
        assert len(project.clips()) == 6
        summary = project.scan(on_batch=batches.append)
        assert not summary.stopped and summary.added == 4 and summary.unchanged == 6
        assert fractions[-1] == 1.0
        assert all(c.label == "k" for c in project.clips())


# ---------------------------------------------------------------- labels


def test_set_labels_undo_and_history(folder):
    with Project.open(folder) as project:
        project.scan()
        clips = by_path(project)
        ids = [clips["dog/clip0.wav"].id, clips["loose.wav"].id]
        previous = project.set_labels(ids, "bird")
        assert previous == {ids[0]: ("dog", "folder"), ids[1]: (None, None)}
        assert "bird" in [k.name for k in project.classes()]  # unknown class added
        assert {c.label for c in project.clips(label="bird")} == {"bird"}
        assert len(project.clips(source="manual")) == 2
        project.restore_labels(previous)
        clips = by_path(project)
        assert (clips["dog/clip0.wav"].label, clips["dog/clip0.wav"].label_source) == (
            "dog", "folder")
        assert clips["loose.wav"].label is None
        actions = [(h.old_label, h.new_label, h.action) for h in project.label_history(ids[0])]
        assert actions == [(None, "dog", "scan"), ("dog", "bird", "set"),
                           ("bird", "dog", "restore")]
        project.set_labels([ids[0]], None)
        assert by_path(project)["dog/clip0.wav"].label_source is None
        assert [c.path for c in project.clips(unlabeled=True)] == ["dog/clip0.wav", "loose.wav"]


def test_set_labels_unknown_id_changes_nothing(folder):
    with Project.open(folder) as project:
        project.scan()
        first = project.clips()[0]
        with pytest.raises(ProjectError, match="no clip with id 99999"):
            project.set_labels([first.id, 99999], "zzz")
        assert project.clip(first.id).label == first.label
        assert "zzz" not in [k.name for k in project.classes()]


@contextlib.contextmanager
def _scanned_class(root: Path, n: int):
    """(project, clip ids) of ``n`` short clips in ``root``/a, scanned."""
    for i in range(n):
        short(root / "a" / f"{i:02d}.wav")
    with Project.open(root) as project:
        project.scan()
        yield project, [c.id for c in project.clips()]


def test_bulk_change_is_atomic(tmp_path):
    with _scanned_class(tmp_path / "bulk", 40) as (project, ids):
        victim = ids[25]
        # Fail inside the transaction, after most updates ran.
        project.conn.execute(
            f"CREATE TRIGGER fail_mid BEFORE UPDATE ON clips WHEN NEW.id = {victim} "
            "BEGIN SELECT RAISE(ABORT, 'forced failure'); END")
        with pytest.raises(ProjectError, match="forced failure") as caught:
            project.set_labels(ids, "b")
        assert str(project.store_path) in str(caught.value)
        assert "damaged" not in str(caught.value)  # a refused change is not a broken store
        assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)
        project.conn.execute("DROP TRIGGER fail_mid")
        assert {c.label for c in project.clips()} == {"a"}
        assert all(len(project.label_history(i)) == 1 for i in ids)
        assert "b" not in [k.name for k in project.classes()]
        project.set_labels(ids, "b")
        assert {c.label for c in project.clips()} == {"b"}


def test_a_full_disk_is_not_called_damage_and_loses_nothing(tmp_path):
    """A full disk was told as a damaged store, to be moved aside and rebuilt from the audio:
    done, every label set by hand would have gone. SQLite's own limit on the pages it may
    use fails a write as a full disk does."""
    with _scanned_class(tmp_path / "full", 20) as (project, ids):
        project.set_labels(ids[:1], "b")
        pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
        project.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ProjectError) as caught:
            for round_ in range(200):  # until a write needs a page more
                project.set_labels(ids, f"long class name {round_} " + "x" * 200)
        message = str(caught.value)
        assert not isinstance(caught.value, ProjectDamagedError)
        assert "disk is full" in message and str(project.store_path) in message
        assert "damaged" not in message and "move it aside" not in message
        before = {c.id: c.label for c in project.clips()}
        # A disk that stops answering (unplugged, a share down) is no damage either.
        unplugged = sqlite3.OperationalError("disk I/O error")
        unplugged.sqlite_errorcode = sqlite3.SQLITE_IOERR | (4 << 8)  # SQLITE_IOERR_WRITE
        said = store_mod._unwritable_error(project.store_path, unplugged)
        assert not isinstance(said, ProjectDamagedError) and "not known to be damaged" in str(said)
        project.conn.execute(f"PRAGMA max_page_count = {pages * 100}")  # space freed
        project.set_labels(ids[:1], "c")
        assert project.clip(ids[0]).label == "c"
        assert {c.id: c.label for c in project.clips() if c.id != ids[0]} == {
            i: label for i, label in before.items() if i != ids[0]}


def test_failed_class_merge_is_rolled_back_as_project_error(tmp_path):
    root = tmp_path / "merge"
    for name in ("a", "b"):
        for i in range(3):
            short(root / name / f"{i}.wav")
    with Project.open(root) as project:
        project.scan()
        project.conn.execute(
            "CREATE TRIGGER no_delete BEFORE DELETE ON classes "
            "BEGIN SELECT RAISE(ABORT, 'classes are kept'); END")
        with pytest.raises(ProjectError, match="classes are kept"):
            project.merge_classes(["a"], "b")
        project.conn.execute("DROP TRIGGER no_delete")
        assert project.label_counts() == {"a": 3, "b": 3}
        assert [k.name for k in project.classes()] == ["a", "b"]


def test_public_names_still_come_from_core_store():
    from core.store import records as store_records
    for name in ("Project", "ClipRecord", "ClassInfo", "LabelChange", "ModelRecord",
                 "PredictionRecord", "ScanSummary", "default_store_dir", "SCHEMA_VERSION",
                 "LABEL_SOURCES", "PALETTE", "SCAN_BATCH", "STORE_DIRNAME", "STORE_FILENAME",
                 "DEFAULT_BUSY_TIMEOUT_S", "RegionRecord", "RegionSpec", "RegionChange",
                 "UNCHANGED", "validate_region"):
        assert hasattr(store_mod, name), name
    assert store_mod.ClipRecord is store_records.ClipRecord
    assert store_mod.RegionRecord is store_records.RegionRecord


# ---------------------------------------------------------------- classes


def test_classes_add_rename_merge_remove_reorder(folder):
    with Project.open(folder) as project:
        project.scan()
        owl = project.add_class("owl")
        assert owl.shortcut == "3" and owl.colour.startswith("#") and owl.order == 2
        with pytest.raises(ProjectError, match="already"):
            project.add_class("owl")
        with pytest.raises(ProjectError, match="already used"):
            project.set_class_shortcut("owl", "1")
        project.set_class_shortcut("owl", "o")
        project.set_class_colour("owl", "#123456")
        assert project.classes()[2] == store_mod.ClassInfo("owl", 2, "#123456", "o")

        project.rename_class("dog", "hound")
        assert len(project.clips(label="hound")) == 3 and not project.clips(label="dog")
        assert project.clips(label="hound")[0].label_source == "folder"
        with pytest.raises(ProjectError, match="merge"):
            project.rename_class("hound", "cat")

        project.reorder_classes(["owl", "cat"])
        assert [k.name for k in project.classes()] == ["owl", "cat", "hound"]
        with pytest.raises(ProjectError, match="no class"):
            project.reorder_classes(["nope"])

        project.merge_classes(["hound", "owl"], "cat")
        assert [k.name for k in project.classes()] == ["cat"]
        assert len(project.clips(label="cat")) == 6
        merged = project.clips(label="cat")[0]
        assert project.label_history(merged.id)[-1].action in ("merge", "scan")

        cat_ids = [c.id for c in project.clips(label="cat")]
        project.remove_class("cat")
        assert project.classes() == []
        assert len(project.clips(unlabeled=True)) == 7
        assert project.label_history(cat_ids[0])[-1].action == "remove_class"
        assert project.label_history(cat_ids[0])[-1].new_label is None


def test_auto_shortcuts_stop_after_ten(tmp_path):
    (tmp_path / "e").mkdir()
    with Project.open(tmp_path / "e") as project:
        made = [project.add_class(f"c{i}") for i in range(11)]
    assert [c.shortcut for c in made] == [str(i) for i in range(1, 10)] + ["0", None]
    assert len({c.colour for c in made}) == 11


# ---------------------------------------------------------------- models and predictions


def test_models_and_predictions(folder):
    with Project.open(folder) as project:
        project.scan()
        clips = by_path(project)
        assert project.active_model() is None
        first = project.add_model("m1.pt", ["cat", "dog"], {"epochs": 3}, {"accuracy": 0.9})
        second = project.add_model("m2.pt", ["cat", "dog"], {}, {}, parent_id=first)
        assert [m.id for m in project.models()] == [first, second]
        assert project.models()[1].parent_id == first
        assert project.models()[0].settings == {"epochs": 3}
        assert project.active_model().id == second
        project.set_active_model(first)
        assert project.active_model().id == first
        with pytest.raises(ProjectError):
            project.set_active_model(999)

        dog0, cat0, loose = (clips["dog/clip0.wav"].id, clips["cat/clip0.wav"].id,
                             clips["loose.wav"].id)
        project.record_predictions(first, [(dog0, "cat", 0.8, [0.8, 0.2]),
                                           (cat0, "cat", 0.9, [0.9, 0.1]),
                                           (loose, "dog", 0.55, [0.45, 0.55])])
        # Replacing a clip's prediction.
        project.record_predictions(first, [(dog0, "dog", 0.7, [0.3, 0.7])])
        preds = project.predictions(first)
        assert preds[dog0].label == "dog" and preds[dog0].probabilities == (0.3, 0.7)
        assert len(preds) == 3
        assert project.predictions(second) == {}


# ---------------------------------------------------------------- where the store lives


def test_explicit_store_dir(folder, tmp_path):
    elsewhere = tmp_path / "stores" / "p1"
    with Project.open(folder, store_dir=elsewhere) as project:
        project.scan()
        assert project.store_path == elsewhere.resolve() / "project.sqlite"
        assert str(project.store_path) in project.store_note
    assert not (folder / ".earmark").exists()


def test_read_only_folder_store_lives_in_user_data_dir(folder, data_dir):
    os.chmod(folder, 0o555)
    try:
        with Project.open(folder) as project:
            project.scan()
            assert len(project.clips()) == 7
            assert project.store_note and "read-only" in project.store_note
            assert str(data_dir) in str(project.store_path)
            assert str(project.store_path) in project.store_note
        assert not (folder / ".earmark").exists()
    finally:
        os.chmod(folder, 0o755)


def test_unwritable_folder_detected_by_probe(folder, data_dir, monkeypatch):
    real = store_place.can_hold_store
    monkeypatch.setattr(store_place, "can_hold_store",
                        lambda d: False if Path(d).parent == folder.resolve() else real(d))
    with Project.open(folder) as project:
        project.scan()
        assert project.store_path.is_relative_to(data_dir)
        assert project.store_path == store_mod.default_store_dir(folder) / "project.sqlite"
        assert "read-only" in project.store_note and str(project.store_path) in project.store_note
        labelled = project.clips(label="dog")[0]
        project.set_labels([labelled.id], "wolf")
    with Project.open(folder) as project:  # reopened at the same place
        assert project.clip(labelled.id).label == "wolf"


def test_a_full_disk_keeps_the_store_where_it_is(folder, data_dir, monkeypatch):
    """The probe of a full disk failed, the folder was taken for read-only, and its labels went
    on in a copy elsewhere (the two never merged) with a note that it was read-only; the
    probe's empty file was left behind."""
    with Project.open(folder) as project:
        project.scan()
        own = project.store_path

    class Full:
        def __init__(self, path, mode):  # the folder's disk is full, the per-user place's not
            self.handle = open(path, mode)  # the file is made: a full disk still has inodes
            self.full = not Path(path).is_relative_to(data_dir)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            if self.full:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data)

    from core import paths as core_paths  # where the write probe lives

    monkeypatch.setattr(core_paths, "open", Full, raising=False)
    with Project.open(folder) as project:
        assert project.store_path == own and not project.store_note
        assert len(project.clips()) == 7
    assert not list(own.parent.glob(".write-probe-*"))
    assert not data_dir.exists() or not list(data_dir.rglob("project.sqlite"))
    # A new folder's store on a full disk goes elsewhere, as a read-only folder's does.
    fresh = folder.parent / "fresh"
    short(fresh / "a.wav")
    with Project.open(fresh) as project:
        assert project.store_path.is_relative_to(data_dir)
    assert not list((fresh / ".earmark").glob(".write-probe-*"))


def test_finding_an_existing_store_creates_nothing(folder, tmp_path, data_dir):
    assert store_mod.existing_store_dir(folder) is None
    assert not (folder / ".earmark").exists() and not data_dir.exists()
    with Project.open(folder):
        pass
    assert store_mod.existing_store_dir(folder) == folder.resolve() / ".earmark"
    shared = tmp_path / "shared"
    short(shared / "a.wav")
    os.chmod(shared, 0o555)
    try:
        with Project.open(shared) as project:
            store_path = project.store_path
        assert store_mod.existing_store_dir(shared) == store_path.parent
    finally:
        os.chmod(shared, 0o755)


def _set_writable(root: Path, writable: bool) -> None:
    """chmod -R u+w / a-w (a folder marked read-only is left alone even by root)."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


def test_labels_in_a_folders_store_are_found_once_the_folder_is_read_only(folder, data_dir):
    with Project.open(folder) as project:
        project.scan()
        dog = project.clips(label="dog")[0]
        project.set_labels([dog.id], "wolf")
    own = folder / ".earmark" / "project.sqlite"
    before = own.read_bytes()
    _set_writable(folder, False)
    try:
        with Project.open(folder) as project:  # before: a new, empty store in the user's place
            assert project.store_path.is_relative_to(data_dir)
            assert "copied to" in project.store_note and str(project.store_path) in project.store_note
            assert project.clip(dog.id).label == "wolf"
            project.set_labels([dog.id], "fox")
        with Project.open(folder) as project:  # the copy is the project's from now on
            assert project.clip(dog.id).label == "fox" and "is kept at" in project.store_note
        assert own.read_bytes() == before  # the folder is untouched
    finally:
        _set_writable(folder, True)


def test_a_read_only_folders_store_deleted_offers_its_newer_copy(folder, data_dir):
    """The per-user store of a read-only folder deleted: it was copied again from the folder's
    own, older store, and the labels since (in Earmark's copy of the deleted one) passed over
    without a word."""
    from core.errors import ProjectStoreGoneError
    from core.store import store_backup

    with Project.open(folder) as project:
        project.scan()
        dog = project.clips(label="dog")[0]
        project.set_labels([dog.id], "wolf")
    _set_writable(folder, False)
    try:
        with Project.open(folder) as project:
            project.set_labels([dog.id], "fox")
            project.back_up()  # as the window does on closing
            gone = project.store_path
        for side in ("", "-wal", "-shm"):
            gone.with_name(gone.name + side).unlink(missing_ok=True)
        with pytest.raises(ProjectStoreGoneError) as caught:
            Project.open(folder)
        assert caught.value.store_path == gone and caught.value.copy is not None
        assert "the folder's own store, older" in caught.value.instead
        assert not gone.exists()
        with Project.open(folder, afresh=True) as project:  # from the folder's own store
            assert project.clip(dog.id).label == "wolf"
            project.close()
        for side in ("", "-wal", "-shm"):
            gone.with_name(gone.name + side).unlink(missing_ok=True)
        store_backup.restore_newest(gone, copy=caught.value.copy)  # the window's Yes
        with Project.open(folder) as project:
            assert project.store_path == gone and project.clip(dog.id).label == "fox"
        # A store kept where a person chose (--project) starts empty afresh: not said otherwise.
        chosen = data_dir / "chosen"
        with Project.open(folder, store_dir=chosen) as project:
            project.scan()
            project.back_up()
        (chosen / "project.sqlite").unlink()
        with pytest.raises(ProjectStoreGoneError) as caught:
            Project.open(folder, store_dir=chosen)
        assert caught.value.instead is None and "start afresh from" not in str(caught.value)
    finally:
        _set_writable(folder, True)


def test_labels_made_while_a_folder_was_read_only_are_found_once_it_is_writable(folder, data_dir):
    _set_writable(folder, False)
    try:
        with Project.open(folder) as project:
            project.scan()
            dog = project.clips(label="dog")[0]
            project.set_labels([dog.id], "wolf")
    finally:
        _set_writable(folder, True)
    with Project.open(folder) as project:  # before: a new store in the folder, without them
        assert project.clip(dog.id).label == "wolf"
        assert project.store_path.is_relative_to(data_dir)
        assert "made while the folder was read-only" in project.store_note
    assert not (folder / ".earmark").exists()


def test_the_store_written_last_is_the_projects(folder, data_dir):
    with Project.open(folder) as project:
        project.scan()
        dog = project.clips(label="dog")[0]
    own = folder.resolve() / ".earmark"
    elsewhere = store_mod.default_store_dir(folder)
    _set_writable(folder, False)
    try:
        with Project.open(folder) as project:  # copied, then written there
            project.set_labels([dog.id], "wolf")
        assert store_mod.existing_store_dir(folder) == elsewhere
    finally:
        _set_writable(folder, True)
    later = time.time() + 60
    os.utime(own / "project.sqlite", (later, later))  # the folder's own, written since
    assert store_mod.existing_store_dir(folder) == own
    with Project.open(folder) as project:  # before: the copy's "wolf" was gone unsaid
        assert project.store_path.parent == own and project.clip(dog.id).label == "dog"
        assert "is older than the folder's own and not used: it was set aside as" in \
            project.store_note
    aside = [p for p in elsewhere.glob("project.sqlite.set-aside-*")
             if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and not (elsewhere / "project.sqlite").exists()
    with Project(folder, aside[0], store_mod._connect(aside[0], 1.0), None) as kept:
        assert kept.clip(dog.id).label == "wolf"
    with Project.open(folder) as project:  # said once
        assert project.store_note is None
    # Read-only again: the folder's newer store is copied; an older copy is kept, renamed.
    (elsewhere / "project.sqlite").write_bytes((own / "project.sqlite").read_bytes())
    os.utime(elsewhere / "project.sqlite", (later - 30, later - 30))
    _set_writable(folder, False)
    try:
        with Project.open(folder) as project:
            assert project.clip(dog.id).label == "dog"
            assert "an older store there was kept as project.sqlite.before-" in project.store_note
        kept = elsewhere.glob("project.sqlite.before-*")
        assert len([p for p in kept if not p.name.endswith(("-wal", "-shm"))]) == 1
    finally:
        _set_writable(folder, True)


def test_an_older_copy_open_in_another_window_is_named_not_set_aside(folder, data_dir):
    with Project.open(folder) as project:
        project.scan()
    elsewhere = store_mod.default_store_dir(folder)
    _set_writable(folder, False)
    try:
        Project.open(folder).close()
    finally:
        _set_writable(folder, True)
    window = ProjectLock(elsewhere, folder)
    window.acquire()
    later = time.time() + 60
    os.utime(folder.resolve() / ".earmark" / "project.sqlite", (later, later))
    try:
        with Project.open(folder) as project:
            assert "another Earmark has this folder's older store at" in project.store_note
        assert (elsewhere / "project.sqlite").exists()
    finally:
        window.release()


def test_processes_opening_a_read_only_folder_at_once_copy_its_store_once(folder, data_dir,
                                                                         monkeypatch):
    """A training run's ranks open one read-only data set together: each copied the store, the
    next renaming the first's live copy aside (its labels went there) or failing on the same
    passing name."""
    import shutil

    with Project.open(folder) as project:
        project.scan()
    copy = shutil.copyfile

    def slow_copy(*args):  # a store of a large project takes a while to copy
        time.sleep(0.1)
        return copy(*args)

    monkeypatch.setattr(store_place.shutil, "copyfile", slow_copy)
    elsewhere = store_mod.default_store_dir(folder)
    _set_writable(folder, False)
    results, errors = [], []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            results.append(store_place.choose_store_dir(folder.resolve()))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    try:
        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        _set_writable(folder, True)
    assert not errors and {place for place, _ in results} == {elsewhere}
    assert sum("was copied to" in note for _, note in results) == 1
    assert not list(elsewhere.glob("project.sqlite.*"))


# ---------------------------------------------------------------- two processes/connections


def test_second_writer_gets_busy_error_when_lock_held(folder):
    with Project.open(folder) as project:
        project.scan()
        ids = [c.id for c in project.clips()]
    holder = sqlite3.connect(folder / ".earmark" / "project.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE meta SET value = value")
    try:
        with Project.open(folder, busy_timeout_s=0.2) as project:
            started = time.monotonic()
            with pytest.raises(ProjectBusyError, match="project is busy: .* is being changed by "
                                                       "another program"):
                project.set_labels(ids, "x")
            assert time.monotonic() - started >= 0.15
            assert all(c.label != "x" for c in project.clips())  # reading still works
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_an_open_that_fails_leaves_no_file_open(folder, monkeypatch):
    """A failing first write closed the connection only: the handle kept on the store file
    (to tell a deleted store) stayed open, one more each try."""
    Project.open(folder).close()

    def busy(*_args):
        raise ProjectBusyError("busy")

    monkeypatch.setattr(Project, "_get_meta", busy)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(ProjectBusyError):
            Project.open(folder)
    assert len(os.listdir("/proc/self/fd")) == before


def test_second_writer_waits_for_the_first(folder):
    with Project.open(folder) as project:
        project.scan()
        ids = [c.id for c in project.clips()]
    holder = sqlite3.connect(folder / ".earmark" / "project.sqlite", isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        with Project.open(folder, busy_timeout_s=5) as project:
            project.set_labels(ids, "x")
            assert {c.label for c in project.clips()} == {"x"}
    finally:
        release.join()
        holder.close()


def test_two_projects_on_one_folder_see_each_others_changes(folder):
    with Project.open(folder) as a, Project.open(folder) as b:
        a.scan()
        ids = [c.id for c in b.clips()]
        a.set_labels(ids[:2], "shared")
        assert len(b.clips(label="shared")) == 2
        b.set_labels(ids[:1], "other")
        assert a.clip(ids[0]).label == "other"


# ---------------------------------------------------------------- damage and versions


def test_not_a_database_reported_as_project_error(folder):
    store = folder / ".earmark" / "project.sqlite"
    store.parent.mkdir()
    store.write_bytes(b"this is not sqlite at all " * 200)
    with pytest.raises(ProjectError, match="is damaged .*move it aside and reopen the folder"):
        Project.open(folder)
    assert (folder / "loose.wav").exists()


def test_overwritten_pages_reported_as_project_error(folder):
    with Project.open(folder) as project:
        project.scan()
        store = project.store_path
    # Checkpoint happened on close; smash the second half of the file.
    data = bytearray(store.read_bytes())
    assert len(data) > 4096
    for i in range(len(data) // 2, len(data)):
        data[i] = (i * 7919) % 256
    store.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        Path(str(store) + extra).unlink(missing_ok=True)
    with pytest.raises(ProjectError, match="damaged"):
        with Project.open(folder) as project:
            project.clips()
            project.classes()
            project.label_history(1)


def test_corrupt_header_bytes_reported(folder):
    with Project.open(folder) as project:
        project.scan()
        store = project.store_path
    data = bytearray(store.read_bytes())
    data[0:16] = b"XXXXXXXXXXXXXXXX"
    store.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="damaged"):
        Project.open(folder)


def test_each_store_has_a_token_of_its_own_kept_for_good(folder, tmp_path):
    conn = old_store(folder, 9)
    conn.close()
    with Project.open(folder) as project:
        token = project.store_token
    other = tmp_path / "other"
    other.mkdir()
    with Project.open(other) as fresh:
        assert fresh.store_token and fresh.store_token != token
    with Project.open(folder) as again:
        assert again.store_token == token and len(token) == 12


def test_migration_from_version_1(folder):
    conn = old_store(folder, 1)
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, label, label_source) "
                 "VALUES ('old/kept.wav', 1, 1, 'ancient', 'manual')")
    conn.execute("INSERT INTO classes(name, ord, colour, shortcut) "
                 "VALUES ('ancient', 0, '#000000', '1')")
    conn.close()
    with Project.open(folder) as project:
        version = project.conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION >= 2
        assert project.models() == []
        model = project.add_model("m.pt", ["ancient"], {}, {})
        assert project.active_model().id == model
        project.scan()
        old = by_path(project, include_missing=True)["old/kept.wav"]
        assert old.missing and old.label == "ancient"
        assert [k.name for k in project.classes()][0] == "ancient"


def _old_store_refusing(root, version: int, path, error: str):
    """The store of ``root`` as Earmark ``version`` left it, the file at ``path`` (its size and
    time as they are now) refused for ``error`` and labelled owl by a person; the connection,
    open for more rows."""
    conn = old_store(root, version)
    stat = path.stat()
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, error, label, label_source) "
                 "VALUES (?, ?, ?, ?, 'owl', 'manual')",
                 (path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns, error))
    return conn


def test_a_wav_refused_as_cut_short_before_version_7_is_read_again(tmp_path):
    """Its size and time unchanged, the scan would have kept it refused for good."""
    root = tmp_path / "night"
    cut = short(root / "cut.wav", duration_s=1.0)
    cut.write_bytes(cut.read_bytes()[:44 + 2 * 4000])
    small = short(root / "small.wav", duration_s=0.2)  # 6,444 bytes: its fingerprint changed
    conn = _old_store_refusing(root, 6, cut, "corrupt or truncated audio data")
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, fingerprint) VALUES "
                 "('small.wav', ?, ?, 'v6 hash')", (small.stat().st_size, small.stat().st_mtime_ns))
    conn.close()
    with Project.open(root) as project:
        project.scan()
        clip = by_path(project)["cut.wav"]
        assert (clip.error, clip.label, clip.duration_s) == (None, "owl", 0.25)
        assert clip.note.startswith("cut short: it holds 0.25 s of the 1.00 s")
        assert project.conn.execute("SELECT fingerprint FROM clips WHERE path = 'small.wav'"
                                    ).fetchone()[0] == store_moves.file_fingerprint(small)


def test_a_wav_without_sizes_refused_before_version_12_is_read_again(tmp_path):
    """A recorder that stopped before writing its sizes: its data chunk claims 0 bytes. Refused
    as holding no audio frames, its size and time unchanged, the scan would keep it refused."""
    root = tmp_path / "night"
    unsized = short(root / "20260601_220000.wav", duration_s=1.0)
    data = bytearray(unsized.read_bytes())
    at = data.index(b"data")
    data[at + 4:at + 8] = bytes(4)
    unsized.write_bytes(bytes(data))
    _old_store_refusing(root, 11, unsized, "no audio frames").close()
    with Project.open(root) as project:
        project.scan()
        clip = by_path(project)["20260601_220000.wav"]
        assert (clip.error, clip.label, clip.duration_s) == (None, "owl", 1.0)
        assert clip.note.startswith("its header says it holds no audio")


def test_a_flac_scanned_whole_before_version_8_is_read_again_and_found_cut_short(tmp_path):
    """Its header claims every sample: an older scan took its length from it, unchanged since."""
    root = tmp_path / "night"
    cut = short(root / "cut.flac", duration_s=2.0)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    stat = cut.stat()
    moved = short(root / "hoot.flac", duration_s=0.5)
    conn = old_store(root, 7)
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, label, label_source)"
                 " VALUES ('cut.flac', ?, ?, 2.0, 'owl', 'manual')",
                 (stat.st_size, stat.st_mtime_ns))
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, label, label_source,"
                 " fingerprint) VALUES ('hoot.flac', ?, ?, 0.5, 'owl', 'manual', ?)",
                 (moved.stat().st_size, moved.stat().st_mtime_ns,
                  store_moves.file_fingerprint(moved)))
    conn.close()
    # A FLAC moved before the upgrade's first scan: its time forgotten, it came back new.
    (root / "site1").mkdir()
    moved.rename(root / "site1" / "hoot.flac")
    with Project.open(root) as project:
        summary = project.scan()
        clip = by_path(project)["cut.flac"]
        assert (clip.error, clip.label) == (None, "owl") and 0.5 < clip.duration_s < 1.5
        assert clip.note.startswith(f"cut short: it holds {clip.duration_s:,.2f} s of the 2.00 s")
        assert summary.moved == 1 and by_path(project)["site1/hoot.flac"].label == "owl"
        project.scan()  # read again once: the next scan finds it unchanged
        assert project.scan().unchanged == 2


CAFE_NFC, CAFE_NFD = "caf\u00e9", "cafe\u0301"  # as typed; as a macOS folder names it


def test_a_decomposed_folder_name_and_the_name_typed_are_one_class(tmp_path):
    """A CSV's café beside a macOS folder's café/ (its é two code points) made two classes."""
    root = tmp_path / "night"
    short(root / CAFE_NFD / "a.wav")
    short(root / "loose.wav")
    (tmp_path / "in.csv").write_text(f"path,label\nloose.wav,{CAFE_NFC}\n", encoding="utf-8")
    with Project.open(root) as project:
        project.scan()
        import_csv(project, tmp_path / "in.csv")
        with pytest.raises(ProjectError, match="already a class"):
            project.add_class(CAFE_NFD)
        assert [c.name for c in project.classes()] == [CAFE_NFC]
        assert {c.label for c in project.clips()} == {CAFE_NFC}
        (root / CAFE_NFD / "b.wav").write_bytes((root / CAFE_NFD / "a.wav").read_bytes())
        project.scan()  # a later scan gives a new file its folder's class: the same one
        assert by_path(project)[f"{CAFE_NFD}/b.wav"].label == CAFE_NFC


def test_names_of_one_class_in_two_unicode_forms_become_one_on_upgrading_to_version_9(folder):
    conn = old_store(folder, 8)
    conn.executemany("INSERT INTO classes(name, ord, colour, shortcut) VALUES (?, ?, ?, ?)",
                     [("owl", 0, "#111111", "1"), (CAFE_NFD, 1, "#222222", "2"),
                      (CAFE_NFC, 2, "#333333", "3")])
    conn.executemany("INSERT INTO clips(id, path, size_bytes, mtime_ns, label, label_source) "
                     "VALUES (?, ?, 1, 1, ?, 'manual')",
                     [(1, "a.wav", CAFE_NFD), (2, "b.wav", CAFE_NFC), (3, "c.wav", "owl")])
    conn.execute("INSERT INTO regions(clip_id, begin_s, end_s, label, source, created, modified) "
                 "VALUES (1, 0, 1, ?, 'manual', 0, 0)", (CAFE_NFD,))
    conn.execute("INSERT INTO models(id, path, classes_json, settings_json, metrics_json, "
                 "created_at) VALUES (1, 'm.pt', ?, '{}', '{}', 0)",
                 (json.dumps(["owl", CAFE_NFD]),))
    conn.execute("INSERT INTO predictions VALUES (1, 1, ?, 0.9, '[0.1, 0.9]')", (CAFE_NFD,))
    conn.close()
    with Project.open(folder) as project:
        assert [(c.name, c.colour, c.shortcut) for c in project.classes()] == [
            ("owl", "#111111", "1"), (CAFE_NFC, "#222222", "2")]  # the first of the two kept
        assert project.label_counts() == {CAFE_NFC: 2, "owl": 1}
        assert [r.label for r in project.regions(1)] == [CAFE_NFC]
        assert list(project.models()[0].classes) == ["owl", CAFE_NFC]
        assert project.predictions(1)[1].label == CAFE_NFC


def test_store_from_newer_earmark_refused(folder):
    with Project.open(folder) as project:
        project.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(ProjectError, match="newer Earmark"):
        Project.open(folder)
