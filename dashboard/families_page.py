"""Page 3, Families: each family's failure probability per encounter (per km for nominal
families) with its 90 % interval, exposure and whether it is assumed; the distribution of
the smallest time to collision per family (criticality); and failures by weather."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run, pick_stream
from nines.report import family_table
from reliability.weighted_estimate import Z90, weighted_rate_from_sums


def family_rows(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> pd.DataFrame:
    sums = store_queries.family_sums(con, run_id, stream)
    weighted = weighted_rate_from_sums(sums, family_table())
    rows = []
    for f in weighted.families:
        half = Z90 * np.sqrt(f.variance) if np.isfinite(f.variance) else np.inf
        rows.append({"family": f.family, "episodes": f.episodes, "failures": f.failures, "p": f.p,
                     "lower 90 %": max(0.0, f.p - half), "upper 90 %": f.p + half if f.failures else
                     f.zero_failure_upper, "per": "km" if f.nominal else "encounter",
                     "exposure per km": f.exposure_per_km, "assumed": f.assumed})
    return pd.DataFrame(rows)


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    stream = pick_stream(con, run_id)
    st.header(f"Families: run {run_id}, stream {stream}")
    rows = family_rows(con, run_id, stream)
    st.dataframe(rows, hide_index=True)
    encounters = rows[rows["per"] == "encounter"]
    st.altair_chart(alt.Chart(encounters).mark_errorbar().encode(x=alt.X("lower 90 %:Q", title="p per encounter"),
                                                                  x2="upper 90 %:Q", y="family:N")
                    + alt.Chart(encounters).mark_point().encode(x="p:Q", y="family:N"), width="stretch")
    st.subheader("criticality: smallest time to collision per episode (s)")
    ttc = store_queries.criticality(con, run_id)
    st.altair_chart(alt.Chart(ttc).mark_bar().encode(x=alt.X("min_ttc_s:Q", bin=False), y="episodes:Q",
                                                     color="family:N"), width="stretch")
    st.subheader("by weather and light")
    st.dataframe(store_queries.by_condition(con, run_id), hide_index=True)
