"""Benchmark: how much does cross-entropy importance sampling accelerate the estimate of a rare
failure probability over naive Monte Carlo, measured so that the figure holds.

An acceleration is p (1 - p) / (MSE x N): the naive draws that would reach the same mean
squared error as CE does with N draws, over N. N is a budget fixed before the run (rounds x
per round, the exploring rounds included), never "the first round whose interval looks good"
(a stopping rule that favours low estimates), and the MSE comes from independent
replications:
1. Analytic families (one threshold at p = 1e-4, 1e-5, 1e-6; bench/analytic_cases.py), where
   p is known: MSE against the truth. The naive side is also simulated, in draws of 1,000 at
   a time, until its own RHW90 reaches CE's true one: the two counts should agree.
2. A real family from the simulator (default control_loss_wet_curve, driven by the privileged
   expert, or with --driver camera the camera stack, with --operators N the remote-operations
   console behind it): --replications CE runs with different seeds; p is unknown, so the MSE
   is the replications' variance around their mean (the bias is not measured; the estimator
   is unbiased by construction), and p(1 - p) uses their mean. With few replications the
   variance, and so the acceleration, is itself uncertain: the bench prints its 90 % range.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError
from scipy import stats

from analytic_cases import PER_ROUND, ROUNDS, run_case, threshold  # puts the repository on the path
from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from reliability.weighted_estimate import Z90, family_estimate
from scenarios.suite import Suite
from teleop.config import TeleopConfig

NAIVE_CHUNK = 1_000


def naive_draws_for(p_fail: float, target_rhw: float, rng: np.random.Generator) -> int:
    """Bernoulli draws, NAIVE_CHUNK at a time, until the naive estimate's own RHW90 is at most
    target_rhw."""
    n = k = 0
    while True:
        k += int(rng.binomial(NAIVE_CHUNK, p_fail))
        n += NAIVE_CHUNK
        if k and Z90 * np.sqrt((1 - k / n) / k) <= target_rhw:
            return n


def analytic(replications: int) -> None:
    print(f"analytic family, one threshold: CE budget {ROUNDS} rounds of {PER_ROUND} = {ROUNDS * PER_ROUND} draws, "
          f"{replications} replications each")
    rng = np.random.default_rng(0)
    for k, p_fail in enumerate((1e-4, 1e-5, 1e-6)):
        result = run_case(threshold(p_fail), replications, seed=100 + k)
        true_rhw = result.rhw_true_over_reported * result.median_reported_rhw
        naive = naive_draws_for(p_fail, true_rhw, rng)
        print(f"  p = {p_fail:.0e}: CE true RHW90 {true_rhw:.2f}, coverage {result.coverage:.2f}; acceleration "
              f"p(1-p)/(MSE N) = {result.acceleration:,.0f}x; naive simulated to the same RHW: {naive:,} draws = "
              f"{naive / (ROUNDS * PER_ROUND):,.0f}x", flush=True)


def simulator_family(family: str, driver: str, teleop: dict | None, replications: int, rounds: int, per_round: int,
                     batch: int, seed: int) -> None:
    """`replications` CE runs of `family`, each its own suite seed, with the product's runner
    and estimate; failure: any failed outcome (collision, route deviation, blocked)."""
    budget = rounds * per_round
    print(f"simulator family {family}, {driver} driver{'' if teleop is None else ' and console'}: CE budget "
          f"{rounds} rounds of {per_round} = {budget} episodes, {replications} replications", flush=True)
    estimates, longest_wait = [], 0.0
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        for r in range(replications):
            data = {"name": "ce", "seed": seed + r, "batch": batch, "clips": False,
                    "families": [{"family": family, "sampler": "ce", "ce": {"rounds": rounds, "per_round": per_round}}]}
            run_id = new_run(store, Suite(**data), yaml.safe_dump(data), RunSettings(driver, batch, "cpu",
                                                                                      teleop=teleop))
            start = time.perf_counter()
            execute_run(store, run_id, show_progress=False)
            episodes = store.done_episodes(run_id)
            handoffs = store.handoffs(run_id)
            longest_wait = max(longest_wait, float(handoffs["wait_s"].max()) if len(handoffs) else 0.0)
            e = family_estimate(family, episodes, episodes["failure"].to_numpy(float), None, False, False)
            estimates.append(e)
            print(f"  seed {seed + r}: {int(episodes['failure'].sum())} failures, p = {e.p:.3g} "
                  f"({e.lower:.3g} - {e.upper:.3g}), RHW90 {e.relative_half_width:.2f}, ESS_wy {e.ess_wy:.0f}, "
                  f"{'; '.join(e.problems) or 'healthy'} ({time.perf_counter() - start:.0f} s)", flush=True)
        store.close()
    if teleop is not None:
        # an episode's outcome must not depend on the rest of its batch through the operators' queue
        print(f"  console: longest wait for an operator {longest_wait:.1f} s")
    p_hat = np.array([e.p for e in estimates])
    mean, variance = float(p_hat.mean()), float(p_hat.var(ddof=1))
    if not variance > 0:
        print("  no spread between replications: no acceleration to report")
        return
    factor = mean * (1 - mean) / (variance * budget)
    # the sample variance of R estimates: (R - 1) s^2 / sigma^2 is chi-square with R - 1 degrees of freedom
    low, high = (factor * stats.chi2.ppf(q, replications - 1) / (replications - 1) for q in (0.05, 0.95))
    covered = np.mean([e.lower <= mean <= e.upper for e in estimates])
    print(f"  p = {mean:.3g} (mean of {replications}), true RHW90 {Z90 * np.sqrt(variance) / mean:.2f} against "
          f"reported median {np.median([e.relative_half_width for e in estimates]):.2f}; intervals holding the mean: "
          f"{covered:.0%}; acceleration p(1-p)/(var N) = {factor:,.0f}x (90 % range {low:,.0f}x - {high:,.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="control_loss_wet_curve")
    parser.add_argument("--driver", default="expert", choices=("expert", "camera"))
    parser.add_argument("--operators", type=int, default=None,
                        help="a remote-operations console with this many operators behind the camera driver")
    parser.add_argument("--replications", type=int, default=8, help="CE runs of the simulator family")
    parser.add_argument("--analytic-replications", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--per-round", type=int, default=PER_ROUND)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=5, help="the first replication's suite seed")
    parser.add_argument("--analytic-only", action="store_true", help="skip the simulator family")
    parser.add_argument("--simulator-only", action="store_true", help="skip the analytic families")
    args = parser.parse_args()
    if args.replications < 2 or args.analytic_replications < 2:
        parser.error("replications must be at least 2: the acceleration comes from their spread")
    teleop = None
    if args.operators is not None:
        if args.driver != "camera":
            parser.error("--operators needs --driver camera: the console answers the camera stack's handoffs")
        try:
            teleop = TeleopConfig(operators=args.operators).model_dump()
        except ValidationError as error:
            parser.error(f"--operators {args.operators}: {error.errors()[0]['msg']}")
    if not args.simulator_only:
        analytic(args.analytic_replications)
    if not args.analytic_only:
        simulator_family(args.family, args.driver, teleop, args.replications, args.rounds, args.per_round,
                         args.batch, args.seed)


if __name__ == "__main__":
    main()
