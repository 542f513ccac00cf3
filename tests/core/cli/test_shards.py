"""``--shard I/N`` on predict and detect: N shards answer every file exactly once, in blocks
whose outputs put end to end are the unsharded run's; bad values are one usage error; shard
outputs of detect never collide."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.commands import main
from core.cli.shards import Shard, parse_shard
from core.store.region_io import read_regions
from tests import audio_factory


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("n_items", [0, 1, 5, 6, 13])
def test_shards_cover_every_item_once_in_balanced_blocks(n_items, count):
    items = list(range(n_items))
    shards = [Shard(i, count).select(items) for i in range(count)]
    assert [x for shard in shards for x in shard] == items  # disjoint, complete, in order
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("text, reason", [
    ("4/4", "I must be 0..3 (shards are numbered from 0)"),
    ("-1/4", "I must be 0..3"),
    ("0/0", "N must be at least 1"),
    ("a/4", "is not I/N"), ("2", "is not I/N"), ("1/2/3", "is not I/N"), ("", "is not I/N"),
])
def test_a_bad_shard_is_a_usage_error_saying_why(untrained_model, tmp_path, capsys, text, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_shard(text)
    for command in ("predict", "detect"):
        with pytest.raises(SystemExit) as exit_:
            main([command, str(untrained_model), str(tmp_path), f"--shard={text}"])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        last = err.splitlines()[-1]  # after the usage lines
        assert last.startswith(f"main.py {command}: error: argument --shard: ") and reason in last


@pytest.fixture
def clips(tmp_path):
    """Seven short clips in two folders (and a file that is not audio, which is no clip)."""
    rng = np.random.default_rng(0)
    root = tmp_path / "clips"
    for i in range(7):
        kind = ("tone", "chirp", "noise")[i % 3]
        audio_factory.write(root / ("a" if i < 4 else "b") / f"{kind}_{i}.wav",
                            audio_factory.class_sample(kind, rng, 0.5))
    (root / "notes.txt").write_text("no audio")
    return root


def test_predict_shards_answer_every_file_once(untrained_model, clips, capsys):
    code, whole, _ = _run(capsys, "predict", untrained_model, clips)
    assert code == 0
    header, *rows = whole.splitlines()
    assert len(rows) == 7
    parts = []
    for i in range(3):
        code, out, err = _run(capsys, "predict", untrained_model, clips, "--shard", f"{i}/3")
        assert code == 0 and out.splitlines()[0] == header
        assert f"earmark: shard {i}/3: files " in err
        parts.append(out.splitlines()[1:])
    assert [len(p) for p in parts] == [3, 2, 2]
    assert [row for part in parts for row in part] == rows  # the same rows, in the same order

    code, out, err = _run(capsys, "predict", untrained_model, clips, "--shard", "7/8", "--format",
                          "json")
    assert (code, json.loads(out)) == (0, [])
    assert "earmark: shard 7/8: no files (of 7)" in err


def _events(text):
    return [tuple(r.values()) for r in csv.DictReader(io.StringIO(text))]


def test_detect_shards_write_their_own_files(untrained_model, clips, tmp_path, capsys):
    code, whole, _ = _run(capsys, "detect", untrained_model, clips, "--threshold", "0")
    assert code == 0
    out = tmp_path / "out" / "events.csv"
    found = []
    for i in range(2):
        code, stdout, err = _run(capsys, "detect", untrained_model, clips, "--threshold", "0",
                                 "--shard", f"{i}/2", "--out", out)
        assert code == 0 and stdout == ""
        written = tmp_path / "out" / f"events-shard{i}of2.csv"
        assert f"earmark: wrote {written}" in err
        found += _events(written.read_text())
    assert not out.exists()
    assert found == _events(whole)
    assert {e[0] for e in found} == {str(p) for p in clips.rglob("*.wav")}


def test_detect_shards_name_files_from_the_whole_list(untrained_model, tmp_path, capsys):
    """Raven paths and Audacity tracks are relative to the folder of every file, not of the
    shard's: a shard holding only b/ still writes b/x, and x.wav beside x.flac keep two tracks
    when they fall in different shards."""
    root = tmp_path / "rec"
    for name in ("a/x.wav", "a/x.flac", "b/x.wav"):
        audio_factory.write(root / name, audio_factory.noise(0.6, seed=len(name)))
    tracks = tmp_path / "tracks"
    for i in range(3):
        code, _, _ = _run(capsys, "detect", untrained_model, root, "--threshold", "0",
                          "--format", "audacity", "--out", tracks, "--shard", f"{i}/3")
        assert code == 0
        code, _, _ = _run(capsys, "detect", untrained_model, root, "--threshold", "0",
                          "--format", "raven", "--out", tmp_path / "table.txt", "--shard", f"{i}/3")
        assert code == 0
    assert sorted(p.relative_to(tracks).as_posix() for p in tracks.rglob("*.txt")) == [
        "a/x.flac.txt", "a/x.wav.txt", "b/x.txt"]
    tables = [read_regions(tmp_path / f"table-shard{i}of3.txt")[1] for i in range(3)]
    assert [sorted({Path(r.path).relative_to(root.resolve()).as_posix() for r in rows})
            for rows in tables] == [["a/x.flac"], ["a/x.wav"], ["b/x.wav"]]
