"""Run-to-run comparison: the rate ratio of two runs with its exact conditional test
(statsmodels) and interval, per-family changes (Fisher's exact test), and the scenarios that
passed in A and fail in B.

The interval is the exact conditional one: given n = k_a + k_b events, k_b is binomial with
p = r T_b / (r T_b + T_a); the Clopper-Pearson interval of p (scipy) maps to one for the rate
ratio r. It stays valid when a run has no failures (the upper end is then infinite)."""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats
from statsmodels.stats.rates import test_poisson_2indep

SCENARIO_KEY = ["family", "seed", "params"]


@dataclass(frozen=True)
class RateRatio:
    events_a: int
    km_a: float
    events_b: int
    km_b: float
    ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def rate_ratio(events_a: int, km_a: float, events_b: int, km_b: float, confidence: float = 0.95) -> RateRatio:
    """B's failure rate over A's, with a score test of equal rates and its interval."""
    if km_a <= 0 or km_b <= 0 or events_a + events_b == 0:
        return RateRatio(events_a, km_a, events_b, km_b, None, None, None, None)
    with warnings.catch_warnings():
        # statsmodels also divides by a zero rate when run A has no events; its p-value is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        test = test_poisson_2indep(events_b, km_b, events_a, km_a, method="exact-cond", compare="ratio")
    share = stats.binomtest(events_b, events_a + events_b).proportion_ci(confidence, method="exact")

    def to_ratio(p: float) -> float:
        return float("inf") if p >= 1 else p * km_a / ((1 - p) * km_b)

    ratio = (events_b / km_b) / (events_a / km_a) if events_a else float("inf")
    return RateRatio(events_a, km_a, events_b, km_b, ratio, to_ratio(share.low), to_ratio(share.high),
                     float(test.pvalue))


def family_counts(episodes: pd.DataFrame) -> pd.DataFrame:
    """Per family (index): episodes and failures."""
    return episodes.groupby("family").agg(episodes=("failure", "size"), failures=("failure", "sum"))


def family_changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Per family, from each run's `family_counts`: episodes and failures in each run and
    Fisher's exact p-value of the change."""
    rows = []
    for family in sorted(set(a.index) | set(b.index)):
        na, ka = (int(a.at[family, "episodes"]), int(a.at[family, "failures"])) if family in a.index else (0, 0)
        nb, kb = (int(b.at[family, "episodes"]), int(b.at[family, "failures"])) if family in b.index else (0, 0)
        p_value = stats.fisher_exact([[ka, na - ka], [kb, nb - kb]]).pvalue if na and nb else None
        rows.append({"family": family, "episodes_a": na, "failures_a": ka, "episodes_b": nb, "failures_b": kb,
                     "p_value": p_value})
    return pd.DataFrame(rows)


def newly_failing(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Scenarios (same family, seed and parameters) that passed in run A and fail in run B."""
    joined = a[SCENARIO_KEY + ["episode_id", "failure"]].merge(
        b[SCENARIO_KEY + ["episode_id", "failure", "failure_type", "clip_path"]], on=SCENARIO_KEY,
        suffixes=("_a", "_b"))
    return joined[~joined.failure_a & joined.failure_b].reset_index(drop=True)
