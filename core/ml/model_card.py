"""A model card: what a model file holds, as one plain dict (``model_card``) and as text for a
person (``format_card``), so that ``main.py info`` and the Models tab never disagree.

The file is read only through ``load_checkpoint`` (``weights_only=True``): a stranger's file
yields a card or a CheckpointError, never runs code.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.ml import novelty, silence
from core.ml.calibration import CalibrationSummary
from core.ml.checkpoint import FORMAT, Checkpoint, load_checkpoint
from core.ml.features import FeatureConfig
from core.ml.metrics import ROUGH_FIGURE, ModelMetrics, describe_epochs, rough_figure
from core.ml.samples import SINGLE_WINDOW_FACTOR

# Bumped when a key of the card changes meaning or goes; new keys may be added within a version.
CARD_VERSION = 1
NOT_RECORDED = "not recorded"
_WIDTH = 78  # text lines: a terminal's (the Models tab wraps them at its own width)
_LABEL = 13  # the width of a section's name in the text


def read_model_card(path: str | Path) -> dict:
    """The card of the model file at ``path``. Raises CheckpointError (one line naming the
    file) for anything that is not an Earmark model."""
    return model_card(load_checkpoint(path), path)


def model_card(checkpoint: Checkpoint, path: str | Path) -> dict:
    """Everything a person or a script may ask of ``checkpoint`` (loaded from ``path``), as
    JSON-ready plain values with fixed keys; a value the file does not record is None.

    Keys: ``card_version``; ``file`` (path, name, size_bytes, sha256); ``format`` (name,
    version); ``created``; ``network`` (name, n_parameters, input_shape ``[n_freqs, n_frames]``,
    multi_label, temperature, fusion_temperature: where the model answers with its partner, the
    temperature of their pooled answer, fusion.py, else None; partner: that partner's network
    name, else None); ``classes``; ``background_class``;
    ``thresholds`` {class: P};
    ``sample_rate_hz``, ``clip_seconds`` (used), ``clip_seconds_requested``; ``features`` (the
    whole FeatureConfig); ``training`` (world_size, device, n_train, n_val, epochs_run,
    best_epoch, stopped, settings: the whole training config); ``metrics`` (evaluated_on,
    n_evaluated, accuracy, macro_f1, exact_match, per_class {class: precision, recall, f1,
    support}); ``calibration`` (temperature, ece_before, ece_after, n; None without one);
    ``novelty``, the rule that answers "unknown" (threshold: the squared distance of a clip's
    n_statistics feature statistics, raised to exponent, to the nearest class beyond which it is
    unknown; validation_share_beyond: the share of augmented validation clips the threshold leaves beyond
    it; steady_db: a clip rising less is unknown too, None where the rule does not hold it; None
    without a rule); ``silence``, the rule that answers "silence" (digital_silence_dbfs,
    frame_s, quiet_dbfs, rise_db: this Earmark's, the same for every model).
    """
    path = Path(path)
    features = checkpoint.feature_config
    settings = dict(checkpoint.train_config)
    metrics = dict(checkpoint.metrics)
    scores = ModelMetrics.from_dict(metrics)
    calibration = CalibrationSummary.from_metrics(metrics)
    model = checkpoint.build_model()
    return _plain({
        "card_version": CARD_VERSION,
        "file": {"path": str(path.resolve()), "name": path.name,
                 "size_bytes": path.stat().st_size, "sha256": _sha256(path)},
        "format": {"name": FORMAT, "version": _format_version(checkpoint)},
        "created": checkpoint.created or None,
        "network": {"name": checkpoint.model_name,
                    "n_parameters": sum(p.numel() for p in model.parameters()),
                    "input_shape": [features.n_freqs, features.n_frames],
                    "multi_label": checkpoint.multi_label,
                    "temperature": checkpoint.temperature,
                    "fusion_temperature": checkpoint.fusion_temperature,
                    "partner": (None if checkpoint.fusion_temperature is None
                                else checkpoint.partner.model_name)},
        "classes": list(checkpoint.classes),
        "background_class": checkpoint.background_class,
        "thresholds": dict(zip(checkpoint.classes, checkpoint.thresholds, strict=True)),
        "sample_rate_hz": features.sample_rate_hz,
        "clip_seconds": features.clip_seconds,
        "clip_seconds_requested": settings.get("clip_seconds_requested"),
        "features": features.to_dict(),
        "training": {"world_size": _recorded(metrics, settings, "world_size"),
                     "device": _recorded(metrics, settings, "device"),
                     "n_train": scores.n_train, "n_val": scores.n_val,
                     "epochs_run": scores.epochs_run, "best_epoch": scores.best_epoch,
                     "stopped": scores.stopped, "settings": settings},
        "metrics": scores_of(scores, metrics, checkpoint.multi_label),
        "calibration": None if calibration is None else {
            "temperature": calibration.temperature, "ece_before": calibration.ece_before,
            "ece_after": calibration.ece_after, "n": calibration.n, "held": calibration.held},
        "novelty": _novelty(checkpoint),
        "silence": {"frame_s": silence.FRAME_S,
                    "digital_silence_dbfs": silence.DIGITAL_SILENCE_DBFS,
                    "quiet_dbfs": silence.QUIET_DBFS, "rise_db": silence.RISE_DB},
    })


def format_card(card: Mapping, width_chars: int = _WIDTH) -> str:
    """``card`` (from ``model_card``) as text for a person: a section a line or a few, a table
    of the per-class scores and thresholds; "not recorded" where the file says nothing. Lines
    are wrapped at ``width_chars`` (a terminal's 78; the Models tab's own width), but for the
    sha256 and the table's rows."""
    lines = [f"Earmark model card: {card['file']['name']}"]
    text_chars = max(width_chars - _LABEL - 1, 20)

    def add(label: str, text: str, wrap: bool = True) -> None:
        wrapped = (textwrap.wrap(text, text_chars, break_on_hyphens=False) if wrap
                   else [text]) or [""]
        lines.append(f"{label:<{_LABEL}} {wrapped[0]}".rstrip())
        lines.extend(" " * (_LABEL + 1) + more for more in wrapped[1:])

    file, network, training = card["file"], card["network"], card["training"]
    add("File", file["path"])
    add("", _size(file["size_bytes"]))
    add("", f"sha256 {file['sha256']}", wrap=False)
    add("Format", f"{card['format']['name']} version {card['format']['version']}")
    add("Created", card["created"] or NOT_RECORDED)
    add("Network", f"{network['name']}, {network['n_parameters']:,} parameters, input "
                   f"{network['input_shape'][0]} x {network['input_shape'][1]}")
    add("Outputs", "multi-label (a sigmoid per class)" if network["multi_label"] else
        f"single-label (softmax), temperature {network['temperature']:.4g}" + (
            "" if network.get("fusion_temperature") is None else
            f"; answered with its partner (the {network.get('partner') or 'other'} network "
            f"trained on the same clips beside it): both answers pooled, tempered by "
            f"{network['fusion_temperature']:.4g}"))
    add(f"Classes ({len(card['classes'])})", ", ".join(card["classes"]))
    add("Background", f"{card['background_class']} (detect never reports it)"
        if card["background_class"] else "none")
    requested = card["clip_seconds_requested"]
    add("Clip length", f"{card['clip_seconds']:g} s at {card['sample_rate_hz']} Hz"
        + (f" (asked: {requested})" if requested is not None else "")
        + f"; a file over {card['clip_seconds'] * SINGLE_WINDOW_FACTOR:.3g} s is heard through "
          "windows of it")
    channel = card["features"].get("channel")
    add("Channel", "the mix of a file's channels" if channel is None else
        f"channel {channel + 1} of a file that has it (else the mix)")
    add("Features", _pairs(FeatureConfig.in_use(card["features"])))
    add("World size", _or_not_recorded(training["world_size"]))
    add("Device", _or_not_recorded(training["device"]))
    add("Training", _run(training))
    add("Settings", _pairs(training["settings"]) if training["settings"] else NOT_RECORDED)
    head, table = _score_lines(card)
    add("Scores", head)
    lines.extend(table)
    add("Calibration", _calibration(card["calibration"], network["multi_label"]))
    add("Unknown", "none: the speech model answers no unknown (README, Models and features)"
        if card["features"].get("kind") == "speech" and card["novelty"] is None else
        _unknown(card["novelty"], network["multi_label"], card["classes"]))
    add("Silence", _silence(card["silence"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- the card's parts


def _format_version(checkpoint: Checkpoint) -> int:
    """The file's format version where the checkpoint keeps it; else the version this Earmark
    writes such a model as (the oldest that holds all it holds)."""
    kept = getattr(checkpoint, "format_version", None)
    return int(kept) if isinstance(kept, int) else checkpoint.format_version_needed()


def _novelty(checkpoint: Checkpoint) -> dict | None:
    """The unknown rule as inference applies it: the model's own, or its gate's (``gate``: the
    gate's network)."""
    gate = novelty.gate_in_use(checkpoint)
    rule = novelty.rule_in_use(checkpoint if gate is None else gate)
    if rule is None:
        return None
    return {"threshold": rule.threshold, "n_statistics": rule.dim, "exponent": rule.exponent,
            "validation_share_beyond": rule.flag_share, "steady_db": rule.steady_db,
            **({} if gate is None else {"gate": gate.model_name}),
            # A gate of shorter clips judges a clip by the stretches about its loudest sounds.
            **({} if gate is None or gate.feature_config.n_samples
               >= checkpoint.feature_config.n_samples
               else {"gate_clip_seconds": gate.feature_config.clip_seconds})}


def _recorded(metrics: Mapping, settings: Mapping, key: str):
    """What the training record says of ``key``: the metrics (what the run found) before the
    settings (what was asked, such as device "auto"); None when neither says."""
    for source in (metrics, settings):
        if source.get(key) is not None:
            return source[key]
    return None


def scores_of(scores: ModelMetrics, metrics: Mapping, multi_label: bool) -> dict:
    """A model's scores as its card gives them, and the Training tab too: where evaluated, how
    many, accuracy, macro F1, and per class precision, recall, F1 and support (a multi-label
    model's own: every class at its threshold, not the top one) with its exact match."""
    report = scores.report
    per_class = ({m.name: {"precision": m.precision, "recall": m.recall, "f1": m.f1,
                           "support": m.support} for m in report.per_class}
                 if report is not None else {})
    exact_match = None
    chosen = metrics.get("multi_label")
    if multi_label and isinstance(chosen, Mapping):
        # A multi-label model's own scores: every class at its threshold, not the top one.
        exact_match = chosen.get("exact_match")
        if isinstance(chosen.get("per_class"), Mapping):
            per_class = dict(chosen["per_class"])
    return {"evaluated_on": scores.evaluated_on if report is not None else None,
            "n_evaluated": scores.n_evaluated, "accuracy": scores.accuracy,
            "macro_f1": scores.macro_f1, "exact_match": exact_match, "per_class": per_class}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _plain(value):
    """``value`` as JSON-ready values: a stranger's file may hold tensors or other objects in
    its metrics; those become their text, and a non-finite number None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


# ---------------------------------------------------------------------------- text


def _size(n_bytes: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit} ({n_bytes:,} bytes)"
    return f"{n_bytes} bytes"


def _or_not_recorded(value) -> str:
    return NOT_RECORDED if value is None else str(value)


def _pairs(values: Mapping) -> str:
    """``key=value, ...``, the channel left to its own line, which counts from 1 as a person
    does (the settings count from 0)."""
    return ", ".join(f"{k}={v}" for k, v in values.items() if k != "channel")


def _number(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _run(training: Mapping) -> str:
    parts = []
    if training["n_train"] is not None:
        parts.append(f"{training['n_train']} training clips")
    if training["n_val"] is not None:
        parts.append(f"{training['n_val']} validation clips")
    if training["epochs_run"] is not None:
        parts.append(describe_epochs(training["epochs_run"], training["best_epoch"]))
    if training["stopped"]:
        parts.append("stopped early by hand, the model trained so far kept")
    return ", ".join(parts) or NOT_RECORDED


def _score_lines(card: Mapping) -> tuple[str, list[str]]:
    """The Scores section's words, and its table's lines."""
    metrics, thresholds = card["metrics"], card["thresholds"]
    if metrics["accuracy"] is None and not metrics["per_class"]:
        head = NOT_RECORDED
    else:
        where = (f"on {metrics['n_evaluated']} {metrics['evaluated_on']} clips: "
                 if metrics["n_evaluated"] is not None else "")
        head = (f"{where}accuracy {_number(metrics['accuracy'])}, "
                f"macro F1 {_number(metrics['macro_f1'])}")
        if metrics["exact_match"] is not None:
            head += f", exact match {_number(metrics['exact_match'])}"
        if rough_figure(metrics["n_evaluated"], metrics["evaluated_on"]):
            head += f": {ROUGH_FIGURE}"
    width = max([len(c) for c in card["classes"]] + [5])
    lines = [f"  {'class':<{width}}  precision  recall     F1  support  threshold"]
    for name in card["classes"]:
        m = metrics["per_class"].get(name) or {}
        support = m.get("support")
        lines.append(f"  {name:<{width}}  {_number(m.get('precision')):>9}  "
                     f"{_number(m.get('recall')):>6}  {_number(m.get('f1')):>5}  "
                     f"{'-' if support is None else support:>7}  {thresholds[name]:9.3f}")
    return head, lines


def _calibration(calibration: Mapping | None, multi_label: bool) -> str:
    if calibration is None:
        return "none (a multi-label model's scores are per class)" if multi_label else NOT_RECORDED
    held = (f"; a fit under 1 held at 1: {calibration['n']} clips are too few to make the model "
            "surer" if calibration.get("held") else "")
    return (f"ECE {calibration['ece_after']:.3f} with temperature {calibration['temperature']:.4g}"
            f" ({calibration['ece_before']:.3f} without), on {calibration['n']} clips{held}")


def _unknown(rule: Mapping | None, multi_label: bool, classes: Sequence[str]) -> str:
    if rule is None and novelty.UNKNOWN in classes:
        return f"its own class {novelty.UNKNOWN!r} answers, as taught"
    if rule is None:
        return "none (a multi-label model's scores are per class)" if multi_label else NOT_RECORDED
    raised = "" if rule["exponent"] == 1.0 else f", raised to the power {rule['exponent']:g}"
    stretch = ("" if rule.get("gate_clip_seconds") is None else
               f", judging a clip by the {rule['gate_clip_seconds']:g} s about its loudest sounds")
    gate = ("" if rule.get("gate") is None else
            f"by a {rule['gate']} network trained on the same clips beside it (its gate{stretch}): ")
    return (gate + f"beyond a squared distance of {rule['threshold']:.4g} from the nearest class (over "
            f"{rule['n_statistics']} feature statistics of the training clips{raised}); "
            f"{100 * rule['validation_share_beyond']:g}% of augmented validation clips lie beyond"
            + ("" if rule.get("steady_db") is None else
               f"; and a steady sound (no band rising {rule['steady_db']:g} dB over its level: "
               "noise, a hum, a held tone), which no training clip was"))


def _silence(rule: Mapping) -> str:
    return (f"loudest {1000 * rule['frame_s']:g} ms under {rule['digital_silence_dbfs']:g} dBFS, or under "
            f"{rule['quiet_dbfs']:g} dBFS with no band rising {rule['rise_db']:g} dB over its "
            "floor (every model)")


def foreign_model_note(model_name: str, model_classes: Sequence[str],
                       project_classes: Sequence[str]) -> str | None:
    """A warning where a model knows none of a project's classes (a digits model loaded into
    a cats-and-dogs project): its every answer will disagree with the labels. None where they
    share a class, or the project has none yet."""
    if not project_classes or set(project_classes) & set(model_classes):
        return None

    def listed(names: Sequence[str]) -> str:
        more = f" and {len(names) - 6} more" if len(names) > 6 else ""
        return ", ".join(names[:6]) + more

    return (f"{model_name} knows none of this project's classes (it answers "
            f"{listed(list(model_classes))}; the project has {listed(list(project_classes))}): "
            "its answers will not match the labels")
