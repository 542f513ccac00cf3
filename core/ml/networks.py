"""The model registry: networks by name, each built from (n_classes, input shape).

``seed-cnn`` is the seed README's network layer for layer; ``compact-bands`` is the default and
``compact`` its predecessor, kept so models trained with it still load.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class SeedCNN(nn.Module):
    """The seed README's CNN, unchanged but for the last layer, sized to ``n_classes``.

    The first linear layer's input is computed from a dry run on ``input_shape``; at the seed's
    settings (301 frequency bins x 267 frames) it is exactly 16 * 20 * 18.
    """

    head_name = "linear_relu_stack.6"

    def __init__(self, n_classes: int, input_shape: tuple[int, int]) -> None:
        super().__init__()
        self.conv_layer = nn.Sequential(
            nn.Conv2d(1, 128, kernel_size=3, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(128, 64, kernel_size=3, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(64, 32, kernel_size=3, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.BatchNorm2d(32),
            nn.Conv2d(32, 16, kernel_size=3, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self.flatten = nn.Flatten()
        self.flat_features = _dry_run_size(self.conv_layer, input_shape)
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(self.flat_features, 256),
            nn.ReLU(),
            nn.Linear(256, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.Linear(32, 4),
            nn.ReLU(),
            nn.Linear(4, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_relu_stack(self.flatten(self.conv_layer(x)))


def _dry_run_size(layers: nn.Module, input_shape: tuple[int, int]) -> int:
    return int(torch.Size(_dry_run_shape(layers, input_shape)).numel())


def _dry_run_shape(layers: nn.Module, input_shape: tuple[int, int]) -> tuple[int, ...]:
    was_training = layers.training
    layers.eval()
    try:
        with torch.no_grad():
            return tuple(layers(torch.zeros(1, 1, *input_shape)).shape)
    finally:
        layers.train(was_training)


class CompactCNN(nn.Module):
    """Small CNN for any clip length: conv blocks with BatchNorm, then average+max pooling.

    Widths stay small because it trains on two CPU cores while the person keeps working. Pooling
    over all of time makes it independent of the number of frames. ``pool_frequency=False``
    (``compact-bands``) keeps the frequency bands apart, so the head knows where in the spectrum a
    sound was (a formant, a call's pitch); True (``compact``) pools them too.
    """

    head_name = "classifier"

    def __init__(self, n_classes: int, input_shape: tuple[int, int] | None = None,
                 widths: tuple[int, ...] = (16, 32, 64, 128), dropout: float = 0.3,
                 pool_frequency: bool = True) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        in_channels = 1
        for i, width in enumerate(widths):
            blocks += [
                nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            if i < len(widths) - 1:
                blocks.append(nn.MaxPool2d(2))
            in_channels = width
        self.features = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(dropout)
        self.pool_frequency = pool_frequency
        n_bands = 1 if pool_frequency else _dry_run_shape(self.features, input_shape)[2]
        self.classifier = nn.Linear(2 * in_channels * n_bands, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        dims = (2, 3) if self.pool_frequency else (3,)
        pooled = torch.cat([x.mean(dim=dims).flatten(1), x.amax(dim=dims).flatten(1)], dim=1)
        return self.classifier(self.dropout(pooled))


class SpeechHead(nn.Module):
    """A head on Google's speech embedding (features kind "speech": 96 numbers every 80 ms, the
    rows of its image): a convolution over three frames of the whole embedding (a 2-D one as
    tall as the image, so its output is a feature map as the other networks' are, which the
    unknown answer measures), then the mean and the maximum over time, then the classes. The
    embedding does the hearing; this learns the words."""

    head_name = "classifier"

    def __init__(self, n_classes: int, input_shape: tuple[int, int], width: int = 128,
                 dropout: float = 0.3) -> None:
        super().__init__()
        n_dims = int(input_shape[0])
        self.scale = nn.BatchNorm1d(n_dims)  # each embedding number's scale, learnt
        self.features = nn.Sequential(
            nn.Conv2d(1, width, kernel_size=(n_dims, 3), padding=(0, 1), bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.scale(x.flatten(1, 2)).unsqueeze(1)  # (batch, 1, dims, frames)
        x = self.features(x)  # (batch, width, 1, frames)
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.classifier(self.dropout(pooled))


MODELS: dict[str, Callable[[int, tuple[int, int]], nn.Module]] = {
    "compact": lambda n_classes, input_shape: CompactCNN(n_classes, input_shape),
    "compact-bands": lambda n_classes, input_shape: CompactCNN(n_classes, input_shape,
                                                              pool_frequency=False),
    "seed-cnn": lambda n_classes, input_shape: SeedCNN(n_classes, input_shape),
    "speech": lambda n_classes, input_shape: SpeechHead(n_classes, input_shape),
}
# On FSDD's held-out speakers, keeping the bands beat pooling them away by 4-6 points.
DEFAULT_MODEL = "compact-bands"
#: What each model is for, in a few words (the settings dialog and `train --help` say them).
MODEL_NOTES = {
    "compact-bands": "any sound: a small CNN learnt from your clips, with a speech model trained "
                     "beside it at the clips' own length (FSDD, a speaker held out: 0.98 "
                     "against 0.91 alone)",
    "compact": "the same CNN with its frequency bands pooled away (the earlier default)",
    "seed-cnn": "the network Earmark grew from, with its recipe",
    "speech": "spoken words: a head on Google's speech embedding, the default network beside "
              "it; the head answers alone at a fixed clip length longer than the words",
}


def fold_batch_norm(model: nn.Module) -> nn.Module:
    """``model`` in eval mode with each BatchNorm2d that follows a Conv2d in a Sequential folded
    into that convolution (the norm left as an Identity): the same outputs to about 1e-7, a
    quarter less time per pass on a 2-core CPU. Changes ``model`` in place and returns it."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    model.eval()
    for module in model.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, norm = module._modules[first], module._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                module._modules[first] = fuse_conv_bn_eval(conv, norm)
                module._modules[second] = nn.Identity()
    return model


def build_model(name: str, n_classes: int, input_shape: tuple[int, int]) -> nn.Module:
    """A fresh model by registry name; ``input_shape`` is (n_freqs, n_frames)."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None
    return factory(n_classes, tuple(input_shape))
