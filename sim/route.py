"""The ego's route: a polyline through its lanes, progress along it, and the route ahead."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sim.lane_graph import LaneGraph

ROUTE_STEP_M = 1.0
ROUTE_POINTS = 1024  # the points of a route a world holds
# Where a vehicle can be one tick after its last progress: the window `locate` searches when
# asked to follow progress, so a route that passes the same place twice is not cut short.
WINDOW_BACK_M, WINDOW_AHEAD_M = 10.0, 50.0


def route_polyline(graph: LaneGraph, lanes: list[int], max_points: int = ROUTE_POINTS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Points every ~ROUTE_STEP_M along the given lanes, joined end to end -> [R, 2], R <=
    max_points (a route too long for that many takes longer steps), and the index in `graph`
    of the lane each point lies on -> [R]."""
    points = np.concatenate([graph.lanes[i].centre_xy for i in lanes])
    owners = np.concatenate([np.full(len(graph.lanes[i].centre_xy), i) for i in lanes])
    length_m = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
    step_m = max(ROUTE_STEP_M, length_m / (max_points - 2))
    keep = [0]
    for k in range(1, len(points)):
        if np.linalg.norm(points[k] - points[keep[-1]]) >= step_m - 1e-6:
            keep.append(k)
    if keep[-1] != len(points) - 1:
        keep.append(len(points) - 1)
    return points[keep], owners[keep]


@dataclass
class RouteState:
    """xy [B, R, 2] and s [B, R] (padded by repeating the end); length_m [B]; progress_m [B]."""

    xy: torch.Tensor
    s: torch.Tensor
    length_m: torch.Tensor
    progress_m: torch.Tensor

    @staticmethod
    def empty(batch: int, points: int, device: torch.device | str) -> "RouteState":
        return RouteState(torch.zeros(batch, points, 2, device=device), torch.zeros(batch, points, device=device),
                          torch.ones(batch, device=device), torch.zeros(batch, device=device))

    def load_slot(self, slot: int, polyline: np.ndarray) -> None:
        points = self.xy.shape[1]
        if len(polyline) > points:
            raise ValueError(f"route has {len(polyline)} points; the world holds at most {points}")
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(polyline, axis=0), axis=1))])
        pad = points - len(polyline)
        self.xy[slot] = torch.as_tensor(np.concatenate([polyline, np.repeat(polyline[-1:], pad, 0)]))
        self.s[slot] = torch.as_tensor(np.concatenate([s, np.full(pad, s[-1])]))
        self.length_m[slot] = float(s[-1])
        self.progress_m[slot] = 0.0

    def polyline(self, slot: int) -> np.ndarray:
        """Slot `slot`'s route as loaded, without the padding: [P, 2] float64 (m)."""
        points = int((self.s[slot] < self.length_m[slot]).sum()) + 1
        return self.xy[slot, :points].detach().cpu().numpy().astype(np.float64)

    def row(self, slot: int, count: int = 1) -> "RouteState":
        """Slot `slot`'s route repeated `count` times (views, no copy): to locate `count`
        points against that one route instead of every slot's."""
        return RouteState(self.xy[slot:slot + 1].expand(count, -1, -1), self.s[slot:slot + 1].expand(count, -1),
                          self.length_m[slot:slot + 1].expand(count), self.progress_m[slot:slot + 1].expand(count))

    def locate(self, xy: torch.Tensor, near_progress: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Arc length of the nearest route point to xy [B, 2] (refined along the segment) and the
        distance to the route (m), each [B]; near_progress: only among the points from
        WINDOW_BACK_M behind progress_m to WINDOW_AHEAD_M ahead of it."""
        d2 = ((self.xy - xy.unsqueeze(1)) ** 2).sum(-1)
        if near_progress:
            ahead = self.s - self.progress_m.unsqueeze(-1)
            outside = (ahead < -WINDOW_BACK_M) | (ahead > WINDOW_AHEAD_M)
            d2 = torch.where(outside, torch.full_like(d2, float("inf")), d2)
        k = d2.argmin(-1)
        nxt = (k + 1).clamp_max(self.xy.shape[1] - 1)
        rows = torch.arange(len(k), device=xy.device)
        direction = self.xy[rows, nxt] - self.xy[rows, k]
        seg_len = direction.norm(dim=-1)
        unit = direction / seg_len.clamp_min(1e-6).unsqueeze(-1)
        along = ((xy - self.xy[rows, k]) * unit).sum(-1).clamp(0, None)
        along = torch.minimum(along, seg_len)
        return self.s[rows, k] + along, d2[rows, k].sqrt()

    def indices_ahead(self, count: int, spacing_m: float) -> torch.Tensor:
        """The index [B, count] of the route point every spacing_m from the current progress."""
        targets = self.progress_m.unsqueeze(-1) + spacing_m * torch.arange(1, count + 1, device=self.s.device)
        return torch.searchsorted(self.s.contiguous(), targets.contiguous()).clamp_max(self.s.shape[1] - 1)

    def points_ahead(self, count: int, spacing_m: float, x: torch.Tensor, y: torch.Tensor, yaw: torch.Tensor
                     ) -> torch.Tensor:
        """The next `count` route points every spacing_m from the current progress, in the ego
        frame (x forward, y left) -> [B, count, 2]."""
        k = self.indices_ahead(count, spacing_m)
        world = self.xy.gather(1, k.unsqueeze(-1).expand(-1, -1, 2))
        dx, dy = world[..., 0] - x.unsqueeze(-1), world[..., 1] - y.unsqueeze(-1)
        c, s = torch.cos(yaw).unsqueeze(-1), torch.sin(yaw).unsqueeze(-1)
        return torch.stack([dx * c + dy * s, -dx * s + dy * c], -1)
