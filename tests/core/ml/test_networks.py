"""Model registry: seed-cnn is the seed's network layer for layer; the compact ones work for any
clip length."""

import pytest
import torch
from torch import nn

from core.ml.features import SEED_FEATURES, FeatureExtractor
from core.ml.networks import DEFAULT_MODEL, MODELS, CompactCNN, SeedCNN, build_model, fold_batch_norm
from core.ml.training import TrainConfig


def test_seed_cnn_flatten_size_at_seed_settings():
    features = FeatureExtractor(SEED_FEATURES)(torch.zeros(3, SEED_FEATURES.n_samples))
    # The seed's 5 s at 16 kHz, n_fft=600: 301 frequency bins x 267 frames.
    assert tuple(features.shape) == (3, 1, 301, 267)
    model = build_model("seed-cnn", 2, tuple(features.shape[-2:]))
    assert model.flat_features == 16 * 20 * 18
    assert model(features).shape == (3, 2)


# The seed README's network, worked through by hand for one 301 x 267 spectrogram: a 3x3 conv
# with padding 2 grows each side by 2, a 2x2 max pool halves it (rounding down).
SEED_README_SHAPES = [
    ("Conv2d", (128, 303, 269)), ("ReLU", (128, 303, 269)), ("MaxPool2d", (128, 151, 134)),
    ("Conv2d", (64, 153, 136)), ("ReLU", (64, 153, 136)), ("MaxPool2d", (64, 76, 68)),
    ("Conv2d", (32, 78, 70)), ("ReLU", (32, 78, 70)), ("MaxPool2d", (32, 39, 35)),
    ("BatchNorm2d", (32, 39, 35)),
    ("Conv2d", (16, 41, 37)), ("ReLU", (16, 41, 37)), ("MaxPool2d", (16, 20, 18)),
    ("Flatten", (5760,)),
    ("Linear", (256,)), ("ReLU", (256,)), ("Linear", (64,)), ("ReLU", (64,)),
    ("Linear", (32,)), ("Linear", (4,)), ("ReLU", (4,)), ("Linear", (5,)),
]
SEED_README_PARAMETERS = (
    (1 * 9 + 1) * 128 + (128 * 9 + 1) * 64 + (64 * 9 + 1) * 32 + 2 * 32 + (32 * 9 + 1) * 16
    + (5760 + 1) * 256 + (256 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * 4 + (4 + 1) * 5
)


def test_seed_cnn_layers_match_the_seed_readme():
    model = SeedCNN(5, (301, 267)).eval()
    seen = []
    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(
                lambda m, _inputs, out: seen.append((type(m).__name__, tuple(out.shape[1:]))))
    with torch.no_grad():
        out = model(torch.randn(2, 1, 301, 267))
    assert seen == SEED_README_SHAPES  # every layer, in order, with the shape it gives
    assert out.shape == (2, 5)
    assert sum(p.numel() for p in model.parameters()) == SEED_README_PARAMETERS == 1_591_725
    for m in model.conv_layer:  # padding 2 with a 5x5 kernel would give the same shapes
        if isinstance(m, nn.Conv2d):
            assert (m.kernel_size, m.stride, m.padding) == ((3, 3), (1, 1), (2, 2))
        if isinstance(m, nn.MaxPool2d):
            assert (m.kernel_size, m.stride) == (2, 2)


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


def test_registry_builds_every_model_and_training_uses_the_default():
    # The names checkpoints carry: each must still build, for any class count.
    assert {"seed-cnn", "compact", "compact-bands"} <= set(MODELS)
    for name in MODELS:
        model = build_model(name, 3, (64, 101)).eval()
        assert model(torch.zeros(2, 1, 64, 101)).shape == (2, 3), name
    assert TrainConfig().model == DEFAULT_MODEL  # what a run builds unless told otherwise
    default = build_model(DEFAULT_MODEL, 4, (64, 101))
    # The default keeps the frequency bands apart: its head sees 128 channels x 8 bands, twice.
    assert isinstance(default, CompactCNN) and default.classifier.in_features == 2 * 128 * 8
    with pytest.raises(ValueError, match="unknown model"):
        build_model("nope", 2, (64, 101))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_folding_batch_norm_keeps_the_outputs(name):
    torch.manual_seed(0)
    model = build_model(name, 3, (64, 101))
    for module in model.modules():  # statistics as training leaves them, not the initial 0 and 1
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
            module.weight.data.uniform_(0.5, 1.5)
    x = torch.randn(4, 1, 64, 101)
    with torch.no_grad():
        expected = model.eval()(x)
        folded = fold_batch_norm(model)
        got = folded(x)
    if name != "seed-cnn":  # whose one BatchNorm follows a pooling, not a convolution: kept
        assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert not folded.training
    assert torch.allclose(got, expected, atol=1e-4, rtol=1e-4)
