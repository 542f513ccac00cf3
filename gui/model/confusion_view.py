"""ConfusionView: a confusion-matrix heatmap (rows: true class, columns: predicted) whose cells
can be clicked to list the clips behind them."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont

from gui.common.elided_label import one_line

_TEXT_DARK, _TEXT_LIGHT = "#1f2328", "#ffffff"


class _CountsItem(pg.GraphicsObject):
    """Every cell's count drawn by one item in screen pixels: a TextItem per cell cost ~1 ms
    each to build, 130 ms for ten classes on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[int, int, str, QColor]] = []
        self.n = 0
        self.font = QFont()

    def set_counts(self, matrix: np.ndarray, share: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.n = len(matrix)
        self.font.setPointSize(9 if self.n <= 12 else 7)
        self.texts = [(row, col, str(int(matrix[row, col])),
                       QColor(_TEXT_LIGHT if share[row, col] > 0.55 else _TEXT_DARK))
                      for row in range(self.n) for col in range(self.n)
                      if matrix[row, col] or self.n <= 12]
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, float(self.n), float(self.n))

    def paint(self, painter, *_args) -> None:
        transform = painter.transform()
        painter.resetTransform()  # text in pixels, not stretched with the cells
        painter.setFont(self.font)
        for row, col, text, colour in self.texts:
            centre = transform.map(QPointF(col + 0.5, row + 0.5))
            painter.setPen(colour)
            painter.drawText(QRectF(centre.x() - 40, centre.y() - 12, 80, 24),
                             Qt.AlignmentFlag.AlignCenter, text)
        painter.setTransform(transform)


MIN_HEIGHT_PX = 160
ROW_PX = 20  # a class's row, its count and its name readable
MAX_MIN_HEIGHT_PX = 600


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
        self.counts = _CountsItem()
        plot.addItem(self.counts)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.setMinimumHeight(MIN_HEIGHT_PX)
        self.hide()  # until there is a matrix to show

    def set_matrix(self, classes, matrix) -> None:
        """Show ``matrix[true, predicted]`` counts over ``classes``; empty classes clear."""
        self.classes = tuple(classes)
        self.matrix = np.asarray(matrix, dtype=np.int64).reshape(len(self.classes),
                                                                 len(self.classes))
        plot = self.getPlotItem()
        n = len(self.classes)
        # Rows of a readable height, as the training panel scrolls: 26 classes were 9 px each.
        self.setMinimumHeight(min(MAX_MIN_HEIGHT_PX, max(MIN_HEIGHT_PX, 70 + ROW_PX * n)))
        self.setVisible(n > 0)  # no axes of nothing before a model exists
        if n == 0:
            self.image.clear()
            self.counts.set_counts(self.matrix, self.matrix)
            return
        totals = self.matrix.sum(axis=1, keepdims=True)
        share = np.divide(self.matrix, np.maximum(totals, 1)).astype(np.float32)
        self.image.setImage(share, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(0.0, 0.0, float(n), float(n))
        self.counts.set_counts(self.matrix, share)
        ticks = [(i + 0.5, one_line(name)) for i, name in enumerate(self.classes)]
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
