"""Finding one's way about a recording: the status bar's readout of the pointer over the clip
view (its time and the recorder's clock, frequency and the level drawn there, as Raven Pro and
Sonic Visualiser give them), and the keys that page through it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF

from gui.clips.cursor_readout import readout_text
from tests import audio_factory
from tests.gui.helpers import open_and_wait

RATE_HZ = 16000


def _shown(qtbot, window, tmp_path):
    t = np.arange(3 * RATE_HZ) / RATE_HZ
    samples = 1e-3 * np.random.default_rng(0).standard_normal(len(t))
    samples[RATE_HZ:2 * RATE_HZ] += 0.5 * np.sin(2 * np.pi * 2000 * t[RATE_HZ:2 * RATE_HZ])
    audio_factory.write(tmp_path / "night" / "20260601_220000.wav", samples.astype(np.float32),
                        RATE_HZ)  # an AudioMoth's name: it began at 22:00:00
    open_and_wait(qtbot, window, tmp_path / "night")
    view = window.clip_view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    return view


def test_the_pointer_s_time_clock_frequency_and_level_are_read_out(qtbot, window, tmp_path):
    view = _shown(qtbot, window, tmp_path)

    def at(plot, time_s, y):
        return plot.vb.mapViewToScene(QPointF(time_s, y))

    # On the tone (amplitude 0.5: -6 dB FS in its bin, as the measurements have it), beside it.
    assert readout_text(view, at(view.spec_plot, 1.5, 2000.0)) == (
        "1.50 s (22:00:01) · 2,000 Hz · -6 dB FS")
    quiet = readout_text(view, at(view.spec_plot, 0.5, 2000.0))
    assert quiet.startswith("0.50 s (22:00:00) · 2,000 Hz · -") and int(quiet.split()[-3]) < -60
    assert readout_text(view, at(view.wave_plot, 2.5, 0.0)) == "2.50 s (22:00:02)"
    assert readout_text(view, at(view.spec_plot, 3.5, 2000.0)) == ""  # past the clip's end
    # Followed as the pointer moves over the plots, and emptied as it leaves them.
    view.graphics.scene().sigMouseMoved.emit(at(view.spec_plot, 1.5, 2000.0))
    assert window.cursor_readout.text() == "1.50 s (22:00:01) · 2,000 Hz · -6 dB FS"
    window.cursor_readout.eventFilter(view.graphics.viewport(), QEvent(QEvent.Type.Leave))
    assert window.cursor_readout.text() == ""
    # Over the model's features (bands, not hertz) the time alone.
    window.acts.show_features.setChecked(True)
    assert readout_text(view, at(view.spec_plot, 1.5, 20.0)) == "1.50 s (22:00:01)"


def test_page_keys_step_a_view_less_a_tenth_and_scroll_keys_half_a_view(qtbot, window,
                                                                        tmp_path):
    """Raven pages through a night a view at a time; Earmark only scrolled half a view."""
    audio_factory.write(tmp_path / "long" / "night.wav", audio_factory.noise(60.0, RATE_HZ),
                        RATE_HZ)
    open_and_wait(qtbot, window, tmp_path / "long")
    view = window.clip_view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    view.set_view_range(10.0, 20.0)
    steps = [(window.acts.page_later, (19.0, 29.0)), (window.acts.page_earlier, (10.0, 20.0)),
             (window.acts.scroll_later, (15.0, 25.0)), (window.acts.scroll_earlier, (10.0, 20.0))]
    for action, shown in steps:
        action.trigger()
        assert view.view_range() == pytest.approx(shown)
    assert [a.shortcut().toString() for a in (window.acts.page_earlier, window.acts.page_later)] \
        == ["Ctrl+Shift+Left", "Ctrl+Shift+Right"]


def test_paging_goes_on_past_a_file_that_cannot_be_read(qtbot, window, tmp_path):
    """Raven pages through a night's files; Earmark stopped dead at the first broken one: paged
    onto it, the view kept the last file's range, which no edge of a file of 0 s met."""
    for name in ("a.wav", "c.wav"):
        audio_factory.write(tmp_path / "night" / name, audio_factory.noise(30.0, RATE_HZ), RATE_HZ)
    audio_factory.write_broken(tmp_path / "night" / "b.wav", "text")
    open_and_wait(qtbot, window, tmp_path / "night")
    view = window.clip_view
    names = [window.model.record(r).path for r in range(window.model.rowCount())]
    assert names == ["a.wav", "b.wav", "c.wav"]
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    view.set_view_range(20.0, 30.0)
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        window.acts.page_later.trigger()  # from a's end over b to c's start, at the same width
    assert window.clip_list.current_id() == window.model.record(2).id
    qtbot.waitUntil(lambda: view.view_range() == pytest.approx((0.0, 10.0)), timeout=5_000)
    # Shown on a broken file (chosen in the list), a page goes on to the next readable one.
    window.clip_list.select_row(1)
    qtbot.wait(200)
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        window.acts.page_earlier.trigger()
    assert window.clip_list.current_id() == window.model.record(0).id
    qtbot.waitUntil(lambda: view.view_range() == pytest.approx((20.0, 30.0)), timeout=5_000)
