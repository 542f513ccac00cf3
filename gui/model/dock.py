"""ModelDock: the Model dock (Training, Models, Classify and Review tabs) and the wiring between
them, the ModelController, the clip list and the undo stack, so the main window only places it."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QTabWidget, QWidget

from core import workflow as pm
from core.audio.energy_detector import EnergyDetectorConfig
from core.audio.reading import MAX_CHANNELS
from core.audio.template_detector import CallTemplate, TemplateDetectorConfig
from core.errors import ConfigError, EarmarkError
from core.ml.train_config import TrainConfig, parse_clip_seconds
from core.words import counted
from core.workflow import events as found
from gui.clips.clip_table import FILTER_ALL
from gui.clips.commands import AcceptPredictionsCommand
from gui.clips.playback import PlaybackController
from gui.clips.view_ranges import region_range
from gui.common import settings as keys
from gui.common.channels import name_channels
from gui.common.tasks import TaskSlot
from gui.common.time_text import format_span
from gui.model.classify_panel import ClassifyPanel
from gui.model.commands import AddFilesCommand, added_message
from gui.model.controller import ModelController
from gui.model.detection_commands import DetectEventsCommand, detection_message
from gui.model.energy_dialog import EnergyChoice, EnergyDetectorDialog
from gui.model.models_panel import ModelsPanel
from gui.model.review_panel import ReviewPanel
from gui.model.search_fields import every_recording_of, stored_numbers, to_store
from gui.model.settings_dialog import TrainSettingsDialog
from gui.model.similar_dialog import MAX_TEMPLATES, SimilarCallsDialog, SimilarChoice, evenly_spaced
from gui.model.training_panel import TrainingPanel
from gui.model.workers import DetectEventsWorker, EnergyDetectWorker, TemplateDetectWorker


class ModelDock(QDockWidget):
    """Owns the ModelController and the three panels.

    ``model`` is the window's ClipTableModel (predictions are shown there), ``clip_list`` its
    ClipListPanel (confusion cells filter it), ``undo_stack`` takes the commands,
    ``show_message(text, kind)`` the window's banner. Signals: ``records_changed(list)`` every
    ClipRecord of the project after clips were added to or removed from it (read by the task that
    changed them; the window updates its list); ``status(str, int)`` a status-bar line and its
    timeout (ms), for work under way; ``features_changed(object)`` the active model's FeatureConfig
    (None: the defaults). The Training Settings choice persists in ``settings`` (default: the
    user's settings file) and is restored when the dock is built."""

    records_changed = Signal(object)
    status = Signal(str, int)
    features_changed = Signal(object)

    def __init__(self, model, clip_list, undo_stack, show_message,
                 parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__("Model", parent)
        self.setObjectName("ModelDock")
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.model, self.clip_list, self.undo_stack = model, clip_list, undo_stack
        self.show_message = show_message
        self.controller = ModelController(self)
        self._files_task = TaskSlot(self)  # adding classified files, and undoing that
        self._detect_task = TaskSlot(self)  # finding events: the model's, or loud ones
        self._energy: EnergyChoice | None = None  # this session's last run (then the stored one)
        self.training = TrainingPanel()
        self.models = ModelsPanel(path_of=lambda record: pm.model_checkpoint_path(self.project,
                                                                             record))
        # A bound method, not a lambda holding the dock: no reference cycle through its widgets.
        self.classify = ClassifyPanel(device_of=self.controller.device)
        self.review = ReviewPanel(lambda: self.project, undo_stack)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.training, "Training")
        self.tabs.addTab(self.models, "Models")
        self.tabs.addTab(self.classify, "Classify")
        self.tabs.addTab(self.review, "Review")
        self.tabs.tabBarClicked.connect(lambda index: self.tabs.widget(index) is self.review
                                        and QTimer.singleShot(0, self.review.take_keys))
        # Set by connect_clips: the clip view, its player and the window's RegionSelection.
        self._clip_view = self._playback = self._regions = None
        self._pending_event = None  # an event to show once its file is on screen
        self._filters_timer = QTimer(self, singleShot=True, interval=0)  # a read after a burst of news
        self._filters_timer.timeout.connect(self.refresh_events)
        self.setWidget(self.tabs)
        self.predictions: dict[int, tuple[str, float]] = {}
        self._shown_model_id: int | None = None
        self.settings = settings if settings is not None else keys.open_settings()
        self.controller.set_config(self._stored_train_config())
        self._wire()

    def _wire(self) -> None:
        c, t = self.controller, self.training
        t.train_requested.connect(self.train)
        t.fine_tune_requested.connect(self.fine_tune)
        t.settings_requested.connect(self.edit_settings)
        t.cancel_requested.connect(c.cancel_training)
        t.keep_requested.connect(c.keep_stopped_model)
        t.discard_requested.connect(c.discard_stopped_model)
        t.cell_clicked.connect(self.filter_confusion_cell)
        t.recompute_requested.connect(c.recompute_confusion)
        c.training_started.connect(t.training_started)
        c.training_progress.connect(t.show_progress)
        c.training_finished.connect(t.training_finished)
        c.training_failed.connect(t.training_failed)
        c.labels_changed_since.connect(t.set_labels_changed)
        c.active_model_changed.connect(self._on_active_model_changed)
        c.predictions_ready.connect(self._on_predictions_ready)
        c.classify_finished.connect(self._on_confusion_ready)
        # A file the classification could not read: its Status says why now.
        c.clips_unreadable.connect(lambda records: self.model.upsert_records(records))
        c.events_ready.connect(t.set_event_metrics)
        c.confusion_ready.connect(self._on_confusion_ready)
        c.confusion_changes.connect(t.set_confusion_changes)
        c.message.connect(self.show_message)
        c.status.connect(self.status)
        self.models.activate_requested.connect(c.set_active_model)
        self.models.load_requested.connect(c.load_model_file)
        self.classify.train_requested.connect(self.train)
        self.classify.message.connect(self.show_message)
        self.classify.add_requested.connect(self.add_files)
        self.review.detect_requested.connect(self.detect_events)
        self.review.energy_requested.connect(self.find_loud_events)
        self.review.similar_requested.connect(self.find_similar_calls)
        self.review.cancel_requested.connect(self.cancel_detection)
        self.review.message.connect(self.show_message)
        self.review.on_changed = self._on_regions_changed
        self.review.go_to = self.go_to_event

    def connect_clips(self, clip_view, playback, labels) -> None:
        """Wire the review queue to the window's clip view, player and LabelController (its
        RegionSelection and class keys): a current event is shown there, and region edits made
        there reach the queue and the clip list's event filters."""
        self._clip_view, self._playback, self._regions = clip_view, playback, labels.regions
        # The Classify tab's preview plays with a player of its own.
        self.classify.set_playback(PlaybackController(self, playback.unavailable_reason), playback.pause)
        clip_view.clip_shown.connect(self._on_clip_shown)
        labels.keys_changed.connect(self.review.set_class_keys)
        labels.regions.regions_changed.connect(lambda _clip_id: self._filters_timer.start())

    # ---- project ------------------------------------------------------------------------

    def set_project(self, project) -> None:
        """The window opened ``project`` (None: closed)."""
        self.predictions, self._shown_model_id = {}, None
        self._files_task.cancel()
        self._detect_task.cancel()
        self.review.detection_ended()
        self._pending_event = None
        for panel in (self.classify, self.training):  # what Add and Train act on
            panel.set_project(project)
        self.controller.set_project(project)
        self.refresh_events()

    def classify_new_clips(self) -> None:
        """A scan is over, or files were added: classify clips the active model has not seen."""
        if self.project is not None and not self.controller.is_training():
            record = self.controller.active_model()
            if record is not None:
                self.controller.classify_project(record, only_new=True)

    @property
    def project(self):
        return self.controller.project

    def is_busy(self) -> bool:
        return self.controller.is_busy() or self.classify.is_busy() or self.is_detecting()

    def busy_text(self) -> str:
        work = []
        if self.controller.is_training():
            work.append("a model is training")
        if self.controller.is_classifying() or self.classify.is_busy():
            work.append("clips are being classified")
        if self.is_detecting():
            work.append("events are being detected")
        return " and ".join(work)

    def shutdown(self) -> None:
        """Stop every worker and wait for the threads (the window is closing)."""
        self.controller.shutdown()
        self.classify.shutdown()
        self.models.shutdown()
        self.training.shutdown()
        self._files_task.cancel()
        self._detect_task.cancel()

    # ---- actions --------------------------------------------------------------------------

    def train(self) -> bool:
        self.tabs.setCurrentWidget(self.training)
        self.show()
        return self.controller.start_training()

    def fine_tune(self) -> bool:
        self.tabs.setCurrentWidget(self.training)
        self.show()
        return self.controller.start_training(fine_tune=True)

    def edit_settings(self) -> None:
        dialog = TrainSettingsDialog(self.controller.default_config(), self, self._most_channels())
        if dialog.exec():
            self.set_train_config(dialog.config())

    def set_train_config(self, config: TrainConfig) -> None:
        """Train with ``config`` from now on, and remember its choice for the next session."""
        self.controller.set_config(config)
        keys.write_train_choice(self.settings, config.model, config.to_dict())

    def _stored_train_config(self) -> TrainConfig | None:
        """The remembered choice rebuilt by core (None: none stored, or core refuses it, so one
        click of Train uses the defaults)."""
        stored = keys.read_train_choice(self.settings)
        if stored is None:
            return None
        model, values = stored
        try:
            if "clip_seconds_requested" in values:
                values["clip_seconds_requested"] = parse_clip_seconds(
                    values["clip_seconds_requested"])
            return TrainConfig.for_model(model, **values)
        except ConfigError:
            return None

    def labels_edited(self) -> None:
        self.controller.labels_edited()

    def set_class_colours(self, colours: dict[str, str]) -> None:
        """The project's class colours (class name -> colour), for the Classify tab's drawings."""
        self.classify.set_class_colours(colours)

    def classify_files(self, paths: list) -> bool:
        self.tabs.setCurrentWidget(self.classify)
        self.show()
        self.raise_()
        return self.classify.classify(paths)

    # ---- predictions and filters ----------------------------------------------------------

    def _on_active_model_changed(self, record) -> None:
        project = self.project
        self.training.show_model(record, pm.model_checkpoint_path(project, record)
                                 if record is not None and project is not None else None)
        self.models.set_models(project.models() if project is not None else [],
                               record.id if record is not None else None)
        self.classify.set_model(pm.model_checkpoint_path(project, record)
                                if record is not None else None)
        if record is None or record.id != self._shown_model_id:
            self.predictions = {}
            self.model.set_predictions({})
        self._shown_model_id = record.id if record is not None else None
        self.features_changed.emit(pm.model_features(record))

    def _on_predictions_ready(self, rows: dict) -> None:
        self.predictions.update(rows)
        self.model.set_predictions(self.predictions, self.controller.model_classes())

    def _on_confusion_ready(self, model_id: int, confusion) -> None:
        if model_id == self._shown_model_id:
            self.training.show_confusion(confusion)

    def filter_confusion_cell(self, true_label: str, predicted_label: str) -> None:
        """The clips labelled ``true_label`` the model calls ``predicted_label``: those the matrix
        on show counted, else (a held-out matrix keeps no clips) by the labels as they are."""
        record, table = self.controller.active_model(), self.training.confusion_table
        if record is None or self.project is None:
            return
        ids = (table.clip_ids(true_label, predicted_label) if table is not None else
               pm.confusion_cell_clips(self.project, record.id, true_label, predicted_label))
        self.clip_list.show_clip_ids(ids, f"Labelled {true_label}, predicted {predicted_label}")

    def accept_predictions(self) -> None:
        """Label the selected clips with the active model's predictions (undoable)."""
        ids = self.clip_list.selected_ids()
        verdicts = self.controller.verdicts()  # silence and unknown: never a label
        changes = {i: self.predictions[i][0] for i in ids
                   if i in self.predictions and self.predictions[i][0] not in verdicts}
        if self.project is None or not changes:
            self.show_message("Select clips that have a prediction first." if self.predictions
                              else "No model has answered yet: train one (Ctrl+T) first.", "info")
            return
        # Its redo labels the clips; the stack's indexChanged tells the training panel.
        self.undo_stack.push(AcceptPredictionsCommand(
            self.project, self.model, changes, on_error=lambda m: self.show_message(m, "error")))

    def add_files(self, pairs: list, source: str = "model") -> AddFilesCommand | None:
        """Copy files into the project with their labels (undoable; the copying runs in the
        background and the list updates when it ends): classified files with their predicted
        labels, or (``source`` "manual") a person's recordings with the class they chose. The
        command pushed; None without a project."""
        if self.project is None:
            self.show_message("Open a folder first: files are copied into it.", "info")
            return None
        self.status.emit(f"Copying {counted(len(pairs), 'file')} into {self.project.folder.name}…", 0)
        command = AddFilesCommand(self.project, pairs, self._files_task, lambda records, added:
                                  self._on_files_changed(records, added, source),
                                  on_error=lambda m: self.show_message(m, "error"), source=source)
        self.undo_stack.push(command)
        return command

    def _on_files_changed(self, records: list, added, source: str) -> None:
        self.status.emit("", 0)
        self.records_changed.emit(records)
        if added is None:
            return
        self.classify_new_clips()  # the new clips' predictions
        if source == "manual":  # a recording: the dialog counts them, the status bar names it
            names = ", ".join(self.project.relpath(copy) for _, copy in added.copies)
            self.status.emit(f"Added {names} (Ctrl+Z removes it)", 8000)
        else:
            self.show_message(added_message(added, self.project.folder.name), "info")

    def is_adding_files(self) -> bool:
        return self._files_task.is_running()

    # ---- detection and review -------------------------------------------------------------

    def is_detecting(self) -> bool:
        return self._detect_task.is_running()

    def detect_events(self) -> bool:
        """Run the active model over the project's long recordings in the background; the events
        found are stored as one undo command when it ends (or is cancelled: the files searched
        to their end). False (with a message) when it cannot start."""
        record = self.controller.active_model()
        if self.project is None:
            self.show_message("Open a folder of clips first.", "info")
            return False
        if record is None:
            self.show_message("Train or load a model first: Detect Events runs the active model.",
                              "info")
            return False
        if self.controller.is_training():
            self.show_message("A model is training: detect events once it has finished.", "info")
            return False
        self.tabs.setCurrentWidget(self.review)
        self.show()
        self.review.detection_started()
        name = f"model {record.id}"
        self.status.emit(f"Detecting events with {name}…", 0)
        self._detect_task.start(
            DetectEventsWorker(self.project, pm.model_checkpoint_path(self.project, record),
                               device=self.controller.default_config().device),
            progress=lambda value: self.review.detection_progress(*value),
            finished=lambda outcome: self._on_detected(name, outcome, labels=record.classes),
            failed=self._on_detect_failed)
        return True

    def find_loud_events(self) -> bool:
        """Ask for the energy detector's settings (a selected region's band and label offered)
        and search with them; False when there is nothing to search or the dialog is closed."""
        if self.project is None:
            self.show_message("Open a folder of clips first.", "info")
            return False
        clip_id = self._regions.clip_id if self._regions is not None else -1
        clip = self.project.clip(clip_id) if clip_id >= 0 else None
        region_id = self._regions.region_id if self._regions is not None else None
        region = self.project.region(region_id) if region_id is not None else None
        last = self.last_energy_choice()
        # The channel the spectrogram shows: where a person saw the calls.
        initial = dataclasses.replace(last.config, channel=self._shown_channel())
        label = last.label
        if region is not None:  # calls like it: its length, band and channel
            label = region.label
            initial = initial.for_example(region.end_s - region.begin_s)
            if region.low_hz is not None:
                initial = dataclasses.replace(initial, low_hz=region.low_hz, high_hz=region.high_hz)
            if region.channel is not None:
                initial = dataclasses.replace(initial, channel=region.channel)
        dialog = EnergyDetectorDialog(
            initial, [c.name for c in self.project.classes()], label,
            Path(clip.path).name if clip is not None and not clip.error else None,
            self._readable_count(), last.every_recording, self, self._most_channels())
        name_channels(dialog.channel, clip.channels if clip is not None else None)
        if not dialog.exec():
            return False
        choice = dialog.choice()
        return self.start_energy_detection(choice, None if choice.every_recording else [clip_id])

    def last_energy_choice(self) -> EnergyChoice:
        """This session's last Find Loud Events choice, else the one stored by an earlier
        session (its label is the project's business: not kept), else the defaults."""
        if self._energy is not None:
            return self._energy
        stored = keys.read(self.settings, keys.ENERGY_DETECTOR)
        try:
            values = stored_numbers(EnergyDetectorConfig, stored)
            for edge in ("low_hz", "high_hz"):
                values[edge] = values.get(edge) or None  # 0: no edge
            config = EnergyDetectorConfig(**values)
        except (EarmarkError, TypeError, ValueError):
            config = EnergyDetectorConfig()
        return EnergyChoice(config, None, every_recording_of(stored))

    def start_energy_detection(self, choice: EnergyChoice, clip_ids: list[int] | None) -> bool:
        """Search ``clip_ids`` (None: every readable recording) with the energy detector in the
        background; the events found are stored as one undo command when it ends."""
        if self.project is None:
            return False
        if self.is_detecting():
            self.show_message("A search for events is running: wait for it or cancel it.", "info")
            return False
        self._energy = choice
        keys.write(self.settings, keys.ENERGY_DETECTOR,
                   to_store(choice.config, choice.every_recording))
        self.tabs.setCurrentWidget(self.review)
        self.show()
        self.review.detection_started()
        self.status.emit("Finding loud events…", 0)
        self._detect_task.start(
            EnergyDetectWorker(self.project, choice.config, clip_ids, choice.label),
            progress=lambda value: self.review.detection_progress(*value),
            finished=lambda outcome: self._on_detected(
                "the energy detector", outcome, "No readable recordings to search.",
                {choice.label}, "loud"),
            failed=self._on_detect_failed)
        return True

    def find_similar_calls(self) -> bool:
        """Ask how to search for calls shaped like the selected region (or every region of its
        class) and search; False when there is no region to look for or the dialog is closed."""
        if self.project is None:
            self.show_message("Open a folder of clips first.", "info")
            return False
        region_id = self._regions.region_id if self._regions is not None else None
        region = self.project.region(region_id) if region_id is not None else None
        if region is None:
            self.show_message("Select a region first: box one call on the spectrogram (Shift+drag "
                              "for its band), and Find Similar Calls looks for others shaped "
                              "like it.", "info")
            return False
        clip = self.project.clip(region.clip_id)
        same_class = [region] + [r for r in self.project.regions() if region.label is not None
                                 and r.label == region.label and r.status is None
                                 and r.id != region.id]
        last = self.last_similar_choice()
        # The template's channel: the region's own, else the one the spectrogram shows.
        config = dataclasses.replace(last.config, channel=self._shown_channel()
                                     if region.channel is None else region.channel)
        band = ("" if region.low_hz is None else
                f", {region.low_hz:,.0f}–{region.high_hz:,.0f} Hz")
        dialog = SimilarCallsDialog(
            f"{Path(clip.path).name}, {format_span(region.begin_s, region.end_s)}{band}",
            region.label, len(same_class), [c.name for c in self.project.classes()],
            Path(clip.path).name if not clip.error else None,
            self._readable_count(), config, last.every_recording, self, self._most_channels())
        name_channels(dialog.channel, clip.channels)
        if not dialog.exec():
            return False
        choice = dialog.choice()
        chosen = (evenly_spaced(same_class, MAX_TEMPLATES) if choice.every_region_of_class
                  else [region])
        templates = [CallTemplate(self.project.clip(r.clip_id).path, r.begin_s, r.end_s,
                                  r.low_hz, r.high_hz) for r in chosen]
        return self.start_similar_search(templates, choice,
                                         None if choice.every_recording else [clip.id])

    def _shown_channel(self) -> int | None:
        """The channel Spectrogram Settings show (None: the mix, or no clip view yet)."""
        view = self._clip_view
        return view.spectrogram_settings().channel if view is not None else None

    def _most_channels(self) -> int:
        """The most channels a recording of the folder has (the clip list's), MAX_CHANNELS at most."""
        return min(max(((r.channels or 1) for r in self.model.records()), default=1), MAX_CHANNELS)

    def _readable_count(self) -> int:
        """How many recordings a search of every one reads: the clip list's count (no store read)."""
        counts = self.model.counts()
        return counts["clips"] - counts["unreadable"]

    def last_similar_choice(self) -> SimilarChoice:
        """The last Find Similar Calls settings and scope (kept in the settings, for the next
        session too), else the defaults."""
        stored = keys.read(self.settings, keys.SIMILAR_CALLS)
        try:
            config = TemplateDetectorConfig(**stored_numbers(TemplateDetectorConfig, stored))
        except (EarmarkError, TypeError, ValueError):
            config = TemplateDetectorConfig()
        return SimilarChoice(config, None, False, every_recording_of(stored))

    def start_similar_search(self, templates: list[CallTemplate], choice: SimilarChoice,
                             clip_ids: list[int] | None) -> bool:
        """Search ``clip_ids`` (None: every readable recording) for stretches shaped like
        ``templates`` in the background; the events found are stored as one undo command when
        it ends, and the queue shows the best matches first."""
        if self.project is None or not templates:
            return False
        if self.is_detecting():
            self.show_message("A search for events is running: wait for it or cancel it.", "info")
            return False
        keys.write(self.settings, keys.SIMILAR_CALLS,
                   to_store(choice.config, choice.every_recording))
        self.tabs.setCurrentWidget(self.review)
        self.show()
        self.review.show_surest_first()
        self.review.detection_started()
        n = len(templates)
        self.status.emit(f"Finding calls like {'the template' if n == 1 else f'{n} templates'}…",
                         0)
        self._detect_task.start(
            TemplateDetectWorker(self.project, templates, choice.config, clip_ids, choice.label),
            progress=lambda value: self.review.detection_progress(*value),
            finished=lambda outcome: self._on_detected(
                "the template detector", outcome, "No readable recordings to search.",
                {choice.label}, "similar"),
            failed=self._on_detect_failed)
        return True

    def cancel_detection(self) -> None:
        """Stop detecting; the files searched to their end are still stored."""
        self._detect_task.request_stop()

    def wait_detection(self, timeout_ms: int = 10000) -> bool:
        """Block until the detection thread has ended (tests, closing)."""
        return self._detect_task.wait(timeout_ms)

    def _on_detect_failed(self, reason: str) -> None:
        self.review.detection_ended()
        self.status.emit("", 0)
        self.show_message(f"Detecting events stopped: {reason}", "error")

    def _on_detected(self, model_name: str, outcome,
                     nothing_to_search: str = "No long recordings to search: Detect Events "
                                              "looks in files at least four of the model's "
                                              "clips long and in files that hold regions.",
                     labels: Collection[str | None] | None = None,
                     source: str = "model") -> None:
        self.review.detection_ended()
        self.status.emit("", 0)
        if self.project is None:
            return
        if not outcome.total:
            self.show_message(nothing_to_search, "info")
            return
        replaced = waiting = 0
        if outcome.specs:
            command = DetectEventsCommand(self.project, outcome.specs, model_name,
                                          on_changed=self._on_regions_changed,
                                          on_error=lambda m: self.show_message(m, "error"),
                                          labels=labels, source=source)
            self.undo_stack.push(command)
            replaced, waiting = command.replaced, command.already_waiting
        self.show_message(*detection_message(outcome, replaced, waiting))
        if self.review.queue():
            self.review.show_row(0)

    def _on_regions_changed(self, clip_id: int) -> None:
        """``clip_id``'s regions changed: the views now (its RegionSelection), queue and filters a burst."""
        if self._regions is not None:
            self._regions.notify_changed(clip_id)
        self._filters_timer.start()

    def refresh_events(self) -> None:
        """Read the regions again for the review queue and the clip list's event filters."""
        records = self.project.regions() if self.project is not None else []
        counts = self.project.unreviewed_counts() if self.project is not None else {}
        self.model.set_event_flags(counts, found.disagreeing_clips(records))
        self.review.refresh(records)

    def go_to_event(self, record) -> None:
        """Show ``record``: its file in the clip list and view, zoomed to it, selected, played."""
        clip = (self.project.clip(record.clip_id) if self._clip_view is not None
                and self.project is not None else None)
        if clip is None:
            return
        self._pending_event = record
        if self._clip_view.path == self.project.abspath(clip) and self._clip_view.duration_s > 0:
            self._show_pending()
            return
        if self.model.row_of_id(record.clip_id) < 0:  # hidden by a filter: show every file
            self.clip_list.filter_edit.clear()
            self.clip_list.set_quick_filter(FILTER_ALL)
        self.clip_list.select_ids([record.clip_id], record.clip_id)

    def _on_clip_shown(self, path) -> None:
        if self._pending_event is not None and self.project is not None:
            clip = self.project.clip(self._pending_event.clip_id)
            if clip is not None and Path(path) == self.project.abspath(clip):
                self._show_pending()

    def _show_pending(self) -> None:
        record, self._pending_event = self._pending_event, None
        # Zoomed first: the overlay makes editable items for the regions in view when the
        # selection changes, and over a whole new file that was every one of them (110 items,
        # 0.2 s of the window's thread, removed again by the zoom).
        self._clip_view.set_view_range(*region_range(record, self._clip_view.duration_s))
        if self._regions is not None:
            self._regions.set_clip(record.clip_id)
            self._regions.select(record.id)
        if self._playback is not None:
            self._playback.play_range(record.begin_s, record.end_s, record.band_hz,
                                      record.channel)
