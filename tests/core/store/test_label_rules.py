"""core.audio.discovery (folder walk) and core.store.label_rules (label rules, labels.csv, scan_labels)."""

from __future__ import annotations

import os
import time

import pytest

from core.audio.discovery import iter_audio_files
from core.audio.reading import info
from core.errors import AudioError, EarmarkError
from core.store import label_rules
from core.store.label_rules import LabeledClip
from core.store.name_rules import PREFIX_RULE, NameRule, infer_name_rule


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")  # content does not matter to the walk
    return path


def _rel(root, paths):
    return [p.relative_to(root).as_posix() for p in paths]


def test_walk_sorted_recursive_skips_hidden_and_non_audio(tmp_path):
    for name in ["b/2.wav", "b/1.FLAC", "a.mp3", "c/d/e.ogg", "notes.txt", "labels.csv",
                 ".hidden.wav", ".git/x.wav", "b/.cache/y.wav", "z.Opus"]:
        _touch(tmp_path / name)
    assert _rel(tmp_path, iter_audio_files(tmp_path)) == [
        "a.mp3", "b/1.FLAC", "b/2.wav", "c/d/e.ogg", "z.Opus"]


def test_walk_ignores_folder_named_like_audio_and_lists_a_dangling_link(tmp_path):
    (tmp_path / "x.wav").mkdir()
    _touch(tmp_path / "x.wav" / "inner.wav")  # a real file inside is still found
    _touch(tmp_path / "real.wav")
    # A link named like audio whose file is gone is listed, for its reading to say why (it was
    # left out without a word); one to a folder that is gone is no audio.
    os.symlink(tmp_path / "gone.wav", tmp_path / "dangling.wav")
    os.symlink(tmp_path / "gone_dir", tmp_path / "dangling_dir")
    assert _rel(tmp_path, iter_audio_files(tmp_path)) == [
        "dangling.wav", "real.wav", "x.wav/inner.wav"]


def test_walk_survives_symlink_loop(tmp_path):
    _touch(tmp_path / "a" / "1.wav")
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a/loop -> root
    os.symlink(tmp_path / "a", tmp_path / "a" / "self")  # a/self -> a
    # Links named like audio in a loop of links are listed, as a dangling one is, for their
    # reading to say why (they were left out without a word); a looping one of no audio name
    # is not.
    os.symlink(tmp_path / "a" / "twin.wav", tmp_path / "a" / "round.wav")
    os.symlink(tmp_path / "a" / "round.wav", tmp_path / "a" / "twin.wav")
    os.symlink(tmp_path / "a" / "knot", tmp_path / "a" / "knot")
    found = _rel(tmp_path, iter_audio_files(tmp_path))
    assert found == ["a/1.wav", "a/round.wav", "a/twin.wav"]
    with pytest.raises(AudioError, match="round.wav: a link that leads back to itself"):
        info(tmp_path / "a" / "round.wav")


def test_walk_follows_link_to_outside_folder_once(tmp_path):
    outside = tmp_path / "outside"
    _touch(outside / "o.wav")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "linked")
    os.symlink(outside, root / "linked_again")
    assert _rel(root, iter_audio_files(root)) == ["linked/o.wav"]


def test_walk_names_a_folder_too_deep_to_name(tmp_path):
    """A recording 20 folders of 243 letters down (a path past PATH_MAX; Windows' 260
    characters come sooner) was passed over without a word; its folder is named now."""
    _touch(tmp_path / "near.wav")
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(20):  # made through folder handles: no path names it whole
            os.mkdir("d" * 243, dir_fd=fd)
            inner = os.open("d" * 243, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("deep.wav", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)
    said = []
    found = list(iter_audio_files(tmp_path, on_unlisted=lambda f, why: said.append(why)))
    assert found == [tmp_path / "near.wav"]
    assert said and all("too long" in why for why in said)


def test_walk_missing_root_yields_nothing(tmp_path):
    assert list(iter_audio_files(tmp_path / "nope")) == []


def test_walk_is_fast_on_many_files(tmp_path):
    for d in range(20):
        folder = tmp_path / f"class{d:02d}"
        folder.mkdir()
        for i in range(1000):
            (folder / f"clip_{i:04d}.wav").touch()
    start = time.perf_counter()
    n = sum(1 for _ in iter_audio_files(tmp_path))
    elapsed = time.perf_counter() - start
    assert n == 20000
    assert elapsed < 5.0, f"walk of 20,000 files took {elapsed:.1f} s"


@pytest.mark.parametrize("relative,expected", [
    ("dogs/bark1.wav", ("dogs", "folder")),
    ("animals/dogs/bark1.wav", ("dogs", "folder")),
    ("dogs/cat_12.wav", ("dogs", "folder")),  # folder wins over the file name
    ("cat_12.wav", ("cat", "filename")),
    ("dog_barking_3.wav", ("dog_barking", "filename")),
    ("bird-07.flac", ("bird", "filename")),
    ("recording.wav", (None, "none")),
    ("12.wav", (None, "none")),
    ("cat_12b.wav", (None, "none")),
    ("_5.wav", (None, "none")),
    ("2026-06-01/20260601_220000.wav", (None, "none")),  # a night's folder: when, not what
    ("site_a/20260601/0412.wav", (None, "none")),
    ("owls/20260601_220000.wav", ("owls", "folder")),
    ("2026/owl_1.wav", ("2026", "folder")),  # a year alone is no date
    # A deployment's folder per recorder: where, not what.
    ("ARU01/20260601_220000.wav", (None, "none")),
    ("deployment/S4A12345/S4A12345_20260601_220000.wav", (None, "none")),
    ("Moth3/2026-06-01 22-00-00.wav", (None, "none")),
    ("site2/20260601T220000.flac", (None, "none")),
    # Class folders: digits (FSDD), a class with a digit holding Earmark's own takes or clips.
    ("7/7_jackson_3.wav", ("7", "folder")),
    ("owl2/owl2_20261204-203000_1.wav", ("owl2", "folder")),
    ("owl2/ARU01_20260601_220000_500-750ms.wav", ("owl2", "folder")),
])
def test_label_from_path(tmp_path, relative, expected):
    assert label_rules.label_from_path(tmp_path, tmp_path / relative) == expected


def _write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_header_bom_quotes_commas_blank_lines(tmp_path):
    path = _write_csv(tmp_path / "labels.csv",
                      "path,label\r\n"
                      "a.wav,dog\r\n"
                      "\r\n"
                      '"b, with comma.wav",cat\r\n'
                      '"c ""quoted"".wav","bird, small"\r\n'
                      "./sub\\d.wav,frog\r\n"
                      "e.wav,\r\n"
                      "   \r\n",
                      encoding="utf-8-sig")
    assert label_rules.read_labels_file(path) == {
        "a.wav": "dog",
        "b, with comma.wav": "cat",
        'c "quoted".wav': "bird, small",
        "sub/d.wav": "frog",
    }


def test_csv_without_header_and_latin1(tmp_path):
    path = _write_csv(tmp_path / "labels.csv", "caf\u00e9.wav,ni\u00f1o\n", encoding="latin-1")
    assert label_rules.read_labels_file(path) == {"caf\u00e9.wav": "ni\u00f1o"}


def test_csv_saved_by_excel_on_windows_keeps_its_dashes_quotes_and_euro(tmp_path):
    """Excel's "CSV (Comma delimited)" writes code page 1252: read as latin-1, its dash, curly
    quotes and € became invisible control codes inside the labels."""
    text = "m\u00e9sange.wav,M\u00e9sange \u2013 \u201ccharbonni\u00e8re\u201d \u20ac\n"
    path = _write_csv(tmp_path / "labels.csv", text, encoding="cp1252")
    assert label_rules.read_labels_file(path) == {
        "m\u00e9sange.wav": "M\u00e9sange \u2013 \u201ccharbonni\u00e8re\u201d \u20ac"}
    # A byte code page 1252 leaves undefined (0x81) is read as latin-1 reads it, the rest of the
    # file still as 1252 (one such byte sent the whole file to latin-1).
    assert label_rules.decode_text(b"a\x81b \x96 \x80") == "a\x81b \u2013 \u20ac"


def test_csv_saved_by_a_spreadsheet_in_a_decimal_comma_locale_is_read(tmp_path):
    """Excel in French or German saves CSVs with ';' between cells: it was "expected
    'path,label'" on every row."""
    path = _write_csv(tmp_path / "labels.csv", "path;label\r\nrec1.wav;Wren\r\nsub/r.wav;"
                      "M\u00e9sange, juvenile\r\n", encoding="cp1252")
    assert label_rules.read_labels_file(path) == {"rec1.wav": "Wren",
                                                  "sub/r.wav": "M\u00e9sange, juvenile"}
    # Without a header, the first row's label holding a comma after the ';'.
    path = _write_csv(tmp_path / "labels.csv", "a.wav;Parus major, juvenile\r\nb.wav;Wren\r\n")
    assert label_rules.read_labels_file(path) == {"a.wav": "Parus major, juvenile",
                                                  "b.wav": "Wren"}
    # A comma CSV whose label holds a ';' stays one.
    path = _write_csv(tmp_path / "labels.csv", "a.wav,rain; heavy\r\n")
    assert label_rules.read_labels_file(path) == {"a.wav": "rain; heavy"}


def test_csv_utf8_non_ascii(tmp_path):
    path = _write_csv(tmp_path / "labels.csv", "Path,Label\n\u9ce5/\u58f0.wav,\u9ce5\n")
    assert label_rules.read_labels_file(path) == {"\u9ce5/\u58f0.wav": "\u9ce5"}


def test_csv_malformed_row_names_file_and_line(tmp_path):
    path = _write_csv(tmp_path / "labels.csv", "path,label\na.wav,dog\nonly_one_column\n")
    with pytest.raises(EarmarkError, match=r"labels\.csv, line 3"):
        label_rules.read_labels_file(path)
    path = _write_csv(tmp_path / "labels.csv", "a.wav,dog,extra\n")
    with pytest.raises(EarmarkError, match=r"line 1"):
        label_rules.read_labels_file(path)


def test_csv_with_many_bad_rows_lists_them_all_at_once(tmp_path):
    """It stopped at the first bad row, so a messy file took a run per row to mend (a Raven
    table's import lists every one); a quote never closed swallowed the rest of the file and
    was named far below where it opened. A quoted name holding a line break is still a name."""
    path = _write_csv(tmp_path / "labels.csv", 'path,label\na.wav,cat\nb.wav,dog,extra\nc.wav\n'
                                                ',cat\n"d.wav,cat\ne.wav,dog\n')
    with pytest.raises(EarmarkError) as caught:
        label_rules.read_labels_file(path)
    assert str(caught.value) == (
        "labels.csv: 4 rows cannot be read, so no label was imported:\n"
        "  line 3: expected 'path,label' but found 3 columns (quote names that contain commas)\n"
        "  line 4: expected 'path,label' but found 1 column\n"
        "  line 5: empty path\n"
        "  line 6: a quote opened there is never closed")
    text = 'path,label\na.wav,cat\n"d.wav,cat\ne.wav,dog\n'
    for ending in ("\n\n\n", "\r"):  # blank lines after it, or a classic Mac's line ends
        path = _write_csv(tmp_path / "more.csv", (text + ending).replace("\n", ending[0]))
        with pytest.raises(EarmarkError, match="^more.csv, line 3: a quote opened there is "
                                               "never closed$"):
            label_rules.read_labels_file(path)
    many = _write_csv(tmp_path / "many.csv", "".join(f"x{i}.wav\n" for i in range(25)))
    with pytest.raises(EarmarkError, match=r"(?s)25 rows cannot.*line 20: .*\n  and 5 more$"):
        label_rules.read_labels_file(many)
    named = _write_csv(tmp_path / "named.csv", 'path,label\n"two\nlines.wav",cat\nz.wav,dog\n')
    assert label_rules.read_labels_file(named) == {"two\nlines.wav": "cat", "z.wav": "dog"}


def test_csv_missing_raises_earmark_error(tmp_path):
    with pytest.raises(EarmarkError, match="not found"):
        label_rules.read_labels_file(tmp_path / "labels.csv")


def test_scan_labels_rule_order(tmp_path):
    for name in ["dogs/bark1.wav", "cat_12.wav", "mystery.wav", "unknown.wav", "sub/odd.wav"]:
        _touch(tmp_path / name)
    _write_csv(tmp_path / "labels.csv",
               "path,label\nmystery.wav,owl\ncat_12.wav,kitten\ndogs/bark1.wav,ignored\n")
    # A person's list before a rule guessed from names: the CSV was never read where file
    # names gave a class, without a word; a class folder still comes first.
    assert label_rules.scan_labels(tmp_path) == [
        LabeledClip(tmp_path / "cat_12.wav", "kitten", "csv"),
        LabeledClip(tmp_path / "dogs/bark1.wav", "dogs", "folder"),
        LabeledClip(tmp_path / "mystery.wav", "owl", "csv"),
        LabeledClip(tmp_path / "sub/odd.wav", "sub", "folder"),
        LabeledClip(tmp_path / "unknown.wav", None, "none"),
    ]


def test_scan_labels_without_csv(three_class_folder):
    clips = label_rules.scan_labels(three_class_folder)
    assert len(clips) == 72
    assert {c.label for c in clips} == {"tone", "chirp", "noise"}
    assert {c.source for c in clips} == {"folder"}


def _fsdd_names(takes=3):
    return [f"{d}_{s}_{n}.wav" for d in range(10) for s in ("jackson", "theo") for n in range(takes)]


def test_flat_fsdd_names_labelled_by_digit_with_the_rule_exposed(tmp_path):
    for name in _fsdd_names() + ["dogs/0_jackson_1.wav", "readme.txt", ".hidden_1.wav"]:
        _touch(tmp_path / name)
    rule = label_rules.FolderLabels(tmp_path)
    assert rule.label_of(tmp_path / "7_theo_2.wav") == ("7", "filename")
    assert rule.label_of(tmp_path / "dogs" / "0_jackson_1.wav") == ("dogs", "folder")
    assert rule.name_rule == NameRule.leading(1)
    clips = label_rules.scan_labels(tmp_path)
    assert {c.label for c in clips} == {str(d) for d in range(10)} | {"dogs"}


def test_name_rule_given_or_inferred_once_and_only_for_files_in_root(tmp_path, monkeypatch):
    for name in _fsdd_names():
        _touch(tmp_path / name)
    _touch(tmp_path / "sub" / "x.wav")
    assert label_rules.scan_labels(tmp_path, name_rule=NameRule.part(1))[0].label == "jackson"
    calls = []
    real = label_rules.infer_name_rule
    monkeypatch.setattr(label_rules, "infer_name_rule", lambda s: calls.append(s) or real(s))
    rule = label_rules.FolderLabels(tmp_path)
    rule.label_of(tmp_path / "sub" / "x.wav")
    assert calls == []
    rule.label_of(tmp_path / "0_theo_1.wav")
    rule.label_of(tmp_path / "1_theo_1.wav")
    assert len(calls) == 1 and len(calls[0]) == 60


def test_label_from_path_takes_a_name_rule(tmp_path):
    assert label_rules.label_from_path(tmp_path, tmp_path / "0_jackson_12.wav") == (
        "0_jackson", "filename")
    assert label_rules.label_from_path(tmp_path, tmp_path / "0_jackson_12.wav",
                                       NameRule.leading(1)) == ("0", "filename")


def test_a_test_files_class_is_the_one_its_folder_or_name_says():
    from core.store.label_rules import class_named_by

    classes = ("cat", "dog")
    assert class_named_by("/test/cat/x.wav", classes) == "cat"
    assert class_named_by("/test/cat_12.wav", classes) == "cat"  # the prefix rule
    assert class_named_by("/test/dog/cat_12.wav", classes) == "dog"  # the folder first
    assert class_named_by("/Downloads/bark.wav", classes) is None
    assert class_named_by("/test/bird/owl_3.wav", classes) is None
    # FSDD's names: the first part is the class, the part before the number the speaker's too.
    digits = ("0", "1", "7")
    assert class_named_by("/new/0_yweweler_3.wav", digits) == "0"
    assert class_named_by("/new/dog_barking_12.wav", ("dog_barking", "cat")) == "dog_barking"
    assert class_named_by("/new/other7_1.wav", digits) is None


def test_a_models_classes_choose_how_a_test_sets_names_are_read():
    from core.store.label_rules import rule_naming

    stems = [f"{d}_yweweler_{i}" for d in "012" for i in range(10)] + [f"other7_{i}" for i in range(5)]
    rule = rule_naming(stems, ("0", "1", "2"), first=infer_name_rule(stems))
    assert [rule.label_of(s) for s in ("2_yweweler_4", "other7_1")] == ["2", "other7"]
    assert rule_naming(["cat_1", "dog_2"], ("cat", "dog"), PREFIX_RULE) == PREFIX_RULE  # kept
    assert rule_naming(["rec_1", "rec_2"], ("cat", "dog")) is None


def test_named_answers_count_right_wrong_and_unanswered():
    from core.ml.metrics import named_answers

    score = named_answers([("cat", "cat"), ("cat", "dog"), (None, "dog"), ("dog", None)])
    assert (score.named, score.right, score.wrong, score.unanswered) == (3, 1, 1, 1)
