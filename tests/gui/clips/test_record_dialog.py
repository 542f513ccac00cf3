"""File > Record Clips…: the recorder turns a device's bytes into takes of exactly the length
asked, the dialog saves each take and hands it on, and the window adds it to the project under
its class (one undo step). A simulated device: no microphone is needed."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.audio.recording import MAX_TAKE_S
from gui.clips.record_dialog import DEFAULT_TAKE_S, RecordDialog
from gui.clips.recorder import AudioRecorder
from tests import audio_factory
from tests.gui.helpers import open_and_wait


class SimulatedRecorder(AudioRecorder):
    """An AudioRecorder whose device is the test: 16 kHz stereo int16, bytes given by ``feed``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.unavailable_reason = ""
        self.opened = 0

    def _open(self) -> None:
        self._sample_format, self._channels, self.rate_hz = "int16", 2, 16000
        self.opened += 1


def _stereo_bytes(seconds: float, value: float = 0.25) -> bytes:
    frames = np.full((int(seconds * 16000), 2), value * 32767)
    return frames.astype(np.int16).tobytes()


def test_a_take_is_exactly_as_long_as_asked(qtbot):
    recorder = SimulatedRecorder()
    levels = []
    recorder.level.connect(levels.append)
    recorder.start(0.5)
    assert recorder.recording and recorder.opened == 1
    recorder.feed(_stereo_bytes(0.3))
    with qtbot.waitSignal(recorder.finished) as done:
        recorder.feed(_stereo_bytes(0.3, value=0.5))  # more than wanted: cut at 0.5 s
    samples, rate_hz = done.args
    assert rate_hz == 16000 and len(samples) == 8000
    assert samples[0] == pytest.approx(0.25, abs=1e-3) and samples[-1] == pytest.approx(0.5, abs=1e-3)
    assert levels == [pytest.approx(0.25, abs=1e-3), pytest.approx(0.5, abs=1e-3)]
    assert not recorder.recording
    recorder.feed(_stereo_bytes(0.1))  # after the take: ignored


def test_a_device_that_goes_quiet_fails_the_take(qtbot):
    recorder = SimulatedRecorder()
    recorder._stall.setInterval(50)
    with qtbot.waitSignal(recorder.failed, timeout=2000) as failed:
        recorder.start(1.0)
    assert failed.args == ["The microphone sent no sound for 3 s"]
    assert not recorder.recording


def test_the_dialog_saves_each_take_and_hands_it_on(qtbot, tmp_path):
    taken = []
    recorder = SimulatedRecorder()
    dialog = RecordDialog(["no", "yes"], tmp_path, lambda path, label: taken.append((path, label)),
                          recorder=recorder)
    qtbot.addWidget(dialog)
    assert [dialog.label_box.itemText(i) for i in range(2)] == ["no", "yes"]
    assert dialog.record_button.isEnabled() and dialog.length.value() == 1.0
    dialog.label_box.setCurrentText("yes")
    dialog.length.setValue(0.5)
    dialog.record_button.click()
    assert recorder.recording and not dialog.record_button.isEnabled()
    assert dialog.note.text() == "Recording 0.5 s…"
    recorder.feed(_stereo_bytes(0.25))
    assert dialog.meter.value() == 25
    recorder.feed(_stereo_bytes(0.25))
    ((path, label),) = taken
    assert label == "yes" and path.parent == tmp_path and path.name.startswith("yes_")
    info = sf.info(path)
    assert (info.frames, info.samplerate, info.subtype) == (8000, 16000, "PCM_16")
    assert dialog.record_button.isEnabled() and dialog.meter.value() == 0
    assert dialog.note.text().startswith("Take 1 added as 'yes' (0.5 s at 16,000 Hz)")
    dialog.label_box.setCurrentText("maybe")  # a new class: typed
    dialog.record_button.click()
    recorder.feed(_stereo_bytes(0.5))
    assert [lbl for _p, lbl in taken] == ["yes", "maybe"] and taken[0][0] != taken[1][0]
    dialog.label_box.setCurrentText("  ")
    dialog.record_button.click()
    assert not recorder.recording and dialog.note.text() == \
        "Name the class these takes are of first."
    dialog.record_button.click()
    dialog.reject()  # closing drops a take and lets the device go
    assert not recorder.recording


def _ramp_bytes(first: int, n: int) -> bytes:
    """Stereo int16 frames whose value counts up from ``first`` (both channels alike)."""
    values = np.arange(first, first + n, dtype=np.int16)
    return np.stack([values, values], axis=1).tobytes()


def test_monitoring_shows_the_level_and_a_take_begins_a_moment_before_record(qtbot):
    recorder = SimulatedRecorder()
    assert recorder.monitor(0.01)  # 160 samples at 16 kHz
    levels = []
    recorder.level.connect(levels.append)
    recorder.feed(_stereo_bytes(0.1, value=0.1))
    assert levels == [pytest.approx(0.1, abs=1e-3)] and not recorder.recording
    recorder.feed(_ramp_bytes(0, 1000))  # the last 160 of these are the moment before
    recorder.start(0.05)  # 800 samples, without opening the device again
    assert recorder.recording and recorder.opened == 1
    with qtbot.waitSignal(recorder.finished) as done:
        recorder.feed(_ramp_bytes(1000, 1000))
    samples, _ = done.args
    assert len(samples) == 800
    assert np.round(samples * 32768).astype(int).tolist() == list(range(840, 1640))
    # The device stays open: the level still moves, and the next take starts as the first did.
    assert recorder.monitoring and not recorder.recording
    recorder.start(0.05)
    with qtbot.waitSignal(recorder.finished) as done:
        recorder.feed(_ramp_bytes(3000, 1000))
    assert np.round(done.args[0][0] * 32768) == 2000 - 160  # the moment kept after the take
    # A short take keeps at most a quarter of itself from before the key.
    recorder.feed(_ramp_bytes(5000, 1000))
    recorder.start(0.02)  # 320 samples: 80 from before
    with qtbot.waitSignal(recorder.finished) as done:
        recorder.feed(_ramp_bytes(6000, 1000))
    assert np.round(done.args[0] * 32768).astype(int).tolist() == list(range(5920, 6240))
    # A device quiet between takes (a permission prompt) fails nothing; a take it starves does.
    recorder._stall.setInterval(50)
    qtbot.wait(150)
    assert recorder.monitoring
    with qtbot.waitSignal(recorder.failed, timeout=2000):
        recorder.start(0.5)
    recorder.cancel()
    assert not recorder.monitoring


def test_a_silent_take_is_not_added_one_cut_off_is_said_and_the_last_can_be_discarded(
        qtbot, tmp_path):
    taken, discards = [], []
    recorder = SimulatedRecorder()
    dialog = RecordDialog(["yes"], tmp_path, lambda path, label: taken.append(path),
                          recorder=recorder, on_discard=lambda: discards.append(1) or True)
    qtbot.addWidget(dialog)
    assert recorder.monitoring and not dialog.discard_button.isEnabled()
    recorder.feed(_stereo_bytes(0.1, value=0.3))
    assert dialog.meter.value() == 30  # before any take
    recorder.feed(_stereo_bytes(0.3, value=0.001))  # quiet again, longer than the pre-roll
    dialog.length.setValue(0.5)
    dialog.record_button.click()
    recorder.feed(_stereo_bytes(0.6, value=0.001))  # -60 dB FS: nothing heard
    assert taken == [] and dialog.note.text().startswith(
        "Not added: the take was silent (its loudest moment -60 dB FS)")
    dialog.record_button.click()
    recorder.feed(_stereo_bytes(0.6, value=0.4))  # loud to its last sample
    assert len(taken) == 1 and "it was still loud at its end" in dialog.note.text()
    assert dialog.discard_button.isEnabled()
    dialog.discard_button.click()
    assert discards == [1] and dialog.takes == 0 and not dialog.discard_button.isEnabled()
    assert dialog.note.text().startswith("The last take is discarded (0 kept; Edit > Redo")


class FakeMicrophone:
    """Enough of a QAudioDevice for the dialog's choice."""

    def __init__(self, name: str, default: bool = False) -> None:
        self._name, self._default = name, default

    def description(self) -> str:
        return self._name

    def isDefault(self) -> bool:  # noqa: N802 - Qt's name
        return self._default

    def id(self) -> bytes:
        return self._name.encode()


def test_the_microphone_is_chosen_kept_and_the_device_opened_again_on_it(qtbot, tmp_path):
    laptop, usb = FakeMicrophone("Built-in", default=True), FakeMicrophone("USB mic")
    recorder = SimulatedRecorder()
    dialog = RecordDialog(["yes"], tmp_path, lambda *_: None, recorder=recorder,
                          inputs=lambda: [laptop, usb])
    qtbot.addWidget(dialog)
    assert [dialog.microphone.itemText(i) for i in range(2)] == [
        "Built-in  (the system's default)", "USB mic"]
    assert recorder.device is laptop and recorder.monitoring and recorder.opened == 1
    dialog.microphone.setCurrentIndex(1)
    assert recorder.device is usb and recorder.monitoring and recorder.opened == 2
    assert dialog.choice()["microphone"] == b"USB mic".hex()
    # The next time, the same one; one not plugged in then: the system's default.
    again = RecordDialog(["yes"], tmp_path, lambda *_: None, recorder=SimulatedRecorder(),
                         last=dialog.choice(), inputs=lambda: [laptop, usb])
    gone = RecordDialog(["yes"], tmp_path, lambda *_: None, recorder=SimulatedRecorder(),
                        last=dialog.choice(), inputs=lambda: [laptop])
    qtbot.addWidget(again)
    qtbot.addWidget(gone)
    assert again.recorder.device is usb and gone.recorder.device is laptop
    for each in (dialog, again, gone):
        each.reject()


def test_without_a_microphone_the_dialog_says_so(qtbot, tmp_path):
    recorder = AudioRecorder()
    recorder.unavailable_reason = "No microphone (audio input device) found"
    dialog = RecordDialog(["yes"], tmp_path, lambda *_: pytest.fail("no take"), recorder=recorder)
    qtbot.addWidget(dialog)
    assert not dialog.record_button.isEnabled()
    assert dialog.note.text() == "No microphone (audio input device) found: recording is off."
    dialog.record()
    assert not recorder.recording


def test_the_dialog_opens_on_the_last_class_and_length(qtbot, tmp_path):
    recorder = AudioRecorder()
    dialog = RecordDialog(["no", "yes"], tmp_path, lambda *_: None, recorder=recorder,
                          last={"label": "maybe", "length_s": 2.5})
    qtbot.addWidget(dialog)
    # A class no longer in the project is typed again; the list keeps the project's.
    assert dialog.choice() == {"label": "maybe", "length_s": 2.5, "microphone": ""}
    assert [dialog.label_box.itemText(i) for i in range(dialog.label_box.count())] == ["no", "yes"]
    dialog.label_box.setCurrentText("yes")
    assert dialog.choice() == {"label": "yes", "length_s": 2.5, "microphone": ""}
    # A length out of range is brought into it; one that is not a number leaves the default.
    far = RecordDialog([], tmp_path, lambda *_: None, recorder=recorder,
                       last={"label": "", "length_s": 1e9})
    odd = RecordDialog([], tmp_path, lambda *_: None, recorder=recorder, last={"length_s": "x"})
    qtbot.addWidget(far)
    qtbot.addWidget(odd)
    assert far.choice() == {"label": "", "length_s": MAX_TAKE_S, "microphone": ""}
    assert odd.choice()["length_s"] == DEFAULT_TAKE_S


def test_the_window_adds_a_take_under_its_class_as_one_undo_step(qtbot, window, tmp_path,
                                                                 monkeypatch):
    from gui.actions import file_menu

    folder = tmp_path / "words"
    audio_factory.write(folder / "no" / "no_1.wav", audio_factory.tone(300.0, 1.0))
    open_and_wait(qtbot, window, folder)
    take = audio_factory.write(tmp_path / "takes" / "yes_20261203-120000_1.wav",
                               audio_factory.tone(500.0, 1.0))
    opened = []

    discarded = []

    class RecordingPerson:  # the dialog, as a person who records one take of "yes" and closes
        def __init__(self, classes, scratch, on_take, parent=None, last=None, on_discard=None):
            opened.append((classes, scratch, last))
            self._on_take, self._on_discard = on_take, on_discard
            self.recorder = SimulatedRecorder()  # the default microphone

        def exec(self):
            self._on_take(take, "yes")
            if not opened[1:]:  # the first time: a take discarded, then one kept
                discarded.append(self._on_discard())
                self._on_take(take, "yes")

        def choice(self):
            return {"label": "yes", "length_s": 2.5}

        def deleteLater(self):
            opened.append("let go")

    monkeypatch.setattr(file_menu, "RecordDialog", RecordingPerson)
    assert window.acts.record.shortcut().toString() == "Ctrl+R"
    window.acts.record.trigger()
    assert opened == [(["no"], window.acts.scratch(), {}), "let go"] and discarded == [True]
    # Copied, scanned and labelled in the background; the status bar says so once it is.
    qtbot.waitUntil(lambda: window.statusBar().currentMessage()
                    == "Added yes/yes_20261203-120000_1.wav (Ctrl+Z removes it)", timeout=10_000)
    clip = window.project.clip(window.project.clip_ids_by_path()["yes/yes_20261203-120000_1.wav"])
    assert (clip.label, clip.label_source) == ("yes", "manual")
    # The discarded take's step is gone from the history (redo would bring it back until
    # the next take replaced it): one step for the take kept.
    assert window.undo_stack.undoText() == "Add 1 recording to the project"
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: not (folder / "yes" / take.name).exists(), timeout=10_000)
    # The next time (this session or the next) opens on the class and length last chosen.
    window.acts.record.trigger()
    assert opened[-2][2] == {"label": "yes", "length_s": 2.5}


def test_a_read_only_project_refuses_recording_before_a_take(qtbot, window, tmp_path,
                                                             monkeypatch):
    """A read-only project (a shared data set) opened the recorder; each take was refused only
    when copied in, after the person had spoken it. Recording and Listen Live's Keep now say
    why before."""
    from gui.actions import file_menu

    folder = tmp_path / "words"
    audio_factory.write(folder / "no" / "no_1.wav", audio_factory.tone(300.0, 1.0))
    open_and_wait(qtbot, window, folder)
    opened = []
    monkeypatch.setattr(file_menu, "RecordDialog", lambda *args, **kw: opened.append(args))
    folder.chmod(0o555)  # no write bit for anyone: read-only to Earmark, even for root
    try:
        window.acts.record.trigger()
        assert opened == []
        assert window.banner.text() == (f"Cannot record into this project: {folder.resolve()} is "
                                        "read-only: files cannot be copied into it.")
        file_menu._keep_live_clip(window, audio_factory.tone(500.0, 0.5), 16000, "no")
        assert window.banner.text().startswith("Cannot keep the clip: ")
        assert sorted(p.name for p in folder.rglob("*.wav")) == ["no_1.wav"]
    finally:
        folder.chmod(0o755)
