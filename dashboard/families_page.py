"""Page 3, Families: each family's estimate (events per encounter, per km for nominal
families) with its interval, its health check and its share of the exposure-weighted rate
(a bar chart: which scenarios carry the risk); the distribution of the smallest time to
collision per family (criticality); and failures by weather."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run, pick_stream
from nines.report import family_table
from reliability.weighted_estimate import weighted_rate_from_sums

CONFIDENCE = 0.95


def family_rows(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> pd.DataFrame:
    weighted = weighted_rate_from_sums(store_queries.family_sums(con, run_id, stream),
                                       family_table(store_queries.run_families(con, [run_id]),
                                                    store_queries.run_suites(con, [run_id])), CONFIDENCE)
    return pd.DataFrame([{"family": f.family, "kind": f.kind, "episodes": f.episodes, "events": f.events, "p": f.p,
                          "lower 95 %": f.lower, "upper 95 %": f.upper,
                          "per": "km" if f.nominal else "encounter", "ESS_wy": f.ess_wy,
                          "exposure per km": f.exposure_per_km, "per km of driving": f.contribution_per_km,
                          "share of the rate": f.share, "health": "; ".join(f.problems) or "ok",
                          "assumed": f.assumed} for f in weighted.families])


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    stream = pick_stream(con, run_id)
    st.header(f"Families: run {run_id}, stream {stream}")
    rows = family_rows(con, run_id, stream)
    st.dataframe(rows, hide_index=True)
    st.subheader("share of the exposure-weighted rate")
    st.altair_chart(alt.Chart(rows.fillna({"share of the rate": 0.0})).mark_bar().encode(
        x=alt.X("share of the rate:Q", axis=alt.Axis(format="%")), y=alt.Y("family:N", sort="-x"),
        tooltip=["family", "per km of driving", "share of the rate"]), width="stretch")
    encounters = rows[rows["per"] == "encounter"]
    st.subheader("events per encounter with the 95 % interval")
    st.altair_chart(alt.Chart(encounters).mark_errorbar().encode(x=alt.X("lower 95 %:Q", title="p per encounter"),
                                                                  x2="upper 95 %:Q", y="family:N")
                    + alt.Chart(encounters).mark_point().encode(x="p:Q", y="family:N"), width="stretch")
    st.subheader("criticality: smallest time to collision per episode (s)")
    ttc = store_queries.criticality(con, run_id)
    st.altair_chart(alt.Chart(ttc).mark_bar().encode(x=alt.X("min_ttc_s:Q", bin=False), y="episodes:Q",
                                                     color="family:N"), width="stretch")
    st.subheader("by weather and light")
    st.dataframe(store_queries.by_condition(con, run_id), hide_index=True)
