"""What a drag names: the local files and folders of its mime data, and how the window splits them."""

from __future__ import annotations

from pathlib import Path


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
