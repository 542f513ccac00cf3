"""Regions cut into clips in class folders: the samples are the recording's own, mono, at its
rate; only regions a person vouched for, with a label; a least length widens short ones with the
recording's sound around them, kept inside the file; background clips from the unmarked stretches
(a rejected event first, none touching a region); nothing overwritten; an unreadable recording
named while the others go on; a destination in the way named; a stop honoured."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.errors import EarmarkError
from core.store.project import Project
from core.store.records import RegionSpec
from core.store.region_clips import clip_name, clip_window_s, export_region_clips
from core.workflow import background_clip_windows
from tests import audio_factory

RATE_HZ = 8000


@pytest.fixture
def project(tmp_path):
    """``night/rec.wav`` (3 s, stereo, 8 kHz: a ramp, so each sample says where it came from)
    and ``dawn.wav``, with regions of every kind."""
    folder = tmp_path / "folder"
    ramp = np.linspace(-0.9, 0.9, 3 * RATE_HZ, dtype=np.float32)
    audio_factory.write(folder / "night" / "rec.wav", np.stack([ramp, ramp], axis=1), RATE_HZ,
                        subtype="FLOAT")
    audio_factory.write(folder / "dawn.wav", audio_factory.tone(440.0, 1.0))
    with Project.open(folder, store_dir=tmp_path / "store") as opened:
        opened.scan()
        ids = {c.path: c.id for c in opened.clips()}
        rec, dawn = ids["night/rec.wav"], ids["dawn.wav"]
        opened.add_region(rec, 0.5, 0.75, "owl")
        opened.add_region(rec, 2.9, 3.0, "owl/tawny")  # a separator in a class name
        opened.add_region(rec, 1.0, 1.5, None)
        opened.add_region(dawn, 0.25, 0.5, "robin", 1000.0, 3000.0, source="import")
        _, added = opened.replace_model_regions(rec, [
            RegionSpec(rec, 1.5, 1.75, "owl", score=0.9), RegionSpec(rec, 2.0, 2.25, "owl", score=0.8),
            RegionSpec(rec, 2.5, 2.75, "owl", score=0.7)])
        opened.review_region(added[0].id, "accept")
        opened.review_region(added[1].id, "reject")  # added[2] stays unreviewed
        yield opened, ramp


def test_each_vouched_for_labelled_region_is_cut_from_its_own_samples(project, tmp_path):
    opened, ramp = project
    dest = tmp_path / "clips"
    result = export_region_clips(opened, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in result.written) == [
        "owl/night_rec_1500-1750ms.wav", "owl/night_rec_500-750ms.wav",
        "owl_tawny/night_rec_2900-3000ms.wav", "robin/dawn_250-500ms.wav"]
    assert result.unlabelled == 1 and result.failed == [] and not result.stopped
    samples, rate_hz = sf.read(dest / "owl" / "night_rec_500-750ms.wav", dtype="float32")
    assert rate_hz == RATE_HZ and samples.ndim == 1  # mono, the recording's own rate
    assert np.allclose(samples, ramp[4000:6000], atol=1 / 2 ** 15)  # 16-bit


def test_a_least_length_widens_short_regions_inside_the_recording(project, tmp_path):
    opened, ramp = project
    dest = tmp_path / "clips"
    export_region_clips(opened, dest, min_length_s=1.0)
    middle, _ = sf.read(dest / "owl" / "night_rec_500-750ms.wav", dtype="float32")
    assert np.allclose(middle, ramp[1000:9000], atol=1 / 2 ** 15)  # 0.125-1.125 s
    end, _ = sf.read(dest / "owl_tawny" / "night_rec_2900-3000ms.wav", dtype="float32")
    assert np.allclose(end, ramp[-8000:], atol=1 / 2 ** 15)  # kept inside the file
    assert clip_window_s(0.1, 0.2, 3.0, 1.0) == (0.0, 1.0)
    assert clip_window_s(1.0, 2.5, 3.0, 1.0) == (1.0, 1.5)  # a longer region stays whole
    # A recording shorter than the least length: all of it, then silence.
    export_region_clips(opened, tmp_path / "long", min_length_s=2.0)
    padded, rate_hz = sf.read(tmp_path / "long" / "robin" / "dawn_250-500ms.wav")
    assert len(padded) == 2 * rate_hz and not padded[-100:].any() and padded[:100].any()


def test_nothing_is_overwritten(project, tmp_path):
    opened, _ = project
    dest = tmp_path / "clips"
    first = export_region_clips(opened, dest)
    (dest / "robin" / "dawn_250-500ms.wav").write_bytes(b"mine")
    again = export_region_clips(opened, dest)
    assert again.written == [] and sorted(again.skipped_existing) == sorted(first.written)
    assert (dest / "robin" / "dawn_250-500ms.wav").read_bytes() == b"mine"


def test_an_unreadable_recording_is_named_and_the_others_go_on(project, tmp_path):
    opened, _ = project
    audio_factory.write_broken(opened.abspath("night/rec.wav"), "text")
    result = export_region_clips(opened, tmp_path / "clips")
    assert [p.name for p in result.written] == ["dawn_250-500ms.wav"]
    assert len(result.failed) == 1 and result.failed[0][0] == "night/rec.wav"


def test_a_destination_in_the_way_is_named(project, tmp_path):
    opened, _ = project
    dest = tmp_path / "clips"
    dest.mkdir()
    (dest / "owl").write_text("a file where the class folder belongs")
    with pytest.raises(EarmarkError, match=r"owl.*is in the way"):
        export_region_clips(opened, dest)
    with pytest.raises(EarmarkError, match="least length"):
        export_region_clips(opened, dest, min_length_s=-1.0)
    # Inside the project's folder, its next scan would take the clips in as clips of their own.
    with pytest.raises(EarmarkError, match="lies inside .*choose a folder outside it"):
        export_region_clips(opened, opened.folder / "clips")
    assert not (opened.folder / "clips").exists()


def test_a_stop_is_honoured(project, tmp_path):
    opened, _ = project
    calls = []
    result = export_region_clips(opened, tmp_path / "clips", should_stop=lambda: len(calls) > 0,
                                 progress=lambda done, total: calls.append((done, total)))
    assert result.stopped and calls == [(1, 4)]  # dawn.wav first (of 4 clips), then the stop
    assert [p.name for p in result.written] == ["dawn_250-500ms.wav"]


def test_clip_names_keep_files_of_the_same_name_apart():
    assert clip_name("a/rec.wav", 1.2345, 2.0) == "a_rec_1234-2000ms.wav"
    assert clip_name("b/rec.flac", 1.2345, 2.0) == "b_rec_1234-2000ms.wav"


def test_background_comes_from_the_unmarked_stretches(project, tmp_path):
    opened, ramp = project
    name, windows = background_clip_windows(opened, seed=3)
    # As many as the commonest class (owl: 2 regions), the median region's length (0.25 s); the
    # rejected event first, then a random stretch touching no region but rejected ones.
    assert name == "background" and len(windows) == 2
    assert windows[0] == ("night/rec.wav", 2.0, 0.25)
    free = {"night/rec.wav": [(0.0, 0.5), (0.75, 1.0), (1.75, 2.5), (2.75, 2.9)],
            "dawn.wav": [(0.0, 0.25), (0.5, 1.0)]}
    path, start_s, length_s = windows[1]
    assert length_s == 0.25
    assert any(lo <= start_s and start_s + length_s <= hi for lo, hi in free[path])
    assert background_clip_windows(opened, n_clips=0) == ("background", [])
    assert background_clip_windows(opened, 1.0, n_clips=1)[1][0][2] == 0.75  # its whole stretch

    dest = tmp_path / "clips"
    result = export_region_clips(opened, dest, 0.5, windows, name)
    assert result.background == 2 and len(result.written) == 6
    rejected, _ = sf.read(dest / "background" / "night_rec_2000-2250ms.wav", dtype="float32")
    assert np.allclose(rejected[:2000], ramp[16000:18000], atol=1 / 2 ** 15)
    assert len(rejected) == 4000 and not rejected[2000:].any()  # padded to the least length
