"""The clip view's title: the file's name or path, then what its header says (sample rate and
channels), giving way in whole pieces where the view is narrow; the rest on hover."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gui.common.channels import channel_name
from gui.common.elided_label import ElidedLabel


def file_facts(header, channel: int | None = None) -> tuple[str, str, str]:
    """Words on a file's header (a core AudioInfo): (its sample rate, its channels and the one
    drawn, in full), in full also its format, and what uses the mix of several channels and
    what the ``channel`` (from 0) a person chose, if any."""
    rate_hz, channels = int(header.sample_rate_hz), int(header.channels)
    rate = f"{rate_hz / 1000:g} kHz"
    if channels == 1:
        return rate, "mono", f"{header.format} {header.subtype}, {rate_hz:,} Hz, mono"
    many = "stereo" if channels == 2 else f"{channels} channels"
    full = f"{header.format} {header.subtype}, {rate_hz:,} Hz, {channels} channels: "
    if channel is None:
        return (rate, f"{many}, mixed",
                full + "drawn, measured and searched as their mean (mono); the model hears "
                       "the channel Training Settings choose")
    return (rate, f"{many}, {channel_name(channel, channels).lower()}",
            full + f"{channel_name(channel, channels)} drawn, measured and searched (View > "
                   "Spectrogram Settings); the model hears the channel Training Settings "
                   "choose")


class ClipTitle(ElidedLabel):
    """One line over the plots: ``show_name`` as a clip is chosen, ``show_header`` once it is
    read. A deep path, or the facts after it, end in "…" where the view is narrow; the title
    never widens the window (the whole path and the facts are its tooltip)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self._name = ""
        self._path: Path | None = None
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(6, 2, 6, 0)

    def show_name(self, name: str, path: Path | None) -> None:
        """``name`` (a path in the folder, or a file name) for the file at ``path``; "" clears."""
        self._name, self._path = name, path
        self.setText(name)
        self.setToolTip("" if path is None else str(path))

    def show_name_again(self) -> None:
        """The name alone again (a clip that could not be read: it is not "loading…")."""
        self.show_name(self._name, self._path)

    def show_header(self, header, channel: int | None = None) -> None:
        """Add the rate and channels of ``header`` (a core AudioInfo) and the ``channel`` drawn
        (None: their mix); where the view is narrow the less telling of the two gives way first
        (a mono file's "mono", a stereo file's rate, since which channel shows is the news),
        then the other, but for a short word on a multi-channel file's ("ch 2", "mixed"), which
        stays after a name cut short."""
        rate, channels, full = file_facts(header, channel)
        note = getattr(header, "note", None)
        if note:  # cut short: the list's Status says so, and the view did not
            rate, full = f"{rate} · cut short", f"{full}\n{note[0].upper()}{note[1:]}"
        several = int(header.channels) > 1
        kept = channels if several else rate
        choices = [f"{self._name}  ·  {rate} · {channels}", f"{self._name}  ·  {kept}"]
        tail = f"  ·  {'mixed' if channel is None else f'ch {channel + 1}'}" if several else ""
        if several:
            choices.append(self._name + tail)
        self.set_choices(*choices, self._name, tail=tail)
        self.setToolTip(f"{self._path}\n{full}")
