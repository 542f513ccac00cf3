"""Training and fine-tuning: one entry point, ``train``, from labelled clips (and regions of
recordings, and background cut between them) to a checkpoint, its metrics and its thresholds.

Audio is decoded once and features are kept for all epochs (decoding.py: in RAM, or in the
feature cache on disk, where later runs find them; augmentation works on each batch; a region
keeps a few shifted windows, one drawn per epoch); the epochs run on the configured device, under
torchrun as one of several processes (train_loop.py); progress goes to a plain callback and a
``should_stop`` predicate is checked every batch.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch
from torch import nn

from core.audio import reading as audio
from core.errors import AudioError, TrainingError
from core.ml import distributed
from core.ml.calibration import MIN_SHARPENING_CLIPS
from core.ml.checkpoint import Checkpoint
from core.ml.decoding import RowWriter, decode_background, decode_samples, own_rows
from core.ml.detection import best_multi_label_thresholds, best_thresholds, multi_label_scores
from core.ml.detection import fill_absent_thresholds as _fill_absent
from core.ml.feature_cache import HeaderCache, writable_cache_dir
from core.ml.features import FeatureExtractor, auto_clip_seconds, auto_f_max_hz, preset
from core.ml.fusion import Reported, fit_fusion, hears_same_clips
from core.ml.metrics import ClassificationReport, ModelMetrics, classification_report
from core.ml.networks import DEFAULT_MODEL, build_model
from core.ml.novelty import UNKNOWN, verdicts_of
from core.ml.rows import in_ram_if_small
from core.ml.runtime import precision_for, resolve_device, set_thread_count, trim_heap
from core.ml.samples import (
    BackgroundSource,
    TrainingSample,
    background_class,
    block_group,
    class_bands,
    grouped_split,
    multi_hot,
    split_block_s,
    stratified_split,
)
from core.ml.train_config import AUTO, SPEECH_MODEL, TrainConfig
from core.ml.train_loop import TrainLoop

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

    phase: str  # "decoding" | "training"; a second run's "gate" or "partner"
    fraction: float
    message: str
    elapsed_s: float
    eta_s: float | None = None
    epoch: int = 0
    epochs: int = 0
    epoch_metrics: EpochMetrics | None = None  # set once per finished epoch
    device: str | None = None  # where the run trains ("cpu", "cuda:0"), once it is known
    precision: str | None = None  # "fp32", "bf16" or "fp16" (runtime.precision_for)


@dataclass
class TrainResult:
    # None when stopped before the first epoch, and on every torchrun process but rank 0
    checkpoint: Checkpoint | None
    history: list[EpochMetrics]
    report: ClassificationReport | None  # on the validation clips (training clips if none)
    stopped: bool
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    n_train: int = 0
    n_val: int = 0
    best_epoch: int = 0
    elapsed_s: float = 0.0
    n_background: int = 0  # background windows cut from recordings with regions
    device: str = "cpu"  # the device trained on (resolved from config.device)
    world_size: int = 1  # processes that trained the model together (torchrun)
    rank: int = 0  # this process's among them: only rank 0 reports and holds the model
    n_decoded: int = 0  # windows decoded from audio; the rest came from the feature cache
    clip_seconds: float = 0.0  # the clip length the model hears (features resolved; 0: not yet)
    # The clips the report was measured on and the model's probabilities of them (a gate's run
    # and its model's are fused on them, fusion.py); None for a multi-label or unfinished run.
    reported: Reported | None = field(default=None, compare=False, repr=False)


ProgressCallback = Callable[[TrainProgress], None]
DECODE_SHARE = 0.1  # share of the progress bar given to decoding
#: Models whose unknown answer comes from a gate (Checkpoint.partner): the default network trained
#: on the same clips after them, its rule fitted as for any model of its own; they get no rule of
#: their own. The speech head's map moves with the voice: a rule fitted on its training speakers
#: answered a third to a half of another speaker's words unknown (FSDD, jackson and nicolas held
#: out; cats and dogs, noise and tones all unknown too), no threshold told them apart. The gate's, on
#: FSDD with each speaker held out (seeds 0, 1), flags 0.0035-0.0045 of the words the speech model
#: gets right while answering unknown for 0.96-0.97 of the shared cats and dogs (README, Models
#: and features). The gate's clips are the sounds' own length ("auto"), at most the model's; it
#: judges a longer clip by the stretches of that length about its loudest sounds
#: (novelty.gate_stretches): at the model's 5 s a half-second word filled a tenth of the gate's
#: image, and a bark in padding looked like a padded word.
GATED_MODELS = (SPEECH_MODEL,)
#: The share of the progress bar a gated model's own run takes (the speech model trained in
#: 14-21 s a fold, its gate in 110-130 s): the gate's run takes the rest.
GATED_SHARE = 0.15
#: The share of the bar a speech partner's run takes (TrainConfig.speech_partner), after the
#: default network's: all 2,000 FSDD clips took 117 s with it and 93 s without (a fifth), a
#: cats-and-dogs fold 61-63 s and 41-42 s (a quarter to a third).
PARTNER_SHARE = 0.2


def train(clips: Sequence, config: TrainConfig | None = None, init_from: Checkpoint | None = None,
          progress: ProgressCallback | None = None,
          should_stop: Callable[[], bool] | None = None,
          cache_dir: str | Path | None = None) -> TrainResult:
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
    changed class list keeps the backbone and maps classes by name into a new head).
    ``cache_dir``: the feature cache's folder (feature_cache.feature_cache_dir of the project's
    store): windows found there are not decoded again, and batches are read from it, so memory
    stays bounded whatever the number of clips; None keeps them in RAM. Under torchrun
    (distributed.py) each process trains on its share of every epoch, and only rank 0 reports
    progress and gets the checkpoint. A second network may train after the model, in the same
    progress and stop (Checkpoint.partner): a model of GATED_MODELS is followed by its gate (the
    default network on the same clips), and with ``config.speech_partner`` any other
    single-label model at the clips' own length by a speech model on the very same clips.
    Raises TrainingError when training cannot start (a device this machine lacks among the
    reasons).
    """
    started = time.perf_counter()
    config = config if config is not None else TrainConfig()
    should_stop = should_stop or (lambda: False)
    world = distributed.world_from_env()
    report_progress = (progress or (lambda _p: None)) if world.is_main else (lambda _p: None)
    if config.num_threads:
        set_thread_count(config.num_threads)
    device = resolve_device(config.device, world.local_rank if world.distributed else None)
    gated, partnered = _gated(clips, config), trains_speech_partner(config)
    own_share = GATED_SHARE if gated else 1.0 - PARTNER_SHARE if partnered else 1.0
    with distributed.process_group(world, device):
        result = _train(clips, config, init_from, _share(report_progress, 0.0, own_share)
                        if own_share < 1.0 else report_progress, should_stop, cache_dir, started,
                        world, device)
        if not (gated or partnered) or result.stopped or not result.n_val:
            return result
        if gated:
            second = dataclasses.replace(config, model=DEFAULT_MODEL, features="default",
                                         f_max_hz=AUTO, clip_seconds_requested=AUTO)
            prefix, phase, longest_clip_s = "unknown rule: ", "gate", result.clip_seconds
        else:  # the very clips the model heard, so that both answer for each
            second = dataclasses.replace(config, model=SPEECH_MODEL, features="speech",
                                         f_max_hz=None, clip_seconds_requested=result.clip_seconds)
            prefix, phase, longest_clip_s = "speech partner: ", "partner", None
        partner = _train(clips, second, init_from.partner if init_from is not None else None,
                         _share(report_progress, own_share, 1.0, prefix, phase), should_stop,
                         cache_dir, started, world, device, longest_clip_s=longest_clip_s)
    return _with_partner(result, partner)


def _gated(clips: Sequence, config: TrainConfig) -> bool:
    """Whether this run trains a gate after the model (GATED_MODELS, single-label, where no
    class is itself named unknown: that class answers instead, as taught)."""
    if config.model not in GATED_MODELS or config.multi_label:
        return False
    samples, _ = _samples(clips)
    return UNKNOWN in verdicts_of(sorted({s.label for s in samples}))


def trains_speech_partner(config: TrainConfig) -> bool:
    """Whether this run trains a speech partner after the model (``config.speech_partner``): a
    single-label model of another kind, at the clips' own length ("auto", where the pooling was
    measured: FSDD's words, cats and dogs) and at the speech model's rate, so that it hears the
    very clips the model hears, with clips held out to fit the pooling on."""
    return (config.speech_partner and config.model not in GATED_MODELS
            and not config.multi_label and config.clip_seconds_requested == AUTO
            and config.val_split > 0
            and preset(config.features).sample_rate_hz == preset("speech").sample_rate_hz)


def _share(report: ProgressCallback, start: float, end: float, prefix: str = "",
           phase: str | None = None) -> ProgressCallback:
    """``report`` given a run's progress within ``start..end`` of the bar; a second run
    (``prefix``, its ``phase``: "gate" or "partner") says so in its messages, and its epochs
    draw no curves: they are not the model's. The time left is the whole bar's, the rest of it
    (after ``end``) taken at the pace of this run."""
    def scaled(p: TrainProgress) -> None:
        left = 1.0 - p.fraction
        report(dataclasses.replace(
            p, fraction=start + (end - start) * p.fraction, message=prefix + p.message,
            eta_s=None if p.eta_s is None or left <= 1e-6
            else p.eta_s * (1.0 + (1.0 - end) / ((end - start) * left)),
            phase=p.phase if phase is None else phase,
            epoch_metrics=p.epoch_metrics if phase is None else None))
    return scaled


def _with_partner(result: TrainResult, partner: TrainResult) -> TrainResult:
    """The model's run with its partner's checkpoint, where the partner is of use, and the two
    runs' time and decoding. A gate is of use where its rule answers unknown for the model (a
    run stopped, or without validation clips, fits none). Where both reported on the same
    validation clips, the partner hears the model's clips and pooling does the answer no harm
    on those clips (fusion.fit_fusion), the model answers with its partner
    (fusion.py): its report, calibration and thresholds are the fusion's."""
    checkpoint = result.checkpoint
    merged = dict(stopped=partner.stopped, elapsed_s=partner.elapsed_s,
                  n_decoded=result.n_decoded + partner.n_decoded)
    if checkpoint is None or partner.checkpoint is None:
        return dataclasses.replace(result, **merged)
    gate = checkpoint.novelty is None and partner.checkpoint.novelty is not None
    fitted = (fit_fusion(result.reported, partner.reported) if hears_same_clips(
        checkpoint.feature_config, partner.checkpoint.feature_config) else None)
    if fitted is None and not gate:
        return dataclasses.replace(result, **merged)
    report = result.report
    if fitted is None:
        checkpoint = dataclasses.replace(checkpoint, partner=partner.checkpoint)
    else:
        temperature, probabilities, calibration = fitted
        targets = result.reported.targets
        report = classification_report(targets, probabilities.argmax(1), checkpoint.classes)
        metrics = ModelMetrics.from_dict(checkpoint.metrics)
        thresholds = _fill_absent(best_thresholds(probabilities, targets), targets,
                                  lambda: checkpoint.thresholds)
        checkpoint = dataclasses.replace(
            checkpoint, partner=partner.checkpoint, fusion_temperature=temperature,
            thresholds=list(thresholds),
            metrics=dict(checkpoint.metrics, **dataclasses.replace(metrics, report=report).to_dict(),
                         calibration=calibration, fused_with_partner=partner.checkpoint.model_name))
    return dataclasses.replace(result, checkpoint=checkpoint, report=report, **merged)


def _train(clips: Sequence, config: TrainConfig, init_from: Checkpoint | None, report_progress,
           should_stop, cache_dir, started: float, world: distributed.World,
           device: str, longest_clip_s: float | None = None) -> TrainResult:
    """One network's run (``train``; a partner's is a second). ``longest_clip_s``: the clip
    length is at most this (a gate's: its model's)."""
    precision = precision_for(device, config.mixed_precision, config.bf16)
    where = dict(device=device, precision=precision.name)
    samples, sources = _samples(clips)
    block_s = split_block_s(samples)
    if block_s is not None:
        samples = [dataclasses.replace(s, group=block_group(s.group or str(s.path),
                                                            (s.begin_s + s.end_s) / 2, block_s))
                   if s.is_region else s for s in samples]
    labels = [s.label for s in samples]
    background = background_class(labels) if config.background and sources else None
    _check_classes(labels, background=background)

    cache_dir = writable_cache_dir(cache_dir)  # else in RAM: a cache is a speed-up, not a need
    headers = HeaderCache(cache_dir)
    features, model_name = _resolve_features(samples, config, init_from, headers.info,
                                             longest_clip_s)
    # A fine-tuned model hears what its parent heard: its settings say so.
    config = dataclasses.replace(config, channel=features.channel)
    writer = RowWriter(features, "features" if config.cache_features else "waveforms", device,
                       cache_dir, headers)

    def on_chunk(done: int, total: int) -> None:
        report_progress(TrainProgress("decoding", DECODE_SHARE * done / total,
                                      f"reading clips {done}/{total}",
                                      time.perf_counter() - started, **where))

    decoded = decode_samples(samples, writer, config.multi_label, config.seed,
                             config.decode_workers, should_stop, on_chunk, world)
    rows, labels_text, groups, views = decoded.rows, decoded.labels, decoded.groups, decoded.views
    skipped, label_sets = decoded.skipped, decoded.label_sets
    n_background = 0
    if background is not None and not should_stop():
        extra, windows = decode_background(sources, background, labels_text, writer, config.seed,
                                           skipped, world)
        n_background = len(windows)
        if n_background:
            n = len(labels_text)
            rows = type(rows).cat([rows.slice(0, n), extra, rows.slice(n)])
            if views is not None:  # rows of offset views come after the samples: shift them
                views = torch.where(views >= n, views + n_background, views)
                views = torch.cat([views, own_rows(n, n_background, views.shape[1])])
            labels_text += [background] * n_background
            label_sets += [(background,)] * n_background
            groups += [block_group(str(w.path), w.start_s + w.length_s / 2, block_s)
                       for w in windows]
    writer.close()
    rows = in_ram_if_small(rows)
    trim_heap()  # each phase's temporaries handed back: memory stays bounded (runtime.py)
    ran = dict(device=device, world_size=world.size, rank=world.rank, n_decoded=writer.n_decoded,
               clip_seconds=features.clip_seconds)
    if should_stop():
        return TrainResult(None, [], None, True, skipped, elapsed_s=time.perf_counter() - started,
                           **ran)
    _check_classes(labels_text, skipped)
    classes = sorted(set(labels_text).union(*label_sets) if config.multi_label else set(labels_text))
    # Class indices of each sample's own label: the split and the clip report follow them.
    targets = torch.tensor([classes.index(lbl) for lbl in labels_text])
    hot = torch.from_numpy(multi_hot(label_sets, classes)) if config.multi_label else None

    torch.manual_seed(config.seed)
    # Each process augments its batches with its own draws (rank 0's are a plain run's).
    generator = torch.Generator().manual_seed(config.seed + world.rank)
    train_idx, val_idx = grouped_split(targets.numpy(), groups, config.val_split, config.seed)

    model = build_model(model_name, len(classes), (features.n_freqs, features.n_frames))
    if init_from is not None:
        _load_for_fine_tuning(model, init_from, classes)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model = model.to(device, memory_format=memory_format)

    loop = TrainLoop(model, FeatureExtractor(features).to(device), config, features, rows,
                     hot if hot is not None else targets, classes, generator, memory_format, views,
                     device, precision, world)
    history: list[EpochMetrics] = []
    best = (-math.inf, math.inf)
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    best_epoch, epochs_without_gain, stopped = 0, 0, False
    keep_last = config.schedule == "onecycle"
    for epoch in range(1, config.epochs + 1):
        epoch_start = time.perf_counter()

        def on_batch(batch: int, n_batches: int, epoch: int = epoch) -> None:
            done = (epoch - 1 + batch / n_batches) / config.epochs
            elapsed = time.perf_counter() - started
            fraction = DECODE_SHARE + (1 - DECODE_SHARE) * done
            train_elapsed = time.perf_counter() - loop.first_batch_time if loop.first_batch_time else 0
            eta = train_elapsed * (1 - done) / done if done > 0 else None
            report_progress(TrainProgress("training", fraction, f"epoch {epoch}/{config.epochs}",
                                          elapsed, eta, epoch, config.epochs, **where))

        train_loss, train_acc, stopped = loop.run_epoch(train_idx, on_batch, should_stop)
        if stopped:  # before one full epoch: keep what we have, marked as stopped
            if not history:
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            break
        val_loss, val_acc = loop.evaluate(val_idx) if len(val_idx) else (None, None)
        metrics = EpochMetrics(epoch, train_loss, train_acc, val_loss, val_acc,
                               time.perf_counter() - epoch_start)
        history.append(metrics)
        trim_heap()
        # The weights kept. Under the one-cycle schedule, the last epoch's: the rate anneals to
        # nearly nothing there, and a validation split of a few dozen clips is too noisy to pick
        # an earlier epoch by. On cats and dogs (21 validation clips) the best validation
        # accuracy kept an epoch from the 7th to the 18th of 30 in 7 of 10 runs and scored 0.908
        # by 5-fold cross-validation (2 seeds); the last epoch scored 0.958. On FSDD's held-out
        # speakers the best epoch was nearly always the last anyway. Under a constant rate: the
        # last epoch of best validation accuracy, and early stopping after patience_epochs
        # without a gain.
        score = (val_acc,) if val_loss is not None else (train_acc, -train_loss)
        if keep_last or score >= best:
            best, best_epoch, epochs_without_gain = max(best, score), epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            epochs_without_gain += 1
        elapsed = time.perf_counter() - started
        report_progress(TrainProgress(
            "training", DECODE_SHARE + (1 - DECODE_SHARE) * epoch / config.epochs,
            f"epoch {epoch}/{config.epochs}", elapsed, None, epoch, config.epochs, metrics, **where))
        if (not keep_last and config.patience_epochs is not None
                and epochs_without_gain >= config.patience_epochs):
            break

    if not world.is_main:  # rank 0 scores, calibrates and holds the model
        return TrainResult(None, history, None, stopped, skipped, len(train_idx), len(val_idx),
                           best_epoch, time.perf_counter() - started, n_background, **ran)
    model.load_state_dict(best_state)
    report_idx = val_idx if len(val_idx) else train_idx
    # A stopped run reports on the clips alone, without prediction views: with them, Cancel took
    # 1.8-2.3 s in the GUI benchmark (300 validation clips), against the second it may take.
    probabilities, calibration = (  # multi-label or stopped: temperature 1.0
        loop.calibrate(report_idx, targets[report_idx].numpy(),
                       may_sharpen=len(val_idx) >= MIN_SHARPENING_CLIPS)
        if hot is None and not stopped
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
    metrics_dict.update(device=device, world_size=world.size, precision=precision.name)
    own_rule = hot is None and not stopped and len(val_idx) and model_name not in GATED_MODELS
    checkpoint = Checkpoint(
        model_name=model_name, classes=classes, feature_config=features,
        state_dict={k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        train_config=config.to_dict(), metrics=metrics_dict,
        history=[dataclasses.asdict(h) for h in history],
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        thresholds=thresholds, background_class=bg if (bg := background_class(classes)) in classes else None,
        multi_label=config.multi_label, temperature=loop.temperature,
        novelty=loop.novelty(train_idx, val_idx) if own_rule else None,
        class_bands_hz=class_bands(samples, classes),
    )
    reported = None if hot is not None else Reported(
        tuple(zip(report_idx.tolist(), (groups[i] for i in report_idx), strict=True)),
        targets[report_idx].numpy(), probabilities, held_out=bool(len(val_idx)) and not stopped)
    return TrainResult(checkpoint, history, report, stopped, skipped, len(train_idx), len(val_idx),
                       best_epoch, time.perf_counter() - started, n_background, **ran,
                       reported=reported)


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
    unreadable = ("" if not skipped else " (1 unreadable clip was skipped)" if len(skipped) == 1
                  else f" ({len(skipped):,} unreadable clips were skipped)")
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
                      init_from: Checkpoint | None, read_info=audio.info,
                      longest_clip_s: float | None = None):
    if init_from is not None:
        # Fine-tuning keeps the checkpoint's features and network: its weights expect them.
        return init_from.feature_config, init_from.model_name
    features = preset(config.features)
    infos, durations, labels = [], [], []
    if AUTO in (config.clip_seconds_requested, config.f_max_hz):
        known: dict[Path, audio.AudioInfo | None] = {}
        for sample in samples:
            if sample.path not in known:
                try:
                    known[sample.path] = read_info(sample.path)
                except AudioError:
                    known[sample.path] = None  # reported as skipped when decoding
            info = known[sample.path]
            if info is not None:
                infos.append(info)
                # A region's length is the event's, not its recording's.
                durations.append(sample.end_s - sample.begin_s if sample.is_region
                                 else info.duration_s)
                labels.append(sample.label)
    if config.clip_seconds_requested == AUTO:
        clip_s = auto_clip_seconds(durations, labels)
        features = features.with_clip_seconds(clip_s if longest_clip_s is None
                                              else min(clip_s, float(longest_clip_s)))
    else:
        features = features.with_clip_seconds(float(config.clip_seconds_requested))
    if config.f_max_hz == AUTO and features.kind == "logmel" and features.f_max_hz is None:
        f_max_hz = auto_f_max_hz([i.sample_rate_hz for i in infos], features.sample_rate_hz)
        features = dataclasses.replace(features, f_max_hz=f_max_hz)
    elif config.f_max_hz not in (AUTO, None):
        features = dataclasses.replace(features, f_max_hz=float(config.f_max_hz))
    if config.channel is not None:
        features = dataclasses.replace(features, channel=config.channel)
    return features, config.model


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
