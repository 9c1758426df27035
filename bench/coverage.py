"""Benchmark: do the intervals the report prints cover, against failure regions whose
probability is known exactly?

The project's own CE sampler (scenarios.samplers, shipped defaults: rounds of 64, epsilon
0.1, elite fraction 0.2, MIN_FAILURES and MIN_STD) runs a pre-registered budget on analytic
families of two N(0, 1) parameters and the weather condition, and the product's estimator
(reliability.weighted_estimate) reads each run; over the replications:
- coverage of the family's nominal 95 % interval (targets: >= 0.93 one region, >= 0.90 several);
- mean and median of p_hat / p (targets: mean within [0.9, 1.1], median >= 0.8);
- true RHW90 (from the spread of p_hat around p) over the median reported one (within 1.3);
- acceleration p (1 - p) / (MSE x N), N every draw including the exploring rounds: the naive
  Monte Carlo draws that would give the same mean squared error, over those used;
- the share of runs the health check flags, and the coverage of the runs it passes;
and the weighted rate's 95 % interval over catalogue-like mixes of a nominal stratum,
naturalistic and CE families (target: coverage >= 0.95).

`python bench/coverage.py [--replications 200] [--min-std 0.5]`; tests/test_coverage.py runs
the same with fewer replications.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analytic_cases import CASES, PER_ROUND, ROUNDS, ce_run, run_case, threshold  # puts the repository on the path
from reliability.weighted_estimate import weighted_rate
from scenarios.samplers import MIN_STD


def rate_coverage(replications: int, seed: int, pool_size: int = 40) -> tuple[float, float]:
    """Coverage of the weighted rate's 95 % interval over catalogue-like mixes: a nominal
    stratum (Poisson failures over its km), two CE families (p = 1e-4 and 1e-5, drawn from a
    pool of CE runs), and three naturalistic families of 200 encounters (p = 1e-3, 2e-3,
    5e-4; mostly no event). -> (coverage, share of runs above the upper end)."""
    rng = np.random.default_rng(seed)
    pools = {p: [ce_run(threshold(p), rng) for _ in range(pool_size)] for p in (1e-4, 1e-5)}
    exposure = {"ce_1e-4": 0.5, "ce_1e-5": 2.0, "nat_a": 0.2, "nat_b": 0.1, "nat_c": 0.3}
    natural_p = {"nat_a": 1e-3, "nat_b": 2e-3, "nat_c": 5e-4}
    nominal_rate, nominal_km = 0.01, 300.0
    truth = nominal_rate + 0.5 * 1e-4 + 2.0 * 1e-5 + sum(exposure[f] * p for f, p in natural_p.items())
    families = pd.DataFrame([{"name": "nominal", "exposure_per_km": np.nan, "nominal": True, "assumed": False}]
                            + [{"name": f, "exposure_per_km": v, "nominal": False, "assumed": False}
                               for f, v in exposure.items()])
    covered, above = [], []
    for _ in range(replications):
        parts = [pd.DataFrame({"family": "nominal", "round": 0, "sampler": "naturalistic", "log_f": 0.0,
                               "log_q": 0.0, "km": nominal_km / 100, "failure": rng.poisson(nominal_rate
                                                                                            * nominal_km / 100, 100)})]
        for p in (1e-4, 1e-5):
            parts.append(pools[p][rng.integers(pool_size)].assign(family=f"ce_{p:.0e}".replace("e-0", "e-")))
        for family, p in natural_p.items():
            parts.append(pd.DataFrame({"family": family, "round": 0, "sampler": "naturalistic", "log_f": 0.0,
                                       "log_q": 0.0, "km": 0.1, "failure": rng.random(200) < p}))
        episodes = pd.concat(parts, ignore_index=True)
        rate = weighted_rate(episodes, episodes["failure"].to_numpy(float), families)
        covered.append(rate.lower <= truth <= rate.upper)
        above.append(truth > rate.upper)
    return float(np.mean(covered)), float(np.mean(above))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--min-std", type=float, default=MIN_STD, help="the CE proposal's floor on its spreads")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.replications < 2 or not args.min_std > 0:
        parser.error("--replications must be >= 2 and --min-std > 0")
    print(f"CE: {ROUNDS} rounds of {PER_ROUND} (N = {ROUNDS * PER_ROUND} draws), floor {args.min_std}, "
          f"{args.replications} replications per case")
    print(f"{'case':52s} {'cover':>6s} {'target':>6s} {'mean':>5s} {'median':>6s} {'RHW t/r':>7s} "
          f"{'accel':>7s} {'flagged':>7s} {'cover|ok':>8s}  verdict")
    for k, case in enumerate(CASES):
        start = time.perf_counter()
        r = run_case(case, args.replications, args.seed + k, args.min_std)
        healthy = "n/a" if r.coverage_healthy is None else f"{r.coverage_healthy:.3f}"
        print(f"{case.name:52s} {r.coverage:6.3f} {0.93 if case.single else 0.90:6.2f} {r.mean_ratio:5.2f} "
              f"{r.median_ratio:6.2f} {r.rhw_true_over_reported:7.2f} {r.acceleration:7,.0f} {r.flagged:7.1%} "
              f"{healthy:>8s}  {'met' if r.passes() else 'NOT met'} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    coverage, above = rate_coverage(args.replications, args.seed)
    print(f"weighted rate, catalogue-like mixes: coverage {coverage:.3f} (target >= 0.95), truth above the upper "
          f"end {above:.1%} (nominal 2.5 %): {'met' if coverage >= 0.95 else 'NOT met'}")
    print("targets: mean p_hat/p in [0.9, 1.1], median >= 0.8, true/reported RHW within 1.3")


if __name__ == "__main__":
    main()
