"""A multi-channel file's channels in words, and the box that picks one of them or their mix
(Spectrogram Settings, Find Loud Events, Find Similar Calls)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from core.audio.reading import MAX_CHANNELS

MIX_TEXT = "Mix of all channels"


def channel_name(channel: int, channels: int = 2) -> str:
    """"Channel 1 (left)" for the first (from 0) of a stereo file's two; "Channel 3"."""
    side = {0: " (left)", 1: " (right)"}.get(channel, "") if channels == 2 else ""
    return f"Channel {channel + 1}{side}"


def channel_box(channel: int | None, tip: str) -> QComboBox:
    """The mix (data None) and channels 1 to MAX_CHANNELS (data 0..), ``channel`` chosen."""
    box = QComboBox()
    box.addItem(MIX_TEXT, None)
    for index in range(MAX_CHANNELS):
        box.addItem(channel_name(index), index)
    box.setToolTip(tip)
    box.setCurrentIndex(index_of(box, channel))
    return box


def index_of(box: QComboBox, data) -> int:
    """The index of the item holding ``data`` (findData finds no None)."""
    return next(i for i in range(box.count()) if box.itemData(i) == data)
