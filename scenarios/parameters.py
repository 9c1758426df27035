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


@dataclass(frozen=True)
class Distribution:
    """A scipy.stats distribution by name, positional arguments and scale; for "histogram",
    args are the bin edges and `weights` the bins' weights. scipy.stats takes most of a second
    to import, so it is loaded only when a distribution is first evaluated: listing the
    families does not need it."""

    name: str
    args: tuple[float, ...]
    scale: float | None = None
    weights: tuple[float, ...] = ()

    @functools.cached_property
    def frozen(self):
        """The frozen scipy distribution."""
        from scipy import stats

        if self.name == "histogram":
            return stats.rv_histogram((np.asarray(self.weights), np.asarray(self.args)), density=False)
        family = {"norm": stats.norm, "uniform": stats.uniform, "lognorm": stats.lognorm, "beta": stats.beta}[self.name]
        return family(*self.args) if self.scale is None else family(*self.args, scale=self.scale)

    def __str__(self) -> str:
        if self.name == "histogram":
            bins = zip(self.args, self.args[1:], self.weights)
            return f"histogram({', '.join(f'{lo:g}..{hi:g}: {w:g}' for lo, hi, w in bins)})"
        parts = [f"{a:g}" for a in self.args] + ([] if self.scale is None else [f"scale={self.scale:g}"])
        return f"{self.name}({', '.join(parts)})"


def norm(loc: float, scale: float) -> Distribution:
    return Distribution("norm", (loc, scale))


def uniform(low: float, width: float) -> Distribution:
    """Uniform on [low, low + width] (scipy's loc, scale)."""
    return Distribution("uniform", (low, width))


def lognorm(shape: float, scale: float) -> Distribution:
    return Distribution("lognorm", (shape,), scale)


def beta(a: float, b: float) -> Distribution:
    return Distribution("beta", (a, b))


@dataclass(frozen=True)
class Continuous:
    """A real parameter: `distribution` truncated to [low, high]; `base` is its scipy form."""

    name: str
    unit: str
    low: float
    high: float
    distribution: Distribution = field(compare=False)
    source: str

    @property
    def base(self):
        return self.distribution.frozen

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
        return f"{self.low:g}..{self.high:g} {self.unit}, f = {self.distribution}"


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


def is_assumed(source: str) -> bool:
    return source.strip().lower().startswith("assumed")
