"""Opening the store for the dashboard, and saying plainly why it cannot be opened."""
from __future__ import annotations

from pathlib import Path

import duckdb

from nines.store import Store, StoreError


def store_problem(db: Path) -> str:
    """Empty when the store can be read, else one plain sentence about what is wrong."""
    if not db.exists():
        return f"There is no store at {db}. Run a suite first: `nines run smoke --db {db}`."
    try:
        store = Store(db, read_only=True)
    except StoreError as error:
        if "lock" in str(error).lower():
            return (f"{db} is being written by a run right now; its pages show once the run ends. "
                    "The Console page shows the run live.")
        return str(error)
    try:
        tables = {row[0] for row in store.db.execute("SHOW TABLES").fetchall()}
        if "runs" not in tables or store.db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0:
            return f"The store {db} has no runs yet. Run a suite: `nines run smoke --db {db}`."
    finally:
        store.close()
    return ""


def open_store(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)
