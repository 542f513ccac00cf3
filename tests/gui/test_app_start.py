"""Start-up: the environment's bytecode is compiled once, in the background, not on every run;
started without a folder, the window reopens the last one (a setting), or says it is gone."""

from __future__ import annotations

import importlib.util
import os

import pytest

from gui.app import precompile_packages
from tests import audio_factory
from tests.gui.helpers import SCAN_TIMEOUT_MS


@pytest.mark.slow  # compiles in a subprocess
def test_packages_are_compiled_once_in_the_background(tmp_path):
    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    probe = site / "pkg" / "__init__.py"
    probe.write_text("VALUE = 1\n")
    (site / "pkg" / "other.py").write_text("def f():\n    return 2\n")
    process = precompile_packages(site, probe)
    assert process is not None
    assert process.wait(timeout=120) == 0
    for source in (probe, site / "pkg" / "other.py"):
        assert (tmp_path / importlib.util.cache_from_source(str(source))).is_file()
    assert precompile_packages(site, probe) is None  # compiled: nothing to do the next time


def test_nothing_to_do_without_the_probe(tmp_path):
    assert precompile_packages(tmp_path, tmp_path / "missing.py") is None


# ---- the first moments ------------------------------------------------------------------------


def test_a_splash_with_the_apps_icon_shows_before_torch_is_needed(qtbot):
    from PySide6.QtWidgets import QApplication

    from gui.app import make_app, show_splash

    app = make_app()
    assert not app.windowIcon().isNull()  # resources/earmark.svg
    splash = show_splash(app)
    qtbot.addWidget(splash)
    assert splash.isVisible() and not splash.pixmap().isNull()
    assert splash.pixmap().width() >= 300 and QApplication.instance() is app
    splash.close()
    assert not splash.isVisible()


@pytest.mark.slow  # a fresh interpreter
def test_the_splash_shows_before_torch_is_imported():
    import subprocess
    import sys

    from tests.processes import REPO_ROOT

    # main.py telling a command from a folder, then the splash, as run_gui shows it.
    code = ("import os, sys, main\n"
            "try:\n    main.main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules, 'PySide6' in sys.modules)\n"
            "from gui.app import make_app, show_splash\n"
            "splash = show_splash(make_app())\n"
            "print('torch' in sys.modules, splash.isVisible())\n"
            "os._exit(0)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120, check=True, env=env)
    assert out.stdout.split()[-4:] == ["False", "False", "False", "True"]


# ---- reopening the last folder ---------------------------------------------------------------


@pytest.fixture
def start(qtbot, settings):
    """``start(folder=None, recent=None, reopen=None)``: create_window as `main.py` does, with
    ``recent`` folders and the Reopen setting stored first; windows are closed after the test."""
    from gui.app import create_window
    from gui.clips.playback import PlaybackController
    from gui.common import settings as keys

    windows = []

    def _start(folder=None, recent=(), reopen=None):
        keys.write(settings, keys.RECENT_FOLDERS, [str(f) for f in recent])
        if reopen is not None:
            keys.write(settings, keys.REOPEN_LAST_FOLDER, reopen)
        window = create_window(folder, settings=settings,
                               playback=PlaybackController(force_unavailable="not in tests"))
        qtbot.addWidget(window)
        window.show()  # as run_gui does
        windows.append(window)
        if window.is_scanning():
            with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
                pass
        return window

    yield _start
    for window in windows:
        window.close()


@pytest.fixture
def two_folders(tmp_path):
    return [audio_factory.make_class_folder(tmp_path / name, n_per_class=1, kinds=("tone",))
            for name in ("last", "earlier")]


def test_start_reopens_the_last_folder_by_default(start, two_folders, qapp, qtbot):
    from gui.common.collector import MainThreadCollector

    window = start(recent=two_folders)
    # Garbage cycles holding Qt objects are collected on this thread (gui.common.collector).
    assert qapp.findChild(MainThreadCollector) is not None
    assert window.folder == two_folders[0].resolve()
    assert window.acts.reopen_last.isChecked()
    # Its clip is listed once the scan is over: is_scanning() holds until its last results are
    # applied (it read the thread's end, which a busy machine reached before them).
    assert window.model.rowCount() == 1


def test_start_shows_the_welcome_page_when_the_setting_is_off(start, two_folders):
    window = start(recent=two_folders, reopen=False)
    assert window.folder is None
    assert window.workspace.centre_stack.currentWidget() is window.welcome
    assert not window.acts.reopen_last.isChecked()


def test_a_folder_on_the_command_line_wins_over_the_last_one(start, two_folders):
    window = start(folder=two_folders[1], recent=two_folders)
    assert window.folder == two_folders[1].resolve()


def test_a_vanished_last_folder_leaves_the_welcome_page_and_names_it(start, tmp_path):
    gone = tmp_path / "unplugged"
    window = start(recent=[gone])
    assert window.folder is None
    assert window.workspace.centre_stack.currentWidget() is window.welcome
    assert str(gone) in window.banner.text()


def test_the_menu_setting_is_remembered(start, settings, two_folders):
    from gui.common import settings as keys

    window = start(reopen=True)
    window.acts.reopen_last.setChecked(False)
    assert keys.read(settings, keys.REOPEN_LAST_FOLDER) is False
    assert start(recent=two_folders).folder is None


def test_version_flag_prints_the_version_without_starting_the_app():
    from core.version import earmark_version
    from tests.processes import run_main

    result = run_main("--version", timeout_s=60)
    assert result.returncode == 0 and result.stdout.strip() == f"Earmark {earmark_version()}"
