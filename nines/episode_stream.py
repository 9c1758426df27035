"""Drives episode tasks on one world and streams what each finished episode leaves behind.

Both executors use it: the local executor streams a whole run through one world (continuous
batching, the next task taken only when a slot frees up); each Ray task streams its chunk
(nines/ray_executor.py). The runner writes what comes out the same way in both cases.

A simulator server that fails under an episode (carla backend) is not a driving failure: the
stream reports it as an InfrastructureNote, reconnects and retries the episode, up to the
endpoint's `retries`; after that it goes on without it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from nines.closed_loop import ConfidenceSample, DiagnosticSample, FinishedEpisode, finished_episodes
from nines.drivers import DriverError, DriverSpec, make_driver
from nines.failure_clips import clip_strip
from nines.run_settings import RunSettings
from planner.driver_interface import Driver, DriverContext
from scenarios.episode_plan import EpisodeTask
from scenarios.suite import Suite
from sim.carla_backend import CarlaEndpoint, CarlaWorld, InfrastructureError
from sim.events import EpisodeRecord, EventRecord
from sim.ground_truth import ground_truth
from sim.world import BatchedWorld, WorldConfig
from teleop.config import TeleopConfig
from teleop.console import TeleopDriver
from teleop.console_records import HandoffRecord, QueueSample


@dataclass
class EpisodeResult:
    """One finished episode as the runner stores it: the batch slot it ran in, the world's
    record, its events (the
    loop's and the backend's own sensors'), the driver's confidence samples, the console's
    handoffs and its queue since the episode before (both empty without a console), the
    failure clip strip (RGB uint8 [H, W, 3]) or None, and the failure monitor's inputs at
    each confidence sample [len(confidence), F], or None for drivers without them; and the
    driver's named diagnostics."""

    task: EpisodeTask
    slot: int
    record: EpisodeRecord
    events: list[EventRecord]
    confidence: list[ConfidenceSample]
    handoffs: list[HandoffRecord]
    queue_samples: list[QueueSample]
    clip: np.ndarray | None
    monitor_features: np.ndarray | None = None
    diagnostics: list[DiagnosticSample] = field(default_factory=list)


@dataclass
class InfrastructureNote:
    """The simulator (or the machine running it) failed under `task` on its `attempt`-th try."""

    task: EpisodeTask
    attempt: int
    message: str


@dataclass
class BackendNote:
    """Something the backend could not reproduce (e.g. snow over the CARLA wire)."""

    text: str


StreamItem = EpisodeResult | InfrastructureNote | BackendNote


class InfrastructureRetries:
    """Counts the tries of episodes that infrastructure failed under; each gets `retries` more."""

    def __init__(self, retries: int):
        self.retries = retries
        self.attempts: dict[str, int] = {}

    def failed(self, task: EpisodeTask, message: str) -> tuple[InfrastructureNote, bool]:
        """The note to store for this failure, and whether the episode is tried again."""
        attempt = self.attempts[task.episode_id] = self.attempts.get(task.episode_id, 0) + 1
        return InfrastructureNote(task, attempt, message), attempt <= self.retries


def make_world(settings: RunSettings, suite: Suite) -> BatchedWorld:
    config = WorldConfig(batch_size=settings.batch, device=settings.device, camera=suite.camera, maps=suite.maps)
    if settings.backend == "carla":
        return CarlaWorld(config, CarlaEndpoint(**(settings.carla or {})))
    return BatchedWorld(config)


def _run_driver(settings: RunSettings, suite: Suite, world: BatchedWorld, clip_dir: Path | None,
                console_resume_s: float | None) -> tuple[Driver, TeleopDriver | None]:
    """The run's driver, and its remote-operations console when the run has one (then the
    console is the driver, with the named driver inside); a resumed run's console clock goes
    on just after `console_resume_s`, its last sampled fleet time."""
    context = DriverContext(settings.batch, settings.device, suite.camera, world.config.dt_s, suite.seed)
    driver = make_driver(DriverSpec(settings.driver, settings.driver_args, **settings.driver_source), context)
    if settings.teleop is None:
        return driver, None
    if not driver.capabilities.reports_confidence:
        raise DriverError(f"driver {settings.driver!r} reports no confidence; a remote-operations console needs one "
                          "to know when to ask for help")
    frame_dir, live_path = (clip_dir / "requests", clip_dir / "console.json") if clip_dir else (None, None)
    console = TeleopDriver(driver, TeleopConfig(**settings.teleop), settings.batch, world.config.dt_s,
                           settings.device, frame_dir, live_path)
    if console_resume_s is not None:
        console.tick = round(console_resume_s / world.config.dt_s) + 1
    return console, console


class _RetryingTasks:
    """A task iterator that can put the task now running back in front (B = 1 backends)."""

    def __init__(self, tasks: Iterable[EpisodeTask | None]):
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


def _result(world: BatchedWorld, episode: FinishedEpisode, console: TeleopDriver | None) -> EpisodeResult:
    log = episode.log
    clip = None
    if episode.record.failed and log.frames:
        clip = clip_strip(log.frames, ground_truth(world).bev[episode.slot].cpu().numpy())
    return EpisodeResult(episode.task, episode.slot, episode.record, log.events + world.drain_sensor_events(),
                         log.confidence, episode.handoffs, [] if console is None else console.drain_queue(), clip,
                         np.stack(log.features) if log.features else None, log.diagnostics)


def stream_episodes(settings: RunSettings, suite: Suite, waves: Iterable[Iterable[EpisodeTask | None]],
                    clip_dir: Path | None = None, console_resume_s: float | None = None) -> Iterator[StreamItem]:
    """Drive each wave of tasks to its end, in order, on one world built from `settings`
    (tasks are taken lazily; a wave is asked for only once the one before has been consumed,
    so it can be planned from its results). Yields an EpisodeResult per finished episode, an
    InfrastructureNote per server failure, and BackendNotes at the end. `clip_dir` is where a
    remote-operations console keeps its request frames and live snapshot (none without it)."""
    world = make_world(settings, suite)
    driver, console = _run_driver(settings, suite, world, clip_dir, console_resume_s)
    retries = InfrastructureRetries(world.endpoint.retries if isinstance(world, CarlaWorld) else 0)
    try:
        for tasks in waves:
            pending = _RetryingTasks(tasks)
            while True:
                try:
                    for episode in finished_episodes(world, driver, pending, suite.clips, console):
                        yield _result(world, episode, console)
                    break
                except InfrastructureError as error:
                    note, again = retries.failed(pending.current, str(error))
                    yield note
                    if again:
                        pending.retry_current()
                    world.reconnect()
        for text in sorted(world.notes):
            yield BackendNote(text)
    finally:
        world.close()
