"""ScanWorker: a folder scan on its own QThread, streaming the store's clip records in batches."""

from __future__ import annotations

from typing import Any

from core.paths import natural_key
from gui.common.tasks import ProjectWorker

# At most this many rows per signal, and (by the worker's throttle) at most one signal per
# interval otherwise: the GUI thread inserts a batch in a few ms, so ~10 signals/s keeps it
# responsive even for 20,000-file folders.
BATCH_ROWS = 500


class ScanWorker(ProjectWorker):
    """Lists the store's clips, then scans the project's folder, streaming ClipRecords in batches.

    Signals (see ``Worker``): ``partial(list)`` ClipRecords (new or changed); ``progress``
    ``(fraction, text)`` fraction done and what is being read; ``finished((summary, records))``
    the scan summary and every record the store holds afterwards (None when stopped);
    ``failed(str)``.
    """

    def __init__(self, project: Any) -> None:
        super().__init__(project)
        self._pending: list[Any] = []
        self._progress = (0.0, "")

    def work_on(self, project) -> tuple | None:
        # In the list's order (a person's count: clip_2 before clip_10), so that its rows go in
        # where they arrive; the store keeps them as text sorts.
        known = sorted(project.clips(include_missing=True), key=lambda r: natural_key(r.path))
        for start in range(0, len(known), BATCH_ROWS):
            self.partial.emit(known[start:start + BATCH_ROWS])
        summary = project.scan(progress=self._on_progress, should_stop=self.should_stop,
                               on_batch=self._on_batch)
        self._flush()
        if self.should_stop():
            return None
        return summary, project.clips(include_missing=True)

    def _on_progress(self, fraction: float, text: str) -> None:
        self._progress = (float(fraction), str(text))
        if self.throttle.ready():
            self._flush()

    def _on_batch(self, records: list[Any]) -> None:
        self._pending.extend(records)
        if len(self._pending) >= BATCH_ROWS or self.throttle.ready():
            self._flush()

    def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:BATCH_ROWS], self._pending[BATCH_ROWS:]
            self.partial.emit(batch)
        self.report_progress(self._progress, force=True)
