"""The clip view's score track: with a stub classifier (known window scores), a long clip gets one
line per class and its threshold under the spectrogram (the background class left out), a new
clip cancels the scoring of the last, the session's cache shows a clip scored before at once, the
View menu's toggle hides it, and a short clip gets none."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Signal

from core.ml.checkpoint import Checkpoint, save_checkpoint
from core.ml.features import preset
from core.ml.inference import ScoringStopped, WindowScores
from core.ml.networks import build_model
from core.ml.train_config import TrainConfig
from gui.clips.clip_view import ClipView
from gui.model import clip_scores as module
from gui.model.clip_scores import ClipScores
from gui.model.score_track import LEGEND_ROOM
from tests import audio_factory

TIMEOUT_MS = 10_000
WINDOW_S = 1.0
CLASSES = ("tone", "noise", "background")
THRESHOLDS = (0.4, 0.6, 0.5)


class StubClassifier:
    """Scores a file's half-overlapping windows with known values; a file in ``blocking`` waits
    until its task is told to stop (and records that it was)."""

    classes = CLASSES
    window_s = WINDOW_S
    checkpoint = SimpleNamespace(thresholds=THRESHOLDS, background_class="background")

    def __init__(self) -> None:
        self.calls: list = []
        self.blocking: set = set()
        self.stopped: list = []
        self.started = threading.Event()

    novelty = None  # (11,) each window's novelty, when a test gives it

    def score_windows(self, path, progress=None, should_stop=None, **_):
        self.calls.append(path)
        self.started.set()
        if path in self.blocking:
            progress(0.4)
            while not should_stop():
                threading.Event().wait(0.005)  # the worker's thread, not the test's
            self.stopped.append(path)
            raise ScoringStopped("stopped")
        duration_s = 6.0
        starts = np.arange(11) * WINDOW_S / 2
        probabilities = np.stack([np.linspace(0, 1, 11), np.linspace(1, 0, 11),
                                  np.full(11, 0.2)], axis=1).astype(np.float32)
        progress(1.0)
        return WindowScores(path, duration_s, starts, probabilities, np.zeros(11, dtype=bool),
                            np.zeros(11), self.novelty)


@pytest.fixture
def stub(monkeypatch):
    classifier = StubClassifier()
    monkeypatch.setattr(module, "load_classifier", lambda _path, _device="auto": classifier)
    return classifier


@pytest.fixture
def view(qtbot):
    view = ClipView()
    view.set_cache_dir(None)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    yield view
    view.shutdown()


@pytest.fixture
def scores(view, stub, tmp_path):
    scores = ClipScores(view)
    scores.set_model(7, tmp_path / "model.pt", WINDOW_S)
    yield scores
    scores.shutdown()


def clip(tmp_path, name: str, duration_s: float):
    return audio_factory.write(tmp_path / name, audio_factory.tone(600, duration_s))


def show(qtbot, view, path) -> None:
    with qtbot.waitSignal(view.clip_shown, timeout=TIMEOUT_MS):
        view.show_clip(path)


def test_long_clip_gets_a_line_per_class_and_its_threshold_without_background(qtbot, view,
                                                                             scores, tmp_path):
    show(qtbot, view, clip(tmp_path, "long.wav", 6.0))
    assert scores.is_shown() and view.tracks() == [scores.plot]
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    assert set(scores.lines.curves) == {"tone", "noise"}  # background left out
    x, y = scores.lines.curves["tone"].getData()
    np.testing.assert_allclose(x, np.minimum(np.arange(11) * 0.5 + WINDOW_S / 2, 6.0))
    np.testing.assert_allclose(y, np.linspace(0, 1, 11), atol=1e-6)
    assert set(scores.lines.threshold_lines) == {"tone", "noise"}
    line = scores.lines.threshold_lines["noise"]
    assert line.value() == pytest.approx(0.6)
    assert line.pen.style() == Qt.PenStyle.DotLine
    assert line.pen.color() == scores.lines.curves["noise"].opts["pen"].color()
    assert scores.plot.vb.linkedView(0) is view.wave_plot.vb  # x linked to the clip's time
    low, high = scores.plot.vb.viewRange()[1]  # room above 1 for the legend, as the Classify
    assert low < 0 and high == pytest.approx(1.0 + LEGEND_ROOM)  # tab's track leaves
    scores.set_class_colours({"tone": "#123456"})
    assert scores.lines.curves["tone"].opts["pen"].color().name() == "#123456"
    assert scores.lines.threshold_lines["tone"].pen.color().name() == "#123456"


def test_windows_the_model_calls_unknown_are_a_grey_band_with_no_class(qtbot, view, scores,
                                                                        stub, tmp_path):
    """A recorder's hiss read as a class at 80% looked like calls on the track."""
    stub.novelty = np.array([0.2] * 8 + [1.5] * 3)  # the last three windows unlike training
    show(qtbot, view, clip(tmp_path, "long.wav", 6.0))
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    _x, y = scores.lines.curves["tone"].getData()
    np.testing.assert_allclose(y, [*np.linspace(0, 1, 11)[:8], 0, 0, 0], atol=1e-6)
    band = scores.lines.unknown_band
    assert band is not None and band.name() == "unknown"
    np.testing.assert_array_equal(band.getData()[1], [0] * 8 + [1] * 3)
    assert "unknown" in [label.text for _sample, label in scores.lines.legend.items]
    stub.novelty = None  # a model without the rule: no band
    show(qtbot, view, clip(tmp_path, "other.wav", 6.0))
    qtbot.waitUntil(lambda: scores.scores() is not None
                    and Path(scores.scores().windows.path).name == "other.wav", timeout=TIMEOUT_MS)
    assert scores.lines.unknown_band is None


def test_the_classify_tabs_track_greys_out_a_long_files_unknown_windows(qtbot):
    from core.ml.inference import Prediction
    from gui.model.score_track import ScoreTrack

    track = ScoreTrack()
    qtbot.addWidget(track)
    probabilities = np.tile([[0.9, 0.1]], (4, 1)).astype(np.float32)
    assert track.show_prediction(Prediction(
        Path("night.wav"), ("a", "b"), duration_s=4.0, window_starts_s=(0.0, 1.0, 2.0, 3.0),
        window_probabilities=probabilities, window_unknown=np.array([False, False, True, True])))
    np.testing.assert_allclose(track.curves["a"].getData()[1], [0.9, 0.9, 0, 0], atol=1e-6)
    assert track.lines.unknown_band is not None


def test_scoring_shows_its_progress_and_a_new_clip_cancels_it(qtbot, view, scores, stub,
                                                              tmp_path):
    first, second = clip(tmp_path, "a.wav", 6.0), clip(tmp_path, "b.wav", 6.0)
    stub.blocking.add(first)
    show(qtbot, view, first)
    qtbot.waitUntil(lambda: scores.note.textItem.toPlainText() == "Scoring… 40%",
                    timeout=TIMEOUT_MS)
    assert scores.is_scoring() and not scores.lines.curves
    show(qtbot, view, second)  # cancelled as the next clip came, not waited for
    qtbot.waitUntil(lambda: stub.stopped == [first], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    assert scores.scores().windows.path == second
    assert not scores.note.isVisible()


def test_a_clip_scored_before_is_drawn_from_the_cache(qtbot, view, scores, stub, tmp_path):
    first, second = clip(tmp_path, "a.wav", 6.0), clip(tmp_path, "b.wav", 6.0)
    for path in (first, second):
        show(qtbot, view, path)
        qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    show(qtbot, view, first)
    assert scores.scores() is not None and not scores.is_scoring()  # at once: no task
    assert stub.calls == [first, second]
    scores.set_model(8, tmp_path / "other.pt", WINDOW_S)  # another model scores again
    # Not drawn from the cache (is_scoring() could already be over: the stub is quick and a
    # loaded machine slow to ask; its result reaches the track through the event loop only).
    assert scores.scores() is None
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    assert stub.calls == [first, second, first]


def test_the_toggle_hides_the_track_and_a_short_clip_or_no_model_has_none(qtbot, view, scores,
                                                                         stub, tmp_path):
    long_clip = clip(tmp_path, "long.wav", 6.0)
    show(qtbot, view, long_clip)
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    scores.set_enabled(False)
    assert not scores.is_shown() and view.tracks() == []
    scores.set_enabled(True)
    assert scores.is_shown() and scores.scores() is not None  # from the cache
    show(qtbot, view, clip(tmp_path, "short.wav", 1.5))  # under two windows
    assert not scores.is_shown() and not scores.is_scoring()
    show(qtbot, view, long_clip)
    assert scores.is_shown()
    scores.set_model(None)
    assert not scores.is_shown()
    view.show_clip(None)
    assert view.tracks() == []
    assert stub.calls == [long_clip]


class FakeController(QObject):
    """A ModelController's face: its project, active model and training settings, and the
    signals of a new model and a new device."""

    active_model_changed = Signal(object)
    device_changed = Signal(str)

    def __init__(self, project, device: str = "auto") -> None:
        super().__init__()
        self.project = project
        self.device = device

    def default_config(self) -> TrainConfig:
        return TrainConfig.for_model(device=self.device)

    def active_model(self):
        return None


def test_the_controllers_active_model_is_the_one_scored(qtbot, view, tmp_path, monkeypatch):
    loaded = []
    stub = StubClassifier()
    monkeypatch.setattr(module, "load_classifier",
                        lambda path, device: loaded.append((path, device)) or stub)
    controller = FakeController(SimpleNamespace(store_path=tmp_path / "store" / "project.db"),
                                device="cpu")
    scores = ClipScores(view)
    scores.connect_model(controller)
    long_clip = clip(tmp_path, "long.wav", 6.0)
    show(qtbot, view, long_clip)
    assert not scores.is_shown()  # no model yet
    controller.active_model_changed.emit(SimpleNamespace(id=3, path="models/m.pt", settings={}))
    qtbot.waitUntil(lambda: scores.scores() is not None, timeout=TIMEOUT_MS)
    # On the device Training Settings ask for.
    assert loaded == [(tmp_path / "store" / "models" / "m.pt", "cpu")]
    controller.active_model_changed.emit(None)
    assert not scores.is_shown()
    scores.shutdown()


def test_view_menu_toggle_drives_the_track(window):
    action = window.acts.show_score_track
    assert action.isCheckable() and action.isChecked()
    assert window.acts.clip_scores.is_enabled()
    action.setChecked(False)
    assert not window.acts.clip_scores.is_enabled()


def test_score_file_reads_a_model_file_its_thresholds_and_background(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "_loaded", {})
    features = preset("default").with_clip_seconds(1.0)
    network = build_model("compact-bands", 2, (features.n_freqs, features.n_frames))
    model_path = save_checkpoint(
        Checkpoint("compact-bands", ["call", "background"], features, network.state_dict(),
                   thresholds=[0.3, 0.7], background_class="background"), tmp_path / "m.pt")
    fractions = []
    worker = SimpleNamespace(report_progress=fractions.append, should_stop=lambda: False)
    scored = module.score_file(model_path, clip(tmp_path, "long.wav", 3.0), worker)
    assert scored.classes == ("call", "background") and scored.background == "background"
    np.testing.assert_allclose(scored.thresholds, [0.3, 0.7])
    assert scored.window_s == pytest.approx(1.0)
    assert scored.windows.probabilities.shape == (5, 2) and fractions[-1] == 1.0
    assert module.load_classifier(model_path) is module.load_classifier(model_path)
