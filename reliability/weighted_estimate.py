"""The exposure-weighted failure rate from scenario families, with importance weights.

lambda = sum over encounter families s of nu_s * p_s + lambda_nominal (reference/statistics.md).
p_s, the expected events of the stream per encounter, is estimated from the family's episodes
with weights w = f/q = exp(log f - log q); lambda_nominal is events per km of the nominal
families, pooled. Each family reports its interval, its relative half-width at 90 % (Feng et
al.), the effective sample size of the estimate ESS_wy = (sum w y)^2 / sum (w y)^2, Kish's
(sum w)^2 / sum w^2 of the proposal, and a health check; the rate's interval is Fay and
Feuer's gamma interval (reliability/weighted_poisson.py).

A family's interval:
- nominal (per km): the gamma interval of its weighted events over its weighted km (Garwood's
  exact one when q = f);
- naturalistic (q = f): Clopper-Pearson's exact interval (Garwood's for counts above 1);
- importance-sampled: the estimate is itself a weighted sum of events (weights w / n), so it
  gets the same gamma interval as the rate, with one more event of the largest w y seen on the
  upper side; its RHW90 is half the width of its 90 % interval over p. Against Student-t with
  ESS_wy - 1 degrees of freedom it covers skewed estimates better (bench/coverage.py, recorded
  in docs/log.md). It assumes the proposal covers the failure region; the health check flags
  the estimates where that shows to be in doubt: a CE run that never settled, ESS_wy below
  HEALTH_MIN_ESS, one draw carrying more than HEALTH_MAX_SHARE of the estimate, or a
  generalised Pareto tail of the w y values with shape above HEALTH_MAX_TAIL_K (Vehtari et
  al., "Pareto smoothed importance sampling", 2024). A family without an event is bounded by
  one more event at its heaviest weight.

A CE family's estimate uses the rounds drawn once its proposal had seen SETTLE_FAILURES
failures (of any kind, as the sampler counts them), and the last round if it never did (then
it is "not settled"): the exploring rounds' rare failures carry the largest weights. Whether a
round enters depends only on the rounds before it, so each entering round is unbiased given
its past, and so is their mean; the exploring rounds count in the episodes charged.

Everything is computed from per-(family, round) sums (`SUM_COLUMNS`) and the list of the
non-zero w y values, so a store can aggregate them in SQL; `round_sums` gives them from an
episode table and `family_sums` keeps the rounds that enter each family's estimate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from reliability.weighted_poisson import WeightedPoisson

Z90 = float(stats.norm.ppf(0.95))
SETTLE_FAILURES = 30  # = scenarios.samplers.MIN_FAILURES: from then on CE fits to failures
HEALTH_MIN_ESS = 10.0
HEALTH_MAX_SHARE = 0.25
HEALTH_MAX_TAIL_K = 0.7
TAIL_MIN_POINTS = 5


@dataclass(frozen=True)
class FamilyEstimate:
    """One family's estimate of a stream: p events per encounter (per km for nominal
    families) with its variance and interval at `confidence`. kind: nominal, naturalistic
    (q = f) or weighted (importance-sampled). contribution_per_km is its term of lambda
    (nu p, or p for nominal), event_weight_per_km what one more event would add to it."""

    family: str
    kind: str
    episodes: int
    exploring_episodes: int
    events: int
    km: float
    p: float
    variance: float
    lower: float
    upper: float
    confidence: float
    relative_half_width: float
    ess_wy: float
    kish_ess: float
    largest_share: float | None
    tail_k: float | None
    settled: bool
    problems: tuple[str, ...]
    exposure_per_km: float | None
    assumed: bool
    contribution_per_km: float
    event_weight_per_km: float
    units: float
    share: float | None = None  # of the weighted rate, set by weighted_rate

    @property
    def nominal(self) -> bool:
        return self.kind == "nominal"

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {**asdict(self), "problems": list(self.problems), "healthy": self.healthy}


@dataclass(frozen=True)
class WeightedRate:
    """lambda per km with its two-sided interval and one-sided bounds at `confidence`, and the
    gamma (`bound`) they come from."""

    rate_per_km: float
    lower: float
    upper: float
    lower_one_sided: float
    upper_one_sided: float
    confidence: float
    bound: WeightedPoisson
    families: list[FamilyEstimate]
    assumed_families: list[str] = field(default_factory=list)
    unhealthy_families: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["families"] = [f.as_dict() for f in self.families]
        return out


def importance_weights(episodes: pd.DataFrame) -> np.ndarray:
    """w = f / q per episode; a run whose episodes lack log f or log q cannot be reweighted."""
    if "log_f" not in episodes or "log_q" not in episodes or episodes[["log_f", "log_q"]].isna().any().any():
        raise ValueError("episodes lack importance weights (log_f and log_q)")
    return np.exp(episodes["log_f"].to_numpy() - episodes["log_q"].to_numpy())


SUM_COLUMNS = ("episodes", "km", "events", "failures", "w", "w2", "wkm", "wy", "wy2")


def round_sums(episodes: pd.DataFrame, events: np.ndarray) -> pd.DataFrame:
    """One row per (family, round) (index) with SUM_COLUMNS, w_max, y_max, wy_values (the
    non-zero w y), integral (whole counts, not e.g. fatality risks), ce (drawn by the CE
    sampler) and naturalistic (q = f throughout), from
    episodes with family, km, log_f, log_q, optionally round, sampler (default: one round, not
    CE) and failure (any failed outcome, which CE settles on; default events > 0), and
    events [n] >= 0 (the stream being estimated: 0/1 or a count)."""
    weights = importance_weights(episodes)
    events = np.asarray(events, float)
    values = weights * events
    n = len(episodes)
    table = pd.DataFrame({"family": episodes["family"].to_numpy(),
                          "round": episodes["round"].fillna(0).to_numpy(int) if "round" in episodes else np.zeros(n, int),
                          "episodes": 1, "km": episodes["km"].to_numpy(float), "events": events,
                          "failures": (episodes["failure"].to_numpy(bool) if "failure" in episodes else events > 0),
                          "w": weights, "w2": weights ** 2, "wkm": weights * episodes["km"].to_numpy(float),
                          "wy": values, "wy2": values ** 2, "w_max": weights, "y_max": events,
                          "wy_values": values, "integral": events == np.round(events),
                          "ce": (episodes["sampler"] == "ce").to_numpy() if "sampler" in episodes else False,
                          "naturalistic": episodes["log_f"].to_numpy() == episodes["log_q"].to_numpy()})
    return table.groupby(["family", "round"], sort=True).agg(
        {**{c: "sum" for c in SUM_COLUMNS}, "w_max": "max", "y_max": "max",
         "wy_values": lambda v: [float(x) for x in v if x > 0], "integral": "all", "ce": "any",
         "naturalistic": "all"})


def settled_round(failures: np.ndarray) -> tuple[int, bool]:
    """(index of the first round that enters a CE estimate, whether it settled), given
    failures [rounds] per round: the first drawn after SETTLE_FAILURES failures, else the last."""
    seen_before = np.cumsum(failures) - failures
    if seen_before[-1] >= SETTLE_FAILURES:
        return int(np.argmax(seen_before >= SETTLE_FAILURES)), True
    return len(failures) - 1, False


def family_sums(rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per family (index) with SUM_COLUMNS, w_max, y_max, wy_values, integral, ce,
    naturalistic, settled and exploring_episodes, from `round_sums` (or the same from SQL): all rounds of
    other families, a CE family's from its settled round."""
    rows = {}
    for family, table in rounds.groupby(level="family", sort=True):
        table = table.sort_index()
        ce = bool(table["ce"].any())
        first, settled = settled_round(table["failures"].to_numpy()) if ce else (0, True)
        kept = table.iloc[first:]
        rows[family] = {**kept[list(SUM_COLUMNS)].sum(), "w_max": float(kept["w_max"].max()),
                        "y_max": float(kept["y_max"].max()),
                        "wy_values": [v for values in kept["wy_values"] for v in values],
                        "integral": bool(kept["integral"].all()), "ce": ce,
                        "naturalistic": bool(kept["naturalistic"].all()), "settled": settled,
                        "exploring_episodes": int(table["episodes"].iloc[:first].sum())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("family")


def tail_shape(values: list[float]) -> float | None:
    """Shape k of a generalised Pareto fitted to the largest M = min(20 %, 3 sqrt(S)) of S
    non-zero w y values over the next largest, as Pareto smoothed importance sampling does;
    None below TAIL_MIN_POINTS. k > 0.7: the variance the sample shows is not to be trusted.

    The fit is Zhang and Stephens' (2009, Technometrics 51(3)) empirical-Bayes estimate with
    PSIS's weak prior on k (10 pseudo-observations at 0.5): a weighted mean over a grid of
    scale parameters, vectorised, where scipy's genpareto.fit (maximum likelihood by
    Nelder-Mead) takes 25 ms a family and is erratic on a dozen points."""
    ordered = np.sort(np.asarray(values, float))
    tail = int(min(np.ceil(0.2 * len(ordered)), np.ceil(3 * np.sqrt(len(ordered)))))
    if tail < TAIL_MIN_POINTS or len(ordered) <= tail:
        return None
    x = ordered[-tail:] - ordered[-tail - 1]
    if not np.all(x > 0):
        return None
    grid = 30 + int(np.sqrt(tail))
    theta = 1 / x[-1] + (1 - np.sqrt(grid / (np.arange(1, grid + 1) - 0.5))) / (3 * x[int(tail / 4 + 0.5) - 1])
    k = np.log1p(-theta[:, None] * x).mean(axis=1)
    profile = tail * (np.log(-theta / k) - k - 1)
    weights = np.exp(profile - profile.max())
    theta_mean = float(np.sum(theta * weights) / weights.sum())
    k_hat = float(np.log1p(-theta_mean * x).mean())
    return (tail * k_hat + 10 * 0.5) / (tail + 10)


def _health(settled: bool, events: int, ess_wy: float, largest_share: float | None, tail_k: float | None
            ) -> tuple[str, ...]:
    problems = []
    if not settled:
        problems.append(f"not settled (fewer than {SETTLE_FAILURES} failures before its last round)")
    if events and ess_wy < HEALTH_MIN_ESS:
        problems.append(f"ESS_wy {ess_wy:.1f} < {HEALTH_MIN_ESS:g}")
    if largest_share is not None and largest_share > HEALTH_MAX_SHARE and events > 1:
        problems.append(f"one draw carries {largest_share:.0%} of the estimate")
    if tail_k is not None and tail_k > HEALTH_MAX_TAIL_K:
        problems.append(f"heavy tail of weights (Pareto k {tail_k:.2f} > {HEALTH_MAX_TAIL_K})")
    return tuple(problems)


def estimate_from_sums(name: str, sums: pd.Series, exposure: float | None, assumed: bool, nominal: bool,
                       confidence: float = 0.95) -> FamilyEstimate:
    """One family's estimate from its row of `family_sums`."""
    n, km, events = int(sums["episodes"]), float(sums["km"]), int(round(float(sums["events"])))
    w_max, y_max, integral = float(sums["w_max"]), float(sums["y_max"]), bool(sums["integral"])
    # one more event: a whole one, or for expectations (fatality risks) the largest value seen
    unit = y_max if not integral and y_max > 0 else 1.0
    values = np.asarray(sums["wy_values"], float)
    wy, wy2 = float(sums["wy"]), float(sums["wy2"])
    ess_wy = wy ** 2 / wy2 if wy2 > 0 else 0.0
    kish = float(sums["w"] ** 2 / sums["w2"]) if sums["w2"] > 0 else 0.0
    largest = float(values.max() / wy) if wy > 0 else None
    tail_k = None
    nu = exposure or 0.0
    tail = (1.0 - confidence) / 2
    if nominal:
        kind = "nominal"
        exposure_km = float(sums["wkm"])
        p = wy / exposure_km if exposure_km > 0 else float("nan")
        variance = wy2 / exposure_km ** 2 if exposure_km > 0 else float("nan")
        event_weight = w_max * unit / exposure_km if exposure_km > 0 else float("inf")
        lower, upper = WeightedPoisson(p, variance, event_weight).interval(confidence)
        contribution = p
    elif bool(sums["naturalistic"]):
        kind = "naturalistic"
        p, variance = wy / n, wy2 / n ** 2
        if integral and y_max <= 1:
            ci = stats.binomtest(events, n).proportion_ci(confidence, method="exact")
            lower, upper = float(ci.low), float(ci.high)
        elif integral:
            lower, upper = WeightedPoisson.of_counts(events, n).interval(confidence)
        else:
            lower, upper = WeightedPoisson(p, variance, unit / n).interval(confidence)
        event_weight = nu * unit / n
        contribution = nu * p
    else:
        kind = "weighted"
        p = wy / n
        # the sample variance of w y over n, from its sums (clipped at 0 against rounding)
        variance = max(0.0, (wy2 - n * p ** 2) / (n - 1) / n) if n > 1 else float("nan")
        if wy > 0:
            bound = WeightedPoisson(p, variance, float(values.max()) / n)
            lower, upper = bound.interval(confidence)
            low90, high90 = bound.interval(0.90)
            rhw = (high90 - low90) / (2 * p)
            tail_k = tail_shape(list(values))
        else:
            lower, upper = 0.0, float(-np.log(tail) * w_max * unit / n)
        if integral and y_max <= 1:
            upper = min(upper, 1.0)
        contribution = nu * p
        event_weight = nu * variance / p if wy > 0 and variance > 0 else nu * w_max * unit / n
    if kind != "weighted" or not wy > 0:
        rhw = Z90 * np.sqrt(variance) / p if p > 0 else float("inf")
    settled = bool(sums["settled"])
    problems = _health(settled, events, ess_wy, largest, tail_k) if kind == "weighted" else ()
    return FamilyEstimate(name, kind, n, int(sums["exploring_episodes"]), events, km, float(p), float(variance),
                          float(lower), float(upper), confidence, float(rhw), float(ess_wy), kish, largest, tail_k,
                          settled, problems, exposure, assumed, float(contribution), float(event_weight),
                          float(sums["wkm"]) if nominal else float(n))


def family_estimate(name: str, episodes: pd.DataFrame, events: np.ndarray, exposure: float | None, assumed: bool,
                    nominal: bool, confidence: float = 0.95) -> FamilyEstimate:
    """The estimate of one family from its episodes."""
    sums = family_sums(round_sums(episodes.assign(family=name), events)).iloc[0]
    return estimate_from_sums(name, sums, exposure, assumed, nominal, confidence)


def weighted_rate(episodes: pd.DataFrame, events: np.ndarray, families: pd.DataFrame,
                  confidence: float = 0.95) -> WeightedRate:
    """families: one row per family name with exposure_per_km (NaN for nominal), nominal,
    assumed. events [n] >= 0 per episode (the stream being estimated)."""
    return weighted_rate_from_sums(family_sums(round_sums(episodes, events)), families, confidence)


def weighted_rate_from_sums(sums: pd.DataFrame, families: pd.DataFrame, confidence: float = 0.95) -> WeightedRate:
    """The same from `family_sums`: the nominal families pooled into one stratum, each
    encounter family one more (an effective count p^2 / var), Fay and Feuer's bounds."""
    meta = families.set_index("name")
    estimates = []
    for name, row in sums.sort_index().iterrows():
        info = meta.loc[name]
        exposure = None if info["nominal"] else float(info["exposure_per_km"])
        estimates.append(estimate_from_sums(name, row, exposure, bool(info["assumed"]), bool(info["nominal"]),
                                            confidence))
    nominal = sums[[bool(meta.loc[name, "nominal"]) for name in sums.index]]
    y = v = 0.0
    weights = [e.event_weight_per_km for e in estimates if not e.nominal]
    if len(nominal) and nominal["wkm"].sum() > 0:
        exposure_km = float(nominal["wkm"].sum())
        y, v = float(nominal["wy"].sum()) / exposure_km, float(nominal["wy2"].sum()) / exposure_km ** 2
        weights.append(float(nominal["w_max"].max()) / exposure_km)
    for e in estimates:
        if not e.nominal and e.p > 0:
            y += e.contribution_per_km
            v += e.exposure_per_km ** 2 * e.variance
    bound = WeightedPoisson(y, v, max(weights, default=float("inf")))
    tail = (1.0 - confidence) / 2
    shares = [FamilyEstimate(**{**asdict(e), "share": e.contribution_per_km / y if y > 0 else None})
              for e in estimates]
    return WeightedRate(y, bound.lower(1 - tail), bound.upper(1 - tail), bound.lower(confidence),
                        bound.upper(confidence), confidence, bound, shares,
                        [e.family for e in estimates if e.assumed], [e.family for e in estimates if not e.healthy])


def acceleration_factor(estimate: FamilyEstimate) -> float | None:
    """This run's estimate of p (1 - p) / (var x N): the naive Monte Carlo episodes that would
    give the same variance over the episodes used (the exploring CE rounds included), for a
    healthy importance-sampled family with events. A claim of acceleration is measured over
    replications against a known truth instead (bench/coverage.py, bench/nines.py)."""
    if estimate.kind != "weighted" or not estimate.healthy or not estimate.p > 0 or not estimate.variance > 0:
        return None
    return float(estimate.p * (1 - min(estimate.p, 1.0)) / (estimate.variance
                                                              * (estimate.episodes + estimate.exploring_episodes)))
