"""TrainSettingsDialog: the few training settings a person may want to change, showing the
defaults that one click of Train uses. Every choice is built and checked by core's
TrainConfig.for_model (seed-cnn starts from the seed recipe), so the dialog holds no rule of its own."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.errors import ConfigError
from core.ml import runtime
from core.ml.features import MAX_CLIP_S, MIN_CLIP_S
from core.ml.networks import MODEL_NOTES, MODELS
from core.ml.train_config import AUTO, MAX_EPOCHS, MAX_VAL_SPLIT, SPEECH_MODEL, TrainConfig
from core.ml.training import trains_speech_partner
from gui.common.channels import OFFERED_CHANNELS, channel_box, select_channel

# The clip-length box's "auto" value, shown as its special text: one step below the shortest
# length core allows, so stepping up from it reaches MIN_CLIP_S.
_CLIP_STEP_S = 0.5
_AUTO_VALUE = MIN_CLIP_S - _CLIP_STEP_S
SPIN_TEXT_INDENT_PX = 5


def device_choices() -> list[tuple[str, str]]:
    """The Device box's entries, ``(text, TrainConfig.device)``: automatic, the CPU, then each
    device this machine has (core.ml.runtime.available_devices), a GPU it lacks not offered.
    Plain "cuda" (the current GPU) is left to Automatic where the GPUs are listed by number."""
    found = [d for d in runtime.available_devices() if d != "cpu"]
    numbered = any(d.startswith("cuda:") for d in found)
    return [("Automatic (uses cuda when available)", runtime.AUTO_DEVICE), ("CPU", "cpu"),
            *((d, d) for d in found if not (d == "cuda" and numbered))]


def trains_on_cuda(device: str) -> bool:
    """Whether the Device box's ``device`` trains on a CUDA GPU: a cuda device, or Automatic on
    a machine that has one (runtime.resolve_device takes a CUDA GPU first). Mixed precision
    changes nothing anywhere else (runtime.precision_for)."""
    if device == runtime.AUTO_DEVICE:
        return any(d.startswith("cuda") for d in runtime.available_devices())
    return device.startswith("cuda")


class TrainSettingsDialog(QDialog):
    """Edit a TrainConfig's model, epochs, requested clip length, channel, augmentation,
    background class, multi-label head, validation share, device and mixed precision;
    ``config()`` returns the choice (the model's other defaults with them). Restore Defaults
    resets the fields."""

    def __init__(self, config: TrainConfig | None = None, parent: QWidget | None = None,
                 most_channels: int = OFFERED_CHANNELS) -> None:
        """``most_channels``: the most a recording of the folder has; its channels are offered
        (eight at least: a 32-channel array's 20th was out of reach but by ``--channel``)."""
        super().__init__(parent)
        self.setWindowTitle("Training Settings")
        self.model_box = QComboBox()
        for name in MODELS:
            self.model_box.addItem(name + (" (default)" if name == TrainConfig().model else
                                           " (spoken words)" if name == SPEECH_MODEL else ""),
                                   name)
        self.model_box.setToolTip("\n".join(f"{name}: {note}"
                                            for name, note in MODEL_NOTES.items()))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, MAX_EPOCHS)
        self.epochs.setToolTip(
            "Passes over the training clips, all of them run. An epoch takes at least "
            f"{TrainConfig().min_epoch_clips} clips: a smaller project's are dealt out again, so "
            "it trains as long as a 300-clip one")
        self.fine_tune_epochs = QSpinBox()
        self.fine_tune_epochs.setRange(1, MAX_EPOCHS)
        self.fine_tune_epochs.setToolTip(
            "Most for Fine-tune, which continues the active model after more labels: a trained "
            "network needs a short schedule")
        self.clip_seconds_requested = QDoubleSpinBox()
        self.clip_seconds_requested.setRange(_AUTO_VALUE, MAX_CLIP_S)
        self.clip_seconds_requested.setSingleStep(_CLIP_STEP_S)
        self.clip_seconds_requested.setDecimals(2)
        self.clip_seconds_requested.setSuffix(" s")
        self.clip_seconds_requested.setSpecialValueText("auto (from the clips' lengths)")
        self.clip_seconds_requested.setToolTip(
            f"auto, or {MIN_CLIP_S:g} to {MAX_CLIP_S:g} seconds. Shorter clips are padded to it; "
            "longer ones are heard through windows of it, spread over the whole recording.\n"
            "auto fits nearly all clips, except a class of recordings far longer than the "
            "others (a background class of long files beside short words), which is windowed")
        self.channel_box = channel_box(None, (
            "The channel of a multi-channel recording the model learns from and listens to, "
            "as it does when it classifies; files without that channel, and mono files, are "
            "heard as the mix"), max(most_channels, OFFERED_CHANNELS))
        self.augment = QCheckBox("Vary the training clips (shift and mask time and frequency)")
        self.background = QCheckBox("Learn a background class from unmarked stretches")
        self.background.setToolTip(
            "When the project holds regions: train a \"background\" class on the stretches of "
            "those recordings no region covers and on rejected model events, so the model learns "
            "what is not an event")
        self.multi_label = QCheckBox("A clip may hold several classes (multi-label)")
        self.multi_label.setToolTip(
            "Each class scored on its own: a window overlapping marked events of several classes "
            "learns them all, and the model reports every class above its own threshold")
        self.speech_partner = QCheckBox("Train a speech model beside it and answer with both")
        self.speech_partner.setToolTip(
            "A single-label model at the clips' own length (auto) trains the speech model on the "
            "same clips after it and answers with both, where that does no harm on the clips held "
            "out: spoken words are then heard across voices the clips never had (FSDD with a "
            "speaker held out: 0.977-0.980, against 0.910 alone). About a quarter more time to "
            "train, and a third of the speed to classify.")
        self.val_share = QSpinBox()
        self.val_share.setRange(0, int(MAX_VAL_SPLIT * 100))
        self.val_share.setSuffix(" %")
        self.val_share.setToolTip("Share of each class held out to measure the model")
        self.device_box = QComboBox()
        for text, device in device_choices():
            self.device_box.addItem(text, device)
        self.device_box.setToolTip("Where the network trains. Automatic: a CUDA GPU when there "
                                   "is one, then Apple's mps, else the CPU")
        self.mixed_precision = QCheckBox("Mixed precision on a GPU")
        self.mixed_precision.setToolTip(
            "On a CUDA GPU, autocast to bf16 (Ampere and later; fp16 with a gradient scaler on "
            "older GPUs): about half the memory traffic, and the tensor cores. It does nothing "
            "on the CPU (or mps), so it is greyed out unless the device is a CUDA GPU.")
        for box in (self.epochs, self.fine_tune_epochs, self.clip_seconds_requested,
                    self.val_share):
            # Qt leaves a spin box's text at its frame, a style sheet's padding or not: indented
            # as the combo boxes' text above and below it is.
            box.lineEdit().setTextMargins(SPIN_TEXT_INDENT_PX, 0, 0, 0)
        note = QLabel("Train with one click uses these defaults. Fine-tuning keeps the active "
                      "model's network, clip length and channel.")
        note.setWordWrap(True)
        note.setObjectName("Hint")
        form = QFormLayout()
        form.addRow("Model", self.model_box)
        form.addRow("Epochs", self.epochs)
        form.addRow("Fine-tune epochs (at most)", self.fine_tune_epochs)
        form.addRow("Clip length", self.clip_seconds_requested)
        form.addRow("Channel", self.channel_box)
        form.addRow("", self.augment)
        form.addRow("", self.background)
        form.addRow("", self.multi_label)
        form.addRow("", self.speech_partner)
        form.addRow("Validation share", self.val_share)
        form.addRow("Device", self.device_box)
        form.addRow("", self.mixed_precision)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self._load(TrainConfig()))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("Error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.device_box.currentIndexChanged.connect(self._on_device_box_changed)
        self.multi_label.toggled.connect(self._on_partner_settings_changed)
        self.clip_seconds_requested.valueChanged.connect(self._on_partner_settings_changed)
        self.val_share.valueChanged.connect(self._on_partner_settings_changed)
        self._load(config or TrainConfig())
        # Choosing another network loads its own defaults (seed-cnn's recipe differs a lot), on
        # the same device and precision, the machine's choice, and the same channel, the
        # recordings': neither is the network's.
        self.model_box.currentIndexChanged.connect(
            lambda: self._load(TrainConfig.for_model(
                self.model_box.currentData(), device=self.device_box.currentData(),
                mixed_precision=self.mixed_precision.isChecked(),
                channel=self.channel_box.currentData())))

    def _load(self, config: TrainConfig) -> None:
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(max(0, self.model_box.findData(config.model)))
        self.model_box.blockSignals(False)
        self.epochs.setValue(config.epochs)
        self.fine_tune_epochs.setValue(config.fine_tune_epochs)
        requested = config.clip_seconds_requested
        self.clip_seconds_requested.setValue(_AUTO_VALUE if requested == AUTO else requested)
        select_channel(self.channel_box, config.channel)
        self.augment.setChecked(config.augment)
        self.background.setChecked(config.background)
        self.multi_label.setChecked(config.multi_label)
        self.speech_partner.setChecked(config.speech_partner)
        self.val_share.setValue(int(round(config.val_split * 100)))
        # A device this machine lacks (chosen on another one) shows as Automatic.
        self.device_box.setCurrentIndex(max(0, self.device_box.findData(config.device)))
        self.mixed_precision.setChecked(config.mixed_precision)
        self._on_device_box_changed()
        self._on_partner_settings_changed()
        self.error.hide()

    def _on_partner_settings_changed(self) -> None:
        # Greyed out where core would train no partner with these fields (the speech model, the
        # seed's recipe, a fixed clip length, a multi-label head, no validation share).
        try:
            trains = trains_speech_partner(dataclasses.replace(self.config(), speech_partner=True))
        except ConfigError:
            trains = False
        self.speech_partner.setEnabled(trains)

    def _on_device_box_changed(self) -> None:
        # Greyed out, not unticked: the choice stays for a run on a GPU.
        self.mixed_precision.setEnabled(trains_on_cuda(self.device_box.currentData()))

    def config(self) -> TrainConfig:
        """The TrainConfig these fields describe. Raises ConfigError for values core refuses."""
        seconds = self.clip_seconds_requested.value()
        requested = AUTO if seconds <= _AUTO_VALUE else float(seconds)
        return TrainConfig.for_model(self.model_box.currentData(), epochs=self.epochs.value(),
                                     fine_tune_epochs=self.fine_tune_epochs.value(),
                                     clip_seconds_requested=requested,
                                     channel=self.channel_box.currentData(),
                                     augment=self.augment.isChecked(),
                                     background=self.background.isChecked(),
                                     multi_label=self.multi_label.isChecked(),
                                     speech_partner=self.speech_partner.isChecked(),
                                     val_split=self.val_share.value() / 100.0,
                                     device=self.device_box.currentData(),
                                     mixed_precision=self.mixed_precision.isChecked())

    def accept(self) -> None:
        """Close only on settings core accepts; otherwise say why and stay open."""
        try:
            self.config()
        except ConfigError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        super().accept()
