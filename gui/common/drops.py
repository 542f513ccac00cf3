"""What a drag names: the local files and folders of its mime data, and how the window splits them."""

from __future__ import annotations

from pathlib import Path


def local_paths(mime) -> list[Path]:
    """The local files and folders named by a drag's mime data."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def split_window_drop(mime) -> tuple[Path | None, list[Path]]:
    """(a folder to open, audio files to classify) for a drop on the window: dropped files are
    classified, a dropped folder alone opens as the project (the Classify tab's drop zone
    classifies folders). A dropped name that is no folder counts as a file, whatever it is: a
    link to a file that is gone is listed with that reason, not left out without a word."""
    paths = local_paths(mime)
    files = [p for p in paths if not p.is_dir()]
    folders = [p for p in paths if p.is_dir()]
    return (folders[0] if folders and not files else None), files
