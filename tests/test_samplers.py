"""Samplers: Halton covers the box, the CE proposal moves toward failures, log q is right
(importance weights average to one and the weighted estimate hits an analytic truth)."""
import numpy as np
from scipy.stats import qmc

from scenarios.catalog import FAMILIES
from reliability.weighted_estimate import SETTLE_FAILURES
from scenarios.samplers import MIN_FAILURES, ce_draws, halton, naturalistic, refit, to_unit

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
    u = np.stack([to_unit(FAMILY, d.params) for d in draws])[:, :-1]
    random = np.random.default_rng(3).random(u.shape)
    assert qmc.discrepancy(u) < qmc.discrepancy(random)


def run_ce(rounds: int, per_round: int, seed: int):
    rng = np.random.default_rng(seed)
    history = naturalistic(FAMILY, per_round, rng)
    fractions = [np.mean([fails(d.params) for d in history])]
    last = history
    for _ in range(rounds):
        proposal = refit(FAMILY, [d.params for d in history], np.array([d.log_f for d in history]),
                         np.array([d.log_q for d in history]),
                         np.array([distance_to_failure(d.params) for d in history]), per_round, epsilon=0.1)
        last = ce_draws(FAMILY, proposal, per_round, rng)
        fractions.append(np.mean([fails(d.params) for d in last]))
        history = history + last
    return fractions, last


def test_the_estimate_settles_where_the_sampler_starts_fitting_to_failures():
    """The estimate leaves out the exploring rounds, so both must name the same count."""
    assert SETTLE_FAILURES == MIN_FAILURES


def test_ce_proposal_moves_toward_failures():
    fractions, _ = run_ce(rounds=4, per_round=200, seed=1)
    truth = true_probability()
    assert fractions[0] < 0.05
    # exploring rounds walk toward the failure region until MIN_FAILURES draws have failed,
    # then the rounds fitted to the failures sit in it: most draws fail, 100x the naturalistic share
    assert fractions[0] < fractions[1] < fractions[2]
    assert sum(fractions[:3]) * 200 >= MIN_FAILURES
    assert min(fractions[3:]) > 0.5 and fractions[-1] > 100 * truth


def test_weights_average_to_one_and_the_estimate_hits_the_truth():
    _, draws = run_ce(rounds=4, per_round=2000, seed=2)
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
