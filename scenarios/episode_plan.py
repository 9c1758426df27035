"""Turns a suite into episodes: which family, parameters, seed, sampler, log f and log q.

Every episode is a pure function of (suite seed, family position, round, index), so a run
that is killed and resumed plans exactly the same episodes again. Families with a km budget
are an endless sequence that the runner cuts at the budget; CE families run in rounds, each
planned from the results of the rounds before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from scenarios.catalog import find_family
from scenarios.family import Family, criticality
from scenarios.parameters import Categorical
from scenarios.samplers import CEHistory, CEProposal, ce_proposal, halton_unit
from scenarios.suite import FamilyEntry, Suite, SuiteError
from sim.episode_spec import EpisodeSpec


@dataclass(frozen=True)
class EpisodeTask:
    """One planned episode. episode_id is unique within a run: family:sampler:round:index."""

    episode_id: str
    family: str
    sampler: str
    round: int
    index: int
    seed: int
    params: dict
    log_f: float
    log_q: float
    spec: EpisodeSpec


def _seed(suite: Suite, position: int, round_: int, index: int) -> int:
    return int(np.random.SeedSequence([suite.seed, position, round_, index]).generate_state(1)[0])


def _unit_row(suite: Suite, entry: FamilyEntry, position: int, round_: int, index: int,
              proposal: CEProposal | None) -> tuple[np.ndarray, float]:
    """The episode's point in the unit cube and log(q / f) there."""
    family = find_family(entry.family)
    rng = np.random.default_rng([suite.seed, position, round_, index, 1])
    if proposal is not None:
        u = proposal.sample_unit(family, 1, rng)
        free = np.array([p.name not in entry.fixed for p in family.all_parameters])
        return u[0], float(proposal.log_q_over_f(family, u, free)[0])
    if entry.sampler == "halton":
        u = halton_unit(family, suite.seed * 1000 + position, index, 1)[0]
    else:
        u = rng.random(len(family.all_parameters))
    log_ratio = 0.0
    if entry.weather is not None:
        k = len(family.all_parameters) - 1
        condition = family.all_parameters[k]
        mix = np.array([entry.weather.get(v, 0.0) for v in condition.values], float)
        mix /= mix.sum()
        chosen = int(rng.choice(len(mix), p=mix))
        edges = np.concatenate([[0.0], np.cumsum(condition.probs)])
        u[k] = 0.5 * (edges[chosen] + edges[chosen + 1])
        log_ratio = float(np.log(mix[chosen]) - np.log(condition.probs[chosen]))
    return u, log_ratio


def make_task(suite: Suite, position: int, round_: int, index: int, proposal: CEProposal | None = None) -> EpisodeTask:
    entry = suite.families[position]
    family = find_family(entry.family)
    u, log_ratio = _unit_row(suite, entry, position, round_, index, proposal)
    params = family.from_unit(u[None, :])[0]
    params.update(entry.fixed)
    log_f = _log_f_free(family, params, set(entry.fixed))
    seed = _seed(suite, position, round_, index)
    episode_id = f"{family.name}:{entry.sampler}:{round_}:{index}"
    return EpisodeTask(episode_id, family.name, entry.sampler, round_, index, seed, params, log_f,
                       log_f + log_ratio, family.build(params, seed))


def _log_f_free(family: Family, params: dict, fixed: set[str]) -> float:
    """log f over the parameters that are sampled; fixed ones are conditioned on."""
    total = 0.0
    for p in family.all_parameters:
        if p.name in fixed:
            continue
        value = params[p.name]
        code = p.values.index(value) if isinstance(p, Categorical) else value
        total += float(p.log_pdf(np.array([code]))[0])
    return total


def fixed_tasks(suite: Suite, position: int) -> list[EpisodeTask]:
    """All episodes of a family entry with an episode count (naturalistic or halton)."""
    entry = suite.families[position]
    return [make_task(suite, position, 0, i) for i in range(entry.episodes)]


def counted_tasks(suite: Suite, command: str) -> list[EpisodeTask]:
    """Every episode of a suite whose families all have an episode count (for commands that
    drive a fixed set, e.g. collect); SuiteError naming `command` otherwise."""
    uncounted = [e.family for e in suite.families if e.episodes is None or e.sampler == "ce"]
    if uncounted:
        raise SuiteError(f"{command} needs an episode count for every family; {', '.join(uncounted)} "
                         "has a km budget or the ce sampler")
    return [t for position in range(len(suite.families)) for t in fixed_tasks(suite, position)]


def budget_tasks(suite: Suite, position: int, start: int = 0) -> Iterator[EpisodeTask]:
    """The endless episode sequence of a family entry with a km budget."""
    index = start
    while True:
        yield make_task(suite, position, 0, index)
        index += 1


def ce_round_tasks(suite: Suite, position: int, round_: int, history: list[dict]) -> list[EpisodeTask]:
    """Round `round_` of a CE family; history holds the records of its earlier rounds, each
    with round, params, log_f, log_q, outcome, min_ttc_s and max_grip_use. Round 0 is naturalistic."""
    entry = suite.families[position]
    settings = entry.ce
    proposal = None
    if round_ > 0:
        family = find_family(entry.family)
        past = CEHistory([r["params"] for r in history], np.array([r["log_f"] for r in history]),
                         np.array([r["log_q"] for r in history]),
                         np.array([criticality(r, family.near_miss) for r in history]),
                         np.array([r["round"] for r in history]))
        proposal = ce_proposal(family, past, settings.epsilon, settings.elite_fraction)
    return [make_task(suite, position, round_, i, proposal) for i in range(settings.per_round)]
