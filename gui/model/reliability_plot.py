"""ReliabilityPlot: how far a model's confidence can be trusted, as measured on its validation
clips when it was trained: accuracy per confidence bin as bars after calibration, faint bars
before it, and the diagonal a calibrated model follows; ``caption`` gives the ECE and the
temperature in words."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from core.ml.calibration import CalibrationSummary, Reliability

AFTER_BRUSH = pg.mkBrush("#2b5d8aee")  # the training curves' blue
BEFORE_BRUSH = pg.mkBrush("#9aa5b138")
BEFORE_PEN = pg.mkPen("#9aa5b1", width=1)
DIAGONAL_PEN = pg.mkPen("#404850", width=1.2, style=Qt.PenStyle.DashLine)

_TOOLTIP = ("Calibration on the validation clips. Each bar: the clips whose confidence fell in "
            "that range, and the share of them the model got right. A model whose confidence can "
            "be trusted keeps its bars on the dashed diagonal. Faint bars: before calibration.")
CAPTION_TOOLTIP = (
    "ECE (expected calibration error): how far confidence is from accuracy, on average over the "
    "clips. The temperature, fitted on validation, brings them together; the confidences "
    "the app shows are the calibrated ones.")


def _bars(diagram: Reliability, inset: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The centres and heights of a diagram's filled bins, and the bar width (``inset`` of a
    bin's width left either side)."""
    width = 1.0 / diagram.n_bins
    filled = [i for i, (k, a) in enumerate(zip(diagram.count, diagram.accuracy, strict=True))
              if k and a is not None]
    centres = (np.asarray(filled, dtype=float) + 0.5) * width
    heights = np.asarray([diagram.accuracy[i] for i in filled], dtype=float)
    return centres, heights, width * (1 - 2 * inset)


def caption(summary: CalibrationSummary | None, multi_label: bool = False) -> str:
    """The ECE before and after calibration and the temperature, in words ('' for none)."""
    if multi_label:
        return "Calibration: none for a multi-label model (its scores are per class)."
    if summary is None:
        return ""
    # Fitted on those clips: its error there is the least it has (a cats-and-dogs model's 0.05
    # was 0.15 on clips held out), which "on the validation clips" alone did not say.
    clips = (f" on the {summary.n:,} validation clips it was fitted on" if summary.n else "")
    text = (f"Calibration{clips}: expected calibration error (ECE) {summary.ece_before:.2f} "
            f"→ {summary.ece_after:.2f} with temperature {summary.temperature:.2g}")
    if summary.held:
        text += (f". {summary.n:,} clips are too few to make the model surer than it says: "
                 "label more clips to calibrate it")
    elif summary.ece_after > summary.ece_before and summary.temperature > 1:
        # A few validation clips, (nearly) all right: the fit holds the model's confidence to
        # what so few answers vouch for, which reads as a larger error on those same clips.
        text += (f". Higher after: {summary.n:,} clips vouch for less certainty than the model "
                 "claimed, so its confidence is held down; label more clips to measure it")
    return text + (" (this model file keeps no diagram)" if summary.after is None else "")


class ReliabilityPlot(pg.PlotItem):
    """A plot item (under the training curves, in their layout) drawing a model's reliability
    diagram: ``set_summary(summary)``, which returns whether there is one to show (a model from
    before calibration, a stopped run or a multi-label one has none)."""

    def __init__(self) -> None:
        super().__init__(title="Calibration")
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.setLabel("bottom", "Confidence")
        self.setLabel("left", "Accuracy")  # of the validation clips in each bar's bin
        self.setToolTip(_TOOLTIP)
        ticks = [[(v, f"{v:g}") for v in (0.0, 0.5, 1.0)]]
        for name in ("left", "bottom"):
            self.getAxis(name).setTicks(ticks)
            # The 0 and 1 at the ends reach past the axis a little: shown, not dropped (no grid:
            # with one, pyqtgraph drops the labels that reach past the view, as short as the
            # Training tab draws it).
            self.getAxis(name).setStyle(hideOverlappingLabels=False)
        self.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.08)
        self.before_bars = pg.BarGraphItem(x=[], height=[], width=0.05, brush=BEFORE_BRUSH,
                                           pen=BEFORE_PEN)
        self.after_bars = pg.BarGraphItem(x=[], height=[], width=0.05, brush=AFTER_BRUSH,
                                          pen=pg.mkPen(None))
        self.diagonal = pg.PlotDataItem([0, 1], [0, 1], pen=DIAGONAL_PEN)
        for item in (self.before_bars, self.after_bars, self.diagonal):
            self.addItem(item)
        self.summary: CalibrationSummary | None = None

    def set_summary(self, summary: CalibrationSummary | None) -> bool:
        self.summary = summary if summary is not None and summary.after is not None else None
        if self.summary is None:
            self.before_bars.setOpts(x=[], height=[])
            self.after_bars.setOpts(x=[], height=[])
            return False
        if self.summary.before is not None:
            x, height, width = _bars(self.summary.before, 0.0)
            self.before_bars.setOpts(x=x, height=height, width=width)
        else:
            self.before_bars.setOpts(x=[], height=[])
        x, height, width = _bars(self.summary.after, 0.2)
        self.after_bars.setOpts(x=x, height=height, width=width)
        return True
