"""ScanWorker: a folder scan on its own QThread, streaming the store's clip records in batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.store.project import Project
from gui.common.tasks import Worker

# At most this many rows per signal, and (by the worker's throttle) at most one signal per
# interval otherwise: the GUI thread inserts a batch in a few ms, so ~10 signals/s keeps it
# responsive even for 20,000-file folders.
BATCH_ROWS = 500


class ScanWorker(Worker):
    """Lists the store's clips, then scans the folder, streaming ClipRecords in batches.

    Signals (see ``Worker``): ``partial(list)`` ClipRecords (new or changed); ``progress``
    ``(fraction, text)`` fraction done and what is being read; ``finished((summary, records))``
    the scan summary and every record the store holds afterwards (None when stopped);
    ``failed(str)``.
    """

    def __init__(self, folder: str | Path, store_dir: str | Path | None = None) -> None:
        super().__init__()
        self._folder, self._store_dir = Path(folder), store_dir
        self._pending: list[Any] = []
        self._progress = (0.0, "")

    def work(self) -> tuple | None:
        with Project.open(self._folder, store_dir=self._store_dir) as project:
            known = project.clips(include_missing=True)
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
