"""What the camera stack tells the planner each tick: the ensemble's mean prediction and how
unsure it is. Shapes: B episodes; R x C the BEV grid (perception.bev_grid)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from perception.obstacle_rays import rays_to_occupancy


@dataclass
class Percept:
    """obstacle_distance_m, obstacle_speed_mps [B, RAYS] (perception.obstacle_rays), from
    which `occupancy` is drawn on demand; drivable [B, R, C] probabilities;
    light_probs [B, 4] (LIGHT_CLASSES); light_distance_m [B]; speed_limit_mps [B];
    waypoints [B, W, 2] (m, ego frame) at WAYPOINT_TIMES_S; target_speed_mps [B];
    disagreement [B] and ood [B]: ensemble spread and feature novelty, each scaled so that 0
    is the median and 1 the 99th percentile of the training data."""

    obstacle_distance_m: torch.Tensor
    obstacle_speed_mps: torch.Tensor
    drivable: torch.Tensor
    light_probs: torch.Tensor
    light_distance_m: torch.Tensor
    speed_limit_mps: torch.Tensor
    waypoints: torch.Tensor
    target_speed_mps: torch.Tensor
    disagreement: torch.Tensor
    ood: torch.Tensor

    @property
    def occupancy(self) -> torch.Tensor:
        """[B, T, R, C] in 0/1: the obstacles on the BEV grid at OCCUPANCY_TIMES_S."""
        return rays_to_occupancy(self.obstacle_distance_m, self.obstacle_speed_mps)

    def to(self, device: torch.device | str) -> "Percept":
        return Percept(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def rows(self, count: int) -> "Percept":
        """The first `count` episodes."""
        return Percept(**{f.name: getattr(self, f.name)[:count] for f in fields(self)})

    @staticmethod
    def cat(parts: list["Percept"]) -> "Percept":
        """Percepts of consecutive episodes, joined along the batch."""
        if len(parts) == 1:
            return parts[0]
        return Percept(**{f.name: torch.cat([getattr(p, f.name) for p in parts]) for f in fields(Percept)})
