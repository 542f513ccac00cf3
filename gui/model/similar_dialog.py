"""SimilarCallsDialog: the settings of a run of the template detector (Find Similar Calls…): which
regions are the templates (the selected one, or every region of its class), how well a stretch
must match and how much slower or faster, higher or lower a call may be, the label the events get and which
recordings to search. Plain values out (``choice()``); the dock runs the search as a task."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QWidget,
)

from core.audio.template_detector import (
    MAX_PITCH_SHIFT,
    MAX_TIME_STRETCH,
    TemplateDetectorConfig,
)
from gui.common.channels import OFFERED_CHANNELS, channel_box
from gui.model.search_fields import LISTEN_TIP, label_box, lay_out, scope_box, spin

#: The most regions of a class searched for at once: each is one more pass over every recording.
MAX_TEMPLATES = 20


def evenly_spaced(items: list, most: int) -> list:
    """At most ``most`` of ``items``, spread evenly over them, the first always among them."""
    if len(items) <= most:
        return list(items)
    step = (len(items) - 1) / (most - 1) if most > 1 else 0
    return [items[round(k * step)] for k in range(most)]


@dataclass(frozen=True)
class SimilarChoice:
    """What the dialog was set to: the detector's settings (the correlation an event must reach,
    how much slower or faster, higher or lower a call may be), the events' label (None: none), whether every
    region of the selected one's class is a template (else that region alone) and whether every
    recording is searched (else the one on show)."""

    config: TemplateDetectorConfig
    label: str | None
    every_region_of_class: bool
    every_recording: bool


class SimilarCallsDialog(QDialog):
    """``template`` describes the selected region in words; ``label`` is its class (None:
    unlabelled), of which the project holds ``n_of_class`` regions; ``classes`` the label
    choices; ``clip_name`` the recording on show (None: none); ``n_recordings`` how many the
    folder has; ``config`` and ``every_recording`` the last run's; ``most_channels`` the
    most channels a recording has (the channels offered; none where that is one)."""

    def __init__(self, template: str, label: str | None, n_of_class: int, classes: list[str],
                 clip_name: str | None, n_recordings: int, config: TemplateDetectorConfig,
                 every_recording: bool = False, parent: QWidget | None = None,
                 most_channels: int = OFFERED_CHANNELS) -> None:
        super().__init__(parent)
        self.setObjectName("SimilarCallsDialog")
        self.setWindowTitle("Find Similar Calls")
        self.template = QLabel(template)
        self.template.setWordWrap(True)
        self.templates = QComboBox()
        self.templates.addItem("This region", False)
        if label is not None and n_of_class > 1:
            self.templates.addItem(
                f"Every region labelled {label} ({n_of_class:,})" if n_of_class <= MAX_TEMPLATES
                else f"{MAX_TEMPLATES} of the {n_of_class:,} regions labelled {label}", True)
        self.threshold = spin(0.05, 0.95, config.threshold, "", 2, 0.05)
        self.threshold.setToolTip("The correlation of a stretch's spectrogram with the "
                                  "template's: 1 is the same shape at any loudness, 0 none")
        self.stretch = spin(0.0, 100 * MAX_TIME_STRETCH, 100 * config.time_stretch, " %", 0, 5.0)
        self.stretch.setToolTip("The template is also tried this much longer and shorter, so "
                                "a slower or faster call still matches (five lengths tried); "
                                "0 %: its own length only, a faster search")
        self.pitch = spin(0.0, 100 * MAX_PITCH_SHIFT, 100 * config.pitch_shift, " %", 0, 5.0)
        self.pitch.setToolTip("The template is also tried this much higher and lower (its "
                              "frequencies scaled, five scales), so the call of another "
                              "individual still matches; each scale costs one more search of "
                              "every length. 0 %: its own frequencies only")
        self.channel = channel_box(config.channel, LISTEN_TIP, most_channels)
        self.label = label_box(classes, label)
        self.scope = scope_box(clip_name, n_recordings, every_recording)

        form = QFormLayout()
        form.addRow("Template", self.template)
        form.addRow("Look for", self.templates)
        form.addRow("Match at least", self.threshold)
        form.addRow("Calls longer or shorter by up to", self.stretch)
        form.addRow("Calls higher or lower by up to", self.pitch)
        form.addRow("Listen to", self.channel)
        form.addRow("Label the events", self.label)
        form.addRow("Search", self.scope)
        form.setRowVisible(self.channel, most_channels > 1)
        self.buttons = lay_out(
            self, "Finds every stretch whose spectrogram, within the region's band, has the shape "
                  "of the template's (its correlation, whatever the loudness). Other sounds in the "
                  "band score low. The events go to the Review tab, best match first, replacing "
                  "those of the same label an earlier Find Similar Calls left waiting there in "
                  "the recordings searched, and any other search's on the same calls; "
                  "accept the calls and reject the rest.", form, "Find Calls")

    def choice(self) -> SimilarChoice:
        config = TemplateDetectorConfig(round(self.threshold.value(), 2),
                                        round(self.stretch.value() / 100, 2),
                                        round(self.pitch.value() / 100, 2),
                                        self.channel.currentData())
        return SimilarChoice(config, self.label.currentData(), bool(self.templates.currentData()),
                             bool(self.scope.currentData()))
