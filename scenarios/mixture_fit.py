"""Weighted EM for the cross-entropy proposal: a mixture of product densities over a family's
axes, a normal N(mean, std^2) on each continuous axis's normal score and category
probabilities on each categorical axis, with the number of components chosen by BIC.

Written here because no library fits this model: scikit-learn's GaussianMixture takes no
sample weights, has no categorical factors and no floor on a component's spread, and CE needs
all three (weights f/q on the failures, weather as a category, the floor that keeps the
importance weights' variance finite; see scenarios/samplers.py).

Points are `Points(z [n, dc], codes [n, dk])`: normal scores of the continuous axes and the
category index of each categorical axis.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CATEGORY_SMOOTHING = 0.5  # a component keeps at least a third of f's share of every category
CATEGORY_DISTANCE2 = 4.0  # a category mismatch counts as two standard deviations
EM_ITERATIONS = 50
HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


@dataclass(frozen=True)
class Points:
    z: np.ndarray      # [n, dc] normal scores of the continuous axes
    codes: np.ndarray  # [n, dk] int, category index per categorical axis

    def __len__(self) -> int:
        return len(self.z)

    def take(self, index: np.ndarray) -> "Points":
        return Points(self.z[index], self.codes[index])


@dataclass(frozen=True)
class Mixture:
    """K components: weights [K] (sum 1), mean and std [K, dc] in normal scores, and probs,
    one [K, categories] array per categorical axis."""

    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    probs: tuple[np.ndarray, ...]

    def component_log_pdf(self, points: Points, continuous: np.ndarray | None = None,
                          categorical: np.ndarray | None = None) -> np.ndarray:
        """log of each component's density at the points (no mixture weight) -> [n, K], over
        the continuous and categorical axes kept (bool masks [dc], [dk]; default all): a
        mixture of products has the mixture of the kept factors as its marginal."""
        scaled = (points.z[:, None, :] - self.mean[None]) / self.std[None]
        factors = -0.5 * scaled ** 2 - np.log(self.std)[None] - HALF_LOG_2PI
        out = (factors if continuous is None else factors[:, :, continuous]).sum(-1)
        for k, probs in enumerate(self.probs):
            if categorical is None or categorical[k]:
                out = out + np.log(probs[:, points.codes[:, k]]).T
        return out

    def log_pdf(self, points: Points) -> np.ndarray:
        """log of the mixture's density -> [n]."""
        return np.logaddexp.reduce(self.component_log_pdf(points) + np.log(self.weights)[None], axis=1)

    def sample(self, count: int, rng: np.random.Generator) -> Points:
        which = rng.choice(len(self.weights), size=count, p=self.weights)
        z = rng.normal(self.mean[which], self.std[which])
        codes = np.zeros((count, len(self.probs)), dtype=np.int64)
        for k, probs in enumerate(self.probs):
            cumulative = np.cumsum(probs[which], axis=1)
            codes[:, k] = np.minimum((rng.random(count)[:, None] * cumulative[:, -1:] > cumulative).sum(1),
                                     probs.shape[1] - 1)
        return Points(z, codes)


def _seed_centres(points: Points, weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: indices [count] of points, each drawn with probability proportional
    to its weight times its squared distance to the nearest centre chosen so far."""
    chosen = [int(np.argmax(weights))]
    distance2 = np.full(len(points), np.inf)
    for _ in range(count - 1):
        last = points.take(np.array([chosen[-1]]))
        d2 = ((points.z - last.z) ** 2).sum(1) + CATEGORY_DISTANCE2 * (points.codes != last.codes).sum(1)
        distance2 = np.minimum(distance2, d2)
        score = weights * distance2
        if score.sum() <= 0:
            break
        chosen.append(int(rng.choice(len(points), p=score / score.sum())))
    return np.array(chosen)


def _m_step(points: Points, weights: np.ndarray, resp: np.ndarray, priors: tuple[np.ndarray, ...],
            min_std: float, spread_prior: float) -> Mixture:
    mass = weights[:, None] * resp                                  # [n, K]
    total = mass.sum(0)                                             # [K]
    mean = (mass.T @ points.z) / total[:, None]
    scatter = np.maximum(mass.T @ points.z ** 2 - total[:, None] * mean ** 2, 0.0)
    # spread_prior pseudo-points at f's spread (variance 1): an axis the points say little
    # about keeps f's spread instead of a narrow guess from a few heavy weights
    spread = np.sqrt((scatter + spread_prior) / (total[:, None] + spread_prior))
    probs = []
    for k, prior in enumerate(priors):
        counts = np.stack([np.bincount(points.codes[:, k], weights=mass[:, j], minlength=len(prior))
                           for j in range(mass.shape[1])]) / total[:, None]
        probs.append((counts + CATEGORY_SMOOTHING * prior[None]) / (1.0 + CATEGORY_SMOOTHING))
    return Mixture(total / total.sum(), mean, np.maximum(spread, min_std), tuple(probs))


def fit_mixture(points: Points, weights: np.ndarray, priors: tuple[np.ndarray, ...], count: int, min_std: float,
                rng: np.random.Generator, start: Mixture | None = None, spread_prior: float = 0.0
                ) -> tuple[Mixture, float]:
    """EM for `count` components (fewer if some empty out) on points weighted by weights [n] >= 0,
    every std >= min_std and shrunk toward 1 by spread_prior pseudo-points, from k-means++
    seeds or from the components of `start` -> (mixture, BIC).

    The weights are scaled to sum to their Kish effective size, the BIC's sample size. The BIC
    counts a component's weight, means and spreads; its category probabilities, smoothed
    toward f, are not counted as free, so a part that differs from another only by its
    weather and position is not merged away by the penalty of 7 probabilities per weather axis."""
    weights = np.asarray(weights, float)
    effective = weights.sum() ** 2 / np.sum(weights ** 2)
    weights = weights * effective / weights.sum()
    if start is None:
        centres = points.take(_seed_centres(points, weights, count, rng))
        d2 = (((points.z[:, None, :] - centres.z[None]) ** 2).sum(-1)
              + CATEGORY_DISTANCE2 * (points.codes[:, None, :] != centres.codes[None]).sum(-1))
        resp = np.eye(len(centres))[np.argmin(d2, axis=1)]
    else:
        joint = start.component_log_pdf(points) + np.log(start.weights)[None]
        resp = np.exp(joint - np.logaddexp.reduce(joint, axis=1, keepdims=True))
    previous = -np.inf
    for _ in range(EM_ITERATIONS):
        keep = (weights[:, None] * resp).sum(0) > 1e-9 * weights.sum()
        mixture = _m_step(points, weights, resp[:, keep], priors, min_std, spread_prior)
        joint = mixture.component_log_pdf(points) + np.log(mixture.weights)[None]
        log_likelihood = float(np.sum(weights * np.logaddexp.reduce(joint, axis=1)))
        resp = np.exp(joint - np.logaddexp.reduce(joint, axis=1, keepdims=True))
        if log_likelihood - previous < 1e-8 * abs(log_likelihood):
            break
        previous = log_likelihood
    free = len(mixture.weights) * (2 * points.z.shape[1] + 1) - 1
    return mixture, -2.0 * log_likelihood + free * np.log(effective)


def separated(mixture: Mixture, min_distance: float) -> bool:
    """Whether every two components lie at least min_distance apart: the distance between
    their means in normal scores, with CATEGORY_DISTANCE2 more (squared) for each categorical
    axis on which their most likely categories differ."""
    d2 = ((mixture.mean[:, None, :] - mixture.mean[None]) ** 2).sum(-1)
    for probs in mixture.probs:
        top = np.argmax(probs, axis=1)
        d2 = d2 + CATEGORY_DISTANCE2 * (top[:, None] != top[None])
    return bool(np.all(d2[np.triu_indices(len(d2), 1)] >= min_distance ** 2))


def best_mixture(points: Points, weights: np.ndarray, priors: tuple[np.ndarray, ...], max_components: int,
                 min_std: float, min_distance: float, rng: np.random.Generator) -> Mixture:
    """The mixture of 1 .. max_components components (at most one per 3 effective points),
    all at least min_distance apart, with the lowest BIC: components closer than that would
    split one part of a region along an axis that does not matter to it, leaving gaps in f's
    spread there."""
    effective = np.sum(weights) ** 2 / np.sum(np.asarray(weights, float) ** 2)
    fits = [fit_mixture(points, weights, priors, count, min_std, rng)
            for count in range(1, max(1, min(max_components, int(effective) // 3)) + 1)]
    fits = [fit for fit in fits if len(fit[0].weights) == 1 or separated(fit[0], min_distance)]
    return min(fits, key=lambda fit: fit[1])[0]
