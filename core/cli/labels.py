"""``labels`` commands: export, import, history, export-folders and export-clips, for clip
labels (and their history) and for regions (the formats of :mod:`core.store.region_io`;
regions cut into clips).

``register(subparsers)`` adds the ``labels`` parser; each command sets ``func`` to a handler
``handler(args) -> int`` (0 success, 1 done with problems reported, 2 error). Expected failures
(EarmarkError) print one line ``earmark: error: <message>`` to stderr and return 2.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections.abc import Callable, Sequence

from core.cli import check_out, given_path
from core.cli.channels import add_channel_option, chosen_channel
from core.errors import EarmarkError, ProjectLockedError
from core.store.name_rules import NameRule, preview_name_rule

Handler = Callable[[argparse.Namespace], int]
# core.store.region_export.FORMATS, written out: building the parser imports no more than it needs.
REGION_FORMATS = ("csv", "raven", "ravenfiles", "audacity", "avianz", "labelstudio", "aoef",
                  "sonicvisualiser", "summary")
#: Those written as a file per audio file (core.store.region_export.PER_FILE), under --out.
PER_FILE_FORMATS = ("ravenfiles", "audacity", "avianz", "sonicvisualiser")
#: Those that can carry each region's measurements (core.store.region_export.MEASURED_FORMATS).
MEASURED_FORMATS = ("csv", "raven", "ravenfiles")
#: Label Studio's audio classification tasks, one per clip (labelstudio: the regions' tasks).
LS_CLIPS = "labelstudio-clips"


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``labels`` with its sub-commands to an argparse ``subparsers`` object."""
    labels = subparsers.add_parser(
        "labels", help="export or import a project's labels and regions",
        description="Export or import the labels and regions of a folder of audio.")
    commands = labels.add_subparsers(dest="labels_command", metavar="COMMAND")
    commands.required = True

    export = commands.add_parser(
        "export", help="write clip labels or regions (stdout unless --out)",
        description="Write the labels of FOLDER. --format labels (the default): a path,label CSV "
                    "of every clip (empty label: unlabeled). --format edgeimpulse: Edge "
                    "Impulse's info.labels of every readable clip (paths relative to FOLDER: "
                    "write it to FOLDER/info.labels and upload the folder with Edge Impulse's "
                    "uploader; one file in five of each class in testing). --format "
                    "labelstudio-clips: a Label Studio JSON import of audio classification "
                    "tasks, one per readable clip (data.audio: "
                    "/data/local-files/?d=<FOLDER's name>/<relative path>, as Label Studio "
                    "serves local files with LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT the folder "
                    "holding FOLDER; config: "
                    "<Audio name=\"audio\" value=\"$audio\"/> with <Choices name=\"class\" "
                    "toName=\"audio\">): a clip's label its annotation, an unlabelled clip's "
                    "class by the active model its prediction, with its confidence. The other "
                    "formats "
                    "write the regions: "
                    "csv, path,begin_s,end_s,low_hz,high_hz,label,score,begin_clock,channel,"
                    "found_by,found_score (empty band: all frequencies; channel from 1, empty: "
                    "every channel; found_by: model, loud or similar where Earmark found the "
                    "event; --measure adds the measurements' columns); "
                    "raven, one Raven Pro selection table whose Begin File is each file's "
                    "name and Begin Path its whole path (Begin Time on the timeline of all its "
                    "files); "
                    "ravenfiles, a Raven Pro selection table per audio file with regions, its "
                    "times within that file, at OUT/<relative path, extension replaced by "
                    ".Table.1.selections.txt> (needs --out); audacity, an Audacity label "
                    "track per audio file with regions, at OUT/<relative path, extension "
                    "replaced by .txt> (needs --out); "
                    "avianz, an AviaNZ .data file per audio file with regions, at "
                    "OUT/<relative path>.data (needs --out; OUT = FOLDER puts each beside its "
                    "recording, where AviaNZ reads it); labelstudio, a Label Studio JSON import, a "
                    "task per audio file (data.audio as for labelstudio-clips; config: <Audio "
                    "name=\"audio\" value=\"$audio\"/> with <Labels name=\"label\" "
                    "toName=\"audio\">; bands are left out); aoef, an AOEF annotation project "
                    "Whombat imports (recording paths relative to FOLDER, its audio folder; "
                    "labels as tags class:<label>); sonicvisualiser, a Sonic "
                    "Visualiser annotation layer per audio file with regions, at OUT/<relative "
                    "path, extension replaced by .svl> (needs --out; a box layer in Hz where a "
                    "region has a band, else a region layer); summary, a CSV with a row per "
                    "recording and label: the regions a person drew, imported or accepted, the "
                    "model's events still to review, the seconds the former cover and the first "
                    "start and last end.")
    export.add_argument("folder", type=given_path, metavar="FOLDER")
    export.add_argument("--format", choices=("labels", "edgeimpulse", LS_CLIPS, *REGION_FORMATS),
                        default="labels",
                        help="labels (default: path,label of each clip), edgeimpulse (Edge "
                             "Impulse's info.labels of each clip), labelstudio-clips (Label "
                             "Studio tasks of each clip), or regions as "
                             f"{', '.join(REGION_FORMATS)}")
    export.add_argument("--out", metavar="PATH",
                        help="write this file instead of stdout (a folder for ravenfiles, "
                             "audacity, avianz and sonicvisualiser)")
    export.add_argument("--measure", action="store_true",
                        help="with --format raven, ravenfiles or csv: add each region's "
                             "measurements, "
                             "Raven Pro's robust ones (peak, centre, 5/25/75/95%% frequencies "
                             "and times, 90%% duration and bandwidth, entropy), computed from "
                             "its recording within its band")
    add_channel_option(export, "with --measure: measure", "; Raven's Channel column says which")
    _add_project(export)
    export.set_defaults(func=_handle_export)

    imp = commands.add_parser(
        "import", help="set labels from a path,label CSV, or add regions from region files",
        description="Each FILE is recognised by its content. A path,label CSV, Edge Impulse's "
                    "info.labels of whole samples or a Label Studio export of an audio "
                    "classification project (JSON, or JSON-MIN with its choices named class or "
                    "label; each task's chosen class) sets clip labels (one "
                    "transaction, source 'csv'; a file from elsewhere is found by the longest "
                    "tail of its path in FOLDER, then by its name; paths not in FOLDER are "
                    "reported and skipped, empty labels change nothing). A CSV with "
                    "begin_s,end_s columns (and "
                    "optionally low_hz,high_hz), a Raven Pro selection table (audio named by "
                    "Begin Path, matched by its longest tail in FOLDER, or Begin File: a path "
                    "relative to FOLDER or a base name unique in it), "
                    "BirdNET Analyzer's CSV (audio named by its File column, or --audio), an "
                    "Audacity label track (with --audio), an AviaNZ .data file (rec.wav.data: "
                    "rec.wav's), a Label Studio JSON or JSON-MIN export of spans (each task's "
                    "audio by its path or name; its choices of whole clips, if any, set those "
                    "clips' labels too), an AOEF file from Whombat or soundevent "
                    "(each tag of a sound "
                    "event annotation a region, its recording by its path) or a Sonic "
                    "Visualiser layer (.svl, with --audio) or session (.sv: its recording by "
                    "name) of regions, notes or boxes, or Edge Impulse's info.labels with "
                    "multi-label samples or structured_labels.labels (each labelled span a "
                    "region) adds regions, source "
                    "'import': every row "
                    "is checked first and one bad row imports nothing, each named with its line "
                    "and the reason. Several "
                    "region files (a night's .data files) are one import, all or none.")
    imp.add_argument("folder", type=given_path, metavar="FOLDER")
    imp.add_argument("files", metavar="FILE", nargs="+")
    imp.add_argument("--audio", metavar="REL_PATH", default=None,
                     help="the audio file (relative to FOLDER) an Audacity label track, a Raven "
                          "table without Begin File, a BirdNET CSV without File, an AviaNZ file "
                          "named otherwise or a Sonic Visualiser layer belongs to (one FILE only)")
    _add_project(imp)
    imp.set_defaults(func=_handle_import)

    history = commands.add_parser(
        "history", help="every label change of the clips, oldest first (stdout unless --out)",
        description="Write the label history the store keeps of FOLDER's clips (of the FILEs "
                    "given, else of every clip) as a CSV, oldest change first: "
                    "changed_at,path,before,after,how,source (changed_at in local time, ISO "
                    "8601; an empty label: none; how: labelled, imported, read from its folder, "
                    "class renamed, undone ...; source: the new label's). A window's undo "
                    "history ends with it; this is kept for as long as the project.")
    history.add_argument("folder", type=given_path, metavar="FOLDER")
    history.add_argument("files", metavar="FILE", nargs="*",
                         help="audio files of FOLDER (relative to it or absolute)")
    history.add_argument("--out", metavar="PATH", help="write this file instead of stdout")
    _add_project(history)
    history.set_defaults(func=_handle_history)

    folders = commands.add_parser(
        "export-folders", help="copy or move labelled audio into DEST/<label>/",
        description="Copy (default) or move each labelled clip into DEST/<label>/. "
                    "Existing files are never overwritten: they are reported and skipped.")
    folders.add_argument("folder", type=given_path, metavar="FOLDER")
    folders.add_argument("dest", metavar="DEST")
    folders.add_argument("--move", action="store_true", help="move instead of copy")
    folders.add_argument("--dry-run", action="store_true",
                         help="list what would happen; touch nothing")
    _add_project(folders)
    folders.set_defaults(func=_handle_export_folders)

    clips = commands.add_parser(
        "export-clips", help="cut each labelled region into a WAV in DEST/<label>/",
        description="Cut each region a person drew, imported or accepted, with a label, out of "
                    "its recording into DEST/<label>/<recording>_<begin>-<end>ms.wav (mono, "
                    "16-bit, the recording's own rate): the class folders BirdNET Analyzer's "
                    "custom-classifier training takes, with clips of the "
                    "unmarked stretches as the background class. Existing files are never "
                    "overwritten: they are reported and skipped.")
    clips.add_argument("folder", type=given_path, metavar="FOLDER")
    clips.add_argument("dest", metavar="DEST")
    clips.add_argument("--min-length-s", type=float, default=0.0, metavar="S",
                       help="a region shorter than S seconds is cut S long around its middle, "
                            "with the recording's own sound around it (BirdNET: 3; default 0: "
                            "the region alone)")
    clips.add_argument("--background", type=_clip_count, default=None, metavar="N",
                       help="also cut N clips of the marked recordings' unmarked stretches (each "
                            "rejected model event first) into DEST/background/, the negative "
                            "class BirdNET's training wants (default: as many as the "
                            "commonest class has regions; 0: none)")
    _add_project(clips)
    clips.set_defaults(func=_handle_export_clips)
    return labels


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="PATH", default=None,
                        help="folder holding the project store (default FOLDER/.earmark, or "
                             "the per-user data folder when FOLDER is read-only)")


def _expected_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except EarmarkError as error:
            print(f"earmark: error: {error}", file=sys.stderr)
            return 2
    return wrapper


def say_name_rule(rule: NameRule, stems: Sequence[str], chosen: bool = False) -> None:
    """Tell stderr how the names of the files directly in the folder (``stems``) are read, and
    what that gives: ``earmark: labels from file names: the 1st part ...: 10 classes``. Silent
    when there are no such files, or when the rule labels none of them and was not ``chosen``
    by the person."""
    if not stems:
        return
    if rule.kind == "none":
        print("earmark: no labels from file names", file=sys.stderr)
        return
    preview = preview_name_rule(rule, stems)
    if not preview.labelled and not chosen:
        return
    left = f", {preview.unlabelled} of {len(stems)} files unlabelled" if preview.unlabelled else ""
    n = len(preview.counts)
    print(f"earmark: labels from file names: {rule.describe()}: {n} class{'es' if n != 1 else ''}"
          f"{left}", file=sys.stderr)


@contextlib.contextmanager
def _open_scanned(args: argparse.Namespace, changing: str | None = None):
    """The project of ``args.folder``, scanned. ``changing`` (what the command does to it, as
    "import labels"): refused while a window has the folder open, as a second window is: the
    window would not show the change, and its undo would take it back."""
    from core.store.lock import ProjectLock
    from core.store.project import Project

    with Project.open(args.folder, store_dir=args.project) as project:
        lock = ProjectLock(project.store_path.parent, project.folder,
                           "an Earmark command changing it") if changing else None
        if lock is not None:
            try:
                lock.acquire()
            except ProjectLockedError as error:
                raise EarmarkError(f"{error}: close it there first, or {changing} in that "
                                   "window, whose undo history would otherwise take back what "
                                   "is done here") from error
        try:
            if project.store_note:
                print(f"earmark: {project.store_note}", file=sys.stderr)
            summary = project.scan()
            for warning in summary.warnings:
                print(f"earmark: warning: {warning}", file=sys.stderr)
            if summary.labels_imported:  # this scan read labels: from names, maybe
                say_name_rule(project.name_rule(), project.root_stems())
            yield project
        finally:
            if lock is not None:
                lock.release()


@_expected_errors
def _handle_export(args: argparse.Namespace) -> int:
    from core.store.label_io import export_csv, export_edge_impulse, export_label_studio
    from core.store.region_export import (
        aoef_dataset_path,
        export_regions,
        unreviewed_note,
    )

    if args.format in PER_FILE_FORMATS and not args.out:
        raise EarmarkError(f"--format {args.format} writes a file per audio file: give --out "
                           "FOLDER")
    if args.measure and args.format not in MEASURED_FORMATS:
        raise EarmarkError(f"--measure adds columns to --format {', '.join(MEASURED_FORMATS)} "
                           f"only, not {args.format}")
    if args.channel is not None and not args.measure:
        raise EarmarkError("--channel goes with --measure: the channel regions are measured on")
    channel = chosen_channel(args)
    check_out(args.out, folder=args.format in PER_FILE_FORMATS)  # before measuring a night
    what = {"labels": "rows", "edgeimpulse": "files", LS_CLIPS: "tasks"}.get(args.format,
                                                                            "regions")
    with _open_scanned(args) as project:
        measured = _measured(project, channel) if args.measure else None

        def write(out):
            if args.format == "labels":
                return export_csv(project, out)
            if args.format == "edgeimpulse":
                return export_edge_impulse(project, out)
            if args.format == LS_CLIPS:
                return export_label_studio(project, out)
            return export_regions(project, args.format, out, measured)

        if args.out:
            n = write(args.out)
            print(f"earmark: wrote {n} {what} to {args.out}", file=sys.stderr)
            note = unreviewed_note(project, args.format) if what == "regions" else ""
            if note:
                print(f"earmark: {note}", file=sys.stderr)
            if args.format == "aoef":
                print(f"earmark: and its recordings' dataset to {aoef_dataset_path(args.out)}: "
                      "Whombat imports the dataset first, then the project", file=sys.stderr)
        else:
            write(sys.stdout)
            sys.stdout.flush()
    return 0


def _measured(project, channel: int | None):
    """Every region measured from its recording (on ``channel``, from 0, where it has it; else
    the mix), with a line on stderr for each file that could not be read (its regions keep
    empty measurement cells)."""
    from core.store.region_export import measure_regions

    measured = measure_regions(project, channel=channel)
    for line in measured.unreadable:
        print(f"earmark: warning: not measured: {line}", file=sys.stderr)
    return measured


@_expected_errors
def _handle_import(args: argparse.Namespace) -> int:
    from core.store.label_io import apply_labels_plan, import_csv, plan_labels_import
    from core.store.region_io import import_facts, moments_text, plan_regions_files

    facts = {path: import_facts(path) for path in args.files}
    kinds = {path: fact.kind for path, fact in facts.items()}
    if args.audio and len(args.files) > 1:
        raise EarmarkError("--audio names the audio file of one FILE: import the others apart")
    if "labels" in kinds.values() and len(args.files) > 1:
        label_csv = next(path for path, kind in kinds.items() if kind == "labels")
        raise EarmarkError(f"{label_csv} holds labels of whole clips: import it on its own")
    if "labels" not in kinds.values():
        with _open_scanned(args, changing="import them") as project:
            plan = plan_regions_files(project, [(path, args.audio) for path in args.files])
            # A Label Studio export's choices of whole clips, beside its spans, an info.labels's
            # samples labelled whole beside those labelled in spans, an AOEF document's tags of
            # whole clips: clip labels, each file's checked before anything is written.
            labels_plans = {path: plan_labels_import(project, path) for path in args.files
                            if facts[path].clip_labels_too}
            records, changed = project.import_regions(plan.specs, plan.updates)
            chosen = {path: apply_labels_plan(project, labels_plan)
                      for path, labels_plan in labels_plans.items()}
        source = (f"{args.files[0]} ({kinds[args.files[0]]})" if len(args.files) == 1 else
                  f"{len(args.files)} files ({', '.join(sorted(set(kinds.values())))})")
        known = f" ({plan.known} already in the project left out)" if plan.known else ""
        if changed:
            known += f"; {len(changed)} changed, as edited there"
        if plan.moments:
            known += f"; {moments_text(plan.moments)}"
        print(f"earmark: {len(records)} regions imported from {source}{known}", file=sys.stderr)
        for path, result in chosen.items():
            _say_labels_import(path, result, args.folder)
        return 0
    with _open_scanned(args, changing="import them") as project:
        result = import_csv(project, args.files[0])
    _say_labels_import(args.files[0], result, args.folder)
    return 0


@_expected_errors
def _handle_history(args: argparse.Namespace) -> int:
    from core.store.label_io import export_history

    with _open_scanned(args) as project:
        rows = export_history(project, args.out or sys.stdout, args.files)
    if args.out:
        print(f"earmark: wrote {rows} label changes to {args.out}", file=sys.stderr)
    return 0


def _say_labels_import(path: str, result, folder: str) -> None:
    for rel in result.unknown_paths:
        print(f"earmark: not in {folder}: {rel}", file=sys.stderr)
    for conflict in result.conflicts:
        print(f"earmark: labelled twice in {path}, the last row kept: {conflict}", file=sys.stderr)
    print(f"earmark: {result.updated} labels set, {result.unchanged} already so, "
          f"{len(result.unknown_paths)} unknown paths (clip labels from {path})", file=sys.stderr)


def _clip_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of clips: {text!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"a number of clips is 0 or more, not {count}")
    return count


@_expected_errors
def _handle_export_clips(args: argparse.Namespace) -> int:
    from core.store.region_clips import export_region_clips
    from core.workflow import background_clip_windows

    with _open_scanned(args) as project:
        name, windows = background_clip_windows(project, args.min_length_s, args.background)
        result = export_region_clips(project, args.dest, args.min_length_s, windows, name)
    for target in result.skipped_existing:
        print(f"earmark: skipped {target}: already there", file=sys.stderr)
    for path, reason in result.failed:
        print(f"earmark: could not cut {path}: {reason}", file=sys.stderr)
    print(f"earmark: {len(result.written)} clips written ({result.background} background), "
          f"{len(result.skipped_existing)} skipped "
          f"(already there), {len(result.failed)} failed, {result.unlabelled} unlabelled regions "
          "left out", file=sys.stderr)
    return 1 if result.failed else 0


@_expected_errors
def _handle_export_folders(args: argparse.Namespace) -> int:
    from core.store.label_io import export_folders

    with _open_scanned(args, changing="move them" if args.move and not args.dry_run
                       else None) as project:
        result = export_folders(project, args.dest, move=args.move, dry_run=args.dry_run)
    verb = "move" if args.move else "copy"
    for source, target in result.done:
        if args.dry_run:
            print(f"would {verb} {source} -> {target}")
    for source, target in result.skipped_existing:
        print(f"earmark: skipped {source}: {target} already exists", file=sys.stderr)
    for source, reason in result.failed:
        print(f"earmark: could not {verb} {source}: {reason}", file=sys.stderr)
    done = "would be " + ("moved" if args.move else "copied") if args.dry_run else (
        "moved" if args.move else "copied")
    print(f"earmark: {len(result.done)} files {done}, {len(result.skipped_existing)} skipped "
          f"(already there), {len(result.failed)} failed, {result.unlabeled} unlabeled left out",
          file=sys.stderr)
    return 1 if result.failed else 0


__all__ = ["register", "say_name_rule"]
