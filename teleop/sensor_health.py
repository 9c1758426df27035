"""Camera health checks on the vehicle, from the frames alone: a black frame, a frozen one
(identical to the last while the car moves) and a noisy one. Any of them is a hard trigger
for a handoff: the camera stack cannot be trusted whatever its confidence says.

Thresholds from the simulator's frames at 64x128 (mean of 255): clear day ~125, night ~14,
tunnel ~22, a black frame 0; mean |difference of horizontal neighbours|: scenes 1-6, sensor
noise ~74.
"""
from __future__ import annotations

import torch

BLACK_MEAN = 4.0
NOISE_GRADIENT = 30.0
FROZEN_AFTER_S = 0.5
MOVING_MPS = 0.5


class SensorHealth:
    def __init__(self, dt_s: float):
        self.dt_s = dt_s
        self.previous: torch.Tensor | None = None
        self.frozen_s: torch.Tensor | None = None

    def reset(self, slot: int) -> None:
        if self.frozen_s is not None:
            self.frozen_s[slot] = 0.0

    def update(self, frames: torch.Tensor, speed_mps: torch.Tensor) -> torch.Tensor:
        """frames [B, H, W, 3] uint8, speed_mps [B] -> fault [B] bool."""
        pixels = frames.float()
        black = pixels.mean((1, 2, 3)) < BLACK_MEAN
        noisy = (pixels[:, :, 1:] - pixels[:, :, :-1]).abs().mean((1, 2, 3)) > NOISE_GRADIENT
        if self.previous is None or self.previous.shape != frames.shape:
            self.previous, self.frozen_s = frames.clone(), torch.zeros(len(frames), device=frames.device)
        same = (frames == self.previous).flatten(1).all(-1) & (speed_mps.to(frames.device) > MOVING_MPS)
        self.frozen_s = torch.where(same, self.frozen_s + self.dt_s, torch.zeros_like(self.frozen_s))
        self.previous = frames.clone()
        return (black | noisy | (self.frozen_s >= FROZEN_AFTER_S)).to(speed_mps.device)
