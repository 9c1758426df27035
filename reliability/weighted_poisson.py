"""Bounds on a weighted sum of Poisson rates: the gamma interval of Fay & Feuer (1997),
"Confidence intervals for directly standardized rates: a method based on the gamma
distribution", Statistics in Medicine 16(7).

The failure rate per km is lambda = sum_s nu_s p_s + lambda_nominal, an estimate y with an
estimated variance v. Fay and Feuer take the rate as gamma-distributed with that mean and
variance: the lower bound is the gamma quantile with shape y^2 / v and scale v / y; the upper
bound adds one more event of the largest weight w_max to both (mean y + w_max, variance
v + w_max^2), which keeps the interval at or above its level at small counts and makes it
monotone in the counts. With one stratum of k events over T km (y = k / T, v = k / T^2,
w_max = 1 / T) both bounds are Garwood's exact ones: gamma.ppf(a, k) / T and
gamma.ppf(1 - a, k + 1) / T. Strata without an event enter only through w_max, so quiet
families share one zero-event bound instead of adding one each.

Importance-sampled families enter as effective counts p^2 / var with weight var / p per
event (reference/statistics.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class WeightedPoisson:
    """An estimated rate y (per km) with its variance v and the weight w_max of one more event
    in the stratum where one event weighs most (per km)."""

    y: float
    v: float
    w_max: float

    @staticmethod
    def of_counts(events: float, km: float) -> "WeightedPoisson":
        """k events over T km: the plain Poisson rate."""
        return WeightedPoisson(events / km, events / km ** 2, 1.0 / km)

    def upper_gamma(self) -> tuple[float, float]:
        """(shape, scale) of the gamma whose quantiles are the upper bounds."""
        mean, variance = self.y + self.w_max, self.v + self.w_max ** 2
        return mean ** 2 / variance, variance / mean

    def upper(self, level: float) -> float:
        """The bound the rate is below with probability `level` (one-sided)."""
        if self.w_max == float("inf"):
            return float("inf")
        shape, scale = self.upper_gamma()
        return float(stats.gamma.ppf(level, shape, scale=scale))

    def lower(self, level: float) -> float:
        """The bound the rate is above with probability `level` (one-sided); 0 without events."""
        if self.y <= 0 or self.v <= 0:
            return 0.0
        return float(stats.gamma.ppf(1.0 - level, self.y ** 2 / self.v, scale=self.v / self.y))

    def interval(self, confidence: float) -> tuple[float, float]:
        """Two-sided interval at `confidence`."""
        tail = (1.0 - confidence) / 2
        return self.lower(1.0 - tail), self.upper(1.0 - tail)

    @property
    def effective_events(self) -> float:
        """y^2 / v: the count of a plain Poisson stratum with the same relative precision."""
        return self.y ** 2 / self.v if self.v > 0 else 0.0
