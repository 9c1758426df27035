"""The nines ladder: is the failure rate at most 10^-n per km, for n = 1 .. 9?

demonstrated when the one-sided upper bound is <= 10^-n, refuted when the one-sided lower
bound is > 10^-n, otherwise inconclusive with the km still needed at zero further failures,
as in reference/statistics.md. The bounds are those of a weighted sum of Poisson rates
(reliability/weighted_poisson.py), so the ladder of an exposure-weighted rate and that of k
events over T km are one computation; for the latter the km still needed is
gamma.ppf(C, k + 1) / 10^-n - T. For a weighted rate it is the same formula in the effective
events and km of its upper bound's gamma (naturalistic-equivalent km)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from scipy import stats

from reliability.weighted_poisson import WeightedPoisson


@dataclass(frozen=True)
class Rung:
    nine: int
    threshold_per_km: float
    verdict: str
    km_needed: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def ladder(rate: WeightedPoisson, confidence: float = 0.95, top: int = 9) -> list[Rung]:
    upper, lower = rate.upper(confidence), rate.lower(confidence)
    shape, scale = rate.upper_gamma()
    rungs = []
    for n in range(1, top + 1):
        threshold = 10.0 ** -n
        if upper <= threshold:
            rungs.append(Rung(n, threshold, "demonstrated", None))
        elif lower > threshold:
            rungs.append(Rung(n, threshold, "refuted", None))
        else:
            needed = stats.gamma.ppf(confidence, shape) / threshold - 1.0 / scale
            rungs.append(Rung(n, threshold, "inconclusive", float(needed)))
    return rungs


def nines_ladder(events: int, km: float, confidence: float = 0.95, top: int = 9) -> list[Rung]:
    """The ladder of k events over T km."""
    if km <= 0:
        return [Rung(n, 10.0 ** -n, "inconclusive", float(stats.gamma.ppf(confidence, events + 1) / 10.0 ** -n))
                for n in range(1, top + 1)]
    return ladder(WeightedPoisson.of_counts(events, km), confidence, top)


def nines_demonstrated(rungs: list[Rung]) -> int:
    """The highest n such that every rung up to n is demonstrated."""
    count = 0
    for rung in rungs:
        if rung.verdict != "demonstrated":
            break
        count = rung.nine
    return count
