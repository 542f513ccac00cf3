"""A small raster canvas and PNG writer in plain numpy, zlib and struct: the plots Earmark writes
(``report_png``) need no plotting library and no Qt.

Shapes are drawn on a canvas ``supersample`` times finer than the image and averaged down, so
lines and edges come out anti-aliased; text from ``bitmap_font`` lands on whole pixels and stays
sharp. Coordinates are image pixels (floats), origin top left, y down.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from core.ml.bitmap_font import BASELINE_ROW, CELL_ROWS, text_mask

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Colour = str | tuple[int, int, int]


def rgb(colour: Colour) -> np.ndarray:
    """``(3,)`` float32 of ``"#rrggbb"`` or an ``(r, g, b)`` tuple (0..255)."""
    if isinstance(colour, str):
        value = colour.lstrip("#")
        return np.array([int(value[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)
    return np.asarray(colour, dtype=np.float32)


def encode_png(image: np.ndarray) -> bytes:
    """The PNG file of an ``(height, width, 3)`` uint8 RGB image (8 bits, no interlace, filter
    0 on every row)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, channels = image.shape
    if channels != 3:
        raise ValueError(f"an RGB image has 3 channels, not {channels}")
    raw = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # a 0 (filter) before each row
    raw[:, 1:] = image.reshape(height, 3 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b""))


def write_png(path: str | Path, image: np.ndarray) -> Path:
    """Write ``image`` (see ``encode_png``) to ``path``; OSError as ``open`` raises it."""
    path = Path(path)
    path.write_bytes(encode_png(image))
    return path


class Canvas:
    """An RGB image ``width_px`` x ``height_px`` on a white (or ``background``) ground; draw,
    then ``image()``."""

    def __init__(self, width_px: int, height_px: int, background: Colour = "#ffffff",
                 supersample: int = 3) -> None:
        self.width_px, self.height_px, self.ss = int(width_px), int(height_px), int(supersample)
        self.pixels = np.empty((self.height_px * self.ss, self.width_px * self.ss, 3), np.float32)
        self.pixels[:] = rgb(background)

    # ---- compositing --------------------------------------------------------------------

    def _blend(self, top: int, left: int, coverage: np.ndarray, colour: Colour,
               alpha: float) -> None:
        """Paint ``colour`` over the fine pixels from (``top``, ``left``) by ``coverage``
        (0..1, fine pixels), clipped to the canvas."""
        h, w = coverage.shape
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + h, self.pixels.shape[0]), min(left + w, self.pixels.shape[1])
        if y1 <= y0 or x1 <= x0:
            return
        a = (alpha * coverage[y0 - top:y1 - top, x0 - left:x1 - left])[..., None]
        region = self.pixels[y0:y1, x0:x1]
        region += a * (rgb(colour) - region)

    def image(self) -> np.ndarray:
        """The picture, ``(height_px, width_px, 3)`` uint8: each pixel the mean of its fine ones."""
        fine = self.pixels.reshape(self.height_px, self.ss, self.width_px, self.ss, 3)
        return np.clip(fine.mean(axis=(1, 3)) + 0.5, 0, 255).astype(np.uint8)

    # ---- shapes -------------------------------------------------------------------------

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: Colour,
             alpha: float = 1.0, hatch_px: float | None = None) -> None:
        """Fill the rectangle between the corners (any order), to a fine pixel; with
        ``hatch_px``, only diagonal stripes that far apart (what lies under shows through)."""
        s = self.ss
        left, right = sorted((round(x0 * s), round(x1 * s)))
        top, bottom = sorted((round(y0 * s), round(y1 * s)))
        if right <= left or bottom <= top:
            return
        coverage = np.ones((bottom - top, right - left), np.float32)
        if hatch_px is not None:  # stripes fixed to the canvas, so neighbours line up
            fy, fx = np.mgrid[top:bottom, left:right]
            coverage = (((fx - fy) % round(hatch_px * s)) < 1.5 * s).astype(np.float32)
        self._blend(top, left, coverage, colour, alpha)

    def frame(self, x0: float, y0: float, x1: float, y1: float, colour: Colour,
              width_px: float = 1.0) -> None:
        """The outline of a rectangle, ``width_px`` wide, inside the corners."""
        w = width_px
        for box in ((x0, y0, x1, y0 + w), (x0, y1 - w, x1, y1), (x0, y0, x0 + w, y1),
                    (x1 - w, y0, x1, y1)):
            self.rect(*box, colour)

    def line(self, points, colour: Colour, width_px: float = 1.0, alpha: float = 1.0,
             dash_px: tuple[float, float] | None = None) -> None:
        """A polyline through ``points`` [(x, y), ...] with round joins; ``dash_px`` (on, off)
        draws it dashed. Painted once, so overlapping segments do not darken where they meet."""
        points = [(float(x), float(y)) for x, y in points]
        segments = list(zip(points[:-1], points[1:], strict=True))
        if dash_px is not None:
            segments = _dashed(segments, *dash_px)
        if not segments:
            return
        s, half = self.ss, width_px * self.ss / 2
        xs = [c for seg in segments for c in (seg[0][0], seg[1][0])]
        ys = [c for seg in segments for c in (seg[0][1], seg[1][1])]
        left, top = int(np.floor(min(xs) * s - half - 1)), int(np.floor(min(ys) * s - half - 1))
        right, bottom = int(np.ceil(max(xs) * s + half + 1)), int(np.ceil(max(ys) * s + half + 1))
        left, top = max(left, 0), max(top, 0)
        right, bottom = min(right, self.pixels.shape[1]), min(bottom, self.pixels.shape[0])
        if right <= left or bottom <= top:
            return
        coverage = np.zeros((bottom - top, right - left), np.float32)
        for (ax, ay), (bx, by) in segments:
            ax, ay, bx, by = ax * s, ay * s, bx * s, by * s
            l0 = max(int(np.floor(min(ax, bx) - half - 1)), left)
            t0 = max(int(np.floor(min(ay, by) - half - 1)), top)
            r0 = min(int(np.ceil(max(ax, bx) + half + 1)), right)
            b0 = min(int(np.ceil(max(ay, by) + half + 1)), bottom)
            if r0 <= l0 or b0 <= t0:
                continue
            py, px = np.mgrid[t0:b0, l0:r0].astype(np.float32) + 0.5
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1) if length2 else 0.0
            distance = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            cover = np.clip(half + 0.5 - distance, 0, 1)
            view = coverage[t0 - top:b0 - top, l0 - left:r0 - left]
            np.maximum(view, cover, out=view)
        self._blend(top, left, coverage, colour, alpha)

    def disc(self, x: float, y: float, radius_px: float, colour: Colour,
             alpha: float = 1.0) -> None:
        s = self.ss
        r = radius_px * s
        left, top = int(np.floor(x * s - r - 1)), int(np.floor(y * s - r - 1))
        size = int(np.ceil(2 * r + 3))
        py, px = np.mgrid[top:top + size, left:left + size].astype(np.float32) + 0.5
        coverage = np.clip(r + 0.5 - np.hypot(px - x * s, py - y * s), 0, 1)
        self._blend(top, left, coverage, colour, alpha)

    # ---- text ---------------------------------------------------------------------------

    def text(self, x: float, y: float, text: str, colour: Colour = "#1f2328", scale: int = 1,
             align: str = "left", valign: str = "baseline", vertical: bool = False) -> float:
        """Write ``text`` with its anchor at (``x``, ``y``): ``align`` left, centre or right,
        ``valign`` top, middle (of the capitals), baseline or bottom (under the descenders);
        ``vertical`` reads bottom to top (a y-axis label; the anchor's roles turn with it).
        Each font pixel is ``scale`` image pixels. Returns the width written, in pixels."""
        ink = text_mask(text)
        unit = scale * self.ss
        width = ink.shape[1] * scale
        dx = {"left": 0.0, "centre": width / 2, "right": float(width)}[align]
        dy = {"top": 0.0, "middle": (BASELINE_ROW / 2) * scale, "baseline": BASELINE_ROW * scale,
              "bottom": CELL_ROWS * scale}[valign]
        block = np.kron(ink.astype(np.float32), np.ones((unit, unit), np.float32))
        if vertical:
            block = np.rot90(block)  # counter-clockwise: the text reads upwards
            left, top = round(x - dy), round(y - (width - dx))
        else:
            left, top = round(x - dx), round(y - dy)
        self._blend(top * self.ss, left * self.ss, block, colour, 1.0)
        return float(width)


def _dashed(segments, on_px: float, off_px: float):
    """The pieces of ``segments`` that are ink in an on/off dash pattern along their length."""
    pieces, phase, period = [], 0.0, on_px + off_px
    for (ax, ay), (bx, by) in segments:
        length = float(np.hypot(bx - ax, by - ay))
        at = 0.0
        while at < length:
            in_period = phase % period
            step = min((on_px - in_period) if in_period < on_px else (period - in_period),
                       length - at)
            if in_period < on_px and step > 0:
                t0, t1 = at / length, (at + step) / length
                pieces.append(((ax + t0 * (bx - ax), ay + t0 * (by - ay)),
                               (ax + t1 * (bx - ax), ay + t1 * (by - ay))))
            at += step
            phase += step
    return pieces
