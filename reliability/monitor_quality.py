"""How well a confidence signal warns of failures: AUROC of "failure within H seconds",
warning lead time, and false alarms per 1,000 km.

Works on per-tick logs: one row per (episode_id, time_s) with the driver's confidence in
[0, 1], and per episode the time of its failure (NaN if it did not fail) and its km."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def failure_soon_labels(ticks: pd.DataFrame, failure_time_s: pd.Series, horizon_s: float) -> np.ndarray:
    """Per tick: does its episode fail within horizon_s after it?"""
    until = ticks["episode_id"].map(failure_time_s).to_numpy(float) - ticks["time_s"].to_numpy(float)
    return (until >= 0) & (until <= horizon_s)


def auroc(ticks: pd.DataFrame, failure_time_s: pd.Series, horizon_s: float = 3.0) -> float | None:
    """P(a tick shortly before a failure has lower confidence than one that is not), from the
    Mann-Whitney U statistic. None when either class is empty."""
    labels = failure_soon_labels(ticks, failure_time_s, horizon_s)
    alarm = 1.0 - ticks["confidence"].to_numpy(float)
    positive, negative = alarm[labels], alarm[~labels]
    if len(positive) == 0 or len(negative) == 0:
        return None
    u = stats.mannwhitneyu(positive, negative, alternative="two-sided").statistic
    return float(u / (len(positive) * len(negative)))


def lead_times(ticks: pd.DataFrame, failure_time_s: pd.Series, threshold: float) -> pd.Series:
    """Per failed episode: seconds between its first confidence drop below threshold (within
    the last continuous low stretch is not required) and its failure."""
    low = ticks[ticks["confidence"] < threshold]
    first_low = low.groupby("episode_id")["time_s"].min()
    failed = failure_time_s.dropna()
    return (failed - first_low.reindex(failed.index)).dropna()


def false_alarms_per_1000_km(ticks: pd.DataFrame, failure_time_s: pd.Series, km: pd.Series, threshold: float,
                             horizon_s: float = 3.0) -> float | None:
    """Drops below threshold (a rising edge of the alarm) not followed by a failure within
    horizon_s, per 1,000 km driven."""
    total_km = float(km.sum())
    if total_km <= 0:
        return None
    ordered = ticks.sort_values(["episode_id", "time_s"])
    low = ordered["confidence"].to_numpy() < threshold
    same = ordered["episode_id"].to_numpy()
    previous_low = np.concatenate([[False], low[:-1]]) & np.concatenate([[False], same[1:] == same[:-1]])
    onsets = ordered[low & ~previous_low]
    false = ~failure_soon_labels(onsets, failure_time_s, horizon_s)
    return float(false.sum() / total_km * 1000.0)
