"""The summary export: a row per recording and label, counting a person's regions apart from a
model's events still to review, their seconds with overlaps counted once, rejected events left
out, through the same export_regions call as the other formats."""

from __future__ import annotations

import csv
import io

from core.store.project import Project
from core.store.records import RegionSpec
from core.store.region_export import export_regions
from tests import audio_factory


def test_a_row_per_recording_and_label(tmp_path):
    folder = tmp_path / "night"
    for name in ("b.wav", "a/rec.wav"):
        audio_factory.write(folder / name, audio_factory.tone(440.0, 3.0))
    with Project.open(folder, store_dir=tmp_path / "store") as project:
        project.scan()
        ids = {c.path: c.id for c in project.clips()}
        rec = ids["a/rec.wav"]
        project.add_region(rec, 0.5, 1.0, "owl")
        project.add_region(rec, 0.75, 1.25, "owl", 500.0, 2000.0)  # overlaps: 0.5-1.25 covered
        project.add_region(rec, 2.0, 2.5, None)
        project.add_region(ids["b.wav"], 0.25, 0.5, "wren", source="import")
        _, added = project.replace_model_regions(rec, [
            RegionSpec(rec, 1.5, 1.75, "owl", score=0.9), RegionSpec(rec, 2.5, 2.9, "owl", score=0.6),
            RegionSpec(rec, 0.1, 0.2, "owl", score=0.4)])
        project.review_region(added[0].id, "accept")  # now a person's: 0.25 s more
        project.review_region(added[2].id, "reject")  # no event: left out
        out = io.StringIO()
        assert export_regions(project, "summary", out) == 6
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["path", "label", "regions", "to_review", "seconds", "first_s", "last_s",
                     "first_clock", "last_clock"],
                    ["a/rec.wav", "", "1", "0", "0.500", "2.000", "2.500", "", ""],
                    ["a/rec.wav", "owl", "3", "1", "1.000", "0.500", "2.900", "", ""],
                    ["b.wav", "wren", "1", "0", "0.250", "0.250", "0.500", "", ""]]


def test_a_recording_named_by_its_recorder_gives_its_first_and_last_by_the_clock(tmp_path):
    folder = tmp_path / "night"
    audio_factory.write(folder / "20260601_235958.wav", audio_factory.tone(440.0, 4.0))
    with Project.open(folder, store_dir=tmp_path / "store") as project:
        project.scan()
        [clip] = project.clips()
        project.add_region(clip.id, 0.5, 1.0, "owl")
        project.add_region(clip.id, 2.25, 3.5, "owl")
        out = io.StringIO()
        export_regions(project, "summary", out)
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    assert (row["first_clock"], row["last_clock"]) == ("2026-06-01T23:59:58.500",
                                                       "2026-06-02T00:00:01.500")


def test_recordings_come_in_the_windows_order(tmp_path):
    """A night's files, rec_2 before rec_10, as the clip list shows them (text sorts rec_10
    first)."""
    folder = tmp_path / "night"
    for n in (10, 2):
        audio_factory.write(folder / f"rec_{n}.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(folder, store_dir=tmp_path / "store") as project:
        project.scan()
        for clip in project.clips():
            project.add_region(clip.id, 0.1, 0.2, "owl")
        for fmt in ("summary", "csv"):
            out = io.StringIO()
            export_regions(project, fmt, out)
            assert [row[0] for row in csv.reader(io.StringIO(out.getvalue()))][1:] == [
                "rec_2.wav", "rec_10.wav"]
