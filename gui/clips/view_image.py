"""The clip view as a figure: its plots as shown (waveform, spectrogram at the chosen zoom and
frequency range, regions, score tracks), without the playhead, as Raven Pro and Sonic Visualiser
export theirs: a PNG at twice the screen's resolution, or a PDF whose axes, text, waveform and
regions are vectors (the spectrogram, an image on screen, is embedded as one) for a paper's
figure to be edited and scaled. (Qt's SVG generator drew pyqtgraph's scaled plots in the wrong
places and lost the waveform; its PDF writer draws them as the screen does.)"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRect, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter

from core.paths import write_bytes_atomic

#: A PNG's pixels per pixel on screen: sharp text and lines in a printed figure.
PNG_SCALE = 2
#: The formats offered, as a file dialog's filters.
IMAGE_FILTERS = "PNG image (*.png);;PDF drawing (*.pdf)"


def default_image_name(clip_path: str, start_s: float, end_s: float,
                       channel: int | None = None) -> str:
    """'night.wav' shown from 12.5 to 14 s -> 'night_12.50-14.00s.png'; its second channel
    (``channel`` 1, from 0) -> 'night_channel2_12.50-14.00s.png'."""
    shown = "" if channel is None else f"_channel{channel + 1}"
    return f"{Path(clip_path).stem}{shown}_{start_s:.2f}-{end_s:.2f}s.png"


def save_view_image(clip_view, path: str | Path) -> Path:
    """Draw ``clip_view``'s plots into the PNG or PDF ``path`` (by its suffix) and return it.
    Raises ValueError for another suffix or when no clip is shown, OSError when the file cannot
    be written (the reason from the system, with the path)."""
    path = Path(path)
    draw = {".png": lambda graphics: _png_bytes(graphics, PNG_SCALE),
            ".pdf": _pdf_bytes}.get(path.suffix.lower())
    if draw is None:
        raise ValueError(f"{path.name}: the view is written as a .png image or a .pdf drawing")
    if clip_view.data is None:
        raise ValueError("no clip is shown")
    playheads = [line for line in (clip_view.wave_playhead, clip_view.spec_playhead)
                 if line.isVisible()]
    for line in playheads:
        line.hide()
    try:
        data = draw(clip_view.graphics)
    finally:
        for line in playheads:
            line.show()
    write_bytes_atomic(path, data)  # a save over a figure, cut short, leaves the figure
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


def _pdf_bytes(graphics) -> bytes:
    """The graphics view's scene as seen, as a one-page PDF of the viewport's size. The page
    has the screen's resolution: pyqtgraph's axes replay pictures recorded for the screen, which
    another resolution would scale away from their plots."""
    viewport = graphics.viewport().rect()
    dpi = graphics.logicalDpiX()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle("Earmark clip view")
    writer.setResolution(dpi)
    writer.setPageSize(QPageSize(QSizeF(viewport.size()) * (72 / dpi), QPageSize.Unit.Point))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    painter = QPainter(writer)
    target = QRectF(0, 0, painter.device().width(), painter.device().height())
    painter.fillRect(target, graphics.backgroundBrush().color())
    graphics.render(painter, target, QRect(viewport))
    painter.end()
    return bytes(buffer.data())
