"""Follows a plan: pure pursuit on its waypoints for steering, a P controller on speed."""
from __future__ import annotations

import torch

from sim.ego_dynamics import MAX_STEER_RAD, WHEELBASE_M

MIN_LOOKAHEAD_M, LOOKAHEAD_S = 4.0, 0.6
THROTTLE_GAIN, BRAKE_GAIN = 0.5, 0.35


def pure_pursuit_steer(waypoints: torch.Tensor, speed_mps: torch.Tensor) -> torch.Tensor:
    """Steer command in [-1, 1] [B] towards the waypoint [B, T, 2] nearest the lookahead distance."""
    lookahead = torch.clamp(speed_mps * LOOKAHEAD_S, min=MIN_LOOKAHEAD_M)
    distance = waypoints.norm(dim=-1)
    k = (distance - lookahead.unsqueeze(-1)).abs().argmin(-1)
    target = waypoints[torch.arange(len(k), device=waypoints.device), k]
    curvature = 2 * target[:, 1] / (target ** 2).sum(-1).clamp_min(1.0)
    return (torch.atan(curvature * WHEELBASE_M) / MAX_STEER_RAD).clamp(-1, 1)


def speed_control(target_mps: torch.Tensor, speed_mps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(throttle, brake) in [0, 1] [B]; holds the brake when asked to stand still."""
    error = target_mps - speed_mps
    throttle = (THROTTLE_GAIN * error).clamp(0, 1)
    brake = (-BRAKE_GAIN * error).clamp(0, 1)
    brake = torch.where(target_mps < 0.2, brake.clamp_min(0.5), brake)
    return torch.where(target_mps < 0.2, torch.zeros_like(throttle), throttle), brake


def follow(waypoints: torch.Tensor, target_mps: torch.Tensor, speed_mps: torch.Tensor) -> torch.Tensor:
    """Control [B, 3] (steer, throttle, brake)."""
    throttle, brake = speed_control(target_mps, speed_mps)
    return torch.stack([pure_pursuit_steer(waypoints, speed_mps), throttle, brake], -1)
