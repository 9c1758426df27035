"""Page 1, Nines: the ladder of the chosen run and stream (demonstrated / refuted /
inconclusive, km still needed) beside the human reference lines with their severity, and the
march of nines across the runs of the same suite over time."""
from __future__ import annotations

import math
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run, pick_stream
from reliability.nines_ladder import nines_demonstrated, nines_ladder
from reliability.poisson_rate import rate_estimate
from reliability.reference_rates import HUMAN_RATES

CONFIDENCE = 0.95


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    stream = pick_stream(con, run_id)
    st.header(f"Nines: run {run_id}, stream {stream}")
    totals = store_queries.stream_totals(con, [run_id], stream).iloc[0]
    estimate = rate_estimate(int(totals["events"]), float(totals["km"]), CONFIDENCE)
    left, middle, right = st.columns(3)
    left.metric("events", int(totals["events"]))
    middle.metric("km", f"{totals['km']:.3f}")
    right.metric("rate per km (95 % exact interval)", "n/a" if estimate.rate is None else
                 f"{estimate.rate:.3g} ({estimate.lower:.3g} - {estimate.upper:.3g})")
    rungs = nines_ladder(int(totals["events"]), float(totals["km"]), CONFIDENCE) if totals["km"] > 0 else []
    ladder = pd.DataFrame([r.as_dict() for r in rungs])
    st.subheader(f"ladder: is the rate below 10^-n per km? ({nines_demonstrated(rungs) if rungs else 0} shown)")
    st.dataframe(ladder, hide_index=True)
    st.subheader("human reference lines")
    st.dataframe(pd.DataFrame([{"severity": r.severity, "per km": r.per_km, "nines": _nines(r.per_km),
                                "what": r.name, "source": r.source} for r in HUMAN_RATES]), hide_index=True)
    _march(con, run_id, stream)


def _nines(per_km: float) -> float:
    return round(-math.log10(per_km), 1)


def _march(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> None:
    runs = store_queries.runs(con)
    suite = runs.loc[runs["run_id"] == run_id, "suite"].iloc[0]
    same = runs[runs["suite"] == suite]
    totals = store_queries.stream_totals(con, list(same["run_id"]), stream).merge(same[["run_id", "created"]])
    totals["nines shown"] = [nines_demonstrated(nines_ladder(int(e), float(k), CONFIDENCE)) if k > 0 else 0
                             for e, k in zip(totals["events"], totals["km"])]
    totals["upper bound per km"] = [rate_estimate(int(e), float(k), CONFIDENCE).upper_one_sided
                                    for e, k in zip(totals["events"], totals["km"])]
    totals = totals.sort_values("created")
    st.subheader(f"march of nines: runs of suite {suite} over time, stream {stream}")
    st.altair_chart(alt.Chart(totals).mark_line(point=True).encode(
        x="created:T", y=alt.Y("upper bound per km:Q", scale=alt.Scale(type="log")),
        tooltip=["run_id", "nines shown", "km", "events"]), width="stretch")
    st.dataframe(totals[["run_id", "created", "episodes", "km", "events", "upper bound per km", "nines shown"]],
                 hide_index=True)
