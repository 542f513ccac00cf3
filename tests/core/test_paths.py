"""Files written whole or not at all, with the mode a plain write gives them; names and paths in
the order a person counts them."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from core.paths import natural_key, natural_order, path_keys, write_bytes_atomic, write_text_atomic

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix_only
def test_a_written_file_is_readable_by_others_as_the_umask_allows(tmp_path):
    # Before: Python's temporary files are 0600, so every exported table and model was
    # private: a colleague on a shared server, or Raven in another account, could not read it.
    before = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "table.txt", "Selection\n")
        write_bytes_atomic(tmp_path / "sub" / "model.pt", b"\x00\x01")
    finally:
        os.umask(before)
    assert _mode(tmp_path / "table.txt") == 0o644 and _mode(tmp_path / "sub" / "model.pt") == 0o644
    assert (tmp_path / "table.txt").read_text() == "Selection\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub", "table.txt"]  # no temporary left


@posix_only
def test_a_file_written_over_keeps_its_own_mode(tmp_path):
    target = tmp_path / "labels.csv"
    target.write_text("old")
    target.chmod(0o600)
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "labels.csv"
    target.write_text("old")

    def no_room(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(OSError, match="No space"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["labels.csv"]


def test_numbers_in_names_are_compared_as_numbers_and_letters_without_case():
    names = ["clip_10.wav", "Clip_2.wav", "clip_1.wav", "10.wav", "9.wav", "clip.wav", "a"]
    assert sorted(names, key=natural_key) == ["9.wav", "10.wav", "a", "clip.wav", "clip_1.wav",
                                              "Clip_2.wav", "clip_10.wav"]
    assert natural_key("night_007") == natural_key("night_7")  # tie: a stable sort keeps order


def test_natural_order_breaks_ties_by_the_name_so_every_run_agrees():
    names = ["call10", "cat", "call1", "Cat", "call01", "call2"]
    for shuffled in (names, names[::-1]):
        assert sorted(shuffled, key=natural_order) == [
            "call01", "call1", "call2", "call10", "Cat", "cat"]


def test_path_keys_are_the_keys_of_the_path_its_folder_and_its_name():
    for path in ["ARU2/night_10.wav", "clip_3.wav", "a/b/c12d/x_3.wav", "12/3.wav", "a12/b",
                 "site 1/2026-06-01/20260601_220000.wav"]:
        folder, _, name = path.rpartition("/")
        assert path_keys(path) == (natural_key(path), natural_key(folder), natural_key(name))


def test_first_free_numbers_a_name_as_its_place_does(tmp_path):
    from core.paths import first_free

    def model(n):
        return tmp_path / ("m.pt" if n == 1 else f"m-{n}.pt")

    assert first_free(model) == tmp_path / "m.pt"
    (tmp_path / "m.pt").touch()
    (tmp_path / "m-2.pt").touch()
    assert first_free(model) == tmp_path / "m-3.pt"
    assert first_free(model, taken=lambda path: path.name != "m-2.pt") == tmp_path / "m-2.pt"
