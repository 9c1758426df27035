"""Failures per km as a Poisson rate: exact (Garwood) two-sided interval and one-sided upper
bound, from scipy's chi-square and gamma quantiles (formulas in reference/statistics.md)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from scipy import stats


@dataclass(frozen=True)
class RateEstimate:
    """k events over km of exposure: rate per km, exact two-sided interval at `confidence`,
    and the one-sided upper bound at the same confidence. Rates are None when km is 0."""

    events: int
    km: float
    confidence: float
    rate: float | None
    lower: float | None
    upper: float | None
    upper_one_sided: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def rate_estimate(events: int, km: float, confidence: float = 0.95) -> RateEstimate:
    if events < 0 or km < 0 or not 0 < confidence < 1:
        raise ValueError(f"need events >= 0, km >= 0 and 0 < confidence < 1 (got {events}, {km}, {confidence})")
    if km == 0:
        return RateEstimate(events, km, confidence, None, None, None, None)
    alpha = 1 - confidence
    lower = 0.0 if events == 0 else stats.chi2.ppf(alpha / 2, 2 * events) / (2 * km)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / (2 * km)
    one_sided = stats.gamma.ppf(confidence, events + 1) / km
    return RateEstimate(events, km, confidence, events / km, float(lower), float(upper), float(one_sided))


def lower_one_sided(events: int, km: float, confidence: float = 0.95) -> float:
    """One-sided lower bound at `confidence` (0 with no events)."""
    if events == 0:
        return 0.0
    return float(stats.gamma.ppf(1 - confidence, events) / km)
