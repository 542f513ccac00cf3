"""ClipView: what a clip looks like on screen, bad files, superseded loads and a clean shutdown."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio.reading import info
from core.audio.spectrogram import compute_spectrogram
from gui.clips.clip_loader import waveform_line
from gui.clips.clip_title import file_facts
from gui.clips.clip_view import ClipView
from gui.clips.spectrogram_settings import SpectrogramSettings
from tests import audio_factory

LOAD_TIMEOUT_MS = 10_000


@pytest.fixture
def view(qtbot):
    widget = ClipView()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    yield widget
    widget.shutdown()
    assert not widget.is_loader_running()


def show_and_wait(qtbot, view, path):
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS) as blocker:
        view.show_clip(path)
    return blocker.args[0]


def test_tone_image_maps_to_duration_and_nyquist(qtbot, view, make_audio):
    path = make_audio("tone.wav", audio_factory.tone(1000.0, 1.0, 16000), 16000)
    assert show_and_wait(qtbot, view, path) == path

    image = view.spec_image.image
    assert image.dtype == np.float32 and image.ndim == 2
    rect = view.spec_image.mapRectToParent(view.spec_image.boundingRect())
    assert rect.left() == pytest.approx(0.0)
    assert rect.right() == pytest.approx(1.0, abs=1e-6)
    assert rect.top() == pytest.approx(0.0)
    assert rect.bottom() == pytest.approx(8000.0)
    # The loudest row sits at the tone's frequency (row 0 is 0 Hz, the last row Nyquist).
    loudest_hz = np.argmax(image.mean(axis=1)) / (image.shape[0] - 1) * 8000.0
    assert loudest_hz == pytest.approx(1000.0, abs=8000.0 / (image.shape[0] - 1))
    x, y = view.wave_curve.getOriginalDataset()
    assert len(y) == 16000 and x[-1] == pytest.approx(1.0 - 1 / 16000)
    assert view.wave_plot.getAxis("left").labelText == "Amplitude"
    assert view.spec_plot.getAxis("left").labelText == "Frequency (kHz)"
    assert view.spec_plot.getAxis("bottom").labelText == "Time (s)"
    # In kilohertz, as Raven's: a bat's recording read 150000 at the top of a 64 px axis.
    axis = view.spec_plot.getAxis("left")
    assert axis.tickStrings([0.0, 2500.0, 150000.0], 1.0, 2500.0) == ["0", "2.5", "150"]


def test_a_clip_of_many_samples_is_drawn_at_the_plots_resolution(qtbot, view, make_audio):
    """20 s at 96 kHz: the curve's peak downsampling was set before it joined its plot, which
    turned it off again, and all 1.9 million points were drawn (0.4-1.2 s a clip)."""
    path = make_audio("bat.wav", audio_factory.noise(20.0, 96000, seed=3), 96000)
    show_and_wait(qtbot, view, path)
    assert len(view.wave_curve.getOriginalDataset()[1]) == 20 * 96000
    assert view.wave_curve.opts["autoDownsample"] and view.wave_curve.opts["clipToView"]
    x, _ = view.wave_curve.getData()
    assert len(x) < 20 * view.wave_plot.width()  # a few points a pixel column, not 1.9 million


def test_loader_keeps_torch_threads_of_the_gui_thread(qtbot, view, make_audio):
    import torch

    before = torch.get_num_threads()
    show_and_wait(qtbot, view, make_audio("a.wav"))
    assert torch.get_num_threads() == before  # only the loader thread runs single-threaded


def test_silent_clip_gets_finite_levels(qtbot, view, make_audio):
    path = make_audio("silence.wav", np.zeros(8000, dtype=np.float32), 8000)
    show_and_wait(qtbot, view, path)
    low, high = view.spec_image.getLevels()
    assert np.isfinite(low) and np.isfinite(high) and high > low
    assert np.all(np.isfinite(view.spec_image.image))


def test_x_axes_linked_and_limits_stop_panning_past_the_clip(qtbot, view, make_audio):
    path = make_audio("chirp.wav", audio_factory.chirp(200, 3000, 2.0, 8000), 8000)
    show_and_wait(qtbot, view, path)
    assert view.spec_plot.getViewBox().linkedView(0) is view.wave_plot.getViewBox()

    view.wave_plot.setXRange(0.5, 1.0, padding=0)
    qtbot.waitUntil(lambda: view.spec_plot.viewRange()[0][0] == pytest.approx(0.5, abs=1e-3))

    for plot in (view.wave_plot, view.spec_plot):
        limits = plot.getViewBox().state["limits"]["xLimits"]
        assert limits == [0.0, pytest.approx(2.0)]
    view.wave_plot.getViewBox().translateBy(x=-5.0)
    assert view.wave_plot.viewRange()[0][0] >= 0.0
    view.spec_plot.getViewBox().translateBy(x=10.0)
    assert view.spec_plot.viewRange()[0][1] <= 2.0 + 1e-9
    view.spec_plot.getViewBox().scaleBy(x=100.0)
    assert view.spec_plot.viewRange()[0] == [pytest.approx(0.0), pytest.approx(2.0)]


@pytest.mark.parametrize("kind", ["deleted", "text"])
def test_bad_file_shows_a_message(qtbot, view, tmp_path, make_audio, kind):
    if kind == "deleted":
        path = make_audio("gone.wav")
        path.unlink()
    else:
        path = audio_factory.write_broken(tmp_path / "notes.wav", "text")
    with qtbot.waitSignal(view.message_shown, timeout=LOAD_TIMEOUT_MS) as blocker:
        view.show_clip(path)
    text = blocker.args[0]
    assert path.name in text
    assert ("deleted" if kind == "deleted" else "unreadable") in text
    assert view.message_label.isVisible() and not view.graphics.isVisible()
    assert view.data is None

    good = make_audio("good.wav")
    show_and_wait(qtbot, view, good)
    assert view.graphics.isVisible()


def test_newer_show_clip_supersedes_older(qtbot, view, make_audio):
    paths = [make_audio(f"clip_{i}.wav", audio_factory.tone(300 + 100 * i, 0.5), 16000)
             for i in range(5)]
    shown = []
    view.clip_shown.connect(shown.append)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        for path in paths:
            view.show_clip(path)
    assert view.path == paths[-1] and view.data.path == paths[-1]
    # One more load through the same thread and queue: a stale result of the five, had one
    # slipped through, would have arrived before it.
    barrier = make_audio("barrier.wav", audio_factory.tone(900, 0.5), 16000)
    show_and_wait(qtbot, view, barrier)
    assert shown == [paths[-1], barrier]


def test_clear_and_show_none(qtbot, view, make_audio):
    show_and_wait(qtbot, view, make_audio("a.wav"))
    view.show_clip(None)
    assert view.data is None and view.path is None
    assert view.message_label.isVisible()


def test_click_seeks_and_playhead_moves(qtbot, view, make_audio):
    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(440, 2.0), 16000))
    view.set_playhead(1.5)
    assert view.wave_playhead.value() == pytest.approx(1.5)
    assert view.spec_playhead.value() == pytest.approx(1.5)
    view.set_playhead(99.0)
    assert view.playhead_s() == pytest.approx(2.0)

    from PySide6.QtCore import QPoint, Qt

    plot_rect = view.spec_plot.getViewBox().sceneBoundingRect()
    scene_point = plot_rect.center()
    widget_point = view.graphics.mapFromScene(scene_point)
    expected_s = view.spec_plot.getViewBox().mapSceneToView(scene_point).x()
    with qtbot.waitSignal(view.seek_requested, timeout=2000) as blocker:
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(int(widget_point.x()), int(widget_point.y())))
    assert blocker.args[0] == pytest.approx(expected_s, abs=0.05)
    assert 0.0 < blocker.args[0] < 2.0


def test_feature_toggle_shows_model_features(qtbot, view, make_audio):
    pytest.importorskip("core.ml.features")
    path = make_audio("a.wav", audio_factory.chirp(300, 3000, 1.0), 16000)
    show_and_wait(qtbot, view, path)
    display_shape = view.spec_image.image.shape
    view.set_playhead(0.4)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_show_features(True)
    from core.ml.features import FeatureConfig

    assert view.spec_image.image.shape[0] == FeatureConfig().n_mels
    assert view.spec_plot.getAxis("left").labelText.startswith("Mel band")
    assert view.spec_plot.getAxis("left").tickStrings([10.0, 60.0], 1.0, 10.0) == ["10", "60"]
    low, high = view.spec_image.getLevels()
    assert np.isfinite(low) and high > low
    assert view.playhead_s() == pytest.approx(0.4)  # toggling keeps the playhead
    view.set_show_features(False)  # already computed: redrawn at once
    assert view.spec_image.image.shape == display_shape


def test_features_follow_the_active_model(qtbot, view, make_audio):
    from core.ml.features import PRESETS, SEED_FEATURES, FeatureConfig

    path = make_audio("a.wav", audio_factory.chirp(300, 3000, 1.0), 16000)
    show_and_wait(qtbot, view, path)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_show_features(True)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_feature_config(FeatureConfig(n_mels=32, f_max_hz=4000.0))
    assert view.spec_image.image.shape[0] == 32
    assert view.spec_plot.getAxis("left").labelText == "Mel band (to 4 kHz)"
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_feature_config(SEED_FEATURES)  # a seed-cnn model sees a plain spectrogram
    assert view.spec_image.image.shape[0] == SEED_FEATURES.n_freqs
    assert view.spec_plot.getAxis("left").labelText.startswith("Frequency bin")
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_feature_config(PRESETS["speech"])  # a speech model hears an embedding
    assert view.spec_image.image.shape[0] == 96
    assert view.spec_plot.getAxis("left").labelText == "Speech embedding (96)"
    view.set_show_features(False)
    view.set_feature_config(FeatureConfig(n_mels=40))  # hidden: computed when shown again
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_show_features(True)
    assert view.spec_image.image.shape[0] == 40


def test_colour_map_and_dynamic_range_redraw_without_a_new_stft(qtbot, view, make_audio):
    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(1000.0, 1.0), 16000))
    image = view.spec_image.image
    inferno_lut = np.array(view.spec_image.lut)
    low, high = view.spec_image.getLevels()
    assert high - low == pytest.approx(80.0)

    view.set_spectrogram_settings(SpectrogramSettings(colour_map="grey_inverted"))
    lut = np.array(view.spec_image.lut)
    assert not np.array_equal(lut, inferno_lut)
    assert tuple(lut[0][:3]) == (255, 255, 255) and tuple(lut[-1][:3]) == (0, 0, 0)
    view.set_spectrogram_settings(SpectrogramSettings(colour_map="viridis"))
    assert not np.array_equal(np.array(view.spec_image.lut), lut)

    view.set_spectrogram_settings(SpectrogramSettings(colour_map="viridis", dynamic_range_db=40))
    low_40, high_40 = view.spec_image.getLevels()
    assert high_40 == pytest.approx(high) and high_40 - low_40 == pytest.approx(40.0)
    view.set_spectrogram_settings(SpectrogramSettings(colour_map="viridis", dynamic_range_db=120))
    low_120, _ = view.spec_image.getLevels()
    assert low_120 == pytest.approx(high - 120.0)
    # Brighter: the top colour 20 dB below the loudest bin, the range below it.
    view.set_spectrogram_settings(SpectrogramSettings(colour_map="viridis", dynamic_range_db=60,
                                                      brightness_db=20))
    assert tuple(view.spec_image.getLevels()) == (pytest.approx(high - 80.0),
                                                  pytest.approx(high - 20.0))
    assert view.spec_image.image is image  # drawn again, not computed again


def test_fft_size_is_computed_on_the_loader_and_keeps_the_zoom(qtbot, view, make_audio):
    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(1000.0, 1.0), 16000))
    assert view.spec_image.image.shape[0] == 512 // 2 + 1  # auto at 16 kHz
    view.wave_plot.setXRange(0.2, 0.6, padding=0)
    view.set_playhead(0.3)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(fft_size=2048))
        assert view.spec_image.image.shape[0] == 257  # not computed in the slot
    assert view.spec_image.image.shape[0] == 2048 // 2 + 1
    assert view.data.spectrogram.n_fft == 2048
    assert view.wave_plot.viewRange()[0] == [pytest.approx(0.2), pytest.approx(0.6)]
    assert view.playhead_s() == pytest.approx(0.3)
    rect = view.spec_image.mapRectToParent(view.spec_image.boundingRect())
    assert rect.bottom() == pytest.approx(8000.0) and rect.right() == pytest.approx(1.0)

    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(fft_size=256))
    assert view.spec_image.image.shape[0] == 129
    # Auto resolves to 512 here; choosing 512 itself then needs no new STFT.
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings())
    image = view.spec_image.image
    shown = []
    view.clip_shown.connect(shown.append)
    view.set_spectrogram_settings(SpectrogramSettings(fft_size=512))
    assert view.spec_image.image is image and shown == []


def test_fft_size_chosen_while_a_clip_loads_applies_to_it(qtbot, view, make_audio):
    path = make_audio("a.wav", audio_factory.tone(1000.0, 1.0), 16000)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.show_clip(path)
        view.set_spectrogram_settings(SpectrogramSettings(fft_size=1024))
    assert view.spec_image.image.shape[0] == 513
    # The next clip is computed with it too.
    show_and_wait(qtbot, view, make_audio("b.wav", audio_factory.tone(500.0, 1.0, 8000), 8000))
    assert view.spec_image.image.shape[0] == 513


def _row_hz(view) -> float:
    """The frequency of the spectrogram's loudest row."""
    image = view.spec_image.image
    return float(np.argmax(image.max(axis=1))) * (view.data.sample_rate_hz / 2) / (len(image) - 1)


def test_a_chosen_channel_is_drawn_and_named_in_the_title(qtbot, view, tmp_path):
    """A stereo file with 440 Hz on the left and 2 kHz on the right: choosing a channel shows it
    alone (read again in the background, the zoom kept), and the title says which; a mono file
    shows its one channel whatever is chosen."""
    left, right = audio_factory.tone(440.0, 1.0, 16000), 0.5 * audio_factory.tone(2000.0, 1.0, 16000)
    path = audio_factory.write(tmp_path / "pair.wav", np.stack([left, right], axis=1), 16000)
    show_and_wait(qtbot, view, path)
    assert view.data.channel is None and view.title_label.full_text().endswith("stereo, mixed")
    view.wave_plot.setXRange(0.2, 0.6, padding=0)
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(channel=1))
    assert view.data.channel == 1
    assert view.drawn_channel(path) == (1, 2) and view.drawn_channel(tmp_path / "x.wav") == (None, 1)
    assert _row_hz(view) == pytest.approx(2000.0, abs=40.0)
    assert view.data.peak == pytest.approx(0.25, abs=0.02)  # the right channel's own waveform
    assert view.title_label.full_text().endswith("16 kHz · stereo, channel 2 (right)")
    assert "Channel 2 (right) drawn, measured and searched" in view.title_label.toolTip()
    label = view.title_label
    label.resize(label.fontMetrics().horizontalAdvance("pair.wav  ·  ch 2") + 40, label.height())
    assert label.text() == "pair.wav  ·  ch 2"  # a narrow view still says which channel
    assert view.wave_plot.viewRange()[0] == [pytest.approx(0.2), pytest.approx(0.6)]
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(channel=0))
    assert _row_hz(view) == pytest.approx(440.0, abs=40.0)
    assert view.title_label.full_text().endswith("stereo, channel 1 (left)")
    with qtbot.waitSignal(view.clip_shown, timeout=LOAD_TIMEOUT_MS):
        view.set_spectrogram_settings(SpectrogramSettings(channel=3))  # it has none: the mix
    assert view.data.channel is None and view.title_label.full_text().endswith("stereo, mixed")
    mono = audio_factory.write(tmp_path / "mono.wav", right, 16000)
    show_and_wait(qtbot, view, mono)
    assert view.data.channel is None and _row_hz(view) == pytest.approx(2000.0, abs=40.0)


def double_click(qtbot, widget, pos):
    """What a real double-click sends: press, release, double-click, release (QTest's
    mouseDClick alone sends no release, and pyqtgraph's scene reports a click on release)."""
    from PySide6.QtCore import Qt

    left = Qt.MouseButton.LeftButton
    qtbot.mouseClick(widget, left, pos=pos)
    qtbot.mouseDClick(widget, left, pos=pos)
    qtbot.mouseRelease(widget, left, pos=pos)


def _zoom_in(view):
    view.wave_plot.setXRange(0.5, 1.0, padding=0)
    view.wave_plot.setYRange(-0.1, 0.1, padding=0)
    view.spec_plot.setYRange(1000.0, 2000.0, padding=0)
    assert view.wave_plot.viewRange()[0] == [pytest.approx(0.5), pytest.approx(1.0)]


def _assert_whole_clip(view, duration_s, nyquist_hz):
    x_range, y_range = view.wave_plot.viewRange()
    assert x_range == [pytest.approx(0.0), pytest.approx(duration_s)]
    extent = view.data.peak * 1.05
    assert y_range == [pytest.approx(-extent), pytest.approx(extent)]
    assert view.spec_plot.viewRange()[1] == [pytest.approx(0.0), pytest.approx(nyquist_hz)]


def test_reset_zoom_and_double_click_show_the_whole_clip(qtbot, view, make_audio):
    from PySide6.QtCore import QPoint

    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.chirp(200, 3000, 2.0, 8000),
                                          8000))
    _zoom_in(view)
    view.reset_zoom()
    _assert_whole_clip(view, 2.0, 4000.0)

    for plot in (view.spec_plot, view.wave_plot):
        _zoom_in(view)
        centre = view.graphics.mapFromScene(plot.getViewBox().sceneBoundingRect().center())
        double_click(qtbot, view.graphics.viewport(), QPoint(int(centre.x()), int(centre.y())))
        qtbot.waitUntil(lambda: view.wave_plot.viewRange()[0][0] == pytest.approx(0.0),
                        timeout=2000)
        _assert_whole_clip(view, 2.0, 4000.0)

    view.show_clip(None)
    view.reset_zoom()  # nothing on show: nothing to do


def test_long_file_is_decimated(make_audio):
    samples = audio_factory.noise(1200.0, 8000)  # 20 minutes
    image = compute_spectrogram(samples, 8000)
    assert image.db.shape[1] <= 3000 and image.db.dtype == np.float32
    assert image.duration_s == pytest.approx(1200.0)
    x, y, is_envelope = waveform_line(samples, 8000)
    assert is_envelope and len(y) <= 10_000
    assert x[-1] < 1200.0 and y.max() == pytest.approx(samples.max())


def test_shutdown_stops_the_loader_thread(qtbot, make_audio):
    view = ClipView()
    qtbot.addWidget(view)
    view.show_clip(make_audio("a.wav"))
    view.shutdown()
    assert not view.is_loader_running()


# -- the view range and the hooks region editing builds on -------------------------------------


def _send_drag(qtbot, widget, button, start, end, steps: int = 6):
    """A real drag on ``widget``: press, moves with the button held, release (QTest's mouseMove
    carries no buttons, so pyqtgraph would see no drag; and pyqtgraph drops moves that come
    less than a frame apart, hence the waits)."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    none = Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier

    def send(kind, pos, button_, buttons):
        point = QPointF(pos)
        event = QMouseEvent(kind, point, widget.mapToGlobal(point), button_, buttons, mods)
        QApplication.sendEvent(widget, event)

    send(QEvent.Type.MouseButtonPress, start, button, button)
    for i in range(1, steps + 1):
        point = QPointF(start) + (QPointF(end) - QPointF(start)) * (i / steps)
        qtbot.wait(20)
        send(QEvent.Type.MouseMove, point, none, button)
    send(QEvent.Type.MouseButtonRelease, end, button, none)


def _plot_point(view, plot, fx: float, fy: float = 0.5):
    from PySide6.QtCore import QPointF

    rect = plot.getViewBox().sceneBoundingRect()
    scene = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
    return view.graphics.mapFromScene(scene)


def test_set_view_range_settles_once_and_stays_inside_the_clip(qtbot, view, make_audio):
    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(440, 4.0), 16000))
    settled = []
    view.view_range_changed.connect(lambda a, b: settled.append((a, b)))
    with qtbot.waitSignal(view.view_range_changed, timeout=2000) as blocker:
        view.set_view_range(1.0, 1.5)
        view.set_view_range(1.0, 2.0)  # a second change before it settles: one signal
    assert blocker.args == [pytest.approx(1.0), pytest.approx(2.0)]
    assert view.view_range() == (pytest.approx(1.0), pytest.approx(2.0))
    qtbot.wait(200)
    assert len(settled) == 1
    view.set_view_range(3.5, 5.5)  # past the end: moved back inside, width kept
    assert view.view_range() == (pytest.approx(2.0), pytest.approx(4.0))
    view.set_view_range(-10.0, 99.0)
    assert view.view_range() == (pytest.approx(0.0), pytest.approx(4.0))


def test_drag_handler_sees_left_drags_first_and_other_drags_pan(qtbot, view, make_audio):
    from PySide6.QtCore import Qt

    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(440, 4.0), 16000))
    view.set_view_range(1.0, 2.0)
    seen = []

    def consume(event, plot):
        seen.append((plot, event.isStart(), event.isFinish()))
        return True

    view.drag_handler = consume
    viewport = view.graphics.viewport()
    start, end = _plot_point(view, view.spec_plot, 0.6), _plot_point(view, view.spec_plot, 0.3)
    _send_drag(qtbot, viewport, Qt.MouseButton.LeftButton, start, end)
    assert seen and all(plot is view.spec_plot for plot, _, _ in seen)
    assert seen[0][1] and seen[-1][2]
    assert view.view_range() == (pytest.approx(1.0), pytest.approx(2.0))  # consumed: no pan

    _send_drag(qtbot, viewport, Qt.MouseButton.RightButton, start, end)  # right drag pans, x only
    start_s, end_s = view.view_range()
    assert start_s > 1.2 and end_s - start_s == pytest.approx(1.0)
    view.drag_handler = lambda event, plot: False  # declined: a left drag pans as before
    before_s = view.view_range()[0]
    _send_drag(qtbot, viewport, Qt.MouseButton.LeftButton, end, start)
    assert view.view_range()[0] < before_s - 0.2


def test_click_handler_consumes_a_click_before_the_seek(qtbot, view, make_audio):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.tone(440, 2.0), 16000))
    clicks, seeks = [], []
    view.seek_requested.connect(seeks.append)
    view.click_handler = lambda event, plot: clicks.append(plot) or True
    point = _plot_point(view, view.wave_plot, 0.5)
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicks == [view.wave_plot] and seeks == []
    view.click_handler = lambda event, plot: False
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a single click, not a double
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert len(seeks) == 1


def _send_wheel(widget, pos, delta: int, modifiers=None):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    modifiers = modifiers or Qt.KeyboardModifier.NoModifier
    point = QPointF(pos)
    event = QWheelEvent(point, widget.mapToGlobal(point), QPoint(), QPoint(0, delta),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_zooms_time_about_the_cursor_and_shift_wheel_scrolls(qtbot, view, make_audio):
    from PySide6.QtCore import Qt

    show_and_wait(qtbot, view, make_audio("a.wav", audio_factory.chirp(200, 3000, 4.0), 16000))
    view.set_view_range(1.0, 3.0)
    point = _plot_point(view, view.spec_plot, 0.25)
    cursor_s = view.spec_plot.vb.mapSceneToView(view.graphics.mapToScene(point)).x()
    y_before = view.spec_plot.viewRange()[1]
    _send_wheel(view.graphics.viewport(), point, 120)  # one notch away: zoom in
    start_s, end_s = view.view_range()
    assert end_s - start_s < 2.0
    # The time under the cursor stays under it; frequency stays whole.
    assert start_s + 0.25 * (end_s - start_s) == pytest.approx(cursor_s, abs=0.02)
    assert view.spec_plot.viewRange()[1] == y_before
    width_s = end_s - start_s
    _send_wheel(view.graphics.viewport(), point, -120, Qt.KeyboardModifier.ShiftModifier)
    assert view.view_range() == (pytest.approx(start_s + 0.1 * width_s),
                                 pytest.approx(end_s + 0.1 * width_s))


def test_the_title_says_the_files_rate_and_channels(qtbot, tmp_path):
    stereo = np.stack([audio_factory.tone(440.0, 0.5, 44100), audio_factory.tone(660.0, 0.5, 44100)],
                      axis=1)
    path = audio_factory.write(tmp_path / "pair.wav", stereo, 44100)
    rate, channels, full = file_facts(info(path))
    assert (rate, channels) == ("44.1 kHz", "stereo, mixed")
    assert full.startswith("WAV PCM_16, 44,100 Hz, 2 channels: drawn, measured")
    view = ClipView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        view.show_clip(path, title="field/pair.wav")
    assert view.title_label.full_text() == "field/pair.wav  ·  44.1 kHz · stereo, mixed"
    assert view.title_label.toolTip() == f"{path}\n{full}"  # the whole path on hover
    view.show()
    label = view.title_label
    for width_px, shown in ((label.fontMetrics().horizontalAdvance(label.full_text()) + 40,
                             "field/pair.wav  ·  44.1 kHz · stereo, mixed"),
                            (label.fontMetrics().horizontalAdvance("field/pair.wav  ·  stereo, mixed")
                             + 40, "field/pair.wav  ·  stereo, mixed")):
        label.resize(width_px, label.height())  # narrower: the rate gives way, then the channels
        assert label.text() == shown
    label.resize(label.fontMetrics().horizontalAdvance("field/pair.wav  ·  mixed") + 40,
                 label.height())
    assert label.text() == "field/pair.wav  ·  mixed"  # the word that matters most stays longest
    label.resize(label.fontMetrics().horizontalAdvance("field/pa…  ·  mixed") + 12, label.height())
    assert label.text().startswith("field/") and label.text().endswith("…  ·  mixed")  # name cut
    label.resize(40, label.height())
    assert label.text().endswith("…") and label.full_text().endswith("stereo, mixed")
    view.shutdown()


def test_a_file_cut_short_says_so_in_the_title(qtbot, view, tmp_path):
    """The list's Status said "Cut short"; the view drew what was there and said nothing, so a
    person who hid the Status column did not know."""
    path = audio_factory.write(tmp_path / "night.wav", audio_factory.tone(440.0, 1.0, 16000), 16000)
    path.write_bytes(path.read_bytes()[:44 + 2 * 8000])
    show_and_wait(qtbot, view, path)
    assert view.title_label.full_text().endswith("16 kHz · cut short · mono")
    assert "Cut short: it holds 0.50 s of the 1.00 s its header claims" in view.title_label.toolTip()


def test_axis_labels_show_only_where_their_plot_holds_them(qtbot, view, make_audio):
    """In the Classify tab's short preview "Amplitude" ran down over "Frequency (kHz)"."""
    path = make_audio("tone.wav", audio_factory.tone(1000.0, 1.0, 16000), 16000)
    show_and_wait(qtbot, view, path)
    labels = [plot.getAxis("left").label for plot in (view.wave_plot, view.spec_plot)]
    assert all(label.isVisible() for label in labels)
    view.resize(400, 190)
    qtbot.waitUntil(lambda: not any(label.isVisible() for label in labels), timeout=3000)
    assert view.wave_plot.vb.height() < labels[0].boundingRect().width()
    view.resize(800, 500)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in labels), timeout=3000)
