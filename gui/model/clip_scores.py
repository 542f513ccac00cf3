"""ClipScores: the active model's per-class scores over the whole file on show in the clip view, a
track under its spectrogram (x linked), scored in the background (the task is cancelled when the
clip changes) and kept for the session per (model, file, modification time)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from core import workflow as pm
from core.ml.detection import model_background, resolve_thresholds
from core.ml.inference import Classifier, WindowScores
from core.ml.runtime import set_thread_count
from gui.common.tasks import FunctionWorker, TaskSlot, Worker
from gui.model.score_track import ScoreLines, style_score_plot, window_centres_s
from gui.model.workers import worker_threads

# Files scored this session kept in memory: a 1-hour file is ~7,000 windows, a few hundred KB.
CACHE_FILES = 64
# A file shorter than this many model windows gets no track: the clip list shows its one score.
MIN_WINDOWS = 2


@dataclass(frozen=True)
class FileScores:
    """A file scored by a model: its windows, and how the model reads them (its thresholds
    ``(n_classes,)`` and the background class it never reports, or None)."""

    classes: tuple[str, ...]
    thresholds: np.ndarray
    background: str | None
    window_s: float
    windows: WindowScores


_loaded: dict[Path, Classifier] = {}  # the last model file loaded: one model scores a session's clips
_loaded_lock = threading.Lock()


def load_classifier(checkpoint_path: Path) -> Classifier:
    """The Classifier of a model file, loaded once (the last one asked for is kept)."""
    with _loaded_lock:
        classifier = _loaded.get(checkpoint_path)
        if classifier is None:
            _loaded.clear()
            classifier = _loaded[checkpoint_path] = Classifier.from_checkpoint(
                checkpoint_path, decode_workers=1)
        return classifier


def score_file(checkpoint_path: Path, path: Path, worker: Worker) -> FileScores:
    """Score every window of ``path`` with the model in ``checkpoint_path`` (on a worker's thread:
    ``progress(fraction)``, stopping at the worker's ``should_stop``)."""
    set_thread_count(worker_threads())
    classifier = load_classifier(checkpoint_path)
    windows = classifier.score_windows(path, progress=worker.report_progress,
                                       should_stop=worker.should_stop)
    thresholds = resolve_thresholds(classifier.classes,
                                    getattr(classifier.checkpoint, "thresholds", None))
    return FileScores(tuple(classifier.classes), thresholds, model_background(classifier),
                      float(classifier.window_s), windows)


@dataclass(frozen=True)
class _Model:
    model_id: int
    checkpoint_path: Path
    window_s: float | None  # None: not recorded (an older model); the scores tell


class ClipScores(QObject):
    """The score track of ``clip_view`` (a ClipView): ``set_model`` the active model (or
    ``connect_model(controller)``: a ModelController's active model), ``set_enabled`` the View
    menu's toggle, ``set_class_colours`` the project's colours. The track follows the clip on
    show; ``task`` is the TaskSlot it scores in (its own when None), ``shutdown`` stops it."""

    def __init__(self, clip_view, task: TaskSlot | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clip_view = clip_view
        self._task = task if task is not None else TaskSlot(self)
        self._model: _Model | None = None
        self._enabled = True
        self._path: Path | None = None
        self._key: tuple | None = None  # the scores on show or being computed
        self._cache: OrderedDict[tuple, FileScores] = OrderedDict()
        self.plot = pg.PlotItem()
        style_score_plot(self.plot)
        self.plot.hideAxis("bottom")  # the spectrogram's time axis above serves it
        self.lines = ScoreLines(self.plot)
        self.note = pg.TextItem(color="#555555", anchor=(0.5, 0.5))
        self.note.setParentItem(self.plot.vb)
        self.plot.vb.sigResized.connect(self._place_note)
        clip_view.clip_shown.connect(self._on_clip_view_clip_shown)
        clip_view.message_shown.connect(self._on_clip_view_message_shown)

    # ---- wiring -------------------------------------------------------------------------

    def connect_model(self, controller) -> None:
        """Score with ``controller``'s active model (a ModelController), now and as it changes."""
        controller.active_model_changed.connect(
            lambda record: self._on_active_model_changed(controller.project, record))
        self._on_active_model_changed(controller.project, controller.active_model())

    def connect_labels(self, labels) -> None:
        """Draw in the project's class colours (a LabelController's ``classes_changed``)."""
        labels.classes_changed.connect(
            lambda classes: self.set_class_colours({c.name: c.colour for c in classes
                                                    if c.colour}))
        self.set_class_colours(labels.class_colours())

    def _on_active_model_changed(self, project, record) -> None:
        if project is None or record is None:
            self.set_model(None)
            return
        features = pm.model_features(record)
        self.set_model(record.id, pm.model_checkpoint_path(project, record),
                       features.clip_seconds if features is not None else None)

    # ---- public API ---------------------------------------------------------------------

    def set_model(self, model_id: int | None, checkpoint_path: str | Path | None = None,
                  window_s: float | None = None) -> None:
        """Score with model ``model_id`` (its file ``checkpoint_path``, its window ``window_s``
        seconds, None if unknown); None: no model, no track."""
        model = (None if model_id is None
                 else _Model(int(model_id), Path(checkpoint_path), window_s))
        if model != self._model:
            self._model = model
            self._refresh()

    def set_enabled(self, enabled: bool) -> None:
        """Show the track (View › Show Score Track) or hide it and stop scoring."""
        if bool(enabled) != self._enabled:
            self._enabled = bool(enabled)
            self._refresh()

    def is_enabled(self) -> bool:
        return self._enabled

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self.lines.set_class_colours(colours)

    def is_shown(self) -> bool:
        """Whether the track sits under the clip view's spectrogram."""
        return self.plot in self.clip_view.tracks()

    def is_scoring(self) -> bool:
        return self._task.is_running()

    def scores(self) -> FileScores | None:
        """The scores drawn (None while scoring, or with no track)."""
        return self._cache.get(self._key) if self._key is not None and self.lines.curves else None

    def shutdown(self) -> None:
        """Stop scoring and wait for the thread (the window is closing)."""
        self._task.cancel()

    # ---- following the clip ---------------------------------------------------------------

    def _on_clip_view_clip_shown(self, path) -> None:
        path = Path(path)
        if path == self._path and self._key is not None:
            return  # the same clip drawn again (features toggled): its track stands
        self._path = path
        self._refresh()

    def _on_clip_view_message_shown(self, _text: str) -> None:
        if self.clip_view.data is None:  # cleared, or its file could not be read
            self._path = None
            self._refresh()

    def _refresh(self) -> None:
        """Show the track of the clip on show: from the cache, or scored in the background."""
        self._task.cancel()
        self._key = None
        self.lines.clear()
        key = self._wanted_key()
        if key is None:
            self._hide()
            return
        self._key = key
        self._show()
        if key in self._cache:
            self._cache.move_to_end(key)
            self._draw(self._cache[key])
            return
        model, path = self._model, self._path
        self._show_note("Scoring… 0%")
        self._task.start(FunctionWorker(lambda worker: score_file(model.checkpoint_path, path,
                                                                  worker)),
                         progress=self._on_task_progress,
                         finished=lambda scores: self._on_task_finished(key, scores),
                         failed=self._on_task_failed)

    def _wanted_key(self) -> tuple | None:
        """(model id, path, modification time) of the scores to show, or None for no track."""
        model, path = self._model, self._path
        if not self._enabled or model is None or path is None or self.clip_view.data is None:
            return None
        if model.window_s and self.clip_view.duration_s < MIN_WINDOWS * model.window_s:
            return None
        try:
            mtime_ns = path.stat().st_mtime_ns
        except OSError:
            return None
        return model.model_id, str(path), mtime_ns

    def _on_task_progress(self, fraction: float) -> None:
        self._show_note(f"Scoring… {fraction:.0%}")

    def _on_task_finished(self, key: tuple, scores: FileScores) -> None:
        self._cache[key] = scores
        while len(self._cache) > CACHE_FILES:
            self._cache.popitem(last=False)
        if key == self._key:
            self._draw(scores)

    def _on_task_failed(self, reason: str) -> None:
        self._show_note(f"No scores: {reason}")

    # ---- drawing --------------------------------------------------------------------------

    def _draw(self, scores: FileScores) -> None:
        windows = scores.windows
        if len(windows.starts_s) < MIN_WINDOWS:
            self._hide()
            return
        self.note.hide()
        centres_s = window_centres_s(windows.starts_s, windows.duration_s, scores.window_s)
        self.lines.draw(scores.classes, centres_s, windows.probabilities, scores.thresholds,
                        leave_out=scores.background)
        self.plot.setLimits(xMin=0.0, xMax=max(windows.duration_s, 1e-3))
        self.plot.setYRange(0.0, 1.0, padding=0.05)

    def _show(self) -> None:
        self.clip_view.add_track(self.plot)

    def _hide(self) -> None:
        self.note.hide()
        self.clip_view.remove_track(self.plot)

    def _show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()
        self._place_note()

    def _place_note(self, *_args) -> None:
        self.note.setPos(self.plot.vb.width() / 2, self.plot.vb.height() / 2)
