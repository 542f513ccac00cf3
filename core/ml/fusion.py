"""A model that answers with its partner (``Checkpoint.partner``), the network trained on the same
clips beside it: each gives calibrated probabilities of the same clips; the answer is their
normalised geometric mean (the softmax of the mean of their log-probabilities), tempered by one
temperature fitted on the validation split.

Two pairs: the default network and the speech model trained after it (``TrainConfig.speech_partner``),
and the speech model and the default network trained after it as its gate (its unknown rule).
Why: the two networks err on different clips. On the same models (seed 0, a scratch measure)
the speech head heard words across voices (FSDD, each speaker held out: 0.980, the default
network 0.904) and the default network other sounds (cats and dogs by 5-fold cross-validation:
0.950, the head 0.910). Pooled, through the app's own training: 0.977 (ECE 0.030) and 0.972
(`bench_calibration.py` and `bench_catsdogs_cv.py` with `--model speech`; README, Models and
features). The plain mean of the probabilities named the same classes but said them too unsurely
(ECE 0.055 on the held-out speakers before a temperature of its own; the mean of the
log-probabilities 0.023).

Only a partner that hears the model's own clips joins in (a gate of shorter clips judges
stretches, novelty.gate_stretches, and gives no answer for the whole clip), and only where
pooling does the answer no harm on the validation clips (HARM_NATS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.ml.calibration import MIN_SHARPENING_CLIPS, calibrate, log_loss

#: A partner is left out where the pooled answer's log-loss on the validation clips is over the
#: model's own by more than this (nats): pooling that makes the answer clearly worse on them
#: is a partner that hears these sounds wrongly. Not a share of the model's own: the validation
#: clips are the training voices', on which the default network is at its best, and near 0 a
#: share is noise (FSDD, nicolas held out, seed 1: 0.0237 alone, 0.0330 pooled, both 219 of
#: 220 right, while on nicolas himself the network alone scored 0.836 and pooled 0.934).
HARM_NATS = 0.05


@dataclass(frozen=True)
class Reported:
    """What a run's report was measured on: which clips (``keys``, one per clip, equal keys for
    the same clip in two runs over the same samples), their class indices ``targets`` and the
    run's calibrated ``probabilities`` ``(n, n_classes)``. ``held_out``: the clips were a
    validation split (training clips say nothing of how sure to be on new ones)."""

    keys: tuple
    targets: np.ndarray
    probabilities: np.ndarray
    held_out: bool


def hears_same_clips(model_features, gate_features) -> bool:
    """Whether a gate with ``gate_features`` hears the very clips of a model with
    ``model_features`` (``FeatureConfig``s), so that their answers can be pooled."""
    return gate_features.n_samples == model_features.n_samples


def pooled_logits(own: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """The mean of the two networks' log-probabilities ``(n, n_classes)``: the logits of their
    answer together, before its temperature."""
    tiny = torch.finfo(own.dtype).tiny
    return (torch.log(own.clamp_min(tiny)) + torch.log(gate.clamp_min(tiny))) / 2


def fuse(own: torch.Tensor, gate: torch.Tensor, temperature: float) -> torch.Tensor:
    """The answer of a model and its gate from their calibrated probabilities ``(n,
    n_classes)``: the softmax of ``pooled_logits`` over ``temperature``. In torch, so the
    classifier and an exported model's graph pool alike."""
    return torch.softmax(pooled_logits(own, gate) / temperature, dim=1)


def fit_fusion(own: Reported | None, gate: Reported | None) -> tuple[float, np.ndarray, dict] | None:
    """The fusion's temperature fitted on the validation clips both runs reported on, their
    fused probabilities and ``calibration.calibrate``'s summary; None where the runs did not
    report on the same held-out clips (one was stopped, had no validation split, or cut other
    clips), so there is nothing to fit on, or where the pooled answer's log-loss on them is
    over the model's own by more than HARM_NATS (a partner that hears these sounds wrongly is
    left out)."""
    if own is None or gate is None or not (own.held_out and gate.held_out):
        return None
    if own.keys != gate.keys or not np.array_equal(own.targets, gate.targets):
        return None
    logits = pooled_logits(torch.as_tensor(own.probabilities, dtype=torch.float64),
                           torch.as_tensor(gate.probabilities, dtype=torch.float64)).numpy()
    fitted = calibrate(logits, own.targets, may_sharpen=len(own.targets) >= MIN_SHARPENING_CLIPS)
    worse = log_loss(fitted[1], own.targets) > log_loss(own.probabilities, own.targets) + HARM_NATS
    return None if worse else fitted
