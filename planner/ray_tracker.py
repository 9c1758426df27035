"""Obstacle velocities from the percepts over time. One frame cannot show how fast an
obstacle moves (a stopped car looks like one driving ahead at our speed), so the network's
velocity guess is checked against the rate at which each ray's predicted distance shrinks:
an alpha-beta filter per ray, whose closing rate plus the ego's speed is the obstacle's
velocity along x. The planner takes the lower of the two (the cautious one).

Shapes: B episodes, RAYS rays. A ray starts over when its obstacle vanishes or jumps more
than JUMP_M farther (another obstacle), or its slot's episode time goes backwards (refilled);
an obstacle that jumps nearer keeps its rate (a noisy detection closing in).
"""
from __future__ import annotations

import torch

from perception.obstacle_rays import MAX_RANGE_M

ALPHA, BETA = 0.4, 0.1
JUMP_M = 5.0
MIN_TRACKED_TICKS = 5


class RayTracker:
    def __init__(self):
        self.distance_m: torch.Tensor | None = None
        self.rate_mps: torch.Tensor | None = None
        self.ticks: torch.Tensor | None = None
        self.time_s: torch.Tensor | None = None

    def update(self, distance_m: torch.Tensor, ego_speed_mps: torch.Tensor, time_s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predicted distances [B, RAYS] at time_s [B] -> tracked obstacle velocity along x
        [B, RAYS] (m/s) and whether it is tracked long enough to trust [B, RAYS]."""
        present = distance_m < MAX_RANGE_M - 1.0
        if self.distance_m is None or self.distance_m.shape != distance_m.shape:
            self.distance_m, self.rate_mps = distance_m.clone(), torch.zeros_like(distance_m)
            self.ticks, self.time_s = torch.zeros_like(distance_m), time_s.clone()
        dt = (time_s - self.time_s).unsqueeze(-1)
        predicted = self.distance_m + self.rate_mps * dt.clamp_min(0)
        residual = distance_m - predicted
        reset = (dt <= 0) | ~present | (residual > JUMP_M)
        nearer = residual < -JUMP_M
        residual = residual.clamp_min(-JUMP_M)
        self.distance_m = torch.where(reset | nearer, distance_m, predicted + ALPHA * residual)
        self.rate_mps = torch.where(reset, torch.zeros_like(residual),
                                    self.rate_mps + BETA * residual / dt.clamp_min(1e-3))
        self.ticks = torch.where(reset, torch.zeros_like(self.ticks), self.ticks + 1)
        self.time_s = time_s.clone()
        return ego_speed_mps.unsqueeze(-1) + self.rate_mps, self.ticks >= MIN_TRACKED_TICKS
