"""Operator staffing with Erlang C (the M/M/c queue): requests arrive at rate lambda (per s),
each keeps an operator busy 1/mu s on average, c operators serve one queue.

Offered load A = lambda / mu; with Erlang B computed from the Poisson distribution,
B = pmf(c; A) / cdf(c; A), the probability of waiting is C = c B / (c - A (1 - B)) (the same
as the textbook sum form, without its overflowing factorials), and
P(wait > t) = C exp(-(c mu - lambda) t).
"""
from __future__ import annotations

import math

from scipy import stats


def wait_probability(operators: int, offered_load: float) -> float:
    """Erlang C: P(a request has to wait) with c operators and offered load A (1 if c <= A)."""
    if offered_load <= 0:
        return 0.0
    if operators <= offered_load:
        return 1.0
    blocking = stats.poisson.pmf(operators, offered_load) / stats.poisson.cdf(operators, offered_load)
    return float(operators * blocking / (operators - offered_load * (1 - blocking)))


def wait_longer_than(operators: int, arrival_per_s: float, service_s: float, wait_s: float) -> float:
    """P(wait > wait_s) in an M/M/c queue."""
    load = arrival_per_s * service_s
    waiting = wait_probability(operators, load)
    if operators <= load:
        return 1.0
    return waiting * math.exp(-(operators / service_s - arrival_per_s) * wait_s)


def mean_wait_s(operators: int, arrival_per_s: float, service_s: float) -> float:
    load = arrival_per_s * service_s
    if operators <= load:
        return math.inf
    return wait_probability(operators, load) * service_s / (operators - load)


def operators_needed(arrival_per_s: float, service_s: float, wait_s: float, target: float) -> int:
    """The fewest operators for which P(wait > wait_s) <= target."""
    operators = max(1, math.floor(arrival_per_s * service_s) + 1)
    while wait_longer_than(operators, arrival_per_s, service_s, wait_s) > target:
        operators += 1
    return operators
