"""Listen Live: what a simulated microphone hears is judged by the real model in the background a
few times a second; silence is answered as such; no microphone, no model or a device that goes
quiet each say why and leave the button off."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gui.model.live_panel import LiveListenPanel
from gui.model.workers import LiveScorer
from tests import audio_factory
from tests.gui.clips.test_record_dialog import SimulatedRecorder
from tests.gui.model.test_classify_ui import model_file  # noqa: F401  (a module fixture)

JUDGED_MS = 20_000


def _bytes(mono: np.ndarray) -> bytes:
    """``mono`` as the simulated device sends it: 16 kHz stereo int16."""
    frames = np.repeat(np.clip(mono, -1, 1)[:, None], 2, axis=1) * 32767
    return frames.astype(np.int16).tobytes()


@pytest.fixture
def live(qtbot):
    calls = []

    def scorer_for(path, device):
        scorer = LiveScorer(path, "cpu")

        def score(samples, rate_hz):
            calls.append((threading.current_thread(), len(samples), rate_hz))
            return scorer(samples, rate_hz)
        return score

    panel = LiveListenPanel(recorder=SimulatedRecorder(), scorer_for=scorer_for)
    panel.calls = calls
    qtbot.addWidget(panel)
    panel.show()
    yield panel
    panel.shutdown()


def test_the_model_answers_what_the_microphone_hears(qtbot, live, model_file):  # noqa: F811
    assert not live.button.isEnabled()  # no model yet
    assert live.note.text().startswith("Train a model")
    live.set_model(model_file, "cpu")
    assert live.button.isEnabled() and not live.listening()
    answers = []
    live.heard_answer.connect(answers.append)
    live.button.click()
    assert live.listening() and live.recorder.recording and live.answer.text() == "Listening…"
    assert live.button.text() == "■ Stop Listening"
    tone = audio_factory.class_sample("tone", np.random.default_rng(3), sample_rate_hz=16000)
    for piece in np.array_split(tone, 10):  # as a device sends it, a piece at a time
        live.recorder.feed(_bytes(piece))
    qtbot.waitUntil(lambda: live.answer.text().startswith("tone"), timeout=JUDGED_MS)
    assert live.bars[0][0].text() == "tone" and live.bars[1][0].text() == "noise"
    assert live.bars[0][1].text().endswith("%") and not live.bars[2][1].isVisible()  # 2 classes
    assert live.bars[0][1].value() > live.bars[1][1].value()
    # Judged off the window's thread, at the device's rate, never more than 10 s at once.
    assert all(thread is not threading.main_thread() and rate == 16000 and n <= 160_000
               for thread, n, rate in live.calls)
    assert answers and answers[-1].answer == "tone"
    # A stretch of digital silence as long as the model's clips: silence, no class.
    live.recorder.feed(_bytes(np.zeros(2 * 16000, np.float32)))
    qtbot.waitUntil(lambda: live.answer.text() == "silence", timeout=JUDGED_MS)
    assert not any(bar.isVisible() for _, bar in live.bars)  # no scores to show for silence
    # Stopped: the device is let go and nothing more is judged.
    live.button.click()
    assert not live.listening() and not live.recorder.recording
    judged = len(live.calls)
    qtbot.wait(600)
    assert len(live.calls) == judged
    # No model any more (the project closed): the button is off.
    live.set_model(None)
    assert not live.button.isEnabled()


def test_without_a_microphone_listening_is_off_and_says_why(qtbot, model_file):  # noqa: F811
    recorder = SimulatedRecorder()
    recorder.unavailable_reason = "No microphone (audio input device) found"
    panel = LiveListenPanel(recorder=recorder)
    qtbot.addWidget(panel)
    panel.set_model(model_file)
    assert not panel.button.isEnabled()
    assert panel.note.text() == "No microphone (audio input device) found: listening live is off."


def test_a_device_that_goes_quiet_stops_listening(qtbot, live, model_file):  # noqa: F811
    live.set_model(model_file, "cpu")
    live.recorder._stall.setInterval(50)
    live.button.click()
    qtbot.waitUntil(lambda: not live.listening(), timeout=2000)
    assert live.note.text() == "Stopped listening: The microphone sent no sound for 3 s"
    assert live.note.isVisible() and not live.recorder.recording


def test_the_menu_shows_the_classify_tab_and_says_why_it_cannot_listen(qtbot, window):
    assert window.acts.listen_live.shortcut().toString() == "Ctrl+Shift+L"
    window.acts.listen_live.trigger()
    dock = window.model_dock
    assert dock.tabs.currentWidget() is dock.classify
    assert not dock.classify.live.listening()
    assert window.statusBar().currentMessage() == dock.classify.live.note.text()


def test_the_sound_behind_the_latest_answer_can_be_kept_as_a_class(qtbot, tmp_path):
    from core.ml.inference import Prediction

    class Scorer:  # a model of 0.5 s clips that hears the first channel
        def __call__(self, samples, rate_hz):
            return Prediction(tmp_path / "live.wav", ("no", "yes"), "no", 0.8, (0.8, 0.2))

        def heard(self, samples, rate_hz):
            return samples[-rate_hz // 2:, 0]

    panel = LiveListenPanel(recorder=SimulatedRecorder(), scorer_for=lambda path, device: Scorer())
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model(tmp_path / "m.pt")
    kept = []
    panel.keep_requested.connect(lambda samples, rate_hz, label: kept.append(
        (samples, rate_hz, label)))
    panel.button.click()
    assert panel.keep_button.isVisible() and not panel.keep_button.isEnabled()  # nothing heard
    ramp = np.linspace(0.0, 0.5, 2 * 16000, dtype=np.float32)  # 2 s; the value says the time
    panel.recorder.feed(_bytes(ramp))
    qtbot.waitUntil(panel.keep_button.isEnabled, timeout=JUDGED_MS)
    panel._fill_keep_menu()
    assert [a.text() for a in panel.keep_button.menu().actions()] == ["no", "yes"]
    panel.keep_button.menu().actions()[1].trigger()  # the model said "no": it was "yes"
    ((samples, rate_hz, label),) = kept
    assert (rate_hz, label, samples.ndim, len(samples)) == (16000, "yes", 1, 8000)
    # The half second the model judged: the last of what was heard.
    assert samples[0] == pytest.approx(0.375, abs=1e-3)
    panel.shutdown()


def test_a_kept_live_clip_is_added_to_the_project_as_a_persons(qtbot, window, tmp_path):
    from gui.actions import file_menu
    from tests.gui.helpers import open_and_wait

    folder = tmp_path / "words"
    audio_factory.write(folder / "no" / "no_1.wav", audio_factory.tone(300.0, 1.0))
    open_and_wait(qtbot, window, folder)
    file_menu._keep_live_clip(window, audio_factory.tone(500.0, 0.5), 16000, "yes")
    file_menu._keep_live_clip(window, audio_factory.tone(500.0, 0.5), 16000, "yes")  # same second
    # Both copied, scanned and labelled in the background: read once the adds are over (a clip
    # is in the store, labelled by its folder, a moment before it is labelled as the person's).
    qtbot.waitUntil(lambda: not window.model_dock.is_adding_files() and sum(
        p.startswith("yes/yes_live_") for p in window.project.clip_ids_by_path()) == 2,
        timeout=10_000)
    clips = [window.project.clip(i) for p, i in window.project.clip_ids_by_path().items()
             if p.startswith("yes/")]
    assert {(c.label, c.label_source) for c in clips} == {("yes", "manual")}
