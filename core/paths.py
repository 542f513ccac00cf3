"""The per-user data folder, shared by the demo project and the stores of read-only folders; writing
a file so that it is whole or not there."""

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


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` through a temporary file beside it, fsync and rename,
    so an interrupted export never leaves half a file in place of a good one."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
