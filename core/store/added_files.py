"""Outside files added to a project under their labels (classified files a person keeps, their
own recordings): copied into ``<project folder>/<label>/``, scanned and labelled, all or none;
and taken back again (undo). Plain functions over a ``Project``, no Qt."""

from __future__ import annotations

import contextlib
import filecmp
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import EarmarkError, os_reason
from core.paths import first_free
from core.store.classes import ClassesState
from core.store.label_io import copy_no_overwrite
from core.store.label_rules import safe_folder_name
from core.store.records import ClassInfo
from core.store.store_place import folder_read_only


def adding_refused(folder: Path) -> str | None:
    """Why no file can be copied into the project ``folder`` (read-only: a shared data set, a
    card locked against writing), in words; None when it can take them. Asked before the
    work (a take recorded, files chosen), which would otherwise be refused only at the copy."""
    if folder_read_only(folder):
        return f"{folder} is read-only: files cannot be copied into it"
    return None


def copy_into_project(project, files: Iterable[tuple[str | Path, str]]) -> list[tuple[Path, Path]]:
    """Copy each (file, label) into ``<project folder>/<label>/``, never overwriting, nor onto
    the path of a clip whose file is missing (the copy would become that clip, with its regions
    and history): a name already taken gets ``-2``, ``-3``... Returns (source, copy) pairs.
    Raises EarmarkError naming the folder and why when a copy cannot be made (a read-only
    folder, a full disk), the copies made before it taken back: all or none."""
    known = set(project.clip_ids_by_path(include_missing=True))
    done: list[tuple[Path, Path]] = []
    for source, label in files:
        source = Path(source)
        folder = Path(project.folder) / safe_folder_name(label)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # A dangling link is a name taken too: a copy would write through it.
            target = first_free(
                lambda n, source=source, folder=folder: folder / (
                    source.name if n == 1 else f"{source.stem}-{n}{source.suffix}"),
                lambda path: path.exists() or path.is_symlink() or project.relpath(path) in known)
            copy_no_overwrite(source, target)  # a copy cut short removes itself
        except OSError as error:
            for _, copy in done:  # those made before: all or none
                with contextlib.suppress(OSError):
                    copy.unlink(missing_ok=True)
            raise EarmarkError(f"cannot copy {source.name} into {folder}: "
                               f"{os_reason(error)}; nothing was "
                               "copied") from None
        done.append((source, target))
    return done


@dataclass(frozen=True)
class AddedFiles:
    """What ``add_files_to_project`` did: the copies made, their clip ids, each clip's label
    before and the project's classes before (for undo)."""

    copies: tuple[tuple[Path, Path], ...]
    clip_ids: tuple[int, ...]
    previous: dict[int, tuple[str | None, str | None]]
    classes_before: tuple[ClassInfo, ...] = ()
    #: Files not copied, as the project holds them already (:func:`_already_here`).
    skipped: tuple[Path, ...] = ()


def add_files_to_project(project, files: Iterable[tuple[str | Path, str]],
                         source: str = "model") -> AddedFiles:
    """Copy outside files into the project under their labels (``copy_into_project``), scan the
    copies so the store lists them, and label them with ``source``. Raises OSError or EarmarkError."""
    files, skipped = _already_here(project, [(Path(f), str(label)) for f, label in files])
    classes_before = tuple(project.classes())
    copies = copy_into_project(project, files)
    labels: dict[int, str] = {}
    try:
        project.scan(paths=[copy for _, copy in copies])
        ids_by_path = project.clip_ids_by_path()
        for (_, copy), (_, label) in zip(copies, files, strict=True):
            clip_id = ids_by_path.get(project.relpath(copy))
            if clip_id is not None:
                labels[clip_id] = label
        previous = project.apply_labels(labels, source, action="set") if labels else {}
    except BaseException:
        # The store could not list or label them (its disk full): the copies go too, all or
        # none, as far as the store lets their clips go.
        with contextlib.suppress(Exception):
            remove_added_files(project, AddedFiles(tuple(copies), tuple(labels), {},
                                                   classes_before))
        raise
    return AddedFiles(tuple(copies), tuple(labels), dict(previous), classes_before,
                      tuple(skipped))


def _already_here(project, files: list[tuple[Path, str]]
                  ) -> tuple[list[tuple[Path, str]], list[Path]]:
    """``files`` less those the project holds already, and those: a file in the project's
    folder (a clip of it), one asked for twice under one label (dropped twice), and one copied
    before (its label's folder holds its name, byte for byte)."""
    folder = Path(project.folder).resolve()
    wanted: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    asked: set[tuple[Path, str]] = set()
    for source, label in files:
        resolved = source.resolve()
        earlier = folder / safe_folder_name(label) / source.name
        if resolved.is_relative_to(folder) or (resolved, label) in asked or _same_bytes(
                resolved, earlier):
            skipped.append(source)
        else:
            asked.add((resolved, label))
            wanted.append((source, label))
    return wanted, skipped


def _same_bytes(one: Path, other: Path) -> bool:
    try:
        return other.is_file() and filecmp.cmp(one, other, shallow=False)
    except OSError:
        return False


def remove_added_files(project, added: AddedFiles) -> None:
    """Undo ``add_files_to_project``: delete the copies (only those still the same size as
    their source), scan them again and drop the clips of those deleted from the store (listed
    as missing, they kept counting towards their class), and the classes the add made that no
    clip or region carries now."""
    for source, copy in added.copies:
        try:
            if copy.exists() and copy.stat().st_size == Path(source).stat().st_size:
                copy.unlink()
        except OSError:
            pass  # a copy that cannot be removed stays listed: honest, nothing lost
    project.scan(paths=[copy for _, copy in added.copies])
    project.forget_missing_clips(added.clip_ids)  # each the add's own (copy_into_project)
    project.restore_classes(ClassesState(tuple(added.classes_before)))
