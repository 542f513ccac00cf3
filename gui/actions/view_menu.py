"""View menu: play and pause, auto-advance after labelling, the model's features in the clip view,
the spectrogram's settings (kept per project) and resetting the clip view's zoom."""

from __future__ import annotations

from PySide6.QtWidgets import QStyle

from gui.clips.spectrogram_settings import SpectrogramSettingsController


def build(acts, w) -> None:
    """Create the View actions on ``acts`` and add the View menu to window ``w``."""
    icon, SP = w.style().standardIcon, QStyle.StandardPixmap
    acts.play_pause = acts.action("&Play / Pause", w.playback.toggle, "Space",
                                  icon(SP.SP_MediaPlay))
    acts.play_pause.setIconText("Play")
    acts.play_pause.setEnabled(w.playback.available)
    if not w.playback.available:
        acts.play_pause.setToolTip(w.playback.unavailable_reason)
    w.playback.state_changed.connect(
        lambda playing: acts.play_pause.setIcon(icon(SP.SP_MediaPause if playing
                                                     else SP.SP_MediaPlay)))
    acts.auto_advance = acts.action("&Auto-advance After Labelling", None, "Ctrl+Shift+A")
    acts.auto_advance.setCheckable(True)
    acts.auto_advance.setIconText("Auto-advance")
    acts.auto_advance.setToolTip("After labelling one clip, move to the next")
    acts.show_features = acts.action("Show Model &Features", None, "Ctrl+Shift+F")
    acts.show_features.setCheckable(True)
    acts.show_features.toggled.connect(w.clip_view.set_show_features)
    acts.reset_zoom = acts.action("&Reset Zoom", w.clip_view.reset_zoom, "Ctrl+0")
    acts.reset_zoom.setToolTip("Show the whole clip (or double-click the clip view)")
    # Each project keeps its own choice: applied when a folder opens, stored when changed.
    acts.spectrogram = SpectrogramSettingsController(w.clip_view, w.settings, w)
    w.folder_opened.connect(acts.spectrogram.load_folder)
    acts.spectrogram_settings = acts.action("Spectrogram &Settings…", acts.spectrogram.open_panel)
    menu = w.menuBar().addMenu("&View")
    menu.addAction(acts.play_pause)
    menu.addSeparator()
    menu.addAction(acts.auto_advance)
    menu.addAction(acts.show_features)
    menu.addSeparator()
    menu.addAction(acts.reset_zoom)
    menu.addAction(acts.spectrogram_settings)
