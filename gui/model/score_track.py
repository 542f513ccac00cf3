"""ScoreTrack: each class's probability over time for a long file, a strip under the spectrogram
with its x axis linked to the clip view's (window centres, in seconds)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.common.colours import class_colour


class ScoreTrack(pg.PlotWidget):
    """``show_prediction(prediction)`` draws one line per class; a short file hides the track."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("ScoreTrack")
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=True, y=False)
        plot.setYRange(0.0, 1.0, padding=0.05)
        plot.setLabel("left", "Probability")
        plot.setLabel("bottom", "Time (s)")
        plot.getAxis("left").setWidth(64)  # as the clip view's plots, so the x axes line up
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.legend = plot.addLegend(offset=(-4, 4), colCount=4)
        self.legend.setLabelTextColor("#333333")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.colours: dict[str, str] = {}  # the project's class colours (set_class_colours)
        self.setFixedHeight(130)
        self.hide()

    def link_x(self, plot: pg.PlotItem) -> None:
        """Follow ``plot``'s time axis (the clip view's spectrogram)."""
        self.getPlotItem().setXLink(plot)

    def show_prediction(self, prediction) -> bool:
        """Draw a Prediction's window probabilities; returns whether the track is shown."""
        self.clear_track()
        probs = getattr(prediction, "window_probabilities", None)
        if prediction is None or probs is None or len(prediction.window_starts_s) < 2:
            self.hide()
            return False
        probs = np.asarray(probs, dtype=np.float32)
        starts = np.asarray(prediction.window_starts_s, dtype=np.float64)
        # Windows overlap by half, so a window lasts two hops; its score belongs to its middle.
        hop_s = float(starts[1] - starts[0])
        centres = np.minimum(starts + hop_s, prediction.duration_s)
        for k, name in enumerate(prediction.classes):
            pen = pg.mkPen(class_colour(name, k, self.colours), width=2)
            self.curves[name] = self.plot(centres, probs[:, k], pen=pen, name=name)
        self.show()
        return True

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """Use the project's class colours (class name -> colour), recolouring lines drawn."""
        self.colours = dict(colours)
        for k, (name, curve) in enumerate(self.curves.items()):
            curve.setPen(pg.mkPen(class_colour(name, k, self.colours), width=2))

    def clear_track(self) -> None:
        for curve in self.curves.values():
            self.getPlotItem().removeItem(curve)
        self.legend.clear()
        self.curves = {}
