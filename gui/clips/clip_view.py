"""The clip view: a waveform over a spectrogram (x axes linked, in seconds) with a playhead.

Decoding and the STFT run on a ClipLoader thread; this widget only draws what it gets back. A
long file shows its overview at once, with an overview strip above the plots; once the visible
range settles, its spectrogram and waveform are computed at the plot's pixel width and drawn
over the overview (``detail_image``, see :mod:`gui.clips.view_detail`), so any second of an
hour shows at full resolution; so does a short clip whose spectrogram was pooled to fit (seconds
of a bat detector's 384 kHz).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from core.paths import user_data_dir
from gui.clips import view_ranges
from gui.clips.clip_loader import ClipData, ClipLoader
from gui.clips.clip_title import ClipTitle
from gui.clips.clock_axis import SECONDS_LABEL, ClockAxis
from gui.clips.overview_strip import OverviewStrip, RangeEdit, TimeViewBox
from gui.clips.spectrogram_settings import DEFAULT_SETTINGS, SpectrogramSettings, colour_map
from gui.clips.time_plots import (
    FREQUENCY_LABEL,
    LEFT_AXIS_WIDTH_PX,
    FrequencyAxis,
    TrackStack,
    fit_left_label,
    make_playhead,
    style_time_plot,
)
from gui.clips.view_detail import RangeDetail

_WAVE_COLOUR = "#2b5d8a"
# The visible range counts as settled once it has not changed for this long: long enough that a
# wheel spin or a drag is one change, short enough that the detail follows at once.
SETTLE_MS = 80


class ClipView(QWidget):
    """Shows one clip. ``show_clip(path)`` loads in the background; ``None`` clears.

    Signals: ``seek_requested(seconds)`` when a plot is clicked; ``clip_shown(path)`` once the
    plots hold a new clip's data; ``message_shown(text)`` when a message replaces the plots;
    ``view_range_changed(start_s, end_s)`` once the visible time range has settled;
    ``detail_shown(start_s, end_s)`` once a range is drawn at full resolution (view_detail).
    A double-click on either plot shows the whole clip again (``reset_zoom``).

    ``drag_handler`` and ``click_handler`` (None, or ``f(event, plot) -> bool``) see a left drag
    or a left click on either plot first (``event`` the pyqtgraph mouse event, in scene
    coordinates; ``plot`` the PlotItem under it); True consumes it: no pan, no seek.
    """

    seek_requested = Signal(float)
    clip_shown = Signal(object)
    message_shown = Signal(str)
    # (path, reason): a file on show turned out unreadable past its header (NaN samples, a
    # damaged stretch), which a scan of headers cannot know
    unreadable = Signal(object, str)
    view_range_changed = Signal(float, float)
    detail_shown = Signal(float, float)

    def __init__(self, parent: QWidget | None = None,
                 empty_text: str = "No clip selected") -> None:
        """``empty_text``: what the view says while it shows nothing."""
        super().__init__(parent)
        self._empty_text = empty_text
        self._path: Path | None = None
        self._data: ClipData | None = None
        self._pending_range: tuple[float, float, bool] | None = None  # typed while a clip is read
        self._show_features = False
        self._feature_config = None  # the active model's FeatureConfig; None: the defaults
        self._spectrogram_settings = DEFAULT_SETTINGS
        self._full_y: tuple[float, float] = (1.0, 1.0)  # (amplitude extent, top of the image)
        self.drag_handler = None
        self.click_handler = None
        self._cache_dir: Path | None = user_data_dir() / "cache"
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_settle_timer_timeout)
        self._loader = ClipLoader(self)
        self._loader.loaded.connect(self._on_loader_loaded)
        self._loader.failed.connect(self._on_loader_failed)
        self._loader.range_loaded.connect(self._on_loader_range_loaded)
        self._build_ui()

    # -- construction -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # plots: the keys act on the window
        self.graphics.ci.layout.setContentsMargins(2, 2, 8, 2)
        self.graphics.ci.layout.setSpacing(0)

        self.title_label = ClipTitle()

        self.wave_plot = self.graphics.addPlot(row=0, col=0, viewBox=TimeViewBox(self))
        self.time_axis = ClockAxis("bottom")  # seconds, or the recorder's clock (set_time_of_day)
        self.spec_plot = self.graphics.addPlot(row=1, col=0, viewBox=TimeViewBox(self), axisItems={
            "bottom": self.time_axis, "left": FrequencyAxis("left")})
        self.graphics.ci.layout.setRowStretchFactor(0, 2)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        for plot in (self.wave_plot, self.spec_plot):
            plot.vb.plot = plot
            style_time_plot(plot)
        self.wave_plot.setLabel("left", "Amplitude")
        # The spectrogram's time axis serves both plots (x linked): a second one, a redraw a clip.
        self.wave_plot.hideAxis("bottom")
        self.spec_plot.setLabel("left", FREQUENCY_LABEL)
        self.spec_plot.setLabel("bottom", SECONDS_LABEL)
        self.spec_plot.setXLink(self.wave_plot)
        self._tracks = TrackStack(self.graphics, self.wave_plot, first_row=2)  # add_track
        self.wave_plot.vb.sigXRangeChanged.connect(self._on_view_x_range_changed)
        # A wider or narrower plot has another number of pixels to fill: settle again.
        self.spec_plot.vb.sigResized.connect(lambda *_: self._settle_timer.start())

        # No antialiasing: one pixel column a point anyway, and it was a clip's largest cost.
        self.wave_curve = pg.PlotDataItem(pen=pg.mkPen(_WAVE_COLOUR, width=1), antialias=False)
        self.wave_plot.addItem(self.wave_curve)
        # After addItem, which gives a curve its plot's settings (off): set before, 20 s at
        # 96 kHz drew all 1.9 million points, 0.4-1.2 s a clip and 190 ms a repaint.
        self.wave_curve.setDownsampling(auto=True, method="peak")
        self.wave_curve.setClipToView(True)

        self.spec_image = pg.ImageItem(axisOrder="row-major")
        self.spec_plot.addItem(self.spec_image)
        # A long file's visible range at the plot's resolution, over the overview beneath it.
        self._detail = RangeDetail(self._loader, self.wave_curve)
        self.detail_image = self._detail.image
        self.spec_plot.addItem(self.detail_image)
        self.strip = OverviewStrip(left_margin_px=2 + LEFT_AXIS_WIDTH_PX)
        self.strip.range_requested.connect(self.set_view_range)
        self.strip.hide()
        self._set_colour_map(self._spectrogram_settings.colour_map)

        self.wave_playhead = make_playhead(self.wave_plot)
        self.spec_playhead = make_playhead(self.spec_plot)
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #555555; font-size: 11pt; padding: 24px;")

        self.range_edit = RangeEdit()
        self.range_edit.range_entered.connect(self._on_range_edit_entered)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 6, 0)
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.range_edit)

        self._plots_page = QWidget()
        plots_layout = QVBoxLayout(self._plots_page)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.setSpacing(0)
        plots_layout.addWidget(self.strip)
        plots_layout.addWidget(self.graphics, 1)
        self._stack = QStackedLayout()
        self._stack.addWidget(self._plots_page)
        self._stack.addWidget(self.message_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(title_row)
        layout.addLayout(self._stack, 1)
        self.clear()

    # -- public API ---------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The clip shown or being loaded, or None."""
        return self._path

    @property
    def duration_s(self) -> float:
        """Duration of the clip on screen (0 when none is)."""
        return self._data.duration_s if self._data is not None else 0.0

    @property
    def data(self) -> ClipData | None:
        """The arrays on screen (plain numpy), or None."""
        return self._data

    def drawn_channel(self, path) -> tuple[int | None, int]:
        """(Channel of ``path`` drawn, None for the mix; its channel count); (None, 1) if not."""
        data = self._data
        return (None, 1) if data is None or Path(data.path) != Path(path) else (
            data.channel, data.n_channels)

    def set_cache_dir(self, path: Path | None) -> None:
        """Where long files' overviews are kept (the project's store folder's ``cache``; by
        default the user data folder's); None keeps none."""
        self._cache_dir = Path(path) if path is not None else None

    def detail_range(self) -> tuple[float, float] | None:
        """The range drawn at full resolution over a coarser image (view_detail), or None."""
        return self._detail.range_s()

    def show_clip(self, path: Path | None, title: str = "") -> None:
        """Load and show ``path`` in the background (a newer call supersedes it); None clears."""
        if path is None:
            self.clear()
            return
        self._path, name = Path(path), title or Path(path).name
        self.title_label.show_name(name, self._path)
        if self._data is not None and Path(self._data.path) != self._path:
            # The clip before stays drawn until this one is read (0.5-2 s for an hour): say so.
            self.title_label.set_choices(f"{name}  ·  loading…", name, tail="  ·  loading…")
        self._pending_range = None
        self._request_load()

    def clear(self) -> None:
        """Show nothing; drops any load in progress."""
        self._loader.cancel()
        self._path = None
        self._data = None
        self.title_label.show_name("", None)
        self.time_axis.show_file(None)
        self._clear_plots()
        for line in (self.wave_playhead, self.spec_playhead):
            line.hide()
        self.show_message(self._empty_text)

    def _clear_plots(self) -> None:
        self.wave_curve.setData([], [])
        self.spec_image.clear()
        self._hide_detail()
        self.strip.clear()
        self.strip.hide()
        self.range_edit.hide()

    def add_track(self, plot: pg.PlotItem, stretch: int = 2) -> None:
        """Place ``plot`` (values over the clip's time: the model's scores) under the
        spectrogram, its time linked to the clip's (see TrackStack); a click on it seeks."""
        self._tracks.add(plot, stretch)

    def remove_track(self, plot: pg.PlotItem) -> None:
        self._tracks.remove(plot)

    def tracks(self) -> list[pg.PlotItem]:
        """The plots under the spectrogram, top first."""
        return self._tracks.plots()

    def add_panel(self, widget: QWidget) -> None:
        """Place ``widget`` under the plots (hidden with them when a message replaces them)."""
        self._plots_page.layout().addWidget(widget)

    def show_file(self, path: Path, title: str) -> bool:
        """Show the clip at ``path`` (named ``title``); a file that is gone gets a message in
        place of the plots, and False (a link whose file is gone is shown: reading it says so)."""
        if path.exists() or path.is_symlink():
            self.show_clip(path, title=title)
            return True
        self.show_clip(None)
        self.show_message(f"{title} was deleted or moved.\nRescan the folder (F5) to update "
                          "the list.")
        return False

    def show_message(self, text: str) -> None:
        """Show ``text`` in place of the plots (file deleted, unreadable: reason, ...)."""
        self.message_label.setText(text)
        self._stack.setCurrentWidget(self.message_label)
        self.message_shown.emit(text)

    @Slot(float)
    def set_playhead(self, seconds: float) -> None:
        """Move the playhead on both plots to ``seconds`` (clamped to the clip)."""
        if self._data is None:
            return
        seconds = float(min(max(seconds, 0.0), self._data.duration_s))
        for line in (self.wave_playhead, self.spec_playhead):
            line.setValue(seconds)
            line.show()

    def playhead_s(self) -> float:
        return float(self.wave_playhead.value())

    def set_show_features(self, show: bool) -> None:
        """Show what the model sees (its features) instead of the display spectrogram."""
        if bool(show) == self._show_features:
            return
        self._show_features = bool(show)
        if self._data is not None and (self._data.features is not None or not show):
            self._draw(self._data, reset_view=False)  # already computed, or just hidden again
        elif self._path is not None:
            self._request_load()

    def set_feature_config(self, config) -> None:
        """The active model's feature settings (a FeatureConfig; None: the defaults), so "what
        the model sees" is what that model sees."""
        if config == self._feature_config:
            return
        self._feature_config = config
        if self._data is not None and self._data.features is not None:
            self._data = dataclasses.replace(self._data, features=None)  # computed with others
            if self._show_features and self._path is not None:
                self._request_load()

    def feature_config(self):
        """The feature settings "what the model sees" uses (None: the defaults)."""
        return self._feature_config

    def spectrogram_settings(self) -> SpectrogramSettings:
        """How the spectrogram is drawn: colours, dynamic range, brightness, FFT size, band."""
        return self._spectrogram_settings

    def set_spectrogram_settings(self, settings: SpectrogramSettings) -> None:
        """Draw the spectrogram with ``settings``: colour map, dynamic range, brightness and
        frequency range at once, a new FFT size or channel through the loader (the clip on show
        is read again in the background)."""
        old, self._spectrogram_settings = self._spectrogram_settings, settings
        if settings.colour_map != old.colour_map:
            self._set_colour_map(settings.colour_map)
        data = self._data
        if data is None or self._path is None or Path(data.path) != self._path:
            if self._path is not None and ((settings.fft_size, settings.channel)
                                           != (old.fft_size, old.channel)):
                self._request_load()  # the load in flight uses the old size or channel
            return
        if (data.spectrogram.n_fft != settings.config.n_fft_for(data.sample_rate_hz)
                or data.channel != settings.config.channel_for(data.n_channels)):
            self._request_load()
        elif (settings.dynamic_range_db, settings.brightness_db) != (
                old.dynamic_range_db, old.brightness_db) and not self._showing_features():
            levels = self._spectrogram_levels(data)
            self.spec_image.setLevels(levels)
            self.detail_image.setLevels(levels)
            self.strip.set_levels(levels)
        if (settings.low_hz, settings.high_hz) != (old.low_hz, old.high_hz):
            self._show_full_y()

    def view_range(self) -> tuple[float, float]:
        """The visible time range (start_s, end_s)."""
        start_s, end_s = self.wave_plot.vb.viewRange()[0]
        return float(start_s), float(end_s)

    def set_view_range(self, start_s: float, end_s: float) -> None:
        """Show ``start_s``..``end_s`` (kept inside the clip; ``view_range_changed`` follows once
        it settles)."""
        if self._data is None:
            return
        duration_s = max(self._data.duration_s, 1e-3)
        self.wave_plot.setXRange(*view_ranges.inside(start_s, end_s, duration_s, min(duration_s, 1e-3)),
                                 padding=0)

    def scroll_by(self, fraction: float) -> None:
        """Move the visible range by ``fraction`` of its width (negative: earlier)."""
        start_s, end_s = self.view_range()
        shift_s = (end_s - start_s) * fraction
        self.set_view_range(start_s + shift_s, end_s + shift_s)

    def zoom_by(self, factor: float, centre_s: float | None = None) -> None:
        """Show ``factor`` times the visible time (below 1: zoom in) about ``centre_s`` (the
        middle of the view when None)."""
        self.set_view_range(*view_ranges.scaled(*self.view_range(), factor, centre_s))

    def zoom_height_by(self, plot: pg.PlotItem, factor: float, centre: float | None = None) -> None:
        """Show ``factor`` times ``plot``'s visible height (below 1: zoom in): the spectrogram's
        frequencies about ``centre`` (Hz, or a feature row; the middle when None), the
        waveform's amplitude about 0 (see view_ranges); other plots keep theirs. Reset Zoom
        shows all again."""
        peak, top = self._full_y
        if self._data is not None and plot is self.spec_plot:
            plot.setYRange(*view_ranges.zoomed_band(*plot.vb.viewRange()[1], factor, centre, top), padding=0)
        elif self._data is not None and plot is self.wave_plot:
            high = view_ranges.zoomed_amplitude(plot.vb.viewRange()[1][1], factor, peak)
            plot.setYRange(-high, high, padding=0)

    def zoom_in(self) -> None:
        self.zoom_by(0.5)

    def zoom_out(self) -> None:
        self.zoom_by(2.0)

    def set_time_of_day(self, on: bool) -> None:
        """The axis and the range box by the recorder's clock where a file's name gives it."""
        self.time_axis.set_enabled(on)
        self.range_edit.show_range(*self.view_range(), self.time_axis.began)

    def focus_range_edit(self) -> None:
        """Put the keys in the range field, its text selected, to type a range."""
        if self._data is not None:
            self.range_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.range_edit.selectAll()

    def _set_colour_map(self, name: str) -> None:
        cmap = colour_map(name)
        self.spec_image.setColorMap(cmap)
        self.detail_image.setColorMap(cmap)
        self.strip.set_colour_map(cmap)

    def reset_zoom(self) -> None:
        """Show the whole clip: all of its time, its full amplitude and frequency range."""
        if self._data is None:
            return
        self.wave_plot.setXRange(0.0, max(self._data.duration_s, 1e-3), padding=0)
        self._show_full_y()

    def _request_load(self) -> None:
        self._loader.request(self._path, self._requested_features(),
                             self._spectrogram_settings.config, self._cache_dir)

    def _requested_features(self):
        if not self._show_features:
            return None
        if self._feature_config is None:
            from core.ml.features import DEFAULT_FEATURES  # torch: imported only when needed

            return DEFAULT_FEATURES
        return self._feature_config

    def show_features(self) -> bool:
        return self._show_features

    def shutdown(self) -> None:
        """Stop and join the loader thread; call from the main window's closeEvent."""
        self._loader.shutdown()

    def is_loader_running(self) -> bool:
        return self._loader.is_running()

    # -- slots --------------------------------------------------------------------------------

    @Slot(object)
    def _on_loader_loaded(self, data: ClipData) -> None:
        if self._path is None or Path(data.path) != self._path:
            return
        same_clip = self._data is not None and Path(self._data.path) == Path(data.path)
        self._data = data
        if data.header is not None:
            self.title_label.show_header(data.header, data.channel)
        self.time_axis.show_file(data.path)
        self._draw(data, reset_view=not same_clip)  # a features toggle keeps zoom and playhead
        self._stack.setCurrentWidget(self._plots_page)
        if self._pending_range is not None:  # typed while it was read
            self._on_range_edit_entered(*self._pending_range)
            self._pending_range = None
        self.clip_shown.emit(data.path)

    @Slot(object, str, bool)
    def _on_loader_failed(self, path: Path, reason: str, unreadable: bool) -> None:
        if self._path is None or Path(path) != self._path:
            return
        self._data, self._pending_range = None, None
        self._clear_plots()
        self.title_label.show_name_again()  # no longer "loading…"
        if not (Path(path).exists() or Path(path).is_symlink()):
            self.show_message(f"{Path(path).name}: file deleted or moved")
        else:
            self.show_message(f"{Path(path).name}: unreadable: {reason}")
            if unreadable:
                self.unreadable.emit(Path(path), reason)

    @Slot()
    def _on_view_x_range_changed(self, *_args) -> None:
        self._settle_timer.start()
        start_s, end_s = self.view_range()
        self.range_edit.show_range(start_s, end_s, self.time_axis.began)
        if self.strip.isVisible():
            self.strip.set_visible_range(start_s, end_s)

    @Slot()
    def _on_settle_timer_timeout(self) -> None:
        if self._data is not None:
            self.view_range_changed.emit(*self.view_range())
            self._update_detail()

    @Slot(float, float, bool)
    def _on_range_edit_entered(self, start_s: float, end_s: float, clock: bool) -> None:
        if self._data is None or Path(self._data.path) != self._path:
            self._pending_range = (start_s, end_s, clock)  # for the clip being read
            return
        start_s, end_s = view_ranges.from_clock(start_s, end_s, self.time_axis.began, clock)
        if start_s > self._data.duration_s:
            self.range_edit.refuse(view_ranges.outside_text(self._data.duration_s,
                                                            self.time_axis.began, clock))
            return
        if math.isnan(end_s):  # one time: go there, and play from there
            view_start_s, view_end_s = self.view_range()
            half_s = view_ranges.go_to_width(view_end_s - view_start_s, self._data.duration_s) / 2
            self.set_playhead(start_s)
            self.seek_requested.emit(start_s)
            start_s, end_s = start_s - half_s, start_s + half_s
        self.set_view_range(start_s, end_s)

    @Slot(object, object)
    def _on_loader_range_loaded(self, path: Path, image) -> None:
        data = self._data
        if (data is not None and Path(path) == self._path and not self._showing_features()
                and self._detail.draw(data, image, self._spectrogram_levels(data))):
            self.detail_shown.emit(image.start_s, image.end_s)

    def _update_detail(self) -> None:
        """Ask for the visible range at the plot's resolution when the overview is coarser."""
        if self._data is None or self._showing_features():
            self._hide_detail()
            return
        self._detail.request(self._data, self._path, self.view_range(),
                             self.spec_plot.vb.width() * self.devicePixelRatioF(),
                             self._spectrogram_settings.config)

    def _hide_detail(self) -> None:
        self._detail.hide(self._data)

    def _on_scene_clicked(self, event) -> None:
        if self._data is None or event.button() != Qt.MouseButton.LeftButton:
            return
        plots = (self.wave_plot, self.spec_plot, *self._tracks.plots())
        if event.double():  # its first click has already moved the playhead
            if any(plot.sceneBoundingRect().contains(event.scenePos()) for plot in plots):
                self.reset_zoom()
            return
        for plot in plots:
            if plot.sceneBoundingRect().contains(event.scenePos()):
                if self.click_handler is not None and self.click_handler(event, plot):
                    return
                seconds = plot.vb.mapSceneToView(event.scenePos()).x()
                seconds = float(min(max(seconds, 0.0), self._data.duration_s))
                self.set_playhead(seconds)
                self.seek_requested.emit(seconds)
                return

    # -- drawing ------------------------------------------------------------------------------

    def _draw(self, data: ClipData, reset_view: bool = True) -> None:
        duration_s = max(data.duration_s, 1e-3)
        self._hide_detail()
        self.wave_curve.setData(data.wave_x_s, data.wave_y)
        # Scaled to the clip's peak so quiet recordings stay readable; silence shows +-0.01.
        y_extent = max(data.peak, 0.01) * 1.05
        self.wave_plot.setLimits(xMin=0.0, xMax=duration_s, yMin=-y_extent, yMax=y_extent,
                                 minXRange=min(duration_s, 1e-3))

        features = data.features if self._show_features else None
        if features is not None:
            image, levels = features.values, features.levels
            top = float(image.shape[0])
            label = features.label
        else:
            image, levels = data.spectrogram.db, self._spectrogram_levels(data)
            top = data.spectrogram.max_freq_hz
            label = FREQUENCY_LABEL
        if self.spec_plot.getAxis("left").labelText != label:  # a new label re-lays out the plot
            self.spec_plot.setLabel("left", label)
            fit_left_label(self.spec_plot)
        self.spec_image.setImage(image, levels=levels, autoLevels=False)
        self.spec_image.setRect(0.0, 0.0, duration_s, top)
        self.spec_plot.setLimits(xMin=0.0, xMax=duration_s, yMin=0.0, yMax=top,
                                 minXRange=min(duration_s, 1e-3), maxYRange=top)
        self._full_y = (y_extent, top)
        self._show_full_y()
        self._draw_strip(data)
        self.range_edit.show()
        if reset_view:
            self.wave_plot.setXRange(0.0, duration_s, padding=0)
            self.set_playhead(0.0)
        self.range_edit.show_range(*self.view_range(), self.time_axis.began)
        self._settle_timer.start()  # the detail of a kept zoom, and view_range_changed

        # Settled now, not in the paint: the geometry changes a range brings repainted both twice.
        for plot in (self.wave_plot, self.spec_plot):
            plot.vb.prepareForPaint()

    def _draw_strip(self, data: ClipData) -> None:
        """A long file's overview in the strip above the plots; no strip for a short one."""
        if data.overview is None:
            self.strip.hide()
            return
        overview = data.overview
        self.strip.set_overview(overview.db, overview.duration_s, overview.max_freq_hz,
                                self._spectrogram_levels(data))
        self.strip.show()
        self.strip.set_visible_range(*self.view_range())

    def _show_full_y(self) -> None:
        """The full amplitude range, and the spectrogram's chosen band (or every feature row)."""
        y_extent, top = self._full_y
        self.wave_plot.setYRange(-y_extent, y_extent, padding=0)
        low, high = (0.0, top) if self._showing_features() else self._spectrogram_settings.band_shown(top)
        self.spec_plot.setYRange(low, high, padding=0)

    def _showing_features(self) -> bool:
        return self._show_features and self._data is not None and self._data.features is not None

    def _spectrogram_levels(self, data: ClipData) -> tuple[float, float]:
        return data.spectrogram.levels_for(self._spectrogram_settings.config)
