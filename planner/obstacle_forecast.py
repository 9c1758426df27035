"""Where obstacles will be over the planning horizon, as boxes in the ego frame.

The privileged expert forecasts ground-truth objects at constant velocity; the camera stack
will fill the same structure from its own detections.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ObstacleForecast:
    """N obstacles over T future times, ego frame at planning time (x forward, y left, m).

    x_m, y_m, yaw_rad [B, N, T]; length_m, width_m [B, N]; mask [B, N] (real obstacles).
    """

    x_m: torch.Tensor
    y_m: torch.Tensor
    yaw_rad: torch.Tensor
    length_m: torch.Tensor
    width_m: torch.Tensor
    mask: torch.Tensor


def constant_velocity(objects: torch.Tensor, mask: torch.Tensor, times_s: torch.Tensor) -> ObstacleForecast:
    """Forecast objects [B, N, 7] (kind, x, y, yaw, speed, length, width in the ego frame) at
    times_s [T] assuming each keeps its speed and heading."""
    x, y, yaw, speed = objects[..., 1], objects[..., 2], objects[..., 3], objects[..., 4]
    t = times_s.view(1, 1, -1)
    fx = x.unsqueeze(-1) + (speed * torch.cos(yaw)).unsqueeze(-1) * t
    fy = y.unsqueeze(-1) + (speed * torch.sin(yaw)).unsqueeze(-1) * t
    return ObstacleForecast(fx, fy, yaw.unsqueeze(-1).expand_as(fx), objects[..., 5], objects[..., 6], mask)


FOLLOWER_BEHIND_M, FOLLOWER_LATERAL_M, FOLLOWER_COS = 2.5, 1.8, 0.7


def followers(objects: torch.Tensor) -> torch.Tensor:
    """Objects [B, N, 7] (ego frame) right behind the ego in its lane, heading its way -> bool
    [B, N]. Avoiding them is their drivers' task: swerving away from a car that closes in from
    behind while the ego brakes for a light would take the ego into the oncoming lane."""
    x, y, yaw = objects[..., 1], objects[..., 2], objects[..., 3]
    return (x < -FOLLOWER_BEHIND_M) & (y.abs() < FOLLOWER_LATERAL_M) & (torch.cos(yaw) > FOLLOWER_COS)
