"""What a drag names: the local files and folders of its mime data, and how the window splits them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

OPEN, CLASSIFY = "open", "classify"


def local_paths(mime) -> list[Path]:
    """The local files and folders named by a drag's mime data."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def split_window_drop(mime) -> tuple[Path | None, list[Path]]:
    """(a folder to open, files and folders to classify) for a drop on the window: a folder
    dropped alone opens as the project; whatever else is dropped is classified, a folder's
    audio files with it (a folder beside files was left out without a word). A dropped name
    that is no folder counts as a file, whatever it is: a link to a file that is gone is listed
    with that reason, not left out without a word."""
    paths = local_paths(mime)
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], []
    return None, paths


def ask_about_folder(parent: QWidget, folder: Path, project_folder: Path | None,
                     can_classify: bool) -> str | None:
    """What a folder dropped alone on the window is for: OPEN as the project, or CLASSIFY its
    files with the model, asked where both make sense (a project open, with a model, and the
    folder not the project's own): a person who dropped new recordings to hear what the model
    says of them lost the project and its model for a new one made of the recordings. None:
    neither (the question was cancelled)."""
    if not can_classify or project_folder is None or _same(folder, project_folder):
        return OPEN
    box = QMessageBox(QMessageBox.Icon.Question, "Dropped a folder",
                      f"Classify the recordings in {folder.name} with the model, or open "
                      f"{folder.name} as the project (closing {project_folder.name})?",
                      QMessageBox.StandardButton.Cancel, parent)
    classify = box.addButton("Classify Its Files", QMessageBox.ButtonRole.AcceptRole)
    opened = box.addButton("Open as Project", QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(classify)
    box.exec()
    return {classify: CLASSIFY, opened: OPEN}.get(box.clickedButton())


def take_window_drop(parent: QWidget, folder: Path | None, files: list[Path],
                     project_folder: Path | None, can_classify: bool,
                     classify: Callable[[list[Path]], object],
                     open_folder: Callable[[Path], object]) -> None:
    """Do what a drop on the window asks (:func:`split_window_drop`'s parts): ``classify``
    files, or a folder as :func:`ask_about_folder` decides, or ``open_folder`` it. Called once
    the drop has ended: a question asked inside it holds the program the files came from."""
    use = folder and ask_about_folder(parent, folder, project_folder, can_classify)
    if files or use == CLASSIFY:
        classify(files or [folder])
    elif use == OPEN:
        open_folder(folder)


def _same(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return one == other
