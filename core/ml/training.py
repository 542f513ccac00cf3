"""Training and fine-tuning: one entry point, ``train``, from labelled clips (and regions of
recordings, and background cut between them) to a checkpoint, its metrics and its thresholds.

Audio is decoded once and features are cached for all epochs (augmentation works on the cached
tensors; a region caches a few shifted windows, one drawn per epoch); progress goes to a plain
callback and a ``should_stop`` predicate is checked every batch.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.audio import reading as audio
from core.errors import AudioError, TrainingError
from core.ml.calibration import calibrate
from core.ml.checkpoint import Checkpoint
from core.ml.detection import best_multi_label_thresholds, best_thresholds, multi_label_scores
from core.ml.detection import fill_absent_thresholds as _fill_absent
from core.ml.features import (
    FeatureConfig,
    FeatureExtractor,
    augment,
    auto_clip_seconds,
    auto_f_max_hz,
    prepare_clip,
    preset,
)
from core.ml.inference import mean_scores, view_logits
from core.ml.metrics import ClassificationReport, ModelMetrics, classification_report
from core.ml.networks import build_model
from core.ml.novelty import NoveltyRule, fit_to_model
from core.ml.runtime import set_thread_count
from core.ml.samples import (
    BackgroundSource,
    TrainingSample,
    Window,
    background_class,
    background_windows,
    grouped_split,
    multi_hot,
    region_offsets_s,
    region_window_start,
    stratified_split,
    window_labels,
)
from core.ml.train_config import AUTO, TrainConfig

__all__ = ["TrainConfig", "TrainProgress", "TrainResult", "EpochMetrics", "train",
           "stratified_split", "TrainingSample", "BackgroundSource"]


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float


@dataclass(frozen=True)
class TrainProgress:
    """One progress report. ``fraction`` covers the whole run (decoding, then epochs)."""

    phase: str  # "decoding" | "training"
    fraction: float
    message: str
    elapsed_s: float
    eta_s: float | None = None
    epoch: int = 0
    epochs: int = 0
    epoch_metrics: EpochMetrics | None = None  # set once per finished epoch


@dataclass
class TrainResult:
    checkpoint: Checkpoint | None  # None only when stopped before the first epoch
    history: list[EpochMetrics]
    report: ClassificationReport | None  # on the validation clips (training clips if none)
    stopped: bool
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    n_train: int = 0
    n_val: int = 0
    best_epoch: int = 0
    elapsed_s: float = 0.0
    n_background: int = 0  # background windows cut from recordings with regions


ProgressCallback = Callable[[TrainProgress], None]
DECODE_SHARE = 0.1  # share of the progress bar given to decoding


def train(clips: Sequence, config: TrainConfig | None = None, init_from: Checkpoint | None = None,
          progress: ProgressCallback | None = None,
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train a model on labelled clips and return it with its metrics.

    ``clips``: (path, label) pairs, objects with ``.path`` and ``.label`` (a
    :class:`TrainingSample` may be a region of a recording: a window of the clip length centred
    on it), and :class:`BackgroundSource` recordings (with ``config.background``, a background
    class is cut from their unmarked stretches, about as many windows as the median class has
    samples). Unlabelled clips are ignored, unreadable ones skipped and listed in
    ``TrainResult.skipped``. With ``config.multi_label`` a sample holds every class of
    ``TrainingSample.labels`` (a pair's label may be a tuple of classes), a region's window also
    those of the regions it overlaps (:func:`~core.ml.samples.window_labels`), and the model
    learns one sigmoid per class. ``init_from``: a checkpoint to fine-tune (its features are kept; a
    changed class list keeps the backbone and maps classes by name into a new head). Raises
    TrainingError when training cannot start.
    """
    started = time.perf_counter()
    config = config if config is not None else TrainConfig()
    should_stop = should_stop or (lambda: False)
    report_progress = progress or (lambda _p: None)
    if config.num_threads:
        set_thread_count(config.num_threads)
    samples, sources = _samples(clips)
    labels = [s.label for s in samples]
    background = background_class(labels) if config.background and sources else None
    _check_classes(labels, background=background)

    features, model_name = _resolve_features(samples, config, init_from)
    decoded = _decode(samples, features, config, report_progress, should_stop, started)
    waveforms, labels_text, groups, views, skipped, label_sets = decoded
    n_background = 0
    if background is not None and not should_stop():
        extra, windows = _decode_background(sources, background, labels_text, features, config,
                                            skipped)
        n_background = len(windows)
        if n_background:
            waveforms = torch.cat([waveforms[:len(labels_text)], extra, waveforms[len(labels_text):]])
            if views is not None:  # rows of offset views come after the samples: shift them
                views = torch.where(views >= len(labels_text), views + n_background, views)
                views = torch.cat([views, _own_rows(len(labels_text), n_background,
                                                    views.shape[1])])
            labels_text += [background] * n_background
            label_sets += [(background,)] * n_background
            groups += [str(w.path) for w in windows]
    if should_stop():
        return TrainResult(None, [], None, True, skipped, elapsed_s=time.perf_counter() - started)
    _check_classes(labels_text, skipped)
    classes = sorted(set(labels_text).union(*label_sets) if config.multi_label else set(labels_text))
    # Class indices of each sample's own label: the split and the clip report follow them.
    targets = torch.tensor([classes.index(lbl) for lbl in labels_text])
    hot = torch.from_numpy(multi_hot(label_sets, classes)) if config.multi_label else None

    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    extractor = FeatureExtractor(features)
    inputs = _extract(extractor, waveforms) if config.cache_features else waveforms
    train_idx, val_idx = grouped_split(targets.numpy(), groups, config.val_split, config.seed)

    model = build_model(model_name, len(classes), (features.n_freqs, features.n_frames))
    if init_from is not None:
        _load_for_fine_tuning(model, init_from, classes)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)

    loop = _Loop(model, extractor, config, features, inputs, hot if hot is not None else targets,
                 classes, generator, memory_format, views)
    history: list[EpochMetrics] = []
    best = (-math.inf, math.inf)
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    best_epoch, epochs_without_gain, stopped = 0, 0, False
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()

        def on_batch(batch: int, n_batches: int, epoch: int = epoch) -> None:
            done = (epoch - 1 + batch / n_batches) / config.epochs
            elapsed = time.perf_counter() - started
            fraction = DECODE_SHARE + (1 - DECODE_SHARE) * done
            train_elapsed = time.perf_counter() - loop.first_batch_time if loop.first_batch_time else 0
            eta = train_elapsed * (1 - done) / done if done > 0 else None
            report_progress(TrainProgress("training", fraction, f"epoch {epoch}/{config.epochs}",
                                          elapsed, eta, epoch, config.epochs))

        train_loss, train_acc, stopped = loop.run_epoch(train_idx, on_batch, should_stop)
        if stopped:  # before one full epoch: keep what we have, marked as stopped
            if not history:
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            break
        val_loss, val_acc = loop.evaluate(val_idx) if len(val_idx) else (None, None)
        metrics = EpochMetrics(epoch, train_loss, train_acc, val_loss, val_acc,
                               time.perf_counter() - epoch_start)
        history.append(metrics)
        # Validation accuracy alone, a tie going to the later epoch: a small validation split
        # soon reaches 100% and stays there, and the later weights (further down the one-cycle
        # schedule) generalise better. Breaking ties on validation loss restored epoch 14 of 30
        # in one FSDD fold (theo held out, seed 2): 0.936 on the held-out speaker, 0.950 now.
        score = (val_acc,) if val_loss is not None else (train_acc, -train_loss)
        if score >= best:
            best, best_epoch, epochs_without_gain = score, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            epochs_without_gain += 1
        elapsed = time.perf_counter() - started
        report_progress(TrainProgress(
            "training", DECODE_SHARE + (1 - DECODE_SHARE) * epoch / config.epochs,
            f"epoch {epoch}/{config.epochs}", elapsed, None, epoch, config.epochs, metrics))
        if config.patience_epochs is not None and epochs_without_gain >= config.patience_epochs:
            break

    model.load_state_dict(best_state)
    report_idx = val_idx if len(val_idx) else train_idx
    # A stopped run reports on the clips alone, without prediction views: with them, Cancel took
    # 1.8-2.3 s in the GUI benchmark (300 validation clips), against the second it may take.
    probabilities, calibration = (  # multi-label or stopped: temperature 1.0
        loop.calibrate(report_idx, targets[report_idx].numpy()) if hot is None and not stopped
        else (loop.probabilities(report_idx, views=not stopped), None))
    report = classification_report(targets[report_idx].numpy(), probabilities.argmax(1), classes)
    metrics = ModelMetrics(report, evaluated_on="validation" if len(val_idx) else "training",
                           n_train=len(train_idx), n_val=len(val_idx), best_epoch=best_epoch,
                           epochs_run=len(history), stopped=stopped)
    if hot is None:
        thresholds = best_thresholds(probabilities, targets[report_idx].numpy())
        if len(val_idx) and not stopped:  # a class validation lacks: its threshold on training
            thresholds = _fill_absent(thresholds, targets[val_idx].numpy(), lambda: best_thresholds(
                loop.probabilities(train_idx, views=False), targets[train_idx].numpy()))
        metrics_dict = dict(metrics.to_dict(), calibration=calibration)
    else:
        truth = hot[report_idx].numpy()
        thresholds = [float(t) for t in best_multi_label_thresholds(probabilities, truth)]
        metrics_dict = dict(metrics.to_dict(), multi_label=multi_label_scores(
            probabilities, truth, thresholds, classes))
    checkpoint = Checkpoint(
        model_name=model_name, classes=classes, feature_config=features,
        state_dict={k: v.contiguous() for k, v in model.state_dict().items()},
        train_config=config.to_dict(), metrics=metrics_dict,
        history=[dataclasses.asdict(h) for h in history],
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        thresholds=thresholds, background_class=bg if (bg := background_class(classes)) in classes else None,
        multi_label=config.multi_label, temperature=loop.temperature,
        novelty=loop.novelty(train_idx, val_idx) if hot is None and not stopped and len(val_idx) else None,
    )
    return TrainResult(checkpoint, history, report, stopped, skipped, len(train_idx), len(val_idx),
                       best_epoch, time.perf_counter() - started, n_background)


def _samples(clips) -> tuple[list[TrainingSample], list[BackgroundSource]]:
    """The labelled samples of ``clips`` (pairs and objects made TrainingSamples) and the
    background sources among them."""
    samples, sources = [], []
    for clip in clips:
        if isinstance(clip, BackgroundSource):
            sources.append(clip)
        elif isinstance(clip, TrainingSample):
            if clip.label:
                samples.append(clip)
        else:
            path, label = (clip[0], clip[1]) if isinstance(clip, tuple | list) else (
                clip.path, clip.label)
            if isinstance(label, tuple | list):  # several classes: the first is its own
                if label and label[0]:
                    samples.append(TrainingSample(Path(path), str(label[0]),
                                                  other_labels=tuple(str(x) for x in label[1:])))
            elif label:
                samples.append(TrainingSample(Path(path), str(label)))
    return samples, sources


def _check_classes(labels: list[str], skipped=(), background: str | None = None) -> None:
    """Refuse what cannot train: fewer than two classes or four samples. ``background``: the
    class still to be cut from recordings, counted as a class (its samples are not known yet)."""
    counts = Counter(labels)
    unreadable = f" ({len(skipped)} unreadable clips were skipped)" if skipped else ""
    if background is not None and background not in counts and counts:
        counts[background] = max(counts.values())
    if len(counts) < 2:
        found = f"only {next(iter(counts))!r}" if counts else "none"
        raise TrainingError(f"training needs labelled clips of at least two classes; found {found}"
                            f"{unreadable}")
    if sum(counts.values()) < 4:
        raise TrainingError(f"training needs at least 4 labelled clips; found {sum(counts.values())}"
                            f"{unreadable}")


def _resolve_features(samples: list[TrainingSample], config: TrainConfig,
                      init_from: Checkpoint | None):
    if init_from is not None:
        # Fine-tuning keeps the checkpoint's features and network: its weights expect them.
        return init_from.feature_config, init_from.model_name
    features = preset(config.features)
    infos, durations = [], []
    if AUTO in (config.clip_seconds_requested, config.f_max_hz):
        known: dict[Path, audio.AudioInfo | None] = {}
        for sample in samples:
            if sample.path not in known:
                try:
                    known[sample.path] = audio.info(sample.path)
                except AudioError:
                    known[sample.path] = None  # reported as skipped when decoding
            info = known[sample.path]
            if info is not None:
                infos.append(info)
                # A region's length is the event's, not its recording's.
                durations.append(sample.end_s - sample.begin_s if sample.is_region
                                 else info.duration_s)
    if config.clip_seconds_requested == AUTO:
        features = features.with_clip_seconds(auto_clip_seconds(durations))
    else:
        features = features.with_clip_seconds(float(config.clip_seconds_requested))
    if config.f_max_hz == AUTO and features.kind == "logmel" and features.f_max_hz is None:
        f_max_hz = auto_f_max_hz([i.sample_rate_hz for i in infos], features.sample_rate_hz)
        features = dataclasses.replace(features, f_max_hz=f_max_hz)
    elif config.f_max_hz not in (AUTO, None):
        features = dataclasses.replace(features, f_max_hz=float(config.f_max_hz))
    return features, config.model


def _decode(samples: list[TrainingSample], features: FeatureConfig, config: TrainConfig,
            report_progress, should_stop, started: float):
    """Read every sample once, fitted to the clip length; unreadable ones go to ``skipped``.

    Returns (waveforms, labels, groups, views, skipped, label_sets): one waveform row per sample
    kept, in order, then the offset views of regions; ``views`` ``(n_samples, REGION_VIEWS)`` row
    indices (a whole clip's row repeated), None when there are no regions; ``label_sets`` each
    kept sample's classes (its label alone unless ``config.multi_label``; a region's window then
    also holds the regions it overlaps, as its centred view places it).
    """
    clip_s = features.clip_seconds

    def load(sample: TrainingSample) -> tuple[list[np.ndarray], tuple[str, ...]]:
        if not sample.is_region:
            samples = audio.read(sample.path, features.sample_rate_hz, 0.0, clip_s)
            labels = sample.labels if config.multi_label else (sample.label,)
            return [prepare_clip(samples, features.n_samples)], labels
        duration_s = sample.duration_s
        if duration_s is None:
            duration_s = audio.info(sample.path).duration_s
        rng = np.random.default_rng([config.seed, int(sample.begin_s * 1000),
                                     int(sample.end_s * 1000)])
        starts = [region_window_start(sample.begin_s, sample.end_s, clip_s, duration_s, shift)
                  for shift in region_offsets_s(sample.begin_s, sample.end_s, clip_s, rng)]
        # One read covering every view, cut into them after.
        first = min(starts)
        block = audio.read(sample.path, features.sample_rate_hz, first,
                           max(starts) - first + clip_s)
        rate = features.sample_rate_hz
        labels = (window_labels(sample.label, starts[0], clip_s, sample.recording_regions)
                  if config.multi_label else (sample.label,))
        return [prepare_clip(block[int(round((s - first) * rate)):][:features.n_samples],
                             features.n_samples) for s in starts], labels

    waveforms, extra, labels, groups, skipped, owners = [], [], [], [], [], []
    label_sets: list[tuple[str, ...]] = []
    workers = max(1, min(config.decode_workers, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        chunk = 64
        for start in range(0, len(samples), chunk):
            if should_stop():
                break
            part = samples[start:start + chunk]
            futures = [pool.submit(load, sample) for sample in part]
            for sample, future in zip(part, futures, strict=True):
                try:
                    (first, *others), classes = future.result()
                except AudioError as exc:
                    skipped.append((sample.path, exc.reason))
                    continue
                owners.extend([len(waveforms)] * len(others))
                waveforms.append(first)
                extra.extend(others)
                labels.append(sample.label)
                label_sets.append(classes)
                groups.append(sample.group or str(sample.path))
            done = min(start + chunk, len(samples))
            report_progress(TrainProgress("decoding", DECODE_SHARE * done / len(samples),
                                          f"reading clips {done}/{len(samples)}",
                                          time.perf_counter() - started))
    rows = waveforms + extra
    stacked = torch.from_numpy(np.stack(rows)) if rows else torch.zeros(0, features.n_samples)
    views = None
    if extra:
        n_views = 1 + max(Counter(owners).values())
        views = _own_rows(0, len(waveforms), n_views)
        filled = Counter()
        for row, owner in enumerate(owners, start=len(waveforms)):
            filled[owner] += 1
            views[owner, filled[owner]:] = row
    return stacked, labels, groups, views, skipped, label_sets


def _own_rows(first: int, count: int, n_views: int) -> torch.Tensor:
    """Views of samples that have one window: their own row in every column."""
    return torch.arange(first, first + count).unsqueeze(1).repeat(1, n_views)


def _decode_background(sources: list[BackgroundSource], background: str, labels: list[str],
                       features: FeatureConfig, config: TrainConfig, skipped: list
                       ) -> tuple[torch.Tensor, list[Window]]:
    """Background windows for ``labels``: as many as the median of the other classes' samples
    (less those the person labelled background already), every rejected event among them.
    Returns their waveforms ``(n, n_samples)`` and the windows they came from."""
    counts = Counter(labels)
    others = [n for name, n in counts.items() if name != background]
    wanted = int(np.median(others)) - counts.get(background, 0) if others else 0
    rng = np.random.default_rng(config.seed)
    windows = background_windows(sources, features.clip_seconds, max(0, wanted), rng)
    waves, kept = [], []
    for window in windows:
        try:
            samples = audio.read(window.path, features.sample_rate_hz, window.start_s,
                                 window.length_s)
        except AudioError as exc:
            skipped.append((window.path, exc.reason))
            continue
        waves.append(prepare_clip(samples, features.n_samples))
        kept.append(window)
    stacked = (torch.from_numpy(np.stack(waves)) if waves
               else torch.zeros(0, features.n_samples))
    return stacked, kept


def _extract(extractor: FeatureExtractor, waveforms: torch.Tensor, batch: int = 128) -> torch.Tensor:
    return torch.cat([extractor(waveforms[i:i + batch]) for i in range(0, len(waveforms), batch)])


def _load_for_fine_tuning(model: nn.Module, init: Checkpoint, classes: list[str]) -> None:
    """Same classes: every weight. Other classes: the backbone, and head rows mapped by name."""
    if list(init.classes) == list(classes):
        model.load_state_dict(init.state_dict)
        return
    head = model.head_name + "."
    own = model.state_dict()
    for key, value in init.state_dict.items():
        if not key.startswith(head) and key in own and own[key].shape == value.shape:
            own[key] = value.clone()
    for new_row, name in enumerate(classes):
        if name in init.classes:
            old_row = init.classes.index(name)
            for suffix in ("weight", "bias"):
                own[head + suffix][new_row] = init.state_dict[head + suffix][old_row]
    model.load_state_dict(own)


class _Loop:
    """The per-epoch mechanics, kept apart from the bookkeeping in ``train``."""

    def __init__(self, model, extractor, config: TrainConfig, features: FeatureConfig, inputs,
                 targets, classes, generator, memory_format, views=None) -> None:
        self.model, self.extractor, self.config, self.features = model, extractor, config, features
        self.inputs, self.targets, self.generator = inputs, targets, generator
        self.views, self.memory_format = views, memory_format  # views: (n_samples, n_views) rows, or None
        self.first_batch_time: float | None = None
        self.temperature = 1.0  # fitted after the last epoch (single-label)
        if config.multi_label:  # targets: (n, n_classes) multi-hot
            self.loss_fn, self.eval_loss_fn = _multi_label_losses(targets, config)
        else:
            weight = None
            if config.balance_classes:
                counts = torch.bincount(targets, minlength=len(classes)).float().clamp(min=1)
                weight = counts.sum() / (len(classes) * counts)
            self.loss_fn = nn.CrossEntropyLoss(weight=weight,
                                               label_smoothing=config.label_smoothing)
            self.eval_loss_fn = nn.CrossEntropyLoss()
        params = model.parameters()
        if config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(params, lr=config.learning_rate,
                                              weight_decay=config.weight_decay)
        else:
            self.optimizer = torch.optim.AdamW(params, lr=config.learning_rate,
                                               weight_decay=config.weight_decay)
        self.scheduler, self.mix_rng = None, np.random.default_rng(config.seed)

    def _features(self, idx, train: bool) -> torch.Tensor:
        if train and self.views is not None:  # a region's window, shifted anew each epoch
            pick = torch.randint(self.views.shape[1], (len(idx),), generator=self.generator)
            idx = self.views[idx, pick]
        x = self.inputs[idx]
        if not self.config.cache_features:
            x = self.extractor(x)
        if train and self.config.augment:
            x = augment(x, self.features, self.generator)
        return x

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=self.memory_format)
        if self.config.bf16:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return self.model(x).float()
        return self.model(x)

    def run_epoch(self, train_idx: np.ndarray, on_batch, should_stop) -> tuple[float, float, bool]:
        self.model.train()
        order = torch.from_numpy(train_idx)[torch.randperm(len(train_idx), generator=self.generator)]
        batches = list(torch.split(order, self.config.batch_size))
        # A last batch of one breaks BatchNorm; fold it into the previous one.
        if len(batches) > 1 and len(batches[-1]) == 1:
            batches[-2] = torch.cat([batches[-2], batches.pop()])
        total_steps = self.config.epochs * len(batches)
        # OneCycle needs a few steps in each phase; a tiny run keeps the constant rate.
        if self.scheduler is None and self.config.schedule == "onecycle" and total_steps >= 10:
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                self.optimizer, max_lr=self.config.learning_rate,
                total_steps=total_steps, pct_start=0.25)
        total_loss, correct, seen = 0.0, 0, 0
        for b, idx in enumerate(batches, start=1):
            if should_stop():
                return total_loss / max(1, seen), correct / max(1, seen), True
            if self.first_batch_time is None:
                self.first_batch_time = time.perf_counter()
            x, y = self._features(idx, train=True), self.targets[idx]
            if self.config.augment and self.config.mixup_alpha > 0:
                weight = float(self.mix_rng.beta(self.config.mixup_alpha, self.config.mixup_alpha))
                partner = torch.randperm(len(idx), generator=self.generator)
                logits = self._forward(weight * x + (1 - weight) * x[partner])
                loss = (weight * self.loss_fn(logits, y)
                        + (1 - weight) * self.loss_fn(logits, y[partner]))
                if weight < 0.5:  # accuracy against the clip that dominates the blend
                    y = y[partner]
            else:
                logits = self._forward(x)
                loss = self.loss_fn(logits, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler.last_epoch + 1 < self.scheduler.total_steps:
                self.scheduler.step()
            total_loss += loss.item() * len(idx)
            correct += self._correct(logits, y)
            seen += len(idx)
            on_batch(b, len(batches))
        return total_loss / max(1, seen), correct / max(1, seen), False

    @torch.no_grad()
    def _scores(self, idx: np.ndarray, score) -> torch.Tensor:
        """``score(features)`` for the clips ``idx``, in chunks, with the model in eval mode."""
        was_training = self.model.training
        self.model.eval()
        try:
            parts = [score(self._features(torch.as_tensor(chunk), train=False))
                     for chunk in np.array_split(idx, max(1, math.ceil(len(idx) / 256)))]
        finally:
            self.model.train(was_training)
        return torch.cat(parts)

    def _correct(self, logits: torch.Tensor, y: torch.Tensor) -> int:
        """Samples right: the top class; multi-label, every class on the right side of 0.5
        (a mixup blend's targets rounded)."""
        if self.config.multi_label:
            return int(((logits > 0) == (y >= 0.5)).all(dim=1).sum())
        return int((logits.argmax(1) == y).sum())

    def evaluate(self, idx: np.ndarray) -> tuple[float, float]:
        logits = self._scores(idx, self._forward)
        y = self.targets[idx]
        if self.config.multi_label:
            return float(self.eval_loss_fn(logits, y)), self._correct(logits, y) / max(1, len(idx))
        return float(self.eval_loss_fn(logits, y)), float((logits.argmax(1) == y).float().mean())

    def probabilities(self, idx: np.ndarray, views: bool = True) -> np.ndarray:
        """What the classifier will answer, ``(len(idx), n_classes)``: probabilities averaged
        over the prediction views (per-class sigmoids for a multi-label model), calibrated."""
        return self._scores(idx, lambda x: mean_scores(
            self._forward, x, self.features, views, self.config.multi_label, self.temperature)).numpy()

    def calibrate(self, idx: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, dict]:
        """Fit the temperature on each prediction view's logits of ``idx`` (calibration.py);
        their calibrated probabilities, and the fit for the metrics."""
        self.temperature, probabilities, summary = calibrate(self._scores(idx, lambda x: view_logits(
            self._forward, x, self.features)).numpy(), targets)
        return probabilities, summary

    def novelty(self, train_idx: np.ndarray, val_idx: np.ndarray) -> NoveltyRule | None:
        """The "unknown" rule (novelty.py), fitted on these clips through the model."""
        return fit_to_model(self._scores, self.model, self._forward, self.features, self.targets.numpy(),
                            train_idx, val_idx, self.generator)


def _multi_label_losses(targets: torch.Tensor, config: TrainConfig):
    """(training loss, validation loss) of a multi-label head: binary cross-entropy on the
    logits. With ``balance_classes`` each class's positives weigh its negatives over its
    positives (``pos_weight``), so a rare class still counts; label smoothing pulls the targets
    toward 0.5 by half its amount."""
    pos_weight = None
    if config.balance_classes:
        positives = targets.sum(0).clamp(min=1)
        pos_weight = ((len(targets) - targets.sum(0)).clamp(min=1) / positives).float()
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    smoothing = config.label_smoothing

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return bce(logits, y * (1 - smoothing) + smoothing / 2)

    return loss, nn.BCEWithLogitsLoss()
