"""ProjectLock: one window per project, told who holds it, and never left behind by a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from core.errors import ProjectLockedError
from core.store.lock import ProjectLock
from tests.processes import REPO_ROOT


def test_a_second_lock_on_the_same_store_is_refused_naming_the_holder(tmp_path):
    first = ProjectLock(tmp_path, tmp_path / "clips")
    first.acquire()
    first.acquire()  # idempotent
    second = ProjectLock(tmp_path, tmp_path / "clips")
    with pytest.raises(ProjectLockedError) as caught:
        second.acquire()
    assert "clips" in str(caught.value) and f"process {os.getpid()}" in str(caught.value)
    first.release()
    second.acquire()
    assert second.held
    second.release()


def test_the_one_refused_is_told_what_holds_the_lock(tmp_path):
    """A command importing labels held the folder, and the window refused said "another
    Earmark window", sending the person to look for a window that was not there."""
    from core.store.lock import WINDOW

    command = ProjectLock(tmp_path, tmp_path / "clips", "an Earmark command changing it")
    command.acquire()
    with pytest.raises(ProjectLockedError) as caught:
        ProjectLock(tmp_path, tmp_path / "clips").acquire()
    assert "open in an Earmark command changing it (process" in str(caught.value)
    command.release()
    window = ProjectLock(tmp_path, tmp_path / "clips")
    window.acquire()
    with pytest.raises(ProjectLockedError) as caught:
        ProjectLock(tmp_path, tmp_path / "clips", "an Earmark command changing it").acquire()
    assert caught.value.what == WINDOW and "another Earmark window" in str(caught.value)
    window.release()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from core.store.lock import ProjectLock
        ProjectLock({str(tmp_path)!r}, "clips").acquire()
        print("held", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(ProjectLockedError, match=f"process {child.pid}"):
            ProjectLock(tmp_path, "clips").acquire()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
    lock = ProjectLock(tmp_path, "clips")
    lock.acquire()
    assert lock.held
    lock.release()


def test_a_store_folder_without_room_for_a_lock_file_is_used_unlocked(tmp_path):
    lock = ProjectLock(tmp_path / "no-such-folder", "clips")
    lock.acquire()
    assert not lock.held
