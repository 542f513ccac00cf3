"""Classification metrics as plain values: confusion matrix, per-class precision/recall/F1, macro F1,
ModelMetrics, what a trained model scored, typed here and a JSON-ready dict on disk, and event
metrics (events found in long recordings against the marked ones)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from core.words import counted


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

    def class_metrics(self, name: str) -> ClassMetrics | None:
        return next((m for m in self.per_class if m.name == name), None)

    @classmethod
    def from_dict(cls, data: Mapping) -> ClassificationReport | None:
        """The report ``to_dict`` wrote; None when ``data`` holds none (no accuracy) or is damaged."""
        try:
            accuracy = data.get("accuracy")
            if accuracy is None:
                return None
            per_class = data.get("per_class") or {}
            classes = tuple(str(c) for c in data.get("classes") or per_class)
            return cls(
                classes=classes, accuracy=float(accuracy),
                macro_f1=float(data.get("macro_f1") or 0.0),
                per_class=tuple(ClassMetrics(name, float(v.get("precision", 0.0)),
                                             float(v.get("recall", 0.0)), float(v.get("f1", 0.0)),
                                             int(v.get("support", 0)))
                                for name, v in per_class.items()),
                confusion_matrix=tuple(tuple(int(x) for x in row)
                                       for row in data.get("confusion_matrix") or ()),
            )
        # A stranger's file may hold anything: int(inf) overflows, a tensor has no truth value.
        except (AttributeError, TypeError, ValueError, OverflowError, RuntimeError):
            return None


#: Under this many validation clips, a model's scores are said to be a rough figure.
FEW_VALIDATION_CLIPS = 50
#: What is said of them then.
ROUGH_FIGURE = "a rough figure (few clips, of these recordings' voices and places)"


@dataclass(frozen=True)
class NamedAnswers:
    """A model's answers to files whose folder or name says their class: how many ``named``,
    how many it got ``right``, how many it answered silence or unknown (``unanswered``); the
    rest were another class."""

    named: int
    right: int
    unanswered: int

    @property
    def wrong(self) -> int:
        return self.named - self.right - self.unanswered


def named_answers(pairs: Iterable[tuple[str | None, str | None]]) -> NamedAnswers:
    """Count ``pairs`` of (the model's class, None for silence or unknown; the class the file's
    place names, None: no truth) where a truth is known."""
    named = [(answer, truth) for answer, truth in pairs if truth is not None]
    return NamedAnswers(len(named), sum(answer == truth for answer, truth in named),
                        sum(answer is None for answer, _ in named))


def rough_figure(n_evaluated: int | None, evaluated_on: str | None) -> bool:
    """Whether scores measured on ``n_evaluated`` ``evaluated_on`` clips are a rough figure: a
    few validation clips, all of the project's own voices and places (a hobbyist's 9 clips of
    one voice read 100%; other voices scored 87%)."""
    return evaluated_on == "validation" and (n_evaluated or 0) < FEW_VALIDATION_CLIPS


@dataclass(frozen=True)
class ModelMetrics:
    """What a trained model scored when it was made, and on which clips.

    Checkpoints and the project store keep ``to_dict()`` (the report's keys plus these fields,
    flat, as before this class existed); read one back with ``from_dict``, which accepts any
    older or partial dict (a model from elsewhere may carry no scores at all: ``report`` None).
    """

    report: ClassificationReport | None
    evaluated_on: str = "validation"  # "validation", or "training" when nothing was held out
    n_train: int | None = None  # None: not recorded
    n_val: int | None = None
    best_epoch: int | None = None
    epochs_run: int | None = None
    stopped: bool = False  # cancelled, the model trained so far kept

    @property
    def accuracy(self) -> float | None:
        return self.report.accuracy if self.report is not None else None

    @property
    def macro_f1(self) -> float | None:
        return self.report.macro_f1 if self.report is not None else None

    @property
    def n_evaluated(self) -> int | None:
        """How many clips the scores were measured on."""
        return self.n_val if self.evaluated_on == "validation" else self.n_train

    @property
    def rough(self) -> bool:
        """Whether the scores are a rough figure (:func:`rough_figure`)."""
        return rough_figure(self.n_evaluated, self.evaluated_on)

    def to_dict(self) -> dict:
        data = self.report.to_dict() if self.report is not None else {}
        data.update(evaluated_on=self.evaluated_on, n_train=self.n_train, n_val=self.n_val,
                    best_epoch=self.best_epoch, epochs_run=self.epochs_run, stopped=self.stopped)
        return data

    @classmethod
    def from_dict(cls, data: Mapping | None) -> ModelMetrics:
        data = data if isinstance(data, Mapping) else {}
        evaluated_on = data.get("evaluated_on")
        return cls(ClassificationReport.from_dict(data),
                   evaluated_on=evaluated_on if isinstance(evaluated_on, str) and evaluated_on
                   else "validation",
                   n_train=_int_or_none(data.get("n_train")), n_val=_int_or_none(data.get("n_val")),
                   best_epoch=_int_or_none(data.get("best_epoch")),
                   epochs_run=_int_or_none(data.get("epochs_run")),
                   stopped=data.get("stopped") is True)


def describe_epochs(epochs_run: int, best_epoch: int | None) -> str:
    """``"30 epochs"``, or ``"30 epochs (best 12)"`` when the weights kept are not the last
    epoch's (a constant-rate run restores its best; a one-cycle run keeps its last)."""
    best = f" (best {best_epoch})" if best_epoch not in (None, epochs_run) else ""
    return counted(epochs_run, "epoch") + best


def _int_or_none(value) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # a tensor of several values
        return None


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


def event_metrics(true, predicted, classes) -> dict:
    """Event precision, recall and F1 per class and over all classes (micro).

    ``true`` and ``predicted`` hold events as ``(begin_s, end_s, label)``, or ``(path, begin_s,
    end_s, label)`` for events of several files (only events of one path can match), or objects
    with ``begin_s``, ``end_s``, ``label`` (and ``path``) attributes. A predicted event hits a true
    one of the same class that it overlaps by at least half the true event's length; each true
    event and each predicted one takes part in at most one hit (the largest overlaps are paired
    first). Events of labels not in ``classes`` are left out.

    Returns ``{"classes": [...], "per_class": {name: {precision, recall, f1, support, predicted,
    hits}}, "micro": {the same over every class}}``; support counts true events.
    """
    classes = [str(c) for c in classes]
    known = set(classes)
    truth = [e for e in map(_event_key, true) if e[3] in known]
    guesses = [e for e in map(_event_key, predicted) if e[3] in known]
    pairs = []
    for i, (path, begin_s, end_s, label) in enumerate(truth):
        length_s = end_s - begin_s
        for j, (p_path, p_begin_s, p_end_s, p_label) in enumerate(guesses):
            if p_label != label or p_path != path:
                continue
            overlap_s = min(end_s, p_end_s) - max(begin_s, p_begin_s)
            if overlap_s > 0 and overlap_s >= 0.5 * length_s:
                pairs.append((-overlap_s, i, j))
    pairs.sort()
    matched_true, matched_pred = set(), set()
    hits = dict.fromkeys(classes, 0)
    for _, i, j in pairs:
        if i in matched_true or j in matched_pred:
            continue
        matched_true.add(i)
        matched_pred.add(j)
        hits[truth[i][3]] += 1
    support = dict.fromkeys(classes, 0)
    for event in truth:
        support[event[3]] += 1
    n_predicted = dict.fromkeys(classes, 0)
    for event in guesses:
        n_predicted[event[3]] += 1
    per_class = {c: _event_scores(hits[c], n_predicted[c], support[c]) for c in classes}
    micro = _event_scores(sum(hits.values()), len(guesses), len(truth))
    return {"classes": classes, "per_class": per_class, "micro": micro}


def _event_key(event) -> tuple[str, float, float, str]:
    if hasattr(event, "begin_s"):
        return (str(getattr(event, "path", "")), float(event.begin_s), float(event.end_s),
                str(event.label))
    if len(event) == 4:
        path, begin_s, end_s, label = event
        return str(path), float(begin_s), float(end_s), str(label)
    begin_s, end_s, label = event
    return "", float(begin_s), float(end_s), str(label)


def _event_scores(hits: int, predicted: int, support: int) -> dict:
    precision = hits / predicted if predicted else 0.0
    recall = hits / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": support,
            "predicted": predicted, "hits": hits}
