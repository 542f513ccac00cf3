"""Feature settings and extraction: waveforms in, the (1, n_freqs, n_frames) images a model sees out.

Also the training-time augmentation, applied to cached feature tensors so audio is decoded once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
import torchaudio

# Clip length chosen from the training clips when the config says "auto".
AUTO_CLIP_PERCENTILE = 95.0
AUTO_CLIP_MIN_S = 0.5
AUTO_CLIP_MAX_S = 10.0


@dataclass(frozen=True)
class FeatureConfig:
    """How audio becomes a feature image. Stored in every checkpoint so prediction matches training."""

    sample_rate_hz: int = 16000
    # Clips are padded with zeros or trimmed to this length (the seed's rule).
    clip_seconds: float = 1.0
    # "logmel": log-scaled mel bands, per-clip standardised (robust to recording gain);
    # "spectrogram": torchaudio's plain power Spectrogram, as the seed used it.
    kind: str = "logmel"
    n_fft: int = 512
    # 10 ms hop: speech and most animal sounds change on that scale. None = n_fft // 2.
    hop_length: int | None = 160
    n_mels: int = 64
    f_min_hz: float = 20.0
    f_max_hz: float | None = None
    # Augmentation, applied only while training. SpecAugment-style masks plus a random time shift.
    augment_probability: float = 1.0
    time_masks: int = 2
    time_mask_frames: int = 12
    freq_masks: int = 2
    freq_mask_bins: int = 8
    time_shift_fraction: float = 0.15

    @property
    def n_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate_hz))

    @property
    def hop_samples(self) -> int:
        return self.hop_length if self.hop_length is not None else self.n_fft // 2

    @property
    def n_freqs(self) -> int:
        return self.n_mels if self.kind == "logmel" else self.n_fft // 2 + 1

    @property
    def n_frames(self) -> int:
        # torch.stft with center=True gives 1 + n_samples // hop frames.
        return 1 + self.n_samples // self.hop_samples

    def with_clip_seconds(self, clip_seconds: float) -> FeatureConfig:
        return dataclasses.replace(self, clip_seconds=float(clip_seconds))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# The seed README's settings: 5 s at 16 kHz, Spectrogram(n_fft=600) with its default hop (300),
# TimeMasking applied with probability 0.25. The README does not give the mask width; 30 frames
# (about 0.56 s) is ours.
SEED_FEATURES = FeatureConfig(
    sample_rate_hz=16000, clip_seconds=5.0, kind="spectrogram", n_fft=600, hop_length=None,
    augment_probability=0.25, time_masks=1, time_mask_frames=30, freq_masks=0, freq_mask_bins=0,
    time_shift_fraction=0.0,
)
DEFAULT_FEATURES = FeatureConfig()
PRESETS: dict[str, FeatureConfig] = {"default": DEFAULT_FEATURES, "seed": SEED_FEATURES}


def preset(name: str) -> FeatureConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown feature preset {name!r}; known: {', '.join(PRESETS)}") from None


def auto_clip_seconds(durations_s) -> float:
    """The clip length for "auto": the 95th percentile of the durations, clamped to 0.5..10 s."""
    durations = np.asarray([d for d in durations_s if d and np.isfinite(d)], dtype=np.float64)
    if durations.size == 0:
        return DEFAULT_FEATURES.clip_seconds
    value = float(np.percentile(durations, AUTO_CLIP_PERCENTILE))
    # Round up to 10 ms so the stored value reads well.
    value = float(np.ceil(value * 100) / 100)
    return float(min(max(value, AUTO_CLIP_MIN_S), AUTO_CLIP_MAX_S))


class FeatureExtractor(torch.nn.Module):
    """Waveforms ``(batch, n_samples)`` at ``config.sample_rate_hz`` -> ``(batch, 1, n_freqs, n_frames)``."""

    def __init__(self, config: FeatureConfig) -> None:
        super().__init__()
        self.config = config
        if config.kind == "logmel":
            self.transform = torchaudio.transforms.MelSpectrogram(
                sample_rate=config.sample_rate_hz, n_fft=config.n_fft,
                hop_length=config.hop_samples, n_mels=config.n_mels, f_min=config.f_min_hz,
                f_max=config.f_max_hz, power=2.0, norm="slaney", mel_scale="slaney",
            )
        elif config.kind == "spectrogram":
            self.transform = torchaudio.transforms.Spectrogram(
                n_fft=config.n_fft, hop_length=config.hop_length,
            )
        else:
            raise ValueError(f"unknown feature kind {config.kind!r}")

    @torch.no_grad()
    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        features = self.transform(waveforms.float())
        if self.config.kind == "logmel":
            features = torch.log(features + 1e-6)
            mean = features.mean(dim=(-2, -1), keepdim=True)
            std = features.std(dim=(-2, -1), keepdim=True)
            features = (features - mean) / (std + 1e-5)
        return features.unsqueeze(1)

    def numpy(self, samples: np.ndarray) -> np.ndarray:
        """One clip (n_samples,) -> (n_freqs, n_frames) float32, for display."""
        return self(torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None])[0, 0].numpy()


def augment(features: torch.Tensor, config: FeatureConfig, generator: torch.Generator) -> torch.Tensor:
    """Random time shift and SpecAugment masks on a batch ``(batch, 1, n_freqs, n_frames)``.

    Each clip is augmented with ``config.augment_probability``; the input is not modified.
    Masks fill a standardised log-mel clip with its mean (so it keeps its statistics) and a plain
    spectrogram with zeros, as torchaudio's TimeMasking does for the seed.
    """
    batch, _, n_freqs, n_frames = features.shape
    out = features.clone()
    chosen = torch.rand(batch, generator=generator) < config.augment_probability
    if config.kind == "logmel":
        fill = out.mean(dim=(1, 2, 3))
    else:
        fill = torch.zeros(batch, dtype=out.dtype)
    max_shift = int(config.time_shift_fraction * n_frames)
    for i in torch.nonzero(chosen).flatten().tolist():
        if max_shift > 0:
            shift = int(torch.randint(-max_shift, max_shift + 1, (1,), generator=generator))
            if shift:
                out[i] = torch.roll(out[i], shifts=shift, dims=-1)
                if shift > 0:
                    out[i, :, :, :shift] = fill[i]
                else:
                    out[i, :, :, shift:] = fill[i]
        for _ in range(config.time_masks):
            _mask(out[i], -1, config.time_mask_frames, n_frames, fill[i], generator)
        for _ in range(config.freq_masks):
            _mask(out[i], -2, config.freq_mask_bins, n_freqs, fill[i], generator)
    return out


def _mask(clip: torch.Tensor, dim: int, max_width: int, size: int, value, generator) -> None:
    if max_width <= 0 or size <= 1:
        return
    width = int(torch.randint(0, min(max_width, size - 1) + 1, (1,), generator=generator))
    if width == 0:
        return
    start = int(torch.randint(0, size - width + 1, (1,), generator=generator))
    clip.narrow(dim, start, width).fill_(value)
