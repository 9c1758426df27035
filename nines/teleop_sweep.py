"""The handoff-threshold trade-off: the same suite run once per threshold with a console,
giving per threshold handoffs per 1,000 km against crashes per km, and the operators a fleet
would need (Erlang C at the report's wait target). For a target nine, the cheapest threshold
(fewest operators, then fewest handoffs) whose crash rate demonstrates it (the upper bound
at the report's confidence is at most 10^-n per km)."""
from __future__ import annotations

import dataclasses

import pandas as pd

from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from reliability.event_streams import stream_counts
from reliability.handoff_stats import WAIT_TARGET_S, WAIT_TARGET_SHARE
from reliability.poisson_rate import rate_estimate
from reliability.staffing import operators_needed
from scenarios.suite import Suite


def threshold_row(episodes: pd.DataFrame, handoffs: pd.DataFrame, fleet: int, confidence: float) -> dict:
    """One point of the curve from a run's episodes and handoffs."""
    km = float(episodes["km"].sum())
    crashes = stream_counts(episodes)["crash"]
    estimate = rate_estimate(crashes, km, confidence)
    driving_s = float(episodes["duration_s"].sum())
    served = handoffs[handoffs["operator"] >= 0]
    needed = 0
    if len(handoffs) and len(served):
        needed = operators_needed(fleet * len(handoffs) / driving_s, float(served["operator_s"].mean()),
                                  WAIT_TARGET_S, WAIT_TARGET_SHARE)
    return {"km": km, "crashes": crashes, "crashes_per_km": estimate.rate,
            "crash_upper_per_km": estimate.upper_one_sided,
            "handoffs": len(handoffs), "handoffs_per_1000_km": len(handoffs) / km * 1000 if km > 0 else None,
            "operators_needed": needed}


def run_sweep(store: Store, suite: Suite, suite_yaml: str, settings: RunSettings, thresholds: list[float],
              fleet: int, confidence: float, show_progress: bool) -> pd.DataFrame:
    rows = []
    for threshold in thresholds:
        point = dataclasses.replace(settings, teleop={**settings.teleop, "threshold": threshold})
        run_id = new_run(store, suite, suite_yaml, point)
        execute_run(store, run_id, show_progress=show_progress)
        row = threshold_row(store.done_episodes(run_id), store.handoffs(run_id), fleet, confidence)
        rows.append({"threshold": threshold, "run_id": run_id, **row})
    return pd.DataFrame(rows)


def cheapest(curve: pd.DataFrame, target_nine: int) -> pd.Series | None:
    """The cheapest threshold demonstrating target_nine nines of crashes per km, or None."""
    meets = curve[curve["crash_upper_per_km"] <= 10.0 ** -target_nine]
    if meets.empty:
        return None
    return meets.sort_values(["operators_needed", "handoffs_per_1000_km"]).iloc[0]
