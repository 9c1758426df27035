"""What the camera stack tells the planner each tick: the ensemble's mean prediction and how
unsure it is. Shapes: B episodes; R x C the BEV grid (perception.bev_grid)."""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Percept:
    """obstacle_distance_m, obstacle_speed_mps [B, RAYS] (perception.obstacle_rays) and the
    occupancy [B, T, R, C] in 0/1 drawn from them at OCCUPANCY_TIMES_S; drivable [B, R, C]
    probabilities;
    light_probs [B, 4] (LIGHT_CLASSES); light_distance_m [B]; speed_limit_mps [B];
    waypoints [B, W, 2] (m, ego frame) at WAYPOINT_TIMES_S; target_speed_mps [B];
    disagreement [B] and ood [B]: ensemble spread and feature novelty, each scaled so that 0
    is the median and 1 the 99th percentile of the training data."""

    obstacle_distance_m: torch.Tensor
    obstacle_speed_mps: torch.Tensor
    occupancy: torch.Tensor
    drivable: torch.Tensor
    light_probs: torch.Tensor
    light_distance_m: torch.Tensor
    speed_limit_mps: torch.Tensor
    waypoints: torch.Tensor
    target_speed_mps: torch.Tensor
    disagreement: torch.Tensor
    ood: torch.Tensor
