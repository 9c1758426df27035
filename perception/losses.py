"""The training loss: every ensemble member against the same targets, each sample weighted per
member (bootstrap weights keep the members from collapsing onto one another).

Shapes: K members, B samples."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from perception.labels import LIGHT_RANGE_M, Targets
from perception.network import RAY_SPEED_SCALE_MPS, SPEED_SCALE_MPS, WAYPOINT_SCALE_M, NetOutput
from perception.obstacle_rays import MAX_RANGE_M

# most rays see no obstacle: weigh the ones that do up, so obstacles are not averaged away
OBSTACLE_RAY_WEIGHT = 4.0
WEIGHTS = {"obstacle_distance": 2.0, "obstacle_speed": 0.5, "drivable": 0.5, "light": 0.5, "light_distance": 0.2, "speed_limit": 0.2,
           "waypoints": 0.5, "target_speed": 0.5}


def bootstrap_weights(members: int, batch: int, generator: torch.Generator | None = None,
                      device: torch.device | str = "cpu") -> torch.Tensor:
    """Poisson(1) weights [K, B]: each member sees its own resample of the batch."""
    return torch.poisson(torch.ones(members, batch), generator=generator).to(device)


def _weighted_mean(per_sample: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (per_sample * weights).sum() / weights.sum().clamp_min(1.0)


def loss_terms(out: NetOutput, targets: Targets, weights: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each term averaged over members and (weighted) samples; weights [K, B]."""
    k = out.drivable_logits.shape[0]
    present = targets.obstacle_distance_m < MAX_RANGE_M
    ray_weight = 1.0 + (OBSTACLE_RAY_WEIGHT - 1.0) * present.float()
    distance = ((out.ray_distance_m - targets.obstacle_distance_m).abs() / MAX_RANGE_M * ray_weight).mean(-1)
    ray_speed = ((out.ray_speed_mps - targets.obstacle_speed_mps).abs() / RAY_SPEED_SCALE_MPS * present).mean(-1)
    drv = F.binary_cross_entropy_with_logits(out.drivable_logits, targets.drivable.expand(k, -1, -1, -1),
                                             reduction="none")
    light = F.cross_entropy(out.light_logits.flatten(0, 1), targets.light_class.repeat(k), reduction="none").view(k, -1)
    has_light = (targets.light_class > 0).float()
    light_distance = (out.light_distance_m - targets.light_distance_m).abs() / LIGHT_RANGE_M * has_light
    limit = (out.speed_limit_mps - targets.speed_limit_mps).abs() / SPEED_SCALE_MPS
    waypoints = (out.waypoints - targets.waypoints).abs().mean((-1, -2)) / WAYPOINT_SCALE_M
    target_speed = (out.target_speed_mps - targets.target_speed_mps).abs() / SPEED_SCALE_MPS
    per_sample = {"obstacle_distance": distance, "obstacle_speed": ray_speed, "drivable": drv.mean((2, 3)),
                  "light": light, "light_distance": light_distance, "speed_limit": limit, "waypoints": waypoints,
                  "target_speed": target_speed}
    return {name: _weighted_mean(value, weights) for name, value in per_sample.items()}


def total_loss(terms: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(WEIGHTS[name] * value for name, value in terms.items())
