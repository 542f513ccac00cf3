"""The command line: train, predict, evaluate, labels."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import os_reason

# The commands' names, here beside nothing heavy: main.py tells a command from a folder to open
# before torch is imported, so the window's splash shows at once.
COMMANDS = ("train", "predict", "detect", "detect-energy", "find-similar", "evaluate", "info",
            "labels", "export")


def given_path(text: str) -> Path:
    """An argument naming a file or folder, for argparse's ``type``: an empty one (a launcher's
    unset variable) is refused, not taken for the current folder as ``Path("")`` is."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no file or folder")
    return Path(text)


def check_out(out: Path | None, folder: bool = False) -> None:
    """Refuse now, before the work it would hold (a two-hour search), an ``--out`` that cannot
    be written: a folder where a file is to go (or a file where a folder of files is), or a
    place where no file can be made (found by making one there: ``probe_writable``, which makes
    the folder when missing, as the write would)."""
    from core.errors import EarmarkError
    from core.paths import probe_writable

    if out is None:
        return
    out = Path(out)
    if folder and out.exists() and not out.is_dir():
        raise EarmarkError(f"--out {out}: a file, not a folder to write a file per audio file in")
    if not folder and out.is_dir():
        raise EarmarkError(f"--out {out}: a folder; name the file to write")
    try:
        probe_writable(out if folder else out.parent)
    except OSError as error:
        raise EarmarkError(f"--out {out}: nothing can be written there "
                           f"({os_reason(error)})") from None
