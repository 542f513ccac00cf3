"""ProjectHolder: the project a window has open and the lock that keeps it that window's alone."""

from __future__ import annotations

from pathlib import Path

from core.errors import ProjectError
from core.store.lock import ProjectLock
from core.store.project import Project


class ProjectHolder:
    """``open(folder)`` opens a project and takes its lock (the one held already when it is the
    same store), closing the one before; ``close()`` lets both go. ``project`` is None when
    nothing is open."""

    def __init__(self, store_dir: str | Path | None = None) -> None:
        self._store_dir = store_dir
        self.project: Project | None = None
        self._lock: ProjectLock | None = None

    def open(self, folder: Path, before_close=None) -> Project:
        """The project of ``folder``, locked. EarmarkError (ProjectLockedError when another
        window has it) leaves the one open before as it was; else ``before_close()`` runs
        before that one closes."""
        if not folder.is_dir():
            raise ProjectError("folder not found; it may have been moved, renamed or unplugged")
        project = Project.open(folder, store_dir=self._store_dir)
        lock = ProjectLock(project.store_path.parent, project.folder)
        if self._lock is not None and self._lock.path == lock.path:
            lock = self._lock  # reopening the folder this window has
        try:
            lock.acquire()
        except BaseException:
            project.close()
            raise
        if before_close is not None:
            before_close()
        self._close(keep_lock=lock)
        self.project, self._lock = project, lock
        return project

    def close(self) -> None:
        self._close()

    def _close(self, keep_lock: ProjectLock | None = None) -> None:
        if self.project is not None:
            self.project.close()
            self.project = None
        if self._lock is not None and self._lock is not keep_lock:
            self._lock.release()
        self._lock = None

    def gone_text(self) -> str:
        """Why the open folder cannot be used now (moved, renamed, unplugged), or ""."""
        if self.project is None or self.project.folder.is_dir():
            return ""
        return (f"The folder {self.project.folder} is gone (moved, renamed or unplugged). "
                "Labels are kept in its store; open it again when it is back.")

    def where(self) -> str:
        """Where the labels are kept, in words short enough for a status bar (the path is the
        store's ``store_path``)."""
        inside = self.project.store_path.parent.parent == self.project.folder
        return "the folder's .earmark" if inside else "your user data folder"
