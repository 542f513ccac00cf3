"""How Training Settings and the Training tab look with the app's style sheet: combo boxes show
their arrow and spin boxes theirs (the sheet's images are found), a disabled checkbox is greyed,
spin boxes indent their text as combo boxes do, epoch axes tick whole epochs only, and the
per-class table's headings sit over their columns."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QVBoxLayout, QWidget

from gui.app import RESOURCES, make_app
from gui.model.settings_dialog import SPIN_TEXT_INDENT_PX, TrainSettingsDialog
from gui.model.training_panel import EPOCH_TICK_PX, EpochAxis, TrainingPanel


@pytest.fixture
def styled(qapp):
    """The app's style sheet on for the test, put back as it was after."""
    before = qapp.styleSheet()
    make_app()
    yield qapp
    qapp.setStyleSheet(before)


def _grey(widget) -> np.ndarray:
    """``widget`` as drawn, ``(height, width)`` grey levels 0 (black) to 255."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                             image.bytesPerLine())
    return rows[:, :image.width()].copy()  # the view dies with the image


def test_every_image_the_style_sheet_names_is_found(styled):
    sheet = (RESOURCES / "earmark.qss").read_text(encoding="utf-8")
    names = re.findall(r"url\(earmark:([^)]+)\)", sheet)
    assert names and all((RESOURCES / name).is_file() for name in names)
    assert str(RESOURCES) in [str(p) for p in QDir.searchPaths("earmark")]


@pytest.mark.parametrize("make", [lambda: QComboBox(), lambda: QSpinBox()])
def test_combo_and_spin_boxes_draw_their_arrows(qtbot, styled, make):
    box = make()
    if isinstance(box, QComboBox):
        box.addItem("x")
    qtbot.addWidget(box)
    box.resize(160, 32)
    box.show()
    arrows = _grey(box)[4:-4, -20:-4]  # the box's right end, inside its frame
    assert arrows.min() < 140  # an arrow, not a blank end that reads as a text field


def test_a_disabled_checkbox_is_greyed(qtbot, styled):
    window = QWidget()  # a top-level checkbox has no background of its own to grab
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    boxes = [QCheckBox("Mixed precision on a GPU") for _ in range(2)]
    boxes[1].setEnabled(False)
    for box in boxes:
        layout.addWidget(box)
    window.show()
    qtbot.waitExposed(window)
    ink = [int(_grey(box)[:, 24:].min()) for box in boxes]  # the text, right of the indicator
    assert ink[0] < 90 and ink[1] > ink[0] + 60


def test_spin_boxes_indent_their_text_as_combo_boxes_do(qtbot):
    dialog = TrainSettingsDialog()
    qtbot.addWidget(dialog)
    for box in (dialog.epochs, dialog.clip_seconds_requested, dialog.val_share):
        assert box.lineEdit().textMargins().left() == SPIN_TEXT_INDENT_PX > 0


def test_epoch_axes_tick_whole_epochs_only(qtbot):
    axis = EpochAxis()
    for low, high, size_px in ((1, 2, 300), (0.8, 3.2, 120), (1, 6, 80), (1, 150, 120)):
        levels = axis.tickSpacing(low, high, size_px)
        assert len(levels) == 1  # no minor ticks
        spacing, offset = levels[0]
        assert spacing >= 1 and spacing == int(spacing) and offset == 0
    # 30 epochs in the dock's 80 px read "0 1020": ticks at least EPOCH_TICK_PX apart, on
    # round numbers.
    for high, size_px in ((30, 80), (30, 300), (150, 250), (1000, 200)):
        spacing = axis.tickSpacing(0, high, size_px)[0][0]
        assert spacing * size_px / high >= EPOCH_TICK_PX and str(int(spacing))[0] in "125"
        assert spacing == 1 or (spacing / 2.5 if str(int(spacing))[0] == "5" else spacing / 2) \
            * size_px / high < EPOCH_TICK_PX  # the smallest round step that fits
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    for plot in (panel.loss_plot, panel.acc_plot):
        assert isinstance(plot.getAxis("bottom"), EpochAxis)


def test_per_class_headings_sit_over_their_columns(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    header = [panel.per_class.horizontalHeaderItem(col) for col in range(4)]
    assert header[0].textAlignment() & Qt.AlignmentFlag.AlignLeft
    assert all(item.textAlignment() & Qt.AlignmentFlag.AlignRight for item in header[1:])
