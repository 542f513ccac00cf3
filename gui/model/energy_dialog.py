"""EnergyDetectorDialog: the settings of a run of the band-limited energy detector (Find Loud
Events…): the band, how far above the band's background, the shortest and longest event, the gap
that joins two, the channel listened to, the label the events get and which recordings to search.
Plain values out (``choice()``); the dock runs the search as a task."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from core.audio.energy_detector import EnergyDetectorConfig
from core.errors import EarmarkError
from gui.common.channels import OFFERED_CHANNELS, channel_box
from gui.model.search_fields import LISTEN_TIP, label_box, lay_out, scope_box, spin


@dataclass(frozen=True)
class EnergyChoice:
    """What the dialog was set to: the detector's settings, the events' label (None: none) and
    whether every recording is searched (else the one on show)."""

    config: EnergyDetectorConfig
    label: str | None
    every_recording: bool


class EnergyDetectorDialog(QDialog):
    """``initial`` fills the fields (a selected region's band, the last run's settings);
    ``classes`` the label choices; ``clip_name`` the recording on show (None: none, so every
    recording is searched); ``n_recordings`` how many the folder has; ``most_channels``
    the most any has (the channels offered; none where that is one)."""

    def __init__(self, initial: EnergyDetectorConfig, classes: list[str], label: str | None,
                 clip_name: str | None, n_recordings: int, every_recording: bool = False,
                 parent: QWidget | None = None, most_channels: int = OFFERED_CHANNELS) -> None:
        super().__init__(parent)
        self.setObjectName("EnergyDetectorDialog")
        self.setWindowTitle("Find Loud Events")
        self.low_hz = spin(0.0, 192_000.0, initial.low_hz or 0.0, " Hz", 0, 100.0)
        self.high_hz = spin(0.0, 192_000.0, initial.high_hz or 0.0, " Hz", 0, 100.0)
        self.high_hz.setSpecialValueText("Nyquist")  # 0: the top of each file's spectrum
        self.snr_db = spin(0.5, 80.0, initial.snr_db, " dB", 1, 1.0)
        # To the millisecond: a bat's call lasts a few, a few tens apart.
        self.min_duration = spin(0.0, 3600.0, initial.min_duration_s, " s", 3, 0.01)
        self.max_duration = spin(0.01, 36_000.0, initial.max_duration_s, " s", 3, 1.0)
        self.min_gap = spin(0.0, 60.0, initial.min_gap_s, " s", 3, 0.01)
        self.noise_window = spin(0.5, 3600.0, initial.noise_window_s, " s", 1, 5.0)
        self.channel = channel_box(initial.channel, LISTEN_TIP, most_channels)
        self.label = label_box(classes, label)
        self.scope = scope_box(clip_name, n_recordings, every_recording)
        self.problem = QLabel()
        self.problem.setObjectName("EnergyProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.addRow("Band from", self.low_hz)
        form.addRow("to", self.high_hz)
        form.addRow("Louder than its background by", self.snr_db)
        form.addRow("Shortest event", self.min_duration)
        form.addRow("Longest event", self.max_duration)
        form.addRow("Join events closer than", self.min_gap)
        form.addRow("Background measured over", self.noise_window)
        form.addRow("Listen to", self.channel)
        form.addRow("Label the events", self.label)
        form.addRow("Search", self.scope)
        form.setRowVisible(self.channel, most_channels > 1)
        self.buttons = lay_out(
            self, "Marks every stretch where the energy in the band stands that many dB above the "
                  "band's own background (its quiet moments nearby), without a model. The events "
                  "go to the Review tab, replacing those of the same label an earlier Find Loud "
                  "Events left waiting there in the recordings searched, and any other search's "
                  "on the same calls; accept the calls, "
                  "reject the rest (rejected ones teach the next model what is not an event).",
            form, "Find Events", self.problem)
        for box in (self.low_hz, self.high_hz, self.snr_db, self.min_duration, self.max_duration,
                    self.min_gap, self.noise_window):
            box.valueChanged.connect(self._check)
        self._check()

    def _config(self) -> EnergyDetectorConfig:
        return EnergyDetectorConfig(
            low_hz=self.low_hz.value() or None, high_hz=self.high_hz.value() or None,
            snr_db=self.snr_db.value(), min_duration_s=self.min_duration.value(),
            max_duration_s=self.max_duration.value(), min_gap_s=self.min_gap.value(),
            noise_window_s=self.noise_window.value(), channel=self.channel.currentData())

    def _check(self, *_) -> None:
        try:
            self._config()
            problem = ""
        except EarmarkError as error:
            problem = str(error).removeprefix("energy detector: ")
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def choice(self) -> EnergyChoice:
        """The settings as set (call when the fields are valid: OK is disabled otherwise)."""
        return EnergyChoice(self._config(), self.label.currentData(), bool(self.scope.currentData()))
