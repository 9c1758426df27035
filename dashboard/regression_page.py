"""Page 5, Regression: two runs side by side, as `nines compare` judges them: the ratio of B's
exposure-weighted failure rate over A's with its test, per-family changes (Holm-corrected),
the paired test on the scenarios both drove, and the scenarios that passed in A and fail in
B, each linking to its replay."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import duckdb
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run
from nines.report import family_table
from reliability.run_comparison import family_changes, weighted_rate_ratio
from reliability.weighted_estimate import weighted_rate_from_sums

STREAM, CONFIDENCE = "failure", 0.95


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_b = pick_run(con, "run B (judged)", key="run")
    run_a = pick_run(con, "run A (baseline)", key="baseline", default=1)
    st.header(f"Regression: run {run_b} against {run_a}, stream {STREAM}")
    catalogue = family_table(store_queries.run_families(con, [run_a, run_b]),
                             store_queries.run_suites(con, [run_a, run_b]))
    a, b = (weighted_rate_from_sums(store_queries.family_sums(con, r, STREAM), catalogue, CONFIDENCE)
            for r in (run_a, run_b))
    ratio = weighted_rate_ratio(a, b, CONFIDENCE)
    if ratio.ratio is None:
        st.write("No failures in either run (or no km): no rate ratio.")
    else:
        st.metric("exposure-weighted failure-rate ratio B / A (95 % interval)",
                  f"{ratio.ratio:.3g} ({ratio.lower:.3g} - {ratio.upper:.3g})", help=f"p = {ratio.p_value:.3g}")
        st.caption(f"p = {ratio.p_value:.3g} (score test of equal rates; the interval inverts the same test)")
    st.subheader("per-family changes (Holm-adjusted)")
    st.dataframe(family_changes(a.families, b.families), hide_index=True)
    newly = store_queries.newly_failing(con, run_a, run_b)
    st.subheader(f"newly failing scenarios: {len(newly)}")
    newly["replay"] = ["?" + urlencode({"page": "Replays", "run": run_b, "episode": e}) for e in newly["episode_id"]]
    st.dataframe(newly, hide_index=True, column_config={"replay": st.column_config.LinkColumn("replay")})
