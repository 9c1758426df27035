"""Follows a plan: pure pursuit on its waypoints for steering, a P controller on speed."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from sim.ego_dynamics import MAX_ACCEL_MPS2, MAX_BRAKE_MPS2, MAX_STEER_RAD, WHEELBASE_M

MIN_LOOKAHEAD_M, LOOKAHEAD_S = 4.0, 0.6
THROTTLE_GAIN, BRAKE_GAIN = 0.5, 0.35
# speed responds to the pedals at gain x (full-pedal acceleration): the loop gains in 1/s
THROTTLE_LOOP_PER_S, BRAKE_LOOP_PER_S = THROTTLE_GAIN * MAX_ACCEL_MPS2, BRAKE_GAIN * MAX_BRAKE_MPS2


def pure_pursuit_steer(waypoints: torch.Tensor, speed_mps: torch.Tensor,
                       extra_lookahead_s: float = 0.0) -> torch.Tensor:
    """Steer command in [-1, 1] [B] towards the waypoint [B, T, 2] nearest the lookahead distance."""
    lookahead = torch.clamp(speed_mps * (LOOKAHEAD_S + extra_lookahead_s), min=MIN_LOOKAHEAD_M)
    distance = waypoints.norm(dim=-1)
    k = (distance - lookahead.unsqueeze(-1)).abs().argmin(-1)
    target = waypoints[torch.arange(len(k), device=waypoints.device), k]
    curvature = 2 * target[:, 1] / (target ** 2).sum(-1).clamp_min(1.0)
    return (torch.atan(curvature * WHEELBASE_M) / MAX_STEER_RAD).clamp(-1, 1)


@dataclass(frozen=True)
class Tuning:
    """How gently a driver acting through a delay controls: factors on the pedal gains, and
    extra lookahead time for steering (a longer lookahead is a lower steering gain)."""

    throttle_scale: float = 1.0
    brake_scale: float = 1.0
    extra_lookahead_s: float = 0.0


def speed_control(target_mps: torch.Tensor, speed_mps: torch.Tensor,
                  tuning: Tuning = Tuning()) -> tuple[torch.Tensor, torch.Tensor]:
    """(throttle, brake) in [0, 1] [B]; holds the brake when asked to stand still."""
    error = target_mps - speed_mps
    throttle = (tuning.throttle_scale * THROTTLE_GAIN * error).clamp(0, 1)
    brake = (-tuning.brake_scale * BRAKE_GAIN * error).clamp(0, 1)
    brake = torch.where(target_mps < 0.2, brake.clamp_min(0.5), brake)
    return torch.where(target_mps < 0.2, torch.zeros_like(throttle), throttle), brake


def follow(waypoints: torch.Tensor, target_mps: torch.Tensor, speed_mps: torch.Tensor,
           tuning: Tuning = Tuning()) -> torch.Tensor:
    """Control [B, 3] (steer, throttle, brake)."""
    throttle, brake = speed_control(target_mps, speed_mps, tuning)
    return torch.stack([pure_pursuit_steer(waypoints, speed_mps, tuning.extra_lookahead_s), throttle, brake], -1)
