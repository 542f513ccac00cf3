"""One folder-label rule for the app and the command line: a tricky folder labelled by the
store's first scan and by scan_labels (CLI train/evaluate) comes out the same, file by file."""

from __future__ import annotations

import pytest

from core.errors import EarmarkError
from core.store import added_files as adding
from core.store import label_io, label_rules
from core.store.label_rules import FolderLabels, safe_folder_name, scan_labels
from core.store.project import Project
from tests import audio_factory


@pytest.fixture
def tricky(tmp_path):
    """Class folders, nested folders, name prefixes, and labels.csv files at the root and in a
    subfolder that disagree with the folder and name rules."""
    root = tmp_path / "tricky"
    tone = audio_factory.tone(700, 0.3)
    for rel in ("dogs/bark1.wav", "dogs/cat_3.wav", "site/night/owl.wav", "loose.wav",
                "dotted.wav", "cat_12.wav", "unlisted.wav", "sub/listed.wav", "sub/labels.wav"):
        audio_factory.write(root / rel, tone)
    (root / "labels.csv").write_text(
        "path,label\n"
        "loose.wav, bird \n"           # blanks trimmed
        "./dotted.wav,frog\n"          # ./ normalised
        "cat_12.wav,dog\n"             # the CSV, a person's, wins over the name's prefix
        "dogs/bark1.wav,wolf\n"        # the folder wins over the CSV
        "unlisted-elsewhere.wav,x\n", encoding="utf-8")
    (root / "sub" / "labels.csv").write_text("listed.wav,heron\n", encoding="utf-8")
    return root


EXPECTED = {
    "cat_12.wav": ("dog", "csv"),
    "dogs/bark1.wav": ("dogs", "folder"),
    "dogs/cat_3.wav": ("dogs", "folder"),
    "dotted.wav": ("frog", "csv"),
    "loose.wav": ("bird", "csv"),
    "site/night/owl.wav": ("night", "folder"),
    "sub/labels.wav": ("sub", "folder"),
    "sub/listed.wav": ("sub", "folder"),  # its folder names it before sub/labels.csv could
    "unlisted.wav": (None, "none"),
}


def test_store_scan_and_scan_labels_agree_on_a_tricky_folder(tricky, tmp_path):
    by_cli = {c.path.relative_to(tricky).as_posix(): (c.label, c.source)
              for c in scan_labels(tricky)}
    with Project.open(tricky, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        by_store = {c.path: (c.label, c.label_source or "none") for c in project.clips()}
    assert [w.split(": ", 1)[1] for w in summary.warnings] == [
        "1 row names no audio file here, its label not used (unlisted-elsewhere.wav)"]
    assert by_cli == by_store == EXPECTED


def test_a_broken_labels_csv_warns_in_the_app_and_fails_on_the_command_line(tricky, tmp_path):
    (tricky / "labels.csv").write_text("path,label,extra,more\na.wav,b,c,d\n", encoding="utf-8")
    with pytest.raises(EarmarkError, match="labels.csv"):
        scan_labels(tricky)
    with Project.open(tricky, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        loose = next(c for c in project.clips() if c.path == "loose.wav")
    assert any("labels.csv: not used" in w for w in summary.warnings)
    assert loose.label is None


def test_rule_reads_each_csv_once(tricky, monkeypatch):
    reads = []
    real = label_rules.read_labels_file
    monkeypatch.setattr(label_rules, "read_labels_file", lambda p: reads.append(p) or real(p))
    rule = FolderLabels(tricky)
    for name in ("loose.wav", "dotted.wav", "unlisted.wav"):
        rule.label_of(tricky / name)
    assert reads == [tricky / "labels.csv"]


@pytest.mark.parametrize("label, folder", [("dogs", "dogs"), ("a/b:c", "a_b_c"), ("..", "_"),
                                           (" tail. ", "tail"), ("tab\there", "tab_here"),
                                           ("", "_")])
def test_one_safe_folder_name_for_export_and_copying_in(tmp_path, label, folder):
    assert safe_folder_name(label) == folder
    assert label_io.safe_folder_name is safe_folder_name
    source = audio_factory.write(tmp_path / "in" / "x.wav", audio_factory.tone(500, 0.2))
    (tmp_path / "project").mkdir()
    with Project.open(tmp_path / "project") as project:
        [(_, copy)] = adding.copy_into_project(project, [(source, label)])
    assert copy.parent == (tmp_path / "project").resolve() / folder


def test_a_class_name_too_long_for_a_folder_is_cut_and_kept_apart(tmp_path):
    """A class of 300 letters (or 90 CJK characters) stopped Export into Class Folders
    halfway: no file system takes a name past 255 bytes. Cut, with a mark of the whole name."""
    from core.store.label_rules import MAX_FOLDER_NAME_BYTES

    names = ["x" * 300, "x" * 299 + "y", "\u9ce5" * 90]
    folders = [safe_folder_name(name) for name in names]
    assert len(set(folders)) == 3 and folders[0].startswith("x" * 150)
    assert all(len(f.encode("utf-8")) <= MAX_FOLDER_NAME_BYTES for f in folders)
    assert folders[2].startswith("\u9ce5" * 60)  # whole characters, not a split one
    (tmp_path / "out").mkdir()
    for folder in folders:
        (tmp_path / "out" / folder).mkdir()  # each a folder this file system takes


@pytest.mark.parametrize("stems, classes", [
    ([f"{d}_{s}_{n}" for d in range(3) for s in ("jackson", "theo") for n in range(2)],
     {"0", "1", "2"}),
    ([f"cat_{i}" for i in range(5)] + [f"dog_barking_{i}" for i in range(4)],
     {"cat", "dog_barking"}),
])
def test_store_and_command_line_read_flat_names_by_one_inferred_rule(tmp_path, stems, classes):
    root = tmp_path / "flat"
    for stem in stems:
        audio_factory.write(root / f"{stem}.wav", audio_factory.tone(500, 0.05))
    rule = FolderLabels(root)
    by_cli = {c.path.name: c.label for c in rule.scan()}
    with Project.open(root, store_dir=tmp_path / "store") as project:
        project.scan()
        by_store = {c.path: c.label for c in project.clips()}
        assert project.name_rule() == rule.name_rule
    assert by_cli == by_store and set(by_cli.values()) == classes
