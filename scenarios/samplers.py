"""Samplers of family parameters: naturalistic Monte Carlo from f, Halton sweeps over the
parameter box, and cross-entropy adaptive importance sampling with a defensive mixture.

Every sampler works in the unit cube (one axis per parameter, mapped through each
parameter's `ppf`) and returns, for each draw, the parameters and log f and log q, so any
estimator can reweight the episodes later with w = exp(log f - log q).

The CE proposal works per axis: a continuous axis is mapped from the unit cube to a
standard normal score z = Phi^-1(u), where f is N(0, 1) and q_CE is a normal N(m, s^2)
fitted to the elite draws (so a rare tail of f is reached by shifting m, with no floor on
how concentrated q may get near the edge of the box); a categorical axis uses the elite
frequencies (smoothed).
The defensive mixture q = eps * f + (1 - eps) * q_CE keeps q > 0 wherever f > 0, so the
weighted estimate stays unbiased.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.stats import qmc

from scenarios.family import Family
from scenarios.parameters import Categorical

MIN_STD = 0.05  # in normal-score units
U_EPSILON = 1e-15
CATEGORY_SMOOTHING = 0.5
# CE fits its proposal to the failures, weighted by f/q, once this many have been seen. A
# failure region that is not one cut in the parameters (a slide at friction 0.19 at night, at
# 0.25 in snow) is covered by a fit to 30 failures far more often than by a fit to 10, whose
# proposal can miss a part of it and leave the rare draws there with heavy weights.
MIN_FAILURES = 30


@dataclass
class Draw:
    params: dict
    log_f: float
    log_q: float


def naturalistic(family: Family, count: int, rng: np.random.Generator) -> list[Draw]:
    u = rng.random((count, len(family.all_parameters)))
    return [Draw(p, family.log_f(p), family.log_f(p)) for p in family.from_unit(u)]


def halton_unit(family: Family, seed: int, start: int, count: int) -> np.ndarray:
    """Points start .. start + count - 1 of a scrambled Halton sequence in the unit cube -> [count, d]."""
    engine = qmc.Halton(d=len(family.all_parameters), scramble=True, seed=seed)
    engine.fast_forward(start)
    return engine.random(count)


def halton(family: Family, count: int, seed: int) -> list[Draw]:
    """A scrambled Halton sweep of the parameter box; q is the box's density through the ppf
    map, i.e. q = f, so a sweep can be reweighted like Monte Carlo."""
    u = halton_unit(family, seed, 0, count)
    return [Draw(p, family.log_f(p), family.log_f(p)) for p in family.from_unit(u)]


@dataclass
class CEProposal:
    """The CE part of the proposal in the unit cube: mean/std per continuous axis, category
    probabilities per categorical axis (None on the other kind of axis)."""

    mean: list[float | None]
    std: list[float | None]
    probs: list[np.ndarray | None]
    epsilon: float = 0.1

    def log_density_unit(self, family: Family, u: np.ndarray) -> np.ndarray:
        """log(q_CE / f) at unit-cube points u [n, d]."""
        total = np.zeros(len(u))
        for k, p in enumerate(family.all_parameters):
            if isinstance(p, Categorical):
                index = p.ppf(u[:, k])
                total += np.log(self.probs[k][index]) - np.log(np.asarray(p.probs)[index])
            else:
                z = _score(u[:, k])
                total += stats.norm.logpdf(z, self.mean[k], self.std[k]) - stats.norm.logpdf(z)
        return total

    def sample_unit(self, family: Family, count: int, rng: np.random.Generator) -> np.ndarray:
        """Unit-cube draws from the mixture eps * f + (1 - eps) * q_CE -> [count, d]."""
        u = rng.random((count, len(family.all_parameters)))
        from_ce = rng.random(count) >= self.epsilon
        for k, p in enumerate(family.all_parameters):
            if isinstance(p, Categorical):
                edges = np.concatenate([[0.0], np.cumsum(p.probs) / np.sum(p.probs)])
                index = rng.choice(len(p.values), size=count, p=self.probs[k] / self.probs[k].sum())
                u[from_ce, k] = (0.5 * (edges[index] + edges[index + 1]))[from_ce]
            else:
                z = rng.normal(self.mean[k], self.std[k], size=count)
                u[from_ce, k] = np.clip(stats.norm.cdf(z), U_EPSILON, 1 - U_EPSILON)[from_ce]
        return u

    def log_q_over_f(self, family: Family, u: np.ndarray) -> np.ndarray:
        """log(q / f) of the mixture at unit-cube points u."""
        ce = self.log_density_unit(family, u)
        return np.logaddexp(np.log(self.epsilon), np.log1p(-self.epsilon) + ce)


def _score(u: np.ndarray) -> np.ndarray:
    """Normal score of unit-interval values (where f is N(0, 1))."""
    return stats.norm.ppf(np.clip(u, U_EPSILON, 1 - U_EPSILON))


def ce_draws(family: Family, proposal: CEProposal, count: int, rng: np.random.Generator) -> list[Draw]:
    u = proposal.sample_unit(family, count, rng)
    ratio = proposal.log_q_over_f(family, u)
    draws = []
    for params, log_ratio in zip(family.from_unit(u), ratio):
        log_f = family.log_f(params)
        draws.append(Draw(params, log_f, log_f + float(log_ratio)))
    return draws


def to_unit(family: Family, params: dict) -> np.ndarray:
    """Inverse of `Family.from_unit` for one parameter dict -> [d] (categoricals: their bin centre)."""
    u = np.zeros(len(family.all_parameters))
    for k, p in enumerate(family.all_parameters):
        if isinstance(p, Categorical):
            edges = np.cumsum(p.probs) / np.sum(p.probs)
            i = p.values.index(params[p.name])
            u[k] = 0.5 * ((edges[i - 1] if i else 0.0) + edges[i])
        else:
            lo, mass = p._mass()
            u[k] = (p.base.cdf(params[p.name]) - lo) / mass
    return np.clip(u, 0.0, 1.0)


def refit(family: Family, params: list[dict], log_f: np.ndarray, log_q: np.ndarray, criticality: np.ndarray,
          round_size: int, epsilon: float = 0.1, elite_fraction: float = 0.2, min_failures: int = MIN_FAILURES) -> CEProposal:
    """One CE round; params etc. hold every draw so far, the latest round (round_size draws)
    last. Until min_failures draws have failed (criticality <= 0), q_CE moves its mean,
    unweighted, to the most critical elite_fraction of the latest round and keeps f's spread
    (std 1 in normal scores), which walks toward the failure region without collapsing; from then on to the failures weighted by f/q, which approaches the ideal
    proposal f restricted to failure. Either way every draw's log q is exact, so the estimate
    stays unbiased. The first round's draws are naturalistic (q = f)."""
    failing = np.flatnonzero(criticality <= 0)
    exploring = len(failing) < min_failures
    if not exploring:
        elite = failing
        w = np.exp(log_f[elite] - log_q[elite])
    else:
        latest = np.arange(max(0, len(params) - round_size), len(params))
        count = max(2, int(np.ceil(elite_fraction * len(latest))))
        elite = latest[np.argsort(criticality[latest], kind="stable")[:count]]
        w = np.ones(len(elite))
    u = np.stack([to_unit(family, params[i]) for i in elite])
    w = w / w.sum()
    mean, std, probs = [], [], []
    for k, p in enumerate(family.all_parameters):
        if isinstance(p, Categorical):
            index = np.array([p.values.index(params[i][p.name]) for i in elite])
            counts = np.bincount(index, weights=w, minlength=len(p.values))
            prior = np.asarray(p.probs) / np.sum(p.probs)
            probs.append((counts + CATEGORY_SMOOTHING * prior) / (1.0 + CATEGORY_SMOOTHING))
            mean.append(None)
            std.append(None)
        else:
            z = _score(u[:, k])
            m = float(np.sum(w * z))
            s = float(np.sqrt(np.sum(w * (z - m) ** 2)))
            mean.append(m)
            std.append(1.0 if exploring else max(s, MIN_STD))
            probs.append(None)
    return CEProposal(mean, std, probs, epsilon)
