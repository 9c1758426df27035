"""The closed loop with continuous batching: every slot of the world holds an episode; when one
ends, it is handed out as a FinishedEpisode and the slot is refilled with the next task at once.

One tick, top to bottom (`finished_episodes`):
1. observe: camera frames only for a driver whose `needs.camera` asks for them (and its
   rig's cameras and the ego's pose only when `needs.rig` and `needs.pose` do);
2. ground truth, only the parts a driver's `needs.truth` names (privileged drivers);
3. act: the driver's DriverOutput, its control checked every tick (a driver that raises or
   breaks the interface stops the run: DriverError); the confidence, failure-monitor
   inputs and named diagnostics of drivers that report them are logged every
   CONFIDENCE_EVERY ticks;
4. failure clips: every CLIP_EVERY ticks the frames go to a short ring buffer per slot;
5. step: dynamics, actors and the tick's events, logged per slot;
6. episode end: the world's EpisodeRecord, and the console's handoff records when the run has
   a remote-operations console; then the slot is refilled and the driver reset for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol

import numpy as np
import torch

from planner.confidence import REASONS
from nines.drivers import DriverError
from planner.driver_interface import Driver, DriverOutput, EpisodeStart
from scenarios.episode_plan import EpisodeTask
from sim.events import COLLISION_TYPES, EpisodeRecord, EventRecord, TickEvents
from sim.ground_truth import GroundTruth, ground_truth
from sim.observation import Observation
from sim.world import BatchedWorld, episode_records
from teleop.console_records import HandoffRecord

CLIP_EVERY = 5
CLIP_FRAMES = 8
CONFIDENCE_EVERY = 5


class Console(Protocol):
    """A remote-operations console (teleop.console.TeleopDriver): told of every episode's end,
    it hands back that episode's handoffs."""

    def end_episode(self, slot: int, outcome: str, failed: bool) -> list[HandoffRecord]: ...


@dataclass
class ConfidenceSample:
    """The driver's confidence in [0, 1] at episode time time_s (s), and why it was low
    (a planner.confidence.REASONS name, "" when it was not)."""

    time_s: float
    confidence: float
    reason: str


@dataclass
class DiagnosticSample:
    """A value the driver named in DriverOutput.diagnostics, at episode time time_s (s)."""

    time_s: float
    name: str
    value: float


@dataclass
class SlotLog:
    """What one slot's running episode has left behind so far. frames: the last CLIP_FRAMES
    camera frames [H, W, 3] uint8 (only when clips are kept); features: the failure monitor's
    inputs [F] at each confidence sample (only for drivers that report them)."""

    task: EpisodeTask
    events: list[EventRecord] = field(default_factory=list)
    confidence: list[ConfidenceSample] = field(default_factory=list)
    diagnostics: list[DiagnosticSample] = field(default_factory=list)
    features: list[np.ndarray] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)


@dataclass
class FinishedEpisode:
    """An episode that ended in `slot`: its task, the world's record, its log, and its handoffs
    (empty without a console). When handed out, the world still holds the episode's end."""

    slot: int
    task: EpisodeTask
    record: EpisodeRecord
    log: SlotLog
    handoffs: list[HandoffRecord]


def finished_episodes(world: BatchedWorld, driver: Driver, tasks: Iterable[EpisodeTask | None], keep_clips: bool,
                      console: Console | None = None) -> Iterator[FinishedEpisode]:
    """Drive every task to its end on `world`; yields each episode as it ends. Slots are
    filled in order; a None task leaves its slot empty (a rerun puts its one episode in the
    slot it ran in). The next task is taken only when the generator is resumed, so the
    consumer can shape what `tasks` yields next."""
    logs: list[SlotLog | None] = [None] * world.config.batch_size
    pending = iter(tasks)

    def refill(slot: int) -> None:
        task = next(pending, None)
        logs[slot] = None if task is None else SlotLog(task)
        if task is None:
            world.loaded[slot] = False
            return
        world.load(slot, task.spec)
        driver.reset([episode_start(world, slot, task)])

    for slot in range(world.config.batch_size):
        refill(slot)
    needs = driver.needs
    tick = 0
    was_off = torch.zeros_like(world.loaded)
    was_wrong = torch.zeros_like(world.loaded)
    while world.running.any():
        obs = world.observe(needs.camera, needs.rig, needs.pose)
        truth = None if needs.truth is None else ground_truth(world, needs.truth.bev_raster, needs.truth.lanes)
        output = _act(driver, obs, truth, world, logs)
        if tick % CONFIDENCE_EVERY == 0 and output.confidence is not None:
            _log_confidence(world, logs, output)
        if tick % CONFIDENCE_EVERY == 0 and output.diagnostics:
            _log_diagnostics(world, logs, output.diagnostics)
        if keep_clips and tick % CLIP_EVERY == 0:
            _keep_frames(logs, obs.frames if needs.camera else world.render())
        events = world.step(output.control)
        _log_events(world, logs, events, was_off, was_wrong)
        was_off, was_wrong = events.off_road, events.wrong_way
        tick += 1
        ended = np.flatnonzero(events.ended.cpu().numpy()).tolist()
        for record, slot in zip(episode_records(world, ended), ended):
            handoffs = [] if console is None else console.end_episode(slot, record.outcome, record.failed)
            yield FinishedEpisode(slot, logs[slot].task, record, logs[slot], handoffs)
            refill(slot)


def episode_start(world: BatchedWorld, slot: int, task: EpisodeTask) -> EpisodeStart:
    """What the driver is told of `task`, just loaded into `slot`."""
    return EpisodeStart(slot, task.seed, float(world.route.length_m[slot]), world.route.polyline(slot),
                        world.route_speed_limits(slot), task.spec.template)


CONTROL_LOW = (-1.0, 0.0, 0.0)
CONTROL_HIGH = (1.0, 1.0, 1.0)


def _act(driver: Driver, obs: Observation, truth: GroundTruth | None, world: BatchedWorld,
         logs: list[SlotLog | None]) -> DriverOutput:
    """The driver's output, checked: control float32 [B, 3] on the world's device, finite and
    in range. A driver that raises or breaks this stops the run (DriverError, naming the
    episodes in flight); they are not stored, so a resumed run drives them again."""
    def fail(problem: str) -> DriverError:
        running = [log.task.episode_id for log in logs if log is not None]
        more = f" and {len(running) - 3} more" if len(running) > 3 else ""
        return DriverError(f"driver {type(driver).__name__} {problem} (episodes in flight: "
                           f"{', '.join(running[:3])}{more})")

    try:
        output = driver.act(obs, truth)
    except Exception as error:  # a driver may raise anything; it is not a driving failure
        raise fail(f"raised {type(error).__name__}: {error}") from error
    control = output.control if isinstance(output, DriverOutput) else None
    if control is None:
        raise fail(f"returned {type(output).__name__}, not a DriverOutput")
    batch = world.config.batch_size
    if not isinstance(control, torch.Tensor) or control.shape != (batch, 3) or control.dtype != torch.float32:
        described = (f"{tuple(control.shape)} {control.dtype}" if isinstance(control, torch.Tensor)
                     else type(control).__name__)
        raise fail(f"returned control {described}; expected float32 [{batch}, 3] (steer, throttle, brake)")
    if control.device != world.loaded.device:
        raise fail(f"returned control on {control.device}; expected it on {world.loaded.device}")
    low = torch.tensor(CONTROL_LOW, device=control.device)
    high = torch.tensor(CONTROL_HIGH, device=control.device)
    bad = ~((control >= low) & (control <= high)) & world.running.unsqueeze(-1)
    if bad.any():
        slot, column = torch.nonzero(bad)[0].tolist()
        raise fail(f"returned {('steer', 'throttle', 'brake')[column]} = {control[slot, column].item()} in slot "
                   f"{slot}; expected steer in [-1, 1], throttle and brake in [0, 1]")
    for name, value in (output.diagnostics or {}).items():
        if not isinstance(value, torch.Tensor) or value.shape != (batch,):
            described = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise fail(f"returned diagnostic {name!r} of shape {described}; expected [{batch}]")
    return output


def _log_confidence(world: BatchedWorld, logs: list[SlotLog | None], output: DriverOutput) -> None:
    time_s = world.stats.time_s.cpu().numpy()
    value = output.confidence.cpu().numpy()
    reason = np.zeros(len(value), dtype=np.int64) if output.reason is None else output.reason.cpu().numpy()
    features = None if output.monitor_features is None else output.monitor_features.cpu().numpy()
    for slot in np.flatnonzero(world.running.cpu().numpy()).tolist():
        if logs[slot] is not None:
            logs[slot].confidence.append(ConfidenceSample(float(time_s[slot]), float(value[slot]),
                                                          REASONS[int(reason[slot])]))
            if features is not None:
                logs[slot].features.append(features[slot])


def _log_diagnostics(world: BatchedWorld, logs: list[SlotLog | None], diagnostics: dict[str, torch.Tensor]) -> None:
    time_s = world.stats.time_s.cpu().numpy()
    values = {name: value.detach().float().cpu().numpy() for name, value in diagnostics.items()}
    for slot in np.flatnonzero(world.running.cpu().numpy()).tolist():
        if logs[slot] is not None:
            logs[slot].diagnostics += [DiagnosticSample(float(time_s[slot]), name, float(value[slot]))
                                       for name, value in values.items()]


def _keep_frames(logs: list[SlotLog | None], frames: torch.Tensor) -> None:
    """frames [B, H, W, 3] uint8 join each slot's ring buffer of the last CLIP_FRAMES."""
    frames = frames.cpu().numpy()
    for slot, log in enumerate(logs):
        if log is not None:
            log.frames = (log.frames + [frames[slot]])[-CLIP_FRAMES:]


def _log_events(world: BatchedWorld, logs: list[SlotLog | None], events: TickEvents, was_off: torch.Tensor,
                was_wrong: torch.Tensor) -> None:
    """Collisions and red lights as they happen; leaving the road and driving the wrong way
    when they start."""
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
            collision = COLLISION_TYPES[int(events.collision[slot])]
            actor_kind = int(world.actors.kind[slot, int(events.collided_actor[slot])])
            log.events.append(EventRecord(float(time_s[slot]), "collision", f"{collision}:{actor_kind}",
                                          float(events.impact_speed_mps[slot])))
        else:
            log.events.append(EventRecord(float(time_s[slot]), ("red_light", "off_road", "wrong_way")[kind - 1]))
