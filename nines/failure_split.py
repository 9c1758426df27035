"""Splits a run's failures into perception and planning: each failed episode is driven again,
same scenario and seed, by the privileged expert (the same planner fed ground truth). If the
expert fails too, the planner could not have done better with perfect percepts: planning;
otherwise the camera stack's percepts were to blame: perception."""
from __future__ import annotations

import json

import pandas as pd
import yaml

from nines.closed_loop import run_tasks
from nines.store import FAILURE_OUTCOMES, Store
from planner.expert import ExpertDriver
from scenarios.catalog import FAMILIES
from scenarios.suite import Suite
from sim.world import BatchedWorld, WorldConfig

BATCH = 32


class _Replay:
    """A stored episode rebuilt from its family, parameters and seed."""

    def __init__(self, episode_id: str, family: str, params: str, seed: int):
        self.episode_id = episode_id
        self.spec = FAMILIES[family].build(json.loads(params), int(seed))


def split_failures(store: Store, run_id: str) -> pd.DataFrame:
    """Re-drive the run's failures with the expert; store and return episode_id, family,
    cause (perception / planning) and the expert's outcome."""
    run = store.run(run_id)
    suite = Suite(**yaml.safe_load(run["suite_yaml"]))
    failed = store.db.execute("SELECT episode_id, family, params, seed FROM episodes WHERE run_id = ? AND failure "
                              "ORDER BY episode_id", [run_id]).df()
    columns = ["episode_id", "family", "cause", "expert_outcome"]
    if failed.empty:
        return pd.DataFrame(columns=columns)
    replays = [_Replay(r.episode_id, r.family, r.params, r.seed) for r in failed.itertuples()]
    world = BatchedWorld(WorldConfig(batch_size=min(BATCH, len(replays)), device=json.loads(run["config"])["device"],
                                     camera=suite.camera))
    outcomes: dict[str, str] = {}
    run_tasks(world, ExpertDriver(), iter(replays),
              lambda log, record, slot: outcomes.__setitem__(log.task.episode_id, record["outcome"]),
              uses_camera=False, keep_clips=False)
    world.close()
    failed["expert_outcome"] = failed["episode_id"].map(outcomes)
    failed["cause"] = failed["expert_outcome"].map(lambda o: "planning" if o in FAILURE_OUTCOMES else "perception")
    store.write_failure_causes(run_id, failed)
    return failed[columns]
