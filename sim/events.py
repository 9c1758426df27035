"""What happened this tick, per episode, and the running tallies an episode record is made of.

Collisions follow the Leaderboard's bookkeeping: none while the ego moves below 0.1 m/s, and
two within 5 m of each other or with the same actor within 5 s count once.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from sim.actor_kinds import STATIC_KINDS, ActorKind

OUTCOMES = ("running", "success", "collision", "route_deviation", "blocked", "timeout")
FAILURE_OUTCOMES = ("collision", "route_deviation", "blocked")
COLLISION_TYPES = ("none", "pedestrian", "vehicle", "static")
MIN_COLLISION_SPEED_MPS = 0.1
SAME_COLLISION_DISTANCE_M = 5.0
SAME_ACTOR_WINDOW_S = 5.0


def collision_type(kind: torch.Tensor) -> torch.Tensor:
    """COLLISION_TYPES index for actor kinds [...]: cyclists count as vehicles, as in CARLA."""
    static = torch.isin(kind, torch.tensor([int(k) for k in STATIC_KINDS], device=kind.device))
    out = torch.where(static, torch.full_like(kind, 3), torch.full_like(kind, 2))
    out = torch.where(kind == int(ActorKind.PEDESTRIAN), torch.ones_like(kind), out)
    return torch.where(kind == int(ActorKind.NONE), torch.zeros_like(kind), out)


@dataclass
class TickEvents:
    """One tick, tensors [B]: collision type index (0 none), impact speed (m/s, relative), the
    actor hit (-1 none), off-road, wrong-way and red-light flags, and whether the episode ended
    this tick with which outcome (OUTCOMES index)."""

    collision: torch.Tensor
    impact_speed_mps: torch.Tensor
    collided_actor: torch.Tensor
    off_road: torch.Tensor
    wrong_way: torch.Tensor
    red_light: torch.Tensor
    ended: torch.Tensor
    outcome: torch.Tensor


@dataclass
class EventRecord:
    """One thing that happened in an episode: a collision (detail: collision type and actor
    kind, value: impact speed in m/s), a red light run, leaving the road, driving the wrong way."""

    time_s: float
    kind: str
    detail: str = ""
    value: float = 0.0


@dataclass
class EpisodeRecord:
    """What the world knows of one ended episode: its identity (map template, route, seed) and
    its tallies. Distances in m, km along the route, times in s, speeds in m/s."""

    template: str
    route: str
    seed: int
    route_length_m: float
    time_s: float
    km: float
    progress_m: float
    outcome: str  # OUTCOMES
    collisions_pedestrian: int
    collisions_vehicle: int
    collisions_static: int
    first_impact_speed_mps: float
    first_collision_kind: str  # ActorKind name, "none" without a collision
    off_road_m: float
    wrong_way_m: float
    red_lights: int
    min_ttc_s: float
    min_distance_m: float
    max_grip_use: float  # peak of the ego's grip use (step_ego); above 1 it slid

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURE_OUTCOMES

    @property
    def failure_type(self) -> str:
        """The failure with its kind (collision_pedestrian, _vehicle, _static, or the outcome),
        "none" for an episode that did not fail."""
        if not self.failed:
            return "none"
        if self.outcome != "collision":
            return self.outcome
        hit = ("pedestrian" if self.collisions_pedestrian else "vehicle" if self.collisions_vehicle else "static")
        return f"collision_{hit}"

    @property
    def route_completion(self) -> float:
        return min(1.0, self.progress_m / max(self.route_length_m, 1e-6))


@dataclass
class EpisodeStats:
    """Running tallies per slot, tensors [B]. km and progress are along the route."""

    time_s: torch.Tensor
    km: torch.Tensor
    progress_m: torch.Tensor
    collisions_pedestrian: torch.Tensor
    collisions_vehicle: torch.Tensor
    collisions_static: torch.Tensor
    first_impact_speed_mps: torch.Tensor
    first_collision_kind: torch.Tensor
    off_road_m: torch.Tensor
    wrong_way_m: torch.Tensor
    red_lights: torch.Tensor
    min_ttc_s: torch.Tensor
    min_distance_m: torch.Tensor
    max_grip_use: torch.Tensor  # peak of the ego's grip use (step_ego); above 1 it slid
    stopped_s: torch.Tensor
    last_collision_actor: torch.Tensor
    last_collision_time_s: torch.Tensor
    last_collision_x_m: torch.Tensor
    last_collision_y_m: torch.Tensor
    outcome: torch.Tensor

    @staticmethod
    def fresh(batch: int, device: torch.device | str) -> "EpisodeStats":
        ints = {"collisions_pedestrian", "collisions_vehicle", "collisions_static", "first_collision_kind",
                "red_lights", "last_collision_actor", "outcome"}
        values = {f.name: torch.zeros(batch, device=device, dtype=torch.int64 if f.name in ints else torch.float32)
                  for f in fields(EpisodeStats)}
        stats = EpisodeStats(**values)
        stats.reset(torch.ones(batch, dtype=torch.bool, device=device))
        return stats

    def reset(self, slots: torch.Tensor) -> None:
        """Zero the tallies of slots (bool [B])."""
        for f in fields(self):
            value = getattr(self, f.name)
            value[slots] = 0
        self.min_ttc_s[slots] = float("inf")
        self.min_distance_m[slots] = float("inf")
        self.last_collision_actor[slots] = -1
        self.last_collision_time_s[slots] = -1e9

    def record(self, slot: int, template: str, route: str, seed: int, route_length_m: float) -> EpisodeRecord:
        """The ended episode in `slot` as a record."""
        tallies = {f.name: getattr(self, f.name)[slot].item() for f in fields(self)
                   if f.name not in ("stopped_s", "outcome") and not f.name.startswith("last_")}
        tallies["first_collision_kind"] = ActorKind(int(tallies["first_collision_kind"])).name.lower()
        return EpisodeRecord(template=template, route=route, seed=seed, route_length_m=route_length_m,
                             outcome=OUTCOMES[int(self.outcome[slot])], **tallies)


def count_collisions(stats: EpisodeStats, overlap: torch.Tensor, actor_kind: torch.Tensor,
                     relative_speed: torch.Tensor, ego_speed: torch.Tensor, ego_x: torch.Tensor,
                     ego_y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Count this tick's collision (the fastest impact among overlapping actors) per slot.

    overlap [B, N] bool, actor_kind [B, N], relative_speed [B, N] (m/s), ego state [B].
    Returns collision type index [B], impact speed [B], actor index [B] (-1 none).
    """
    speed = torch.where(overlap, relative_speed, torch.full_like(relative_speed, -1.0))
    impact, actor = speed.max(-1)
    hit = (impact >= 0) & (ego_speed >= MIN_COLLISION_SPEED_MPS)
    near_last = torch.hypot(ego_x - stats.last_collision_x_m, ego_y - stats.last_collision_y_m) < SAME_COLLISION_DISTANCE_M
    same_actor = (actor == stats.last_collision_actor) & (stats.time_s - stats.last_collision_time_s < SAME_ACTOR_WINDOW_S)
    new = hit & ~near_last & ~same_actor
    kind = actor_kind.gather(1, actor.unsqueeze(-1)).squeeze(-1)
    ctype = torch.where(new, collision_type(kind), torch.zeros_like(kind))
    stats.collisions_pedestrian += (ctype == 1).long()
    stats.collisions_vehicle += (ctype == 2).long()
    stats.collisions_static += (ctype == 3).long()
    first = new & (stats.first_collision_kind == 0)
    stats.first_collision_kind = torch.where(first, kind, stats.first_collision_kind)
    stats.first_impact_speed_mps = torch.where(first, impact, stats.first_impact_speed_mps)
    stats.last_collision_actor = torch.where(new, actor, stats.last_collision_actor)
    stats.last_collision_time_s = torch.where(new, stats.time_s, stats.last_collision_time_s)
    stats.last_collision_x_m = torch.where(new, ego_x, stats.last_collision_x_m)
    stats.last_collision_y_m = torch.where(new, ego_y, stats.last_collision_y_m)
    return ctype, torch.where(new, impact, torch.zeros_like(impact)), torch.where(new, actor, torch.full_like(actor, -1))


def crossed_segments(p0: torch.Tensor, p1: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Whether the motion p0 -> p1 [B, 2] crosses segments a -> b [B, S, 2] -> bool [B, S].

    Landing exactly on a line counts as crossing it, leaving it again does not, so a motion
    that stops on the line is counted once."""
    def side(o, p, q):
        return (p[..., 0] - o[..., 0]) * (q[..., 1] - o[..., 1]) - (p[..., 1] - o[..., 1]) * (q[..., 0] - o[..., 0])
    p0, p1 = p0.unsqueeze(1), p1.unsqueeze(1)
    d1, d2 = side(a, b, p0), side(a, b, p1)
    d3, d4 = side(p0, p1, a), side(p0, p1, b)
    return (d1 * d2 <= 0) & (d1 != 0) & (d3 * d4 <= 0)
