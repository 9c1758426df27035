"""Benchmark of the remote-operations console: what it costs the closed loop and what it
does on the same episodes. The smoke families run through the camera stack twice side by side,
without and with a console (4 operators), in clear weather and in dense fog; per run: wall
time, env-steps/s, handoffs, waits and failures. `make bench` runs it.
"""
from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.closed_loop import finished_episodes
from nines.drivers import DriverSpec, make_driver
from scenarios.episode_plan import fixed_tasks
from scenarios.suite import Suite
from planner.driver_interface import DriverContext
from sim.camera import CameraConfig
from sim.weather import PRESETS
from sim.world import BatchedWorld, WorldConfig
from teleop.config import TeleopConfig
from teleop.console import TeleopDriver

FAMILIES = ("nominal_urban", "lead_vehicle_brakes", "pedestrian_near_side", "parked_obstacle", "highway_cut_in")


def tasks(episodes: int, preset: str) -> list:
    suite = Suite(name="bench", seed=5, camera={"width": 128, "height": 64}, clips=False,
                  families=[{"family": f, "episodes": episodes} for f in FAMILIES])
    planned = [t for p in range(len(suite.families)) for t in fixed_tasks(suite, p)]
    return [dataclasses.replace(t, spec=dataclasses.replace(t.spec, weather=PRESETS[preset])) for t in planned]


def drive(planned: list, batch: int, settings: TeleopConfig | None) -> dict:
    camera = CameraConfig(width=128, height=64)
    world = BatchedWorld(WorldConfig(batch_size=batch, camera=camera))
    driver = make_driver(DriverSpec("camera"), DriverContext(batch, "cpu", camera, world.config.dt_s, 0))
    console = None if settings is None else TeleopDriver(driver, settings, batch, world.config.dt_s, "cpu")
    driver = console or driver
    tally = {"steps": 0, "failures": 0, "handoffs": 0, "waits": []}

    start = time.perf_counter()
    for episode in finished_episodes(world, driver, planned, keep_clips=False, console=console):
        tally["steps"] += round(episode.record.time_s / world.config.dt_s)
        tally["failures"] += episode.record.failed
        tally["handoffs"] += len(episode.handoffs)
        tally["waits"] += [h.wait_s for h in episode.handoffs if h.wait_s is not None]
    tally["wall_s"] = time.perf_counter() - start
    world.close()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=4, help="per family")
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads; {len(FAMILIES)} families x "
          f"{args.episodes} episodes, B={args.batch}, camera stack at 64x128")
    for preset in ("clear_noon", "dense_fog"):
        planned = tasks(args.episodes, preset)
        for name, console in (("no console", None), ("console, 4 operators", TeleopConfig(operators=4))):
            t = drive(planned, args.batch, console)
            waits = sorted(t["waits"])
            median = f"{waits[len(waits) // 2]:.1f} s" if waits else "n/a"
            print(f"  {preset:10s} {name:21s}: {t['wall_s']:6.1f} s, {t['steps'] / t['wall_s']:6,.0f} env-steps/s, "
                  f"{t['failures']:2d} failures, {t['handoffs']:2d} handoffs, median wait {median}")


if __name__ == "__main__":
    main()
