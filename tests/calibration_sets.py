"""Synthetic model outputs for calibration tests: logits whose softmax is each class's true
chance (the targets are drawn from it), so scaling them makes a model over- or under-confident
by a known factor."""

import numpy as np

from core.ml.calibration import view_probabilities


def calibrated_logits(n: int = 4000, n_classes: int = 5, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(n, n_classes)`` logits and the ``(n,)`` class indices drawn from their softmax."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, (n, n_classes))
    p = view_probabilities(logits)
    targets = np.array([rng.choice(n_classes, p=row) for row in p])
    return logits, targets
