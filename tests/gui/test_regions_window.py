"""Regions in the whole window: marked on the clip view, labelled by key, deleted, undone, and
found again after the window is closed and the folder reopened."""

from __future__ import annotations

import math
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.clips.clip_table import FILTER_ALL
from tests import audio_factory
from tests.gui.clips.test_regions_gui import drag
from tests.gui.helpers import open_and_wait, show_row


def _threads_of(monkeypatch, module, name: str) -> list:
    """Wrap ``module.name``; the list it returns gets the thread of each call."""
    import threading

    threads, real = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return threads


def _wait_searched(qtbot, dock) -> None:
    """Wait until a search's outcome has been handled (its events stored; the Review tab's
    Cancel hidden), not only until its worker is done, and its thread has ended."""
    qtbot.waitUntil(lambda: not dock.review.cancel_button.isVisibleTo(dock.review),
                    timeout=20_000)
    assert dock.wait_detection()


def _show_clip(qtbot, window, path):
    row = next(r for r in range(window.model.rowCount()) if window.model.record(r).path == path)
    show_row(qtbot, window, row)
    return window.model.record(row)


def test_mark_label_delete_undo_and_find_again_after_reopening(qtbot, make_window, tmp_path):
    folder = tmp_path / "rec"
    audio_factory.write(folder / "dog" / "a.wav", audio_factory.tone(440.0, 1.0))
    audio_factory.write(folder / "night.wav", audio_factory.tone(880.0, 4.0))
    window = make_window()
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "night.wav")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert not window.region_list.table.isVisible()  # folded: no regions yet
    spec = window.clip_view.spec_plot
    drag(spec.vb, spec, (1.0, 2000.0), (2.0, 2000.0))
    assert window.region_list.table.isVisible()  # the first region unfolds the list
    regions = window.project.regions(record.id)
    assert [(round(r.begin_s, 1), round(r.end_s, 1), r.label) for r in regions] == [(1.0, 2.0, None)]
    assert window.labels.regions.region_id == regions[0].id  # the new region is selected
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_1)  # class "dog" holds key 1
    assert window.project.regions(record.id)[0].label == "dog"
    assert window.project.clip(record.id).label is None  # the key labelled the region, not the clip
    assert window.model.region_count(record.id) == 1
    # The class filter lists the clips labelled dog and the files holding dog regions.
    window.clip_list.set_quick_filter("dog")
    assert _shown(window) == ["dog/a.wav", "night.wav"]
    window.clip_list.set_quick_filter(FILTER_ALL)
    qtbot.keyClick(window.clip_list.table, Qt.Key.Key_Delete)
    assert window.project.regions(record.id) == []
    window.clip_list.set_quick_filter("dog")
    assert _shown(window) == ["dog/a.wav"]
    window.clip_list.set_quick_filter(FILTER_ALL)
    window.undo_stack.undo()
    assert window.project.regions(record.id)[0].label == "dog"
    window.close()

    again = make_window()
    open_and_wait(qtbot, again, folder)
    _show_clip(qtbot, again, "night.wav")
    assert again.model.region_count(record.id) == 1
    assert again.region_list.model.rowCount() == 1
    again.clip_list.filter_edit.setText("DO")  # the text filter reads region labels too
    qtbot.waitUntil(lambda: _shown(again) == ["dog/a.wav", "night.wav"], timeout=2000)


def _shown(window) -> list[str]:
    return [window.model.record(row).path for row in range(window.model.rowCount())]


def test_next_and_previous_region_go_on_through_the_files_in_the_list(qtbot, window, tmp_path):
    folder = tmp_path / "night"
    for name in ("a.wav", "b.wav", "c.wav"):
        audio_factory.write(folder / name, audio_factory.tone(880.0, 4.0))
    open_and_wait(qtbot, window, folder)
    ids = window.project.clip_ids_by_path()
    project = window.project
    first, second = (project.add_region(ids["a.wav"], b, b + 0.5, "owl") for b in (0.5, 2.0))
    third = project.add_region(ids["c.wav"], 3.0, 3.5, "owl")  # b.wav holds none
    window.labels.refresh_region_counts()
    _show_clip(qtbot, window, "a.wav")
    view, regions = window.clip_view, window.labels.regions
    window.region_list.select_next()
    window.region_list.select_next()
    assert regions.region_id == second.id
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        window.region_list.select_next()  # past a.wav's last: c.wav's first, b.wav skipped
    qtbot.waitUntil(lambda: regions.region_id == third.id, timeout=2000)
    assert window.model.record(window.clip_list.table.currentIndex().row()).path == "c.wav"
    start_s, end_s = view.view_range()
    assert start_s < 3.0 and 3.5 < end_s < 4.01  # zoomed to it in c.wav
    window.region_list.select_next()  # the last region of the last file: it stays
    assert regions.region_id == third.id and regions.clip_id == ids["c.wav"]
    with qtbot.waitSignal(view.clip_shown, timeout=10_000):
        window.region_list.select_previous()
    qtbot.waitUntil(lambda: regions.region_id == second.id, timeout=2000)  # a.wav's last
    start_s, end_s = view.view_range()
    assert start_s < 2.0 and 2.5 < end_s < 3.1 and view.duration_s == pytest.approx(4.0)
    window.region_list.select_previous()
    assert regions.region_id == first.id  # within a file, as always


def test_a_long_recordings_overview_is_cached_in_its_projects_store(qtbot, window, tmp_path):
    folder = tmp_path / "long"
    audio_factory.write(folder / "hour.wav", audio_factory.tone(440.0, 40.0, 8000), 8000)
    open_and_wait(qtbot, window, folder)
    _show_clip(qtbot, window, "hour.wav")
    cache = window.project.store_path.parent / "cache"
    qtbot.waitUntil(lambda: cache.is_dir() and any(cache.iterdir()), timeout=20_000)


def _dog_cat_night(folder):
    """A dog and a cat clip (so classes with keys) and a 4 s recording, night.wav."""
    audio_factory.write(folder / "dog" / "a.wav", audio_factory.tone(440.0, 1.0))
    audio_factory.write(folder / "cat" / "b.wav", audio_factory.tone(660.0, 1.0))
    audio_factory.write(folder / "night.wav", audio_factory.tone(880.0, 4.0))
    return folder


def test_a_class_key_on_a_models_event_accepts_it_as_the_persons(qtbot, window, tmp_path):
    from core.store.records import RegionSpec

    open_and_wait(qtbot, window, _dog_cat_night(tmp_path / "rec"))
    record = _show_clip(qtbot, window, "night.wav")
    _, added = window.project.replace_model_regions(
        record.id, [RegionSpec(record.id, 1.0, 2.0, label="dog", score=0.6)])
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(added[0].id)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    cat_key = next(k for k, name in window.labels._key_to_class.items() if name == "cat")
    qtbot.keyClick(window.clip_list.table, cat_key)
    event = window.project.regions(record.id)[0]
    assert (event.label, event.source, event.status) == ("cat", "manual", None)
    window.undo_stack.undo()
    event = window.project.regions(record.id)[0]
    assert (event.label, event.source, event.status) == ("dog", "model", "unreviewed")


def test_a_region_labelled_with_a_new_class_takes_its_colour_and_count(qtbot, window, tmp_path):
    folder = tmp_path / "rec"
    audio_factory.write(folder / "night.wav", audio_factory.tone(880.0, 4.0))
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "night.wav")
    spec = window.clip_view.spec_plot
    drag(spec.vb, spec, (1.0, 2000.0), (2.0, 2000.0))
    qtbot.keyClicks(window.label_bar.new_class_edit, "owl")
    qtbot.keyClick(window.label_bar.new_class_edit, Qt.Key.Key_Return)
    region = window.project.regions(record.id)[0]
    assert region.label == "owl"
    owl = next(c for c in window.project.classes() if c.name == "owl")
    wave, _spec = window.region_overlay.items(region.id)
    assert wave.brush.color().name() == owl.colour.lower()
    assert window.label_bar.buttons()["owl"].text().endswith("· 1")  # its one region


def test_the_selected_regions_measurements_are_read_off_the_gui_thread(qtbot, window, tmp_path,
                                                                       monkeypatch):
    import threading

    import gui.clips.region_list_panel as panel_module

    threads = _threads_of(monkeypatch, panel_module, "measure_file_regions")
    folder = tmp_path / "rec"
    night = audio_factory.burst(audio_factory.tone(880.0, 1.0), 4.0, 1.0)
    audio_factory.write(folder / "night.wav", night)
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "night.wav")
    panel, line = window.region_list, window.region_list.measurements
    spec = window.clip_view.spec_plot
    drag(spec.vb, spec, (0.5, 2000.0), (2.5, 2000.0))
    qtbot.waitUntil(lambda: line.text().startswith("Peak "), timeout=10_000)
    assert line.isVisible() and threads and threads[0] is not threading.main_thread()
    assert "Peak 875 Hz at " in line.text() and "centre 875 Hz" in line.text()
    tip = dict(row.split(": ") for row in line.toolTip().splitlines())
    assert tip["Peak Freq (Hz)"] == "875.0" and abs(float(tip["Dur 90% (s)"]) - 0.9) < 0.05
    # The tone (amplitude 0.5) fills half the region, in digital silence: no SNR to give.
    assert abs(float(tip["Inband Power (dB FS)"]) + 9.03) < 0.3 and tip["SNR (dB)"] == ""
    assert line.text().endswith("dB FS, digital silence around it")
    # A silent stretch has nothing to measure.
    drag(spec.vb, spec, (2.8, 2000.0), (3.8, 2000.0))
    qtbot.waitUntil(lambda: line.text().startswith("Nothing to measure"), timeout=10_000)
    first, second = window.project.regions(record.id)
    # The first is measured again: its noise now keeps clear of the region marked beside it.
    n_measured = len(threads)
    window.labels.regions.select(first.id)
    qtbot.waitUntil(lambda: line.text().startswith("Peak 875 Hz"), timeout=10_000)
    assert len(threads) == n_measured + 1
    # Selecting each again takes what was measured.
    window.labels.regions.select(second.id)
    assert line.text().startswith("Nothing to measure")
    window.labels.regions.select(first.id)
    assert line.text().startswith("Peak 875 Hz") and len(threads) == n_measured + 1
    # No region selected: no line. A recording that can no longer be read says why.
    window.labels.regions.select(None)
    assert not line.isVisible()
    (folder / "night.wav").write_text("not audio now")
    panel._measured.clear()
    window.labels.regions.select(first.id)
    qtbot.waitUntil(lambda: line.text().startswith("Could not measure the region: "),
                    timeout=10_000)
    assert "night.wav" in line.text()


def test_a_region_is_measured_and_exported_on_the_channel_the_view_draws(qtbot, window, tmp_path,
                                                                         monkeypatch):
    """A stereo recorder: an owl (880 Hz) on the left microphone, a quieter wren (3 kHz) on the
    right. Drawn as the mix, the region's peak is the owl's; drawn on channel 2, it is measured
    there (the line says so), and a measured Raven table has the measurements on Channel 2's
    row."""
    import csv
    import io

    import numpy as np
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from gui.actions import file_menu
    from gui.clips.spectrogram_settings import SpectrogramSettings

    folder = tmp_path / "rec"
    owl = audio_factory.burst(audio_factory.tone(880.0, 1.0), 4.0, 1.0)
    wren = audio_factory.burst(audio_factory.tone(3000.0, 1.0, amplitude=0.2), 4.0, 1.0)
    audio_factory.write(folder / "pair.wav", np.stack([owl, wren], axis=1))
    open_and_wait(qtbot, window, folder)
    _show_clip(qtbot, window, "pair.wav")
    line, spec = window.region_list.measurements, window.clip_view.spec_plot
    drag(spec.vb, spec, (0.5, 2000.0), (2.5, 2000.0))
    qtbot.waitUntil(lambda: line.text().startswith("Peak 875 Hz"), timeout=10_000)
    assert "· on channel" not in line.text()
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.acts.spectrogram.apply(SpectrogramSettings(channel=1))
    qtbot.waitUntil(lambda: line.text().startswith("Peak 3,000 Hz"), timeout=10_000)
    assert line.text().endswith(" · on channel 2 (right)")
    choice = next(text for text, name in file_menu.REGION_EXPORTS.items()
                  if name == ("raven", True))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a: (choice, True))
    out = tmp_path / "measured.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=10_000,
                          check_params_cb=lambda text: "Exported 1 region" in text):
        window.acts.export_regions.trigger()
    # The region is on both channels, a row each; its measurements on channel 2's.
    left, right = csv.DictReader(io.StringIO(out.read_text()), delimiter="\t")
    assert (left["Channel"], left["Peak Freq (Hz)"]) == ("1", "")
    assert right["Channel"] == "2" and abs(float(right["Peak Freq (Hz)"]) - 3000.0) < 16000 / 512


def _one_region_listed(qtbot, window, path, begin_s, end_s, label):
    """Open ``path``'s folder (a 4 s tone written there), show it, mark one region on it: the
    region list's model once it lists it."""
    audio_factory.write(path, audio_factory.tone(880.0, 4.0))
    open_and_wait(qtbot, window, path.parent)
    record = _show_clip(qtbot, window, path.name)
    window.project.add_region(record.id, begin_s, end_s, label)
    window.labels.regions.notify_changed(record.id)
    model = window.region_list.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    return model


def test_the_region_list_gives_the_time_of_day_of_a_recording_named_by_its_recorder(
        qtbot, window, tmp_path):
    """An AudioMoth's file, 20260601_220000.wav: a region's begin and end by the recorder's
    clock in the list's tooltip, beside the seconds."""
    from PySide6.QtCore import Qt

    model = _one_region_listed(qtbot, window, tmp_path / "rec" / "20260601_220000.wav",
                               1.25, 2.5, "owl")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == (
        "1.250–2.500 s · 22:00:01.250–22:00:02.500 on 2026-06-01 by the recorder's clock")


def test_a_call_of_milliseconds_is_listed_and_measured_to_its_own_decimals(qtbot, window,
                                                                          tmp_path):
    """A bat's 3 ms call was listed as 1.00-1.00 and measured "and 0.00 s" long."""
    from types import SimpleNamespace

    from gui.clips.region_list_panel import measurements_line

    model = _one_region_listed(qtbot, window, tmp_path / "bats" / "pass.wav", 1.0, 1.003, "pip")
    assert [model.data(model.index(0, c)) for c in (0, 1)] == ["1.000", "1.003"]
    m = SimpleNamespace(peak_freq_hz=60000.0, peak_time_s=1.0012, center_freq_hz=60000.0,
                        freq_5_hz=50000.0, freq_95_hz=70000.0, dur_90_s=0.0024,
                        agg_entropy_bits=6.9, inband_power_db=-13.1, snr_db=36.8,
                        noise_power_db=-50.0)
    assert "at 1.001 s" in measurements_line(m) and "and 0.002 s" in measurements_line(m)


def test_the_snr_says_why_when_it_is_not_a_number():
    from types import SimpleNamespace

    from gui.clips.region_list_panel import snr_phrase

    def phrase(snr, noise):
        return snr_phrase(SimpleNamespace(snr_db=snr, noise_power_db=noise))

    assert phrase(12.34, -60.0) == "SNR 12.3 dB"
    assert phrase(math.inf, -math.inf) == "digital silence around it"
    assert phrase(math.nan, math.nan) == "no room around it to measure noise"
    assert phrase(math.nan, -20.0) == "no louder than the same band around it"


def test_find_loud_events_offers_the_regions_band_and_queues_the_others(qtbot, make_window,
                                                                        tmp_path, monkeypatch):
    import threading

    from gui.model import dock as dock_module
    from gui.model import workers
    from tests.core.audio.test_energy_detector import _night

    threads = _threads_of(monkeypatch, workers, "detect_energy")
    offered = []

    def accept(dialog) -> int:  # the person keeps what is offered, 12 dB instead of 10
        offered.append((dialog.low_hz.value(), dialog.high_hz.value(),
                        dialog.label.currentData(), dialog.scope.currentData()))
        dialog.snr_db.setValue(12.0)
        return 1

    monkeypatch.setattr(dock_module.EnergyDetectorDialog, "exec", accept)
    folder = tmp_path / "rec"
    audio_factory.write(folder / "night.wav", _night())
    window = make_window()
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "night.wav")
    spec = window.clip_view.spec_plot
    window.clip_view.set_view_range(4.0, 6.0)
    drag(spec.vb, spec, (4.9, 1500.0), (5.4, 2500.0), shift=True)  # the first call, boxed
    mine = window.project.regions(record.id)[0]
    window.project.update_region(mine.id, label="call")
    # The second call the person marked as another class: loudness knows no class, so a "call"
    # event there is no disagreement but a call marked already.
    window.project.add_region(record.id, 14.9, 15.4, "owl")
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(mine.id)
    dock = window.model_dock
    window.acts.find_loud_events.trigger()
    low, high, label, every = offered[0]
    assert (round(low, -2), round(high, -2), label, every) == (1500.0, 2500.0, "call", False)
    _wait_searched(qtbot, dock)
    assert threads and threads[0] is not threading.main_thread()
    found = [r for r in window.project.regions(record.id) if r.status == "unreviewed"]
    # The first two calls are the person's already: the other three are queued, with the band
    # and label.
    assert [round(r.begin_s) for r in found] == [25, 35, 45]
    assert {(r.label, round(r.low_hz, -2), round(r.high_hz, -2)) for r in found} == {
        ("call", 1500.0, 2500.0)}
    assert all(r.score > 0.9 for r in found) and len(dock.review.queue()) == 3
    assert {r.source for r in found} == {"loud"}  # no model found them
    # Each listed with its loudest moment above the band's background, not "99%".
    assert re.fullmatch(r"call \d+ dB · \d+\.\d\d–\d+\.\d\d s · night\.wav",
                        dock.review.list.item(0).text())
    # Offered again next time, and in the next session (the label is the project's own).
    assert dock.last_energy_choice().config.snr_db == 12.0
    later = make_window().model_dock.last_energy_choice()
    assert (later.config.snr_db, later.config.low_hz, later.label, later.every_recording) == (
        12.0, pytest.approx(1500.0, abs=100), None, False)
    window.undo_stack.undo()
    assert [r for r in window.project.regions(record.id) if r.status == "unreviewed"] == []


def test_a_region_drawn_on_one_channel_is_on_it_and_shows_only_there(qtbot, window, tmp_path):
    """Drawn while the view shows channel 2, a box is on channel 2, as a Raven selection drawn in
    a channel's view; the view of channel 1 leaves it out, the mix and channel 2 show it, and the
    list says its channel. A span drawn on the mix is on every channel and shows on each."""
    import numpy as np

    from gui.clips.region_list_panel import CHANNEL
    from gui.clips.spectrogram_settings import SpectrogramSettings

    folder = tmp_path / "rec"
    owl = audio_factory.burst(audio_factory.tone(880.0, 1.0), 4.0, 1.0)
    audio_factory.write(folder / "pair.wav", np.stack([owl, owl[::-1]], axis=1))
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "pair.wav")
    spec, overlay = window.clip_view.spec_plot, window.region_overlay

    def show(channel):
        with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
            window.acts.spectrogram.apply(SpectrogramSettings(channel=channel))
        QApplication.processEvents()  # the overlay redraws on the queued clip_shown
        return {r.id for r in overlay.regions()}

    drag(spec.vb, spec, (0.5, 2000.0), (1.5, 2000.0))
    show(1)
    drag(spec.vb, spec, (2.0, 1000.0), (3.0, 3000.0), shift=True)
    both, right = sorted(window.project.regions(record.id), key=lambda r: r.begin_s)
    assert (both.channel, right.channel) == (None, 1)
    assert {r.id for r in overlay.regions()} == {both.id, right.id}
    assert show(None) == {both.id, right.id} and show(0) == {both.id}
    # Chosen from the list (or Review, or ]) while channel 1 is on show, the box brings its
    # channel to the view, where it is drawn.
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.labels.regions.select(right.id)
    QApplication.processEvents()
    assert window.acts.spectrogram.value().channel == 1 and right.id in window.region_overlay.editable_ids()
    assert window.statusBar().currentMessage() == "Showing: Channel 2 (right), which the region is on"
    table = window.region_list.table
    assert not table.isColumnHidden(CHANNEL)
    assert [table.model().index(row, CHANNEL).data() for row in range(2)] == ["", "2"]
    assert "on channel 2" in window.region_overlay.items(right.id)[0].toolTip()
    window.undo_stack.undo()  # the box goes, and with it the column
    assert table.isColumnHidden(CHANNEL)


def test_searches_listen_to_the_channel_the_spectrogram_shows(qtbot, make_window, tmp_path,
                                                              monkeypatch):
    """A stereo recorder with the calls on its right microphone and loud noise on its left:
    shown on channel 2, Find Loud Events and Find Similar Calls listen there and find them; the
    channel is the view's, not a setting kept for the next session."""
    import numpy as np

    from gui.clips.spectrogram_settings import SpectrogramSettings
    from gui.model import dock as dock_module
    from tests.core.audio.test_energy_detector import _night

    offered = []

    def accept(dialog) -> int:
        offered.append(dialog.channel.currentData())
        # Named for the file on show (a stereo one), as Spectrogram Settings name them; the
        # folder's most channels, two (eight were offered).
        assert [dialog.channel.itemText(i) for i in range(1, dialog.channel.count())] == [
            "Channel 1 (left)", "Channel 2 (right)"]
        dialog.low_hz.setValue(1500.0)
        dialog.high_hz.setValue(2500.0)
        return 1

    monkeypatch.setattr(dock_module.EnergyDetectorDialog, "exec", accept)
    folder = tmp_path / "rec"
    left = audio_factory.noise(60.0, 16000, amplitude=0.1, seed=5)
    audio_factory.write(folder / "pair.wav", np.stack([left, _night()], axis=1), subtype="FLOAT")
    window = make_window()
    open_and_wait(qtbot, window, folder)
    record = _show_clip(qtbot, window, "pair.wav")
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.acts.spectrogram.apply(SpectrogramSettings(channel=1))
    dock = window.model_dock
    window.acts.find_loud_events.trigger()
    _wait_searched(qtbot, dock)
    assert offered == [1]
    found = [r for r in window.project.regions(record.id) if r.status == "unreviewed"]
    assert [round(r.begin_s) for r in found] == [5, 15, 25, 35, 45]
    assert {r.channel for r in found} == {1}  # the events are on the channel listened to
    assert make_window().model_dock.last_energy_choice().config.channel is None
    # Find Similar Calls: the template boxed on channel 2 is read there, and searched for there.
    monkeypatch.setattr(dock_module.SimilarCallsDialog, "exec",
                        lambda dialog: offered.append(dialog.channel.currentData()) or 1)
    mine = window.project.add_region(record.id, 4.95, 5.35, "call", 1500.0, 2500.0)
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(mine.id)
    window.acts.find_similar_calls.trigger()
    _wait_searched(qtbot, dock)
    assert offered == [1, 1]
    # The template's calls; the loud events found before, of no class, stay to be reviewed.
    found = [r for r in window.project.regions(record.id) if r.status == "unreviewed"
             and r.label == "call"]
    assert [round(r.begin_s) for r in found] == [15, 25, 35, 45]
    assert {r.channel for r in found} == {1}
    assert make_window().model_dock.last_similar_choice().config.channel is None
    # A template on one channel is heard there, whatever the spectrogram shows.
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.acts.spectrogram.apply(SpectrogramSettings(channel=None))
    left = window.project.add_region(record.id, 10.0, 10.3, "call", 1500.0, 2500.0, channel=0)
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(left.id)
    monkeypatch.setattr(dock_module.SimilarCallsDialog, "exec",
                        lambda dialog: offered.append(dialog.channel.currentData()) and 0)
    window.acts.find_similar_calls.trigger()
    assert offered[-1] == 0


def test_find_similar_calls_queues_the_stretches_shaped_like_the_selected_region(
        qtbot, make_window, tmp_path, monkeypatch):
    import threading

    from gui.model import dock as dock_module
    from gui.model import workers
    from tests.core.audio.test_template_detector import DOWN_STARTS_S, UP_STARTS_S, _night

    threads = _threads_of(monkeypatch, workers, "find_similar")
    offered = []

    def accept(dialog) -> int:  # the person keeps what is offered, at 0.5 instead of 0.4
        offered.append((dialog.template.text(), dialog.templates.count(),
                        dialog.label.currentData(), dialog.threshold.value()))
        dialog.threshold.setValue(0.5)
        dialog.pitch.setValue(5)  # calls 5 % higher or lower too
        return 1

    monkeypatch.setattr(dock_module.SimilarCallsDialog, "exec", accept)
    messages = []
    folder = tmp_path / "rec"
    audio_factory.write(folder / "night.wav", _night())
    window = make_window()
    open_and_wait(qtbot, window, folder)
    dock = window.model_dock
    monkeypatch.setattr(dock, "show_message", lambda text, kind: messages.append(text))
    record = _show_clip(qtbot, window, "night.wav")
    window.acts.find_similar_calls.trigger()  # no region selected yet
    assert messages and messages[0].startswith("Select a region first") and not offered
    spec = window.clip_view.spec_plot
    window.clip_view.set_view_range(2.5, 4.0)
    start_s = UP_STARTS_S[0]
    drag(spec.vb, spec, (start_s, 1500.0), (start_s + 0.3, 3500.0), shift=True)  # boxed
    mine = window.project.regions(record.id)[0]
    window.project.update_region(mine.id, label="up")
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(mine.id)
    dock.review.similar_button.click()
    text, n_choices, label, threshold = offered[0]
    assert text.startswith("night.wav, 3.0") and "Hz" in text
    assert (n_choices, label, threshold) == (1, "up", 0.4)  # one region of its class
    _wait_searched(qtbot, dock)
    assert threads and threads[0] is not threading.main_thread()
    found = [r for r in window.project.regions(record.id) if r.status == "unreviewed"]
    # The boxed call is the person's already: the other up-sweeps are queued, not the
    # down-sweeps or tones in the same band; best match first.
    assert [round(r.begin_s, 1) for r in found] == [round(s, 1) for s in UP_STARTS_S[1:]]
    assert {r.source for r in found} == {"similar"}
    # Each in the box's band, or that band 2.5-5 % higher or lower where a scale fits better.
    assert {r.label for r in found} == {"up"} and all(
        round(r.low_hz / 1500.0, 3) in (0.95, 0.975, 1.0, 1.025, 1.05)
        and r.high_hz == pytest.approx(3500.0 * r.low_hz / 1500.0) for r in found)
    queue = dock.review.queue()
    assert len(queue) == 3 and [r.score for r in queue] == sorted(
        (r.score for r in queue), reverse=True)
    assert dock.review.order.currentText() == "Surest first"
    # Offered again next time, and in the next session.
    later = make_window().model_dock.last_similar_choice()
    assert (later.config.threshold, later.config.time_stretch, later.config.pitch_shift,
            later.every_recording) == (0.5, 0.2, 0.05, False)
    window.undo_stack.undo()
    assert [r for r in window.project.regions(record.id) if r.status == "unreviewed"] == []
    # A down-sweep boxed too: "every region labelled down" would take both of its class.
    down = window.project.add_region(record.id, DOWN_STARTS_S[0], DOWN_STARTS_S[0] + 0.3,
                                     label="down", low_hz=1500.0, high_hz=3500.0)
    window.project.add_region(record.id, DOWN_STARTS_S[1], DOWN_STARTS_S[1] + 0.3,
                              label="down", low_hz=1500.0, high_hz=3500.0)
    window.labels.regions.notify_changed(record.id)
    window.labels.regions.select(down.id)
    window.acts.find_similar_calls.trigger()
    assert offered[1][1] == 2
    _wait_searched(qtbot, dock)
    found = [r for r in window.project.regions(record.id) if r.status == "unreviewed"]
    assert [round(r.begin_s) for r in found] == [round(DOWN_STARTS_S[2])]


def test_stepping_to_a_region_on_another_channel_of_another_file_keeps_it_chosen(qtbot, window,
                                                                                  tmp_path):
    """``]`` from a file shown on channel 1 to a region on channel 2 of the next file: the view
    shows channel 2 and the region stays selected (a redraw on the old channel let it go). A
    view that draws the mix (a channel the file lacks) is left as it is."""
    import numpy as np

    from gui.clips.spectrogram_settings import SpectrogramSettings

    folder = tmp_path / "rec"
    owl = audio_factory.burst(audio_factory.tone(880.0, 1.0), 4.0, 1.0)
    for name in ("a.wav", "b.wav"):
        audio_factory.write(folder / name, np.stack([owl, owl[::-1]], axis=1))
    open_and_wait(qtbot, window, folder)
    ids = window.project.clip_ids_by_path()
    right = window.project.add_region(ids["b.wav"], 1.0, 2.0, "wren", channel=1)
    window.labels.refresh_region_counts()
    _show_clip(qtbot, window, "a.wav")
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.acts.spectrogram.apply(SpectrogramSettings(channel=0))
    window.region_list.select_next()
    qtbot.waitUntil(lambda: window.acts.spectrogram.value().channel == 1
                    and right.id in window.region_overlay.editable_ids(), timeout=10_000)
    QApplication.processEvents()
    assert window.labels.regions.region_id == right.id
    # Channel 3 chosen: a stereo file is drawn as the mix, which shows every region.
    window.labels.regions.select(None)
    with qtbot.waitSignal(window.clip_view.clip_shown, timeout=10_000):
        window.acts.spectrogram.apply(SpectrogramSettings(channel=2))
    window.labels.regions.select(right.id)
    QApplication.processEvents()
    assert window.acts.spectrogram.value().channel == 2


def test_choosing_the_review_tab_shows_its_event_and_its_keys_review_it(qtbot, window, tmp_path):
    # Before: events waiting from an earlier session, a click on the Review tab and a class key
    # labelled the whole recording on show (and stepped on to the next file), the event untouched.
    from core.store.records import RegionSpec

    open_and_wait(qtbot, window, _dog_cat_night(tmp_path / "rec"))
    night = next(r for r in window.model.records() if r.path == "night.wav")
    _, added = window.project.replace_model_regions(
        night.id, [RegionSpec(night.id, 1.0, 2.0, label="dog", score=0.6)])
    dock = window.model_dock
    dock.show()
    dock.tabs.setCurrentWidget(dock.training)
    dock.refresh_events()  # the tab out of view: its event current, not shown
    window.clip_list.select_row(0)  # a.wav on show
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    bar = dock.tabs.tabBar()
    index = dock.tabs.indexOf(dock.review)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    qtbot.waitUntil(lambda: window.labels.regions.region_id == added[0].id, timeout=5000)
    assert QApplication.focusWidget() is dock.review.list
    cat_key = next(k for k, name in window.labels._key_to_class.items() if name == "cat")
    qtbot.keyClick(QApplication.focusWidget(), cat_key)
    event = window.project.regions(night.id)[0]
    assert (event.label, event.source, event.status) == ("cat", "manual", None)
    assert window.project.clip(night.id).label is None  # the recording keeps no label


def test_regions_selected_together_in_the_list_are_labelled_and_deleted_in_one_step(qtbot, window, tmp_path):
    # Before: the list selected one region at a time, so 51 regions imported twice had to be
    # deleted one by one.
    from core.store.records import RegionSpec

    open_and_wait(qtbot, window, _dog_cat_night(tmp_path / "rec"))
    night = _show_clip(qtbot, window, "night.wav")
    window.project.add_regions([RegionSpec(night.id, b, b + 0.5, "dog") for b in (0.5, 1.5, 2.5)])
    window.labels.regions.notify_changed(night.id)
    table = window.region_list.table
    qtbot.waitUntil(lambda: window.region_list.model.rowCount() == 3)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    def click(row, modifier=Qt.KeyboardModifier.NoModifier):
        rect = table.visualRect(window.region_list.model.index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())

    click(0)
    click(2, Qt.KeyboardModifier.ControlModifier)
    assert len(table.selectionModel().selectedRows()) == 2
    assert len(window.labels.regions.selected_ids()) == 2
    cat_key = next(k for k, name in window.labels._key_to_class.items() if name == "cat")
    qtbot.keyClick(table, cat_key)  # both labelled, one step
    assert [r.label for r in window.project.regions(night.id)] == ["cat", "dog", "cat"]
    assert window.undo_stack.undoText() == "Label 2 regions as cat"
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert [r.begin_s for r in window.project.regions(night.id)] == [1.5]
    assert window.undo_stack.undoText() == "Delete 2 regions"
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert [r.label for r in window.project.regions(night.id)] == ["dog"] * 3
    # A plain click selects one again: Delete removes it alone.
    qtbot.waitUntil(lambda: window.region_list.model.rowCount() == 3)
    click(1)
    assert window.labels.regions.selected_ids() == [window.region_list.model.record(1).id]


def test_a_row_ctrl_clicked_off_the_selection_is_neither_deleted_nor_labelled(qtbot, window,
                                                                             tmp_path):
    # Before: Qt makes a row Ctrl-clicked off current all the same, and Delete then removed it
    # with the two still selected; a class key on regions that carry it already was an undo step.
    from core.store.records import RegionSpec

    open_and_wait(qtbot, window, _dog_cat_night(tmp_path / "rec"))
    night = _show_clip(qtbot, window, "night.wav")
    window.project.add_regions([RegionSpec(night.id, b, b + 0.4, "dog") for b in (0.5, 1.5, 2.5)])
    window.labels.regions.notify_changed(night.id)
    table, model = window.region_list.table, window.region_list.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    def click(row, modifier=Qt.KeyboardModifier.ControlModifier):
        rect = table.visualRect(model.index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())

    click(0, Qt.KeyboardModifier.NoModifier)
    click(1)
    click(2)
    click(2)  # off again
    kept = [model.record(r).id for r in (0, 1)]
    assert sorted(window.labels.regions.selected_ids()) == sorted(kept)
    dog_key = next(k for k, name in window.labels._key_to_class.items() if name == "dog")
    depth = window.undo_stack.count()
    qtbot.keyClick(table, dog_key)  # both are dog already: nothing to undo
    assert window.undo_stack.count() == depth
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert [r.begin_s for r in window.project.regions(night.id)] == [2.5]
