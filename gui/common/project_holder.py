"""ProjectHolder: the project a window has open and the lock that keeps it that window's alone; a
copy of its store made as the window lets it go, and the offer to put the newest copy back when a
store will not open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import (
    EarmarkError,
    ProjectDamagedError,
    ProjectError,
    ProjectLockedError,
    ProjectStoreGoneError,
)
from core.store import store_backup
from core.store.lock import WINDOW, ProjectLock
from core.store.project import Project


class ProjectHolder:
    """``open(folder)`` opens a project and takes its lock (the one held already when it is the
    same store), closing the one before; ``close()`` lets both go. ``project`` is None when
    nothing is open."""

    def __init__(self, store_dir: str | Path | None = None) -> None:
        self._store_dir = store_dir
        self.project: Project | None = None
        self._lock: ProjectLock | None = None

    def open(self, folder: str | Path, before_close=None, parent: QWidget | None = None) -> Project:
        """The project of ``folder``, locked. EarmarkError (ProjectLockedError when another
        window has it) leaves the one open before as it was (but one whose store was deleted,
        let go of first: :meth:`_let_go_of_gone_store`); else ``before_close()`` runs before
        that one closes. With a ``parent`` window, a damaged store is offered its newest
        copy (:func:`offer_restore`); what was put back is the project's ``store_note``."""
        if not str(folder).strip():  # Path("") is the current folder: none was given
            raise ProjectError("no folder given; choose one (File > Open Folder)")
        folder = Path(folder).expanduser()
        if folder.is_file():
            raise ProjectError("a file, not a folder: open the folder that holds it, or drop "
                               "the file on the window to classify it")
        if not folder.is_dir():
            raise ProjectError("folder not found; it may have been moved, renamed or unplugged")
        if self._let_go_of_gone_store(folder, before_close):
            before_close = None  # run already
        project = self._open_store(folder, parent)
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

    def _let_go_of_gone_store(self, folder: Path, before_close) -> bool:
        """Reopening the folder open here whose store was deleted meanwhile: its labels live
        on in this connection alone, so its users let go of it (``before_close``) and it is
        closed now, which copies it (the copy then offered), and no store made in its place
        shares its log; the lock is kept. Returns whether it was."""
        current = self.project
        if current is None or current.store_path.exists() or \
                current.folder != folder.resolve():
            return False
        if before_close is not None:
            before_close()
        lock = self._lock
        self._close(keep_lock=lock)
        self._lock = lock  # held on for the store opened in its place
        return True

    def _open_store(self, folder: Path, parent: QWidget | None) -> Project:
        try:
            return Project.open(folder, store_dir=self._store_dir)
        except ProjectDamagedError as error:
            restored = offer_restore(parent, error) if parent is not None else ""
            if restored == AFRESH:
                return Project.open(folder, store_dir=self._store_dir, afresh=True)
            if not restored:
                raise
        project = Project.open(folder, store_dir=self._store_dir)  # from the copy put back
        project.store_note = "; ".join(filter(None, (restored, project.store_note)))
        return project

    def close(self) -> None:
        self._close()

    def _close(self, keep_lock: ProjectLock | None = None) -> None:
        if self.project is not None:
            try:
                self.project.back_up()  # so labels outlive a store damaged later
            except EarmarkError:
                pass  # a store that cannot be read now has nothing sound to copy
            self.project.close()
            self.project = None
        if self._lock is not None and self._lock is not keep_lock:
            self._lock.release()
        self._lock = None

    def gone_text(self) -> str:
        """Why the open folder cannot be used now (moved, renamed, unplugged), or its store
        was deleted while it was open (labels went on being kept, in silence, in a file no
        longer there), or ""."""
        if self.project is None:
            return ""
        if not self.project.folder.is_dir() and self.project.store_deleted():
            return (f"The folder {self.project.folder} was deleted, and its store with it: the "
                    "labels this window holds are on no disk now, and go when it closes. Export "
                    "them first (File > Export Labels CSV…, Export Regions…).")
        if not self.project.folder.is_dir():
            return (f"The folder {self.project.folder} is gone (moved, renamed or unplugged). "
                    "Labels are kept in its store; open it again when it is back.")
        if not self.project.store_path.exists():
            return (f"The project store {self.project.store_path} was deleted while the folder "
                    "was open. This window still holds its labels: open the folder again "
                    "(File > Open Folder) to put back a copy with them.")
        return ""

    def where(self) -> str:
        """Where the labels are kept, in words short enough for a status bar (the path is the
        store's ``store_path``)."""
        inside = self.project.store_path.parent.parent == self.project.folder
        return "the folder's .earmark" if inside else "your user data folder"


#: offer_restore's answer where a person chose a new, empty store over the copy of a gone one.
AFRESH = "afresh"


def refused_text(folder: str | Path, error: EarmarkError) -> str:
    """What the window says of a folder it could not open: the reason, and where another window
    holds it, that its labels are safe there."""
    hint = (" Its labels are saved there as you go: switch to that window, or close it and open "
            "the folder here." if isinstance(error, ProjectLockedError) and error.what == WINDOW
            else "")
    return f"Could not open {folder or 'a folder'}: {error}.{hint}"


def offer_restore(parent: QWidget, error: ProjectDamagedError) -> str:
    """When Earmark holds a sound copy of the damaged or gone store (``error.copy``, the one the
    error already checked and named), ask whether to put it back (a damaged store kept beside
    it) and do so. Returns what was done, in words for the project's note; "" when nothing was;
    AFRESH where the store is gone and the person chose to start a new one."""
    copy = error.copy
    if copy is None:
        return ""
    when = store_backup.made_at(copy)
    buttons = QMessageBox.StandardButton
    if isinstance(error, ProjectStoreGoneError):
        answer = QMessageBox.question(
            parent, "Project store gone",
            f"The project store {error.store_path} is gone (deleted?), and with it the labels "
            f"and regions.\n\nPut back Earmark's copy of {when}? Labels and regions changed "
            "after it are not in it. No starts "
            + (f"from {error.instead}." if error.instead else "a new, empty store."),
            buttons.Yes | buttons.No | buttons.Cancel, buttons.Yes)
        if answer == buttons.No:
            return AFRESH
    else:
        answer = QMessageBox.question(
            parent, "Damaged project store",
            f"The project store {error.store_path} is damaged and cannot be opened.\n\n"
            f"Put back Earmark's copy of {when}? Labels and regions changed after it are not "
            "in it; the damaged store is kept beside it.")
    if answer != buttons.Yes:
        return ""
    try:
        # The copy the error checked and named: reading a large one whole again would hold the
        # window.
        _, aside = store_backup.restore_newest(error.store_path, copy=copy)
    except EarmarkError as failure:
        QMessageBox.warning(parent, "Damaged project store", str(failure))
        return ""
    if isinstance(error, ProjectStoreGoneError):
        return f"put back Earmark's copy of the project store from {when}"
    return f"put back Earmark's copy of the project store from {when}; the damaged one is {aside}"
