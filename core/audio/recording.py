"""Takes recorded from a microphone: raw PCM bytes as an audio device delivers them turned into
float frames (a take is their mix), their level for a meter, and a take written as a WAV file. Pure numpy and
soundfile, no Qt (the window's recorder hands the bytes over).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from core.errors import AudioError

#: PCM sample formats a device may deliver: numpy type, and the value of full scale.
PCM_FORMATS = {
    "uint8": (np.uint8, 128.0),
    "int16": (np.int16, 32768.0),
    "int32": (np.int32, 2147483648.0),
    "float32": (np.float32, 1.0),
}
#: Shortest and longest take, seconds.
MIN_TAKE_S = 0.2
MAX_TAKE_S = 60.0


def pcm_frames(data: bytes, sample_format: str, channels: int) -> np.ndarray:
    """Interleaved PCM ``data`` -> float32 frames ``(n, channels)`` in -1..1. A trailing partial
    frame is dropped. Raises ValueError for an unknown format."""
    try:
        dtype, full_scale = PCM_FORMATS[sample_format]
    except KeyError:
        raise ValueError(f"unknown PCM sample format {sample_format!r}; "
                         f"known: {', '.join(PCM_FORMATS)}") from None
    channels = max(1, int(channels))
    frame_bytes = np.dtype(dtype).itemsize * channels
    usable = len(data) - len(data) % frame_bytes
    values = np.frombuffer(data[:usable], dtype=dtype).astype(np.float32)
    if sample_format == "uint8":
        values -= 128.0
    values /= full_scale
    return values.reshape(-1, channels)


def peak_level(samples: np.ndarray) -> float:
    """The largest magnitude in ``samples`` (0 for none), at most 1: for a level meter."""
    return float(min(np.abs(samples).max(initial=0.0), 1.0))


#: A take whose loudest sample is under this (-40 dB FS) heard nothing: a microphone muted,
#: unplugged or far away. Speech near a laptop's microphone peaks at -20 to -6 dB FS.
SILENT_PEAK = 0.01
#: A take still this loud (a share of its peak) in its last TAIL_S was cut off mid-sound.
CUT_OFF_SHARE = 0.5
TAIL_S = 0.05


def peak_db(samples: np.ndarray) -> float:
    """The loudest sample in dB FS (-inf for digital silence)."""
    peak = peak_level(samples)
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")


def is_silent(samples: np.ndarray) -> bool:
    """Whether a take heard nothing: its loudest sample under SILENT_PEAK."""
    return peak_level(samples) < SILENT_PEAK


def is_cut_off(samples: np.ndarray, sample_rate_hz: int) -> bool:
    """Whether a take (not silent) is still loud at its end: its last TAIL_S reach
    CUT_OFF_SHARE of its loudest sample, so the sound went on past it."""
    samples = np.asarray(samples, dtype=np.float32)
    tail = samples[-max(1, int(TAIL_S * sample_rate_hz)):]
    return not is_silent(samples) and peak_level(tail) >= CUT_OFF_SHARE * peak_level(samples)


def save_new_take(samples: np.ndarray, sample_rate_hz: int, folder: str | os.PathLike,
                  stem: str) -> Path:
    """Write a take as ``folder/<stem>_<n>.wav`` (:func:`save_take`), ``n`` the first number
    whose file is not there yet (two takes in one second get two files), and return its path."""
    n = 1
    while True:
        try:
            return save_take(samples, sample_rate_hz, Path(folder) / f"{stem}_{n}.wav",
                             exclusive=True)
        except FileExistsError:
            n += 1


def save_take(samples: np.ndarray, sample_rate_hz: int, path: str | os.PathLike,
              exclusive: bool = False) -> Path:
    """Write a take as a 16-bit mono WAV (what every tool reads) and return its path. Raises
    AudioError naming the file when it cannot be written, ValueError for an empty take;
    ``exclusive``: FileExistsError for a file already there, which is left as it was."""
    path = Path(path)
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) == 0:
        raise ValueError("an empty take has nothing to save")
    try:
        with open(path, "xb" if exclusive else "wb") as handle:
            sf.write(handle, np.clip(samples, -1.0, 1.0), int(sample_rate_hz), format="WAV",
                     subtype="PCM_16")
    except FileExistsError:  # exclusive, and a file is there: not ours to remove
        raise
    except (sf.LibsndfileError, OSError) as error:
        path.unlink(missing_ok=True)
        raise AudioError(path, f"could not write the recording ({error})") from None
    return path
