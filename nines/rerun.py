"""Re-runs one stored episode exactly: the run's suite plans the same family, seed and
parameters, and the run's driver settings (checkpoint, console) drive it alone, batch 1.
The replay page of the dashboard prints the command that does it (`nines rerun`)."""
from __future__ import annotations

import json

import yaml

from nines.closed_loop import SlotLog, run_tasks
from nines.drivers import make_driver
from nines.run_settings import RunSettings
from nines.runner import ce_history
from nines.store import Store
from nines.user_error import UserError
from scenarios.episode_plan import EpisodeTask, budget_tasks, ce_round_tasks, fixed_tasks
from scenarios.suite import Suite
from sim.world import BatchedWorld, WorldConfig
from teleop.config import TeleopConfig
from teleop.console import TeleopDriver


def planned_task(store: Store, run_id: str, episode_id: str) -> tuple[Suite, RunSettings, EpisodeTask]:
    """The suite, settings and planned task of a stored episode (family:sampler:round:index)."""
    run = store.run(run_id)
    suite = Suite(**yaml.safe_load(run["suite_yaml"]))
    settings = RunSettings(**json.loads(run["config"]))
    try:
        family, sampler, round_, index = episode_id.split(":")
        round_, index = int(round_), int(index)
    except ValueError:
        raise UserError(f"episode id {episode_id!r} is invalid: expected FAMILY:SAMPLER:ROUND:INDEX") from None
    for position, entry in enumerate(suite.families):
        if entry.family != family or entry.sampler != sampler:
            continue
        if sampler == "ce":
            tasks = ce_round_tasks(suite, position, round_, ce_history(store, run_id, family, round_))
        elif entry.episodes is not None:
            tasks = fixed_tasks(suite, position)
        else:
            tasks = (task for task, _ in zip(budget_tasks(suite, position), range(index + 1)))
        for task in tasks:
            if task.episode_id == episode_id:
                return suite, settings, task
    raise UserError(f"run {run_id} plans no episode {episode_id!r}")


def rerun(store: Store, run_id: str, episode_id: str) -> tuple[dict, SlotLog]:
    """Drive the episode again; returns its record and log (events, handoffs)."""
    suite, settings, task = planned_task(store, run_id, episode_id)
    world = BatchedWorld(WorldConfig(batch_size=1, device=settings.device, camera=suite.camera))
    driver = make_driver(settings.driver, suite.camera, settings.checkpoint, settings.device)
    if settings.teleop is not None:
        driver = TeleopDriver(driver, TeleopConfig(**settings.teleop), 1, world.config.dt_s, settings.device)
    result = []
    run_tasks(world, driver, iter([task]), lambda log, record, slot: result.append((record, log)),
              uses_camera=getattr(driver, "uses_camera", False), keep_clips=False)
    world.close()
    return result[0]
