"""ClipScores: the active model's per-class scores over the whole file on show in the clip view, a
track under its spectrogram (x linked), scored in the background (the task is cancelled when the
clip changes) and kept for the session per (model, file, modification time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from core import workflow as pm
from core.ml.detection import model_background, resolve_thresholds
from core.ml.inference import Classifier, WindowScores
from core.ml.runtime import set_thread_count
from gui.common.tasks import TaskSlot, Worker
from gui.model.clip_results import ClipLayer, clip_file_key
from gui.model.score_track import (
    ScoreLines,
    show_score_range,
    style_score_plot,
    window_centres_s,
)
from gui.model.workers import inference_device, torch_threads

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


# The last model file loaded, by (file, requested device): one model scores a session's clips.
_loaded: dict[tuple[Path, str], Classifier] = {}
_loaded_lock = threading.Lock()


def load_classifier(checkpoint_path: Path, device: str = "auto") -> Classifier:
    """The Classifier of a model file on ``device`` (as requested: workers.inference_device),
    loaded once (the last one asked for is kept); the calling (worker's) thread gets
    ``torch_threads``."""
    set_thread_count(torch_threads())
    with _loaded_lock:
        classifier = _loaded.get((checkpoint_path, device))
        if classifier is None:
            _loaded.clear()
            classifier = _loaded[checkpoint_path, device] = Classifier.from_checkpoint(
                checkpoint_path, decode_workers=1, device=inference_device(device))
        return classifier


def score_file(checkpoint_path: Path, path: Path, worker: Worker,
               device: str = "auto") -> FileScores:
    """Score every window of ``path`` with the model in ``checkpoint_path`` on ``device`` (on a
    worker's thread: ``progress(fraction)``, stopping at the worker's ``should_stop``)."""
    classifier = load_classifier(checkpoint_path, device)
    windows = classifier.score_windows(path, progress=worker.report_progress,
                                       should_stop=worker.should_stop, novelty=True)
    thresholds = resolve_thresholds(classifier.classes,
                                    getattr(classifier.checkpoint, "thresholds", None))
    return FileScores(tuple(classifier.classes), thresholds, model_background(classifier),
                      float(classifier.window_s), windows)


@dataclass(frozen=True)
class ModelFile:
    """The active model as the clip view's tracks and overlays use it: its id, file and window
    length (None: not recorded, an older model; its Classifier tells), and the device Training
    Settings request."""

    model_id: int
    checkpoint_path: Path
    window_s: float | None
    device: str = "auto"


def follow_active_model(controller, set_model) -> None:
    """Call ``set_model(ModelFile or None)`` with ``controller``'s active model (a
    ModelController), now and whenever it or the settings' device changes."""
    def on_changed(record) -> None:
        project = controller.project
        if project is None or record is None:
            set_model(None)
            return
        features = pm.model_features(record)
        set_model(ModelFile(record.id, pm.model_checkpoint_path(project, record),
                            features.clip_seconds if features is not None else None,
                            controller.default_config().device))

    def on_device_changed(_device: str) -> None:
        on_changed(controller.active_model())

    controller.active_model_changed.connect(on_changed)
    controller.device_changed.connect(on_device_changed)
    on_changed(controller.active_model())


class ClipScores(ClipLayer, QObject):
    """The score track of ``clip_view`` (a ClipView): ``set_model`` the active model (or
    ``connect_model(controller)``: a ModelController's active model), ``set_enabled`` the View
    menu's toggle, ``set_class_colours`` the project's colours. The track follows the clip on
    show; ``task`` is the TaskSlot it scores in (its own when None), ``shutdown`` stops it."""

    def __init__(self, clip_view, task: TaskSlot | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._start_layer(clip_view, task, CACHE_FILES, enabled=True)
        self._path: Path | None = None
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
        follow_active_model(controller, lambda model: self.set_model(
            *((model.model_id, model.checkpoint_path, model.window_s, model.device) if model
              else (None,))))

    def connect_labels(self, labels) -> None:
        """Draw in the project's class colours (a LabelController's ``classes_changed``)."""
        labels.classes_changed.connect(
            lambda classes: self.set_class_colours({c.name: c.colour for c in classes
                                                    if c.colour}))
        self.set_class_colours(labels.class_colours())

    # ---- public API ---------------------------------------------------------------------

    def set_model(self, model_id: int | None, checkpoint_path: str | Path | None = None,
                  window_s: float | None = None, device: str = "auto") -> None:
        """Score with model ``model_id`` (its file ``checkpoint_path``, its window ``window_s``
        seconds, None if unknown) on ``device`` (as requested); None: no model, no track."""
        self._use_model(None if model_id is None
                        else ModelFile(int(model_id), Path(checkpoint_path), window_s, device))

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self.lines.set_class_colours(colours)

    def is_shown(self) -> bool:
        """Whether the track sits under the clip view's spectrogram."""
        return self.plot in self.clip_view.tracks()

    def is_scoring(self) -> bool:
        return self.is_computing()

    def scores(self) -> FileScores | None:
        """The scores drawn (None while scoring, or with no track)."""
        return self._results.current() if self.lines.curves else None

    # ---- following the clip ---------------------------------------------------------------

    def _on_clip_view_clip_shown(self, path) -> None:
        path = Path(path)
        if path == self._path and self._results.key is not None:
            return  # the same clip drawn again (features toggled): its track stands
        self._path = path
        self._refresh()

    def _on_clip_view_message_shown(self, _text: str) -> None:
        if self.clip_view.data is None:  # cleared, or its file could not be read
            self._path = None
            self._refresh()

    def _refresh(self) -> None:
        """Show the track of the clip on show: from the cache, or scored in the background."""
        self._task.abandon()
        self.lines.clear()
        key = self._results.key = self._wanted_key()
        if key is None:
            self._hide()
            return
        self._show()
        if self._draw_kept(key):
            return
        model, path = self._model, self._path
        self._show_note("Scoring… 0%")
        self._compute(key, lambda worker: score_file(model.checkpoint_path, path, worker,
                                                      model.device),
                      progress=self._on_task_progress, failed=self._on_task_failed)

    def _wanted_key(self) -> tuple | None:
        """(model id, path, modification time) of the scores to show, or None for no track."""
        model, file_key = self._model, clip_file_key(self.clip_view)
        if not self._enabled or model is None or self._path is None or file_key is None:
            return None
        if model.window_s and self.clip_view.duration_s < MIN_WINDOWS * model.window_s:
            return None
        return model.model_id, *file_key

    def _on_task_progress(self, fraction: float) -> None:
        self._show_note(f"Scoring… {fraction:.0%}")

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
        self.lines.draw(scores.classes, centres_s, windows.heard, scores.thresholds,
                        leave_out=scores.background, unknown=windows.unknown)
        self.plot.setLimits(xMin=0.0, xMax=max(windows.duration_s, 1e-3))
        show_score_range(self.plot)  # the legend's room above 1 kept

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
