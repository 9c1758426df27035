"""Run-to-run comparison for regression gates: the ratio of two runs' exposure-weighted rates
with its test and interval, per-family changes corrected for testing many families at once,
a paired test when both runs drove the same scenarios, and the scenarios that passed in A and
fail in B.

The ratio r of B's weighted rate over A's is judged by a score test: if every family's rate
in B were r times its rate in A, the two runs estimate those rates together (pooled, under
that hypothesis), which gives the standard deviation of y_b - r y_a; the p-value tests r = 1
and the interval holds the r the test does not reject (so a regression gate on the interval's
lower end and the p-value agree). For one plain Poisson stratum this is the score test of two
Poisson rates (statsmodels). Importance-sampled families enter with their own variances.
`rate_ratio` keeps the exact conditional test for plain counts.

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
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests

from reliability.weighted_estimate import FamilyEstimate, WeightedRate

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


def rate_ratio(events_a: float, km_a: float, events_b: float, km_b: float, confidence: float = 0.95) -> RateRatio:
    """B's event rate over A's, with the exact conditional test of equal rates and its
    Clopper-Pearson interval (for plain Poisson counts)."""
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
    """The ratio of two exposure-weighted rates, its score test of equal rates and the
    interval that inverts the same test (see the module docstring)."""
    events_a, km_a = _effective(a)
    events_b, km_b = _effective(b)
    if a.rate_per_km <= 0 and b.rate_per_km <= 0:
        return RateRatio(events_a, km_a, events_b, km_b, None, None, None, None)
    critical = float(stats.norm.ppf(0.5 + confidence / 2))

    def score(log_ratio: float) -> float:
        return _score(a, b, float(np.exp(log_ratio)))

    z_equal = score(0.0)
    lower = _root(lambda r: score(r) - critical) if score(-30.0) > critical else 0.0
    upper = _root(lambda r: score(r) + critical) if score(30.0) < -critical else float("inf")
    ratio = b.rate_per_km / a.rate_per_km if a.rate_per_km > 0 else float("inf")
    return RateRatio(events_a, km_a, events_b, km_b, float(ratio), float(lower), float(upper),
                     float(2 * stats.norm.sf(abs(z_equal))))


def _effective(rate: WeightedRate) -> tuple[float, float]:
    """(effective events y^2 / v, effective km y / v) of a weighted rate; a run without events
    has none over 1 / w_max km, the km its bound is drawn from."""
    bound = rate.bound
    if bound.y > 0 and bound.v > 0:
        return bound.y ** 2 / bound.v, bound.y / bound.v
    return 0.0, 1.0 / bound.w_max


def _root(function) -> float:
    """exp of the root of a decreasing function of log r on [-30, 30]."""
    return float(np.exp(optimize.brentq(function, -30.0, 30.0, xtol=1e-10)))


def _score(a: WeightedRate, b: WeightedRate, ratio: float) -> float:
    """(y_b - r y_a) over its standard deviation if every family's rate in B were r times its
    rate in A, with the rates the two runs estimate together under that hypothesis: Poisson
    for the nominal stratum and naturalistic families, the runs' own variances for
    importance-sampled ones. Decreasing in r; for one plain Poisson stratum it is the score
    statistic of two Poisson rates."""
    variance = 0.0
    for stratum_a, stratum_b in _strata(a.families, b.families):
        (p_a, units_a, nu, kind_a, var_a), (p_b, units_b, _, kind_b, var_b) = stratum_a, stratum_b
        if "weighted" in (kind_a, kind_b):
            variance += nu ** 2 * (ratio ** 2 * var_a + var_b)
        elif units_a > 0 and units_b > 0:
            rate_a = (p_a * units_a + p_b * units_b) / (units_a + ratio * units_b)
            variance += nu ** 2 * (ratio ** 2 * rate_a / units_a + ratio * rate_a / units_b)
    if variance <= 0:
        return 0.0
    return (b.rate_per_km - ratio * a.rate_per_km) / np.sqrt(variance)


def _strata(a: list[FamilyEstimate], b: list[FamilyEstimate]) -> list[tuple[tuple, tuple]]:
    """Pairs of (p, units, nu, kind, variance) for the pooled nominal stratum and each encounter
    family of the two runs; a family one run lacks enters with no units, and an importance-
    sampled family without events borrows the other run's variance scaled to its size."""
    def nominal(run: list[FamilyEstimate]) -> tuple:
        units = sum(f.units for f in run if f.nominal)
        events = sum(f.p * f.units for f in run if f.nominal)
        return (events / units if units else 0.0, units, 1.0, "nominal", 0.0)

    def encounter(f: FamilyEstimate | None, twin: FamilyEstimate | None) -> tuple:
        if f is None:
            return (0.0, 0.0, twin.exposure_per_km, twin.kind, 0.0)
        variance = f.variance if f.p > 0 or twin is None or twin.p <= 0 else twin.variance * twin.units / f.units
        return (f.p, f.units, f.exposure_per_km, f.kind, variance)

    by_a, by_b = ({f.family: f for f in run if not f.nominal} for run in (a, b))
    pairs = [(nominal(a), nominal(b))]
    for family in sorted(set(by_a) | set(by_b)):
        fa, fb = by_a.get(family), by_b.get(family)
        pairs.append((encounter(fa, fb), encounter(fb, fa)))
    return pairs


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
