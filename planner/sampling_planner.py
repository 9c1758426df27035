"""The planner: sample candidate trajectories (lateral offsets x target speeds) along the
route, score all candidates of all episodes at once, and keep the cheapest.

Shapes: B episodes, C = offsets x speeds candidates, T horizon steps, N obstacles. Everything
is in the ego frame at planning time (x forward, y left, m). The cost terms are, by weight:
collision with a forecast obstacle, running a red light, leaving the drivable area, then
preferring the lane centre (the right side over the left) and progress.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from planner.obstacle_forecast import ObstacleForecast
from sim.ego_dynamics import EGO_LENGTH_M, EGO_WIDTH_M

HORIZON_S, STEP_S = 4.0, 0.25
OFFSETS_M = (0.0, 3.5, -3.5, 1.75, -1.75)
SPEED_FRACTIONS = (0.0, 0.35, 0.7, 1.0)
ACCEL_MPS2, DECEL_MPS2, EMERGENCY_DECEL_MPS2 = 2.0, 4.0, 8.0
LATERAL_SPEED_MPS = 1.5
MARGIN_LONG_M, MARGIN_LAT_M = 1.0, 0.4
STOP_BEFORE_LINE_M = 1.5
COMFORT_LATERAL_MPS2, COMFORT_DECEL_MPS2 = 3.0, 3.0
LIMIT_LEAD_S = 1.0
COLLISION_COST, COLLISION_COST_PER_MPS, RED_LIGHT_COST, OFF_ROAD_COST = 1000.0, 100.0, 400.0, 300.0
LEFT_OFFSET_COST_PER_M, RIGHT_OFFSET_COST_PER_M, PROGRESS_REWARD_PER_M = 6.0, 3.0, 1.0
SWITCH_COST_PER_M = 2.0


@dataclass
class PlanInputs:
    """path [B, K, 2]: the route ahead; ego_speed_mps [B]; speed_limit_mps [B];
    light_red [B] bool and light_distance_m [B] (inf: none); conflict_step: candidates' xy
    [B, C, T, 2], heading [B, C, T] and times [T] -> step index [B, C] of each candidate's
    first conflict with an obstacle (T: none), from forecast boxes (`first_conflict`) or a
    predicted occupancy grid; drivable_at: ego-frame points [B, M, 2] -> bool [B, M] whether
    each is drivable (None: everything is); keep_lane [B] bool (None: all may swerve): episodes
    that may only brake or go on in their lane, not swerve; forced_offset_m [B] (NaN: free;
    None: all free): the lateral offset a remote operator chose, which overrides keep_lane;
    course_ttc: whether to compute Plan.course_ttc_s (one more conflict check; else inf);
    speed_limits_ahead_mps [B, K]: the limit at each point of path (None: speed_limit_mps
    holds all along), so the ego is down to a lower limit ahead, a junction's, when it gets
    there rather than braking inside the junction, slower than its plan had it crossing."""

    path: torch.Tensor
    ego_speed_mps: torch.Tensor
    speed_limit_mps: torch.Tensor
    light_red: torch.Tensor
    light_distance_m: torch.Tensor
    conflict_step: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
    drivable_at: Callable[[torch.Tensor], torch.Tensor] | None
    keep_lane: torch.Tensor | None = None
    forced_offset_m: torch.Tensor | None = None
    course_ttc: bool = False
    speed_limits_ahead_mps: torch.Tensor | None = None


@dataclass
class Plan:
    """waypoints [B, T, 2] of the chosen candidate; target_speed_mps [B] (speed it wants in
    0.5 s); cost [B] of the chosen and cost_gap [B] to the runner-up; min_ttc_s [B]: first
    forecast conflict of the chosen candidate (inf: none); course_ttc_s [B]: first conflict
    if the ego held its speed along the route (the classic time to collision; inf: none);
    offset_m [B]."""

    waypoints: torch.Tensor
    target_speed_mps: torch.Tensor
    cost: torch.Tensor
    cost_gap: torch.Tensor
    min_ttc_s: torch.Tensor
    course_ttc_s: torch.Tensor
    offset_m: torch.Tensor


def plan_times(device: torch.device | str = "cpu") -> torch.Tensor:
    """The planner's future times [T] (s)."""
    return torch.arange(1, int(HORIZON_S / STEP_S) + 1, device=device) * STEP_S


def _speed_profiles(v0: torch.Tensor, targets: torch.Tensor, times: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Speed [B, S, T] and distance [B, S, T] ramping from v0 [B] to targets [B, S] at bounded accel."""
    dv = targets - v0.unsqueeze(-1)
    rate = torch.where(dv >= 0, torch.full_like(dv, ACCEL_MPS2), torch.full_like(dv, DECEL_MPS2))
    rate = torch.where(targets <= 0, torch.full_like(dv, EMERGENCY_DECEL_MPS2), rate)
    ramp_t = (dv.abs() / rate).unsqueeze(-1)
    t = times.view(1, 1, -1)
    sign = torch.sign(dv).unsqueeze(-1)
    during = t <= ramp_t
    v0e = v0.view(-1, 1, 1)
    speed = torch.where(during, v0e + sign * rate.unsqueeze(-1) * t, targets.unsqueeze(-1))
    dist_ramp = v0e * t + 0.5 * sign * rate.unsqueeze(-1) * t ** 2
    dist_ramp_end = v0e * ramp_t + 0.5 * sign * rate.unsqueeze(-1) * ramp_t ** 2
    distance = torch.where(during, dist_ramp, dist_ramp_end + targets.unsqueeze(-1) * (t - ramp_t))
    return speed, distance


def _along_path(path: torch.Tensor, distance: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Points and headings at arc lengths distance [B, S, T] along path [B, K, 2] from the ego,
    extended straight beyond its last point -> xy [B, S, T, 2], heading [B, S, T]."""
    start = path[:, :1] - (path[:, 1:2] - path[:, :1])
    start = torch.cat([torch.zeros_like(start[..., :1]), start[..., 1:]], -1)
    points = torch.cat([start, path], 1)
    seg = points[:, 1:] - points[:, :-1]
    seg_len = seg.norm(dim=-1).clamp_min(1e-6)
    cum = torch.cat([torch.zeros_like(seg_len[:, :1]), seg_len.cumsum(-1)], -1)
    b, s, t = distance.shape
    flat = distance.reshape(b, -1)
    k = (torch.searchsorted(cum.contiguous(), flat.contiguous()) - 1).clamp(0, seg.shape[1] - 1)
    base = points.gather(1, k.unsqueeze(-1).expand(-1, -1, 2))
    direction = seg.gather(1, k.unsqueeze(-1).expand(-1, -1, 2)) / seg_len.gather(1, k).unsqueeze(-1)
    along = (flat - cum.gather(1, k)).unsqueeze(-1)
    xy = base + along * direction
    heading = torch.atan2(direction[..., 1], direction[..., 0])
    return xy.view(b, s, t, 2), heading.view(b, s, t)


def curve_speed_cap(path: torch.Tensor) -> torch.Tensor:
    """Fastest speed [B] from which every curve of path [B, K, 2] can be taken at a comfortable
    lateral acceleration after comfortable braking (the planner does not know the road's grip)."""
    seg = path[:, 1:] - path[:, :-1]
    seg_len = seg.norm(dim=-1).clamp_min(1e-3)
    heading = torch.atan2(seg[..., 1], seg[..., 0])
    turn = torch.remainder(heading[:, 1:] - heading[:, :-1] + torch.pi, 2 * torch.pi) - torch.pi
    curvature = turn.abs() / seg_len[:, 1:]
    distance = path[:, 1:-1].norm(dim=-1)
    allowed = COMFORT_LATERAL_MPS2 / curvature.clamp_min(1e-4) + 2 * COMFORT_DECEL_MPS2 * distance
    return allowed.min(-1).values.sqrt()


def limit_ahead_cap(path: torch.Tensor, limits_mps: torch.Tensor) -> torch.Tensor:
    """Fastest speed [B] from which each limit limits_mps [B, K] at the points of path
    [B, K, 2] is reached by comfortable braking, LIMIT_LEAD_S of driving at it before the
    point: the speed controller trails a braking ramp by about that much."""
    room = (path.norm(dim=-1) - LIMIT_LEAD_S * limits_mps).clamp_min(0)
    return (limits_mps ** 2 + 2 * COMFORT_DECEL_MPS2 * room).min(-1).values.sqrt()


def ego_offset_m(path: torch.Tensor) -> torch.Tensor:
    """The ego's lateral offset [B] (m, left positive) from path [B, K, 2] (ego frame): from the
    path's first segment drawn back to the ego, so a path that turns right away is not read as
    the ego standing left of it."""
    direction = path[:, 1] - path[:, 0]
    direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    to_ego = -path[:, 0]
    return direction[:, 0] * to_ego[:, 1] - direction[:, 1] * to_ego[:, 0]


def candidates(inputs: PlanInputs, times: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """All candidate trajectories: xy [B, C, T, 2], heading [B, C, T], speed [B, C, T],
    distance [B, C, T], offset [C] (m), for C = len(OFFSETS_M) * len(SPEED_FRACTIONS)."""
    device = inputs.path.device
    fractions = torch.tensor(SPEED_FRACTIONS, device=device)
    cap = torch.minimum(inputs.speed_limit_mps, curve_speed_cap(inputs.path))
    if inputs.speed_limits_ahead_mps is not None:
        cap = torch.minimum(cap, limit_ahead_cap(inputs.path, inputs.speed_limits_ahead_mps))
    targets = cap.unsqueeze(-1) * fractions
    speed, distance = _speed_profiles(inputs.ego_speed_mps, targets, times)
    centre, heading = _along_path(inputs.path, distance)
    offsets = torch.tensor(OFFSETS_M, device=device)
    # the lateral move runs at a fixed rate, so replanning every tick still completes it
    current = ego_offset_m(inputs.path)
    reach = LATERAL_SPEED_MPS * times.view(1, 1, -1)
    lateral = current.view(-1, 1, 1) + torch.clamp(offsets.view(1, -1, 1) - current.view(-1, 1, 1), -reach, reach)
    normal = torch.stack([-torch.sin(heading), torch.cos(heading)], -1)
    xy = centre.unsqueeze(1) + lateral.view(lateral.shape[0], -1, 1, lateral.shape[-1], 1) * normal.unsqueeze(1)
    b, o, s, t, _ = xy.shape
    expand = (b, o, s, t)
    return (xy.reshape(b, o * s, t, 2), heading.unsqueeze(1).expand(expand).reshape(b, o * s, t),
            speed.unsqueeze(1).expand(expand).reshape(b, o * s, t),
            distance.unsqueeze(1).expand(expand).reshape(b, o * s, t), offsets.repeat_interleave(s))


def first_conflict(xy: torch.Tensor, heading: torch.Tensor, times: torch.Tensor,
                   obstacles: ObstacleForecast) -> torch.Tensor:
    """Step index of each candidate's first overlap with a forecast obstacle, T if none -> [B, C].

    Each obstacle is taken by its extent along and across the candidate's heading (exact for
    aligned boxes), grown by the safety margins. Trigonometry is done once per box and
    combined with products, since this [B, C, N, T] test is the planner's hot loop."""
    c_e, s_e = torch.cos(heading).unsqueeze(2), torch.sin(heading).unsqueeze(2)
    c_o, s_o = torch.cos(obstacles.yaw_rad).unsqueeze(1), torch.sin(obstacles.yaw_rad).unsqueeze(1)
    dx = obstacles.x_m.unsqueeze(1) - xy[..., 0].unsqueeze(2)
    dy = obstacles.y_m.unsqueeze(1) - xy[..., 1].unsqueeze(2)
    along = (dx * c_e + dy * s_e).abs_()
    across = (dy * c_e - dx * s_e).abs_()
    cos_rel = (c_o * c_e + s_o * s_e).abs_()
    sin_rel = (s_o * c_e - c_o * s_e).abs_()
    length = 0.5 * obstacles.length_m[:, None, :, None]
    width = 0.5 * obstacles.width_m[:, None, :, None]
    hit = along < 0.5 * EGO_LENGTH_M + MARGIN_LONG_M + length * cos_rel + width * sin_rel
    hit &= across < 0.5 * EGO_WIDTH_M + MARGIN_LAT_M + length * sin_rel + width * cos_rel
    hit &= obstacles.mask[:, None, :, None]
    steps = torch.arange(len(times), device=times.device)
    first = torch.where(hit.any(2), steps, len(times))
    return first.amin(-1)


def _off_road_fraction(xy: torch.Tensor, drivable_at: Callable[[torch.Tensor], torch.Tensor] | None) -> torch.Tensor:
    """Share of each candidate's points [B, C, T, 2] off the drivable area -> [B, C]."""
    if drivable_at is None:
        return torch.zeros(xy.shape[:2], device=xy.device)
    b, c, t, _ = xy.shape
    return (~drivable_at(xy.reshape(b, c * t, 2))).view(b, c, t).float().mean(-1)


def offset_cost(offsets: torch.Tensor) -> torch.Tensor:
    """Leaving the lane centre costs; to the left more, since with right-hand traffic the
    left neighbour is usually the oncoming lane."""
    return torch.where(offsets > 0, LEFT_OFFSET_COST_PER_M * offsets, -RIGHT_OFFSET_COST_PER_M * offsets)


def _course_ttc(inputs: PlanInputs, times: torch.Tensor) -> torch.Tensor:
    """Time [B] to the first conflict of the ego holding its speed along the route."""
    xy, heading = _along_path(inputs.path, (inputs.ego_speed_mps.view(-1, 1, 1) * times).contiguous())
    step = inputs.conflict_step(xy, heading, times)[:, 0]
    return torch.where(step < len(times), times[step.clamp_max(len(times) - 1)], float("inf"))


def plan(inputs: PlanInputs) -> Plan:
    times = plan_times(inputs.path.device)
    xy, heading, speed, distance, offsets = candidates(inputs, times)
    step = inputs.conflict_step(xy, heading, times)
    hits = step < len(times)
    at = step.clamp_max(len(times) - 1).unsqueeze(-1)
    conflict = torch.where(hits, times[at.squeeze(-1)], torch.full_like(speed[..., 0], float("inf")))
    impact_speed = speed.gather(-1, at).squeeze(-1)
    stop_at = (inputs.light_distance_m - STOP_BEFORE_LINE_M).unsqueeze(-1)
    runs_red = inputs.light_red.unsqueeze(-1) & (distance[..., -1] > stop_at) & (stop_at > 0)
    # a collision that cannot be avoided is at least made late and slow
    cost = (hits.float() * (COLLISION_COST * (1 + HORIZON_S - conflict.clamp_max(HORIZON_S))
                            + COLLISION_COST_PER_MPS * impact_speed)
            + RED_LIGHT_COST * runs_red.float()
            + OFF_ROAD_COST * _off_road_fraction(xy, inputs.drivable_at)
            + offset_cost(offsets).unsqueeze(0)
            + SWITCH_COST_PER_M * (offsets.unsqueeze(0) + inputs.path[:, :1, 1]).abs()
            - PROGRESS_REWARD_PER_M * distance[..., -1])
    if inputs.keep_lane is not None:
        free = inputs.forced_offset_m is None or inputs.forced_offset_m.isnan()
        keep = (inputs.keep_lane & free).unsqueeze(-1)
        cost = cost + COLLISION_COST * (keep & (offsets != 0).unsqueeze(0)).float()
    if inputs.forced_offset_m is not None:
        forced = inputs.forced_offset_m.unsqueeze(-1)
        cost = cost + COLLISION_COST * (~forced.isnan() & (offsets.unsqueeze(0) != forced)).float()
    best2 = cost.topk(2, dim=-1, largest=False)
    course_ttc_s = _course_ttc(inputs, times) if inputs.course_ttc else torch.full_like(best2.values[:, 0], float("inf"))
    best = best2.indices[:, 0]
    rows = torch.arange(len(best), device=best.device)
    half_second = int(round(0.5 / STEP_S)) - 1
    return Plan(waypoints=xy[rows, best], target_speed_mps=speed[rows, best, half_second],
                cost=best2.values[:, 0], cost_gap=best2.values[:, 1] - best2.values[:, 0],
                min_ttc_s=conflict[rows, best], course_ttc_s=course_ttc_s, offset_m=offsets[best])
