"""The minimal-risk manoeuvre a vehicle flies while it waits for an operator: brake
comfortably and stop in its lane (steering on the lane centre), never braking less than the
autonomy itself asks for, then hold the brake at standstill."""
from __future__ import annotations

import torch

from planner.controller import pure_pursuit_steer
from sim.ego_dynamics import MAX_BRAKE_MPS2

HOLD_BRAKE, STANDSTILL_MPS = 0.5, 0.2


def minimal_risk_control(route_ahead: torch.Tensor, speed_mps: torch.Tensor, autonomy_control: torch.Tensor,
                         decel_mps2: float) -> torch.Tensor:
    """route_ahead [B, K, 2] (the lane centre, ego frame), speed_mps [B], the autonomy's
    control [B, 3] -> control [B, 3] (steer, throttle, brake)."""
    comfortable = torch.full_like(speed_mps, decel_mps2 / MAX_BRAKE_MPS2)
    brake = torch.maximum(autonomy_control[:, 2], comfortable)
    brake = torch.where(speed_mps < STANDSTILL_MPS, brake.clamp_min(HOLD_BRAKE), brake)
    return torch.stack([pure_pursuit_steer(route_ahead, speed_mps), torch.zeros_like(brake), brake], -1)
