"""When a candidate trajectory first runs into a predicted obstacle, from the obstacle rays
(perception.obstacle_rays) directly: no grid, so no quantisation beyond the rays' own.

At each step the ego's footprint, grown by the planner's safety margins, covers x from its
rear to its front and, across, a band of bearings seen from its front; any ray in that band
whose obstacle (moved by its velocity to that time, OBJECT_DEPTH_M deep) overlaps the
footprint's x range is a conflict. Bearings outside the camera's view are unseen: free.
"""
from __future__ import annotations

from typing import Callable

import torch

from perception.obstacle_rays import MAX_RANGE_M, MIN_AHEAD_M, OBJECT_DEPTH_M, RAYS, SLOPE_MAX
from planner.sampling_planner import MARGIN_LAT_M, MARGIN_LONG_M
from sim.ego_dynamics import EGO_LENGTH_M, EGO_WIDTH_M

HALF_LENGTH_M = 0.5 * EGO_LENGTH_M + MARGIN_LONG_M
HALF_WIDTH_M = 0.5 * EGO_WIDTH_M + MARGIN_LAT_M


def ray_conflict(distance_m: torch.Tensor, speed_mps: torch.Tensor
                 ) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """A `conflict_step` for PlanInputs from obstacle rays: distance_m, speed_mps [B, RAYS]."""
    edges = SLOPE_MAX - torch.arange(RAYS + 1, device=distance_m.device) * (2 * SLOPE_MAX / RAYS)
    slope_hi, slope_lo = edges[:-1], edges[1:]
    present = (distance_m < MAX_RANGE_M - 1.0)[:, None, None, :]

    def conflict_step(xy: torch.Tensor, heading: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        front, rear = x + HALF_LENGTH_M, x - HALF_LENGTH_M
        seen_from = front.clamp_min(MIN_AHEAD_M).unsqueeze(-1)
        lo, hi = (y - HALF_WIDTH_M).unsqueeze(-1) / seen_from, (y + HALF_WIDTH_M).unsqueeze(-1) / seen_from
        covered = (slope_hi > lo) & (slope_lo < hi)
        near = distance_m[:, None, None, :] + speed_mps[:, None, None, :] * times.view(1, 1, -1, 1)
        hit = covered & present & (front.unsqueeze(-1) >= near) & (rear.unsqueeze(-1) <= near + OBJECT_DEPTH_M)
        steps = torch.arange(len(times), device=xy.device)
        return torch.where(hit.any(-1), steps, len(times)).amin(-1)

    return conflict_step
