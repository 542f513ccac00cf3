"""ModelController: the train -> save -> classify-everything loop of one open project, without widgets.

It owns the training, project-classification and model-file (load, keep) tasks (a TaskSlot each), takes
the label snapshot training starts from, saves finished models through core.workflow, and tells
panels what happened through signals carrying plain values.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core import workflow as pm
from core.errors import EarmarkError
from core.ml.model_card import foreign_model_note
from core.ml.novelty import verdicts_of
from core.ml.training import TrainConfig
from gui.common.tasks import FunctionWorker, ProjectWorker, TaskSlot
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
    ConfusionTable; ``clips_unreadable(list)`` ClipRecords the classification found unreadable
    (NaN samples behind a sound header), their reason now in the store;
    ``confusion_ready(int, object)`` a model id and its ConfusionTable recomputed from the
    current labels without classifying (``recompute_confusion``); ``confusion_changes(int)``
    after a label edit, how many clips' labels differ from those the last ConfusionTable was
    computed with (0: it is current again); ``model_loaded(int)`` a model file was recorded and made active;
    ``device_changed(str)`` the settings now ask for another device (``set_config``);
    ``message(str, str)`` text and kind for the window's banner; ``status(str, int)`` a
    status-bar line and its timeout (ms).
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
    clips_unreadable = Signal(object)  # ClipRecords a classification found unreadable
    events_ready = Signal(object)  # event metrics (dict) on the marked recordings, after classify
    confusion_ready = Signal(int, object)
    confusion_changes = Signal(int)
    model_loaded = Signal(int)
    device_changed = Signal(str)
    message = Signal(str, str)
    status = Signal(str, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self._classes: tuple[str, ...] = ()  # the active model's (see model_classes)
        self.config_override: TrainConfig | None = None  # the settings dialog's choice
        self._training = TaskSlot(self)
        self._classifying = TaskSlot(self)
        self._model_file = TaskSlot(self)  # a model file read (loaded) or written (kept)
        self._confusion = TaskSlot(self)  # the confusion table recomputed from the labels
        # {clip_id: label} the last ConfusionTable was computed with (None: none shown).
        self._confusion_labels: dict[int, str | None] | None = None
        self._snapshot_key: tuple | None = None  # the labels the last run started from
        self._parent_id: int | None = None
        # Bumped by shutdown and by a new run: steps queued by _later then do nothing.
        self._generation = 0
        self.stopped_result = None  # a cancelled run's result, waiting for keep or discard
        self._label_check = QTimer(self)
        self._label_check.setSingleShot(True)
        self._label_check.setInterval(300)  # one store query after a burst of labelling
        self._label_check.timeout.connect(self._check_labels)
        self._label_checking = TaskSlot(self)  # the store read it asks, off the window's thread

    # ---- project ------------------------------------------------------------------------

    def set_project(self, project) -> None:
        """A project was opened (or closed: None); stops work on the previous one."""
        self.shutdown()
        self.project = project
        self.stopped_result = None
        record = self.active_model()
        # Stored predictions show at once; the window classifies new clips after its scan.
        self._activated(record, classify=False)

    def active_model(self):
        return self.project.active_model() if self.project is not None else None

    def verdicts(self) -> tuple[str, ...]:
        """The verdicts (silence, unknown) the active model answers: none of its classes is
        named so (core.ml.novelty.verdicts_of). Kept as it is made active: predictions arrive
        in batches, and reading the active model parses every model's metrics."""
        return verdicts_of(self._classes)

    def model_classes(self) -> tuple[str, ...]:
        """The active model's classes, kept as it is made active (as ``verdicts``)."""
        return self._classes

    def default_config(self) -> TrainConfig:
        return self.config_override or TrainConfig()

    def set_config(self, config: TrainConfig | None) -> None:
        """Train (and run models) with ``config`` from now on; None: the defaults."""
        before = self.device()
        self.config_override = config
        if self.device() != before:
            self.device_changed.emit(self.device())

    def device(self) -> str:
        """The device Training Settings request (runtime.inference_device resolves it)."""
        return self.default_config().device

    # ---- training -----------------------------------------------------------------------

    def is_training(self) -> bool:
        return self._training.is_running()

    def is_classifying(self) -> bool:
        return self._classifying.is_running()

    def is_busy(self) -> bool:
        return self.is_training() or self.is_classifying()

    def check_training(self, snapshot: pm.TrainingSnapshot | None = None,
                       config: TrainConfig | None = None) -> str | None:
        """Why training cannot start now with ``config`` (default: the settings'), or None
        (checks the labels as they are; without a background class when the settings leave it
        out, as the run itself counts them: a run bound to fail was started)."""
        if self.project is None:
            return "Open a folder of clips first."
        if self.is_training():
            return "A model is already training."
        snapshot = snapshot or pm.training_snapshot(self.project)
        background = (config or self.default_config()).background
        if pm.training_problem(snapshot, background=background) is None:
            return None
        unreadable = sum(1 for r in self.project.clips(readable=False) if r.label)
        return pm.training_problem(snapshot, unreadable, background=background)

    def start_training(self, config: TrainConfig | None = None, fine_tune: bool = False) -> bool:
        """Start training on a snapshot of the labels; False (with a ``message``) if it cannot."""
        snapshot = pm.training_snapshot(self.project) if self.project is not None else None
        config = config or self.default_config()
        problem = self.check_training(snapshot, config)
        init_from, parent_id = None, None
        if problem is None and fine_tune:
            record = self.active_model()
            if record is None:
                problem = "There is no model to fine-tune yet: train one first."
            else:  # read by the worker: a model file is not loaded on the GUI thread
                init_from, parent_id = pm.model_checkpoint_path(self.project, record), record.id
        if problem is not None:  # "already training" is news that passes: not a warning that stays
            self.message.emit(problem, "info" if self.is_training() else "warning")
            return False
        self.stop_classifying()
        self._generation += 1  # and drop a start of classifying still waiting (see _record)
        self.stopped_result = None
        self._snapshot_key = snapshot.key()
        self._parent_id = parent_id
        if fine_tune:
            config = config.for_fine_tuning()
        self._training.start(TrainingWorker(snapshot.pairs, config, init_from,
                                            save_to=pm.models_dir(self.project)),
                             progress=self.training_progress.emit,
                             finished=self._on_train_finished, failed=self._on_train_failed)
        self.training_started.emit(snapshot.counts)
        return True

    def cancel_training(self) -> None:
        """Ask training to stop; ``training_finished`` follows with ``result.stopped``."""
        self._training.request_stop()

    def wait_training(self, timeout_ms: int = 10000) -> bool:
        """Block until the training thread has ended (tests, benchmarks, closing)."""
        return self._training.wait(timeout_ms)

    def labels_edited(self) -> None:
        """Labels changed (the window calls this on every edit); checked after a pause against
        the run's snapshot and the confusion table's labels."""
        watching = self._snapshot_key is not None or self._confusion_labels is not None
        if watching and self.project is not None:
            self._label_check.start()

    def _check_labels(self) -> None:
        """Compare the labels now with the run's and the confusion table's, in the background:
        a read of every clip and region, 0.4-0.5 s a check at 20,000 clips, which held the
        window at every pause in labelling (each A or R in the Review tab too) once a model
        had trained. A check still reading when the next is asked is left to end unheard."""
        key, confusion = self._snapshot_key, self._confusion_labels
        if self.project is None or (key is None and confusion is None):
            return

        def check(project, _task) -> tuple[bool | None, int | None]:
            return (None if key is None else pm.training_snapshot(project).key() != key,
                    None if confusion is None else labels_differing(confusion,
                                                                    clip_labels(project)))

        def heard(result: tuple[bool | None, int | None]) -> None:
            changed, differing = result
            if changed is not None and key is self._snapshot_key:
                self.labels_changed_since.emit(changed)
            if differing is not None and confusion is self._confusion_labels:
                self.confusion_changes.emit(differing)

        self._label_checking.abandon()
        self._label_checking.start(ProjectWorker(self.project, check), finished=heard)

    def _on_train_failed(self, reason: str) -> None:
        self.training_failed.emit(reason)
        self.message.emit(f"Training could not run: {reason}", "error")

    def _on_train_finished(self, outcome) -> None:
        result, saved = outcome
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

    def keep_stopped_model(self) -> None:
        """Save the best model of a cancelled run (see ``stopped_result``) in the background,
        as a finished run's is saved by its worker; ``model_saved`` follows, or a message."""
        result, self.stopped_result = self.stopped_result, None
        if result is None or self.project is None:
            return
        folder = pm.models_dir(self.project)
        self._model_file.start(
            FunctionWorker(lambda _task: pm.save_model_file(result.checkpoint, folder)),
            finished=lambda path: self._record(result, path),
            failed=lambda reason: self.message.emit(f"The model could not be saved: {reason}",
                                                    "error"))

    def discard_stopped_model(self) -> None:
        self.stopped_result = None

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

    def load_model_file(self, path: str | Path) -> None:
        """Add a model file from elsewhere and make it active, in the background (reading it and
        a trial forward pass take a while); ``model_loaded`` follows, or a message with the
        reason it was refused."""
        if self.project is None:
            return
        name = Path(path).name
        self.status.emit(f"Loading the model {name}…", 0)
        self._model_file.start(
            ProjectWorker(self.project, lambda project, _task: _import_model(project, path)),
            finished=lambda loaded: self._on_model_loaded(*loaded),
            failed=lambda reason: self.message.emit(
                # A model file's error names it in full already: once is enough.
                f"Could not load the model {reason if reason.startswith(str(path)) else f'{name}: {reason}'}",
                "error"))

    def _on_model_loaded(self, model_id: int, note: str | None) -> None:
        self.status.emit("", 0)
        if note:
            self.message.emit(note, "warning")
        self._activated(self.project.active_model())
        self.model_loaded.emit(model_id)

    def _activated(self, record, classify: bool = True) -> None:
        self._classes = tuple(record.classes) if record is not None else ()
        self._confusion.cancel()
        self._confusion_labels = None  # the panel shows this model's held-out matrix now
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
        worker = ProjectClassifyWorker(self.project, record.id,
                                       pm.model_checkpoint_path(self.project, record),
                                       only_new=only_new, device=self.default_config().device)
        self.stop_classifying()
        self._classifying.start(
            worker, partial=self.predictions_ready.emit,
            progress=lambda value: self.classify_progress.emit(*value),
            finished=lambda outcome: self._on_classify_finished(record.id, *outcome[1:]),
            failed=lambda reason: self.message.emit(f"Classifying the clips stopped: {reason}",
                                                    "error"))
        self._confusion.cancel()  # the classification's table replaces it

    def _on_classify_finished(self, model_id: int, table, events=None, unreadable=()) -> None:
        if unreadable:
            self.clips_unreadable.emit(list(unreadable))
        # The worker built the table from the store as it ended; the labels read here are those
        # but for an edit made in the instant between.
        self._confusion_labels = clip_labels(self.project) if self.project is not None else None
        self.classify_finished.emit(model_id, table)
        if events is not None:
            self.events_ready.emit(events)

    def recompute_confusion(self) -> None:
        """Compare the current labels with the active model's stored predictions again, in the
        background (no classifying: the predictions are kept); ``confusion_ready`` follows."""
        record = self.active_model()
        if record is None or self.is_classifying():
            return  # a classification under way ends with a fresh table
        self._confusion.start(
            ProjectWorker(self.project, lambda project, _task: (
                pm.confusion_table(project, record.id, record.classes), clip_labels(project))),
            finished=lambda outcome: self._on_confusion_recomputed(record.id, *outcome),
            failed=lambda reason: self.message.emit(
                f"The confusion matrix could not be recomputed: {reason}", "error"))

    def _on_confusion_recomputed(self, model_id: int, table, labels: dict) -> None:
        self._confusion_labels = labels
        self.confusion_ready.emit(model_id, table)

    def stop_classifying(self) -> None:
        """Stop classifying the project's clips, not waiting for the worker's thread: it only
        reads the model and writes that model's predictions (see TaskSlot.abandon)."""
        self._classifying.abandon()

    def _later(self, delay_ms: int, step) -> None:
        """Run ``step`` after ``delay_ms``, unless shutdown (closing, another project) came first."""
        generation = self._generation
        QTimer.singleShot(delay_ms, self, lambda: generation == self._generation and step())

    # ---- closing ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every task and wait for its thread (closing, another project)."""
        self._generation += 1
        for task in (self._training, self._classifying, self._model_file, self._confusion,
                     self._label_checking):
            task.cancel()
        self._label_check.stop()
        self._snapshot_key = None
        self._confusion_labels = None


def clip_labels(project) -> dict[int, str | None]:
    """``{clip_id: label}`` of the present clips: what a confusion table reads of the labels."""
    return {record.id: record.label for record in project.clips()}


def labels_differing(before: dict[int, str | None], now: dict[int, str | None]) -> int:
    """How many clips have another label in ``now`` than in ``before`` (a clip in only one of
    them counts when it is labelled there)."""
    return sum(1 for clip_id in before.keys() | now.keys()
               if before.get(clip_id) != now.get(clip_id))


def _import_model(project, path) -> tuple[int, str | None]:
    """On the model file's task: the model imported and made active, and what the window says
    of a model that knows none of the project's classes (model_card.foreign_model_note)."""
    model_id = pm.import_model_file(project, path)
    record = project.active_model()
    return model_id, foreign_model_note(Path(record.path).name, record.classes,
                                        [c.name for c in project.classes()])
