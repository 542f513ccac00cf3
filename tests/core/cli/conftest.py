"""Command-line fixtures: a model file that needs no training."""

import pytest

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import FeatureConfig
from core.ml.networks import DEFAULT_MODEL, build_model


@pytest.fixture
def untrained_model(tmp_path):
    """An untrained default model of chirp, noise and tone (1 s clips): its scores mean
    nothing, but they are the same every run."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    config = FeatureConfig(clip_seconds=1.0)
    classes = ["chirp", "noise", "tone"]
    model = build_model(DEFAULT_MODEL, len(classes), (config.n_freqs, config.n_frames))
    return save_checkpoint(Checkpoint(DEFAULT_MODEL, classes, config, model.state_dict()),
                           tmp_path / "untrained.pt")
