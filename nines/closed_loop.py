"""The closed loop with continuous batching: every slot of the world holds an episode; when
one ends, its record goes to `on_done` and the slot is refilled with the next task at once.

Per tick: observe (render the camera if the driver looks at it), ground truth for privileged
drivers, act, step, log the tick's events. For failure clips, every CLIP_EVERY ticks the
camera frames are kept in a short ring buffer per slot. Drivers that report a confidence
(`last_confidence`, `last_reason`) have it logged every CONFIDENCE_EVERY ticks, with the
failure monitor's inputs at that tick when the driver has them (`last_features`). Drivers with
a remote-operations console (`start_episode`, `end_episode`) hear of every episode's start
and end, and hand back the episode's handoff records at its end.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

import numpy as np
import torch

from nines.store import FAILURE_OUTCOMES
from planner.confidence import REASONS
from sim.events import COLLISION_TYPES
from sim.ground_truth import ground_truth
from sim.observation import Observation
from sim.world import BatchedWorld, episode_records

CLIP_EVERY = 5
CLIP_FRAMES = 8
CONFIDENCE_EVERY = 5


class Driver(Protocol):
    """Observation (and, for privileged drivers, ground truth) of B slots -> control [B, 3]."""

    def act(self, obs: Observation, *truth) -> torch.Tensor: ...


@dataclass
class SlotLog:
    """What one slot's current episode left behind: its events and its recent frames."""

    task: object
    events: list[tuple[float, str, str, float]] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)
    ticks: list[tuple[float, float, str]] = field(default_factory=list)
    handoffs: list[dict] = field(default_factory=list)
    features: list[np.ndarray] = field(default_factory=list)


def _log_events(world: BatchedWorld, logs: list[SlotLog | None], events, was_off: torch.Tensor,
                was_wrong: torch.Tensor) -> None:
    flags = torch.stack([events.collision > 0, events.red_light, events.off_road & ~was_off,
                         events.wrong_way & ~was_wrong], -1)
    if not flags.any():
        return
    time_s = world.stats.time_s.cpu().numpy()
    for slot, kind in torch.nonzero(flags).tolist():
        log = logs[slot]
        if log is None:
            continue
        if kind == 0:
            ctype = COLLISION_TYPES[int(events.collision[slot])]
            actor = int(events.collided_actor[slot])
            detail = f"{ctype}:{int(world.actors.kind[slot, actor])}"
            log.events.append((float(time_s[slot]), "collision", detail, float(events.impact_speed_mps[slot])))
        else:
            log.events.append((float(time_s[slot]), ("red_light", "off_road", "wrong_way")[kind - 1], "", 0.0))


def _log_confidence(world: BatchedWorld, logs: list[SlotLog | None], driver: Driver) -> None:
    time_s = world.stats.time_s.cpu().numpy()
    value = driver.last_confidence.cpu().numpy()
    reason = driver.last_reason.cpu().numpy()
    features = getattr(driver, "last_features", None)
    features = None if features is None else features.cpu().numpy()
    for slot in np.flatnonzero(world.running.cpu().numpy()).tolist():
        if logs[slot] is not None:
            logs[slot].ticks.append((float(time_s[slot]), float(value[slot]), REASONS[int(reason[slot])]))
            if features is not None:
                logs[slot].features.append(features[slot])


def run_tasks(world: BatchedWorld, driver: Driver, tasks: Iterator, on_done: Callable[[SlotLog, dict, int], None],
              uses_camera: bool, keep_clips: bool) -> None:
    """Drive every task (anything with a `.spec`) to its end; `on_done(log, record, slot)` per
    episode, called before the slot is refilled (the world still holds the episode's end)."""
    for log, record, slot in finished_episodes(world, driver, tasks, uses_camera, keep_clips):
        on_done(log, record, slot)


def finished_episodes(world: BatchedWorld, driver: Driver, tasks: Iterator, uses_camera: bool,
                      keep_clips: bool) -> Iterator[tuple[SlotLog, dict, int]]:
    """run_tasks as a generator: yields (log, record, slot) per finished episode and takes the
    next task only when resumed, so the consumer can still read the slot's end and can shape
    what `tasks` yields next."""
    logs: list[SlotLog | None] = [None] * world.config.batch_size
    pending = iter(tasks)
    console = hasattr(driver, "start_episode")

    def refill(slot: int) -> None:
        task = next(pending, None)
        logs[slot] = None if task is None else SlotLog(task)
        if task is None:
            world.loaded[slot] = False
            return
        world.load(slot, task.spec)
        if console:
            driver.start_episode(slot, task.seed)

    for slot in range(world.config.batch_size):
        refill(slot)
    privileged = getattr(driver, "privileged", False)
    truth_options = getattr(driver, "truth_options", {})
    tick = 0
    was_off = torch.zeros_like(world.loaded)
    was_wrong = torch.zeros_like(world.loaded)
    while world.running.any():
        obs = world.observe() if uses_camera else world.observe_without_camera()
        if keep_clips and tick % CLIP_EVERY == 0:
            frames = (obs.frames if uses_camera else world.render()).cpu().numpy()
            for slot, log in enumerate(logs):
                if log is not None:
                    log.frames = (log.frames + [frames[slot]])[-CLIP_FRAMES:]
        control = driver.act(obs, ground_truth(world, **truth_options)) if privileged else driver.act(obs)
        if tick % CONFIDENCE_EVERY == 0 and getattr(driver, "last_confidence", None) is not None:
            _log_confidence(world, logs, driver)
        events = world.step(control)
        _log_events(world, logs, events, was_off, was_wrong)
        was_off, was_wrong = events.off_road, events.wrong_way
        tick += 1
        ended = np.flatnonzero(events.ended.cpu().numpy())
        for record, slot in zip(episode_records(world, ended), ended.tolist()):
            if console:
                outcome = record["outcome"]
                logs[slot].handoffs = driver.end_episode(slot, outcome, outcome in FAILURE_OUTCOMES)
            yield logs[slot], record, slot
            refill(slot)
