"""Region files other tools read and write: recognising them, Raven selection tables, Audacity
label tracks, AviaNZ .data files and Label Studio exports shaped like the ones those tools write,
bad rows (all named, nothing imported) and round trips of each format to the millisecond and the
hertz."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from core.errors import EarmarkError, RegionError
from core.store.project import Project
from core.store.records import RegionSpec
from core.store.region_export import export_regions
from core.store.region_io import (
    RegionRow,
    detect_format,
    file_kind,
    find_clip,
    import_regions_file,
    import_regions_files,
    needs_audio,
    plan_regions_files,
    read_regions,
)
from core.store.region_json import label_studio_clip_labels
from core.store.region_known import RegionsPlan, without_known
from tests import audio_factory


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "long.wav", audio_factory.tone(440, 3.0))  # 16 kHz: Nyquist 8 kHz
    audio_factory.write(root / "site1" / "night.wav", audio_factory.tone(440, 2.0, 8000), 8000)
    audio_factory.write(root / "site1" / "a.wav", audio_factory.tone(440, 1.0))
    audio_factory.write(root / "site2" / "a.wav", audio_factory.tone(440, 1.0))
    with Project.open(root) as opened:
        opened.scan()
        yield opened


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def regions_of(project: Project) -> list[tuple]:
    paths = {c.id: c.path for c in project.clips()}
    return [(paths[r.clip_id], r.begin_s, r.end_s, r.low_hz, r.high_hz, r.label, r.source)
            for r in project.regions()]


# --------------------------------------------------------------------------- recognising


@pytest.mark.parametrize("text, fmt", [
    ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\n",
     "raven"),
    ("\n1.000000\t2.500000\tdog\n", "audacity"),
    ("2,150000\t2,150000\tpoint\n", "audacity"),
    ("path,begin_s,end_s,label\n", "csv"),
    ("path,label\na.wav,dog\n", "csv"),
    ("Start (s),End (s),Scientific name,Common name,Confidence\n", "birdnet"),
    ('[{"Operator": "Ann", "Reviewer": "", "Duration": 60.0}, [1, 2, 0, 0, []]]', "avianz"),
    ("[[1, 2, 0, 0, []]]", "avianz"),
    ('[{"Operator": "Ann", "Reviewer": "", "Duration": 60.0}]', "avianz"),
    ('[{"id": 1, "data": {"audio": "/data/upload/1/0a1b2c3d-x.wav"}, "annotations": []}]',
     "labelstudio"),
    ('[{"audio": "x.wav", "label": [{"start": 1, "end": 2, "labels": ["a"]}]}]', "labelstudio"),
])
def test_detect_format(text, fmt):
    assert detect_format(text) == fmt


@pytest.mark.parametrize("text", ["", "\n  \n", "just words\n", "name\tvalue\n", '{"a": 1}',
                                  "[1, 2]", '[{"start": 1,'])
def test_detect_format_refuses_what_it_does_not_know(text):
    with pytest.raises(EarmarkError):
        detect_format(text)


def test_file_kind_keeps_path_label_csvs_for_clip_labels(tmp_path):
    assert file_kind(write(tmp_path, "l.csv", "path,label\na.wav,dog\n")) == "labels"
    assert file_kind(write(tmp_path, "r.csv", "Path,Begin_s,End_s,Label\na.wav,0,1,dog\n")) == "csv"
    with pytest.raises(EarmarkError, match=r"^notes\.txt: not a CSV .*Raven.*Audacity"):
        file_kind(write(tmp_path, "notes.txt", "dear diary\n"))
    with pytest.raises(EarmarkError, match="gone.txt"):
        file_kind(tmp_path / "gone.txt")
    # Audacity writes a label track without labels as an empty file: said so, not "not a CSV".
    with pytest.raises(EarmarkError, match=r"^track\.txt: empty file: no labels or regions in it"):
        file_kind(write(tmp_path, "track.txt", ""))


def test_import_facts_come_from_one_read_of_the_file(tmp_path, monkeypatch):
    from core.store import region_io

    reads = []
    real = region_io._read_text
    monkeypatch.setattr(region_io, "_read_text", lambda path: reads.append(path) or real(path))
    both = json.dumps([{"data": {"audio": "a.wav"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 0, "end": 1, "labels": ["x"]}},
        {"type": "choices", "value": {"choices": ["dog"]}}]}]}])
    assert region_io.import_facts(write(tmp_path, "ls.json", both)) == region_io.ImportFacts(
        "labelstudio", False, True)
    assert region_io.import_facts(write(tmp_path, "a.txt", "0.5\t1.0\tdog\n")) == \
        region_io.ImportFacts("audacity", True, False)
    assert region_io.import_facts(write(tmp_path, "l.csv", "path,label\na.wav,dog\n")) == \
        region_io.ImportFacts("labels", False, False)
    assert len(reads) == 3


def test_needs_audio_for_files_that_do_not_name_theirs(tmp_path):
    header = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)"
    assert needs_audio(write(tmp_path, "a.txt", "0.5\t1.0\tdog\n"))
    assert needs_audio(write(tmp_path, "r.txt", header + "\n"))
    assert not needs_audio(write(tmp_path, "f.txt", header + "\tBegin File\n"))
    assert not needs_audio(write(tmp_path, "p.txt", header + "\tBegin Path\n"))
    assert not needs_audio(write(tmp_path, "c.csv", "path,begin_s,end_s\n"))
    # AviaNZ keeps rec.wav's segments in rec.wav.data: a file named otherwise does not say.
    assert not needs_audio(write(tmp_path, "rec.wav.data", "[]"))
    assert needs_audio(write(tmp_path, "segments.data", "[]"))
    assert not needs_audio(write(tmp_path, "ls.json", '[{"data": {"audio": "a.wav"}}]'))
    birdnet = "Start (s),End (s),Scientific name,Common name,Confidence"
    assert needs_audio(write(tmp_path, "old.BirdNET.results.csv", birdnet + "\n"))
    assert not needs_audio(write(tmp_path, "new.BirdNET.results.csv", birdnet + ",File\n"))


def test_broken_json_is_named_with_its_line(tmp_path):
    with pytest.raises(EarmarkError, match=r"^x\.wav\.data: broken JSON \(line 2: "):
        file_kind(write(tmp_path, "x.wav.data", '[{"Operator": "Ann"},\n [1, 2, 0 0]]'))


# --------------------------------------------------------------------------- Raven


# As Raven Pro writes a table when a sound window shows a waveform and a spectrogram: a row per
# view of each selection (QutEcoacoustics/baw-server's import fixture has exactly this shape).
RAVEN_TWO_VIEWS = (
    "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\t"
    "Delta Time (s)\tDelta Freq (Hz)\tAvg Power Density (dB FS/Hz)\tAnnotation\n"
    "1\tWaveform 1\t1\t0.709509878\t1.096397225\t1739.012\t3798.813\t0.3869\t2059.801\t\tBirb\n"
    "1\tSpectrogram 1\t1\t0.709509878\t1.096397225\t1739.012\t3798.813\t0.3869\t2059.801\t-75.87"
    "\tBirb\n"
    "2\tWaveform 1\t1\t1.383026016\t2.257059266\t1587.060\t4136.485\t0.8740\t2549.426\t\tdonkey\n"
    "2\tSpectrogram 1\t1\t1.383026016\t2.257059266\t1587.060\t4136.485\t0.8740\t2549.426\t-75.64"
    "\tdonkey\n")


def test_raven_keeps_one_row_per_selection_and_takes_audio_from_the_caller(tmp_path):
    path = write(tmp_path, "long.Table.1.selections.txt", RAVEN_TWO_VIEWS)
    fmt, rows = read_regions(path, audio="long.wav")
    assert fmt == "raven"
    assert rows == [RegionRow("long.wav", 0.709509878, 1.096397225, "Birb", 1739.012, 3798.813, 2,
                              channel=0),
                    RegionRow("long.wav", 1.383026016, 2.257059266, "donkey", 1587.06, 4136.485, 4,
                              channel=0)]
    with pytest.raises(EarmarkError, match="no Begin File column.*--audio"):
        read_regions(path)


@pytest.mark.parametrize("column", ["Species", "CLASS", "label", "Common Name"])
def test_raven_annotation_column_by_any_name_people_use(tmp_path, column):
    # kitzeslab/opensoundscape's test tables use "Species"; BirdNET writes "Common Name".
    text = ("Selection\tView\tChannel\tBegin Time (S)\tEnd Time (S)\tLow Freq (Hz)\tHigh Freq (Hz)\t"
            f"{column}\tNotes\n"
            "1\tSpectrogram 1\t1\t0.459636349\t2.298181746\t4029.8\t7006.4\tGWWA_song\t\n"
            "2\tSpectrogram 1\t1\t1.87474886\t2.07000674\t1246.0\t2256.3\t\t\n")
    _, rows = read_regions(write(tmp_path, "t.txt", text), audio="long.wav")
    assert [r.label for r in rows] == ["GWWA_song", None]


@pytest.mark.parametrize(("columns", "cells"), [
    ("Annotation\tSpecies", "\tWren"),  # the empty Annotation column won: no labels at all
    ("Species ID\tCall Type\tNotes", "Wren\tsong\tfaint"),  # a person's own name
    ("Peak Power (dB)\tTag", "91.2\tWren"),  # a measurement is no label, a number neither
    ("Observer\tSite\tAnnotation\tCall Type", "Ann\tNorth pond\t\tWren"),  # who and where: no
    # A short name bird work gives it (all were unlabelled); a selection's ID or an observer's
    # Name is none (each value a class).
    ("ID\tSpecies Code", "ARU01-0001\tWren"),
    ("Name\tCode", "Ann\tWren"),
    ("Spp", "Wren"),
])
def test_raven_labels_come_from_the_column_that_holds_them(tmp_path, columns, cells):
    text = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
            f"High Freq (Hz)\t{columns}\n"
            f"1\tSpectrogram 1\t1\t0.5\t1.0\t1000\t2000\t{cells}\n"
            "2\tSpectrogram 1\t1\t1.5\t2.0\t1000\t2000\t\t\n")
    _, rows = read_regions(write(tmp_path, "t.txt", text), audio="long.wav")
    assert [r.label for r in rows] == ["Wren", None]


@pytest.mark.parametrize("column", ["ID", "Name"])
def test_a_raven_column_of_selection_ids_or_names_is_no_label(tmp_path, column):
    """A selection's id (ARU01-0001) or an observer's name made a class of each value."""
    text = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
            f"High Freq (Hz)\t{column}\n"
            "1\tSpectrogram 1\t1\t0.5\t1.0\t1000\t2000\tARU01-0001\n")
    _, rows = read_regions(write(tmp_path, "t.txt", text), audio="long.wav")
    assert [r.label for r in rows] == [None]


def test_raven_table_over_several_files_reads_file_offset(tmp_path, project):
    # Rraven's exp_raven writes a table over several files this way: Begin Time runs on through
    # the files in sequence, File Offset (s) is the begin inside Begin File.
    text = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\t"
            "Begin File\tBegin Path\tFile Offset (s)\n"
            "1\tSpectrogram 1\t1\t1.169354926\t1.342388376\t2220.105\t3604.377\tlong.wav\t"
            "/home/m/rec/long.wav\t1.169354926\n"
            "2\tSpectrogram 1\t1\t3.659642712\t3.792213620\t2316.861\t3822.315\tnight.wav\t"
            "/home/m/rec/night.wav\t0.659642712\n"
            "3\tSpectrogram 1\t1\t3.95\t4.1\t0\t4000\t\tC:\\rec\\site1\\night.wav\t0.95\n")
    records = import_regions_file(project, write(tmp_path, "multi.txt", text))
    assert len(records) == 3
    got = regions_of(project)
    assert got[0][:5] == ("long.wav", 1.169354926, 1.342388376, 2220.105, 3604.377)
    assert got[1][0] == "site1/night.wav"  # a base name unique in the folder
    assert got[1][1] == pytest.approx(0.659642712) and got[1][2] == pytest.approx(0.792213620)
    # From Begin Path when Begin File is empty; 0 Hz to Nyquist is no band.
    assert got[2][:5] == ("site1/night.wav", 0.95, pytest.approx(1.1), None, None)
    assert {g[6] for g in got} == {"import"}


def test_raven_begin_path_tells_files_of_one_name_apart_beside_begin_file(tmp_path, project):
    """Raven writes Begin File as the name alone: two recorders' a.wav were refused ("names 2
    files ... give its path relative to the folder") though Begin Path told them apart."""
    text = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tBegin Path\t"
            "File Offset (s)\tBegin File\tAnnotation\n"
            "1\tSpectrogram 1\t1\t0.2\t0.4\tD:\\survey\\site2\\a.wav\t0.2\ta.wav\towl\n"
            "2\tSpectrogram 1\t1\t0.5\t0.7\tD:\\survey\\site1\\a.wav\t0.5\ta.wav\tkiwi\n")
    import_regions_file(project, write(tmp_path, "two.txt", text))
    assert [(g[0], g[5]) for g in regions_of(project)] == [("site1/a.wav", "kiwi"),
                                                           ("site2/a.wav", "owl")]


# --------------------------------------------------------------------------- Audacity


def test_audacity_label_track_as_its_manual_shows_it(tmp_path):
    # The manual's "Extended format with frequency ranges", -1 marking an edge not known.
    text = ("1.000000\t1.200000\tThis point was clicked at 6928.456055 Hz\n"
            "\\\t6928.456055\t6928.456055\n"
            "2.000000\t2.500000\tLow frequency undefined\n"
            "\\\t-1.000000\t6334.588867\n"
            "3,000000\t3,500000\thigh undefined\n"
            "\\\t1908.015625\t-1.000000\n"
            "4.000000\t4.500000\tboth\n"
            "\\\t1484.669312\t2969.338523\n"
            "\\\tfuture\tfields\n"
            "5.5\t6.25\n"
            "7.0\tpoint label\n")
    fmt, rows = read_regions(write(tmp_path, "labels.txt", text), audio="long.wav")
    assert fmt == "audacity"
    assert [(r.begin_s, r.end_s, r.label, r.low_hz, r.high_hz, r.line) for r in rows] == [
        # One frequency, a click never dragged: no band (as a band, low not below high).
        (1.0, 1.2, "This point was clicked at 6928.456055 Hz", None, None, 1),
        (2.0, 2.5, "Low frequency undefined", 0.0, 6334.588867, 3),
        (3.0, 3.5, "high undefined", 1908.015625, math.inf, 5),
        (4.0, 4.5, "both", 1484.669312, 2969.338523, 7),
        (5.5, 6.25, None, None, None, 10),
        (7.0, 7.0, "point label", None, None, 11)]
    with pytest.raises(EarmarkError, match="Audacity label track.*--audio"):
        read_regions(write(tmp_path, "labels.txt", text))


def test_audacity_open_top_edge_is_nyquist_and_bad_lines_are_named(tmp_path, project):
    text = "0.5\t1.0\tbark\n\\\t1000\t-1\n"
    import_regions_file(project, write(tmp_path, "ok.txt", text), audio="site1/night.wav")
    assert regions_of(project)[0][3:5] == (1000.0, 4000.0)
    bad = "0.5\t1.0\tbark\n\\\tlow\thigh\nwhat is this\t1\t2\n"
    with pytest.raises(EarmarkError) as caught:
        read_regions(write(tmp_path, "bad.txt", bad), audio="long.wav")
    assert "line 2: a frequency line" in str(caught.value)
    assert "line 3: not a label line" in str(caught.value)


# --------------------------------------------------------------------------- CSV and bad rows


def test_region_csv_with_and_without_bands(tmp_path, project):
    text = ("path,label,begin_s,end_s,low_hz,high_hz\n"
            "long.wav,dog,0.25,0.75,,\n"
            "\"site1/night.wav\",\"owl, tawny\",0.5,1.5,300,3500.5\n")
    records = import_regions_file(project, write(tmp_path, "r.csv", text, "utf-8-sig"))
    assert [r.id for r in records] == [r.id for r in project.regions()]
    assert regions_of(project) == [
        ("long.wav", 0.25, 0.75, None, None, "dog", "import"),
        ("site1/night.wav", 0.5, 1.5, 300.0, 3500.5, "owl, tawny", "import")]
    assert "owl, tawny" in [c.name for c in project.classes()]


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path, project):
    text = ("path,begin_s,end_s,low_hz,high_hz,label\n"
            "long.wav,0.1,0.2,,,fine\n"
            "ghost.wav,0.1,0.2,,,x\n"
            "long.wav,2.5,3.5,,,past the end\n"
            "long.wav,1.0,0.5,,,backwards\n"
            "long.wav,1.0,1.5,100,9000,above nyquist\n"
            "a.wav,0.1,0.2,,,which one\n"
            "long.wav,zero,0.2,,,not a number\n"
            "long.wav,0.1,0.2,100,,half a band\n")
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, write(tmp_path, "bad.csv", text))
    lines = str(caught.value).splitlines()
    assert lines[0] == "bad.csv: 7 rows cannot be imported, so nothing was:"
    assert lines[1:] == [
        "  line 3: ghost.wav is not in the folder",
        "  line 4: ends at 3.5 s, past the end of long.wav (3 s long)",
        "  line 5: begin 1 s is not before end 0.5 s",
        "  line 6: high frequency 9000 Hz is above the Nyquist frequency of long.wav (8000 Hz)",
        "  line 7: a.wav names 2 files in the folder (site1/a.wav, site2/a.wav): give its path "
        "relative to the folder",
        "  line 8: begin 'zero' is not a number",
        "  line 9: a band needs both its low and its high frequency"]
    assert [line for line, _ in caught.value.problems] == [3, 4, 5, 6, 7, 8, 9]
    assert project.regions() == []


def test_paths_from_another_folder_find_the_same_recordings_here(tmp_path, project):
    # detect and detect-energy write absolute paths in their CSV; the same recordings opened
    # from another folder (a copy, another machine) were all refused, "//data/...wav is not in
    # the folder" with a doubled slash.
    text = ("path,begin_s,end_s,low_hz,high_hz,label\n"
            "/elsewhere/night/long.wav,0.25,0.75,,,dog\n"
            "/elsewhere/night/site2/a.wav,0.1,0.2,,,owl\n"
            "D:\\field\\site1\\night.wav,0.5,1.5,,,owl\n")
    import_regions_file(project, write(tmp_path, "detected.csv", text))
    assert [(path, label) for path, *_, label, _source in regions_of(project)] == [
        ("long.wav", "dog"), ("site1/night.wav", "owl"), ("site2/a.wav", "owl")]
    bad = "path,begin_s,end_s,label\n/elsewhere/a.wav,0.1,0.2,x\n/elsewhere/ghost.wav,0.1,0.2,x\n"
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, write(tmp_path, "bad.csv", bad))
    assert str(caught.value).splitlines()[1:] == [
        "  line 2: /elsewhere/a.wav names 2 files in the folder (site1/a.wav, site2/a.wav): give "
        "its path relative to the folder",
        "  line 3: /elsewhere/ghost.wav is not in the folder"]


def test_an_audacity_point_label_becomes_a_short_region_about_it(tmp_path, project):
    """A track of calls marked with Ctrl+M while listening (points) was refused whole."""
    from core.store.region_io import MOMENT_S

    duration_s = next(c.duration_s for c in project.clips() if c.path == "long.wav")
    middle = duration_s / 2
    # The last mark written to Audacity's 6 decimals lies just past the end (refused whole).
    last = f"{duration_s + 4e-6:.6f}"
    path = write(tmp_path, "points.txt", f"0.1\t0.1\tclick\n{middle}\t{middle}\tcall\n"
                                         f"1.0\t1.25\tok\n{last}\t{last}\tlast\n")
    plan = plan_regions_files(project, [(path, "long.wav")])
    assert plan.moments == 3
    import_regions_file(project, path, audio="long.wav")
    # Imported again, nothing is added and no moment is said to have made a region.
    assert plan_regions_files(project, [(path, "long.wav")]) == RegionsPlan([], 4, 0)
    spans = {r.label: (r.begin_s, r.end_s) for r in project.regions()}
    assert spans["click"] == (0.0, pytest.approx(MOMENT_S))  # within the recording
    assert spans["call"] == (pytest.approx(middle - MOMENT_S / 2),
                             pytest.approx(middle + MOMENT_S / 2))
    assert spans["last"] == (pytest.approx(duration_s - MOMENT_S), pytest.approx(duration_s))
    assert spans["ok"] == (1.0, 1.25)
    late = write(tmp_path, "late.txt", f"{duration_s + 9}\t{duration_s + 9}\tpast\n")
    with pytest.raises(RegionError, match="line 1: ends at .* past the end"):
        import_regions_file(project, late, audio="long.wav")


def test_a_label_csv_is_not_a_region_file(tmp_path, project):
    with pytest.raises(EarmarkError, match="l.csv: a path,label CSV of clip labels holds no regions"):
        import_regions_file(project, write(tmp_path, "l.csv", "path,label\nlong.wav,dog\n"))
    # A Label Studio export of whole-clip choices was called "Edge Impulse's info.labels".
    choices = json.dumps([{"data": {"audio": "long.wav"}, "annotations": [{"result": [
        {"type": "choices", "value": {"choices": ["dog"]}}]}]}])
    with pytest.raises(EarmarkError, match="c.json: a Label Studio export of choices of whole"):
        import_regions_file(project, write(tmp_path, "c.json", choices))


# --------------------------------------------------------------------------- BirdNET


# As BirdNET Analyzer writes its CSV (--rtype csv): the File column holds the path on the machine
# that ran it, a Windows one here; a detection whose name has a comma is quoted.
BIRDNET = ("Start (s),End (s),Scientific name,Common name,Confidence,File\n"
           "0.0,1.0,Strix aluco,Tawny Owl,0.8123,/home/ann/night/long.wav\n"
           '1.0,2.0,Dendrocopos major,"Woodpecker, Great Spotted",0.5,C:\\Users\\ann\\long.wav\n')


def test_birdnet_detections_by_their_common_name(tmp_path, project):
    fmt, rows = read_regions(write(tmp_path, "long.BirdNET.results.csv", BIRDNET))
    assert fmt == "birdnet"
    assert [(r.path, r.begin_s, r.end_s, r.label, r.low_hz, r.line) for r in rows] == [
        ("/home/ann/night/long.wav", 0.0, 1.0, "Tawny Owl", None, 2),
        ("C:/Users/ann/long.wav", 1.0, 2.0, "Woodpecker, Great Spotted", None, 3)]
    import_regions_file(project, tmp_path / "long.BirdNET.results.csv")
    assert [t[0] for t in regions_of(project)] == ["long.wav", "long.wav"]
    older = write(tmp_path, "x.csv", "Start (s),End (s),Scientific name,Common name,Confidence\n"
                                     "0.0,3.0,Strix aluco,Tawny Owl,0.9\n6.0,x,Strix aluco,,0.4\n")
    with pytest.raises(EarmarkError, match="x.csv: no File column names the audio file"):
        read_regions(older)
    with pytest.raises(RegionError) as raised:
        import_regions_file(project, older, audio="site1/night.wav")
    assert "line 2: ends at 3 s, past the end" in str(raised.value)
    assert "line 3: end 'x' is not a number" in str(raised.value)


def test_birdnet_tells_recorders_files_of_one_name_apart_by_their_folders(tmp_path):
    """Recorders name files by the time they began: ARU01/ and ARU02/ both hold
    20260601_220000.wav. BirdNET writes each file's whole path; before, only its name was read,
    so every row named two files and nothing was imported. Its row for a file with nothing in
    it ("nocall", 0-3 s) is no detection."""
    root = tmp_path / "night"
    tone = audio_factory.tone(440, 8.0)
    for recorder, samples in (("ARU01", tone), ("ARU02", np.stack([tone, tone], axis=1))):
        audio_factory.write(root / recorder / "20260601_220000.wav", samples)  # ARU02: stereo
    with Project.open(root) as project:
        project.scan()
        csv_text = ("Start (s),End (s),Scientific name,Common name,Confidence,File\n"
                    "3.0,6.0,Ninox novaeseelandiae,Morepork,0.81,/home/u/data/ARU01/20260601_220000.wav\n"
                    "3.0,6.0,nocall,nocall,1.0,/home/u/data/ARU02/20260601_220000.wav\n")
        raven = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
                 "High Freq (Hz)\tCommon Name\tSpecies Code\tConfidence\tBegin Path\t"
                 "File Offset (s)\n"
                 "1\tSpectrogram 1\t1\t0\t3\t0\t8000\tnocall\tnocall\t1.0\t"
                 "D:\\ARU01\\20260601_220000.wav\t0\n"
                 "2\tSpectrogram 1\t1\t4\t7\t0\t8000\tMorepork\tmorepo2\t0.7\t"
                 "D:\\ARU02\\20260601_220000.wav\t4\n")
        found = [*import_regions_file(project, write(tmp_path, "BirdNET_CombinedTable.csv", csv_text)),
                 *import_regions_file(project, write(tmp_path, "t.selection.table.txt", raven))]
        paths = {clip.id: clip.path for clip in project.clips()}
        assert [(paths[r.clip_id], r.begin_s, r.label) for r in found] == [
            ("ARU01/20260601_220000.wav", 3.0, "Morepork"),
            ("ARU02/20260601_220000.wav", 4.0, "Morepork")]
        # BirdNET's Channel 1 put a stereo recorder's detections on its left microphone alone
        # (gone from the right one's view): heard in the mix, they are on every channel.
        assert found[1].channel is None
        # The table gone on with in Raven, a selection on the second channel: the column is a
        # person's, and each selection keeps its channel (both were on every channel).
        extended = raven.replace("nocall\tnocall\t1.0", "Tawny Owl\ttawowl1\t") + (
            "3\tSpectrogram 1\t2\t1\t2\t0\t8000\tTawny Owl\ttawowl1\t\t"
            "D:\\ARU02\\20260601_220000.wav\t1\n")
        _, rows = read_regions(write(tmp_path, "gone_on.selections.txt", extended))
        assert [(r.label, r.channel) for r in rows] == [
            ("Tawny Owl", 0), ("Morepork", 0), ("Tawny Owl", 1)]


def test_regions_csv_from_a_decimal_comma_spreadsheet_is_read(tmp_path):
    """';' between cells and '1,5' for a number, as a spreadsheet in a French or German
    locale saves Earmark's own CSV: it was "not a CSV"."""
    text = ("path;begin_s;end_s;low_hz;high_hz;label\r\nlong.wav;1,5;2,5;2000;8000;Wren\r\n"
            "long.wav;3;3,25;;;Tawny Owl, juvenile\r\n")
    fmt, rows = read_regions(write(tmp_path, "r.csv", text, encoding="cp1252"))
    assert fmt == "csv"
    assert [(r.begin_s, r.end_s, r.low_hz, r.label) for r in rows] == [
        (1.5, 2.5, 2000.0, "Wren"), (3.0, 3.25, None, "Tawny Owl, juvenile")]


def test_a_person_s_nocall_class_is_kept_in_a_raven_table_and_a_zero_height_band_is_none(tmp_path):
    """BirdNET's "nocall" row says it found nothing, but a person's table (Earmark's own export
    too) with a class of that name lost those rows without a word; and an Audacity label whose
    frequency line is one frequency (a click on its spectrogram, never dragged) refused the
    whole track (low not below high)."""
    raven = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
             "High Freq (Hz)\tAnnotation\n"
             "1\tSpectrogram 1\t1\t0.5\t1.0\t1000\t2000\tnocall\n"
             "2\tSpectrogram 1\t1\t1.5\t2.0\t1000\t2000\tWren\n")
    _, rows = read_regions(write(tmp_path, "t.txt", raven), audio="long.wav")
    assert [r.label for r in rows] == ["nocall", "Wren"]
    track = "0.5\t1.0\tWren\n\\\t1500.000000\t1500.000000\n1.5\t2.0\towl\n"
    _, rows = read_regions(write(tmp_path, "a.txt", track), audio="long.wav")
    assert [(r.label, r.low_hz, r.high_hz) for r in rows] == [("Wren", None, None),
                                                             ("owl", None, None)]


def test_birdnet_audacity_labels_are_events_to_review_by_their_common_name(tmp_path, project):
    """BirdNET's Audacity output (--rtype audacity) adds the confidence as a fourth field and
    labels "Scientific, Common": before, they came in as a person's regions of that label."""
    text = ("0.0\t1.0\tStrix aluco, Tawny Owl\t0.8123\n1.5\t2.5\tnote, not a score\n"
            "2.6\t3.0\tWren\t0.5\n")  # a number after a title BirdNET never writes: a person's
    found = import_regions_file(project, write(tmp_path, "long.BirdNET.results.txt", text),
                                audio="long.wav")
    assert [(r.label, r.status, r.score) for r in found] == [
        ("Tawny Owl", "unreviewed", 0.8123), ("note, not a score", None, None),
        ("Wren", None, None)]


# --------------------------------------------------------------------------- AviaNZ


# The example of AviaNZ's file format specification (Docs/file_format_specification.md): a box a
# person marked, a box from a filter, a full-band segment holding two labels; then its old format:
# a band between 0 and 1 (full band), plain-string labels, metadata as a segment at -1 s.
AVIANZ = json.dumps([
    {"Operator": "Alice", "Reviewer": "Bob", "Duration": 60.0, "Noise": "windy"},
    [1.0, 1.9, 1200, 2500, [{"species": "Kiwi (Little spotted)", "certainty": 100, "filter": "M",
                             "loudness": 3}]],
    [2.1, 2.3, 800, 6000, [{"species": "Morepork", "certainty": 50, "filter": "ruru-90-10",
                            "calltype": "trill"}]],
    [0.35, 0.45, 0, 0, [{"species": "Morepork", "certainty": 100, "filter": "M"},
                        {"species": "Don't Know", "certainty": 0, "filter": "M"},
                        {"species": "Tui", "certainty": 100, "filter": "M"}]],
    [0.5, 0.6, 0, 0, [{"species": "Don't Know", "certainty": 0, "filter": "M"}]],
])
AVIANZ_OLD = "[[-1, -1, \"Alice\", \"Bob\", [60]], [0.1, 0.2, 0.1, 0.9, [\"Kiwi\"]], [0.3, 0.4, 0, 0, []]]"


def test_avianz_segments_as_its_specification_shows_them(tmp_path, project):
    fmt, rows = read_regions(write(tmp_path, "long.wav.data", AVIANZ))
    assert fmt == "avianz"
    assert [(r.path, r.begin_s, r.end_s, r.label, r.low_hz, r.high_hz, r.line) for r in rows] == [
        ("long.wav", 1.0, 1.9, "Kiwi (Little spotted)", 1200.0, 2500.0, 1),
        ("long.wav", 2.1, 2.3, "Morepork", 800.0, 6000.0, 2),
        ("long.wav", 0.35, 0.45, "Morepork", None, None, 3),  # two species: two regions
        ("long.wav", 0.35, 0.45, "Tui", None, None, 3),
        ("long.wav", 0.5, 0.6, None, None, None, 4)]  # "Don't Know": unlabelled
    assert read_regions(write(tmp_path, "empty.wav.data", '{"Operator": "Ann"}')) == ("avianz", [])
    _, old = read_regions(write(tmp_path, "night.wav.data", AVIANZ_OLD))
    assert [(r.begin_s, r.label, r.low_hz) for r in old] == [(0.1, "Kiwi", None), (0.3, None, None)]
    # Named otherwise, the file belongs to the recording the caller names.
    import_regions_file(project, write(tmp_path, "mine.data", AVIANZ_OLD), audio="site1/night.wav")
    assert regions_of(project) == [("site1/night.wav", 0.1, 0.2, None, None, "Kiwi", "import"),
                                   ("site1/night.wav", 0.3, 0.4, None, None, None, "import")]
    with pytest.raises(EarmarkError, match="mine.data: an AviaNZ file not named after its rec"):
        read_regions(tmp_path / "mine.data")


def test_avianz_old_format_as_its_reader_takes_it(tmp_path):
    """AviaNZ's parseJSON: old metadata is a first segment [-1, duration, ...] (its duration a
    number of seconds, not -1, refused the whole file), a label a plain string ("Kiwi?", in
    doubt, was a class of its own, a single string not in a list refused), and fractions under
    1.1 the old format's band (0.5-1.05 became a band of 0.5 Hz to 1.05 Hz)."""
    text = ('[[-1, 60.0, "Alice", "Bob", [2, ["wind"]]], [0.1, 0.2, 0.5, 1.05, "Kiwi?"], '
            '[0.3, 0.4, 0, 0, ["Morepork", "Don\'t Know"]]]')
    _, rows = read_regions(write(tmp_path, "long.wav.data", text))
    assert [(r.begin_s, r.label, r.low_hz, r.score) for r in rows] == [
        (0.1, "Kiwi", None, 0.5), (0.3, "Morepork", None, None)]  # in doubt: to review


def test_avianz_labels_in_doubt_are_events_to_review(tmp_path, project):
    """AviaNZ's batch processing wrote its guesses at certainty 50 without naming a filter, and a
    person's question mark is certainty 50 too (its specification: 100 is a green segment, 50 a
    question mark); before, both came in as regions as sure as a person's. Exported again, the
    doubt goes back out at the same certainty."""
    text = json.dumps([{"Operator": "Auto", "Reviewer": "", "Duration": 3.0},
                       [0.5, 1.0, 0, 0, [{"species": "Morepork", "certainty": 50}]],
                       [1.5, 2.0, 0, 0, [{"species": "Kiwi", "certainty": 100}]],
                       [2.2, 2.5, 0, 0, [{"species": "Tui", "certainty": 50, "filter": "M"}]]])
    found = import_regions_file(project, write(tmp_path, "long.wav.data", text))
    assert [(r.label, r.status, r.score) for r in found] == [
        ("Morepork", "unreviewed", 0.5), ("Kiwi", None, None), ("Tui", "unreviewed", 0.5)]
    export_regions(project, "avianz", tmp_path / "out")
    segments = json.loads((tmp_path / "out" / "long.wav.data").read_text())[1:]
    assert [(s[4][0]["species"], s[4][0]["certainty"]) for s in segments] == [
        ("Morepork", 50), ("Kiwi", 100), ("Tui", 50)]


def test_an_avianz_file_of_a_name_two_recordings_share_says_how_to_choose(tmp_path, project):
    """An AviaNZ file names its recording by its own name alone (a.wav.data): where two
    recorders' files share it, there is no path to give, as the refusal told."""
    text = json.dumps([{"Operator": "Ann", "Reviewer": "", "Duration": 1.0},
                       [0.1, 0.2, 0, 0, [{"species": "Kiwi", "certainty": 100, "filter": "M"}]]])
    with pytest.raises(RegionError) as refused:
        import_regions_file(project, write(tmp_path, "a.wav.data", text))
    assert "a.wav names 2 files in the folder (site1/a.wav, site2/a.wav): put the file beside " \
           "its recording, or say which recording it is of" in str(refused.value)
    assert "path relative" not in str(refused.value)
    import_regions_file(project, tmp_path / "a.wav.data", audio="site2/a.wav")  # said: read
    assert [r[0] for r in regions_of(project)] == ["site2/a.wav"]


def test_bad_avianz_segments_are_each_named(tmp_path, project):
    bad = json.dumps([{"Operator": "A", "Reviewer": "", "Duration": 3.0},
                      [0.5, 1.0, 0, 0, []], [0.5, "1.0", 0, 0, []], [1, 2, 0, 0],
                      [1, 2, 0, 0, [{"certainty": 100}]], [2.5, 3.5, 0, 0, []]])
    with pytest.raises(RegionError) as raised:
        import_regions_file(project, write(tmp_path, "long.wav.data", bad))
    text = str(raised.value)
    assert text.startswith("long.wav.data: 4 rows cannot be imported, so nothing was:")
    for line in ("segment 2: start, end, low and high must be numbers",
                 "segment 3: not a segment [start, end, low, high, labels]",
                 "segment 4: a label without a species", "segment 5: ends at 3.5 s"):
        assert line in text
    assert project.regions() == []


def test_a_nights_files_are_one_import_all_or_none(tmp_path, project):
    good = write(tmp_path, "long.wav.data", "[[0.5, 1.0, 0, 0, [\"Kiwi\"]]]")
    track = write(tmp_path, "owl.txt", "0.25\t0.5\thoot\n")
    bad = write(tmp_path, "night.wav.data", "[[0.5, 1.0, 0, 0, []], [1.5, 2.5, 0, 0, []]]")
    worse = write(tmp_path, "more.csv", "path,begin_s,end_s,label\nghost.wav,0,1,x\n")
    with pytest.raises(RegionError) as raised:
        import_regions_files(project, [(good, None), (bad, None), (worse, None)])
    assert str(raised.value).splitlines() == [
        "night.wav.data: 1 row cannot be imported, so nothing was:",
        "  segment 2: ends at 2.5 s, past the end of site1/night.wav (2 s long)",
        "more.csv: 1 row cannot be imported, so nothing was:",
        "  line 2: ghost.wav is not in the folder"]
    assert project.regions() == []
    records = import_regions_files(project, [(good, None), (track, "site2/a.wav")])
    assert [t[:6] for t in regions_of(project)] == [("long.wav", 0.5, 1.0, None, None, "Kiwi"),
                                                    ("site2/a.wav", 0.25, 0.5, None, None, "hoot")]
    assert len(records) == 2


def test_avianz_export_tells_a_persons_labels_from_the_models(tmp_path, project):
    ids = {c.path: c.id for c in project.clips()}
    project.add_region(ids["long.wav"], 0.5, 1.0, "kiwi", 300.0, 2000.0)
    project.add_region(ids["long.wav"], 1.5, 2.0, None)
    project.add_region(ids["long.wav"], 2.0, 2.5, "kiwi", source="model", score=0.873)
    assert export_regions(project, "avianz", tmp_path / "out") == 3
    assert [p.name for p in (tmp_path / "out").rglob("*")] == ["long.wav.data"]
    meta, *segments = json.loads((tmp_path / "out" / "long.wav.data").read_text())
    assert meta == {"Operator": "Earmark", "Reviewer": "", "Duration": 3.0}
    assert segments == [
        [0.5, 1.0, 300.0, 2000.0, [{"species": "kiwi", "certainty": 100, "filter": "M"}]],
        [1.5, 2.0, 0, 0, [{"species": "Don't Know", "certainty": 0, "filter": "M"}]],
        [2.0, 2.5, 0, 0, [{"species": "kiwi", "certainty": 87, "filter": "Earmark",
                           "calltype": "kiwi"}]]]
    with pytest.raises(EarmarkError, match="AviaNZ .data files are one file per audio file"):
        export_regions(project, "avianz", io.StringIO())


@pytest.mark.parametrize("fmt", ["csv", "raven", "avianz", "aoef"])
def test_a_models_unreviewed_events_come_back_as_events_to_review(tmp_path, project, fmt):
    # Before: exported and imported again, a model's guesses became regions as sure as a
    # person's, and the next training took them as truth.
    ids = {c.path: c.id for c in project.clips()}
    project.add_region(ids["long.wav"], 0.5, 1.0, "kiwi", 300.0, 2000.0)
    project.add_region(ids["long.wav"], 2.0, 2.5, "kiwi", source="model", score=0.87)
    target = tmp_path / ("out" if fmt == "avianz" else f"regions.{fmt}")
    export_regions(project, fmt, target)
    files = sorted(target.rglob("*.data")) if fmt == "avianz" else [target]
    with _copy_of(tmp_path, project) as copy:
        for file in files:
            import_regions_file(copy, file, audio="long.wav" if fmt == "avianz" else None)
        got = sorted((r.begin_s, r.label, r.source, r.status, r.score) for r in copy.regions())
    assert got == [(0.5, "kiwi", "import", None, None),
                   (2.0, "kiwi", "import", "unreviewed", pytest.approx(0.87, abs=0.005))]


def _copy_of(tmp_path, project):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(project.folder, root, ignore=shutil.ignore_patterns(".earmark"))
    copy = Project.open(root)
    copy.scan()
    return copy


def test_birdnet_detections_come_in_as_events_to_review_with_their_confidence(tmp_path,
                                                                             project):
    text = ("Start (s),End (s),Scientific name,Common name,Confidence,File\n"
            "0.0,1.0,Strix aluco,Tawny Owl,0.8123,/data/night/long.wav\n")
    [event] = import_regions_file(project, write(tmp_path, "BirdNET.csv", text))
    assert (event.label, event.status, event.score) == ("Tawny Owl", "unreviewed", 0.8123)
    raven = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
             "High Freq (Hz)\tCommon Name\tConfidence\n1\tSpectrogram 1\t1\t1.0\t2.0\t0\t"
             "8000\tTawny Owl\t1.5\n")
    with pytest.raises(RegionError, match="line 2: score 1.5 is not between 0 and 1"):
        import_regions_file(project, write(tmp_path, "t.txt", raven), audio="long.wav")


# --------------------------------------------------------------------------- Label Studio


def _ls_result(start, end, labels, **value):
    return {"id": "r", "from_name": "label", "to_name": "audio", "type": "labels",
            "value": {"start": start, "end": end, "channel": 0, "labels": labels, **value}}


# As Label Studio exports audio tasks (JSON): a file uploaded to it (its name prefixed with 8 hex
# digits), one from local storage; a cancelled annotation and a ground truth beside a later one;
# a per-region note, which shares its region's span and is not a region of its own.
LABEL_STUDIO = json.dumps([
    {"id": 7, "data": {"audio": "/data/upload/3/0a1b2c3d-long.wav"},
     "annotations": [
         {"id": 1, "was_cancelled": True, "result": [_ls_result(0.1, 0.2, ["cancelled"])]},
         {"id": 2, "ground_truth": True, "updated_at": "2026-01-01T10:00:00Z",
          "result": [_ls_result(0.25, 0.75, ["Dog", "Bark"]), _ls_result(1.0, 1.5, []),
                     {"id": "t", "from_name": "note", "to_name": "audio", "type": "textarea",
                      "value": {"start": 0.25, "end": 0.75, "channel": 0, "text": ["woof"]}}]},
         {"id": 3, "updated_at": "2026-02-01T10:00:00Z", "result": [_ls_result(2, 3, ["Cat"])]}],
     "predictions": [{"result": [_ls_result(0, 1, ["model"])]}]},
    {"id": 8, "data": {"audio": "/data/local-files/?d=recordings%2Fsite1%2Fnight.wav"},
     "annotations": [{"id": 4, "result": [_ls_result(0.5, 1.5, ["Owl"])]}]},
])


def test_label_studio_export_as_it_writes_one(tmp_path, project):
    fmt, rows = read_regions(write(tmp_path, "project-1.json", LABEL_STUDIO))
    assert fmt == "labelstudio"
    assert [(r.path, r.begin_s, r.end_s, r.label) for r in rows] == [
        ("long.wav", 0.25, 0.75, "Dog"), ("long.wav", 0.25, 0.75, "Bark"),
        ("long.wav", 1.0, 1.5, None), ("recordings/site1/night.wav", 0.5, 1.5, "Owl")]
    import_regions_file(project, tmp_path / "project-1.json")
    assert [t[0] for t in regions_of(project)] == ["long.wav"] * 3 + ["site1/night.wav"]


def test_label_studio_second_questions_are_not_classes(tmp_path, project):
    """A config that labels each region's species and then its call type, and rates each
    clip's quality: before, the call type came in as a region of its own class on the same
    span."""
    def result(name, kind, value):
        return {"id": "r1", "from_name": name, "to_name": "audio", "type": kind, "value": value}

    span = {"start": 1.0, "end": 2.0, "channel": 0}
    text = json.dumps([{"id": 1, "data": {"audio": "/data/local-files/?d=long.wav"},
                        "annotations": [{"result": [
                            result("species", "labels", {**span, "labels": ["Morepork"]}),
                            result("calltype", "labels", {**span, "labels": ["trill"]}),
                            result("species", "labels", {**span, "start": 2.5, "end": 2.9,
                                                         "labels": ["Kiwi"]}),
                            result("class", "choices", {"choices": ["owls"]}),
                            result("quality", "choices", {"choices": ["good"]})]}]}])
    _, rows = read_regions(write(tmp_path, "project-2.json", text))
    assert [(r.begin_s, r.label) for r in rows] == [(1.0, "Morepork"), (2.5, "Kiwi")]
    assert label_studio_clip_labels(json.loads(text))[0] == [("long.wav", "owls")]

    def task(audio, *results):
        return {"data": {"audio": audio}, "annotations": [{"result": list(results)}]}

    def span(region_id, name, start, label):
        return {**result(name, "labels", {"start": start, "end": start + 0.5,
                                          "labels": [label]}), "id": region_id}

    # Two controls of spans of their own (birds, insects): each region kept. A call type asked
    # more often than the species still gives no class.
    two = json.dumps([task("long.wav", span("a", "birds", 0.0, "wren"),
                           span("b", "birds", 1.0, "robin"), span("c", "insects", 2.0, "cricket"),
                           span("a", "call type", 0.0, "song"),
                           span("b", "call type", 1.0, "call"))])
    assert [r.label for r in read_regions(write(tmp_path, "two.json", two))[1]] == [
        "wren", "robin", "cricket"]
    asked = json.dumps([task("long.wav", span("a", "species", 0.0, "owl"),
                             span("a", "calltype", 0.0, "song"), span("b", "calltype", 1.0, "x"),
                             span("c", "calltype", 2.0, "y"))])
    assert [r.label for r in read_regions(write(tmp_path, "asked.json", asked))[1]][0] == "owl"
    # A rating asked of every clip, the species of some: the rating is never a class.
    rated = json.loads(json.dumps([
        task("long.wav", result("species", "choices", {"choices": ["owl"]}),
             result("quality", "choices", {"choices": ["good"]})),
        task("site1/a.wav", result("quality", "choices", {"choices": ["poor"]}))]))
    assert label_studio_clip_labels(rated) == ([("long.wav", "owl")], [])
    # Two lists of classes, each clip answered by one (birds, mammals): each clip keeps its class.
    lists = [task(f"{name}.wav", result(control, "choices", {"choices": [name]}))
             for control, name in (("birds", "wren"), ("birds", "robin"), ("mammals", "fox"))]
    assert label_studio_clip_labels(lists) == ([("wren.wav", "wren"), ("robin.wav", "robin"),
                                                ("fox.wav", "fox")], [])
    # One clip answered by both lists dropped every answer of the smaller list (fox lost its
    # class) and said nothing of the clip given two classes.
    lists.append(task("mix.wav", result("birds", "choices", {"choices": ["wren"]}),
                      result("mammals", "choices", {"choices": ["fox"]})))
    assert label_studio_clip_labels(lists) == (
        [("wren.wav", "wren"), ("robin.wav", "robin"), ("fox.wav", "fox")],
        [(4, "mix.wav: 2 classes chosen (wren, fox); a clip has one label")])
    # Beside a control named as a class is, a rating asked alone of a clip is still no class.
    alone = [task(f"{name}.wav", result(control, "choices", {"choices": [name]}))
             for control, name in (("class", "owl"), ("class", "wren"), ("quality", "noisy"))]
    assert label_studio_clip_labels(alone)[0] == [("owl.wav", "owl"), ("wren.wav", "wren")]
    # A rating the only question of the clips, beside spans: no class (every clip was "Good").
    spans_rated = [task("long.wav", span("a", "label", 0.0, "wren"),
                        result("quality", "choices", {"choices": ["Good"]}))]
    assert label_studio_clip_labels(spans_rated) == ([], [])


def test_label_studio_json_min_and_bad_regions(tmp_path, project):
    json_min = json.dumps([{"id": 1, "audio": "https://example.org/clips/long.wav?sig=1",
                            "label": [{"start": 0.5, "end": 1.0, "channel": 0, "labels": ["Dog"]}],
                            "note": [{"start": 0.5, "end": 1.0, "channel": 0, "text": ["loud"]}],
                            "annotator": "ann"}])
    _, rows = read_regions(write(tmp_path, "min.json", json_min))
    assert [(r.path, r.begin_s, r.end_s, r.label) for r in rows] == [
        ("clips/long.wav", 0.5, 1.0, "Dog")]
    bad = json.dumps([{"id": 5, "data": {"text": "no audio"},
                       "annotations": [{"result": [_ls_result(0, 1, ["a"])]}]},
                      {"id": 6, "data": {"audio": "long.wav"},
                       "annotations": [{"result": [_ls_result("0", 1, ["a"]),
                                                   _ls_result(2.5, 3.5, ["b"])]}]}])
    with pytest.raises(RegionError) as raised:
        import_regions_file(project, write(tmp_path, "bad.json", bad))
    text = str(raised.value)
    for line in ("region 1: task 5 names no audio file", "region 2: start and end must be numbers",
                 "region 3: ends at 3.5 s"):
        assert line in text
    assert project.regions() == []


# --------------------------------------------------------------------------- writing, round trips


def _add_odd_regions(project: Project) -> None:
    ids = {c.path: c.id for c in project.clips()}
    project.add_region(ids["long.wav"], 0.1234567, 0.98765, "dog")
    project.add_region(ids["long.wav"], 1.5004, 2.9996, None, 123.4567, 7999.6)
    project.add_region(ids["site1/night.wav"], 0.0, 2.0, "owl, tawny", 0.0, 3999.49)
    project.add_region(ids["site2/a.wav"], 0.25, 0.5, "tab\there")


def _assert_same_regions(before: list[tuple], after: list[tuple]) -> None:
    assert len(before) == len(after)
    for b, a in zip(before, after, strict=True):
        assert a[0] == b[0] and a[5] == b[5]
        assert abs(a[1] - b[1]) < 0.0005 and abs(a[2] - b[2]) < 0.0005
        assert (a[3] is None) == (b[3] is None)
        if b[3] is not None:
            assert abs(a[3] - b[3]) < 0.5 and abs(a[4] - b[4]) < 0.5


@pytest.mark.parametrize("fmt", ["csv", "raven", "ravenfiles", "audacity", "avianz", "labelstudio",
                                 "aoef", "sonicvisualiser"])
def test_round_trip_to_the_millisecond_and_the_hertz(tmp_path, project, fmt):
    _add_odd_regions(project)
    # A tab cannot be inside a field of a tab-separated file: it becomes a space. Label Studio's
    # audio regions have no band.
    tabs = fmt in ("raven", "ravenfiles", "audacity")
    before = [(p, b, e, *((None, None) if fmt == "labelstudio" else (lo, hi)),
               lab.replace("\t", " ") if tabs and lab else lab)
              for p, b, e, lo, hi, lab, _ in regions_of(project)]
    per_file = {"audacity": ".txt", "sonicvisualiser": ".svl",
                "ravenfiles": ".Table.1.selections.txt"}
    out = tmp_path / (f"{fmt}-files" if fmt in (*per_file, "avianz") else f"regions.{fmt}.txt")
    assert export_regions(project, fmt, out) == 4
    project.delete_regions(r.id for r in project.regions())
    if fmt in per_file:
        suffix = per_file[fmt]
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob(f"*{suffix}"))
        assert files == [f"long{suffix}", f"site1/night{suffix}", f"site2/a{suffix}"]
        for rel in files:  # a Raven table names its file: no audio= needed
            import_regions_file(project, out / rel, audio=(
                None if fmt == "ravenfiles" else rel.replace(suffix, ".wav")))
    elif fmt == "avianz":  # rec.wav.data: each says its recording; site1/a and site2/a by path
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.data"))
        assert files == ["long.wav.data", "site1/night.wav.data", "site2/a.wav.data"]
        for rel in files:
            import_regions_file(project, out / rel, audio=rel.removesuffix(".data"))
    else:
        import_regions_file(project, out)
    _assert_same_regions(before, [t[:6] for t in regions_of(project)])


@pytest.mark.parametrize("fmt", ["csv", "raven", "audacity", "avianz", "labelstudio", "aoef",
                                 "sonicvisualiser"])
def test_a_file_imported_again_adds_only_what_changed(tmp_path, project, fmt):
    # Before: a Raven table exported, edited and imported again doubled every region.
    _add_odd_regions(project)
    per_file = {"audacity": ".txt", "sonicvisualiser": ".svl", "avianz": ".wav.data"}
    out = tmp_path / (f"{fmt}-files" if fmt in per_file else f"regions.{fmt}.txt")
    export_regions(project, fmt, out)
    if fmt in per_file:
        files = [(p, p.relative_to(out).as_posix().removesuffix(per_file[fmt]) + ".wav")
                 for p in sorted(out.rglob(f"*{per_file[fmt]}"))]
    else:
        files = [(out, None)]
    # "tab\there" comes back from a tab-separated file as "tab here": another label, but in a
    # Raven table, whose row stands for its region (Earmark ID), what the table could write.
    retabbed = 1 if fmt == "audacity" else 0
    plan = plan_regions_files(project, files)
    assert (plan.known, len(plan.specs)) == (4 - retabbed, retabbed)
    assert len(import_regions_files(project, files)) == retabbed
    plan = plan_regions_files(project, files)
    assert (plan.known, plan.specs) == (4, [])
    # A region moved, or relabelled, in the project: the file's own is news again, but for a
    # Raven table's row, which stands for the region and says what it held before: no edit.
    dog = next(r for r in project.regions() if r.label == "dog")
    project.update_region(dog.id, begin_s=0.5)
    plan = plan_regions_files(project, files)
    assert [(s.begin_s, s.label) for s in plan.specs if s.label == "dog"] == ([] if fmt == "raven"
                                                                              else [
        (pytest.approx(0.1234567, abs=0.001), "dog")])
    assert plan.updates == {}


def _raven_rows(project, out) -> tuple[list[str], list[list[str]], dict[str, int]]:
    """Earmark's Raven table of ``project`` written to ``out``: its header, rows, and columns."""
    export_regions(project, "raven", out)
    header, *rows = [line.split("\t") for line in out.read_text().splitlines()]
    return header, rows, {name: header.index(name) for name in (
        "Begin Time (s)", "End Time (s)", "File Offset (s)", "Annotation", "Earmark ID")}


def _write_rows(out, header, rows) -> None:
    out.write_text("\n".join("\t".join(row) for row in (header, *rows)) + "\n")


def test_a_raven_table_edited_there_changes_the_regions_it_stands_for(tmp_path, project):
    """A selection moved and relabelled in Raven came back beside the region it was, which kept
    its old span and label: two regions, two labels for one call."""
    _add_odd_regions(project)
    out = tmp_path / "regions.txt"
    header, rows, at = _raven_rows(project, out)
    before = {r.id: r for r in project.regions()}
    # Read back as written, nothing changes: a band over every frequency (0 to Nyquist) reads
    # as none, and a row's label its tab a space, as the region's.
    assert plan_regions_files(project, [(out, None)]) == RegionsPlan([], len(rows), 0, {})
    edited = next(row for row in rows if row[at["Annotation"]] == "dog")
    token, number, _stamp = edited[at["Earmark ID"]].split("-")
    moved = int(number)
    assert token == project.store_token and len(token) == 12
    for name in ("Begin Time (s)", "File Offset (s)", "End Time (s)"):
        edited[at[name]] = f"{float(edited[at[name]]) + 0.1:.6f}"
    edited[at["Annotation"]] = "wolf"
    drawn = [*edited[:at["Earmark ID"]], ""]  # a selection drawn in Raven: no region yet
    drawn[at["Annotation"]], drawn[0] = "fox", str(len(rows) + 1)
    copied = [*edited[:at["Annotation"]], "cat", *edited[at["Annotation"] + 1:]]
    copied[0] = str(len(rows) + 2)  # a row copied in a spreadsheet, its Earmark ID with it
    _write_rows(out, header, [*rows, drawn, copied])
    plan = plan_regions_files(project, [(out, None)])
    assert list(plan.updates) == [moved] and [s.label for s in plan.specs] == ["fox", "cat"]
    assert plan.known == len(rows) - 1
    added, changed = project.import_regions(plan.specs, plan.updates)
    assert changed == [before[moved]] and [r.label for r in added] == ["fox", "cat"]
    now = project.region(moved)
    assert (now.label, now.begin_s) == ("wolf", pytest.approx(before[moved].begin_s + 0.1,
                                                            abs=1e-6))
    # Undone, the same table reads as an edit again (its stamp is the region's once more).
    project.delete_regions([r.id for r in added])
    project.restore_regions(changed)
    assert list(plan_regions_files(project, [(out, None)]).updates) == [moved]
    project.import_regions(plan.specs, plan.updates)
    # Changed here since the table was written: its row is no edit of its own; left out.
    project.update_region(moved, begin_s=0.05)
    again = plan_regions_files(project, [(out, None)])
    assert again.updates == {} and again.specs == []
    # Deleted here since, it comes back as from any table.
    project.delete_regions([moved])
    assert [s.label for s in plan_regions_files(project, [(out, None)]).specs] == ["wolf"]
    # A region of none, or another store's (another folder's, whose ids are the same
    # numbers), is a new region's row.
    stamp = edited[at["Earmark ID"]].split("-")[2]
    for ref in (f"{token}-{max(before) + 99}-{stamp}", f"0123456789ab-{moved}-{stamp}",
                str(moved), "x-y"):
        edited[at["Earmark ID"]] = ref
        _write_rows(out, header, [edited])
        assert [s.label for s in plan_regions_files(project, [(out, None)]).specs] == ["wolf"]


def test_a_model_event_edited_in_raven_is_a_person_s_region(tmp_path, project):
    """Relabelled in Raven and read back, it stayed an event to review, and the next detection
    run (which replaces the events waiting for review) deleted the correction."""
    long_id = project.clip_ids_by_path()["long.wav"]
    _, (event,) = project.replace_model_regions(long_id, [RegionSpec(long_id, 1.0, 1.5, "owl",
                                                                     score=0.7)])
    out = tmp_path / "events.txt"
    header, rows, at = _raven_rows(project, out)
    rows[0][at["Annotation"]] = "tawny owl"
    _write_rows(out, header, rows)
    import_regions_file(project, out)
    project.replace_model_regions(long_id, [])
    (kept,) = project.regions()
    assert (kept.id, kept.label, kept.source, kept.status) == (event.id, "tawny owl", "manual",
                                                               None)


def test_a_table_saved_decomposed_by_a_mac_tool_is_no_edit(tmp_path, project):
    """Read back untouched but in the other Unicode form (NFD), a model event's "mésange" was an
    edit: the event became a person's region, accepted by no one, and every labelled region of
    the class was changed again."""
    import unicodedata

    long_id = project.clip_ids_by_path()["long.wav"]
    _, (event,) = project.replace_model_regions(long_id, [RegionSpec(long_id, 1.0, 1.5,
                                                                     "mésange", score=0.7)])
    mine = project.add_region(long_id, 2.0, 2.5, "mésange")
    out = tmp_path / "events.txt"
    export_regions(project, "raven", out)
    out.write_text(unicodedata.normalize("NFD", out.read_text(encoding="utf-8")),
                   encoding="utf-8")
    import_regions_file(project, out)
    assert [(r.id, r.source, r.status, r.modified) for r in project.regions()] == [
        (event.id, "model", "unreviewed", event.modified), (mine.id, "manual", None, mine.modified)]


def test_what_a_row_leaves_unsaid_makes_it_no_news(project):
    ids = {c.path: c.id for c in project.clips()}
    long_id = ids["long.wav"]
    project.add_region(long_id, 1.0, 2.0, "owl", 500.0, 3000.0)
    stereo = RegionSpec(long_id, 1.0005, 1.999, "owl")  # no band, no channel: said already
    boxed = RegionSpec(long_id, 1.0, 2.0, "owl", 500.4, 3000.2)
    other_band = RegionSpec(long_id, 1.0, 2.0, "owl", 800.0, 3000.0)
    other_label = RegionSpec(long_id, 1.0, 2.0, "tit")
    later = RegionSpec(long_id, 1.01, 2.0, "owl")
    twice = RegionSpec(ids["site2/a.wav"], 0.1, 0.2, "x")
    plan = without_known(project, [stereo, boxed, other_band, other_label, later, twice, twice])
    assert plan.specs == [other_band, other_label, later, twice] and plan.known == 3
    # A model event a person rejected is no region: a row over it is news.
    event, = project.replace_model_regions(long_id, [RegionSpec(long_id, 2.5, 2.9, "owl")])[1]
    assert without_known(project, [RegionSpec(long_id, 2.5, 2.9, "owl")]).known == 1
    project.review_region(event.id, "reject")
    assert without_known(project, [RegionSpec(long_id, 2.5, 2.9, "owl")]).known == 0


def test_avianz_files_beside_their_recordings_are_found_by_where_they_lie(project):
    # Into the folder itself, each file lies beside its recording, where AviaNZ reads it; read
    # back, each belongs to the recording beside it (site1/a.wav and site2/a.wav share a name).
    _add_odd_regions(project)
    before = regions_of(project)
    assert export_regions(project, "avianz", project.folder) == 4
    project.delete_regions(r.id for r in project.regions())
    for rel in ("long.wav.data", "site1/night.wav.data", "site2/a.wav.data"):
        import_regions_file(project, project.folder / rel)
    _assert_same_regions([t[:6] for t in before], [t[:6] for t in regions_of(project)])


@pytest.mark.parametrize("fmt", ["csv", "raven", "audacity", "avianz", "labelstudio", "aoef",
                                 "sonicvisualiser"])
def test_an_event_a_person_rejected_is_not_exported(tmp_path, project, fmt):
    ids = {c.path: c.id for c in project.clips()}
    project.add_region(ids["long.wav"], 0.5, 1.0, "kiwi")
    kept = project.add_region(ids["long.wav"], 1.5, 2.0, "kiwi", source="model", score=0.7)
    wrong = project.add_region(ids["long.wav"], 2.0, 2.5, "kiwi", source="model", score=0.6)
    project.review_region(wrong.id, "reject")
    out = tmp_path / "out"
    # Audacity and Sonic Visualiser cannot say an event is still to review: left out.
    unsure = fmt not in ("audacity", "sonicvisualiser")
    assert export_regions(project, fmt, out) == 1 + unsure
    project.delete_regions(r.id for r in project.regions())
    for path in sorted(out.rglob("*")) if out.is_dir() else [out]:
        import_regions_file(project, path, audio="long.wav")
    # Label Studio holds the unreviewed event as a prediction, which is no label to import.
    assert [(r.begin_s, r.end_s) for r in project.regions()] == [(0.5, 1.0)] + (
        [(kept.begin_s, 2.0)] if unsure and fmt != "labelstudio" else [])


def test_label_studio_gets_a_persons_regions_as_annotations_and_the_models_as_predictions(
        tmp_path, project):
    ids = {c.path: c.id for c in project.clips()}
    project.add_region(ids["long.wav"], 0.5, 1.0, "kiwi")
    project.add_region(ids["long.wav"], 1.5, 2.0, "kiwi", source="model", score=0.71234)
    project.add_region(ids["site2/a.wav"], 0.25, 0.5, "ruru", source="model", score=0.6)
    out = io.StringIO()
    assert export_regions(project, "labelstudio", out) == 3
    long, site2 = json.loads(out.getvalue())
    local = f"/data/local-files/?d={project.folder.name}/"  # Label Studio's local files
    assert long["data"] == {"audio": local + "long.wav"}
    assert site2["data"] == {"audio": local + "site2/a.wav"}
    [person] = long["annotations"][0]["result"]
    assert person["value"] == {"start": 0.5, "end": 1.0, "channel": 0, "labels": ["kiwi"]}
    [model] = long["predictions"]
    assert model["model_version"] == "Earmark" and model["score"] == 0.7123
    assert model["result"][0]["value"]["labels"] == ["kiwi"]
    assert model["result"][0]["score"] == 0.7123
    assert "annotations" not in site2 and site2["predictions"][0]["score"] == 0.6


def test_a_label_studio_export_comes_back_to_its_own_files(tmp_path, project):
    """Its local-files addresses pass through the folder's name: a top-level a.wav beside
    site1/a.wav and site2/a.wav was refused as naming three files."""
    audio_factory.write(project.folder / "a.wav", audio_factory.tone(440, 1.0))
    project.scan()
    ids = {c.path: c.id for c in project.clips()}
    for path in ("a.wav", "site1/a.wav"):
        project.add_region(ids[path], 0.25, 0.5, "ruru")
    out = tmp_path / "tasks.json"
    export_regions(project, "labelstudio", out)
    project.delete_regions([r.id for r in project.regions()])
    import_regions_file(project, out)
    assert sorted(project.clip(r.clip_id).path for r in project.regions()) == ["a.wav",
                                                                               "site1/a.wav"]


def test_raven_export_is_one_selection_table(tmp_path, project):
    _add_odd_regions(project)
    out = io.StringIO()
    export_regions(project, "raven", out)
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert lines[0] == ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)",
                        "Low Freq (Hz)", "High Freq (Hz)", "Begin File", "Begin Path",
                        "File Offset (s)", "Annotation", "Confidence", "Found By", "Found Score",
                        "Earmark ID"]
    assert [row[:3] for row in lines[1:]] == [[str(n), "Spectrogram 1", "1"] for n in (1, 2, 3, 4)]
    # As Raven writes them: Begin File the name alone, Begin Path the whole path.
    assert [row[7] for row in lines[1:]] == ["long.wav", "long.wav", "night.wav", "a.wav"]
    assert [row[8] for row in lines[1:]] == [str(project.folder / p) for p in (
        "long.wav", "long.wav", "site1/night.wav", "site2/a.wav")]
    # No band: 0 Hz to Nyquist, as Raven writes a selection over every frequency.
    assert lines[1][5:7] == ["0.000", "8000.000"] and lines[1][10] == "dog"
    # Begin Time runs on through every file of the folder, as Raven times the folder opened as
    # one sequence: long.wav (3 s), then site1/a.wav (1 s, no regions: before, left out of the
    # timeline, which put every later selection a second early); File Offset is inside the file.
    assert lines[3][3:5] == ["4.000000", "6.000000"] and lines[3][9] == "0.000000"
    assert lines[4][3] == "6.250000" and lines[4][10] == "tab here"


def test_raven_sequence_leaves_out_a_file_gone_missing(tmp_path, project):
    # A file deleted since is in no sequence Raven can open: it takes no time on the timeline.
    _add_odd_regions(project)
    (project.folder / "site1" / "a.wav").unlink()
    project.scan()
    out = io.StringIO()
    export_regions(project, "raven", out)
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert lines[3][8].endswith("site1/night.wav") and lines[3][3] == "3.000000"


def test_each_recording_gets_a_raven_table_of_its_own_times(tmp_path, project):
    # To open beside one recording in Raven: Begin Time within that file, not the folder's
    # sequence (site1/night.wav's selection began at 4 s of the sequence, 0 s of the file).
    _add_odd_regions(project)
    export_regions(project, "ravenfiles", tmp_path / "out")
    written = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("*.txt"))
    assert written == ["long.Table.1.selections.txt", "site1/night.Table.1.selections.txt",
                       "site2/a.Table.1.selections.txt"]
    night = [line.split("\t") for line in
             (tmp_path / "out" / "site1" / "night.Table.1.selections.txt").read_text().splitlines()]
    assert night[0][:4] == ["Selection", "View", "Channel", "Begin Time (s)"]
    assert night[1][0] == "1" and night[1][3:5] == ["0.000000", "2.000000"]
    assert night[1][7:10] == ["night.wav", str(project.folder / "site1" / "night.wav"),
                              "0.000000"]  # read back: the round trip below


def test_a_raven_table_a_person_saved_beside_a_recording_is_not_written_over(tmp_path, project):
    _add_odd_regions(project)
    out = tmp_path / "out"
    own = out / "long.Table.1.selections.txt"  # saved from Raven's window: a person's work
    own.parent.mkdir(parents=True)
    own.write_text("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\n1\tSpectrogram 1\t1\t0.1\t0.2\n")
    before = own.read_text()
    export_regions(project, "ravenfiles", out)
    assert own.read_text() == before
    ours = out / "long.Table.2.selections.txt"
    assert "Earmark ID" in ours.read_text().splitlines()[0]
    export_regions(project, "ravenfiles", out)  # Earmark's own table is written again, not a third
    assert sorted(p.name for p in out.glob("long.*")) == ["long.Table.1.selections.txt",
                                                          "long.Table.2.selections.txt"]


def test_audacity_export_writes_six_decimals_and_band_lines(tmp_path, project):
    _add_odd_regions(project)
    export_regions(project, "audacity", tmp_path / "out")
    assert (tmp_path / "out" / "long.txt").read_text() == (
        "0.123457\t0.987650\tdog\n"
        "1.500400\t2.999600\t\n"
        "\\\t123.456700\t7999.600000\n")


def test_events_nobody_reviewed_are_left_out_where_a_format_cannot_say_so(tmp_path, project):
    """Exported to Audacity or Sonic Visualiser and imported again, unreviewed events came back
    as sure regions: a colleague could not tell checked calls from unchecked ones."""
    from core.store import region_export

    clip_id = project.clips()[0].id
    project.add_regions([RegionSpec(clip_id, 0.5, 1.0, "owl")], source="manual")
    project.add_regions([RegionSpec(clip_id, 2.0, 2.5, "owl", score=0.8)], source="model")
    for fmt in ("audacity", "sonicvisualiser"):
        assert export_regions(project, fmt, tmp_path / fmt) == 1
        assert region_export.unreviewed_note(project, fmt).startswith(
            "left out 1 event nobody has reviewed: ")
    assert (tmp_path / "audacity" / "long.txt").read_text() == "0.500000\t1.000000\towl\n"
    for fmt in ("raven", "csv", "avianz"):  # these keep the event to review, with its score
        assert region_export.unreviewed_note(project, fmt) == (
            "1 of them is an event nobody has reviewed yet, with its score, still to review")
        assert export_regions(project, fmt, tmp_path / f"out.{fmt}") == 2
    assert region_export.unreviewed_note(project, "summary") == (
        "1 event nobody has reviewed yet counted as to review")


def test_export_refuses_an_unknown_format(tmp_path, project):
    with pytest.raises(EarmarkError, match="unknown region format"):
        export_regions(project, "praat", tmp_path / "x")


def test_a_path_through_the_folders_name_finds_the_longest_path_that_follows_it():
    """The last time the name came in the path decided: a subfolder named as the folder
    (birds/birds/a.wav, as Earmark's Label Studio export writes it) found the top-level a.wav."""
    from types import SimpleNamespace

    paths = ["a.wav", "birds/a.wav", "2023/audio/b.wav", "b.wav"]
    by_path = {p: SimpleNamespace(path=p) for p in paths}
    by_name: dict[str, list] = {}
    for p in paths:
        by_name.setdefault(p.rsplit("/", 1)[-1], []).append(by_path[p])

    def found(key, root):
        return find_clip(key, by_path, by_name, root)[0].path

    assert found("birds/birds/a.wav", "birds") == "birds/a.wav"
    assert found("data/birds/a.wav", "birds") == "a.wav"
    assert found("home/birds/x/birds/a.wav", "birds") == "a.wav"  # x/birds/a.wav is not there
    assert found("home/me/audio/2023/audio/b.wav", "audio") == "2023/audio/b.wav"


def test_a_file_named_in_the_other_unicode_form_is_found(tmp_path):
    """A Mac's table writes café decomposed: "café song.wav is not in the folder", though it was
    (and the other way about, a file stored decomposed named composed)."""
    root = tmp_path / "audio"
    audio_factory.write(root / "caf\u00e9 song.wav", audio_factory.tone(440, 3.0))
    audio_factory.write(root / "nu\u0308t" / "ch\u00e2teau.wav", audio_factory.tone(440, 3.0))
    table = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tBegin File\tAnnotation\n"
             "1\tSpectrogram 1\t1\t1.0\t2.0\tcafe\u0301 song.wav\twren\n"
             "2\tSpectrogram 1\t1\t0.5\t1.0\tn\u00fct/cha\u0302teau.wav\towl\n")
    with Project.open(root) as project:
        project.scan()
        import_regions_file(project, write(tmp_path, "t.txt", table))
        assert sorted((g[0], g[5]) for g in regions_of(project)) == [
            ("caf\u00e9 song.wav", "wren"), ("nu\u0308t/ch\u00e2teau.wav", "owl")]


def test_a_raven_table_with_delta_time_for_end_time_is_read(tmp_path):
    """Raven's measurements may hold Delta Time (s), a selection's length, and no End Time:
    the table was "not a CSV ... a Raven Pro selection table ..."."""
    text = ("Selection\tView\tChannel\tBegin Time (s)\tDelta Time (s)\tLow Freq (Hz)\t"
            "High Freq (Hz)\tAnnotation\n"
            "1\tSpectrogram 1\t1\t1,25\t0,5\t1800\t2200\tWren\n")
    _, rows = read_regions(write(tmp_path, "delta.txt", text), audio="long.wav")
    assert [(r.begin_s, r.end_s, r.label) for r in rows] == [(1.25, 1.75, "Wren")]
    with pytest.raises(EarmarkError, match=r"^neither\.txt: a Raven selection table without End "
                                           r"Time \(s\) or Delta Time \(s\)"):
        read_regions(write(tmp_path, "neither.txt", text.replace("Delta Time", "Peak Time")),
                     audio="long.wav")


def test_a_raven_sequence_without_file_offsets_says_to_add_them(tmp_path, project):
    """Raven's Begin Time runs on through files opened as one sequence: without File Offset,
    the second file's selections lay past its end, each named so and nothing more."""
    text = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tBegin File\tAnnotation\n"
            "1\tSpectrogram 1\t1\t1.0\t1.5\tlong.wav\towl\n"
            "2\tSpectrogram 1\t1\t3.5\t3.9\tnight.wav\twren\n")  # night.wav: 2 s, after 3 s
    with pytest.raises(RegionError, match=r"night\.wav.*\n.*one sequence: add the File Offset"):
        import_regions_file(project, write(tmp_path, "sequence.txt", text))
    with pytest.raises(RegionError) as caught:  # one file: no sequence
        import_regions_file(project, write(tmp_path, "one.txt", text.replace("long.wav",
                                                                             "night.wav")))
    assert "sequence" not in str(caught.value)


def test_exports_tell_accepted_matches_from_regions_drawn_by_hand(tmp_path, project):
    """A call Find Similar Calls found and a person accepted is theirs in every export, and
    says who found it and what it scored: CSV and Raven columns, a Whombat note, Label Studio's
    origin and meta; one drawn by hand says nothing of the kind; an unreviewed event says both."""
    long_id = {c.path: c.id for c in project.clips()}["long.wav"]
    project.add_region(long_id, 0.5, 1.0, "kiwi")
    match, _ = project.add_regions([RegionSpec(long_id, 1.5, 2.0, "kiwi", score=0.62),
                                          RegionSpec(long_id, 2.2, 2.6, "kiwi", score=0.4)],
                                         "similar")
    project.review_region(match.id, "accept")
    rows = {}
    for fmt in ("csv", "raven"):
        out = io.StringIO()
        export_regions(project, fmt, out)
        lines = [line.split("," if fmt == "csv" else "\t") for line in out.getvalue().splitlines()]
        header = lines[0]
        rows[fmt] = [(row[header.index("found_by" if fmt == "csv" else "Found By")],
                      row[header.index("found_score" if fmt == "csv" else "Found Score")],
                      row[header.index("score" if fmt == "csv" else "Confidence")])
                     for row in lines[1:]]
    assert rows["csv"] == rows["raven"] == [("", "", ""), ("similar", "0.6200", ""),
                                            ("similar", "0.4000", "0.4000")]
    out = io.StringIO()
    export_regions(project, "aoef", out)
    notes = [a.get("notes", [{}])[0] for a in json.loads(out.getvalue())["data"]["sound_event_annotations"]]
    assert [(n.get("message"), n.get("is_issue")) for n in notes] == [
        (None, None), ("Found by Earmark's Find Similar Calls (match 0.62); accepted by a person.",
                       False),
        ("Found by Earmark's Find Similar Calls (match 0.40); not reviewed.", True)]
    out = io.StringIO()
    export_regions(project, "labelstudio", out)
    hand, accepted = json.loads(out.getvalue())[0]["annotations"][0]["result"]
    assert (hand["origin"], "meta" in hand) == ("manual", False)
    assert accepted["origin"] == "prediction" and accepted["meta"] == {
        "text": ["Found by Earmark's Find Similar Calls (match 0.62); accepted."]}


def test_an_audio_or_binary_file_chosen_to_import_is_refused_from_its_start(tmp_path, project):
    """A two-hour WAV chosen by mistake was read whole and decoded as text (the window held
    for seconds, 5 GB for a 1 GB file) before it was refused; its first bytes say enough."""
    from core.store.label_rules import SNIFF_BYTES, read_labels_file

    wav = audio_factory.write(tmp_path / "night.wav", audio_factory.tone(440.0, 0.5))
    flac = audio_factory.write(tmp_path / "night.flac", audio_factory.tone(440.0, 0.5))
    binary = tmp_path / "dump.csv"
    binary.write_bytes(bytes(range(256)) * (SNIFF_BYTES // 128))
    for path, said in ((wav, "an audio file"), (flac, "an audio file"),
                       (binary, "not a text file")):
        for read in (file_kind, lambda p: import_regions_file(project, p), read_labels_file):
            with pytest.raises(EarmarkError, match=f"^{path.name}: {said}"):
                read(path)
    assert project.regions() == []


def test_a_raven_table_of_a_file_with_a_tab_in_its_name_comes_back(tmp_path, project):
    """A tab-separated table writes a tab in a name as a space: read back, its row named no
    file and the whole import was refused. The name as the table writes it finds the file,
    where only one file reads so."""
    audio_factory.write(project.folder / "tab\tname.wav", audio_factory.tone(440.0, 1.0))
    project.scan()
    clip = next(c for c in project.clips() if c.path == "tab\tname.wav")
    project.add_region(clip.id, 0.25, 0.5, "owl")
    out = tmp_path / "t.selections.txt"
    export_regions(project, "raven", out)
    assert "tab name.wav" in out.read_text()
    project.delete_regions([r.id for r in project.regions()])
    import_regions_file(project, out)
    assert [(r.clip_id, r.begin_s, r.label) for r in project.regions()] == [(clip.id, 0.25, "owl")]


def test_a_file_named_as_audio_is_no_label_file(tmp_path, project):
    """A text file called notes.wav, chosen in File > Import, was read as a path,label CSV ("1
    rows name no clip"): a file named as audio is refused as what it is."""
    from core.store.label_rules import read_labels_file

    notes = write(tmp_path, "notes.WAV", "path,label\nlong.wav,owl\n")
    for read in (file_kind, read_labels_file):
        with pytest.raises(EarmarkError, match="^notes.WAV: an audio file by its name, not a "
                                               "file of labels or regions"):
            read(notes)
