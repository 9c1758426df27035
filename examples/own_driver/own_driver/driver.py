"""A driver a team might bring: pure pursuit along the route at a cruise speed, slowing for
curves, with a confidence that drops where the route bends hard. It uses nothing of nines
but the public driver interface (planner.driver_interface) and the observation.

Each episode gets its own cruise speed, drawn from the episode's seed, so that an episode
drives the same whatever batch or slot it runs in (nines reruns it alone).
"""
from __future__ import annotations

import numpy as np
import torch

from planner.driver_interface import (DriverCapabilities, DriverContext, DriverNeeds, DriverOutput, EpisodeStart)
from sim.observation import Observation

LOOKAHEAD_M = 8.0
WHEELBASE_M = 2.8
MAX_STEER_RAD = 0.6
LATERAL_ACCEL_MPS2 = 2.0


class PursuitDriver:
    needs = DriverNeeds()
    capabilities = DriverCapabilities(reports_confidence=True)

    def __init__(self, batch_size: int, device: str, cruise_speed_mps: float, speed_spread_mps: float):
        self.cruise_speed_mps, self.speed_spread_mps = cruise_speed_mps, speed_spread_mps
        self.target_mps = torch.full((batch_size,), cruise_speed_mps, device=device)

    def reset(self, starts: list[EpisodeStart]) -> None:
        for start in starts:
            jitter = np.random.default_rng(start.seed).uniform(-1.0, 1.0)
            self.target_mps[start.slot] = self.cruise_speed_mps + self.speed_spread_mps * jitter

    def act(self, obs: Observation, truth=None) -> DriverOutput:
        """route_ahead [B, K, 2] (ego frame, m) and speed [B] -> control [B, 3]."""
        ahead = obs.route_ahead
        k = (ahead.norm(dim=-1) - LOOKAHEAD_M).abs().argmin(-1)
        target = ahead[torch.arange(len(k), device=ahead.device), k]
        curvature = 2 * target[:, 1] / (target ** 2).sum(-1).clamp_min(1.0)
        steer = (torch.atan(curvature * WHEELBASE_M) / MAX_STEER_RAD).clamp(-1, 1)
        curve_mps = (LATERAL_ACCEL_MPS2 / curvature.abs().clamp_min(1e-3)).sqrt()
        error = torch.minimum(self.target_mps, curve_mps) - obs.speed_mps
        control = torch.stack([steer, (0.5 * error).clamp(0, 1), (-0.5 * error).clamp(0, 1)], -1)
        confidence = (curve_mps / self.target_mps).clamp(0, 1)
        return DriverOutput(control, confidence=confidence)


def make_driver(context: DriverContext, cruise_speed_mps: float = 9.0, speed_spread_mps: float = 1.0) -> PursuitDriver:
    """The factory nines calls: `--driver own-driver --driver-arg cruise_speed_mps=8`."""
    return PursuitDriver(context.batch_size, context.device, float(cruise_speed_mps), float(speed_spread_mps))
