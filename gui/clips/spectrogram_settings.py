"""Spectrogram settings a person chooses (colour map, dynamic range, brightness, FFT size, the
frequency range shown): the panel that edits them, each project's stored choice in QSettings,
and the controller that applies them to the clip view.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.audio.reading import MAX_CHANNELS
from core.audio.spectrogram import (
    BRIGHTNESS_DB_MAX,
    DEFAULT_SPECTROGRAM,
    DYNAMIC_RANGE_DB_MAX,
    DYNAMIC_RANGE_DB_MIN,
    FFT_SIZES,
    SpectrogramConfig,
)
from gui.common import settings as keys
from gui.common.channels import (
    channel_box,
    index_of,
    list_channels,
    name_channels,
    select_channel,
)

# Colour maps people know from Raven, Audacity and Sonic Visualiser: name -> what the menu says.
# All ship with pyqtgraph (matplotlib's perceptually uniform ones) or are built here.
COLOUR_MAPS = {
    "inferno": "Inferno",
    "magma": "Magma",
    "viridis": "Viridis",
    "plasma": "Plasma",
    "grey": "Grey",
    "grey_inverted": "Grey (inverted)",
}
# Inferno: dark quiet, bright loud, readable in grey print; the look the app always had.
DEFAULT_COLOUR_MAP = "inferno"
DYNAMIC_RANGE_STEP_DB = 5
# The frequency range's fields: up to a 384 kHz recording's Nyquist frequency, in 100 Hz steps.
MAX_SHOWN_HZ = 192_000
FREQUENCY_STEP_HZ = 100

# Each project's settings as JSON text, keyed by folder; bounded like the remembered selections.
SPECTROGRAM_BY_FOLDER = keys.Key("view/spectrogram_by_folder", dict, {})
MAX_REMEMBERED_PROJECTS = keys.MAX_REMEMBERED_SELECTIONS


@dataclass(frozen=True)
class SpectrogramSettings:
    """What the clip view's spectrogram looks like: ``colour_map`` (a COLOUR_MAPS name) and the
    frequency range shown (``low_hz`` to ``high_hz``; None: half of each file's sample rate) are
    the GUI's; ``dynamic_range_db``, ``brightness_db``, ``fft_size`` (None: auto) and ``channel``
    (None: the mix) are core's SpectrogramConfig. Raises ValueError for a value outside the choices."""

    colour_map: str = DEFAULT_COLOUR_MAP
    dynamic_range_db: float = DEFAULT_SPECTROGRAM.dynamic_range_db
    fft_size: int | None = DEFAULT_SPECTROGRAM.fft_size
    # A bird or bat project looks at its calls' band, as Raven's and Audacity's views can.
    low_hz: float = 0.0
    high_hz: float | None = None
    # One channel of a multi-channel file (from 0), as Raven shows each; None: their mix.
    channel: int | None = DEFAULT_SPECTROGRAM.channel
    # Last, so the values stored before it read as before.
    brightness_db: float = DEFAULT_SPECTROGRAM.brightness_db

    def __post_init__(self) -> None:
        if self.colour_map not in COLOUR_MAPS:
            raise ValueError(f"unknown colour map {self.colour_map!r}")
        _ = self.config  # raises for a bad size, range or channel
        if not (isinstance(self.low_hz, int | float) and 0.0 <= self.low_hz < MAX_SHOWN_HZ):
            raise ValueError(f"lowest frequency {self.low_hz!r} must be 0..{MAX_SHOWN_HZ} Hz")
        if self.high_hz is not None and not (isinstance(self.high_hz, int | float)
                                             and self.low_hz < self.high_hz <= MAX_SHOWN_HZ):
            raise ValueError(f"highest frequency {self.high_hz!r} must be above the lowest "
                             f"({self.low_hz:g} Hz) and at most {MAX_SHOWN_HZ} Hz")

    def band_shown(self, top_hz: float) -> tuple[float, float]:
        """The frequencies (low, high) to show of a spectrogram reaching ``top_hz``: the chosen
        range cut at ``top_hz``, or all of it when the range lies wholly above."""
        high_hz = top_hz if self.high_hz is None else min(self.high_hz, top_hz)
        return (self.low_hz, high_hz) if self.low_hz < high_hz else (0.0, top_hz)

    @property
    def config(self) -> SpectrogramConfig:
        """The part core computes with."""
        return SpectrogramConfig(fft_size=self.fft_size, dynamic_range_db=self.dynamic_range_db,
                                 brightness_db=self.brightness_db, channel=self.channel)


DEFAULT_SETTINGS = SpectrogramSettings()


@cache
def colour_map(name: str) -> pg.ColorMap:
    """The pyqtgraph colour map for a COLOUR_MAPS ``name`` (bundled files, no download)."""
    if name == "grey":
        return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
    if name == "grey_inverted":  # Raven's default: loud is dark on white paper
        return pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 0, 0)], name="grey_inverted")
    return pg.colormap.get(name)


def read_spectrogram_settings(settings: QSettings, folder: str) -> SpectrogramSettings:
    """The settings stored for the project in ``folder``; the defaults when none are, and the
    default of each value that is missing or unreadable."""
    text = keys.read(settings, SPECTROGRAM_BY_FOLDER).get(str(folder))
    try:
        stored = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        stored = {}
    value = DEFAULT_SETTINGS
    if isinstance(stored, dict):
        for field in dataclasses.fields(SpectrogramSettings):
            if field.name in stored:
                try:
                    value = dataclasses.replace(value, **{field.name: stored[field.name]})
                except (TypeError, ValueError):
                    pass  # one bad value keeps its default, not the others'
    return value


def write_spectrogram_settings(settings: QSettings, folder: str,
                               value: SpectrogramSettings) -> None:
    """Store ``value`` for the project in ``folder`` (the newest last; the oldest dropped)."""
    stored = keys.read(settings, SPECTROGRAM_BY_FOLDER)
    stored.pop(str(folder), None)
    stored[str(folder)] = json.dumps(dataclasses.asdict(value))
    for old in list(stored)[:-MAX_REMEMBERED_PROJECTS]:
        del stored[old]
    keys.write(settings, SPECTROGRAM_BY_FOLDER, stored)


class SpectrogramSettingsPanel(QDialog):
    """A small non-modal panel: colour map, brightness, dynamic range, FFT size, frequency range,
    channel, Reset and Close.

    Every change a person makes is emitted at once as ``settings_changed(SpectrogramSettings)``;
    ``set_spectrogram_settings`` shows a value without emitting.
    """

    settings_changed = Signal(object)

    def __init__(self, value: SpectrogramSettings = DEFAULT_SETTINGS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Spectrogram Settings")
        self.setObjectName("SpectrogramSettingsPanel")
        self.colour_combo = QComboBox()
        for name, text in COLOUR_MAPS.items():
            self.colour_combo.addItem(text, name)
        self.range_spin = QSpinBox()
        self.range_spin.setRange(int(DYNAMIC_RANGE_DB_MIN), int(DYNAMIC_RANGE_DB_MAX))
        self.range_spin.setSingleStep(DYNAMIC_RANGE_STEP_DB)
        self.range_spin.setSuffix(" dB")
        self.range_spin.setToolTip("How many dB the colours span: less, only the loud parts "
                                   "show (more contrast); more, quieter sounds show too")
        self.brightness_spin = QSpinBox()
        self.brightness_spin.setRange(0, int(BRIGHTNESS_DB_MAX))
        self.brightness_spin.setSingleStep(DYNAMIC_RANGE_STEP_DB)
        self.brightness_spin.setSuffix(" dB")
        self.brightness_spin.setToolTip("Brighten quiet sounds: the brightest colour goes to "
                                        "sounds this many dB below the loudest (louder ones "
                                        "too); 0: to the loudest alone")
        self.fft_combo = QComboBox()
        self.fft_combo.addItem("Auto (about 25 ms; 1.3 ms for bats)", None)
        for size in FFT_SIZES:
            self.fft_combo.addItem(str(size), size)
        self.fft_combo.setToolTip("Larger: finer frequency detail, coarser time detail")
        self.low_spin = _hz_spin("The lowest frequency the spectrogram shows")
        self.high_spin = _hz_spin("The highest frequency the spectrogram shows; a file sampled "
                                  "below twice this shows up to half its sample rate")
        self.low_spin.setMaximum(MAX_SHOWN_HZ - FREQUENCY_STEP_HZ)
        self.high_spin.setSpecialValueText("Top of each file")
        self.channel_combo = channel_box(None, "The channel of a multi-channel file that the "
                                               "waveform and the spectrogram show, regions are "
                                               "measured on and Find Loud Events and Find "
                                               "Similar Calls first listen to (a file without "
                                               "it: the mix); the model hears the channel "
                                               "Training Settings choose")
        form = QFormLayout()
        form.addRow("&Colour map", self.colour_combo)
        form.addRow("&Brightness", self.brightness_spin)
        form.addRow("&Dynamic range", self.range_spin)
        form.addRow("&FFT size", self.fft_combo)
        form.addRow("&Lowest frequency", self.low_spin)
        form.addRow("&Highest frequency", self.high_spin)
        form.addRow("C&hannel", self.channel_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Reset
                                   | QDialogButtonBox.StandardButton.Close)
        self.reset_button = buttons.button(QDialogButtonBox.StandardButton.Reset)
        self.reset_button.setToolTip("Back to the default colour map, brightness, dynamic range, "
                                     "FFT size, frequency range and channel (the mix)")
        self.reset_button.clicked.connect(self._on_reset_clicked)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.set_spectrogram_settings(value)
        self.colour_combo.currentIndexChanged.connect(self._on_widget_edited)
        self.range_spin.valueChanged.connect(self._on_widget_edited)
        self.brightness_spin.valueChanged.connect(self._on_widget_edited)
        self.fft_combo.currentIndexChanged.connect(self._on_widget_edited)
        self.low_spin.valueChanged.connect(self._on_low_edited)
        self.high_spin.valueChanged.connect(self._on_high_edited)
        self.channel_combo.currentIndexChanged.connect(self._on_widget_edited)

    def show_file_channels(self, n_channels: int | None) -> None:
        """List and name the channel box's channels for the file on show (the choice is the
        folder's)."""
        list_channels(self.channel_combo, min(n_channels or 0, MAX_CHANNELS))
        name_channels(self.channel_combo, n_channels)

    def _widgets(self) -> tuple[QWidget, ...]:
        return (self.colour_combo, self.brightness_spin, self.range_spin, self.fft_combo,
                self.low_spin, self.high_spin, self.channel_combo)

    def spectrogram_settings(self) -> SpectrogramSettings:
        """The value the widgets show."""
        return SpectrogramSettings(self.colour_combo.currentData(), float(self.range_spin.value()),
                                   self.fft_combo.currentData(), float(self.low_spin.value()),
                                   float(self.high_spin.value()) or None,
                                   self.channel_combo.currentData(),
                                   float(self.brightness_spin.value()))

    def set_spectrogram_settings(self, value: SpectrogramSettings) -> None:
        """Show ``value`` (no signal)."""
        for widget in self._widgets():
            widget.blockSignals(True)
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(value.colour_map))
        self.range_spin.setValue(round(value.dynamic_range_db))
        self.brightness_spin.setValue(round(value.brightness_db))
        self.fft_combo.setCurrentIndex(index_of(self.fft_combo, value.fft_size))
        self.low_spin.setValue(round(value.low_hz))
        self.high_spin.setValue(round(value.high_hz or 0))
        select_channel(self.channel_combo, value.channel)
        for widget in self._widgets():
            widget.blockSignals(False)

    def _on_widget_edited(self, *_) -> None:
        self.settings_changed.emit(self.spectrogram_settings())

    def _on_low_edited(self, low_hz: int) -> None:
        """The lowest frequency moved up to or past the highest: the highest follows it."""
        high_hz = self.high_spin.value()
        if high_hz and high_hz <= low_hz:
            self.high_spin.blockSignals(True)
            self.high_spin.setValue(min(low_hz + FREQUENCY_STEP_HZ, MAX_SHOWN_HZ))
            self.high_spin.blockSignals(False)
        self._on_widget_edited()

    def _on_high_edited(self, high_hz: int) -> None:
        """The highest frequency moved down to or past the lowest: the lowest follows it."""
        if high_hz and high_hz <= self.low_spin.value():
            self.low_spin.blockSignals(True)
            self.low_spin.setValue(max(high_hz - FREQUENCY_STEP_HZ, 0))
            self.low_spin.blockSignals(False)
        self._on_widget_edited()

    def _on_reset_clicked(self) -> None:
        self.set_spectrogram_settings(DEFAULT_SETTINGS)
        self.settings_changed.emit(DEFAULT_SETTINGS)


def _hz_spin(tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, MAX_SHOWN_HZ)
    spin.setSingleStep(FREQUENCY_STEP_HZ)
    spin.setSuffix(" Hz")
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    return spin


class SpectrogramSettingsController(QObject):
    """Keeps a ClipView, the panel and each project's stored choice in step.

    ``load_folder(folder)`` applies that project's stored settings (on open); ``apply(value)``
    shows a value and stores it for the open project; ``open_panel()`` shows the panel.
    """

    def __init__(self, view, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._settings = settings
        self._folder: str | None = None
        self._value = DEFAULT_SETTINGS
        self.panel: SpectrogramSettingsPanel | None = None  # built when first opened
        view.clip_shown.connect(self._name_channels)

    def value(self) -> SpectrogramSettings:
        return self._value

    def open_panel(self) -> SpectrogramSettingsPanel:
        """Show the panel (built the first time) beside the window and return it."""
        if self.panel is None:
            self.panel = SpectrogramSettingsPanel(self._value, self.parent())
            self.panel.settings_changed.connect(self.apply)
        self._name_channels()
        self.panel.show()
        self.panel.raise_()
        self.panel.activateWindow()
        return self.panel

    def _name_channels(self, *_) -> None:
        """The panel's channel box names the channels of the file on show."""
        if self.panel is not None:
            data = self._view.data
            self.panel.show_file_channels(data.n_channels if data is not None else None)

    @Slot(str)
    def load_folder(self, folder: str) -> None:
        """The project in ``folder`` opened: show its stored settings (defaults when none)."""
        self._folder = str(folder)
        self._show(read_spectrogram_settings(self._settings, self._folder))

    def brighten(self, step_db: float) -> float:
        """Raise the brightness by ``step_db`` (negative: lower it), within 0..BRIGHTNESS_DB_MAX;
        the brightness now shown, in dB."""
        value = self._value
        brightness_db = min(max(value.brightness_db + step_db, 0.0), BRIGHTNESS_DB_MAX)
        if brightness_db != value.brightness_db:
            self.apply(dataclasses.replace(value, brightness_db=brightness_db))
        return brightness_db

    def next_channel(self, n_channels: int) -> int | None:
        """Show the next of a file's ``n_channels`` channels: the mix, then channel 1, 2... and
        the mix again (a mono file has only the mix); the channel now shown (None: the mix)."""
        current = self._value.channel
        channel = 0 if current is None else current + 1
        if n_channels < 2 or channel >= min(n_channels, MAX_CHANNELS):
            channel = None
        self.apply(dataclasses.replace(self._value, channel=channel))
        return channel

    @Slot(object)
    def apply(self, value: SpectrogramSettings) -> None:
        """A person chose ``value``: show it, and remember it for the open project."""
        self._show(value)
        if self._folder is not None:
            write_spectrogram_settings(self._settings, self._folder, value)

    def _show(self, value: SpectrogramSettings) -> None:
        self._value = value
        self._view.set_spectrogram_settings(value)
        if self.panel is not None:
            self.panel.set_spectrogram_settings(value)
