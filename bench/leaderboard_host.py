"""Benchmark of a hosted CARLA Leaderboard agent against the built-in camera driver.

Side by side in one run, the same episodes (sampled scenarios of every family) driven to
their end through the closed loop at B = 16: by the camera driver (one batched network call
per tick) and by the camera stack's own Leaderboard agent (nines/leaderboard_agent.py)
hosted as `leaderboard:` driver, one instance per slot, each served its sensors in CARLA's
layouts. Env-steps/s counts the ticks of running episodes. `make bench` runs it.
"""
from __future__ import annotations

import argparse
import itertools
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nines.leaderboard_agent
from nines.closed_loop import finished_episodes
from nines.drivers import driver_spec, make_driver
from nines.expert_rollouts import training_tasks
from planner.driver_interface import DriverContext
from sim.camera import CameraConfig
from sim.map_bank import build_map_bank
from sim.world import BatchedWorld, WorldConfig


def drive(name: str, bank, batch: int, episodes: int) -> tuple[float, dict[str, str]]:
    """(env-steps/s, outcome by episode id) of `episodes` sampled episodes driven by driver `name`."""
    camera = CameraConfig(width=128, height=64)
    world = BatchedWorld(WorldConfig(batch_size=batch, camera=camera, device="cpu"), bank=bank)
    driver = make_driver(driver_spec(name, {}), DriverContext(batch, "cpu", camera, world.config.dt_s, 0))
    tasks = itertools.islice(training_tasks(seed=123), episodes)
    start, steps, outcomes = time.perf_counter(), 0, {}
    for episode in finished_episodes(world, driver, tasks, keep_clips=False):
        steps += round(episode.record.time_s / world.config.dt_s)
        outcomes[episode.task.episode_id] = episode.record.outcome
    elapsed = time.perf_counter() - start
    world.close()
    return steps / elapsed, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--episodes", type=int, default=32)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, cpu; B={args.batch}, "
          f"{args.episodes} sampled episodes")
    bank = build_map_bank("cpu")
    camera_rate, camera_outcomes = drive("camera", bank, args.batch, args.episodes)
    hosted_rate, hosted_outcomes = drive(f"leaderboard:{nines.leaderboard_agent.__file__}", bank, args.batch,
                                         args.episodes)
    same = sum(camera_outcomes[key] == hosted_outcomes.get(key) for key in camera_outcomes)
    print(f"  camera driver (batched):            {camera_rate:8,.0f} env-steps/s")
    print(f"  hosted Leaderboard agent (per slot): {hosted_rate:8,.0f} env-steps/s = "
          f"{hosted_rate / camera_rate:.2f} of the camera driver; same outcome in {same} of {args.episodes}")


if __name__ == "__main__":
    main()
