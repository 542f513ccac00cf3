"""Playback: a QMediaPlayer wrapper whose playhead follows the audio clock, and its bar, with
the speed to play at (slower is lower, as a bat detector's time expansion) and whether a region
plays in its frequency band only (Raven Pro's filtered play: the band is filtered into a scratch
file off the window's thread, and played in the file's place with the playhead on the file's
timeline). Where the view shows one channel, playback plays it alone the same way: a region or
range, or from the playhead on to the file's end (at most MAX_EXCERPT_SAMPLES at a time: 5.8
minutes at 48 kHz; Play again goes on from there).

Without QtMultimedia or an audio output device (CI, offscreen) the controller says why, the bar
says so in words beside its disabled button, and the time still reads against the clip's length
(taken from the file's header, not from the player).
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

from core.audio import reading as audio
from core.audio.band_pass import BandExcerpt, write_band_excerpt
from core.errors import AudioError
from core.store.name_rules import recorded_at
from gui.clips.playhead_clock import PlayheadClock
from gui.common.channels import channel_name
from gui.common.elided_label import ElidedLabel
from gui.common.multimedia import QAudioOutput, QMediaPlayer, output_unavailable_reason
from gui.common.tasks import FunctionWorker, TaskSlot
from gui.common.time_text import format_time

#: The playhead is redrawn at ~30 fps while playing; one tick is one display frame.
TICK_MS = 33
#: The theme's muted text colour (resources/earmark.qss names it).
_MUTED_COLOUR = "#6b7280"
#: The speeds offered, fastest first. Pitch follows speed, as on tape: 0.1 is the tenfold time
#: expansion bat workers use (a 40 kHz call heard at 4 kHz); 2 skims a long recording.
SPEEDS = (2.0, 1.0, 0.5, 0.25, 0.1)


def speed_text(speed: float) -> str:
    """1.0 -> '1×', 0.25 -> '0.25×'."""
    return f"{speed:g}×"


def _header_duration_s(path: Path) -> float:
    """The file's length from its header (no decoding), 0.0 when it cannot be read."""
    try:
        return audio.info(path).duration_s
    except (AudioError, OSError):
        return 0.0


class PlaybackController(QObject):
    """Plays one file. Signals ``position_changed(seconds)`` (~30/s while playing, following
    the audio clock), ``state_changed(playing)`` and ``duration_changed(seconds)``. Check
    ``available`` / ``unavailable_reason`` first; an unavailable controller still loads, seeks
    and knows the clip's duration, so the playhead and time label work without sound.

    With ``band_only`` on, ``play_range`` given a band plays it filtered to that band:
    ``band_status(text, True)`` says in words that it is being filtered (a long region takes a
    second or two), ``band_status(text, False)`` that this is over; a band that cannot be made
    says why in ``band_failed(reason)`` and the range plays unfiltered."""

    position_changed = Signal(float)
    state_changed = Signal(bool)
    duration_changed = Signal(float)
    speed_changed = Signal(float)
    band_failed = Signal(str)
    band_status = Signal(str, bool)

    def __init__(self, parent: QObject | None = None, force_unavailable: str = "", *,
                 player=None, now_s: Callable[[], float] = time.monotonic) -> None:
        """``force_unavailable`` disables playback with that reason (tests, a settings switch).
        ``player`` replaces the QMediaPlayer (an object with its methods and signals: tests
        drive a simulated one) and ``now_s`` the monotonic clock in seconds."""
        super().__init__(parent)
        self.unavailable_reason = force_unavailable or (
            "" if player is not None else output_unavailable_reason())
        self.available = not self.unavailable_reason
        self._now_s = now_s
        self._path: Path | None = None
        self._position_s = 0.0
        self._duration_s = 0.0
        self._playing = False
        self._stop_at_s: float | None = None  # where play_range pauses
        self._speed = 1.0
        self.band_only = False
        # The channel the followed view shows, and the file's channel count: (None, 1) for the mix.
        self._shown_channel: Callable[[], tuple[int | None, int]] = lambda: (None, 1)
        # The filtered excerpt playing in the file's place (its positions are offset by its
        # begin), the task making the next one, and the folder they are written to.
        self._excerpt: BandExcerpt | None = None
        self._band_task = TaskSlot(self)
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._names = itertools.count()
        self._band_text = ""  # what band_status said while a band is filtered
        self._switching = False  # a source being swapped: its stop is not the user's
        self._pending_ms: int | None = None  # where to go once the source has loaded
        self._clock = PlayheadClock()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._player = None
        if self.available:
            if player is None:
                self._audio_output = QAudioOutput(self)
                player = QMediaPlayer(self)
                player.setAudioOutput(self._audio_output)
                _pitch_follows_speed(player)
            self._player = player
            player.positionChanged.connect(self._on_player_position)
            player.durationChanged.connect(self._on_player_duration)
            player.playbackStateChanged.connect(self._on_player_state)
            player.errorOccurred.connect(self._on_player_error)
            player.mediaStatusChanged.connect(self._on_player_media_status)

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

    @property
    def speed(self) -> float:
        return self._speed

    @Slot(float)
    def set_speed(self, speed: float) -> None:
        """Play at ``speed`` times real time (pitch follows it); without audio the choice is
        only kept. Raises ValueError for a speed that is not positive."""
        speed = float(speed)
        if not speed > 0:
            raise ValueError(f"playback speed {speed!r} must be positive")
        if speed == self._speed:
            return
        self._speed = speed
        if self._player is not None:
            self._player.setPlaybackRate(speed)
            if self._playing:  # the playhead waits for the audio at its new pace
                self._clock.on_started(self._now_s(), speed)
        self.speed_changed.emit(speed)

    def follow_view(self, view) -> None:
        """Play what ``view`` (a ClipView) shows: its clicks seek, the position moves its
        playhead, each clip it shows is loaded, and a range plays the channel it shows."""
        self._shown_channel = lambda: view.drawn_channel(self._path) if self._path else (None, 1)
        view.seek_requested.connect(self.seek)
        self.position_changed.connect(view.set_playhead)
        view.clip_shown.connect(self._on_view_clip_shown)
        view.message_shown.connect(self._on_view_message_shown)

    @Slot(str)
    def _on_view_message_shown(self, _text: str) -> None:
        # The view says why it shows no clip (unreadable, deleted): Space must not play the
        # clip shown before it.
        if self._path is not None:
            self.load(None)

    @Slot(object)
    def _on_view_clip_shown(self, path) -> None:
        # A redraw of the same clip (features toggled) must not stop playback or rewind.
        if self._path != Path(path):
            self.load(path)

    @Slot(object)
    def load(self, path: Path | None, duration_s: float | None = None) -> None:
        """Stop and make ``path`` the file to play (None unloads). ``duration_s`` is the clip's
        length when the caller knows it; otherwise it is read from the file's header."""
        self.stop()
        self._path = Path(path) if path is not None else None
        if duration_s is None:
            duration_s = _header_duration_s(self._path) if self._path is not None else 0.0
        self._set_duration(duration_s)
        if self._player is not None:
            url = QUrl.fromLocalFile(str(self._path)) if self._path is not None else QUrl()
            self._set_player_source(url)
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
        """Play on from the playhead: the file as it is, or, where the view shows one channel,
        that channel alone (an excerpt to the end, at most MAX_EXCERPT_SAMPLES long)."""
        self._cancel_band()
        if self._player is None or self._path is None:
            return
        channel, n_channels = self._shown_channel()
        if channel is not None:
            at_end = self._position_s >= self._duration_s - 1e-3  # as the player: from the start
            self._play_excerpt(0.0 if at_end else self._position_s, self._duration_s, None,
                               channel, n_channels)
            return
        self._leave_excerpt()  # playing on after a band goes on in the whole file
        self._player.play()

    def play_range(self, start_s: float, end_s: float,
                   band_hz: tuple[float, float] | None = None,
                   channel: int | None = None) -> None:
        """Play from ``start_s`` and pause at ``end_s`` (the playhead rests there). Any pause,
        stop or seek before then ends the range: playing on goes on to the end of the file.
        With ``band_only`` on, a ``band_hz`` (low, high) plays in that band only, once it has
        been filtered (a few milliseconds for a call); on ``channel`` (from 0: a region's own),
        else on the channel the view shows, when it shows one, with or without a band."""
        band_hz = band_hz if self.band_only else None
        shown, n_channels = self._shown_channel()
        channel = shown if channel is None else channel
        if (band_hz is not None or channel is not None) and self._player is not None \
                and self._path is not None:
            self._play_excerpt(start_s, end_s, band_hz, channel, n_channels)
        else:
            self._play_plain(start_s, end_s)

    def _play_plain(self, start_s: float, end_s: float) -> None:
        self.seek(start_s)
        if self._player is None or self._path is None:
            return
        self._stop_at_s = max(float(end_s), self._position_s)
        self._player.play()

    def set_band_only(self, on: bool) -> None:
        """Whether ``play_range`` plays a region's band only."""
        self.band_only = bool(on)

    def _play_excerpt(self, start_s: float, end_s: float, band_hz: tuple[float, float] | None,
                      channel: int | None, n_channels: int) -> None:
        """Play ``start_s..end_s`` from a scratch excerpt: in ``band_hz`` (None: all of it), on
        ``channel`` (None: the mix)."""
        self.pause()
        self._seek(start_s, resume=False)  # not on, whatever the player has said of its pause
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="earmark-band-",
                                                        ignore_cleanup_errors=True)
        # A new name each time: the player may still hold the last excerpt open.
        out = Path(self._scratch.name) / f"band-{next(self._names)}.wav"
        source, (low_hz, high_hz) = self._path, band_hz or (0.0, math.inf)
        worker = FunctionWorker(lambda w: write_band_excerpt(
            source, start_s, end_s, low_hz, high_hz, out, should_stop=w.should_stop,
            channel=channel))
        self._band_task.start(
            worker, finished=self._on_band_ready,
            failed=lambda reason: self._on_band_failed(reason, start_s, end_s))
        name = "" if channel is None else channel_name(channel, n_channels).lower()
        self._band_text = (f"Reading {name} for playback…" if band_hz is None else
                           f"Filtering {low_hz:,.0f}–{high_hz:,.0f} Hz"
                           f"{' on ' + name if name else ''} for playback…")
        self.band_status.emit(self._band_text, True)

    def _cancel_band(self) -> None:
        """Drop a band still being filtered; the status it showed is over."""
        self._band_task.cancel()
        self._band_over()

    def _band_over(self) -> None:
        if self._band_text:
            text, self._band_text = self._band_text, ""
            self.band_status.emit(text, False)

    def _on_band_ready(self, excerpt: BandExcerpt | None) -> None:
        self._band_over()
        if excerpt is None or excerpt.source != self._path:
            return
        self._swap_source(QUrl.fromLocalFile(str(excerpt.path)))
        self._excerpt = excerpt
        self._clock.on_seeked(excerpt.begin_s, self._now_s())
        self._set_position(excerpt.begin_s)
        self._stop_at_s = excerpt.end_s
        self._player.play()

    def _on_band_failed(self, reason: str, start_s: float, end_s: float) -> None:
        self._band_over()
        self.band_failed.emit(f"Playing the file as it is: {reason}")
        self._play_plain(start_s, end_s)

    def _leave_excerpt(self, resume: bool = False) -> None:
        """Put the file back in the player in the excerpt's place, at the playhead, playing
        on if ``resume``."""
        excerpt, self._excerpt = self._excerpt, None
        if excerpt is None:
            return
        self._swap_source(QUrl.fromLocalFile(str(self._path)))
        self._set_player_position(self._position_s)
        excerpt.path.unlink(missing_ok=True)  # where the system allows it (not while open)
        if resume:
            self._player.play()

    def _swap_source(self, url: QUrl) -> None:
        self._switching = True
        try:
            self._set_player_source(url)
        finally:
            self._switching = False

    def _set_player_source(self, url: QUrl) -> None:
        self._pending_ms = None
        self._player.setSource(url)

    def _set_player_position(self, seconds: float) -> None:
        """Move the player to ``seconds``; a source still loading ignores a position, so it is
        given again once loaded (else a file loaded and played at once started at 0)."""
        position_ms = int(round(seconds * 1000))
        self._player.setPosition(position_ms)
        if self._player.mediaStatus() == QMediaPlayer.MediaStatus.LoadingMedia:
            self._pending_ms = position_ms

    @Slot(object)
    def _on_player_media_status(self, status) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._pending_ms is not None:
            position_ms, self._pending_ms = self._pending_ms, None
            self._player.setPosition(position_ms)

    def _offset_s(self) -> float:
        """Where the player's source starts on the file's timeline."""
        return self._excerpt.begin_s if self._excerpt is not None else 0.0

    def shutdown(self) -> None:
        """Stop, and let go of the band task and its scratch files (the window is closing)."""
        self.stop()
        if self._player is not None:
            self._swap_source(QUrl())  # the player lets go of an excerpt before it is removed
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    @Slot()
    def pause(self) -> None:
        self._stop_at_s = None
        if self._player is not None:
            self._player.pause()

    @Slot()
    def stop(self) -> None:
        self._cancel_band()
        self._stop_at_s = None
        if self._player is not None:
            self._leave_excerpt()
            self._player.stop()
        self._clock.on_stopped(0.0)
        self._set_position(0.0)

    @Slot(float)
    def seek(self, seconds: float) -> None:
        """Jump to ``seconds``; keeps playing if it was (a band still being filtered is
        dropped)."""
        self._seek(seconds, resume=self._playing)

    def _seek(self, seconds: float, resume: bool) -> None:
        """Jump to ``seconds``, playing on from there if ``resume``: the file, or the channel on
        show read out again from there."""
        self._cancel_band()
        self._stop_at_s = None
        seconds = max(0.0, float(seconds))
        if self._duration_s > 0:
            seconds = min(seconds, self._duration_s)
        self._clock.on_seeked(seconds, self._now_s())
        self._set_position(seconds)
        if self._player is None:
            return
        if self._excerpt is None:
            self._set_player_position(seconds)
            return
        on_channel = self._shown_channel()[0] is not None
        self._leave_excerpt(resume=resume and not on_channel)
        if resume and on_channel:
            self.play()

    # -- player events ------------------------------------------------------------------------

    def _set_position(self, seconds: float) -> None:
        if self._duration_s > 0:
            seconds = min(seconds, self._duration_s)
        self._position_s = seconds
        self.position_changed.emit(seconds)

    def _set_duration(self, seconds: float) -> None:
        self._duration_s = max(float(seconds), 0.0)
        self.duration_changed.emit(self._duration_s)

    @Slot(int)
    def _on_player_position(self, position_ms: int) -> None:
        if self._switching:
            return
        self._clock.on_reported(self._offset_s() + position_ms / 1000.0, self._now_s())
        if not self._playing:
            self._set_position(self._clock.position_at(self._now_s()))

    @Slot(int)
    def _on_player_duration(self, duration_ms: int) -> None:
        # A new source reports 0 first; the header's length stands till then. An excerpt's
        # length is not the file's.
        if duration_ms > 0 and self._excerpt is None:
            self._set_duration(duration_ms / 1000.0)

    @Slot()
    def _on_tick(self) -> None:
        seconds = self._clock.position_at(self._now_s())
        if self._stop_at_s is not None and seconds >= self._stop_at_s:
            self._end_range()
            return
        if seconds != self._position_s:
            self._set_position(seconds)

    def _end_range(self) -> None:
        """The range played through: pause with the playhead on its end."""
        end_s = self._stop_at_s
        self.pause()
        self.seek(end_s)

    @Slot(object)
    def _on_player_state(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if self._switching:  # the player stops as its source changes; the playhead stays
            self._tick.stop()
        elif playing:
            self._clock.on_started(self._now_s(), self._player.playbackRate())
            self._tick.start()
        elif self._excerpt is not None and state == QMediaPlayer.PlaybackState.StoppedState:
            # The band played to its end before a tick reached it: the playhead rests there.
            self._tick.stop()
            end_s, self._stop_at_s = self._excerpt.end_s, None
            self._clock.on_stopped(end_s)
            self._set_position(end_s)
            self._leave_excerpt()
        else:
            self._tick.stop()
            self._clock.on_stopped(self._offset_s() + self._player.position() / 1000.0)
            self._set_position(self._clock.position_at(self._now_s()))
        if playing != self._playing:
            self._playing = playing
            self.state_changed.emit(playing)

    @Slot(object, str)
    def _on_player_error(self, _error, message: str) -> None:
        self._tick.stop()
        self._clock.on_stopped(self._position_s)
        if self._playing:
            self._playing = False
            self.state_changed.emit(False)


def _pitch_follows_speed(player) -> None:
    """Slower is lower, as on tape: Qt would otherwise keep the pitch where it can, and
    ultrasound played slowly would stay out of hearing."""
    if player.pitchCompensationAvailability() == \
            QMediaPlayer.PitchCompensationAvailability.Available:
        player.setPitchCompensation(False)


class PlaybackBar(QWidget):
    """Play/pause button, a "0:01.2 / 0:05.0" label and the speed for a PlaybackController;
    without audio, a muted note beside them says playback is off and why, and no speed is
    offered."""

    def __init__(self, controller: PlaybackController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.play_button = QToolButton()
        self.play_button.setAutoRaise(True)
        self.play_button.clicked.connect(controller.toggle)
        self.position_label = QLabel()
        self._began_for: tuple[Path | None, datetime | None] = (None, None)
        self.state_label = ElidedLabel()
        self.state_label.setObjectName("PlaybackState")
        self.state_label.setStyleSheet(f"color: {_MUTED_COLOUR};")
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("PlaybackSpeed")
        for speed in SPEEDS:
            self.speed_combo.addItem(speed_text(speed), speed)
        self.speed_combo.setToolTip(
            "Playback speed. Slower is also lower, as a bat detector's time expansion: at "
            "0.1×, a 40 kHz call is heard at 4 kHz")
        self._show_speed(controller.speed)
        self.speed_combo.activated.connect(
            lambda index: controller.set_speed(self.speed_combo.itemData(index)))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.position_label)
        layout.addWidget(self.state_label, 1)  # it takes the room left, "…" where it is cut
        # With audio the reason is hidden: the choices sit at the right. Without, the reason
        # takes the room (a stretch of 1 here took half of it: "Playback is off · No a…").
        layout.addStretch(0)
        self.band_button = QToolButton()  # shows the window's Band Only action
        self.band_button.setObjectName("PlaybackBand")
        self.band_button.hide()
        layout.addWidget(self.band_button)
        self.speed_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.speed_combo)
        controller.state_changed.connect(self._on_controller_state)
        controller.position_changed.connect(self._on_controller_position)
        controller.duration_changed.connect(self._on_controller_position)
        controller.speed_changed.connect(self._show_speed)
        self._on_controller_state(controller.playing)
        self._on_controller_position()
        self.state_label.setVisible(not controller.available)
        if not controller.available:
            reason = controller.unavailable_reason
            # The bar names the state first (a narrow pane cuts the note's end); the tooltip keeps
            # the whole reason (an import error).
            self.state_label.setText(f"Playback is off · {reason.split(' (')[0]}")
            self.play_button.setEnabled(False)
            self.speed_combo.hide()  # nothing plays: the room goes to the reason
            for widget in (self, self.play_button, self.position_label, self.state_label):
                widget.setToolTip(f"Playback unavailable: {reason}")

    def show_band_action(self, action) -> None:
        """Offer ``action`` (checkable: play regions in their band only) beside the speed;
        not without audio."""
        self.band_button.setDefaultAction(action)
        self.band_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.band_button.setVisible(self.controller.available)

    @Slot(bool)
    def _on_controller_state(self, playing: bool) -> None:
        icon = (QStyle.StandardPixmap.SP_MediaPause if playing
                else QStyle.StandardPixmap.SP_MediaPlay)
        self.play_button.setIcon(self.style().standardIcon(icon))
        # An icon alone: a screen reader says its name (it had only a tooltip).
        self.play_button.setAccessibleName("Pause" if playing else "Play")
        if self.controller.available:
            self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")

    @Slot(float)
    def _show_speed(self, speed: float) -> None:
        """Show ``speed``; one not among SPEEDS (a stored or typed one) is added in order."""
        index = self.speed_combo.findData(speed)
        if index < 0:
            index = next((i for i in range(self.speed_combo.count())
                          if self.speed_combo.itemData(i) < speed), self.speed_combo.count())
            self.speed_combo.insertItem(index, speed_text(speed), speed)
        self.speed_combo.setCurrentIndex(index)

    @Slot()
    def _on_controller_position(self, *_args) -> None:
        text = (f"{format_time(self.controller.position_s)} / "
                f"{format_time(self.controller.duration_s)}")
        began = self._began()
        if began is not None:  # the time of day there, by the recorder's clock
            text += f" · {began + timedelta(seconds=self.controller.position_s):%H:%M:%S}"
        self.position_label.setText(text)

    def _began(self) -> datetime | None:
        """When the file loaded began recording, where its name says (read once a file)."""
        path = self.controller.path
        if path != self._began_for[0]:
            began = recorded_at(path.stem) if path is not None else None
            self._began_for = (path, began)
            if self.controller.available:
                self.position_label.setToolTip(
                    "" if began is None else f"The time of day by the recorder's clock: the "
                    f"file's name says it began at {began:%H:%M:%S} on {began:%Y-%m-%d}")
        return self._began_for[1]
