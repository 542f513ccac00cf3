"""Where the pointer is over the clip view, said in the status bar: its time in the file (and by
the recorder's clock, where the file's name gives it), and over the spectrogram its frequency and
the level drawn there, as Raven Pro and Sonic Visualiser say it. Without it, a call's time and
pitch could be read only off the axes, or by marking a region."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtWidgets import QLabel

from core.audio.spectrogram import full_scale_db
from gui.common.time_text import format_position


class CursorReadout(QLabel):
    """A label (for the status bar) that follows the pointer over ``clip_view``'s plots and
    empties when it leaves them."""

    def __init__(self, clip_view: Any, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("CursorReadout")
        self.setContentsMargins(0, 0, 12, 0)  # apart from the store's note beside it
        self._view = clip_view
        clip_view.graphics.scene().sigMouseMoved.connect(self._on_moved)
        clip_view.graphics.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.clear()
        return False

    def _on_moved(self, scene_pos: QPointF) -> None:
        self.setText(readout_text(self._view, scene_pos))


def readout_text(view: Any, scene_pos: QPointF) -> str:
    """'12.35 s (22:05:12) · 4,500 Hz · -62 dB FS' for a point of the scene over ``view``'s
    spectrogram, the time alone over its waveform; empty elsewhere or past the clip."""
    data = view.data
    if data is None:
        return ""
    for plot in (view.spec_plot, view.wave_plot):
        if not plot.vb.sceneBoundingRect().contains(scene_pos):
            continue
        point = plot.vb.mapSceneToView(scene_pos)
        time_s = point.x()
        if not 0.0 <= time_s <= data.duration_s:
            return ""
        text = format_position(time_s, unit=True)
        if view.time_axis.began is not None:
            text += f" ({view.time_axis.began + timedelta(seconds=time_s):%H:%M:%S})"
        if plot is view.spec_plot and point.y() >= 0 and not view.show_features():
            text += f" · {point.y():,.0f} Hz"  # (the model's features are in bands, not Hz)
            level = _level_at(view, scene_pos)
            if level is not None:
                text += f" · {level:.0f} dB FS"
        return text
    return ""


def _level_at(view: Any, scene_pos: QPointF) -> float | None:
    """The level (dB FS: a full-scale sine's bin reads 0, as the measurements do) of the
    spectrogram drawn under ``scene_pos``: a long file's detail of the range on show where it
    covers the point, else the clip's image; None over a long file's overview, whose pooled
    cells are no one frame's."""
    images = [view.detail_image] + ([view.spec_image] if view.data.overview is None else [])
    for item in images:
        image = item.image
        if not item.isVisible() or image is None or image.ndim != 2 or image.shape[0] < 2:
            continue
        pixel = item.mapFromScene(scene_pos)
        row, col = math.floor(pixel.y()), math.floor(pixel.x())
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            value = float(image[row, col])
            n_fft = 2 * (image.shape[0] - 1)  # its rows are the frames' n_fft / 2 + 1 bins
            return value - full_scale_db(n_fft) if np.isfinite(value) else None
    return None
