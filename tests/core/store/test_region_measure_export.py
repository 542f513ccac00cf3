"""Regions exported with their measurements: Raven's columns on its sequence timeline, the CSV's
by field name, a file that cannot be read named and its rows kept, and a table that still
imports."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from core.audio.measurements import RegionSpan, measure_file_regions
from core.errors import EarmarkError
from core.store.project import Project
from core.store.region_export import export_regions, measure_regions
from core.store.region_io import import_regions_file
from tests import audio_factory
from tests.core.store.test_region_channels import owl_and_wren

RATE_HZ = 16000
BIN_HZ = RATE_HZ / 512


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "audio"
    night = np.zeros(6 * RATE_HZ, dtype=np.float32)
    night[1 * RATE_HZ:2 * RATE_HZ] = audio_factory.tone(1000.0, 1.0)
    night[4 * RATE_HZ:5 * RATE_HZ] = audio_factory.tone(3000.0, 1.0)
    audio_factory.write(root / "a_night.wav", night)
    audio_factory.write(root / "b_day.wav", audio_factory.tone(2000.0, 2.0))
    with Project.open(root) as opened:
        opened.scan()
        ids = {c.path: c.id for c in opened.clips()}
        opened.add_region(ids["a_night.wav"], 0.8, 2.2, "owl")
        opened.add_region(ids["a_night.wav"], 3.5, 5.5, "bat", 2000.0, 4000.0)
        opened.add_region(ids["b_day.wav"], 0.5, 1.0, "wren")
        yield opened


def test_raven_table_carries_ravens_measurements_on_its_timeline(project):
    done = []
    measured = measure_regions(project, progress=lambda n, total: done.append((n, total)))
    assert done == [(2, 3), (3, 3)] and not measured.unreadable and not measured.stopped
    out = io.StringIO()
    assert export_regions(project, "raven", out, measured) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t"))
    assert [r["Annotation"] for r in rows] == ["owl", "bat", "wren"]
    owl, bat, wren = ({k: float(v or "nan") for k, v in r.items()
                       if "(" in k and k != "Begin File"} for r in rows)
    assert owl["Peak Freq (Hz)"] == pytest.approx(1000.0, abs=BIN_HZ)
    assert owl["Center Time (s)"] == pytest.approx(1.5, abs=0.05)
    assert owl["Dur 90% (s)"] == pytest.approx(0.9, abs=0.08)
    assert owl["Delta Time (s)"] == pytest.approx(1.4)
    assert bat["Center Freq (Hz)"] == pytest.approx(3000.0, abs=BIN_HZ)
    assert bat["Delta Freq (Hz)"] == pytest.approx(2000.0)
    # b_day.wav follows a_night.wav's 6 s in Raven's sequence: its times run on from there.
    assert wren["Begin Time (s)"] == pytest.approx(6.5)
    assert 6.5 <= wren["Time 5% (s)"] < wren["Time 95% (s)"] <= 7.0
    assert wren["Peak Freq (Hz)"] == pytest.approx(2000.0, abs=BIN_HZ)
    # Levels: tones of amplitude 0.5 (-6 dB FS) for 1 s of the owl's 1.4 s.
    assert owl["Inband Power (dB FS)"] == pytest.approx(-6.02 + 10 * np.log10(1 / 1.4), abs=0.3)
    assert wren["Inband Power (dB FS)"] == pytest.approx(-6.02, abs=0.1)
    # The owl calls in digital silence and the wren within its own tone: neither SNR is a number.
    assert np.isnan(owl["Noise Power (dB FS)"]) and np.isnan(owl["SNR (dB)"])
    assert wren["Noise Power (dB FS)"] == pytest.approx(-6.02, abs=0.1)
    assert np.isnan(wren["SNR (dB)"])


def test_csv_carries_the_measurements_by_field_name(project):
    out = io.StringIO()
    export_regions(project, "csv", out, measure_regions(project))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0])[:6] == ["path", "begin_s", "end_s", "low_hz", "high_hz", "label"]
    assert "peak_freq_hz" in rows[0] and "agg_entropy_bits" in rows[0]
    # File times, not a sequence's: the CSV names each row's file.
    assert 0.5 <= float(rows[2]["center_time_s"]) <= 1.0


def test_an_unreadable_recording_is_named_and_its_rows_kept(project):
    (project.folder / "b_day.wav").write_text("not audio any more")
    measured = measure_regions(project)
    [line] = measured.unreadable
    assert line.startswith("b_day.wav: ")
    out = io.StringIO()
    assert export_regions(project, "raven", out, measured) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t"))
    assert rows[2]["Annotation"] == "wren" and rows[2]["Peak Freq (Hz)"] == ""
    assert rows[0]["Peak Freq (Hz)"] != ""


def test_a_stop_returns_what_was_measured(project):
    measured = measure_regions(project, should_stop=lambda: True)
    assert measured.stopped and measured.by_region == {}


def test_measurements_go_only_to_tables_that_have_columns_for_them(project, tmp_path):
    with pytest.raises(EarmarkError, match="csv, raven, ravenfiles only"):
        export_regions(project, "audacity", tmp_path / "out", measure_regions(project))


def test_each_recordings_measured_raven_table_has_its_measurements_and_imports(project,
                                                                               tmp_path):
    export_regions(project, "ravenfiles", tmp_path / "tables", measure_regions(project))
    tables = sorted(tmp_path.joinpath("tables").rglob("*.Table.1.selections.txt"))
    assert tables and all("Peak Freq (Hz)" in t.read_text().splitlines()[0] for t in tables)
    with Project.open(project.folder, store_dir=tmp_path / "other") as fresh:
        fresh.scan()
        added = [r for table in tables for r in import_regions_file(fresh, table)]
        assert sorted((r.label, round(r.begin_s, 3)) for r in added) == [
            ("bat", 3.5), ("owl", 0.8), ("wren", 0.5)]


def test_a_measured_raven_table_imports_as_its_regions(project, tmp_path):
    out = tmp_path / "measured.selections.txt"
    export_regions(project, "raven", out, measure_regions(project))
    with Project.open(project.folder, store_dir=tmp_path / "other") as fresh:
        fresh.scan()
        added = import_regions_file(fresh, out)
        assert sorted((r.label, round(r.begin_s, 3)) for r in added) == [
            ("bat", 3.5), ("owl", 0.8), ("wren", 0.5)]


def test_the_noise_keeps_clear_of_an_event_rejected_beside_a_region(tmp_path):
    # A call with a loud sound just before it (not marked) and just after it (an event
    # rejected): the noise is the quiet noise beyond the rejected event.
    rng = np.random.default_rng(3)
    night = rng.normal(0, 0.01, 8 * RATE_HZ).astype(np.float32)
    for start_s in (1.8, 3.0, 4.2):
        first = int(start_s * RATE_HZ)
        night[first:first + RATE_HZ] += audio_factory.tone(1000.0, 1.0, amplitude=0.1)
    root = tmp_path / "audio"
    audio_factory.write(root / "night.wav", night, subtype="FLOAT")
    with Project.open(root) as opened:
        opened.scan()
        [clip] = opened.clips()
        call = opened.add_region(clip.id, 3.0, 4.0, "owl", 900.0, 1100.0)
        event = opened.add_region(clip.id, 4.2, 5.2, "owl", 900.0, 1100.0, source="model")
        opened.review_region(event.id, "reject")
        measured = measure_regions(opened)
    assert event.id not in measured.by_region  # a rejected event is not exported
    # The quiet noise's share in the band is -52.6 dB FS; the tone's is -20 dB FS.
    assert measured.by_region[call.id].snr_db == pytest.approx(32.6, abs=1.0)


def test_a_chosen_channel_is_measured_and_named_in_the_tables(tmp_path):
    """A stereo recorder with an owl on the left microphone and a wren on the right, beside a
    mono file: measured on channel 2, the stereo file's call is the wren's and both tables say
    so; the mono file is measured on its one channel."""
    root = tmp_path / "audio"
    owl_and_wren(root)
    with Project.open(root) as opened:
        opened.scan()
        ids = {c.path: c.id for c in opened.clips()}
        pair = opened.add_region(ids["pair.wav"], 0.5, 1.5, "call")
        mono = opened.add_region(ids["mono.wav"], 0.5, 1.5, "call")
        mixed, right = measure_regions(opened), measure_regions(opened, channel=1)
        assert mixed.channels == {} and right.channels == {pair.id: 1}
        assert right.by_region[pair.id].peak_freq_hz == pytest.approx(3000.0, abs=BIN_HZ)
        assert right.by_region[mono.id].peak_freq_hz == pytest.approx(1000.0, abs=BIN_HZ)
        assert mixed.by_region[pair.id].inband_power_db < right.by_region[pair.id].inband_power_db
        tables = {}
        for fmt in ("raven", "csv"):
            out = io.StringIO()
            export_regions(opened, fmt, out, right)
            tables[fmt] = {r.get("Begin File", r.get("path")): r for r in csv.DictReader(
                io.StringIO(out.getvalue()), delimiter="\t" if fmt == "raven" else ",")}
        # The Raven table: a row per channel the region is on, the measurements on the row of
        # the channel measured (pair.wav's second; mono.wav's one).
        out = io.StringIO()
        export_regions(opened, "raven", out, right)
        rows = [(r["Begin File"], r["Channel"], r["Peak Freq (Hz)"] != "") for r in
                csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t")]
        assert rows == [("mono.wav", "1", True), ("pair.wav", "1", False), ("pair.wav", "2", True)]
        assert [tables["csv"][name]["measured_channel"] for name in ("pair.wav", "mono.wav")
                ] == ["2", "mix"]
        # The regions are on every channel: the CSV's channel is empty.
        assert {tables["csv"][name]["channel"] for name in ("pair.wav", "mono.wav")} == {""}
        out = io.StringIO()
        export_regions(opened, "raven", out)  # unmeasured: a row per channel, as Raven writes
        assert [(r["Selection"], r["Begin File"], r["Channel"]) for r in csv.DictReader(
            io.StringIO(out.getvalue()), delimiter="\t")] == [
            ("1", "mono.wav", "1"), ("2", "pair.wav", "1"), ("2", "pair.wav", "2")]
        # A region on the left microphone is measured there, whatever channel is chosen.
        left = opened.add_region(ids["pair.wav"], 0.2, 1.8, "owl", channel=0)
        again = measure_regions(opened, channel=1)
        assert again.channels[left.id] == 0 and again.channels[pair.id] == 1
        assert again.by_region[left.id].peak_freq_hz == pytest.approx(1000.0, abs=BIN_HZ)
    with pytest.raises(ValueError, match="mono.wav has 1 channel"):
        measure_file_regions(root / "mono.wav", [RegionSpan(0.5, 1.5, None, None)], channel=1)


def test_the_csv_gives_each_regions_clock_time_where_the_name_says_when_recording_began(tmp_path):
    """An AudioMoth's file names when it began: each region's begin by that clock, to the
    millisecond; a file named otherwise has the column empty."""
    root = tmp_path / "audio"
    audio_factory.write(root / "20260601_235959.wav", audio_factory.tone(1000.0, 3.0))
    audio_factory.write(root / "dawn.wav", audio_factory.tone(1000.0, 1.0))
    with Project.open(root) as opened:
        opened.scan()
        ids = {c.path: c.id for c in opened.clips()}
        opened.add_region(ids["20260601_235959.wav"], 1.25, 2.0, "owl")
        opened.add_region(ids["dawn.wav"], 0.5, 0.75, "wren")
        out = io.StringIO()
        export_regions(opened, "csv", out)
    rows = {r["path"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["20260601_235959.wav"]["begin_clock"] == "2026-06-02T00:00:00.250"
    assert rows["dawn.wav"]["begin_clock"] == ""


def test_an_export_measures_a_region_against_the_noise_the_region_list_does(tmp_path):
    """The noise keeps clear of every region of the file: the export kept clear only of those
    measured on the same channel, so loud neighbours marked on the other microphone (heard on
    both) were its noise: the region list said 37 dB, the export left SNR empty."""
    rate = 16000
    rng = np.random.default_rng(0)
    t = np.arange(4 * rate) / rate
    left, right = 0.002 * rng.standard_normal(len(t)), 0.002 * rng.standard_normal(len(t))
    call = (t >= 1.0) & (t < 1.2)
    left[call] += 0.2 * np.sin(2 * np.pi * 2000 * t[call])
    loud = ((t >= 0.6) & (t < 1.0)) | ((t >= 1.2) & (t < 1.6))
    for samples in (left, right):
        samples[loud] += 0.3 * rng.standard_normal(int(loud.sum()))
    root = tmp_path / "audio"
    audio_factory.write(root / "pair.wav", np.stack([left, right], axis=1).astype(np.float32),
                        rate)
    with Project.open(root) as opened:
        opened.scan()
        clip = opened.clips()[0]
        bird = opened.add_region(clip.id, 1.0, 1.2, "bird", channel=0)
        for begin_s in (0.6, 1.2):
            opened.add_region(clip.id, begin_s, begin_s + 0.4, "truck", channel=1)
        others = [RegionSpan.of(r) for r in opened.regions(clip.id) if r.id != bird.id]
        listed = measure_file_regions(opened.abspath(clip), [RegionSpan.of(bird)],
                                      others=others, channel=0)[0]  # as the region list asks
        exported = measure_regions(opened).by_region[bird.id]
    assert exported.snr_db == pytest.approx(listed.snr_db) and listed.snr_db > 30
