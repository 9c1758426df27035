"""Samplers of family parameters: naturalistic Monte Carlo from f, Halton sweeps over the
parameter box, and cross-entropy adaptive importance sampling with a defensive mixture.

Every sampler works in the unit cube (one axis per parameter, mapped through each
parameter's `ppf`) and returns, for each draw, the parameters and log f and log q, so any
estimator can reweight the episodes later with w = exp(log f - log q).

The CE proposal is a mixture (scenarios/mixture_fit.py): each component is a normal
N(m, s^2) on each continuous axis's normal score z = Phi^-1(u), where f is N(0, 1), times
category probabilities on each categorical axis, so a failure region in several parts (two
tails, x1 > b or x2 > b, a part per weather) gets a component each. It is built in two phases:
- exploring, until MIN_FAILURES draws have failed: each component of the last proposal walks
  on its own to the most critical elite_fraction of the draws it made (a chain each, so a part
  that is slower to reach is not starved by a faster one), keeping f's spread (s = 1); a
  chain whose elites fall into two clusters splits, up to MAX_COMPONENTS;
- fitted: the mixture is fitted to every failure seen, weighted by f/q (the CE estimate of
  the ideal proposal, f restricted to the failures), with every spread floored at MIN_STD.
The floor keeps the estimate's variance where a run can see it: for s below 1/sqrt(2) the
CE part alone has infinite variance and a spread fitted to a few dozen failures collapses
to about 0.2, so a narrow proposal inside a wider failure region leaves most of the variance
in draws a run almost never makes (reference/statistics.md); `bench/coverage.py --min-std`
measures the choice.
The defensive mixture q = eps * f + (1 - eps) * q_CE keeps q > 0 wherever f > 0, so the
weighted estimate stays unbiased, and caps every weight at 1 / eps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from scenarios.family import Family
from scenarios.mixture_fit import Mixture, Points, best_mixture, fit_mixture, separated
from scenarios.parameters import Categorical

MIN_STD = 0.5  # in normal-score units
MAX_COMPONENTS = 4
SHARE_FLOOR = 0.5
SCOUT_SHARE = 0.15  # of the CE draws, for each chain still searching beside a fit
SCOUT_DISTANCE = 2.0  # standard deviations from every fitted component
FIRST_CHAIN_DRAWS = 8  # draws of one weather in the naturalistic round that start a chain of its own
SPREAD_PRIOR = 5.0  # effective failures' worth of f's spread in each fitted std (mixture_fit)
SEPARATION = 2.0  # normal-score units between two components' means (mixture_fit.separated)
EXPLORE_SPLIT_STD = 0.05  # the spreads a chain's elites are clustered with (the walk itself uses 1)
U_EPSILON = 1e-15
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


def _axes(family: Family) -> tuple[list[int], list[int]]:
    """Indices of the continuous and of the categorical axes."""
    kinds = [isinstance(p, Categorical) for p in family.all_parameters]
    return [k for k, c in enumerate(kinds) if not c], [k for k, c in enumerate(kinds) if c]


def _priors(family: Family) -> tuple[np.ndarray, ...]:
    """f's probabilities on each categorical axis."""
    return tuple(np.asarray(p.probs) / np.sum(p.probs) for p in family.all_parameters if isinstance(p, Categorical))


def to_points(family: Family, u: np.ndarray) -> Points:
    """Unit-cube points u [n, d] -> normal scores and category codes."""
    continuous, categorical = _axes(family)
    codes = [family.all_parameters[k].ppf(u[:, k]) for k in categorical]
    return Points(_score(u[:, continuous]), np.stack(codes, axis=1).astype(np.int64) if codes
                  else np.zeros((len(u), 0), np.int64))


def _log_f_points(family: Family, points: Points, continuous: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """log f of the points over the axes kept (masks [dc], [dk]), in the same coordinates as a
    Mixture's density -> [n]."""
    out = stats.norm.logpdf(points.z[:, continuous]).sum(1)
    for k, prior in enumerate(_priors(family)):
        if categorical[k]:
            out = out + np.log(prior[points.codes[:, k]])
    return out


@dataclass(frozen=True)
class CEProposal:
    """The CE part of the proposal (a Mixture over normal scores and categories), the share
    epsilon of f in the defensive mixture, and which components are chains still walking
    toward a part of the failure region (searching [K]); fitted once CE has fitted the
    mixture to failures."""

    mixture: Mixture
    searching: tuple[bool, ...]
    epsilon: float = 0.1

    @property
    def fitted(self) -> bool:
        """Whether CE has fitted the mixture to failures (the fitted components come first)."""
        return not all(self.searching)

    def component_log_ratio(self, family: Family, u: np.ndarray, free: np.ndarray | None = None) -> np.ndarray:
        """log(component density / f) at unit-cube points u [n, d] -> [n, K], over the free
        axes (bool [d], default all: a suite's fixed parameters are conditioned on)."""
        points = to_points(family, u)
        continuous, categorical = _axes(family)
        free = np.ones(len(family.all_parameters), bool) if free is None else np.asarray(free, bool)
        kept = free[continuous], free[categorical]
        return self.mixture.component_log_pdf(points, *kept) - _log_f_points(family, points, *kept)[:, None]

    def log_q_over_f(self, family: Family, u: np.ndarray, free: np.ndarray | None = None) -> np.ndarray:
        """log(q / f) of the defensive mixture at unit-cube points u [n, d] over the free axes -> [n]."""
        ce = np.logaddexp.reduce(self.component_log_ratio(family, u, free) + np.log(self.mixture.weights)[None],
                                 axis=1)
        return np.logaddexp(np.log(self.epsilon), np.log1p(-self.epsilon) + ce)

    def sample_unit(self, family: Family, count: int, rng: np.random.Generator) -> np.ndarray:
        """Unit-cube draws from eps * f + (1 - eps) * q_CE -> [count, d]."""
        u = rng.random((count, len(family.all_parameters)))
        from_ce = rng.random(count) >= self.epsilon
        points = self.mixture.sample(count, rng)
        continuous, categorical = _axes(family)
        for j, k in enumerate(continuous):
            u[from_ce, k] = np.clip(stats.norm.cdf(points.z[from_ce, j]), U_EPSILON, 1 - U_EPSILON)
        for j, k in enumerate(categorical):
            probs = np.asarray(family.all_parameters[k].probs)
            edges = np.concatenate([[0.0], np.cumsum(probs) / probs.sum()])
            code = points.codes[:, j]
            u[from_ce, k] = (0.5 * (edges[code] + edges[code + 1]))[from_ce]
        return u


def _score(u: np.ndarray) -> np.ndarray:
    """Normal score of unit-interval values (where f is N(0, 1))."""
    return stats.norm.ppf(np.clip(u, U_EPSILON, 1 - U_EPSILON))


def ce_draws(family: Family, proposal: CEProposal, count: int, rng: np.random.Generator) -> list[Draw]:
    u = proposal.sample_unit(family, count, rng)
    ratio = proposal.log_q_over_f(family, u)
    params = family.from_unit(u)
    log_f = family.log_f_rows(params)
    return [Draw(p, float(lf), float(lf + r)) for p, lf, r in zip(params, log_f, ratio)]


def to_unit(family: Family, params: list[dict]) -> np.ndarray:
    """Inverse of `Family.from_unit` for parameter dicts -> [n, d] (categoricals: their bin centre)."""
    u = np.zeros((len(params), len(family.all_parameters)))
    for k, p in enumerate(family.all_parameters):
        if isinstance(p, Categorical):
            edges = np.concatenate([[0.0], np.cumsum(p.probs) / np.sum(p.probs)])
            i = np.array([p.values.index(row[p.name]) for row in params], dtype=np.int64)
            u[:, k] = 0.5 * (edges[i] + edges[i + 1])
        else:
            lo, mass = p._mass()
            u[:, k] = (p.base.cdf(np.array([row[p.name] for row in params], float)) - lo) / mass
    return np.clip(u, 0.0, 1.0)


@dataclass(frozen=True)
class CEHistory:
    """Every CE draw of a family so far, [n] each, in the order drawn: round 0 is naturalistic.
    criticality: lower is more critical, <= 0 failed (scenarios.family.criticality)."""

    params: list[dict]
    log_f: np.ndarray
    log_q: np.ndarray
    criticality: np.ndarray
    round: np.ndarray

    def before(self, round_: int) -> "CEHistory":
        keep = np.flatnonzero(self.round < round_)
        return CEHistory([self.params[i] for i in keep], self.log_f[keep], self.log_q[keep], self.criticality[keep],
                         self.round[keep])


def ce_proposal(family: Family, history: CEHistory, epsilon: float = 0.1, elite_fraction: float = 0.2,
                min_failures: int = MIN_FAILURES, min_std: float = MIN_STD) -> CEProposal:
    """The proposal of the round after the last in `history`. Each round's proposal depends on
    the one before it (the exploring chains), so they are rebuilt in order from round 1; every
    step is a pure function of the history, and a resumed run plans the same rounds."""
    proposal = None
    for round_ in range(1, int(history.round.max()) + 2):
        proposal = next_proposal(family, history.before(round_), proposal, epsilon, elite_fraction, min_failures,
                                 min_std)
    return proposal


def next_proposal(family: Family, history: CEHistory, previous: CEProposal | None, epsilon: float = 0.1,
                  elite_fraction: float = 0.2, min_failures: int = MIN_FAILURES, min_std: float = MIN_STD
                  ) -> CEProposal:
    """One CE step: the proposal after `history`, whose last round was drawn from `previous`
    (None when that round was naturalistic). Once the failures are fitted, a chain that has not
    yet drawn a failure keeps walking beside the fit, so a part of the region that is slower
    to reach than another is not dropped when the first part's failures settle CE."""
    rng = np.random.default_rng(len(history.params))  # EM's seeding, fixed by the history
    u = to_unit(family, history.params)
    priors = _priors(family)
    latest = np.flatnonzero(history.round == history.round.max())
    failed = history.criticality <= 0
    if previous is None:
        chains = _first_chains(family, u, latest)
    else:
        owners = _owners(family, previous, u[latest])
        chains = {k: latest[owners == k] for k, searching in enumerate(previous.searching) if searching}
    fitted = None
    if failed.sum() >= min_failures:
        # the parts of the region from where the failures lie, their shares and spreads from the
        # failures weighted by f/q (a few heavy weights must not merge two parts into one)
        failing = np.flatnonzero(failed)
        points = to_points(family, u[failing])
        parts = best_mixture(points, np.ones(len(failing)), priors, MAX_COMPONENTS, min_std, SEPARATION, rng)
        weights = np.exp(history.log_f[failing] - history.log_q[failing])
        fitted, _ = fit_mixture(points, weights, priors, len(parts.weights), min_std, rng, parts, SPREAD_PRIOR)
        chains = {k: members for k, members in chains.items() if previous is not None and not failed[members].any()}
        if not chains:
            scout = _scout(family, fitted, u, history.criticality, len(latest))
            chains = {-1: scout} if len(scout) >= 2 else {}
    walked = _merge_close([_chain_step(family, previous, k, members, u, history.criticality, elite_fraction, priors,
                                       rng) for k, members in chains.items()])
    # while exploring, split the chains whose elites fall into two separated clusters, the
    # clearest first; a scout beside a fit does not split
    room = 0 if fitted is not None else MAX_COMPONENTS - len(walked)
    gains = sorted(((fits[0][1] - fits[1][1], i) for i, fits in enumerate(walked)
                    if len(fits) == 2 and separated(fits[1][0], SEPARATION)),
                   reverse=True)
    split = {i for _, i in gains[:max(0, room)]}
    steps = [fits[1 if i in split else 0][0] for i, fits in enumerate(walked)]
    return _combine(fitted, steps, epsilon)


def _scout(family: Family, fitted: Mixture, u: np.ndarray, criticality: np.ndarray, count: int) -> np.ndarray:
    """A chain for a part of the failure region not found yet: the `count` most critical
    draws that did not fail and that no fitted component explains, all of them more than
    SCOUT_DISTANCE of f's standard deviations away (as a root mean square over the axes), so
    the scout does not settle on the near side of a part already found."""
    points = to_points(family, u)
    d2 = (((points.z[:, None, :] - fitted.mean[None]) / np.maximum(fitted.std, 1.0)[None]) ** 2).mean(-1)
    far = np.flatnonzero((d2.min(1) > SCOUT_DISTANCE ** 2) & (criticality > 0))
    return far[np.argsort(criticality[far], kind="stable")[:count]]


def _first_chains(family: Family, u: np.ndarray, latest: np.ndarray) -> dict[int, np.ndarray]:
    """The naturalistic round's chains: one of all its draws and one per category of the first
    categorical axis (the weather) with at least FIRST_CHAIN_DRAWS draws, so a part of the
    failure region that only one weather reaches can start a chain of its own instead of
    losing its few elites among those of a commoner weather (`_merge_close` drops the weather
    chains that head where another chain does)."""
    chains = {-1: latest}
    _, categorical = _axes(family)
    if categorical:
        codes = family.all_parameters[categorical[0]].ppf(u[latest, categorical[0]])
        chains.update({int(c): latest[codes == c] for c in np.unique(codes) if np.sum(codes == c) >= FIRST_CHAIN_DRAWS})
    return chains


def _merge_close(walked: list[tuple[float, list[tuple[Mixture, float]]]]) -> list[list[tuple[Mixture, float]]]:
    """The chains' steps, most critical first, without those whose one-cluster step is not
    `separated` from the one-cluster step of a chain kept before it: those head for the same part."""
    kept: list[list[tuple[Mixture, float]]] = []
    for _, fits in sorted(walked, key=lambda step: step[0]):
        if all(separated(_stack(fits[0][0], other[0][0]), SEPARATION) for other in kept):
            kept.append(fits)
    return kept


def _stack(a: Mixture, b: Mixture) -> Mixture:
    """Two mixtures' components side by side (equal shares)."""
    count = len(a.weights) + len(b.weights)
    return Mixture(np.full(count, 1.0 / count), np.concatenate([a.mean, b.mean]), np.concatenate([a.std, b.std]),
                   tuple(np.concatenate([pa, pb]) for pa, pb in zip(a.probs, b.probs)))


def _owners(family: Family, previous: CEProposal, u: np.ndarray) -> np.ndarray:
    """The component of `previous` most likely to have drawn each point u [n, d] -> [n]
    (-1: the defensive share of f)."""
    joint = previous.component_log_ratio(family, u) + np.log(previous.mixture.weights)[None]
    joint = np.concatenate([np.full((len(u), 1), np.log(previous.epsilon)), np.log1p(-previous.epsilon) + joint],
                           axis=1)
    return np.argmax(joint, axis=1) - 1


def _chain_step(family: Family, previous: CEProposal | None, component: int, members: np.ndarray, u: np.ndarray,
                criticality: np.ndarray, elite_fraction: float, priors: tuple[np.ndarray, ...],
                rng: np.random.Generator) -> tuple[float, list[tuple[Mixture, float]]]:
    """A chain's next step: (the mean criticality of its elites, [one cluster and, with six
    elites or more, two clusters of the most critical elite_fraction of the draws it made, as
    (mixture, BIC)]); a chain that made fewer than two draws stays where it is."""
    if len(members) < 2:
        m = previous.mixture
        return np.inf, [(Mixture(np.ones(1), m.mean[component:component + 1], m.std[component:component + 1],
                                 tuple(probs[component:component + 1] for probs in m.probs)), 0.0)]
    count = max(2, int(np.ceil(elite_fraction * len(members))))
    chosen = members[np.argsort(criticality[members], kind="stable")[:count]]
    elite = to_points(family, u[chosen])
    return float(criticality[chosen].mean()), [fit_mixture(elite, np.ones(count), priors, k, EXPLORE_SPLIT_STD, rng)
                                               for k in (1, 2)[:1 + (count >= 6)]]


def _combine(fitted: Mixture | None, chains: list[Mixture], epsilon: float) -> CEProposal:
    """The fitted components (their EM shares, each at least SHARE_FLOOR of an equal share) and
    the chains (f's spread: std 1, which walks toward the failure region without collapsing
    onto the elites; an equal share each while exploring, SCOUT_SHARE each beside a fit),
    MAX_COMPONENTS at most, the fitted ones first."""
    parts = ([] if fitted is None else [fitted]) + [Mixture(m.weights, m.mean, np.ones_like(m.mean), m.probs)
                                                   for m in chains]
    mean = np.concatenate([m.mean for m in parts])[:MAX_COMPONENTS]
    count = len(mean)
    fitted_count = 0 if fitted is None else min(len(fitted.weights), count)
    shares = np.full(count, 1.0 / count)
    if fitted_count:
        # beside a fit, a chain is a scout for a part not found yet: a small share each
        scouts = min(SCOUT_SHARE * (count - fitted_count), 0.5)
        kept = fitted.weights[:fitted_count] / fitted.weights[:fitted_count].sum()
        kept = np.maximum(kept, SHARE_FLOOR / fitted_count)
        shares[:fitted_count] = kept / kept.sum() * (1 - scouts)
        shares[fitted_count:] = scouts / max(count - fitted_count, 1)
    mixture = Mixture(shares / shares.sum(), mean, np.concatenate([m.std for m in parts])[:count],
                      tuple(np.concatenate([m.probs[k] for m in parts])[:count] for k in range(len(parts[0].probs))))
    return CEProposal(mixture, (False,) * fitted_count + (True,) * (count - fitted_count), epsilon)
