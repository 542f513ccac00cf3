"""The Training and Models panels show a record's metrics through core's typed ModelMetrics:
scores where the record has them, blanks (not errors) where a loaded model has none."""

from __future__ import annotations

import dataclasses

from core.ml.metrics import ModelMetrics, classification_report
from core.store.records import ModelRecord
from gui.model.models_panel import ModelsPanel
from gui.model.training_panel import TrainingPanel


def _record(model_id: int, metrics: dict) -> ModelRecord:
    return ModelRecord(model_id, f"/models/m{model_id}.pt", ("a", "b"), {}, metrics, None, 0.0)


def _scored() -> dict:
    report = classification_report([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    return ModelMetrics(report, n_train=12, n_val=4).to_dict()


def test_training_panel_shows_typed_scores(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show_model(_record(1, _scored()))
    assert "accuracy 75.0% on 4 validation clips" in panel.summary.text()
    # 4 clips of the project's own recordings: said to be rough (a hobbyist's 9 of one voice
    # read 100%, and other voices scored 87%).
    assert "a rough figure (few clips, of these recordings' voices and places)" in panel.summary.text()
    assert [panel.per_class.item(1, c).text() for c in range(4)] == ["b", "67%", "100%", "2"]
    assert panel.confusion.matrix.tolist() == [[1, 1], [0, 2]]


def test_a_multi_label_model_s_classes_are_scored_at_their_thresholds_as_its_card_says(qtbot):
    """The Training tab read a multi-label model's top-1 report (b: 67% and 100%) where its card
    and main.py info give each class at its own threshold (0.25 and 0.90)."""
    multi = {"exact_match": 0.5, "per_class": {
        "a": {"precision": 0.6, "recall": 0.3, "f1": 0.4, "support": 5},
        "b": {"precision": 0.25, "recall": 0.9, "f1": 0.39, "support": 4}}}
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show_model(_record(4, dict(_scored(), multi_label=multi)))
    assert [panel.per_class.item(1, c).text() for c in range(4)] == ["b", "25%", "90%", "4"]
    assert "exact match 50.0%" in panel.summary.text()
    # A stranger's file: its scores of any JSON shape are blanks, not a failure to show it.
    multi["per_class"]["b"] = {"precision": "high", "recall": None, "support": 4}
    multi["per_class"]["a"] = "all good"
    panel.show_model(_record(5, dict(_scored(), multi_label=dict(multi, exact_match="most"))))
    assert [panel.per_class.item(r, c).text() for r in range(2) for c in range(4)] == [
        "a", "", "", "", "b", "", "", "4"]


def test_a_model_of_another_network_than_the_default_is_named_in_the_summary(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show_model(dataclasses.replace(_record(6, _scored()), settings={"model": "speech"}))
    assert panel.summary.text().startswith("Model 6 (speech): 2 classes")
    # Fine-tuned: the run's settings may name the dialog's choice; the network is the model's.
    panel.show_model(dataclasses.replace(_record(8, _scored()), settings={
        "model": "compact-bands", "model_name": "speech"}))
    assert panel.summary.text().startswith("Model 8 (speech): 2 classes")
    panel.show_model(_record(7, _scored()))  # the default's name is not said
    assert panel.summary.text().startswith("Model 7: 2 classes")


def test_panels_take_a_model_without_scores(qtbot):
    panel, models = TrainingPanel(), ModelsPanel()
    qtbot.addWidget(panel)
    qtbot.addWidget(models)
    panel.show_model(_record(2, {}))
    assert panel.summary.text() == "Model 2: 2 classes"
    assert panel.per_class.item(0, 1).text() == ""
    models.set_models([_record(2, {}), _record(3, _scored())], active_id=3)
    assert [models.table.item(r, 2).text() for r in range(2)] == ["75.0%", ""]


def test_clicking_train_leaves_the_keys_where_they_were(qtbot):
    """The Train button turns itself off as training starts, and the focus it took on the click
    fell to the loss plot: the clip list's arrow keys did nothing while a person labelled on."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QListWidget, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    clips = QListWidget()
    panel = TrainingPanel()
    panel.set_project(object())  # a folder open: Train is on
    layout = QVBoxLayout(window)
    layout.addWidget(clips)
    layout.addWidget(panel)
    panel.train_requested.connect(lambda: panel.train_button.setEnabled(False))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    clips.setFocus()
    qtbot.waitUntil(clips.hasFocus, timeout=2000)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert not panel.train_button.isEnabled() and clips.hasFocus()
