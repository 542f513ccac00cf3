"""View menu: play and pause (the whole clip or the visible range; the playback speed chosen last
comes back), auto-advance after labelling,
the model's features (with a preview of its training augmentations), its score track and why it
said what it did (Explain Prediction) in the clip view, the spectrogram's settings (kept per
project), a multi-channel file's next channel (Ctrl+Shift+C) and the time of day on the time
axis, and moving about a clip: zoom, scroll, a typed range and resetting the zoom.

Keys that move the view carry Ctrl (or Shift for the range's playback), so Left/Right/Up/Down,
Home/End and Page Up/Down stay the clip list's: Ctrl+= / Ctrl++ zoom in, Ctrl+- zoom out,
Ctrl+0 the whole file (as browsers), Ctrl+Left / Ctrl+Right scroll half a view, Ctrl+Shift+Left /
Ctrl+Shift+Right a page (Raven's page keys: a view less a tenth, so a call on the edge is seen in
both), Ctrl+G types a range, Shift+Space plays the visible range.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

from core.audio.reading import channel_or_mix
from core.audio.spectrogram import BRIGHTNESS_DB_MAX
from gui.clips.playback import SPEEDS
from gui.clips.spectrogram_settings import DYNAMIC_RANGE_STEP_DB, SpectrogramSettingsController
from gui.clips.view_ranges import narrower_band
from gui.common import settings as keys
from gui.common.channels import MIX_TEXT, channel_name
from gui.model.augment_preview import AugmentPreview
from gui.model.clip_scores import ClipScores
from gui.model.explain_overlay import ExplainOverlay

#: A page step's share of the view: a tenth kept, so a call on the edge is seen in both pages.
PAGE_SHARE = 0.9


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
    _keep_playback_speed(w)
    acts.band_only = acts.action("Play Regions in Their &Band Only", None, "Ctrl+Shift+B")
    acts.band_only.setCheckable(True)
    acts.band_only.setEnabled(w.playback.available)
    acts.band_only.setIconText("Band only")
    acts.band_only.setToolTip("Play a region with a frequency band in that band only: what "
                              "lies above and below it is filtered out (Raven's filtered play)")
    acts.band_only.toggled.connect(w.playback.set_band_only)
    w.playback.band_failed.connect(lambda text: w.show_message(text, "warning"))
    w.playback.band_status.connect(lambda text, on: _show_band_status(w.statusBar(), text, on))
    w.playback_bar.show_band_action(acts.band_only)
    acts.auto_advance = acts.action("&Auto-advance After Labelling", None, "Ctrl+Shift+A")
    acts.auto_advance.setCheckable(True)
    acts.auto_advance.setIconText("Auto-advance")
    acts.auto_advance.setToolTip("After labelling one clip, move to the next")
    acts.show_features = acts.action("Show Model &Features", None, "Ctrl+Shift+F")
    acts.show_features.setCheckable(True)
    acts.show_features.toggled.connect(w.clip_view.set_show_features)
    # The active model's scores under the spectrogram, scored in a task the window stops on close.
    acts.clip_scores = ClipScores(w.clip_view, acts.task("clip scores"), w)
    acts.clip_scores.connect_model(w.model_dock.controller)
    acts.clip_scores.connect_labels(w.labels)
    acts.show_score_track = acts.action("Show Score &Track", None)
    acts.show_score_track.setCheckable(True)
    acts.show_score_track.setChecked(True)
    acts.show_score_track.setToolTip("Show the active model's score of each class over the whole "
                                     "file under the spectrogram (dotted: its thresholds)")
    acts.show_score_track.toggled.connect(acts.clip_scores.set_enabled)
    # Why the model said what it did: its importance map over the spectrogram, in a task.
    acts.explain = ExplainOverlay(w.clip_view, acts.task("explain"), w)
    acts.explain.connect_model(w.model_dock.controller)
    acts.explain_prediction = acts.action("E&xplain Prediction", None, "Ctrl+Shift+E")
    acts.explain_prediction.setCheckable(True)
    acts.explain_prediction.setToolTip("Highlight the parts of the clip's time and frequency "
                                       "that raised the active model's score of its answer most")
    acts.explain_prediction.toggled.connect(acts.explain.set_enabled)
    # With the model's features: four training augmentations of the clip under the plots.
    acts.augment_preview = AugmentPreview(w.clip_view, acts.task("augment preview"))
    w.clip_view.add_panel(acts.augment_preview)
    acts.show_features.toggled.connect(acts.augment_preview.set_enabled)
    acts.play_range = acts.action("Play &Visible Range", lambda: _play_visible_range(w),
                                  "Shift+Space")
    acts.play_range.setEnabled(w.playback.available)
    acts.play_range.setToolTip("Play what the clip view shows and stop at its right edge (with "
                               "Band Only, in the frequencies the spectrogram shows)")
    acts.reset_zoom = acts.action("&Reset Zoom", w.clip_view.reset_zoom, "Ctrl+0")
    acts.reset_zoom.setToolTip("Show the whole clip and the chosen frequency range (or "
                               "double-click the clip view)")
    acts.zoom_in = acts.action("Zoom &In", w.clip_view.zoom_in)
    acts.zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
    acts.zoom_in.setToolTip("Show half as much time (or turn the wheel over the clip view)")
    acts.zoom_out = acts.action("Zoom &Out", w.clip_view.zoom_out, "Ctrl+-")
    acts.scroll_earlier = acts.action("Scroll &Earlier", lambda: w.clip_view.scroll_by(-0.5),
                                      "Ctrl+Left")
    acts.scroll_earlier.setToolTip("Half a view back (or Shift+wheel over the clip view)")
    acts.scroll_later = acts.action("Scroll &Later", lambda: w.clip_view.scroll_by(0.5),
                                    "Ctrl+Right")
    acts.page_earlier = acts.action("Page Ba&ck", lambda: _page(w, -PAGE_SHARE),
                                    "Ctrl+Shift+Left")
    acts.page_earlier.setToolTip("A view back; at a zoomed recording's start, the end of the "
                                 "one before it in the list")
    acts.page_later = acts.action("Page For&ward", lambda: _page(w, PAGE_SHARE),
                                  "Ctrl+Shift+Right")
    acts.page_later.setToolTip("A view on; at a zoomed recording's end, the start of the next one "
                               "in the list, as Raven pages through a night's files")
    acts.go_to_range = acts.action("&Go to Time Range…", w.clip_view.focus_range_edit, "Ctrl+G")
    acts.go_to_range.setToolTip("Type the range to show (12.5-14, 1:05 1:10) or a time to go to")
    acts.switch_pane = acts.action("Switch Between Clip List and &Model Panel",
                                   lambda: _switch_pane(w), "F6")
    acts.switch_pane.setToolTip("The keys to the Model panel's tabs (shown if closed), or back "
                                "to the clip list")
    # Each project keeps its own choice: applied when a folder opens, stored when changed.
    acts.spectrogram = SpectrogramSettingsController(w.clip_view, w.settings, w)
    w.folder_opened.connect(acts.spectrogram.load_folder)
    acts.spectrogram_settings = acts.action("Spectrogram &Settings…", acts.spectrogram.open_panel)
    acts.brighter = acts.action("Brighte&n Spectrogram",
                                lambda: _brighten(w, acts.spectrogram, DYNAMIC_RANGE_STEP_DB),
                                "Ctrl+]")
    acts.brighter.setToolTip("Quiet sounds brighter: the brightest colour 5 dB further below the "
                             "loudest sound (Spectrogram Settings' Brightness)")
    acts.darker = acts.action("Dar&ken Spectrogram",
                              lambda: _brighten(w, acts.spectrogram, -DYNAMIC_RANGE_STEP_DB),
                              "Ctrl+[")
    acts.next_channel = acts.action("Next C&hannel", lambda: _next_channel(w, acts.spectrogram),
                                    "Ctrl+Shift+C")
    acts.next_channel.setToolTip("Show a multi-channel file's next channel: the mix, channel 1, "
                                 "2… and the mix again (Raven shows each channel)")
    w.labels.regions.selection_changed.connect(
        lambda region_id: _show_region_channel(w, acts.spectrogram, region_id))
    acts.time_of_day = acts.action("Time of &Day on the Axis", None)
    acts.time_of_day.setCheckable(True)
    acts.time_of_day.setChecked(True)
    acts.time_of_day.setToolTip("Where a recording's name says when it began (AudioMoth's "
                                "20260601_220000.wav), label the time axis by its recorder's "
                                "clock; else, and when off, in seconds")
    acts.time_of_day.toggled.connect(w.clip_view.set_time_of_day)
    menu = w.menuBar().addMenu("&View")
    menu.addAction(acts.play_pause)
    menu.addAction(acts.play_range)
    menu.addAction(acts.band_only)
    menu.addSeparator()
    menu.addAction(acts.auto_advance)
    menu.addAction(acts.show_features)
    menu.addAction(acts.show_score_track)
    menu.addAction(acts.explain_prediction)
    menu.addSeparator()
    for action in (acts.zoom_in, acts.zoom_out, acts.reset_zoom, acts.scroll_earlier,
                   acts.scroll_later, acts.page_earlier, acts.page_later, acts.go_to_range,
                   acts.switch_pane):
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(acts.spectrogram_settings)
    menu.addAction(acts.brighter)
    menu.addAction(acts.darker)
    menu.addAction(acts.next_channel)
    menu.addAction(acts.time_of_day)


def _switch_pane(w) -> None:
    """F6: the keys go to the Model panel, at its tabs (Tab then reaches its buttons and lists);
    from within it, back to the clip list. Without it, only Tab through the window reached the
    panel."""
    dock, focused = w.model_dock, QApplication.focusWidget()
    if focused is not None and dock.isAncestorOf(focused):
        w.clip_list.focus_list()
        return
    dock.show()
    dock.raise_()
    dock.tabs.tabBar().setFocus(Qt.FocusReason.ShortcutFocusReason)


def _page(w, share: float) -> None:
    """Page the clip view by ``share`` of its width; zoomed in at a recording's end (start), go
    on to the start (end) of the next (previous) readable clip in the list at the same width
    (from a clip that could not be read, as from an edge: it shows nothing to page through)."""
    view = w.clip_view
    start_s, end_s = view.view_range()
    width_s, duration_s = end_s - start_s, view.duration_s
    edge = duration_s <= 0 or (end_s >= duration_s - 1e-6 if share > 0 else start_s <= 1e-6)
    step = 1 if share > 0 else -1
    model, row = w.clip_list.model, w.clip_list.table.currentIndex().row() + step
    while 0 <= row < model.rowCount() and (model.record(row).error
                                           or not model.record(row).duration_s):
        row += step  # an unreadable or empty file: nothing to page through
    if not (edge and 0 < width_s and (duration_s <= 0 or width_s < duration_s)
            and 0 <= row < model.rowCount()):
        view.scroll_by(share)
        return

    def shown(path) -> None:  # the next clip drawn whole: the same width at its edge
        if path is None or Path(path) != wanted:
            return  # that clip could not be shown; another one since is left as it opens
        if share > 0:
            view.set_view_range(0.0, width_s)
        else:
            view.set_view_range(view.duration_s - width_s, view.duration_s)

    w.clip_list.select_row(row)
    clip = w.project.clip(w.clip_list.current_id()) if w.project is not None else None
    if clip is None:
        return
    wanted = Path(w.project.abspath(clip))  # drawn once it is read
    view.clip_shown.connect(shown, Qt.ConnectionType.SingleShotConnection)


def _brighten(w, spectrogram: SpectrogramSettingsController, step_db: float) -> None:
    """Brighten (or darken) the spectrogram a step and say where it stands."""
    brightness_db = spectrogram.brighten(step_db)
    w.statusBar().showMessage(f"Spectrogram brightness: {brightness_db:g} dB"
                              + (" (the most)" if brightness_db >= BRIGHTNESS_DB_MAX else
                                 " (none)" if brightness_db <= 0 else ""), 3000)


def _next_channel(w, spectrogram: SpectrogramSettingsController) -> None:
    """Show the clip's next channel and say which in the status bar; a mono clip has one."""
    data = w.clip_view.data
    channels = data.n_channels if data is not None else 1
    if channels < 2:
        w.statusBar().showMessage("The clip on show has one channel", 3000)
        return
    channel = spectrogram.next_channel(channels)
    shown = MIX_TEXT if channel is None else channel_name(channel, channels)
    w.statusBar().showMessage(f"Showing: {shown}", 3000)


def _show_region_channel(w, spectrogram: SpectrogramSettingsController,
                         region_id: int | None) -> None:
    """A region on one channel chosen (from the region list, Review, ] or [) where the view
    draws another channel of its file: show the region's, where it is drawn, and say so."""
    region = w.project.region(region_id) if region_id is not None and w.project else None
    clip = w.project.clip(region.clip_id) if region is not None else None
    if clip is None or region.channel is None:
        return
    value = spectrogram.value()
    drawn = channel_or_mix(value.channel, clip.channels)
    if drawn is None or drawn == region.channel:
        return  # the mix draws every region
    spectrogram.apply(dataclasses.replace(value, channel=region.channel))
    name = channel_name(region.channel, clip.channels or 0)
    w.statusBar().showMessage(f"Showing: {name}, which the region is on", 4000)


def _keep_playback_speed(w) -> None:
    """Play at the speed chosen last (a bat worker's time expansion stays on), and remember
    each new choice."""
    speed = keys.read(w.settings, keys.PLAYBACK_SPEED)
    if speed in SPEEDS:
        w.playback.set_speed(speed)
    w.playback.speed_changed.connect(
        lambda speed: keys.write(w.settings, keys.PLAYBACK_SPEED, speed))


def _show_band_status(bar, text: str, filtering: bool) -> None:
    """'Filtering…' in the status ``bar`` while a band is made; taken away once it is over,
    unless another message has replaced it."""
    if filtering:
        bar.showMessage(text)
    elif bar.currentMessage() == text:
        bar.clearMessage()


def _play_visible_range(w) -> None:
    """Play the visible time range; in the visible band when the spectrogram shows one (a
    chosen frequency range, Ctrl+wheel) and Band Only is on."""
    view = w.clip_view
    if view.data is not None:
        band = None if view.show_features() else narrower_band(
            *view.spec_plot.viewRange()[1], view.data.sample_rate_hz / 2)
        w.playback.play_range(*view.view_range(), band)
