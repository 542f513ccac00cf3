"""ReliabilityView: how far a model's confidence can be trusted, as measured on its validation
clips when it was trained: accuracy per confidence bin as bars after calibration, faint bars
before it, the diagonal a calibrated model follows, and the ECE and temperature in words."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from core.ml.calibration import CalibrationSummary, Reliability

AFTER_BRUSH = pg.mkBrush("#2b5d8aee")  # the training curves' blue
BEFORE_BRUSH = pg.mkBrush("#9aa5b138")
BEFORE_PEN = pg.mkPen("#9aa5b1", width=1)
DIAGONAL_PEN = pg.mkPen("#404850", width=1.2, style=Qt.PenStyle.DashLine)

_TOOLTIP = ("Each bar: the validation clips whose confidence fell in that range, and the share "
            "of them the model got right. A model whose confidence can be trusted keeps its bars "
            "on the dashed diagonal. Faint bars: before calibration.")


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
    """The words beside the plot: the ECE before and after calibration and the temperature."""
    if multi_label:
        return "A multi-label model's scores are per class: no calibration to show."
    if summary is None:
        return ""
    clips = f" on {summary.n:,} validation clips" if summary.n else ""
    text = (f"Calibration{clips}:\nECE {summary.ece_before:.2f} → {summary.ece_after:.2f}, "
            f"T {summary.temperature:.2g}")
    if summary.after is None:
        return text + " (this model file keeps no diagram)"
    key = "\n\nBars: accuracy per confidence range" + (
        "; faint: before calibration" if summary.before is not None else "")
    return text + key + "; dashed: ideal."


class ReliabilityView(QWidget):
    """``set_summary(summary, multi_label)``: the plot and its caption; hidden for a model with
    no calibration (a model from before it, a stopped run), the caption alone where the model
    keeps the figures but not the diagram, or is multi-label."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReliabilityView")
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setToolTip(_TOOLTIP)
        plot = self.plot_widget.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.setLabel("bottom", "Confidence")
        plot.setLabel("left", "Accuracy")
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setTextPen("#333333")
            axis.setPen("#888888")
            axis.setTicks([[(v, f"{v:g}") for v in (0.0, 0.5, 1.0)]])
        plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.03)
        self.before_bars = pg.BarGraphItem(x=[], height=[], width=0.05, brush=BEFORE_BRUSH,
                                           pen=BEFORE_PEN)
        self.after_bars = pg.BarGraphItem(x=[], height=[], width=0.05, brush=AFTER_BRUSH,
                                          pen=pg.mkPen(None))
        self.diagonal = pg.PlotDataItem([0, 1], [0, 1], pen=DIAGONAL_PEN)
        for item in (self.before_bars, self.after_bars, self.diagonal):
            plot.addItem(item)
        self.plot_widget.setFixedSize(190, 150)
        self.caption = QLabel()
        self.caption.setObjectName("Hint")
        self.caption.setWordWrap(True)
        self.caption.setToolTip(
            "ECE (expected calibration error): how far confidence is from accuracy, on average "
            "over the clips. T: the temperature fitted on validation that brings them together; "
            "the confidences the app shows are the calibrated ones.")
        self.caption.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.caption, 1, Qt.AlignmentFlag.AlignVCenter)
        self.summary: CalibrationSummary | None = None
        self.hide()

    def set_summary(self, summary: CalibrationSummary | None, multi_label: bool = False) -> None:
        self.summary = None if multi_label else summary
        self.caption.setText(caption(summary, multi_label))
        if self.summary is None or self.summary.after is None:
            self.before_bars.setOpts(x=[], height=[])
            self.after_bars.setOpts(x=[], height=[])
            self.plot_widget.hide()
            self.setVisible(multi_label or summary is not None)
            return
        if self.summary.before is not None:
            x, height, width = _bars(self.summary.before, 0.0)
            self.before_bars.setOpts(x=x, height=height, width=width)
        else:
            self.before_bars.setOpts(x=[], height=[])
        x, height, width = _bars(self.summary.after, 0.2)
        self.after_bars.setOpts(x=x, height=height, width=width)
        self.plot_widget.show()
        self.show()
