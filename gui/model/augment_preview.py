"""AugmentPreview: under the clip view while View > Show Model Features is on, the model's window
of the clip as the model sees it and four training augmentations of it (core.ml.explain's
``preview_file``: the same ``augment`` training applies), computed in the background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.ml.explain import PREVIEW_COPIES, AugmentationPreview, model_window_start_s, preview_file
from core.ml.features import DEFAULT_FEATURES
from gui.clips.spectrogram_settings import colour_map
from gui.common.tasks import TaskSlot, Worker
from gui.model.clip_results import ClipLayer, clip_file_key, follow_clip_view

CACHE_PREVIEWS = 16
HEIGHT_PX = 150


def preview_window(path: Path, config, duration_s: float, view_range_s: tuple[float, float],
                   worker: Worker) -> AugmentationPreview:
    """The preview of the window of ``path`` in view (on a worker's thread; one pass of
    ``augment``, tens of milliseconds, so it need not stop midway)."""
    start_s = model_window_start_s(duration_s, config.clip_seconds, *view_range_s)
    return preview_file(path, config, start_s)


class AugmentPreview(ClipLayer, QWidget):
    """A row of small images under ``clip_view`` (a ClipView; place it with its
    ``add_panel``): the clip's window as the model sees it, then PREVIEW_COPIES augmentations.
    Shown while ``set_enabled(True)`` (the Show Model Features toggle) and a clip is on show;
    ``task`` is the TaskSlot it computes in (its own when None), ``shutdown`` stops it."""

    def __init__(self, clip_view, task: TaskSlot | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # No model: the features shown are the clip view's settings.
        self._start_layer(clip_view, task, CACHE_PREVIEWS, enabled=False)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444444; padding: 2px 6px 0 6px;")
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # plots: the keys act on the window
        self.graphics.ci.layout.setContentsMargins(4, 0, 4, 2)
        self.graphics.ci.layout.setSpacing(6)
        self.graphics.setFixedHeight(HEIGHT_PX)
        self.images: list[pg.ImageItem] = []
        for i in range(PREVIEW_COPIES + 1):
            box = self.graphics.addViewBox(row=0, col=i, lockAspect=False, enableMouse=False)
            box.setMenuEnabled(False)
            image = pg.ImageItem(axisOrder="row-major")
            box.addItem(image)
            self.images.append(image)
            # A number under each copy (the caption says what they are): "augmented 4" still
            # pushed the fourth copy past the clip view's edge at 1366 px beside the dock.
            label = self.graphics.addLabel("input" if i == 0 else str(i),
                                           row=1, col=i, size="8pt", color="#555555")
            label.setMaximumHeight(16)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics)
        self.hide()
        clip_view.clip_shown.connect(self._on_clip_view_clip_shown)
        follow_clip_view(clip_view, self._results, self._refresh)

    # ---- public API ---------------------------------------------------------------------

    def preview(self) -> AugmentationPreview | None:
        """The preview drawn (None while computing, or hidden)."""
        return self._results.current() if not self.isHidden() else None

    # ---- following the clip -------------------------------------------------------------

    def _config(self):
        return self.clip_view.feature_config() or DEFAULT_FEATURES

    def _on_clip_view_clip_shown(self, _path) -> None:
        key = self._wanted_key()
        if key is None or key != self._results.key:
            self._refresh()

    def _wanted_key(self) -> tuple | None:
        view, file_key = self.clip_view, clip_file_key(self.clip_view)
        if not self._enabled or file_key is None:
            return None
        config = self._config()
        start_s = model_window_start_s(view.duration_s, config.clip_seconds, *view.view_range())
        return *file_key, round(start_s, 3), config

    def _refresh(self) -> None:
        self._task.abandon()
        key = self._results.key = self._wanted_key()
        if key is None:
            self.hide()
            return
        self.show()
        if self._draw_kept(key):
            return
        for image in self.images:
            image.clear()
        self.caption.setText("Augmenting the clip as training does…")
        view, config = self.clip_view, key[3]
        path, duration_s, view_range_s = Path(key[0]), view.duration_s, view.view_range()
        self._compute(key, lambda worker: preview_window(path, config, duration_s, view_range_s,
                                                         worker),
                      failed=lambda reason: self.caption.setText(f"No preview: {reason}"))

    # ---- drawing ------------------------------------------------------------------------

    def _draw(self, result: AugmentationPreview) -> None:
        low, high = (float(v) for v in np.percentile(result.original, [1.0, 99.9]))
        if not high > low:
            low, high = low - 1.0, low + 1.0
        cmap = colour_map(self.clip_view.spectrogram_settings().colour_map)
        for image, values in zip(self.images, (result.original, *result.augmented),
                                 strict=True):
            image.setColorMap(cmap)
            image.setImage(values, levels=(low, high), autoLevels=False)
            image.getViewBox().autoRange(padding=0)
        config = self._results.key[3]  # the settings it was computed with
        where = (f"{result.start_s:.2f}–{result.start_s + result.window_s:.2f} s"
                 if self.clip_view.duration_s > result.window_s else "this clip")
        probability = ("" if config.augment_probability >= 1 else
                       f" (training augments {config.augment_probability:.0%} of its clips)")
        self.caption.setText(f"How training varies {where}{probability}, {len(self.images) - 1} "
                             f"copies as it may draw them: {', '.join(augmentation_names(config))}")


def augmentation_names(config) -> list[str]:
    """What ``augment`` does with these feature settings (a FeatureConfig), in words."""
    names = [name for name, on in (
        ("time shift", config.time_shift_fraction), ("time stretch", config.time_stretch),
        ("frequency warp", config.freq_warp), ("tone colour", config.eq_gain),
        ("noise floor", config.kind == "logmel" and config.normalize == "peak"
         and config.random_floor_db),
        ("time masks", config.time_masks and config.time_mask_frames),
        ("frequency masks", config.freq_masks and config.freq_mask_bins)) if on]
    return names or ["none"]
