"""Score tracks: each class's probability over time for a long file, a strip under a spectrogram
with its x axis linked to the clip view's (window centres, in seconds). ``ScoreLines`` draws them
on any PlotItem (the Classify tab's ``ScoreTrack``, the clip view's track of ``ClipScores``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from core.ml.novelty import UNKNOWN
from gui.clips.time_plots import style_time_plot
from gui.common.colours import class_colour

_LINE_WIDTH_PX = 2
_UNKNOWN_BRUSH = pg.mkBrush(120, 120, 120, 60)
#: Classes named in the key (one row, above the lines): those that lead in the most windows. A
#: digits model's ten classes and "unknown" took three rows of four and hid half the lines.
LEGEND_MAX = 4
_FAINT_ALPHA = 70  # a class that leads in no window, or not among the key's: a faint thin line


def window_centres_s(starts_s: Sequence[float], duration_s: float,
                     window_s: float | None = None) -> np.ndarray:
    """Where each window's score belongs: its middle, at most the file's end. ``window_s`` None:
    two hops (windows overlap by half, so a window lasts two hops)."""
    starts = np.asarray(starts_s, dtype=np.float64)
    if window_s is None:
        window_s = 2 * float(starts[1] - starts[0]) if len(starts) > 1 else 0.0
    return np.minimum(starts + window_s / 2, duration_s)


#: Probability above 1 the plot shows, empty but for the legend.
LEGEND_ROOM = 0.35


def style_score_plot(plot: pg.PlotItem) -> None:
    """A plot over the clip view's time (its style, so the x axes line up) of probabilities from
    0 to 1, with room above 1 for the legend's row (it lay over the lines at their highest)."""
    style_time_plot(plot)
    show_score_range(plot)
    plot.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
    plot.setLabel("left", "Probability")


def show_score_range(plot: pg.PlotItem) -> None:
    """Probabilities 0 to 1 in view, with the legend's room above."""
    plot.setYRange(-0.05, 1.0 + LEGEND_ROOM, padding=0.0)


class ScoreLines:
    """One line per class on ``plot`` (with a legend), each class's detection threshold a dotted
    line of its colour; a class left out (the background) is drawn neither.

    ``curves`` and ``threshold_lines`` map class name -> item; ``colours`` the project's class
    colours (``set_class_colours``)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.legend = plot.addLegend(offset=(-4, 1), colCount=LEGEND_MAX + 1,
                                     brush=(255, 255, 255, 210))
        self.legend.setLabelTextColor("#333333")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.threshold_lines: dict[str, pg.InfiniteLine] = {}
        self.colours: dict[str, str] = {}
        self._index: dict[str, int] = {}  # class -> its place in the model's classes (its hue)
        self.named: list[str] = []  # the classes in the key, bold; the others faint
        self.unknown_band: pg.PlotDataItem | None = None  # the windows the model calls unknown

    def draw(self, classes: Sequence[str], centres_s: np.ndarray, probabilities: np.ndarray,
             thresholds: Sequence[float] | None = None, leave_out: str | None = None,
             unknown: np.ndarray | None = None) -> None:
        """Replace the lines: ``probabilities`` ``(n_windows, n_classes)`` in ``classes`` order at
        ``centres_s``; ``thresholds`` ``(n_classes,)`` or None for none; class ``leave_out``
        (the model's background) not drawn. ``unknown`` ``(n_windows,)``: the windows unlike
        every clip the model was trained on, a grey band (in the key as "unknown") where every
        line is 0: a recorder's hiss read as a class at 80% looked like calls. The classes that
        lead in the most windows (LEGEND_MAX) are named in the key and drawn bold, the rest
        faint."""
        self.clear()
        probabilities = np.asarray(probabilities, dtype=np.float32)
        if unknown is not None and np.any(unknown):
            unknown = np.asarray(unknown, dtype=bool)
            probabilities = np.where(unknown[:, None], np.float32(0.0), probabilities)
            self.unknown_band = self.plot.plot(centres_s, unknown.astype(np.float32), name=UNKNOWN,
                                               pen=None, fillLevel=0.0, brush=_UNKNOWN_BRUSH)
        self.named = leading_classes(classes, probabilities, leave_out, unknown)
        for k, name in enumerate(classes):
            if name == leave_out:
                continue
            self._index[name] = k
            self.curves[name] = self.plot.plot(
                centres_s, probabilities[:, k], name=name if name in self.named else None,
                pen=self._pen(name))
            if thresholds is not None:
                line = pg.InfiniteLine(pos=float(thresholds[k]), angle=0, movable=False,
                                       pen=self._pen(name, threshold=True))
                self.plot.addItem(line, ignoreBounds=True)
                self.threshold_lines[name] = line

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """Use the project's class colours (class name -> colour), recolouring lines drawn."""
        self.colours = dict(colours)
        for name, curve in self.curves.items():
            curve.setPen(self._pen(name))
        for name, line in self.threshold_lines.items():
            line.setPen(self._pen(name, threshold=True))

    def clear(self) -> None:
        for item in (*self.curves.values(), *self.threshold_lines.values(),
                     *([self.unknown_band] if self.unknown_band is not None else [])):
            self.plot.removeItem(item)
        self.legend.clear()
        self.curves, self.threshold_lines, self._index = {}, {}, {}
        self.named = []
        self.unknown_band = None

    def _pen(self, name: str, threshold: bool = False):
        colour = QColor(class_colour(name, self._index.get(name, 0), self.colours))
        faint = name not in self.named
        if faint:
            colour.setAlpha(_FAINT_ALPHA)
        if threshold:
            return pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine)
        return pg.mkPen(colour, width=1 if faint else _LINE_WIDTH_PX)


def leading_classes(classes: Sequence[str], probabilities: np.ndarray, leave_out: str | None = None,
                    unknown: np.ndarray | None = None) -> list[str]:
    """The classes (``leave_out`` not among them) highest in at least one window not ``unknown``
    nor silent (every score 0, as the clip view's track draws silence), those highest in the most
    windows first, at most LEGEND_MAX; ties in the model's order."""
    keep = [k for k, name in enumerate(classes) if name != leave_out]
    probabilities = np.asarray(probabilities)
    if not keep or probabilities.size == 0:
        return []
    heard = probabilities if unknown is None else probabilities[~np.asarray(unknown, dtype=bool)]
    heard = heard[heard[:, keep].max(axis=1) > 0]
    winners = np.asarray(keep)[np.argmax(heard[:, keep], axis=1)] if len(heard) else []
    led = np.bincount(np.asarray(winners, dtype=np.int64), minlength=len(classes))
    order = sorted((k for k in keep if led[k]), key=lambda k: (-led[k], k))
    return [classes[k] for k in order[:LEGEND_MAX]]


class ScoreTrack(pg.PlotWidget):
    """``show_prediction(prediction)`` draws one line per class; a short file hides the track."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("ScoreTrack")
        plot = self.getPlotItem()
        style_score_plot(plot)
        plot.setLabel("bottom", "Time (s)")
        self.lines = ScoreLines(plot)
        self.setFixedHeight(130)
        self.hide()

    @property
    def curves(self) -> dict[str, pg.PlotDataItem]:
        return self.lines.curves

    @property
    def colours(self) -> dict[str, str]:
        return self.lines.colours

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
        centres = window_centres_s(prediction.window_starts_s, prediction.duration_s)
        self.lines.draw(prediction.classes, centres, probs,
                        unknown=getattr(prediction, "window_unknown", None))
        self.show()
        return True

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """Use the project's class colours (class name -> colour), recolouring lines drawn."""
        self.lines.set_class_colours(colours)

    def clear_track(self) -> None:
        self.lines.clear()
