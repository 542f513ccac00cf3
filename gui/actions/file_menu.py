"""File menu: open a folder (or a recent one, or the last one at start), rescan, labels in and out
as CSV or class folders, regions in and out as the files Raven Pro, Audacity, AviaNZ, Label Studio,
Whombat, Sonic Visualiser and BirdNET read or write, the clip view as a PNG or PDF figure, and
clips recorded from the microphone; regions cut into clips (gui.actions.region_clips)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QStyle

from core.audio.recording import save_new_take
from core.errors import AudioError, os_reason
from core.store import label_io, label_rules, region_export, region_io
from core.store.added_files import adding_refused
from core.store.label_rules import safe_folder_name
from core.store.region_known import RegionsPlan
from core.store.store_place import folder_read_only
from core.words import counted
from gui.actions import region_clips
from gui.clips.commands import ImportLabelsCommand
from gui.clips.record_dialog import RecordDialog
from gui.clips.region_commands import ImportRegionsCommand
from gui.clips.view_image import IMAGE_FILTERS, default_image_name, save_view_image
from gui.common import settings as keys
from gui.common.multimedia import input_by_key
from gui.common.tasks import FunctionWorker, ProjectWorker


def build(acts, w) -> None:
    """Create the File actions on ``acts`` and add the File menu to window ``w``."""
    icon, SP = w.style().standardIcon, QStyle.StandardPixmap
    acts.open_folder = acts.action("&Open Folder…", lambda: _on_open_folder(w),
                                   QKeySequence.StandardKey.Open, icon(SP.SP_DirOpenIcon))
    acts.open_folder.setIconText("Open")
    w.welcome.open_folder_clicked.connect(acts.open_folder.trigger)
    acts.recent_menu = recent = QMenu("Open &Recent", w)
    acts.reopen_last = acts.action("Reopen &Last Folder at Start", None)
    acts.reopen_last.setCheckable(True)
    acts.reopen_last.setChecked(keys.read(w.settings, keys.REOPEN_LAST_FOLDER))
    acts.reopen_last.toggled.connect(
        lambda on: keys.write(w.settings, keys.REOPEN_LAST_FOLDER, on))
    acts.rescan = acts.action("Re&scan Folder", w.rescan, "F5", icon(SP.SP_BrowserReload),
                              project=True)
    acts.rescan.setIconText("Rescan")
    acts.import_csv = acts.action("&Import Labels or Regions…", lambda: _on_import_csv(w),
                                  project=True)
    acts.import_avianz = acts.action("Import &AviaNZ Files Beside the Recordings",
                                     lambda: _on_import_avianz(w), project=True)
    acts.export_csv = acts.action("&Export Labels CSV…", lambda: _on_export_csv(w), project=True)
    acts.export_edge_impulse = acts.action("Export Labels for E&dge Impulse…",
                                           lambda: _on_export_edge_impulse(w), project=True)
    acts.export_label_studio = acts.action("Export Labels for La&bel Studio…",
                                           lambda: _on_export_label_studio(w), project=True)
    acts.export_regions = acts.action("Export Re&gions…", lambda: _on_export_regions(w),
                                      project=True)
    acts.export_folders = acts.action("Export into Class &Folders…",
                                      lambda: _on_export_folders(w), project=True)
    acts.export_image = acts.action("Export View as I&mage…", lambda: _on_export_image(w),
                                    project=True)
    acts.export_image.setToolTip("Save the clip view as shown (zoom, frequency range, regions) "
                                 "as a figure: a PNG at twice the screen's resolution, or a "
                                 "PDF with vector axes, text, waveform and regions")
    acts.record = acts.action("Record &Clips…", lambda: _on_record(w), "Ctrl+R", project=True)
    live = w.model_dock.classify.live
    live.keep_requested.connect(
        lambda samples, rate_hz, label: _keep_live_clip(w, samples, rate_hz, label))
    # Listen Live hears the microphone Record Clips last chose (the default when it is gone).
    live.recorder.set_device(input_by_key(str(keys.read(w.settings, keys.RECORD_TAKE)
                                              .get("microphone") or "")))
    acts.record.setToolTip("Record takes from the microphone straight into a class")
    acts.quit = acts.action("&Quit", w.close, QKeySequence.StandardKey.Quit)
    acts.quit.setMenuRole(QAction.MenuRole.QuitRole)
    menu = w.menuBar().addMenu("&File")
    menu.addAction(acts.open_folder)
    menu.addMenu(recent)
    menu.addAction(acts.reopen_last)
    menu.addAction(acts.rescan)
    menu.addAction(acts.record)
    menu.addSeparator()
    for action in (acts.import_csv, acts.import_avianz, acts.export_csv,
                   acts.export_edge_impulse, acts.export_label_studio, acts.export_regions,
                   acts.export_folders):
        menu.addAction(action)
    menu.addAction(acts.export_image)
    menu.addSeparator()
    menu.addAction(acts.quit)


def rebuild_recent(acts, w) -> None:
    """Fill Open Recent from the settings."""
    acts.recent_menu.clear()
    recent = keys.read(w.settings, keys.RECENT_FOLDERS)
    for folder in recent:
        action = acts.recent_menu.addAction(folder)
        action.triggered.connect(lambda _=False, f=folder: w.open_folder(f))
    if not recent:
        acts.recent_menu.addAction("No recent folders").setEnabled(False)


def reopen_last_folder(w) -> bool:
    """At start, with no folder asked for: open the most recent folder when the setting says so.
    A folder that is gone (moved, unplugged) leaves the welcome page, and a message names it.
    Returns whether a folder was opened."""
    recent = keys.read(w.settings, keys.RECENT_FOLDERS)
    if not recent or not keys.read(w.settings, keys.REOPEN_LAST_FOLDER):
        return False
    folder = Path(recent[0])
    if not folder.is_dir():
        w.show_message(f"The last folder, {folder}, is not there any more (moved, renamed or "
                       "unplugged). Open it from File > Open Recent once it is back, or open "
                       "another.", "warning")
        return False
    return w.open_folder(folder)


def _on_open_folder(w) -> None:
    start = str(w.folder or Path.home())
    folder = QFileDialog.getExistingDirectory(w, "Open a folder of audio clips", start)
    if folder:
        w.open_folder(folder)


def _on_import_csv(w) -> None:
    """Import Labels or Regions: a path,label CSV, Edge Impulse's info.labels of whole samples
    or a Label Studio export of whole-clip choices sets clip labels; a CSV with times, a Raven
    selection table, an Audacity label track, an AviaNZ .data file, a Label Studio export of
    spans, a Whombat (AOEF) file, a Sonic Visualiser layer (.svl or .csv) or session, or Edge
    Impulse's labels of multi-label samples adds regions, and any number of region files (a
    night's AviaNZ files) add theirs as one import. Either is one undo step. What each file is,
    is read on a background task (a night's files take a moment); the person is then asked for
    the audio of those that name none."""
    paths, _ = QFileDialog.getOpenFileNames(
        w, "Import labels or regions", str(w.folder),
        "Labels or regions (*.csv *.txt *.tsv *.data *.json *.labels *.svl *.sv);;All files (*)")
    if not paths:
        return
    w.acts.task("read import files").start(
        FunctionWorker(lambda _task: {path: region_io.import_facts(path) for path in paths}),
        finished=lambda kinds: _import_chosen(w, paths, kinds),
        failed=lambda reason: w.labels.report_error(f"Could not import {reason}"))


def _import_chosen(w, paths: list[str], kinds: dict[str, region_io.ImportFacts]) -> None:
    """Labels from a labels file chosen alone, or regions from region files, each a file's
    audio asked for where it names none."""
    labels = [path for path in paths if kinds[path].kind == "labels"]
    if labels and len(paths) > 1:
        w.labels.report_error(f"{Path(labels[0]).name} holds labels of whole clips: import it "
                              "on its own (several files at once must all hold regions)")
        return
    if labels:
        _import_labels(w, labels[0])
        return
    files = []
    for path in paths:
        audio = _ask_audio(w, path) if kinds[path].needs_audio else None
        if kinds[path].needs_audio and audio is None:
            return
        files.append((path, audio))
    _import_regions(w, files, [path for path in paths if kinds[path].clip_labels_too])


def _import_labels(w, path: str) -> None:
    """Read a labels file and find its rows' clips on a background task (a file on a slow share,
    a Label Studio export of thousands of tasks), then set the labels as one undo step."""
    # A task of its own for each file: a second import, chosen while the first is read, waits
    # neither for it nor drops it.
    w.acts.task(f"import labels {path}").start(
        ProjectWorker(w.project, lambda project, _task: label_io.plan_labels_import(project, path)),
        finished=_while_open(w, f"Labels from {Path(path).name}", lambda plan: w.undo_stack.push(
            ImportLabelsCommand(w.project, plan, lambda: w.labels.classes_edited(True),
                                on_imported=lambda result: _report_import(w, path, result),
                                on_error=w.labels.report_error))),
        failed=lambda reason: w.labels.report_error(
            f"Could not import labels from {Path(path).name}: {reason}"))


def _on_import_avianz(w) -> None:
    """Every AviaNZ file beside the folder's recordings (rec.wav.data by rec.wav), as one import."""
    _import_regions(w, None)


def _import_regions(w, files: list[tuple] | None, with_labels: list[str] = ()) -> None:
    """Read and check the regions of ``files`` ((path, audio); None: every AviaNZ file beside the
    recordings) on a background task (a night's files take a second), then add them, and the
    clip labels of those ``with_labels`` (a Label Studio export's choices of whole clips), as
    one undo step."""
    source = _source_text([path for path, _ in files]) if files else "the AviaNZ files"

    def plan(project, _task) -> tuple[list, list, list]:
        found = files if files is not None else region_io.avianz_files_beside(project)
        return (found, region_io.plan_regions_files(project, found),
                [label_io.plan_labels_import(project, path) for path in with_labels])

    w.acts.task(f"import regions {source}").start(  # a second import leaves the first be
        ProjectWorker(w.project, plan),
        finished=_while_open(w, f"Regions from {source}",
                             lambda result: _push_regions_import(w, *result)),
        failed=lambda reason: w.labels.report_error(
            f"Could not import regions from {source}: {reason}"))


def _while_open(w, what: str, handler):
    """``handler`` for a task's result, run only while the folder it was read for is still
    open: a result names that folder's clips by their ids, which another folder's clips
    share."""
    project = w.project

    def run(result) -> None:
        if w.project is project:
            handler(result)
        else:
            w.show_message(f"{what} were not imported: another folder was opened while they "
                           "were read.", "info")
    return run


def _source_text(paths: list) -> str:
    """Files by their name (one) or number (several), for messages and the undo menu."""
    return Path(paths[0]).name if len(paths) == 1 else f"{len(paths):,} files"


def _push_regions_import(w, files: list[tuple], plan: RegionsPlan,
                         with_labels: list = ()) -> None:
    """Add the regions planned from ``files``, and the clip labels planned from some of them
    (``with_labels``: Label Studio exports' choices of whole clips), as one undo step, reported
    once."""
    if not files:
        w.show_message("No AviaNZ .data file lies beside this folder's recordings (AviaNZ keeps "
                       "rec.wav's segments in rec.wav.data).", "info")
        return
    source = _source_text([path for path, _ in files])
    first: list[bool] = []
    said: list[tuple[str, int]] = []  # what each part imported, and how much

    def on_done(added: list, changed: list) -> None:
        if not first:  # the import itself, not a later undo or redo
            first.append(True)
            said.append((_regions_report(source, len(files), added, plan.known,
                                         plan.moments, len(changed)),
                         len(added) + len(changed)))
        w.labels.classes_edited(False)  # new classes; the regions on show
        w.labels.refresh_region_counts()

    if with_labels:  # both: one undo step
        w.undo_stack.beginMacro(f"Import regions and labels from {source}")
    w.undo_stack.push(ImportRegionsCommand(w.project, plan.specs, source, on_done,
                                           on_error=w.labels.report_error,
                                           updates=plan.updates))
    for labels_plan in with_labels:
        w.undo_stack.push(ImportLabelsCommand(
            w.project, labels_plan, lambda: w.labels.classes_edited(True),
            on_imported=lambda result, name=labels_plan.source: said.append((
                f"{name}'s choices of whole clips labelled {result.updated:,} "
                f"clip{'s' if result.updated != 1 else ''}"
                + (f" ({len(result.unknown_paths):,} name no clip here)"
                   if result.unknown_paths else "") + ".", result.updated)),
            on_error=w.labels.report_error))
    if with_labels:
        w.undo_stack.endMacro()
    if said:
        undo = " Ctrl+Z undoes the import." if any(n for _, n in said) else ""
        w.show_message(" ".join(text for text, _ in said) + undo, "info")


def _ask_audio(w, path: str) -> str | None:
    """The clip an Audacity label track (or a Raven table or BirdNET CSV naming no file, an
    AviaNZ file not named after one, a Sonic Visualiser layer) belongs to, chosen by the person,
    the clip on show first; None when they cancel."""
    paths = [c.path for c in w.project.clips()]
    if not paths:
        w.show_message("This folder holds no audio files to put the regions on.", "warning")
        return None
    shown = w.clip_view.path
    current = w.project.relpath(shown) if shown is not None else None
    choice, ok = QInputDialog.getItem(
        w, "Which audio file?",
        f"{Path(path).name} does not say which audio file its regions belong to. Which is it?",
        paths, paths.index(current) if current in paths else 0, False)
    return choice if ok and choice else None


def _regions_report(source: str, n_files: int, records: list, known: int,
                    moments: int = 0, changed: int = 0) -> str:
    hold = f"hold{'s' if n_files == 1 else ''}"
    edited = (f"{changed:,} region{'s' if changed != 1 else ''} changed as {source} "
              f"{'has' if n_files == 1 else 'have'} {'it' if changed == 1 else 'them'}")
    left = f"; {known:,} already here {'was' if known == 1 else 'were'} left out" if known else ""
    if not records:
        if changed:
            return f"{edited}{left}."
        if known:
            return (f"Every region {source} {hold} is here already ({known:,}): nothing was "
                    "imported.")
        return f"{source} {hold} no regions: nothing was imported."
    n_clips = len({r.clip_id for r in records})
    return (f"Imported {len(records):,} region{'s' if len(records) != 1 else ''} from {source} "
            f"onto {n_clips:,} recording{'s' if n_clips != 1 else ''}"
            + (f"; {edited}" if changed else "") + left
            + (f"; {region_io.moments_text(moments)}." if moments else "."))


def _report_import(w, path: str, result: label_io.ImportResult) -> None:
    text = f"Imported labels from {Path(path).name}: {result.updated:,} changed"
    if result.unknown_paths:
        text += f", {len(result.unknown_paths):,} rows name no clip in this folder"
    if result.conflicts:
        n = len(result.conflicts)
        text += (f"; {n:,} file{'s are' if n != 1 else ' is'} given two labels, the last row "
                 f"kept ({'; '.join(result.conflicts[:3])}{'; …' if n > 3 else ''})")
    w.show_message(text + (". Ctrl+Z undoes the import." if result.updated else "."),
                   "warning" if result.conflicts else "info")


def _on_export_csv(w) -> None:
    def said(path: str, n: int) -> None:
        # A row for every clip, an unlabelled one's label empty: "181 labels" for 67 was wrong.
        labelled = sum(k for label, k in w.project.label_counts().items() if label is not None)
        w.statusBar().showMessage(f"Exported {labelled:,} label{'s' if labelled != 1 else ''} "
                                  f"to {path} (a row for each of {n:,} clips)", 8000)

    _save_labels(w, "labels.csv", "Export labels", "CSV files (*.csv)", label_io.export_csv, said)


def _on_export_edge_impulse(w) -> None:
    """Edge Impulse's info.labels, at the folder's root by default, where its uploader reads it
    beside the audio."""
    def said(path: str, n: int) -> None:
        where = ("upload the folder with Edge Impulse's uploader, which reads them there" if
                 Path(path).parent == Path(w.folder) else "their paths are relative to this "
                 "folder")
        w.show_message(f"Wrote the labels of {n:,} files to {path}: {where}.", "info")

    _save_labels(w, label_rules.EDGE_IMPULSE_NAME, "Export labels for Edge Impulse",
                 "Edge Impulse labels (info.labels);;All files (*)", label_io.export_edge_impulse,
                 said)


def _on_export_label_studio(w) -> None:
    """Label Studio's audio classification tasks: each clip's label as its annotation, the
    active model's answer for an unlabelled one as its prediction."""
    _save_labels(w, "labels.label-studio.json", "Export labels for Label Studio",
                 "Label Studio JSON (*.json);;All files (*)", label_io.export_label_studio,
                 lambda path, n: w.show_message(
                     f"Wrote {n:,} tasks to {path}: import it into a Label Studio project whose "
                     "config has <Audio name=\"audio\" value=\"$audio\"/> and <Choices "
                     "name=\"class\" toName=\"audio\">, started with "
                     "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true and "
                     f"LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT={Path(w.folder).parent}, "
                     f"and {w.folder} added as Local Files storage (not synced).", "info"))


def _save_labels(w, name: str, title: str, kind: str, write, said) -> None:
    """Ask where to write a labels file (``name`` in the folder offered first), write it with
    ``write(project, path)`` on a background task (20,000 clips' Label Studio tasks take about
    half a second) and hand ``said(path, how many)`` the outcome; a failure is said."""
    path, _ = QFileDialog.getSaveFileName(w, title, str(Path(w.folder) / name), kind)
    if not path:
        return
    w.acts.task(f"export labels {path}").start(
        ProjectWorker(w.project, lambda project, _task: write(project, path)),
        finished=lambda n: said(path, n),
        failed=lambda reason: w.show_message(f"Could not export to {path}: {reason}", "error"))


#: Export Regions' choices: what a person reads, the format's name in core.store.region_export
#: and whether each region's measurements go with it.
REGION_EXPORTS = {
    "Raven Pro selection table (one .txt for all the files, as a sequence)": ("raven", False),
    "Raven Pro selection table with measurements (peak, centre, 90% band and duration…)":
        ("raven", True),
    "Raven Pro selection tables, one for each audio file (times within the file, in a folder)":
        ("ravenfiles", False),
    "Raven Pro selection tables for each audio file, with measurements": ("ravenfiles", True),
    "Audacity label tracks (a .txt for each audio file, in a folder)": ("audacity", False),
    "CSV (path, begin_s, end_s, band, label, score, clock time, channel)": ("csv", False),
    "CSV with measurements (peak_freq_hz, center_freq_hz, dur_90_s…)": ("csv", True),
    "AviaNZ .data files (one beside each audio file, in a folder)": ("avianz", False),
    "Label Studio JSON (a task for each audio file, served as its local files)": ("labelstudio", False),
    "Whombat annotation project (AOEF JSON)": ("aoef", False),
    "Sonic Visualiser layers (an .svl for each audio file, in a folder)": ("sonicvisualiser", False),
    "Summary CSV (a row per recording and label: regions, events to review, seconds)":
        ("summary", False),
    region_clips.CHOICE: ("clips", False),
}
#: The formats written as one file: the name offered and the file dialog's filter.
_ONE_FILE = {"raven": ("regions.selections.txt", "Raven selection table (*.txt)"),
             "csv": ("regions.csv", "CSV files (*.csv)"),
             "labelstudio": ("regions.label-studio.json", "Label Studio JSON (*.json)"),
             "aoef": ("regions.aoef.json", "AOEF JSON (*.json)"),
             "summary": ("regions.summary.csv", "CSV files (*.csv)")}


def _on_export_regions(w) -> None:
    if not w.project.region_counts():
        w.show_message("No regions to export yet: drag on the spectrogram to mark one.", "info")
        return
    choice, ok = QInputDialog.getItem(w, "Export regions", "Format:", list(REGION_EXPORTS), 0,
                                      False)
    if not ok:
        return
    fmt, measure = REGION_EXPORTS[choice]
    if fmt == "clips":
        region_clips.export_region_clips(w)
        return
    if fmt in ("ravenfiles", "audacity", "sonicvisualiser"):
        what = {"ravenfiles": "a selection table", "audacity": "a label track"}.get(
            fmt, "an annotation layer")
        out = QFileDialog.getExistingDirectory(
            w, f"Write {what} for each audio file under…", str(Path(w.folder).parent))
    elif fmt == "avianz":  # AviaNZ reads rec.wav.data beside rec.wav: the folder itself first
        out = QFileDialog.getExistingDirectory(
            w, "Write a .data file for each audio file under…", str(w.folder))
    else:
        name, kind = _ONE_FILE[fmt]
        if measure:
            name = name.replace("regions.", "regions.measured.", 1)
        out, _ = QFileDialog.getSaveFileName(w, "Export regions", str(Path(w.folder) / name), kind)
    if not out:
        return

    # Measured on the channel the spectrogram shows, where a recording has it (Raven's Channel).
    channel = w.clip_view.spectrogram_settings().channel

    def export(project, task) -> tuple[int, list[str], str] | None:
        measured = None
        if measure:  # each region's seconds read from its recording: the slow part
            measured = region_export.measure_regions(
                project, task.should_stop, lambda done, total: task.report_progress((done, total)),
                channel)
            if measured.stopped:
                return None
        n = region_export.export_regions(project, fmt, out, measured)
        return n, measured.unreadable if measured else [], region_export.unreviewed_note(project, fmt)

    def progress(done_total: tuple[int, int]) -> None:
        w.statusBar().showMessage(f"Measuring regions: {done_total[0]:,} of {done_total[1]:,}…")

    def finished(result: tuple[int, list[str], str] | None) -> None:
        if result is None:
            return
        n, unreadable, note = result  # note: what became of the events nobody has reviewed
        said = f"Exported {counted(n, 'region')} to {out}" + (f"; {note}" if note else "")
        w.statusBar().showMessage(said, 8000)
        if fmt == "aoef":  # Whombat finds a project's recordings only in a dataset it holds
            w.show_message(f"{said}. In Whombat, import the dataset "
                           f"{region_export.aoef_dataset_path(Path(out)).name} beside it first "
                           "(its audio folder: this project's folder), then the annotation "
                           "project.", "info")
        elif note:
            w.show_message(f"{said}.", "info")
        if unreadable:
            more = f"\n…and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
            w.show_message(f"{said}; the regions of {counted(len(unreadable), 'recording')} "
                           "have no measurements, since they could not be read:\n"
                           + "\n".join(unreadable[:5]) + more, "warning")

    if measure:
        w.statusBar().showMessage("Measuring regions…")
    # Thousands of regions, or a label track per file, take a moment: written off the GUI thread.
    w.acts.task("export regions").start(
        ProjectWorker(w.project, export), progress=progress, finished=finished,
        failed=lambda reason: w.show_message(f"Could not export to {out}: {reason}", "error"))


def _on_export_image(w) -> None:
    view = w.clip_view
    if view.data is None:
        w.show_message("Select a clip first: Export View as Image draws the clip view as it is "
                       "shown.", "info")
        return
    # The project folder may be read-only (a shared data set): then the home folder is offered.
    where = Path.home() if folder_read_only(Path(w.folder)) else Path(w.folder)
    name = default_image_name(view.data.path, *view.view_range(), view.data.channel)
    path, chosen = QFileDialog.getSaveFileName(w, "Export view as image", str(where / name),
                                               IMAGE_FILTERS)
    if not path:
        return
    if not Path(path).suffix:
        path += ".pdf" if "pdf" in chosen else ".png"
    try:
        saved = save_view_image(view, path)
    except (ValueError, OSError) as error:
        w.show_message(f"Could not export the view to {path}: {os_reason(error)}", "error")
        return
    w.statusBar().showMessage(f"Saved the view to {saved}", 8000)


def _on_record(w) -> None:
    """Record takes into classes; each one is added to the project as the window adds files,
    one undo step a take, which Discard Last Take undoes while it is the window's last step."""
    if refused := adding_refused(w.project.folder):  # said before a take is made, not after
        w.show_message(f"Cannot record into this project: {refused}.", "info")
        return
    added = []  # each take's AddFilesCommand

    def take(path: Path, label: str) -> None:
        added.append(w.model_dock.add_files([(path, label)], "manual"))

    def discard() -> bool:
        stack = w.undo_stack
        if not added or added[-1] is None or stack.index() == 0 \
                or stack.command(stack.index() - 1) is not added[-1]:
            return False
        added.pop()
        stack.undo()
        return True

    dialog = RecordDialog(w.labels.class_names, w.acts.scratch(), take, parent=w,
                          last=keys.read(w.settings, keys.RECORD_TAKE), on_discard=discard)
    dialog.exec()
    keys.write(w.settings, keys.RECORD_TAKE, dialog.choice())  # the next session starts there
    w.model_dock.classify.live.recorder.set_device(dialog.recorder.device)
    dialog.deleteLater()  # with its recorder: the microphone is let go


def _keep_live_clip(w, samples, rate_hz: int, label: str) -> None:
    """Listen Live's latest sound kept as a clip of ``label``: saved as a take is, and added to
    the project as one (one undo step)."""
    if w.project is None:
        w.show_message("Open a folder first: a kept clip is copied into it.", "info")
        return
    if refused := adding_refused(w.project.folder):
        w.show_message(f"Cannot keep the clip: {refused}.", "info")
        return
    try:
        path = save_new_take(samples, rate_hz, w.acts.scratch(),
                             f"{safe_folder_name(label)}_live_{time.strftime('%Y%m%d-%H%M%S')}")
    except (AudioError, ValueError) as error:
        w.show_message(f"Could not keep the clip: {error}", "error")
        return
    w.model_dock.add_files([(path, label)], "manual")


def _on_export_folders(w) -> None:
    dest = QFileDialog.getExistingDirectory(w, "Copy labelled clips into class folders under…",
                                            str(Path(w.folder).parent))
    if not dest:
        return
    # Copying every labelled clip takes a while: done in the background on its own Project.
    w.statusBar().showMessage(f"Copying labelled clips into class folders under {dest}…")
    w.acts.task("export").start(
        ProjectWorker(w.project, lambda project, _task: label_io.export_folders(project, dest)),
        finished=lambda result: _report_export(w, dest, result),
        failed=lambda reason: w.show_message(f"Could not export to {dest}: {reason}", "error"))


def _report_export(w, dest: str, result: label_io.FolderExportResult) -> None:
    text = f"Copied {len(result.done):,} clips into class folders under {dest}"
    if result.skipped_existing:
        text += f"; {len(result.skipped_existing):,} already there were left alone"
    if result.failed:
        text += f"; {len(result.failed):,} failed ({result.failed[0][1]})"
    w.show_message(text + ".", "warning" if result.failed else "info")
