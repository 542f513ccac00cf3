"""The score track's key names the classes that lead somewhere, in the model's order and in one
row; the lines of the others are faint: a digits model's ten classes and "unknown" took three
rows of four over the lines."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.model.score_track import LEGEND_MAX, ScoreLines, leading_classes

CLASSES = [str(d) for d in range(10)]


def probabilities(leaders: list[int]) -> np.ndarray:
    """One window a class in ``leaders``, that class at 0.8 and the rest sharing 0.2."""
    probs = np.full((len(leaders), len(CLASSES)), 0.2 / (len(CLASSES) - 1), dtype=np.float32)
    probs[np.arange(len(leaders)), leaders] = 0.8
    return probs


def legend_names(lines: ScoreLines) -> list[str]:
    return [label.text for _sample, label in lines.legend.items]


def test_key_names_the_classes_that_lead_most_and_the_rest_are_faint(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    lines = ScoreLines(widget.getPlotItem())
    leaders = [3] * 5 + [7] * 3 + [0] + [9] * 2 + [5] * 2 + [1] * 2 + [2]
    unknown = np.zeros(len(leaders), dtype=bool)
    unknown[:5] = True  # 3's windows are unlike training: they lead nowhere
    lines.draw(CLASSES, np.arange(len(leaders), dtype=np.float64), probabilities(leaders),
               thresholds=[0.5] * 10, unknown=unknown)
    assert lines.named == ["7", "1", "5", "9"]  # ties (1, 5, 9 at two windows) in the model's order
    assert legend_names(lines) == ["unknown", "1", "5", "7", "9"]  # the key in the model's order
    assert lines.legend.columnCount >= len(legend_names(lines))  # one row
    assert set(lines.curves) == set(CLASSES)  # every class drawn
    bold = lines.curves["7"].opts["pen"]
    faint = lines.curves["3"].opts["pen"]
    assert bold.color().alpha() == 255 and bold.width() > faint.width()
    assert faint.color().alpha() < 128
    assert lines.threshold_lines["3"].pen.color().alpha() == faint.color().alpha()
    lines.set_class_colours({"3": "#123456"})  # recoloured, still faint
    assert lines.curves["3"].opts["pen"].color().name() == "#123456"
    assert lines.curves["3"].opts["pen"].color().alpha() == faint.color().alpha()


def test_leading_classes_leave_out_the_background_and_fit_the_key():
    probs = probabilities([0, 0, 1, 2, 3, 4, 5, 6])
    assert leading_classes(CLASSES, probs, leave_out="0") == ["1", "2", "3", "4"]
    assert len(leading_classes(CLASSES, probs)) == LEGEND_MAX
    assert leading_classes(CLASSES, probs, unknown=np.ones(8, dtype=bool)) == []
    assert leading_classes(CLASSES, probs[:0]) == []
    silent = np.zeros((20, len(CLASSES)), dtype=np.float32)  # the clip view's silent windows
    assert leading_classes(CLASSES, np.concatenate([silent, probs[2:3]])) == ["1"]
