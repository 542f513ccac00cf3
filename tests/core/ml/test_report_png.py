"""The PNG plots core writes without a plotting library: a valid file (decoded back here with
zlib), bars, the diagonal and lines where their values put them."""

import numpy as np
import pytest

from core.ml.bitmap_font import CELL_ROWS, glyph, text_mask
from core.ml.calibration import Reliability
from core.ml.png_canvas import Canvas, encode_png, rgb, write_png
from core.ml.report_png import (
    ACCURACY,
    PALETTE,
    line_plot_image,
    log_ticks,
    nice_ticks,
    reliability_axes,
    reliability_image,
    tick_label,
)
from tests.png_reader import chunks, read_png


def test_png_round_trip(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (7, 11, 3), dtype=np.uint8)
    path = write_png(tmp_path / "x.png", image)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kind, header = chunks(data)[0]
    assert kind == b"IHDR" and header[:8] == (11).to_bytes(4, "big") + (7).to_bytes(4, "big")
    np.testing.assert_array_equal(read_png(data), image)
    with pytest.raises(ValueError):
        encode_png(np.zeros((2, 2, 4), np.uint8))


def _near(pixel, colour, tolerance=40) -> bool:
    return bool(np.abs(pixel.astype(int) - rgb(colour)).max() <= tolerance)


def _diagram(filled: dict[int, tuple[float, float, int]], n_bins=10) -> Reliability:
    confidence, accuracy, count = [None] * n_bins, [None] * n_bins, [0] * n_bins
    for i, (c, a, k) in filled.items():
        confidence[i], accuracy[i], count[i] = c, a, k
    return Reliability(tuple(confidence), tuple(accuracy), tuple(count))


def test_reliability_diagram_draws_bars_and_the_diagonal(tmp_path):
    # bin 0.8-0.9: 90% right at 85% sure; bin 0.3-0.4: 10% right at 35% sure (over-confident)
    after = _diagram({8: (0.85, 0.9, 30), 3: (0.35, 0.1, 10)})
    path = write_png(tmp_path / "r.png", reliability_image(after, width_px=400, height_px=460))
    image = read_png(path)
    assert image.shape == (460, 400, 3)
    main, strip = reliability_axes(400, 460)

    def at(axes, x, y):
        return image[int(axes.y(y)), int(axes.x(x))]  # the pixel holding the point

    assert _near(at(main, 0.85, 0.45), ACCURACY)  # inside the tall bar
    assert _near(at(main, 0.35, 0.05), ACCURACY)  # inside the short one
    assert not _near(at(main, 0.35, 0.25), ACCURACY)  # above it: the hatched gap, not the bar
    assert at(main, 0.55, 0.45).min() > 200  # no clips in 0.5-0.6: no bar
    assert at(main, 0.15, 0.75).min() > 200  # nothing above the diagonal's left end
    # the dashed diagonal: dark pixels along y = x where there are no bars
    on_line = [at(main, t, t).max() < 120 for t in np.linspace(0.05, 0.25, 30)]
    assert sum(on_line) >= 10
    # the strip: the fuller bin's bar reaches the top, the other a third of the way
    assert at(strip, 0.85, 0.9).max() < 200 and at(strip, 0.35, 0.5).min() > 200
    assert at(strip, 0.35, 0.2).max() < 200


def test_the_reliability_key_is_under_the_diagram_clear_of_its_bars():
    """A bin of low confidence all answered right (0.3-0.4: 35% sure, 100% right) ran a bar
    through the key in the upper left, and any corner may hold a bar: the key is drawn under
    the diagram, its axis caption above it."""
    after = _diagram({3: (0.35, 1.0, 5), 9: (0.97, 0.97, 200)})
    image = reliability_image(after, width_px=400, height_px=460)
    main, strip = reliability_axes(400, 460)
    assert image[int(main.y(0.95)), int(main.x(0.35))].max() < 200  # the bar, not a white key
    corner = image[int(main.y(0.98)):int(main.y(0.75)), int(main.x(0.02)):int(main.x(0.3))]
    assert corner.min() > 200  # nothing written in the upper left
    key = image[int(strip.bottom) + 30:, :].reshape(-1, 3).astype(int)
    assert (np.abs(key - rgb(ACCURACY)).max(axis=1) <= 40).sum() > 100  # its sample, under


def test_before_calibration_is_drawn_behind():
    after = _diagram({8: (0.85, 0.9, 30)})
    before = _diagram({9: (0.97, 0.9, 30)})
    plain = reliability_image(after, width_px=400, height_px=460)
    both = reliability_image(after, before, width_px=400, height_px=460)
    main, _ = reliability_axes(400, 460)
    pixel = (int(main.y(0.3)), int(main.x(0.95)))  # bin 0.9-1.0: only before has a bar
    assert plain[pixel].min() > 200 and both[pixel].max() < 230
    assert _near(both[int(main.y(0.45)), int(main.x(0.85))], ACCURACY)


def test_an_empty_diagram_still_draws():
    image = reliability_image(_diagram({}), width_px=300, height_px=360)
    assert image.shape == (360, 300, 3)


def _dots(image, colour):
    """Rows of the pixels exactly ``colour``, and the column centres of the dots on its line:
    columns inked at least 5 pixels tall within 6 rows of the line (the line is 2 tall)."""
    ys, xs = np.nonzero((image == rgb(colour).astype(np.uint8)).all(axis=2))
    row = np.median(ys)
    near = np.abs(ys - row) <= 6
    columns = np.flatnonzero(np.bincount(xs[near]) >= 5)
    runs = np.split(columns, np.flatnonzero(np.diff(columns) > 2) + 1)
    return ys, [float(r.mean()) for r in runs if len(r)]


@pytest.mark.parametrize("log_x", [True, False])
def test_line_plot_places_series_and_scales_x(log_x):
    series = {"high": ([1, 10, 100], [0.9, 0.9, 0.9]), "low": ([1, 10, 100], [0.5, 0.5, 0.5])}
    image = line_plot_image(series, title="T", x_label="x", y_label="y", log_x=log_x,
                            y_range=(0.0, 1.0), legend="lower right")
    high_y, dots = _dots(image, PALETTE[0])
    low_y, _ = _dots(image, PALETTE[1])
    assert np.median(high_y) < np.median(low_y)  # 0.9 drawn above 0.5
    assert len(dots) == 3
    middle = (dots[1] - dots[0]) / (dots[2] - dots[0])
    assert middle == pytest.approx(0.5 if log_x else 9 / 99, abs=0.02)


def test_a_missing_value_breaks_the_line():
    image = line_plot_image({"a": ([1, 2, 3, 4], [0.2, None, 0.8, 0.6])}, y_range=(0, 1))
    assert image.shape == (460, 720, 3)


def test_ticks_and_labels():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 147) == [25, 50, 75, 100, 125]
    assert nice_ticks(0.42, 0.95) == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert log_ticks(4, 160) == [5, 10, 20, 50, 100]
    assert tick_label(0.25, [0.0, 0.25, 0.5]) == "0.25"
    assert tick_label(2000, [0, 1000, 2000]) == "2,000"


def test_font_text_is_sharp_and_unknown_characters_are_question_marks():
    assert text_mask("Ab").shape[0] == CELL_ROWS
    assert (glyph("☃") == glyph("?")).all()
    canvas = Canvas(40, 20)
    canvas.text(2, 2, "1", valign="top")
    image = canvas.image()
    # whole-pixel ink: pure dark or pure white, no grey in a glyph drawn at scale 1
    values = np.unique(image[..., 0])
    assert len(values) == 2 and values.min() < 60


def test_the_legend_goes_where_the_lines_are_not():
    key = rgb("#d0d7de").astype(np.uint8)  # the legend's frame

    def key_corner(ys):
        image = line_plot_image({"a": ([1, 2, 3], ys)}, y_range=(0, 1))
        rows, columns = np.nonzero((image == key).all(axis=2))
        height, width = image.shape[:2]
        return ("lower" if rows.min() > height / 2 else "upper" if rows.max() < height / 2
                else "?") + (" right" if columns.min() > width / 2 else " left"
                             if columns.max() < width / 2 else " ?")

    assert key_corner([0.1, 0.5, 0.9]) == "lower right"  # a rising curve leaves it empty
    assert key_corner([0.9, 0.5, 0.1]) in ("lower left", "upper right")
    assert key_corner([0.1, 0.1, 0.9]) == "upper left"
