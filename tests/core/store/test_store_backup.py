"""Copies of the project store: a copy holds every committed label; a few are kept; none is made
when nothing was committed since the project opened; a damaged store names the newest sound
copy, which is put back with the damaged store kept beside it; a copy that cannot be written
never stops a close."""

from __future__ import annotations

import pytest

from core.errors import EarmarkError, ProjectDamagedError, ProjectStoreGoneError
from core.store import store_backup
from core.store.project import Project
from tests import audio_factory


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "userdata"))
    root = tmp_path / "audio"
    for name in ("a.wav", "b.wav", "c.wav"):
        audio_factory.write(root / name, audio_factory.tone(440.0, 0.05))
    return root


def labelled(folder, **labels) -> Project:
    project = Project.open(folder)
    project.scan()
    ids = {c.path: c.id for c in project.clips()}
    for name, label in labels.items():
        project.set_labels([ids[f"{name}.wav"]], label, source="manual")
    return project


def damage(store_path) -> None:
    store_path.write_bytes(b"this is not sqlite at all " * 200)
    for side in ("-wal", "-shm"):
        store_path.with_name(store_path.name + side).unlink(missing_ok=True)


def test_a_copy_holds_every_committed_label_and_a_few_are_kept(folder):
    with labelled(folder, a="owl") as project:
        copies = [store_backup.back_up(project.conn, project.store_path, now=1.8e9 + 60 * i)
                  for i in range(store_backup.KEEP_BACKUPS + 2)]
        store = project.store_path
    # The newest kept, newest first.
    assert store_backup.backups(store) == copies[::-1][:store_backup.KEEP_BACKUPS]
    damage(store)
    store_backup.restore_newest(store)
    with Project.open(folder) as restored:
        assert {c.path: c.label for c in restored.clips()}["a.wav"] == "owl"


def test_a_copy_only_when_something_was_committed_since_opening(folder):
    with labelled(folder, a="owl") as project:
        first = project.back_up()
        assert first is not None and store_backup.backups(project.store_path) == [first]
    with Project.open(folder) as project:
        assert project.back_up() is None  # opened and read: nothing new to keep
        with Project.open(folder) as other:  # another connection's commit counts too
            other.set_labels([other.clips()[1].id], "wren", source="manual")
        assert project.back_up() is not None


def test_a_damaged_store_names_the_newest_sound_copy_which_is_put_back(folder):
    with labelled(folder, a="owl", b="wren") as project:
        good = store_backup.back_up(project.conn, project.store_path, now=1.8e9)
        newer = store_backup.back_up(project.conn, project.store_path, now=1.8e9 + 60)
        store = project.store_path
    newer.write_bytes(b"a copy damaged too " * 300)  # the newest copy itself: passed over
    damage(store)
    with pytest.raises(ProjectDamagedError) as caught:
        Project.open(folder)
    assert caught.value.store_path == store and caught.value.copy == good
    assert f"Earmark's copy of {store_backup.made_at(good)} holds everything up to then: put " \
           f"{good} in its place" in str(caught.value)
    used, aside = store_backup.restore_newest(store)
    assert used == good and aside.read_bytes().startswith(b"this is not sqlite")  # kept
    with Project.open(folder) as restored:
        assert {c.path: c.label for c in restored.clips()} == {"a.wav": "owl", "b.wav": "wren",
                                                              "c.wav": None}


def test_a_store_gone_is_not_started_afresh_in_silence_while_a_copy_is_kept(folder):
    """A deleted project.sqlite (or a .earmark deleted while the window was open: its close
    writes a copy) opened as a new, empty store: every label gone, the copy never mentioned,
    and each later close pushed it further out of the five kept."""
    with labelled(folder, a="owl") as project:
        copy = store_backup.back_up(project.conn, project.store_path, now=1.8e9)
        store = project.store_path
    store.unlink()
    with pytest.raises(ProjectStoreGoneError) as caught:
        Project.open(folder)
    assert caught.value.copy == copy and not store.exists()
    assert "is gone (deleted?)" in str(caught.value) and str(copy) in str(caught.value)
    store_backup.restore_newest(store, copy=caught.value.copy)
    with Project.open(folder) as restored:
        assert restored.clips()[0].label == "owl"
    store.unlink()
    with Project.open(folder, afresh=True) as new:  # a person's choice: a new, empty store
        new.scan()
        assert {c.label for c in new.clips()} == {None}
    with Project.open(folder) as reopened:  # there again: opened as it is
        assert reopened.store_path == store


def test_without_a_copy_the_message_says_how_to_rebuild(folder):
    with labelled(folder) as project:
        store = project.store_path
    damage(store)
    with pytest.raises(ProjectDamagedError, match="move it aside and reopen the folder") as caught:
        Project.open(folder)
    assert caught.value.copy is None
    with pytest.raises(EarmarkError, match="no sound copy"):
        store_backup.restore_newest(store)


def test_a_copy_that_cannot_be_written_never_stops_a_close(folder):
    with labelled(folder, a="owl") as project:
        in_the_way = store_backup.backup_dir(project.store_path)
        in_the_way.write_text("a file where the folder goes")
        assert project.back_up() is None
    assert in_the_way.read_text() == "a file where the folder goes"
    with Project.open(folder) as reopened:
        assert reopened.clips()[0].label == "owl"
