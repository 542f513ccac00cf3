"""The headless command line: train, predict, info, and the parser and `main` of every command
(`evaluate`, `detect`, `export` and `labels` live beside this module in core.cli).

Expected failures print one line naming the file and the reason, never a traceback. train and
evaluate take a folder's labels from its project store when the app made one, else from its class
folders, file names and labels.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.cli import given_path
from core.cli.channels import add_channel_option, chosen_channel
from core.cli.devices import add_device_option, checked_device
from core.cli.shards import add_shard_option, take_shard
from core.errors import EarmarkError, ProjectError
from core.ml.features import MAX_CLIP_S, MIN_CLIP_S
from core.ml.metrics import describe_epochs
from core.ml.networks import DEFAULT_MODEL, MODEL_NOTES, MODELS
from core.ml.train_config import MAX_VAL_SPLIT, TrainConfig
from core.store.name_rules import parse_name_rule

NAME_RULE_HELP = (
    "how the names of the files directly in DATA give labels: auto (default: the part of the "
    "names that gives a few classes with several files each), prefix (before a trailing number: "
    "cat_12 -> cat), none, token:N (the Nth part alone, names split at _ - and spaces: token:2 of "
    "0_jackson_12 -> jackson), tokens:N (the first N parts: tokens:2 of dog_barking_0 -> "
    "dog_barking) or regex:PATTERN (its group named label, else group 1, else the whole match)")
LABELS_FROM_HELP = (
    "store: the labels saved by the app (DATA/.earmark); folder: class subfolders, file names and "
    "labels.csv, ignoring the app's; auto (default): the store when DATA has one")


def _name_rule_arg(text: str):
    try:
        return parse_name_rule(text)
    except EarmarkError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_label_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labels-from", choices=("auto", "store", "folder"), default="auto",
                        help=LABELS_FROM_HELP)
    parser.add_argument("--name-rule", type=_name_rule_arg, default=None, metavar="RULE",
                        help=NAME_RULE_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Earmark: label audio clips, train a CNN on them, classify files.\n"
                    "Without a command, `uv run main.py [FOLDER] [--demo]` opens the app.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a model on a folder of labelled clips")
    t.add_argument("data", type=given_path, metavar="DATA",
                   help="folder of audio; labels saved by the app, else from class subfolders, "
                        "file names or labels.csv")
    t.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS),
                   help="; ".join(f"{name}: {note}" for name, note in MODEL_NOTES.items()))
    t.add_argument("--features", default=None,
                   help="feature preset: default, seed (the seed's spectrogram; the default for "
                        "--model seed-cnn) or speech (Google's speech embedding; the default for "
                        "--model speech)")
    t.add_argument("--epochs", type=int, default=None,
                   help=f"at most this many epochs (default {TrainConfig().epochs}; with "
                        f"--init-from {TrainConfig().fine_tune_epochs}: a trained model needs a "
                        "short schedule)")
    t.add_argument("--clip-seconds", default=None, metavar="S|auto",
                   help=f"clip length in seconds ({MIN_CLIP_S:g}..{MAX_CLIP_S:g}), or auto "
                        "(1.25 x the 99th percentile of the clip durations, in that range, "
                        "leaving out a class of recordings far longer than the others)")
    t.add_argument("--init-from", type=given_path, default=None, metavar="CKPT",
                   help="fine-tune this checkpoint (classes added or removed are mapped by name)")
    t.add_argument("--val-split", type=float, default=None, metavar="F",
                   help=f"share of each class held out for validation (0..{MAX_VAL_SPLIT:g})")
    t.add_argument("--seed", type=int, default=None)
    add_channel_option(t, "learn from and listen to",
                       "; the model keeps it when it classifies (default: the mix)")
    t.add_argument("--out", type=given_path, default=Path("model.pt"), help="where to save (model.pt)")
    t.add_argument("--json", action="store_true", help="print the metrics as JSON on stdout")
    t.add_argument("--no-background", dest="background", action="store_false",
                   help="with regions marked in the app: no background class cut from the "
                        "unmarked stretches of their recordings")
    t.add_argument("--multi-label", dest="multi_label", action="store_true",
                   help="a clip may hold several classes (a window overlapping marked events of "
                        "several classes): one sigmoid per class, and predict reports every class "
                        "above its threshold")
    t.add_argument("--no-speech-partner", dest="speech_partner", action="store_false",
                   help="train the model alone: by default a single-label model at the clips' own "
                        "length trains a speech model on the same clips beside it and answers "
                        "with both where that does no harm on the clips held out")
    add_device_option(t)
    t.add_argument("--no-mixed-precision", dest="mixed_precision", action="store_false",
                   help="train in float32 throughout; by default a CUDA GPU autocasts to bf16 "
                        "(fp16 with a gradient scaler where it has no bf16). Mixed precision "
                        "applies only on CUDA: the CPU and mps always train in float32")
    t.add_argument("--no-cache", dest="cache", action="store_false",
                   help="decode every clip into memory instead of reading and filling the feature "
                        "cache (feature-cache in the folder's store, else in the per-user store "
                        "place of the folder), from which a retrain decodes only new or changed "
                        "clips")
    _add_label_options(t)
    t.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "predict", help="classify files or folders with a model",
        description="One row per audio file. label is the model's answer: a class, 'silence' "
                    "(no sound in the file) or 'unknown' (unlike every clip the model was trained "
                    "on); the class scores are listed either way.")
    p.add_argument("model", type=given_path, metavar="MODEL")
    p.add_argument("paths", type=given_path, nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("csv", "json"), default="csv",
                   help="csv (default): path, label (the answer), labels (every class the file "
                        "holds, ;-separated; none for silence or unknown), confidence (of the answer; "
                        "empty for silence or unknown), one "
                        "column per class, error; json: the same per file, with top_class (the "
                        "class scored highest), verdict (silence, unknown or null), novelty (the "
                        "distance from the training clips over the model's limit; over 1 is "
                        "unknown; null without a rule) and peak_time_s")
    add_device_option(p)
    add_shard_option(p)
    p.set_defaults(func=cmd_predict)

    from core.cli import detect as cli_detect
    from core.cli import evaluate as cli_evaluate
    from core.cli import export as cli_export
    from core.cli import labels as cli_labels

    cli_evaluate.register(sub)  # after predict, before info: the order --help lists them

    i = sub.add_parser("info", help="a model file's card: classes, network, features, training, "
                                    "scores, calibration, thresholds, the unknown and silence rules")
    i.add_argument("model", type=given_path, metavar="MODEL")
    i.add_argument("--json", action="store_true",
                   help="the card as JSON (fixed keys; null where the file records nothing)")
    i.set_defaults(func=cmd_info)

    cli_detect.register(sub)
    cli_export.register(sub)
    cli_labels.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except EarmarkError as exc:
        print(f"earmark: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("earmark: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): no traceback, and none again as Python flushes
        # stdout on its way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE


class _ProgressBar:
    """A one-line progress bar on stderr (a line per update when stderr is not a terminal)."""

    def __init__(self, stream=None, min_interval_s: float = 0.2) -> None:
        # sys.stderr when the bar is made, not when this module was imported: a caller (or a
        # test) that redirected it gets the bar too.
        self.stream = sys.stderr if stream is None else stream
        self.min_interval_s = min_interval_s
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.last_text = ""

    def update(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.min_interval_s:
            return
        self.last = now
        filled = int(30 * min(max(fraction, 0.0), 1.0))
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:5.1f}% {text}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
        elif text != self.last_text:
            self.stream.write(line + "\n")
        self.last_text = text
        self.stream.flush()

    def note(self, line: str) -> None:
        """``line`` on a line of its own, above the bar."""
        self.stream.write(("\r" + " " * 120 + "\r" if self.tty else "") + line + "\n")
        self.last_text = ""
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _labelled_clips(args, regions: bool = False, classes: Sequence[str] = ()) -> list:
    """The labelled clips of ``args.data`` (LabeledClip), from its project store or its folders
    and names as ``--labels-from`` says; tells stderr where the labels came from. With
    ``regions``, a store's marked events and their recordings come too, as the app trains on
    them (see ``core.workflow.training_snapshot``). With a model's ``classes``, names are read
    by the rule by which most name one of them (unless ``--name-rule`` says which)."""
    from core.store.project import existing_store_dir

    data = args.data
    if not data.is_dir():
        raise EarmarkError(f"{data}: not a folder")
    if args.labels_from != "folder" and existing_store_dir(data) is not None:
        return _store_clips(data, args.name_rule, regions)
    if args.labels_from == "store":
        raise EarmarkError(f"{data}: has no labels saved by the app (no project store); "
                           "use --labels-from folder")
    return _folder_clips(data, args.name_rule, classes)


def _folder_clips(data: Path, name_rule, classes: Sequence[str] = ()) -> list:
    from core.cli.labels import say_name_rule
    from core.store.label_rules import FolderLabels, rule_naming

    labels = FolderLabels(data, name_rule=name_rule)
    clips = labels.scan()
    stems = [c.path.stem for c in clips if c.path.parent == data]
    if name_rule is None and classes and stems:
        better = rule_naming(stems, classes, labels.name_rule)
        if better is not None and better != labels.name_rule:
            labels = FolderLabels(data, name_rule=better)
            clips = labels.scan()
    say_name_rule(labels.name_rule, stems, chosen=name_rule is not None)
    return [c for c in clips if c.label]


def _store_clips(data: Path, name_rule, regions: bool = False) -> list:
    """The labels the app saved, read and the store closed again before any training starts.
    The store is opened where the app would open it (a folder read-only now: its store copied
    to the per-user place, see core.store.store_place).
    Clips whose files are gone are left out, with a note. With ``regions``: the region samples
    and background sources of the app's training snapshot too, and a recording with marked
    events is no whole-clip sample."""
    from core.ml.samples import BackgroundSource
    from core.store.label_rules import LabeledClip
    from core.store.project import Project
    from core.workflow import training_snapshot

    try:
        with Project.open(data) as project:
            records = [r for r in project.clips(include_missing=True) if r.label]
            rule = project.name_rule()
            snapshot = training_snapshot(project) if regions else None
    except ProjectError as error:
        raise ProjectError(f"{error} (--labels-from folder reads the folder instead)") from None
    clips = [LabeledClip(project.abspath(r), r.label, r.label_source) for r in records]
    if project.store_note:  # kept elsewhere, or just copied there (a read-only folder)
        print(f"earmark: {project.store_note}", file=sys.stderr)
    present = [c for c, r in zip(clips, records, strict=True) if not r.missing and c.path.is_file()]
    marked: list = []
    if snapshot is not None:
        recordings = {s.path for s in (*snapshot.regions, *snapshot.background)}
        present = [c for c in present if c.path not in recordings]
        marked = [s for s in (*snapshot.regions, *snapshot.background) if Path(s.path).is_file()]
    events = len([s for s in marked if not isinstance(s, BackgroundSource)])
    in_recordings = len({s.path for s in marked})
    also = (f", {events} marked events in {in_recordings} recording"
            f"{'s' if in_recordings != 1 else ''}") if marked else ""
    print(f"earmark: using the labels saved by the app in {project.store_path.parent} "
          f"({len(present)} labelled clips{also})", file=sys.stderr)
    gone = len(clips) - len(present)
    if gone:
        print(f"earmark: skipped {gone} labelled clip{'s' if gone != 1 else ''} whose "
              f"file{'s are' if gone != 1 else ' is'} missing", file=sys.stderr)
    if any(r.label_source == "filename" for r in records):
        print(f"earmark: the app read labels from file names by {rule.describe()}",
              file=sys.stderr)
    if name_rule is not None:
        print("earmark: --name-rule is not used with the labels saved by the app "
              "(add --labels-from folder to label by file names)", file=sys.stderr)
    return present + marked


def cmd_train(args) -> int:
    from core.ml.checkpoint import check_can_save, load_checkpoint, save_checkpoint
    from core.ml.train_config import SEED_MODEL, parse_clip_seconds
    from core.ml.training import train

    changes = {}
    if args.features:
        changes["features"] = args.features
    if args.epochs is not None:
        changes["epochs"] = args.epochs
    if args.clip_seconds is not None:
        changes["clip_seconds_requested"] = parse_clip_seconds(args.clip_seconds)
    if args.val_split is not None:
        changes["val_split"] = args.val_split
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.channel is not None:
        changes["channel"] = chosen_channel(args)
    if not args.background:
        changes["background"] = False
    if args.multi_label:
        changes["multi_label"] = True
    if not args.speech_partner:
        changes["speech_partner"] = False
    if not args.mixed_precision:
        changes["mixed_precision"] = False
    changes["device"] = checked_device(args.device)  # one line, exit 2, before any file is read
    if args.model == SEED_MODEL:
        # The seed's recipe, but a command-line run uses the feature cache: same features, faster.
        changes["cache_features"] = True
    config = TrainConfig.for_model(args.model, **changes)  # ConfigError: one line, exit 2
    check_can_save(args.out)  # before the training, which would be lost
    init = load_checkpoint(args.init_from) if args.init_from else None
    if init is not None and args.channel is not None \
            and chosen_channel(args) != init.feature_config.channel:
        heard = init.feature_config.channel
        raise EarmarkError(f"--channel {args.channel}: {args.init_from.name} was trained on "
                           + ("the mix of the channels" if heard is None else
                              f"channel {heard + 1}")
                           + ", and fine-tuning keeps what it hears")
    if init is not None and args.epochs is None:
        config = config.for_fine_tuning()
    from core.ml.distributed import is_main_process
    from core.ml.feature_cache import feature_cache_dir, writable_cache_dir
    from core.ml.samples import BackgroundSource
    from core.store.project import default_store_dir, existing_store_dir

    clips = _labelled_clips(args, regions=True)
    n_samples = len([c for c in clips if not isinstance(c, BackgroundSource)])
    main_process = is_main_process()  # under torchrun only rank 0 prints and saves
    if main_process:
        print(f"Training {config.model} on {n_samples} labelled clips and events from {args.data}",
              file=sys.stderr)
    # The cache beside the folder's store (or where its store would go): a retrain decodes only
    # what is new. A cache folder alone makes no store: labels are still read as before.
    store_dir = existing_store_dir(args.data) or default_store_dir(args.data)
    bar = _ProgressBar()
    said = []  # the device, once the run names it

    def on_progress(p) -> None:
        device = getattr(p, "device", None)
        if device and not said:
            said.append(device)
            bar.note(f"earmark: training on {device}")
        text = p.message
        if p.epoch_metrics and p.epoch_metrics.val_accuracy is not None:
            text += f"  val acc {p.epoch_metrics.val_accuracy:.3f}"
        if p.eta_s is not None:
            text += f"  {p.eta_s:.0f} s left"
        bar.update(p.fraction, text, force=p.epoch_metrics is not None)

    cache_dir = writable_cache_dir(feature_cache_dir(store_dir)) if args.cache else None
    if args.cache and cache_dir is None and main_process:
        print(f"earmark: the feature cache cannot be written in {feature_cache_dir(store_dir)}; "
              "decoding every clip in memory", file=sys.stderr)
    try:
        result = train(clips, config, init_from=init, progress=on_progress, cache_dir=cache_dir)
    finally:
        bar.close()
    if not main_process:
        return 0
    save_checkpoint(result.checkpoint, args.out)
    for path, reason in result.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if cache_dir is not None:
        by = (f" by this process (each of the {result.world_size} decoded its share)"
              if result.world_size > 1 else "")
        print(f"earmark: {result.n_decoded} clip window(s) decoded{by}; the rest were read from "
              f"the feature cache in {cache_dir}", file=sys.stderr)
    checkpoint = result.checkpoint
    metrics = dict(checkpoint.metrics, elapsed_s=round(result.elapsed_s, 2),
                   n_decoded=result.n_decoded,
                   feature_cache=None if cache_dir is None else str(cache_dir),
                   model_path=str(args.out), skipped=[[str(p), r] for p, r in result.skipped],
                   n_background=result.n_background, background_class=checkpoint.background_class,
                   thresholds=dict(zip(checkpoint.classes, checkpoint.thresholds, strict=True)))
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        _print_report(result.report, sys.stdout)
        print(f"{describe_epochs(len(result.history), result.best_epoch)} in {result.elapsed_s:.1f} s"
              f"{_on_device(result)}; "
              f"{result.n_train} training / {result.n_val} validation clips"
              f"{f', {result.n_background} of them background' if result.n_background else ''}; "
              f"{len(result.skipped)} skipped. Saved {args.out}")
    return 0


def _on_device(result) -> str:
    """' on cpu', ' on cuda:0 in 2 processes': where a TrainResult says it ran ('' when it
    does not say)."""
    device = getattr(result, "device", None)
    world_size = getattr(result, "world_size", None) or 1
    if not device:
        return ""
    return f" on {device}" + (f" in {world_size} processes" if world_size > 1 else "")


def _print_report(report, out) -> None:
    width = max(len(c) for c in report.classes)
    print(f"accuracy {report.accuracy:.3f}   macro F1 {report.macro_f1:.3f}", file=out)
    print(f"{'class':<{width}}  precision  recall  support", file=out)
    for m in report.per_class:
        print(f"{m.name:<{width}}  {m.precision:9.3f}  {m.recall:6.3f}  {m.support:7d}", file=out)
    print("confusion matrix (rows: true, columns: predicted)", file=out)
    print(" " * (width + 2) + " ".join(f"{c[:6]:>6}" for c in report.classes), file=out)
    for name, row in zip(report.classes, report.confusion_matrix, strict=True):
        print(f"{name:<{width}}  " + " ".join(f"{v:6d}" for v in row), file=out)


def cmd_predict(args) -> int:
    from core.audio.discovery import expand_audio_paths
    from core.ml.inference import Classifier

    device = checked_device(args.device)  # one line, exit 2, before any file is read
    classifier = Classifier.from_checkpoint(args.model, device=device)
    files = shard_files(expand_audio_paths(args.paths), args.shard)
    failed = 0
    rows = []
    writer = None
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        # label: the answer (a class, silence or unknown); labels: every class the file holds (a
        # multi-label model's above their thresholds; none for silence or unknown).
        writer.writerow(["path", "label", "labels", "confidence", *classifier.classes, "error"])
    for pred in classifier.predict_files(files):
        failed += not pred.ok
        if writer:
            probs = [f"{p:.4f}" for p in pred.probabilities] or [""] * len(classifier.classes)
            # No confidence beside silence or unknown (as the app shows "—"): it is the top
            # class's, which the answer is not; the class columns keep every score.
            conf = f"{pred.confidence:.4f}" if pred.ok and not pred.verdict else ""
            writer.writerow([str(pred.path), pred.answer or "", ";".join(pred.labels), conf,
                             *probs, pred.error or ""])
        else:
            rows.append({"path": str(pred.path), "label": pred.answer,
                         "labels": list(pred.labels), "top_class": pred.label,
                         "verdict": pred.verdict, "novelty": pred.novelty,
                         # None for silence or unknown, as the CSV's empty cell: the top
                         # class's score is in "probabilities".
                         "confidence": pred.confidence if pred.ok and not pred.verdict else None,
                         "probabilities": dict(zip(classifier.classes, pred.probabilities,
                                                   strict=False)),
                         "peak_time_s": pred.peak_time_s, "error": pred.error})
    if not writer:
        print(json.dumps(rows, indent=2))
    if failed:
        print(f"earmark: {failed} of {len(files)} files could not be classified", file=sys.stderr)
    return 1 if failed else 0


def shard_files(files: list, shard) -> list:
    """This process's share of ``files`` (all of them without --shard), said on stderr."""
    chosen = take_shard(files, shard)
    if shard is not None:
        begin, end = shard.bounds(len(files))
        print(f"earmark: shard {shard.describe()}: files {begin + 1}..{end} of {len(files)}"
              if chosen else f"earmark: shard {shard.describe()}: no files (of {len(files)})",
              file=sys.stderr)
    return chosen


def cmd_info(args) -> int:
    from core.ml.model_card import format_card, read_model_card

    card = read_model_card(args.model)  # CheckpointError: one line naming the file, exit 2
    if args.json:
        print(json.dumps(card, indent=2))
    else:
        sys.stdout.write(format_card(card))
    return 0
