"""Batched questions about lanes: where is s along a lane, and where is a point along it."""
from __future__ import annotations

import torch

from sim.map_bank import MapBank


def _interp_index(bank: MapBank, lane: torch.Tensor, s_m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Segment index k [...] and fraction [...] so that s lies between lane points k and k+1."""
    flat_lane = lane.reshape(-1)
    sorted_s = bank.lane_s[flat_lane]
    k = torch.searchsorted(sorted_s, s_m.reshape(-1, 1).contiguous()).squeeze(-1) - 1
    k = k.clamp(0, sorted_s.shape[-1] - 2)
    s0 = sorted_s.gather(1, k.unsqueeze(-1)).squeeze(-1)
    s1 = sorted_s.gather(1, (k + 1).unsqueeze(-1)).squeeze(-1)
    frac = ((s_m.reshape(-1) - s0) / (s1 - s0).clamp_min(1e-6)).clamp(0, 1)
    return k.reshape(lane.shape), frac.reshape(lane.shape)


def lane_pose(bank: MapBank, lane: torch.Tensor, s_m: torch.Tensor, offset_m: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Point s_m along lane, offset_m to its left -> x, y, heading, curvature, each [...]."""
    k, frac = _interp_index(bank, lane, s_m)
    xy0, xy1 = bank.lane_xy[lane, k], bank.lane_xy[lane, k + 1]
    xy = xy0 + frac.unsqueeze(-1) * (xy1 - xy0)
    heading = bank.lane_heading[lane, k]
    x = xy[..., 0] - offset_m * torch.sin(heading)
    y = xy[..., 1] + offset_m * torch.cos(heading)
    return x, y, heading, bank.lane_curvature[lane, k]


def project_to_lane(bank: MapBank, lane: torch.Tensor, xy: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Nearest point of lane [B] to xy [B, 2] -> s_m [B], lateral offset (left +) [B], heading [B]."""
    points = bank.lane_xy[lane]
    k = ((points - xy.unsqueeze(1)) ** 2).sum(-1).argmin(-1)
    heading = bank.lane_heading[lane, k]
    rel = xy - points[torch.arange(len(k), device=xy.device), k]
    along = rel[:, 0] * torch.cos(heading) + rel[:, 1] * torch.sin(heading)
    lateral = -rel[:, 0] * torch.sin(heading) + rel[:, 1] * torch.cos(heading)
    return bank.lane_s[lane, k] + along, lateral, heading
