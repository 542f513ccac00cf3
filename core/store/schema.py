"""Schema of the project store and its migrations, applied in order from version 1 on.

The schema version is ``PRAGMA user_version``: 0 for a new, empty file, then the number of
migrations applied. Never edit a migration once released; append a new one to ``MIGRATIONS``.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
import uuid
from collections.abc import Callable


def _run(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it COMMITs the open transaction first, which would make a
    # migration non-atomic. The scripts here hold no ';' except between statements.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1_initial(conn: sqlite3.Connection) -> None:
    """Version 1: clips, classes, label history and a key/value table."""
    _run(
        conn,
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT
        );
        CREATE TABLE clips (
            id             INTEGER PRIMARY KEY,
            path           TEXT NOT NULL UNIQUE,     -- relative to the folder, posix separators
            size_bytes     INTEGER NOT NULL,
            mtime_ns       INTEGER NOT NULL,
            duration_s     REAL,
            sample_rate_hz INTEGER,
            channels       INTEGER,
            error          TEXT,                     -- NULL when readable, else the reason
            missing        INTEGER NOT NULL DEFAULT 0,
            label          TEXT,
            label_source   TEXT                      -- folder, filename, csv, manual, model
        );
        CREATE INDEX clips_label ON clips(label);
        CREATE INDEX clips_label_source ON clips(label_source);
        CREATE TABLE classes (
            name     TEXT PRIMARY KEY,
            ord      INTEGER NOT NULL,
            colour   TEXT NOT NULL,
            shortcut TEXT
        );
        CREATE TABLE label_history (
            id         INTEGER PRIMARY KEY,
            clip_id    INTEGER NOT NULL,
            old_label  TEXT,
            old_source TEXT,
            new_label  TEXT,
            new_source TEXT,
            changed_at REAL NOT NULL,                -- seconds since the epoch
            action     TEXT NOT NULL                 -- set, restore, import, scan, rename, ...
        );
        CREATE INDEX label_history_clip ON label_history(clip_id);
        """
    )


def _v2_models(conn: sqlite3.Connection) -> None:
    """Version 2: models trained in the project and their predictions."""
    _run(
        conn,
        """
        CREATE TABLE models (
            id            INTEGER PRIMARY KEY,
            path          TEXT NOT NULL,
            classes_json  TEXT NOT NULL,
            settings_json TEXT NOT NULL,
            metrics_json  TEXT NOT NULL,
            parent_id     INTEGER REFERENCES models(id),
            created_at    REAL NOT NULL
        );
        CREATE TABLE predictions (
            model_id           INTEGER NOT NULL REFERENCES models(id),
            clip_id            INTEGER NOT NULL,
            label              TEXT NOT NULL,
            confidence         REAL NOT NULL,
            probabilities_json TEXT NOT NULL,
            PRIMARY KEY (model_id, clip_id)
        );
        CREATE INDEX predictions_confidence ON predictions(model_id, confidence);
        """
    )


def _v3_regions(conn: sqlite3.Connection) -> None:
    """Version 3: regions (time spans of a clip, optionally a frequency band, with a label) and
    their history. AUTOINCREMENT so a deleted region's id is never given to a new one: undo puts
    a deleted region back under its own id."""
    _run(
        conn,
        """
        CREATE TABLE regions (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            clip_id  INTEGER NOT NULL REFERENCES clips(id),
            begin_s  REAL NOT NULL,
            end_s    REAL NOT NULL,
            low_hz   REAL,                           -- both NULL: all frequencies
            high_hz  REAL,
            label    TEXT,
            source   TEXT NOT NULL,                  -- manual, import, model, loud, similar
            score    REAL,                           -- a model's score, else NULL
            created  REAL NOT NULL,                  -- seconds since the epoch
            modified REAL NOT NULL
        );
        CREATE INDEX regions_clip ON regions(clip_id);
        CREATE INDEX regions_label ON regions(label);
        CREATE TABLE region_history (
            id         INTEGER PRIMARY KEY,
            region_id  INTEGER NOT NULL,
            clip_id    INTEGER NOT NULL,
            action     TEXT NOT NULL,                -- add, update, delete, restore, rename, ...
            old        TEXT,                         -- JSON of the fields before, NULL when added
            new        TEXT,                         -- JSON of the fields after, NULL when deleted
            changed_at REAL NOT NULL
        );
        CREATE INDEX region_history_region ON region_history(region_id);
        CREATE INDEX region_history_clip ON region_history(clip_id);
        """
    )


def _v4_region_status(conn: sqlite3.Connection) -> None:
    """Version 4: a region's review state: NULL for a person's, an imported or an accepted
    region, 'unreviewed' for a model event nobody has looked at, 'rejected' for one turned down."""
    _run(
        conn,
        """
        ALTER TABLE regions ADD COLUMN status TEXT;
        CREATE INDEX regions_status ON regions(status)
        """
    )


def _v5_region_channel(conn: sqlite3.Connection) -> None:
    """Version 5: the channel (from 0) of a multi-channel recording a region is on, as Raven
    keeps a selection's; NULL: every channel (and any region of a one-channel file)."""
    _run(conn, "ALTER TABLE regions ADD COLUMN channel INTEGER")


def _v6_clip_fingerprint(conn: sqlite3.Connection) -> None:
    """Version 6: a clip's fingerprint (a hash of its file's first and last bytes and its size,
    taken when the scan reads its header), by which a file moved to another folder is known
    for the same clip; NULL for clips scanned before."""
    _run(conn, "ALTER TABLE clips ADD COLUMN fingerprint TEXT")


def _v7_clip_note(conn: sqlite3.Connection) -> None:
    """Version 7: what a readable clip's header gets wrong (cut short: it holds less than its
    header claims), NULL for a whole file. A file refused before as corrupt or truncated is read
    again by the next scan (its time forgotten): one cut short is read now. The fingerprint of a
    file of 4-8 KB is forgotten too, to be taken again by the next scan: it hashes all of such a
    file now, its first 4 KB before."""
    _run(conn, "ALTER TABLE clips ADD COLUMN note TEXT;"
               "UPDATE clips SET mtime_ns = -1 WHERE error = 'corrupt or truncated audio data';"
               "UPDATE clips SET fingerprint = NULL WHERE size_bytes > 4096 AND size_bytes <= 8192")


#: meta key: every FLAC's header is read again by the next whole scan (schema v8).
FLAC_READ_AGAIN = "flac_read_again"


def _v8_flac_read_again(conn: sqlite3.Connection) -> None:
    """Version 8: a FLAC cut short is read as far as it goes (its header claims every sample),
    so the next whole scan reads every FLAC's header again (FLAC_READ_AGAIN), to find those cut
    short and give them their length and note. Their times are kept: a FLAC moved or renamed
    is still known by them (forgetting them, as v7 did for refused files, lost its label)."""
    _run(conn, f"INSERT OR REPLACE INTO meta(key, value) VALUES ('{FLAC_READ_AGAIN}', '1')")


def _v9_names_in_one_form(conn: sqlite3.Connection) -> None:
    """Version 9: class names, and the labels of clips, regions, predictions and models, in one
    Unicode form (NFC, as :func:`core.store.records.clean_label` now keeps every name): a macOS
    folder's decomposed ``café/`` and a ``café`` typed or imported were two classes. Two
    classes one name in that form become the first of them in the class order (its colour and
    key), the other's clips and regions its own. The label history keeps what was written."""
    first: dict[str, str] = {}  # name in one form: the name of the first class it names
    for (name,) in conn.execute("SELECT name FROM classes ORDER BY ord, name").fetchall():
        one = unicodedata.normalize("NFC", name)
        if one in first:
            conn.execute("DELETE FROM classes WHERE name = ?", (name,))
        else:
            first[one] = name
    conn.executemany("UPDATE classes SET name = ? WHERE name = ?",
                     [(one, name) for one, name in first.items() if one != name])
    for table in ("clips", "regions", "predictions"):
        composed = ((unicodedata.normalize("NFC", label), label) for (label,) in conn.execute(
            f"SELECT DISTINCT label FROM {table} WHERE label IS NOT NULL"))
        renamed = [(one, label) for one, label in composed if one != label]
        conn.executemany(f"UPDATE {table} SET label = ? WHERE label = ?", renamed)
    for model_id, classes_json in conn.execute("SELECT id, classes_json FROM models").fetchall():
        names = json.loads(classes_json)
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            one = [unicodedata.normalize("NFC", n) for n in names]
            if one != names:
                conn.execute("UPDATE models SET classes_json = ? WHERE id = ?",
                             (json.dumps(one), model_id))


def _v10_store_token(conn: sqlite3.Connection) -> None:
    """Version 10: a token of this store, random, written once (``meta`` ``store_token``): the
    regions a Raven table names by ``token-id`` are this store's, not another folder's whose
    region ids are the same numbers (region_known.region_ref)."""
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('store_token', ?)",
                 (uuid.uuid4().hex[:12],))


def _v11_region_found(conn: sqlite3.Connection) -> None:
    """Version 11: of an event a person accepted, who found it (a model's run, Find Loud Events
    or Find Similar Calls: the source it had) and its score then; NULL for every other region,
    and for those accepted before (nothing kept says who found them)."""
    _run(conn, "ALTER TABLE regions ADD COLUMN found_by TEXT;"
               "ALTER TABLE regions ADD COLUMN found_score REAL")


def _v12_read_unsized_wavs_again(conn: sqlite3.Connection) -> None:
    """Version 12: a WAV whose header says its data holds no bytes, with audio after it (a
    recorder stopped before writing its sizes), is read to its end now: the files refused
    before as holding "no audio frames" are read again by the next scan (their times
    forgotten, as v7 did for files cut short)."""
    _run(conn, "UPDATE clips SET mtime_ns = -1 WHERE error = 'no audio frames'")


# Migration i (1-based) takes a store from user_version i-1 to i.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1_initial, _v2_models,
                                                                _v3_regions, _v4_region_status,
                                                                _v5_region_channel,
                                                                _v6_clip_fingerprint,
                                                                _v7_clip_note,
                                                                _v8_flac_read_again,
                                                                _v9_names_in_one_form,
                                                                _v10_store_token,
                                                                _v11_region_found,
                                                                _v12_read_unsized_wavs_again]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations up to ``target``, each in its own transaction.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Returns the version reached.
    A store newer than this program raises ``ValueError`` (the caller turns it into a
    ProjectError naming the file).
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ValueError(f"store schema version {version} is newer than this Earmark "
                         f"({SCHEMA_VERSION})")
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= target:
                conn.execute("COMMIT")
                break
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version
