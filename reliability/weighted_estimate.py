"""The exposure-weighted failure rate from scenario families, with importance weights.

lambda = sum over encounter families s of nu_s * p_s + lambda_nominal (reference/statistics.md).
p_s is estimated from the family's episodes with weights w = f/q = exp(log f - log q);
lambda_nominal is failures per km of the nominal families. Each family reports its relative
half-width at 90 % (Feng et al.), its Kish effective sample size and whether its exposure or
distributions are assumed; the interval for lambda comes from the delta method, and a family
that has not failed yet adds its zero-event bound to the upper end.

A CE family's estimate uses the rounds drawn once its proposal had seen SETTLE_FAILURES
failures, and the last round if it never did: the first rounds explore from proposals near f,
and their rare failures carry the largest weights. Whether a round enters depends only on the
rounds before it, so each entering round is still unbiased given its past, and so is their
mean; the exploring rounds count in the episodes the acceleration factor charges.

Everything is computed from per-(family, round) sums (episodes, km, failures, sum w, sum w^2,
sum w y, sum (w y)^2; `SUM_COLUMNS`), so a store can aggregate them in SQL without handing over
every episode; `round_sums` gives them from an episode table and `family_sums` keeps the rounds
that enter each family's estimate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

Z90 = float(stats.norm.ppf(0.95))
SETTLE_FAILURES = 30  # = scenarios.samplers.MIN_FAILURES: from then on CE fits to failures


@dataclass(frozen=True)
class FamilyEstimate:
    family: str
    episodes: int
    failures: int
    p: float
    variance: float
    relative_half_width: float
    effective_sample_size: float
    exposure_per_km: float | None
    assumed: bool
    nominal: bool
    km: float
    zero_failure_upper: float | None
    exploring_episodes: int = 0  # CE rounds left out of p (see the module docstring)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class WeightedRate:
    rate_per_km: float
    lower: float
    upper: float
    confidence: float
    families: list[FamilyEstimate]
    assumed_families: list[str]

    def as_dict(self) -> dict:
        out = asdict(self)
        out["families"] = [f.as_dict() for f in self.families]
        return out


def importance_weights(episodes: pd.DataFrame) -> np.ndarray:
    """w = f / q per episode; a run whose episodes lack log f or log q cannot be reweighted."""
    if "log_f" not in episodes or "log_q" not in episodes or episodes[["log_f", "log_q"]].isna().any().any():
        raise ValueError("episodes lack importance weights (log_f and log_q)")
    return np.exp(episodes["log_f"].to_numpy() - episodes["log_q"].to_numpy())


SUM_COLUMNS = ("episodes", "km", "failures", "w", "w2", "wy", "wy2")


def round_sums(episodes: pd.DataFrame, failed: np.ndarray) -> pd.DataFrame:
    """One row per (family, round) (index) with SUM_COLUMNS and ce (drawn by the CE sampler),
    from episodes with family, km, log_f, log_q, optionally round and sampler (default: one
    round, not CE), and failed [n] bool (the stream being estimated)."""
    weights = importance_weights(episodes)
    values = weights * failed
    n = len(episodes)
    table = pd.DataFrame({"family": episodes["family"].to_numpy(),
                          "round": episodes["round"].to_numpy() if "round" in episodes else np.zeros(n, int),
                          "episodes": 1, "km": episodes["km"].to_numpy(), "failures": failed.astype(int),
                          "w": weights, "w2": weights ** 2, "wy": values, "wy2": values ** 2,
                          "ce": (episodes["sampler"] == "ce").to_numpy() if "sampler" in episodes else False})
    return table.groupby(["family", "round"], sort=True).agg({**{c: "sum" for c in SUM_COLUMNS}, "ce": "any"})


def settled_round(failures: np.ndarray) -> int:
    """Index of the first round that enters a CE estimate, given failures [rounds] per round:
    the first drawn after SETTLE_FAILURES failures, else the last."""
    seen_before = np.cumsum(failures) - failures
    return int(np.argmax(seen_before >= SETTLE_FAILURES)) if seen_before[-1] >= SETTLE_FAILURES else len(failures) - 1


def family_sums(rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per family (index) with SUM_COLUMNS, ce and exploring_episodes, from `round_sums`
    (or the same from SQL): all rounds of other families, a CE family's from its settled round."""
    rows = {}
    for family, table in rounds.groupby(level="family", sort=True):
        table = table.sort_index()
        ce = bool(table["ce"].any())
        first = settled_round(table["failures"].to_numpy()) if ce else 0
        row = table[list(SUM_COLUMNS)].iloc[first:].sum()
        rows[family] = {**row, "ce": ce, "exploring_episodes": int(table["episodes"].iloc[:first].sum())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("family")


def estimate_from_sums(name: str, sums: pd.Series, exposure: float | None, assumed: bool,
                       nominal: bool) -> FamilyEstimate:
    """p (per encounter; per km for nominal families) with its variance, RHW and ESS, from
    one family's SUM_COLUMNS."""
    n, km, failures = int(sums["episodes"]), float(sums["km"]), int(sums["failures"])
    ess = float(sums["w"] ** 2 / sums["w2"]) if n and sums["w2"] > 0 else 0.0
    if nominal:
        p = failures / km if km > 0 else float("nan")
        variance = failures / km ** 2 if km > 0 else float("nan")
    else:
        p = float(sums["wy"] / n) if n else float("nan")
        # the sample variance of w y over n, from its sums (clipped at 0 against rounding)
        variance = max(0.0, float((sums["wy2"] - n * p ** 2) / (n - 1) / n)) if n > 1 else float("nan")
    rhw = Z90 * np.sqrt(variance) / p if p > 0 else float("inf")
    return FamilyEstimate(name, n, failures, float(p), float(variance), float(rhw), ess, exposure, assumed,
                          nominal, km, None, int(sums["exploring_episodes"]))


def family_estimate(name: str, episodes: pd.DataFrame, failed: np.ndarray, exposure: float | None, assumed: bool,
                    nominal: bool) -> FamilyEstimate:
    """The estimate of one family from its episodes."""
    sums = family_sums(round_sums(episodes.assign(family=name), failed)).iloc[0]
    return estimate_from_sums(name, sums, exposure, assumed, nominal)


def with_zero_failure_bound(estimate: FamilyEstimate, confidence: float) -> FamilyEstimate:
    """A family without failures has p = 0 and no variance; bound it instead with the zero-event
    bound -ln(1 - C) / n, over its km (nominal) or its effective sample size (encounters)."""
    if estimate.failures > 0:
        return estimate
    base = estimate.km if estimate.nominal else estimate.effective_sample_size
    bound = -np.log(1 - confidence) / base if base > 0 else float("inf")
    return FamilyEstimate(**{**estimate.as_dict(), "zero_failure_upper": float(bound)})


def weighted_rate(episodes: pd.DataFrame, failed: np.ndarray, families: pd.DataFrame,
                  confidence: float = 0.95) -> WeightedRate:
    """families: one row per family name with exposure_per_km (NaN for nominal), nominal,
    assumed. failed [n] bool per episode (the stream being estimated)."""
    return weighted_rate_from_sums(family_sums(round_sums(episodes, failed)), families, confidence)


def weighted_rate_from_sums(sums: pd.DataFrame, families: pd.DataFrame, confidence: float = 0.95) -> WeightedRate:
    """The same from `family_sums`."""
    meta = families.set_index("name")
    estimates = []
    for name, row in sums.sort_index().iterrows():
        info = meta.loc[name]
        exposure = None if info["nominal"] else float(info["exposure_per_km"])
        estimates.append(with_zero_failure_bound(
            estimate_from_sums(name, row, exposure, bool(info["assumed"]), bool(info["nominal"])), confidence))
    encounters = [e for e in estimates if not e.nominal]
    nominal = [e for e in estimates if e.nominal]
    nominal_km = sum(e.km for e in nominal)
    nominal_failures = sum(e.failures for e in nominal)
    rate = sum(e.exposure_per_km * e.p for e in encounters)
    variance = sum(e.exposure_per_km ** 2 * (0.0 if np.isnan(e.variance) else e.variance) for e in encounters)
    if nominal_km > 0:
        rate += nominal_failures / nominal_km
        variance += nominal_failures / nominal_km ** 2
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = z * np.sqrt(variance)
    # families without a failure add their zero-event bound to the upper end
    unseen = sum((1.0 if e.nominal else e.exposure_per_km) * e.zero_failure_upper
                 for e in estimates if e.zero_failure_upper is not None)
    if nominal_km > 0 and nominal_failures == 0:
        unseen -= sum(e.zero_failure_upper for e in nominal)
        unseen += -np.log(1 - confidence) / nominal_km
    return WeightedRate(float(rate), float(max(0.0, rate - half)), float(rate + half + unseen), confidence,
                        estimates, [e.family for e in estimates if e.assumed])


def acceleration_factor(estimate: FamilyEstimate) -> float | None:
    """Naive Monte Carlo episodes needed for the same relative half-width, over those used
    (the exploring CE rounds included).

    A naive estimate of p from n Bernoulli draws has RHW = z sqrt((1 - p) / (n p)), so
    reaching this family's RHW takes n = z^2 (1 - p) / (p RHW^2) episodes."""
    if estimate.nominal or not estimate.p > 0 or not np.isfinite(estimate.relative_half_width):
        return None
    naive = Z90 ** 2 * (1 - estimate.p) / (estimate.p * estimate.relative_half_width ** 2)
    return float(naive / (estimate.episodes + estimate.exploring_episodes))
