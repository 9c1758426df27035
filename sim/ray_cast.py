"""Rays against the world the simulator knows: the flat ground (z = 0) and upright boxes
standing on it (x_m, y_m, yaw_rad, length_m, width_m, height_m): the actors, and in the wire
server the map's buildings (its trees are scenery only: rays pass them). The wire server's
lidar and radar and its cast_ray / ground projection calls all trace rays here, batched over
rays and boxes.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

GROUND, NOTHING = -1, -2  # RayHits.actor of a ray that met the ground, or nothing within range


@dataclass
class Boxes:
    """N upright boxes on the ground: each field [N] float32 (m, rad)."""

    x_m: torch.Tensor
    y_m: torch.Tensor
    yaw_rad: torch.Tensor
    length_m: torch.Tensor
    width_m: torch.Tensor
    height_m: torch.Tensor

    @staticmethod
    def of(rows: list[tuple[float, float, float, float, float, float]]) -> "Boxes":
        """Boxes from (x, y, yaw, length, width, height) tuples."""
        columns = torch.tensor(rows, dtype=torch.float32).reshape(-1, 6).unbind(1)
        return Boxes(*columns)

    def columns(self) -> tuple[torch.Tensor, ...]:
        return self.x_m, self.y_m, self.yaw_rad, self.length_m, self.width_m, self.height_m

    def select(self, index: torch.Tensor) -> "Boxes":
        return Boxes(*(column[index] for column in self.columns()))

    def then(self, other: "Boxes") -> "Boxes":
        """These boxes, then `other`'s."""
        return Boxes(*(torch.cat([a, b]) for a, b in zip(self.columns(), other.columns())))


@dataclass
class RayHits:
    """Where R rays stopped. distance_m [R] (inf: nothing within range); actor [R] int64 (index
    into the boxes, GROUND or NOTHING); normal [R, 3] unit, of the surface hit (zero for
    NOTHING); point [R, 3] (m, world)."""

    distance_m: torch.Tensor
    actor: torch.Tensor
    normal: torch.Tensor
    point: torch.Tensor


def cast_rays(origin: torch.Tensor, direction: torch.Tensor, range_m: float, boxes: Boxes) -> RayHits:
    """The first hit of each ray: origin [R, 3] or [3] (m, world), direction [R, 3] (unit)."""
    rays = direction.shape[0]
    origin = origin.expand(rays, 3)
    best = torch.full((rays,), float("inf"))
    actor = torch.full((rays,), NOTHING, dtype=torch.int64)
    normal = torch.zeros(rays, 3)
    down = direction[:, 2] < -1e-9
    ground_t = torch.where(down, -origin[:, 2] / torch.where(down, direction[:, 2], torch.ones(())), best)
    hit_ground = down & (ground_t >= 0) & (ground_t <= range_m)
    best = torch.where(hit_ground, ground_t, best)
    actor[hit_ground] = GROUND
    normal[hit_ground] = torch.tensor([0.0, 0.0, 1.0])
    # only boxes some ray can reach (a town has hundreds of buildings; a sensor sees a few)
    centre = origin.mean(0)
    reach = torch.hypot(boxes.length_m, boxes.width_m) * 0.5 + range_m + (origin - centre).norm(dim=1).max()
    near = torch.nonzero(torch.hypot(boxes.x_m - centre[0], boxes.y_m - centre[1]) <= reach).flatten()
    if len(near):
        box_t, box_normal = _box_entries(origin, direction, boxes.select(near))
        nearest, index = box_t.min(1)  # [R] over the near boxes
        closer = (nearest < best) & (nearest <= range_m)
        best = torch.where(closer, nearest, best)
        actor = torch.where(closer, near[index], actor)
        normal = torch.where(closer[:, None], box_normal[torch.arange(rays), index], normal)
    point = origin + direction * torch.where(torch.isfinite(best), best, torch.zeros(()))[:, None]
    return RayHits(best, actor, normal, point)


def _box_entries(origin: torch.Tensor, direction: torch.Tensor, boxes: Boxes) -> tuple[torch.Tensor, torch.Tensor]:
    """Slab test in each box's frame: the distance [R, N] at which each ray enters each box
    (inf: it misses, or starts inside) and the world normal [R, N, 3] of the face it enters by."""
    c, s = torch.cos(boxes.yaw_rad), torch.sin(boxes.yaw_rad)
    dx, dy = origin[:, None, 0] - boxes.x_m, origin[:, None, 1] - boxes.y_m
    local_origin = torch.stack([c * dx + s * dy, -s * dx + c * dy,
                                origin[:, None, 2] - 0.5 * boxes.height_m], -1)
    local_direction = torch.stack([c * direction[:, None, 0] + s * direction[:, None, 1],
                                   -s * direction[:, None, 0] + c * direction[:, None, 1],
                                   direction[:, None, 2].expand_as(c * direction[:, None, 0])], -1)
    half = torch.stack([boxes.length_m, boxes.width_m, boxes.height_m], -1) * 0.5
    safe = torch.where(local_direction.abs() < 1e-12, torch.full_like(local_direction, 1e-12), local_direction)
    t1, t2 = (-half - local_origin) / safe, (half - local_origin) / safe
    near, far = torch.minimum(t1, t2), torch.maximum(t1, t2)
    entry, axis = near.max(-1)
    leave = far.min(-1).values
    hit = (entry <= leave) & (entry > 0)
    entry = torch.where(hit, entry, torch.full_like(entry, float("inf")))
    sign = -torch.sign(torch.gather(local_direction, -1, axis[..., None]))[..., 0]
    local_normal = torch.nn.functional.one_hot(axis, 3).to(torch.float32) * sign[..., None]
    world_normal = torch.stack([c * local_normal[..., 0] - s * local_normal[..., 1],
                                s * local_normal[..., 0] + c * local_normal[..., 1], local_normal[..., 2]], -1)
    return entry, world_normal


def ray_hits_along(origin: torch.Tensor, direction: torch.Tensor, length_m: float, boxes: Boxes,
                   first_only: bool) -> RayHits:
    """The surfaces one ray (origin [3] m, direction [3] unit) enters within length_m, nearest
    first: every one (a box it enters, the ground it crosses), or only the first. H hits."""
    if first_only:
        hits = cast_rays(origin[None], direction[None], length_m, boxes)
        keep = torch.isfinite(hits.distance_m)
        return RayHits(hits.distance_m[keep], hits.actor[keep], hits.normal[keep], hits.point[keep])
    ground = cast_rays(origin[None], direction[None], length_m, Boxes.of([]))
    distance, actor, normal = [ground.distance_m], [ground.actor], [ground.normal]
    if len(boxes.x_m):
        entry, box_normal = _box_entries(origin[None], direction[None], boxes)
        distance.append(entry[0])
        actor.append(torch.arange(len(boxes.x_m)))
        normal.append(box_normal[0])
    distance, actor, normal = torch.cat(distance), torch.cat(actor), torch.cat(normal)
    order = torch.argsort(distance)
    order = order[distance[order] <= length_m]
    return RayHits(distance[order], actor[order], normal[order], origin + direction * distance[order, None])
