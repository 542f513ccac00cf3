"""File > Export View as Image: the clip view's plots as shown, into a PNG (twice the screen's
pixels) or a PDF drawing, without the playhead; a bad path or no clip is said, not raised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from gui.clips.spectrogram_settings import SpectrogramSettings
from gui.clips.view_image import PNG_SCALE, default_image_name, save_view_image
from tests import audio_factory
from tests.gui.helpers import open_and_wait, show_row


@pytest.fixture
def shown(qtbot, window, tmp_path, monkeypatch):
    """A window showing night.wav zoomed to 1-3 s of 500-3,000 Hz, with one region; what the
    window says is kept in ``window.said``."""
    folder = tmp_path / "rec"
    audio_factory.write(folder / "night.wav", audio_factory.tone(1000.0, 4.0))
    open_and_wait(qtbot, window, folder)
    record = window.model.record(0)
    window.project.add_region(record.id, 1.5, 2.0, "owl", 800.0, 1200.0)
    show_row(qtbot, window, 0)
    window.acts.spectrogram.apply(SpectrogramSettings(low_hz=500.0, high_hz=3000.0))
    window.clip_view.set_view_range(1.0, 3.0)
    window.said = []
    monkeypatch.setattr(window, "show_message",
                        lambda text, kind="info": window.said.append((text, kind)))
    return window


def _choose(monkeypatch, path, chosen_filter: str = "") -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(path), chosen_filter))


def test_the_view_is_saved_as_a_png_at_twice_the_screens_pixels(shown, tmp_path, monkeypatch):
    view = shown.clip_view
    view.set_playhead(2.5)
    assert view.spec_playhead.isVisible()
    drawn = []
    real_hide = view.spec_playhead.hide
    monkeypatch.setattr(view.spec_playhead, "hide", lambda: (drawn.append("hidden"), real_hide()))
    out = tmp_path / "figure.png"
    _choose(monkeypatch, out)
    shown.acts.export_image.trigger()
    assert shown.said == []
    image = QImage(str(out))
    viewport = view.graphics.viewport().size()
    assert (image.width(), image.height()) == (viewport.width() * PNG_SCALE,
                                               viewport.height() * PNG_SCALE)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # the plots are drawn, not a blank page
    assert drawn == ["hidden"] and view.spec_playhead.isVisible()  # hidden for the figure only
    assert "Saved the view to" in shown.statusBar().currentMessage()


def test_a_name_typed_without_a_suffix_becomes_a_png(shown, tmp_path, monkeypatch):
    _choose(monkeypatch, tmp_path / "figure")
    shown.acts.export_image.trigger()
    assert not QImage(str(tmp_path / "figure.png")).isNull()


def test_a_path_that_cannot_be_written_is_said_and_nothing_raised(shown, tmp_path, monkeypatch):
    (tmp_path / "a file").write_text("in the way of a folder")
    out = tmp_path / "a file" / "figure.png"
    _choose(monkeypatch, out)
    shown.acts.export_image.trigger()
    ((text, kind),) = shown.said
    assert kind == "error" and str(out) in text and "[Errno" not in text  # in words
    with pytest.raises(ValueError, match="figure.jpg: the view is written as a .png image or "
                                         "a .pdf drawing"):
        save_view_image(shown.clip_view, tmp_path / "figure.jpg")


def test_a_read_only_folder_offers_the_home_folder_and_a_figure_is_written_whole(
        shown, tmp_path, monkeypatch):
    """Whether the folder could take the figure was asked of os.access, which says yes to root
    on a folder marked read-only (where adding files is refused); and a save over a figure
    that was cut short left it cut."""
    folder = Path(shown.folder)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, where, _filters: (offered.append(where), ("", ""))[1])
    folder.chmod(0o555)
    try:
        shown.acts.export_image.trigger()
    finally:
        folder.chmod(0o755)
    assert Path(offered[0]).parent == Path.home()
    written = []
    monkeypatch.setattr("gui.clips.view_image.write_bytes_atomic",
                        lambda path, data: written.append((path, bytes(data[:8]))))
    save_view_image(shown.clip_view, tmp_path / "figure.png")
    assert written == [(tmp_path / "figure.png", b"\x89PNG\r\n\x1a\n")]


def test_the_view_is_saved_as_a_pdf_drawing(shown, tmp_path, monkeypatch):
    view = shown.clip_view
    view.set_playhead(2.5)
    _choose(monkeypatch, tmp_path / "figure", "PDF drawing (*.pdf)")  # no suffix typed
    shown.acts.export_image.trigger()
    assert shown.said == []
    data = (tmp_path / "figure.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    # One page, the viewport's size at the screen's resolution (in points, 72 an inch).
    viewport, points = view.graphics.viewport().size(), 72 / view.graphics.logicalDpiX()
    (box,) = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert (float(box[0]), float(box[1])) == pytest.approx(
        (viewport.width() * points, viewport.height() * points), abs=1)  # whole points
    assert b"/FontFile2" in data or b"/FontFile" in data  # the axes' text is text, not pixels
    assert data.count(b"/Subtype /Image") == 1  # the spectrogram, embedded as an image
    assert view.spec_playhead.isVisible()  # hidden only while drawn


def test_without_a_clip_it_asks_for_one(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "empty"
    folder.mkdir()
    open_and_wait(qtbot, window, folder)
    said = []
    monkeypatch.setattr(window, "show_message", lambda text, kind="info": said.append(text))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: pytest.fail("no dialog without a clip"))
    window.acts.export_image.trigger()
    assert said == ["Select a clip first: Export View as Image draws the clip view as it is "
                    "shown."]


def test_the_name_offered_says_the_clip_and_its_range():
    assert default_image_name("night/owl.wav", 12.5, 14.0) == "owl_12.50-14.00s.png"
    assert default_image_name("pair.wav", 0.0, 3.0, 1) == "pair_channel2_0.00-3.00s.png"
