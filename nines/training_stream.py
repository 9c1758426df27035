"""The simulator as a training stream for your own policy: a torch IterableDataset of labelled
camera frames made on the fly (the data train.py trains the camera stack on).

Each item is a LabelledFrames batch (perception.labels), the running slots of one tick:
- frames [N, H, W, 3] uint8 RGB, speed_mps [N], route [N, P, 2] (the route ahead in the ego
  frame, m: x forward, y left), exactly the Observation a driver gets;
- targets (perception.labels.Targets), from ground truth and the privileged expert:
  obstacle_distance_m, obstacle_speed_mps [N, RAYS] (the nearest obstacle along each of
  perception.obstacle_rays' rays, m and m/s), drivable [N, R, C] (the BEV grid, 0/1),
  light_class [N] (index into perception.labels.LIGHT_CLASSES), light_distance_m [N],
  speed_limit_mps [N], waypoints [N, W, 2] (the expert's plan at WAYPOINT_TIMES_S, ego frame,
  m), target_speed_mps [N].
Use it with `DataLoader(stream, batch_size=None)` (the items are batches already) or iterate
it. Under torchrun every rank, and in a DataLoader every worker, draws its own episodes: the
seed stream is (seed, rank, worker).

DAgger: give `student` (a driver factory and its args, as for `nines run --driver`) and
`student_share`: that share of the episodes (chosen per episode) is driven by the student
while the expert labels every frame, so the policy learns from the states it reaches itself.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterator

from torch.utils.data import IterableDataset, get_worker_info

from nines.drivers import driver_spec, make_driver
from nines.expert_rollouts import ExpertRollouts, training_tasks
from perception.labels import LabelledFrames
from planner.driver_interface import DriverContext
from sim.camera import CameraConfig
from sim.world import WorldConfig


@dataclass
class StreamSettings:
    """batch: the world's slots; every: a sample every N ticks (0.05 s each); student: a
    driver name (nines/drivers.py) for DAgger, with `student_args`; student_share: the share
    of episodes it drives."""

    seed: int = 0
    batch: int = 32
    camera: CameraConfig = field(default_factory=CameraConfig)
    device: str = "cpu"
    every: int = 2
    student: str | None = None
    student_args: dict = field(default_factory=dict)
    student_share: float = 0.5


def stream_seed(seed: int) -> int:
    """The seed of this process's stream: distinct for every torchrun rank and DataLoader worker."""
    rank = int(os.environ.get("RANK", "0"))
    worker = get_worker_info()
    return (seed * 1_000 + rank) * 100 + (worker.id if worker is not None else 0)


class LabelledStream(IterableDataset):
    """Endless labelled frames from episodes of every family in all weather (see the module)."""

    def __init__(self, settings: StreamSettings = StreamSettings()):
        super().__init__()
        self.settings = settings
        if settings.student is not None:
            driver_spec(settings.student, settings.student_args)  # refuse a bad student before streaming

    def __iter__(self) -> Iterator[LabelledFrames]:
        s = self.settings
        seed = stream_seed(s.seed)
        student = None
        if s.student is not None:
            context = DriverContext(s.batch, s.device, s.camera, WorldConfig().dt_s, seed)
            student = make_driver(driver_spec(s.student, s.student_args), context)
        rollouts = ExpertRollouts(training_tasks(seed), s.batch, s.camera, s.device, every=s.every, seed=seed,
                                  student=student, student_share=s.student_share)
        try:
            while True:
                samples = rollouts.next_samples()
                if samples is None:
                    return
                yield samples
        finally:
            rollouts.close()
