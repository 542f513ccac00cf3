"""Fixtures of the model feature tests: a clip view on its own, and showing a clip in it."""

from __future__ import annotations

import pytest

from gui.clips.clip_view import ClipView

#: Long enough for a clip to load on a busy CI machine.
CLIP_TIMEOUT_MS = 20_000


@pytest.fixture
def clip_view(qtbot):
    """A ClipView with no window around it, shown offscreen; its loader joined after."""
    view = ClipView()
    view.set_cache_dir(None)
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    yield view
    view.shutdown()


@pytest.fixture
def show_clip(qtbot, clip_view):
    """``show_clip(path)``: show ``path`` in ``clip_view`` and wait until it is drawn."""
    def show(path) -> None:
        with qtbot.waitSignal(clip_view.clip_shown, timeout=CLIP_TIMEOUT_MS):
            clip_view.show_clip(path)

    return show
