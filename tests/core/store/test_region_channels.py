"""A region on one channel of a multi-channel recording, as Raven keeps a selection's: the store
checks and keeps it (a one-channel file's regions are on all of it), undo puts it back, a store
of the version before gains the column, and Raven tables and Earmark's CSV carry it both ways."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.errors import EarmarkError, RegionError
from core.store.project import Project
from core.store.region_export import export_regions
from core.store.region_io import import_regions_file, read_regions
from tests import audio_factory
from tests.core.store.old_store import old_store


def owl_and_wren(root):
    """A stereo recorder's pair.wav, an owl (1 kHz) on the left microphone and a wren (3 kHz) on
    the right, and mono.wav of the owl, 2 s each, in ``root``."""
    owl, wren = audio_factory.tone(1000.0, 2.0), audio_factory.tone(3000.0, 2.0)
    audio_factory.write(root / "pair.wav", np.stack([owl, wren], axis=1))
    audio_factory.write(root / "mono.wav", owl)


@pytest.fixture
def stereo(tmp_path):
    """owl_and_wren's project, scanned: (project, clip ids)."""
    root = tmp_path / "audio"
    owl_and_wren(root)
    with Project.open(root) as project:
        project.scan()
        yield project, {c.path: c.id for c in project.clips()}


def test_a_region_keeps_its_channel_and_a_one_channel_file_has_only_all(stereo):
    project, ids = stereo
    right = project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    both = project.add_region(ids["pair.wav"], 1.0, 1.5, "owl")
    mono = project.add_region(ids["mono.wav"], 0.5, 1.0, "owl", channel=0)
    assert [r.channel for r in (right, both, mono)] == [1, None, None]
    assert {r.id: r.channel for r in project.regions()} == {right.id: 1, both.id: None,
                                                           mono.id: None}
    with pytest.raises(RegionError, match="channel 3 is not one of the 2 channel"):
        project.add_region(ids["pair.wav"], 0.5, 1.0, channel=2)
    with pytest.raises(RegionError, match="is not a channel number"):
        project.add_region(ids["pair.wav"], 0.5, 1.0, channel=-1)
    # Edits and their undo keep it.
    before = project.update_region(right.id, begin_s=0.4, label="thrush")
    assert project.region(right.id).channel == 1
    project.delete_regions([right.id])
    project.restore_regions([before])
    assert project.region(right.id) == before


def test_a_store_of_version_4_gains_the_channel_with_its_regions_on_every_channel(tmp_path):
    root = tmp_path / "audio"
    audio_factory.write(root / "a.wav", audio_factory.tone(440.0, 1.0))
    conn = old_store(root, 4)
    conn.execute("INSERT INTO clips(path, size_bytes, mtime_ns) VALUES ('a.wav', 1, 1)")
    conn.execute("INSERT INTO regions(clip_id, begin_s, end_s, label, source, created, modified) "
                 "VALUES (1, 0.1, 0.2, 'old', 'manual', 0, 0)")
    conn.close()
    with Project.open(root) as project:
        [region] = project.regions()
        assert (region.label, region.channel) == ("old", None)


RAVEN = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
         "High Freq (Hz)\tBegin File\tAnnotation\n"
         # Selection 1 drawn on channel 2 only, in both views.
         "1\tWaveform 1\t2\t0.5\t1.0\t\t\tpair.wav\twren\n"
         "1\tSpectrogram 1\t2\t0.5\t1.0\t2000\t4000\tpair.wav\twren\n"
         # Selection 2 on both channels: on every channel.
         "2\tSpectrogram 1\t1\t1.0\t1.5\t500\t1500\tpair.wav\towl\n"
         "2\tSpectrogram 1\t2\t1.0\t1.5\t500\t1500\tpair.wav\towl\n"
         # Selection 3 of the mono file, on its one channel.
         "3\tSpectrogram 1\t1\t0.2\t0.4\t500\t1500\tmono.wav\towl\n")


def test_a_raven_selection_on_one_channel_is_a_region_on_that_channel(stereo, tmp_path):
    project, ids = stereo
    table = tmp_path / "night.selections.txt"
    table.write_text(RAVEN)
    _, rows = read_regions(table)
    assert [(r.label, r.channel) for r in rows] == [("wren", 1), ("owl", None), ("owl", 0)]
    added = import_regions_file(project, table)
    assert sorted((r.label, r.clip_id, r.channel) for r in added) == [
        ("owl", ids["mono.wav"], None), ("owl", ids["pair.wav"], None),
        ("wren", ids["pair.wav"], 1)]


def test_channels_go_out_and_come_back_in_raven_and_csv(stereo, tmp_path):
    project, ids = stereo
    project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", 2000.0, 4000.0, channel=1)
    project.add_region(ids["pair.wav"], 1.0, 1.5, "owl")
    project.add_region(ids["mono.wav"], 0.2, 0.4, "owl")
    for fmt, name in (("raven", "out.selections.txt"), ("csv", "out.csv")):
        out = tmp_path / name
        export_regions(project, fmt, out)
        with Project.open(project.folder, store_dir=tmp_path / f"fresh-{fmt}") as fresh:
            fresh.scan()
            import_regions_file(fresh, out)
            assert sorted((r.label, r.begin_s, r.channel) for r in fresh.regions()) == [
                ("owl", 0.2, None), ("owl", 1.0, None), ("wren", 0.5, 1)], fmt
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0].endswith(",channel,found_by,found_score") and lines[1].endswith(",,,") \
        and "wren" in lines[2] and lines[2].endswith(",2,,")


def test_a_channel_the_recording_lacks_or_no_number_is_named_with_its_line(stereo, tmp_path):
    project, _ = stereo
    table = tmp_path / "bad.csv"
    table.write_text("path,begin_s,end_s,label,channel\n"
                     "pair.wav,0.1,0.2,a,3\n"
                     "pair.wav,0.1,0.2,a,left\n")
    with pytest.raises(RegionError) as caught:
        import_regions_file(project, table)
    text = str(caught.value)
    assert "line 2" in text and "channel 3 is not one of the 2 channel(s) of pair.wav" in text
    assert "line 3" in text and "channel 'left' is not a channel number" in text
    assert project.regions() == []


def test_a_region_clip_is_cut_from_its_own_channel(stereo, tmp_path):
    import soundfile as sf

    from core.store.region_clips import export_region_clips

    project, ids = stereo
    project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    project.add_region(ids["pair.wav"], 1.0, 1.5, "both")
    result = export_region_clips(project, tmp_path / "clips")
    assert len(result.written) == 2 and not result.failed
    pair = sf.read(project.abspath(project.clip(ids["pair.wav"])), dtype="float32")[0]
    for path in result.written:
        samples, rate_hz = sf.read(path, dtype="float32")
        first = int((0.5 if path.parent.name == "wren" else 1.0) * rate_hz)
        expected = pair[first:first + len(samples)]
        expected = expected[:, 1] if path.parent.name == "wren" else expected.mean(axis=1)
        assert np.allclose(samples, expected, atol=1e-3), path.parent.name  # 16-bit


def test_a_measured_raven_table_keeps_a_region_on_every_channel_there(stereo, tmp_path):
    # Measured on channel 2, a region on every channel was written on channel 2 alone, and read
    # back on channel 2 alone.
    from core.store.region_export import measure_regions

    project, ids = stereo
    project.add_region(ids["pair.wav"], 0.5, 1.0, "owl")
    out = tmp_path / "measured.selections.txt"
    export_regions(project, "raven", out, measure_regions(project, channel=1))
    with Project.open(project.folder, store_dir=tmp_path / "fresh") as fresh:
        fresh.scan()
        [region] = import_regions_file(fresh, out)
        assert region.channel is None


def test_raven_rows_of_one_selection_give_its_channels_and_its_spectrogram_band(tmp_path):
    head = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\t"
            "High Freq (Hz)\tBegin File\n")
    table = tmp_path / "t.selections.txt"
    # The Waveform row first (the view's whole range), then the Spectrogram row's band.
    table.write_text(head + "1\tWaveform 1\t2\t0.5\t1.0\t0\t24000\tpair.wav\n"
                            "1\tSpectrogram 1\t2\t0.5\t1.0\t4900\t9100\tpair.wav\n")
    _, [row] = read_regions(table)
    assert (row.channel, row.low_hz, row.high_hz) == (1, 4900.0, 9100.0)
    # A later row's channel that is no number is named, as a first row's is ("²" raised).
    for bad in ("x", "²"):
        table.write_text(head + "1\tSpectrogram 1\t1\t0.5\t1.0\t1\t2\tpair.wav\n"
                                f"1\tSpectrogram 1\t{bad}\t0.5\t1.0\t1\t2\tpair.wav\n")
        with pytest.raises(EarmarkError, match=rf"line 3: channel '{bad}' is not a channel "):
            read_regions(table)


def test_cut_clips_of_one_span_on_two_channels_keep_apart(stereo, tmp_path):
    from core.store.region_clips import export_region_clips

    project, ids = stereo
    for channel in (0, 1):
        project.add_region(ids["pair.wav"], 0.5, 1.0, "call", channel=channel)
    result = export_region_clips(project, tmp_path / "clips")
    assert sorted(p.name for p in result.written) == ["pair_ch1_500-1000ms.wav",
                                                      "pair_ch2_500-1000ms.wav"]


def test_a_file_written_again_with_one_channel_puts_its_regions_on_every_channel(stereo):
    project, ids = stereo
    region = project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    path = project.abspath(project.clip(ids["pair.wav"]))
    audio_factory.write(path, audio_factory.tone(500.0, 2.0))
    os.utime(path, ns=(1, 1))  # another size and time: the scan reads it again
    project.scan()
    assert project.clip(ids["pair.wav"]).channels == 1
    assert project.region(region.id).channel is None
    last = project.region_history(region_id=region.id)[-1]
    assert (last.action, last.old["channel"], last.new["channel"]) == ("scan", 1, None)


def test_a_channel_is_kept_where_the_files_channels_are_not_known(stereo):
    project, ids = stereo
    path = project.abspath(project.clip(ids["pair.wav"]))
    path.write_bytes(b"not audio now")
    project.scan()
    assert project.clip(ids["pair.wav"]).channels is None
    region = project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    assert region.channel == 1  # the file may be mended


def test_a_measured_csv_of_before_is_read_without_taking_its_measured_channel(tmp_path):
    table = tmp_path / "old.csv"
    table.write_text("path,begin_s,end_s,label,peak_freq_hz,channel\npair.wav,0.5,1.0,owl,900,2\n")
    _, [row] = read_regions(table)
    assert row.channel is None


def test_label_studio_carries_a_channel_past_its_first(stereo, tmp_path):
    project, ids = stereo
    project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    out = tmp_path / "tasks.json"
    export_regions(project, "labelstudio", out)
    _, [row] = read_regions(out)
    assert row.channel == 1


def test_undo_after_a_file_lost_a_channel_puts_the_region_back_on_every_channel(stereo):
    # Ctrl+Z of an edit made before the rescan put it back on channel 2 of a mono file.
    project, ids = stereo
    region = project.add_region(ids["pair.wav"], 0.5, 1.0, "wren", channel=1)
    before = project.update_region(region.id, label="thrush")
    path = project.abspath(project.clip(ids["pair.wav"]))
    audio_factory.write(path, audio_factory.tone(500.0, 2.0))
    os.utime(path, ns=(1, 1))
    project.scan()
    project.restore_regions([before])
    assert (project.region(region.id).label, project.region(region.id).channel) == ("wren", None)


def test_the_first_channel_of_a_file_that_cannot_be_read_reads_back_as_every_channel(stereo,
                                                                                      tmp_path):
    # Its count unknown, a region on every channel goes out as one Channel 1 row; read back as
    # channel 1 it would stay there once the file was mended.
    project, ids = stereo
    path = project.abspath(project.clip(ids["pair.wav"]))
    path.write_bytes(b"not audio now")
    project.scan()
    table = tmp_path / "t.selections.txt"
    table.write_text("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tBegin File\n"
                     "1\tSpectrogram 1\t1\t0.5\t1.0\tpair.wav\n"
                     "2\tSpectrogram 1\t2\t0.5\t1.0\tpair.wav\n")
    added = import_regions_file(project, table)
    assert [r.channel for r in added] == [None, 1]
    # An Earmark CSV writes every channel as empty: its 1 is channel 1.
    csv_table = tmp_path / "t.csv"
    csv_table.write_text("path,begin_s,end_s,channel\npair.wav,0.5,1.0,1\n")
    assert [r.channel for r in import_regions_file(project, csv_table)] == [0]
