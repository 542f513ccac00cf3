"""Whombat's AOEF (the soundevent library's JSON): an annotation project shaped as soundevent's
schema lays one out (lists referring to one another by UUID, tags by number), read into regions;
bad annotations named by number with nothing imported; the project Earmark writes for Whombat."""

from __future__ import annotations

import io
import json

import pytest

from core.errors import EarmarkError, RegionError
from core.store.project import Project
from core.store.records import RegionSpec
from core.store.region_export import export_regions
from core.store.region_io import detect_format, import_regions_file, needs_audio, read_regions
from tests import audio_factory

REC, OWL = "7d1f4a52-5b8e-4a4e-9c1d-2f6b0e3a9d10", "c2a81f07-3d44-4f0b-8e6a-91d5b7e2c4aa"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "dawn.wav", audio_factory.tone(440, 3.0))  # 16 kHz
    audio_factory.write(root / "night" / "owl.wav", audio_factory.tone(440, 2.0))
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def document(events: list, annotations: list, collection: str = "annotation_project") -> str:
    """An AOEF file: two recordings (one saved relative to the audio folder, one by another
    machine's absolute path), tags, and the given sound events and their annotations."""
    return json.dumps({"version": "1.1.0", "created_on": "2024-05-01T10:00:00", "data": {
        "uuid": "0b3e", "collection_type": collection, "name": "Dawn chorus",
        "tags": [{"id": 0, "key": "species", "value": "Robin"},
                 {"id": 1, "key": "species", "value": "Wren"},
                 {"id": 2, "key": "quality", "value": "  "}],
        "recordings": [
            {"uuid": REC, "path": "dawn.wav", "duration": 3.0, "channels": 1, "samplerate": 16000},
            {"uuid": OWL, "path": "C:\\Users\\ann\\night\\owl.wav", "duration": 2.0,
             "channels": 1, "samplerate": 16000}],
        "clips": [{"uuid": "c1", "recording": REC, "start_time": 0.0, "end_time": 3.0}],
        "sound_events": events, "sound_event_annotations": annotations,
        "clip_annotations": [{"uuid": "ca", "clip": "c1", "sound_events": ["a1"]}],
        "tasks": [{"uuid": "t1", "clip": "c1"}]}})


def event(uuid: str, kind: str, coordinates, recording: str = REC) -> dict:
    return {"uuid": uuid, "recording": recording,
            "geometry": {"type": kind, "coordinates": coordinates}}


def annotation(uuid: str, sound_event: str, tags: list[int]) -> dict:
    return {"uuid": uuid, "sound_event": sound_event, "tags": tags,
            "created_on": "2024-05-01T10:00:00"}


def test_an_annotation_project_as_soundevent_writes_one(tmp_path):
    text = document(
        [event("e1", "TimeInterval", [0.5, 1.25]),
         event("e2", "BoundingBox", [1.5, 500.0, 2.0, 3000.0]),
         event("e3", "Polygon", [[[0.1, 300.0], [0.4, 900.0], [0.3, 1200.0], [0.1, 300.0]]], OWL),
         event("e4", "TimeInterval", [2.5, 2.75])],
        [annotation("a1", "e1", [0]), annotation("a2", "e2", [0, 1]),
         annotation("a3", "e3", [1, 2]), annotation("a4", "e4", [])])
    assert detect_format(text) == "aoef"
    path = tmp_path / "dawn.json"
    path.write_text(text)
    assert not needs_audio(path)  # each sound event's recording names its file
    fmt, rows = read_regions(path)
    assert fmt == "aoef"
    # Each tag of an annotation is a region, a blank tag none; no tag: an unlabelled region. A
    # polygon is the box around it; another machine's path is found by its name.
    assert [(r.path, r.begin_s, r.end_s, r.label, r.low_hz, r.high_hz, r.line) for r in rows] == [
        ("dawn.wav", 0.5, 1.25, "Robin", None, None, 1),
        ("dawn.wav", 1.5, 2.0, "Robin", 500.0, 3000.0, 2),
        ("dawn.wav", 1.5, 2.0, "Wren", 500.0, 3000.0, 2),
        ("owl.wav", 0.1, 0.4, "Wren", 300.0, 1200.0, 3),
        ("dawn.wav", 2.5, 2.75, None, None, None, 4)]


def test_every_bad_annotation_is_named_and_nothing_is_imported(tmp_path, project):
    text = document(
        [event("e1", "TimeInterval", [0.5, 1.0]), event("e2", "TimeStamp", "1.5"),
         event("e3", "BoundingBox", [1.0, "low", 2.0, 900]),
         event("e4", "TimeInterval", [0.5, 1.0], recording="gone"),
         event("e5", "TimeInterval", [2.5, 9.0]), event("e7", "BoundingBox", [1.0, 2.0])],
        [annotation("a1", "e1", [0]), annotation("a2", "e2", [0]), annotation("a3", "e3", [0]),
         annotation("a4", "e4", [0]), annotation("a5", "e5", [0]), annotation("a6", "nope", [0]),
         annotation("a7", "e7", [0])],
        collection="annotation_set")
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, path)
    message = str(caught.value)
    assert "bad.json: 6 rows cannot be imported" in message
    assert "entry 2: a TimeStamp needs a time" in message
    assert "entry 3: BoundingBox coordinates must be numbers" in message
    assert "entry 4: its sound event's recording is not in the file" in message
    assert "entry 5: " in message  # past the end of the 3 s recording
    assert "entry 6: its sound event is not in the file" in message
    assert "entry 7: a BoundingBox needs [start, low, end, high]" in message
    assert project.regions() == []


def test_a_time_stamp_and_a_point_are_moments_made_regions_about_them(tmp_path, project):
    """Both were refused: "a TimeStamp marks a moment, not a span"."""
    text = document([event("e1", "TimeStamp", 1.5), event("e2", "Point", [0.1, 800.0])],
                    [annotation("a1", "e1", [0]), annotation("a2", "e2", [1])])
    path = tmp_path / "moments.json"
    path.write_text(text)
    assert [(r.begin_s, r.end_s, r.label) for r in read_regions(path)[1]] == [
        (1.5, 1.5, "Robin"), (0.1, 0.1, "Wren")]
    import_regions_file(project, path)
    assert [(r.begin_s, r.end_s, r.label) for r in project.regions()] == [
        (0.0, 0.5, "Wren"), (1.25, 1.75, "Robin")]  # 0.5 s about each, within the recording


def test_a_model_run_gives_events_to_review_with_each_predicted_tags_score(tmp_path, project):
    """A soundevent model run (or prediction set): predictions carry [tag id, score] pairs; each
    tag is an event with its own score, a prediction without tags an unlabelled one with the
    prediction's score; a bad pair or score is named by its entry and nothing is imported."""
    data = json.loads(document([event("e1", "TimeInterval", [0.5, 1.0]),
                                event("e2", "BoundingBox", [1.5, 500.0, 2.0, 3000.0])], [],
                               collection="model_run"))
    data["data"]["sound_event_predictions"] = [
        {"uuid": "p1", "sound_event": "e1", "score": 0.9, "tags": [[0, 0.8], [1, 0.25], [2, 0.5]]},
        {"uuid": "p2", "sound_event": "e2", "score": 0.6}]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    assert detect_format(path.read_text()) == "aoef" and not needs_audio(path)
    _, rows = read_regions(path)
    assert [(r.begin_s, r.end_s, r.label, r.low_hz, r.score, r.line) for r in rows] == [
        (0.5, 1.0, "Robin", None, 0.8, 1), (0.5, 1.0, "Wren", None, 0.25, 1),
        (1.5, 2.0, None, 500.0, 0.6, 2)]
    import_regions_file(project, path)
    assert sorted((r.label or "", r.score, r.status) for r in project.regions()) == [
        ("", 0.6, "unreviewed"), ("Robin", 0.8, "unreviewed"), ("Wren", 0.25, "unreviewed")]
    data["data"]["sound_event_predictions"] = [
        {"uuid": "p1", "sound_event": "e1", "score": 0.9, "tags": [[0, 1.5]]},
        {"uuid": "p2", "sound_event": "e2", "score": "high"}]
    path.write_text(json.dumps(data))
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, path)
    message = str(caught.value)
    assert "entry 1: a predicted tag must be [tag id, score from 0 to 1]" in message
    assert "entry 2: its score must be a number from 0 to 1" in message
    assert len(project.regions()) == 3  # the first import's, nothing more


def test_tag_ids_that_are_lists_or_objects_name_no_tag(tmp_path):
    """A tag id in a file is a number; one written as a list or an object (a hand-edited or
    broken file) names no tag rather than stopping the import with a Python error."""
    data = json.loads(document([event("e1", "TimeInterval", [0.5, 1.0])],
                               [annotation("a1", "e1", [[0], {"id": 1}, 1])]))
    data["data"]["tags"].append({"id": [3], "key": "species", "value": "Owl"})
    data["data"]["sound_event_predictions"] = [
        {"uuid": "p1", "sound_event": "e1", "score": 0.5, "tags": [[[0], 0.9]]}]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(data))
    _, rows = read_regions(path)
    assert [(r.label, r.score) for r in rows] == [("Wren", None), (None, 0.5)]


def test_export_is_an_annotation_project_whombat_imports(project):
    clips = {c.path: c.id for c in project.clips()}
    project.add_region(clips["dawn.wav"], 0.5, 1.0, "Robin")
    project.add_region(clips["dawn.wav"], 1.5, 2.0, None, 400.0, 1600.0)
    project.add_region(clips["night/owl.wav"], 0.25, 0.5, "Robin", source="model", score=0.734)
    out = io.StringIO()
    assert export_regions(project, "aoef", out) == 3
    aoef = json.loads(out.getvalue())
    assert aoef["version"] == "1.1.0"
    data = aoef["data"]
    assert (data["collection_type"], data["name"]) == ("annotation_project", "audio")
    assert [(r["path"], r["duration"], r["channels"], r["samplerate"])
            for r in data["recordings"]] == [("dawn.wav", 3.0, 1, 16000),
                                             ("night/owl.wav", 2.0, 1, 16000)]
    # "label", a key of its own to soundevent ("class" it reads as a taxon's class, dwc:class).
    assert data["tags"] == [{"id": 0, "key": "label", "value": "Robin"}]
    assert [e["geometry"] for e in data["sound_events"]] == [
        {"type": "TimeInterval", "coordinates": [0.5, 1.0]},
        {"type": "BoundingBox", "coordinates": [1.5, 400.0, 2.0, 1600.0]},
        {"type": "TimeInterval", "coordinates": [0.25, 0.5]}]
    annotations = data["sound_event_annotations"]
    assert [a["tags"] for a in annotations] == [[0], [], [0]]
    # Every reference points at something in the file: Whombat refuses a dangling one.
    ids = {key: {item["uuid"] for item in data[key]}
           for key in ("recordings", "clips", "sound_events", "sound_event_annotations")}
    assert {e["recording"] for e in data["sound_events"]} <= ids["recordings"]
    assert {a["sound_event"] for a in annotations} == ids["sound_events"]
    assert {c["clip"] for c in data["clip_annotations"]} == ids["clips"]
    assert {t["clip"] for t in data["tasks"]} == ids["clips"]
    assert sorted(u for c in data["clip_annotations"] for u in c["sound_events"]) == sorted(
        ids["sound_event_annotations"])
    # The model's unreviewed event: its score a feature, and a note raised for review.
    assert data["sound_events"][2]["features"] == {"score": 0.734}
    [note] = annotations[2]["notes"]
    assert note["is_issue"] and "not reviewed" in note["message"] and "(73%)" in note["message"]
    assert "notes" not in annotations[0]


def test_an_unreviewed_event_s_note_says_who_found_it(project):
    """Every unreviewed event's note said "a model or a search"; an imported BirdNET detection's
    too."""
    dawn = {c.path: c.id for c in project.clips()}["dawn.wav"]
    project.replace_model_regions(dawn, [RegionSpec(dawn, 0.1, 0.2, "Robin", score=0.9)])
    project.replace_model_regions(dawn, [RegionSpec(dawn, 0.5, 0.6, "loud", score=0.8)],
                                  labels={"loud"}, source="loud")
    project.add_regions([RegionSpec(dawn, 1.0, 1.1, "Wren", score=0.7)], "import")
    out = io.StringIO()
    export_regions(project, "aoef", out)
    notes = [a["notes"][0]["message"]
             for a in json.loads(out.getvalue())["data"]["sound_event_annotations"]]
    assert notes == ["Found by an Earmark model (90%); not reviewed.",
                     "Found by Earmark's Find Loud Events (7 dB above its band's background); "
                     "not reviewed.",
                     "Found by a detector, imported into Earmark (70%); not reviewed."]


def test_export_to_a_file_writes_the_dataset_whombat_imports_first(project, tmp_path):
    """Whombat's import of an annotation project finds its recordings only among those it
    holds, by UUID: before, the export held fresh UUIDs and no dataset, and Whombat imported an
    empty project."""
    clips = {c.path: c.id for c in project.clips()}
    project.add_region(clips["dawn.wav"], 0.5, 1.0, "Robin")
    out = tmp_path / "regions.aoef.json"
    assert export_regions(project, "aoef", out) == 1
    dataset = json.loads((tmp_path / "regions.dataset.aoef.json").read_text())["data"]
    assert (dataset["collection_type"], dataset["name"]) == ("dataset", "audio")
    first = json.loads(out.read_text())["data"]
    uuids = {r["path"]: r["uuid"] for r in first["recordings"]}
    assert {r["path"]: r["uuid"] for r in dataset["recordings"]} == {
        "dawn.wav": uuids["dawn.wav"]}
    assert {e["recording"] for e in first["sound_events"]} == {uuids["dawn.wav"]}
    # Exported again (more regions since): the same recording, the same UUID.
    project.add_region(clips["dawn.wav"], 1.5, 2.0, "Wren")
    export_regions(project, "aoef", out)
    again = json.loads(out.read_text())["data"]
    assert {r["path"]: r["uuid"] for r in again["recordings"]} == uuids
    assert again["uuid"] != first["uuid"]  # a project of its own
    # Another folder of the same name: other recordings, other UUIDs.
    other = tmp_path / "elsewhere" / "audio"
    audio_factory.write(other / "dawn.wav", audio_factory.tone(440, 3.0))
    with Project.open(other) as elsewhere:
        elsewhere.scan()
        elsewhere.add_region(elsewhere.clips()[0].id, 0.5, 1.0, "Robin")
        export_regions(elsewhere, "aoef", tmp_path / "other.aoef.json")
    theirs = json.loads((tmp_path / "other.aoef.json").read_text())["data"]["recordings"]
    assert theirs[0]["path"] == "dawn.wav" and theirs[0]["uuid"] != uuids["dawn.wav"]


def test_only_the_tag_key_that_names_the_class_gives_labels(tmp_path):
    """Whombat tags a sound with its species and its call type: before, each tag was a region
    of its own, the call type a class."""
    text = json.loads(document(
        [event("e1", "TimeInterval", [0.5, 1.0]), event("e2", "TimeInterval", [1.5, 2.0])],
        [annotation("a1", "e1", [0, 7]), annotation("a2", "e2", [1, 7])]))
    text["data"]["tags"].append({"id": 7, "key": "call_type", "value": "song"})
    path = tmp_path / "p.json"
    path.write_text(json.dumps(text))
    _, rows = read_regions(path)
    assert [(r.begin_s, r.label) for r in rows] == [(0.5, "Robin"), (1.5, "Wren")]
    # Keys in capitals; a sound tagged only under another key is labelled by that (rain among
    # the wrens), not left unlabelled.
    text["data"]["tags"] = [{"id": 0, "key": "Species", "value": "Wren"},
                            {"id": 1, "key": "Call type", "value": "song"},
                            {"id": 2, "key": "noise", "value": "rain"}]
    text["data"]["sound_events"].append(event("e3", "TimeInterval", [2.2, 2.6]))
    text["data"]["sound_event_annotations"] = [
        annotation("a1", "e1", [1, 0]), annotation("a2", "e2", [2]), annotation("a3", "e3", [2])]
    path.write_text(json.dumps(text))
    assert [r.label for r in read_regions(path)[1]] == ["Wren", "rain", "rain"]


def test_soundevent_s_darwin_core_keys_name_the_class_and_ties_go_to_the_first_key(tmp_path):
    """soundevent writes "species" as dwc:scientificName and "class" as dwc:class: neither was
    a class key, so of a species and a call type on every sound, the one that won depended on
    the order of a set of strings, which changes from run to run (all "song", some runs)."""
    text = json.loads(document(
        [event("e1", "TimeInterval", [0.5, 1.0]), event("e2", "TimeInterval", [1.5, 2.0])],
        [annotation("a1", "e1", [7, 0]), annotation("a2", "e2", [7, 1])]))
    text["data"]["tags"] = [{"id": 0, "key": "dwc:scientificName", "value": "Erithacus rubecula"},
                            {"id": 1, "key": "dwc:scientificName", "value": "Troglodytes"},
                            {"id": 7, "key": "call_type", "value": "song"}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(text))
    assert [r.label for r in read_regions(path)[1]] == ["Erithacus rubecula", "Troglodytes"]
    # Earmark's own "class" after a trip through soundevent (dwc:class), a call type beside it.
    for tag in text["data"]["tags"][:2]:
        tag["key"] = "dwc:class"
    path.write_text(json.dumps(text))
    assert [r.label for r in read_regions(path)[1]] == ["Erithacus rubecula", "Troglodytes"]
    # Two keys of no known meaning, used as often: the first in the file, whatever the run.
    text["data"]["tags"] = [{"id": 0, "key": "bird", "value": "Robin"},
                            {"id": 1, "key": "bird", "value": "Wren"},
                            {"id": 7, "key": "call_type", "value": "song"}]
    text["data"]["sound_event_annotations"] = [annotation("a1", "e1", [0, 7]),
                                               annotation("a2", "e2", [1, 7])]
    path.write_text(json.dumps(text))
    assert [r.label for r in read_regions(path)[1]] == ["Robin", "Wren"]


def test_a_time_expanded_recording_s_events_are_read_in_the_file_s_own_time_and_hertz(tmp_path):
    """soundevent keeps a x10 bat recording's events as they were in the air (0.1 s, 40 kHz):
    read as the file's, a box lay above its top and the import was refused, an interval at a
    tenth of its time."""
    text = json.loads(document(
        [event("e1", "BoundingBox", [0.1, 40000.0, 0.2, 60000.0]),
         event("e2", "TimeInterval", [0.05, 0.06])],
        [annotation("a1", "e1", [0]), annotation("a2", "e2", [1])]))
    text["data"]["recordings"][0].update(duration=0.3, samplerate=160000, time_expansion=10.0)
    text["data"]["clip_annotations"] = []
    path = tmp_path / "p.json"
    path.write_text(json.dumps(text))
    rows = read_regions(path)[1]
    assert [(r.label, r.begin_s, r.end_s, r.low_hz, r.high_hz) for r in rows] == [
        ("Robin", pytest.approx(1.0), pytest.approx(2.0), pytest.approx(4000.0),
         pytest.approx(6000.0)),
        ("Wren", pytest.approx(0.5), pytest.approx(0.6), None, None)]


def test_tags_of_whole_clips_are_clip_labels(tmp_path, project):
    """Whombat's tags of a whole clip (a classification task's) left no trace: "5 regions
    imported" and the clip's species gone."""
    from core.store.label_io import import_csv
    from core.store.region_io import file_kind, import_facts

    value = json.loads(document([event("e1", "TimeInterval", [0.5, 1.0])],
                                [annotation("a1", "e1", [0])]))
    data = value["data"]
    data["tags"].append({"id": 3, "key": "quality", "value": "good"})
    data["clips"] += [{"uuid": "c2", "recording": OWL, "start_time": 0.0, "end_time": 2.0}]
    data["clip_annotations"] = [
        {"uuid": "ca", "clip": "c1", "sound_events": ["a1"], "tags": [1, 3]},  # dawn: Wren
        {"uuid": "cb", "clip": "c2", "tags": [3]}]  # a rating alone: no class
    path = tmp_path / "project.json"
    path.write_text(json.dumps(value))
    assert import_facts(path).clip_labels_too
    import_regions_file(project, path)
    import_csv(project, path)
    assert {c.path: c.label for c in project.clips()} == {"dawn.wav": "Wren",
                                                         "night/owl.wav": "night"}  # its folder's
    # A clip given two classes is named. A clip that is a part of its recording (Whombat's
    # clips cut from a night) is a region over it (it refused the whole import).
    data["clips"][0]["end_time"] = 1.5
    data["clip_annotations"][1]["tags"] = [0, 1]
    path.write_text(json.dumps(value))
    with pytest.raises(EarmarkError) as caught:
        import_csv(project, path)
    assert str(caught.value).splitlines()[1:] == [
        "  clip annotation 2: owl.wav: 2 classes (Robin, Wren); a clip has one label"]
    assert [(r.path, r.begin_s, r.end_s, r.label) for r in read_regions(path)[1]][-1] == (
        "dawn.wav", 0.0, 1.5, "Wren")
    # A clip tagged under another key than the classes' (its noise, its quality) is no label.
    data["tags"].append({"id": 4, "key": "noise", "value": "rain"})
    data["clips"][0]["end_time"] = 3.0
    data["clip_annotations"] = [{"uuid": "ca", "clip": "c1", "tags": [4, 3]}]
    path.write_text(json.dumps(value))
    assert not import_facts(path).clip_labels_too
    # Tags of whole clips and no sound events: a file of clip labels.
    data["sound_events"] = data["sound_event_annotations"] = []
    path.write_text(json.dumps(value))
    assert file_kind(path) == "labels"
