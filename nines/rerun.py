"""Re-runs one stored episode exactly: the run's suite plans the same family, seed and
parameters, and the run's driver (rebuilt from its stored spec) drives it alone, in the slot
it ran in of a world of the run's batch size, so that its camera tile renders the same
pixels. The replay page of the dashboard prints the command that does it (`nines rerun`)."""
from __future__ import annotations

import dataclasses
import json
from contextlib import closing


from nines.episode_stream import EpisodeResult, stream_episodes
from nines.run_settings import RunSettings
from nines.runner import ce_history
from nines.store import Store
from nines.user_error import UserError
from scenarios.episode_plan import EpisodeTask, budget_tasks, ce_round_tasks, fixed_tasks
from scenarios.suite import Suite, suite_from_yaml


def planned_task(store: Store, run_id: str, episode_id: str) -> tuple[Suite, RunSettings, EpisodeTask]:
    """The suite, settings and planned task of a stored episode (family:sampler:round:index)."""
    run = store.run(run_id)
    suite = suite_from_yaml(run["suite_yaml"])
    settings = RunSettings.stored(json.loads(run["config"]))
    try:
        family, sampler, round_, index = episode_id.rsplit(":", 3)
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


def rerun(store: Store, run_id: str, episode_id: str) -> EpisodeResult:
    """Drive the episode again, alone on the embedded simulator; returns what it left behind."""
    suite, settings, task = planned_task(store, run_id, episode_id)
    slot = store.db.execute("SELECT slot FROM episodes WHERE run_id = ? AND episode_id = ?",
                            [run_id, episode_id]).fetchone()
    slot = slot[0] if slot is not None and slot[0] is not None else 0
    alone = dataclasses.replace(settings, batch=max(settings.batch, slot + 1), backend="embedded", carla=None,
                                executor="local", ray=None)
    stream = stream_episodes(alone, suite.model_copy(update={"clips": False}), [[None] * slot + [task]])
    with closing(stream):
        return next(item for item in stream if isinstance(item, EpisodeResult))
