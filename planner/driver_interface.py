"""The public driver interface: what nines asks of a driver, and all it gives one.

A driver is made by a factory, `factory(context: DriverContext, **args) -> Driver`, where the
args come from `--driver-arg key=value` or a suite's `driver: {import: ..., args: {...}}`. It
declares what it needs (`needs`: camera frames, privileged ground truth) and what it offers
(`capabilities`); nothing is probed. Each tick the closed loop calls `act` with the
observation of all B slots (and ground truth when asked for) and reads everything back from
the DriverOutput; when slots get new episodes it calls `reset`.

Units and frames: metres, seconds, m/s; the ego frame has x forward, y left; control is
steer in [-1, 1] (left positive), throttle and brake in [0, 1]. The built-in drivers
(planner.expert, planner.lane_keeping, planner.camera_driver) implement this interface too.

For reruns to reproduce, an episode's controls must not depend on the batch or slot it runs
in: draw randomness per episode (from EpisodeStart.seed), keep state per slot, and compute
each slot's output without mixing in other slots (see docs/drivers.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from sim.camera import CameraConfig, RigCamera
from sim.ground_truth import GroundTruth
from sim.observation import Observation


class DriverError(Exception):
    """A driver that cannot be made, or that broke this interface; one line for the user."""


@dataclass(frozen=True)
class DriverContext:
    """What a factory is told of the run: B slots stepped together on `device`, the camera rig
    (frames are [B, camera.height, camera.width, 3] uint8 RGB), the tick (dt_s, s) and the run's seed."""

    batch_size: int
    device: str
    camera: CameraConfig
    dt_s: float
    seed: int


@dataclass(frozen=True)
class TruthParts:
    """Privileged ground truth beyond its always-present parts (objects, lights, speed limit,
    drivable queries): the BEV raster and the lane geometry cost time, so only drivers that
    name them get them."""

    bev_raster: bool = False
    lanes: bool = False


@dataclass(frozen=True)
class DriverNeeds:
    """camera: the observation carries the run's camera frames (otherwise `frames` is None and
    nothing is rendered for the driver); rig: cameras of the driver's own, rendered into
    `Observation.views` by name (a rig camera equal to the run's camera costs no second
    render); pose: the observation carries the ego's pose (`Observation.pose`), as a GNSS and
    a compass would; truth: the ground truth the driver reads (None: it sees only its
    observation)."""

    camera: bool = False
    rig: tuple[RigCamera, ...] = ()
    pose: bool = False
    truth: TruthParts | None = None


@dataclass(frozen=True)
class DriverCapabilities:
    """reports_confidence: every DriverOutput carries a confidence (a remote-operations
    console needs one to know when to ask for help); accepts_assistance: the driver has
    `assist(offset_m)`, so an operator can give it a lateral offset instead of driving."""

    reports_confidence: bool = False
    accepts_assistance: bool = False


@dataclass(frozen=True)
class EpisodeStart:
    """What a driver may know of a new episode in a slot (never the scenario's script or
    parameters): the slot, the episode's seed, its route's length (m), the route itself
    (route_xy_m [P, 2], m, in the map frame of Observation.pose), the speed limit at each of
    its points (route_speed_limit_mps [P], m/s) and the name of the map it runs on (a map
    template of sim.map_templates)."""

    slot: int
    seed: int
    route_length_m: float
    route_xy_m: np.ndarray
    route_speed_limit_mps: np.ndarray
    map_name: str


@dataclass
class PlanReport:
    """What a driver says of its own plan, for a remote-operations console: offset_m [B], the
    plan's lateral offset from the route (m); min_ttc_s [B], the smallest time to collision
    along it with what the driver sees (s, inf when none)."""

    offset_m: torch.Tensor
    min_ttc_s: torch.Tensor


@dataclass
class DriverOutput:
    """One tick of a driver over B slots.

    control [B, 3] float32 on the run's device: steer, throttle, brake (see the module).
    Optional: confidence [B] in [0, 1]; reason [B] int64, an index into
    planner.confidence.REASONS (0: none); handoff_confidence [B], what a console's
    low-confidence trigger watches (default: confidence); monitor_features [B, F], inputs of
    the failure monitor (planner.failure_monitor); plan, see PlanReport; obstacle_rays_m
    [B, R], the distance (m) to the nearest obstacle the driver sees along each of
    perception.obstacle_rays' R rays (the console pulls over to the road edge only where
    they show it free); diagnostics, named values [B] float to log with the episode (in
    the store's `diagnostics` table, every 0.25 s; units are the driver's to document)."""

    control: torch.Tensor
    confidence: torch.Tensor | None = None
    reason: torch.Tensor | None = None
    handoff_confidence: torch.Tensor | None = None
    monitor_features: torch.Tensor | None = None
    plan: PlanReport | None = None
    obstacle_rays_m: torch.Tensor | None = None
    diagnostics: dict[str, torch.Tensor] | None = None


class Driver(Protocol):
    needs: DriverNeeds
    capabilities: DriverCapabilities

    def reset(self, starts: list[EpisodeStart]) -> None:
        """Slots (re)loaded with new episodes; called before their first `act`."""

    def act(self, obs: Observation, truth: GroundTruth | None) -> DriverOutput:
        """The observation of B slots (and ground truth when `needs.truth` asks for it) -> output."""


class AssistedDriver(Driver, Protocol):
    """A driver with `capabilities.accepts_assistance`."""

    def assist(self, offset_m: torch.Tensor) -> None:
        """offset_m [B]: the lateral offset (m, left positive) an operator wants each slot's
        plan to keep from the next `act` on; NaN where no operator guides."""
