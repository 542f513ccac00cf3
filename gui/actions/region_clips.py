"""Export Regions as clips: each labelled region cut out of its recording into a class folder,
with clips of the unmarked stretches as the background class (core.store.region_clips,
core.workflow.background_clip_windows), on a background task that reports its progress and can be
cancelled with the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from core import workflow
from core.store import region_clips
from gui.common import settings as keys
from gui.common.tasks import ProjectWorker

#: Export Regions' choice that leads here.
#: "Clips in class folders" read as File > Export into Class Folders, which copies whole clips.
CHOICE = ("Regions cut into clips, in class folders (a WAV per labelled region, and background; "
          "for BirdNET or Edge Impulse training)")


def export_region_clips(w) -> None:
    """Ask where and how long, then cut the clips off the GUI thread and say what was done."""
    dest = QFileDialog.getExistingDirectory(
        w, "Write a class folder of clips for each label under…", str(Path(w.folder).parent))
    if not dest:
        return
    least_s, ok = QInputDialog.getDouble(
        w, "Export regions as clips",
        "Each clip at least (seconds):\n\nA shorter region is cut that long around its middle,\n"
        "with its recording's sound around it. BirdNET takes 3 s;\n0 cuts each region alone.",
        keys.read(w.settings, keys.CLIP_MIN_LENGTH_S), 0.0, region_clips.MAX_MIN_LENGTH_S, 2)
    if not ok:
        return
    keys.write(w.settings, keys.CLIP_MIN_LENGTH_S, least_s)

    def cut(project, task) -> region_clips.RegionClipsResult:
        # As many background clips as the commonest class has regions, from the unmarked
        # stretches: the negative class BirdNET's custom training asks for.
        name, windows = workflow.background_clip_windows(project, least_s)
        return region_clips.export_region_clips(
            project, dest, least_s, windows, name, task.should_stop,
            lambda done, total: task.report_progress((done, total)))

    def progress(done_total: tuple[int, int]) -> None:
        w.statusBar().showMessage(f"Cutting regions into clips: {done_total[0]:,} of "
                                  f"{done_total[1]:,}…")

    w.statusBar().showMessage(f"Cutting regions into clips under {dest}…")
    w.acts.task("export region clips").start(
        ProjectWorker(w.project, cut), progress=progress,
        finished=lambda result: _report(w, dest, result),
        failed=lambda reason: w.show_message(f"Could not export clips to {dest}: {reason}",
                                             "error"))


def _report(w, dest: str, result: region_clips.RegionClipsResult) -> None:
    if result.stopped:
        return
    text = f"Wrote {len(result.written):,} clips into class folders under {dest}"
    if result.background:
        text += f" ({result.background:,} of the unmarked stretches, in {result.background_folder})"
    if result.skipped_existing:
        text += f"; {len(result.skipped_existing):,} already there were left alone"
    if result.unlabelled:
        text += f"; {result.unlabelled:,} unlabelled regions were left out"
    if result.failed:
        listed = "\n".join(f"{path}: {reason}" for path, reason in result.failed[:5])
        more = f"\n…and {len(result.failed) - 5} more" if len(result.failed) > 5 else ""
        text += f". These recordings could not be read:\n{listed}{more}"
    w.statusBar().showMessage(f"Wrote {len(result.written):,} clips under {dest}", 8000)
    w.show_message(text if result.failed else text + ".",
                   "warning" if result.failed else "info")
