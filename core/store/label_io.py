"""Labels in and out of a project: CSV export/import, Edge Impulse's info.labels export/import and
export into class folders.

CSV format: header ``path,label``; paths relative to the project folder with ``/`` separators;
an empty label means unlabeled. Export writes UTF-8; import reads what
:func:`core.store.label_rules.read_labels_file` reads (a CSV in UTF-8 with or without a BOM,
UTF-16, Windows code page 1252 or latin-1; or Edge Impulse's info.labels).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TextIO

from core.errors import EarmarkError, os_reason
from core.paths import natural_key, write_text_atomic
from core.store.label_rules import read_labels_file, safe_folder_name, two_labels
from core.store.project import Project
from core.store.region_io import clip_index, find_clip, json_clip_labels
from core.store.region_json import label_studio_clip_tasks

HEADER = ("path", "label")


@dataclass(frozen=True)
class ImportResult:
    updated: int  # clips whose label changed
    unchanged: int  # rows naming a clip that already carries that label (source kept)
    unknown_paths: list[str] = field(default_factory=list)  # rows naming no clip in the folder
    conflicts: list[str] = field(default_factory=list)  # LabelsPlan.conflicts
    # What the import did and what it replaced, so it can be undone (Project.restore_labels) and
    # redone (Project.apply_labels with source "csv") without reading the file again.
    changes: dict[int, str] = field(default_factory=dict)  # clip id -> label set
    previous: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class FolderExportResult:
    done: list[tuple[Path, Path]]  # (source, destination) copied or moved (or planned, dry run)
    skipped_existing: list[tuple[Path, Path]]  # destination already there: never overwritten
    unlabeled: int  # clips left out because they have no label
    failed: list[tuple[Path, str]] = field(default_factory=list)  # (source, reason)
    dry_run: bool = False
    moved: bool = False


# ------------------------------------------------------------------------ export CSV


def export_csv(project: Project, out: str | Path | TextIO, include_missing: bool = False) -> int:
    """Write ``path,label`` for every clip (in the window's order, see ``_listed``); returns the
    number of rows.

    A path is written atomically (temporary file, fsync, rename), so an interrupted export never
    leaves half a file in place of a good one.
    """
    rows = [(c.path, c.label or "") for c in _listed(project, include_missing=include_missing)]
    buffer = io.StringIO()
    _write_rows(buffer, rows)
    _write_text(out, buffer.getvalue())
    return len(rows)


HISTORY_HEADER = ("changed_at", "path", "before", "after", "how", "source")


def export_history(project: Project, out: str | Path | TextIO,
                   paths: Sequence[str | Path] = ()) -> int:
    """Write every label change, oldest first, of the clips at ``paths`` (relative to the
    folder or absolute; none: of every clip) as a CSV of HISTORY_HEADER: its local time in ISO
    8601 with its offset, the clip's path, the label before and after (empty: none), how it
    came (:meth:`~core.store.records.LabelChange.how`) and the new label's source. Returns the
    number of rows; a path naming no clip raises EarmarkError."""
    by_path = project.clip_ids_by_path(include_missing=True)
    path_of = {clip_id: path for path, clip_id in by_path.items()}
    wanted = None
    if paths:
        rels = [project.relpath(path) for path in paths]
        unknown = [rel for rel in rels if rel not in by_path]
        if unknown:
            raise EarmarkError(f"not a clip of {project.folder}: {', '.join(unknown)}")
        wanted = {by_path[rel] for rel in rels}
    rows = [(datetime.fromtimestamp(change.changed_at).astimezone().isoformat(timespec="seconds"),
             path_of.get(change.clip_id, ""), change.old_label or "", change.new_label or "",
             change.how(), change.new_source or "")
            for change in project.label_history()
            if wanted is None or change.clip_id in wanted]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_HEADER)
    writer.writerows(rows)
    _write_text(out, buffer.getvalue())
    return len(rows)


def _listed(project: Project, include_missing: bool = False) -> list:
    """The project's clips in the window's order: by path, counting as a person does."""
    return sorted(project.clips(include_missing=include_missing),
                  key=lambda clip: natural_key(clip.path))


def _write_rows(handle: TextIO, rows: list[tuple[str, str]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)


def _write_text(out: str | Path | TextIO, text: str) -> None:
    """``text`` to a stream, or atomically to a path."""
    if isinstance(out, (str, Path)):
        write_text_atomic(Path(out), text)
    else:
        out.write(text)


# ------------------------------------------------------------------------ Edge Impulse

#: One file in TESTING_EVERY of each class goes to testing: the 80/20 split Edge Impulse's
#: uploader makes.
TESTING_EVERY = 5


def edge_impulse_categories(labels: dict[str, str | None]) -> dict[str, str]:
    """``"testing"`` or ``"training"`` for each file (``{path: label}``): of each class (and of
    the unlabelled files), one in TESTING_EVERY to testing, never the whole class, picked in the
    order of a hash of their paths: a file keeps its side while its class keeps its count, and a
    file added moves at most one other (a hash of each path alone, which no file added moves,
    put 8 of 16 files in testing, and one class's 6 of 10)."""
    by_class: dict[str | None, list[str]] = {}
    for path, label in labels.items():
        by_class.setdefault(label, []).append(path)
    sides = {}
    for paths in by_class.values():
        paths.sort(key=lambda path: (zlib.crc32(path.encode("utf-8")), path))
        testing = min(round(len(paths) / TESTING_EVERY), len(paths) - 1)
        sides.update({path: "testing" if rank < testing else "training"
                      for rank, path in enumerate(paths)})
    return sides


def _sample_names(paths: list[str]) -> dict[str, str]:
    """Each path's Edge Impulse sample name (the uploader names a sample by it), one per file:
    the stem; where stems repeat (two recorders' ARU01/20260601_220000.wav and ARU02/...) the
    folders too (ARU01_20260601_220000), and the extension where one folder holds both
    (dawn.wav and dawn.flac); a name still taken gets a number."""
    stems = Counter(PurePosixPath(path).stem for path in paths)
    names: dict[str, str] = {}
    taken: set[str] = set()
    for path in paths:
        where = PurePosixPath(path)
        name = where.stem if stems[where.stem] == 1 else "_".join((*where.parent.parts,
                                                                     where.stem))
        if name in taken and where.suffix:
            name += "_" + where.suffix[1:]
        base, n = name, 2
        while name in taken or (name != where.stem and stems[name] > 0):
            name, n = f"{base}_{n}", n + 1
        names[path] = name
        taken.add(name)
    return names


def export_edge_impulse(project: Project, out: str | Path | TextIO) -> int:
    """Write Edge Impulse's ``info.labels`` for every readable clip (in the window's order; its path
    relative to the project folder, so the file belongs at the folder's root, where Edge
    Impulse's uploader reads it beside the audio): ``{"type": "label", "label": ...}`` or
    ``{"type": "unlabeled"}``, one file in five of each class in testing
    (:func:`edge_impulse_categories`). Returns the number of files; a path is written
    atomically."""
    clips = [clip for clip in _listed(project) if not clip.error]
    sides = edge_impulse_categories({clip.path: clip.label for clip in clips})
    names = _sample_names([clip.path for clip in clips])
    files = []
    for clip in clips:
        label = {"type": "label", "label": clip.label} if clip.label else {"type": "unlabeled"}
        files.append({"path": clip.path, "name": names[clip.path], "category": sides[clip.path],
                      "label": label})
    _write_text(out, json.dumps({"version": 1, "files": files}, indent=1, ensure_ascii=False)
                + "\n")
    return len(files)


# ------------------------------------------------------------------------ Label Studio


def export_label_studio(project: Project, out: str | Path | TextIO) -> int:
    """Write a Label Studio JSON import of every readable clip, as audio classification tasks
    (:func:`core.store.region_json.label_studio_clip_tasks`): a clip's label its annotation, an
    unlabelled clip's class by the active model, where it named one (not silence or unknown),
    its prediction with its confidence. Returns the number of tasks; a path is written
    atomically."""
    model = project.active_model()
    predictions = {} if model is None else {
        clip_id: (p.label, p.confidence) for clip_id, p in project.predictions(model.id).items()
        if p.label in model.classes}
    clips = [c for c in _listed(project) if not c.error]
    _write_text(out, label_studio_clip_tasks(clips, predictions, project.folder.name))
    return len(clips)


# ------------------------------------------------------------------------ import CSV


@dataclass(frozen=True)
class LabelsPlan:
    """What a labels file says, matched to this project's clips: read on a background task,
    applied on the window's (:func:`apply_labels_plan`)."""
    source: str  # the file's name, for messages and the undo menu
    labels: dict[int, str] = field(default_factory=dict)  # clip id -> label the file gives it
    unknown_paths: list[str] = field(default_factory=list)  # rows naming no clip in the folder
    named: dict[int, str] = field(default_factory=dict)  # clip id -> the file as the row names it
    # Files two rows give different labels: "a.wav: cat, then dog" (the last row's kept).
    conflicts: list[str] = field(default_factory=list)


def plan_labels_import(project: Project, labels_path: str | Path) -> LabelsPlan:
    """Read a labels file (a ``path,label`` CSV, Edge Impulse's info.labels, or a Label Studio
    JSON export of an audio classification project) and find each row's clip.

    The file is read by :func:`core.store.label_rules.read_labels_file` (CSV: header optional;
    UTF-8 with or without BOM, UTF-16, code page 1252, latin-1; quoted names), or by
    :func:`core.store.region_json.label_studio_clip_labels` (each task's chosen class). A row's
    file is found by its path, else (a file from another folder or machine, a Label Studio
    upload known by its name) by the longest tail of it that is a path here, then by its name
    when one file here has it (:func:`core.store.region_io.find_clip`). Rows naming no clip
    present in the folder go to ``unknown_paths`` (not fatal); rows with an empty label are
    left out. Nothing is written."""
    conflicts: list[str] = []
    rows = _label_rows(Path(labels_path), conflicts)
    by_path, by_name = clip_index(project, include_missing=False)
    labels: dict[int, str] = {}
    named: dict[int, str] = {}
    unknown: list[str] = []
    given: dict[int, list[str]] = {}  # every label the rows give a clip, in their order
    for rel, label in rows:
        clip, _ = find_clip(project.relpath(rel), by_path, by_name, project.folder.name)
        if clip is None:
            unknown.append(rel)
        else:
            labels[clip.id], named[clip.id] = label, rel
            given.setdefault(clip.id, []).append(label)
    conflicts += filter(None, (two_labels(named[i], said)  # one clip named two ways too
                               for i, said in given.items()))
    return LabelsPlan(Path(labels_path).name, labels, unknown, named, conflicts)


def apply_labels_plan(project: Project, plan: LabelsPlan) -> ImportResult:
    """Set a plan's labels in one transaction, with source ``"csv"``. A clip that already
    carries the label keeps it, and its source (folder, manual...). A clip whose file has gone
    since the plan was made (a rescan meanwhile) is counted with the rows naming no clip.
    Unknown class names add the class. The result's ``previous`` undoes the import through
    :meth:`Project.restore_labels`."""
    present = project.present_clip_ids(plan.labels)
    labels = {i: label for i, label in plan.labels.items() if i in present}
    gone = [plan.named.get(i, str(i)) for i in plan.labels if i not in present]
    previous = project.apply_labels(labels, source="csv", action="import",
                                    keep_same_label=True) if labels else {}
    changes = {i: labels[i] for i in previous}
    return ImportResult(updated=len(changes), unchanged=len(labels) - len(changes),
                        unknown_paths=plan.unknown_paths + gone, changes=changes,
                        previous=previous, conflicts=plan.conflicts)


def import_csv(project: Project, csv_path: str | Path) -> ImportResult:
    """Set labels from a labels file in one transaction, with source ``"csv"``: its
    :func:`plan_labels_import`, applied by :func:`apply_labels_plan`."""
    return apply_labels_plan(project, plan_labels_import(project, csv_path))


def _label_rows(path: Path, conflicts: list[str]) -> list[tuple[str, str]]:
    """(file as the labels file names it, label) of each labelled row: a Label Studio export's
    chosen classes or an AOEF document's tags of whole clips, else :func:`read_labels_file`'s
    (a path its rows label twice, the last, named in ``conflicts``)."""
    rows = json_clip_labels(path)
    return rows if rows is not None else list(read_labels_file(path, conflicts).items())


# ------------------------------------------------------------------------ export folders


def export_folders(project: Project, dest: str | Path, move: bool = False,
                   dry_run: bool = False) -> FolderExportResult:
    """Copy (or move) each labelled clip to ``dest/<label>/<file name>``.

    Never overwrites: a destination that exists (or that an earlier clip of this export took)
    is reported in ``skipped_existing`` and left alone. A dry run plans without touching files.
    The store is not changed; after a move the next scan marks the moved clips missing, labels
    kept. Copies into a folder inside the project's raise EarmarkError.
    """
    # Copies inside the folder would join it as clips of their own; moving files within it only
    # sorts it into class folders.
    dest = Path(dest).expanduser().resolve() if move else project.export_destination(dest, "copies")
    done: list[tuple[Path, Path]] = []
    skipped: list[tuple[Path, Path]] = []
    failed: list[tuple[Path, str]] = []
    taken: set[Path] = set()
    unlabeled = 0
    for clip in project.clips():
        if clip.label is None:
            unlabeled += 1
            continue
        source = project.abspath(clip)
        target = dest / safe_folder_name(clip.label) / source.name
        if target in taken or target.exists() or target.is_symlink():
            skipped.append((source, target))
            continue
        taken.add(target)
        if dry_run:
            done.append((source, target))
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if move:
                _move_no_overwrite(source, target)
            else:
                copy_no_overwrite(source, target)
        except FileExistsError:
            skipped.append((source, target))
            continue
        except OSError as error:
            failed.append((source, os_reason(error)))
            continue
        done.append((source, target))
    return FolderExportResult(done=done, skipped_existing=skipped, unlabeled=unlabeled,
                              failed=failed, dry_run=dry_run, moved=move)


def copy_no_overwrite(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with its times, never over anything there (a file that
    appeared since we looked, a link, dangling or not: "xb" fails); a copy cut short by an
    error is removed. Raises OSError."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        try:
            shutil.copyfileobj(src, dst, 1 << 20)
        except BaseException:
            dst.close()
            target.unlink(missing_ok=True)
            raise
    shutil.copystat(source, target)


def _move_no_overwrite(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # same file system: atomic, fails if the target exists
    except FileExistsError:
        raise
    except OSError:
        copy_no_overwrite(source, target)  # other file system, or no hard links
    os.unlink(source)


__all__ = ["export_csv", "import_csv", "plan_labels_import", "apply_labels_plan", "LabelsPlan",
           "export_edge_impulse", "export_label_studio", "edge_impulse_categories",
           "export_folders", "ImportResult", "FolderExportResult", "HEADER", "copy_no_overwrite"]
