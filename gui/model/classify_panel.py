"""ClassifyPanel: drop audio files or folders on its drop zone to classify them with the active
model; a table of results (file, answer, confidence, every class's probability as a bar), the
selected file's waveform and spectrogram, a score track over time for long files, and
"Add to Project" with the predicted labels. The answer is a class, or ``silence`` or ``unknown``
in italics (core.ml.novelty), the model's class scores still shown beside it. Under the drop
zone, Listen Live (live_panel.py): the model's answer to the microphone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.ml.metrics import named_answers
from core.ml.runtime import AUTO_DEVICE
from core.store.added_files import adding_refused
from core.store.label_rules import class_named_by
from core.words import counted, percent_words
from gui.clips.clip_texts import NO_CONFIDENCE, verdict_tip
from gui.clips.clip_view import ClipView
from gui.common.colours import MUTED_COLOUR, class_colour
from gui.common.drops import local_paths
from gui.common.elided_label import one_line
from gui.common.table_model import selected_rows
from gui.common.tasks import TaskSlot
from gui.model.live_panel import LiveListenPanel
from gui.model.score_track import ScoreTrack
from gui.model.workers import FileClassifyWorker

FILE, LABEL, CONFIDENCE, BARS = range(4)
FILE_MIN_PX = 110  # "d_noise.wav" whole; a longer name is cut in its middle
PROBS_ROLE = Qt.ItemDataRole.UserRole + 1
CLASSES_ROLE = Qt.ItemDataRole.UserRole + 2  # the model's class names, in PROBS_ROLE's order


class ProbabilityBarDelegate(QStyledItemDelegate):
    """Paints a row's class probabilities as one bar split in the classes' colours."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.colours: dict[str, str] = {}  # the project's class colours

    def paint(self, painter: QPainter, option, index) -> None:
        super().paint(painter, option, index)
        probs = index.data(PROBS_ROLE)
        if not probs:
            return
        names = index.data(CLASSES_ROLE) or ()
        rect = option.rect.adjusted(4, 5, -4, -5)
        painter.save()
        x = float(rect.left())
        for k, p in enumerate(probs):
            width = p * rect.width()
            if width >= 0.5:
                name = names[k] if k < len(names) else ""
                painter.fillRect(QRect(int(x), rect.top(), max(1, int(round(width))), rect.height()),
                                 QColor(class_colour(name, k, self.colours)))
            x += width
        painter.restore()


class DropZone(QFrame):
    """A framed area that takes dropped files and folders: ``paths_dropped(list[Path])``."""

    paths_dropped = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropZone")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(64)
        self.label = QLabel("Drop audio files or a folder here to classify them\n"
                            "(audio files dropped anywhere on the window are classified too)")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.paths_dropped.emit(paths)


class ClassifyPanel(QWidget):
    """``set_model(checkpoint_path)`` (None: no model yet), ``classify(paths)``.

    Signals: ``train_requested`` (the no-model offer), ``add_requested(list)`` of
    (path, label) pairs, ``classification_finished(int)`` files classified,
    ``message(str, str)`` for the window's banner. ``device_of()``: the device to classify on,
    as Training Settings request it (None: "auto").
    """

    train_requested = Signal()
    add_requested = Signal(object)
    classification_finished = Signal(int)
    message = Signal(str, str)

    def __init__(self, parent: QWidget | None = None,
                 device_of: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ClassifyPanel")
        self._device_of = device_of or (lambda: AUTO_DEVICE)
        self.predictions: list = []
        self._checkpoint: Path | None = None
        self._task = TaskSlot(self)
        self.drop_zone = DropZone()
        self.drop_zone.paths_dropped.connect(self.classify)
        self.live = LiveListenPanel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.train_button = QPushButton("Train a Model")
        self.train_button.setEnabled(False)  # until a folder is open: set_project
        self.train_button.clicked.connect(self.train_requested)
        # The preview's own player (set_playback): hear a dropped file before adding it.
        self.playback = None
        self.play_button = QPushButton("▶ Play")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.cancel_button = QPushButton("Stop")
        for button in (self.train_button, self.cancel_button):  # see TrainingPanel's
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cancel_button.clicked.connect(self.cancel)
        # A drop adds to the results, as Edge Impulse's model testing keeps its samples (a second
        # drop replaced the first's, unsaid, a run still going too): Clear empties the list.
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget these results (the files are untouched)")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.clear_button.clicked.connect(self.clear)
        self._queued: list[list[Path]] = []  # drops waiting for the run before them
        self.add_button = QPushButton("Add Selected to Project")
        self._folder: Path | None = None  # the project's, which Add Selected copies into
        self._refused: str | None = None  # why it takes no file, as last asked (_ask_refused)
        self.add_button.clicked.connect(self._on_add)
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab moves on, not cell to cell
        # A right-click adds them under another class: a test file the model got wrong.
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        # "Scores": the bars' column gets the room left, and "Probabilities" was cut to "babilit".
        self.table.setHorizontalHeaderLabels(["File", "Label", "Confidence", "Scores"])
        self.table.horizontalHeaderItem(BARS).setToolTip("Every class's probability, as bars")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # A narrow dock cuts a name in its middle: its start and its end (a take's number, the
        # suffix) both stay readable.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.bar_delegate = ProbabilityBarDelegate(self.table)
        self.table.setItemDelegateForColumn(BARS, self.bar_delegate)
        header = self.table.horizontalHeader()
        # The bars take the room left: with the names stretched instead, a dock of 320 px cut
        # every name to "d_…av".
        header.setSectionResizeMode(BARS, QHeaderView.ResizeMode.Stretch)
        for col, width in ((FILE, FILE_MIN_PX), (LABEL, 90), (CONFIDENCE, 92)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self._names_px = FILE_MIN_PX  # the names' width, measured when a run ends
        self._names_sized = False  # a person dragged the names' edge: theirs from then on
        self._fitting = False
        self.table.viewport().installEventFilter(self)
        header.sectionResized.connect(self._on_section_resized)
        # Not the window's clip list: the file picked in the table above is shown here.
        self.clip_view = ClipView(empty_text="Select a classified file above to see it here")
        self.score_track = ScoreTrack()
        self.score_track.link_x(self.clip_view.spec_plot)
        preview = QWidget()
        preview_layout = QVBoxLayout(preview)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(self.clip_view, 1)
        preview_layout.addWidget(self.score_track)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(preview)
        # The preview takes what the window gains: at 768 px the table's 200 of 500 (four rows
        # for one file) left the waveform and spectrogram 30 px each over the score track.
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([110, 390])
        # The status over the buttons, the panel's width to itself: beside them, in a dock 380
        # px wide, "No model yet: label clips of two or more classes…" was a column of 7 lines.
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addStretch(1)
        row.addWidget(self.train_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.clear_button)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.drop_zone)
        layout.addWidget(self.live)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        self.set_model(None)
        self._update_buttons()

    def set_playback(self, playback, pause_others=lambda: None) -> None:
        """Play the preview's file with ``playback`` (a PlaybackController of its own: clicks
        seek, the playhead moves); ``pause_others()`` before it plays (the window's player)."""
        self.playback, self._pause_others = playback, pause_others
        playback.follow_view(self.clip_view)
        playback.state_changed.connect(
            lambda playing: self.play_button.setText("❚❚ Pause" if playing else "▶ Play"))
        self.play_button.setToolTip("Play the selected file" if playback.available else
                                    f"Playback is off: {playback.unavailable_reason}")
        self.clip_view.clip_shown.connect(lambda _path: self._update_buttons())

    def _on_play_clicked(self) -> None:
        if self.playback is not None:
            if not self.playback.playing:
                self._pause_others()
            self.playback.toggle()

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """Draw the bars and score lines in the project's class colours (class name -> colour)."""
        self.bar_delegate.colours = dict(colours)
        self.score_track.set_class_colours(colours)
        self.live.set_class_colours(colours)
        self.table.viewport().update()

    # ---- model and work -----------------------------------------------------------------

    def set_model(self, checkpoint_path: str | Path | None) -> None:
        """The model dropped files are classified with (the project's active model)."""
        self._checkpoint = Path(checkpoint_path) if checkpoint_path else None
        self.live.set_model(self._checkpoint, self._device_of())
        if self._checkpoint is None:
            self.status.setText("No model yet: label clips of two or more classes and train one; "
                                "then drop files here.")
        elif not self.is_busy():
            self.status.setText(f"Files are classified with {self._checkpoint.name}.")
        self._update_buttons()

    def has_model(self) -> bool:
        return self._checkpoint is not None

    def is_busy(self) -> bool:
        return self._task.is_running()

    def classify(self, paths: list) -> bool:
        """Classify files (folders: their audio files) in the background, their results added
        under those there (a drop while a run goes on waits for it); False without a model."""
        paths = [Path(p) for p in paths]
        if not paths:
            return False
        if self._checkpoint is None:
            self.status.setText("No model yet, so dropped files cannot be classified. Train one "
                                "first: label clips of two or more classes and press Train.")
            self.message.emit("No model yet: train one (Model › Train) before classifying files.",
                              "warning")
            self._update_buttons()
            return False
        if self.is_busy():
            self._queued.append(paths)
            self.status.setText(f"Classifying… ({sum(map(len, self._queued)):,} more dropped "
                                "item(s) next)")
            return True
        self._task.start(FileClassifyWorker(paths, self._checkpoint, self._device_of()),
                         partial=self._on_worker_results, progress=self._on_worker_progress,
                         finished=self._on_worker_finished, failed=self._on_worker_failed,
                         done=self._on_worker_done)
        self.status.setText(f"Classifying {len(paths)} dropped item(s)…")
        self._update_buttons()
        return True

    def cancel(self) -> None:
        """Stop the run and the drops waiting for it; the results so far stay."""
        self._queued = []
        if self.is_busy():  # said, or "Classifying…" stays under the results as if still going
            self.status.setText(f"Stopped: {counted(len(self.predictions), 'file')} classified "
                                "before it was cancelled")
        self._task.abandon()
        self._update_buttons()

    def set_project(self, project) -> None:
        """Another project opened (None: closed): the results forgotten (its model may know
        other classes, and Add Selected would copy them into it); Add Selected stays off where
        the project's folder is read-only, saying so."""
        self._folder = Path(project.folder) if project is not None else None
        self.train_button.setEnabled(project is not None)  # off with no folder, as Train is
        self._ask_refused()
        self.clear()

    def _ask_refused(self) -> str | None:
        """Why the project's folder takes no file, asked of the disk again (its permissions may
        change) as a folder opens, a run ends or a menu of adds opens: not at every selection
        change, where the buttons read the answer kept."""
        self._refused = adding_refused(self._folder) if self._folder is not None else None
        return self._refused

    def clear(self) -> None:
        """Stop classifying and forget the results."""
        self.cancel()
        self.status.setText("")
        self.predictions = []
        self.table.setRowCount(0)
        self.clip_view.clear()
        self.score_track.show_prediction(None)
        self._update_buttons()

    def shutdown(self) -> None:
        """Stop the worker and the preview's loader thread (the window is closing)."""
        self.cancel()
        self._task.cancel()  # and wait for it, and for those stopped before
        self.live.shutdown()
        if self.playback is not None:
            self.playback.shutdown()
        self.clip_view.shutdown()

    def _on_worker_results(self, predictions: list) -> None:
        self.table.setUpdatesEnabled(False)
        for prediction in predictions:
            self._append(prediction)
        self.table.setUpdatesEnabled(True)
        if self.table.currentRow() < 0 and self.table.rowCount():
            self.table.selectRow(0)

    def _append(self, prediction) -> None:
        self.predictions.append(prediction)
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(one_line(prediction.path.name))
        name.setToolTip(str(prediction.path))
        if prediction.ok:
            label = QTableWidgetItem(one_line(prediction.answer))
            confidence = QTableWidgetItem(NO_CONFIDENCE if prediction.verdict
                                          else percent_words(prediction.confidence))
            if prediction.verdict:
                font = QFont()
                font.setItalic(True)
                tip = (f"{verdict_tip(prediction.verdict, prediction.confidence)}\n"
                       f"Closest class: {prediction.label}")
                for item in (label, confidence):
                    item.setFont(font)
                    item.setForeground(MUTED_COLOUR)
                    item.setToolTip(tip)
            truth = class_named_by(prediction.path, prediction.classes)
            if truth is not None and (prediction.verdict or prediction.label != truth):
                label.setForeground(QColor("#b3261e"))  # a test file answered otherwise
                label.setToolTip("\n".join(filter(None, (label.toolTip(), f"Its folder or name "
                                                                       f"says: {truth}"))))
            bars = QTableWidgetItem()
            bars.setData(PROBS_ROLE, list(prediction.probabilities))
            bars.setData(CLASSES_ROLE, list(prediction.classes))
            bars.setToolTip("\n".join(f"{c}: {percent_words(p)}" for c, p in
                                      zip(prediction.classes, prediction.probabilities,
                                          strict=True)))
        else:
            label = QTableWidgetItem("—")
            confidence = QTableWidgetItem("")
            bars = QTableWidgetItem(prediction.error)
            bars.setToolTip(prediction.error)
            for item in (name, bars):
                item.setForeground(QColor("#b3261e"))
        confidence.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for col, item in enumerate((name, label, confidence, bars)):
            self.table.setItem(row, col, item)

    def _on_worker_done(self) -> None:
        """A run is over, finished, failed or broken: the next drop waiting, if any."""
        self._update_buttons()
        if self._queued and not self.is_busy():
            self.classify(self._queued.pop(0))

    def _on_worker_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.status.setText(f"Classifying… {done:,} of {total:,} files")

    def _on_worker_finished(self, outcome: tuple[int, list[str]]) -> None:
        count, empty = outcome
        failed = sum(1 for p in self.predictions if not p.ok)
        text = f"Classified {counted(len(self.predictions) - failed, 'file')}"
        if failed:
            text += f"; {failed:,} could not be read"
        if empty:
            names = ", ".join(empty[:3]) + (f" and {len(empty) - 3:,} more" if len(empty) > 3
                                            else "")
            text += f"; no audio files in {names}"
        self.status.setText(text + "." + self._named_text())
        self.table.resizeColumnToContents(LABEL)
        self._fit_names()
        self._ask_refused()
        self._update_buttons()
        self.classification_finished.emit(count)

    def _named_text(self) -> str:
        """A test set's score, where the files' folders or names say their classes (Edge
        Impulse's model testing): " Of the 18 whose folder or name says their class: 16 right
        (89%), 1 another class, 1 unknown or silence." ('' when none does)."""
        score = named_answers((None if p.verdict else p.label, class_named_by(p.path, p.classes))
                              for p in self.predictions if p.ok)
        if not score.named:
            return ""
        text = (f" Of the {score.named:,} whose folder or name says their class: {score.right:,} "
                f"right ({score.right / score.named:.0%})")
        if score.wrong:
            text += f", {score.wrong:,} another class"
        if score.unanswered:
            text += f", {score.unanswered:,} unknown or silence"
        return text + "."

    def _fit_names(self, measure: bool = True) -> None:
        """Names whole where they fit in 40% of the table (measured once a run has ended, kept
        as the table is resized), and never under FILE_MIN_PX: the bars keep the rest."""
        if self._names_sized:
            return
        self._fitting = True
        try:
            if measure:
                self.table.resizeColumnToContents(FILE)
                self._names_px = self.table.columnWidth(FILE)
            widest = max(FILE_MIN_PX, self.table.viewport().width() * 2 // 5)
            self.table.setColumnWidth(FILE, min(max(self._names_px, FILE_MIN_PX), widest))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column == FILE and not self._fitting and self.table.isVisible():
            self._names_sized = True

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_names(measure=False)
        return False

    def _on_worker_failed(self, reason: str) -> None:
        self.status.setText(f"Classifying stopped: {reason}")
        self._update_buttons()

    # ---- selection and adding -----------------------------------------------------------

    def selected_predictions(self) -> list:
        rows = selected_rows(self.table.selectionModel().selection())
        return [self.predictions[r] for r in rows if r < len(self.predictions)]

    def _on_selection_changed(self) -> None:
        chosen = self.selected_predictions()
        self._update_buttons()
        if not chosen:
            return
        prediction = chosen[0]
        # Its name first in the narrow panel; its whole path on hover.
        self.clip_view.show_clip(prediction.path, title=Path(prediction.path).name)
        self.score_track.show_prediction(prediction if prediction.ok else None)

    def _on_add(self) -> None:
        """Add the selected files under their predicted class; silence and unknown name none, so
        those are left out (and said so)."""
        chosen = [p for p in self.selected_predictions() if p.ok]
        pairs = [(p.path, p.label) for p in chosen if not p.verdict]
        if len(pairs) < len(chosen):
            left = len(chosen) - len(pairs)
            self.message.emit(f"{counted(left, 'file')} the model calls silence or unknown "
                              f"{'was' if left == 1 else 'were'} not added: "
                              "it names no class for them.", "info")
        if pairs:
            self.add_requested.emit(pairs)

    def add_selected_as(self, label: str | None) -> None:
        """Add the selected files under ``label``, whatever the model said; None: under the
        class each one's folder or name says (those without one are left out, and said so)."""
        chosen = [p for p in self.selected_predictions() if p.ok]
        pairs = [(p.path, label or class_named_by(p.path, p.classes)) for p in chosen]
        pairs = [(path, name) for path, name in pairs if name]
        if len(pairs) < len(chosen):
            self.message.emit(f"{counted(len(chosen) - len(pairs), 'file')} whose folder or name "
                              "says no class of the model's left out.", "info")
        if pairs:
            self.add_requested.emit(pairs)

    def _on_context_menu(self, position) -> None:
        chosen = [p for p in self.selected_predictions() if p.ok]
        if not chosen:
            return
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        adds = [menu.addAction("Add Under the Model's Answers", self._on_add)]
        adds.append(menu.addAction("Add Under the Class Their Folder or Name Says",
                                   lambda: self.add_selected_as(None)))
        adds[-1].setEnabled(any(class_named_by(p.path, p.classes) for p in chosen))
        menu.addSeparator()
        for name in chosen[0].classes:
            adds.append(menu.addAction(f"Add as {one_line(name)}",
                                       lambda name=name: self.add_selected_as(name)))
        refused = self._ask_refused()
        for action in adds if refused else ():
            action.setEnabled(False)
            action.setToolTip(refused)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def _update_buttons(self) -> None:
        # Also on the task's done, which follows finished or failed, or comes alone when the
        # worker stopped early or broke: the task no longer counts as running then.
        busy = self.is_busy()
        self.cancel_button.setVisible(busy)
        self.clear_button.setVisible(bool(self.predictions) and not busy)
        self.train_button.setVisible(self._checkpoint is None)
        refused = self._refused
        self.add_button.setEnabled(not busy and not refused
                                   and any(p.ok for p in self.selected_predictions()))
        self.add_button.setToolTip(refused or (
            "Copy the selected files into the project, into a folder per predicted label, "
            "labelled by the model (undo removes them); right-click them to add them under "
            "another class"))
        self.play_button.setVisible(self.playback is not None and bool(self.predictions))
        self.play_button.setEnabled(self.playback is not None and self.playback.available
                                    and self.clip_view.data is not None)
