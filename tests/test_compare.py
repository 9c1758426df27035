"""`nines compare` as a regression gate, on runs whose truth is known: two runs of the same
driver and settings with different seeds (nominal km, naturalistic families and a CE family
on an analytic failure region) are called different in at most 5 % of pairs, on the rate
ratio and on the Holm-corrected family changes, also when the CE budgets differ; a real
regression is caught; the paired test counts discordant scenarios."""
import numpy as np
import pandas as pd
import pytest

from reliability.run_comparison import PairedTest, family_changes, paired_test, regressions, weighted_rate_ratio
from reliability.weighted_estimate import weighted_rate
from run_helpers import bench_module

ANALYTIC = bench_module("analytic_cases")
ce_run, threshold = ANALYTIC.ce_run, ANALYTIC.threshold

FAMILIES = pd.DataFrame([
    {"name": "drive", "exposure_per_km": np.nan, "nominal": True, "assumed": False},
    {"name": "crossing", "exposure_per_km": 0.2, "nominal": False, "assumed": False},
    {"name": "cut_in", "exposure_per_km": 0.1, "nominal": False, "assumed": False},
    {"name": "analytic", "exposure_per_km": 0.5, "nominal": False, "assumed": False}])


def synthetic_run(rng: np.random.Generator, ce: pd.DataFrame, nominal_rate: float = 0.01,
                  crossing_p: float = 5e-3) -> pd.DataFrame:
    parts = [pd.DataFrame({"family": "drive", "round": 0, "sampler": "naturalistic", "log_f": 0.0, "log_q": 0.0,
                           "km": 2.0, "failure": rng.poisson(nominal_rate * 2.0, 100) > 0}),
             pd.DataFrame({"family": "crossing", "round": 0, "sampler": "naturalistic", "log_f": 0.0, "log_q": 0.0,
                           "km": 0.1, "failure": rng.random(300) < crossing_p}),
             pd.DataFrame({"family": "cut_in", "round": 0, "sampler": "naturalistic", "log_f": 0.0, "log_q": 0.0,
                           "km": 0.1, "failure": rng.random(300) < 2e-3}),
             ce]
    return pd.concat(parts, ignore_index=True)


def verdicts(a: pd.DataFrame, b: pd.DataFrame) -> tuple[bool, bool, list[str]]:
    rates = [weighted_rate(e, e["failure"].to_numpy(float), FAMILIES) for e in (a, b)]
    ratio = weighted_rate_ratio(*rates)
    changes = family_changes(rates[0].families, rates[1].families)
    return (ratio.p_value is not None and ratio.p_value < 0.05, bool((changes["p_holm"] < 0.05).any()),
            regressions(ratio, changes, PairedTest(0, 0, 0, None), 1.0))


@pytest.fixture(scope="module")
def pools():
    rng = np.random.default_rng(21)
    return {rounds: [ce_run(threshold(1e-4), rng, rounds=rounds) for _ in range(24)] for rounds in (10, 12, 14)}


def test_two_runs_of_the_same_driver_are_rarely_called_different(pools):
    rng = np.random.default_rng(5)
    calls = []
    for pair in range(120):
        a_rounds, b_rounds = 12, (12, 10, 14)[pair % 3]
        a = synthetic_run(rng, pools[a_rounds][rng.integers(24)])
        b = synthetic_run(rng, pools[b_rounds][rng.integers(24)])
        ratio_call, family_call, gate = verdicts(a, b)
        calls.append((ratio_call, family_call, bool(gate)))
    ratio_calls, family_calls, gate_calls = np.mean(calls, axis=0)
    # at most 5 %, with two standard errors of slack for 120 pairs; the gate (the ratio's lower
    # end above 1, or a family worse after Holm) asks for one side of the same tests
    assert ratio_calls <= 0.09 and family_calls <= 0.09 and gate_calls <= 0.09, (ratio_calls, family_calls, gate_calls)


def test_a_real_regression_is_caught(pools):
    rng = np.random.default_rng(6)
    caught = [verdicts(synthetic_run(rng, pools[12][k]), synthetic_run(rng, pools[12][k + 1], nominal_rate=0.05,
                                                                        crossing_p=0.05))[2] for k in range(10)]
    assert sum(bool(found) for found in caught) >= 9
    assert any("crossing" in line for found in caught for line in found)


def test_the_paired_test_counts_discordant_scenarios():
    a = pd.DataFrame({"family": "f", "seed": range(6), "params": "{}", "episode_id": [f"a{i}" for i in range(6)],
                      "failure": [True, False, False, False, True, False]})
    b = a.assign(episode_id=[f"b{i}" for i in range(6)], failure=[True, True, True, True, False, False],
                 failure_type="collision_vehicle", clip_path="")
    paired = paired_test(a, b)
    assert (paired.pairs, paired.failed_only_a, paired.failed_only_b) == (6, 1, 3)
    assert paired.p_value == pytest.approx(0.625)
