"""Obstacles as rays: for each of RAYS bearings across the camera's view, how far ahead (x,
m) the first obstacle is and how fast that distance changes (its velocity along x, m/s).

This is what a single camera sees most directly (image columns are bearings), so the
network predicts it per column; the BEV occupancy grid the planner reads is drawn from it:
along each bearing, the cells from the obstacle's front back to OBJECT_DEPTH_M behind it,
at each of OCCUPANCY_TIMES_S with the obstacle moving at its velocity. Bearing bins are
uniform in lateral slope y/x from +SLOPE_MAX (left image edge) to -SLOPE_MAX (right edge),
as image columns are for a pinhole camera (SLOPE_MAX = tan(90 deg / 2)).
"""
from __future__ import annotations

import torch

from perception.bev_grid import AHEAD_M, COLS, OCCUPANCY_TIMES_S, ROW_M, ROWS, cell_centres

RAYS = 32
SLOPE_MAX = 1.0
MAX_RANGE_M = AHEAD_M
MIN_AHEAD_M = 0.5
OBJECT_DEPTH_M = 4.0
BOX_SAMPLES = (24, 6)


def ray_slopes(device: torch.device | str = "cpu") -> torch.Tensor:
    """The lateral slope y/x at the centre of each ray [RAYS], left to right."""
    return SLOPE_MAX - (torch.arange(RAYS, device=device) + 0.5) * 2 * SLOPE_MAX / RAYS


def ray_of(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Ray index [...] of ego-frame points and whether they lie in the view and range."""
    slope = y / x.clamp_min(1e-3)
    ray = torch.floor((SLOPE_MAX - slope) / (2 * SLOPE_MAX) * RAYS).long()
    valid = (x > MIN_AHEAD_M) & (x < MAX_RANGE_M) & (ray >= 0) & (ray < RAYS)
    return ray.clamp(0, RAYS - 1), valid


def box_points(objects: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Points spread over each box of objects [B, N, 7] (kind, x, y, yaw, speed, length,
    width; ego frame) -> x, y [B, N, S]; spacing under half a metre for road users up to a bus."""
    b, n, _ = objects.shape
    device = objects.device
    u = (torch.arange(BOX_SAMPLES[0], device=device) + 0.5) / BOX_SAMPLES[0] - 0.5
    v = (torch.arange(BOX_SAMPLES[1], device=device) + 0.5) / BOX_SAMPLES[1] - 0.5
    along = (u.view(-1, 1) * objects[..., 5].view(b, n, 1, 1)).expand(-1, -1, -1, len(v)).flatten(2)
    across = (v.view(1, -1) * objects[..., 6].view(b, n, 1, 1)).expand(-1, -1, len(u), -1).flatten(2)
    c, s = torch.cos(objects[..., 3:4]), torch.sin(objects[..., 3:4])
    return (objects[..., 1:2] + along * c - across * s, objects[..., 2:3] + along * s + across * c)


def ray_targets(objects: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Nearest obstacle per ray: distance_m [B, RAYS] (MAX_RANGE_M: none) and the x-velocity
    [B, RAYS] of the object it belongs to (0: none)."""
    b, n, _ = objects.shape
    x, y = box_points(objects)
    ray, valid = ray_of(x, y)
    valid &= mask.unsqueeze(-1)
    flat = (torch.arange(b, device=x.device).view(-1, 1, 1) * RAYS + ray)[valid]
    distance = torch.full((b * RAYS,), MAX_RANGE_M, device=x.device)
    distance.scatter_reduce_(0, flat, x[valid], "amin")
    velocity_x = (objects[..., 4] * torch.cos(objects[..., 3])).unsqueeze(-1).expand_as(x)[valid]
    nearest = (x[valid] - distance[flat]).abs() < 1e-4
    speed = torch.zeros(b * RAYS, device=x.device)
    speed.scatter_reduce_(0, flat[nearest], velocity_x[nearest], "amin", include_self=False)
    return distance.view(b, RAYS), speed.view(b, RAYS)


def rays_to_occupancy(distance_m: torch.Tensor, speed_mps: torch.Tensor) -> torch.Tensor:
    """Occupancy [B, T, R, C] in 0/1 drawn from rays [B, RAYS]: along each ray, the cells from
    the obstacle's front to OBJECT_DEPTH_M behind it, the obstacle moved by its velocity."""
    centres = cell_centres(distance_m.device)
    ray, valid = ray_of(centres[:, 0], centres[:, 1])
    times = torch.tensor(OCCUPANCY_TIMES_S, device=distance_m.device).view(1, -1, 1)
    front = distance_m[:, ray].unsqueeze(1) + speed_mps[:, ray].unsqueeze(1) * times
    x = centres[:, 0].view(1, 1, -1)
    present = (distance_m[:, ray] < MAX_RANGE_M - 1.0).unsqueeze(1)
    occupied = valid & present & (x >= front - 0.5 * ROW_M) & (x <= front + OBJECT_DEPTH_M)
    return occupied.float().view(-1, len(OCCUPANCY_TIMES_S), ROWS, COLS)
