"""The sidebar choices every page shares: which run (newest first, or ?run= in the URL) and
which event stream."""
from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries


def pick_run(con: duckdb.DuckDBPyConnection, label: str = "run", key: str = "run", default: int = 0) -> str:
    runs = store_queries.runs(con)
    ids = list(runs["run_id"])
    asked = st.query_params.get(key)
    index = ids.index(asked) if asked in ids else min(default, len(ids) - 1)
    return st.sidebar.selectbox(label, ids, index=index, key=key,
                                format_func=lambda r: f"{r} ({_describe(runs, r)})")


def _describe(runs: pd.DataFrame, run_id: str) -> str:
    row = runs[runs["run_id"] == run_id].iloc[0]
    return f"{row['driver']}, {int(row['episodes'])} episodes, {row['km']:.1f} km"


def pick_stream(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    streams = store_queries.streams_of(con, run_id)
    return st.sidebar.selectbox("stream", streams, index=streams.index("crash"), key="stream")
