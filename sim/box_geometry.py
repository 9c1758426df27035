"""Oriented boxes on the ground plane: overlap (collision), gap and time-to-collision.

Boxes are (x, y, yaw, length, width); all functions broadcast over leading dims [...].
"""
from __future__ import annotations

import torch

TTC_HORIZON_S = 10.0


def _corners(x, y, yaw, length, width) -> torch.Tensor:
    """Box corners [..., 4, 2]."""
    c, s = torch.cos(yaw), torch.sin(yaw)
    hl, hw = 0.5 * length, 0.5 * width
    local = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]], device=x.device)
    lx = local[:, 0] * hl.unsqueeze(-1)
    ly = local[:, 1] * hw.unsqueeze(-1)
    cx = x.unsqueeze(-1) + lx * c.unsqueeze(-1) - ly * s.unsqueeze(-1)
    cy = y.unsqueeze(-1) + lx * s.unsqueeze(-1) + ly * c.unsqueeze(-1)
    return torch.stack([cx, cy], dim=-1)


def boxes_overlap(a: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Separating-axis test of boxes a and b, each (x, y, yaw, length, width) [...] -> bool [...]."""
    corners_a, corners_b = _corners(*a), _corners(*b)
    separated = torch.zeros_like(a[0], dtype=torch.bool)
    for yaw in (a[2], b[2]):
        for axis in (torch.stack([torch.cos(yaw), torch.sin(yaw)], -1),
                     torch.stack([-torch.sin(yaw), torch.cos(yaw)], -1)):
            pa = (corners_a * axis.unsqueeze(-2)).sum(-1)
            pb = (corners_b * axis.unsqueeze(-2)).sum(-1)
            separated |= (pa.max(-1).values < pb.min(-1).values) | (pb.max(-1).values < pa.min(-1).values)
    return ~separated


def gap_and_ttc(ego: tuple[torch.Tensor, ...], ego_velocity: torch.Tensor,
                other: tuple[torch.Tensor, ...], other_velocity: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gap (m) and time-to-collision (s) between the ego box and other boxes, in the ego frame.

    The other box is replaced by its axis-aligned extent in the ego frame (exact when the
    boxes are aligned) and the constant-velocity slab test gives when they would touch.
    ego: (x, y, yaw, length, width) [B]; other: the same [B, N]; velocities [B, 2] and [B, N, 2].
    Returns gap [B, N] (0 when touching) and ttc [B, N] (inf when not on a collision course
    within TTC_HORIZON_S).
    """
    ex, ey, eyaw, elen, ewid = (t.unsqueeze(-1) for t in ego)
    ox, oy, oyaw, olen, owid = other
    c, s = torch.cos(eyaw), torch.sin(eyaw)
    dx, dy = ox - ex, oy - ey
    px, py = dx * c + dy * s, -dx * s + dy * c
    rel_v = other_velocity - ego_velocity.unsqueeze(-2)
    vx = rel_v[..., 0] * c + rel_v[..., 1] * s
    vy = -rel_v[..., 0] * s + rel_v[..., 1] * c
    rel_yaw = oyaw - eyaw
    half_x = 0.5 * (elen + olen * torch.cos(rel_yaw).abs() + owid * torch.sin(rel_yaw).abs())
    half_y = 0.5 * (ewid + olen * torch.sin(rel_yaw).abs() + owid * torch.cos(rel_yaw).abs())
    gap = torch.hypot((px.abs() - half_x).clamp_min(0), (py.abs() - half_y).clamp_min(0))
    t_enter = torch.zeros_like(px)
    t_exit = torch.full_like(px, float("inf"))
    for p, v, half in ((px, vx, half_x), (py, vy, half_y)):
        moving = v.abs() > 1e-6
        safe_v = torch.where(moving, v, torch.ones_like(v))
        t1, t2 = (-half - p) / safe_v, (half - p) / safe_v
        lo, hi = torch.minimum(t1, t2), torch.maximum(t1, t2)
        inside = p.abs() <= half
        lo = torch.where(moving, lo, torch.where(inside, torch.full_like(lo, -float("inf")), torch.full_like(lo, float("inf"))))
        hi = torch.where(moving, hi, torch.where(inside, torch.full_like(hi, float("inf")), torch.full_like(hi, -float("inf"))))
        t_enter, t_exit = torch.maximum(t_enter, lo), torch.minimum(t_exit, hi)
    hit = (t_enter <= t_exit) & (t_enter <= TTC_HORIZON_S)
    return gap, torch.where(hit, t_enter, torch.full_like(t_enter, float("inf")))
