"""What the event-search dialogs share (Find Loud Events, Find Similar Calls): a number box, the
label the events get, which recordings to search, the dialog's frame around its form, and what
of a search's settings is kept between sessions."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

UNLABELLED = "(no label)"
LISTEN_TIP = ("The channel searched in each recording that has it (the one the spectrogram "
              "shows, to begin with): a call on one microphone of a stereo recorder stands 3 dB "
              "clearer there than in the mix; a recording without it is searched as its mix")


def spin(low: float, high: float, value: float, suffix: str, decimals: int,
         step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setValue(value)
    return box


def label_box(classes: list[str], label: str | None) -> QComboBox:
    """The classes to label the events with, and none; ``label`` chosen (None: none)."""
    box = QComboBox()
    box.addItem(UNLABELLED, None)
    for name in classes:
        box.addItem(name, name)
    box.setCurrentIndex(max(0, box.findData(label)) if label else 0)
    return box


def scope_box(clip_name: str | None, n_recordings: int, every_recording: bool) -> QComboBox:
    """The recording on show (``clip_name``; None: none, so only every recording is offered) or
    every recording in the folder; its data says whether every one is searched."""
    box = QComboBox()
    if clip_name is not None:
        box.addItem(f"The recording on show ({clip_name})", False)
    box.addItem(f"Every recording in the folder ({n_recordings:,})", True)
    box.setCurrentIndex(max(0, box.findData(every_recording)))
    return box


def lay_out(dialog: QDialog, about: str, form: QFormLayout, ok_text: str,
            below: QWidget | None = None) -> QDialogButtonBox:
    """Lay ``dialog`` out: ``about`` (a few words on what it does), ``form``, ``below`` (a line
    under it, if any) and OK (named ``ok_text``) and Cancel, which it returns."""
    words = QLabel(about)
    words.setWordWrap(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(words)
    layout.addLayout(form)
    if below is not None:
        layout.addWidget(below)
    layout.addWidget(buttons)
    return buttons


# A search's settings kept between sessions: its detector's numbers (None, an open band edge,
# as 0) and its scope; not its channel, which follows the one the spectrogram shows.
_NOT_STORED = ("channel",)


def to_store(config, every_recording: bool) -> dict:
    """What is kept of a search's ``config`` (a detector's settings) and scope."""
    return {**{name: 0.0 if value is None else value
               for name, value in dataclasses.asdict(config).items() if name not in _NOT_STORED},
            "every_recording": every_recording}


def stored_numbers(config_class, stored: dict) -> dict:
    """The fields of ``config_class`` that ``stored`` (from ``to_store``) holds, as numbers;
    TypeError or ValueError for one that is none."""
    return {f.name: float(stored[f.name]) for f in dataclasses.fields(config_class)
            if f.name in stored and f.name not in _NOT_STORED}


def every_recording_of(stored: dict) -> bool:
    return str(stored.get("every_recording", "false")).lower() in ("true", "1")
