"""Edge Impulse's info.labels (its exporter format): a folder Edge Impulse exported (training/ and
testing/, an info.labels in each) opens with the samples' own labels, not "training"; the file
read as a labels file (labelled, unlabelled and multi-label samples; broken files named); the
project's labels written for its uploader and read back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.errors import EarmarkError
from core.store import label_rules
from core.store.label_io import edge_impulse_category, export_edge_impulse, import_csv
from core.store.project import Project
from core.store.region_io import file_kind, import_regions_file
from tests import audio_factory


def short(path: Path) -> Path:
    return audio_factory.write(path, audio_factory.tone(440.0, 0.05))


def info_labels(folder: Path, files: list[dict]) -> Path:
    path = folder / "info.labels"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "files": files}))
    return path


def sample(path: str, category: str, label: dict) -> dict:
    return {"path": path, "name": Path(path).stem, "category": category, "label": label,
            "metadata": {"site": "kitchen"}}


@pytest.fixture
def exported(tmp_path):
    """A dataset as Edge Impulse exports one: samples named <label>.<id>.wav under training/ and
    testing/, each folder's info.labels listing its own files."""
    root = tmp_path / "ei"
    for name in ("training/yes.4f2a.wav", "training/no.9c1b.wav", "training/noise.77aa.wav",
                 "testing/yes.01bd.wav", "testing/unlabelled.5e5e.wav"):
        short(root / name)
    info_labels(root / "training", [
        sample("yes.4f2a.wav", "training", {"type": "label", "label": "yes"}),
        sample("no.9c1b.wav", "training", {"type": "label", "label": "no"}),
        sample("noise.77aa.wav", "training", {"type": "label", "label": "_noise"})])
    info_labels(root / "testing", [
        sample("yes.01bd.wav", "testing", {"type": "label", "label": "yes"}),
        sample("unlabelled.5e5e.wav", "testing", {"type": "unlabeled"})])
    return root


def test_an_edge_impulse_export_opens_with_its_own_labels(exported, tmp_path):
    with Project.open(exported, store_dir=tmp_path / "store") as project:
        project.scan()
        labels = {c.path: (c.label, c.label_source) for c in project.clips()}
    # Not "training" and "testing": those folders hold samples of every class.
    assert labels == {"testing/unlabelled.5e5e.wav": (None, None),
                      "testing/yes.01bd.wav": ("yes", "csv"),
                      "training/no.9c1b.wav": ("no", "csv"),
                      "training/noise.77aa.wav": ("_noise", "csv"),
                      "training/yes.4f2a.wav": ("yes", "csv")}


def test_an_info_labels_at_the_root_names_paths_below_it(tmp_path):
    root = tmp_path / "ei"
    short(root / "training" / "a.wav")
    short(root / "dogs" / "b.wav")
    info_labels(root, [sample("training/a.wav", "training", {"type": "label", "label": "cat"})])
    assert [(c.path.relative_to(root).as_posix(), c.label, c.source)
            for c in label_rules.scan_labels(root)] == [("dogs/b.wav", "dogs", "folder"),
                                                        ("training/a.wav", "cat", "csv")]


def test_read_as_a_labels_file(tmp_path):
    path = info_labels(tmp_path, [
        sample("a.wav", "training", {"type": "label", "label": " yes "}),
        sample("sub\\b.wav", "testing", {"type": "unlabeled"}),
        sample("c.wav", "training", {"type": "multi-label", "labels": [
            {"label": "idle", "startIndex": 0, "endIndex": 500}]})])
    # A multi-label sample (spans of a long recording) has no label of the whole file.
    assert label_rules.read_labels_file(path) == {"a.wav": "yes"}
    assert file_kind(path) == "labels"


@pytest.mark.parametrize("text, reason", [
    ('{"version": 1, "files": [', r"broken JSON \(line 1"),
    ('{"version": 1}', r"not Edge Impulse's info.labels"),
    ('{"version": 1, "files": [{"path": "a.wav"}, {"category": "training"}]}', "file 2: no path"),
])
def test_a_broken_info_labels_is_named(tmp_path, text, reason):
    path = tmp_path / "info.labels"
    path.write_text(text)
    with pytest.raises(EarmarkError, match=rf"^info\.labels(:|,) .*{reason}"):
        label_rules.read_labels_file(path)


def test_export_for_the_uploader_and_back(exported, tmp_path):
    with Project.open(exported, store_dir=tmp_path / "store") as project:
        project.scan()
        ids = {c.path: c.id for c in project.clips()}
        project.set_labels([ids["testing/unlabelled.5e5e.wav"]], "maybe", source="manual")
        out = io.StringIO()
        assert export_edge_impulse(project, out) == 5
        files = json.loads(out.getvalue())["files"]
        before = {c.path: c.label for c in project.clips()}
    assert [f["path"] for f in files] == sorted(before)
    assert files[0] == {"path": "testing/unlabelled.5e5e.wav", "name": "unlabelled.5e5e",
                        "category": edge_impulse_category("testing/unlabelled.5e5e.wav"),
                        "label": {"type": "label", "label": "maybe"}}
    # Written at the root, where the uploader reads it: a fresh store reads every label back.
    with Project.open(exported, store_dir=tmp_path / "store") as project:
        export_edge_impulse(project, exported / "info.labels")
    with Project.open(exported, store_dir=tmp_path / "fresh") as fresh:
        fresh.scan()
        result = import_csv(fresh, exported / "info.labels")
        assert {c.path: c.label for c in fresh.clips()} == before
        assert result.unknown_paths == []
        with pytest.raises(EarmarkError, match="info.labels holds labels of whole clips, no "
                                               "regions"):
            import_regions_file(fresh, exported / "info.labels")


def test_one_file_in_five_is_for_testing_and_keeps_its_side():
    paths = [f"digits/{d}/{n}.wav" for d in range(10) for n in range(100)]
    testing = [p for p in paths if edge_impulse_category(p) == "testing"]
    assert 0.15 < len(testing) / len(paths) < 0.25
    assert [edge_impulse_category(p) for p in paths] == [edge_impulse_category(p) for p in paths]
