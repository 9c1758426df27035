"""The ego vehicle: a kinematic bicycle model with actuator limits and road friction.

Friction caps both braking and lateral acceleration at mu * g; asking for more makes the car
understeer (its yaw rate saturates), which is how wet or icy curves cause control loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

WHEELBASE_M = 2.8
EGO_LENGTH_M, EGO_WIDTH_M, EGO_HEIGHT_M = 4.6, 1.9, 1.5
MAX_STEER_RAD = 0.6
STEER_RATE_RADPS = 1.5
MAX_ACCEL_MPS2 = 4.0
MAX_BRAKE_MPS2 = 9.0
TOP_SPEED_MPS = 60.0
GRAVITY_MPS2 = 9.81


@dataclass
class EgoState:
    """Tensors [B]: position (m), yaw (rad), forward speed (m/s), front wheel angle (rad)."""

    x_m: torch.Tensor
    y_m: torch.Tensor
    yaw_rad: torch.Tensor
    speed_mps: torch.Tensor
    steer_rad: torch.Tensor

    @staticmethod
    def zeros(batch: int, device: torch.device | str) -> "EgoState":
        return EgoState(*(torch.zeros(batch, device=device) for _ in range(5)))

    def box(self) -> tuple[torch.Tensor, ...]:
        """(x, y, yaw, length, width) [B] for the box geometry functions."""
        return (self.x_m, self.y_m, self.yaw_rad, torch.full_like(self.x_m, EGO_LENGTH_M),
                torch.full_like(self.x_m, EGO_WIDTH_M))

    def velocity(self) -> torch.Tensor:
        """World-frame velocity [B, 2] (m/s)."""
        return torch.stack([self.speed_mps * torch.cos(self.yaw_rad), self.speed_mps * torch.sin(self.yaw_rad)], -1)


def step_ego(ego: EgoState, control: torch.Tensor, friction: torch.Tensor, dt_s: float) -> torch.Tensor:
    """Advance the ego in place by dt_s. control [B, 3]: steer in [-1, 1] (left positive),
    throttle and brake in [0, 1]; friction [B]: road friction coefficient mu. Returns the
    grip use [B]: the acceleration the control asks of the tyres (cornering and driving or
    braking) over what the road gives, mu g; above 1 the car slides."""
    steer_cmd, throttle, brake = control.unbind(-1)
    target = steer_cmd.clamp(-1, 1) * MAX_STEER_RAD
    max_delta = STEER_RATE_RADPS * dt_s
    ego.steer_rad = ego.steer_rad + (target - ego.steer_rad).clamp(-max_delta, max_delta)
    grip = friction * GRAVITY_MPS2
    drive = throttle.clamp(0, 1) * MAX_ACCEL_MPS2 * (1 - ego.speed_mps / TOP_SPEED_MPS).clamp_min(0)
    braking = brake.clamp(0, 1) * torch.minimum(torch.full_like(grip, MAX_BRAKE_MPS2), grip)
    accel = torch.minimum(drive, grip) - braking
    speed = (ego.speed_mps + accel * dt_s).clamp_min(0)
    mean_speed = 0.5 * (speed + ego.speed_mps)
    yaw_rate = mean_speed * torch.tan(ego.steer_rad) / WHEELBASE_M
    asked = torch.hypot(mean_speed * yaw_rate, torch.maximum(drive, brake.clamp(0, 1) * MAX_BRAKE_MPS2))
    max_yaw_rate = grip / mean_speed.clamp_min(0.1)
    yaw_rate = yaw_rate.clamp(-max_yaw_rate, max_yaw_rate)
    mid_yaw = ego.yaw_rad + 0.5 * yaw_rate * dt_s
    ego.x_m = ego.x_m + mean_speed * torch.cos(mid_yaw) * dt_s
    ego.y_m = ego.y_m + mean_speed * torch.sin(mid_yaw) * dt_s
    ego.yaw_rad = torch.remainder(ego.yaw_rad + yaw_rate * dt_s + torch.pi, 2 * torch.pi) - torch.pi
    ego.speed_mps = speed
    return asked / grip.clamp_min(1e-6)


def weather_friction(wetness: torch.Tensor | float, snow: torch.Tensor | float) -> torch.Tensor | float:
    """Friction factor of the road surface from weather (0-100 scales; tensors or plain
    numbers): dry 1.0, fully wet 0.7, full snow 0.35 (typical tyre-road values, e.g. Wong,
    Theory of Ground Vehicles)."""
    return (1 - 0.3 * wetness / 100) * (1 - 0.65 * snow / 100)
