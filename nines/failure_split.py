"""Splits a run's failures by what the privileged expert does with them: each failed episode is
driven again, same scenario and seed, by the expert (the camera stack's planner fed ground
truth). For the camera drivers: if the expert fails too, the planner could not have done
better with perfect percepts: planning; otherwise the camera stack's percepts were to blame:
perception. Any other driver shares nothing with the expert, so its failures split into
driver (the expert drives the episode without failing) and scenario (the expert fails too)."""
from __future__ import annotations

import json

import pandas as pd

from nines.closed_loop import finished_episodes
from nines.drivers import CAMERA_DRIVERS
from nines.store import Store
from nines.store_rows import FailureCauseRow
from planner.expert import ExpertDriver
from scenarios.catalog import find_family
from scenarios.episode_plan import EpisodeTask
from scenarios.suite import suite_from_yaml
from sim.events import FAILURE_OUTCOMES
from sim.world import BatchedWorld, WorldConfig

BATCH = 32


def _stored_task(row) -> EpisodeTask:
    """A stored episode rebuilt from its family, parameters and seed."""
    params = json.loads(row.params)
    return EpisodeTask(row.episode_id, row.family, row.sampler, int(row.round), int(row.idx), int(row.seed), params,
                       float(row.log_f), float(row.log_q), find_family(row.family).build(params, int(row.seed)))


def split_failures(store: Store, run_id: str) -> pd.DataFrame:
    """Re-drive the run's failures with the expert; store and return episode_id, family,
    cause (perception / planning, or driver / scenario) and the expert's outcome."""
    run = store.run(run_id)
    suite = suite_from_yaml(run["suite_yaml"])
    failed = store.db.execute("SELECT episode_id, family, sampler, round, idx, seed, params, log_f, log_q "
                              "FROM episodes WHERE run_id = ? AND failure "
                              "ORDER BY episode_id", [run_id]).df()
    columns = ["episode_id", "family", "cause", "expert_outcome"]
    if failed.empty:
        return pd.DataFrame(columns=columns)
    replays = [_stored_task(row) for row in failed.itertuples()]
    world = BatchedWorld(WorldConfig(batch_size=min(BATCH, len(replays)), device=json.loads(run["config"])["device"],
                                     camera=suite.camera, maps=suite.maps))
    outcomes = {episode.task.episode_id: episode.record.outcome
                for episode in finished_episodes(world, ExpertDriver(), replays, keep_clips=False)}
    world.close()
    failed["expert_outcome"] = failed["episode_id"].map(outcomes)
    avoidable, hard = ("perception", "planning") if run["driver"] in CAMERA_DRIVERS else ("driver", "scenario")
    failed["cause"] = failed["expert_outcome"].map(lambda o: hard if o in FAILURE_OUTCOMES else avoidable)
    store.write_failure_causes([FailureCauseRow(run_id, row.episode_id, row.cause, row.expert_outcome)
                                for row in failed.itertuples()])
    return failed[columns]
