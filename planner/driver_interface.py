"""What the closed loop knows of a driver, declared rather than probed: what it needs each tick
(`DriverNeeds`), what it hears when episodes start (`reset`), and what it returns (`DriverOutput`).

The built-in drivers (planner.expert, planner.lane_keeping, planner.camera_driver) and the
remote-operations console (teleop.console) implement `Driver`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

from sim.ground_truth import GroundTruth
from sim.observation import Observation


@dataclass(frozen=True)
class TruthParts:
    """The parts of privileged ground truth a driver reads beyond the always-present ones
    (objects, lights, speed limit, drivable queries): the BEV raster and the lane geometry
    cost time to make, so only drivers that name them get them."""

    bev_raster: bool = False
    lanes: bool = False


@dataclass(frozen=True)
class DriverNeeds:
    """camera: the observation carries camera frames (otherwise `frames` is None and nothing
    is rendered for the driver); truth: the privileged ground truth the driver reads, None for
    a driver that sees only its observation."""

    camera: bool = False
    truth: TruthParts | None = None


@dataclass(frozen=True)
class EpisodeStart:
    """What a driver may know of a new episode in a slot: the slot and the episode's seed."""

    slot: int
    seed: int


@dataclass
class DriverOutput:
    """One tick of a driver over B slots. control [B, 3]: steer in [-1, 1] (left positive),
    throttle and brake in [0, 1]. Optional: confidence [B] in [0, 1]; reason [B] int64, an
    index into planner.confidence.REASONS (0: none); monitor_features [B, F], the failure
    monitor's inputs (planner.failure_monitor)."""

    control: torch.Tensor
    confidence: torch.Tensor | None = None
    reason: torch.Tensor | None = None
    monitor_features: torch.Tensor | None = None


class Driver(Protocol):
    needs: DriverNeeds

    def reset(self, starts: list[EpisodeStart]) -> None:
        """Slots (re)loaded with new episodes; called before their first `act`."""

    def act(self, obs: Observation, truth: GroundTruth | None) -> DriverOutput:
        """The observation of B slots (and ground truth when `needs.truth` asks for it) -> output."""
