"""Small builders the simulator tests share: a world, stepping it with a fixed control, and
route episodes for the expert."""
import numpy as np
import torch

from sim.world import BatchedWorld, WorldConfig


def make_world(bank, specs, **config) -> BatchedWorld:
    world = BatchedWorld(WorldConfig(batch_size=len(specs), **config), bank=bank)
    for slot, spec in enumerate(specs):
        world.load(slot, spec)
    return world


def drive(world: BatchedWorld, steer=0.0, throttle=0.0, brake=0.0, seconds=1.0):
    """Step with a constant control; returns the list of TickEvents."""
    control = torch.tensor([[steer, throttle, brake]]).expand(world.config.batch_size, 3)
    return [world.step(control) for _ in range(round(seconds / world.config.dt_s))]


def hold_speed(world: BatchedWorld, speed_mps: float, seconds: float):
    """Drive straight along x holding a speed with a simple P controller; returns TickEvents."""
    events = []
    for _ in range(round(seconds / world.config.dt_s)):
        error = speed_mps - world.ego.speed_mps
        control = torch.stack([torch.zeros_like(error), (0.5 * error).clamp(0, 1), (-0.5 * error).clamp(0, 1)], -1)
        events.append(world.step(control))
    return events


def clear_route_tasks(map_name: str, count: int, seed: int) -> list:
    """`count` episodes of nominal_route on a map (a template's name or an .xodr path), in
    clear weather, as the runner's EpisodeTasks."""
    from scenarios.catalog import find_family
    from scenarios.episode_plan import EpisodeTask

    family = find_family(f"nominal_route@{map_name}")
    rng = np.random.default_rng(seed)
    tasks = []
    for index, params in enumerate(family.from_unit(rng.uniform(size=(count, len(family.all_parameters))))):
        params["condition"] = "clear"
        tasks.append(EpisodeTask(f"route:{index}", family.name, "check", 0, index, index, params, 0.0, 0.0,
                                 family.build(params, index)))
    return tasks
