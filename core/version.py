"""Earmark's version and those of the runtime it uses, for About and the command line: read from
package metadata (nothing is imported: torch alone takes seconds), else from pyproject.toml beside
the sources, as in a checkout run with ``uv run`` where Earmark itself is not installed."""

from __future__ import annotations

import platform
import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "earmark"  # [project] name in pyproject.toml
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
UNKNOWN = "unknown"


def earmark_version(pyproject: str | Path = PYPROJECT) -> str:
    """The installed package's version; else ``pyproject``'s ``[project] version`` when it
    names Earmark; else ``"unknown"``."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    try:
        with open(pyproject, "rb") as file:
            project = tomllib.load(file).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return UNKNOWN
    version = project.get("version")
    return str(version) if project.get("name") == DISTRIBUTION and version else UNKNOWN


def runtime_versions(packages: tuple[str, ...] = ("torch", "torchaudio", "numpy")) -> dict[str, str]:
    """``{"Python": "3.11.7", "torch": "2.11.0", ...}``; a package not installed reads
    ``"not installed"``."""
    versions = {"Python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
