"""Models inside a project: what to train on, saving a trained model, classifying every clip, the
clips behind a confusion-matrix cell (adding outside files to the project:
:mod:`core.store.added_files`; events in its recordings: :mod:`core.workflow.events`).

Plain functions over a ``Project`` (no Qt); long work takes callbacks and a ``should_stop``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from core.errors import EarmarkError
from core.ml.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from core.ml.feature_cache import feature_cache_dir
from core.ml.features import FeatureConfig
from core.ml.inference import Classifier
from core.ml.metrics import ModelMetrics, confusion_matrix
from core.ml.samples import (
    BackgroundSource,
    TrainingSample,
    background_class,
    background_windows,
    free_stretches,
)
from core.ml.training import EpochMetrics
from core.paths import first_free
from core.store.records import REJECTED

MIN_CLASSES = 2
MIN_CLIPS_PER_CLASS = 2
PREDICTION_BATCH = 256  # rows per record_predictions transaction and per on_batch call
MODELS_DIRNAME = "models"


@dataclass(frozen=True)
class TrainingSnapshot:
    """The labels training starts from, frozen at one moment: readable, present, labelled clips,
    and the labelled regions of recordings with the recordings background may be cut from.

    ``clip_ids``, ``paths`` (absolute) and ``labels`` run in parallel (whole clips);
    ``regions`` are region samples (``region_keys`` their ids, spans and labels, for ``key``);
    ``background`` the recordings a person marked; ``counts`` per class, clips and regions.
    """

    clip_ids: tuple[int, ...]
    paths: tuple[Path, ...]
    labels: tuple[str, ...]
    regions: tuple[TrainingSample, ...] = ()
    region_keys: tuple[tuple, ...] = ()
    background: tuple[BackgroundSource, ...] = ()

    @property
    def samples(self) -> list:
        """What ``core.ml.training.train`` takes: (path, label) pairs of the whole clips, then the
        region samples and the background sources."""
        return [*zip(self.paths, self.labels, strict=True), *self.regions, *self.background]

    @property
    def pairs(self) -> list:
        """Same as ``samples`` (the name callers used when there were only clips)."""
        return self.samples

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label in (*self.labels, *(r.label for r in self.regions)):
            out[label] = out.get(label, 0) + 1
        return dict(sorted(out.items()))

    def key(self) -> tuple:
        """Compare with a later snapshot's key to tell whether labels changed since."""
        return (tuple(sorted(zip(self.clip_ids, self.labels, strict=True))),
                tuple(sorted(self.region_keys)))


def training_snapshot(project) -> TrainingSnapshot:
    """The labelled, readable, present clips of ``project`` and its regions as they are now.

    A region a person drew, imported or accepted (status None) with a label is a sample; a
    recording holding such regions or rejected model events is a background source (free
    stretches: where no region but rejected ones lies) and is not a whole-clip sample itself,
    whatever its clip label: its events are marked. Unreviewed model events are neither samples
    nor background. Each region sample carries its recording's labelled regions, so a window
    whose regions name several classes is a multi-hot sample when training is multi-label.
    """
    records = [r for r in project.clips(readable=True) if not r.error]
    by_clip: dict[int, list] = {}
    for region in project.regions():
        by_clip.setdefault(region.clip_id, []).append(region)
    # A region with no label says nothing of its recording (a note, or a click that slipped):
    # the recording stays a whole-clip sample unless a named region or a rejection marks it.
    marked = {cid for cid, regions in by_clip.items()
              if any(r.status == REJECTED or (r.status is None and r.label) for r in regions)}
    whole = [r for r in records if r.label and r.id not in marked]
    samples, keys, sources = [], [], []
    for record in records:
        if record.id not in marked:
            continue
        path = project.abspath(record)
        regions = by_clip[record.id]
        # One tuple per recording, shared by its samples: multi-label training gives a window
        # the classes of the regions it overlaps.
        labelled = tuple((r.begin_s, r.end_s, r.label) for r in regions
                         if r.status is None and r.label)
        for region in regions:
            if region.status is None and region.label:
                samples.append(TrainingSample(
                    path, region.label, region.begin_s, region.end_s, str(path),
                    record.duration_s, recording_regions=labelled,
                    band_hz=region.band_hz))
            keys.append((region.id, region.label, region.begin_s, region.end_s, region.status))
        if record.duration_s:
            busy = [(r.begin_s, r.end_s) for r in regions if r.status != REJECTED]
            rejected = tuple((r.begin_s, r.end_s) for r in regions if r.status == REJECTED)
            sources.append(BackgroundSource(path, record.duration_s,
                                            free_stretches(record.duration_s, busy), rejected))
    return TrainingSnapshot(tuple(r.id for r in whole), tuple(project.abspath(r) for r in whole),
                            tuple(r.label for r in whole), tuple(samples), tuple(keys),
                            tuple(sources))


def background_clip_windows(project, least_length_s: float = 0.0, n_clips: int | None = None,
                            seed: int = 0) -> tuple[str, list[tuple[str, float, float]]]:
    """Stretches to cut as clips of the background class, as training finds them: in the
    recordings a person marked, where no region but a rejected event lies (each rejected event
    first); returns the class's name (:func:`background_class` of the labels) and the
    stretches, each ``(recording's path in the folder, start_s, length_s)``. ``n_clips`` of them
    (None: as many as the commonest class has regions; fewer when the recordings have no room),
    ``least_length_s`` long (0: the median region's length)."""
    snapshot = training_snapshot(project)
    labels = [sample.label for sample in snapshot.regions]
    name = background_class(labels)
    if not labels or not snapshot.background:
        return name, []
    wanted = Counter(labels).most_common(1)[0][1] if n_clips is None else n_clips
    length_s = least_length_s or float(np.median([s.end_s - s.begin_s for s in snapshot.regions]))
    windows = background_windows(snapshot.background, length_s, wanted,
                                 np.random.default_rng(seed))[:wanted]
    return name, [(project.relpath(w.path), w.start_s, w.length_s) for w in windows]


def training_problem(snapshot: TrainingSnapshot, unreadable: int = 0,
                     background: bool = True) -> str | None:
    """Why training cannot start on ``snapshot`` (a sentence for a person), or None when it can.

    Needs ``MIN_CLASSES`` classes with ``MIN_CLIPS_PER_CLASS`` labelled readable clips (or
    regions) each; with ``background`` (TrainConfig.background) and marked recordings, the
    background cut from them is one of the classes.
    """
    counts = snapshot.counts
    if background and snapshot.background and counts:
        name = background_class(list(counts))
        counts = {name: MIN_CLIPS_PER_CLASS, **counts}
    note = ("" if not unreadable else " (1 labelled clip cannot be read and does not count)"
            if unreadable == 1 else
            f" ({unreadable:,} labelled clips cannot be read and do not count)")
    if not counts:
        return ("No labelled clips yet: label at least two clips in each of two classes, "
                f"then train{note}.")
    enough = {name: n for name, n in counts.items() if n >= MIN_CLIPS_PER_CLASS}
    short = {name: n for name, n in counts.items() if n < MIN_CLIPS_PER_CLASS}
    if len(counts) < MIN_CLASSES:
        only = next(iter(counts))
        return (f"Only one class is labelled ({only!r}, {counts[only]} clips): training needs "
                f"at least two classes with {MIN_CLIPS_PER_CLASS}+ clips each{note}.")
    if short:
        listed = ", ".join(f"{name!r} has {n}" for name, n in short.items())
        return (f"Each class needs at least {MIN_CLIPS_PER_CLASS} labelled clips: {listed}. "
                f"Label more of {'it' if len(short) == 1 else 'them'} or remove the class"
                f"{note}.")
    if len(enough) < MIN_CLASSES:  # pragma: no cover - implied by the checks above
        return "Training needs at least two classes with enough clips."
    return None


def models_dir(project) -> Path:
    """Where the project's trained models live: ``<store dir>/models``."""
    return Path(project.store_path).parent / MODELS_DIRNAME


def training_cache_dir(models_folder: str | Path) -> Path:
    """The feature cache training reads and fills (core.ml.feature_cache) of the project whose
    models live in ``models_folder`` (``models_dir``): beside it, ``<store dir>/feature-cache``."""
    return feature_cache_dir(Path(models_folder).parent)


def model_file_path(folder: str | Path, now: datetime | None = None,
                    stem: str | None = None) -> Path:
    """``folder/model-YYYYmmdd-HHMMSS.pt`` (``folder/<stem>.pt`` given a stem), suffixed
    ``-2``, ``-3``... if taken."""
    stem = stem or f"model-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    return first_free(lambda n: Path(folder) / (f"{stem}.pt" if n == 1 else f"{stem}-{n}.pt"))


def save_model_file(checkpoint: Checkpoint, folder: str | Path,
                    now: datetime | None = None) -> Path:
    """Write ``checkpoint`` as a new model file in ``folder`` (no store access, so a worker
    thread can do it). Raises CheckpointError."""
    return save_checkpoint(checkpoint, model_file_path(folder, now))


def record_model(project, path: str | Path, checkpoint: Checkpoint, parent_id: int | None = None,
                 make_active: bool = True, **extra_settings) -> int:
    """Record a saved model file in the project's store (and make it active). Returns its id.

    The record's settings are the checkpoint's training settings (``clip_seconds_requested``:
    what was asked), plus ``model_name``, ``clip_seconds`` (the length resolved and used) and
    ``features`` (its whole FeatureConfig, for View > Show Model Features), plus ``extra_settings``.
    """
    settings = dict(checkpoint.train_config)
    settings.update(model_name=checkpoint.model_name,
                    clip_seconds=checkpoint.feature_config.clip_seconds,
                    features=checkpoint.feature_config.to_dict(), **extra_settings)
    model_id = project.add_model(Path(path), checkpoint.classes, settings, checkpoint.metrics,
                                 parent_id)
    if make_active:
        project.set_active_model(model_id)
    return model_id


def model_features(record) -> FeatureConfig | None:
    """The feature settings a recorded model was trained with (what it "sees"), or None for
    models recorded before they were stored."""
    data = record.settings.get("features") if record is not None else None
    if not isinstance(data, dict):
        return None
    try:
        return FeatureConfig.from_dict(data)
    except (TypeError, ValueError):
        return None


def model_metrics(record) -> ModelMetrics:
    """What a recorded model scored, typed (the store keeps the JSON form); empty (``report``
    None) for a model recorded without scores."""
    return ModelMetrics.from_dict(record.metrics if record is not None else None)


def model_history(path: str | Path) -> list:
    """The epochs a model file records (``EpochMetrics``, its loss and accuracy curves), read
    from the file (slow: on a background task); empty for a file that records none, or none
    that reads (a stranger's, another version's)."""
    try:
        epochs = [EpochMetrics(**entry) for entry in load_checkpoint(path).history]
    except (EarmarkError, TypeError, ValueError):
        return []
    def number(value, optional: bool = False) -> bool:
        return (optional and value is None) or (
            isinstance(value, int | float) and not isinstance(value, bool))

    drawable = all(number(e.epoch) and number(e.train_loss) and number(e.train_accuracy)
                   and number(e.val_loss, True) and number(e.val_accuracy, True)
                   for e in epochs)
    return epochs if drawable else []


def save_trained_model(project, checkpoint: Checkpoint, parent_id: int | None = None,
                       make_active: bool = True, now: datetime | None = None) -> int:
    """Save ``checkpoint`` into the project's models folder, record it, and (by default) make it
    the active model. Returns the model id. Raises CheckpointError (disk) or ProjectError."""
    path = save_model_file(checkpoint, models_dir(project), now)
    return record_model(project, path, checkpoint, parent_id, make_active)


def import_model_file(project, path: str | Path, make_active: bool = True) -> int:
    """Record a checkpoint from elsewhere (validated with ``load_checkpoint`` first, so anything
    that is not a model raises CheckpointError and nothing is recorded), saved into the models
    folder under its name (a file on a drive unplugged since left a model that could not be
    loaded) and recorded as a trained one is (``record_model``), noting where it came from.
    Returns the model id."""
    checkpoint = load_checkpoint(path)
    kept = save_checkpoint(checkpoint, model_file_path(models_dir(project), stem=Path(path).stem))
    return record_model(project, kept, checkpoint, make_active=make_active,
                        imported_from=str(Path(path).resolve()))


def model_checkpoint_path(project, record) -> Path:
    """The model file of a ModelRecord (relative paths are taken from the store folder)."""
    path = Path(record.path)
    return path if path.is_absolute() else Path(project.store_path).parent / path


PredictionRows = dict[int, tuple[str, float]]


def classify_project(project, classifier: Classifier, model_id: int,
                     on_batch: Callable[[PredictionRows], None] | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     batch_rows: int = PREDICTION_BATCH, only_new: bool = False,
                     on_unreadable: Callable[[list], None] | None = None) -> int:
    """Classify every readable, present clip of ``project`` and record the predictions under
    ``model_id``, ``batch_rows`` per transaction; ``on_batch({clip_id: (label, confidence)})``
    after each is stored, ``progress(done, total)`` per file. Unreadable files are skipped; a
    file found unreadable only now (its samples, past a sound header) is marked so in the store
    with the reason, and ``on_unreadable(ClipRecords)`` told. ``only_new`` skips clips that
    already have a prediction of this model. Returns how many predictions were recorded (fewer
    when stopped)."""
    should_stop = should_stop or (lambda: False)
    records = [r for r in project.clips(readable=True) if not r.error]
    if only_new:
        done = project.predictions(model_id)
        records = [r for r in records if r.id not in done]
    by_path = {project.abspath(r): r.id for r in records}
    rows: list[tuple[int, str, float, tuple[float, ...]]] = []
    written = 0

    def flush() -> None:
        nonlocal rows, written
        if rows:
            written += project.record_predictions(model_id, rows)
            if on_batch is not None:
                on_batch({cid: (label, conf) for cid, label, conf, _ in rows})
            rows = []

    unreadable: dict[int, str] = {}
    for prediction in classifier.predict_files(list(by_path), progress=progress,
                                               should_stop=should_stop):
        if prediction.ok:
            rows.append((by_path[prediction.path], prediction.answer, prediction.confidence,
                         prediction.probabilities))
        elif not should_stop():
            unreadable[by_path[prediction.path]] = prediction.error
        if len(rows) >= batch_rows:
            flush()
        if should_stop():
            break
    flush()
    records = project.mark_unreadable(unreadable)
    if records and on_unreadable is not None:
        on_unreadable(records)
    return written


def stored_predictions(project, model_id: int) -> PredictionRows:
    """``{clip_id: (label, confidence)}`` of the model's recorded predictions."""
    return {cid: (p.label, p.confidence) for cid, p in project.predictions(model_id).items()}


@dataclass(frozen=True)
class ConfusionTable:
    """Current labels against a model's stored predictions: ``matrix[true, predicted]`` counts and
    the clip ids behind every cell (``cells[(true, predicted)]``), over ``classes``;
    ``unanswered`` the clips labelled with one of them that the model answered with none (silence
    or unknown: in no column)."""

    classes: tuple[str, ...]
    matrix: np.ndarray  # (n_classes, n_classes) int64
    cells: dict[tuple[str, str], tuple[int, ...]]
    unanswered: int = 0

    def clip_ids(self, true_label: str, predicted_label: str) -> list[int]:
        return list(self.cells.get((true_label, predicted_label), ()))


def confusion_table(project, model_id: int, classes: Sequence[str]) -> ConfusionTable:
    """Confusion of the labelled, present clips that have a stored prediction of ``model_id``.
    Labels outside ``classes`` (the model's) are left out; so are answers outside them (silence,
    unknown), counted in ``unanswered``."""
    classes = tuple(classes)
    index = {name: i for i, name in enumerate(classes)}
    predictions = project.predictions(model_id)
    cells: dict[tuple[str, str], list[int]] = {}
    true_idx, pred_idx = [], []
    unanswered = 0
    for record in project.clips():
        prediction = predictions.get(record.id)
        if prediction is None or record.label not in index:
            continue
        if prediction.label not in index:
            unanswered += 1
            continue
        cells.setdefault((record.label, prediction.label), []).append(record.id)
        true_idx.append(index[record.label])
        pred_idx.append(index[prediction.label])
    matrix = confusion_matrix(true_idx, pred_idx, len(classes))
    return ConfusionTable(classes, matrix, {k: tuple(v) for k, v in cells.items()}, unanswered)


def confusion_cell_clips(project, model_id: int, true_label: str,
                         predicted_label: str) -> list[int]:
    """Ids of present clips labelled ``true_label`` that the model predicted ``predicted_label``."""
    predictions = project.predictions(model_id)
    return [r.id for r in project.clips(label=true_label)
            if r.id in predictions and predictions[r.id].label == predicted_label]
