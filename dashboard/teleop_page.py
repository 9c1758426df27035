"""Page 4, Teleop: a console run's handoffs per 1,000 km, the wait distribution, operator
utilisation over fleet time, the staffing curve (operators against P(wait > 5 s) by Erlang C
at the simulated request rate and service time), and the threshold trade-off when several
console runs of the suite exist (a `nines teleop-sweep`)."""
from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run
from reliability.handoff_stats import teleop_summary
from reliability.staffing import wait_longer_than


def summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    totals = store_queries.stream_totals(con, [run_id], "handoff").iloc[0]
    fleet = store_queries.run_settings(con, run_id)["batch"]
    return teleop_summary(pd.DataFrame({"km": [totals["km"]]}), store_queries.handoff_summary(con, run_id),
                          store_queries.queue(con, run_id, points=10 ** 9), fleet)


def staffing_curve(result: dict) -> pd.DataFrame:
    erlang = result["erlang_c"]
    top = max(result["operators"], erlang["operators_needed"]) + 3
    return pd.DataFrame([{"operators": c, "P(wait > 5 s)": wait_longer_than(c, erlang["arrival_per_s"],
                                                                             erlang["service_s"], 5.0)}
                         for c in range(1, top + 1)])


def sweep(con: duckdb.DuckDBPyConnection, suite: str) -> pd.DataFrame:
    """Console runs of the suite: threshold, handoffs per 1,000 km, crashes per km."""
    runs = store_queries.runs(con)
    runs = runs[(runs["suite"] == suite) & runs["handoffs"].notna()]
    rows = []
    for row in runs.itertuples():
        crashes = store_queries.stream_totals(con, [row.run_id], "crash").iloc[0]
        rows.append({"run_id": row.run_id, "threshold": json.loads(row.config)["teleop"]["threshold"],
                     "handoffs per 1,000 km": row.handoffs / row.km * 1000 if row.km else None,
                     "crashes per km": crashes["events"] / crashes["km"] if crashes["km"] else None})
    return pd.DataFrame(rows)


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    st.header(f"Teleop: run {run_id}")
    runs = store_queries.runs(con).set_index("run_id")
    if pd.isna(runs.at[run_id, "handoffs"]):
        st.info(f"run {run_id} ran without a remote-operations console (`nines run SUITE --operators N`).")
        return
    result = summary(con, run_id)
    cols = st.columns(4)
    cols[0].metric("handoffs per 1,000 km", f"{result['per_1000_km']:.3g}")
    cols[1].metric("wait median / p95 (s)", "n/a" if result["wait_median_s"] is None else
                   f"{result['wait_median_s']:.1f} / {result['wait_p95_s']:.1f}")
    cols[2].metric("utilisation", "n/a" if result["utilisation"] is None else f"{result['utilisation']:.0%}")
    cols[3].metric("vehicles per operator", "n/a" if result["vehicles_per_operator"] is None else
                   f"{result['vehicles_per_operator']:.1f}")
    st.caption(f"{result['handoffs']} handoffs, {result['never_served']} never served, "
               f"{result['failures_during_handoff']} failures during handoffs, "
               f"{result['operator_errors']} operator errors; by mode {result['by_mode']}; "
               f"by reason {result['by_reason']}")
    handoffs = store_queries.handoff_summary(con, run_id)
    st.subheader("waits (s)")
    st.altair_chart(alt.Chart(handoffs.dropna(subset=["wait_s"])).mark_bar().encode(
        x=alt.X("wait_s:Q", bin=alt.Bin(maxbins=30)), y="count():Q"), width="stretch")
    st.subheader("operators busy and requests waiting over fleet time")
    queue = store_queries.queue(con, run_id).melt("time_s", ["busy", "waiting", "remote_driving"])
    st.altair_chart(alt.Chart(queue).mark_line().encode(x="time_s:Q", y="value:Q", color="variable:N"),
                    width="stretch")
    if result["erlang_c"] is not None:
        erlang = result["erlang_c"]
        st.subheader(f"staffing (Erlang C): {erlang['operators_needed']} operators for P(wait > 5 s) <= 5 % "
                     f"at {erlang['arrival_per_s'] * 3600:.3g} requests/h, {erlang['service_s']:.3g} s each")
        st.dataframe(staffing_curve(result), hide_index=True)
    trade = sweep(con, runs.at[run_id, "suite"])
    if len(trade) > 1:
        st.subheader("threshold trade-off (console runs of this suite)")
        st.altair_chart(alt.Chart(trade).mark_line(point=True).encode(
            x="handoffs per 1,000 km:Q", y="crashes per km:Q", tooltip=["threshold", "run_id"]),
            width="stretch")
        st.dataframe(trade, hide_index=True)
