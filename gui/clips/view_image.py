"""The clip view as a figure: its plots as shown (waveform, spectrogram at the chosen zoom and
frequency range, regions, score tracks), without the playhead, as a PNG at twice the screen's
resolution, as Raven Pro and Sonic Visualiser export theirs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QRect, QRectF
from PySide6.QtGui import QImage, QPainter

#: A PNG's pixels per pixel on screen: sharp text and lines in a printed figure.
PNG_SCALE = 2


def default_image_name(clip_path: str, start_s: float, end_s: float) -> str:
    """'night.wav' shown from 12.5 to 14 s -> 'night_12.50-14.00s.png'."""
    return f"{Path(clip_path).stem}_{start_s:.2f}-{end_s:.2f}s.png"


def save_view_image(clip_view, path: str | Path) -> Path:
    """Draw ``clip_view``'s plots into the PNG ``path`` and return it. Raises ValueError for
    another suffix or when no clip is shown, OSError when the file cannot be written (the
    reason from the system, with the path)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path.name}: the view is written as a .png image")
    if clip_view.data is None:
        raise ValueError("no clip is shown")
    playheads = [line for line in (clip_view.wave_playhead, clip_view.spec_playhead)
                 if line.isVisible()]
    for line in playheads:
        line.hide()
    try:
        data = _png_bytes(clip_view.graphics, PNG_SCALE)
    finally:
        for line in playheads:
            line.show()
    path.write_bytes(data)
    return path


def _png_bytes(graphics, scale: int) -> bytes:
    """The graphics view's scene as seen, drawn again at ``scale`` times its pixels (text and
    lines are drawn at that resolution, not enlarged)."""
    viewport = graphics.viewport().rect()
    image = QImage(viewport.size() * scale, QImage.Format.Format_ARGB32)
    image.fill(graphics.backgroundBrush().color())
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    graphics.render(painter, QRectF(image.rect()), QRect(viewport))
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())
