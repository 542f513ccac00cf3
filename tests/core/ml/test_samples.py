"""Samples beyond whole clips: region windows centred with offsets that keep the event, background
cut only from unmarked stretches (rejected events included), the person's background class
joined, and the split that never puts one recording on both sides."""

from pathlib import Path

import numpy as np
import pytest

from core.audio.reading import centred_window_start
from core.ml.samples import (
    LONG_CLIP_VIEWS,
    MAX_OFFSET_SHARE,
    REGION_VIEWS,
    SPLIT_BLOCK_S,
    BackgroundSource,
    TrainingSample,
    Window,
    background_class,
    background_windows,
    block_group,
    class_bands,
    clip_view_starts,
    free_stretches,
    grouped_split,
    max_offset_s,
    region_offsets_s,
    split_block_s,
    stratified_split,
)


def _inside(window: Window, stretches) -> bool:
    end = window.start_s + window.length_s
    return any(lo - 1e-9 <= window.start_s and end <= hi + 1e-9 for lo, hi in stretches)


def _overlaps(window: Window, span) -> bool:
    return window.start_s < span[1] and span[0] < window.start_s + window.length_s


# ---------------------------------------------------------------- region windows


def test_a_region_window_is_centred_on_the_event_and_stays_in_the_file():
    assert centred_window_start(5.0, 5.5, 2.0, 60.0) == pytest.approx(4.25)
    assert centred_window_start(0.1, 0.3, 2.0, 60.0) == 0.0  # slid right at the file's start
    assert centred_window_start(59.5, 59.9, 2.0, 60.0) == pytest.approx(58.0)  # and left at its end
    assert centred_window_start(10.0, 14.0, 2.0, 60.0) == pytest.approx(11.0)  # long: its middle
    assert centred_window_start(0.2, 0.4, 2.0, 1.0) == 0.0  # a file shorter than the clip


@pytest.mark.parametrize("begin_s, end_s, duration_s", [
    (5.0, 5.5, 60.0), (0.05, 0.4, 60.0), (59.2, 59.95, 60.0), (3.0, 4.9, 60.0), (0.0, 0.2, 1.5)])
def test_region_offsets_never_lose_the_event(begin_s, end_s, duration_s):
    clip_s = 2.0
    rng = np.random.default_rng(0)
    for _ in range(50):
        shifts = region_offsets_s(begin_s, end_s, clip_s, rng)
        assert shifts[0] == 0.0 and len(shifts) == REGION_VIEWS
        assert all(abs(s) <= MAX_OFFSET_SHARE * clip_s + 1e-9 for s in shifts)
        for shift in shifts:
            start = centred_window_start(begin_s, end_s, clip_s, duration_s, shift)
            assert start - 1e-9 <= begin_s and end_s <= start + clip_s + 1e-9
            assert start >= 0 and (start + clip_s <= duration_s + 1e-9 or start == 0)


def test_offset_views_differ_and_go_both_ways():
    shifts = region_offsets_s(5.0, 5.4, 2.0, np.random.default_rng(1))
    assert shifts[1] < 0 < shifts[2]
    assert min(abs(shifts[1]), abs(shifts[2])) >= 0.3 * max_offset_s(5.0, 5.4, 2.0) - 1e-9


def test_an_event_filling_the_clip_has_one_view():
    assert max_offset_s(1.0, 3.5, 2.0) == 0.0
    assert region_offsets_s(1.0, 3.5, 2.0, np.random.default_rng(0)) == (0.0,)


# ---------------------------------------------------------------- long whole clips


def test_a_clip_that_is_read_as_one_has_one_window():
    assert clip_view_starts(1.0, 1.0) == (0.0,)
    assert clip_view_starts(1.25, 1.0) == (0.0,)
    assert clip_view_starts(0.3, 1.0) == (0.0,)


def test_a_long_clip_is_windows_from_its_start_to_its_end():
    assert clip_view_starts(1.3, 1.0) == pytest.approx((0.0, 0.3))
    assert clip_view_starts(5.0, 1.0) == pytest.approx((0, 1, 2, 3, 4))
    hours = clip_view_starts(7200.0, 1.0)
    assert len(hours) == LONG_CLIP_VIEWS and hours[0] == 0.0 and hours[-1] == 7199.0
    assert np.allclose(np.diff(hours), 7199.0 / (LONG_CLIP_VIEWS - 1))


# ---------------------------------------------------------------- background


def test_free_stretches_are_the_recording_less_its_regions():
    assert free_stretches(10.0, [(2.0, 3.0), (2.5, 4.0), (8.0, 10.0)]) == ((0.0, 2.0), (4.0, 8.0))
    assert free_stretches(5.0, []) == ((0.0, 5.0),)
    assert free_stretches(5.0, [(0.0, 5.0)]) == ()


def test_background_windows_come_only_from_unmarked_stretches():
    labelled = [(1.0, 1.5), (4.0, 4.6), (9.0, 9.3), (20.0, 27.0)]
    free = free_stretches(30.0, labelled)
    source = BackgroundSource("rec.wav", 30.0, free)
    windows = background_windows([source], 1.0, 200, np.random.default_rng(0))
    assert len(windows) == 200
    for window in windows:
        assert window.length_s == 1.0 and _inside(window, free)
        assert not any(_overlaps(window, span) for span in labelled)
    starts = np.array([w.start_s for w in windows])
    assert starts.min() < 3.0 and starts.max() > 27.0  # spread over every stretch with room


def test_every_rejected_event_is_background_and_none_reaches_a_labelled_region():
    labelled = [(5.0, 5.5), (10.0, 10.4)]
    rejected = ((5.6, 5.9), (12.0, 12.5), (0.0, 0.3))
    source = BackgroundSource("rec.wav", 20.0, free_stretches(20.0, labelled), rejected)
    windows = background_windows([source], 2.0, 0, np.random.default_rng(0))
    assert len(windows) == 3  # wanted none at random, but every rejected one comes
    for window, event in zip(windows, rejected, strict=True):
        assert _overlaps(window, event)
        assert not any(_overlaps(window, span) for span in labelled)
    # 5.6..5.9 lies in the 4.5 s stretch 5.5..10.0: a full window, kept off 5.0..5.5.
    assert windows[0].start_s == pytest.approx(5.5) and windows[0].length_s == 2.0


def test_a_rejected_event_in_a_short_gap_gives_the_gap_alone():
    labelled = [(5.0, 5.5), (6.0, 6.5)]
    source = BackgroundSource("rec.wav", 20.0, free_stretches(20.0, labelled), ((5.6, 5.9),))
    (window,) = background_windows([source], 2.0, 1, np.random.default_rng(0))
    assert (window.start_s, window.length_s) == pytest.approx((5.5, 0.5))


def test_two_rejected_events_in_one_short_gap_give_it_once():
    # Before: the same window twice, trained on twice and cut into "1 already there" clips.
    labelled = [(5.0, 5.5), (7.0, 7.5)]
    rejected = ((5.6, 5.9), (6.2, 6.6), (12.0, 12.2))
    source = BackgroundSource("rec.wav", 20.0, free_stretches(20.0, labelled), rejected)
    windows = background_windows([source], 2.0, 0, np.random.default_rng(0))
    assert [(w.start_s, w.length_s) for w in windows][:1] == [pytest.approx((5.5, 1.5))]
    assert len(windows) == 2 and windows[1].start_s == pytest.approx(11.1)


def test_no_room_no_random_windows():
    source = BackgroundSource("rec.wav", 3.0, free_stretches(3.0, [(0.5, 2.8)]))
    assert background_windows([source], 1.0, 10, np.random.default_rng(0)) == []


@pytest.mark.parametrize("labels, expected", [
    (["dog", "cat"], "background"),
    (["dog", "Noise"], "Noise"),
    (["dog", "none", "noise"], "noise"),
    (["dog", "Background", "noise"], "Background"),
])
def test_a_persons_background_class_is_the_one_background_joins(labels, expected):
    assert background_class(labels) == expected


# ---------------------------------------------------------------- the split


def test_singleton_groups_split_as_whole_clips_by_their_names():
    targets = np.array([0] * 20 + [1] * 5 + [2] * 7)
    groups = [f"clip{i}.wav" for i in range(len(targets))]
    for seed in range(3):
        expected = stratified_split(targets, 0.2, seed, groups)
        got = grouped_split(targets, groups, 0.2, seed)
        assert all(np.array_equal(a, b) for a, b in zip(expected, got, strict=True))
        assert sorted(targets[got[1]].tolist()) == [0, 0, 0, 0, 1, 2]


def test_a_project_splits_the_same_wherever_it_lies():
    targets = np.array([0, 1] * 20)
    names = [f"{'ab'[i % 2]}/clip{i}.wav" for i in range(40)]
    here = grouped_split(targets, [f"/home/me/birds/{n}" for n in names], 0.2, 0)
    there = grouped_split(targets, [f"/mnt/disk/copy/{n}" for n in names], 0.2, 0)
    assert all(np.array_equal(a, b) for a, b in zip(here, there, strict=True))


def test_labelling_more_clips_keeps_the_others_on_their_side():
    """A fine-tuned model is validated on clips its parent never trained on: adding ten clips
    moves no validation clip to training and at most the growth of a class's share the other way."""
    rng = np.random.default_rng(1)
    names = [f"clip{i:03d}.wav" for i in range(300)]
    targets = rng.integers(0, 2, 300)
    before_names, before_targets = names[:290], targets[:290]
    for seed in range(5):
        train_before, val_before = grouped_split(before_targets, before_names, 0.15, seed)
        train_after, val_after = grouped_split(targets, names, 0.15, seed)
        was_val = {before_names[i] for i in val_before}
        was_train = {before_names[i] for i in train_before}
        now_val = {names[i] for i in val_after}
        grown = sum(round(0.15 * np.count_nonzero(targets == c))
                    - round(0.15 * np.count_nonzero(before_targets == c)) for c in (0, 1))
        assert len(now_val & was_train) <= grown  # the parent's training clips stay out
        # A validation clip leaves only to make room for a new clip with a lower key.
        assert len(was_val - now_val) <= len(now_val - was_val - was_train)
        assert len(now_val & was_val) >= len(was_val) - 10


def test_no_recording_sits_on_both_sides():
    rng = np.random.default_rng(0)
    targets, groups = [], []
    for recording in range(12):
        n = int(rng.integers(3, 15))
        targets += rng.integers(0, 3, n).tolist()
        groups += [f"rec{recording}.wav"] * n
    targets += [0, 1, 2] * 5  # and whole clips, each its own group
    groups += [f"clip{i}.wav" for i in range(15)]
    targets = np.array(targets)
    for seed in range(5):
        train_idx, val_idx = grouped_split(targets, groups, 0.2, seed)
        assert sorted([*train_idx, *val_idx]) == list(range(len(targets)))
        assert not {groups[i] for i in train_idx} & {groups[i] for i in val_idx}
        assert len(val_idx) > 0
        share = len(val_idx) / len(targets)
        assert 0.08 < share < 0.4
        assert set(targets[train_idx]) == {0, 1, 2}


def test_a_few_long_recordings_still_get_a_validation_side():
    targets = np.array([0, 1, 2] * 10 * 3)
    groups = ["a.wav"] * 30 + ["b.wav"] * 30 + ["c.wav"] * 30
    train_idx, val_idx = grouped_split(targets, groups, 0.15, 0)
    assert len({groups[i] for i in val_idx}) == 1 and len(train_idx) == 60


def test_one_recording_cannot_be_split_and_trains_whole():
    targets = np.array([0, 1] * 10)
    train_idx, val_idx = grouped_split(targets, ["only.wav"] * 20, 0.2, 0)
    assert len(train_idx) == 20 and len(val_idx) == 0


def test_no_validation_share_no_validation():
    targets = np.array([0, 1] * 10)
    groups = [f"r{i // 4}.wav" for i in range(20)]
    train_idx, val_idx = grouped_split(targets, groups, 0.0, 0)
    assert len(train_idx) == 20 and len(val_idx) == 0


def test_a_validation_side_with_few_of_the_classes_is_no_validation():
    # A recording of four classes and a second with one event of one of them and background.
    targets = np.array([0, 1, 2, 3] * 5 + [2, 4, 4, 4])
    groups = ["a.wav"] * 20 + ["b.wav"] * 4
    train_idx, val_idx = grouped_split(targets, groups, 0.2, 0)
    assert len(val_idx) == 0 and len(train_idx) == 24


def _night(recordings: dict[str, list[str]], gap_s: float = 20.0) -> list[TrainingSample]:
    """Regions every ``gap_s`` seconds through each recording, of the classes listed in turn."""
    return [TrainingSample(name, label, i * gap_s, i * gap_s + 0.5, group=name)
            for name, labels in recordings.items() for i, label in enumerate(labels)]


def _block_split(samples, seed=0):
    block_s = split_block_s(samples)
    groups = [block_group(s.group, (s.begin_s + s.end_s) / 2, block_s) for s in samples]
    targets = np.array([["chirp", "trill", "whistle"].index(s.label) for s in samples])
    return targets, groups, grouped_split(targets, groups, 0.2, seed)


def test_a_single_night_recording_is_split_by_the_minute():
    # One 20-minute recording, three classes through it: whole, it had no validation side.
    samples = _night({"night.wav": ["chirp", "trill", "whistle"] * 20})
    assert split_block_s(samples) == SPLIT_BLOCK_S
    for seed in range(4):
        targets, groups, (train_idx, val_idx) = _block_split(samples, seed)
        assert len(val_idx) and not {groups[i] for i in train_idx} & {groups[i] for i in val_idx}
        assert set(targets[val_idx]) == set(targets[train_idx]) == {0, 1, 2}
        # Each minute stays whole on its side.
        assert all(g.startswith("night.wav#") for g in groups) and len(set(groups)) == 20


def test_a_class_of_one_recording_of_two_is_validated_too():
    # Chirps only in the first recording: split whole, validation took the second and missed them.
    samples = _night({"a.wav": ["chirp", "whistle"] * 30, "b.wav": ["trill", "whistle"] * 30})
    targets = np.array([["chirp", "trill", "whistle"].index(s.label) for s in samples])
    _, whole_val = grouped_split(targets, [s.group for s in samples], 0.2, 0)
    assert 0 not in set(targets[whole_val])
    for seed in range(4):
        targets, _, (train_idx, val_idx) = _block_split(samples, seed)
        assert set(targets[val_idx]) == set(targets[train_idx]) == {0, 1, 2}


def test_many_recordings_or_whole_clips_keep_recordings_whole():
    five = _night({f"r{n}.wav": ["chirp", "trill"] for n in range(5)})
    assert split_block_s(five) is None
    assert split_block_s(five[:8]) == SPLIT_BLOCK_S  # four recordings
    assert split_block_s([TrainingSample("a.wav", "chirp"), TrainingSample("b.wav", "trill")]) is None
    assert block_group("r.wav", 125.0, None) == "r.wav"
    assert block_group("r.wav", 125.0, 60.0) == "r.wav#2"


def test_a_class_band_comes_from_its_regions_drawn_as_boxes():
    def region(label, band=None):
        return TrainingSample(Path("night.wav"), label, 1.0, 2.0, band_hz=band)

    samples = ([region("owl", (400.0 + k, 800.0 + 10 * k)) for k in range(10)]
               + [region("wren")] * 3 + [region("wren", (2000.0, 6000.0))]
               + [TrainingSample(Path("clip.wav"), "noise")])
    bands = class_bands(samples, ["noise", "owl", "wren"])
    assert bands[0] is None and bands[2] is None  # whole clips; a box for one wren in four
    assert bands[1] == (pytest.approx(400.9), pytest.approx(881.0))  # 10th and 90th percentiles
    assert class_bands(samples[10:], ["noise", "wren"]) is None
