"""The nines ladder: is the failure rate at most 10^-n per km, for n = 1 .. 9?

demonstrated when the one-sided upper bound is <= 10^-n, refuted when the one-sided lower
bound is > 10^-n, otherwise inconclusive with the km still needed at zero further failures
(gamma.ppf(C, k + 1) / 10^-n - T), as in reference/statistics.md."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from scipy import stats

from reliability.poisson_rate import lower_one_sided


@dataclass(frozen=True)
class Rung:
    nine: int
    threshold_per_km: float
    verdict: str
    km_needed: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def nines_ladder(events: int, km: float, confidence: float = 0.95, top: int = 9) -> list[Rung]:
    upper = stats.gamma.ppf(confidence, events + 1) / km if km > 0 else float("inf")
    lower = lower_one_sided(events, km, confidence) if km > 0 else 0.0
    rungs = []
    for n in range(1, top + 1):
        threshold = 10.0 ** -n
        if upper <= threshold:
            rungs.append(Rung(n, threshold, "demonstrated", None))
        elif lower > threshold:
            rungs.append(Rung(n, threshold, "refuted", None))
        else:
            needed = stats.gamma.ppf(confidence, events + 1) / threshold - km
            rungs.append(Rung(n, threshold, "inconclusive", float(needed)))
    return rungs


def nines_demonstrated(rungs: list[Rung]) -> int:
    """The highest n such that every rung up to n is demonstrated."""
    count = 0
    for rung in rungs:
        if rung.verdict != "demonstrated":
            break
        count = rung.nine
    return count
