"""Playback: a QMediaPlayer wrapper with a smooth position, and a small play/pause bar for it.

Without QtMultimedia or an audio output device (CI, offscreen) the controller says why and the
bar disables itself with that reason as its tooltip.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

try:
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
except ImportError as error:  # a PySide6 build without QtMultimedia
    _MULTIMEDIA_ERROR: str | None = f"Qt Multimedia is not available ({error})"
else:
    _MULTIMEDIA_ERROR = None

# QMediaPlayer reports its position every ~50-100 ms; the playhead is interpolated at ~30 fps.
_TICK_MS = 33


def _audio_unavailable_reason() -> str:
    """Empty when audio can play, else a sentence for a tooltip."""
    if _MULTIMEDIA_ERROR is not None:
        return _MULTIMEDIA_ERROR
    if not QMediaDevices.audioOutputs():
        return "No audio output device found"
    return ""


def format_time(seconds: float) -> str:
    """0:01.2 style (minutes:seconds.tenths)."""
    tenths = int(round(max(seconds, 0.0) * 10))
    minutes, tenths = divmod(tenths, 600)
    return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"


class PlaybackController(QObject):
    """Plays one file. Signals ``position_changed(seconds)`` (~30/s while playing) and
    ``state_changed(playing)``. Check ``available`` / ``unavailable_reason`` first."""

    position_changed = Signal(float)
    state_changed = Signal(bool)
    duration_changed = Signal(float)

    def __init__(self, parent: QObject | None = None, force_unavailable: str = "") -> None:
        """``force_unavailable`` disables playback with that reason (tests, a settings switch)."""
        super().__init__(parent)
        self.unavailable_reason = force_unavailable or _audio_unavailable_reason()
        self.available = not self.unavailable_reason
        self._path: Path | None = None
        self._position_s = 0.0
        self._duration_s = 0.0
        self._playing = False
        self._reported_s = 0.0
        self._since_report = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(_TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._player = None
        if self.available:
            self._audio_output = QAudioOutput(self)
            self._player = QMediaPlayer(self)
            self._player.setAudioOutput(self._audio_output)
            self._player.positionChanged.connect(self._on_player_position)
            self._player.durationChanged.connect(self._on_player_duration)
            self._player.playbackStateChanged.connect(self._on_player_state)
            self._player.errorOccurred.connect(self._on_player_error)

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def position_s(self) -> float:
        return self._position_s

    @property
    def duration_s(self) -> float:
        return self._duration_s

    @Slot(object)
    def load(self, path: Path | None) -> None:
        """Stop and make ``path`` the file to play (None unloads)."""
        self.stop()
        self._path = Path(path) if path is not None else None
        self._duration_s = 0.0
        if self._player is not None:
            url = QUrl.fromLocalFile(str(self._path)) if self._path is not None else QUrl()
            self._player.setSource(url)
        self._set_position(0.0)

    @Slot()
    def toggle(self) -> None:
        """Play if paused or stopped, else pause (the Space shortcut)."""
        if self._playing:
            self.pause()
        else:
            self.play()

    @Slot()
    def play(self) -> None:
        if self._player is not None and self._path is not None:
            self._player.play()

    @Slot()
    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()

    @Slot()
    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        self._set_position(0.0)

    @Slot(float)
    def seek(self, seconds: float) -> None:
        """Jump to ``seconds``; keeps playing if it was."""
        seconds = max(0.0, float(seconds))
        if self._duration_s > 0:
            seconds = min(seconds, self._duration_s)
        if self._player is not None:
            self._player.setPosition(int(round(seconds * 1000)))
        self._mark_reported(seconds)
        self._set_position(seconds)

    # -- player events ------------------------------------------------------------------------

    def _set_position(self, seconds: float) -> None:
        self._position_s = seconds
        self.position_changed.emit(seconds)

    def _mark_reported(self, seconds: float) -> None:
        self._reported_s = seconds
        self._since_report.restart()

    @Slot(int)
    def _on_player_position(self, position_ms: int) -> None:
        self._mark_reported(position_ms / 1000.0)
        if not self._playing:
            self._set_position(self._reported_s)

    @Slot(int)
    def _on_player_duration(self, duration_ms: int) -> None:
        self._duration_s = duration_ms / 1000.0
        self.duration_changed.emit(self._duration_s)

    @Slot()
    def _on_tick(self) -> None:
        # Extrapolate from the last coarse report so the playhead moves smoothly.
        rate = self._player.playbackRate() if self._player is not None else 1.0
        seconds = self._reported_s + rate * self._since_report.elapsed() / 1000.0
        if self._duration_s > 0:
            seconds = min(seconds, self._duration_s)
        self._set_position(seconds)

    @Slot(object)
    def _on_player_state(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if playing:
            self._mark_reported(self._player.position() / 1000.0)
            self._tick.start()
        else:
            self._tick.stop()
            self._set_position(self._player.position() / 1000.0)
        if playing != self._playing:
            self._playing = playing
            self.state_changed.emit(playing)

    @Slot(object, str)
    def _on_player_error(self, _error, message: str) -> None:
        self._tick.stop()
        if self._playing:
            self._playing = False
            self.state_changed.emit(False)


class PlaybackBar(QWidget):
    """Play/pause button and a "0:01.2 / 0:05.0" label for a PlaybackController."""

    def __init__(self, controller: PlaybackController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.play_button = QToolButton()
        self.play_button.setAutoRaise(True)
        self.play_button.clicked.connect(controller.toggle)
        self.position_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.position_label)
        layout.addStretch(1)
        controller.state_changed.connect(self._on_controller_state)
        controller.position_changed.connect(self._on_controller_position)
        controller.duration_changed.connect(self._on_controller_position)
        self._on_controller_state(controller.playing)
        self._on_controller_position()
        if not controller.available:
            reason = f"Playback unavailable: {controller.unavailable_reason}"
            for widget in (self.play_button, self.position_label):
                widget.setEnabled(False)
                widget.setToolTip(reason)
            self.setToolTip(reason)

    @Slot(bool)
    def _on_controller_state(self, playing: bool) -> None:
        icon = (QStyle.StandardPixmap.SP_MediaPause if playing
                else QStyle.StandardPixmap.SP_MediaPlay)
        self.play_button.setIcon(self.style().standardIcon(icon))
        if self.controller.available:
            self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    @Slot()
    def _on_controller_position(self, *_args) -> None:
        self.position_label.setText(f"{format_time(self.controller.position_s)} / "
                                    f"{format_time(self.controller.duration_s)}")
