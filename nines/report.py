"""The report of a run: per-stream per-km rates with their nines ladders against the human
reference lines, the exposure-weighted rate with its interval, per-family estimates with the
acceleration factor, expected fatalities, and the Leaderboard scores. Numbers come from
`reliability`; this module only gathers them from the store and the family catalogue."""
from __future__ import annotations

import pandas as pd

from nines.store import Store
from nines.user_error import UserError
from reliability import leaderboard
from reliability.event_streams import stream_counts, stream_flags
from reliability.nines_ladder import nines_demonstrated, nines_ladder
from reliability.poisson_rate import rate_estimate
from reliability.reference_rates import HUMAN_RATES
from reliability.severity import fatality_risk
from reliability.weighted_estimate import acceleration_factor, weighted_rate
from scenarios.catalog import FAMILIES


def family_table() -> pd.DataFrame:
    """The catalogue as the plain table `reliability` works on."""
    return pd.DataFrame([{"name": f.name, "exposure_per_km": f.exposure_per_km if f.exposure_per_km is not None
                          else float("nan"), "nominal": f.nominal, "assumed": f.assumed} for f in FAMILIES.values()])


def load_episodes(store: Store, run_id: str) -> pd.DataFrame:
    store.run(run_id)
    episodes = store.done_episodes(run_id).reset_index(drop=True)
    if episodes.empty:
        raise UserError(f"run {run_id} has no episodes yet; run or resume it first")
    if episodes[["log_f", "log_q"]].isna().any().any():
        raise UserError(f"run {run_id} has episodes without importance weights (log_f, log_q); it cannot be reweighted")
    return episodes


def build_report(episodes: pd.DataFrame, run_id: str, confidence: float = 0.95) -> dict:
    km = float(episodes["km"].sum())
    flags = stream_flags(episodes)
    streams = {}
    for stream, count in stream_counts(episodes).items():
        estimate = rate_estimate(count, km, confidence)
        rungs = nines_ladder(count, km, confidence) if km > 0 else []
        streams[stream] = {"estimate": estimate.as_dict(), "ladder": [r.as_dict() for r in rungs],
                           "nines_demonstrated": nines_demonstrated(rungs) if rungs else 0}
    weighted = weighted_rate(episodes, flags["crash"].to_numpy(), family_table(), confidence)
    families = []
    for estimate in weighted.families:
        row = estimate.as_dict()
        row["acceleration"] = acceleration_factor(estimate) if (episodes[episodes.family == estimate.family].sampler
                                                                 == "ce").any() else None
        families.append(row)
    risk = fatality_risk(episodes)
    return {
        "run_id": run_id, "confidence": confidence, "episodes": len(episodes), "km": km,
        "zero_km": km == 0, "streams": streams,
        "weighted_crash_rate": {k: v for k, v in weighted.as_dict().items() if k != "families"},
        "families": families,
        "expected_fatalities": float(risk.sum()),
        "expected_fatalities_per_km": float(risk.sum() / km) if km > 0 else None,
        "human_reference": [{"name": r.name, "severity": r.severity, "per_km": r.per_km, "source": r.source}
                            for r in HUMAN_RATES],
        "leaderboard_2_0": leaderboard.summary(episodes, "2.0"),
        "leaderboard_2_1": leaderboard.summary(episodes, "2.1"),
    }
