"""The per-epoch mechanics of a training run, apart from its bookkeeping (core.ml.training): batches
read through a DataLoader from the rows in RAM or in the feature cache, augmentation on each
batch, the forward pass on the run's device in its precision, the optimiser step (through
DistributedDataParallel under torchrun), and evaluation, probabilities and calibration."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler

from core.ml import distributed
from core.ml.calibration import calibrate
from core.ml.features import FeatureConfig, augment
from core.ml.inference import mean_scores, view_logits
from core.ml.networks import fold_batch_norm
from core.ml.novelty import NoveltyRule, fit_to_model
from core.ml.rows import Rows
from core.ml.runtime import Precision, trim_heap
from core.ml.train_config import TrainConfig

# Clips scored at a time outside training: the activations of a chunk's prediction views (when
# calibrating) made the peak of a run: at 128, 530 MB over the run's own at 40,000 one-second clips.
EVAL_CHUNK = 64


class _Batches(Dataset):
    """A batch of the rows as the sampler names it: ``(sample indices, row numbers)`` ->
    ``(rows, sample indices)``."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: tuple[torch.Tensor, torch.Tensor]):
        idx, rows = key
        return self.rows[rows], idx


class _EpochSampler(Sampler):
    """One epoch's batches of ``train_idx``: shuffled with the run's generator (under torchrun:
    each process its share of one shared shuffle, ``DistributedSampler``), cut into batches, a
    last batch of one folded into the one before (it breaks BatchNorm), and each region's window
    drawn anew among its views as the batch is taken. Fewer clips than the config's
    ``min_epoch_clips`` are dealt out again, each deal shuffled anew, until that many are taken."""

    def __init__(self, loop: TrainLoop, train_idx: np.ndarray, epoch: int) -> None:
        self.loop, self.train_idx, self.epoch = loop, train_idx, epoch
        world = loop.world
        self.batch_size = (loop.config.batch_size if not world.distributed
                           else max(2, math.ceil(loop.config.batch_size / world.size)))
        self.batches = self._batches()

    def _batches(self) -> list[torch.Tensor]:
        world, generator = self.loop.world, self.loop.generator
        n_clips = max(len(self.train_idx), self.loop.config.min_epoch_clips)
        deals = math.ceil(n_clips / max(1, len(self.train_idx)))
        if world.distributed:
            sampler = DistributedSampler(self.train_idx, num_replicas=world.size, rank=world.rank,
                                         shuffle=True, seed=self.loop.config.seed)
            shares = []
            for deal in range(deals):
                sampler.set_epoch(self.epoch * deals + deal)
                shares.append(torch.tensor(list(sampler)))
            picked = torch.cat(shares)[:math.ceil(n_clips / world.size)]
        else:
            picked = torch.cat([torch.randperm(len(self.train_idx), generator=generator)
                                for _ in range(deals)])[:n_clips]
        order = torch.from_numpy(self.train_idx)[picked]
        batches = list(torch.split(order, self.batch_size))
        if len(batches) > 1 and len(batches[-1]) == 1:
            batches[-2] = torch.cat([batches[-2], batches.pop()])
        return batches

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        views = self.loop.views
        for idx in self.batches:
            rows = idx
            if views is not None:  # a region's window, shifted anew each epoch
                pick = torch.randint(views.shape[1], (len(idx),), generator=self.loop.generator)
                rows = views[idx, pick]
            yield idx, rows


class TrainLoop:
    """Epochs of one model on ``rows``: ``targets`` class indices (multi-label: multi-hot rows)
    of the samples, whose own rows come first; ``views`` ``(n_samples, n_views)`` row numbers of
    each sample's windows, None when every sample has one. The model is on ``device``."""

    def __init__(self, model: nn.Module, extractor, config: TrainConfig, features: FeatureConfig,
                 rows: Rows, targets: torch.Tensor, classes, generator: torch.Generator,
                 memory_format, views: torch.Tensor | None = None, device: str = "cpu",
                 precision: Precision | None = None,
                 world: distributed.World = distributed.SINGLE) -> None:
        self.model, self.extractor, self.config, self.features = model, extractor, config, features
        self.rows, self.targets, self.generator = rows, targets, generator
        self.views = views
        self.memory_format = memory_format
        self.device, self.world = device, world
        self.precision = precision or Precision(torch.device(device).type)
        self.scaler = self.precision.scaler()
        self.first_batch_time: float | None = None
        self.temperature = 1.0  # fitted after the last epoch (single-label)
        self.scorer: nn.Module | None = None  # the model that scores, inside _scoring()
        # The training forward: through DDP under torchrun, which averages the gradients.
        self.trained = model
        if world.distributed:
            on_gpu = torch.device(device).type == "cuda"
            self.trained = nn.parallel.DistributedDataParallel(
                model, device_ids=[torch.device(device)] if on_gpu else None)
        if config.multi_label:  # targets: (n, n_classes) multi-hot
            self.loss_fn, self.eval_loss_fn = _multi_label_losses(targets, config, device)
        else:
            weight = None
            if config.balance_classes:
                counts = torch.bincount(targets, minlength=len(classes)).float().clamp(min=1)
                weight = (counts.sum() / (len(classes) * counts)).to(device)
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
        self.scheduler = None
        self.mix_rng = np.random.default_rng(config.seed + world.rank)
        self.epoch = 0

    def _prepared(self, x: torch.Tensor, train: bool) -> torch.Tensor:
        """Rows read (on the CPU) -> the model's input on the device: features extracted when
        the rows are waveforms, augmented when training (on the CPU, as augment draws there)."""
        if not self.config.cache_features:
            x = self.extractor(x.to(self.device))
        if train and self.config.augment:
            x = augment(x.cpu(), self.features, self.generator)
        return x.to(self.device, non_blocking=True)

    def _features(self, idx, train: bool) -> torch.Tensor:
        """The model's input for the samples ``idx`` (their own rows), outside training."""
        return self._prepared(self.rows[torch.as_tensor(idx)], train)

    def _forward(self, x: torch.Tensor, module: nn.Module | None = None) -> torch.Tensor:
        x = x.contiguous(memory_format=self.memory_format)
        with self.precision.autocast():
            return (module or self.model)(x).float()

    def _forward_cpu(self, x: torch.Tensor) -> torch.Tensor:
        """Logits on the CPU of a CPU batch (prediction views are built on the CPU): of the
        scoring copy inside _scoring(), else of the model."""
        return self._forward(x.to(self.device), self.scorer).cpu()

    @contextmanager
    def _scoring(self) -> Iterator[nn.Module]:
        """Score with a copy of the model in eval mode, its BatchNorm folded into the
        convolutions as the classifier does (networks.fold_batch_norm): validation every epoch,
        calibration and the unknown rule's statistics take a quarter less time, and the model
        being trained is not touched. Nested uses share one copy."""
        if self.scorer is not None:
            yield self.scorer
            return
        self.scorer = fold_batch_norm(copy.deepcopy(self.model))
        try:
            yield self.scorer
        finally:
            self.scorer = None

    def run_epoch(self, train_idx: np.ndarray, on_batch, should_stop) -> tuple[float, float, bool]:
        self.model.train()
        self.epoch += 1
        sampler = _EpochSampler(self, train_idx, self.epoch)
        # The loader draws its base seed from the generator it is given: its own, so neither the
        # run's generator nor torch's global one (dropout's) moves.
        loader = DataLoader(_Batches(self.rows), sampler=sampler, batch_size=None,
                            generator=torch.Generator())
        total_steps = self.config.epochs * len(sampler)
        # OneCycle needs a few steps in each phase; a tiny run keeps the constant rate.
        if self.scheduler is None and self.config.schedule == "onecycle" and total_steps >= 10:
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                self.optimizer, max_lr=self.config.learning_rate,
                total_steps=total_steps, pct_start=0.25)
        total_loss, correct, seen = 0.0, 0, 0
        for b, (rows, idx) in enumerate(loader, start=1):
            stop = should_stop()
            if self.world.distributed:  # all stop together, or DDP waits forever
                stop = distributed.any_across(stop)
            if stop:
                return _mean(total_loss, seen), _mean(correct, seen), True
            if self.first_batch_time is None:
                self.first_batch_time = time.perf_counter()
            x, y = self._prepared(rows, train=True), self.targets[idx].to(self.device)
            if self.config.augment and self.config.mixup_alpha > 0:
                weight = float(self.mix_rng.beta(self.config.mixup_alpha, self.config.mixup_alpha))
                partner = torch.randperm(len(idx), generator=self.generator).to(self.device)
                logits = self._forward(weight * x + (1 - weight) * x[partner], self.trained)
                loss = (weight * self.loss_fn(logits, y)
                        + (1 - weight) * self.loss_fn(logits, y[partner]))
                if weight < 0.5:  # accuracy against the clip that dominates the blend
                    y = y[partner]
            else:
                logits = self._forward(x, self.trained)
                loss = self.loss_fn(logits, y)
            self.optimizer.zero_grad(set_to_none=True)
            if self.scaler is not None:
                self.scaler.scale(loss).backward()
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                loss.backward()
                self.optimizer.step()
            if self.scheduler is not None and self.scheduler.last_epoch + 1 < self.scheduler.total_steps:
                self.scheduler.step()
            total_loss += loss.item() * len(idx)
            correct += self._correct(logits, y)
            seen += len(idx)
            on_batch(b, len(sampler))
        if self.world.distributed:  # the whole epoch's figures: early stopping may use them
            total_loss, correct, seen = distributed.sum_across([total_loss, correct, seen])
        return _mean(total_loss, seen), _mean(correct, seen), False

    @torch.no_grad()
    def _scores(self, idx: np.ndarray, score) -> torch.Tensor:
        """``score(features)`` (features on the CPU) for the clips ``idx``, in chunks, the
        forward passes through the scoring copy (_scoring)."""
        parts = []
        with self._scoring():
            for chunk in np.array_split(idx, max(1, math.ceil(len(idx) / EVAL_CHUNK))):
                parts.append(score(self._features(chunk, train=False).cpu()))
                trim_heap()  # the chunk's activations handed back (runtime.trim_heap)
        return torch.cat(parts)

    def _correct(self, logits: torch.Tensor, y: torch.Tensor) -> int:
        """Samples right: the top class; multi-label, every class on the right side of 0.5
        (a mixup blend's targets rounded)."""
        if self.config.multi_label:
            return int(((logits > 0) == (y >= 0.5)).all(dim=1).sum())
        return int((logits.argmax(1) == y).sum())

    def evaluate(self, idx: np.ndarray) -> tuple[float, float]:
        """Validation loss and accuracy of the samples ``idx``. Under torchrun each process
        scores its share and the sums are added up, so every process gets the same figures
        (and takes the same early-stopping decision)."""
        if self.world.distributed:
            distributed.sync_buffers(self.model)
            idx = idx[self.world.rank::self.world.size]
        logits = self._scores(idx, self._forward_cpu) if len(idx) else None
        y = self.targets[idx]
        if not self.world.distributed:
            if self.config.multi_label:
                return float(self.eval_loss_fn(logits, y)), self._correct(logits, y) / max(1, len(idx))
            return float(self.eval_loss_fn(logits, y)), float((logits.argmax(1) == y).float().mean())
        loss_sum = float(self.eval_loss_fn(logits, y)) * len(idx) if len(idx) else 0.0
        right = self._correct(logits, y) if len(idx) else 0
        loss_sum, right, count = distributed.sum_across([loss_sum, right, len(idx)])
        return loss_sum / max(1.0, count), right / max(1.0, count)

    def probabilities(self, idx: np.ndarray, views: bool = True) -> np.ndarray:
        """What the classifier will answer, ``(len(idx), n_classes)``: probabilities averaged
        over the prediction views (per-class sigmoids for a multi-label model), calibrated."""
        return self._scores(idx, lambda x: mean_scores(
            self._forward_cpu, x, self.features, views, self.config.multi_label,
            self.temperature)).numpy()

    def calibrate(self, idx: np.ndarray, targets: np.ndarray, may_sharpen: bool
                  ) -> tuple[np.ndarray, dict]:
        """Fit the temperature on each prediction view's logits of ``idx`` (calibration.py; a
        temperature under 1 only when ``may_sharpen``); their calibrated probabilities, and the
        fit for the metrics."""
        self.temperature, probabilities, summary = calibrate(self._scores(idx, lambda x: view_logits(
            self._forward_cpu, x, self.features)).numpy(), targets, may_sharpen)
        return probabilities, summary

    def novelty(self, train_idx: np.ndarray, val_idx: np.ndarray) -> NoveltyRule | None:
        """The "unknown" rule (novelty.py), fitted on these clips through the model."""
        with self._scoring() as scorer:  # the statistics are read off the copy that scores
            return fit_to_model(self._scores, scorer, self._forward_cpu, self.features,
                                self.targets.numpy(), train_idx, val_idx, self.generator)


def _multi_label_losses(targets: torch.Tensor, config: TrainConfig, device: str = "cpu"):
    """(training loss, validation loss) of a multi-label head: binary cross-entropy on the
    logits. With ``balance_classes`` each class's positives weigh its negatives over its
    positives (``pos_weight``), so a rare class still counts; label smoothing pulls the targets
    toward 0.5 by half its amount. The validation loss is computed on the CPU."""
    pos_weight = None
    if config.balance_classes:
        positives = targets.sum(0).clamp(min=1)
        pos_weight = ((len(targets) - targets.sum(0)).clamp(min=1) / positives).float().to(device)
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    smoothing = config.label_smoothing

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return bce(logits, y * (1 - smoothing) + smoothing / 2)

    return loss, nn.BCEWithLogitsLoss()


def _mean(total: float, count: int) -> float:
    return total / count if count else 0.0
