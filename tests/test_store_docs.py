"""docs/store.md cannot drift from the store: every column of the schema is described, nothing
is described that the schema lacks, and the page is what nines.store_docs makes."""
from pathlib import Path

from nines.store_docs import TABLES, markdown, schema_types

PAGE = Path(__file__).resolve().parent.parent / "docs" / "store.md"


def test_every_column_is_described_and_the_page_is_current():
    types = schema_types()
    described = {(table, column) for table, (_, columns) in TABLES.items() for column in columns}
    assert described == set(types), (sorted(set(types) - described), sorted(described - set(types)))
    assert PAGE.read_text(encoding="utf-8") == markdown(types), "run: python -m nines.store_docs > docs/store.md"
