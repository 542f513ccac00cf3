"""The per-user data folder, shared by the demo project and the stores of read-only folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_data_dir() -> Path:
    """``$EARMARK_DATA_DIR`` if set, else the platform's usual place for application data:
    ``$XDG_DATA_HOME/earmark`` (``~/.local/share/earmark``) on Linux,
    ``~/Library/Application Support/earmark`` on macOS, ``%LOCALAPPDATA%\\earmark`` on Windows."""
    env = os.environ.get("EARMARK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "earmark"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "earmark"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "earmark"
