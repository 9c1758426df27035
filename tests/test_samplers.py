"""Samplers: Halton covers the box, the CE proposal moves toward failures, keeps its floor and
finds both parts of a region in two, log q is right (importance weights average to one and
the weighted estimate hits an analytic truth), and a resumed run rebuilds the same proposal."""
import numpy as np
from scipy.stats import qmc

from reliability.weighted_estimate import SETTLE_FAILURES
from scenarios.catalog import FAMILIES
from scenarios.samplers import (MIN_FAILURES, MIN_STD, CEHistory, ce_draws, ce_proposal, halton, naturalistic,
                                next_proposal, to_unit)
from run_helpers import bench_module

ANALYTIC = bench_module("analytic_cases")
CASES, analytic_family = ANALYTIC.CASES, ANALYTIC.analytic_family

FAMILY = FAMILIES["lead_vehicle_brakes"]


def fails(params) -> bool:
    """A rare analytic failure region of this family's parameters: hard braking at short headway."""
    return params["decel"] > 7.0 and params["headway"] < 0.9


def distance_to_failure(params) -> float:
    return max(0.0, 7.0 - params["decel"]) / 7.0 + max(0.0, params["headway"] - 0.9) / 2.4


def true_probability() -> float:
    decel, headway = FAMILY.parameter("decel"), FAMILY.parameter("headway")
    p_decel = 1 - (decel.base.cdf(7.0) - decel.base.cdf(decel.low)) / decel._mass()[1]
    p_headway = (headway.base.cdf(0.9) - headway.base.cdf(headway.low)) / headway._mass()[1]
    return p_decel * p_headway


def test_naturalistic_draws_have_q_equal_f():
    draws = naturalistic(FAMILY, 50, np.random.default_rng(0))
    assert all(d.log_q == d.log_f for d in draws)
    assert all(FAMILY.parameter("decel").contains(d.params["decel"]) for d in draws)


def test_halton_covers_the_box_more_evenly_than_monte_carlo():
    draws = halton(FAMILY, 256, seed=3)
    u = to_unit(FAMILY, [d.params for d in draws])[:, :-1]
    random = np.random.default_rng(3).random(u.shape)
    assert qmc.discrepancy(u) < qmc.discrepancy(random)


def history_of(draws, rounds, criticality) -> CEHistory:
    return CEHistory([d.params for d in draws], np.array([d.log_f for d in draws]), np.array([d.log_q for d in draws]),
                     np.array([criticality(d.params) for d in draws]), np.array(rounds))


def run_ce(rounds: int, per_round: int, seed: int):
    """-> (failing share per round, the last round's draws, every proposal, the history)."""
    rng = np.random.default_rng(seed)
    history = naturalistic(FAMILY, per_round, rng)
    rounds_of = [0] * per_round
    fractions = [np.mean([fails(d.params) for d in history])]
    last, proposals = history, []
    for round_ in range(1, rounds + 1):
        past = history_of(history, rounds_of, distance_to_failure)
        proposals.append(next_proposal(FAMILY, past, proposals[-1] if proposals else None, epsilon=0.1))
        last = ce_draws(FAMILY, proposals[-1], per_round, rng)
        fractions.append(np.mean([fails(d.params) for d in last]))
        history, rounds_of = history + last, rounds_of + [round_] * per_round
    return fractions, last, proposals, history_of(history, rounds_of, distance_to_failure)


def test_the_estimate_settles_where_the_sampler_starts_fitting_to_failures():
    """The estimate leaves out the exploring rounds, so both must name the same count."""
    assert SETTLE_FAILURES == MIN_FAILURES


def test_ce_proposal_moves_toward_failures():
    fractions, _, _, _ = run_ce(rounds=4, per_round=200, seed=1)
    truth = true_probability()
    assert fractions[0] < 0.05
    # exploring rounds walk toward the failure region until MIN_FAILURES draws have failed,
    # then the rounds fitted to the failures sit on it: about half the draws fail (the floor
    # keeps the proposal wider than the region, a scout looks elsewhere), 80x the naturalistic share
    assert fractions[0] < fractions[1] < fractions[2]
    assert sum(fractions[:3]) * 200 >= MIN_FAILURES
    assert min(fractions[3:]) > 0.4 and fractions[-1] > 80 * truth


def test_weights_average_to_one_and_the_estimate_hits_the_truth():
    _, draws, _, _ = run_ce(rounds=4, per_round=2000, seed=2)
    weights = np.exp(np.array([d.log_f - d.log_q for d in draws]))
    assert abs(weights.mean() - 1.0) < 3 * weights.std() / np.sqrt(len(weights))
    values = weights * np.array([fails(d.params) for d in draws])
    estimate, standard_error = values.mean(), values.std() / np.sqrt(len(values))
    truth = true_probability()
    assert 1e-3 < truth < 2e-2
    assert abs(estimate - truth) < 3 * standard_error
    naive_standard_error = np.sqrt(truth * (1 - truth) / len(values))
    assert standard_error < naive_standard_error / 3


def test_criticality_measures_a_near_miss_by_time_to_collision_or_by_grip():
    from scenarios.family import TTC_CAP_S, criticality

    passed = {"outcome": "success", "min_ttc_s": 2.5, "max_grip_use": 0.6}
    assert criticality(passed) == 2.5 and criticality({**passed, "min_ttc_s": float("inf")}) == TTC_CAP_S
    assert criticality(passed, "grip") == np.float64(TTC_CAP_S * 0.4).item()
    slid = {**passed, "max_grip_use": 1.4}  # slid but stayed on its route
    assert 0.0 < criticality(slid, "grip") < criticality(passed, "grip")
    assert criticality({**passed, "outcome": "route_deviation"}, "grip") == 0.0
    assert FAMILIES["control_loss_wet_curve"].near_miss == "grip" and FAMILIES["urban_cut_in"].near_miss == "ttc"


def test_the_fitted_proposal_keeps_its_floor_and_a_resumed_run_rebuilds_it():
    _, _, proposals, history = run_ce(rounds=5, per_round=100, seed=4)
    assert any(p.fitted for p in proposals) and all(p.mixture.std.min() >= MIN_STD for p in proposals)
    rebuilt = ce_proposal(FAMILY, history.before(5), epsilon=0.1)  # the proposal round 5 was drawn from
    assert np.array_equal(rebuilt.mixture.mean, proposals[-1].mixture.mean)
    assert np.array_equal(rebuilt.mixture.weights, proposals[-1].mixture.weights)
    # 40 failures packed within 0.05 of x1 = 4: the fit would be far narrower than the floor
    family = analytic_family()
    rng = np.random.default_rng(0)
    params = [{"x1": 4.0 + 0.05 * rng.standard_normal(), "x2": rng.standard_normal(), "condition": "clear"}
              for _ in range(40)]
    log_f = family.log_f_rows(params)
    packed = next_proposal(family, CEHistory(params, log_f, log_f, np.zeros(40), np.zeros(40, int)), None)
    assert packed.fitted and packed.mixture.std[:, 0].min() == MIN_STD


def test_ce_finds_both_tails_of_a_region_in_two_parts():
    """x1 < -b or x1 > b at p = 1e-4: the fitted mixture has a component in each tail in at
    least 9 of 10 runs (a single Gaussian locks onto one)."""
    case = next(c for c in CASES if c.name.startswith("two opposite tails"))
    family = analytic_family()

    def criticality(params):
        return float(case.criticality(np.array([params["x1"]]), np.array([params["x2"]]),
                                      np.array([params["condition"]]))[0])

    both = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        draws, rounds_of, proposal = naturalistic(family, 64, rng), [0] * 64, None
        for round_ in range(1, 8):
            proposal = next_proposal(family, history_of(draws, rounds_of, criticality), proposal)
            draws, rounds_of = draws + ce_draws(family, proposal, 64, rng), rounds_of + [round_] * 64
        means = proposal.mixture.mean[:, 0]
        both += proposal.fitted and means.max() > 3.0 and means.min() < -3.0
    assert both >= 9


def test_a_fixed_parameter_is_conditioned_on_in_log_q():
    """A suite that fixes the weather and runs CE: log q is the proposal's marginal over the
    free axes, so a weight does not depend on the weather the proposal drew and then the suite
    overrode (that weather only added noise to the weights), and the weights average to one."""
    from scenarios.episode_plan import make_task
    from scenarios.mixture_fit import Mixture
    from scenarios.samplers import CEProposal
    from scenarios.suite import Suite

    suite = Suite(name="fixed", seed=2, families=[{"family": "lead_vehicle_brakes", "sampler": "ce",
                                                   "fixed": {"condition": "fog"}}])
    condition = FAMILY.parameter("condition")
    axes = len(FAMILY.all_parameters) - 1
    night = np.full(len(condition.values), 0.01)
    night[condition.values.index("night")] = 1.0
    proposal = CEProposal(Mixture(np.ones(1), np.full((1, axes), 0.8), np.ones((1, axes)), (night[None] / night.sum(),)),
                          (False,))
    u = np.tile(np.random.default_rng(0).random((1, axes + 1)), (len(condition.values), 1))
    shares = np.asarray(condition.probs) / np.sum(condition.probs)
    u[:, -1] = np.cumsum(shares) - shares / 2  # every weather once
    free = np.array([p.name != "condition" for p in FAMILY.all_parameters])
    assert np.ptp(proposal.log_q_over_f(FAMILY, u, free)) < 1e-12 < np.ptp(proposal.log_q_over_f(FAMILY, u))
    tasks = [make_task(suite, 0, 1, i, proposal) for i in range(2000)]
    assert all(t.params["condition"] == "fog" for t in tasks)
    weights = np.exp([t.log_f - t.log_q for t in tasks])
    assert abs(weights.mean() - 1.0) < 3 * weights.std() / np.sqrt(len(weights))
