"""A tiny PNG reader for tests: 8-bit RGB, no interlace, rows unfiltered as core.ml.png_canvas
writes them (zlib and struct alone, so the core tests need no image library)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk; each chunk's CRC checked."""
    assert data[:8] == SIGNATURE, "not a PNG signature"
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        out.append((kind, body))
        pos += 12 + length
    return out


def read_png(source: bytes | str | Path) -> np.ndarray:
    """The ``(height, width, 3)`` uint8 image of an 8-bit RGB PNG."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    parts = chunks(data)
    assert parts[0][0] == b"IHDR" and parts[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", parts[0][1])
    assert (depth, colour, interlace) == (8, 2, 0), "only 8-bit RGB, not interlaced"
    raw = zlib.decompress(b"".join(body for kind, body in parts if kind == b"IDAT"))
    stride = 3 * width
    assert len(raw) == height * (1 + stride)
    rows = np.frombuffer(raw, np.uint8).reshape(height, 1 + stride)
    assert not rows[:, 0].any(), "only filter 0 (none) is read"
    return rows[:, 1:].reshape(height, width, 3).copy()
