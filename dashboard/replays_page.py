"""Page 6, Replays: a failed episode's last camera frames beside a BEV of its end (the
failure clip), its confidence over time with events and handoffs on one timeline, the
scenario's parameters, and the command that re-runs exactly that episode."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run


def rerun_command(db: Path, run_id: str, episode_id: str) -> str:
    return f"nines rerun {run_id} {episode_id} --db {db}"


def timeline(record: dict) -> alt.Chart:
    """Confidence over episode time, handoffs as shaded spans, events as labelled rules."""
    ticks = record["ticks"]
    layers = [alt.Chart(ticks).mark_line().encode(x=alt.X("time_s:Q", title="episode time (s)"),
                                                  y=alt.Y("confidence:Q", scale=alt.Scale(domain=[0, 1])))]
    handoffs = record["handoffs"]
    if len(handoffs):
        spans = handoffs.assign(end_s=handoffs["start_s"] + handoffs["wait_s"].fillna(record["duration_s"])
                                + handoffs["awareness_s"].fillna(0))
        layers.append(alt.Chart(spans).mark_rect(opacity=0.2, color="orange").encode(
            x="start_s:Q", x2="end_s:Q", tooltip=["reason", "mode", "resolution", "outcome"]))
    events = record["events"]
    if len(events):
        layers.append(alt.Chart(events).mark_rule(color="red").encode(x="time_s:Q", tooltip=["kind", "detail"]))
        layers.append(alt.Chart(events).mark_text(angle=270, dy=-6, align="left").encode(
            x="time_s:Q", y=alt.value(10), text="kind:N"))
    return alt.layer(*layers)


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    failed = store_queries.failed_episodes(con, run_id)
    if failed.empty:
        st.header(f"Replays: run {run_id}")
        st.info(f"run {run_id} has no failed episodes: nothing to replay.")
        return
    ids = list(failed["episode_id"])
    asked = st.query_params.get("episode")
    episode_id = st.sidebar.selectbox("failed episode", ids, index=ids.index(asked) if asked in ids else 0,
                                      key="episode")
    record = store_queries.episode(con, run_id, episode_id)
    st.header(f"Replays: run {run_id}, episode {episode_id}")
    st.write(f"{record['failure_type']} after {record['duration_s']:.1f} s and {record['km']:.3f} km, "
             f"{record['condition']} on {record['template']} ({record['route']})")
    if record["clip_path"] and Path(record["clip_path"]).exists():
        st.image(record["clip_path"], caption="the last camera frames (oldest first) beside the BEV at the end")
    else:
        st.caption("no clip was kept for this episode (suite `clips: false`)")
    st.altair_chart(timeline(record), width="stretch")
    st.subheader("events")
    st.dataframe(record["events"], hide_index=True)
    if len(record["handoffs"]):
        st.subheader("handoffs")
        st.dataframe(record["handoffs"], hide_index=True)
    st.subheader("scenario parameters")
    st.dataframe(pd.DataFrame([record["params"]]), hide_index=True)
    st.subheader("re-run exactly this episode")
    st.code(rerun_command(db, run_id, episode_id), language="bash")
