"""Files whose audio ends before their header says it does: a recorder whose battery died, a copy
cut off by a full disk. What is there is read, as Audacity and Raven read it, and the file carries
a note saying how much of what it claims it holds; nothing of it is lost.

A WAV whose data chunk claims no bytes with audio after it (a recorder that stopped before it
wrote its sizes, which it writes last): libsndfile found "no audio frames" in a file of an
hour's audio. :func:`open_mended` opens it with the sizes read as a stream's "unknown" (as
libsndfile reads a stream's 0xFFFFFFFF): to the end of the file, with NO_SIZE_NOTE.

A WAV or AIFF cut short: libsndfile counts the frames its data chunk holds and logs what the
chunk claimed (:func:`cut_short_note` reads that log). A FLAC cut short: its STREAMINFO still
claims every sample, and decoding fails where the data ends ("lost sync"), so the frames it holds
are found by seeking (a decodable position is one a seek reaches and a read goes on from; the
last is found by halving, a few dozen seeks, not by decoding the file) and :class:`AudioFile`
reports those. Pure soundfile, no Qt.
"""

from __future__ import annotations

import functools
import os
import re
import struct

import soundfile as sf

CUT_SHORT = "cut short"  # a readable file's note, not a reason it cannot be read

# libsndfile's log says "data : 16000 (should be 7979)" when a chunk claims more bytes than the
# file holds. Only decimal sizes count: streamed writers put 0 or 0xFFFFFFFF there on purpose.
_SHORT_CHUNK = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
#: Frames read at a time past the last position a seek reaches, to find where decoding stops.
_TAIL_READ_FRAMES = 64


#: The note of a WAV whose header says it holds no audio, read to its end (open_mended).
NO_SIZE_NOTE = ("its header says it holds no audio (a recorder stopped before writing its "
                "sizes?): read to the end of the file")
_UNKNOWN_SIZE = b"\xff\xff\xff\xff"  # a stream's size: libsndfile reads to the file's end


class AudioFile(sf.SoundFile):
    """A soundfile handle whose ``frames`` are those the file holds: fewer than its header
    claims for a FLAC cut short (``claimed_frames`` then says how many it claims), so reads and
    windows stop where the audio does."""

    claimed_frames: int | None = None
    header_note: str | None = None  # NO_SIZE_NOTE for a file open_mended opened
    _source = None  # the _MendedHeader it reads through, closed with it

    def close(self) -> None:
        super().close()
        if self._source is not None:
            self._source.close()

    @property
    def frames(self) -> int:
        held = getattr(self, "_held_frames", None)
        return super().frames if held is None else held

    def find_end(self) -> None:
        """For a FLAC whose last claimed frame cannot be reached, take the frames it holds as
        its length (see the module's note), found once per file's size and time (:func:`_held`:
        every window read opens the file, and the search took 2 s on a 10-minute FLAC)."""
        claimed = super().frames
        if self.format != "FLAC" or claimed <= 0:
            return
        try:
            stat = os.stat(self.name)
        except OSError:
            return  # gone since it was opened: the read that follows says so
        held = _held(os.path.abspath(self.name), stat.st_size, stat.st_mtime_ns, claimed)
        if held < claimed:
            self._held_frames, self.claimed_frames = held, claimed


def open_mended(path: str) -> AudioFile | None:
    """``path`` opened with its WAV header's zero sizes read as "unknown" (see the module's
    note), where its data chunk claims no bytes and audio follows it; None for any other file."""
    patches = _zero_sizes(path)
    if not patches:
        return None
    source = _MendedHeader(path, patches)
    try:
        handle = AudioFile(source)
    except Exception:  # noqa: BLE001 - not mended: the caller's own open says why
        source.close()
        return None
    handle._source, handle.header_note = source, NO_SIZE_NOTE
    return handle


def _zero_sizes(path: str) -> dict[int, bytes]:
    """Offset -> bytes to read there instead: a RIFF WAV's data chunk size of 0 with bytes
    after it that are no chunks (and a RIFF size of 0 beside it) read as a stream's unknown
    size; empty for anything else: a sized data chunk, or a truly empty one with a LIST or id3
    chunk after it, whose bytes read as samples made noise."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return {}
            size = os.fstat(handle.fileno()).st_size
            for at, chunk, length in _chunks(handle, 12, size):
                if chunk != b"data":
                    continue
                after = list(_chunks(handle, at + 8, size))
                last_end = after[-1][0] + 8 + after[-1][2] + (after[-1][2] & 1) if after else 0
                if length != 0 or size <= at + 8 or (
                        last_end in (size, size + 1)
                        and all(32 <= byte < 127 for _, name, _ in after for byte in name)):
                    return {}
                return {at + 4: _UNKNOWN_SIZE, **({4: _UNKNOWN_SIZE} if head[4:8] == bytes(4)
                                                   else {})}
    except (OSError, struct.error):
        pass
    return {}


def _chunks(handle, at: int, size: int):
    """(offset, id, length) of each RIFF chunk from ``at`` on in a file of ``size`` bytes, each
    padded to an even length, as far as whole chunk heads go."""
    while at + 8 <= size:
        handle.seek(at)
        chunk, length = struct.unpack("<4sI", handle.read(8))
        yield at, chunk, length
        at += 8 + length + (length & 1)


class _MendedHeader:
    """A file read through with some bytes read as others (``patches``: offset -> bytes), for
    soundfile's virtual files (read, seek, tell)."""

    def __init__(self, path: str, patches: dict[int, bytes]) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the AudioFile reading it
        self._patches = patches
        self.name = path

    def read(self, count: int = -1) -> bytes:
        start = self._file.tell()
        data = self._file.read(count)
        for at, value in self._patches.items():
            low, high = max(at, start), min(at + len(value), start + len(data))
            if low < high:  # the patch lies (partly) in what was read
                data = data[:low - start] + value[low - at:high - at] + data[high - start:]
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


@functools.lru_cache(maxsize=1 << 16)  # a folder of FLACs, each a few dozen bytes here
def _held(path: str, size: int, mtime_ns: int, claimed: int) -> int:
    """The frames the FLAC at ``path`` (of that size and time) holds: all it claims where its
    last frame decodes, else :func:`_frames_held`'s. Kept per file, whole ones too: the check
    of a whole file's end opened a second handle at every open."""
    if _decodes_at(path, claimed - 1):
        return claimed
    held = _frames_held(path, claimed)
    return claimed if held >= claimed else held  # a last frame a seek misses, but whole


def _frames_held(path: str, claimed: int) -> int:
    """The frames of a FLAC cut short that decode: the last position a seek reaches, found by
    halving, and what reads on from it. Probes with handles of their own: a seek that fails
    leaves libsndfile's FLAC handle unusable."""
    if not _decodes_at(path, 0):
        return 0
    reachable, unreachable = 0, claimed - 1
    while unreachable - reachable > 1:
        middle = (reachable + unreachable) // 2
        if _decodes_at(path, middle):
            reachable = middle
        else:
            unreachable = middle
    return reachable + _frames_read_from(path, reachable, claimed)


def _decodes_at(path: str, frame: int) -> bool:
    """Whether a seek reaches ``frame`` of ``path`` and a frame can be read there."""
    try:
        with sf.SoundFile(path) as handle:
            return (handle.seek(frame) == frame
                    and len(handle.buffer_read(1, dtype="float32")) > 0)
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError):
        return False


def _frames_read_from(path: str, start: int, claimed: int) -> int:
    """Frames read from ``start`` in small steps until the data ends or fails to decode."""
    got = 0
    try:
        with sf.SoundFile(path) as handle:
            handle.seek(start)
            while start + got < claimed:
                want = min(_TAIL_READ_FRAMES, claimed - start - got)
                step = len(handle.buffer_read(want, dtype="float32")) // (4 * handle.channels)
                if step == 0:
                    break
                got += step
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError):
        pass
    return got


def cut_short_note(handle: sf.SoundFile) -> str | None:
    """Where a file's data ends before its header says it does, what it holds of what it
    claims ("cut short: it holds 4.86 s of the 10.00 s its header claims"). None for a whole
    file."""
    if getattr(handle, "header_note", None):
        return handle.header_note
    claimed_frames = getattr(handle, "claimed_frames", None)
    if claimed_frames and handle.samplerate > 0:
        return _held_of_claimed(handle.frames / handle.samplerate,
                                claimed_frames / handle.samplerate)
    try:
        log = handle.extra_info
    except Exception:  # noqa: BLE001 - the log is a nicety, never a reason to fail
        return None
    for claimed, actual in _SHORT_CHUNK.findall(log):
        if 0 < int(actual) < int(claimed) and handle.samplerate > 0:
            held_s = handle.frames / handle.samplerate
            return _held_of_claimed(held_s, held_s * int(claimed) / int(actual))
        if int(actual) < int(claimed):
            return CUT_SHORT
    return None


def _held_of_claimed(held_s: float, claimed_s: float) -> str:
    return f"{CUT_SHORT}: it holds {held_s:,.2f} s of the {claimed_s:,.2f} s its header claims"
