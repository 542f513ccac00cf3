"""Recording takes from a microphone: a QAudioSource read as its bytes arrive, for a length of
audio counted in samples (not wall time), with its level for a meter; between takes, the device
kept open to show its level and to keep a moment before each take (monitor); or listening
without end, each piece handed on as it arrives (Listen Live).

Without QtMultimedia or an audio input device (CI, a desktop without a microphone) the recorder
says why, and the dialog that uses it says so in words with its Record button off.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core.audio.recording import pcm_frames, peak_level
from gui.common.multimedia import (
    QAudioFormat,
    QAudioSource,
    QMediaDevices,
    input_unavailable_reason,
)

#: A device that delivers nothing for this long has stalled: the take fails and says so.
STALL_MS = 3000


def _format_name(sample_format) -> str:
    names = {QAudioFormat.SampleFormat.UInt8: "uint8", QAudioFormat.SampleFormat.Int16: "int16",
             QAudioFormat.SampleFormat.Int32: "int32", QAudioFormat.SampleFormat.Float: "float32"}
    return names.get(sample_format, "")


class AudioRecorder(QObject):
    """Records one take at a time from the default audio input (or ``device``).

    ``start(seconds)`` begins a take; ``level(peak)`` goes out as audio arrives (0..1),
    ``finished(samples, rate_hz)`` with the take (mono float32, exactly that long) or
    ``failed(reason)``. ``monitor(pre_roll_s)`` opens the device between takes: the level
    moves before a take, and a take then begins ``pre_roll_s`` before ``start`` (a word begun
    as Record was pressed keeps its start) and the device stays open after it. ``listen()``
    instead hands on every piece as ``heard(frames)`` (float32 ``(n, channels)`` at
    ``rate_hz``: a model may hear one channel) until ``cancel()``, which also drops a take and
    stops monitoring. ``feed(data)`` takes the device's bytes (the audio source's, or a
    test's)."""

    level = Signal(float)
    finished = Signal(object, int)
    heard = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, device=None) -> None:
        super().__init__(parent)
        self.unavailable_reason = input_unavailable_reason()
        self._device = device
        self._source = None
        self._io = None
        self._sample_format, self._channels, self.rate_hz = "int16", 1, 0
        self._wanted = 0
        self._listening = False
        self._pre_roll = 0  # samples kept before a take while monitoring (0: not monitoring)
        self._recent = np.zeros(0, np.float32)  # the last of them heard
        self._pieces: list[np.ndarray] = []
        self._have = 0
        self._stall = QTimer(self)
        self._stall.setSingleShot(True)
        self._stall.setInterval(STALL_MS)
        self._stall.timeout.connect(
            lambda: self._fail(f"The microphone sent no sound for {STALL_MS // 1000} s"))

    @property
    def recording(self) -> bool:
        return self._wanted > 0 or self._listening

    @property
    def monitoring(self) -> bool:
        return self._pre_roll > 0

    @property
    def device(self):
        """The microphone chosen (a QAudioDevice), None: the system's default."""
        return self._device

    def set_device(self, device) -> None:
        """Listen to ``device`` from now on (None: the system's default): monitoring or
        listening live goes on through it, opened again; a take running is dropped."""
        self._device = device
        if self.monitoring:
            self.monitor(self._pre_roll / self.rate_hz if self.rate_hz else 0.0)
        elif self._listening:
            self.listen()
        elif self._wanted:
            self.cancel()

    def start(self, seconds: float) -> None:
        """Begin a take of ``seconds``; one already running is dropped. While monitoring, the
        device is open already and the take begins with what it heard just before."""
        if self.monitoring:  # open already
            self._begin(seconds, self._recent)
        elif self._opened():
            self._begin(seconds)

    def monitor(self, pre_roll_s: float) -> bool:
        """Open the device and keep it open between takes, showing its level and keeping its
        last ``pre_roll_s`` (at most a quarter of a take) for the next take; False (and
        ``failed``) when it cannot open. A quiet device between takes fails nothing (a
        permission prompt may hold it); a take that gets no sound does."""
        if not self._opened():
            return False
        self._pre_roll = max(1, int(round(pre_roll_s * self.rate_hz)))
        self._recent = np.zeros(0, np.float32)
        return True

    def listen(self) -> None:
        """Hand on what the microphone hears until ``cancel()``; a take running is dropped."""
        if self._opened():
            self._listening = True
            self._stall.start()

    def _opened(self) -> bool:
        """The device started afresh; False (and ``failed`` sent) when it cannot be."""
        self.cancel()
        try:
            self._open()
        except RuntimeError as error:
            self._fail(str(error))
            return False
        return True

    def _open(self) -> None:
        """Start the audio source in the device's own format (raises RuntimeError)."""
        if self.unavailable_reason:
            raise RuntimeError(self.unavailable_reason)
        device = self._device or QMediaDevices.defaultAudioInput()
        audio_format = device.preferredFormat()
        name = _format_name(audio_format.sampleFormat())
        if not name or audio_format.sampleRate() <= 0:
            raise RuntimeError(f"{device.description()}: its sample format is not one Earmark "
                               "reads")
        self._sample_format, self._channels = name, audio_format.channelCount()
        self.rate_hz = audio_format.sampleRate()
        self._source = QAudioSource(device, audio_format, self)
        self._io = self._source.start()
        if self._io is None:
            raise RuntimeError(f"{device.description()} could not be opened")
        self._io.readyRead.connect(self._read)

    def _begin(self, seconds: float, before: np.ndarray | None = None) -> None:
        self._wanted = max(1, int(round(seconds * self.rate_hz)))
        self._pieces = []
        if before is not None:  # a quarter of the take at most: most comes after the key
            before = before[max(0, len(before) - self._wanted // 4):]
            if len(before):
                self._pieces.append(before.copy())
        self._have = sum(len(piece) for piece in self._pieces)
        self._stall.start()

    @Slot()
    def _read(self) -> None:
        if self._io is not None:
            self.feed(bytes(self._io.readAll()))

    def feed(self, data: bytes) -> None:
        """Take ``data``, PCM bytes in the device's format; the take ends once long enough."""
        if not (self.recording or self.monitoring) or not data:
            return
        frames = pcm_frames(data, self._sample_format, self._channels)
        samples = frames.mean(axis=1)
        if self.recording:  # a take or Listen Live: sound came in time
            self._stall.start()
        self.level.emit(peak_level(samples))
        if self._listening:  # each channel, for a model that hears one of them
            self.heard.emit(frames)
            return
        if not self._wanted:  # monitoring between takes: the moment before the next one
            self._recent = np.concatenate([self._recent, samples])[-self._pre_roll:]
            return
        self._pieces.append(samples)
        self._have += len(samples)
        if self._have >= self._wanted:
            heard = np.concatenate(self._pieces)
            take = heard[:self._wanted]
            if self.monitoring:  # the device stays open; what came after is the next moment
                self._wanted, self._pieces, self._have = 0, [], 0
                self._stall.stop()
                self._recent = heard[len(take):][-self._pre_roll:]
            else:
                self.cancel()
            self.finished.emit(take, self.rate_hz)

    def cancel(self) -> None:
        """Stop the device (monitoring too) and drop what a take had."""
        self._wanted, self._pieces, self._have, self._listening = 0, [], 0, False
        self._pre_roll, self._recent = 0, np.zeros(0, np.float32)
        self._stall.stop()
        if self._source is not None:
            self._source.stop()
            self._source.deleteLater()
        self._source = self._io = None

    def _fail(self, reason: str) -> None:
        self.cancel()
        self.failed.emit(reason)
