"""View > Explain Prediction: the map is computed on a worker thread (never the GUI's) with a real
model file, drawn over the spectrogram in the clip's time and hertz when done, kept for the
session, cancelled when the clip changes and joined on shutdown; with no model a caption says so;
a long file's window follows the view; the View menu's toggle drives it."""

from __future__ import annotations

import numpy as np
import pytest

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import preset
from core.ml.networks import build_model
from gui.model import clip_scores
from gui.model import explain_overlay as module
from gui.model.clip_scores import ModelFile
from gui.model.explain_overlay import HZ_ROWS, ExplainOverlay, spotlight
from tests import audio_factory
from tests.gui.model.spies import TaskSpy

TIMEOUT_MS = 20_000


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    monkeypatch.setattr(clip_scores, "_loaded", {})
    features = preset("default").with_clip_seconds(1.0)
    network = build_model("compact-bands", 2, (features.n_freqs, features.n_frames))
    path = save_checkpoint(Checkpoint("compact-bands", ["tone", "other"], features,
                                      network.state_dict()), tmp_path / "m.pt")
    return ModelFile(1, path, 1.0)


@pytest.fixture
def spy(monkeypatch):
    spy = TaskSpy(module.explain_file, path_arg=1)
    monkeypatch.setattr(module, "explain_file", spy)
    return spy


@pytest.fixture
def overlay(clip_view, spy):
    overlay = ExplainOverlay(clip_view)
    overlay.set_enabled(True)
    yield overlay
    overlay.shutdown()


def clip(tmp_path, name: str, duration_s: float = 0.8, freq_hz: float = 600.0):
    return audio_factory.write(tmp_path / name, audio_factory.tone(freq_hz, duration_s))


def drawn(overlay) -> bool:
    return overlay.explanation() is not None


def test_the_map_is_computed_off_the_gui_thread_and_drawn_over_the_spectrogram(
        qtbot, clip_view, show_clip, overlay, spy, model_file, tmp_path):
    overlay.set_model(model_file)
    path = clip(tmp_path, "a.wav")
    show_clip(path)
    assert overlay.is_computing() and overlay.caption_text() == "Explaining the prediction…"
    qtbot.waitUntil(lambda: drawn(overlay), timeout=TIMEOUT_MS)
    assert spy.ran_off_the_gui_thread()
    result = overlay.explanation()
    assert result.class_name in ("tone", "other") and result.importance.shape == (64, 101)
    assert overlay.caption_text().startswith(f"Why “{result.class_name}” (")
    # Drawn in the clip's seconds and hertz: rows on a linear axis up to the spectrogram's top.
    assert overlay.image.isVisible() and overlay.image.image.shape == (HZ_ROWS, 101, 4)
    rect = overlay.image.mapRectToParent(overlay.image.boundingRect())
    assert rect.left() == pytest.approx(-result.frame_s / 2)
    assert rect.width() == pytest.approx(101 * result.frame_s)
    assert rect.height() == pytest.approx(clip_view.data.spectrogram.max_freq_hz)
    # Over the model's features (View > Show Model Features) the map keeps its bands' rows, and
    # is not computed again.
    with qtbot.waitSignal(clip_view.clip_shown, timeout=TIMEOUT_MS):
        clip_view.set_show_features(True)
    assert overlay.image.image.shape == (64, 101, 4) and len(spy.calls) == 1
    assert overlay.image.mapRectToParent(overlay.image.boundingRect()).height() == 64


def test_no_model_gets_a_caption_and_no_task(qtbot, clip_view, show_clip, overlay, spy, tmp_path):
    show_clip(clip(tmp_path, "a.wav"))
    assert "needs a model" in overlay.caption_text()
    # Wrapped inside the plot, not cut off past its right edge; again as the view narrows.
    for width in (700, 420):
        clip_view.resize(width, 600)
        qtbot.waitUntil(lambda: overlay.caption.mapRectToScene(
            overlay.caption.boundingRect()).right() <= clip_view.spec_plot.vb.sceneBoundingRect(
        ).right())
    assert not overlay.is_computing() and not overlay.image.isVisible() and spy.calls == []
    overlay.set_enabled(False)
    assert overlay.caption_text() == ""


def test_a_new_clip_cancels_the_map_being_computed_and_the_cache_serves_a_clip_again(
        qtbot, clip_view, show_clip, overlay, spy, model_file, tmp_path):
    overlay.set_model(model_file)
    first, second = clip(tmp_path, "a.wav"), clip(tmp_path, "b.wav", freq_hz=1200.0)
    spy.blocking.add(first)
    show_clip(first)
    assert spy.started.wait(TIMEOUT_MS / 1000)
    assert overlay.is_computing()
    show_clip(second)  # cancelled as the next clip came, not waited for
    qtbot.waitUntil(lambda: spy.stopped == [first], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: drawn(overlay), timeout=TIMEOUT_MS)
    spy.blocking.clear()
    show_clip(first)
    qtbot.waitUntil(lambda: drawn(overlay), timeout=TIMEOUT_MS)
    show_clip(second)
    assert drawn(overlay) and not overlay.is_computing()  # at once, from the cache
    assert spy.paths == [first, second, first]


def test_shutdown_stops_and_joins_the_task(qtbot, clip_view, show_clip, spy, model_file, tmp_path):
    overlay = ExplainOverlay(clip_view)
    overlay.set_enabled(True)
    overlay.set_model(model_file)
    path = clip(tmp_path, "a.wav")
    spy.blocking.add(path)
    show_clip(path)
    assert spy.started.wait(TIMEOUT_MS / 1000)
    overlay.shutdown()
    assert spy.stopped == [path] and not overlay.is_computing()


def test_a_long_files_window_follows_the_view(qtbot, clip_view, show_clip, overlay, spy,
                                              model_file, tmp_path):
    overlay.set_model(model_file)
    show_clip(clip(tmp_path, "long.wav", 8.0))
    qtbot.waitUntil(lambda: drawn(overlay), timeout=TIMEOUT_MS)
    assert overlay.explanation().start_s == pytest.approx(3.5)  # the whole file: its middle
    assert "in 3.50–4.50 s" in overlay.caption_text()
    clip_view.set_view_range(6.0, 7.0)
    qtbot.waitUntil(lambda: drawn(overlay) and overlay.explanation().start_s == pytest.approx(6.0),
                    timeout=TIMEOUT_MS)
    rect = overlay.image.mapRectToParent(overlay.image.boundingRect())
    assert rect.left() == pytest.approx(6.0 - overlay.explanation().frame_s / 2)
    calls = len(spy.calls)
    with qtbot.waitSignal(clip_view.view_range_changed, timeout=TIMEOUT_MS):
        clip_view.set_view_range(6.1, 7.1)  # a small move keeps the window
    assert len(spy.calls) == calls


def test_the_spotlight_dims_what_did_not_count():
    importance = np.array([[0.0, 1.0, 2.0, -1.0]], dtype=np.float32)
    layer, level = spotlight(importance)
    np.testing.assert_allclose(level, [[0.0, 0.5, 1.0, 0.0]])
    alpha = layer[0, :, 3]
    assert alpha[0] == alpha[3] > alpha[1] > alpha[2] == 0
    assert spotlight(np.zeros((2, 3)))[0][..., 3].min() > 0  # nothing counted: all dimmed


def test_view_menu_toggle_drives_the_overlay(window):
    action = window.acts.explain_prediction
    assert action.isCheckable() and not action.isChecked()
    assert action.shortcut().toString() == "Ctrl+Shift+E"
    others = [a for a in window.actions() if a is not action]
    assert all(a.shortcut() != action.shortcut() for a in others)
    action.setChecked(True)
    assert window.acts.explain.is_enabled()
    action.setChecked(False)
    assert not window.acts.explain.is_enabled()


def test_silence_and_unknown_are_said_not_explained_as_a_class(
        qtbot, clip_view, show_clip, overlay, spy, model_file, tmp_path):
    """Over digital silence the list answered "silence" and the caption said 'Why "cat"
    (100%)'; over a tone answered "unknown", 'Why "dog" (60%)'. The caption says the answer."""
    import dataclasses

    overlay.set_model(model_file)
    show_clip(clip(tmp_path, "a.wav"))
    qtbot.waitUntil(lambda: drawn(overlay), timeout=TIMEOUT_MS)
    result = overlay.explanation()
    overlay._draw(dataclasses.replace(result, verdict="silence"))
    assert overlay.caption_text().startswith("Nothing to explain: the model hears silence")
    assert not overlay.image.isVisible()
    overlay._draw(dataclasses.replace(result, verdict="unknown", probability=0.999))
    assert overlay.caption_text().startswith("The model calls this unknown (unlike its training "
                                             "clips); the lit, outlined parts raised the score "
                                             "of the class it scores highest, "
                                             f"“{result.class_name}” (>99%)")
    assert overlay.image.isVisible()
