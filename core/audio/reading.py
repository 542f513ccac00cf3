"""Audio file I/O: header reads, windowed mono reads, streaming, resampling, envelopes.

Everything here goes through soundfile (libsndfile) and reads only what it is asked for: ``read``
seeks to the window and reads just its frames, ``read_blocks`` streams a long file piece by piece.
Every failure caused by the file (missing, a folder, empty, not audio, corrupt, NaN samples...)
is raised as :class:`core.errors.AudioError` naming the file and a plain reason; a raw soundfile,
OS or numpy exception never escapes for a bad file. Wrong arguments (a negative duration, say)
are programming errors and raise ``ValueError``.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from core.audio.cut_short import AudioFile, cut_short_note, open_mended
from core.audio.resampling import resample
from core.errors import AudioError, os_reason
from core.words import counted

#: Recordings in formats libsndfile cannot decode, by suffix: a phone's voice memos, Windows
#: Media. Listed with the rest, each saying so (convert it), not passed over in silence.
UNDECODED_FORMATS: dict[str, str] = {
    ".m4a": "AAC or ALAC in MPEG-4", ".m4b": "AAC in MPEG-4", ".aac": "AAC", ".mp4": "MPEG-4",
    ".3gp": "3GPP", ".amr": "AMR", ".wma": "Windows Media Audio", ".webm": "WebM",
    ".mka": "Matroska", ".ape": "Monkey's Audio", ".wv": "WavPack", ".ac3": "AC-3",
    ".dsf": "DSD"}
#: Lower-case file suffixes of audio (the GUI and folder scan use this set): those libsndfile
#: can read, and UNDECODED_FORMATS.
AUDIO_EXTENSIONS: frozenset[str] = frozenset({
    ".wav", ".wave", ".bwf", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".mp2", ".mp1",
    ".aif", ".aiff", ".aifc", ".au", ".snd", ".w64", ".caf", ".rf64", ".sd2", ".paf",
    ".voc", ".svx", ".iff", ".nist", ".sph", ".ircam", ".sf", ".htk", ".mat", ".pvf",
    ".xi", ".sds", ".avr", ".wve", *UNDECODED_FORMATS,
})

#: Frames read at a time when a window has to be reached by reading and discarding.
_SKIP_BLOCK_FRAMES = 1 << 16
#: MP3 decoding right after a seek is wrong for a few frames (the bit reservoir is empty), so
#: a seek lands this many frames early (eight MPEG frames) and decodes them away.
_MP3_PREROLL_FRAMES = 8 * 1152
#: Samples (frames x channels) decoded in one read of a file of several channels: a long window
#: is read in pieces of this size and mixed down piece by piece (a minute of 8 channels at
#: 96 kHz was 180 MB at once; 20 s of 1,024 channels 626 MB). A mono file is read whole.
_MAX_READ_VALUES = 1 << 22
#: libsndfile's count for "unknown" (a FLAC whose STREAMINFO says 0 samples); no real file has
#: nearly as many frames.
_UNKNOWN_FRAMES = 1 << 62
#: A float file's samples past this are no recording's: full scale is 1, but a float file may
#: hold integer-scale values (int16 data cast to float: 32,768; int32's: 2.1e9). Past it, their
#: squares would overflow the features (a sample of 3e38 reached them as infinity).
MAX_SAMPLE_MAGNITUDE = 1e10

# Plain reasons, shared with the tests and the GUI.
NOT_FOUND = "file not found"
BROKEN_LINK = "a link to a file that is not there"
LINK_LOOP = "a link that leads back to itself, through links (no file at its end)"
IS_FOLDER = "is a folder"
NOT_A_FILE = "not a regular file"
EMPTY_FILE = "empty file (0 bytes)"
UNRECOGNISED = "not an audio file (unrecognised format)"
CORRUPT = "corrupt or truncated audio data"
NO_FRAMES = "no audio frames"
NON_FINITE = "contains non-finite samples (NaN or Inf)"
UNKNOWN_LENGTH = "its header does not say how long it is (a stream's FLAC): re-encode it"
#: A FLAC frame holds at most 65,535 samples a channel in at least 10 bytes (a 6-byte header, a
#: byte or more a channel, a 2-byte check): a file claiming more samples than its size could
#: hold has a damaged header (a fuzzed one claimed 74 hours in 4.9 KB).
_FLAC_MAX_BLOCK = 65535
_FLAC_MIN_FRAME_BYTES = 10
OUT_OF_RANGE = "contains samples far beyond full scale (not audio)"
PERMISSION = "permission denied"
UNREADABLE_DATA = "corrupt or unreadable audio data"  # libsndfile's words follow, in brackets
UNSUPPORTED = "unsupported audio encoding"
NOT_DECODED = "a format Earmark cannot read"  # (its name, the suffix): convert it
#: Reasons that lie in a file's bytes, which the same file gives every time (not a permission,
#: a disk or a network share that may come back, nor the memory of this machine).
_CONTENT_FAULTS = (EMPTY_FILE, UNRECOGNISED, CORRUPT, NO_FRAMES, NON_FINITE, UNKNOWN_LENGTH,
                   OUT_OF_RANGE, UNREADABLE_DATA, UNSUPPORTED, NOT_DECODED)


def is_content_fault(reason: str) -> bool:
    """Whether an AudioError's ``reason`` lies in the file's own bytes (see _CONTENT_FAULTS)."""
    return reason.startswith(_CONTENT_FAULTS)

@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says about it."""

    path: Path
    duration_s: float
    sample_rate_hz: int
    channels: int
    frames: int
    format: str
    subtype: str
    #: What a readable file's header gets wrong, in a person's words (:func:`cut_short_note`);
    #: None for a whole file.
    note: str | None = None


class AudioBlock(NamedTuple):
    """One piece of a streamed file: where it starts (seconds in the file) and its mono samples."""

    start_s: float
    samples: np.ndarray


# --------------------------------------------------------------------------- errors


def _check_path(path: Path) -> None:
    """Raise AudioError for the failures a stat can tell: missing, folder, empty, not a file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AudioError(path, BROKEN_LINK if os.path.islink(path) else NOT_FOUND) from None
    except PermissionError:
        raise AudioError(path, PERMISSION) from None
    except (OSError, ValueError) as exc:
        # ValueError: embedded NUL in the name; OSError: name too long, I/O error, loop...
        if getattr(exc, "errno", None) == errno.ELOOP:
            raise AudioError(path, LINK_LOOP) from None
        raise AudioError(path, f"cannot be opened ({os_reason(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioError(path, IS_FOLDER)
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(path, NOT_A_FILE)
    if st.st_size == 0:
        raise AudioError(path, EMPTY_FILE)


def _diagnose_open_failure(path: Path) -> str | None:
    """After libsndfile refused a file, see whether the OS can say why (permission, vanished)."""
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except FileNotFoundError:
        return NOT_FOUND
    except IsADirectoryError:
        return IS_FOLDER
    except PermissionError:
        return PERMISSION
    except OSError as exc:
        return f"cannot be read ({os_reason(exc)})"
    return None


def _reason_from_libsndfile(message: str) -> str:
    text = message.lower()
    if "not recognised" in text or "unknown format" in text or "not a regular file" in text:
        return UNRECOGNISED
    if any(word in text for word in ("lost sync", "short", "truncat", "malformed", "corrupt",
                                     "bad", "invalid", "premature", "end of file")):
        return CORRUPT
    if "unsupported" in text or "not supported" in text:
        return f"{UNSUPPORTED} ({message.strip().rstrip('.')})"
    if message.strip():
        return f"{UNREADABLE_DATA} ({message.strip().rstrip('.')})"
    return UNREADABLE_DATA


def _to_audio_error(path: Path, exc: BaseException, opening: bool) -> AudioError:
    """Map a soundfile/OS/numpy exception to an AudioError with a plain reason; a format
    libsndfile does not know, named by its suffix (UNDECODED_FORMATS), says what to do."""
    error = _plain_error(path, exc, opening)
    kind = UNDECODED_FORMATS.get(path.suffix.lower())
    if error.reason == UNRECOGNISED and kind is not None:
        return AudioError(path, f"{NOT_DECODED} ({kind}, {path.suffix}): convert it to WAV or "
                                "FLAC first (with Audacity or ffmpeg)")
    return error


def _plain_error(path: Path, exc: BaseException, opening: bool) -> AudioError:
    if isinstance(exc, AudioError):
        return exc
    if isinstance(exc, FileNotFoundError):
        return AudioError(path, NOT_FOUND)
    if isinstance(exc, IsADirectoryError):
        return AudioError(path, IS_FOLDER)
    if isinstance(exc, PermissionError):
        return AudioError(path, PERMISSION)
    if isinstance(exc, MemoryError):
        return AudioError(path, "too large to read into memory")
    if opening:
        diagnosis = _diagnose_open_failure(path)
        if diagnosis is not None:
            return AudioError(path, diagnosis)
    if isinstance(exc, sf.LibsndfileError):
        code = exc.code
        if code == 1:  # SF_ERR_UNRECOGNISED_FORMAT
            return AudioError(path, UNRECOGNISED)
        if code == 3:  # SF_ERR_MALFORMED_FILE
            return AudioError(path, CORRUPT)
        if code == 4:  # SF_ERR_UNSUPPORTED_ENCODING
            return AudioError(path, UNSUPPORTED)
        return AudioError(path, _reason_from_libsndfile(exc.error_string or ""))
    if isinstance(exc, OSError):
        return AudioError(path, f"cannot be read ({os_reason(exc)})")
    # RuntimeError / ValueError / TypeError from soundfile's wrapper or libsndfile.
    return AudioError(path, _reason_from_libsndfile(str(exc)))


def _open(path: Path) -> sf.SoundFile:
    _check_path(path)
    try:
        handle = AudioFile(str(path))
    except Exception as exc:  # noqa: BLE001 - every open failure becomes an AudioError
        raise _to_audio_error(path, exc, opening=True) from exc
    if handle.frames == 0 and handle.format in ("WAV", "WAVEX"):  # WAVEX: 24-bit, many channels
        mended = open_mended(str(path))
        if mended is not None:
            handle.close()
            handle = mended
    try:
        _check_header(path, handle)
        handle.find_end()
        if handle.frames <= 0:
            raise AudioError(path, CORRUPT)
    except BaseException:
        handle.close()
        raise
    return handle


def _check_header(path: Path, handle: sf.SoundFile) -> None:
    if handle.samplerate <= 0 or handle.channels <= 0:
        raise AudioError(path, CORRUPT)
    if handle.frames <= 0:  # a header and nothing after it, whatever it claims
        raise AudioError(path, CORRUPT if cut_short_note(handle) else NO_FRAMES)
    if handle.frames >= _UNKNOWN_FRAMES:
        raise AudioError(path, UNKNOWN_LENGTH)
    if handle.format == "FLAC":
        size_bytes = os.path.getsize(path)
        if handle.frames > (size_bytes // _FLAC_MIN_FRAME_BYTES + 1) * _FLAC_MAX_BLOCK:
            raise AudioError(path, f"{CORRUPT}: its header claims "
                                   f"{handle.frames / handle.samplerate / 3600:,.1f} hours, more "
                                   f"than its {size_bytes:,} bytes can hold")


# --------------------------------------------------------------------------- header


def info(path: str | os.PathLike) -> AudioInfo:
    """Read a file's header only (cheap; no samples are decoded)."""
    path = Path(path)
    with _open(path) as handle:
        try:
            return AudioInfo(
                path=path,
                duration_s=handle.frames / handle.samplerate,
                sample_rate_hz=int(handle.samplerate),
                channels=int(handle.channels),
                frames=int(handle.frames),
                format=str(handle.format),
                subtype=str(handle.subtype),
                note=cut_short_note(handle),
            )
        except Exception as exc:  # noqa: BLE001
            raise _to_audio_error(path, exc, opening=False) from exc


# --------------------------------------------------------------------------- reading


def _frames_window(handle: sf.SoundFile, offset_s: float, duration_s: float | None
                   ) -> tuple[int, int]:
    """(start frame, frame count) of the window, clipped to the file."""
    if offset_s < 0 or not np.isfinite(offset_s):
        raise ValueError(f"offset_s must be a finite number >= 0, got {offset_s!r}")
    if duration_s is not None and (duration_s < 0 or not np.isfinite(duration_s)):
        raise ValueError(f"duration_s must be a finite number >= 0, got {duration_s!r}")
    rate = handle.samplerate
    start = min(int(round(offset_s * rate)), handle.frames)
    available = handle.frames - start
    count = available if duration_s is None else min(int(round(duration_s * rate)), available)
    return start, max(0, count)


def mono(block: np.ndarray, channel: int | None = None) -> np.ndarray:
    """One channel of a (frames, channels) block: ``channel`` (0-based), or None for the mean."""
    if block.ndim == 1:
        return block.astype(np.float32, copy=False)
    if block.shape[1] == 1:
        return np.ascontiguousarray(block[:, 0], dtype=np.float32)
    if channel is not None:
        return np.ascontiguousarray(block[:, channel], dtype=np.float32)
    return block.mean(axis=1, dtype=np.float32)


#: The channels a person may pick one by one (a field recorder's 8 inputs, a hydrophone or
#: microphone array's 16, 32 or 64: channels 9-32 of an array were never offered).
MAX_CHANNELS = 64


def channel_problem(channel) -> str | None:
    """Why ``channel`` is not one a person may pick (0..MAX_CHANNELS - 1, or None: the mix), or
    None when it is."""
    if channel is None or (isinstance(channel, int) and not isinstance(channel, bool)
                           and 0 <= channel < MAX_CHANNELS):
        return None
    return f"channel must be one of 0..{MAX_CHANNELS - 1} or None (the mix), not {channel!r}"


def channel_or_mix(channel: int | None, n_channels: int | None) -> int | None:
    """The channel to read of a file of ``n_channels`` channels when ``channel`` (from 0) is
    asked for: that one where the file has it and more than one; else None, the mix (which a
    mono file's one channel is)."""
    if channel is None or not n_channels or n_channels < 2 or not 0 <= channel < n_channels:
        return None
    return channel


def _check_channel(path: Path, handle: sf.SoundFile, channel: int | None) -> None:
    """Raise ValueError unless ``channel`` is None or one of the file's channels (from 0)."""
    if channel is not None and not (isinstance(channel, int) and 0 <= channel < handle.channels):
        raise ValueError(f"{path.name} has {handle.channels} channel(s): no channel {channel!r} "
                         "(counted from 0)")


def _skip_by_reading(path: Path, start: int) -> sf.SoundFile:
    """Reopen ``path`` and decode-and-discard its first ``start`` frames (when seeking fails)."""
    handle = _open(path)
    try:
        remaining = start
        while remaining > 0:
            got = len(handle.read(min(remaining, _SKIP_BLOCK_FRAMES), dtype="float32",
                                  always_2d=True))
            if got == 0:
                break
            remaining -= got
    except AudioError:
        handle.close()
        raise
    except Exception as exc:  # noqa: BLE001
        handle.close()
        raise _to_audio_error(path, exc, opening=False) from exc
    return handle


def _read_frames(path: Path, handle: sf.SoundFile, count: int, channel: int | None = None,
                 first: int = 0) -> np.ndarray:
    """Read ``count`` frames as mono float32 (``channel`` alone, or the mean of all), checking
    for short reads, NaN/Inf and samples far beyond full scale; ``first``: the frame the read
    starts at, for the messages (a GSM 6.10 WAV's handle cannot tell). Many channels are read
    and mixed _MAX_READ_VALUES at a time (an MP3's in one call: see :func:`_read_window`)."""
    per_read = max(1, _MAX_READ_VALUES // handle.channels)
    if handle.channels > 1 and count > per_read and handle.format != "MP3":
        sizes = [n for n in [per_read] * (count // per_read) + [count % per_read] if n]
        return np.concatenate([_read_frames(path, handle, n, channel, first + k * per_read)
                               for k, n in enumerate(sizes)])
    try:
        block = handle.read(count, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _to_audio_error(path, exc, opening=False) from exc
    # The frame count of an MP3 is an estimate; a short read there is not damage.
    if len(block) < count and handle.format != "MP3":
        raise AudioError(path, CORRUPT)
    samples = mono(block, channel)
    peak = float(np.abs(samples).max(initial=0.0))
    if not np.isfinite(peak):
        raise AudioError(path, _non_finite(samples, first, handle.samplerate))
    if peak > MAX_SAMPLE_MAGNITUDE:
        raise AudioError(path, OUT_OF_RANGE)
    return samples


def _non_finite(samples: np.ndarray, first_frame: int, rate_hz: int) -> str:
    """NON_FINITE, with how many such samples this read met and when the first is ("...: 5
    samples of those read, the first at 300.000 s"), so a person can find the damage."""
    bad = np.flatnonzero(~np.isfinite(samples))
    return (f"{NON_FINITE}: {counted(len(bad), 'sample')} of those read, the first at "
            f"{(first_frame + int(bad[0])) / rate_hz:,.3f} s")


def _read_window(path: Path, handle: sf.SoundFile, start: int, count: int,
                 channel: int | None = None) -> tuple[sf.SoundFile, np.ndarray]:
    """Read frames ``[start, start + count)`` as mono float32 (``channel`` alone, or the mean
    of all); returns the handle to go on with.

    libsndfile's MP3 decoder (1.2.x) emits garbage for a couple of MPEG frames after a seek and
    at the start of every read call after the first, so an MP3 window is read in ONE call that
    starts ``_MP3_PREROLL_FRAMES`` early, and the preroll is dropped. Other formats seek and read
    directly. When a seek is refused or lands elsewhere, the file is reopened and decoded from
    its start, discarding frames up to ``start``.
    """
    preroll = min(start, _MP3_PREROLL_FRAMES) if handle.format == "MP3" else 0
    target = start - preroll
    try:
        if handle.tell() != target or handle.format == "MP3":
            if not handle.seekable() or handle.seek(target) != target:
                raise OSError("seek refused")
    except Exception:  # noqa: BLE001 - fall back to reading from the start
        handle.close()
        handle = _skip_by_reading(path, target)
    samples = _read_frames(path, handle, preroll + count, channel, target)
    return handle, samples[preroll:]


def read(path: str | os.PathLike, sample_rate_hz: int | None = None, offset_s: float = 0.0,
         duration_s: float | None = None, channel: int | None = None,
         or_mix: bool = False) -> np.ndarray:
    """Read a window of a file as mono float32 ``(n_samples,)``: the mean of its channels, or
    ``channel`` alone (counted from 0; ValueError when the file has no such channel, or with
    ``or_mix`` the mix, as :func:`channel_or_mix` says: a model trained on one channel of a
    folder that also holds mono files).

    Only the window ``[offset_s, offset_s + duration_s)`` is decoded (the whole rest of the file
    when ``duration_s`` is None); a window running past the end is cut short and one starting
    past the end is empty. With ``sample_rate_hz`` the samples are resampled to that rate.
    """
    path = Path(path)
    handle = _open(path)
    try:
        if or_mix:
            channel = channel_or_mix(channel, handle.channels)
        _check_channel(path, handle, channel)
        start, count = _frames_window(handle, offset_s, duration_s)
        from_hz = int(handle.samplerate)
        if count == 0:
            samples = np.zeros(0, dtype=np.float32)
        else:
            handle, samples = _read_window(path, handle, start, count, channel)
    finally:
        handle.close()
    if sample_rate_hz is not None and int(sample_rate_hz) != from_hz:
        samples = resample(samples, from_hz, int(sample_rate_hz))
    return samples


def read_blocks(path: str | os.PathLike, block_s: float, sample_rate_hz: int | None = None,
                offset_s: float = 0.0, duration_s: float | None = None,
                channel: int | None = None) -> Iterator[AudioBlock]:
    """Stream a file (or the window ``offset_s``/``duration_s`` of it) as consecutive mono blocks.

    Each :class:`AudioBlock` holds ``block_s`` seconds (the last may be shorter) and where it
    starts in the file, so memory stays bounded for a recording of any length. With
    ``sample_rate_hz`` each block is resampled on its own; with ``channel`` (from 0) each holds
    that channel alone, not the mean of all. The file stays open while the generator runs;
    close the generator (or exhaust it) to release it.
    """
    if not block_s > 0:
        raise ValueError(f"block_s must be > 0, got {block_s!r}")
    path = Path(path)
    handle = _open(path)
    try:
        _check_channel(path, handle, channel)
        start, count = _frames_window(handle, offset_s, duration_s)
        from_hz = int(handle.samplerate)
        block_frames = max(1, int(round(block_s * from_hz)))
        position = start
        end = start + count
        while position < end:
            want = min(block_frames, end - position)
            handle, samples = _read_window(path, handle, position, want, channel)
            if len(samples) == 0:
                break
            if sample_rate_hz is not None and int(sample_rate_hz) != from_hz:
                samples = resample(samples, from_hz, int(sample_rate_hz))
            yield AudioBlock(position / from_hz, samples)
            position += want
    finally:
        handle.close()


# --------------------------------------------------------------------------- samples


def fit_length(samples: np.ndarray, n_samples: int) -> np.ndarray:
    """Trim to ``n_samples`` or pad with zeros at the end (as the seed's 5 s padding does)."""
    if n_samples < 0:
        raise ValueError(f"n_samples must be >= 0, got {n_samples!r}")
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) >= n_samples:
        return samples[:n_samples]
    out = np.zeros(n_samples, dtype=np.float32)
    out[: len(samples)] = samples
    return out


def centred_window_start(begin_s: float, end_s: float, length_s: float,
                         duration_s: float | None, offset_s: float = 0.0) -> float:
    """Where a window of ``length_s`` seconds around the span ``begin_s..end_s`` starts: centred
    on the span, moved by ``offset_s``, then slid inside a file of ``duration_s`` (None: of unknown
    length), which keeps a span shorter than the window whole. A longer span keeps its middle."""
    start = (begin_s + end_s) / 2 - length_s / 2 + offset_s
    if duration_s is not None:
        start = min(start, duration_s - length_s)
    return max(0.0, start)


def peak_envelope(samples: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin (min, max) of ``samples`` split into ``n_bins`` nearly equal bins, for drawing.

    With fewer samples than bins, each bin holds the sample under it. Empty input gives zeros.
    """
    if n_bins <= 0:
        raise ValueError(f"n_bins must be > 0, got {n_bins!r}")
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    n = len(samples)
    if n == 0:
        return np.zeros(n_bins, dtype=np.float32), np.zeros(n_bins, dtype=np.float32)
    edges = (np.arange(n_bins, dtype=np.int64) * n) // n_bins
    mins = np.minimum.reduceat(samples, edges).astype(np.float32, copy=False)
    maxs = np.maximum.reduceat(samples, edges).astype(np.float32, copy=False)
    return mins, maxs
