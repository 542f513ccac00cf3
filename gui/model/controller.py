"""ModelController: the train -> save -> classify-everything loop of one open project, without widgets.

It owns the training and project-classification workers and their threads, takes the label
snapshot training starts from, saves finished models through core.project_models, and tells
panels what happened through signals carrying plain values.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core import workflow as pm
from core.errors import EarmarkError
from core.ml.checkpoint import load_checkpoint
from core.ml.training import TrainConfig
from gui.common.tasks import is_working, start_worker, stop_thread, thread_running
from gui.model.workers import ProjectClassifyWorker, TrainingWorker

# After a run, the project's classification waits this long, so the window paints the new model
# before the classifier's threads start (see ``_record``).
CLASSIFY_DELAY_MS = 300


class ModelController(QObject):
    """Signals:
    ``training_started(dict)`` class -> clip count of the snapshot; ``training_progress(object)``
    TrainProgress; ``training_finished(object)`` TrainResult (also after a cancel);
    ``training_failed(str)``; ``labels_changed_since(bool)`` whether the labels differ from the
    snapshot being trained on; ``model_saved(int)``; ``active_model_changed(object)`` the
    ModelRecord or None; ``predictions_ready(dict)`` {clip_id: (label, confidence)} as they are
    stored; ``classify_progress(int, int)``; ``classify_finished(int, object)`` model id and its
    ConfusionTable;
    ``message(str, str)`` text and kind for the window's banner.
    """

    training_started = Signal(object)
    training_progress = Signal(object)
    training_finished = Signal(object)
    training_failed = Signal(str)
    labels_changed_since = Signal(bool)
    model_saved = Signal(int)
    active_model_changed = Signal(object)
    predictions_ready = Signal(object)
    classify_progress = Signal(int, int)
    classify_finished = Signal(int, object)
    message = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self._store_dir = None
        self.config_override: TrainConfig | None = None  # the settings dialog's choice
        self._train_worker: TrainingWorker | None = None
        self._train_thread = None
        self._classify_worker: ProjectClassifyWorker | None = None
        self._classify_thread = None
        self._snapshot: pm.TrainingSnapshot | None = None
        self._parent_id: int | None = None
        # Bumped by shutdown and by a new run: steps queued by _later then do nothing.
        self._generation = 0
        self.stopped_result = None  # a cancelled run's result, waiting for keep or discard
        # Replaced workers stay referenced: a freed worker's queued signals may still arrive, and
        # a new worker at the same address would then pass for their sender.
        self._retired: list = []
        self._label_check = QTimer(self)
        self._label_check.setSingleShot(True)
        self._label_check.setInterval(300)  # one store query after a burst of labelling
        self._label_check.timeout.connect(self._check_labels)

    # ---- project ------------------------------------------------------------------------

    def set_project(self, project, store_dir: str | Path | None = None) -> None:
        """A project was opened (or closed: None); stops work on the previous one."""
        self.shutdown()
        self.project, self._store_dir = project, store_dir
        self.stopped_result = None
        record = self.active_model()
        # Stored predictions show at once; the window classifies new clips after its scan.
        self._activated(record, classify=False)

    def active_model(self):
        return self.project.active_model() if self.project is not None else None

    def default_config(self) -> TrainConfig:
        return self.config_override or TrainConfig()

    # ---- training -----------------------------------------------------------------------

    def is_training(self) -> bool:
        return is_working(self._train_worker, self._train_thread)

    def is_classifying(self) -> bool:
        return is_working(self._classify_worker, self._classify_thread)

    def is_busy(self) -> bool:
        return self.is_training() or self.is_classifying()

    def check_training(self, snapshot: pm.TrainingSnapshot | None = None) -> str | None:
        """Why training cannot start now, or None (checks the labels as they are)."""
        if self.project is None:
            return "Open a folder of clips first."
        if self.is_training():
            return "A model is already training."
        snapshot = snapshot or pm.training_snapshot(self.project)
        if pm.training_problem(snapshot) is None:
            return None
        unreadable = sum(1 for r in self.project.clips(readable=False) if r.label)
        return pm.training_problem(snapshot, unreadable)

    def start_training(self, config: TrainConfig | None = None, fine_tune: bool = False) -> bool:
        """Start training on a snapshot of the labels; False (with a ``message``) if it cannot."""
        snapshot = pm.training_snapshot(self.project) if self.project is not None else None
        problem = self.check_training(snapshot)
        init_from, parent_id = None, None
        if problem is None and fine_tune:
            record = self.active_model()
            if record is None:
                problem = "There is no model to fine-tune yet: train one first."
            else:
                try:
                    init_from = load_checkpoint(pm.model_checkpoint_path(self.project, record))
                    parent_id = record.id
                except EarmarkError as error:
                    problem = f"Cannot fine-tune the active model: {error}"
        if problem is not None:
            self.message.emit(problem, "warning")
            return False
        self.stop_classifying()
        self._generation += 1  # and drop a start of classifying still waiting (see _record)
        self.stopped_result = None
        self._snapshot = snapshot
        self._parent_id = parent_id
        self._retire(self._train_worker)
        worker = TrainingWorker(snapshot.pairs, config or self.default_config(), init_from,
                                save_to=pm.models_dir(self.project))
        worker.progress.connect(self._on_train_progress)
        worker.finished.connect(self._on_train_finished)
        worker.failed.connect(self._on_train_failed)
        self._train_worker, self._train_thread = worker, start_worker(worker, self)
        self.training_started.emit(self._snapshot.counts)
        return True

    def cancel_training(self) -> None:
        """Ask training to stop; ``training_finished`` follows with ``result.stopped``."""
        if self._train_worker is not None:
            self._train_worker.cancel()

    def wait_training(self, timeout_ms: int = 10000) -> bool:
        """Block until the training thread has ended (tests, benchmarks, closing)."""
        thread = self._train_thread
        return not thread_running(thread) or thread.wait(timeout_ms)

    def labels_edited(self) -> None:
        """Labels changed (the window calls this on every edit); checked after a pause."""
        if self._snapshot is not None and self.project is not None:
            self._label_check.start()

    def _check_labels(self) -> None:
        if self._snapshot is not None and self.project is not None:
            current = pm.training_snapshot(self.project).key()
            self.labels_changed_since.emit(current != self._snapshot.key())

    def _on_train_progress(self, report) -> None:
        if self._from(self._train_worker):
            self.training_progress.emit(report)

    def _on_train_failed(self, reason: str) -> None:
        if self._from(self._train_worker):
            self.training_failed.emit(reason)
            self.message.emit(f"Training could not run: {reason}", "error")

    def _on_train_finished(self, result, saved) -> None:
        if not self._from(self._train_worker):
            return
        if result.skipped:
            first = result.skipped[0]
            self.message.emit(f"{len(result.skipped)} clips could not be read and were left out "
                              f"(first: {Path(first[0]).name}: {first[1]}).", "warning")
        if result.stopped:
            self.stopped_result = result if result.checkpoint is not None else None
            self.training_finished.emit(result)
            return
        self.training_finished.emit(result)
        if isinstance(saved, str) or saved is None:
            self.message.emit(f"The model could not be saved: {saved or 'no file'}", "error")
            return
        self._record(result, saved)

    def keep_stopped_model(self) -> int | None:
        """Save the best model of a cancelled run (see ``stopped_result``)."""
        result, self.stopped_result = self.stopped_result, None
        return self._save(result) if result is not None else None

    def discard_stopped_model(self) -> None:
        self.stopped_result = None

    def _save(self, result) -> int | None:
        if self.project is None:
            return None
        try:
            path = pm.save_model_file(result.checkpoint, pm.models_dir(self.project))
        except EarmarkError as error:
            self.message.emit(f"The model could not be saved: {error}", "error")
            return None
        return self._record(result, path)

    def _record(self, result, path) -> int | None:
        if self.project is None:
            return None
        try:
            model_id = pm.record_model(self.project, path, result.checkpoint, self._parent_id)
        except EarmarkError as error:
            self.message.emit(f"The model could not be recorded: {error}", "error")
            return None
        self.model_saved.emit(model_id)
        record = self.project.active_model()
        self._activated(record, classify=False)
        # Classifying starts once the window has painted the new model: the classifier's threads
        # competing for the GIL with that paint made it the longest stall of a run on FSDD.
        self._later(CLASSIFY_DELAY_MS, lambda: self.classify_project(record))
        return model_id

    # ---- models and predictions ---------------------------------------------------------

    def set_active_model(self, model_id: int) -> None:
        """Make ``model_id`` the project's active model and classify every clip with it."""
        if self.project is None:
            return
        try:
            self.project.set_active_model(model_id)
        except EarmarkError as error:
            self.message.emit(str(error), "error")
            return
        self._activated(self.project.active_model())

    def load_model_file(self, path: str | Path) -> int | None:
        """Add a model file from elsewhere and make it active; refused with the reason."""
        if self.project is None:
            return None
        try:
            model_id = pm.import_model_file(self.project, path)
        except EarmarkError as error:
            self.message.emit(f"Could not load the model: {error}", "error")
            return None
        self._activated(self.project.active_model())
        return model_id

    def _activated(self, record, classify: bool = True) -> None:
        self.active_model_changed.emit(record)
        if record is not None:
            stored = pm.stored_predictions(self.project, record.id)
            if stored:
                self.predictions_ready.emit(stored)
            if classify:
                self.classify_project(record)

    def classify_project(self, record=None, only_new: bool = False) -> None:
        """Classify every clip (``only_new``: those without a prediction yet) with ``record``
        (default: the active model) in the background."""
        record = record or self.active_model()
        if record is None or self.project is None:
            return
        self.stop_classifying()
        worker = ProjectClassifyWorker(self.project.folder, self._store_dir, record.id,
                                       pm.model_checkpoint_path(self.project, record),
                                       only_new=only_new)
        worker.predictions_ready.connect(self._on_classify_batch)
        worker.progress.connect(self._on_classify_progress)
        worker.finished.connect(self._on_classify_finished)
        worker.failed.connect(self._on_classify_failed)
        self._classify_worker, self._classify_thread = worker, start_worker(worker, self)

    def stop_classifying(self) -> None:
        stop_thread(self._classify_worker, self._classify_thread)
        self._retire(self._classify_worker)
        self._classify_worker = self._classify_thread = None

    def _retire(self, worker) -> None:
        if worker is not None:
            self._retired = [*self._retired[-15:], worker]

    def _on_classify_batch(self, rows: dict) -> None:
        if self._from(self._classify_worker):
            self.predictions_ready.emit(rows)

    def _on_classify_progress(self, done: int, total: int) -> None:
        if self._from(self._classify_worker):
            self.classify_progress.emit(done, total)

    def _on_classify_finished(self, _count: int, confusion) -> None:
        if self._from(self._classify_worker):
            self.classify_finished.emit(self._classify_worker.model_id, confusion)

    def _on_classify_failed(self, reason: str) -> None:
        if self._from(self._classify_worker):
            self.message.emit(f"Classifying the clips stopped: {reason}", "error")

    def _from(self, worker) -> bool:
        """Whether the signal being handled comes from ``worker`` (a stopped worker's late
        signals are ignored)."""
        return worker is not None and self.sender() is worker

    def _later(self, delay_ms: int, step) -> None:
        """Run ``step`` after ``delay_ms``, unless shutdown (closing, another project) came first."""
        generation = self._generation
        QTimer.singleShot(delay_ms, self, lambda: generation == self._generation and step())

    # ---- closing ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop both workers and wait for their threads (closing, another project)."""
        self._generation += 1
        stop_thread(self._train_worker, self._train_thread)
        self._retire(self._train_worker)
        self._train_worker = self._train_thread = None
        self.stop_classifying()
        self._label_check.stop()
        self._snapshot = None

