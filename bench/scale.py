"""Benchmark: the regression suite on the local executor and on Ray with 1 and 2 workers, side
by side on this machine (episodes/s, simulated km/h, scaling efficiency), then the cost of
each nine: simulated km per hour per CPU core (and per GPU where there is one), and from it
the hours needed to settle nines 3 to 7 naively and with the acceleration factor that a CE
run of one family measures here.

A Ray worker holds one CPU (Ray gives it one intra-op thread), so km/h per core is the
1-worker figure; the local executor uses every core through torch's threads. Ray's start-up
is done before the clock starts.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.ray_executor import RayOptions, connect  # noqa: E402
from nines.run_settings import RunSettings  # noqa: E402
from nines.runner import execute_run, new_run  # noqa: E402
from nines.store import Store  # noqa: E402
from reliability.nines_ladder import nines_ladder  # noqa: E402
from reliability.weighted_estimate import acceleration_factor, family_estimate  # noqa: E402
from scenarios.suite import Suite, load_suite  # noqa: E402

SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "suites" / "regression.yaml"


def timed_run(store: Store, suite: Suite, settings: RunSettings) -> tuple[int, float, float, str]:
    """(episodes, km, wall seconds, run id) of one run of `suite`."""
    run_id = new_run(store, suite, yaml.safe_dump(suite.model_dump(mode="json")), settings)
    start = time.perf_counter()
    table = execute_run(store, run_id, show_progress=False)
    return int(table.episodes.sum()), float(table.km.sum()), time.perf_counter() - start, run_id


def measured_acceleration(store: Store, family: str, rounds: int, per_round: int, batch: int) -> float | None:
    """One CE run of `family` driven by the expert and its own estimate of the variance
    reduction p (1 - p) / (var x N) (None when its estimate fails the health check); a claimed
    acceleration is measured over replications instead (bench/nines.py)."""
    suite = Suite(name="ce", seed=5, batch=batch, clips=False,
                  families=[{"family": family, "sampler": "ce", "ce": {"rounds": rounds, "per_round": per_round}}])
    _, _, seconds, run_id = timed_run(store, suite, RunSettings("expert", batch, "cpu"))
    episodes = store.done_episodes(run_id)
    crashed = episodes[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0
    estimate = family_estimate(family, episodes, crashed.to_numpy(), None, False, False)
    factor = acceleration_factor(estimate)
    health = "; ".join(estimate.problems) or "healthy"
    print(f"CE on {family}: {estimate.episodes} episodes in {seconds:.0f} s, {estimate.events} crashes, "
          f"p = {estimate.p:.3g}, RHW90 = {estimate.relative_half_width:.3g} ({health}): this run's variance "
          f"reduction {'not estimated' if factor is None else f'{factor:.1f}x'}")
    return factor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--driver", default=None, help="default: the suite's")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--ce-family", default="lead_vehicle_brakes")
    parser.add_argument("--ce-rounds", type=int, default=4)
    parser.add_argument("--ce-per-round", type=int, default=64)
    args = parser.parse_args()
    suite = load_suite(args.suite)
    driver = args.driver or suite.driver
    gpus = float(args.device == "cuda")
    connect(RayOptions(address=None, gpus_per_worker=gpus))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device {args.device}; "
          f"{suite.name} suite, {driver} driver, batch {suite.batch}")
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        for name, executor, workers in (("local", "local", 0), ("ray x1", "ray", 1), ("ray x2", "ray", 2)):
            ray = RayOptions(None, workers, gpus).__dict__ if executor == "ray" else None
            settings = RunSettings(driver, suite.batch, args.device, executor=executor, ray=ray)
            episodes, km, seconds, _ = timed_run(store, suite, settings)
            rows[name] = (workers, episodes, km, seconds)
        factor = measured_acceleration(store, args.ce_family, args.ce_rounds, args.ce_per_round, suite.batch)
        store.close()

    one_worker_rate = rows["ray x1"][1] / rows["ray x1"][3]
    print(f"{'executor':8s} {'episodes':>8s} {'km':>7s} {'wall s':>7s} {'ep/s':>6s} {'km/h':>7s}  efficiency")
    for name, (workers, episodes, km, seconds) in rows.items():
        efficiency = f"{episodes / seconds / (workers * one_worker_rate):.2f}" if workers else "-"
        print(f"{name:8s} {episodes:8d} {km:7.2f} {seconds:7.1f} {episodes / seconds:6.2f} "
              f"{km / seconds * 3600:7.0f}  {efficiency}")

    per_core = rows["ray x1"][2] / rows["ray x1"][3] * 3600
    machine = max(km / seconds * 3600 for _, _, km, seconds in rows.values())
    print(f"cost per nine: {per_core:.0f} simulated km/h per CPU core, {machine:.0f} km/h on this machine "
          f"({os.cpu_count()} cores); per GPU: "
          + (f"{machine:.0f} km/h" if args.device == "cuda" else "not measured (no GPU here)"))
    print(f"{'nine':>4s} {'km to settle':>13s} {'core-hours':>11s} {'machine h':>10s}  with CE ({factor or 1:.1f}x): "
          f"core-hours")
    for rung in nines_ladder(0, 0.0)[2:7]:
        print(f"{rung.nine:4d} {rung.km_needed:13.3g} {rung.km_needed / per_core:11.3g} "
              f"{rung.km_needed / machine:10.3g}  {rung.km_needed / per_core / (factor or 1):.3g}")


if __name__ == "__main__":
    main()
