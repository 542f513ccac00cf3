"""A project store as an older Earmark left it, for the migration tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.store.schema import MIGRATIONS


def old_store(folder: Path, version: int) -> sqlite3.Connection:
    """The store of ``folder`` made by the first ``version`` migrations: an autocommit
    connection to fill with rows of that version, then close."""
    store = Path(folder) / ".earmark" / "project.sqlite"
    store.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(store, isolation_level=None)
    for migration in MIGRATIONS[:version]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn
