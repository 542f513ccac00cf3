"""Workers for the model loop: training, classifying a project's clips, classifying dropped files.

Each is a QObject for ``gui.common.tasks.start_worker``: ``run`` on its own QThread, ``cancel`` from any
thread, ``done`` last. They emit plain values (core's dataclasses, dicts, lists), never touch
widgets, and limit progress signals to about ten a second.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from core.audio.discovery import expand_audio_paths
from core.errors import EarmarkError
from core.ml.checkpoint import Checkpoint
from core.ml.inference import Classifier
from core.ml.runtime import set_thread_count, warm_up_optimisers
from core.ml.training import TrainConfig, TrainProgress, train
from core.store.project import Project
from core.workflow import classify_project, confusion_table, save_model_file
from gui.common.tasks import lower_this_threads_priority

EMIT_INTERVAL_S = 0.1
RESULTS_PER_SIGNAL = 64


def worker_threads() -> int:
    """Intra-op threads for training and inference: every core but one, which stays with the
    GUI thread (torch's OpenMP setting is per thread, so the GUI thread keeps its own)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _classifier(checkpoint: Checkpoint | str | Path) -> Classifier:
    """A Classifier for a GUI worker: one file-reading thread per spare core, as for training
    (each more fights the window for the GIL)."""
    return Classifier.from_checkpoint(checkpoint, decode_workers=worker_threads())


class _Throttle:
    """True at most once per ``interval_s``."""

    def __init__(self, interval_s: float = EMIT_INTERVAL_S) -> None:
        self.interval_s, self._last = interval_s, 0.0

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._last = now
            return True
        return False


class _Worker(QObject):
    """What every worker here shares: a stop flag set from the GUI thread, checked by core
    between batches, and a throttle for progress signals."""

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._throttle = _Throttle()

    def cancel(self) -> None:
        self._stop.set()


class TrainingWorker(_Worker):
    """Trains on a snapshot of (path, label) pairs with ``core.ml.training.train``.

    Signals: ``progress(TrainProgress)`` throttled, but every report that carries epoch metrics
    is sent; ``finished(TrainResult, saved)`` (``result.stopped`` after a cancel), where
    ``saved`` is the model file written into ``save_to`` (a finished run only: writing and
    fsyncing here keeps that off the GUI thread), a str saying why it could not be saved, or
    None; ``failed(str)``.
    """

    progress = Signal(object)
    finished = Signal(object, object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, pairs: list[tuple[Path, str]], config: TrainConfig,
                 init_from: Checkpoint | None = None, save_to: Path | None = None) -> None:
        super().__init__()
        self._pairs, self._config, self._init_from = list(pairs), config, init_from
        self._save_to = save_to

    @Slot()
    def run(self) -> None:
        # Niced (its decoding threads inherit that): on a busy machine the window comes first.
        lower_this_threads_priority()
        try:
            warm_up_optimisers()
            config = self._config
            if not config.num_threads:
                config = dataclasses.replace(config, num_threads=worker_threads())
            # Decoding threads fight the window for the GIL; one per spare core is plenty.
            config = dataclasses.replace(
                config, decode_workers=min(config.decode_workers, worker_threads()))
            result = train(self._pairs, config, init_from=self._init_from,
                           progress=self._on_progress, should_stop=self._stop.is_set)
            saved = None
            if self._save_to is not None and not result.stopped and result.checkpoint is not None:
                try:
                    saved = save_model_file(result.checkpoint, self._save_to)
                except EarmarkError as error:
                    saved = str(error)
            self.finished.emit(result, saved)
        except (EarmarkError, OSError, ValueError, RuntimeError) as error:
            self.failed.emit(str(error))
        finally:
            self.done.emit()

    def _on_progress(self, report: TrainProgress) -> None:
        if report.epoch_metrics is not None or self._throttle.ready():
            self.progress.emit(report)


class ProjectClassifyWorker(_Worker):
    """Classifies every readable clip of a project with one model and records the predictions.

    Opens its own Project (SQLite connections belong to one thread). Signals:
    ``predictions_ready(dict)`` {clip_id: (label, confidence)} as each batch is stored,
    ``progress(int, int)`` files done and total (throttled), ``finished(int, ConfusionTable)``
    how many were recorded and the labels against the model's predictions (built here: on the
    GUI thread it held up the window for 30-60 ms on 2,000 clips), ``failed(str)``.
    """

    predictions_ready = Signal(object)
    progress = Signal(int, int)
    finished = Signal(int, object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, folder: str | Path, store_dir: str | Path | None, model_id: int,
                 checkpoint: Checkpoint | str | Path, batch_rows: int = 256,
                 only_new: bool = False) -> None:
        super().__init__()
        self._only_new = only_new
        self.model_id = model_id
        self._folder, self._store_dir = Path(folder), store_dir
        self._checkpoint, self._batch_rows = checkpoint, batch_rows

    @Slot()
    def run(self) -> None:
        project = None
        lower_this_threads_priority()
        try:
            set_thread_count(worker_threads())
            classifier = _classifier(self._checkpoint)
            project = Project.open(self._folder, store_dir=self._store_dir)
            n = classify_project(project, classifier, self.model_id,
                                 on_batch=self.predictions_ready.emit,
                                 progress=self._on_progress, should_stop=self._stop.is_set,
                                 batch_rows=self._batch_rows, only_new=self._only_new)
            self.finished.emit(n, confusion_table(project, self.model_id, classifier.classes))
        except (EarmarkError, OSError, RuntimeError) as error:
            if not self._stop.is_set():
                self.failed.emit(str(error))
        finally:
            if project is not None:
                project.close()
            self.done.emit()

    def _on_progress(self, done: int, total: int) -> None:
        if done == total or self._throttle.ready():
            self.progress.emit(done, total)


class FileClassifyWorker(_Worker):
    """Classifies dropped files (folders expanded to their audio files) with one checkpoint.

    Signals: ``results_ready(list[Prediction])`` in order, a few at a time;
    ``progress(int, int)``; ``finished(int)`` files classified; ``failed(str)``.
    """

    results_ready = Signal(object)
    progress = Signal(int, int)
    finished = Signal(int)
    failed = Signal(str)
    done = Signal()

    def __init__(self, paths: list[str | Path], checkpoint: Checkpoint | str | Path) -> None:
        super().__init__()
        self._paths = [Path(p) for p in paths]
        self._checkpoint = checkpoint

    @Slot()
    def run(self) -> None:
        pending: list = []
        count = 0
        lower_this_threads_priority()
        try:
            set_thread_count(worker_threads())
            classifier = _classifier(self._checkpoint)
            files = expand_audio_paths(self._paths)
            for prediction in classifier.predict_files(files, should_stop=self._stop.is_set):
                pending.append(prediction)
                count += 1
                if len(pending) >= RESULTS_PER_SIGNAL or self._throttle.ready():
                    self.results_ready.emit(pending)
                    self.progress.emit(count, len(files))
                    pending = []
            if pending:
                self.results_ready.emit(pending)
            self.progress.emit(count, len(files))
            self.finished.emit(count)
        except (EarmarkError, OSError, RuntimeError) as error:
            self.failed.emit(str(error))
        finally:
            self.done.emit()
