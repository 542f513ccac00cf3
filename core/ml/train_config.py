"""TrainConfig: what one training run needs besides the clips, built for a model name by one
constructor, and the rules every caller shares (command line, settings dialog, stored settings):
which values are allowed, how a requested clip length is read, what old checkpoints called things.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from core.audio.reading import channel_problem
from core.errors import ConfigError
from core.ml.features import MAX_CLIP_S, MIN_CLIP_S, PRESETS, SEED_FEATURES
from core.ml.networks import DEFAULT_MODEL, MODELS
from core.ml.runtime import is_device_name

AUTO = "auto"
SEED_MODEL = "seed-cnn"
#: Spoken words: a head on Google's speech embedding, with its features (the "speech" preset).
SPEECH_MODEL = "speech"
MAX_EPOCHS = 1000  # a bound on typing mistakes: a one-cycle run goes through every epoch asked
# At most half of each class held out: the model should train on the larger share.
MAX_VAL_SPLIT = 0.5
OPTIMIZERS = ("adamw", "adam")
SCHEDULES = ("onecycle", "constant")
# Keys checkpoints wrote before the requested clip length got its own name (format 1 kept them).
LEGACY_KEYS = {"clip_seconds": "clip_seconds_requested"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run needs besides the clips. The defaults are what one click uses.

    Build one for a model with :meth:`for_model`: seed-cnn implies the seed recipe. Every
    construction is validated; a value Earmark cannot use raises ConfigError.
    """

    model: str = DEFAULT_MODEL
    features: str = "default"  # a preset name from core.ml.features.PRESETS
    # The clip length asked for: "auto" (from the clips' durations, see features.auto_clip_seconds)
    # or seconds within MIN_CLIP_S..MAX_CLIP_S. The length used is the model's
    # FeatureConfig.clip_seconds, resolved from this when training starts.
    clip_seconds_requested: float | str = AUTO
    # Top edge of the log-mel bands. "auto": the recordings' own Nyquist frequency when they are
    # sampled below the feature rate (see features.auto_f_max_hz); a number: Hz; None: the preset's.
    f_max_hz: float | str | None = AUTO
    # The channel the model hears (from 0) in files that have it, as Raven draws one channel of a
    # recorder's several; None: the mix (the mean of the channels), and always in mono files.
    channel: int | None = None
    # On FSDD, held-out-speaker accuracy peaked around 30 epochs (longer runs fit the training
    # speakers). A one-cycle run runs them all (patience_epochs).
    epochs: int = 30
    # Fine-tuning (continuing the active model after more labels, see for_fine_tuning): at most
    # this many epochs. A model trained before 10 more clips were labelled, fine-tuned for 12
    # epochs, scored 0.930 mean accuracy on held-out clips (cats and dogs, 5 folds, epochs of
    # min_epoch_clips; FSDD, two speakers held out) against 0.922 for a fresh run (0.934 against
    # 0.926 before min_epoch_clips), in about half its time (bench_fine_tune.py,
    # each run keeping its last epoch; when runs restored their best epoch, 8 epochs scored 0.887
    # against 0.926 for 12, one fold falling to 0.81).
    fine_tune_epochs: int = 12
    # An epoch takes at least this many training clips, a small project's dealt out again (each
    # deal shuffled anew), so it takes as many steps as a 300-clip one (255 training clips) and
    # trains no longer than that at the same clip length. Cats and dogs by 5-fold
    # cross-validation (122 clips trained on; bench_catsdogs_cv.py, eight seeds): 0.939 with an
    # epoch of one pass, 0.957 with this rule. 0: an epoch is one pass.
    min_epoch_clips: int = 256
    batch_size: int = 32
    learning_rate: float = 3e-3
    weight_decay: float = 1e-2
    label_smoothing: float = 0.05
    # Mixup (with augment on): each batch is blended with a shuffled copy of itself, the weight
    # drawn from Beta(a, a), and the loss blended alike. 0: off. On FSDD's held-out speakers 0.4
    # gained 3-6 points on the two hardest folds.
    mixup_alpha: float = 0.4
    optimizer: str = "adamw"  # see OPTIMIZERS
    schedule: str = "onecycle"  # see SCHEDULES
    val_split: float = 0.15
    # Early stopping after this many epochs without a validation gain, and the best epoch's
    # weights restored: under the constant schedule only. A one-cycle run always runs its epochs
    # and keeps the last (training.py says why). None: no early stopping.
    patience_epochs: int | None = 10
    augment: bool = True
    balance_classes: bool = True  # class-weighted loss so a rare class still counts
    cache_features: bool = True  # False recomputes features every epoch, as the seed did
    # With regions in the project: a "background" class cut from the unmarked stretches of the
    # recordings that have regions (and every rejected model event), so a detector learns what
    # is not an event; without one, every window of a long file must be some class.
    background: bool = True
    # A sample may hold several classes (a window overlapping regions of several classes, a clip
    # given several labels): sigmoid outputs trained with binary cross-entropy on multi-hot
    # targets, and every class above its own threshold reported. Off: one class per sample,
    # softmax, as always.
    multi_label: bool = False
    # A single-label model at the clips' own length ("auto") trains a speech model on the very
    # same clips after it (Checkpoint.partner), and answers with it where that does its answer
    # no harm on the clips held out (fusion.py): the two networks err on different clips. On
    # FSDD with each speaker held out the default network alone scored 0.910, with its partner
    # 0.977 and 0.980 (seeds 0, 1; README, Models and features).
    speech_partner: bool = True
    seed: int = 0
    num_threads: int | None = None  # None: every core
    channels_last: bool = True
    # Where to train: "auto" (a CUDA GPU, then Apple's mps, else the CPU), "cpu", "cuda",
    # "cuda:N" or "mps". A device this machine lacks stops the run with a TrainingError naming
    # what it has (runtime.resolve_device); the one used is recorded in the model's metrics.
    device: str = "auto"
    # On a CUDA GPU: autocast to bf16 where the GPU has it, else fp16 with a gradient scaler
    # (runtime.precision_for). Half the memory traffic, and the tensor cores; the CPU ignores it.
    mixed_precision: bool = True
    bf16: bool = False  # CPU bf16 autocast; off by default: no native bf16 on the CPUs we target
    decode_workers: int = 4

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ConfigError(f"training settings: {problem}")

    @classmethod
    def for_model(cls, model: str = DEFAULT_MODEL, **overrides) -> TrainConfig:
        """The defaults for ``model`` with ``overrides`` (field names) applied: the seed README's
        recipe for seed-cnn, TrainConfig()'s otherwise. Raises ConfigError for an unknown model
        or field, or a value out of range."""
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(f"training settings: unknown setting(s) {', '.join(unknown)}")
        base = {SEED_MODEL: _SEED_RECIPE, SPEECH_MODEL: _SPEECH_RECIPE}.get(model, {})
        return cls(**{**base, **overrides, "model": model})

    @classmethod
    def seed_recipe(cls, epochs: int = 150, **changes) -> TrainConfig:
        """Shorthand for ``for_model("seed-cnn", epochs=epochs, **changes)``."""
        return cls.for_model(SEED_MODEL, epochs=epochs, **changes)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """A config from ``to_dict()`` output, also as old checkpoints stored it (LEGACY_KEYS;
        a requested clip length of None meant the feature preset's own). Unknown keys are
        ignored; bad values raise ConfigError."""
        data = upgrade_train_dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("clip_seconds_requested", AUTO) is None:
            preset = PRESETS.get(values.get("features", "default"), PRESETS["default"])
            values["clip_seconds_requested"] = preset.clip_seconds
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def for_fine_tuning(self) -> TrainConfig:
        """The run that continues a model after a few more labels: the same settings, at most
        ``fine_tune_epochs`` epochs (a trained network needs a short schedule, not a new one)."""
        return dataclasses.replace(self, epochs=min(self.epochs, self.fine_tune_epochs))


# The seed README's recipe: its network, its plain spectrogram (n_fft 600) and time masking
# (p 0.25), 5 s clips at 16 kHz, 150 epochs at a constant rate, features recomputed every epoch.
_SEED_RECIPE = dict(
    features="seed", clip_seconds_requested=SEED_FEATURES.clip_seconds, f_max_hz=None, epochs=150,
    learning_rate=1e-3, weight_decay=0.0, label_smoothing=0.0, optimizer="adam",
    schedule="constant", patience_epochs=None, balance_classes=False, mixup_alpha=0.0,
    cache_features=False, channels_last=False, min_epoch_clips=0, speech_partner=False,
)


# The speech model: its embedding's features, which it hears at 16 kHz whatever the recordings'
# rate (so no band edge of theirs), and its head.
_SPEECH_RECIPE = dict(features="speech", f_max_hz=None)


def upgrade_train_dict(data: dict) -> dict:
    """A stored training-settings dict with old key names (LEGACY_KEYS) renamed; a new key
    already present wins. Returns a new dict."""
    data = dict(data)
    for old, new in LEGACY_KEYS.items():
        if old in data:
            value = data.pop(old)
            data.setdefault(new, value)
    return data


def parse_clip_seconds(text: str | float) -> float | str:
    """A requested clip length as typed ("auto", "2.5") -> "auto" or seconds. The range is the
    config's to check. Raises ConfigError for text that is neither."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    text = str(text).strip()
    if text.lower() == AUTO:
        return AUTO
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"clip length {text!r} is neither a number of seconds nor 'auto'") from None


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _problem(config: TrainConfig) -> str | None:
    """Why ``config`` cannot be used, in a few words for a person; None when it can."""
    clip = config.clip_seconds_requested
    checks = (
        (config.model in MODELS, f"unknown model {config.model!r}; known: {', '.join(MODELS)}"),
        (config.features in PRESETS,
         f"unknown feature preset {config.features!r}; known: {', '.join(PRESETS)}"),
        ((config.model == SPEECH_MODEL) == (config.features == "speech"),
         "the speech model hears the speech features, and they are for it alone: use "
         "--model speech with its own features"),
        (clip == AUTO or (_is_number(clip) and MIN_CLIP_S <= clip <= MAX_CLIP_S),
         f"clip length {clip!r} must be 'auto' or {MIN_CLIP_S:g}..{MAX_CLIP_S:g} s"),
        (config.f_max_hz in (AUTO, None) or (_is_number(config.f_max_hz) and config.f_max_hz > 0),
         f"top band edge {config.f_max_hz!r} must be 'auto', None or a positive number of Hz"),
        (channel_problem(config.channel) is None, channel_problem(config.channel)),
        (isinstance(config.epochs, int) and 1 <= config.epochs <= MAX_EPOCHS,
         f"epochs {config.epochs!r} must be a whole number within 1..{MAX_EPOCHS}"),
        (isinstance(config.fine_tune_epochs, int) and 1 <= config.fine_tune_epochs <= MAX_EPOCHS,
         f"fine-tune epochs {config.fine_tune_epochs!r} must be a whole number within "
         f"1..{MAX_EPOCHS}"),
        (isinstance(config.min_epoch_clips, int) and not isinstance(config.min_epoch_clips, bool)
         and config.min_epoch_clips >= 0,
         f"clips per epoch {config.min_epoch_clips!r} must be a whole number, 0 or more"),
        (_is_number(config.val_split) and 0 <= config.val_split <= MAX_VAL_SPLIT,
         f"validation share {config.val_split!r} must be within 0..{MAX_VAL_SPLIT:g}"),
        (isinstance(config.batch_size, int) and config.batch_size >= 2,
         f"batch size {config.batch_size!r} must be 2 or more (BatchNorm needs two clips)"),
        (_is_number(config.learning_rate) and config.learning_rate > 0,
         f"learning rate {config.learning_rate!r} must be positive"),
        (config.optimizer in OPTIMIZERS,
         f"unknown optimizer {config.optimizer!r}; known: {', '.join(OPTIMIZERS)}"),
        (config.schedule in SCHEDULES,
         f"unknown schedule {config.schedule!r}; known: {', '.join(SCHEDULES)}"),
        (config.patience_epochs is None or (isinstance(config.patience_epochs, int)
                                            and config.patience_epochs >= 1),
         f"patience {config.patience_epochs!r} must be None or 1 or more epochs"),
        (_is_number(config.mixup_alpha) and config.mixup_alpha >= 0,
         f"mixup alpha {config.mixup_alpha!r} must be 0 or more"),
        (_is_number(config.label_smoothing) and 0 <= config.label_smoothing < 1,
         f"label smoothing {config.label_smoothing!r} must be within 0..1"),
        (is_device_name(config.device),
         f"unknown device {config.device!r}; known: auto, cpu, cuda, cuda:N, mps"),
    )
    return next((message for ok, message in checks if not ok), None)
