"""Help menu: the keyboard shortcuts, the demo project, About."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from core.audio import demo
from gui.common.dialogs import ShortcutsDialog, show_about
from gui.common.tasks import FunctionWorker

# Shortcuts that are not actions (the list and the views handle them), for the shortcuts dialog.
EXTRA_SHORTCUTS = [
    ("Move between clips", "Up, Down, Page Up, Page Down"),
    ("Select several clips", "Shift+Click, Ctrl+Click, Shift+Up/Down"),
    ("Seek", "Click the waveform or spectrogram"),
    ("Mark a region", "Drag on the waveform or spectrogram"),
    ("Mark a box with a frequency band", "Shift+drag on the spectrogram (a plain drag with "
                                         "Edit > Drag Draws Boxes)"),
    ("Select, move or resize a region", "Click it; drag its body or an edge"),
    ("Let go of the region", "Click beside it, or Escape in the region list"),
    ("Zoom time about the cursor", "Wheel over the clip view"),
    ("Zoom frequency about the cursor", "Ctrl+Wheel over the spectrogram"),
    ("Zoom amplitude", "Ctrl+Wheel over the waveform"),
    ("Scroll time", "Shift+Wheel, right or middle drag, or drag the overview strip"),
]


def build(acts, w) -> None:
    """Create the Help actions on ``acts`` and add the Help menu to window ``w``."""
    acts.shortcuts = acts.action(
        "&Keyboard Shortcuts",
        lambda: ShortcutsDialog([a for a in acts.all() if a.isVisible()], EXTRA_SHORTCUTS,
                                w).exec(),
        QKeySequence.StandardKey.HelpContents)
    acts.open_demo = acts.action("Open &Demo Project", lambda: _on_open_demo(w))
    w.welcome.open_demo_clicked.connect(acts.open_demo.trigger)
    acts.about = acts.action("&About Earmark", lambda: show_about(w))
    acts.about.setMenuRole(QAction.MenuRole.AboutRole)
    menu = w.menuBar().addMenu("&Help")
    menu.addAction(acts.shortcuts)
    menu.addAction(acts.open_demo)
    menu.addSeparator()
    menu.addAction(acts.about)


def _on_open_demo(w) -> None:
    # Writing the demo's audio takes a while: built in the background, opened when ready.
    w.statusBar().showMessage("Building the demo project…")
    w.acts.task("demo").start(
        FunctionWorker(lambda _task: demo.build_demo()), finished=w.open_folder,
        failed=lambda reason: w.show_message(f"Could not create the demo project: {reason}",
                                             "error"))
