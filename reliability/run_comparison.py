"""Run-to-run comparison for regression gates: the ratio of two runs' exposure-weighted rates
with its test and interval, per-family changes corrected for testing many families at once,
a paired test when both runs drove the same scenarios, and the scenarios that passed in A and
fail in B.

The test of equal rates is a score test: under the null hypothesis each family has one rate
in both runs, estimated from both (pooled), and the difference of the two weighted rates is
divided by its standard deviation under that hypothesis (for one plain Poisson stratum this is
statsmodels' score test of two Poisson rates). The interval of the ratio is the exact
conditional one of two Poisson rates carried over to weighted rates through their effective
events k = y^2 / v and effective km T = y / v (a plain run of k events over T km gives back k
and T exactly): given k_a + k_b, k_b is binomial with share pi = r T_b / (r T_b + T_a), and its
Clopper-Pearson interval (beta quantiles, which take non-integer counts) maps to an interval
for r. A run without events enters with k = 0 over 1 / w_max km, the km its bound is drawn
from.

Per family: the two estimates of p (reliability.weighted_estimate) differ by more than their
standard errors allow (a z-test), or, for two naturalistic families of 0/1 outcomes, Fisher's
exact test; the p-values are adjusted by Holm's method across the families (statsmodels).

Paired: the scenarios both runs drove (same family, seed and parameters) that ended
differently; McNemar's exact test is the binomial test of the discordant pairs (scipy).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reliability.weighted_estimate import FamilyEstimate, WeightedRate
from reliability.weighted_poisson import WeightedPoisson

SCENARIO_KEY = ["family", "seed", "params"]


@dataclass(frozen=True)
class RateRatio:
    """B's rate over A's. events and km are effective ones for weighted rates."""

    events_a: float
    km_a: float
    events_b: float
    km_b: float
    ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _effective(rate: WeightedPoisson) -> tuple[float, float]:
    """(effective events, effective km) of a weighted rate."""
    if rate.y > 0 and rate.v > 0:
        return rate.y ** 2 / rate.v, rate.y / rate.v
    return 0.0, 1.0 / rate.w_max


def rate_ratio(events_a: float, km_a: float, events_b: float, km_b: float, confidence: float = 0.95) -> RateRatio:
    """B's event rate over A's, with the exact conditional test of equal rates and its interval."""
    if km_a <= 0 or km_b <= 0 or events_a + events_b <= 0:
        return RateRatio(events_a, km_a, events_b, km_b, None, None, None, None)
    total, alpha = events_a + events_b, 1.0 - confidence
    null_share = km_b / (km_a + km_b)
    # P(K_b >= k_b) and P(K_b <= k_b) of a binomial(total, null_share), through the beta
    above = stats.beta.cdf(null_share, events_b, total - events_b + 1) if events_b > 0 else 1.0
    below = stats.beta.sf(null_share, events_b + 1, total - events_b) if events_b < total else 1.0
    low = stats.beta.ppf(alpha / 2, events_b, total - events_b + 1) if events_b > 0 else 0.0
    high = stats.beta.ppf(1 - alpha / 2, events_b + 1, total - events_b) if events_b < total else 1.0

    def to_ratio(share: float) -> float:
        return float("inf") if share >= 1 else float(share * km_a / ((1 - share) * km_b))

    ratio = (events_b / km_b) / (events_a / km_a) if events_a > 0 else float("inf")
    return RateRatio(events_a, km_a, events_b, km_b, float(ratio), to_ratio(low), to_ratio(high),
                     float(min(1.0, 2 * min(above, below))))


def weighted_rate_ratio(a: WeightedRate, b: WeightedRate, confidence: float = 0.95) -> RateRatio:
    """The ratio of two exposure-weighted rates with the score test's p-value (see the module
    docstring)."""
    (events_a, km_a), (events_b, km_b) = _effective(a.bound), _effective(b.bound)
    ratio = rate_ratio(events_a, km_a, events_b, km_b, confidence)
    if ratio.ratio is None:
        return ratio
    spread = np.sqrt(_null_variance(a.families, b.families) + _null_variance(b.families, a.families))
    p_value = 1.0 if spread == 0 else float(2 * stats.norm.sf(abs(b.rate_per_km - a.rate_per_km) / spread))
    return RateRatio(**{**ratio.as_dict(), "p_value": p_value})


def _null_variance(run: list[FamilyEstimate], other: list[FamilyEstimate]) -> float:
    """The variance of `run`'s weighted rate if each family had the rate pooled over both runs:
    Poisson for the nominal stratum and naturalistic families, the run's own for importance-
    sampled ones (the other run's, scaled to this run's size, when this one saw no event)."""
    others = {f.family: f for f in other}
    nominal = [f for f in run if f.nominal]
    pooled_units = sum(f.units for f in nominal) + sum(f.units for f in other if f.nominal)
    pooled_events = sum(f.p * f.units for f in nominal) + sum(f.p * f.units for f in other if f.nominal)
    variance = pooled_events / pooled_units / sum(f.units for f in nominal) if nominal and pooled_units else 0.0
    for f in run:
        twin = others.get(f.family)
        if f.nominal:
            continue
        if f.kind == "naturalistic":
            rate = (f.p * f.units + (twin.p * twin.units if twin else 0.0)) / (f.units + (twin.units if twin else 0.0))
            variance += f.exposure_per_km ** 2 * rate / f.units
        elif f.p > 0:
            variance += f.exposure_per_km ** 2 * f.variance
        elif twin is not None and twin.p > 0:
            variance += f.exposure_per_km ** 2 * twin.variance * twin.units / f.units
    return float(variance)


def family_changes(a: list[FamilyEstimate], b: list[FamilyEstimate]) -> pd.DataFrame:
    """Per family in either run: both estimates, the p-value of the change and Holm's adjusted
    p-value across the families tested (NaN where a family is in one run only)."""
    by_a, by_b = {f.family: f for f in a}, {f.family: f for f in b}
    rows = []
    for family in sorted(set(by_a) | set(by_b)):
        fa, fb = by_a.get(family), by_b.get(family)
        rows.append({"family": family, "episodes_a": fa.episodes if fa else 0, "events_a": fa.events if fa else 0,
                     "p_a": fa.p if fa else np.nan, "episodes_b": fb.episodes if fb else 0,
                     "events_b": fb.events if fb else 0, "p_b": fb.p if fb else np.nan,
                     "p_value": _change_p_value(fa, fb) if fa and fb else np.nan})
    table = pd.DataFrame(rows)
    tested = table["p_value"].notna()
    table["p_holm"] = np.nan
    if tested.any():
        table.loc[tested, "p_holm"] = multipletests(table.loc[tested, "p_value"], method="holm")[1]
    return table


def _change_p_value(a: FamilyEstimate, b: FamilyEstimate) -> float:
    if a.kind == b.kind == "naturalistic" and max(a.events, b.events) <= max(a.episodes, b.episodes):
        return float(stats.fisher_exact([[a.events, a.episodes - a.events], [b.events, b.episodes - b.events]]).pvalue)
    spread = np.sqrt(np.nan_to_num(a.variance) + np.nan_to_num(b.variance))
    if spread == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(b.p - a.p) / spread))


@dataclass(frozen=True)
class PairedTest:
    """Scenarios both runs drove: how many, and of those ended differently, how many failed
    only in A and only in B, with McNemar's exact p-value."""

    pairs: int
    failed_only_a: int
    failed_only_b: int
    p_value: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _pairs(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    return a[SCENARIO_KEY + ["episode_id", "failure"]].merge(
        b[SCENARIO_KEY + ["episode_id", "failure", "failure_type", "clip_path"]], on=SCENARIO_KEY,
        suffixes=("_a", "_b"))


def paired_test(a: pd.DataFrame, b: pd.DataFrame) -> PairedTest:
    pairs = _pairs(a, b)
    only_a = int((pairs.failure_a & ~pairs.failure_b).sum())
    only_b = int((~pairs.failure_a & pairs.failure_b).sum())
    p_value = stats.binomtest(only_b, only_a + only_b, 0.5).pvalue if only_a + only_b else None
    return PairedTest(len(pairs), only_a, only_b, None if p_value is None else float(p_value))


def newly_failing(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Scenarios (same family, seed and parameters) that passed in run A and fail in run B."""
    pairs = _pairs(a, b)
    return pairs[~pairs.failure_a & pairs.failure_b].reset_index(drop=True)


def regressions(ratio: RateRatio, changes: pd.DataFrame, paired: PairedTest, threshold: float,
                alpha: float = 0.05) -> list[str]:
    """What a regression gate fails on: the rate ratio's lower end above `threshold`, more
    scenarios failing in B only than in A only with McNemar's p below alpha, and the families
    whose events per encounter rose with a Holm-adjusted p-value below alpha."""
    found = []
    if ratio.lower is not None and ratio.lower > threshold:
        found.append(f"rate ratio B/A {ratio.ratio:.3g}, lower end {ratio.lower:.3g} > {threshold:g}")
    if paired.p_value is not None and paired.p_value < alpha and paired.failed_only_b > paired.failed_only_a:
        found.append(f"paired: {paired.failed_only_b} scenarios fail in B only, {paired.failed_only_a} in A only "
                     f"(McNemar p = {paired.p_value:.2g})")
    worse = changes[(changes["p_holm"] < alpha) & (changes["p_b"] > changes["p_a"])]
    found += [f"family {row.family}: p {row.p_a:.3g} -> {row.p_b:.3g} (Holm p = {row.p_holm:.2g})"
              for row in worse.itertuples()]
    return found
