"""The error types core raises for expected failures: each names the file and a plain reason."""

from __future__ import annotations

from pathlib import Path


class EarmarkError(Exception):
    """Base of every expected failure; ``str(error)`` is one readable line for a person."""


class FileError(EarmarkError):
    """A failure about one file: ``path`` names it, ``reason`` says why in plain words, and
    ``str(error)`` is ``"path: reason"``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class AudioError(FileError):
    """A file could not be used as audio."""


class NotSearchedError(FileError):
    """A file a search cannot look in as asked (its band lies above the file's highest
    frequency)."""


class CheckpointError(FileError):
    """A model file could not be loaded or saved (not a checkpoint, pickled code, wrong shape...)."""


class TrainingError(EarmarkError):
    """Training cannot start or go on (too few labels, one class, no readable clips...)."""


class ProjectError(EarmarkError):
    """The project store cannot be opened or changed (damaged, unwritable...)."""


class ProjectDamagedError(ProjectError):
    """The project store cannot be read: SQLite finds it damaged. ``store_path`` names it;
    ``copy`` is the newest copy of it that SQLite reads whole (core.store.store_backup), which
    can be put back, or None."""

    def __init__(self, store_path: str | Path, message: str,
                 copy: str | Path | None = None) -> None:
        self.store_path = Path(store_path)
        self.copy = None if copy is None else Path(copy)
        super().__init__(message)


class ProjectStoreGoneError(ProjectDamagedError):
    """The project store is not there (deleted, or its folder's ``.earmark`` removed) while
    Earmark holds a sound copy of it (``copy``): opened as it was, the folder would start with
    no labels, the copy never mentioned. ``Project.open(..., afresh=True)`` starts a new one,
    from ``instead`` where that is not None (a read-only folder's own store, in words)."""

    def __init__(self, store_path: str | Path, message: str, copy: str | Path | None = None,
                 instead: str | None = None) -> None:
        super().__init__(store_path, message, copy)
        self.instead = instead


class ProjectBusyError(ProjectError):
    """Another process holds the project's store for writing longer than we are willing to wait."""


class ProjectLockedError(ProjectError):
    """Another window (this process or another), or a command changing it, has the project
    open; a second one would let the two diverge. ``holder`` describes it (process id, host,
    since when) when known, ``what`` says what it is."""

    def __init__(self, folder: str | Path, holder: str,
                 what: str = "another Earmark window") -> None:
        self.folder = Path(folder)
        self.holder, self.what = holder, what
        super().__init__(f"{self.folder} is already open in {what} ({holder})")


class RegionError(EarmarkError):
    """Regions cannot be added or changed as asked (times past the end of the file, a band above
    Nyquist, an unknown region...). ``problems`` holds ``(index, reason)`` for each bad one of a
    batch (0-based index into what was given); empty for a single region."""

    def __init__(self, message: str, problems: tuple[tuple[int, str], ...] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class ConfigError(EarmarkError, ValueError):
    """A setting has a value Earmark cannot use (an unknown model, a clip length out of range...).

    Also a ValueError, so callers that validate typed input can catch either."""


def os_reason(error: BaseException) -> str:
    """Why an operation on a file failed, in a person's words: an OSError's text in lower case
    ("permission denied", "no space left on device"), else the error's own text."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__
