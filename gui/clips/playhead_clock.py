"""Where the playhead should be drawn, from the audio clock's coarse position reports.

Pure Python with an explicit time argument, so it is tested with a simulated player and no audio
device. Measured with Qt 6.11's FFmpeg backend on a PulseAudio sink: ``PlayingState`` and
``BufferedMedia`` arrive about 1 ms after ``play()``, but the first ``positionChanged`` only
0.3-0.5 s later, when audio really starts (again after a seek while playing); then reports come
every 50 or 100 ms, in steps of the decoder's block (64 ms for a 16 kHz WAV). So the playhead
holds still until a report shows the position moving, then runs on from the last report, never
further than the time since it, and never backwards for report jitter.
"""

from __future__ import annotations

#: Reports come every 50-100 ms while audio plays; past this without one, the audio has stalled
#: (a device hiccup, the end of the file) and the playhead waits instead of running on alone.
MAX_EXTRAPOLATION_S = 0.25


class PlayheadClock:
    """Turns position reports (seconds, at times ``now_s`` from one monotonic clock) into a
    playhead position for any moment. Call ``on_started`` when the player says it plays,
    ``on_reported`` for each position it reports, ``on_seeked`` when the person moves the
    playhead, ``on_stopped`` when it pauses or stops, and ``position_at(now_s)`` to draw."""

    def __init__(self, max_extrapolation_s: float = MAX_EXTRAPOLATION_S) -> None:
        self.max_extrapolation_s = max_extrapolation_s
        self._playing = False
        self._audio_running = False  # a report since the last start or seek showed it moving
        self._reported_s = 0.0
        self._reported_at_s = 0.0
        self._rate = 1.0
        self._shown_s = 0.0

    @property
    def playing(self) -> bool:
        return self._playing

    def on_started(self, now_s: float, rate: float = 1.0) -> None:
        """The player says it plays; the playhead holds until audio is heard to move."""
        self._playing = True
        self._audio_running = False
        self._rate = rate
        self._reported_s, self._reported_at_s = self._shown_s, now_s

    def on_stopped(self, position_s: float) -> None:
        """Paused or stopped at ``position_s`` (the player's own position)."""
        self._playing = False
        self._audio_running = False
        self._reported_s = self._shown_s = position_s

    def on_seeked(self, position_s: float, now_s: float) -> None:
        """The person moved the playhead; while playing, audio restarts there after a buffer."""
        self._audio_running = False
        self._reported_s, self._reported_at_s = position_s, now_s
        self._shown_s = position_s

    def on_reported(self, position_s: float, now_s: float) -> None:
        """The player reported ``position_s`` (seconds) at ``now_s``."""
        if not self._playing:
            self._reported_s = self._shown_s = position_s
            return
        if not self._audio_running:
            moved_s = position_s - self._reported_s
            if moved_s <= 0.0:
                return  # the start or seek position echoed back: audio has not moved yet
            if moved_s > self._rate * (now_s - self._reported_at_s) + 1e-9:
                return  # further than audio could have gone since: a report from before a seek
            self._audio_running = True
        elif position_s < self._shown_s - self.max_extrapolation_s:
            self._shown_s = position_s  # further back than jitter can explain: a real jump
        self._reported_s, self._reported_at_s = position_s, now_s

    def position_at(self, now_s: float) -> float:
        """The playhead position (seconds) to draw at ``now_s``."""
        if self._audio_running:
            since_report_s = min(max(now_s - self._reported_at_s, 0.0), self.max_extrapolation_s)
            # A later report can lag the run-on estimate by its jitter; holding still until
            # the estimate passes the shown position keeps the playhead from stepping back.
            self._shown_s = max(self._shown_s, self._reported_s + self._rate * since_report_s)
        return self._shown_s
