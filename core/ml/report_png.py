"""The plots Earmark writes as PNG files, drawn with ``png_canvas`` (numpy and zlib only): a
reliability diagram (``reliability_image``) and a line plot with named series and a legend
(``line_plot_image``, for learning curves). Each returns an ``(height, width, 3)`` uint8 image;
``png_canvas.write_png`` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.ml.bitmap_font import CELL_ROWS, text_width
from core.ml.calibration import Reliability
from core.ml.png_canvas import Canvas

TEXT = "#1f2328"
MUTED = "#57606a"
GRID = "#e6e8eb"
AXIS = "#8c959f"
ACCURACY = "#2b5d8a"  # the training panel's blue
GAP = "#d1495b"  # and its red
BEFORE = "#b7bec7"
# Series colours, told apart in colour-blind vision too (Okabe and Ito).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


@dataclass(frozen=True)
class PlotAxes:
    """A plot's rectangle (image pixels) and the data ranges it maps."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    log_x: bool = False

    def x(self, value: float) -> float:
        lo, hi = self.x_range
        if self.log_x:
            value, lo, hi = math.log10(value), math.log10(lo), math.log10(hi)
        return self.left + (value - lo) / (hi - lo) * (self.right - self.left)

    def y(self, value: float) -> float:
        lo, hi = self.y_range
        return self.bottom - (value - lo) / (hi - lo) * (self.bottom - self.top)


def nice_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Round values from ``lo`` to ``hi``, 1, 2, 2.5 or 5 times a power of ten apart: the
    closest spacing that gives at most ``max_ticks``."""
    if hi <= lo:
        return [lo]
    power = 10.0 ** math.floor(math.log10((hi - lo) / max(max_ticks, 2)))
    for step in (m * power * k for k in (1, 10, 100) for m in (1, 2, 2.5, 5)):
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first + 1 <= max_ticks:
            return [round(i * step, 12) for i in range(first, last + 1)]
    return [lo, hi]


def log_ticks(lo: float, hi: float) -> list[float]:
    """1, 2 and 5 times the powers of ten from ``lo`` to ``hi`` (only the powers when that is
    more than eight)."""
    ticks = [m * 10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
             for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
    return ticks if len(ticks) <= 8 else [t for t in ticks if math.log10(t).is_integer()]


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """``value`` with as many decimals as the ticks' spacing needs."""
    steps = [abs(b - a) for a, b in zip(ticks[:-1], ticks[1:], strict=True) if b != a]
    decimals = 0
    if steps and min(steps) < 1:
        decimals = min(6, max(0, -math.floor(math.log10(min(steps)) + 1e-9)))
        while decimals < 6 and any(abs(round(t, decimals) - t) > 1e-9 for t in ticks):
            decimals += 1
    return f"{value:,.{decimals}f}"


def _draw_axes(canvas: Canvas, axes: PlotAxes, x_ticks, y_ticks, x_label: str, y_label: str,
               x_tick_labels: Sequence[str] | None = None) -> None:
    """Grid, frame, ticks with labels, and the axis labels around ``axes``."""
    for t in y_ticks:
        canvas.line([(axes.left, axes.y(t)), (axes.right, axes.y(t))], GRID)
    for t in x_ticks:
        canvas.line([(axes.x(t), axes.top), (axes.x(t), axes.bottom)], GRID)
    canvas.frame(axes.left, axes.top, axes.right + 1, axes.bottom + 1, AXIS)
    labels = x_tick_labels or [tick_label(t, x_ticks) for t in x_ticks]
    for t, text in zip(x_ticks, labels, strict=True):
        x = axes.x(t)
        canvas.line([(x, axes.bottom), (x, axes.bottom + 4)], AXIS)
        canvas.text(x, axes.bottom + 7, text, MUTED, align="centre", valign="top")
    widest = 0.0
    for t in y_ticks:
        y = axes.y(t)
        canvas.line([(axes.left - 4, y), (axes.left, y)], AXIS)
        widest = max(widest, canvas.text(axes.left - 7, y, tick_label(t, y_ticks), MUTED,
                                         align="right", valign="middle"))
    canvas.text((axes.left + axes.right) / 2, axes.bottom + 7 + CELL_ROWS + 8, x_label, TEXT,
                align="centre", valign="top")
    canvas.text(axes.left - 7 - widest - 8, (axes.top + axes.bottom) / 2, y_label, TEXT,
                align="centre", valign="bottom", vertical=True)


CORNERS = ("upper left", "upper right", "lower left", "lower right")


def _legend_box(entries, corner: str, axes: PlotAxes) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the key of ``entries`` in a ``corner`` of ``axes``."""
    width = max(text_width(label) for label, _ in entries) + 20 + 6 + 2 * 8
    height = len(entries) * 16 + 2 * 8 - 4
    x0 = axes.left + 10 if "left" in corner else axes.right - 10 - width
    y0 = axes.top + 10 if "upper" in corner else axes.bottom - 10 - height
    return x0, y0, x0 + width, y0 + height


def _emptiest_corner(entries, axes: PlotAxes, lines) -> str:
    """The corner whose key would cover the least of ``lines`` (lists of pixel points, sampled
    along each segment), and of those the one farthest from them."""
    samples = np.array([(ax + t * (bx - ax), ay + t * (by - ay)) for line in lines
                        for (ax, ay), (bx, by) in zip(line[:-1], line[1:], strict=True)
                        for t in np.linspace(0, 1, 25)] + [p for line in lines for p in line])
    if not len(samples):
        return "lower right"

    def score(corner: str) -> tuple[int, float]:
        x0, y0, x1, y1 = _legend_box(entries, corner, axes)
        dx = np.maximum(np.maximum(x0 - samples[:, 0], samples[:, 0] - x1), 0)
        dy = np.maximum(np.maximum(y0 - samples[:, 1], samples[:, 1] - y1), 0)
        distance = np.hypot(dx, dy)
        return int((distance == 0).sum()), -float(distance.min())

    return min(CORNERS[::-1], key=score)  # ties: lower right, where rising curves leave room


def _legend(canvas: Canvas, entries, corner: str, axes: PlotAxes) -> None:
    """A boxed key in a ``corner`` of ``axes`` ("upper left", "lower right", ...): entries of
    (label, draw) where ``draw(x, y)`` draws the 20-pixel sample centred on the left at (x, y)."""
    x0, y0, x1, y1 = _legend_box(entries, corner, axes)
    canvas.rect(x0, y0, x1, y1, "#ffffff", alpha=0.92)
    canvas.frame(x0, y0, x1, y1, "#d0d7de")
    for i, (label, draw) in enumerate(entries):
        y = y0 + 8 + i * 16 + 6
        draw(x0 + 8, y)
        canvas.text(x0 + 8 + 26, y, label, TEXT, valign="middle")


#: The reliability diagram's key, two rows of two under its axis: inside the plot, a bar of a
#: bin of low confidence all answered right ran through it (any corner may hold one).
KEY_ROWS_PX = 2 * 16 + 8


def _key_under(canvas: Canvas, entries, left: float, right: float, top: float) -> None:
    """``entries`` (label, draw) as ``_legend``'s, in two columns from ``top`` down, unboxed."""
    column_px = (right - left) / 2
    for i, (label, draw) in enumerate(entries):
        x, y = left + (i % 2) * column_px + 8, top + (i // 2) * 16 + 6
        draw(x, y)
        canvas.text(x + 26, y, label, TEXT, valign="middle")


def reliability_axes(width_px: int, height_px: int) -> tuple[PlotAxes, PlotAxes]:
    """Where ``reliability_image`` of that size draws its diagram and its strip of clip shares:
    each maps confidence (x) and 0..1 (y) to image pixels."""
    left, right, strip_px = 72, width_px - 24, 70
    top = 14 + 2 * CELL_ROWS + 6 + CELL_ROWS + 14  # under the title and its line
    bottom = height_px - 40 - strip_px - 34 - KEY_ROWS_PX
    return (PlotAxes(left, top, right, bottom, (0.0, 1.0), (0.0, 1.0)),
            PlotAxes(left, bottom + 12, right, bottom + 12 + strip_px, (0.0, 1.0), (0.0, 1.0)))


def reliability_image(after: Reliability, before: Reliability | None = None,
                      title: str = "Reliability", width_px: int = 560, height_px: int = 620
                      ) -> np.ndarray:
    """A reliability diagram: per confidence bin, the share answered right as a bar (dark),
    the gap to the bin's mean confidence over or under it (red), the diagonal a calibrated
    model follows, and under it the share of clips per bin. ``before`` (the same clips before
    calibration) is drawn as pale wide bars behind. The title gives the clips and the ECE
    (``before`` -> ``after`` when both)."""
    canvas = Canvas(width_px, height_px)
    ece = f"ECE {before.ece:.3f} → {after.ece:.3f}" if before is not None else f"ECE {after.ece:.3f}"
    canvas.text(width_px / 2, 14, title, TEXT, scale=2, align="centre", valign="top")
    canvas.text(width_px / 2, 14 + 2 * CELL_ROWS + 6, f"{after.n:,} clips · {ece}", MUTED,
                align="centre", valign="top")
    main, strip = reliability_axes(width_px, height_px)
    left, top, right, bottom = main.left, main.top, main.right, main.bottom
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    for t in ticks:
        canvas.line([(left, main.y(t)), (right, main.y(t))], GRID)
        canvas.line([(main.x(t), top), (main.x(t), bottom)], GRID)
    edges = np.linspace(0.0, 1.0, after.n_bins + 1)
    if before is not None:
        b_edges = np.linspace(0.0, 1.0, before.n_bins + 1)
        for i, acc in enumerate(before.accuracy):
            if before.count[i] and acc is not None:
                canvas.rect(main.x(b_edges[i]) + 0.5, main.y(acc), main.x(b_edges[i + 1]) - 0.5,
                            main.y(0), BEFORE, alpha=0.7)
    inset = 0.18 * (main.x(edges[1]) - main.x(edges[0])) if before is not None else 1.0
    for i, (conf, acc) in enumerate(zip(after.confidence, after.accuracy, strict=True)):
        if not after.count[i] or acc is None:
            continue
        x0, x1 = main.x(edges[i]) + inset, main.x(edges[i + 1]) - inset
        canvas.rect(x0, main.y(acc), x1, main.y(0), ACCURACY, alpha=0.9)
        if conf is not None:  # hatched: the bar under an under-confident bin shows through
            canvas.rect(x0, main.y(acc), x1, main.y(conf), GAP, alpha=0.85, hatch_px=5)
            canvas.line([(x0, main.y(conf)), (x1, main.y(conf))], GAP, width_px=1.5)
    canvas.line([(left, bottom), (right, top)], "#404850", width_px=1.5, dash_px=(6, 4))
    canvas.frame(left, top, right + 1, bottom + 1, AXIS)
    for t in ticks:
        canvas.line([(left - 4, main.y(t)), (left, main.y(t))], AXIS)
        canvas.text(left - 7, main.y(t), tick_label(t, ticks), MUTED, align="right",
                    valign="middle")
    canvas.text(left - 42, (top + bottom) / 2, "Accuracy", TEXT, align="centre",
                valign="bottom", vertical=True)
    entries = [("accuracy", lambda x, y: canvas.rect(x, y - 5, x + 20, y + 5, ACCURACY, 0.9)),
               ("gap to mean confidence", lambda x, y: (
                   canvas.rect(x, y - 5, x + 20, y + 5, GAP, 0.85, hatch_px=5),
                   canvas.line([(x, y - 5), (x + 20, y - 5)], GAP, 1.5))),
               ("perfectly calibrated", lambda x, y: canvas.line([(x, y), (x + 20, y)], "#404850", 1.5,
                                                         dash_px=(6, 4)))]
    if before is not None:
        entries.append(("before calibration",
                        lambda x, y: canvas.rect(x, y - 5, x + 20, y + 5, BEFORE, 0.7)))
    share = np.asarray(after.count, np.float64) / max(after.n, 1)
    peak = float(share.max()) if after.n else 1.0
    for i, s in enumerate(share):
        if s:
            canvas.rect(strip.x(edges[i]) + 1, strip.y(s / peak), strip.x(edges[i + 1]) - 1,
                        strip.y(0), MUTED, alpha=0.75)
    canvas.frame(left, strip.top, right + 1, strip.bottom + 1, AXIS)
    canvas.text(left - 7, strip.top, f"{peak:.0%}", MUTED, align="right", valign="top")
    canvas.text(left - 7, strip.bottom, "0", MUTED, align="right", valign="baseline")
    canvas.text(left - 42, (strip.top + strip.bottom) / 2, "Clips", TEXT, align="centre",
                valign="bottom", vertical=True)
    for t in ticks:
        canvas.line([(strip.x(t), strip.bottom), (strip.x(t), strip.bottom + 4)], AXIS)
        canvas.text(strip.x(t), strip.bottom + 7, tick_label(t, ticks), MUTED, align="centre",
                    valign="top")
    caption_y = strip.bottom + 7 + CELL_ROWS + 8
    canvas.text((left + right) / 2, caption_y, "Confidence (the top class's probability)", TEXT,
                align="centre", valign="top")
    _key_under(canvas, entries, left, right, caption_y + CELL_ROWS + 12)
    return canvas.image()


def line_plot_image(series: Mapping[str, tuple[Sequence[float], Sequence[float | None]]],
                    title: str = "", x_label: str = "", y_label: str = "", log_x: bool = False,
                    y_range: tuple[float, float] | None = None,
                    x_ticks: Sequence[float] | None = None, legend: str = "best",
                    width_px: int = 720, height_px: int = 460) -> np.ndarray:
    """Lines with dots, one per named series ``{name: (xs, ys)}``, a legend (``legend``: "upper
    left", "lower right", ..., or "best": the corner that hides the least of the lines), and
    ``x`` on a log scale with ``log_x``. A None or NaN y breaks its line. ``y_range``
    defaults to round values around the data; ``x_ticks`` to round ones."""
    canvas = Canvas(width_px, height_px)
    points = {name: [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)
                     if y is not None and math.isfinite(y) and (x > 0 or not log_x)]
              for name, (xs, ys) in series.items()}
    all_x = [x for p in points.values() for x, _ in p] or [1.0, 10.0]
    all_y = [y for p in points.values() for _, y in p] or [0.0, 1.0]
    x_lo, x_hi = min(all_x), max(all_x)
    if x_hi == x_lo:
        x_lo, x_hi = (x_lo / 2, x_hi * 2) if log_x else (x_lo - 1, x_hi + 1)
    if log_x:  # a little room either side, as the linear axes have round ends
        x_lo, x_hi = x_lo / (x_hi / x_lo) ** 0.04, x_hi * (x_hi / x_lo) ** 0.04
    if y_range is None:  # out to the round values either side of the data
        lo, hi = min(all_y), max(all_y) if max(all_y) > min(all_y) else min(all_y) + 1
        ticks = nice_ticks(lo, hi)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else hi - lo
        y_range = (math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step)
    y_ticks = nice_ticks(*y_range)
    x_ticks = list(x_ticks) if x_ticks is not None else (
        log_ticks(x_lo, x_hi) if log_x else nice_ticks(x_lo, x_hi))
    if not log_x:
        x_lo, x_hi = min(x_lo, min(x_ticks)), max(x_hi, max(x_ticks))
    top = 14 + (2 * CELL_ROWS + 14 if title else 0)
    axes = PlotAxes(70, top, width_px - 24, height_px - 52, (x_lo, x_hi), y_range, log_x)
    if title:
        canvas.text(width_px / 2, 14, title, TEXT, scale=2, align="centre", valign="top")
    x_labels = [tick_label(t, x_ticks) if not log_x else f"{t:,g}" for t in x_ticks]
    _draw_axes(canvas, axes, x_ticks, y_ticks, x_label, y_label, x_labels)
    entries, drawn = [], []
    for i, (name, pts) in enumerate(points.items()):
        colour = PALETTE[i % len(PALETTE)]
        for run in _runs(series[name], log_x):
            drawn.append([(axes.x(x), axes.y(y)) for x, y in run])
            canvas.line(drawn[-1], colour, width_px=2.0)
        for x, y in pts:
            canvas.disc(axes.x(x), axes.y(y), 3.5, colour)
        drawn.append([(axes.x(x), axes.y(y)) for x, y in pts])  # lone dots count too
        entries.append((name, lambda x, y, c=colour: (
            canvas.line([(x, y), (x + 20, y)], c, 2.0), canvas.disc(x + 10, y, 3.5, c))))
    if entries:
        corner = _emptiest_corner(entries, axes, drawn) if legend == "best" else legend
        _legend(canvas, entries, corner, axes)
    return canvas.image()


def _runs(xy, log_x: bool) -> list[list[tuple[float, float]]]:
    """The stretches of a series between its missing values, as lists of points."""
    runs, current = [], []
    for x, y in zip(*xy, strict=True):
        if y is None or not math.isfinite(y) or (log_x and x <= 0):
            runs.append(current)
            current = []
        else:
            current.append((float(x), float(y)))
    return [r for r in [*runs, current] if len(r) > 1]
