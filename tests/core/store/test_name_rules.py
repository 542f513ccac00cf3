"""core.store.name_rules: reading labels from file names, and the rule that suits a folder's names;
and the project's rule in the store (first scan, later scans, applying another rule and undoing it)."""

from __future__ import annotations

import pytest

from core.errors import EarmarkError, ProjectError
from core.store.name_rules import (
    FEW_NAMES,
    NO_NAME_RULE,
    PREFIX_RULE,
    NameRule,
    infer_name_rule,
    parse_name_rule,
    preview_name_rule,
    token_rules,
)
from core.store.project import Project
from tests import audio_factory


def fsdd_stems(digits=10, speakers=("jackson", "nicolas", "theo", "yweweler"), takes=5):
    return [f"{d}_{s}_{n}" for d in range(digits) for s in speakers for n in range(takes)]


def kaggle_stems():
    return [f"cat_{i}" for i in range(1, 116)] + [f"dog_barking_{i}" for i in range(64)]


@pytest.mark.parametrize("rule, stem, label", [
    (NameRule.leading(1), "0_jackson_12", "0"),
    (NameRule.leading(2), "0_jackson_12", "0_jackson"),
    (NameRule.leading(2), "dog_barking_0", "dog_barking"),
    (NameRule.leading(2), "dog-barking 0", "dog-barking"),  # separators kept as written
    (NameRule.leading(2), "cat_1", None),  # never the whole name
    (NameRule.leading(1), "bark", None),  # no separators, no label
    (NameRule.part(1), "0_jackson_12", "jackson"),
    (NameRule.part(1), "_0__jackson_12", "jackson"),  # empty parts do not count
    (NameRule.part(3), "0_jackson_12", None),
    (PREFIX_RULE, "cat_12", "cat"),
    (PREFIX_RULE, "dog_barking-3", "dog_barking"),
    (PREFIX_RULE, "bark", None),
    (NameRule.regex(r"^\d+_(?P<label>[a-z]+)"), "0_jackson_12", "jackson"),
    (NameRule.regex(r"_([a-z]+)_"), "0_theo_3", "theo"),
    (NameRule.regex(r"[a-z]+"), "0_theo_3", "theo"),
    (NameRule.regex(r"zzz"), "0_theo_3", None),
    (NO_NAME_RULE, "cat_12", None),
])
def test_label_of(rule, stem, label):
    assert rule.label_of(stem) == label


def test_bad_rules_raise_clear_errors():
    with pytest.raises(EarmarkError, match="not a valid regular expression: .*position"):
        NameRule.regex("(unclosed")
    with pytest.raises(EarmarkError, match="empty"):
        NameRule.regex("")
    with pytest.raises(EarmarkError, match="unknown file-name rule"):
        NameRule("middle")
    with pytest.raises(EarmarkError):
        NameRule("token", first=-1)


def test_describe_in_words():
    assert NameRule.leading(1).describe() == \
        "the 1st part of the file name (split at _, - and spaces)"
    assert NameRule.leading(2).title() == "first 2 parts"
    assert NameRule.part(1).title() == "2nd part"
    assert NameRule.part(10).title() == "11th part"
    assert "trailing number" in PREFIX_RULE.describe()
    assert "no labels" in NO_NAME_RULE.describe()
    assert "x(\\d)" in NameRule.regex(r"x(\d)").describe()


@pytest.mark.parametrize("rule", [NameRule.leading(2), NameRule.part(3), PREFIX_RULE,
                                  NO_NAME_RULE, NameRule.regex(r"^(?P<label>\w+?)_")])
def test_json_round_trip(rule):
    assert NameRule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize("text", ["", "nonsense", "[1, 2]", '{"kind": "token", "first": "a"}',
                                  '{"kind": "regex", "pattern": "("}', '{"kind": "moon"}',
                                  '{"kind": "prefix", "extra": 1}', "null"])
def test_json_garbage_raises_earmark_error(text):
    with pytest.raises(EarmarkError):
        NameRule.from_json(text)


def test_fields_another_kind_ignores_do_not_make_rules_differ():
    assert NameRule("prefix", first=3, pattern="x") == PREFIX_RULE


def test_flat_fsdd_names_give_the_digit():
    stems = fsdd_stems()
    rule = infer_name_rule(stems)
    assert rule == NameRule.leading(1)
    assert rule.label_of("0_jackson_12") == "0"
    preview = preview_name_rule(rule, stems)
    assert list(preview.counts) == [str(d) for d in range(10)]
    assert preview.unlabelled == 0


def test_one_speakers_digits_give_the_digits_not_digit_and_speaker():
    """One speaker's FSDD takes (``7_jackson_12``) were read by their first two parts, classes
    ``0_jackson``...``9_jackson``: the longest labels won a tie that a part every name shares
    cannot break. Pressing 7 then labelled a clip ``6_jackson``."""
    stems = fsdd_stems(speakers=("jackson",), takes=8)
    rule = infer_name_rule(stems)
    assert rule.label_of("7_jackson_12") == "7"
    assert list(preview_name_rule(rule, stems).counts) == [str(d) for d in range(10)]
    # A stray name among them (a class of one) does not undo it.
    assert infer_name_rule([*stems, "noise_sample_1"]).label_of("7_jackson_12") == "7"
    # A part that differs between classes still counts: dog_barking, not dog.
    assert infer_name_rule([f"cat_meow_{i}" for i in range(9)]
                           + [f"dog_barking_{i}" for i in range(9)]).label_of("dog_barking_3") \
        == "dog_barking"


def test_the_rule_that_labels_every_name_wins_over_one_with_fewer_classes():
    """ESC-50-style names: dog_barking_0, cat_meow_0 and rain_0. The first two parts gave two
    classes and left every rain_ file unlabelled (fewer classes won over more names labelled);
    the part before the number labels them all."""
    stems = [f"{name}_{i}" for name in ("dog_barking", "cat_meow", "rain") for i in range(5)]
    rule = infer_name_rule(stems)
    assert preview_name_rule(rule, stems).counts == {"dog_barking": 5, "cat_meow": 5, "rain": 5}
    # A few stray names make no class of their own: cat_01 ... dog_20 beside mixed_recording,
    # test_file and two full_session files are cat and dog, the strays left unlabelled.
    numbered = [f"{name}_{i:02d}" for name in ("cat", "dog") for i in range(1, 21)]
    stray = ["mixed_recording", "test_file", "full_recording", "full_session"]
    counts = preview_name_rule(infer_name_rule(numbered + stray), numbered + stray).counts
    assert counts == {"cat": 20, "dog": 20}


def test_kaggle_cats_and_dogs_give_cat_and_dog_barking():
    stems = kaggle_stems()
    rule = infer_name_rule(stems)
    assert rule.label_of("cat_12") == "cat"
    assert rule.label_of("dog_barking_0") == "dog_barking"
    assert preview_name_rule(rule, stems).counts == {"cat": 115, "dog_barking": 64}


def test_a_middle_part_when_nothing_from_the_start_fits():
    stems = [f"rec{3 * i + k:04d}_{kind}_{i}" for i in range(30)
             for k, kind in enumerate(("owl", "wren", "jay"))]
    assert infer_name_rule(stems) == NameRule.part(1)


@pytest.mark.parametrize("stems", [
    ["cat_1", "dog_1", "bird_1"],  # too few to judge: each name its own class
    ["bark", "meow", "chirp"],  # no separators
    [],
    ["loose-a", "loose-b", "broken"],  # one class only
])
def test_too_little_to_judge_falls_back_to_the_prefix_rule(stems):
    assert infer_name_rule(stems) == PREFIX_RULE


@pytest.mark.parametrize("stems", [
    [f"20260601_{h:02d}0000" for h in range(20, 24)] + [f"20260602_{h:02d}0000" for h in range(4)],
    [f"S4A12345_202606{d:02d}_{h:02d}0000" for d in range(1, 8) for h in range(24)],
    ["SM4_20260601_220000", "SM4_20260601_230000", "SM4_20260602_000000"],
    ["pair_of_mics_2026-06-01"],
])
def test_a_field_recorders_date_stamps_are_never_classes(stems):
    """AudioMoth and Song Meter files are named by when they were recorded: a rule reading the
    day would make each day a class, so none is chosen (the person can still pick one)."""
    assert infer_name_rule(stems) == NO_NAME_RULE


def test_one_recorders_file_among_class_named_clips_leaves_the_others_their_classes():
    """knock_0..2 and whistle_0..2 beside one AudioMoth file: the rule reading the first part
    read the day of that one file too, so no rule was chosen and every clip opened unlabelled.
    A date is no class: the dated file alone is left unlabelled."""
    stems = [f"{kind}_{i}" for kind in ("knock", "whistle") for i in range(3)]
    rule = infer_name_rule([*stems, "20260601_220000"])
    assert rule == NameRule.leading(1)
    assert preview_name_rule(rule, [*stems, "20260601_220000"]).counts == {"knock": 3,
                                                                          "whistle": 3}
    assert rule.label_of("20260601_220000") is None and PREFIX_RULE.label_of("20260601_1") is None


def test_a_class_before_a_date_is_read_and_a_year_alone_is_no_date():
    stems = [f"{species}_20260601_{i}" for species in ("owl", "wren") for i in range(5)]
    assert preview_name_rule(infer_name_rule(stems), stems).counts == {"owl": 5, "wren": 5}
    stems = [f"{year}_{i}" for year in ("2019", "2020") for i in range(5)]
    assert preview_name_rule(infer_name_rule(stems), stems).counts == {"2019": 5, "2020": 5}


@pytest.mark.parametrize("stems", [
    [f"ARU0{r}_202604{d:02d}_{h:02d}1500" for r in (1, 2) for d in (1, 2) for h in range(5)],
    [f"ARU0{r}_202604{d:02d}" for r in (1, 2) for d in (1, 2, 3)],
    [f"S4A1234{r}_20260601_220000" for r in range(3)],
    [f"site{r}-2026-04-0{d}" for r in (1, 2) for d in (1, 2, 3)],  # "site1-2026" cuts the date
])
def test_a_recorders_or_sites_name_before_a_date_is_no_class(stems):
    """A bioacoustician's folder from several recorders: each file is named by its recorder
    and when it was recorded. Reading ARU01 and ARU02 as classes would label a night of
    recordings by where they were made."""
    assert infer_name_rule(stems) == NO_NAME_RULE


def test_a_species_before_a_date_is_read_with_the_date_written_either_way():
    for date in ("20260601", "2026-06-01"):
        stems = [f"{species}_{date}_{i}" for species in ("owl", "wren") for i in range(5)]
        assert preview_name_rule(infer_name_rule(stems), stems).counts == {"owl": 5, "wren": 5}


def test_three_files_keep_their_prefix_labels():
    stems = ["cat_1", "dog_1", "bird_1"]
    assert [infer_name_rule(stems).label_of(s) for s in stems] == ["cat", "dog", "bird"]


def test_too_many_classes_is_no_fit_and_a_trailing_take_number_is_no_class():
    stems = [f"id{i}_{take}" for i in range(150) for take in range(3)]
    assert infer_name_rule(stems) == NO_NAME_RULE


def test_many_names_that_give_one_class_give_none():
    # Before: rec_001 ... rec_179 opened with every clip labelled "rec".
    assert infer_name_rule([f"rec_{i:03d}" for i in range(1, 180)]) == NO_NAME_RULE
    few = [f"cat_{i}" for i in range(1, FEW_NAMES + 1)]  # a handful: too few to judge
    assert infer_name_rule(few) == PREFIX_RULE


def test_one_class_beside_a_few_stray_names_gives_none():
    # Before: the 1st part, so rec (20 files) and one class for each stray file, keys 1-4.
    stems = [f"rec_{i:03d}" for i in range(1, 21)] + ["zero_bytes", "text_file", "silent_zeros"]
    assert infer_name_rule(stems) == NO_NAME_RULE
    # Rare classes among several with many files each are still classes.
    stems = [f"{kind}_{i}" for kind in ("wren", "robin", "owl") for i in range(8)]
    stems += ["kite_1", "hawk_1", "crow_1", "jay_1"]
    assert infer_name_rule(stems).label_of("kite_1") == "kite"
    stems = [f"{kind}_{i}" for kind in ("dog", "cat") for i in range(10)]
    assert infer_name_rule([*stems, "bird_1", "cow_1", "horse_1"]).label_of("cow_1") == "cow"


def test_preview_orders_by_count_then_name_and_counts_unlabelled():
    preview = preview_name_rule(NameRule.leading(1), ["b_1", "a_1", "b_2", "c_1", "plain"])
    assert list(preview.counts.items()) == [("b", 2), ("a", 1), ("c", 1)]
    assert preview.unlabelled == 1 and preview.labelled == 4


def test_token_rules_offer_each_span_and_part():
    assert token_rules(["0_jackson_12", "1_theo_3"]) == [
        NameRule.leading(1), NameRule.leading(2), NameRule.part(1), NameRule.part(2)]
    assert token_rules(["bark"]) == []


@pytest.mark.parametrize("text, rule", [
    ("auto", None), ("prefix", PREFIX_RULE), ("none", NO_NAME_RULE),
    ("token:2", NameRule.part(1)), ("tokens:2", NameRule.leading(2)),
    ("regex:^(\\d+)_", NameRule.regex("^(\\d+)_")), ("regex:a:b", NameRule.regex("a:b")),
])
def test_parse_name_rule(text, rule):
    assert parse_name_rule(text) == rule


@pytest.mark.parametrize("text", ["token:0", "tokens:x", "middle", "regex:(", "token"])
def test_parse_name_rule_refuses_nonsense(text):
    with pytest.raises(EarmarkError):
        parse_name_rule(text)


def test_inference_is_quick_on_a_big_folder():
    import time

    stems = fsdd_stems(takes=500)  # 20,000 names
    started = time.perf_counter()
    assert infer_name_rule(stems) == NameRule.leading(1)
    assert time.perf_counter() - started < 2.0


# ---------------------------------------------------------------- the project's rule


def write_clips(root, stems):
    for stem in stems:
        audio_factory.write(root / f"{stem}.wav", audio_factory.tone(440, 0.05))
    return root


@pytest.fixture
def flat_fsdd(tmp_path):
    """3 digits x 2 speakers x 2 takes directly in the folder, a class folder and a loose file."""
    root = write_clips(tmp_path / "fsdd", fsdd_stems(3, ("jackson", "theo"), 2) + ["loose"])
    write_clips(root / "noise", ["hiss"])
    return root


def labels(project):
    return {c.path: (c.label, c.label_source) for c in project.clips(include_missing=True)}


def test_first_scan_reads_flat_fsdd_names_as_digits_and_keeps_the_rule(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        assert project.name_rule() == PREFIX_RULE  # before any scan: no names to judge
        summary = project.scan()
        assert labels(project)["2_theo_1.wav"] == ("2", "filename")
        assert labels(project)["noise/hiss.wav"] == ("noise", "folder")
        assert labels(project)["loose.wav"] == (None, None)
        assert sorted(c.name for c in project.classes()) == ["0", "1", "2", "noise"]
        assert summary.labels_imported == 13
        assert project._get_meta("name_rule") == NameRule.leading(1).to_json()
        assert project.root_stems() == sorted(fsdd_stems(3, ("jackson", "theo"), 2) + ["loose"])


def test_a_night_of_recorder_files_opens_unlabelled(tmp_path):
    """An AudioMoth's files, named by date and time: the first scan reads no class from them."""
    root = write_clips(tmp_path / "night", ["20260601_220000", "20260601_230000",
                                            "20260602_000000", "20260602_010000"])
    with Project.open(root) as project:
        summary = project.scan()
        assert summary.labels_imported == 0 and project.classes() == []
        assert set(labels(project).values()) == {(None, None)}
        assert project._get_meta("name_rule") == NO_NAME_RULE.to_json()


def test_later_scans_use_the_kept_rule_for_new_files(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        project.scan()
    # Enough new names to make another rule fit, were the rule found again.
    write_clips(flat_fsdd, ["1_zed_7", "9_zed_1"] + [f"x_{i}" for i in range(40)])
    with Project.open(flat_fsdd) as project:
        project.scan()
        found = labels(project)
        assert project.name_rule() == NameRule.leading(1)
    assert found["1_zed_7.wav"] == ("1", "filename")
    assert found["9_zed_1.wav"] == (None, None)  # names no class the project has
    assert found["x_3.wav"] == (None, None)


def test_a_store_imported_before_rules_were_kept_reports_the_prefix_rule(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        project.scan()
        with project._write() as conn:
            conn.execute("DELETE FROM meta WHERE key = 'name_rule'")
        assert project.name_rule() == PREFIX_RULE
        with project._write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('name_rule', 'garbage{')")
        assert project.name_rule() == PREFIX_RULE


def test_apply_another_rule_relabels_only_file_name_labels_and_undo_restores_all(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        project.scan()
        by = {c.path: c.id for c in project.clips()}
        project.set_labels([by["0_jackson_0.wav"]], "person")
        project.set_labels([by["loose.wav"]], "0")
        project.set_class_colour("1", "#123456")
        before_labels, before_classes = labels(project), project.classes()

        state = project.apply_name_rule(NameRule.part(1))
        after = labels(project)
        assert after["0_jackson_1.wav"] == ("jackson", "filename")
        assert after["2_theo_0.wav"] == ("theo", "filename")
        assert after["0_jackson_0.wav"] == ("person", "manual")  # a person's label stays
        assert after["noise/hiss.wav"] == ("noise", "folder")
        assert after["loose.wav"] == ("0", "manual")
        # "1" and "2" held only file-name labels: gone; "0" still labels a clip: kept.
        assert sorted(c.name for c in project.classes()) == [
            "0", "jackson", "noise", "person", "theo"]
        assert project.name_rule() == NameRule.part(1)
        assert state.rule == NameRule.leading(1) and state.labels_changed
        assert len(state.classes.labels) == 11
        history = project.label_history(by["2_theo_0.wav"])
        assert (history[-1].old_label, history[-1].new_label, history[-1].action) == (
            "2", "theo", "name_rule")

        project.restore_name_rule(state)
        assert labels(project) == before_labels
        assert project.classes() == before_classes
        assert project.name_rule() == NameRule.leading(1)


def test_no_file_name_labels_clears_them_and_a_rule_labels_unlabelled_clips(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        project.scan()
        scanned = labels(project)
        cleared = project.apply_name_rule(NO_NAME_RULE)
        assert {c.label for c in project.clips() if "/" not in c.path} == {None}
        assert [c.name for c in project.classes()] == ["noise"]
        assert project.name_rule() == NO_NAME_RULE
        jackson = NameRule.regex(r"^(?P<label>\d)_jackson")
        by_regex = project.apply_name_rule(jackson)
        assert {c.label for c in project.clips() if "theo" in c.path} == {None}
        assert {c.label for c in project.clips() if "jackson" in c.path} == {"0", "1", "2"}
        assert not project.apply_name_rule(jackson).labels_changed
        for state in (by_regex, cleared):  # undone as a stack undoes them
            project.restore_name_rule(state)
        assert labels(project) == scanned
        assert project.name_rule() == NameRule.leading(1)


def test_undo_of_the_first_rule_kept_forgets_it(tmp_path):
    root = write_clips(tmp_path / "kaggle", ["cat_1", "cat_2", "dog_barking_1", "dog_barking_2"])
    with Project.open(root) as project:
        state = project.apply_name_rule(PREFIX_RULE)  # before any scan: nothing to relabel
        assert state.rule is None and not state.labels_changed
        project.restore_name_rule(state)
        assert project._get_meta("name_rule") is None


def test_restoring_is_one_transaction(flat_fsdd, monkeypatch):
    with Project.open(flat_fsdd) as project:
        project.scan()
        state = project.apply_name_rule(NameRule.part(1))
        after = labels(project)

        def fail(before):
            with project._write() as conn:
                conn.execute("DELETE FROM classes")
            raise ProjectError("disk full")

        monkeypatch.setattr(project, "restore_classes", fail)
        with pytest.raises(ProjectError, match="disk full"):
            project.restore_name_rule(state)
        assert project.name_rule() == NameRule.part(1)
        assert labels(project) == after and project.classes()


def test_a_new_rule_keeps_a_class_that_regions_still_carry(flat_fsdd):
    with Project.open(flat_fsdd) as project:
        project.scan()
        clip = next(c for c in project.clips() if c.path == "0_jackson_0.wav")
        project.add_region(clip.id, 0.0, 0.02, label="0")
        project.apply_name_rule(NO_NAME_RULE)  # every clip of class 0 loses its label
        assert "0" in {c.name for c in project.classes()}
        assert project.regions(clip.id)[0].label == "0"


@pytest.mark.parametrize("stem, began", [
    ("20260601_220000", (2026, 6, 1, 22, 0, 0)),  # AudioMoth
    ("S4A12345_20260601_221530", (2026, 6, 1, 22, 15, 30)),  # Song Meter
    ("2026-06-01 22-00-05", (2026, 6, 1, 22, 0, 5)),
    ("site2_20260601T235959", (2026, 6, 1, 23, 59, 59)),
    ("20260631_220000", None),  # no 31 June
    ("owl2_20261204-203000_1", None),  # Earmark's own take: a number after the time
    ("ARU01_20260601_220000_500-750ms", None),  # a clip cut from a recording
    ("cat_12", None),
])
def test_when_a_recording_began_is_read_from_a_recorders_name(stem, began):
    from datetime import datetime

    from core.store.name_rules import recorded_at

    assert recorded_at(stem) == (None if began is None else datetime(*began))
