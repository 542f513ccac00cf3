"""Model registry: seed-cnn is the seed's network layer for layer; the compact ones work for any
clip length."""

import pytest
import torch
from torch import nn

from core.ml.features import SEED_FEATURES, FeatureExtractor
from core.ml.networks import DEFAULT_MODEL, MODELS, CompactCNN, SeedCNN, build_model
from core.ml.training import TrainConfig


def test_seed_cnn_flatten_size_at_seed_settings():
    model = build_model("seed-cnn", 2, (SEED_FEATURES.n_freqs, SEED_FEATURES.n_frames))
    assert (SEED_FEATURES.n_freqs, SEED_FEATURES.n_frames) == (301, 267)
    assert model.flat_features == 16 * 20 * 18
    features = FeatureExtractor(SEED_FEATURES)(torch.zeros(3, SEED_FEATURES.n_samples))
    assert model(features).shape == (3, 2)


def test_seed_cnn_layers_match_the_seed_readme():
    model = SeedCNN(5, (301, 267))
    conv = [(type(m).__name__, getattr(m, "in_channels", None), getattr(m, "out_channels", None))
            for m in model.conv_layer]
    assert conv == [
        ("Conv2d", 1, 128), ("ReLU", None, None), ("MaxPool2d", None, None),
        ("Conv2d", 128, 64), ("ReLU", None, None), ("MaxPool2d", None, None),
        ("Conv2d", 64, 32), ("ReLU", None, None), ("MaxPool2d", None, None),
        ("BatchNorm2d", None, None),
        ("Conv2d", 32, 16), ("ReLU", None, None), ("MaxPool2d", None, None),
    ]
    for m in model.conv_layer:
        if isinstance(m, nn.Conv2d):
            assert (m.kernel_size, m.stride, m.padding) == ((3, 3), (1, 1), (2, 2))
        if isinstance(m, nn.MaxPool2d):
            assert (m.kernel_size, m.stride) == (2, 2)
    linear = [(type(m).__name__, getattr(m, "in_features", None), getattr(m, "out_features", None))
              for m in model.linear_relu_stack]
    assert linear == [
        ("Linear", 5760, 256), ("ReLU", None, None), ("Linear", 256, 64), ("ReLU", None, None),
        ("Linear", 64, 32), ("Linear", 32, 4), ("ReLU", None, None), ("Linear", 4, 5),
    ]
    assert isinstance(model.flatten, nn.Flatten)


def test_seed_cnn_other_shapes_from_dry_run():
    model = build_model("seed-cnn", 3, (64, 101))
    assert model(torch.zeros(2, 1, 64, 101)).shape == (2, 3)


@pytest.mark.parametrize("frames", [20, 101, 517])
def test_compact_any_clip_length(frames):
    model = CompactCNN(4).eval()
    assert model(torch.zeros(2, 1, 64, frames)).shape == (2, 4)


@pytest.mark.parametrize("frames", [20, 101, 517])
def test_compact_bands_any_clip_length_and_keeps_the_bands(frames):
    model = build_model("compact-bands", 4, (64, 101)).eval()
    assert model(torch.zeros(2, 1, 64, frames)).shape == (2, 4)
    # Pooled over time only: 128 channels x 8 bands, mean and max.
    assert model.classifier.in_features == 2 * 128 * 8
    # A sound in another band gives another embedding, wherever it is in time.
    low, high = torch.zeros(1, 1, 64, frames), torch.zeros(1, 1, 64, frames)
    start = 24 if frames >= 100 else 4  # clear of the left edge where there is room
    low[..., 4:8, start:start + 4], high[..., 50:54, start:start + 4] = 2.0, 2.0
    assert not torch.allclose(model(low), model(high))
    if frames >= 100:  # the same sound 32 frames later (a multiple of the pooling) scores the same
        assert torch.allclose(model(low), model(torch.roll(low, 32, dims=-1)), atol=1e-5)


def test_registry_names_and_unknown():
    assert {"seed-cnn", "compact", "compact-bands"} <= set(MODELS)
    assert DEFAULT_MODEL == TrainConfig().model == "compact-bands"
    with pytest.raises(ValueError, match="unknown model"):
        build_model("nope", 2, (64, 101))
