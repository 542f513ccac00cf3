"""``evaluate``: a model's scores on a folder of labelled clips (the app's store or its folders
and names), how many clips it answered unknown or silence, its calibration and reliability
diagram, and on a folder whose store holds marked regions the events it finds there.

``register(subparsers)`` adds the ``evaluate`` parser.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from core.cli import given_path
from core.cli.devices import add_device_option, checked_device
from core.errors import EarmarkError, os_reason


def register(subparsers) -> None:
    """Add ``evaluate`` to an argparse ``subparsers`` object."""
    from core.cli.commands import _add_label_options

    e = subparsers.add_parser(
        "evaluate", help="score a model on a folder of labelled clips",
        description="Accuracy, macro F1, per-class scores and the confusion matrix by the class "
                    "each clip scored highest; then how many clips the model answered unknown or "
                    "silence, and the accuracy of its answers counting those as wrong "
                    "(answer_accuracy, n_unknown and n_silence in --json); the calibration error.")
    e.add_argument("model", type=given_path, metavar="MODEL")
    e.add_argument("data", type=given_path, metavar="DATA")
    e.add_argument("--json", action="store_true")
    e.add_argument("--plots", type=given_path, default=None, metavar="DIR",
                   help="write DIR/reliability.png: the reliability diagram of the clips' "
                        "calibrated confidences (created if missing)")
    add_device_option(e)
    _add_label_options(e)
    e.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    from core.cli.commands import _labelled_clips, _print_report
    from core.ml.inference import Classifier
    from core.ml.metrics import classification_report

    device = checked_device(args.device)  # one line, exit 2, before any file is read
    classifier = Classifier.from_checkpoint(args.model, device=device)
    if args.plots is not None:
        _plots_dir(args.plots)  # before the clips are classified: a bad DIR fails at once
    clips = _labelled_clips(args, classes=classifier.classes)
    known = [c for c in clips if c.label in classifier.classes]
    unknown = sorted({c.label for c in clips} - set(classifier.classes))
    if unknown:
        print(f"ignoring {len(clips) - len(known)} clips of classes the model does not know: "
              f"{', '.join(unknown)}", file=sys.stderr)
    # The events the model finds in recordings with marked regions, beside the clip scores.
    events = None if args.labels_from == "folder" else event_evaluation(classifier, args.data)
    if not known and events is None:
        raise EarmarkError(f"{args.data}: no labelled clips of the model's classes "
                           f"({', '.join(classifier.classes)})")
    truth, predicted, failed, probabilities, answers, verdicts = [], [], [], [], [], []
    for clip, pred in zip(known, classifier.predict_files([c.path for c in known]), strict=True):
        if not pred.ok:
            failed.append((clip.path, pred.error))
            continue
        truth.append(classifier.classes.index(clip.label))
        predicted.append(classifier.classes.index(pred.label))
        probabilities.append(pred.probabilities)
        answers.append(pred.answer)
        verdicts.append(pred.verdict)
    for path, reason in failed:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    report = classification_report(truth, predicted, classifier.classes) if known else None
    calibration = (_calibration_of(probabilities, truth, classifier.answer_temperature)
                   if truth and not classifier.multi_label else None)
    answered = _Answers.of(answers, verdicts, [classifier.classes[t] for t in truth])
    if args.json:
        data = (dict(report.to_dict(), n_clips=len(truth), skipped=len(failed),
                     **answered.to_dict()) if report else {})
        if calibration is not None:
            data["calibration"] = calibration.to_dict()
        if events is not None:
            data["events"] = events
        print(json.dumps(data, indent=2))
    else:
        if report:
            _print_report(report, sys.stdout)
            print(answered.describe(), file=sys.stdout)
        if calibration is not None:
            print(calibration.describe(), file=sys.stdout)
        if events is not None:
            print_event_report(events, sys.stdout)
    if args.plots is not None:
        _write_plots(args.plots, calibration, classifier, args.data)
    return 0


@dataclasses.dataclass(frozen=True)
class _Answers:
    """What the model answered the evaluated clips, beside the scores of its best class: the
    clips answered unknown or silence, and the accuracy of the answers (those counted wrong)."""

    n_clips: int
    n_unknown: int
    n_silence: int
    n_right: int

    @classmethod
    def of(cls, answers: list, verdicts: list, truth: list[str]) -> _Answers:
        """``verdicts``: each answer's verdict or None (a class of the model may be named
        unknown or silence: such an answer is a class)."""
        from core.ml.novelty import SILENCE, UNKNOWN

        return cls(len(answers), verdicts.count(UNKNOWN), verdicts.count(SILENCE),
                   sum(a == t for a, t in zip(answers, truth, strict=True)))

    @property
    def accuracy(self) -> float | None:
        return self.n_right / self.n_clips if self.n_clips else None

    def to_dict(self) -> dict:
        return {"n_unknown": self.n_unknown, "n_silence": self.n_silence,
                "answer_accuracy": self.accuracy}

    def describe(self) -> str:
        accuracy = "-" if self.accuracy is None else f"{self.accuracy:.3f}"
        return (f"answered unknown {self.n_unknown}, silence {self.n_silence} of {self.n_clips} "
                f"clips; accuracy {accuracy} counting those as wrong")


@dataclasses.dataclass(frozen=True)
class _EvaluatedCalibration:
    """How well the confidences the app shows match the accuracy on the evaluated clips."""

    temperature: float
    after: object  # calibration.Reliability of the calibrated probabilities
    before: object  # and with the temperature undone (T 1.0)

    def to_dict(self) -> dict:
        return {"ece": round(self.after.ece, 6), "ece_uncalibrated": round(self.before.ece, 6),
                "temperature": self.temperature, "n_bins": self.after.n_bins,
                "reliability": self.after.to_dict()}

    def describe(self) -> str:
        """'calibration error (ECE, 15 bins) 0.030 with the temperature (T 0.433), 0.207
        without it'; the first part alone for a model without a temperature (T 1)."""
        text = f"calibration error (ECE, {self.after.n_bins} bins) {self.after.ece:.3f}"
        if self.temperature != 1.0:
            text += (f" with the temperature (T {self.temperature:.3g}), {self.before.ece:.3f} "
                     "without it")
        return text


def _calibration_of(probabilities, truth, temperature: float) -> _EvaluatedCalibration:
    """The reliability of ``probabilities`` (calibrated, as the app shows them) against the
    class indices ``truth``, and of the same with the temperature undone (``temper`` by 1/T:
    exact for a clip of the model's length, near for a longer file's averaged windows)."""
    import numpy as np

    from core.ml.calibration import Reliability, temper

    shown = np.asarray(probabilities, dtype=np.float64)
    raw = temper(shown, 1.0 / temperature) if temperature != 1.0 else shown
    return _EvaluatedCalibration(temperature, Reliability.of(shown, truth),
                                 Reliability.of(raw, truth))


def _plots_dir(directory: Path) -> Path:
    """``directory``, created if missing; EarmarkError naming it when it cannot be written (a
    file written there and removed, so a read-only mount or a full disk says so too)."""
    from core.paths import probe_writable

    try:
        probe_writable(directory)
    except OSError as error:
        raise EarmarkError(f"{directory}: cannot write the plots there "
                           f"({os_reason(error)})") from None
    return directory


def _write_plots(directory: Path, calibration, classifier, data: Path) -> None:
    from core.ml.png_canvas import write_png
    from core.ml.report_png import reliability_image

    if calibration is None:
        why = ("a multi-label model's scores are per class" if classifier.multi_label
               else "no clip was classified")
        print(f"earmark: no reliability diagram: {why}", file=sys.stderr)
        return
    before = calibration.before if calibration.temperature != 1.0 else None
    image = reliability_image(calibration.after, before, title=f"Reliability on {data.resolve().name}"[:40])
    path = _plots_dir(directory) / "reliability.png"
    try:
        write_png(path, image)
    except OSError as error:
        raise EarmarkError(f"{path}: cannot write the plot ({os_reason(error)})") from None
    print(f"wrote {path}", file=sys.stderr)


def event_evaluation(classifier, data: Path) -> dict | None:
    """Event metrics of ``classifier`` on the recordings of ``data`` that hold regions a person
    marked or accepted (see ``core.workflow.events.event_scores``); None when the folder has no store or
    no such region. The store is read, then closed before the model runs. Files that cannot be
    read are left out with a line on stderr."""
    from core.store.project import Project, existing_store_dir
    from core.workflow.events import event_scores, marked_recordings

    if existing_store_dir(data) is None:  # looking makes no store
        return None
    with Project.open(data) as project:  # where the app opens it (store_place)
        recordings = marked_recordings(project)
    return event_scores(classifier, recordings,
                        on_error=lambda reason: print(f"earmark: error: {reason}", file=sys.stderr))


def print_event_report(result: dict, out) -> None:
    classes = result["classes"]
    width = max([len(c) for c in classes] + [5])
    micro = result["micro"]
    print(f"events in {result['n_files']} recordings: precision {micro['precision']:.3f}   "
          f"recall {micro['recall']:.3f}   F1 {micro['f1']:.3f}   ({micro['hits']} of "
          f"{micro['support']} marked events found, {micro['predicted']} found in all)", file=out)
    print(f"{'class':<{width}}  precision  recall     F1  support  found", file=out)
    for name in classes:
        m = result["per_class"][name]
        print(f"{name:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}  "
              f"{m['support']:7d}  {m['predicted']:5d}", file=out)
