"""The Training tab's reliability plot, under the training curves: bars of accuracy per
confidence bin after calibration, faint ones before, and the ECE and temperature in words; the
words alone for a model that keeps no diagram or is multi-label; nothing for a model without
calibration."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint

from core.ml.calibration import calibrate
from core.ml.metrics import ModelMetrics, classification_report
from core.store.records import ModelRecord
from gui.model.training_panel import TrainingPanel
from tests.calibration_sets import calibrated_logits


def _record(metrics: dict, settings: dict | None = None) -> ModelRecord:
    report = classification_report([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    return ModelRecord(1, "/models/m1.pt", ("a", "b"), settings or {},
                       dict(ModelMetrics(report, n_train=12, n_val=4).to_dict(), **metrics),
                       None, 0.0)


def _calibration() -> dict:
    logits, targets = calibrated_logits(n=400, n_classes=2)
    return calibrate(0.4 * logits, targets)[2]  # under-confident: T below 1


@pytest.fixture
def panel(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    return panel


def test_a_calibrated_model_shows_its_diagram_and_figures(panel):
    summary = _calibration()
    panel.show_model(_record({"calibration": summary}))
    view = panel.reliability
    assert panel.reliability_shown and view.scene() is panel.curves.scene()  # under the curves
    after = [a for a, k in zip(summary["reliability_after"]["accuracy"],
                               summary["reliability_after"]["count"], strict=True) if k]
    np.testing.assert_allclose(view.after_bars.opts["height"], after)
    before = [a for a, k in zip(summary["reliability_before"]["accuracy"],
                                summary["reliability_before"]["count"], strict=True) if k]
    np.testing.assert_allclose(view.before_bars.opts["height"], before)
    text = panel.calibration_note.text()
    assert (f"expected calibration error (ECE) {summary['ece_before']:.2f} → "
            f"{summary['ece_after']:.2f} with temperature {summary['temperature']:.2g}") in text
    assert "on the 400 validation clips it was fitted on" in text


def test_an_older_calibrated_model_gets_the_figures_alone(panel):
    panel.show_model(_record({"calibration": _calibration()}))
    old = {"temperature": 0.5, "ece_before": 0.16, "ece_after": 0.04, "n": 80}
    panel.show_model(_record({"calibration": old}))
    assert not panel.reliability_shown
    assert panel.calibration_note.isVisibleTo(panel)
    assert "(ECE) 0.16 → 0.04 with temperature 0.5 (this model file keeps no diagram)" \
        in panel.calibration_note.text()


def test_a_few_clips_all_right_say_why_the_error_rose(panel):
    """Six validation clips, all right: the fit holds confidence to what six answers vouch for
    (7/8), so the error on those clips rises; the words say why instead of leaving a puzzle."""
    logits = np.array([[4.0, -4.0]] * 3 + [[-4.0, 4.0]] * 3)
    summary = calibrate(logits, np.array([0, 0, 0, 1, 1, 1]))[2]
    assert summary["ece_after"] > summary["ece_before"]
    panel.show_model(_record({"calibration": summary}))
    text = panel.calibration_note.text()
    assert "Higher after: 6 clips vouch for less certainty than the model claimed" in text
    panel.show_model(_record({"calibration": _calibration()}))
    assert "Higher after" not in panel.calibration_note.text()


def test_a_fit_held_at_1_on_too_few_clips_says_so(panel):
    weak = np.array([[0.3, 0.0], [0.0, 0.3]] * 3)
    summary = calibrate(weak, np.array([0, 1] * 3), may_sharpen=False)[2]
    panel.show_model(_record({"calibration": summary}))
    text = panel.calibration_note.text()
    assert "temperature 1" in text and "6 clips are too few to make the model surer than it says" in text


def test_a_class_validation_lacks_is_named_as_not_measured(panel):
    # Two long recordings split by recording left chirp out of validation: the accuracy on the
    # rest read as the model's, with nothing said.
    report = classification_report([0, 0, 1], [0, 0, 1], ["owl", "whistle", "chirp"])
    record = ModelRecord(1, "/m.pt", ("owl", "whistle", "chirp"), {},
                         ModelMetrics(report, n_train=12, n_val=3).to_dict(), None, 0.0)
    panel.show_model(record)
    assert "no validation clip of chirp: not measured" in panel.summary.text()
    panel.show_model(_record({}))
    assert "not measured" not in panel.summary.text()


def test_models_without_calibration_hide_it(panel):
    panel.show_model(_record({"calibration": _calibration()}))
    panel.show_model(_record({}))  # a model from before calibration, or a loaded file
    assert not panel.reliability_shown and panel.reliability.scene() is None
    assert not panel.calibration_note.isVisibleTo(panel)
    assert len(panel.reliability.after_bars.opts["height"]) == 0
    panel.show_model(_record({"calibration": _calibration()}))
    panel.show_model(None)
    assert not panel.reliability_shown
    assert not panel.calibration_note.isVisibleTo(panel)


def test_a_multi_label_model_says_why_there_is_no_plot(panel):
    panel.show_model(_record({"calibration": None, "multi_label": {}}, {"multi_label": True}))
    assert not panel.reliability_shown
    assert "multi-label" in panel.calibration_note.text()


def test_in_a_narrow_dock_each_part_keeps_a_readable_size_and_the_results_scroll(qtbot, panel):
    """Beside a 1366x768 window (a dock 380 px wide and 640 tall) the three plots sat in one row
    70 px wide each, the class table showed 2.5 of its rows and the matrix's rows touched."""
    classes = [f"class {i}" for i in range(12)]
    truth = [i % 12 for i in range(48)]
    report = classification_report(truth, truth, classes)
    panel.show_model(ModelRecord(1, "/models/m1.pt", tuple(classes), {}, dict(
        ModelMetrics(report, n_train=100, n_val=48).to_dict(), calibration=_calibration()),
        None, 0.0))
    panel.resize(380, 640)
    panel.show()
    qtbot.waitExposed(panel)
    loss, calibration = panel.loss_plot, panel.reliability
    assert loss.width() >= 140 and calibration.width() >= 2 * loss.width()  # under, both wide
    rows = panel.per_class.verticalHeader().defaultSectionSize()
    assert panel.per_class.height() >= 10 * rows  # ten rows, the rest behind its own scroll
    assert panel.confusion.height() >= 12 * 20
    bar = panel.results.verticalScrollBar()
    assert bar.maximum() > 0  # what does not fit scrolls under the buttons
    bar.setValue(bar.maximum())
    assert panel.results.viewport().rect().contains(panel.confusion.geometry().translated(
        panel.results.widget().pos()).bottomLeft() - QPoint(0, 1))
    panel.show_model(None)  # the model gone: no room kept for its classes' rows
    assert panel.per_class.height() == 0


def test_the_calibration_plot_labels_both_ends_of_its_accuracy_axis(qtbot):
    """Its accuracy axis showed "0.5" alone: the 0 and the 1 at its ends reached past it and
    were dropped."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    from gui.model.reliability_plot import ReliabilityPlot

    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = ReliabilityPlot()
    view.addItem(plot)
    view.resize(360, 120)  # as short as the Training tab draws it beside a 768 px window
    view.show()
    qtbot.waitExposed(view)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        texts = {spec[2] for spec in plot.getAxis("left").generateDrawSpecs(painter)[2]}
    finally:
        painter.end()
    assert {"0", "0.5", "1"} <= texts
