"""The folder scan of a project: incremental by path, size and mtime, and the first-open label import.

A mixin of :class:`core.store.project.Project`; it writes through the Project's ``_write`` transactions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from core.errors import AudioError
from core.store import label_rules
from core.store.records import ClipRecord, ScanSummary

SCAN_BATCH = 500


class ScanMixin:
    """``Project.scan`` and its helpers. Relies on the Project's ``folder``, ``_read``, ``_write``,
    ``_get_meta``, ``_ensure_classes``, ``classes`` and ``_clips_by_ids``."""

    def scan(self, progress: Callable[[float, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             on_batch: Callable[[list[ClipRecord]], None] | None = None,
             paths: Iterable[str | Path] | None = None) -> ScanSummary:
        """Bring the store up to date with the folder, reading only what changed.

        Files are keyed by relative path, size and modification time: new files are added (their
        headers read), changed ones re-read (labels kept), vanished ones marked missing (labels
        kept), unchanged ones not touched. The first scan of a project imports the labels the
        folder carries (class subfolders, file-name prefixes, ``labels.csv``) with their source;
        later scans give new files a folder/file-name label only when it names an existing class.

        ``on_batch`` receives the ClipRecords added, changed or newly missing, in batches of
        ``SCAN_BATCH`` as each batch is committed. ``should_stop`` is polled between files;
        what was committed stays and the next scan goes on from there.

        ``paths`` (files inside the folder): look at only these, without listing the folder:
        those present are added or updated, those gone are marked missing. Adding a few files
        to a 20,000-clip project then costs the few files, not the project.
        """
        from core.audio import reading as audio  # imported late: scanning is the only user
        from core.audio.discovery import iter_audio_files

        started = time.perf_counter()
        should_stop = should_stop or (lambda: False)
        first_import = self._get_meta("labels_imported") is None
        if progress:
            progress(0.0, f"listing {self.folder}")
        if paths is None:
            files = list(iter_audio_files(self.folder))
            wanted = None
        else:
            # A path outside the folder keeps its absolute form in relpath: not the store's.
            wanted = {rel for rel in map(self.relpath, paths) if not rel.startswith("/")}
            files = [self.folder / rel for rel in sorted(wanted) if (self.folder / rel).is_file()]
        known = {row[0]: row[1:] for row in self._read(
            "SELECT path, id, size_bytes, mtime_ns, missing, label FROM clips")}
        class_names = {c.name for c in self.classes()}
        warnings: list[str] = []
        rule = label_rules.FolderLabels(
            self.folder, on_csv_error=lambda csv_path, error: warnings.append(
                f"{csv_path}: not used ({error})"))

        added = changed = unchanged = unreadable = imported = 0
        pending: list[tuple] = []  # (existing id or None, rel, size, mtime, info fields, label)
        seen: set[str] = set()
        stopped = False
        total = len(files)

        def flush() -> None:
            nonlocal imported
            if pending:
                records, n_labels = self._commit_scan_batch(pending)
                imported += n_labels
                pending.clear()
                if on_batch:
                    on_batch(records)

        for index, path in enumerate(files):
            if should_stop():
                stopped = True
                break
            path = Path(path)
            rel = path.relative_to(self.folder).as_posix()
            seen.add(rel)
            try:
                stat = path.stat()
            except OSError:
                continue  # vanished while listing: the next scan sees it gone
            old = known.get(rel)
            if old is not None and old[1] == stat.st_size and old[2] == stat.st_mtime_ns \
                    and not old[3]:
                unchanged += 1
            else:
                try:
                    head = audio.info(path)
                    fields = (head.duration_s, head.sample_rate_hz, head.channels, None)
                except AudioError as error:
                    fields = (None, None, None, error.reason)
                    unreadable += 1
                new_label = None
                if old is None:
                    added += 1
                    new_label = self._label_for_new(path, first_import, class_names, rule)
                    if new_label is not None:
                        class_names.add(new_label[0])
                else:
                    changed += 1
                pending.append((old[0] if old else None, rel, stat.st_size, stat.st_mtime_ns,
                                *fields, new_label))
                if len(pending) >= SCAN_BATCH:
                    flush()
            if progress and (index % 200 == 0 or index == total - 1):
                progress((index + 1) / max(total, 1), f"scanning {rel}")
        flush()

        newly_missing = 0
        if not stopped:
            gone = [(info[0],) for rel, info in known.items()
                    if rel not in seen and not info[3] and (wanted is None or rel in wanted)]
            if gone:
                with self._write() as conn:
                    conn.executemany("UPDATE clips SET missing = 1 WHERE id = ?", gone)
                newly_missing = len(gone)
                if on_batch:
                    ids = [g[0] for g in gone]
                    for start in range(0, len(ids), SCAN_BATCH):
                        on_batch(self._clips_by_ids(ids[start:start + SCAN_BATCH]))
            if first_import and wanted is None:
                with self._write() as conn:
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) "
                                 "VALUES ('labels_imported', ?)", (str(time.time()),))
        if progress:
            progress(1.0, "scan stopped" if stopped else "scan finished")
        present = self._read("SELECT COUNT(*) FROM clips WHERE missing = 0")[0][0]
        return ScanSummary(total=present, added=added, changed=changed, unchanged=unchanged,
                           missing=newly_missing, unreadable=unreadable,
                           labels_imported=imported, stopped=stopped,
                           elapsed_s=time.perf_counter() - started, warnings=tuple(warnings))

    def _label_for_new(self, path: Path, first_import: bool, class_names: set[str],
                       rule: label_rules.FolderLabels) -> tuple[str, str] | None:
        """A new file's (label, source): on the first scan by the folder-label rule (the command
        line's too); later only a folder or file-name label naming a class the project has."""
        if first_import:
            label, source = rule.label_of(path)
            return (label, source) if label is not None else None
        label, source = label_rules.label_from_path(self.folder, path)
        return (label, source) if label in class_names else None

    def _commit_scan_batch(self, pending: list[tuple]) -> tuple[list[ClipRecord], int]:
        now = time.time()
        ids: list[int] = []
        n_labels = 0
        with self._write() as conn:
            for old_id, rel, size, mtime, dur, rate, chans, err, new_label in pending:
                if old_id is None:
                    label, source = new_label if new_label else (None, None)
                    cur = conn.execute(
                        "INSERT INTO clips(path, size_bytes, mtime_ns, duration_s, "
                        "sample_rate_hz, channels, error, missing, label, label_source) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                        (rel, size, mtime, dur, rate, chans, err, label, source))
                    clip_id = cur.lastrowid
                    if label is not None:
                        self._ensure_classes(conn, [label])
                        conn.execute(
                            "INSERT INTO label_history(clip_id, old_label, old_source, new_label,"
                            " new_source, changed_at, action) VALUES (?, NULL, NULL, ?, ?, ?, "
                            "'scan')", (clip_id, label, source, now))
                        n_labels += 1
                else:
                    clip_id = old_id
                    conn.execute(
                        "UPDATE clips SET size_bytes = ?, mtime_ns = ?, duration_s = ?, "
                        "sample_rate_hz = ?, channels = ?, error = ?, missing = 0 WHERE id = ?",
                        (size, mtime, dur, rate, chans, err, clip_id))
                ids.append(clip_id)
        return self._clips_by_ids(ids), n_labels
