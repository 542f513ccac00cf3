"""The preview of the training augmentations under View > Show Model Features: computed on a
worker thread (never the GUI's), drawn when done (the window as the model sees it and four
augmented copies, in the model's feature settings), hidden with the toggle, cancelled when the
clip changes and joined on shutdown; the window's toggle shows it under the clip clip_view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.ml.explain import PREVIEW_COPIES
from core.ml.features import DEFAULT_FEATURES
from gui.model import augment_preview as module
from gui.model.augment_preview import AugmentPreview, augmentation_names
from tests import audio_factory
from tests.gui.model.spies import TaskSpy

TIMEOUT_MS = 20_000


@pytest.fixture
def spy(monkeypatch):
    spy = TaskSpy(module.preview_file)
    monkeypatch.setattr(module, "preview_file", spy)
    return spy


@pytest.fixture
def preview(clip_view, spy):
    preview = AugmentPreview(clip_view)
    clip_view.add_panel(preview)
    yield preview
    preview.shutdown()


def clip(tmp_path, name: str, duration_s: float = 0.8):
    return audio_factory.write(tmp_path / name, audio_factory.tone(600.0, duration_s))


def test_the_preview_is_computed_off_the_gui_thread_in_the_models_settings(
        qtbot, clip_view, show_clip, preview, spy, tmp_path):
    config = dataclasses.replace(DEFAULT_FEATURES, n_mels=40, augment_probability=0.5)
    clip_view.set_feature_config(config)
    show_clip(clip(tmp_path, "a.wav"))
    assert preview.isHidden() and spy.calls == []  # off until the toggle
    preview.set_enabled(True)
    assert not preview.isHidden() and preview.is_computing()
    qtbot.waitUntil(lambda: preview.preview() is not None, timeout=TIMEOUT_MS)
    assert spy.ran_off_the_gui_thread()
    assert spy.calls[0][1] == config  # (path, config, start_s)
    shown = [image.image for image in preview.images]
    assert len(shown) == PREVIEW_COPIES + 1
    assert all(values.shape == (40, config.n_frames) for values in shown)
    np.testing.assert_array_equal(shown[0], preview.preview().original)
    assert not any(np.allclose(copy, shown[0]) for copy in shown[1:])
    assert "training augments 50% of its clips" in preview.caption.text()
    preview.set_enabled(False)
    assert preview.isHidden()
    preview.set_enabled(True)
    assert preview.preview() is not None and len(spy.calls) == 1  # from the cache


def test_a_new_clip_cancels_the_preview_being_computed(qtbot, clip_view, show_clip, preview, spy, tmp_path):
    preview.set_enabled(True)
    first, second = clip(tmp_path, "a.wav"), clip(tmp_path, "b.wav", 0.5)
    spy.blocking.add(first)
    show_clip(first)
    assert spy.started.wait(TIMEOUT_MS / 1000)
    first_worker = preview._task.worker
    spy.release.set()
    show_clip(second)
    assert first_worker.should_stop()  # cancelled as the next clip came
    qtbot.waitUntil(lambda: preview.preview() is not None, timeout=TIMEOUT_MS)
    assert spy.paths == [first, second]
    clip_view.show_clip(None)
    assert preview.isHidden()


def test_shutdown_joins_the_task(qtbot, clip_view, show_clip, preview, spy, tmp_path):
    preview.set_enabled(True)
    path = clip(tmp_path, "a.wav")
    spy.blocking.add(path)
    show_clip(path)
    assert spy.started.wait(TIMEOUT_MS / 1000)
    spy.release.set()
    preview.shutdown()
    assert not preview.is_computing()


def test_the_caption_names_only_what_training_does():
    assert augmentation_names(DEFAULT_FEATURES)[:2] == ["time shift", "time stretch"]
    from core.ml.features import SEED_FEATURES

    # The seed's recipe: time masks alone (no shift, stretch, warp, colour, noise floor or
    # frequency masks).
    assert augmentation_names(SEED_FEATURES) == ["time masks"]
    assert augmentation_names(dataclasses.replace(SEED_FEATURES, time_masks=0)) == ["none"]


def test_show_model_features_shows_the_preview_under_the_clip_view(qtbot, window, tmp_path):
    preview = window.acts.augment_preview
    assert preview.parentWidget() is not None and window.clip_view.isAncestorOf(preview)
    window.acts.show_features.setChecked(True)
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=TIMEOUT_MS):
        window.clip_view.show_clip(clip(tmp_path, "a.wav"))
    qtbot.waitUntil(lambda: preview.preview() is not None, timeout=TIMEOUT_MS)
    window.acts.show_features.setChecked(False)
    assert preview.isHidden()


def test_every_copy_fits_a_narrow_clip_pane(preview):
    """Under a clip view beside the Model dock at 1366 px (about 370 px), the fourth copy was
    cut off past the edge: the words under the copies set the row's least width."""
    from PySide6.QtCore import Qt

    row = preview.graphics.ci  # the copies and the words under them
    assert row.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() <= 330  # it was 433
