"""train on the command line reads and fills the feature cache: beside the folder's store, or in
the per-user store place of a folder that has none, so a retrain decodes only the new clips."""

import json

from core.cli.commands import main
from core.ml.feature_cache import feature_cache_dir
from core.store.project import default_store_dir, existing_store_dir
from tests import audio_factory


def _train(capsys, data, out, *more):
    code = main(["train", str(data), "--epochs", "1", "--clip-seconds", "1", "--json",
                 "--out", str(out), *map(str, more)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out), captured.err


def test_a_retrain_decodes_only_the_clip_added_since(tmp_path, capsys):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=6, kinds=("tone", "noise"))
    first, err = _train(capsys, data, tmp_path / "a.pt")
    cache = feature_cache_dir(default_store_dir(data))
    assert first["feature_cache"] == str(cache) and first["n_decoded"] == 12
    assert f"feature cache in {cache}" in err
    assert existing_store_dir(data) is None  # a cache makes no store: labels still from folders
    audio_factory.write(data / "tone" / "tone_new.wav", audio_factory.tone(900))
    second, _ = _train(capsys, data, tmp_path / "b.pt")
    assert second["n_decoded"] == 1


def test_no_cache_decodes_everything_and_writes_nothing(tmp_path, capsys):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=5, kinds=("tone", "noise"))
    _train(capsys, data, tmp_path / "a.pt")
    again, err = _train(capsys, data, tmp_path / "b.pt", "--no-cache")
    assert again["n_decoded"] == 10 and again["feature_cache"] is None
    assert "feature cache" not in err


def test_a_cache_place_that_cannot_be_written_trains_in_memory(tmp_path, capsys, monkeypatch):
    data = audio_factory.make_class_folder(tmp_path / "data", n_per_class=5, kinds=("tone", "noise"))
    blocked = tmp_path / "a file"  # a folder cannot be made under it, whoever runs the test
    blocked.write_text("")
    monkeypatch.setenv("EARMARK_DATA_DIR", str(blocked))
    result, err = _train(capsys, data, tmp_path / "a.pt")
    assert result["n_decoded"] == 10 and result["feature_cache"] is None
    assert "feature cache cannot be written" in err and "decoding every clip in memory" in err
