"""File > Record Clips…: record takes from the microphone straight into a class, as Teachable
Machine and Edge Impulse collect samples. Choose the class and a length, press Record (or
Enter) for each take; each is saved as a 16-bit WAV and handed on to be added to the project
under that class (one undo step a take), and the dialog stays for the next. The microphone is
open while the dialog is: its level meter moves before a take too, and a take begins a moment
before Record was pressed. A silent take is not added; one still loud at its end is, with a
word that it may be cut off; Discard Last Take takes the last one out again. Without a
microphone the dialog says so and Record is off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.audio.recording import (
    MAX_TAKE_S,
    MIN_TAKE_S,
    is_cut_off,
    is_silent,
    peak_db,
    save_new_take,
)
from core.errors import AudioError
from core.store.label_rules import safe_folder_name
from gui.clips.recorder import AudioRecorder
from gui.common.multimedia import audio_inputs, device_key

#: A take's length when the dialog opens: a spoken word, a short call.
DEFAULT_TAKE_S = 1.0
#: A take begins this long before Record is pressed: a word begun with the key keeps its start.
PRE_ROLL_S = 0.2


class RecordDialog(QDialog):
    """Records takes for ``classes`` (the project's, offered in an editable box: a new name is a
    new class) into ``scratch`` and calls ``on_take(path, label)`` with each one saved. ``last``
    is what :meth:`choice` gave the last time: the dialog opens on that class and length.
    ``on_discard()`` takes the last take out of the project again (True when it could)."""

    def __init__(self, classes: list[str], scratch: Path,
                 on_take: Callable[[Path, str], None], parent: QWidget | None = None,
                 recorder: AudioRecorder | None = None, last: dict | None = None,
                 on_discard: Callable[[], bool] | None = None,
                 inputs: Callable[[], list] = audio_inputs) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record Clips")
        self.setMinimumWidth(420)
        self._scratch, self._on_take, self._on_discard = Path(scratch), on_take, on_discard
        self.recorder = recorder if recorder is not None else AudioRecorder(self)
        self.takes = 0  # kept in the project
        self.label_box = QComboBox()
        self.label_box.setEditable(True)
        self.label_box.addItems(classes)
        self.label_box.lineEdit().setPlaceholderText("Class name")
        self.length = QDoubleSpinBox()
        self.length.setRange(MIN_TAKE_S, MAX_TAKE_S)
        self.length.setDecimals(1)
        self.length.setSingleStep(0.5)
        self.length.setSuffix(" s")
        self.length.setValue(DEFAULT_TAKE_S)
        # The microphones, the system's default first (a USB one beside a laptop's own).
        self.microphone = QComboBox()
        for device in inputs():
            self.microphone.addItem(device.description()
                                    + ("  (the system's default)" if device.isDefault() else ""),
                                    device)
        self.microphone.setEnabled(self.microphone.count() > 1)
        self.microphone.setToolTip("The microphone the takes are recorded from (and Listen Live "
                                   "hears)")
        self._restore(last or {})
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setToolTip("The microphone's level, before and while a take records")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.record_button = QPushButton("● Record")
        self.record_button.setDefault(True)  # Enter records the next take
        self.record_button.clicked.connect(self.record)
        form = QFormLayout()
        form.addRow("Class", self.label_box)
        form.addRow("Length", self.length)
        if self.microphone.count():
            form.addRow("Microphone", self.microphone)
        form.addRow("Level", self.meter)
        self.discard_button = QPushButton("Discard Last Take")
        self.discard_button.setToolTip("Take the last take out of the project again")
        self.discard_button.setEnabled(False)
        self.discard_button.clicked.connect(self.discard)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.recorder.level.connect(lambda peak: self.meter.setValue(int(round(peak * 100))))
        self.recorder.finished.connect(self._on_take_recorded)
        self.recorder.failed.connect(self._on_failed)
        reason = self.recorder.unavailable_reason
        self.record_button.setEnabled(not reason)
        self.note.setText(f"{reason}: recording is off." if reason else
                          "Press Record (or Enter) for each take; each is added to the project "
                          "under its class. The meter shows the microphone's level now.")
        if not reason:
            self.recorder.set_device(self.microphone.currentData())
            self.recorder.monitor(PRE_ROLL_S)  # the level before a take, and its first moment
        self.microphone.currentIndexChanged.connect(
            lambda _index: self.recorder.set_device(self.microphone.currentData()))

    def _restore(self, last: dict) -> None:
        key = str(last.get("microphone") or "")
        for i in range(self.microphone.count()):  # one not plugged in now: the default
            if key and device_key(self.microphone.itemData(i)) == key:
                self.microphone.setCurrentIndex(i)
        label = str(last.get("label") or "").strip()
        if label:
            self.label_box.setCurrentText(label)  # a class no longer in the project: typed again
        try:
            self.length.setValue(float(last.get("length_s", DEFAULT_TAKE_S)))  # clamped to range
        except (TypeError, ValueError):
            pass

    def choice(self) -> dict:
        """The class, length and microphone now chosen, as plain values for the settings."""
        return {"label": self.label_box.currentText().strip(), "length_s": self.length.value(),
                "microphone": device_key(self.microphone.currentData())}

    @Slot()
    def record(self) -> None:
        """Begin a take, unless one records or no class is named."""
        if self.recorder.recording or not self.record_button.isEnabled():
            return
        if not self.label_box.currentText().strip():
            self.note.setText("Name the class these takes are of first.")
            return
        self.record_button.setEnabled(False)
        self.note.setText(f"Recording {self.length.value():g} s…")
        self.recorder.start(self.length.value())

    def _on_take_recorded(self, samples: np.ndarray, rate_hz: int) -> None:
        label = self.label_box.currentText().strip()
        self.record_button.setEnabled(True)
        self.meter.setValue(0)
        if is_silent(samples):  # a class of silence teaches a model nothing of the class
            self.note.setText(f"Not added: the take was silent (its loudest moment "
                              f"{peak_db(samples):.0f} dB FS). Is the microphone on, and near?")
            return
        try:
            path = save_new_take(samples, rate_hz, self._scratch,
                                 f"{safe_folder_name(label)}_{time.strftime('%Y%m%d-%H%M%S')}")
        except (AudioError, ValueError) as error:
            self.note.setText(f"Not saved: {error}")
            return
        self.takes += 1
        self._on_take(path, label)
        self.discard_button.setEnabled(self._on_discard is not None)
        said = (f"Take {self.takes} added as {label!r} ({len(samples) / rate_hz:.1f} s at "
                f"{rate_hz:,} Hz)")
        self.note.setText(f"{said}; it was still loud at its end: if the sound was cut off, "
                          "Discard Last Take and record a longer one." if is_cut_off(samples, rate_hz)
                          else f"{said}. Record the next, or Close.")

    @Slot()
    def discard(self) -> None:
        """Take the last take out of the project again (one undo in the window)."""
        self.discard_button.setEnabled(False)
        if self._on_discard is not None and self._on_discard():
            self.takes -= 1
            self.note.setText(f"The last take is discarded ({self.takes} kept; Edit > Redo in "
                              "the window brings it back until the next take). Record the next, "
                              "or Close.")
        else:
            self.note.setText("The last take is no longer the window's last step: undo it there "
                              "(Edit > Undo) once this dialog is closed.")

    def _on_failed(self, reason: str) -> None:
        self.record_button.setEnabled(True)
        self.meter.setValue(0)
        self.note.setText(f"Not recorded: {reason}")

    def done(self, result: int) -> None:
        self.recorder.cancel()  # the device is let go when the dialog closes
        super().done(result)
