"""Plots over a clip's time, the clip view's and any drawn in line with them: their look and
mouse (``style_time_plot``), the playhead line, and the stack of extra plots (tracks) kept under
the spectrogram with their x axis linked to the clip's."""

from __future__ import annotations

import pyqtgraph as pg

LEFT_AXIS_WIDTH_PX = 64  # every time plot shares it, so their x axes line up
FREQUENCY_LABEL = "Frequency (kHz)"
_PLAYHEAD_COLOUR = "#d1495b"


class FrequencyAxis(pg.AxisItem):
    """A spectrogram's frequency axis in kilohertz, as Raven Pro's and Audacity's (a bat's
    recording read 150000 at its top, past the axis's 64 px); plain numbers while the plot is
    labelled otherwise (the model's features: mel bands, FFT bins)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        if self.labelText != FREQUENCY_LABEL:
            return super().tickStrings(values, scale, spacing)
        return [f"{value / 1000:g}" for value in values]


def style_time_plot(plot: pg.PlotItem) -> None:
    """The mouse moves time only, the left axis as wide as the others', plain units."""
    plot.setMouseEnabled(x=True, y=False)
    plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH_PX)
    # Keep plain seconds and hertz: no "(x0.001)" or kHz rescaling of the labels.
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    # Stacked plots share their edges: a label past its own axis's end would print over the
    # neighbour's (the waveform's -1.0 over the spectrogram's top frequency).
    plot.getAxis("left").setStyle(hideOverlappingLabels=True)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    plot.vb.sigResized.connect(lambda *_: fit_left_label(plot))
    for name in ("left", "bottom"):
        plot.getAxis(name).setTextPen("#333333")
        plot.getAxis(name).setPen("#888888")
        # Major and minor ticks only: the third level doubled the axes' share of a redraw.
        plot.getAxis(name).setStyle(maxTickLevel=1)


def fit_left_label(plot: pg.PlotItem) -> None:
    """Show the left axis's label only where the plot is as tall as it: in a short plot (the
    Classify tab's preview) "Amplitude" ran down over "Frequency (Hz)" below it."""
    axis = plot.getAxis("left")
    fits = axis.label.boundingRect().width() <= plot.vb.height()
    if axis.labelText and axis.label.isVisible() != fits:
        axis.label.setVisible(fits)


def make_playhead(plot: pg.PlotItem) -> pg.InfiniteLine:
    """A hidden playhead line on ``plot``, above everything else on it."""
    line = pg.InfiniteLine(pos=0.0, angle=90, movable=False,
                           pen=pg.mkPen(_PLAYHEAD_COLOUR, width=1.5))
    line.setZValue(10)
    line.hide()
    plot.addItem(line, ignoreBounds=True)
    return line


class TrackStack:
    """The plots placed in ``graphics`` from row ``first_row`` down, each linked to ``x_link``'s
    time axis and styled as a time plot."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, x_link: pg.PlotItem,
                 first_row: int) -> None:
        self._graphics, self._x_link, self._first_row = graphics, x_link, first_row
        self._plots: list[pg.PlotItem] = []

    def plots(self) -> list[pg.PlotItem]:
        """The tracks, top first."""
        return list(self._plots)

    def add(self, plot: pg.PlotItem, stretch: int = 2) -> None:
        """Place ``plot`` under the others with ``stretch`` as its share of the height. Adding
        it again does nothing."""
        if plot in self._plots:
            return
        row = self._first_row + len(self._plots)
        self._graphics.addItem(plot, row=row, col=0)
        self._graphics.ci.layout.setRowStretchFactor(row, stretch)
        style_time_plot(plot)
        plot.setXLink(self._x_link)
        self._plots.append(plot)

    def remove(self, plot: pg.PlotItem) -> None:
        """Take ``plot`` out (it may be added again later), closing the gap it leaves."""
        if plot not in self._plots:
            return
        plot.setXLink(None)
        self._graphics.removeItem(plot)
        self._plots.remove(plot)
        for row, track in enumerate(self._plots, start=self._first_row):
            self._graphics.removeItem(track)
            self._graphics.addItem(track, row=row, col=0)
        self._graphics.ci.layout.setRowStretchFactor(self._first_row + len(self._plots), 0)
