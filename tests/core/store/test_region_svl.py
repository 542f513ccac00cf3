"""Sonic Visualiser's annotation layers (.svl) and sessions (.sv, bzip2): region, note and box
layers shaped as Sonic Visualiser writes them (svcore's Model/Event toXml), read into regions; bad
points named by line with nothing imported; time instants read as moments, values refused; the
layer Earmark writes."""

from __future__ import annotations

import bz2
import xml.etree.ElementTree as ET

import pytest

from core.errors import EarmarkError, RegionError
from core.store.project import Project
from core.store.region_export import export_regions
from core.store.region_io import (
    detect_format,
    file_kind,
    import_regions_file,
    needs_audio,
    plan_regions_files,
    read_regions,
)
from core.store.region_svl import svl_text
from tests import audio_factory


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "dawn.wav", audio_factory.tone(440, 3.0))  # 16 kHz
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def layer(model: str, points: str, display: str = "") -> str:
    """An exported layer as Sonic Visualiser lays one out."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sonic-visualiser>\n<sv>\n'
            f"  <data>\n    {model}\n    <dataset id=\"3\" dimensions=\"3\">\n{points}"
            f"    </dataset>\n  </data>\n  <display>{display}</display>\n</sv>\n")


REGIONS = layer(
    '<model id="4" name="" sampleRate="44100" start="22050" end="110250" type="sparse" '
    'dimensions="3" resolution="1" notifyOnAdd="true" dataset="3" subtype="region" '
    'valueQuantization="0" minimum="0" maximum="1" units="" />',
    '      <point frame="22050" value="0" duration="44100" label="robin" />\n'
    '      <point frame="88200" value="1" duration="22050" label="" />\n',
    '\n    <layer id="5" type="regions" name="Regions" model="4" />\n  ')


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def spans(rows) -> list[tuple]:
    return [(r.begin_s, r.end_s, r.label, r.low_hz, r.high_hz, r.line) for r in rows]


def test_a_region_layer_as_sonic_visualiser_writes_one(tmp_path):
    path = write(tmp_path, "dawn.svl", REGIONS)
    assert detect_format(REGIONS) == "sonicvisualiser"
    assert needs_audio(path)  # an exported layer names no recording
    fmt, rows = read_regions(path, audio="dawn.wav")
    assert fmt == "sonicvisualiser" and {r.path for r in rows} == {"dawn.wav"}
    # Frames at the model's own rate; an empty label is no label.
    assert spans(rows) == [(0.5, 1.5, "robin", None, None, 7), (2.0, 2.5, None, None, None, 8)]


def test_a_layer_without_its_recording_asks_for_one(tmp_path):
    with pytest.raises(EarmarkError, match=r"^dawn\.svl: .*does not say which audio file.*--audio"):
        read_regions(write(tmp_path, "dawn.svl", REGIONS))


def test_a_box_layer_gives_bands_and_a_note_layer_spans(tmp_path, project):
    boxes = layer(
        '<model id="1" name="" sampleRate="16000" start="0" end="32000" type="sparse" '
        'dimensions="2" resolution="1" notifyOnAdd="true" dataset="3" subtype="box" '
        'minimum="500" maximum="8000" units="Hz" />',
        '      <point frame="8000" value="500" duration="8000" extent="2500" label="wren" />\n'
        '      <point frame="24000" value="0" duration="8000" extent="8000" label="wind" />\n')
    import_regions_file(project, write(tmp_path, "boxes.svl", boxes), audio="dawn.wav")
    # The second box covers every frequency: no band, as a Raven selection over them all.
    assert [(r.begin_s, r.end_s, r.label, r.low_hz, r.high_hz) for r in project.regions()] == [
        (0.5, 1.0, "wren", 500.0, 3000.0), (1.5, 2.0, "wind", None, None)]
    notes = layer(
        '<model id="1" name="" sampleRate="16000" start="0" end="32000" type="sparse" '
        'dimensions="3" resolution="1" notifyOnAdd="true" dataset="3" subtype="note" '
        'valueQuantization="0" minimum="220" maximum="440" units="Hz" />',
        '      <point frame="4000" value="440" duration="4000" level="0.8" label="la" />\n')
    assert spans(read_regions(write(tmp_path, "notes.svl", notes), "dawn.wav")[1]) == [
        (0.25, 0.5, "la", None, None, 7)]


def test_a_time_instants_layer_gives_moments_made_regions_about_them(tmp_path, project):
    """A layer of instants (svcore's SparseOneDimensionalModel: one dimension, no subtype), as a
    person marks calls while listening, was refused: "moments, not spans"."""
    instants = layer(
        '<model id="1" name="" sampleRate="16000" start="0" end="16000" type="sparse" '
        'dimensions="1" resolution="1" notifyOnAdd="true" dataset="3" />',
        '      <point frame="16000" label="wren" />\n      <point frame="40000" label="" />\n')
    path = write(tmp_path, "calls.svl", instants)
    assert spans(read_regions(path, "dawn.wav")[1]) == [
        (1.0, 1.0, "wren", None, None, 7), (2.5, 2.5, None, None, None, 8)]
    assert plan_regions_files(project, [(path, "dawn.wav")]).moments == 2
    import_regions_file(project, path, audio="dawn.wav")
    # 0.5 s about each, within the 3 s recording.
    assert [(r.begin_s, r.end_s, r.label) for r in project.regions()] == [
        (0.75, 1.25, "wren"), (2.25, 2.75, None)]


def test_a_session_s_onsets_from_a_plugin_are_no_moments(tmp_path):
    """A session holds a person's layers beside a plugin's output (an onset detector's time
    instants, named by a <derivation>): its hundreds of onsets came in as regions."""
    onsets = ('<model id="9" name="Onsets" sampleRate="44100" start="0" end="0" type="sparse" '
              'dimensions="1" resolution="512" notifyOnAdd="true" dataset="8" />\n'
              '    <dataset id="8" dimensions="1">\n' + "".join(
                  f'      <point frame="{f}" label="" />\n' for f in range(4410, 132300, 4410))
              + '    </dataset>\n')
    derivation = ('    <derivation type="transform" source="0" model="9" channel="-1" domain="1" '
                  'stepSize="512" blockSize="1024" windowType="1" '
                  'transform="vamp:qm-vamp-plugins:qm-onsetdetector:onsets">\n'
                  '    </derivation>\n')
    session = REGIONS.replace("<data>\n", "<data>\n    " + onsets).replace(
        "  </data>", derivation + "  </data>")
    rows = read_regions(write(tmp_path, "dawn.svl", session), "dawn.wav")[1]
    assert [(r.begin_s, r.end_s, r.label) for r in rows] == [(0.5, 1.5, "robin"),
                                                            (2.0, 2.5, None)]
    # Marked by a person (no derivation), the same layer's instants are moments.
    marked = read_regions(write(tmp_path, "marked.svl", session.replace(derivation, "")),
                          "dawn.wav")[1]
    assert sum(r.begin_s == r.end_s for r in marked) == 29


def test_a_layer_of_values_is_refused_by_what_it_holds(tmp_path):
    values = layer(
        '<model id="1" name="" sampleRate="16000" start="0" end="16000" type="sparse" '
        'dimensions="2" resolution="1" notifyOnAdd="true" dataset="3" minimum="100" '
        'maximum="400" units="Hz" />',
        '      <point frame="16000" value="220" label="" />\n')
    with pytest.raises(EarmarkError, match=r"^pitch\.svl: no time instants, region, note or box "
                                           r"layer \(it holds sparse\).*values and text"):
        read_regions(write(tmp_path, "pitch.svl", values), "dawn.wav")


def test_every_bad_point_is_named_by_its_line_and_nothing_is_imported(tmp_path, project):
    text = layer(
        '<model id="4" name="" sampleRate="16000" start="0" end="0" type="sparse" '
        'dimensions="3" resolution="1" notifyOnAdd="true" dataset="3" subtype="region" />',
        '      <point frame="0" value="0" duration="8000" label="ok" />\n'
        '      <point frame="100" value="0" label="no span" />\n'
        '      <point frame="1.5" value="0" duration="10" label="half a frame" />\n'
        '      <point frame="160000" value="0" duration="10" label="past the end" />\n')
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, write(tmp_path, "bad.svl", text), audio="dawn.wav")
    message = str(caught.value)
    assert "bad.svl: 3 rows cannot be imported" in message
    assert "line 8: no duration: a moment, not a span" in message
    assert "line 9: frame '1.5' or duration '10' is not a whole number" in message
    assert "line 10: " in message and project.regions() == []


def test_a_session_names_its_recording_and_is_read_compressed(tmp_path, project):
    # A session (.sv) is bzip2-compressed XML; its main wave-file model names the recording by a
    # path on the machine that wrote it, and its region layer sits among other models.
    session = REGIONS.replace(
        "<data>\n", '<data>\n    <model id="0" name="dawn" sampleRate="44100" start="0" '
        'end="132300" type="wavefile" file="C:\\Users\\ann\\field\\dawn.wav" '
        'mainModel="true" />\n    <model id="9" name="" sampleRate="44100" start="0" end="0" '
        'type="sparse" dimensions="1" resolution="512" notifyOnAdd="true" dataset="8" />\n')
    path = tmp_path / "dawn.sv"
    path.write_bytes(bz2.compress(session.encode()))
    assert not needs_audio(path)
    import_regions_file(project, path)
    assert [(r.begin_s, r.end_s, r.label) for r in project.regions()] == [
        (0.5, 1.5, "robin"), (2.0, 2.5, None)]


@pytest.mark.parametrize("declared, encoding", [("ISO-8859-1", "latin-1"), ("UTF-8", "utf-8"),
                                                 ("no-such-encoding", "utf-8")])
def test_the_text_is_read_whatever_encoding_the_declaration_names(tmp_path, declared, encoding):
    path = tmp_path / "grive.svl"
    path.write_bytes(REGIONS.replace('encoding="UTF-8"', f'encoding="{declared}"')
                     .replace('label="robin"', 'label="grive musicienne é"').encode(encoding))
    _, rows = read_regions(path, "dawn.wav")
    assert rows[0].label == "grive musicienne é"


@pytest.mark.parametrize("data, reason", [
    (b"BZh91AY&SY broken", "broken bzip2 stream"),
    (b'<?xml version="1.0"?>\n<sv>\n  <data>\n</sv>\n', r"broken XML \(line 4: mismatched tag"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE sv [<!ENTITY a "aaaa">]>\n<sv/>', "defines entities"),
    (b"<html><body>not a layer</body></html>", "without a Sonic Visualiser model"),
])
def test_broken_files_are_named_with_the_reason(tmp_path, data, reason):
    path = tmp_path / "x.svl"
    path.write_bytes(data)
    with pytest.raises(EarmarkError, match=rf"^x\.svl: .*{reason}"):
        read_regions(path, "dawn.wav")


def test_a_csv_whose_first_name_begins_bzh_is_read_as_a_csv_not_a_session(tmp_path):
    # "BZh" alone was taken for a bzip2 stream: "a broken bzip2 stream".
    path = tmp_path / "labels.csv"
    path.write_text("BZh_1.wav,cat\nBZh_2.wav,dog\n")
    assert file_kind(path) == "labels"
    regions = tmp_path / "regions.csv"
    regions.write_text("BZh9.wav,0.5,1.0\n")
    with pytest.raises(EarmarkError) as caught:
        read_regions(regions)
    assert "bzip2" not in str(caught.value)


def test_export_writes_a_region_layer_or_a_box_layer_at_the_recordings_rate(tmp_path, project):
    clip = project.clips()[0]
    project.add_region(clip.id, 0.5, 1.25, "robin & wren")
    export_regions(project, "sonicvisualiser", tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "dawn.svl").getroot()
    model = root.find("data/model")
    assert (model.get("subtype"), model.get("dimensions"), model.get("sampleRate")) == (
        "region", "3", "16000")
    point = root.find("data/dataset/point")
    assert (point.get("frame"), point.get("duration"), point.get("label")) == (
        "8000", "12000", "robin & wren")
    assert root.find("display/layer").get("type") == "regions"
    # A band on any region makes it a box layer in Hz; a region without one spans 0 to Nyquist.
    project.add_region(clip.id, 2.0, 2.5, None, 1000.0, 2500.0)
    root = ET.fromstring(svl_text(clip, project.regions()))
    assert root.find("data/model").get("subtype") == "box"
    assert root.find("data/model").get("units") == "Hz"
    assert root.find("display/layer").get("type") == "boxes"
    assert [(p.get("value"), p.get("extent"), p.get("label"))
            for p in root.iter("point")] == [("0.000", "8000.000", "robin & wren"),
                                             ("1000.000", "1500.000", "")]


# A layer exported as CSV (File > Export Annotation Layer, .csv), shaped as svcore's
# Event::toDelimitedDataString writes a point: time, value, duration, [level,] label, in seconds
# (RealTime::toString), the label left out when empty.
REGION_CSV = "0.500000000,0,1.000000000,robin\n2.000000000,1,0.500000000\n"


def test_a_region_layer_exported_as_csv_gives_its_regions(tmp_path, project):
    path = write(tmp_path, "dawn.csv", REGION_CSV)
    assert detect_format(REGION_CSV) == "sonicvisualiser-csv"
    assert needs_audio(path)  # a layer names no recording
    fmt, rows = read_regions(path, audio="dawn.wav")
    assert fmt == "sonicvisualiser-csv"
    assert spans(rows) == [(0.5, 1.5, "robin", None, None, 1), (2.0, 2.5, None, None, None, 2)]
    # A note layer's rows hold a level before the label; a label of digits stays a label.
    notes = "0.25,440,0.25,0.8,la\n1.0,220,0.5,7\n"
    assert spans(read_regions(write(tmp_path, "notes.csv", notes), "dawn.wav")[1]) == [
        (0.25, 0.5, "la", None, None, 1), (1.0, 1.5, "7", None, None, 2)]
    import_regions_file(project, path, audio="dawn.wav")
    assert [(r.begin_s, r.end_s, r.label) for r in project.regions()] == [
        (0.5, 1.5, "robin"), (2.0, 2.5, None)]


def test_a_csv_layer_with_a_header_row_is_read_by_its_names(tmp_path):
    text = "TIME,VALUE,DURATION,LABEL\n0.5,0,0.25,wren\n"
    assert detect_format(text) == "sonicvisualiser-csv"
    assert spans(read_regions(write(tmp_path, "h.csv", text), "dawn.wav")[1]) == [
        (0.5, 0.75, "wren", None, None, 2)]
    # Earmark's own region CSV and BirdNET's keep their formats.
    assert detect_format("path,begin_s,end_s,label\na.wav,0,1,x\n") == "csv"
    assert detect_format("Start (s),End (s),Common name\n0,3,Robin\n") == "birdnet"


def test_a_layer_exported_as_text_is_tab_separated_and_read_as_sonic_visualiser_s(tmp_path):
    """Sonic Visualiser writes every name but .csv with tabs (its export dialog offers .txt):
    such a layer was taken for an Audacity track, its value read as the end, its duration as
    the label ("1.0 1 0.5 Wren": a moment at 1 s titled 0.500000000)."""
    region = "1.000000000\t1\t0.500000000\tWren\n2.000000000\t0\t0.250000000\t\n"
    assert detect_format(region) == "sonicvisualiser-csv"
    assert spans(read_regions(write(tmp_path, "dawn.txt", region), "dawn.wav")[1]) == [
        (1.0, 1.5, "Wren", None, None, 1), (2.0, 2.25, None, None, None, 2)]
    boxes = "start\tend\textent start\textent end\tlabel\n1.0\t1.5\t2000\t8000\tWren, juvenile\n"
    assert detect_format(boxes) == "sonicvisualiser-csv"
    assert spans(read_regions(write(tmp_path, "box.txt", boxes), "dawn.wav")[1]) == [
        (1.0, 1.5, "Wren, juvenile", 2000.0, 8000.0, 2)]
    # A first region without a label (SV leaves it out): three numbers, SV's nine decimals; a
    # time values layer's points, refused as a measurement (read as Audacity's, they were spans
    # ending before they began).
    assert detect_format("2.000000000\t0\t0.250000000\n") == "sonicvisualiser-csv"
    with pytest.raises(EarmarkError, match="a layer of values"):
        read_regions(write(tmp_path, "values.txt", "1.000000000\t0.5\n2.000000000\t0.25\n"),
                     "dawn.wav")
    # Audacity's tracks keep their format: a title that is a number, BirdNET's confidence.
    assert detect_format("0.5\t1.0\t7\n") == "audacity"
    assert detect_format("0.500000\t1.000000\t7\n") == "audacity"
    assert detect_format("0.0\t3.0\tStrix aluco, Tawny Owl\t0.81\n") == "audacity"


def test_a_box_layer_exported_as_csv_gives_its_spans_and_bands(tmp_path):
    """svcore's BoxModel writes start, end, extent start, extent end, label: before, the band's
    bottom was read as a duration (100 s to 600 s), its top dropped; with its header the file
    was taken for clip labels."""
    rows = "100.000000000,101.000000000,500,1500,owl\n102.5,103,2000,4000\n"
    for text, first in ((rows, 1), ("START,END,EXTENT START,EXTENT END,LABEL\n" + rows, 2)):
        assert detect_format(text) == "sonicvisualiser-csv"
        assert spans(read_regions(write(tmp_path, "boxes.csv", text), "dawn.wav")[1]) == [
            (100.0, 101.0, "owl", 500.0, 1500.0, first),
            (102.5, 103.0, None, 2000.0, 4000.0, first + 1)]


def test_a_region_layer_without_a_header_and_labelled_by_numbers_is_no_box_layer(tmp_path):
    """Time, value, duration and a numbered label read as a box before: 10 s to 200 s, a band of
    2.5 to 7 Hz, unlabelled."""
    text = "10.000000000,200,2.500000000,7\n20.000000000,150,1.000000000,12\n"
    assert spans(read_regions(write(tmp_path, "digits.csv", text), "dawn.wav")[1]) == [
        (10.0, 12.5, "7", None, None, 1), (20.0, 21.0, "12", None, None, 2)]


@pytest.mark.parametrize(("text", "lines"), [
    ("1.0,wren\n2.5\n", (1, 2)),  # svcore's Event writes no empty label
    ("0.5\n1.0\n2.5\n", (1, 2, 3)),  # nothing but times: no comma at all
    ("TIME,LABEL\n1.0,wren\n2.5,\n", (2, 3)),
])
def test_a_time_instants_layer_exported_as_csv_gives_its_moments(tmp_path, text, lines):
    assert detect_format(text) == "sonicvisualiser-csv"
    rows = read_regions(write(tmp_path, "calls.csv", text), "dawn.wav")[1]
    assert [(r.begin_s, r.end_s, r.line) for r in rows][-2:] == [
        (1.0, 1.0, lines[-2]), (2.5, 2.5, lines[-1])]
    assert rows[-2].label == ("wren" if "wren" in text else None) and rows[-1].label is None


@pytest.mark.parametrize(("text", "span"), [
    ("0.5,robin\n1.0,Wren, juvenile\n", (1.0, 1.0, None, None)),  # time instants
    ("0.5,0,1.0,robin\n1.0,0,0.5,Wren, juvenile\n", (1.0, 1.5, None, None)),  # regions
    ("0.5,440,1.0,0.8,la\n1.0,220,0.5,0.8,Wren, juvenile\n", (1.0, 1.5, None, None)),  # notes
    ("0.5,1.0,500,1500,owl\n1.0,1.5,500,1500,Wren, juvenile\n", (1.0, 1.5, 500.0, 1500.0)),
    # Quoted after a space, as a hand-edited layer may be; and under a header.
    ('0.5,0,1.0,robin\n1.0,0,0.5, "Wren, juvenile"\n', (1.0, 1.5, None, None)),
    ("TIME,VALUE,DURATION,LABEL\n1.0,0,0.5,Wren, juvenile\n", (1.0, 1.5, None, None)),
])
def test_an_old_csv_layer_s_unquoted_label_with_a_comma_is_one_label_as_written(tmp_path, text,
                                                                                span):
    """An older Sonic Visualiser wrote a label with a comma unquoted: its second part was a
    third cell, which refused a time instants layer as "a layer of values" and lost the space
    (``Wren,juvenile``) in the others."""
    rows = read_regions(write(tmp_path, "old.csv", text), "dawn.wav")[1]
    assert [(r.begin_s, r.end_s, r.low_hz, r.high_hz, r.label) for r in rows][-1] == (
        *span[:2], *span[2:], "Wren, juvenile")


@pytest.mark.parametrize(("text", "reason"), [
    ("1.0,220\n2.0,230.5\n", r"a layer of values .*export a time instants, region"),
    ("TIME,VALUE,LABEL\n1.0,220,a\n", r"a layer of values .*export a time instants, region"),
    ("FRAME,VALUE,DURATION,LABEL\n8000,0,4000,x\n", r"times in frames: export the layer again "
                                                     r"with times in seconds"),
])
def test_a_csv_layer_of_values_or_in_frames_is_refused_saying_why(tmp_path, text, reason):
    with pytest.raises(EarmarkError, match=r"^layer\.csv: " + reason):
        read_regions(write(tmp_path, "layer.csv", text), "dawn.wav")
    with pytest.raises(EarmarkError, match=r"does not say which audio file.*--audio"):
        read_regions(write(tmp_path, "layer.csv", REGION_CSV))


def test_every_bad_csv_row_is_named_by_its_line_and_nothing_is_imported(tmp_path, project):
    text = "0.5,0,1.0,ok\n1.0,0\n2.0,0,zero\n2.5,0,0,flat\n9.0,0,1.0,past the end\n"
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, write(tmp_path, "bad.csv", text), audio="dawn.wav")
    message = str(caught.value)
    assert "bad.csv: 4 rows cannot be imported" in message
    for line in (2, 3, 4):
        assert f"line {line}: no duration: a moment, not a span" in message
    assert "line 5: " in message and project.regions() == []
