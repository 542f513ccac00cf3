"""Checkpoints: state_dict plus everything needed to rebuild and trust a model, as plain data.

Saved atomically (temporary file, fsync, rename) and loaded with ``torch.load(weights_only=True)``,
so a file from a stranger can hold tensors and plain values but never code that runs.
"""

from __future__ import annotations

import io
import math
import pickle
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core.errors import CheckpointError, os_reason
from core.ml.features import FeatureConfig
from core.ml.fusion import hears_same_clips
from core.ml.networks import build_model
from core.ml.novelty import NoveltyRule, feature_statistics
from core.ml.train_config import upgrade_train_dict
from core.paths import probe_writable, write_bytes_atomic

FORMAT = "earmark-checkpoint"
# 2: per-class detection thresholds and the background class (format 1 files load with 0.5s).
# 3: multi_label (older files load as single-label models).
# 4: temperature (older files load with 1.0). A model whose temperature is 1.0 is still written as
#    format 3, so an Earmark from before calibration keeps opening it.
# 5: novelty, the rule that answers "unknown" (novelty.py; older files load without one and never
#    answer unknown). A model without one is written as format 4 or 3, as before.
# 6: feature_config.channel, the one channel heard (older Earmarks would drop it and hear the mix).
#    A model of the mix is written as format 5, 4 or 3, as before.
FORMAT_VERSION = 6
DEFAULT_THRESHOLD = 0.5


@dataclass
class Checkpoint:
    model_name: str
    classes: list[str]
    feature_config: FeatureConfig
    state_dict: dict[str, torch.Tensor]
    train_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    created: str = ""
    # Per class, the score from which a window counts as that class when detecting events
    # (chosen on the validation split); None when built: DEFAULT_THRESHOLD each.
    thresholds: list[float] | None = None
    background_class: str | None = None  # the class detection never reports
    # Sigmoid outputs, one independent score per class (TrainConfig.multi_label); False: softmax.
    multi_label: bool = False
    # Single-label models: logits are divided by it before the softmax (calibration.py), fitted
    # on the validation split; 1.0 leaves them as trained.
    temperature: float = 1.0
    # Single-label models: how far from the training clips a clip is answered "unknown"
    # (fitted at the end of training); None: never.
    novelty: NoveltyRule | None = None
    # Per class, the band (Hz) its training regions were drawn in as boxes (samples.class_bands),
    # where detection draws its events' edges; None for a class without one, or an older model.
    class_bands_hz: list[tuple[float, float] | None] | None = None
    # A second network trained on the same clips beside this one (training.py): where this model
    # has no unknown rule of its own, the partner's answers unknown for it (its gate: the speech
    # model's, whose own rule would single out a new voice, see training.GATED_MODELS); where
    # fusion_temperature is set, both answer together (the default network's speech head). None:
    # the model alone. Older Earmarks ignore it.
    partner: Checkpoint | None = None
    # Where set, the model answers with its partner (fusion.py): the mean of the two networks'
    # calibrated log-probabilities, tempered by this (fitted on the validation split). Only a
    # partner that hears the model's own clips joins in. None: the model's own answer. Older
    # Earmarks ignore it and answer with the model alone.
    fusion_temperature: float | None = None

    def __post_init__(self) -> None:
        if self.thresholds is None:
            self.thresholds = [DEFAULT_THRESHOLD] * len(self.classes)
        self.thresholds = [float(t) for t in self.thresholds]
        if len(self.thresholds) != len(self.classes):
            raise ValueError(f"{len(self.thresholds)} thresholds for {len(self.classes)} classes")
        if not all(0.0 <= t <= 1.0 for t in self.thresholds):
            raise ValueError("thresholds must lie within 0..1")
        twice = sorted({c for c in self.classes if self.classes.count(c) > 1})
        if twice:  # its answers of the one could not be told from the other's
            raise ValueError(f"class {twice[0]!r} is named twice")
        if self.background_class is not None and self.background_class not in self.classes:
            raise ValueError(f"background class {self.background_class!r} is not a class")
        if self.class_bands_hz is not None:
            self.class_bands_hz = [_band(band) for band in self.class_bands_hz]
            if len(self.class_bands_hz) != len(self.classes):
                raise ValueError(f"{len(self.class_bands_hz)} class bands for "
                                 f"{len(self.classes)} classes")
        self.temperature = _positive(self.temperature, "temperature")
        if self.novelty is not None and self.novelty.n_classes != len(self.classes):
            raise ValueError(f"novelty rule for {self.novelty.n_classes} classes, not "
                             f"{len(self.classes)}")
        if self.partner is not None:
            partner, features = self.partner, self.feature_config
            if partner.partner is not None or partner.multi_label or self.multi_label:
                raise ValueError("a partner is a single-label model with no partner of its own, "
                                 "beside a single-label model")
            if self.novelty is not None and partner.novelty is not None:
                raise ValueError("a model and its partner both have an unknown rule")
            if partner.novelty is None and self.fusion_temperature is None:
                raise ValueError("a partner that neither answers unknown nor joins the answer")
            if list(partner.classes) != list(self.classes):
                raise ValueError("the partner's classes are not the model's")
            # A gate's clips may be shorter than the model's (novelty.gate_stretches).
            if ((partner.feature_config.sample_rate_hz, partner.feature_config.channel)
                    != (features.sample_rate_hz, features.channel)
                    or partner.feature_config.n_samples > features.n_samples):
                raise ValueError("the partner does not hear the model's clips (its rate or "
                                 "channel differ, or its clips are longer)")
        if self.fusion_temperature is not None:
            self.fusion_temperature = _positive(self.fusion_temperature, "fusion temperature")
            if self.partner is None or not hears_same_clips(self.feature_config,
                                                            self.partner.feature_config):
                raise ValueError("a model answers with its partner only where the partner hears "
                                 "its clips")

    def build_model(self) -> torch.nn.Module:
        """The network with these weights, in eval mode."""
        shape = (self.feature_config.n_freqs, self.feature_config.n_frames)
        model = build_model(self.model_name, len(self.classes), shape)
        model.load_state_dict(self.state_dict)
        return model.eval()

    def format_version_needed(self) -> int:
        """The oldest format that holds all this model holds, so an older Earmark that can use
        it keeps opening it, and one that would misread it refuses it."""
        if self.feature_config.channel is not None:
            return 6
        return 5 if self.novelty is not None else 4 if self.temperature != 1.0 else 3

    def to_payload(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": self.format_version_needed(),
            "model_name": self.model_name,
            "classes": list(self.classes),
            "feature_config": self.feature_config.to_dict(),
            "train_config": self.train_config,
            "metrics": self.metrics,
            "history": self.history,
            "created": self.created,
            "thresholds": list(self.thresholds),
            "background_class": self.background_class,
            "multi_label": bool(self.multi_label),
            "temperature": float(self.temperature),
            **({} if self.class_bands_hz is None else {"class_bands_hz": [
                None if band is None else list(band) for band in self.class_bands_hz]}),
            **({} if self.novelty is None else {"novelty": {
                key: torch.from_numpy(value) if isinstance(value, np.ndarray) else value
                for key, value in self.novelty.to_arrays().items()}}),
            "state_dict": {k: v.detach().cpu() for k, v in self.state_dict.items()},
            **({} if self.partner is None else {_partner_key(self.partner): self.partner.to_payload()}),
            **({} if self.fusion_temperature is None
               else {"fusion_temperature": float(self.fusion_temperature)}),
        }


def _partner_key(partner: Checkpoint) -> str:
    """The key a partner is saved under: "gate" for one whose rule answers unknown (as Earmarks
    that knew only gates read it), "partner" for one that only joins the answer (those Earmarks
    answer with the model alone)."""
    return "gate" if partner.novelty is not None else "partner"


def _partner(path, payload: dict) -> Checkpoint | None:
    """A payload's partner, under either key (``_partner_key``)."""
    stored = payload.get("partner", payload.get("gate"))
    return None if stored is None else _from_payload(path, stored)


def _positive(value, name: str) -> float:
    """``value`` as a float; TypeError for a non-number, ValueError for one not above 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} is not a number")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, not {value}")
    return value


def save_checkpoint(checkpoint: Checkpoint, path: str | Path) -> Path:
    """Write ``checkpoint`` to ``path`` so that a crash leaves either the old file or the new one.

    Raises CheckpointError (disk full, read-only folder...) with the previous file intact.
    """
    path = Path(path)
    try:
        buffer = io.BytesIO()
        torch.save(checkpoint.to_payload(), buffer)
        write_bytes_atomic(path, buffer.getbuffer())
    except OSError as exc:
        raise CheckpointError(path, f"could not save the model ({os_reason(exc)})") from exc
    return path


def check_can_save(path: str | Path) -> None:
    """Raise CheckpointError now, not after an hour of training, where a model cannot be saved
    at ``path``: a folder there, or a place that cannot be written (a file is made beside it
    and removed)."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(path, "is a folder: name the model file to write")
    try:
        probe_writable(path.parent)
    except OSError as exc:
        raise CheckpointError(path, f"the model could not be saved there ({os_reason(exc)})"
                              ) from exc


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Load and validate a checkpoint; anything else raises CheckpointError and runs nothing."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "file not found")
    if path.is_dir():
        raise CheckpointError(path, "is a folder, not a model file")
    try:
        with warnings.catch_warnings():  # torch's own words for a stranger's file: said below
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: torch's loaders fail in many ways
        raise CheckpointError(path, _unloadable(path, exc)) from exc
    return _from_payload(path, payload)


def _unloadable(path: Path, exc: Exception) -> str:
    """Why torch's weights-only loader could not read ``path``, in a person's words (torch's own
    text tells how to load the file unsafely, in terminal escape codes)."""
    text = str(exc)
    if _looks_onnx(path):
        return _export_refusal("an ONNX export")
    if isinstance(exc, pickle.UnpicklingError):
        wanted = _GLOBAL.search(text)
        if wanted:  # an object to rebuild: a whole module, numpy arrays, or a call like os.system
            return (f"refused: the file asks to build Python objects ({wanted.group(1)}), not only "
                    "weights, and such objects can run code; nothing of it was run")
        return "refused: not a PyTorch weights file (a Python pickle?); nothing of it was run"
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    if empty:
        return "not an Earmark model file (the file is empty)"
    if "TorchScript" in text:  # torch refuses to run a TorchScript archive's code weights-only
        return _export_refusal("a TorchScript export")
    if isinstance(exc, EOFError) or "zip archive" in text:
        return "not an Earmark model file (damaged or cut short: not a whole PyTorch file)"
    if isinstance(exc, OSError):
        return f"could not read the file ({os_reason(exc)})"
    return "not an Earmark model file (not a PyTorch file)"


def _export_refusal(what: str) -> str:
    return (f"{what} (for use outside Earmark), not a model Earmark can load; load the model it "
            "was exported from (a project's trained models are in the models folder beside its "
            "store: the Models tab lists them); nothing of it was run")


def _looks_onnx(path: Path) -> bool:
    """An ONNX file (Earmark's export, or another's): its name, or the start of its ModelProto,
    the IR version (field 1) and the producer's name (field 2), as torch writes it."""
    if path.suffix.lower() == ".onnx":
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    return head[:1] == b"\x08" and b"\x12\x07pytorch" in head


# The object torch's weights-only loader refused to rebuild, as its message names it.
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


def _from_payload(path: Path, payload) -> Checkpoint:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(path, "not an Earmark model file (no Earmark header)")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(path, f"made by a newer Earmark (format {version}); update Earmark")
    try:
        # In the store's one Unicode form (core.store.records.clean_label): a model trained on
        # a macOS folder's decomposed café names the café its clips are labelled. Unless that
        # makes two one (a model trained, before names were kept in one form, on a folder's
        # decomposed café and a typed one): its names as they were, each answer its own.
        stored = [str(c) for c in payload["classes"]]
        classes = [unicodedata.normalize("NFC", c) for c in stored]
        composed = len(set(classes)) == len(set(stored))
        classes = classes if composed else stored
        features = FeatureConfig.from_dict(dict(payload["feature_config"]))
        state = payload["state_dict"]
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise TypeError("state_dict is not a dict of tensors")
        # A NaN weight passes the forward pass the checks below make and answers every clip
        # "nan%", a class picked by argmax of NaNs (the store refuses NaN confidences, so a
        # project whose active model it was said its store could not be changed).
        bad = [name for name, value in state.items()
               if value.is_floating_point() and not bool(torch.isfinite(value).all())]
        if bad:
            raise ValueError(f"weights are not finite: {bad[0]}"
                             + (f" and {len(bad) - 1} more" if len(bad) > 1 else ""))
        checkpoint = Checkpoint(
            model_name=str(payload["model_name"]), classes=classes, feature_config=features,
            # Old files name the requested clip length as the resolved one is named: renamed.
            state_dict=state,
            train_config=upgrade_train_dict(_stored(payload, "train_config", dict)),
            metrics=_stored(payload, "metrics", dict), history=_stored(payload, "history", list),
            created=str(payload.get("created", "")),
            thresholds=_thresholds(payload.get("thresholds")),
            background_class=_class_name(payload.get("background_class"), composed),
            multi_label=_flag(payload.get("multi_label", False)),
            temperature=payload.get("temperature", 1.0),
            novelty=_novelty(payload.get("novelty")),
            class_bands_hz=_bands(payload.get("class_bands_hz")),
            partner=_partner(path, payload),
            fusion_temperature=payload.get("fusion_temperature"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, f"damaged Earmark model file ({exc})") from exc
    features = checkpoint.feature_config
    if not features.sample_rate_hz > 0 or not features.n_samples > 0:
        raise CheckpointError(path, "its feature settings cannot be used (sample rate "
                              f"{features.sample_rate_hz!r} Hz, clip length {features.clip_seconds!r} s)")
    try:
        model = checkpoint.build_model()
    except (ValueError, RuntimeError, ZeroDivisionError) as exc:
        # torch's "Error(s) in loading state_dict for CompactCNN:" heads the lines that say what.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = " ".join(lines[1:] if len(lines) > 1 and lines[0].endswith(":") else lines)[:200]
        raise CheckpointError(
            path, f"weights do not fit model {checkpoint.model_name!r} with its feature settings: {reason}",
        ) from exc
    _check_features(path, checkpoint, model)
    return checkpoint


def _thresholds(value) -> list[float] | None:
    """Stored thresholds as floats; None (format 1) stays None, meaning 0.5 each."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise TypeError("thresholds are not a list")
    return [float(t) for t in value]


def _novelty(value) -> NoveltyRule | None:
    """The stored novelty rule (tensors back to numpy); None (formats 1-4) stays None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("novelty is not a dict")
    return NoveltyRule.from_arrays({key: item.numpy() if isinstance(item, torch.Tensor) else item
                                    for key, item in value.items()})


def _stored(payload: dict, key: str, kind: type):
    """``payload[key]`` when it is a ``kind`` (a dict or a list), empty when absent or None;
    TypeError for anything else (a tensor there has no truth value to test). What it holds is a
    stranger's to choose: its readers take what they understand (see ModelMetrics.from_dict)."""
    value = payload.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise TypeError(f"{key} is not a {kind.__name__}")
    return kind(value)


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise TypeError("multi_label is not true or false")
    return value


def _bands(value) -> list | None:
    """The stored class bands (checked by the Checkpoint itself), None where absent."""
    if value is not None and not isinstance(value, list):
        raise TypeError("class_bands_hz is not a list")
    return value


def _band(value) -> tuple[float, float] | None:
    """A class band as stored: None, or [low, high] Hz, 0 <= low < high, finite (ValueError or
    TypeError for anything else: a damaged file)."""
    if value is None:
        return None
    low, high = (float(v) for v in value)  # two numbers, or it raises
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
        raise ValueError(f"class band {value!r} is not 0 <= low < high Hz")
    return low, high


def _class_name(value, composed: bool = True) -> str | None:
    """A stored class name, NFC where the model's classes are (``composed``)."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", str(value)) if composed else str(value)


def _check_features(path: Path, checkpoint: Checkpoint, model: torch.nn.Module) -> None:
    """One silent clip through the features and the model, so that feature settings this
    Earmark cannot compute (an unknown kind, too few mel bands) are refused here
    with a plain reason instead of failing later in the middle of a prediction."""
    import warnings

    from core.ml.features import FeatureExtractor

    features = checkpoint.feature_config
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns before it fails on degenerate shapes
            x = FeatureExtractor(features)(torch.zeros(1, features.n_samples))
            if checkpoint.novelty is None:
                model(x)
            else:
                with feature_statistics(model, features) as seen:
                    model(x)
    except (ValueError, RuntimeError, TypeError, ZeroDivisionError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise CheckpointError(path, f"its feature settings cannot be used ({reason})") from exc
    if checkpoint.novelty is not None and seen[0].shape[1] != checkpoint.novelty.dim:
        raise CheckpointError(path, f"damaged Earmark model file (a novelty rule of "
                              f"{checkpoint.novelty.dim} statistics for {seen[0].shape[1]})")
