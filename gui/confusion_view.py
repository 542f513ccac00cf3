"""ConfusionView: a confusion-matrix heatmap (rows: true class, columns: predicted) whose cells
can be clicked to list the clips behind them."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont

_TEXT_DARK, _TEXT_LIGHT = "#1f2328", "#ffffff"


class ConfusionView(pg.PlotWidget):
    """``set_matrix(classes, matrix)`` draws counts; ``cell_clicked(true, predicted)`` on a click.

    Colours follow each row's share (recall), so a rare class's mistakes show as clearly as a
    common one's; the number in a cell is the count.
    """

    cell_clicked = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("ConfusionView")
        self.classes: tuple[str, ...] = ()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self._texts: list[pg.TextItem] = []
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.invertY(True)  # the first class on top, as in a printed matrix
        plot.setLabel("left", "True label")
        plot.setLabel("bottom", "Predicted")
        for name in ("left", "bottom"):
            plot.getAxis(name).setTextPen("#333333")
            plot.getAxis(name).setPen("#888888")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("CET-L12"))  # light to deep blue
        plot.addItem(self.image)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.setMinimumHeight(160)

    def set_matrix(self, classes, matrix) -> None:
        """Show ``matrix[true, predicted]`` counts over ``classes``; empty classes clear."""
        self.classes = tuple(classes)
        self.matrix = np.asarray(matrix, dtype=np.int64).reshape(len(self.classes),
                                                                 len(self.classes))
        plot = self.getPlotItem()
        for text in self._texts:
            plot.removeItem(text)
        self._texts = []
        n = len(self.classes)
        if n == 0:
            self.image.clear()
            return
        totals = self.matrix.sum(axis=1, keepdims=True)
        share = np.divide(self.matrix, np.maximum(totals, 1)).astype(np.float32)
        self.image.setImage(share, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(0.0, 0.0, float(n), float(n))
        font = QFont()
        font.setPointSize(9 if n <= 12 else 7)
        for row in range(n):
            for col in range(n):
                count = int(self.matrix[row, col])
                colour = _TEXT_LIGHT if share[row, col] > 0.55 else _TEXT_DARK
                text = pg.TextItem(str(count) if count or n <= 12 else "", color=colour,
                                   anchor=(0.5, 0.5))
                text.setFont(font)
                text.setPos(col + 0.5, row + 0.5)
                plot.addItem(text)
                self._texts.append(text)
        ticks = [(i + 0.5, name) for i, name in enumerate(self.classes)]
        plot.getAxis("bottom").setTicks([ticks])
        plot.getAxis("left").setTicks([ticks])
        plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(true index, predicted index) under view coordinates, or None outside the matrix."""
        n = len(self.classes)
        row, col = int(np.floor(y)), int(np.floor(x))
        return (row, col) if 0 <= row < n and 0 <= col < n else None

    def click_cell(self, true_index: int, predicted_index: int) -> None:
        """Act as if the cell were clicked (keyboard users and tests)."""
        self.cell_clicked.emit(self.classes[true_index], self.classes[predicted_index])

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.classes:
            return
        point = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        cell = self.cell_at(point.x(), point.y())
        if cell is not None:
            self.click_cell(*cell)
