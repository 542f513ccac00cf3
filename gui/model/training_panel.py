"""TrainingPanel: Train / Fine-tune / Settings / Cancel, progress with time left, live loss and
accuracy curves, and the active model's results (accuracy, per-class precision and recall, and a
clickable confusion matrix). A view only: a ModelController does the work."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.ml.calibration import CalibrationSummary
from core.ml.metrics import ROUGH_FIGURE, describe_epochs
from core.ml.model_card import scores_of
from core.ml.networks import DEFAULT_MODEL, MODELS
from core.words import counted
from core.workflow import model_history, model_metrics
from gui.common.elided_label import one_line
from gui.common.tasks import FunctionWorker, TaskSlot
from gui.common.time_text import format_duration
from gui.model.confusion_view import ConfusionView
from gui.model.reliability_plot import CAPTION_TOOLTIP, ReliabilityPlot, caption

_RECOMPUTE = "recompute"  # the stale confusion caption's link
_CURRENT_LABELS_TIP = ("Every labelled clip with a prediction of this model, training clips "
                       "included (so not a measure on new recordings). Clips it answered "
                       "unknown or silence are in no column. Click a cell to list its clips.")
_TRAIN_PEN = pg.mkPen("#2b5d8a", width=2)
_VAL_PEN = pg.mkPen("#d1495b", width=2)
_NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CURVES_MIN_PX = 170  # a row of plots: their titles, ticks and epoch axis, and room for a curve


def _curve_style(pen) -> dict:
    """A curve's line, and the dot it shows while it has a single point."""
    return {"pen": pen, "symbolSize": 6, "symbolPen": pen, "symbolBrush": pen.color()}


class EpochAxis(pg.AxisItem):
    """A bottom axis of epochs: ticks at whole epochs only (pyqtgraph put one at 1.5 after two
    epochs), no minor ticks (at the dock's width they drew a comb along the axis), and at least
    EPOCH_TICK_PX apart (30 epochs in the dock read "0 1020")."""

    def __init__(self) -> None:
        super().__init__("bottom")

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        span = maxVal - minVal
        step = 1.0
        if not (span > 0 and size > 0):  # not laid out yet
            return [(step, 0.0)]
        while step * size / span < EPOCH_TICK_PX:
            step *= 2.5 if str(int(step)).startswith("2") else 2.0  # 1, 2, 5, 10, 20, 50...
        return [(step, 0.0)]


#: The least room between two epoch ticks: "100" and a gap.
EPOCH_TICK_PX = 34


class TrainingPanel(QWidget):
    """Signals: ``train_requested``, ``fine_tune_requested``, ``settings_requested``,
    ``cancel_requested``, ``keep_requested`` / ``discard_requested`` (after a cancel),
    ``cell_clicked(true, predicted)`` from the confusion matrix, and ``recompute_requested``
    from its caption's link once labels changed since it was computed."""

    train_requested = Signal()
    fine_tune_requested = Signal()
    settings_requested = Signal()
    cancel_requested = Signal()
    keep_requested = Signal()
    discard_requested = Signal()
    cell_clicked = Signal(str, str)
    recompute_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.history: list = []
        self._has_model = False
        # Train is off with no folder open (set_project), as the toolbar's and the menu's are.
        self._project_open = False
        self._training = False  # a run is going: what the buttons and the curves follow
        self._curves_of: int | None = None  # the model whose curves show, read from its file
        self._history_task = TaskSlot(self)
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("TrainButton")
        self.train_button.setToolTip("Train a new model on the current labels (Ctrl+T)")
        self.fine_tune_button = QPushButton("Fine-tune")
        self.fine_tune_button.setToolTip(
            "Continue training the active model on the current labels, for a few epochs "
            "(Training Settings): after labelling a few more clips, much quicker than Train")
        self.settings_button = QPushButton("Settings…")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop training; you may keep the model trained so far")
        self.keep_button = QPushButton("Keep model")
        self.discard_button = QPushButton("Discard")
        # A click leaves the keys where they were (Tab still reaches them): the buttons turn
        # themselves off as training starts, and the focus fell to the loss plot, so the
        # clip list's arrow keys did nothing while a person labelled on.
        for button in (self.train_button, self.fine_tune_button, self.cancel_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for button, signal in ((self.train_button, self.train_requested),
                               (self.fine_tune_button, self.fine_tune_requested),
                               (self.settings_button, self.settings_requested),
                               (self.cancel_button, self.cancel_requested),
                               (self.keep_button, self.keep_requested),
                               (self.discard_button, self.discard_requested)):
            button.clicked.connect(signal)
        self.keep_button.clicked.connect(self._hide_keep)
        self.discard_button.clicked.connect(self._hide_keep)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.fine_tune_button, self.settings_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        keep_row = QHBoxLayout()
        keep_row.addStretch(1)
        keep_row.addWidget(self.keep_button)
        keep_row.addWidget(self.discard_button)

        self.status = QLabel(_IDLE_TEXT[False])
        self.status.setWordWrap(True)
        self.status.setObjectName("TrainingStatus")
        self.labels_note = QLabel()
        self.labels_note.setObjectName("Hint")
        self.labels_note.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.device_note = QLabel()  # "Training on CPU", once the run names its device
        self.device_note.setObjectName("Hint")

        self.curves = pg.GraphicsLayoutWidget()
        self.curves.setBackground("w")
        self.curves.setMinimumHeight(CURVES_MIN_PX)
        self.curves.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture: no Tab stop
        self.loss_plot = self.curves.addPlot(row=0, col=0, title="Loss",
                                             axisItems={"bottom": EpochAxis()})
        self.acc_plot = self.curves.addPlot(row=0, col=1, title="Accuracy",
                                            axisItems={"bottom": EpochAxis()})
        for plot in (self.loss_plot, self.acc_plot):
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setLabel("bottom", "Epoch")
            plot.showGrid(y=True, alpha=0.2)
        self.acc_plot.setYRange(0, 1, padding=0.02)
        # Lines without per-epoch symbols: their scatter items are re-laid out on every range
        # change, which showed up in the samples of the window's stall at the end of a run.
        # A lone first epoch still needs a dot to be seen (see _draw_curves).
        train, val = _curve_style(_TRAIN_PEN), _curve_style(_VAL_PEN)
        self.train_loss = self.loss_plot.plot(**train)
        self.val_loss = self.loss_plot.plot(**val)
        self.train_acc = self.acc_plot.plot(**train)
        self.val_acc = self.acc_plot.plot(**val)
        # The key sits under the plots (inside plots this small it covered the curves), and
        # above the calibration plot: under that, it read as its key.
        self.curves_key = pg.LabelItem(
            f"<span style='color:{_TRAIN_PEN.color().name()}'>━━</span> training&nbsp;&nbsp;&nbsp;"
            f"<span style='color:{_VAL_PEN.color().name()}'>━━</span> validation",
            color="#6b7280")
        self.curves.addItem(self.curves_key, row=1, col=0, colspan=2)

        self.events_summary = QLabel()  # event metrics on the marked recordings, when any
        self.events_summary.setObjectName("EventSummary")
        self.events_summary.setWordWrap(True)
        self.events_summary.hide()
        self.summary = QLabel()
        self.summary.setObjectName("ModelSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.per_class = QTableWidget(0, 4)
        self.per_class.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        self.per_class.setObjectName("PerClassTable")  # its cells' padding: earmark.qss
        self.per_class.setHorizontalHeaderLabels(["Class", "Precision", "Recall", "Clips"])
        for col in range(1, 4):  # headed on the side its numbers sit
            self.per_class.horizontalHeaderItem(col).setTextAlignment(_NUMBER_ALIGNMENT)
        self.per_class.horizontalHeaderItem(0).setTextAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.per_class.verticalHeader().setVisible(False)
        self.per_class.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.per_class.setFixedHeight(0)  # grows with its rows in show_model
        self.per_class.hide()  # no rows, no Tab stop
        # In the curves' layout, under them; in it only for a model with a diagram (see
        # _show_reliability).
        self.reliability = ReliabilityPlot()
        self.calibration_note = QLabel()  # the ECE and temperature in words
        self.calibration_note.setObjectName("Hint")
        self.calibration_note.setWordWrap(True)
        self.calibration_note.setToolTip(CAPTION_TOOLTIP)
        self.calibration_note.hide()
        self.reliability_shown = False
        self.confusion = ConfusionView()
        self.confusion.cell_clicked.connect(self.cell_clicked)
        # Its space is kept while hidden: appearing with the first model then repaints the matrix
        # alone instead of re-laying out and redrawing the whole panel at the end of a run.
        policy = self.confusion.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.confusion.setSizePolicy(policy)
        self.confusion_caption = QLabel()
        self.confusion_caption.setObjectName("Hint")
        self.confusion_caption.setWordWrap(True)
        self.confusion_caption.setTextFormat(Qt.TextFormat.RichText)
        self.confusion_caption.linkActivated.connect(self._on_confusion_caption_link)
        self._confusion_table = None  # the current-labels ConfusionTable on show, if one is
        self.confusion_changes = 0  # clips relabelled since that matrix was computed

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.labels_note)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.device_note)
        layout.addLayout(progress_row)
        layout.addLayout(keep_row)
        # What a model is shown with scrolls under the buttons, each part at a size it can be
        # read at: squeezed into a dock beside a 1366x768 window, the curves were 70 px wide,
        # the class table 2.5 rows tall and the matrix's rows touched.
        shown = QWidget()
        shown.setObjectName("TrainingResults")
        results = QVBoxLayout(shown)
        results.setContentsMargins(0, 0, 0, 0)
        results.addWidget(self.curves, 2)
        results.addWidget(self.summary)
        results.addWidget(self.calibration_note)
        results.addWidget(self.events_summary)
        results.addWidget(self.per_class)
        results.addWidget(self.confusion_caption)
        results.addWidget(self.confusion, 3)
        self.results = QScrollArea()
        self.results.setWidget(shown)
        self.results.setWidgetResizable(True)
        self.results.setFrameShape(QFrame.Shape.NoFrame)
        # Tab goes to what is in it (the class table, the matrix), which scrolls it into view.
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.results, 1)
        self.set_training(False)
        self._hide_keep()
        self.labels_note.hide()
        self.progress.hide()
        self.device_note.hide()
        self.set_has_model(False)

    # ---- state --------------------------------------------------------------------------

    def set_project(self, project) -> None:
        """The window opened ``project`` (None: closed)."""
        self._project_open = project is not None
        self.set_training(self._training)

    def set_training(self, training: bool) -> None:
        self._training = training
        self.train_button.setEnabled(not training and self._project_open)
        self.fine_tune_button.setEnabled(not training and self._has_model)
        self.settings_button.setEnabled(not training)
        self.cancel_button.setEnabled(training)

    def set_has_model(self, has_model: bool) -> None:
        self._has_model = has_model
        if self.status.text() in _IDLE_TEXT.values():  # nothing said of a run yet
            self.status.setText(_IDLE_TEXT[has_model])
        self.fine_tune_button.setEnabled(has_model and not self._training)

    def _hide_keep(self) -> None:
        self.keep_button.hide()
        self.discard_button.hide()

    # ---- training -----------------------------------------------------------------------

    def training_started(self, counts: dict) -> None:
        """A run began on a snapshot with ``counts`` clips per class."""
        self._curves_of = None  # the run's own, until its model is shown (a model's still being
        # read is let finish, not waited for, and dropped: see _show_history)
        self.history = []
        for curve in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
            curve.setData([], [])
        total = sum(counts.values())
        self.status.setText(f"Training on {total:,} labelled clips in {len(counts)} classes. "
                            "Keep labelling: the run uses the labels as they were at the start.")
        self.labels_note.hide()
        self.progress.setValue(0)
        self.progress.setFormat("Reading clips…")
        self.progress.show()
        self.device_note.hide()  # until the run names its device
        self._hide_keep()
        self.set_training(True)

    def show_progress(self, report) -> None:
        """A TrainProgress: the bar, epoch, time left and device; an epoch's metrics extend the
        curves."""
        device = getattr(report, "device", None)
        if device:
            self.device_note.setText("Training " + describe_device(
                device, getattr(report, "precision", None)))
            self.device_note.show()
        self.progress.setValue(int(1000 * min(max(report.fraction, 0.0), 1.0)))
        left = format_duration(report.eta_s)
        if report.phase == "decoding":
            self.progress.setFormat(report.message[:1].upper() + report.message[1:])
        else:  # a gate's run (the speech model's unknown rule) says so in its message
            text = (f"Epoch {report.epoch}/{report.epochs}" if report.phase == "training" else
                    report.message[:1].upper() + report.message[1:])
            self.progress.setFormat(text + (f" · {left} left" if left else ""))
        if report.epoch_metrics is not None:
            self.history.append(report.epoch_metrics)
            self._draw_curves(report.epochs)

    def _draw_curves(self, epochs_total: int = 0) -> None:
        """The curves of ``self.history``, along an axis from the first epoch to the run's last
        (``epochs_total``; 0: the last drawn), so a run's curves grow across the plots."""
        epochs = [m.epoch for m in self.history]
        last = max(epochs_total, epochs[-1] if epochs else 0, 2)
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(1, last, padding=0.02)
        symbol = "o" if len(epochs) == 1 else None
        for curve in (self.train_loss, self.train_acc, self.val_loss, self.val_acc):
            if curve.opts["symbol"] != symbol:
                curve.setSymbol(symbol)
        self.train_loss.setData(epochs, [m.train_loss for m in self.history])
        self.train_acc.setData(epochs, [m.train_accuracy for m in self.history])
        with_val = [m for m in self.history if m.val_loss is not None]
        self.val_loss.setData([m.epoch for m in with_val], [m.val_loss for m in with_val])
        self.val_acc.setData([m.epoch for m in with_val], [m.val_accuracy for m in with_val])

    def set_labels_changed(self, changed: bool) -> None:
        if self._training:  # a run is going
            text = ("Labels have changed since this training started; train again afterwards "
                    "to use them.")
        else:
            text = "Labels have changed since the last training: Fine-tune or Train to use them."
        self.labels_note.setText(text)
        self.labels_note.setVisible(changed)

    def training_finished(self, result) -> None:
        """A TrainResult arrived (finished or stopped)."""
        self.set_training(False)
        self.set_labels_changed(self.labels_note.isVisibleTo(self))  # now of the model trained
        self.progress.hide()
        self.device_note.hide()
        if result.stopped and result.checkpoint is not None:
            epochs = len(result.history)
            accuracy = (result.report.accuracy if result.report is not None else None)
            got = (f" (accuracy {accuracy:.0%} after {counted(epochs, 'epoch')})"
                   if accuracy is not None else "")
            self.status.setText(f"Training cancelled. Keep the model trained so far{got}?")
            self.keep_button.show()
            self.discard_button.show()
        elif result.stopped:
            self.status.setText("Training cancelled before the first epoch ended; nothing to keep.")
        else:
            device = getattr(result, "device", None)
            where = f" {describe_device(device)}" if device else ""
            epochs = describe_epochs(len(result.history), result.best_epoch)
            self.status.setText(f"Trained in {format_duration(result.elapsed_s)}{where}, {epochs}.")

    def training_failed(self, reason: str) -> None:
        self.set_training(False)
        self.progress.hide()
        self.device_note.hide()
        self.status.setText(f"Training could not run: {reason}")

    # ---- results ------------------------------------------------------------------------

    def set_event_metrics(self, result: dict | None) -> None:
        """Event precision, recall and F1 of the model on the recordings a person marked
        (``core.workflow.events.event_scores``), beside the clip metrics; None hides the line."""
        if not result or not result.get("n_files"):
            self.events_summary.hide()
            return
        micro = result["micro"]
        self.events_summary.setText(
            f"Events in {result['n_files']} marked recording(s), training ones included: "
            f"precision {micro['precision']:.0%}, recall {micro['recall']:.0%}, F1 "
            f"{micro['f1']:.2f} ({micro['hits']} of {micro['support']} marked events found, "
            f"{micro['predicted']} found in all)")
        self.events_summary.show()

    def show_model(self, record, checkpoint_path=None) -> None:
        """Show a ModelRecord's metrics (typed by core.workflow.model_metrics) and its training
        curves, read from ``checkpoint_path``, its file, in the background; nothing for None."""
        self._show_curves_of(record, checkpoint_path)
        self.set_has_model(record is not None)
        self.set_event_metrics(None)
        self.per_class.setRowCount(0)
        self.per_class.setFixedHeight(0)  # no rows: no room kept for them (show_model's)
        self.per_class.hide()  # nor a Tab stop
        self._confusion_table = None
        calibration = CalibrationSummary.from_metrics(record.metrics) if record else None
        multi_label = _multi_label(record)
        self._show_reliability(self.reliability.set_summary(None if multi_label else calibration))
        self.calibration_note.setText(caption(calibration, multi_label))
        self.calibration_note.setVisible(bool(self.calibration_note.text()))
        if record is None:
            self.summary.setText("No model yet.")
            self.confusion.set_matrix((), [])
            self._set_confusion_caption("")
            return
        metrics = model_metrics(record)
        where = metrics.evaluated_on
        settings = record.settings or {}
        network = settings.get("model_name", settings.get("model"))  # the network it is
        named = f" ({network})" if network in MODELS and network != DEFAULT_MODEL else ""
        parts = [f"Model {record.id}{named}: {len(record.classes)} classes"]
        if metrics.accuracy is not None:
            parts.append(f"accuracy {metrics.accuracy:.1%} on {metrics.n_evaluated or '?'} "
                         f"{where} clips")
            if metrics.rough:
                parts.append(ROUGH_FIGURE)
        if metrics.macro_f1 is not None:
            parts.append(f"macro F1 {metrics.macro_f1:.2f}")
        trained_on = _trained_on(record.metrics)
        if trained_on:
            parts.append(trained_on)
        # The card's scores (main.py info's): a multi-label model's every class at its own
        # threshold, where its top-1 report gave other figures (100%/50% against 0.25/0.90).
        scores = scores_of(metrics, record.metrics, multi_label)
        per_class = {name: values for name, values in scores["per_class"].items()
                     if isinstance(values, dict)}  # a stranger's file: JSON of any shape
        if _pct(scores["exact_match"]):
            parts.append(f"exact match {_pct(scores['exact_match'], 1)}")
        # A class no held-out clip has (marked in few minutes of few recordings): its accuracy
        # is not measured, which the figures above do not show.
        unmeasured = [one_line(n) for n in record.classes
                      if per_class.get(n, {}).get("support", None) == 0]
        if unmeasured and where == "validation":
            parts.append(f"no validation clip of {', '.join(unmeasured)}: not measured")
        self.summary.setText(" · ".join(parts))
        for name in record.classes:
            values = per_class.get(name)
            row = self.per_class.rowCount()
            self.per_class.insertRow(row)
            cells = [one_line(name)] + (["", "", ""] if values is None else [
                _pct(values.get("precision")), _pct(values.get("recall")),
                str(values.get("support", ""))])
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(_NUMBER_ALIGNMENT)
                self.per_class.setItem(row, col, item)
        self.per_class.setVisible(self.per_class.rowCount() > 0)
        rows = min(self.per_class.rowCount(), 10)  # more scroll
        self.per_class.setFixedHeight(self.per_class.horizontalHeader().height() + 4
                                      + rows * self.per_class.verticalHeader().defaultSectionSize())
        matrix = metrics.report.confusion_matrix if metrics.report is not None else ()
        if matrix and len(matrix) == len(record.classes):
            self.confusion.set_matrix(record.classes, matrix)
            self._set_confusion_caption(
                f"Held-out {where} clips: rows are the label, columns the prediction.")
            self.confusion_caption.setToolTip("")

    def _show_curves_of(self, record, checkpoint_path) -> None:
        """The loss and accuracy curves of the model shown (a folder reopened, another model
        made active), read from its file off the window's thread; those drawn stay until they
        arrive, and a run's own stay while it trains."""
        model_id = record.id if record is not None else None
        if model_id == self._curves_of or self._training:
            return
        self._curves_of = model_id
        self._history_task.cancel()
        if record is None or checkpoint_path is None:
            self._show_history(model_id, [])
            return
        self._history_task.start(
            FunctionWorker(lambda _task: model_history(checkpoint_path)),
            finished=lambda epochs: self._show_history(model_id, epochs))

    def _show_history(self, model_id: int | None, epochs: list) -> None:
        if model_id == self._curves_of and not self._training:
            self.history = list(epochs)
            self._draw_curves()

    def shutdown(self) -> None:
        """Stop reading a model's curves (the window is closing)."""
        self._history_task.cancel()

    def _show_reliability(self, shown: bool) -> None:
        """The calibration plot under the loss and accuracy, as wide as both (the third of a
        row, in a dock 380 px wide, each plot was 70 px and its ticks touched), or out of their
        layout (a hidden item there still kept a strip of room)."""
        if shown == self.reliability_shown:
            return
        if shown:
            self.curves.addItem(self.reliability, row=2, col=0, colspan=2)
        else:
            self.curves.removeItem(self.reliability)
        self.curves.setMinimumHeight(CURVES_MIN_PX * (2 if shown else 1))
        self.reliability_shown = shown

    @property
    def confusion_table(self):
        """The current-labels ConfusionTable on show (None: a model's held-out matrix, or none)."""
        return self._confusion_table

    def show_confusion(self, table) -> None:
        """Show a core.workflow.ConfusionTable (the labels as they are now vs stored
        predictions); ``set_confusion_changes`` says later whether labels changed since."""
        if table is None:
            return
        self._confusion_table = table
        self.confusion.set_matrix(table.classes, table.matrix)
        self.set_confusion_changes(0)

    def set_confusion_changes(self, n_clips: int) -> None:
        """The labels of ``n_clips`` clips differ from those the matrix on show was computed
        with (0: none, it is current); the caption says which. A held-out matrix keeps its own."""
        table = self._confusion_table
        if table is None:
            return
        self.confusion_changes = n_clips
        n_total = int(table.matrix.sum())
        total = f"{n_total:,}"
        if n_total == 0 and n_clips == 0:
            # A project labelled only by regions: there is no clip to put in the matrix.
            self.confusion.set_matrix((), [])
            text = ("No whole clip is labelled, so there is no clip matrix; the model's events "
                    "are measured against your regions above.")
        elif n_clips == 0:
            # Two lines in the dock: the rest of what it means is the tooltip.
            unanswered = table.unanswered
            text = (f"All {total} labelled clips, current labels (rows) against the model "
                    "(columns)" + (f"; {unanswered:,} more answered unknown or silence."
                                   if unanswered else "."))
        else:
            clips = "1 clip" if n_clips == 1 else f"{n_clips:,} clips"
            text = (f"<b>Computed before the labels of {clips} changed</b>: {total} clips, "
                    "their labels then (rows) against the model (columns). "
                    f"<a href='{_RECOMPUTE}'>Recompute</a>")
        self._set_confusion_caption(text)
        self.confusion_caption.setToolTip(_CURRENT_LABELS_TIP)

    def _set_confusion_caption(self, text: str) -> None:
        """The matrix's caption; its "Recompute" link, when it has one, reached with Tab and
        Enter as well as the mouse (a caption without one, or empty, is no Tab stop)."""
        self.confusion_caption.setText(text)
        self.confusion_caption.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction if "<a " in text
            else Qt.TextInteractionFlag.NoTextInteraction)

    def _on_confusion_caption_link(self, link: str) -> None:
        if link == _RECOMPUTE:
            self.recompute_requested.emit()


# What the tab says before any run this session: with no model, and with an active one.
_IDLE_TEXT = {False: "Press Train to train a model on the labelled clips. Spoken words? Choose "
                     "the speech model in Settings… first: it knows new voices far better.",
              True: "Train makes a new model on the current labels; Fine-tune continues this one "
                    "after a few more."}


def _multi_label(record) -> bool:
    """Whether a ModelRecord is a multi-label model (its settings say so, or its metrics carry
    the multi-label scores)."""
    if record is None:
        return False
    metrics = record.metrics if isinstance(record.metrics, dict) else {}
    return bool((record.settings or {}).get("multi_label")) or "multi_label" in metrics


def describe_device(device: str, precision: str | None = None) -> str:
    """'on CPU', 'on cuda:0 (bf16)': a device (and its mixed precision, if any) in words."""
    text = "on CPU" if device == "cpu" else f"on {device}"
    return text + (f" ({precision})" if precision and precision != "fp32" else "")


def _trained_on(metrics) -> str:
    """'trained on CPU, 1 process' from a model's metrics ('' when they do not say: models
    trained before devices were recorded)."""
    metrics = metrics if isinstance(metrics, dict) else {}
    device, world_size = metrics.get("device"), metrics.get("world_size")
    if not device:
        return ""
    processes = int(world_size) if isinstance(world_size, int | float) and world_size >= 1 else 1
    return f"trained {describe_device(device)}, {counted(processes, 'process', 'processes')}"


def _pct(value, decimals: int = 0) -> str:
    """A share as a percentage; blank for anything that is no finite number (a stranger's
    model file's metrics are JSON of any shape)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return f"{value:.{decimals}%}"
