"""ModelDock: the Model dock (Training, Models and Classify tabs) and the wiring between them, the
ModelController, the clip list and the undo stack, so the main window only places it."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QDockWidget, QTabWidget, QWidget

from core import workflow as pm
from core.errors import ConfigError
from core.ml.train_config import TrainConfig, parse_clip_seconds
from gui.clips.commands import AcceptPredictionsCommand
from gui.common import settings as keys
from gui.common.tasks import TaskSlot
from gui.model.classify_panel import ClassifyPanel
from gui.model.commands import AddFilesCommand
from gui.model.controller import ModelController
from gui.model.models_panel import ModelsPanel
from gui.model.settings_dialog import TrainSettingsDialog
from gui.model.training_panel import TrainingPanel


class ModelDock(QDockWidget):
    """Owns the ModelController and the three panels.

    ``model`` is the window's ClipTableModel (predictions are shown there), ``clip_list`` its
    ClipListPanel (confusion cells filter it), ``undo_stack`` takes the commands,
    ``show_message(text, kind)`` the window's banner. Signals: ``records_changed(list)`` every
    ClipRecord of the project after clips were added to or removed from it (read by the task that
    changed them; the window updates its list); ``status(str, int)`` a status-bar line and its
    timeout (ms), for work under way;
    ``features_changed(object)`` the active model's FeatureConfig (None: not known, the defaults).

    The Training Settings choice persists in ``settings`` (default: the user's settings file)
    and is restored when the dock is built.
    """

    records_changed = Signal(object)
    status = Signal(str, int)
    features_changed = Signal(object)

    def __init__(self, model, clip_list, undo_stack, show_message,
                 parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__("Model", parent)
        self.setObjectName("ModelDock")
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.model, self.clip_list, self.undo_stack = model, clip_list, undo_stack
        self.show_message = show_message
        self.controller = ModelController(self)
        self._files_task = TaskSlot(self)  # adding classified files, and undoing that
        self.training = TrainingPanel()
        self.models = ModelsPanel()
        self.classify = ClassifyPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.training, "Training")
        self.tabs.addTab(self.models, "Models")
        self.tabs.addTab(self.classify, "Classify")
        self.setWidget(self.tabs)
        self.predictions: dict[int, tuple[str, float]] = {}
        self._shown_model_id: int | None = None
        self.settings = settings if settings is not None else keys.open_settings()
        self.controller.config_override = self._stored_train_config()
        self._wire()

    def _wire(self) -> None:
        c, t = self.controller, self.training
        t.train_requested.connect(self.train)
        t.fine_tune_requested.connect(self.fine_tune)
        t.settings_requested.connect(self.edit_settings)
        t.cancel_requested.connect(c.cancel_training)
        t.keep_requested.connect(c.keep_stopped_model)
        t.discard_requested.connect(c.discard_stopped_model)
        t.cell_clicked.connect(self.filter_confusion_cell)
        t.recompute_requested.connect(c.recompute_confusion)
        c.training_started.connect(t.training_started)
        c.training_progress.connect(t.show_progress)
        c.training_finished.connect(t.training_finished)
        c.training_failed.connect(t.training_failed)
        c.labels_changed_since.connect(t.set_labels_changed)
        c.active_model_changed.connect(self._on_active_model_changed)
        c.predictions_ready.connect(self._on_predictions_ready)
        c.classify_finished.connect(self._on_confusion_ready)
        c.confusion_ready.connect(self._on_confusion_ready)
        c.confusion_changes.connect(t.set_confusion_changes)
        c.message.connect(self.show_message)
        c.status.connect(self.status)
        self.models.activate_requested.connect(c.set_active_model)
        self.models.load_requested.connect(c.load_model_file)
        self.classify.train_requested.connect(self.train)
        self.classify.message.connect(self.show_message)
        self.classify.add_requested.connect(self.add_files)

    # ---- project ------------------------------------------------------------------------

    def set_project(self, project) -> None:
        """The window opened ``project`` (None: closed)."""
        self.predictions = {}
        self._shown_model_id = None
        self._files_task.cancel()
        self.controller.set_project(project)

    def scan_finished(self) -> None:
        """The window's scan is over: classify clips the active model has not seen yet."""
        if self.project is not None and not self.controller.is_training():
            record = self.controller.active_model()
            if record is not None:
                self.controller.classify_project(record, only_new=True)

    @property
    def project(self):
        return self.controller.project

    def is_busy(self) -> bool:
        return self.controller.is_busy() or self.classify.is_busy()

    def busy_text(self) -> str:
        work = []
        if self.controller.is_training():
            work.append("a model is training")
        if self.controller.is_classifying() or self.classify.is_busy():
            work.append("clips are being classified")
        return " and ".join(work)

    def shutdown(self) -> None:
        """Stop every worker and wait for the threads (the window is closing)."""
        self.controller.shutdown()
        self.classify.shutdown()
        self._files_task.cancel()

    # ---- actions --------------------------------------------------------------------------

    def train(self) -> bool:
        self.tabs.setCurrentWidget(self.training)
        self.show()
        return self.controller.start_training()

    def fine_tune(self) -> bool:
        self.tabs.setCurrentWidget(self.training)
        self.show()
        return self.controller.start_training(fine_tune=True)

    def edit_settings(self) -> None:
        dialog = TrainSettingsDialog(self.controller.default_config(), self)
        if dialog.exec():
            self.set_train_config(dialog.config())

    def set_train_config(self, config: TrainConfig) -> None:
        """Train with ``config`` from now on, and remember its choice for the next session."""
        self.controller.config_override = config
        keys.write_train_choice(self.settings, config.model, config.epochs,
                                config.clip_seconds_requested, config.augment, config.val_split)

    def _stored_train_config(self) -> TrainConfig | None:
        """The remembered choice rebuilt by core (None: none stored, or core refuses it, so one
        click of Train uses the defaults)."""
        stored = keys.read_train_choice(self.settings)
        if stored is None:
            return None
        model, values = stored
        try:
            if "clip_seconds_requested" in values:
                values["clip_seconds_requested"] = parse_clip_seconds(
                    values["clip_seconds_requested"])
            return TrainConfig.for_model(model, **values)
        except ConfigError:
            return None

    def labels_edited(self) -> None:
        self.controller.labels_edited()

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """The project's class colours (class name -> colour), for the Classify tab's drawings."""
        self.classify.set_class_colours(colours)

    def classify_files(self, paths: list) -> bool:
        self.tabs.setCurrentWidget(self.classify)
        self.show()
        self.raise_()
        return self.classify.classify(paths)

    # ---- predictions and filters ----------------------------------------------------------

    def _on_active_model_changed(self, record) -> None:
        project = self.project
        self.training.show_model(record)
        self.models.set_models(project.models() if project is not None else [],
                               record.id if record is not None else None)
        self.classify.set_model(pm.model_checkpoint_path(project, record)
                                if record is not None else None)
        if record is None or record.id != self._shown_model_id:
            self.predictions = {}
            self.model.set_predictions({})
        self._shown_model_id = record.id if record is not None else None
        self.features_changed.emit(pm.model_features(record))

    def _on_predictions_ready(self, rows: dict) -> None:
        self.predictions.update(rows)
        self.model.set_predictions(self.predictions)

    def _on_confusion_ready(self, model_id: int, confusion) -> None:
        if model_id == self._shown_model_id:
            self.training.show_confusion(confusion)

    def filter_confusion_cell(self, true_label: str, predicted_label: str) -> None:
        """Show the clips labelled ``true_label`` that the active model calls ``predicted_label``."""
        record = self.controller.active_model()
        if record is None or self.project is None:
            return
        ids = pm.confusion_cell_clips(self.project, record.id, true_label, predicted_label)
        self.clip_list.show_clip_ids(ids, f"Labelled {true_label}, predicted {predicted_label}")

    def accept_predictions(self) -> None:
        """Label the selected clips with the active model's predictions (undoable)."""
        ids = self.clip_list.selected_ids()
        changes = {i: self.predictions[i][0] for i in ids if i in self.predictions}
        if self.project is None or not changes:
            self.show_message("Select clips that have a prediction first.", "info")
            return
        # Its redo labels the clips; the stack's indexChanged tells the training panel.
        self.undo_stack.push(AcceptPredictionsCommand(
            self.project, self.model, changes, on_error=lambda m: self.show_message(m, "error")))

    def add_files(self, pairs: list) -> None:
        """Copy classified files into the project with their predicted labels (undoable; the
        copying runs in the background and the list updates when it ends)."""
        if self.project is None:
            self.show_message("Open a project first: files are copied into its folder.", "info")
            return
        n = len(pairs)
        self.status.emit(f"Copying {n} file(s) into {self.project.folder.name}…", 0)
        self.undo_stack.push(AddFilesCommand(self.project, pairs, self._files_task,
                                             self._on_files_changed,
                                             on_error=lambda m: self.show_message(m, "error")))

    def _on_files_changed(self, records: list, added) -> None:
        self.status.emit("", 0)
        self.records_changed.emit(records)
        if added is not None:
            self.show_message(f"Copied {len(added.copies)} file(s) into "
                              f"{self.project.folder.name}, labelled by the model (Ctrl+Z "
                              "removes them).", "info")

    def is_adding_files(self) -> bool:
        return self._files_task.is_running()
