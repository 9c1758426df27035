"""Page 2, Curves: a run's event rate per km against cumulative km with its exact 95 % band,
per stream, over its naturalistic episodes only (q = f: raw rates of importance-sampled
episodes say nothing about driving), and the exposure-weighted rate lambda with its interval
and each importance-sampled family's health and variance reduction."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run, pick_stream
from nines.report import family_table
from reliability.poisson_rate import rate_estimate
from reliability.weighted_estimate import acceleration_factor, weighted_rate_from_sums

CONFIDENCE = 0.95


def rate_curve(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> pd.DataFrame:
    """Cumulative km, events, rate and exact interval at about 200 points of the run."""
    curve = store_queries.cumulative(con, run_id, stream)
    estimates = [rate_estimate(int(e), float(k), CONFIDENCE) for e, k in zip(curve["events"], curve["km"])]
    return curve.assign(rate=[e.rate for e in estimates], lower=[e.lower for e in estimates],
                        upper=[e.upper for e in estimates])


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    stream = pick_stream(con, run_id)
    st.header(f"Curves: run {run_id}, stream {stream}")
    curve = rate_curve(con, run_id, stream)
    band = alt.Chart(curve).mark_area(opacity=0.25).encode(x=alt.X("km:Q", title="cumulative km"),
                                                           y=alt.Y("lower:Q", title="failures per km"), y2="upper:Q")
    line = alt.Chart(curve).mark_line().encode(x="km:Q", y="rate:Q")
    st.altair_chart(band + line, width="stretch")
    st.dataframe(curve.tail(5), hide_index=True)
    sums = store_queries.family_sums(con, run_id, stream)
    catalogue = family_table(sums.index, store_queries.run_suites(con, [run_id]))
    weighted = weighted_rate_from_sums(sums, catalogue, CONFIDENCE)
    flag = f" (assumed: {', '.join(weighted.assumed_families)})" if weighted.assumed_families else ""
    st.metric(f"exposure-weighted rate per km, 95 % interval{flag}",
              f"{weighted.rate_per_km:.3g} ({weighted.lower:.3g} - {weighted.upper:.3g})")
    rows = [{"family": f.family, "kind": f.kind, "episodes": f.episodes,
             "exploring CE episodes": f.exploring_episodes, "events": f.events, "p": f.p,
             "relative half-width 90 %": f.relative_half_width, "ESS_wy": f.ess_wy, "Kish ESS": f.kish_ess,
             "health": "; ".join(f.problems) or "ok", "variance reduction": acceleration_factor(f)}
            for f in weighted.families]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
