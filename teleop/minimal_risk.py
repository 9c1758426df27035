"""The minimal-risk manoeuvre a vehicle flies while it waits for an operator: brake
comfortably and stop, never braking less than the autonomy itself asks for, then hold the
brake at standstill. It stops at the road edge (a parking lane or shoulder on the right, from
the map) when the camera sees that side free as far as it needs, else in its lane.

Shapes: B episodes; rays as perception.obstacle_rays."""
from __future__ import annotations

import torch

from perception.obstacle_rays import MAX_RANGE_M, ray_slopes
from planner.controller import pure_pursuit_steer
from sim.ego_dynamics import MAX_BRAKE_MPS2

HOLD_BRAKE, STANDSTILL_MPS = 0.5, 0.2
CLEARANCE_M = 10.0
REFUGE_HALF_WIDTH_M = 1.5


def refuge_is_free(distance_m: torch.Tensor, refuge_offset_m: torch.Tensor, speed_mps: torch.Tensor,
                   decel_mps2: float) -> torch.Tensor:
    """[B] bool: no obstacle the camera sees (distance_m [B, RAYS]) lies in the road-edge lane
    (refuge_offset_m [B] +- REFUGE_HALF_WIDTH_M across) nearer than the stopping distance
    plus CLEARANCE_M."""
    needed = (speed_mps ** 2 / (2 * decel_mps2) + CLEARANCE_M).unsqueeze(-1)
    lateral_m = ray_slopes(distance_m.device) * distance_m
    in_lane = (lateral_m - refuge_offset_m.unsqueeze(-1)).abs() < REFUGE_HALF_WIDTH_M
    seen = distance_m < MAX_RANGE_M - 1.0
    return ~(seen & in_lane & (distance_m < needed)).any(-1)


def minimal_risk_control(route_ahead: torch.Tensor, speed_mps: torch.Tensor, autonomy_control: torch.Tensor,
                         decel_mps2: float, offset_m: torch.Tensor) -> torch.Tensor:
    """route_ahead [B, K, 2] (the lane centre, ego frame), speed_mps [B], the autonomy's
    control [B, 3], offset_m [B] (where to stop across the lane centre: 0 in lane, negative
    to the right) -> control [B, 3] (steer, throttle, brake)."""
    comfortable = torch.full_like(speed_mps, decel_mps2 / MAX_BRAKE_MPS2)
    brake = torch.maximum(autonomy_control[:, 2], comfortable)
    brake = torch.where(speed_mps < STANDSTILL_MPS, brake.clamp_min(HOLD_BRAKE), brake)
    path = route_ahead + torch.stack([torch.zeros_like(offset_m), offset_m], -1).unsqueeze(1)
    return torch.stack([pure_pursuit_steer(path, speed_mps), torch.zeros_like(brake), brake], -1)
