"""The edge-case families, one module per theme; `scenarios.catalog` collects them."""
