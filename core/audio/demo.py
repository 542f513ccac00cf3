"""The demo project: a small, deterministic folder of whistles, knocks and hiss made with numpy.

Some clips sit in class subfolders (labelled by the folder rule), the rest at the root under names
that no label rule reads (no ``_<digits>`` suffix): a new user gets labelled and unlabeled clips.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from core.paths import user_data_dir

DEMO_CLASSES = ("whistle", "knock", "hiss")
DEMO_RATE_HZ = 16000
# Bump when the generated content changes, so an old demo folder is rebuilt.
DEMO_VERSION = "1"
_MARKER = ".earmark-demo"


def default_demo_dir() -> Path:
    """Where ``--demo`` puts its project."""
    return user_data_dir() / "demo"


def _envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n, dtype=np.float32)
    attack, release = max(1, min(attack, n // 2)), max(1, min(release, n // 2))
    env[:attack] = np.linspace(0.0, 1.0, attack, dtype=np.float32)
    env[n - release:] = np.linspace(1.0, 0.0, release, dtype=np.float32)
    return env


def whistle(rng: np.random.Generator, duration_s: float, rate_hz: int = DEMO_RATE_HZ) -> np.ndarray:
    """A gliding whistle with vibrato and a weak second harmonic."""
    n = int(duration_s * rate_hz)
    t = np.arange(n) / rate_hz
    f0, f1 = rng.uniform(900, 1400), rng.uniform(1600, 2600)
    if rng.random() < 0.5:
        f0, f1 = f1, f0
    freq = f0 + (f1 - f0) * t / duration_s + 40 * np.sin(2 * np.pi * rng.uniform(4, 8) * t)
    phase = 2 * np.pi * np.cumsum(freq) / rate_hz
    tone = np.sin(phase) + 0.2 * np.sin(2 * phase)
    return (0.4 * tone * _envelope(n, rate_hz // 50, rate_hz // 20)).astype(np.float32)


def knock(rng: np.random.Generator, duration_s: float, rate_hz: int = DEMO_RATE_HZ) -> np.ndarray:
    """Two to four knocks: damped low resonances with a click on each onset."""
    n = int(duration_s * rate_hz)
    out = np.zeros(n, dtype=np.float32)
    hit_n = int(0.08 * rate_hz)
    t = np.arange(hit_n) / rate_hz
    start = 0
    for _ in range(int(rng.integers(2, 5))):
        if start + hit_n > n:
            break
        freq = rng.uniform(140, 320)
        hit = np.exp(-t / rng.uniform(0.012, 0.025)) * np.sin(2 * np.pi * freq * t)
        hit[:40] += rng.standard_normal(40) * np.linspace(1, 0, 40)
        out[start:start + hit_n] += (0.7 * hit).astype(np.float32)
        start += int(rng.uniform(0.12, 0.25) * rate_hz)
    return out


def hiss(rng: np.random.Generator, duration_s: float, rate_hz: int = DEMO_RATE_HZ) -> np.ndarray:
    """High-passed noise under a slow swell, like steam or a cymbal tail."""
    n = int(duration_s * rate_hz)
    white = rng.standard_normal(n + 1)
    bright = np.diff(white)  # first difference tilts the spectrum towards high frequencies
    return (0.15 * bright * _envelope(n, n // 3, n // 3)).astype(np.float32)


_MAKERS = {"whistle": whistle, "knock": knock, "hiss": hiss}


def demo_clip(kind: str, rng: np.random.Generator, rate_hz: int = DEMO_RATE_HZ) -> np.ndarray:
    """One clip of 1-2 s: the sound of ``kind`` at a random offset over faint background noise."""
    total_s = float(rng.uniform(1.0, 2.0))
    sound_s = float(rng.uniform(0.35, 0.6) * total_s)
    sound = _MAKERS[kind](rng, sound_s, rate_hz)
    clip = 0.004 * rng.standard_normal(int(total_s * rate_hz)).astype(np.float32)
    start = int(rng.uniform(0.05, 0.95) * (len(clip) - len(sound)))
    clip[start:start + len(sound)] += sound
    return np.clip(clip, -1.0, 1.0)


def _unlabeled_name(i: int) -> str:
    # Letters only: a name like "clip_07" would be labelled "clip" by the filename rule.
    letters = "abcdefghijklmnopqrstuvwxyz"
    return f"clip-{letters[i // 26 % 26]}{letters[i % 26]}.wav"


def build_demo(root: Path | None = None, n_per_class: int = 20, n_labelled: int = 14,
               seed: int = 0) -> Path:
    """Create the demo project at ``root`` (default :func:`default_demo_dir`) and return its path.

    Per class, ``n_labelled`` clips go to ``root/<class>/<class>_<i>.wav`` and the rest to
    ``root/clip-<letters>.wav``, unlabeled. Deterministic for a given seed. An existing, complete
    demo of the same version is reused (its labels and store kept); anything else there is replaced.
    """
    root = Path(root) if root is not None else default_demo_dir()
    marker = root / _MARKER
    expected = f"{DEMO_VERSION} {n_per_class} {n_labelled} {seed}"
    if marker.is_file() and marker.read_text().strip() == expected:
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so an interrupted build never looks complete.
    staging = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=root.parent))
    try:
        rng = np.random.default_rng(seed)
        unlabeled: list[np.ndarray] = []
        for kind in DEMO_CLASSES:
            for i in range(n_per_class):
                clip = demo_clip(kind, rng)
                if i < n_labelled:
                    path = staging / kind / f"{kind}_{i + 1:03d}.wav"
                    path.parent.mkdir(exist_ok=True)
                    sf.write(path, clip, DEMO_RATE_HZ, subtype="PCM_16")
                else:
                    unlabeled.append(clip)
        # Shuffle so the unlabeled names do not give the class away.
        for i, j in enumerate(rng.permutation(len(unlabeled))):
            sf.write(staging / _unlabeled_name(i), unlabeled[j], DEMO_RATE_HZ, subtype="PCM_16")
        (staging / _MARKER).write_text(expected + "\n")
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return root
