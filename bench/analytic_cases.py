"""Analytic failure regions with exactly known probability, and the project's own CE sampler
run on them with its shipped defaults, for the benchmarks that check the estimator against a
truth (bench/coverage.py, bench/nines.py) and their tests.

A family of two N(0, 1) parameters x1, x2 and the weather condition; each case is a failure
region in it: one threshold, x1 > b or x2 > b, a part per weather, two opposite tails.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reliability.weighted_estimate import Z90, family_estimate  # noqa: E402
from scenarios.family import Family  # noqa: E402
from scenarios.parameters import Continuous, norm  # noqa: E402
from scenarios.samplers import MIN_STD, CEHistory, ce_draws, naturalistic, next_proposal  # noqa: E402

ROUNDS, PER_ROUND = 12, 64


@dataclass(frozen=True)
class AnalyticCase:
    """A failure region with exactly known probability p: criticality(x1 [n], x2 [n],
    condition [n] of str) -> [n], <= 0 inside the region. single: one connected region."""

    name: str
    p: float
    single: bool
    criticality: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def threshold(p: float) -> AnalyticCase:
    b = stats.norm.isf(p)
    return AnalyticCase(f"one threshold, p = {p:.0e}", p, True, lambda x1, x2, c: b - x1)


def _non_convex(p: float) -> AnalyticCase:
    b = stats.norm.isf(1 - np.sqrt(1 - p))  # P(x1 > b or x2 > b) = p
    return AnalyticCase("x1 > b or x2 > b", p, False, lambda x1, x2, c: np.minimum(b - x1, b - x2))


def _weather_split(p_clear: float, p_night: float) -> AnalyticCase:
    """Clear weather (60 % of f) fails when x1 is high, night (20 %) when x2 is high."""
    b_clear, b_night = stats.norm.isf(p_clear / 0.6), stats.norm.isf(p_night / 0.2)
    return AnalyticCase(f"clear x1 > b1 ({p_clear:.0e}) or night x2 > b2 ({p_night:.0e})", p_clear + p_night,
                        False, lambda x1, x2, c: np.where(c == "clear", b_clear - x1,
                                                          np.where(c == "night", b_night - x2, 10.0)))


def _two_tails(p: float) -> AnalyticCase:
    b = stats.norm.isf(p / 2)
    return AnalyticCase("two opposite tails of x1", p, False, lambda x1, x2, c: b - np.abs(x1))


CASES = (threshold(1e-4), threshold(1e-6), _non_convex(1e-4), _weather_split(8e-5, 2e-5), _two_tails(1e-4))


def analytic_family() -> Family:
    axes = tuple(Continuous(f"x{i}", "", -8.0, 8.0, norm(0.0, 1.0), "analytic") for i in (1, 2))
    return Family("analytic", "analytic", "none", "straight", axes, 1.0, "analytic", lambda params, seed: None)


def _criticality(case: AnalyticCase, params: list[dict]) -> np.ndarray:
    return case.criticality(np.array([p["x1"] for p in params]), np.array([p["x2"] for p in params]),
                            np.array([p["condition"] for p in params]))


def ce_run(case: AnalyticCase, rng: np.random.Generator, rounds: int = ROUNDS, per_round: int = PER_ROUND,
           min_std: float = MIN_STD) -> pd.DataFrame:
    """One CE run with the sampler's defaults -> its episodes (family, round, sampler, log_f,
    log_q, km, failure), round 0 naturalistic."""
    family = analytic_family()
    draws, rounds_of, proposal = naturalistic(family, per_round, rng), [0] * per_round, None
    for round_ in range(1, rounds):
        history = CEHistory([d.params for d in draws], np.array([d.log_f for d in draws]),
                            np.array([d.log_q for d in draws]), _criticality(case, [d.params for d in draws]),
                            np.array(rounds_of))
        proposal = next_proposal(family, history, proposal, min_std=min_std)
        draws += ce_draws(family, proposal, per_round, rng)
        rounds_of += [round_] * per_round
    return pd.DataFrame({"family": "analytic", "round": rounds_of, "sampler": "ce",
                         "log_f": [d.log_f for d in draws], "log_q": [d.log_q for d in draws], "km": 0.1,
                         "failure": _criticality(case, [d.params for d in draws]) <= 0})


@dataclass(frozen=True)
class CaseResult:
    """Over the replications: coverage of the 95 % interval, mean and median of p_hat / p, the
    true RHW90 (from the MSE against p) and the median reported one, the acceleration
    p (1 - p) / (MSE x N), the share flagged by the health check, the coverage of the rest."""

    case: AnalyticCase
    replications: int
    coverage: float
    mean_ratio: float
    median_ratio: float
    true_rhw: float
    median_reported_rhw: float
    acceleration: float
    flagged: float
    coverage_healthy: float | None

    @property
    def rhw_true_over_reported(self) -> float:
        return self.true_rhw / self.median_reported_rhw

    def passes(self) -> bool:
        return (self.coverage >= (0.93 if self.case.single else 0.90) and 0.9 <= self.mean_ratio <= 1.1
                and self.median_ratio >= 0.8 and 1 / 1.3 <= self.rhw_true_over_reported <= 1.3)


def run_case(case: AnalyticCase, replications: int, seed: int, min_std: float = MIN_STD) -> CaseResult:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(replications):
        episodes = ce_run(case, rng, min_std=min_std)
        e = family_estimate("analytic", episodes, episodes["failure"].to_numpy(float), 1.0, False, False)
        rows.append((e.p, e.lower <= case.p <= e.upper, e.relative_half_width, e.healthy))
    p_hat, covered, rhw, healthy = (np.array(column) for column in zip(*rows))
    mse = float(np.mean((p_hat - case.p) ** 2))
    return CaseResult(case, replications, float(covered.mean()), float(np.mean(p_hat) / case.p),
                      float(np.median(p_hat) / case.p), Z90 * np.sqrt(mse) / case.p,
                      float(np.median(rhw[np.isfinite(rhw)])), case.p * (1 - case.p) / (mse * ROUNDS * PER_ROUND),
                      float(1 - healthy.mean()), float(covered[healthy].mean()) if healthy.any() else None)
