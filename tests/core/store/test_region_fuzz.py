"""Whatever a region or labels file holds, reading it gives regions or an EarmarkError that names
the file, never another exception: well-formed files of each format (Raven, Audacity, region CSV,
BirdNET, AviaNZ, Label Studio, AOEF annotations and predictions, Sonic Visualiser layers and
CSV layers, Edge Impulse) cut, spliced and salted with
stray characters, some bzip2-compressed, by a seeded generator."""

from __future__ import annotations

import bz2
import json
import random

import pytest

from core.errors import EarmarkError
from core.store import label_rules
from core.store.region_io import file_kind, needs_audio, read_regions
from tests.core.store import test_region_aoef as aoef
from tests.core.store import test_region_svl as svl
from tests.value_mutation import WRONG_VALUES, replaced, value_paths

SAMPLES = {
    "t.selections.txt": ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
                         "High Freq (Hz)\tBegin File\tFile Offset (s)\tAnnotation\n"
                         "1\tSpectrogram 1\t1\t0.5\t0.75\t500\t2500\trec.wav\t0.5\tTawny\n"),
    "track.txt": "0.100000\t0.400000\thoot\n\\\t300.000000\t1200.000000\n1,5\t2,5\tpoint\n",
    "r.csv": "path,begin_s,end_s,low_hz,high_hz,label\nrec.wav,0.5,1.0,,,dog\n",
    "b.BirdNET.results.csv": ("Start (s),End (s),Scientific name,Common name,Confidence,File\n"
                              "0.0,3.0,Ninox novaeseelandiae,Morepork,0.91,C:\\rec\\rec.wav\n"),
    "x.svl": svl.REGIONS,
    "layer.csv": "TIME,VALUE,DURATION,LABEL\n0.5,0,0.25,wren\n1.0,440,0.5,0.8,la\n",
    "x.json": aoef.document(
        [aoef.event("e1", "TimeInterval", [0.5, 1.25]),
         aoef.event("e2", "BoundingBox", [1.5, 500.0, 2.0, 3000.0]),
         aoef.event("e3", "Polygon", [[[0.1, 300.0], [0.4, 900.0], [0.3, 1200.0]]], aoef.OWL)],
        [aoef.annotation("a1", "e1", [0]), aoef.annotation("a2", "e2", [0, 1]),
         aoef.annotation("a3", "e3", [1, 2])]),
    "run.json": json.dumps({"version": "1.1.0", "data": {
        "uuid": "r", "collection_type": "model_run", "tags": [{"id": 0, "key": "sp", "value": "Owl"}],
        "recordings": [{"uuid": "rec", "path": "rec.wav"}],
        "sound_events": [{"uuid": "e1", "recording": "rec",
                          "geometry": {"type": "TimeInterval", "coordinates": [0.5, 1.0]}}],
        "sound_event_predictions": [{"uuid": "p1", "sound_event": "e1", "score": 0.7,
                                     "tags": [[0, 0.6]]}]}}),
    "rec.wav.data": json.dumps([{"Operator": "Ann", "Reviewer": "", "Duration": 3.0},
                                [0.5, 1.0, 400, 1600, [{"species": "Morepork", "certainty": 100,
                                                        "filter": "M"}]]]),
    "ls.json": json.dumps([{"id": 1, "data": {"audio": "/data/upload/1/0a1b2c3d-rec.wav"},
                            "annotations": [{"result": [{"type": "labels", "value": {
                                "start": 0.5, "end": 1.0, "labels": ["kiwi"]}}]}]}]),
    "info.labels": json.dumps({"version": 1, "files": [
        {"path": "a.wav", "category": "training", "label": {"type": "label", "label": "x"}}]}),
    "spans.labels": json.dumps({"version": 1, "files": [
        {"path": "rec.wav", "category": "training", "label": {"type": "multi-label", "labels": [
            {"label": "idle", "startIndex": 0, "endIndex": 499},
            {"label": "bark", "startIndex": 500, "endIndex": 900}]}}]}),
    "structured_labels.labels": json.dumps({"version": 1, "type": "structured-labels",
                                            "structuredLabels": {"rec.wav": [
                                                {"startIndex": 0, "endIndex": 300, "label": "a"},
                                                {"startIndex": 301, "endIndex": 621, "label": "b"}]}}),
}
JUNK = ['"', "<", ">", "{", "}", "[", "]", ",", ":", "null", "1e400", "-1", "NaN", "\x00",
        "&amp;", "&#0;", "]]>", '"type": 5', "[[", "true", "<!ENTITY a 'b'>", "é"]


def mutated(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(text))
        choice = rng.random()
        if choice < 0.4:
            text = text[:i] + rng.choice(JUNK) + text[i:]
        elif choice < 0.7:
            text = text[:i] + text[i + rng.randint(1, 20):]
        else:
            j = rng.randrange(len(text))
            text = text[:i] + text[j:j + 30] + text[i:]
    return text


def _read_every_way(path) -> None:
    """Every reading of a file gives an answer or an EarmarkError naming the file."""
    for read in (file_kind, needs_audio, lambda p: read_regions(p, "rec.wav"),
                 label_rules.read_labels_file):
        try:
            read(path)
        except EarmarkError as error:
            assert path.name in str(error)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_mangled_files_give_named_errors_or_regions(tmp_path, name):
    rng = random.Random(name)
    path = tmp_path / name
    for n in range(150):
        data = mutated(SAMPLES[name], rng).encode("utf-8", "replace")
        path.write_bytes(bz2.compress(data) if n % 5 == 0 else data)
        _read_every_way(path)


@pytest.mark.parametrize("name", [n for n, text in SAMPLES.items() if text.lstrip()[0] in "[{"])
def test_json_values_of_the_wrong_type_give_named_errors_or_regions(tmp_path, name):
    """A list where a number belongs, an object for a tag id, a number for a path: a hand-edited
    or broken JSON file gives regions or a named error, never a Python error (a list used as a
    tag id once stopped an AOEF import with 'unhashable type')."""
    rng = random.Random(name)
    path = tmp_path / name
    for _ in range(300):
        data = json.loads(SAMPLES[name])
        for _ in range(rng.randint(1, 3)):
            new = json.loads(json.dumps(rng.choice(WRONG_VALUES), allow_nan=True))
            data = replaced(data, rng.choice(list(value_paths(data))), new)
        path.write_text(json.dumps(data))
        _read_every_way(path)


# ---- files found by a fuzzing run that once stopped an import with a Python error ------------

BIG = 10**309  # an integer beyond a float's range
HOSTILE = {
    "odd-length UTF-16": ("x.csv", b"\xff\xfea"),
    "UTF-16 with a lone surrogate": ("x.csv", b"\xff\xfe\x00\xd8a\x00"),
    "lists nested 5,000 deep": ("x.json", b"[" * 5000),
    "objects nested 5,000 deep": ("x.json", ('{"data":' * 5000 + "1" + "}" * 5000).encode()),
    "an integer of 4,301 digits": ("x.json", b"[" + b"1" * 4301 + b"]"),
    "Label Studio: a start beyond a float": ("ls.json", json.dumps([{
        "data": {"audio": "rec.wav"}, "annotations": [{"result": [{"type": "labels", "value": {
            "start": BIG, "end": 0.3, "labels": ["x"]}}]}]}]).encode()),
    "AviaNZ: an end beyond a float": ("rec.wav.data", json.dumps([[0, BIG, 0, 0, []]]).encode()),
    "Edge Impulse: an end index beyond a float": ("s.labels", json.dumps({
        "structuredLabels": {"rec.wav": [{"label": "x", "startIndex": 0, "endIndex": BIG}]}
    }).encode()),
    "AOEF: a time beyond a float": ("x.json", aoef.document(
        [aoef.event("e1", "TimeInterval", [0, BIG])], [aoef.annotation("a1", "e1", [0])]).encode()),
    "AOEF: a feature named by a list": ("x.json", json.dumps({"data": {
        "collection_type": "x", "recordings": [{"uuid": "r", "path": "rec.wav"}],
        "sound_events": [{"uuid": "e", "recording": "r", "geometry": {
            "type": "TimeInterval", "coordinates": [0, 0.3]}, "features": [{"name": []}]}],
        "sound_event_annotations": [{"sound_event": "e"}]}}).encode()),
    "Label Studio: an address with a broken IPv6 host": ("ls.json", json.dumps([{
        "data": {"audio": "http://[x/rec.wav"}, "annotations": [{"result": [
            {"type": "labels", "value": {"start": 0, "end": 0.3, "labels": ["x"]}},
            {"type": "choices", "value": {"choices": ["x"]}}]}]}]).encode()),
    "a CSV field longer than a field may be": ("x.csv", b"a," + b"x" * 131073 + b"\n"),
    "Sonic Visualiser: frames beyond a float": ("x.svl", svl.layer(
        '<model id="4" sampleRate="1" type="sparse" dataset="3" subtype="region" />',
        '<point frame="1e308" duration="1e308" label="x" />\n').encode()),
}


@pytest.fixture
def rec_project(tmp_path):
    from core.store.project import Project
    from tests import audio_factory

    audio_factory.write(tmp_path / "audio" / "rec.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(tmp_path / "audio") as project:
        project.scan()
        yield project


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_gives_a_named_error_or_rows_never_a_python_error(tmp_path, rec_project,
                                                                         case):
    from core.store.label_io import plan_labels_import
    from core.store.region_io import import_facts, plan_regions_files

    name, data = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(data)
    _read_every_way(path)
    for read in (import_facts, lambda p: plan_regions_files(rec_project, [(p, "rec.wav")]),
                 lambda p: plan_labels_import(rec_project, p)):
        try:
            read(path)
        except EarmarkError as error:
            assert path.name in str(error)


def test_what_a_stranger_s_file_gets_wrong_is_refused_or_mended_not_taken_as_it_is(tmp_path,
                                                                                     rec_project):
    from core.store.label_io import import_csv
    from core.store.region_io import clip_index, find_clip, import_regions_file

    def regions_of(name: str, text: str, audio: str | None = "rec.wav"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return read_regions(path, audio)

    # A number Python reads but no table writes (0_3 is 3 to float()) is a row's problem.
    with pytest.raises(EarmarkError, match="begin '0_3' is not a number"):
        regions_of("r.csv", "path,begin_s,end_s,label\nrec.wav,0_3,1.0,x\n")
    # A BirdNET row whose File cell is empty says so (it read ". is not in the folder").
    with pytest.raises(EarmarkError, match="line 2: no audio file named"):
        regions_of("b.BirdNET.results.csv", "Start (s),End (s),Common name,Confidence,File\n"
                   "0,3,Morepork,0.9,\n", None)
    # JSON's true is no time.
    with pytest.raises(EarmarkError, match="coordinates must be numbers"):
        regions_of("b.json", aoef.document([aoef.event("e1", "TimeInterval", [False, True])],
                                           [aoef.annotation("a1", "e1", [0])]), None)
    # Raven's rows of one selection (its views, its channels) share their times and make one
    # region; rows that share a number but not their times are selections of their own.
    head = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n"
    _, rows = regions_of("t.txt", head + "1\tWaveform 1\t1\t0.1\t0.2\towl\n"
                         "1\tSpectrogram 1\t1\t0.1\t0.2\towl\n1\tSpectrogram 1\t2\t0.1\t0.2\towl\n"
                         "1\tSpectrogram 1\t1\t0.3\t0.4\twren\n")
    assert [(r.begin_s, r.label) for r in rows] == [(0.1, "owl"), (0.3, "wren")]
    # A label holding an unpaired surrogate (which no store or file can keep) is stored with
    # U+FFFD in its place, as a clip label and as a region's.
    labels = tmp_path / "info.labels"
    labels.write_text(json.dumps({"version": 1, "files": [
        {"path": "rec.wav", "label": {"type": "label", "label": "bark\ud800"}}]}))
    import_csv(rec_project, labels)
    assert rec_project.clips()[0].label == "bark\ufffd"
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([{"data": {"audio": "rec.wav"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 0.1, "end": 0.3, "labels": ["wood\ud800thrush"]}}]}]}]))
    import_regions_file(rec_project, path)
    assert [r.label for r in rec_project.regions()] == ["wood\ufffdthrush"]
    # A path of 20,000 parts is looked up by its last few tails, not by each of them.
    by_path, by_name = clip_index(rec_project, include_missing=False)
    assert find_clip("x/" * 20_000 + "rec.wav", by_path, by_name)[0].path == "rec.wav"
