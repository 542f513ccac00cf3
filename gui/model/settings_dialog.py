"""TrainSettingsDialog: the few training settings a person may want to change, showing the
defaults that one click of Train uses (TrainConfig(); seed-cnn starts from the seed recipe)."""

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

from core.ml.networks import MODELS
from core.ml.training import TrainConfig

_AUTO = 0.0  # the clip-length spin box's "auto" value (its special text)


def base_config(model: str) -> TrainConfig:
    """The defaults for ``model``: the seed recipe for seed-cnn, TrainConfig() otherwise."""
    if model == "seed-cnn":
        return TrainConfig.seed_recipe()
    return dataclasses.replace(TrainConfig(), model=model)


class TrainSettingsDialog(QDialog):
    """Edit a TrainConfig; ``config()`` returns the choice. Restore Defaults resets the fields."""

    def __init__(self, config: TrainConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Training Settings")
        self._base = config or TrainConfig()
        self.model_box = QComboBox()
        for name in MODELS:
            self.model_box.addItem(name + (" (default)" if name == TrainConfig().model else ""),
                                   name)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setToolTip("Most; training stops earlier when validation stops improving")
        self.clip_seconds = QDoubleSpinBox()
        self.clip_seconds.setRange(_AUTO, 60.0)
        self.clip_seconds.setSingleStep(0.5)
        self.clip_seconds.setDecimals(2)
        self.clip_seconds.setSuffix(" s")
        self.clip_seconds.setSpecialValueText("auto (from the clips' lengths)")
        self.augment = QCheckBox("Vary the training clips (shift and mask time and frequency)")
        self.val_share = QSpinBox()
        self.val_share.setRange(0, 50)
        self.val_share.setSuffix(" %")
        self.val_share.setToolTip("Share of each class held out to measure the model")
        note = QLabel("Train with one click uses these defaults. Fine-tuning keeps the active "
                      "model's network and clip length.")
        note.setWordWrap(True)
        note.setObjectName("Hint")
        form = QFormLayout()
        form.addRow("Model", self.model_box)
        form.addRow("Epochs (at most)", self.epochs)
        form.addRow("Clip length", self.clip_seconds)
        form.addRow("", self.augment)
        form.addRow("Validation share", self.val_share)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self._load(TrainConfig()))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._load(self._base)
        # Choosing another network loads its own defaults (seed-cnn's recipe differs a lot).
        self.model_box.currentIndexChanged.connect(
            lambda: self._load(base_config(self.model_box.currentData())))

    def _load(self, config: TrainConfig) -> None:
        self._base = config
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(max(0, self.model_box.findData(config.model)))
        self.model_box.blockSignals(False)
        self.epochs.setValue(config.epochs)
        seconds = config.clip_seconds
        self.clip_seconds.setValue(_AUTO if seconds in ("auto", None) else float(seconds))
        self._clip_default = seconds
        self.clip_seconds.setSpecialValueText(
            "the features' own length" if seconds is None else "auto (from the clips' lengths)")
        self.augment.setChecked(config.augment)
        self.val_share.setValue(int(round(config.val_split * 100)))

    def config(self) -> TrainConfig:
        """The TrainConfig these fields describe."""
        seconds = self.clip_seconds.value()
        clip = self._clip_default if seconds == _AUTO else float(seconds)
        return dataclasses.replace(self._base, model=self.model_box.currentData(),
                                   epochs=self.epochs.value(), clip_seconds=clip,
                                   augment=self.augment.isChecked(),
                                   val_split=self.val_share.value() / 100.0)
