"""What the driver under test receives each tick. Ground truth never travels in here."""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Observation:
    """frames [B, H, W, 3] uint8 RGB (None when the world has no camera); speed_mps [B];
    route_ahead [B, K, 2]: the next K route points in the ego frame (m, x forward, y left);
    time_s [B]: episode time."""

    frames: torch.Tensor | None
    speed_mps: torch.Tensor
    route_ahead: torch.Tensor
    time_s: torch.Tensor
