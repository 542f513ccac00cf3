"""Classification metrics as plain values: confusion matrix, per-class precision/recall/F1, macro F1."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


def confusion_matrix(true_idx, pred_idx, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` int64 counts; rows are the true class, columns the prediction."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true_idx, dtype=np.int64), np.asarray(pred_idx, dtype=np.int64)), 1)
    return matrix


@dataclass(frozen=True)
class ClassMetrics:
    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    classes: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: tuple[ClassMetrics, ...]
    confusion_matrix: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted

    def to_dict(self) -> dict:
        data = asdict(self)
        data["classes"] = list(self.classes)
        data["per_class"] = {m.name: {k: v for k, v in asdict(m).items() if k != "name"}
                             for m in self.per_class}
        data["confusion_matrix"] = [list(row) for row in self.confusion_matrix]
        return data


def classification_report(true_idx, pred_idx, classes) -> ClassificationReport:
    """Accuracy, macro F1 and per-class metrics; a class never predicted has precision 0."""
    classes = tuple(classes)
    matrix = confusion_matrix(true_idx, pred_idx, len(classes))
    total = int(matrix.sum())
    correct = int(np.trace(matrix))
    per_class = []
    for i, name in enumerate(classes):
        tp = float(matrix[i, i])
        predicted = float(matrix[:, i].sum())
        actual = float(matrix[i, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassMetrics(name, precision, recall, f1, int(actual)))
    present = [m.f1 for m in per_class if m.support > 0]
    return ClassificationReport(
        classes=classes,
        accuracy=correct / total if total else 0.0,
        macro_f1=float(np.mean(present)) if present else 0.0,
        per_class=tuple(per_class),
        confusion_matrix=tuple(tuple(int(v) for v in row) for row in matrix),
    )
