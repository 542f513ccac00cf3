"""Answers other than a class: ``silence`` (a clip with no sound in it) and ``unknown`` (a sound unlike
every clip the model was trained on), so a model never names a digit for a dog, a hiss or a tone.

Silence is read from the waveform, before the model (``core.ml.silence``). Unknown is a distance in
the model's own terms: how its last feature map responds to the clip, against how it responded to
the training clips (``NoveltyRule``), fitted at the end of training (``fit_to_model``) with its
threshold chosen on augmented validation clips.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from core.ml.features import DB_PER_UNIT, FeatureConfig, augment, prediction_views
from core.ml.silence import TINY, moving_mean

SILENCE = "silence"
UNKNOWN = "unknown"
VERDICTS = (SILENCE, UNKNOWN)


def verdicts_of(classes) -> tuple[str, ...]:
    """The VERDICTS a model of ``classes`` answers: a class of its own named silence or unknown
    (an Edge Impulse keyword-spotting set's "unknown" words) is what the person taught it to say
    there, and it answers with that class instead, as any other."""
    return tuple(v for v in VERDICTS if v not in set(classes))

def rule_in_use(checkpoint) -> NoveltyRule | None:
    """A checkpoint's unknown rule as Earmark applies it: a single-label model's, where none of
    its classes is named unknown (then that class answers, as taught); else None."""
    if checkpoint.multi_label or UNKNOWN not in verdicts_of(checkpoint.classes):
        return None
    return checkpoint.novelty


def gate_in_use(checkpoint):
    """The checkpoint whose rule answers unknown for ``checkpoint`` in its stead (its
    ``partner``, a gate: the speech model's), where it has no rule of its own in use and the
    partner has one (a partner knows its model's classes and is single-label, so its rule is in
    use where its model's would be: Checkpoint checks); else None."""
    partner = getattr(checkpoint, "partner", None)
    in_use = (partner is not None and rule_in_use(checkpoint) is None
              and rule_in_use(partner) is not None)
    return partner if in_use else None


def partner_in_use(checkpoint):
    """``(partner, gate, fusion_temperature)``: the partner inference runs beside ``checkpoint``
    (None where it neither answers unknown nor joins the answer), whether its rule answers
    unknown for it (``gate_in_use``), and the temperature of their pooled answer (None: the
    model answers alone). The app's classifier and an exported graph both ask this."""
    gate = gate_in_use(checkpoint) is not None
    fusion = getattr(checkpoint, "fusion_temperature", None)
    partner = checkpoint.partner if gate or fusion is not None else None
    return partner, gate, fusion


# A long file is unknown when none of its LONG_WINDOWS windows with sound that most support its
# label is like the training clips, each judged at LONG_NOVELTY_SHARE of a clip's threshold (the
# best of three lies nearer than one would). A window of a long recording is less like a
# training clip than a whole clip is (a digit cut by the window's edge, the next one beginning):
# on long files made of a held-out FSDD speaker's digits (bench/bench_unknown.py), judged by the
# one best window 30% were unknown (0-70% by speaker), by these three 3% (0-7.5%), while the
# share of cats and dogs answered unknown stayed at 95%. A gate of clips shorter than its
# model's judges a clip so (gate_stretches).
LONG_WINDOWS = 3
LONG_NOVELTY_SHARE = 0.7
# A stretch more than this under a clip's loudest holds no sound of its own (gate_stretches).
STRETCH_RANGE_DB = 20.0


def gate_stretches(clips: torch.Tensor, n_samples: int) -> tuple[torch.Tensor, torch.Tensor]:
    """What a gate of ``n_samples`` clips, shorter than its model's, hears of clips ``(n, N)``:
    ``(n, LONG_WINDOWS, n_samples)`` the stretches of that length about each clip's loudest
    sounds (each centred on the loudest half-length, to a 32nd of it, that no stretch before it
    overlaps; within the clip), their means removed as ``features.prepare_clip`` removes a
    clip's, and ``(n, LONG_WINDOWS)`` whether each holds sound (its loudest half within
    STRETCH_RANGE_DB of the first's). The gate is trained on the sounds at their own length
    (``training.train``): judged on a 5 s clip whole, a half-second word or bark was a tenth of
    the image and the rest padding, so a bark looked like a padded word. A clip is judged as a
    long file is (``gate_novelty``); judged by its one loudest stretch, a file of three takes of
    a word 0.3 s apart was heard as the end of one take and the start of the next (0.375 of them
    unknown, FSDD at 5 s, 4 folds), and by the most familiar of all its stretches, a bark found
    one familiar enough (0.69 of cats and dogs unknown on one fold, against 0.96-0.99). Traces
    for ONNX and TorchScript."""
    total = int(clips.shape[1])
    half, step = n_samples // 2, max(1, n_samples // 32)
    energy = torch.nn.functional.pad(torch.cumsum(clips.double() ** 2, dim=1), (1, 0))
    starts = torch.arange(0, total - half + 1, step, device=clips.device)
    sums = energy[:, starts + half] - energy[:, starts]
    firsts, levels = [], []
    for _stretch in range(LONG_WINDOWS):
        best = sums.argmax(dim=1)
        levels.append(sums.gather(1, best[:, None])[:, 0])
        first = torch.clamp(starts[best] - (n_samples - half) // 2, 0, total - n_samples)
        firsts.append(first)
        # The next stretch is about another sound: no half-length this one overlaps.
        taken = ((starts[None, :] + half > first[:, None])
                 & (starts[None, :] < first[:, None] + n_samples))
        sums = torch.where(taken, torch.full_like(sums, -1.0), sums)
    level = torch.stack(levels, dim=1)
    heard = level >= level[:, :1] * 10 ** (-STRETCH_RANGE_DB / 10)
    index = torch.stack(firsts, dim=1)[:, :, None] + torch.arange(n_samples, device=clips.device)
    pieces = torch.gather(clips, 1, index.flatten(1)).reshape(index.shape)
    return pieces - pieces.mean(dim=2, keepdim=True), heard


def gated_novelty(clips: torch.Tensor, n_samples: int,
                  score: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """``(n,)`` a gate's novelty of clips ``(n, N)``, ``score`` giving the gate's novelty of
    clips of its own ``n_samples``: of the whole clips, or of longer ones as ``gate_stretches``
    and ``gate_novelty`` judge them (the app's inference and an exported model both)."""
    if n_samples >= int(clips.shape[1]):
        return score(clips)
    pieces, heard = gate_stretches(clips, n_samples)
    return gate_novelty(score(pieces.reshape(-1, n_samples)).reshape(heard.shape), heard)


def gate_novelty(novelty: torch.Tensor, heard: torch.Tensor) -> torch.Tensor:
    """``(n,)`` each clip's novelty from its stretches' ``(n, LONG_WINDOWS)`` (gate_stretches),
    as a long file's from its windows': the most familiar with sound, at LONG_NOVELTY_SHARE where
    it was the best of several (one alone is judged as a clip)."""
    best = torch.where(heard, novelty, torch.full_like(novelty, math.inf)).min(dim=1).values
    several = heard.sum(dim=1) > 1
    return torch.where(several, best / LONG_NOVELTY_SHARE, best)


# ---- unknown ------------------------------------------------------------------------------
# The rule measures the statistics of the network's last feature map (per channel, its mean and
# standard deviation over frequency and time, averaged over the prediction views) by their
# Mahalanobis distance to the nearest class under one covariance shared by the classes (Lee et
# al. 2018). Measured on FSDD's four leave-one-speaker-out models (bench/bench_unknown.py), each
# candidate thresholded alike: the calibrated top probability and the energy score hardly
# separate at all (AUROC 0.53-0.54 against the held-out speaker: noise and tones are answered as
# surely as digits); the same distance on the input of the last linear layer separates (AUROC
# 0.998) but lets 20% of pink noise and 9% of cats and dogs through; the feature map's statistics
# let through no white noise or tone, 2.5% of pink noise and 5-6% of cats and dogs, at 0.4% of
# the held-out speakers' answers lost. The training clips are taken twice, as they are and once
# augmented as in training, and the threshold is chosen on augmented validation clips: a speaker
# the model never heard lies further out than the validation clips (of the training speakers)
# do, about as far as augmentation takes them; fitted on clean clips alone, the held-out speaker
# theo needed a threshold six times the validation clips' 99th percentile. The clean training
# clips are measured in the five prediction views, as a clip is judged: measured in one view,
# the fit needs 65% fewer passes of the model (FSDD: 3,700 clips against 10,500), but the rule
# moved along the same curve rather than separating better (cats and dogs answered unknown
# 0.947 -> 0.955, long files of a held-out speaker's digits 1.9% -> 4.4%, accuracy lost
# 0.004 -> 0.005).
# The statistics are measured by their square roots (STAT_EXPONENT): a channel's mean and spread
# of rectified activations are skewed to the right, and the square root brings them nearer the
# Gaussian the Mahalanobis distance assumes, so the held-out speakers' clips sit closer in and
# the threshold can be stricter. Refitted on the same eight models (two seeds, bench_unknown.py
# --refit), against the statistics as they are at a 3% share: cats and dogs answered unknown
# 0.950 -> 0.966 (seed 0: 0.939 -> 0.961; seed 1: 0.961 -> 0.971), pink noise 0.943 -> 0.970,
# long files of held-out digits answered unknown 2.8% -> 2.2%, accuracy lost 0.0045 -> 0.004.
# At a 4.5% share the square roots gave 0.957, 0.953, 1.6% and 0.004.
FIRST_FLAG_SHARE = 0.03  # the share rules were fitted at before flag_share was stored
FLAG_SHARE = 0.06  # the share of augmented validation clips beyond the threshold
STAT_EXPONENT = 0.5
SHRINKAGE = 0.01  # of the covariance toward a multiple of the identity, so it always inverts
MIN_DRAWS = 200  # augmented validation clips drawn at least: a small split is drawn several times
MAX_VAL_PASSES = 8
# Clips of each split the rule is fitted on at most (a random subset beyond): class means and a
# covariance of a few hundred dimensions are settled by a few thousand rows, and measuring every
# clip of a 200,000-clip project through every prediction view would cost more than an epoch and
# hold the statistics of all of them in memory.
MAX_FIT_CLIPS = 5000


# A steady sound (white or pink noise, a hum, a held tone or chord) is unknown to a model whose
# training clips held none: their statistics sit among a noisy corpus's own backgrounds (a
# cats-and-dogs model answered white noise "cat" at 97% and tones "dog" at 99.7%, the distance
# above under its threshold: bench_unknown_catsdogs.py). A clip is steady where no band of its
# image rises STEADY_DB over that band's median level (feature_rise_db): measured on the image
# a model sees, white and pink noise rise 3.0-4.5 dB, tones and a chord under 2, the cats and
# dogs at least 5.6 (the next 9.6; 1% of them under 12.2). The rule holds it only for a model
# whose judged training clips of each class were steady at most STEADY_SHARE of the time (one
# in 179 cats and dogs), and only where most of them could be judged: FSDD's digits are too
# short to tell (MIN_STEADY_S: a third of them judged, 0.9% of those steady), so its models, and
# any taught a steady class (a hum, a fan, even in a few clips), never use it. Noise or a tone
# of 0.6 s or more is judged.
STEADY_DB = 6.0
STEADY_SHARE = 0.02
MIN_JUDGED_SHARE = 0.5
MIN_STEADY_S = 0.4  # of sound, its ends left out, to tell steady from not
STEADY_GROUPS = 16  # bands: the image's rows averaged in this many groups
STEADY_SMOOTH_S = 0.1  # band levels averaged over this, so noise's chance peaks stay low
_STEADY_RANGE_DB = 80.0  # a plain spectrogram's cells further under the loudest count as that far


@functools.lru_cache(maxsize=16)
def _group_means(n_freqs: int) -> np.ndarray:
    """The ``(n_freqs, groups)`` matrix that takes an image's rows to the mean of each of
    STEADY_GROUPS runs of them (fewer for an image of fewer rows)."""
    groups = [rows for rows in np.array_split(np.arange(n_freqs), STEADY_GROUPS) if len(rows)]
    matrix = np.zeros((n_freqs, len(groups)))
    for k, rows in enumerate(groups):
        matrix[rows, k] = 1.0 / len(rows)
    return matrix


def feature_rise_db(features: torch.Tensor, config: FeatureConfig) -> np.ndarray | None:
    """``(batch,)`` how far each clip's image ``(batch, 1, n_freqs, n_frames)`` rises over its
    own level: over STEADY_GROUPS bands, the largest gap (dB) between a band's loudest moment
    and its median, band powers smoothed over STEADY_SMOOTH_S, over the frames with sound but
    the first and last few (a tone cut off clicks there: the frames the cut's FFT reaches, and
    one). Infinite where under MIN_STEADY_S of sound is left to judge; None for images not in
    dB ("clip"-normalised features)."""
    if config.kind == "logmel" and config.normalize == "peak":
        db = features[:, 0].double().cpu().numpy() * DB_PER_UNIT
        range_db = config.floor_db  # the floor the features are clamped at
    elif config.kind == "spectrogram":
        db = 10.0 * np.log10(features[:, 0].double().cpu().numpy() + 1e-20)
        range_db = _STEADY_RANGE_DB
    else:
        return None
    hop_s = config.hop_samples / config.sample_rate_hz
    smooth = max(1, round(STEADY_SMOOTH_S / hop_s))
    edge = math.ceil(config.n_fft / 2 / config.hop_samples) + 1  # frames a cut reaches, and one
    groups = _group_means(db.shape[1])
    rises = np.full(len(db), np.inf)
    for k, image in enumerate(db):  # each clip's sound lies between its own frames
        floor = image.max() - range_db
        sound = np.flatnonzero((image > floor + 1.0).any(axis=0))
        if not len(sound):
            continue
        frames = slice(sound[0] + edge, max(sound[-1] - edge + 1, 0))
        power = 10.0 ** (np.maximum(image[:, frames], floor) / 10.0)
        if power.shape[1] * hop_s < MIN_STEADY_S:
            continue
        level = 10.0 * np.log10(moving_mean(power.T @ groups, smooth) + TINY)
        rises[k] = float((level.max(axis=0) - np.median(level, axis=0)).max())
    return rises


def steady_threshold(rises: np.ndarray | None, targets: np.ndarray | None = None
                     ) -> float | None:
    """The rise (dB) under which a clip is answered unknown as steady, from the training
    clips' ``rises`` (:func:`feature_rise_db`) and ``targets`` (their classes; None: one class):
    STEADY_DB where under MIN_JUDGED_SHARE of them could not be judged and at most STEADY_SHARE
    of each class's judged clips are steady; else None. Each class on its own: a hum taught in 4
    clips of 200 (2% of them all) was answered unknown every time."""
    if rises is None or not len(rises):
        return None
    rises = np.asarray(rises)
    judged = np.isfinite(rises)
    if judged.sum() < MIN_JUDGED_SHARE * len(rises):
        return None
    classes = np.zeros(len(rises)) if targets is None else np.asarray(targets)
    for c in np.unique(classes[judged]):
        if np.mean(rises[judged & (classes == c)] < STEADY_DB) > STEADY_SHARE:
            return None
    return STEADY_DB


@dataclass(frozen=True, eq=False)
class NoveltyRule:
    """How unlike the training clips a clip's feature statistics ``(dim,)`` are: the squared
    Mahalanobis distance, under the shared ``precision`` (the inverse covariance), from the
    statistics raised to ``exponent`` (sign kept) to the nearest class mean. ``score`` is that
    distance over ``threshold``: over 1 is unknown; with ``steady_db`` (STEADY_DB), a clip
    rising less than that (:func:`feature_rise_db`) scores over 1 too."""

    means: np.ndarray  # (n_classes, dim), of the statistics raised to exponent
    precision: np.ndarray  # (dim, dim), symmetric positive definite
    threshold: float
    # What the rule was fitted with. Rules stored before these were kept have the defaults: the
    # statistics as they are, and the threshold at the share first used.
    exponent: float = 1.0
    flag_share: float = FIRST_FLAG_SHARE
    steady_db: float | None = None  # rules fitted before it: none

    def __post_init__(self) -> None:
        for name in ("means", "precision"):
            value = np.asarray(getattr(self, name), dtype=np.float32)
            if not np.isfinite(value).all():
                raise ValueError(f"novelty {name} are not finite")
            object.__setattr__(self, name, value)
        if self.means.ndim != 2 or self.precision.shape != (self.dim, self.dim):
            raise ValueError(f"novelty shapes do not fit: means {self.means.shape}, precision "
                             f"{self.precision.shape}")
        for name, words, fits in (("threshold", "positive", lambda v: v > 0),
                                  ("exponent", "within 0..1", lambda v: 0 < v <= 1),
                                  ("flag_share", "within 0..1", lambda v: 0 < v < 1),
                                  *([("steady_db", "positive", lambda v: v > 0)]
                                    if self.steady_db is not None else [])):
            value = getattr(self, name)
            what = f"novelty {name.replace('_', ' ')}"
            if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
                raise TypeError(f"{what} is not a number")
            if not (math.isfinite(value) and fits(value)):
                raise ValueError(f"{what} must be {words}, not {value}")
            object.__setattr__(self, name, float(value))

    @property
    def n_classes(self) -> int:
        return len(self.means)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def distances(self, statistics: np.ndarray) -> np.ndarray:
        """``(n,)`` squared distance of each row of ``statistics`` ``(n, dim)`` to its nearest
        class. Multiplied by torch, not numpy: numpy's BLAS threads spin on after a product,
        beside torch's, and every model pass that followed ran 4 times slower (a batch of 64
        windows scored with the rule: 104 ms against 25 without it, on 2 cores)."""
        x = torch.from_numpy(np.ascontiguousarray(  # torch takes no reversed or read-only array
            power(np.asarray(statistics, dtype=np.float64), self.exponent)))
        means = torch.from_numpy(self.means.astype(np.float64))
        precision = torch.from_numpy(self.precision.astype(np.float64))
        weighted = x @ precision
        own = (weighted * x).sum(dim=1)[:, None]
        cross = weighted @ means.T
        centre = ((means @ precision) * means).sum(dim=1)[None]
        return (own - 2 * cross + centre).clamp(min=0.0).min(dim=1).values.numpy()

    def score(self, statistics: np.ndarray, rises_db: np.ndarray | None = None) -> np.ndarray:
        """``(n,)`` distances over the threshold, or where the rule has ``steady_db`` and a
        clip's rise (``rises_db``, :func:`feature_rise_db`) is under it, 2 less the rise over
        ``steady_db`` if more (1 to 2: a tone's flat 2): above 1, unknown."""
        score = self.distances(statistics) / self.threshold
        if self.steady_db is None or rises_db is None:
            return score
        rises = np.asarray(rises_db, dtype=np.float64)
        return np.maximum(score, np.where(rises < self.steady_db, 2 - rises / self.steady_db, 0))

    def to_arrays(self) -> dict:
        """Plain values for a checkpoint (arrays and floats)."""
        return {"means": self.means, "precision": self.precision, "threshold": self.threshold,
                "exponent": self.exponent, "flag_share": self.flag_share,
                **({} if self.steady_db is None else {"steady_db": self.steady_db})}

    @classmethod
    def from_arrays(cls, data: dict) -> NoveltyRule:
        """The rule ``to_arrays`` wrote (as rules were first stored, without an exponent, a
        flag share or a steady level: the defaults); KeyError, TypeError or ValueError when
        damaged."""
        return cls(data["means"], data["precision"], data["threshold"],
                   data.get("exponent", 1.0), data.get("flag_share", FIRST_FLAG_SHARE),
                   data.get("steady_db"))


def power(x: np.ndarray, exponent: float) -> np.ndarray:
    """``x`` raised to ``exponent`` with its sign kept (the identity at 1.0)."""
    return x if exponent == 1.0 else np.sign(x) * np.abs(x) ** exponent


def fit_novelty(train: np.ndarray, train_targets: np.ndarray, calibration: np.ndarray,
                exponent: float = STAT_EXPONENT,
                steady_db: float | None = None) -> NoveltyRule | None:
    """The rule for feature statistics raised to ``exponent``: class means and their shared
    covariance (shrunk by SHRINKAGE) from the training rows ``(n, dim)`` with class indices
    ``(n,)``; the threshold that FLAG_SHARE of the ``calibration`` rows (augmented validation
    clips) pass; ``steady_db`` its steady level (:func:`steady_threshold`). None when there is
    nothing to fit on (no calibration row, fewer training rows than classes plus two, or rows
    that never vary)."""
    x = power(np.asarray(train, dtype=np.float64), exponent)
    y = np.asarray(train_targets, dtype=np.int64)
    classes = np.unique(y)
    if not len(calibration) or len(x) < len(classes) + 2:
        return None
    means = np.zeros((int(y.max()) + 1, x.shape[1]))
    for c in classes:
        means[c] = x[y == c].mean(axis=0)
    # A class with no training row (never: the split keeps one of each) would sit at the centre.
    means[np.setdiff1d(np.arange(len(means)), classes)] = x.mean(axis=0)
    spread = x - means[y]
    covariance = spread.T @ spread / len(x)
    scale = np.trace(covariance) / len(covariance)
    if not scale > 0:
        return None
    covariance = (1 - SHRINKAGE) * covariance + SHRINKAGE * scale * np.eye(len(covariance))
    draft = NoveltyRule(means, np.linalg.inv(covariance), 1.0, exponent, FLAG_SHARE)
    threshold = float(np.quantile(draft.distances(calibration), 1 - FLAG_SHARE))
    return NoveltyRule(draft.means, draft.precision, max(threshold, 1e-12), exponent, FLAG_SHARE,
                       steady_db)


_MAP_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feature_map_module(model: torch.nn.Module, config: FeatureConfig) -> torch.nn.Module:
    """The last module of ``model`` whose output is a feature map ``(batch, channels, freq,
    time)``, found once per model by a dry run of one silent clip."""
    if model in _MAP_MODULES:
        return _MAP_MODULES[model]
    order: list[torch.nn.Module] = []

    def note(module: torch.nn.Module, _args, out) -> None:
        if isinstance(out, torch.Tensor) and out.dim() == 4:
            order.append(module)

    hooks = [m.register_forward_hook(note) for m in model.modules() if not list(m.children())]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, 1, config.n_freqs, config.n_frames,
                              device=next(model.parameters()).device))
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    if not order:
        raise ValueError(f"{type(model).__name__} has no feature map to measure")
    _MAP_MODULES[model] = order[-1]
    return order[-1]


@contextmanager
def feature_statistics(model: torch.nn.Module, config: FeatureConfig) -> Iterator[list[torch.Tensor]]:
    """A list that receives, at each forward pass of ``model`` inside the block, the statistics
    the rule measures: per channel of its last feature map, the mean and the standard deviation
    over frequency and time, ``(batch, 2 * channels)`` float32."""
    seen: list[torch.Tensor] = []

    def keep(_module, _args, out: torch.Tensor) -> None:
        seen.append(_map_statistics(out.detach().float()))

    hook = feature_map_module(model, config).register_forward_hook(keep)
    try:
        yield seen
    finally:
        hook.remove()


def _map_statistics(feature_map: torch.Tensor) -> torch.Tensor:
    """``(batch, 2 * channels)``: each channel's mean and standard deviation over frequency and
    time of a feature map ``(batch, channels, freq, time)``."""
    return torch.cat([feature_map.mean(dim=(2, 3)),
                      feature_map.std(dim=(2, 3), correction=0)], dim=1)


def clip_statistics(model: torch.nn.Module, forward: Callable, features: torch.Tensor,
                    config: FeatureConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """``(batch, dim)`` statistics of a batch of features as prediction sees it (averaged over
    its prediction views), or with ``generator`` of one augmented draw of it (no views: the
    augmentation already varies it)."""
    with feature_statistics(model, config) as seen:
        if generator is not None:  # on the CPU, where the generator draws; then where it was
            forward(augment(features.cpu(), config, generator).to(features.device))
        else:
            for batch in prediction_views(features, config):
                forward(batch)
    return torch.stack(seen).mean(dim=0)


def fit_to_model(score: Callable, model: torch.nn.Module, forward: Callable, config: FeatureConfig,
                 targets: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray,
                 generator: torch.Generator) -> NoveltyRule | None:
    """The rule of a trained model: ``score(idx, fn)`` runs ``fn`` on the features of the clips
    ``idx`` (as they are, the model in eval mode) and joins the results (training's
    ``_Loop._scores``); ``forward`` runs the model; ``targets`` class indices of every clip. The
    training clips are taken as they are and once augmented; the validation clips augmented, as
    many times as make MIN_DRAWS (at most MAX_VAL_PASSES); MAX_FIT_CLIPS of each split at most.
    None without validation clips."""
    if not len(val_idx) or not len(train_idx):
        return None
    train_idx, val_idx = (_at_most(idx, MAX_FIT_CLIPS, generator) for idx in (train_idx, val_idx))

    def measure(idx: np.ndarray, augmented: bool) -> np.ndarray:
        return score(idx, lambda x: clip_statistics(model, forward, x, config,
                                                    generator if augmented else None)).cpu().numpy()

    passes = max(1, min(MAX_VAL_PASSES, math.ceil(MIN_DRAWS / len(val_idx))))
    rises = score(train_idx, lambda x: _rises_tensor(x, config)).numpy()
    train = np.concatenate([measure(train_idx, False), measure(train_idx, True)])
    calibration = np.concatenate([measure(val_idx, True) for _ in range(passes)])
    own = np.asarray(targets)[train_idx]
    return fit_novelty(train, np.concatenate([own, own]), calibration,
                       steady_db=steady_threshold(rises, own))


def _rises_tensor(features: torch.Tensor, config: FeatureConfig) -> torch.Tensor:
    """:func:`feature_rise_db` as a tensor for a scorer that joins tensors: empty where the
    images are not in dB (steady_threshold then holds none)."""
    rises = feature_rise_db(features, config)
    return torch.empty(0) if rises is None else torch.from_numpy(rises)


def _at_most(idx: np.ndarray, n: int, generator: torch.Generator) -> np.ndarray:
    """``idx`` itself when it has ``n`` entries or fewer (no draw: small projects' rules stay as
    they were), else ``n`` of them drawn at random, in their order."""
    if len(idx) <= n:
        return idx
    keep = torch.randperm(len(idx), generator=generator)[:n].sort().values.numpy()
    return np.asarray(idx)[keep]
