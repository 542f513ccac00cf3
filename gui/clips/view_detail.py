"""The visible range at full resolution: once the clip view's range settles, the range's
spectrogram and waveform envelope are asked of the loader at the plot's pixel width and drawn
over the coarser image beneath (a long file's overview, or a short clip's spectrogram pooled to
its most columns: a bat detector's seconds at 384 kHz), the waveform spliced into its line; an
image as fine as the pixels, or at its own full resolution, gets no detail."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg

from gui.clips.clip_loader import ClipData, ClipLoader, envelope_line, splice_line

# A detail image wider than this many columns costs more to draw than any screen shows.
MAX_DETAIL_COLUMNS = 8192


def coarse_column_s(data: ClipData) -> float | None:
    """Seconds of the file in one column of the image beneath, where finer ones can be computed:
    a long file's overview, or a short clip's spectrogram pooled to fit (a 6 s bat recording at
    384 kHz: 2.7 ms a column, a 3 ms call one column however far one zoomed). None for a
    spectrogram at its own resolution."""
    image = data.spectrogram  # a long file's: its overview's columns
    return image.duration_s / max(image.db.shape[1], 1) if image.pooled else None


class RangeDetail:
    """The detail layer of one clip view: ``image`` (an ImageItem over the spectrogram, added to
    it by the view) and the waveform ``wave_curve`` it splices into; ``loader`` computes it."""

    def __init__(self, loader: ClipLoader, wave_curve: pg.PlotDataItem) -> None:
        self._loader, self._wave_curve = loader, wave_curve
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(1)
        self.image.hide()
        self._key: tuple | None = None  # the detail on show or asked for

    def request(self, data: ClipData, path: Path, range_s: tuple[float, float], width_px: float,
                config) -> None:
        """Ask for ``range_s`` of ``data``'s file at ``width_px`` columns (``config``: the
        spectrogram's), unless the overview is as fine as that already, or the same was asked."""
        n_columns = int(min(max(width_px, 1), MAX_DETAIL_COLUMNS))
        start_s, end_s = range_s
        coarse_s = coarse_column_s(data)
        if coarse_s is None or coarse_s <= (end_s - start_s) / n_columns:
            self.hide(data)
            return
        key = (start_s, end_s, n_columns, config.n_fft_for(data.sample_rate_hz))
        if key != self._key:
            self._key = key
            self._loader.request_range(path, start_s, end_s, n_columns, config)

    def draw(self, data: ClipData, image, levels: tuple[float, float]) -> bool:
        """Draw a range the loader computed (a RangeSpectrogram) over ``data``'s overview, unless
        none is wanted now or it was computed with another FFT size; True when drawn."""
        if self._key is None or image.n_fft != self._key[3]:
            return False
        self.image.setImage(image.db, levels=levels, autoLevels=False)
        self.image.setRect(image.start_s, 0.0, image.end_s - image.start_s, image.max_freq_hz)
        self.image.show()
        # The waveform: the range's own envelope, the overview's on either side of it.
        detail_x, detail_y = envelope_line(image.env_min, image.env_max, image.start_s,
                                           image.end_s)
        self._wave_curve.setData(*splice_line(data.wave_x_s, data.wave_y, detail_x, detail_y,
                                              image.start_s, image.end_s))
        return True

    def hide(self, data: ClipData | None) -> None:
        """No detail: a request on its way is dropped, ``data``'s own waveform drawn again."""
        self._loader.cancel_range()
        if self._key is not None and data is not None:
            self._wave_curve.setData(data.wave_x_s, data.wave_y)
        self._key = None
        self.image.hide()
        self.image.clear()

    def range_s(self) -> tuple[float, float] | None:
        """The range drawn at full resolution, or None."""
        if not self.image.isVisible() or self._key is None:
            return None
        rect = self.image.mapRectToParent(self.image.boundingRect())
        return float(rect.left()), float(rect.right())
