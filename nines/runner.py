"""Runs a suite into the store: plans its episodes, drives them with continuous batching and
writes each finished episode at once, so `resume` after a kill loses and repeats nothing.

A run is its stored suite text plus settings: resuming re-plans the same episodes from them
and skips the ones already stored. km-budget families keep the shortest prefix of their
episode sequence that reaches the budget; CE rounds are planned from the stored results of
the rounds before.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import yaml
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from nines.closed_loop import SlotLog, run_tasks
from nines.drivers import CAMERA_DRIVERS, checkpoint_path, make_driver
from nines.failure_clips import write_clip
from nines.store import FAILURE_OUTCOMES, Store
from scenarios.episode_plan import EpisodeTask, budget_tasks, ce_round_tasks, fixed_tasks
from scenarios.suite import Suite
from sim.carla_backend import CarlaEndpoint, CarlaWorld, InfrastructureError
from sim.ground_truth import ground_truth
from sim.world import BatchedWorld, WorldConfig
from teleop.config import TeleopConfig
from teleop.console import TeleopDriver


@dataclass
class RunSettings:
    """checkpoint: the camera drivers' checkpoint path ("" = the shipped one); teleop: the
    remote-operations console's settings (TeleopConfig fields), None for no console."""

    driver: str
    batch: int
    device: str
    checkpoint: str = ""
    teleop: dict | None = None
    backend: str = "embedded"
    carla: dict | None = None  # CarlaEndpoint fields for the carla backend


def code_version() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def new_run(store: Store, suite: Suite, suite_yaml: str, settings: RunSettings) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_id = f"{suite.name}-{stamp}-{os.urandom(2).hex()}"
    checkpoint = str(checkpoint_path(settings.checkpoint)) if settings.driver in CAMERA_DRIVERS else ""
    store.create_run(run_id, suite.name, suite_yaml, code_version(), settings.driver, checkpoint, settings.__dict__,
                     settings.backend, settings.device)
    return run_id


def _row(run_id: str, task: EpisodeTask, record: dict, clip: str, handoffs: int | None) -> dict:
    outcome = record["outcome"]
    failure = outcome in FAILURE_OUTCOMES
    failure_type = "none"
    if failure:
        failure_type = outcome if outcome != "collision" else "collision_" + (
            "pedestrian" if record["collisions_pedestrian"] else "vehicle" if record["collisions_vehicle"] else "static")
    return {
        "run_id": run_id, "episode_id": task.episode_id, "family": task.family, "sampler": task.sampler,
        "round": task.round, "idx": task.index, "seed": task.seed, "params": json.dumps(task.params),
        "condition": task.params["condition"], "log_f": task.log_f, "log_q": task.log_q,
        "template": record["template"], "route": record["route"], "km": record["km"],
        "duration_s": record["time_s"], "outcome": outcome, "failure": failure, "failure_type": failure_type,
        "collisions_pedestrian": record["collisions_pedestrian"], "collisions_vehicle": record["collisions_vehicle"],
        "collisions_static": record["collisions_static"], "impact_speed_mps": record["first_impact_speed_mps"],
        "collision_kind": record["first_collision_kind"], "red_lights": record["red_lights"],
        "off_road_m": record["off_road_m"], "wrong_way_m": record["wrong_way_m"],
        "min_ttc_s": record["min_ttc_s"], "min_distance_m": record["min_distance_m"],
        "route_completion": min(1.0, record["progress_m"] / max(record["route_length_m"], 1e-6)), "clip_path": clip,
        "handoffs": handoffs,
    }


class _Budget:
    """A km-budget family: launches episodes in order until its stored prefix reaches the budget."""

    def __init__(self, suite: Suite, position: int, km_done: dict[int, float]):
        self.budget_km = suite.families[position].km
        self.km_done = dict(km_done)
        self.tasks = budget_tasks(suite, position)

    def prefix_end(self) -> int | None:
        """Index of the last episode of the shortest complete prefix reaching the budget."""
        total, index = 0.0, 0
        while index in self.km_done:
            total += self.km_done[index]
            if total >= self.budget_km:
                return index
            index += 1
        return None

    def __iter__(self):
        for task in self.tasks:
            if self.prefix_end() is not None:
                return
            if task.index not in self.km_done:
                yield task


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def execute_run(store: Store, run_id: str, show_progress: bool = True,
                on_episode: Callable[[dict], None] | None = None):
    """Run (or resume) `run_id` to completion; returns the per-family summary of its episodes.
    `on_episode` sees every stored episode row as it is written."""
    run = store.run(run_id)
    suite = Suite(**yaml.safe_load(run["suite_yaml"]))
    settings = RunSettings(**json.loads(run["config"]))
    store.set_status(run_id, "running")
    done = store.done_episodes(run_id)
    done_ids = set(done["episode_id"])
    world = make_world(settings, suite)
    driver = make_driver(settings.driver, suite.camera, settings.checkpoint, settings.device)
    clip_dir = store.path.parent / "clips" / run_id
    if settings.teleop is not None:
        driver = TeleopDriver(driver, TeleopConfig(**settings.teleop), settings.batch, world.config.dt_s,
                              settings.device, clip_dir / "requests", clip_dir / "console.json")
        driver.tick = round(store.queue_end_s(run_id) / world.config.dt_s) + 1 if len(done) else 0
    totals = {"episodes": len(done), "km": float(done["km"].sum()) if len(done) else 0.0,
              "failures": int(done["failure"].sum()) if len(done) else 0}
    start = time.perf_counter()
    budgets = {p: _Budget(suite, p, {int(r.idx): float(r.km) for r in done[done.family == e.family].itertuples()})
               for p, e in enumerate(suite.families) if e.km is not None}

    def on_done(log: SlotLog, record: dict, slot: int) -> None:
        task: EpisodeTask = log.task
        clip = ""
        if record["outcome"] in FAILURE_OUTCOMES and suite.clips and log.frames:
            bev = ground_truth(world).bev[slot].cpu().numpy()
            clip = str(write_clip(clip_dir / f"{task.episode_id.replace(':', '_')}.png", log.frames, bev))
        row = _row(run_id, task, record, clip, len(log.handoffs) if settings.teleop is not None else None)
        store.write_episodes([row], [
            {"run_id": run_id, "episode_id": task.episode_id, "time_s": t, "kind": k, "detail": d, "value": v}
            for t, k, d, v in log.events + world.drain_sensor_events()], [
            {"run_id": run_id, "episode_id": task.episode_id, "time_s": t, "confidence": c, "reason": r}
            for t, c, r in log.ticks], [
            {"run_id": run_id, "episode_id": task.episode_id, **handoff} for handoff in log.handoffs])
        if settings.teleop is not None:
            store.write_queue(run_id, driver.queue_samples)
            driver.queue_samples = []
        if on_episode is not None:
            on_episode(row)
        for position, budget in budgets.items():
            if suite.families[position].family == task.family:
                budget.km_done[task.index] = record["km"]
        totals["episodes"] += 1
        totals["km"] += record["km"]
        totals["failures"] += int(record["outcome"] in FAILURE_OUTCOMES)
        if progress is not None:
            elapsed_h = (time.perf_counter() - start) / 3600
            progress.update(bar, advance=1, description=(
                f"{totals['episodes']} episodes, {totals['km']:.2f} km, {totals['failures']} failures, "
                f"{totals['km'] / max(elapsed_h, 1e-9):.0f} km/h"))

    fixed = [t for p, e in enumerate(suite.families) if e.episodes is not None and e.sampler != "ce"
             for t in fixed_tasks(suite, p) if t.episode_id not in done_ids]
    ce_positions = [p for p, e in enumerate(suite.families) if e.sampler == "ce"]
    planned = len(fixed) + sum(suite.families[p].ce.per_round * suite.families[p].ce.rounds for p in ce_positions)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        disable=not show_progress, transient=False)
    with progress:
        bar = progress.add_task("starting", total=planned or None)
        rounds = max([suite.families[p].ce.rounds for p in ce_positions], default=1)
        for round_ in range(rounds):
            ce_tasks = []
            for p in ce_positions:
                if round_ >= suite.families[p].ce.rounds:
                    continue
                history = ce_history(store, run_id, suite.families[p].family, round_)
                ce_tasks += [t for t in ce_round_tasks(suite, p, round_, history)
                             if t.episode_id not in done_ids]
            first_wave = (fixed, *budgets.values()) if round_ == 0 else ()
            _drive(world, driver, _chain(*first_wave, ce_tasks), on_done, suite.clips,
                   lambda task, attempt, message: store.write_infrastructure_error(
                       run_id, task.episode_id, attempt, message))
        for note in sorted(world.notes):
            progress.console.print(f"{settings.backend} backend: {note}")
    world.close()
    _trim_budgets(store, run_id, suite, budgets)
    store.set_status(run_id, "complete")
    return summary(store, run_id)


def make_world(settings: RunSettings, suite: Suite) -> BatchedWorld:
    config = WorldConfig(batch_size=settings.batch, device=settings.device, camera=suite.camera)
    if settings.backend == "carla":
        return CarlaWorld(config, CarlaEndpoint(**(settings.carla or {})))
    return BatchedWorld(config)


class _RetryingTasks:
    """A task iterator that can put the task now running back in front (B = 1 backends)."""

    def __init__(self, tasks):
        self._tasks = iter(tasks)
        self._again: list[EpisodeTask] = []
        self.current: EpisodeTask | None = None

    def __iter__(self):
        return self

    def __next__(self) -> EpisodeTask:
        self.current = self._again.pop() if self._again else next(self._tasks)
        return self.current

    def retry_current(self) -> None:
        self._again.append(self.current)


def _drive(world: BatchedWorld, driver, tasks, on_done, keep_clips: bool,
           on_infrastructure_error: Callable[[EpisodeTask, int, str], None]) -> None:
    """run_tasks, surviving server failures: the episode under a failed server is recorded as
    an infrastructure error (never an episode), the world reconnects and the episode is
    retried, up to the endpoint's `retries`; after that the run goes on without it."""
    tasks = _RetryingTasks(tasks)
    attempts: dict[str, int] = {}
    while True:
        try:
            run_tasks(world, driver, tasks, on_done, uses_camera=getattr(driver, "uses_camera", False),
                      keep_clips=keep_clips)
            return
        except InfrastructureError as error:
            task = tasks.current
            attempts[task.episode_id] = attempts.get(task.episode_id, 0) + 1
            on_infrastructure_error(task, attempts[task.episode_id], str(error))
            if attempts[task.episode_id] <= world.endpoint.retries:
                tasks.retry_current()
            world.reconnect()


def ce_history(store: Store, run_id: str, family: str, before_round: int) -> list[dict]:
    rows = store.db.execute(
        "SELECT params, log_f, log_q, outcome, min_ttc_s FROM episodes WHERE run_id = ? AND family = ? "
        "AND sampler = 'ce' AND round < ? ORDER BY round, idx", [run_id, family, before_round]).fetchall()
    return [{"params": json.loads(p), "log_f": lf, "log_q": lq, "outcome": o, "min_ttc_s": t}
            for p, lf, lq, o, t in rows]


def _trim_budgets(store: Store, run_id: str, suite: Suite, budgets: dict[int, _Budget]) -> None:
    for position, budget in budgets.items():
        end = budget.prefix_end()
        extra = [f"{suite.families[position].family}:{suite.families[position].sampler}:0:{i}"
                 for i in budget.km_done if end is not None and i > end]
        store.drop_episodes(run_id, extra)


def summary(store: Store, run_id: str):
    """Per-family table of a run: episodes, km, failures."""
    return store.db.execute(
        "SELECT family, count(*) AS episodes, sum(km) AS km, sum(failure::INT) AS failures "
        "FROM episodes WHERE run_id = ? GROUP BY family ORDER BY family", [run_id]).df()
