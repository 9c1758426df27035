"""A simple lane-keeping driver: pure pursuit on the route ahead at a fixed cruise speed.

It sees only the `Observation` (no ground truth, no camera) and never brakes for anything,
so it is the baseline that shows the simulator's events. Later drivers replace it.
"""
from __future__ import annotations

import torch

from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput, EpisodeStart
from sim.ego_dynamics import MAX_STEER_RAD, WHEELBASE_M
from sim.ground_truth import GroundTruth
from sim.observation import Observation

LOOKAHEAD_M = 8.0
SPEED_GAIN = 0.5


class LaneKeepingDriver:
    needs = DriverNeeds()
    capabilities = DriverCapabilities()

    def __init__(self, cruise_speed_mps: float = 10.0):
        self.cruise_speed_mps = cruise_speed_mps

    def reset(self, starts: list[EpisodeStart]) -> None:
        """Nothing is kept from one tick to the next."""

    def act(self, obs: Observation, truth: GroundTruth | None = None) -> DriverOutput:
        """Observation -> control [B, 3] (steer, throttle, brake)."""
        ahead = obs.route_ahead
        distance = ahead.norm(dim=-1)
        k = (distance - LOOKAHEAD_M).abs().argmin(-1)
        target = ahead[torch.arange(len(k), device=ahead.device), k]
        curvature = 2 * target[:, 1] / (target ** 2).sum(-1).clamp_min(1.0)
        steer = torch.atan(curvature * WHEELBASE_M) / MAX_STEER_RAD
        error = self.cruise_speed_mps - obs.speed_mps
        throttle = (SPEED_GAIN * error).clamp(0, 1)
        brake = (-SPEED_GAIN * error).clamp(0, 1)
        return DriverOutput(torch.stack([steer.clamp(-1, 1), throttle, brake], -1))
