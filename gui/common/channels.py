"""A multi-channel file's channels in words, and the box that picks one of them or their mix
(Spectrogram Settings, Find Loud Events, Find Similar Calls)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

MIX_TEXT = "Mix of all channels"


def channel_name(channel: int, channels: int = 2) -> str:
    """"Channel 1 (left)" for the first (from 0) of a stereo file's two; "Channel 3"."""
    side = {0: " (left)", 1: " (right)"}.get(channel, "") if channels == 2 else ""
    return f"Channel {channel + 1}{side}"


#: The channels a box offers where it is not told the folder's most (MAX_CHANNELS, 64, would
#: list 64 for a folder of mono files).
OFFERED_CHANNELS = 8


def channel_box(channel: int | None, tip: str, most: int = OFFERED_CHANNELS) -> QComboBox:
    """The mix (data None) and channels 1 to ``most`` (data 0..; the folder's most: a stereo
    file beside mono ones offered eight), ``channel`` chosen (listed, whatever ``most``)."""
    box = QComboBox()
    box.addItem(MIX_TEXT, None)
    for index in range(most):
        box.addItem(channel_name(index), index)
    box.setToolTip(tip)
    select_channel(box, channel)
    return box


def select_channel(box: QComboBox, channel: int | None) -> None:
    """Choose ``channel`` (None: the mix) in a channel_box, listing it and those before it
    first where the box stops short of it (View > Next Channel reaches channel 9 of an array,
    which the Spectrogram Settings' eight did not list, and opening them failed)."""
    list_channels(box, 0 if channel is None else channel + 1)
    box.setCurrentIndex(index_of(box, channel))


def list_channels(box: QComboBox, n_channels: int) -> None:
    """List at least ``n_channels`` channels in a channel_box (a 32-channel array's file on
    show: all of its, where eight were offered)."""
    for index in range(box.count() - 1, n_channels):
        box.addItem(channel_name(index), index)


def name_channels(box: QComboBox, n_channels: int | None) -> None:
    """Name a channel_box's channels for a file of ``n_channels`` (None: no file): its own by
    their side ("Channel 2 (right)"), the others as showing the mix there. The choice stays:
    another file may have that channel."""
    for index in range(1, box.count()):
        channel = box.itemData(index)
        if not n_channels:
            text = channel_name(channel)
        elif channel < n_channels and n_channels > 1:
            text = channel_name(channel, n_channels)
        else:
            text = f"Channel {channel + 1} (this file: the mix)"
        box.setItemText(index, text)


def index_of(box: QComboBox, data) -> int:
    """The index of the item holding ``data`` (findData finds no None)."""
    return next(i for i in range(box.count()) if box.itemData(i) == data)
