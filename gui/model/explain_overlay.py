"""ExplainOverlay: View > Explain Prediction. The parts of the clip's time and frequency that
raised the active model's score of its predicted class most, drawn over the clip view's
spectrogram (or over the model's features when those are on show); the map is computed in the
background (core.ml.explain), cancelled when the clip changes, and kept for the session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from core.ml.explain import Explanation, explain_file, importance_on_hz_grid, model_window_start_s
from core.ml.novelty import SILENCE, UNKNOWN
from core.words import percent_words
from gui.common.tasks import TaskSlot, Worker
from gui.model.clip_results import ClipLayer, clip_file_key, follow_clip_view
from gui.model.clip_scores import ModelFile, follow_active_model, load_classifier

CACHE_MAPS = 32  # a map is a few tens of KB
# The map is drawn on this many rows of a linear frequency axis: finer than the model's bands
# at any sample rate a spectrogram shows.
HZ_ROWS = 512
# The look: a spotlight. Where the map is low the spectrogram is dimmed (up to DIM_ALPHA of
# DIM_RGB over it), where it is at its top it is left as it is, and the cells at or above
# OUTLINE_LEVEL of the top are outlined. The colours the spectrogram shows stay readable where it
# matters, whatever its colour map (a tint over inferno's orange read as grey).
DIM_RGB = (8, 8, 24)
DIM_ALPHA = 0.72
OUTLINE_LEVEL = 0.5
OUTLINE_COLOUR = "#00e5ff"  # cyan stands apart from every colour map on offer
OUTLINE_WIDTH_PX = 2


def explain_window(model: ModelFile, path: Path, duration_s: float,
                   view_range_s: tuple[float, float], worker: Worker) -> Explanation:
    """The map of the window of ``path`` in view (on a worker's thread; stops at its
    ``should_stop``)."""
    classifier = load_classifier(model.checkpoint_path, model.device)
    start_s = model_window_start_s(duration_s, classifier.window_s, *view_range_s)
    return explain_file(classifier, path, start_s, should_stop=worker.should_stop)


def spotlight(importance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` map -> (``(rows, cols, 4)`` uint8 dimming layer, ``(rows, cols)`` level
    0..1: the map's positive part over its top). Zero everywhere when nothing raised the
    score."""
    positive = np.maximum(importance, 0.0)
    top = float(positive.max()) if positive.size else 0.0
    level = positive / top if top > 0 else np.zeros_like(positive)
    rgba = np.zeros((*importance.shape, 4), dtype=np.uint8)
    rgba[..., :3] = DIM_RGB
    # The square root widens the lit part: the map's shoulders are part of what it points at.
    rgba[..., 3] = np.round(255 * DIM_ALPHA * (1.0 - np.sqrt(level))).astype(np.uint8)
    return rgba, level.astype(np.float32)


class ExplainOverlay(ClipLayer, QObject):
    """The importance map over ``clip_view``'s spectrogram (a ClipView): ``set_model`` the model
    (a ModelFile, or ``connect_model(controller)``: a ModelController's active one),
    ``set_enabled`` the View menu's toggle. ``task`` is the TaskSlot it computes in (its own
    when None); ``shutdown`` stops it."""

    def __init__(self, clip_view, task: TaskSlot | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._start_layer(clip_view, task, CACHE_MAPS, enabled=False)
        plot = clip_view.spec_plot
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(5)  # over the spectrogram and a long file's detail, under the playhead
        self.image.hide()
        plot.addItem(self.image, ignoreBounds=True)
        # In the image's own coordinates (its child), so it follows the image's rect.
        self.outline = pg.IsocurveItem(level=OUTLINE_LEVEL, axisOrder="row-major",
                                       pen=pg.mkPen(OUTLINE_COLOUR, width=OUTLINE_WIDTH_PX))
        self.outline.setParentItem(self.image)
        self.caption = pg.TextItem(color="#1b1b1b", fill=pg.mkBrush(255, 255, 255, 215),
                                   anchor=(0, 0))
        self.caption.setParentItem(plot.vb)
        self.caption.setZValue(20)
        self.caption.setPos(4, 4)
        self.caption.hide()
        # Wrapped to the plot's width: one line was cut off mid-word past its right edge.
        self._caption_vb = plot.vb
        plot.vb.sigResized.connect(self._wrap_caption)
        clip_view.clip_shown.connect(self._on_clip_view_clip_shown)
        follow_clip_view(clip_view, self._results, self._refresh)

    # ---- public API ---------------------------------------------------------------------

    def connect_model(self, controller) -> None:
        """Explain with ``controller``'s active model (a ModelController), now and as it
        changes."""
        follow_active_model(controller, self.set_model)

    def set_model(self, model: ModelFile | None) -> None:
        self._use_model(model)

    def explanation(self) -> Explanation | None:
        """The map drawn (None while computing, or with none on show)."""
        return self._results.current() if self.image.isVisible() else None

    def caption_text(self) -> str:
        return self.caption.textItem.toPlainText() if self.caption.isVisible() else ""

    # ---- following the clip -------------------------------------------------------------

    def _on_clip_view_clip_shown(self, _path) -> None:
        shown = self._results.current()
        if shown is not None and self._wanted_key() == self._results.key:
            self._draw(shown)  # the same clip drawn again: features on or off
            return
        self._refresh()

    def _wanted_key(self) -> tuple | None:
        """(model id, path, modification time, window start or view range) of the map to show;
        None: none."""
        model, view, file_key = self._model, self.clip_view, clip_file_key(self.clip_view)
        if not self._enabled or model is None or file_key is None:
            return None
        if model.window_s is None:  # an older model: its window is known once it is loaded
            return model.model_id, *file_key, tuple(round(t, 3) for t in view.view_range())
        start_s = model_window_start_s(view.duration_s, model.window_s, *view.view_range())
        return model.model_id, *file_key, round(start_s, 3)

    def _refresh(self) -> None:
        """Show the map of the clip on show: from the cache, or computed in the background."""
        self._task.abandon()
        self._results.key = None
        self.image.hide()
        if not self._enabled or self.clip_view.data is None:
            self.caption.hide()
            return
        if self._model is None:
            self._show_caption("Explain Prediction needs a model: train one (Model › Train) "
                               "or choose one in the Models tab")
            return
        key = self._results.key = self._wanted_key()
        if key is None:
            self.caption.hide()
            return
        if self._draw_kept(key):
            return
        model, view = self._model, self.clip_view
        path, duration_s, view_range_s = Path(key[1]), view.duration_s, view.view_range()
        self._show_caption("Explaining the prediction…")
        self._compute(key, lambda worker: explain_window(model, path, duration_s, view_range_s,
                                                         worker),
                      failed=self._on_task_failed)

    def _on_task_failed(self, reason: str) -> None:
        self._show_caption(f"No explanation: {reason}")

    # ---- drawing ------------------------------------------------------------------------

    def _draw(self, result: Explanation) -> None:
        data = self.clip_view.data
        if data is None:
            return
        where = ("" if result.start_s == 0.0 and result.window_s >= self.clip_view.duration_s
                 else f" in {result.start_s:.2f}–{result.start_s + result.window_s:.2f} s")
        if result.verdict == SILENCE:  # the map of a class's score in silence explains nothing
            self.image.hide()
            self._show_caption(f"Nothing to explain{where}: the model hears silence (nothing "
                               "rises above its background noise)")
            return
        importance = result.importance.copy()
        # Columns of padding past the clip's end are no part of it.
        centres_s = np.arange(result.n_frames) * result.frame_s
        importance[:, centres_s > result.audio_s + result.frame_s / 2] = 0.0
        if self.clip_view.show_features() and data.features is not None:
            rows, top = importance, float(importance.shape[0])  # the features' own rows
        else:
            top = float(data.spectrogram.max_freq_hz)
            rows = importance_on_hz_grid(dataclasses.replace(result, importance=importance),
                                         top, HZ_ROWS)
        layer, level = spotlight(rows)
        self.image.setImage(layer, autoLevels=False, levels=(0, 255))
        self.outline.setData(level)
        self.image.setRect(result.start_s - result.frame_s / 2, 0.0,
                           result.n_frames * result.frame_s, top)
        self.image.show()
        if result.verdict == UNKNOWN:  # said so: "Why dog" beside an answer of unknown read
            self._show_caption(f"The model calls this unknown{where} (unlike its training "
                               f"clips); the lit, outlined parts raised the score of the "
                               f"class it scores highest, “{result.class_name}” "
                               f"({percent_words(result.probability)}), most")
            return
        self._show_caption(f"Why “{result.class_name}” ({percent_words(result.probability)})"
                           f"{where}: the lit, outlined parts raised its score most")

    def _show_caption(self, text: str) -> None:
        self.caption.setText(text)
        self._wrap_caption()
        self.caption.show()

    def _wrap_caption(self, *_) -> None:
        self.caption.textItem.setTextWidth(max(80.0, self._caption_vb.width() - 8.0))
        self.caption.updateTextPos()
