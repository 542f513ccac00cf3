"""Listen Live, as Teachable Machine's and Edge Impulse's live preview: the active model's answer
to what the microphone hears, a few times a second. The latest LIVE_KEPT_S of sound are kept;
every LIVE_TICK_MS, unless the last is still being scored, the model judges the last of them as
it judges a file (its clip length; silence, unknown or a class) in a background task, and the
panel shows the answer and the classes' probabilities. Keep Last As… keeps the stretch behind the
latest answer (as the model heard it) as a clip of the class a person picks, as Edge Impulse's
live classification keeps a sample. Without a microphone the button is off and says why."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.words import percent_words
from gui.clips.recorder import AudioRecorder
from gui.common.elided_label import one_line
from gui.common.tasks import FunctionWorker, TaskSlot
from gui.model.workers import LiveScorer

#: Seconds of sound kept: more than any model's clip, so each answer sees a whole clip.
LIVE_KEPT_S = 10.0
#: How often the latest sound is judged (a judgement still running skips a turn).
LIVE_TICK_MS = 250
#: The least sound judged: a quarter of a second.
LIVE_LEAST_S = 0.25
#: The classes shown with their probability, most likely first.
LIVE_TOP = 5


class LiveListenPanel(QWidget):
    """The Listen button, the microphone's level, the answer and the top classes' bars.
    ``set_model(path, device)`` names the model (None: none); ``heard_answer(Prediction)`` goes
    out with each answer; ``keep_requested(samples, rate_hz, label)`` with the sound behind the
    latest answer (mono float32) and the class a person chose for it."""

    heard_answer = Signal(object)
    keep_requested = Signal(object, int, str)

    def __init__(self, parent: QWidget | None = None, recorder: AudioRecorder | None = None,
                 scorer_for: Callable[[Path, str], Callable] = LiveScorer) -> None:
        super().__init__(parent)
        self.setObjectName("LiveListenPanel")
        self.recorder = recorder if recorder is not None else AudioRecorder(self)
        self._scorer_for = scorer_for
        self._scorer = None
        self._checkpoint: Path | None = None
        self._colours: dict[str, str] = {}
        # The pieces heard, newest last, about LIVE_KEPT_S of them: joined only when judged (a
        # device sends tens of pieces a second; joining 10 s on each took the window's thread).
        self._pieces: deque[np.ndarray] = deque()
        self._n_kept = 0
        self._stopped_because = ""
        self._last: tuple | None = None  # (samples, rate_hz, Prediction) of the latest answer
        self._task = TaskSlot(self)
        self._tick = QTimer(self)
        self._tick.setInterval(LIVE_TICK_MS)
        self._tick.timeout.connect(self._judge)
        self.button = QPushButton("● Listen Live")
        self.button.setCheckable(True)
        self.button.setToolTip("The active model's answer to what the microphone hears, a few "
                               "times a second")
        self.button.toggled.connect(self._on_toggled)
        self.keep_button = QPushButton("Keep Last As…")
        self.keep_button.setToolTip("Keep the sound behind the latest answer as a clip of the class "
                                    "you pick (one the model got wrong, to train on)")
        self.keep_button.setMenu(QMenu(self.keep_button))
        self.keep_button.menu().aboutToShow.connect(self._fill_keep_menu)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(8)
        self.meter.setToolTip("The microphone's level")
        self.answer = QLabel()
        self.answer.setObjectName("LiveAnswer")
        font = self.answer.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.answer.setFont(font)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.bars: list[tuple[QLabel, QProgressBar]] = []
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for row in range(LIVE_TOP):
            name, bar = QLabel(), QProgressBar()
            bar.setRange(0, 1000)
            bar.setMaximumHeight(16)
            grid.addWidget(name, row, 0)
            grid.addWidget(bar, row, 1)
            self.bars.append((name, bar))
        self.detail = QWidget()
        self.detail.setLayout(grid)
        top = QHBoxLayout()
        top.addWidget(self.button)
        top.addWidget(self.answer, 1)
        top.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.meter)
        layout.addWidget(self.note)
        layout.addWidget(self.detail)
        self.recorder.level.connect(lambda peak: self.meter.setValue(int(round(peak * 100))))
        self.recorder.heard.connect(self._on_heard)
        self.recorder.failed.connect(self._on_failed)
        self.set_model(None)

    # ---- model ------------------------------------------------------------------------------

    def set_model(self, checkpoint_path: str | Path | None, device: str = "auto") -> None:
        """Answer with this model from now on; None: no model, listening stops."""
        path = Path(checkpoint_path) if checkpoint_path else None
        if path != self._checkpoint:
            self._task.cancel()
            self._scorer = self._scorer_for(path, device) if path else None
        self._checkpoint = path
        if path is None:
            self.button.setChecked(False)
        self._update()

    def set_class_colours(self, colours: dict[str, str]) -> None:
        self._colours = dict(colours)

    def listening(self) -> bool:
        return self.button.isChecked()

    def _update(self) -> None:
        reason = self.recorder.unavailable_reason
        self.button.setEnabled(not reason and self._checkpoint is not None)
        listening = self.listening()
        self.keep_button.setVisible(listening)
        self.keep_button.setEnabled(self._last is not None)
        self.meter.setVisible(listening)
        self.detail.setVisible(listening)
        self.answer.setVisible(listening)
        if reason:
            self.note.setText(f"{reason}: listening live is off.")
        elif self._stopped_because and not listening:
            self.note.setText(f"Stopped listening: {self._stopped_because}")
        elif self._checkpoint is None:
            self.note.setText("Train a model to hear its answer to the microphone live.")
        elif not listening:
            self.note.setText("Listen Live: the model's answer to the microphone, as you speak "
                              "or play a sound.")
        self.note.setVisible(bool(reason) or not listening or self._checkpoint is None)

    # ---- listening ----------------------------------------------------------------------------

    @Slot(bool)
    def _on_toggled(self, on: bool) -> None:
        self._pieces.clear()
        self._n_kept = 0
        self._last = None
        self.button.setText("■ Stop Listening" if on else "● Listen Live")
        if on:
            self._stopped_because = ""
            self.answer.setText("Listening…")
            self.answer.setStyleSheet("")
            for name, bar in self.bars:
                name.setVisible(False)
                bar.setVisible(False)
            self.recorder.listen()
            if self.recorder.recording:
                self._tick.start()
        else:
            self._tick.stop()
            self._task.cancel()
            self.recorder.cancel()
            self.meter.setValue(0)
        self._update()

    def _on_heard(self, samples: np.ndarray) -> None:
        self._pieces.append(samples)
        self._n_kept += len(samples)
        most = LIVE_KEPT_S * self.recorder.rate_hz
        while self._n_kept - len(self._pieces[0]) >= most:
            self._n_kept -= len(self._pieces.popleft())

    def _on_failed(self, reason: str) -> None:
        self._stopped_because = reason
        self.button.setChecked(False)
        self._update()

    @Slot()
    def _judge(self) -> None:
        rate_hz = self.recorder.rate_hz
        if (self._scorer is None or self._task.is_running() or rate_hz <= 0
                or self._n_kept < LIVE_LEAST_S * rate_hz):
            return
        samples, scorer = np.concatenate(self._pieces), self._scorer
        self._task.start(FunctionWorker(lambda _worker: scorer(samples, rate_hz)),
                         finished=lambda prediction: self._show(prediction, samples, rate_hz),
                         failed=self._on_failed)

    def _show(self, prediction, samples: np.ndarray, rate_hz: int) -> None:
        if not self.listening():
            return
        self._last = (samples, rate_hz, prediction)
        self.keep_button.setEnabled(True)
        top = int(np.argmax(prediction.probabilities))
        if prediction.verdict:
            closest = prediction.classes[top]
            self.answer.setText(prediction.verdict if prediction.verdict == "silence" else
                                f"{prediction.verdict} (closest: {closest})")
            self.answer.setStyleSheet("color: palette(mid);")
        else:
            self.answer.setText(f"{one_line(prediction.label)}  {percent_words(prediction.confidence)}")
            colour = self._colours.get(prediction.label)
            self.answer.setStyleSheet(f"color: {colour};" if colour else "")
        # Silence has no scores worth a look; an unknown sound keeps its own.
        shown = [] if prediction.verdict == "silence" else list(
            np.argsort(prediction.probabilities)[::-1][:LIVE_TOP])
        for (name, bar), k in zip(self.bars, shown + [None] * LIVE_TOP, strict=False):
            name.setVisible(k is not None)
            bar.setVisible(k is not None)
            if k is None:
                continue
            label, probability = prediction.classes[k], float(prediction.probabilities[k])
            name.setText(label)
            bar.setValue(int(round(1000 * probability)))
            bar.setFormat(percent_words(probability))
            colour = self._colours.get(label)
            bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}" if colour else "")
        self.heard_answer.emit(prediction)

    def last_clip(self) -> tuple[np.ndarray, int] | None:
        """The sound behind the latest answer, as the model heard it (the last clip length of its
        channel, or the mix); None before an answer."""
        if self._last is None or self._scorer is None:
            return None
        samples, rate_hz, _prediction = self._last
        return self._scorer.heard(samples, rate_hz), rate_hz

    def _fill_keep_menu(self) -> None:
        menu = self.keep_button.menu()
        menu.clear()
        classes = self._last[2].classes if self._last is not None else ()
        for name in classes:
            menu.addAction(one_line(name), lambda name=name: self.keep_last_as(name))

    def keep_last_as(self, label: str) -> None:
        """Send the sound behind the latest answer on, to be kept as a clip of ``label``."""
        clip = self.last_clip()
        if clip is not None:
            self.keep_requested.emit(clip[0], clip[1], label)

    def shutdown(self) -> None:
        """Stop listening and join the judgement running (the window is closing)."""
        self.button.setChecked(False)
        self._task.cancel()
