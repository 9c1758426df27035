"""Privileged ground truth for the expert and for training labels, from the same world state
the camera sees: a BEV occupancy raster, lane geometry and objects in the ego frame, and the
traffic light ahead. It is never part of the camera stack's `Observation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from sim.actor_kinds import STATIC_KINDS, VEHICLE_KINDS, ActorKind
from sim.lane_queries import lane_pose, project_to_lane
from sim.world import BatchedWorld

BEV_CELLS, BEV_RES_M = 64, 0.5
BEV_CHANNELS = ("drivable", "vehicle", "pedestrian", "static")
LANE_POINTS, LANE_SPACING_M = 16, 2.0


@dataclass
class GroundTruth:
    """bev [B, 4, 64, 64] float 0/1 (channels BEV_CHANNELS; row 0 is 32 m ahead, the ego at the
    bottom centre facing up, 0.5 m cells), None unless asked for; lanes [B, 3, K, 2]: centre, left and right border of the ego's lane ahead in
    the ego frame (m), None unless asked for; light_state [B] (GREEN/YELLOW/RED, -1 none ahead);
    light_distance_m [B] (inf none); objects [B, N, 7]: kind, x, y, yaw (ego frame), speed,
    length, width; object_mask [B, N]; speed_limit_mps [B] of the lane under the ego (of the
    route's lane where the ego is off the road); speed_limits_ahead_mps [B, K] of the route's
    lane at each point of the observation's route_ahead; drivable_at: ego-frame points [B, M, 2] ->
    bool [B, M], whether each lies on a drivable lane."""

    bev: torch.Tensor | None
    lanes: torch.Tensor | None
    light_state: torch.Tensor
    light_distance_m: torch.Tensor
    objects: torch.Tensor
    object_mask: torch.Tensor
    speed_limit_mps: torch.Tensor
    speed_limits_ahead_mps: torch.Tensor
    drivable_at: Callable[[torch.Tensor], torch.Tensor]


def _to_ego(world: BatchedWorld, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """World points [B, ...] -> ego frame (x forward, y left)."""
    shape = (-1,) + (1,) * (x.dim() - 1)
    ego = world.ego
    dx, dy = x - ego.x_m.view(shape), y - ego.y_m.view(shape)
    c, s = torch.cos(ego.yaw_rad).view(shape), torch.sin(ego.yaw_rad).view(shape)
    return dx * c + dy * s, -dx * s + dy * c


def bev_cell_centres(world: BatchedWorld) -> tuple[torch.Tensor, torch.Tensor]:
    """World x, y [B, 64, 64] of each BEV cell's centre."""
    ego = world.ego
    rows = torch.arange(BEV_CELLS, device=world.device)
    forward = (BEV_CELLS - rows - 0.5) * BEV_RES_M
    left = (BEV_CELLS / 2 - rows - 0.5) * BEV_RES_M
    fx, ly = forward.view(1, -1, 1), left.view(1, 1, -1)
    c, s = torch.cos(ego.yaw_rad).view(-1, 1, 1), torch.sin(ego.yaw_rad).view(-1, 1, 1)
    return ego.x_m.view(-1, 1, 1) + fx * c - ly * s, ego.y_m.view(-1, 1, 1) + fx * s + ly * c


def bev(world: BatchedWorld) -> torch.Tensor:
    x, y = bev_cell_centres(world)
    b = x.shape[0]
    drivable = world.bank.drivable_at(world.template.view(-1, 1, 1).expand_as(x), torch.stack([x, y], -1))
    bx, by, byaw, blen, bwid = world.actor_boxes()
    px = x.view(b, -1, 1) - bx.unsqueeze(1)
    py = y.view(b, -1, 1) - by.unsqueeze(1)
    c, s = torch.cos(byaw).unsqueeze(1), torch.sin(byaw).unsqueeze(1)
    inside = ((px * c + py * s).abs() <= 0.5 * blen.unsqueeze(1)) & ((-px * s + py * c).abs() <= 0.5 * bwid.unsqueeze(1))
    inside &= world.actors.active.unsqueeze(1)
    kind = world.actors.kind.unsqueeze(1)
    channels = [drivable.view(b, -1)]
    for group in (VEHICLE_KINDS, (ActorKind.PEDESTRIAN,), STATIC_KINDS):
        member = torch.isin(kind, torch.tensor([int(k) for k in group], device=world.device))
        channels.append((inside & member).any(-1))
    return torch.stack(channels, 1).view(b, len(BEV_CHANNELS), BEV_CELLS, BEV_CELLS).float()


def lane_geometry(world: BatchedWorld) -> torch.Tensor:
    ego = world.ego
    xy = torch.stack([ego.x_m, ego.y_m], -1)
    lane = world.bank.lane_at(world.template, xy).clamp_min(0)
    s, _, _ = project_to_lane(world.bank, lane, xy)
    ahead = s.unsqueeze(-1) + LANE_SPACING_M * torch.arange(LANE_POINTS, device=world.device)
    lanes = lane.unsqueeze(-1).expand_as(ahead)
    half = 0.5 * world.bank.lane_width_m[lanes]
    out = []
    for offset in (torch.zeros_like(half), half, -half):
        x, y, _, _ = lane_pose(world.bank, lanes, ahead, offset)
        out.append(torch.stack(_to_ego(world, x, y), -1))
    return torch.stack(out, 1)


def light_ahead(world: BatchedWorld) -> tuple[torch.Tensor, torch.Tensor]:
    """State and distance along the route (m) of the first traffic light ahead on the route."""
    ahead = world.signal_route_s - world.route.progress_m.unsqueeze(-1)
    distance = torch.where(ahead > 0, ahead, torch.full_like(ahead, float("inf")))
    nearest, k = distance.min(-1)
    state = world.light_states().gather(-1, k.unsqueeze(-1)).squeeze(-1)
    return torch.where(nearest.isfinite(), state, torch.full_like(state, -1)), nearest


def objects(world: BatchedWorld) -> tuple[torch.Tensor, torch.Tensor]:
    a = world.actors
    x, y = _to_ego(world, a.x_m, a.y_m)
    yaw = torch.remainder(a.yaw_rad - world.ego.yaw_rad.unsqueeze(-1) + torch.pi, 2 * torch.pi) - torch.pi
    table = torch.stack([a.kind.float(), x, y, yaw, a.speed_mps, a.length_m, a.width_m], -1)
    return table, a.active.clone()


def speed_limit(world: BatchedWorld) -> torch.Tensor:
    lane = world.ego_lane()
    lane = torch.where(lane >= 0, lane, world.route_first_lane)
    return world.lane_speed_limits(torch.arange(len(lane), device=lane.device), lane)


def drivable_query(world: BatchedWorld) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function from ego-frame points [B, M, 2] (m) to whether each is drivable [B, M]."""
    ego = world.ego
    c, s = torch.cos(ego.yaw_rad).view(-1, 1), torch.sin(ego.yaw_rad).view(-1, 1)
    x0, y0 = ego.x_m.view(-1, 1), ego.y_m.view(-1, 1)
    template = world.template.view(-1, 1)

    def drivable(points: torch.Tensor) -> torch.Tensor:
        px, py = points[..., 0], points[..., 1]
        xy = torch.stack([x0 + px * c - py * s, y0 + px * s + py * c], -1)
        return world.bank.drivable_at(template.expand_as(px), xy)

    return drivable


def ground_truth(world: BatchedWorld, bev_raster: bool = True, lanes: bool = True) -> GroundTruth:
    """Everything at once; the expert skips the BEV raster and lanes, which it does not use."""
    state, distance = light_ahead(world)
    table, mask = objects(world)
    return GroundTruth(bev(world) if bev_raster else None, lane_geometry(world) if lanes else None, state, distance,
                       table, mask, speed_limit(world), world.speed_limits_ahead(), drivable_query(world))
