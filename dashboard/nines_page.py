"""Page 1, Nines: the exposure-weighted rate of the chosen run and stream with its ladder
(demonstrated / refuted / inconclusive, km still needed) as a chart and a table, the human
reference lines with their severity, and the march of nines: the weighted rate with its band
and bound over the runs of the same suite, one line per driver and checkpoint (runs of
different drivers are never joined), against the human lines."""
from __future__ import annotations

import math
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from dashboard import store_queries
from dashboard.run_picker import pick_run, pick_stream
from nines.report import family_table
from reliability.nines_ladder import ladder, nines_demonstrated
from reliability.reference_rates import HUMAN_RATES
from reliability.weighted_estimate import weighted_rate_from_sums

CONFIDENCE = 0.95
VERDICT_COLOURS = alt.Scale(domain=["demonstrated", "inconclusive", "refuted"], range=["#2e7d32", "#9e9e9e", "#c62828"])


def show(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    run_id = pick_run(con)
    stream = pick_stream(con, run_id)
    st.header(f"Nines: run {run_id}, stream {stream}")
    rate = weighted_rate_from_sums(store_queries.family_sums(con, run_id, stream),
                                   family_table(store_queries.run_families(con, [run_id]),
                                                store_queries.run_suites(con, [run_id])), CONFIDENCE)
    totals = store_queries.stream_totals(con, [run_id], stream).iloc[0]
    events, km, weighted, interval = st.columns(4)
    events.metric("events", int(totals["events"]))
    km.metric("km", f"{totals['km']:.3f}")
    weighted.metric("exposure-weighted rate per km", f"{rate.rate_per_km:.3g}")
    interval.metric("its 95 % interval", f"{rate.lower:.2g} - {rate.upper:.2g}")
    if rate.unhealthy_families:
        st.warning(f"Flagged unreliable by the health check: {', '.join(rate.unhealthy_families)}. The interval "
                   "assumes each importance-sampled family's proposal covers its failure region.")
    rungs = ladder(rate.bound, CONFIDENCE)
    table = pd.DataFrame([r.as_dict() for r in rungs])
    st.subheader(f"ladder: is the rate below 10^-n per km? ({nines_demonstrated(rungs)} shown)")
    st.altair_chart(alt.Chart(table.assign(bar=1.0), height=120).mark_bar().encode(
        x=alt.X("nine:O", title="n: is the rate <= 10^-n per km?", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("bar:Q", axis=None, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("verdict:N", scale=VERDICT_COLOURS), tooltip=["nine", "verdict", "km_needed"]),
        width="stretch")
    st.dataframe(table, hide_index=True)
    st.subheader("human reference lines")
    st.dataframe(pd.DataFrame([{"severity": r.severity, "per km": r.per_km, "nines": _nines(r.per_km),
                                "what": r.name, "source": r.source} for r in HUMAN_RATES]), hide_index=True)
    _march(con, run_id, stream)


def _nines(per_km: float) -> float:
    return round(-math.log10(per_km), 1)


def series_name(driver: str, checkpoint: str | None) -> str:
    """One line of the march: a driver and, for a learned one, its checkpoint."""
    return f"{driver} ({Path(checkpoint).name})" if checkpoint else driver


def _march(con: duckdb.DuckDBPyConnection, run_id: str, stream: str) -> None:
    runs = store_queries.runs(con)
    suite = runs.loc[runs["run_id"] == run_id, "suite"].iloc[0]
    same = runs[runs["suite"] == suite]
    run_ids = list(same["run_id"])
    rates = store_queries.weighted_rates(con, run_ids, stream, family_table(store_queries.run_families(con, run_ids),
                                                                       store_queries.run_suites(con, run_ids)),
                                         CONFIDENCE)
    march = rates.merge(same[["run_id", "created", "driver", "checkpoint"]]).sort_values("created")
    march["series"] = [series_name(d, c) for d, c in zip(march["driver"], march["checkpoint"])]
    st.subheader(f"march of nines: runs of suite {suite} over time, stream {stream}, per driver and checkpoint")
    scale = alt.Scale(type="log")
    base = alt.Chart(march).encode(x=alt.X("created:T", title="run"), color="series:N")
    band = base.mark_errorbar().encode(y=alt.Y("lower:Q", scale=scale, title="events per km (exposure-weighted)"),
                                       y2="upper:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("rate per km:Q", scale=scale),
                                             tooltip=["run_id", "series", "rate per km", "upper bound per km",
                                                      "nines shown"])
    bound = base.mark_point(shape="triangle-down").encode(y=alt.Y("upper bound per km:Q", scale=scale))
    humans = alt.Chart(pd.DataFrame([{"per km": r.per_km, "human": f"{r.severity} (humans)"} for r in HUMAN_RATES])
                       ).mark_rule(strokeDash=[4, 4]).encode(y="per km:Q", tooltip=["human", "per km"])
    st.altair_chart(band + line + bound + humans, width="stretch")
    st.dataframe(march[["run_id", "series", "created", "rate per km", "lower", "upper", "upper bound per km",
                        "nines shown", "unreliable families"]], hide_index=True)
