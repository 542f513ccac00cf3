"""GUI test fixtures: settings and data kept in tmp_path, a ready MainWindow, and a check that
no test leaves a QThread running (as napari's conftest does)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QThread

from tests import audio_factory


@pytest.fixture(autouse=True)
def _fail_on_running_qthreads(monkeypatch):
    """Fail the test when a QThread it started is still running after its fixtures closed."""
    started: list[QThread] = []
    original_start = QThread.start

    def tracking_start(self, *args, **kwargs):
        started.append(self)
        return original_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield
    running = []
    for thread in started:
        try:
            if thread.isRunning():
                running.append(repr(thread))
        except RuntimeError:
            pass  # deleted after finishing: not running
    assert not running, f"QThreads left running: {running}"


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp):
    """As the app does (gui.common.collector): garbage cycles holding Qt objects are collected on
    this thread, not by a worker's allocations; at teardown once more, and automatic collection
    back on for the tests without a GUI."""
    from gui.common.collector import MainThreadCollector

    collector = MainThreadCollector()
    collector.start()
    yield
    collector.stop()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def _isolated_user_files(tmp_path, monkeypatch):
    """Point QSettings' default locations and Earmark's data dir into tmp_path."""
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-config"))
    monkeypatch.setenv("EARMARK_DATA_DIR", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data-home"))


@pytest.fixture
def settings(tmp_path):
    """An empty settings file of the test's own."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings, monkeypatch):
    """Build MainWindows (sharing ``settings``), shown, closed (threads joined) after the test.
    Work still running then is stopped without asking: the question is modal and offscreen no
    one answers it (a test that left a classification running hung the suite). It is answered
    from the start, since pytest-qt closes the windows it was given before fixtures end; a test
    that asks it something patches it again."""
    from gui.clips.playback import PlaybackController
    from gui.common import dialogs
    from gui.main_window import MainWindow

    monkeypatch.setattr(dialogs, "ask_stop_work", lambda *_args: True)
    windows = []

    def _make():
        # No audio device is needed to test labelling; playback has its own tests.
        window = MainWindow(settings=settings,
                            playback=PlaybackController(force_unavailable="not in tests"))
        qtbot.addWidget(window)
        window.resize(1100, 700)
        window.show()
        windows.append(window)
        return window

    yield _make
    monkeypatch.setattr(dialogs, "ask_stop_work", lambda *_args: True)  # a test's own undone
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def clip_folder(tmp_path):
    """tone/ chirp/ noise/ (3 clips each), two unlabeled clips at the root and one broken file."""
    root = audio_factory.make_class_folder(tmp_path / "clips", n_per_class=3)
    rng = np.random.default_rng(5)
    for name in ("loose-a.wav", "loose-b.wav"):
        audio_factory.write(root / name, audio_factory.class_sample("tone", rng))
    audio_factory.write_broken(root / "broken.wav", "text")
    return root

