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
           "output_unavailable_reason", "input_unavailable_reason"]


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
