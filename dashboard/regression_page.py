"""Page 5, Regression: two runs side by side; the failure-rate ratio of B over A with its
exact test, per-family changes with Fisher's test, and the scenarios that passed in A and
fail in B, each linking to its replay."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import duckdb
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run
from reliability.run_comparison import family_changes, rate_ratio


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_b = pick_run(con, "run B (judged)", key="run")
    run_a = pick_run(con, "run A (baseline)", key="baseline", default=1)
    st.header(f"Regression: run {run_b} against {run_a}, stream failure")
    totals = store_queries.stream_totals(con, [run_a, run_b], "crash").set_index("run_id")
    failures = {r: int(store_queries.family_counts(con, r)["failures"].sum()) for r in (run_a, run_b)}
    ratio = rate_ratio(failures[run_a], float(totals.at[run_a, "km"]), failures[run_b], float(totals.at[run_b, "km"]))
    if ratio.ratio is None:
        st.write("No failures in either run (or no km): no rate ratio.")
    else:
        st.metric("failure-rate ratio B / A (95 % interval)",
                  f"{ratio.ratio:.3g} ({ratio.lower:.3g} - {ratio.upper:.3g})", help=f"p = {ratio.p_value:.3g}")
        st.caption(f"p = {ratio.p_value:.3g} (exact conditional test of equal rates)")
    st.subheader("per-family changes")
    st.dataframe(family_changes(store_queries.family_counts(con, run_a), store_queries.family_counts(con, run_b)),
                 hide_index=True)
    newly = store_queries.newly_failing(con, run_a, run_b)
    st.subheader(f"newly failing scenarios: {len(newly)}")
    newly["replay"] = ["?" + urlencode({"page": "Replays", "run": run_b, "episode": e}) for e in newly["episode_id"]]
    st.dataframe(newly, hide_index=True, column_config={"replay": st.column_config.LinkColumn("replay")})
