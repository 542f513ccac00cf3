"""Workers for the model loop: training, classifying a project's clips, classifying dropped files,
detecting events in a project's long recordings (with a model, or the energy detector), loading a
model file.

Each is a ``gui.common.tasks.Worker`` for a ``TaskSlot``: ``work`` on its own thread, plain values
out, progress through the worker's one throttle.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from core.audio.discovery import expand_audio_paths
from core.audio.energy_detector import EnergyDetectorConfig, detect_energy
from core.audio.spans import event_band
from core.audio.template_detector import (
    CallTemplate,
    TemplateDetectorConfig,
    find_similar,
    near_miss_floor,
    prepare_template,
)
from core.errors import EarmarkError
from core.ml.checkpoint import Checkpoint, load_checkpoint
from core.ml.detection import detect_file
from core.ml.inference import Classifier
from core.ml.runtime import AUTO_DEVICE, inference_device, set_thread_count, warm_up_optimisers
from core.ml.training import TrainConfig, TrainProgress, train
from core.store.records import RegionSpec
from core.workflow import classify_project, confusion_table, save_model_file, training_cache_dir
from core.workflow.events import (
    DetectOutcome,
    event_scores,
    marked_recordings,
    recordings_to_search,
    search_recordings,
    unmarked_events,
)
from gui.common.tasks import ProjectWorker, Worker

RESULTS_PER_SIGNAL = 64


def torch_threads() -> int:
    """Intra-op threads for training and inference: every core. They never hold the GIL, so the
    OS schedules the window's thread among them (torch's OpenMP setting is per thread: the GUI
    thread keeps its own). On 2 cores, 2 threads against the 1 of every core but one: 8 FSDD
    epochs in the app in 36-40 s against 55-63 s, the window's longest stall 38-50 ms against
    28-47 ms (bench/bench_gui_training.py [--threads 1], second runs of three each); a 5 s clip
    selected while a model trains is drawn in 26 ms against 15 ms (16 ms idle;
    bench/bench_clip_view.py --while-training 2 1 2 1, medians of 15). A session's first run
    stalled for longer, for another reason: triton, kept out of the environment (pyproject.toml)."""
    return max(1, os.cpu_count() or 1)


def reader_threads() -> int:
    """File-reading threads: every core but one (each more fights the window for the GIL)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _classifier(checkpoint: Checkpoint | str | Path, device: str = AUTO_DEVICE) -> Classifier:
    """A Classifier for a GUI worker on ``device`` (requested, see ``inference_device``), reading
    files on ``reader_threads``; the calling (worker's) thread gets ``torch_threads``."""
    set_thread_count(torch_threads())
    return Classifier.from_checkpoint(checkpoint, decode_workers=reader_threads(),
                                      device=inference_device(device))


class LiveScorer:
    """Listen Live's model: ``scorer(samples, rate_hz)`` is the Prediction for a stream's latest
    stretch (``Classifier.predict_samples``). The Classifier is built on the first call, on that
    task's thread, and kept for the next; one call at a time (the panel's one task)."""

    def __init__(self, checkpoint: Checkpoint | str | Path, device: str = AUTO_DEVICE) -> None:
        self._checkpoint, self._device = checkpoint, device
        self._classifier: Classifier | None = None

    def __call__(self, samples, rate_hz: int):
        if self._classifier is None:
            self._classifier = _classifier(self._checkpoint, self._device)
        return self._classifier.predict_samples(samples, rate_hz)

    def heard(self, samples, rate_hz: int):
        """The stretch of ``samples`` the model judged (``Classifier.heard_stretch``); after a
        first call, as an answer has to be there to keep."""
        return self._classifier.heard_stretch(samples, rate_hz)


class TrainingWorker(Worker):
    """Trains on a snapshot of (path, label) pairs with ``core.ml.training.train``.

    ``init_from`` is a checkpoint or the path of a model file to fine-tune (read on the worker's
    thread). Signals (see ``Worker``): ``progress(TrainProgress)`` throttled, but every report that carries
    epoch metrics is sent; ``finished((TrainResult, saved))`` (``result.stopped`` after a
    cancel), where ``saved`` is the model file written into ``save_to`` (a finished run only:
    writing and fsyncing here keeps that off the GUI thread), a str saying why it could not be
    saved, or None; ``failed(str)``.
    """

    def __init__(self, pairs: list[tuple[Path, str]], config: TrainConfig,
                 init_from: Checkpoint | Path | None = None, save_to: Path | None = None) -> None:
        super().__init__()
        self._pairs, self._config, self._init_from = list(pairs), config, init_from
        self._save_to = save_to

    def work(self) -> tuple:
        init_from = self._init_from
        if isinstance(init_from, Path):  # fine-tuning: the model file is read here, not by the GUI
            try:
                init_from = load_checkpoint(init_from)
            except EarmarkError as error:
                raise EarmarkError(f"Cannot fine-tune the active model: {error}") from error
        warm_up_optimisers()
        config = self._config
        if not config.num_threads:
            config = dataclasses.replace(config, num_threads=torch_threads())
        config = dataclasses.replace(
            config, decode_workers=min(config.decode_workers, reader_threads()))
        # The project's feature cache, beside its models: a retrain decodes only new clips.
        cache_dir = training_cache_dir(self._save_to) if self._save_to is not None else None
        result = train(self._pairs, config, init_from=init_from, progress=self._on_progress,
                       should_stop=self.should_stop, cache_dir=cache_dir)
        saved = None
        if self._save_to is not None and not result.stopped and result.checkpoint is not None:
            try:
                saved = save_model_file(result.checkpoint, self._save_to)
            except EarmarkError as error:
                saved = str(error)
        return result, saved

    def _on_progress(self, report: TrainProgress) -> None:
        self.report_progress(report, force=report.epoch_metrics is not None)


class ProjectClassifyWorker(ProjectWorker):
    """Classifies every readable clip of ``project`` with one model and records the predictions,
    on its own Project (see ``ProjectWorker``). Signals (see ``Worker``):
    ``partial(dict)`` {clip_id: (label, confidence)} as each batch is stored,
    ``progress((done, total))`` files (throttled), ``finished((count, ConfusionTable, events,
    unreadable))`` how many were recorded, the labels against the model's predictions (built
    here: on the GUI thread it held up the window for 30-60 ms on 2,000 clips), the event metrics
    on the marked recordings (None without any) and the ClipRecords found unreadable only now,
    ``failed(str)``. ``device``: where the model runs, as
    Training Settings request it (see ``inference_device``).
    """

    def __init__(self, project, model_id: int, checkpoint: Checkpoint | str | Path,
                 batch_rows: int = 256, only_new: bool = False,
                 device: str = AUTO_DEVICE) -> None:
        super().__init__(project)
        self._only_new, self._device = only_new, device
        self.model_id = model_id
        self._checkpoint, self._batch_rows = checkpoint, batch_rows

    def work_on(self, project) -> tuple:
        classifier = _classifier(self._checkpoint, self._device)
        unreadable: list = []
        n = classify_project(project, classifier, self.model_id, on_batch=self.partial.emit,
                             progress=self._on_progress, should_stop=self.should_stop,
                             batch_rows=self._batch_rows, only_new=self._only_new,
                             on_unreadable=unreadable.extend)
        table = confusion_table(project, self.model_id, classifier.classes)
        # The model's events against the regions a person marked: after the clips, as it can
        # take seconds a recording.
        events = None if self._only_new else event_scores(
            classifier, marked_recordings(project), should_stop=self.should_stop)
        return n, table, events, unreadable

    def _on_progress(self, done: int, total: int) -> None:
        self.report_progress((done, total), force=done == total)


class FileClassifyWorker(Worker):
    """Classifies dropped files (folders expanded to their audio files) with one checkpoint.

    Signals (see ``Worker``): ``partial(list[Prediction])`` in order, a few at a time;
    ``progress((done, total))``; ``finished((int, list[str]))`` files classified and the names
    of the folders dropped that held no audio file (they add no row to say so); ``failed(str)``.
    ``device``: where the model runs, as Training Settings request it (``inference_device``).
    """

    def __init__(self, paths: list[str | Path], checkpoint: Checkpoint | str | Path,
                 device: str = AUTO_DEVICE) -> None:
        super().__init__()
        self._paths = [Path(p) for p in paths]
        self._checkpoint, self._device = checkpoint, device

    def work(self) -> tuple[int, list[str]]:
        pending: list = []
        count = 0
        classifier = _classifier(self._checkpoint, self._device)
        files, empty = [], []
        for path in self._paths:  # one at a time: a folder that gives none is named
            found = expand_audio_paths([path])
            files += found
            if not found and path.is_dir():
                empty.append(path.name)
        for prediction in classifier.predict_files(files, should_stop=self.should_stop):
            pending.append(prediction)
            count += 1
            if len(pending) >= RESULTS_PER_SIGNAL or self.throttle.ready():
                self.partial.emit(pending)
                self.report_progress((count, len(files)), force=True)
                pending = []
        if pending:
            self.partial.emit(pending)
        self.report_progress((count, len(files)), force=True)
        return count, empty



class _EventSearchWorker(ProjectWorker):
    """Finds events in some of the project's recordings on its own Project, storing nothing:
    the window stores them as one undo command. Subclasses say which recordings
    (``recordings``) and what each holds (``events_in``: RegionSpecs).

    Signals (see ``Worker``): ``progress((done_s, total_s))`` seconds of audio searched
    (throttled); ``finished(DetectOutcome)``: ``specs`` {clip_id: [RegionSpec]} of every file
    searched to its end (after a cancel, those before it), events a person marked already left
    out (``unmarked_events``); ``searched`` how many files that is, ``total`` how many there
    were, ``failed`` [(path, reason)] files that could not be read, ``stopped`` whether it was
    cancelled.
    """

    #: Whether an event's label is the detector's own judgement (a model's class, a template's
    #: shape), so an event over a person's region of another class is a disagreement to review.
    knows_classes = True

    def recordings(self, project) -> list:
        raise NotImplementedError

    def events_in(self, project, clip, on_progress) -> list[RegionSpec] | None:
        """The events of ``clip``; None when stopped before its end."""
        raise NotImplementedError

    def listened(self) -> int | None:
        """The channel (from 0) listened to in each recording that has it; None: the mix. A
        recording's events are on that channel."""
        return None

    def work_on(self, project) -> DetectOutcome:
        outcome = search_recordings(
            project, self.recordings(project), self.events_in, self.listened(),
            any_class=not self.knows_classes, should_stop=self.should_stop,
            progress=lambda done_s, total_s: self.report_progress((done_s, total_s)))
        self.report_progress(outcome.progress_s, force=True)
        return outcome


class DetectEventsWorker(_EventSearchWorker):
    """Finds events with one model in the project's recordings (``recordings_to_search``); see
    ``_EventSearchWorker``. ``failed(str)`` when the model cannot be read. ``device``: where the
    model runs, as Training Settings request it (``inference_device``)."""

    def __init__(self, project, checkpoint: Checkpoint | str | Path,
                 device: str = AUTO_DEVICE) -> None:
        super().__init__(project)
        self._checkpoint, self._device = checkpoint, device
        self._classifier: Classifier | None = None
        self._unknown = 0  # events left out as unknown by the search running

    def work_on(self, project) -> DetectOutcome:
        # The model's own thresholds and background class (chosen when it was trained).
        self._classifier = _classifier(self._checkpoint, self._device)
        self._unknown = 0
        outcome = super().work_on(project)
        outcome.unknown = self._unknown
        return outcome

    def recordings(self, project) -> list:
        return recordings_to_search(project, self._classifier.features.clip_seconds)

    def listened(self) -> int | None:
        return self._classifier.features.channel

    def events_in(self, project, clip, on_progress) -> list[RegionSpec] | None:
        left_out: list = []  # stretches unlike anything the model was trained on
        events = detect_file(self._classifier, project.abspath(clip), progress=on_progress,
                             should_stop=self.should_stop, left_out=left_out)
        if self.should_stop():
            return None
        self._unknown += len(left_out)
        return [RegionSpec(clip.id, e.begin_s, e.end_s, label=e.label, score=e.score)
                for e in events]


class _BandSearchWorker(_EventSearchWorker):
    """Finds events without a model (``found(path)``: events with a span, band and score) in
    the recordings ``clip_ids`` names (None: every readable one), each labelled ``label``
    (None: unlabelled), with the band searched; see ``_EventSearchWorker``."""

    def __init__(self, project, clip_ids: list[int] | None = None,
                 label: str | None = None) -> None:
        super().__init__(project)
        self._clip_ids, self._label = clip_ids, label

    def found(self, path: Path, on_progress) -> list | None:
        """The events of the recording at ``path``; None when stopped before its end."""
        raise NotImplementedError

    def recordings(self, project) -> list:
        clips = project.clips(readable=True)
        if self._clip_ids is None:
            return clips
        wanted = set(self._clip_ids)
        return [clip for clip in clips if clip.id in wanted]

    def events_in(self, project, clip, on_progress) -> list[RegionSpec] | None:
        events = self.found(project.abspath(clip), on_progress)
        if events is None:
            return None
        nyquist_hz = (clip.sample_rate_hz or 0) / 2
        return [RegionSpec(clip.id, e.begin_s, min(e.end_s, clip.duration_s or e.end_s),
                           self._label, *event_band(e.low_hz, e.high_hz, nyquist_hz),
                           score=e.score) for e in events]


class EnergyDetectWorker(_BandSearchWorker):
    """Finds events with the band-limited energy detector (``config``); see
    ``_BandSearchWorker``. Loudness knows no class: an event over any region a person marked is
    marked already, whatever label the person gave the search."""

    knows_classes = False

    def __init__(self, project, config: EnergyDetectorConfig, clip_ids: list[int] | None = None,
                 label: str | None = None) -> None:
        super().__init__(project, clip_ids, label)
        self._config = config

    def found(self, path: Path, on_progress) -> list | None:
        return detect_energy(path, self._config, self.should_stop, on_progress)

    def listened(self) -> int | None:
        return self._config.channel


class TemplateDetectWorker(_BandSearchWorker):
    """Finds the stretches shaped like ``templates`` (CallTemplates, their paths the project's
    own relative ones) with the template detector (``config``); see ``_BandSearchWorker``.
    When no template can be read or used, the task fails with the first one's reason."""

    def __init__(self, project, templates: list[CallTemplate], config: TemplateDetectorConfig,
                 clip_ids: list[int] | None = None, label: str | None = None) -> None:
        super().__init__(project, clip_ids, label)
        self._templates, self._config = templates, config
        self._prepared: list = []
        self._near = 0  # matches just under the threshold, in the search running
        self._near_found: list = []  # those of the file being searched

    def work_on(self, project) -> DetectOutcome:
        # One of several that cannot be used (its recording gone, a region too short to have a
        # shape) is left out; when none can, the first one's reason fails the task.
        errors = []
        for template in self._templates:
            try:
                self._prepared.append(prepare_template(
                    dataclasses.replace(template, path=str(project.abspath(template.path))),
                    self._config.channel))
            except EarmarkError as error:
                errors.append(error)
        if not self._prepared:
            raise errors[0]
        self._near = 0
        outcome = super().work_on(project)
        outcome.near = self._near
        outcome.near_scores = (near_miss_floor(self._config.threshold), self._config.threshold)
        return outcome

    def events_in(self, project, clip, on_progress) -> list[RegionSpec] | None:
        self._near_found = []
        specs = super().events_in(project, clip, on_progress)
        if specs is not None:  # near misses on a person's regions would be no news either
            near = [RegionSpec(clip.id, e.begin_s, e.end_s, self._label) for e in self._near_found]
            self._near += len(unmarked_events(near, project.regions(clip.id)))
        return specs

    def found(self, path: Path, on_progress) -> list | None:
        return find_similar(path, self._prepared, self._config, self.should_stop, on_progress,
                            near_misses=self._near_found)

    def listened(self) -> int | None:
        return self._config.channel


