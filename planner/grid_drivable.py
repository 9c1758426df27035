"""The planner's view of the predicted drivable area: whether points lie on it. Points off the
grid (beyond its 48 m, or beside it) count as drivable: unseen. The route is on the road by
definition, so points within ROUTE_CORRIDOR_M of it count as drivable whatever the grid says:
a wrong drivable-area prediction may stop a swerve, never the drive along the route."""
from __future__ import annotations

from typing import Callable

import torch

from perception.bev_grid import cell_index

DRIVABLE_P = 0.5
ROUTE_CORRIDOR_M = 1.5


def grid_drivable(drivable: torch.Tensor, route: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """A `drivable_at` for PlanInputs from drivable-area probabilities [B, R, C] and the route
    ahead [B, K, 2] (ego frame, m)."""
    flat_grid = drivable.flatten(1) > DRIVABLE_P

    def drivable_at(points: torch.Tensor) -> torch.Tensor:
        cell, inside = cell_index(points)
        on_route = torch.cdist(points, route).amin(-1) <= ROUTE_CORRIDOR_M
        return flat_grid.gather(1, cell) | ~inside | on_route

    return drivable_at
