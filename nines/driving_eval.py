"""A small closed-loop evaluation of a camera network: clear-weather nominal drives (urban and
highway), for training logs and the checkpoint's metadata. Full evaluations are suite runs."""
from __future__ import annotations

import numpy as np
import torch

from nines.closed_loop import finished_episodes
from perception.camera_stack import CameraStack
from perception.network import CameraNet
from planner.camera_driver import CameraDriver
from scenarios.episode_plan import fixed_tasks
from scenarios.suite import FamilyEntry, Suite
from sim.camera import CameraConfig
from sim.world import BatchedWorld, WorldConfig

EVAL_SEED = 777


def evaluate(net: CameraNet, camera: CameraConfig, device: torch.device | str, episodes_per_family: int = 4) -> dict:
    """Route completion (mean), collisions, km and collisions per km of the camera driver."""
    suite = Suite(name="training-eval", seed=EVAL_SEED, families=[
        FamilyEntry(family=name, episodes=episodes_per_family, fixed={"condition": "clear"})
        for name in ("nominal_urban", "nominal_highway")])
    tasks = [t for p in range(len(suite.families)) for t in fixed_tasks(suite, p)]
    world = BatchedWorld(WorldConfig(batch_size=len(tasks), device=str(device), camera=camera))
    driver = CameraDriver(CameraStack(net, device))
    records = [episode.record for episode in finished_episodes(world, driver, tasks, keep_clips=False)]
    world.close()
    completion = [r.route_completion for r in records]
    km = float(sum(r.km for r in records))
    collisions = int(sum(r.outcome == "collision" for r in records))
    return {"episodes": len(records), "route_completion": float(np.mean(completion)), "collisions": collisions,
            "km": km, "collisions_per_km": collisions / km if km > 0 else float("nan")}
