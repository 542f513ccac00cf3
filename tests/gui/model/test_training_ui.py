"""The training loop in the GUI on a tiny generated project: the worker reports progress and
finishes, the model is recorded and every clip predicted; cancel keeps or discards; too few
labels are refused with the reason; the confusion matrix filters the clip list."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QTimer

from core import workflow as pm
from core.ml.training import TrainConfig
from core.store.project import Project
from gui.model.controller import CLASSIFY_DELAY_MS, ModelController
from gui.model.settings_dialog import TrainSettingsDialog
from gui.model.training_panel import TrainingPanel
from tests import audio_factory
from tests.gui.helpers import open_and_wait
from tests.gui.model.test_classify_ui import model_file  # noqa: F401  (a module fixture)

FAST = TrainConfig(epochs=3)
TRAIN_TIMEOUT_MS = 60_000  # the first run in a process also imports torch's optimiser machinery


@pytest.fixture
def project(tmp_path):
    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=3, kinds=("tone", "noise"))
    audio_factory.write(root / "loose.wav", audio_factory.tone(700))
    project = Project.open(root)
    project.scan()
    yield project
    project.close()


@pytest.fixture
def controller(qtbot, project):
    controller = ModelController()
    controller.set_project(project)
    controller.config_override = FAST
    yield controller
    controller.shutdown()


def _train(qtbot, controller, **kwargs):
    progress = []
    controller.training_progress.connect(progress.append)
    with qtbot.waitSignal(controller.training_finished, timeout=TRAIN_TIMEOUT_MS) as finished:
        assert controller.start_training(**kwargs)
    return finished.args[0], progress


@pytest.mark.slow
def test_training_reports_progress_saves_model_and_predicts_every_clip(qtbot, controller,
                                                                        project):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    controller.training_started.connect(panel.training_started)
    controller.training_progress.connect(panel.show_progress)
    controller.training_finished.connect(panel.training_finished)
    predictions: dict = {}
    controller.predictions_ready.connect(predictions.update)
    with qtbot.waitSignal(controller.classify_finished, timeout=TRAIN_TIMEOUT_MS):
        result, progress = _train(qtbot, controller)
    assert not result.stopped
    epochs = [p.epoch_metrics.epoch for p in progress if p.epoch_metrics is not None]
    assert epochs == [1, 2, 3]  # every epoch's metrics arrive, however throttled
    assert [m.epoch for m in panel.history] == [1, 2, 3]
    assert len(panel.train_loss.getData()[0]) == 3
    record = project.active_model()
    assert record is not None and set(record.classes) == {"tone", "noise"}
    assert record.path.endswith(".pt") and "/models/model-" in record.path
    assert len(predictions) == 7  # every readable clip, the unlabeled one too
    assert set(predictions) == {c.id for c in project.clips()}
    assert panel.cancel_button.isEnabled() is False


@pytest.mark.slow
def test_a_new_run_drops_the_classifying_the_last_run_queued(qtbot, controller):
    # Classifying the clips starts a moment after a run ends; a run started in that moment
    # must not get a classification competing with it.
    _train(qtbot, controller)
    qtbot.waitUntil(lambda: not controller.is_training(), timeout=5000)
    assert controller.start_training(TrainConfig(epochs=500, patience_epochs=None))
    # Qt fires timers due at the same moment in the order they were started: once this one has
    # fired, so has the classifying the last run queued (CLASSIFY_DELAY_MS after it ended).
    passed = []
    QTimer.singleShot(CLASSIFY_DELAY_MS, lambda: passed.append(True))
    qtbot.waitUntil(lambda: bool(passed), timeout=CLASSIFY_DELAY_MS + 5000)
    assert controller.is_training() and not controller.is_classifying()
    # Train again meanwhile: said as news that passes (a warning stayed up after the run).
    with qtbot.waitSignal(controller.message, timeout=1000) as said:
        assert not controller.start_training()
    assert said.args == ["A model is already training.", "info"]
    controller.cancel_training()


def test_curves_show_the_first_epoch_as_a_dot_then_as_lines(qtbot):
    from core.ml.training import EpochMetrics, TrainProgress

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.training_started({"a": 3, "b": 3})
    curves = (panel.train_loss, panel.val_loss, panel.train_acc, panel.val_acc)
    for epoch in (1, 2):
        metrics = EpochMetrics(epoch, 1.0 / epoch, 0.5, 1.2 / epoch, 0.4, 1.0)
        panel.show_progress(TrainProgress("training", epoch / 3, f"epoch {epoch}/3", 1.0, None,
                                          epoch, 3, metrics))
        # One point has no line to draw: without a dot the first epoch did not show at all.
        assert all(c.opts["symbol"] == ("o" if epoch == 1 else None) for c in curves)
        assert all(len(c.getData()[0]) == epoch for c in curves)
        # The axis runs over the run's three epochs from the first (it read -10 to 10 around
        # a lone first epoch), so the curves grow across the plots.
        for plot in (panel.loss_plot, panel.acc_plot):
            low, high = plot.viewRange()[0]
            assert 0.9 < low <= 1 and 3 <= high < 3.1


def test_a_cancelled_run_offers_its_model_with_its_epochs_counted(qtbot):
    from types import SimpleNamespace

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.training_started({"a": 3, "b": 3})
    panel.training_finished(SimpleNamespace(stopped=True, checkpoint=object(), history=[object()],
                                            report=SimpleNamespace(accuracy=0.18)))
    assert panel.status.text() == ("Training cancelled. Keep the model trained so far (accuracy "
                                   "18% after 1 epoch)?")
    assert panel.keep_button.isVisibleTo(panel) and panel.discard_button.isVisibleTo(panel)


def test_too_few_labels_are_refused_before_anything_starts(qtbot, controller, project):
    noise_ids = [c.id for c in project.clips(label="noise")]
    project.set_labels(noise_ids[1:], None)
    messages = []
    controller.message.connect(lambda text, kind: messages.append(text))
    assert not controller.start_training()
    assert "'noise' has 1" in messages[-1]
    project.set_labels(noise_ids, None)
    assert not controller.start_training()
    assert "Only one class" in messages[-1] and "'tone'" in messages[-1]
    assert not controller.is_training()


def test_one_class_of_regions_without_a_background_class_is_refused_before_a_run(
        qtbot, controller, project):
    """Regions of one class count a background class beside them; with Training Settings
    leaving it out, the window's check still counted it and started a run that the trainer
    refused on its thread ("training needs labelled clips of at least two classes")."""
    project.set_labels([c.id for c in project.clips()], None)
    clip = project.clips()[0]
    for begin_s in (0.0, 0.3, 0.6):
        project.add_region(clip.id, begin_s, begin_s + 0.2, "bird")
    messages = []
    controller.message.connect(lambda text, kind: messages.append(text))
    assert controller.check_training() is None  # the background of the recording: a class
    controller.config_override = replace(FAST, background=False)
    assert not controller.start_training()
    assert "Only one class" in messages[-1] and "'bird'" in messages[-1]
    assert not controller.is_training()


@pytest.mark.slow
def test_cancel_stops_within_a_second_and_can_keep_the_best_model(qtbot, controller, project):
    slow = TrainConfig(epochs=500, patience_epochs=None)
    epochs = []
    controller.training_progress.connect(
        lambda p: p.epoch_metrics is not None and epochs.append(p.epoch))
    assert controller.start_training(slow)
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=TRAIN_TIMEOUT_MS)
    with qtbot.waitSignal(controller.training_finished, timeout=5000) as finished:
        started = time.perf_counter()
        controller.cancel_training()
    qtbot.waitUntil(lambda: not controller.is_training(), timeout=5000)
    stop_s = time.perf_counter() - started
    assert stop_s < 2.0  # ~0.1 s here; slack for a busy CI machine
    result = finished.args[0]
    assert result.stopped and result.checkpoint is not None
    assert project.models() == []  # nothing saved until the person says so
    with qtbot.waitSignal(controller.model_saved, timeout=TRAIN_TIMEOUT_MS) as saved:
        controller.keep_stopped_model()  # written by a task, off the GUI thread
    assert project.active_model().id == saved.args[0]
    controller.stop_classifying()


@pytest.mark.slow
def test_labels_changed_while_training_are_noticed(qtbot, controller, project):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    controller.labels_changed_since.connect(panel.set_labels_changed)
    assert controller.start_training(TrainConfig(epochs=500, patience_epochs=None))
    clip = project.clips(unlabeled=True)[0]
    project.set_labels([clip.id], "tone")
    with qtbot.waitSignal(controller.labels_changed_since, timeout=3000) as changed:
        controller.labels_edited()
    assert changed.args == [True]
    assert panel.labels_note.isVisibleTo(panel)
    with qtbot.waitSignal(controller.training_finished, timeout=TRAIN_TIMEOUT_MS):
        controller.cancel_training()


def test_the_labels_changed_note_speaks_of_the_run_or_of_the_model(qtbot):
    # Before: long after training, accepting predictions read "since this training started;
    # train again afterwards", as if a run were going.
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_training(True)
    panel.set_labels_changed(True)
    assert "since this training started" in panel.labels_note.text()
    panel.set_training(False)
    panel.set_labels_changed(True)
    assert panel.labels_note.text().startswith("Labels have changed since the last training")
    assert panel.labels_note.isVisibleTo(panel)


def test_settings_dialog_offers_the_speech_model_for_spoken_words(qtbot):
    dialog = TrainSettingsDialog()
    qtbot.addWidget(dialog)
    at = dialog.model_box.findData("speech")
    assert dialog.model_box.itemText(at) == "speech (spoken words)"
    assert "speech: spoken words" in dialog.model_box.toolTip()
    dialog.model_box.setCurrentIndex(at)
    chosen = dialog.config()
    assert (chosen.model, chosen.features) == ("speech", "speech")
    assert chosen == TrainConfig.for_model("speech")


def test_settings_dialog_defaults_and_seed_recipe(qtbot):
    dialog = TrainSettingsDialog()
    qtbot.addWidget(dialog)
    assert dialog.config() == TrainConfig()
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("seed-cnn"))
    assert dialog.config() == TrainConfig.seed_recipe()
    dialog.epochs.setValue(7)
    dialog.fine_tune_epochs.setValue(3)
    dialog.val_share.setValue(20)
    dialog.augment.setChecked(False)
    chosen = dialog.config()
    assert (chosen.model, chosen.epochs, chosen.val_split, chosen.augment) == \
        ("seed-cnn", 7, 0.2, False)
    assert chosen.fine_tune_epochs == 3 and chosen.for_fine_tuning().epochs == 3
    dialog.clip_seconds_requested.setValue(2.5)
    assert dialog.config().clip_seconds_requested == 2.5
    assert dialog.channel_box.currentData() is None  # the mix
    dialog.channel_box.setCurrentIndex(dialog.channel_box.findData(1))
    assert dialog.config().channel == 1
    reopened = TrainSettingsDialog(dialog.config())  # the choice shows when the dialog reopens
    qtbot.addWidget(reopened)
    assert reopened.channel_box.currentText().startswith("Channel 2")
    reopened.model_box.setCurrentIndex(reopened.model_box.findData("compact"))
    assert reopened.config().channel == 1  # the recordings' choice, not the network's
    # A folder of 32-channel arrays: each of its channels is offered (eight were, and the
    # twentieth could be chosen only by train --channel); a mono folder still gets eight.
    array = TrainSettingsDialog(most_channels=32)
    qtbot.addWidget(array)
    assert array.channel_box.findData(19) >= 0 and array.channel_box.count() == 33
    assert dialog.channel_box.count() == 9


@pytest.mark.slow
def test_a_models_curves_are_read_from_its_file_off_the_windows_thread(
        qtbot, tmp_path, monkeypatch, model_file):  # noqa: F811
    """A folder reopened showed empty loss and accuracy curves, though its model's file holds
    them."""
    import threading
    from types import SimpleNamespace

    from core.ml.checkpoint import load_checkpoint

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    readers = []
    monkeypatch.setattr(pm, "load_checkpoint", lambda path: readers.append(
        threading.current_thread()) or load_checkpoint(path))
    record = SimpleNamespace(id=7, classes=["noise", "tone"], metrics={}, settings={})
    panel.show_model(record, model_file)
    epochs = len(load_checkpoint(model_file).history)
    qtbot.waitUntil(lambda: len(panel.history) == epochs, timeout=10_000)
    assert readers and threading.main_thread() not in readers
    assert panel.status.text().startswith("Train makes a new model")  # not "Press Train to..."
    assert len(panel.train_loss.getData()[0]) == epochs == len(panel.val_acc.getData()[0])
    stranger = tmp_path / "stranger.pt"
    stranger.write_bytes(b"not a model")  # another model made active: its file unreadable
    panel.show_model(SimpleNamespace(id=8, classes=["a", "b"], metrics={}, settings={}), stranger)
    qtbot.waitUntil(lambda: not panel.history, timeout=10_000)
    # A hand-made file whose curves hold text where numbers belong: none drawn, no error.
    from core.ml.checkpoint import save_checkpoint

    odd = load_checkpoint(model_file)
    odd.history = [dict(odd.history[0], val_loss="low")]
    save_checkpoint(odd, tmp_path / "odd.pt")
    assert pm.model_history(tmp_path / "odd.pt") == []
    panel.show_model(SimpleNamespace(id=9, classes=["noise", "tone"], metrics={}, settings={}),
                     model_file)
    qtbot.waitUntil(lambda: len(panel.history) == epochs, timeout=10_000)
    panel.show_model(SimpleNamespace(id=10, classes=["noise", "tone"], metrics={}, settings={}),
                     tmp_path / "odd.pt")
    qtbot.waitUntil(lambda: not panel.history, timeout=10_000)
    panel.show_model(None)
    assert panel.train_loss.getData()[0] is None or len(panel.train_loss.getData()[0]) == 0
    assert panel.status.text().startswith("Press Train to train a model on the labelled clips.")
    # Where a person teaching words looks before the first run: the speech model is a choice.
    assert "Spoken words? Choose the speech model in Settings…" in panel.status.text()
    panel.shutdown()


# ---- in the window ---------------------------------------------------------------------------


@pytest.fixture
def small_folder(tmp_path):
    root = audio_factory.make_class_folder(tmp_path / "small", n_per_class=3,
                                           kinds=("tone", "noise"))
    audio_factory.write(root / "loose.wav", audio_factory.tone(720))
    return root


def _train_in_window(qtbot, window):
    dock = window.model_dock
    dock.controller.config_override = FAST
    with qtbot.waitSignal(dock.controller.classify_finished, timeout=TRAIN_TIMEOUT_MS):
        window.acts.train.trigger()
    return dock


@pytest.mark.slow
def test_window_train_fills_predictions_and_a_confusion_cell_filters_the_list(
        qtbot, window, small_folder):
    from gui.clips.clip_table import CONFIDENCE, FILTER_CLIPS, PREDICTION
    open_and_wait(qtbot, window, small_folder)
    dock = _train_in_window(qtbot, window)
    model = window.model
    assert not window.clip_list.table.isColumnHidden(PREDICTION)
    for row in range(model.rowCount()):
        assert model.index(row, PREDICTION).data() in ("tone", "noise")
        assert model.index(row, CONFIDENCE).data().endswith("%")
    record = dock.controller.active_model()
    # "What the model sees" in the clip view is drawn with this model's feature settings.
    assert window.clip_view.feature_config() == pm.model_features(record) is not None
    table = pm.confusion_table(window.project, record.id, record.classes)
    assert table.matrix.sum() == 6  # the labelled clips
    shown = dock.training.confusion.matrix
    assert (shown == table.matrix).all()
    true_i, pred_i = next((r, c) for r in range(2) for c in range(2) if table.matrix[r, c])
    true, predicted = table.classes[true_i], table.classes[pred_i]
    dock.training.confusion.click_cell(true_i, pred_i)
    assert window.clip_list.quick_filter.currentData() == FILTER_CLIPS
    assert model.rowCount() == table.matrix[true_i, pred_i]
    for row in range(model.rowCount()):
        record = model.record(row)
        assert record.label == true and model.prediction(record.id)[0] == predicted


@pytest.mark.slow
def test_files_added_from_the_classify_tab_get_their_predictions(qtbot, window, small_folder,
                                                                  tmp_path):
    # Before: listed with blank Prediction and Confidence until the folder was opened again.
    open_and_wait(qtbot, window, small_folder)
    dock = _train_in_window(qtbot, window)
    outside = audio_factory.write(tmp_path / "outside" / "new.wav", audio_factory.tone(720))
    with qtbot.waitSignal(dock.controller.classify_finished, timeout=TRAIN_TIMEOUT_MS):
        dock.add_files([(outside, "tone")])
    added = next(r for r in window.model.records() if r.path == "tone/new.wav")
    assert window.model.prediction(added.id) is not None


@pytest.mark.slow
def test_accept_prediction_labels_the_selection_and_undo_restores(qtbot, window, small_folder):
    open_and_wait(qtbot, window, small_folder)
    _train_in_window(qtbot, window)
    loose = next(r for r in window.model.records() if r.path == "loose.wav")
    window.clip_list.select_ids([loose.id], loose.id)
    caption = window.model_dock.training.confusion_caption
    assert "current labels" in caption.text()
    changes = window.model_dock.controller.confusion_changes
    with qtbot.waitSignal(changes, timeout=5000, check_params_cb=lambda n: n == 1):
        window.acts.accept_prediction.trigger()
    predicted = window.model.prediction(loose.id)[0]
    with Project.open(small_folder) as check:
        assert (check.clip(loose.id).label, check.clip(loose.id).label_source) == \
            (predicted, "model")
    assert window.model.record_by_id(loose.id).label == predicted
    # The matrix was computed before the loose clip had a label: it says so, not "current".
    assert "Computed before the labels of 1 clip changed" in caption.text()
    with qtbot.waitSignal(changes, timeout=5000, check_params_cb=lambda n: n == 0):
        window.undo_stack.undo()
    with Project.open(small_folder) as check:
        assert check.clip(loose.id).label is None
    assert window.model.record_by_id(loose.id).label is None
    assert "current labels" in caption.text()


@pytest.mark.slow
def test_closing_mid_training_asks_then_stops_and_joins(qtbot, window, small_folder,
                                                         monkeypatch):
    from gui.common import dialogs

    open_and_wait(qtbot, window, small_folder)
    answers = [False, True]
    asked = []
    monkeypatch.setattr(dialogs, "ask_stop_work",
                        lambda parent, what: asked.append(what) or answers.pop(0))
    controller = window.model_dock.controller
    epochs = []
    controller.training_progress.connect(
        lambda p: p.epoch_metrics is not None and epochs.append(p.epoch))
    controller.config_override = TrainConfig(epochs=500, patience_epochs=None)
    window.acts.train.trigger()
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=TRAIN_TIMEOUT_MS)
    assert not window.close()  # "Cancel": the window stays, training goes on
    assert window.isVisible() and controller.is_training()
    assert window.close()
    assert asked == ["a model is training"] * 2
    assert not controller.is_training() and not controller.is_classifying()
    with Project.open(small_folder) as check:
        assert check.models() == []  # a cancelled run saves nothing by itself
        assert len(check.clips()) == 7


@pytest.mark.slow
def test_fine_tune_reads_the_active_model_in_the_worker(qtbot, controller, project, monkeypatch):
    import threading

    from gui.model import workers

    _train(qtbot, controller)
    controller.wait_training()
    parent = project.active_model()
    loads: list[str] = []
    real_load = workers.load_checkpoint
    monkeypatch.setattr(workers, "load_checkpoint",
                        lambda path: loads.append(threading.current_thread().name) or real_load(path))
    controller.config_override = TrainConfig(epochs=3, fine_tune_epochs=2, patience_epochs=None)
    result, _ = _train(qtbot, controller, fine_tune=True)
    assert not result.stopped and loads and loads[0] != threading.main_thread().name
    assert len(result.history) == 2  # the short schedule of fine-tuning, not Train's
    controller.wait_training()
    assert project.active_model().parent_id == parent.id  # recorded as fine-tuned from it
    pm.model_checkpoint_path(project, parent).write_bytes(b"not a model")  # then it breaks
    controller.set_active_model(parent.id)
    controller.stop_classifying()
    with qtbot.waitSignal(controller.training_failed, timeout=TRAIN_TIMEOUT_MS) as failed:
        assert controller.start_training(fine_tune=True)
    assert "Cannot fine-tune the active model" in failed.args[0]
    assert pm.model_checkpoint_path(project, parent).name in failed.args[0]
