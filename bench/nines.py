"""Benchmark: naive Monte Carlo against cross-entropy importance sampling, side by side.

1. A real family from the simulator (default control_loss_wet_curve, driven by the
   privileged expert or, with --driver camera, the camera stack; --operators N puts the
   remote-operations console, default settings, behind it): naive episodes up to a
   cap, and CE rounds until CE's relative half-width (90 %) is <= 0.3; both estimate
   P(failure | encounter), and the acceleration is the naive episodes needed for CE's
   relative half-width at CE's p over the episodes CE used.
2. The analytic family: one N(0, 1) parameter failing above its (1 - p) quantile, for
   p = 1e-4 .. 1e-6; both samplers run until their relative half-width (90 %) is <= 0.3.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.run_settings import RunSettings  # noqa: E402
from nines.runner import execute_run, new_run  # noqa: E402
from nines.store import Store  # noqa: E402
from reliability.weighted_estimate import Z90, acceleration_factor, family_estimate  # noqa: E402
from scenarios.family import Family  # noqa: E402
from scenarios.parameters import Continuous  # noqa: E402
from scenarios.samplers import ce_draws, naturalistic, refit  # noqa: E402
from scenarios.suite import Suite  # noqa: E402
from teleop.config import TeleopConfig  # noqa: E402

TARGET_RHW = 0.3


def simulator_family(family: str, driver: str, teleop: dict | None, naive_cap: int, rounds: int, per_round: int,
                     batch: int, seed: int) -> None:
    """Naive episodes up to the cap and CE rounds, both driven by `driver` (with the console of
    `teleop`, TeleopConfig fields, behind it unless None) into one store;
    CE's estimate (the product's: the rounds drawn once the proposal had seen its first
    failures, weighted by f/q) is read after each round until its RHW90 <= 0.3, and the
    acceleration is the naive episodes that RHW would take at CE's p over every CE episode
    used by then, the exploring rounds included. Failure: any failed outcome (collision, route
    deviation, blocked)."""
    suites = {
        "naive": {"name": "naive", "seed": seed, "batch": batch, "clips": False,
                  "families": [{"family": family, "episodes": naive_cap}]},
        "ce": {"name": "ce", "seed": seed, "batch": batch, "clips": False,
               "families": [{"family": family, "sampler": "ce", "ce": {"rounds": rounds, "per_round": per_round}}]},
    }
    episodes, seconds, handoffs = {}, {}, {}
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        for name, data in suites.items():
            suite = Suite(**data)
            run_id = new_run(store, suite, yaml.safe_dump(data), RunSettings(driver, batch, "cpu", teleop=teleop))
            start = time.perf_counter()
            execute_run(store, run_id, show_progress=False)
            seconds[name] = time.perf_counter() - start
            episodes[name] = store.done_episodes(run_id)
            handoffs[name] = store.handoffs(run_id)
        store.close()
    if teleop is not None:
        # A CE round asks for help far more often than naive draws: with fewer operators than
        # its batch has vehicles in trouble, requests wait, and an episode's outcome depends on
        # the rest of its batch. A wait of 0 shows that each encounter was judged on its own.
        for name, table in handoffs.items():
            print(f"  console ({name}): {len(table)} handoffs, longest wait for an operator "
                  f"{table['wait_s'].max() if len(table) else 0.0:.1f} s")

    def estimate(table):
        return family_estimate(family, table, table["failure"].to_numpy(bool), None, False, False)

    naive = estimate(episodes["naive"])
    print(f"  naive: {naive.episodes} episodes in {seconds['naive']:.0f} s, {naive.failures} failures, "
          f"p = {naive.p:.3g}, RHW90 = {naive.relative_half_width:.3g}")
    for round_ in range(1, rounds + 1):
        ce = estimate(episodes["ce"].query("round < @round_"))
        print(f"  CE after {round_} rounds: {ce.episodes} episodes in the estimate (+{ce.exploring_episodes} "
              f"exploring), {ce.failures} failures, p = {ce.p:.3g}, RHW90 = {ce.relative_half_width:.3g}, "
              f"ESS = {ce.effective_sample_size:.0f}")
        if ce.relative_half_width <= TARGET_RHW:
            break
    print(f"  CE: {rounds} rounds of {per_round} in {seconds['ce']:.0f} s")
    factor = acceleration_factor(ce)
    if factor is None:
        print("  CE found no failure: no acceleration to report")
    else:
        used = ce.episodes + ce.exploring_episodes
        print(f"  naive episodes for CE's RHW {ce.relative_half_width:.2f} at p = {ce.p:.3g}: {factor * used:.0f}; "
              f"CE used {used}: acceleration {factor:.1f}x")


def gaussian_family(p_fail: float) -> tuple[Family, float]:
    threshold = float(stats.norm.isf(p_fail))
    x = Continuous("x", "", -8.0, 8.0, stats.norm(0.0, 1.0), "analytic")
    return Family("gaussian", "analytic", "none", "straight", (x,), 1.0, "analytic", lambda p, s: None), threshold


def naive_until(p_fail: float, rng: np.random.Generator, chunk: int = 1_000_000, cap: int = 10**9) -> tuple[int, float]:
    """Bernoulli draws in chunks until RHW90 <= 0.3 -> (draws, p_hat)."""
    n = k = 0
    while n < cap:
        k += int(rng.binomial(chunk, p_fail))
        n += chunk
        if k and Z90 * np.sqrt((1 - k / n) / (n * (k / n))) <= TARGET_RHW:
            break
    return n, k / n


def ce_until(p_fail: float, rng: np.random.Generator, per_round: int = 1000, max_rounds: int = 60
             ) -> tuple[int, float, float]:
    """CE rounds until the latest round's weighted estimate has RHW90 <= 0.3 -> (all draws used,
    including the naturalistic first round and the exploring rounds, p_hat, rhw). Only the
    latest proposal's draws enter the estimate: early exploring proposals can overshoot the
    failure region and give heavy-tailed weights."""
    family, threshold = gaussian_family(p_fail)
    history = naturalistic(family, per_round, rng)
    rhw, estimate = float("inf"), 0.0
    for _ in range(max_rounds):
        params = [d.params for d in history]
        proposal = refit(family, params, np.array([d.log_f for d in history]), np.array([d.log_q for d in history]),
                         np.array([threshold - p["x"] for p in params]), per_round, epsilon=0.1)
        draws = ce_draws(family, proposal, per_round, rng)
        history += draws
        y = np.array([np.exp(d.log_f - d.log_q) * (d.params["x"] > threshold) for d in draws])
        if y.sum() > 0:
            estimate = float(y.mean())
            rhw = float(Z90 * y.std(ddof=1) / np.sqrt(len(y)) / estimate)
            if rhw <= TARGET_RHW:
                break
    return len(history), estimate, rhw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="control_loss_wet_curve")
    parser.add_argument("--driver", default="expert", choices=("expert", "camera"))
    parser.add_argument("--operators", type=int, default=None,
                        help="a remote-operations console with this many operators behind the camera driver")
    parser.add_argument("--naive-cap", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=12)
    # An exploring round moves the proposal at most about 1.4 normal scores (the mean of a
    # unit normal's most critical 20 %) whatever its size, so small rounds reach the failure
    # region for fewer episodes; 64 still gives 13 elites a round.
    parser.add_argument("--per-round", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=5, help="the suites' seed (draws, CE proposals, episodes)")
    parser.add_argument("--analytic-only", action="store_true", help="skip the simulator family")
    args = parser.parse_args()
    teleop = None
    if args.operators is not None:
        if args.driver != "camera":
            parser.error("--operators needs --driver camera: the console answers the camera stack's handoffs")
        try:
            teleop = TeleopConfig(operators=args.operators).model_dump()
        except ValidationError as error:
            parser.error(f"--operators {args.operators}: {error.errors()[0]['msg']}")
    if not args.analytic_only:
        console = "" if args.operators is None else f" and a console of {args.operators} operators"
        print(f"1. simulator family {args.family}, {args.driver} driver{console}:", flush=True)
        simulator_family(args.family, args.driver, teleop, args.naive_cap, args.rounds, args.per_round,
                         args.batch, args.seed)
    print("2. analytic family (one Gaussian parameter), both run to RHW90 <= 0.3:")
    rng = np.random.default_rng(0)
    for p_fail in (1e-4, 1e-5, 1e-6):
        naive_n, naive_p = naive_until(p_fail, rng)
        ce_n, ce_p, rhw = ce_until(p_fail, rng)
        print(f"  p = {p_fail:.0e}: naive {naive_n:.3g} draws (p_hat {naive_p:.3g}), CE {ce_n} draws "
              f"(p_hat {ce_p:.3g}, RHW {rhw:.2f}): {naive_n / ce_n:,.0f}x", flush=True)


if __name__ == "__main__":
    main()
