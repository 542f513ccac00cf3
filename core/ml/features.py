"""Feature settings and extraction: waveforms in, the (1, n_freqs, n_frames) images a model sees out.

Also the training-time augmentation, applied to cached feature tensors so audio is decoded once.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch
import torchaudio

from core.audio import reading as audio
from core.ml import speech_embedding

# Clip length chosen from the training clips when the config says "auto": long enough for nearly
# every clip, with room for slower or longer instances than those seen (on FSDD, the 95th
# percentile of three speakers cut 39% of the fourth, slower speaker's digits).
AUTO_CLIP_PERCENTILE = 99.0
AUTO_CLIP_MARGIN = 1.25
# A class whose median clip is this many times longer than the shortest class's (or than
# MIN_CLIP_S, when that is longer) holds recordings, not events: a "background" or "other" class
# of minutes-long files beside one-second words. Its clips do not set the clip length (10 s, that
# left a spoken digit a few frames of a padded image); the model hears them through windows.
LONG_CLASS_FACTOR = 4.0
# The one range of clip lengths, for "auto" and for a length a person asks for (command line,
# settings dialog): the config refuses others. Below 0.5 s only padding is gained; above 10 s the
# decoded clips kept for all epochs pass 640 KB each (640 MB per 1,000 clips) and the frame
# cap (max_frames) stretches a frame past 40 ms.
MIN_CLIP_S = 0.5
MAX_CLIP_S = 10.0
# Top band edge for "auto": the Nyquist frequency of the recordings' own sample rate, when at least
# this share of them is sampled that low. An 8 kHz recording has nothing above 4 kHz; resampled to
# 16 kHz, its top bands hold only the resampler's leakage: a quarter of the mel bands carry no
# sound. On FSDD's held-out speakers (two seeds) cutting them raised the mean accuracy from 0.881
# to 0.887 (nicolas 0.787 -> 0.824, theo +0.019; jackson and yweweler -0.017 each). Never below
# AUTO_F_MAX_MIN_HZ, so the bands stay wider than an FFT bin.
AUTO_F_MAX_SHARE = 0.1
AUTO_F_MAX_MIN_HZ = 4000.0


@dataclass(frozen=True)
class FeatureConfig:
    """How audio becomes a feature image. Stored in every checkpoint so prediction matches training."""

    sample_rate_hz: int = 16000
    # Clips are padded with zeros or trimmed to this length (the seed's rule).
    clip_seconds: float = 1.0
    # "logmel": log-scaled mel bands, normalised as `normalize` says (robust to recording gain);
    # "spectrogram": torchaudio's plain power Spectrogram, as the seed used it; "speech": Google's
    # speech embedding (core.ml.speech_embedding), 96 numbers every 80 ms, at 16 kHz only.
    kind: str = "logmel"
    n_fft: int = 512
    # 10 ms hop: speech and most animal sounds change on that scale. None = n_fft // 2.
    hop_length: int | None = 160
    # Long clips get a longer hop so a clip is at most this many frames: a 5 s clip is seen at
    # 20 ms, which keeps training time proportional to the sound, not to the padding. None: no cap.
    max_frames: int | None = 256
    n_mels: int = 64
    f_min_hz: float = 20.0
    f_max_hz: float | None = None  # None: half the sample rate
    # Augmentation, applied only while training. SpecAugment-style masks plus a random time shift.
    augment_probability: float = 1.0
    time_masks: int = 2
    time_mask_frames: int = 12
    freq_masks: int = 2
    freq_mask_bins: int = 8
    time_shift_fraction: float = 0.15
    # Random stretch of the time axis and of the frequency axis (anchored at the lowest band), as a
    # fraction: the latter imitates another speaker's or animal's size (vocal-tract length).
    time_stretch: float = 0.1
    freq_warp: float = 0.1
    # Random smooth gain curve over frequency (tilt and one bump), in feature units (20 dB for
    # "peak"; a standard deviation for "clip"): imitates another microphone's colouring.
    eq_gain: float = 0.5
    # "peak": levels in dB below the clip's loudest cell, floored at -floor_db and scaled to
    # -2..2. Gain-independent, and silence and padding sit on the same floor in every recording
    # whatever its own noise floor, loudness or length. "clip" (models before it): the natural log,
    # standardised per clip; its statistics shifted with the share of padding and the noise floor,
    # which cost 6 points of held-out-speaker accuracy on FSDD.
    normalize: str = "peak"
    floor_db: float = 80.0
    # Training only ("peak"): raise that floor by a random 0..random_floor_db dB per clip, as if it
    # had been recorded with more background noise (a noisier microphone or room).
    random_floor_db: float = 40.0
    # Prediction ("peak" log-mel only): score each clip in a few views, its noise floor raised and
    # its frequency or time axis slightly scaled (PREDICTION_VIEWS), and average the probabilities.
    prediction_views: bool = True
    # The channel heard (from 0) in training and prediction, where a file has it; None, and in a
    # mono file or one without it, the mix (the mean of its channels).
    channel: int | None = None

    def __post_init__(self) -> None:
        problem = _config_problem(self)
        if problem:
            raise ValueError(f"feature settings: {problem}")

    @property
    def n_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate_hz))

    @property
    def hop_samples(self) -> int:
        if self.kind == "speech":
            return speech_embedding.HOP_SAMPLES  # its embeddings come so far apart, whatever asked
        hop = self.hop_length if self.hop_length is not None else self.n_fft // 2
        if self.max_frames:
            hop = max(hop, -(-self.n_samples // (self.max_frames - 1)))
        return hop

    @property
    def n_freqs(self) -> int:
        if self.kind == "speech":
            return speech_embedding.EMBEDDING_SIZE  # the rows of its image: the embedding's
        return self.n_mels if self.kind == "logmel" else self.n_fft // 2 + 1

    @property
    def n_frames(self) -> int:
        if self.kind == "speech":
            return speech_embedding.n_frames(self.n_samples)
        # torch.stft with center=True gives 1 + n_samples // hop frames.
        return 1 + self.n_samples // self.hop_samples

    def read(self, path, offset_s: float = 0.0, duration_s: float | None = None,
             resample: bool = True) -> np.ndarray:
        """A window of a file as the model hears it: mono at its rate, the configured channel
        where the file has it, else the mix (:func:`core.audio.reading.read`). ``resample``
        False: at the file's own rate (levels in a band the model hears need no resampling)."""
        channel = None if self.channel is None else int(self.channel)  # a numpy integer too
        return audio.read(path, self.sample_rate_hz if resample else None, offset_s, duration_s,
                          channel, or_mix=True)

    def with_clip_seconds(self, clip_seconds: float) -> FeatureConfig:
        return dataclasses.replace(self, clip_seconds=float(clip_seconds))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def in_use(settings: dict) -> dict:
        """Of a ``to_dict()``, the settings its kind hears: the speech embedding has its own front
        end and no frequency rows, so the spectrogram's, the normalisation's and the frequency
        augmentations' mean nothing to it (a model card listed n_mels=64 for it)."""
        if settings.get("kind") != "speech":
            return dict(settings)
        return {k: v for k, v in settings.items() if k not in _NOT_HEARD_BY_SPEECH}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_NOT_HEARD_BY_SPEECH = frozenset({
    "n_fft", "hop_length", "max_frames", "n_mels", "f_min_hz", "f_max_hz", "normalize",
    "floor_db", "random_floor_db", "freq_masks", "freq_mask_bins", "time_stretch", "freq_warp",
    "eq_gain", "prediction_views"})
#: What each number of a FeatureConfig may be, inclusive (a model file from anyone becomes one:
#: a list, an infinity or a million mel bands must be refused, not met later as a crash).
_INT_RANGES = {"sample_rate_hz": (1, 768_000), "n_fft": (2, 65_536), "hop_length": (1, 65_536),
               "max_frames": (2, 1_000_000), "n_mels": (1, 1024), "time_masks": (0, 100),
               "time_mask_frames": (0, 100_000), "freq_masks": (0, 100),
               "freq_mask_bins": (0, 10_000), "channel": (0, audio.MAX_CHANNELS - 1)}
_REAL_RANGES = {"clip_seconds": (1e-3, 3600.0), "f_min_hz": (0.0, 1e6), "f_max_hz": (1e-3, 1e6),
                "augment_probability": (0.0, 1.0), "time_shift_fraction": (0.0, 1.0),
                "time_stretch": (0.0, 1.0), "freq_warp": (0.0, 1.0), "eq_gain": (0.0, 100.0),
                "floor_db": (1e-3, 1000.0), "random_floor_db": (0.0, 1000.0)}
_CHOICES = {"kind": ("logmel", "spectrogram", "speech"), "normalize": ("peak", "clip")}
#: A clip's samples and its image's cells at most, whatever the settings that make them: each
#: within its range, a stranger's file could still ask for an hour at 768 kHz (2.8e9 samples,
#: gigabytes for one silent clip at loading). 10 s at 768 kHz fits.
MAX_CLIP_SAMPLES = 2 ** 23
MAX_FEATURE_CELLS = 2 ** 22


def _config_problem(config: FeatureConfig) -> str | None:
    """Why ``config`` cannot be used (a field of the wrong type or out of range), or None.
    A field annotated ``... | None`` may be None."""
    for field in dataclasses.fields(config):
        value, name = getattr(config, field.name), _setting_name(field.name)
        if value is None and "None" in str(field.type):
            continue
        if field.name in _INT_RANGES:
            ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            low, high = _INT_RANGES[field.name]
        elif field.name in _REAL_RANGES:
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
                and math.isfinite(value)
            low, high = _REAL_RANGES[field.name]
        elif field.name in _CHOICES:
            choices = _CHOICES[field.name]
            if not (isinstance(value, str) and value in choices):
                return f"{name} {_shown(value)} is not one of {', '.join(choices)}"
            continue
        else:
            if not isinstance(value, bool):
                return f"{name} {_shown(value)} is not true or false"
            continue
        if not ok or not low <= value <= high:
            return f"{name} {_shown(value)} is not a number from {low} to {high}"
    if config.kind == "speech" and config.sample_rate_hz != speech_embedding.SAMPLE_RATE_HZ:
        return (f"the speech embedding hears {speech_embedding.SAMPLE_RATE_HZ:,} Hz, not "
                f"{config.sample_rate_hz:,}")
    if config.kind == "speech" and config.n_frames < 1:
        return (f"a clip of {config.clip_seconds:g} s is too short for the speech embedding "
                f"(one embedding every "
                f"{1000 * speech_embedding.HOP_SAMPLES / speech_embedding.SAMPLE_RATE_HZ:g} ms)")
    if config.n_samples > MAX_CLIP_SAMPLES:
        return (f"a clip of {config.clip_seconds:g} s at {config.sample_rate_hz:,} Hz is "
                f"{config.n_samples:,} samples, more than {MAX_CLIP_SAMPLES:,}")
    if config.n_freqs * config.n_frames > MAX_FEATURE_CELLS:
        return (f"a clip's image of {config.n_freqs:,} frequencies by {config.n_frames:,} frames "
                f"is more than {MAX_FEATURE_CELLS:,} cells")
    return None


def _shown(value) -> str:
    """A value as a message quotes it, cut short (a stranger's list may be long)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _setting_name(field: str) -> str:
    """'sample_rate_hz' -> 'sample rate (Hz)', as a message names a setting."""
    for suffix, unit in (("_hz", "Hz"), ("_seconds", "s"), ("_db", "dB")):
        if field.endswith(suffix):
            return f"{field[:-len(suffix)].replace('_', ' ')} ({unit})"
    return field.replace("_", " ")


# The seed README's settings: 5 s at 16 kHz, Spectrogram(n_fft=600) with its default hop (300),
# TimeMasking applied with probability 0.25, and no other augmentation. The README does not give
# the mask width; 30 frames (about 0.56 s) is ours.
SEED_FEATURES = FeatureConfig(
    sample_rate_hz=16000, clip_seconds=5.0, kind="spectrogram", n_fft=600, hop_length=None,
    max_frames=None,
    augment_probability=0.25, time_masks=1, time_mask_frames=30, freq_masks=0, freq_mask_bins=0,
    time_shift_fraction=0.0, time_stretch=0.0, freq_warp=0.0, eq_gain=0.0,
    prediction_views=False,
)
DEFAULT_FEATURES = FeatureConfig()
# Spoken words: Google's speech embedding at 16 kHz. Its rows are no frequencies, so no band is
# masked, warped or coloured; a clip is shifted a little in time and one stretch of it masked.
SPEECH_FEATURES = FeatureConfig(
    sample_rate_hz=speech_embedding.SAMPLE_RATE_HZ, kind="speech", time_masks=1,
    time_mask_frames=2, freq_masks=0, freq_mask_bins=0, time_shift_fraction=0.1,
    time_stretch=0.0, freq_warp=0.0, eq_gain=0.0, random_floor_db=0.0, prediction_views=False,
)
PRESETS: dict[str, FeatureConfig] = {"default": DEFAULT_FEATURES, "seed": SEED_FEATURES,
                                     "speech": SPEECH_FEATURES}


def preset(name: str) -> FeatureConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown feature preset {name!r}; known: {', '.join(PRESETS)}") from None


def auto_clip_seconds(durations_s, labels=None) -> float:
    """The clip length for "auto": 1.25 x the 99th percentile of the durations, within
    MIN_CLIP_S..MAX_CLIP_S. With ``labels`` (each duration's class), the clips of classes of
    long recordings (see LONG_CLASS_FACTOR) are left out."""
    durations_s = list(durations_s)
    if labels is not None:
        durations_s = _without_long_classes(durations_s, list(labels))
    durations = np.asarray([d for d in durations_s if d and np.isfinite(d)], dtype=np.float64)
    if durations.size == 0:
        return DEFAULT_FEATURES.clip_seconds
    value = float(np.percentile(durations, AUTO_CLIP_PERCENTILE)) * AUTO_CLIP_MARGIN
    # Round up to 10 ms so the stored value reads well.
    value = float(np.ceil(value * 100) / 100)
    return float(min(max(value, MIN_CLIP_S), MAX_CLIP_S))


def _without_long_classes(durations_s: list, labels: list) -> list:
    by_class: dict[str, list[float]] = {}
    for duration, label in zip(durations_s, labels, strict=True):
        if duration and np.isfinite(duration):
            by_class.setdefault(label, []).append(float(duration))
    if not by_class:
        return []
    medians = {label: float(np.median(values)) for label, values in by_class.items()}
    limit = LONG_CLASS_FACTOR * max(min(medians.values()), MIN_CLIP_S)
    return [d for label, values in by_class.items() if medians[label] <= limit for d in values]


def auto_f_max_hz(native_rates_hz, sample_rate_hz: int) -> float | None:
    """The top band edge for "auto": the Nyquist frequency of the lowest native sample rate that
    AUTO_F_MAX_SHARE of the recordings have, when that is below ``sample_rate_hz``'s; else None."""
    rates = np.asarray([r for r in native_rates_hz if r and r > 0], dtype=np.float64)
    if rates.size == 0:
        return None
    nyquist = float(np.percentile(rates, 100 * AUTO_F_MAX_SHARE)) / 2
    if nyquist >= sample_rate_hz / 2:
        return None
    return max(nyquist, AUTO_F_MAX_MIN_HZ)


def prepare_clip(samples: np.ndarray, n_samples: int) -> np.ndarray:
    """Decoded samples -> exactly ``n_samples`` for the model: DC offset removed, then padded
    with zeros or trimmed. Training and inference both go through here so they always agree.

    The DC offset matters: some recorders add one, and after zero padding it becomes a click at
    the end of every clip that the model learns as part of that recorder's sound.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples):
        samples = samples - samples.mean(dtype=np.float64).astype(np.float32)
    return audio.fit_length(samples, n_samples)


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
                n_fft=config.n_fft, hop_length=config.hop_samples,
            )
        elif config.kind == "speech":
            # Its own copy: an extractor moved to a GPU leaves the process's one where it is.
            self.transform = copy.deepcopy(speech_embedding.load())
        else:
            raise ValueError(f"unknown feature kind {config.kind!r}")

    @torch.no_grad()
    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        return self.normalised(self.raw(waveforms))

    @torch.no_grad()
    def raw(self, waveforms: torch.Tensor) -> torch.Tensor:
        """``(batch, n_freqs, n_frames)`` before any normalisation across the clip: the
        transform's power, or the speech embedding."""
        if self.config.kind == "speech":
            return speech_embedding.embed_clips(self.transform, waveforms)
        return self.transform(waveforms.float())

    def normalised(self, features: torch.Tensor) -> torch.Tensor:
        """:meth:`raw` features ``(batch, n_freqs, n_frames)`` as the model takes them,
        ``(batch, 1, n_freqs, n_frames)``: "logmel" scaled over the whole clip."""
        if self.config.kind == "logmel":
            if self.config.normalize == "peak":
                return _peak_db(features, self.config).unsqueeze(1)
            features = torch.log(features + 1e-6)
            mean = features.mean(dim=(-2, -1), keepdim=True)
            std = features.std(dim=(-2, -1), keepdim=True)
            features = (features - mean) / (std + 1e-5)
        return features.unsqueeze(1)

    def numpy(self, samples: np.ndarray) -> np.ndarray:
        """One clip (n_samples,) -> (n_freqs, n_frames) float32, for display."""
        return self(torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None])[0, 0].numpy()


#: A whole file's features for display are computed this much audio at a time: the speech
#: embedding's activations of a 10-minute file took 970 MB at once (an hour's, about 5 GB), a
#: log-mel's 340 MB.
FILE_BLOCK_S = 30.0


def file_image(path, config: FeatureConfig, max_columns: int) -> tuple[np.ndarray, float]:
    """``(n_freqs, n_columns)`` float32, the features of a whole file as a model with ``config``
    computes them, for display: read and computed FILE_BLOCK_S at a time, so memory stays flat
    for a recording of any length, and at most ``max_columns`` columns, each the maximum of the
    frames it stands for (a call in them stays seen), pooled before the normalisation across the
    file (:meth:`FeatureExtractor.normalised`: "peak" features below the file's loudest cell, as
    when computed whole); and the seconds they span (at least one FFT's: a shorter file is
    padded to one). A block's first frames look back over the block alone (the speech
    embedding's over its silent lead): a seam every FILE_BLOCK_S."""
    info = audio.info(path)
    rate_hz, hop = config.sample_rate_hz, config.hop_samples
    block_frames = max(1, round(FILE_BLOCK_S * rate_hz / hop))
    per_column = max(1, -(-(math.ceil(info.duration_s * rate_hz / hop) + 1) // max_columns))
    extractor = FeatureExtractor(config)
    channel = audio.channel_or_mix(None if config.channel is None else int(config.channel),
                                   info.channels)
    columns, carry, n_read = [], None, 0
    for block in audio.read_blocks(path, block_frames * hop / rate_hz, rate_hz, channel=channel):
        samples = block.samples
        n_read += len(samples)
        padded = np.pad(samples, (0, max(0, config.n_fft - len(samples))))
        values = extractor.raw(torch.from_numpy(padded.astype(np.float32))[None])[0].numpy()
        if len(samples) >= block_frames * hop:
            values = values[:, :block_frames]  # its own frames, not the first of the next block's
        if carry is not None:
            values = np.concatenate([carry, values], axis=1)
        whole = values.shape[1] // per_column * per_column
        columns.append(values[:, :whole].reshape(len(values), -1, per_column).max(axis=2))
        carry = values[:, whole:]
    if carry is not None and carry.shape[1]:
        columns.append(carry.max(axis=1, keepdims=True))
    span_s = max(n_read, config.n_fft) / rate_hz
    if not columns:  # an empty file
        return extractor.numpy(np.zeros(config.n_fft, dtype=np.float32)), span_s
    pooled = torch.from_numpy(np.concatenate(columns, axis=1))[None]
    return extractor.normalised(pooled)[0, 0].numpy().astype(np.float32, copy=False), span_s


DB_PER_UNIT = 20.0  # "peak" features: 20 dB per unit, so an 80 dB range spans -2..2


def _peak_db(power: torch.Tensor, config: FeatureConfig) -> torch.Tensor:
    db = 10.0 * torch.log10(power + 1e-20)
    db = db - db.amax(dim=(-2, -1), keepdim=True)
    db = db.clamp(min=-config.floor_db)
    return (db + config.floor_db / 2) / DB_PER_UNIT


def silence_fill(features: torch.Tensor, config: FeatureConfig):
    """What empty cells hold (masks and warps fill with it): the floor for "peak" features, the
    per-clip mean for standardised ones, zero power for a plain spectrogram, the embedding of
    digital silence (one value a row) for the speech model's (a frame of zeros is none it ever
    gives: shifts and masks taught it frames no recording has)."""
    if config.kind == "speech":
        return speech_embedding.silence().to(features.device).view(1, 1, -1, 1)
    if config.kind != "logmel":
        return 0.0
    if config.normalize == "peak":
        return -config.floor_db / 2 / DB_PER_UNIT
    return features.mean(dim=(1, 2, 3), keepdim=True)


def augment(features: torch.Tensor, config: FeatureConfig, generator: torch.Generator) -> torch.Tensor:
    """Random time shift and stretch, frequency warp and SpecAugment masks on a batch
    ``(batch, 1, n_freqs, n_frames)``; each clip is augmented with ``config.augment_probability``.

    Vectorised over the batch (one ``grid_sample`` for the geometry, broadcast masks), so it costs
    little next to the model. Masks fill with silence (see ``silence_fill``; zeros for the seed's plain
    spectrogram, as torchaudio's TimeMasking does). "peak" features also get a random noise floor.
    The input is not modified.
    """
    batch, _, n_freqs, n_frames = features.shape
    chosen = torch.rand(batch, generator=generator) < config.augment_probability
    out = _warp(features, config, chosen, generator)
    if out is features:
        out = features.clone()
    if config.eq_gain:
        position = torch.linspace(-1, 1, n_freqs).view(1, -1)
        tilt = _uniform(batch, config.eq_gain, generator).view(-1, 1) * position
        bump = _uniform(batch, config.eq_gain, generator).view(-1, 1) * torch.cos(torch.pi * position)
        out = out + ((tilt + bump) * chosen.view(-1, 1).float()).view(batch, 1, n_freqs, 1)
    fill = silence_fill(out, config)
    if _is_peak(config) and config.random_floor_db:
        raise_db = torch.rand(batch, generator=generator) * config.random_floor_db * chosen.float()
        out = _raise_floor(out, config, raise_db)
    keep = torch.ones(batch, 1, n_freqs, n_frames, dtype=torch.bool)
    for _ in range(config.time_masks):
        keep &= ~_band_mask(batch, n_frames, config.time_mask_frames, generator).view(batch, 1, 1, -1)
    for _ in range(config.freq_masks):
        keep &= ~_band_mask(batch, n_freqs, config.freq_mask_bins, generator).view(batch, 1, -1, 1)
    keep |= ~chosen.view(batch, 1, 1, 1)
    return torch.where(keep, out, fill)


def _uniform(batch: int, spread: float, generator: torch.Generator) -> torch.Tensor:
    return (torch.rand(batch, generator=generator) * 2 - 1) * spread


def _warp(features: torch.Tensor, config: FeatureConfig, chosen: torch.Tensor,
          generator: torch.Generator) -> torch.Tensor:
    """Random time shift/stretch and frequency warp of the chosen clips."""
    if not (config.time_shift_fraction or config.time_stretch or config.freq_warp):
        return features
    on = chosen.float()
    batch = features.shape[0]
    shift = _uniform(batch, 2 * config.time_shift_fraction, generator) * on
    stretch = 1 + _uniform(batch, config.time_stretch, generator) * on
    warp = 1 + _uniform(batch, config.freq_warp, generator) * on
    return _resample(features, config, shift, stretch, warp)


def _resample(features: torch.Tensor, config: FeatureConfig, shift: torch.Tensor,
              stretch: torch.Tensor, warp: torch.Tensor) -> torch.Tensor:
    """Per clip: time shifted by ``shift`` (in grid units: 2 is the whole clip) and scaled by
    ``stretch`` about the middle, frequency scaled by ``warp`` about the lowest band; one
    bilinear resampling of the batch, with silence where the grid leaves the image."""
    batch, _, n_freqs, n_frames = features.shape
    # Grid coordinates run -1..1; x is time, y is frequency (row 0, the lowest band, at y = -1).
    x = torch.linspace(-1, 1, n_frames).view(1, 1, -1)
    y = torch.linspace(-1, 1, n_freqs).view(1, -1, 1)
    # The warp is separable, so the sampling grid is two broadcast lines rather than an affine grid.
    grid_x = (stretch.view(-1, 1, 1) * x - shift.view(-1, 1, 1)).expand(batch, n_freqs, n_frames)
    grid_y = (warp.view(-1, 1, 1) * (y + 1) - 1).expand(batch, n_freqs, n_frames)
    grid = torch.stack([grid_x, grid_y], dim=-1)
    fill = silence_fill(features, config)
    warped = torch.nn.functional.grid_sample(features - fill, grid, mode="bilinear",
                                             padding_mode="zeros", align_corners=True)
    return warped + fill


def _is_peak(config: FeatureConfig) -> bool:
    return config.kind == "logmel" and config.normalize == "peak"


def _raise_floor(features: torch.Tensor, config: FeatureConfig, raise_db: torch.Tensor) -> torch.Tensor:
    """"peak" features with each clip's floor raised by ``raise_db`` (one value per clip): cells
    quieter than that become the new floor, as if recorded with more background noise."""
    floor = silence_fill(features, config) + raise_db / DB_PER_UNIT
    return torch.maximum(features, floor.view(-1, 1, 1, 1))


# The views prediction_views makes, as (noise floor raised by dB, frequency axis scaled by, time
# axis scaled by): the clip at a middle noise floor, then once each as if by a slightly larger or
# smaller voice (vocal-tract length) and spoken or called slower or faster, at the clean and the
# noisy floor in turn. On FSDD's held-out speakers (4 seeds each, 4 kHz band edge) averaging these
# gained 1.6 points over the clip alone (0.881 -> 0.897), as much as all 27 combinations did.
PREDICTION_VIEWS = ((20.0, 1.0, 1.0), (0.0, 0.93, 1.0), (40.0, 1.07, 1.0), (0.0, 1.0, 0.87),
                    (40.0, 1.0, 1.15))


def prediction_views(features: torch.Tensor, config: FeatureConfig) -> list[torch.Tensor]:
    """The versions of a batch ``(batch, 1, n_freqs, n_frames)`` that prediction scores and
    averages: PREDICTION_VIEWS for "peak" log-mel features with ``prediction_views`` on, else
    just the batch itself."""
    if not (config.prediction_views and _is_peak(config)):
        return [features]
    batch = len(features)
    views = []
    for raise_db, warp, stretch in PREDICTION_VIEWS:
        view = features
        if (warp, stretch) != (1.0, 1.0):
            view = _resample(view, config, torch.zeros(batch), torch.full((batch,), stretch),
                             torch.full((batch,), warp))
        if raise_db:
            view = _raise_floor(view, config, torch.full((batch,), raise_db))
        views.append(view)
    return views


def mean_probabilities(forward, features: torch.Tensor, config: FeatureConfig,
                       views: bool = True) -> torch.Tensor:
    """Class probabilities ``(batch, n_classes)`` of a batch: the softmax of ``forward`` (a model
    call) averaged over the batch's prediction views; with ``views=False``, of the batch alone."""
    batches = prediction_views(features, config) if views else [features]
    return sum(torch.softmax(forward(batch), dim=1) for batch in batches) / len(batches)


def _band_mask(batch: int, size: int, max_width: int, generator: torch.Generator) -> torch.Tensor:
    """``(batch, size)`` booleans: one random band of 0..max_width entries per row."""
    if max_width <= 0 or size <= 1:
        return torch.zeros(batch, size, dtype=torch.bool)
    width = torch.randint(0, min(max_width, size - 1) + 1, (batch,), generator=generator)
    start = (torch.rand(batch, generator=generator) * (size - width + 1)).long()
    position = torch.arange(size).view(1, -1)
    return (position >= start.view(-1, 1)) & (position < (start + width).view(-1, 1))
