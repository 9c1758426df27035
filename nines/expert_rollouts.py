"""Labelled frames on the fly: a batched world full of scenarios, driven by the privileged
expert or, in DAgger rounds, partly by the student, with every sample labelled by the expert.

Each call to `next_samples` advances the world `every` ticks and returns the frames and
targets of the slots still running; an ended episode's slot is refilled at once from the task
stream (continuous batching).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from nines.closed_loop import episode_start
from perception.labels import WAYPOINT_TIMES_S, LabelledFrames, make_targets
from planner.driver_interface import Driver
from planner.expert import ExpertDriver
from planner.sampling_planner import STEP_S
from scenarios.catalog import FAMILIES
from scenarios.episode_plan import EpisodeTask, make_task
from scenarios.suite import FamilyEntry, Suite
from sim.camera import CameraConfig
from sim.ground_truth import ground_truth
from sim.world import BatchedWorld, WorldConfig

# training sees bad weather far more often than driving does, so that the network learns it
TRAINING_WEATHER = {"clear": 4.0, "rain": 1.0, "fog": 1.0, "night": 1.0, "low_sun": 1.0, "tunnel": 1.0,
                    "snow": 1.0, "lens_dirt": 1.0}
NOMINAL_WEIGHT = 3.0
WAYPOINT_STEPS = [round(t / STEP_S) - 1 for t in WAYPOINT_TIMES_S]


def training_tasks(seed: int) -> Iterator[EpisodeTask]:
    """An endless stream of episodes of every family (nominal ones more often), all weather."""
    names = sorted(FAMILIES)
    suite = Suite(name="training", seed=seed, families=[
        FamilyEntry(family=name, episodes=1, weather=TRAINING_WEATHER) for name in names])
    weights = np.array([NOMINAL_WEIGHT if FAMILIES[n].nominal else 1.0 for n in names])
    rng = np.random.default_rng(seed)
    index = 0
    while True:
        yield make_task(suite, int(rng.choice(len(names), p=weights / weights.sum())), 0, index)
        index += 1


class ExpertRollouts:
    """A world of `batch` slots on `device` fed from `tasks`; `student_share` of the episodes
    (chosen per episode) are driven by `student` instead of the expert."""

    def __init__(self, tasks: Iterator[EpisodeTask], batch: int, camera: CameraConfig, device: str = "cpu",
                 every: int = 2, seed: int = 0, student: Driver | None = None, student_share: float = 0.0):
        self.world = BatchedWorld(WorldConfig(batch_size=batch, device=device, camera=camera))
        self.expert = ExpertDriver()
        self.tasks = iter(tasks)
        self.every = every
        self.rng = np.random.default_rng(seed)
        self.student = student
        self.student_share = student_share
        self.by_student = torch.zeros(batch, dtype=torch.bool, device=device)
        self.episodes = 0
        for slot in range(batch):
            self._refill(slot)

    def _refill(self, slot: int) -> None:
        task = next(self.tasks, None)
        if task is None:
            self.world.loaded[slot] = False
            return
        self.world.load(slot, task.spec)
        self.by_student[slot] = self.student is not None and self.rng.random() < self.student_share
        if self.by_student[slot]:
            self.student.reset([episode_start(self.world, slot, task)])
        self.episodes += 1

    @property
    def exhausted(self) -> bool:
        return not bool(self.world.running.any())

    def _tick(self, keep: bool) -> LabelledFrames | None:
        world = self.world
        driving_student = self.student is not None and bool(self.by_student.any())
        obs = world.observe(camera=keep or driving_student)
        truth = ground_truth(world, bev_raster=False, lanes=False)
        control = self.expert.act(obs, truth).control
        expert_plan = self.expert.last_plan
        if driving_student:
            student = self.student.act(obs, truth if self.student.needs.truth is not None else None)
            control = torch.where(self.by_student.unsqueeze(-1), student.control, control)
        samples = None
        if keep:
            running = torch.nonzero(world.running).squeeze(-1)
            targets = make_targets(truth, expert_plan.waypoints[:, WAYPOINT_STEPS], expert_plan.target_speed_mps)
            samples = LabelledFrames(obs.frames, obs.speed_mps, obs.route_ahead, targets).index(running)
        events = world.step(control)
        for slot in np.flatnonzero(events.ended.cpu().numpy()).tolist():
            self._refill(slot)
        return samples

    def next_samples(self) -> LabelledFrames | None:
        """Advance `every` ticks; the labelled frames of the last one's running slots (None
        once the task stream is exhausted)."""
        for k in range(self.every):
            if self.exhausted:
                return None
            samples = self._tick(keep=k == self.every - 1)
        return samples

    def close(self) -> None:
        self.world.close()
