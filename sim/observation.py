"""What the driver under test receives each tick. Ground truth never travels in here."""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Observation:
    """frames [B, H, W, 3] uint8 RGB (None when the world has no camera); speed_mps [B];
    route_ahead [B, K, 2]: the next K route points in the ego frame (m, x forward, y left);
    time_s [B]: episode time; refuge_offset_m [B] (None: unknown): from the map, like the
    route, the lateral offset (m, right negative) from the lane under the ego to the centre
    of a parking lane or shoulder beside it on the right, 0 where there is none.

    Only for drivers that ask for them (planner.driver_interface.DriverNeeds): views, the
    frames [B, H, W, 3] uint8 RGB of each camera of the driver's rig, by the camera's name;
    pose [B, 3], the ego's x_m, y_m and yaw_rad in the map frame, as a GNSS and a compass
    would measure them (without noise)."""

    frames: torch.Tensor | None
    speed_mps: torch.Tensor
    route_ahead: torch.Tensor
    time_s: torch.Tensor
    refuge_offset_m: torch.Tensor | None = None
    views: dict[str, torch.Tensor] | None = None
    pose: torch.Tensor | None = None
