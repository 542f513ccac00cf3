"""The command line: train, predict, evaluate, labels."""

from __future__ import annotations

import argparse
from pathlib import Path

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
