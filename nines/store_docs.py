"""docs/store.md, made from the store's row types (nines/store_rows.py): every table, every
column, its DuckDB type and its meaning.

`python -m nines.store_docs > docs/store.md` writes the page; tests/test_store_docs.py fails
when docs/store.md differs from what this module makes, or when a fresh store's tables differ
from the row types.
"""
from __future__ import annotations

from dataclasses import fields

from nines.store_rows import TABLES


def markdown() -> str:
    lines = ["# The results store", "",
             "One DuckDB file (`--db`, default `runs.duckdb`). Each table's columns are the fields of",
             "its row type in [nines/store_rows.py](../nines/store_rows.py), which the store's schema",
             "and the runner's writes are made from; this page is made from them by",
             "`python -m nines.store_docs`, and a test fails when it differs.",
             "`nines export-parquet RUN_ID DIR` writes a run's tables as Parquet.", ""]
    for row_type in TABLES:
        key = f" Key: ({', '.join(row_type.KEY)})." if row_type.KEY else ""
        lines += [f"## {row_type.TABLE}", "", " ".join(row_type.__doc__.split()) + key, "",
                  "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {f.metadata['sql']} | {f.metadata['meaning']} |" for f in fields(row_type)]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
