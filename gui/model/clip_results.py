"""What the model's views of the clip on show share (its score track, the explanation overlay,
the augmentation preview): the session's results by key with the one wanted now, the file's
identity, and when a long file's model window has moved with the view."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.ml.explain import model_window_start_s
from gui.common.tasks import FunctionWorker, TaskSlot, Worker

# A long file's window is computed again once the view's middle has moved this share of a
# window away from the window on show.
MOVE_FRACTION = 0.25


class ClipLayer:
    """What the model's views of the clip on show (a track, an overlay, a preview) share: a
    View menu toggle and a model, either of which redraws it, and results computed in a task and
    kept by key. The class gives ``_enabled``, ``_model``, ``_task`` (a TaskSlot), ``_results``
    (a ResultCache), ``_refresh()`` and ``_draw(result)``."""

    def _start_layer(self, clip_view, task: TaskSlot | None, kept: int, enabled: bool) -> None:
        """Set the layer up (from ``__init__``, once the Qt base is): over ``clip_view``,
        computing in ``task`` (its own when None), keeping the last ``kept`` results."""
        self.clip_view = clip_view
        self._task = task if task is not None else TaskSlot(self)
        self._model = None
        self._enabled = enabled
        self._results = ResultCache(kept)

    def set_enabled(self, enabled: bool) -> None:
        """Show it (its View menu toggle) or take it away and stop computing."""
        if bool(enabled) != self._enabled:
            self._enabled = bool(enabled)
            self._refresh()

    def is_enabled(self) -> bool:
        return self._enabled

    def is_computing(self) -> bool:
        return self._task.is_running()

    def shutdown(self) -> None:
        """Stop computing and wait for the thread (the window is closing)."""
        self._task.cancel()

    def _use_model(self, model) -> None:
        if model != self._model:
            self._model = model
            self._refresh()

    def _draw_kept(self, key: tuple) -> bool:
        """Draw the result kept for ``key`` (``_draw(result)``); False when none is kept."""
        kept = self._results.lookup(key)
        if kept is None:
            return False
        self._draw(kept)
        return True

    def _compute(self, key: tuple, compute: Callable[[Worker], Any], **handlers) -> None:
        """Run ``compute(worker)`` in the task (on its thread); its result is kept for ``key``
        and drawn if ``key`` is still the one wanted. ``handlers``: the task's others
        (``progress``, ``failed``)."""
        def finished(result) -> None:
            if self._results.store(key, result):
                self._draw(result)

        self._task.start(FunctionWorker(compute), finished=finished, **handlers)


class ResultCache:
    """Results by key, the last ``size`` used kept; ``key`` is the one wanted now (None: none)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.key: tuple | None = None
        self._items: OrderedDict[tuple, Any] = OrderedDict()

    def current(self) -> Any | None:
        """The result of ``key``, if it has come."""
        return self._items.get(self.key) if self.key is not None else None

    def lookup(self, key: tuple) -> Any | None:
        """The result kept for ``key`` (now the most recently used), or None."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def store(self, key: tuple, result: Any) -> bool:
        """Keep ``result`` for ``key`` (the oldest go past ``size``); whether it is the one
        wanted now."""
        self._items[key] = result
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key == self.key


def clip_file_key(clip_view) -> tuple[str, int] | None:
    """(path, modification time) of the clip on show in ``clip_view`` (its data, not a clip
    still loading), or None: none on show, or its file is gone."""
    if clip_view.data is None:
        return None
    path = Path(clip_view.data.path)
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return None


def follow_clip_view(clip_view, results: ResultCache, refresh: Callable[[], None]) -> None:
    """Call ``refresh()`` when ``clip_view`` (a ClipView) drops its clip (cleared, or its file
    unreadable) and when a long file's view has moved the model window away from the result on
    show (``results.current()``, with its ``start_s`` and ``window_s``)."""
    def on_message_shown(_text: str) -> None:
        if clip_view.data is None:
            refresh()

    def on_view_range_changed(start_s: float, end_s: float) -> None:
        shown = results.current()
        if shown is not None and window_moved(clip_view.duration_s, shown.start_s,
                                              shown.window_s, start_s, end_s):
            refresh()

    clip_view.message_shown.connect(on_message_shown)
    clip_view.view_range_changed.connect(on_view_range_changed)


def window_moved(duration_s: float, start_s: float, window_s: float, view_start_s: float,
                 view_end_s: float) -> bool:
    """Whether the model window for the view ``view_start_s``..``view_end_s`` of a file of
    ``duration_s`` lies MOVE_FRACTION of a window or more from the one at ``start_s``."""
    wanted_s = model_window_start_s(duration_s, window_s, view_start_s, view_end_s)
    return abs(wanted_s - start_s) > MOVE_FRACTION * window_s
