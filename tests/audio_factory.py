"""Synthetic audio for tests and benchmarks: tones, chirps, noise bursts and broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

DEFAULT_RATE_HZ = 16000


def tone(freq_hz: float, duration_s: float = 1.0, sample_rate_hz: int = DEFAULT_RATE_HZ,
         amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(duration_s * sample_rate_hz)) / sample_rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def chirp(f0_hz: float, f1_hz: float, duration_s: float = 1.0,
          sample_rate_hz: int = DEFAULT_RATE_HZ, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(duration_s * sample_rate_hz)) / sample_rate_hz
    phase = 2 * np.pi * (f0_hz * t + (f1_hz - f0_hz) * t**2 / (2 * duration_s))
    return (amplitude * np.sin(phase)).astype(np.float32)


def noise(duration_s: float = 1.0, sample_rate_hz: int = DEFAULT_RATE_HZ, amplitude: float = 0.3,
          seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amplitude * rng.standard_normal(int(duration_s * sample_rate_hz))).astype(np.float32)


def pink_noise(duration_s: float, sample_rate_hz: int = DEFAULT_RATE_HZ, seed: int = 0) -> np.ndarray:
    """Pink (1/f power) noise, float64, unscaled: a room's hiss."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * sample_rate_hz)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def at_dbfs(samples: np.ndarray, level_dbfs: float) -> np.ndarray:
    """``samples`` scaled to an RMS of ``level_dbfs``, float32."""
    return (samples / np.sqrt(np.mean(samples ** 2)) * 10 ** (level_dbfs / 20)).astype(np.float32)


def burst(samples: np.ndarray, total_s: float, offset_s: float,
          sample_rate_hz: int = DEFAULT_RATE_HZ) -> np.ndarray:
    """Place ``samples`` at ``offset_s`` inside ``total_s`` of silence (clipped to fit)."""
    out = np.zeros(int(total_s * sample_rate_hz), dtype=np.float32)
    start = int(offset_s * sample_rate_hz)
    part = samples[: max(0, len(out) - start)]
    out[start:start + len(part)] = part
    return out


def write(path: Path, samples: np.ndarray, sample_rate_hz: int = DEFAULT_RATE_HZ,
          subtype: str | None = None, format: str | None = None) -> Path:
    """Write ``samples`` ((n,) or (n, channels)) with soundfile; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sample_rate_hz, subtype=subtype, format=format)
    return path


def class_sample(kind: str, rng: np.random.Generator, duration_s: float = 1.0,
                 sample_rate_hz: int = DEFAULT_RATE_HZ) -> np.ndarray:
    """One clip of ``kind`` ('tone', 'chirp' or 'noise') at a random offset, with light noise."""
    length_s = rng.uniform(0.3, 0.5) * duration_s
    if kind == "tone":
        core = tone(rng.uniform(600, 900), length_s, sample_rate_hz)
    elif kind == "chirp":
        core = chirp(rng.uniform(300, 500), rng.uniform(2500, 3500), length_s, sample_rate_hz)
    elif kind == "noise":
        core = noise(length_s, sample_rate_hz, seed=int(rng.integers(1 << 30)))
    else:
        raise ValueError(kind)
    clip = burst(core, duration_s, rng.uniform(0, duration_s - length_s), sample_rate_hz)
    clip += 0.01 * rng.standard_normal(len(clip)).astype(np.float32)
    return clip


def make_class_folder(root: Path, n_per_class: int = 24, kinds=("tone", "chirp", "noise"),
                      duration_s: float = 1.0, sample_rate_hz: int = DEFAULT_RATE_HZ,
                      seed: int = 0) -> Path:
    """``root/<kind>/<kind>_<i>.wav`` for each kind; returns root."""
    rng = np.random.default_rng(seed)
    for kind in kinds:
        for i in range(n_per_class):
            write(root / kind / f"{kind}_{i:03d}.wav",
                  class_sample(kind, rng, duration_s, sample_rate_hz), sample_rate_hz)
    return Path(root)


def write_broken(path: Path, kind: str) -> Path:
    """Write a broken file: 'empty', 'text', 'random', 'header_only' or 'truncated'."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not audio, just text with a .wav name\n")
    elif kind == "random":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    elif kind in ("header_only", "truncated"):
        write(path, tone(440, 0.5), DEFAULT_RATE_HZ, subtype="PCM_16")
        data = path.read_bytes()
        path.write_bytes(data[:44] if kind == "header_only" else data[: len(data) // 2 + 1])
    else:
        raise ValueError(kind)
    return path
