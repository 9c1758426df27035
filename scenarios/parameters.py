"""Scenario parameters: each has a naturalistic distribution f on a bounded support, and says
where f comes from (a source, or the word "assumed").

Continuous parameters are scipy distributions truncated to [low, high]; categorical ones are
a list of values with probabilities. Both map the unit interval onto their support (`ppf`)
so Monte Carlo, Halton sweeps and importance sampling share one code path.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Continuous:
    """A real parameter: `base` (a frozen scipy distribution) truncated to [low, high]."""

    name: str
    unit: str
    low: float
    high: float
    base: stats.rv_continuous = field(compare=False)
    source: str

    def _mass(self) -> tuple[float, float]:
        """(cdf at low, cdf mass inside [low, high]) of the base distribution."""
        return self._truncation

    @functools.cached_property
    def _truncation(self) -> tuple[float, float]:
        lo, hi = self.base.cdf(self.low), self.base.cdf(self.high)
        return float(lo), float(hi - lo)

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        _, mass = self._mass()
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, self.base.logpdf(x) - np.log(mass), -np.inf)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        lo, mass = self._mass()
        return np.clip(self.base.ppf(lo + np.asarray(u) * mass), self.low, self.high)

    def contains(self, value) -> bool:
        return isinstance(value, (int, float)) and self.low <= float(value) <= self.high

    def describe(self) -> str:
        return f"{self.low:g}..{self.high:g} {self.unit}, f = {self.base.dist.name}{_args(self.base)}"


@dataclass(frozen=True)
class Categorical:
    """A discrete parameter: `values` with naturalistic probabilities `probs`."""

    name: str
    values: tuple[str, ...]
    probs: tuple[float, ...]
    source: str
    unit: str = ""

    def log_pdf(self, index: np.ndarray) -> np.ndarray:
        return np.log(np.asarray(self.probs))[np.asarray(index, dtype=np.int64)]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        edges = np.cumsum(self.probs)
        return np.minimum(np.searchsorted(edges / edges[-1], np.asarray(u), side="right"), len(self.values) - 1)

    def contains(self, value) -> bool:
        return value in self.values

    def describe(self) -> str:
        return ", ".join(f"{v} {p:.0%}" for v, p in zip(self.values, self.probs))


Parameter = Continuous | Categorical


def _args(frozen) -> str:
    parts = [f"{a:g}" for a in frozen.args] + [f"{k}={v:g}" for k, v in frozen.kwds.items()]
    return f"({', '.join(parts)})"


def is_assumed(source: str) -> bool:
    return source.strip().lower().startswith("assumed")
