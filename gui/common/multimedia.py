"""Whether this machine can play and record sound: QtMultimedia's classes imported once (None in
a PySide6 build without it), and, when sound cannot go a way, the reason in words for a person
(the player bar and the Record dialog say it beside their disabled buttons)."""

from __future__ import annotations

try:
    from PySide6.QtMultimedia import (
        QAudioFormat,
        QAudioOutput,
        QAudioSource,
        QMediaDevices,
        QMediaPlayer,
    )
except ImportError as error:  # a PySide6 build without QtMultimedia
    QAudioFormat = QAudioOutput = QAudioSource = QMediaDevices = QMediaPlayer = None
    IMPORT_ERROR = f"Qt Multimedia is not available ({error})"
else:
    IMPORT_ERROR = ""

__all__ = ["QAudioFormat", "QAudioOutput", "QAudioSource", "QMediaDevices", "QMediaPlayer",
           "output_unavailable_reason", "input_unavailable_reason", "audio_inputs",
           "device_key", "input_by_key"]


def output_unavailable_reason() -> str:
    """Empty when sound can play, else why not."""
    if IMPORT_ERROR:
        return IMPORT_ERROR
    return "" if QMediaDevices.audioOutputs() else "No audio output device found"


def input_unavailable_reason() -> str:
    """Empty when a microphone can record, else why not."""
    if IMPORT_ERROR:
        return IMPORT_ERROR
    return "" if QMediaDevices.audioInputs() else "No microphone (audio input device) found"


def audio_inputs() -> list:
    """The machine's microphones (QAudioDevice), the system's default first; none without
    QtMultimedia or a microphone."""
    if IMPORT_ERROR:
        return []
    inputs = list(QMediaDevices.audioInputs())
    return sorted(inputs, key=lambda device: not device.isDefault())


def device_key(device) -> str:
    """A microphone's lasting name for the settings: its id as text ('' for none: the default)."""
    return bytes(device.id()).hex() if device is not None else ""


def input_by_key(key: str, inputs: list | None = None):
    """The microphone whose :func:`device_key` is ``key`` among ``inputs`` (default: the
    machine's); None (the system's default) when it is not plugged in now, or for ''."""
    for device in (audio_inputs() if inputs is None else inputs) if key else ():
        if device_key(device) == key:
            return device
    return None
