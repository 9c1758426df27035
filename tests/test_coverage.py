"""bench/coverage.py with fewer replications: the intervals the report prints cover analytic
failure regions of known probability, with the CE sampler's shipped defaults, and the
weighted rate's interval covers catalogue-like mixes. Bounds are the benchmark's targets
less about two standard errors of a coverage from this many replications."""
import pytest

from run_helpers import bench_module

CASES, run_case = bench_module("analytic_cases").CASES, bench_module("analytic_cases").run_case
rate_coverage = bench_module("coverage").rate_coverage

REPLICATIONS = 40


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3], CASES[4]], ids=lambda c: c.name)
def test_ce_intervals_cover_and_find_every_part(case):
    result = run_case(case, REPLICATIONS, seed=11)
    assert result.coverage >= (0.85 if case.single else 0.80), result
    assert 0.85 <= result.mean_ratio <= 1.15 and result.median_ratio >= 0.8, result
    assert 1 / 1.6 <= result.rhw_true_over_reported <= 1.6, result


def test_the_weighted_rate_interval_covers_catalogue_like_mixes():
    coverage, above = rate_coverage(80, seed=3, pool_size=20)
    assert coverage >= 0.92 and above <= 0.05
