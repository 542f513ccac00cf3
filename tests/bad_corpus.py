"""A folder of hostile and odd input, file by file, for the bad-input tests of core, CLI and GUI.

``make_bad_corpus(root)`` returns ``{name: path}``; ``BROKEN`` and ``CLASSIFIABLE`` say which
names must be refused with a reason and which must be read like any other clip.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from tests import audio_factory

#: Files that cannot be audio: each must get an error naming the reason.
BROKEN = ("empty", "text", "header_only", "random_flac", "nan", "inf", "dangling",
          "audio_link_loop")
#: Valid, if odd, files: each must be read and classified like any other clip.
CLASSIFIABLE = ("all_zero", "ten_samples", "surround_96k_24bit", "int32", "mp3", "ogg",
                "non_ascii", "truncated")  # a WAV cut short: read as far as it goes
#: Entries a folder walk must pass over without listing (and without hanging).
NOT_LISTED = ("folder_wav", "link_loop")
#: The long file; made separately (it costs a second or two) by ``make_long_flac``.
LONG_FLAC_S = 20 * 60


def make_bad_corpus(root: str | os.PathLike, long_flac: Path | None = None) -> dict[str, Path]:
    """Build the corpus under ``root`` (created); returns ``{name: path}``.

    ``long_flac``: an existing 20-minute FLAC (see :func:`make_long_flac`) to link into the
    corpus as ``long_20min.flac`` (a hard link when possible, so it costs no disk).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rate = audio_factory.DEFAULT_RATE_HZ
    clip = audio_factory.tone(700, 1.0, rate)
    files: dict[str, Path] = {}
    for name, kind, file_name in (("empty", "empty", "empty.wav"),
                                  ("text", "text", "text.wav"),
                                  ("header_only", "header_only", "header_only.wav"),
                                  ("truncated", "truncated", "truncated.wav"),
                                  ("random_flac", "random", "random.flac")):
        files[name] = audio_factory.write_broken(root / file_name, kind)

    nan = clip.copy()
    nan[100:200] = np.nan
    files["nan"] = audio_factory.write(root / "nan.wav", nan, rate, subtype="FLOAT")
    inf = clip.copy()
    inf[500] = np.inf
    files["inf"] = audio_factory.write(root / "inf.wav", inf, rate, subtype="FLOAT")

    files["all_zero"] = audio_factory.write(root / "all_zero.wav", np.zeros(rate, np.float32), rate)
    files["ten_samples"] = audio_factory.write(root / "ten_samples.wav", clip[:10], rate)
    surround = np.stack([audio_factory.tone(700 + 50 * c, 1.0, 96000) for c in range(6)], axis=1)
    files["surround_96k_24bit"] = audio_factory.write(root / "surround_96k_24bit.wav",
                                                      surround, 96000, subtype="PCM_24")
    files["int32"] = audio_factory.write(root / "int32.wav", clip, rate, subtype="PCM_32")
    files["mp3"] = audio_factory.write(root / "tone.mp3", clip, rate,
                                       format="MP3", subtype="MPEG_LAYER_III")
    files["ogg"] = audio_factory.write(root / "tone.ogg", clip, rate, format="OGG",
                                       subtype="VORBIS")
    files["non_ascii"] = audio_factory.write(root / "chant d'oiseau é 🐦.wav", clip, rate)

    folder_wav = root / "looks_like.wav"
    folder_wav.mkdir(exist_ok=True)
    files["folder_wav"] = folder_wav
    loop = root / "loop"
    loop.mkdir(exist_ok=True)
    _symlink(loop / "again", loop)  # loop/again -> loop: a walk must not go round for ever
    files["link_loop"] = loop / "again"
    files["dangling"] = _symlink(root / "dangling.wav", root / "no_such_file.wav")
    # A link named like audio that leads to itself: listed, as a dangling one, for its reading to
    # say why (it was left out without a word).
    files["audio_link_loop"] = _symlink(root / "round.wav", root / "round.wav")

    if long_flac is not None:
        target = root / "long_20min.flac"
        if not target.exists():
            try:
                os.link(long_flac, target)
            except OSError:
                target.write_bytes(Path(long_flac).read_bytes())
        files["long_flac"] = target
    return files


def make_long_flac(path: str | os.PathLike, duration_s: float = LONG_FLAC_S) -> Path:
    """A long 8 kHz mono FLAC of quiet noise, written in blocks so memory stays small."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 8000
    rng = np.random.default_rng(20)
    block = (0.01 * rng.standard_normal(rate * 60)).astype(np.float32)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16", format="FLAC") as handle:
        for _ in range(int(duration_s // 60)):
            handle.write(block)
        handle.write(block[: int(round((duration_s % 60) * rate))])
    return path


def _symlink(link: Path, target: Path) -> Path:
    if not link.is_symlink():
        os.symlink(target, link)
    return link


class PickledCode:
    """Pickles to a call of ``open(marker, "w")``: loading it with plain pickle would create
    ``marker``, which is how tests see that nothing of a refused file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def write_trapped_checkpoint(checkpoint, path, marker):
    """A real checkpoint's payload with pickled code in it, as a model file from a stranger."""
    import torch

    payload = checkpoint.to_payload()
    payload["metrics"] = PickledCode(marker)
    torch.save(payload, path)
    return path
