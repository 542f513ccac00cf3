"""Start-up: the QApplication, its style sheet, and the main window on a folder or the demo."""

from __future__ import annotations

import gc
import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from PySide6.QtCore import QDir, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from gui.common import settings as keys
from gui.common.colours import light_palette

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), named for QSettings, with Earmark's style."""
    # A busy Python worker (a scan) hands the GIL back to the GUI thread within 1 ms, not 5.
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(keys.ORGANISATION)
    app.setApplicationName(keys.APPLICATION)
    # No display name: the platform would append it to every title ("Earmark — clips — Earmark").
    app.setStyle("Fusion")  # the same calm look on every platform; the sheet adds the rest
    # Light, as the sheet is, on a desktop in dark mode too (native dialogs asked to follow).
    app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    app.setPalette(light_palette())
    QDir.addSearchPath("earmark", str(RESOURCES))  # the sheet's url(earmark:...) images
    sheet = RESOURCES / "earmark.qss"
    if sheet.is_file():
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))
    icon = RESOURCES / "earmark.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def show_splash(app: QApplication) -> QLabel:
    """A small card with Earmark's name, shown at once while torch and the window load (1.5-3 s
    on a laptop), so a double-click is answered; close it once the window shows. (A plain
    window: QSplashScreen.show waits up to a second for the screen to say it is shown.)"""
    size_px = (360, 150)
    # On the screen under the pointer (where the app was started from), sharp on a HiDPI one.
    screen = app.screenAt(QCursor.pos()) or app.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(round(size_px[0] * ratio), round(size_px[1] * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor("#ffffff"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#c8d3de"))
    painter.drawRect(0, 0, size_px[0] - 1, size_px[1] - 1)
    painter.drawPixmap(28, 43, app.windowIcon().pixmap(64, 64))
    title = QFont(app.font())
    title.setPointSizeF(title.pointSizeF() * 2.0)
    title.setBold(True)
    painter.setFont(title)
    painter.setPen(QColor("#1f2d3a"))
    painter.drawText(QRect(108, 40, 240, 40), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter, "Earmark")
    painter.setFont(app.font())
    painter.setPen(QColor("#555555"))
    painter.drawText(QRect(108, 80, 240, 28), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter, "Starting…")
    painter.end()
    splash = QLabel()
    splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.setPixmap(pixmap)
    if screen is not None:
        splash.move(screen.availableGeometry().center() - QRect(0, 0, *size_px).center())
    splash.show()
    app.processEvents()
    return splash


def freeze_startup_objects() -> None:
    """Keep the cyclic GC off the objects that live as long as the app (torch, Qt wrappers...).

    Without this, a full collection triggered by a scan's thousands of new records walks
    millions of start-up objects while holding the GIL: 130-400 ms stalls of the window
    (measured with bench/bench_gui_scan.py). Call once the main imports and the window exist.
    """
    gc.collect()
    gc.freeze()


def precompile_packages(site_dir: str | Path | None = None,
                        probe: str | Path | None = None) -> subprocess.Popen | None:
    """Compile the environment's packages to bytecode once, in a niced background process.

    Without .pyc files, the first training of a session compiles torch._dynamo and friends under
    the GIL and stalls the window for seconds. uv's ``compile-bytecode`` setting avoided that but
    recompiled the whole venv on every ``uv run`` (about 0.6 s each time), so the app does it
    once instead: when ``probe`` (default torch/_dynamo/__init__.py) has no bytecode yet, run
    ``compileall`` over ``site_dir`` (default the venv's site-packages). Returns the process, or
    None when there was nothing to do.
    """
    if probe is None:
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.origin is None:
            return None
        probe = Path(spec.origin).parent / "_dynamo" / "__init__.py"
    probe = Path(probe)
    if not probe.is_file() or Path(importlib.util.cache_from_source(str(probe))).is_file():
        return None
    site_dir = Path(site_dir) if site_dir is not None else Path(sysconfig.get_path("purelib"))
    if not os.access(site_dir, os.W_OK):
        return None
    return subprocess.Popen([sys.executable, "-m", "compileall", "-q", "-j", "0", str(site_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True,
                            preexec_fn=(lambda: os.nice(10)) if hasattr(os, "nice") else None)


def create_window(folder: str | Path | None = None, demo: bool = False,
                  settings: QSettings | None = None, playback=None):
    """Build the main window, opened on ``folder``, the demo project, or else the last folder
    (when File > Reopen Last Folder at Start is on and it still exists) or the welcome page.
    ``playback``: a PlaybackController to use (tests; default: the window's own)."""
    from gui.actions import file_menu  # after the QApplication exists
    from gui.common.collector import collect_on_gui_thread
    from gui.main_window import MainWindow

    collect_on_gui_thread(QApplication.instance())  # cycles holding Qt objects die on this thread
    window = MainWindow(settings=settings, playback=playback)
    freeze_startup_objects()
    if demo:
        window.acts.open_demo.trigger()
    elif folder is not None:
        window.open_folder(folder)
    else:
        file_menu.reopen_last_folder(window)
    return window


def run_gui(folder: str | Path | None = None, demo: bool = False) -> int:
    """Show Earmark's window (on ``folder`` or the demo project) and run until it closes."""
    app = make_app()
    splash = show_splash(app)
    precompile_packages()
    window = create_window(folder, demo)
    window.show()
    splash.close()
    return app.exec()
