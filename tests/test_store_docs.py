"""The store's schema, its writes and docs/store.md come from one place (nines/store_rows.py):
a fresh store has exactly the row types' tables, columns and types, and the page is current."""
from dataclasses import fields
from pathlib import Path

from nines.store import Store
from nines.store_docs import markdown
from nines.store_rows import TABLES

PAGE = Path(__file__).resolve().parent.parent / "docs" / "store.md"


def test_a_fresh_store_has_the_row_types_columns_and_the_page_is_current(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    stored = store.db.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                              "ORDER BY table_name, ordinal_position").fetchall()
    store.close()
    declared = [(t.TABLE, f.name, f.metadata["sql"]) for t in TABLES for f in fields(t)]
    assert sorted(stored) == sorted(declared)
    assert PAGE.read_text(encoding="utf-8") == markdown(), "run: python -m nines.store_docs > docs/store.md"
