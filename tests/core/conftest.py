"""Core fixtures: the per-user data folder kept in each test's tmp_path, and one small trained
model shared by the tests that only need *a* model."""

import pytest

from core.ml.training import TrainConfig, train
from tests import audio_factory


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Keep the per-user data folder (stores of read-only folders, caches) in the test's tmp_path."""
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "userdata"))


@pytest.fixture(scope="session")
def class_folder(tmp_path_factory):
    return audio_factory.make_class_folder(tmp_path_factory.mktemp("classes") / "data", n_per_class=20)


@pytest.fixture(scope="session")
def trained(class_folder):
    """A compact model trained on tone/chirp/noise for a few epochs: (TrainResult, folder)."""
    clips = [(p, p.parent.name) for p in sorted(class_folder.rglob("*.wav"))]
    return train(clips, TrainConfig(epochs=8, patience_epochs=None, clip_seconds_requested=1.0))


@pytest.fixture(scope="session")
def model_file(trained, tmp_path_factory):
    from core.ml.checkpoint import save_checkpoint

    return save_checkpoint(trained.checkpoint, tmp_path_factory.mktemp("model") / "model.pt")
