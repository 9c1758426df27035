"""The report of a run: for every event stream the exposure-weighted rate per km with its
interval and its nines ladder against the human reference lines (the headline: a suite built
to be dangerous says nothing about a fleet until it is reweighted), each family's share of
it, raw per-km rates over the run's naturalistic episodes only (q = f), per-family estimates
with their health checks, weighted expected fatalities, the timeouts, the Leaderboard
scores, and, for drivers that log a confidence, its quality as a failure monitor and the
perception / planning split, and for runs with a remote-operations console its handoffs,
queue and staffing. Numbers come from `reliability`; this module only gathers them from the
store and the family catalogue."""
from __future__ import annotations

import json
from typing import Iterable

import pandas as pd

from nines.store import Store
from nines.user_error import UserError
from reliability import leaderboard
from reliability.event_streams import STREAM_BY_NAME, stream_events
from reliability.handoff_stats import teleop_summary
from reliability.monitor_quality import auroc, false_alarms_per_1000_km, lead_times
from reliability.nines_ladder import ladder, nines_demonstrated
from reliability.poisson_rate import rate_estimate
from reliability.reference_rates import HUMAN_RATES
from reliability.severity import fatality_risk
from reliability.weighted_estimate import WeightedRate, acceleration_factor, weighted_rate
from scenarios.catalog import FAMILIES, find_family
from scenarios.suite import Suite, suite_from_yaml


def family_table(names: Iterable[str] = (), suites: Iterable[Suite] = ()) -> pd.DataFrame:
    """The built-in families and those `names` name (plugins a run drove) as the plain table
    `reliability` works on, with the exposure per km the runs' suites give where they give one."""
    chosen = {**FAMILIES, **{name: find_family(name) for name in set(names) - set(FAMILIES)}}
    given: dict[str, float] = {}
    for entry in (e for suite in suites for e in suite.families if e.exposure_per_km is not None):
        if given.setdefault(entry.family, entry.exposure_per_km) != entry.exposure_per_km:
            raise UserError(f"family {entry.family} has exposure {given[entry.family]:g} per km in one run's suite "
                            f"and {entry.exposure_per_km:g} in another's; compare runs that agree on it")
        chosen[entry.family] = entry.resolved()
    return pd.DataFrame([{"name": name, "exposure_per_km": f.exposure_per_km if f.exposure_per_km is not None
                          else float("nan"), "nominal": f.nominal, "assumed": f.assumed} for name, f in chosen.items()])


def load_failure_causes(store: Store, run_id: str) -> pd.DataFrame:
    return store.db.execute("SELECT episode_id, cause, expert_outcome FROM failure_causes WHERE run_id = ?",
                            [run_id]).df()


def run_suite(store: Store, run_id: str) -> Suite:
    return suite_from_yaml(store.run(run_id)["suite_yaml"])


def load_episodes(store: Store, run_id: str) -> pd.DataFrame:
    store.run(run_id)
    episodes = store.done_episodes(run_id).reset_index(drop=True)
    if episodes.empty:
        raise UserError(f"run {run_id} has no episodes yet; run or resume it first")
    if episodes[["log_f", "log_q"]].isna().any().any():
        raise UserError(f"run {run_id} has episodes without importance weights (log_f, log_q); it cannot be reweighted")
    return episodes


# the conditions that break cameras (reference/driving-and-teleop.md), for the monitor's AUROC
ADVERSE_CONDITIONS = ("fog", "night", "low_sun", "lens_dirt")
MONITOR_HORIZON_S, MONITOR_THRESHOLD = 3.0, 0.5


def _monitor_quality(episodes: pd.DataFrame, ticks: pd.DataFrame) -> dict:
    """AUROC of "failure within 3 s", median lead time and false alarms per 1,000 km of the
    driver's confidence, over all episodes and over those in adverse conditions."""
    indexed = episodes.set_index("episode_id")
    failure_time = indexed["duration_s"].where(indexed["failure"])
    out = {}
    for name, subset in (("all", indexed), ("adverse", indexed[indexed["condition"].isin(ADVERSE_CONDITIONS)])):
        chosen = ticks[ticks["episode_id"].isin(subset.index)]
        times = failure_time.reindex(subset.index)
        lead = lead_times(chosen, times, MONITOR_THRESHOLD)
        out[name] = {"episodes": len(subset), "failures": int(subset["failure"].sum()), "ticks": len(chosen),
                     "auroc": auroc(chosen, times, MONITOR_HORIZON_S),
                     "lead_time_median_s": float(lead.median()) if len(lead) else None,
                     "false_alarms_per_1000_km": false_alarms_per_1000_km(chosen, times, subset["km"],
                                                                          MONITOR_THRESHOLD, MONITOR_HORIZON_S)}
    return out


def load_teleop(store: Store, run_id: str, episodes: pd.DataFrame) -> dict | None:
    """The console's tables of a run (None for runs without one) and its fleet size."""
    if "handoffs" not in episodes or episodes["handoffs"].isna().any():
        return None
    settings = json.loads(store.run(run_id)["config"])
    return {"handoffs": store.handoffs(run_id), "queue": store.queue(run_id), "fleet": settings["batch"]}


def naturalistic_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes drawn from f (q = f): the only ones whose raw per-km rates describe driving."""
    return episodes[episodes["log_f"] == episodes["log_q"]]


def _weighted_stream(weighted: WeightedRate, confidence: float) -> dict:
    rungs = ladder(weighted.bound, confidence)
    return {"rate": weighted.rate_per_km, "lower": weighted.lower, "upper": weighted.upper,
            "lower_one_sided": weighted.lower_one_sided, "upper_one_sided": weighted.upper_one_sided,
            "effective_events": weighted.bound.effective_events, "unhealthy_families": weighted.unhealthy_families,
            "ladder": [r.as_dict() for r in rungs], "nines_demonstrated": nines_demonstrated(rungs),
            "families": [{"family": f.family, "contribution_per_km": f.contribution_per_km, "share": f.share}
                         for f in weighted.families]}


def build_report(episodes: pd.DataFrame, run_id: str, confidence: float = 0.95, ticks: pd.DataFrame | None = None,
                 causes: pd.DataFrame | None = None, teleop: dict | None = None, suite: Suite | None = None) -> dict:
    """ticks: the driver's logged confidence (monitor quality, when there is any); causes: the
    perception / planning split of failures (when `nines split` has run); teleop: the
    console's tables (`load_teleop`); suite: the run's (exposures it gives)."""
    km = float(episodes["km"].sum())
    events = stream_events(episodes)
    natural = naturalistic_episodes(episodes)
    natural_km = float(natural["km"].sum())
    catalogue = family_table(episodes["family"], [suite] if suite is not None else [])
    streams, crash = {}, None
    for stream in events:
        weighted = weighted_rate(episodes, events[stream].to_numpy(), catalogue, confidence)
        crash = weighted if stream == "crash" else crash
        raw = rate_estimate(int(events[stream][natural.index].sum()), natural_km, confidence).as_dict()
        streams[stream] = {"what": STREAM_BY_NAME[stream].what, "severity": STREAM_BY_NAME[stream].severity,
                           "events": int(events[stream].sum()), "naturalistic": raw,
                           "weighted": _weighted_stream(weighted, confidence)}
    families = []
    for estimate in crash.families:
        families.append({**estimate.as_dict(), "acceleration": acceleration_factor(estimate)})
    fatalities = weighted_rate(episodes, fatality_risk(episodes), catalogue, confidence)
    return {
        "run_id": run_id, "confidence": confidence, "episodes": len(episodes), "km": km,
        "naturalistic_episodes": len(natural), "naturalistic_km": natural_km, "zero_km": km == 0,
        "timeouts": int((episodes["outcome"] == "timeout").sum()), "streams": streams,
        "families": families,
        "expected_fatalities": float(fatality_risk(episodes).sum()),
        "expected_fatalities_per_km": {"rate": fatalities.rate_per_km, "lower": fatalities.lower,
                                       "upper": fatalities.upper},
        "human_reference": [{"name": r.name, "severity": r.severity, "per_km": r.per_km, "source": r.source}
                            for r in HUMAN_RATES],
        "leaderboard_2_0": leaderboard.summary(episodes, "2.0"),
        "leaderboard_2_1": leaderboard.summary(episodes, "2.1"),
        "monitor": _monitor_quality(episodes, ticks) if ticks is not None and len(ticks) else None,
        "failure_causes": (causes["cause"].value_counts().to_dict() if causes is not None and len(causes)
                           else None),
        "teleop": teleop_summary(episodes, teleop["handoffs"], teleop["queue"], teleop["fleet"]) if teleop else None,
    }
