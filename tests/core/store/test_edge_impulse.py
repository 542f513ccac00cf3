"""Edge Impulse's info.labels (its exporter format): a folder Edge Impulse exported (training/ and
testing/, an info.labels in each) opens with the samples' own labels, not "training"; the file
read as a labels file (labelled, unlabelled and multi-label samples; broken files named); the
spans of its multi-label samples (and of a structured_labels.labels) imported as regions, in
milliseconds (bad spans named, nothing imported); the project's labels written for its uploader
and read back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.errors import EarmarkError
from core.store import label_rules
from core.store.label_io import edge_impulse_categories, export_edge_impulse, import_csv
from core.store.project import Project
from core.store.region_io import file_kind, import_facts, import_regions_file, read_regions
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
    # A multi-label sample (spans of a long recording) has no label of the whole file; its
    # spans make the file one of regions.
    assert label_rules.read_labels_file(path) == {"a.wav": "yes"}
    assert file_kind(path) == "edgeimpulse"
    path = info_labels(tmp_path, [sample("a.wav", "training", {"type": "label", "label": "yes"})])
    assert file_kind(path) == "labels"


def spans(*labels: tuple[str, int, int]) -> dict:
    return {"type": "multi-label", "labels": [
        {"label": label, "startIndex": start, "endIndex": end} for label, start, end in labels]}


@pytest.fixture
def long_samples(tmp_path):
    """Three recordings in a folder below the project's, where an info.labels lies."""
    root = tmp_path / "night"
    audio_factory.write(root / "training" / "a.wav", audio_factory.tone(440.0, 2.0, 8000), 8000)
    audio_factory.write(root / "training" / "b.wav", audio_factory.tone(440.0, 1.0))
    short(root / "training" / "c.wav")
    return root


def test_spans_of_multi_label_samples_come_in_as_regions(long_samples, tmp_path):
    with Project.open(long_samples, store_dir=tmp_path / "store") as project:
        project.scan()  # first: an info.labels there now would be read by this scan
        path = info_labels(long_samples / "training", [
            sample("a.wav", "training", spans(("idle", 0, 999), ("bark", 1000, 1999))),
            sample("b.wav", "training", spans(("bark", 250, 749))),
            sample("c.wav", "training", {"type": "label", "label": "yes"})])
        records = import_regions_file(project, path)
        # A sample labelled whole beside them is a clip label, imported with them (it was lost).
        assert import_facts(path).clip_labels_too
        import_csv(project, path)
        assert project.clip(project.clip_ids_by_path()["training/c.wav"]).label == "yes"
        ids = {c.id: c.path for c in project.clips()}
    # Paths are relative to the info.labels' own folder; milliseconds, the end one included
    # (the next span starts a millisecond later), so a span to the last ends at the duration.
    assert sorted((ids[r.clip_id], r.begin_s, r.end_s, r.label, r.source) for r in records) == [
        ("training/a.wav", 0.0, 1.0, "idle", "import"),
        ("training/a.wav", 1.0, 2.0, "bark", "import"),
        ("training/b.wav", 0.25, 0.75, "bark", "import")]


def test_structured_labels_for_the_ingestion_api_come_in_as_regions(long_samples, tmp_path):
    path = long_samples / "structured_labels.labels"
    path.write_text(json.dumps({"version": 1, "type": "structured-labels", "structuredLabels": {
        "training/a.wav": [{"startIndex": 0, "endIndex": 499, "label": "idle"},
                           {"startIndex": 500, "endIndex": 1999, "label": "bark"}]}}))
    assert file_kind(path) == "edgeimpulse"
    assert read_regions(path)[1][1].begin_s == 0.5
    with Project.open(long_samples, store_dir=tmp_path / "store") as project:
        project.scan()
        assert [(r.begin_s, r.end_s, r.label) for r in import_regions_file(project, path)] == [
            (0.0, 0.5, "idle"), (0.5, 2.0, "bark")]


def test_an_export_with_multi_label_samples_opens_with_its_spans_as_regions(long_samples,
                                                                          tmp_path):
    info_labels(long_samples / "training", [
        sample("a.wav", "training", spans(("idle", 0, 999), ("bark", 1000, 1999))),
        sample("c.wav", "training", {"type": "label", "label": "yes"})])
    with Project.open(long_samples, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        ids = {c.id: c.path for c in project.clips()}
        found = sorted((ids[r.clip_id], r.begin_s, r.end_s, r.label, r.source)
                       for r in project.regions())
        assert summary.regions_imported == 2 and summary.warnings == ()
        assert project.scan().regions_imported == 0  # the first scan only: never twice
        assert len(project.regions()) == 2
        labels = {c.path: c.label for c in project.clips()}
    assert found == [("training/a.wav", 0.0, 1.0, "idle", "import"),
                     ("training/a.wav", 1.0, 2.0, "bark", "import")]
    assert labels == {"training/a.wav": None, "training/b.wav": None, "training/c.wav": "yes"}


def test_an_export_whose_spans_do_not_fit_opens_with_a_warning(long_samples, tmp_path):
    info_labels(long_samples / "training", [
        sample("a.wav", "training", spans(("idle", 0, 999), ("late", 5000, 9999))),
        sample("c.wav", "training", {"type": "label", "label": "yes"})])
    with Project.open(long_samples, store_dir=tmp_path / "store") as project:
        summary = project.scan()
        assert project.regions() == [] and summary.regions_imported == 0
        assert {c.path: c.label for c in project.clips()}["training/c.wav"] == "yes"
    assert len(summary.warnings) == 1
    assert "info.labels: its spans were not imported" in summary.warnings[0]
    assert "span 2: ends at 10 s, past the end of training/a.wav" in summary.warnings[0]


def test_bad_spans_are_named_and_nothing_is_imported(long_samples, tmp_path):
    path = info_labels(long_samples / "training", [
        sample("a.wav", "training", spans(("idle", 0, 999), ("bark", 1500, 1000),
                                          ("", 0, 10), ("late", 0, 2999))),
        sample("a.wav", "training", spans(("half", 0.5, 10), ("flag", True, 10))),
        sample("gone.wav", "training", spans(("idle", 0, 10))),
        sample("b.wav", "training", {"type": "multi-label", "labels": "idle"}),
        {"category": "training", "label": spans(("idle", 0, 10))}])
    with Project.open(long_samples, store_dir=tmp_path / "store") as project:
        project.scan()
        with pytest.raises(EarmarkError) as caught:
            import_regions_file(project, path)
        assert project.regions() == []
    message = str(caught.value)
    assert message.startswith("info.labels: 8 rows cannot be imported, so nothing was:")
    bad_times = "startIndex and endIndex must be whole milliseconds, the end not before the start"
    for line in (f"span 2: {bad_times}", "span 3: no label",
                 "span 4: ends at 3 s, past the end of training/a.wav (2 s long)",
                 f"span 5: {bad_times}", f"span 6: {bad_times}",
                 "span 7: training/gone.wav is not in the folder",
                 "span 8: a multi-label sample (b.wav) without labelled spans",
                 "span 9: no path"):
        assert f"  {line}" in message, message


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
                        "category": "training",  # one of its class: never in testing
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


def test_files_of_one_name_in_two_folders_get_names_edge_impulse_can_tell_apart(tmp_path):
    """The uploader names a sample by "name": two recorders' 20260601_220000.wav were uploaded
    under one name, not to be told apart (or traced back) in Edge Impulse."""
    root = tmp_path / "night"
    for name in ("ARU01/20260601_220000.wav", "ARU02/20260601_220000.wav", "ARU02/loose.wav",
                 "ARU01_20260601_220000.wav", "dawn.wav", "dawn.flac"):
        short(root / name)
    with Project.open(root, store_dir=tmp_path / "store") as project:
        project.scan()
        out = io.StringIO()
        export_edge_impulse(project, out)
    names = {f["path"]: f["name"] for f in json.loads(out.getvalue())["files"]}
    assert names == {"ARU01/20260601_220000.wav": "ARU01_20260601_220000_2",
                     "ARU01_20260601_220000.wav": "ARU01_20260601_220000",
                     "ARU02/20260601_220000.wav": "ARU02_20260601_220000",
                     "ARU02/loose.wav": "loose", "dawn.flac": "dawn", "dawn.wav": "dawn_wav"}
    assert len(set(names.values())) == len(names)


def test_one_file_in_five_of_each_class_is_for_testing_and_keeps_its_side():
    """A hash of each path alone put 8 of 16 files in testing, and one class's 6 of 10."""
    labels = {f"{kind}/{kind}_{n}.wav": kind for kind in ("bird", "cat") for n in range(10)}
    labels |= {f"noise/noise_{n}.wav": "noise" for n in range(16)}
    labels |= {"odd/one.wav": "one", "loose_1.wav": None, "loose_2.wav": None}
    sides = edge_impulse_categories(labels)
    for kind, testing in (("bird", 2), ("cat", 2), ("noise", 3), ("one", 0), (None, 0)):
        assert sum(sides[p] == "testing" for p, label in labels.items() if label == kind) \
            == testing, kind
    more = labels | {"cat/cat_10.wav": "cat"}  # a file added: the others keep their sides
    assert all(edge_impulse_categories(more)[p] == side for p, side in sides.items()
               if not p.startswith("cat/"))
