"""How actors move each tick: IDM lane following with lane changes and traffic lights for
vehicles, constant-speed paths for pedestrians and cyclists; static objects stay put."""
from __future__ import annotations

import torch

from sim.actor_state import MOTION_CODES, ActorState
from sim.compiled_step import nothing_to_do, tracing
from sim.lane_queries import lane_pose
from sim.map_bank import MapBank
from sim.traffic_lights import GREEN, RED

# Intelligent Driver Model (Treiber et al. 2000) with common urban parameters.
IDM_ACCEL_MPS2 = 1.5
IDM_DECEL_MPS2 = 2.0
IDM_MIN_GAP_M = 2.0
IDM_HEADWAY_S = 1.2
MAX_DECEL_MPS2 = 8.0
LOOKAHEAD_M = 60.0
# Points along a follower's own lanes where it also looks for the ego: its corridor follows
# its current curvature, which misses an ego standing in the turn it is about to take.
WAY_AHEAD_M = (3.0, 6.0, 10.0, 15.0, 20.0, 30.0)
SYNC_ACCEL_MPS2 = 4.0  # how fast an actor timing its arrival with the ego's changes speed
RAMP_DONE_MPS = 1e-4  # a speed ramp this close to its speed has ended


def _leader(actors: ActorState, curvature: torch.Tensor, ego: tuple[torch.Tensor, ...],
            ego_speed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gap (m) to and speed (m/s) of whatever is ahead in each actor's curved corridor [B, N]."""
    ex, ey, eyaw, elen, ewid = ego
    xs = torch.cat([actors.x_m, ex[:, None]], 1)
    ys = torch.cat([actors.y_m, ey[:, None]], 1)
    yaws = torch.cat([actors.yaw_rad, eyaw[:, None]], 1)
    speeds = torch.cat([actors.speed_mps, ego_speed[:, None]], 1)
    lengths = torch.cat([actors.length_m, elen[:, None]], 1)
    widths = torch.cat([actors.width_m, ewid[:, None]], 1)
    present = torch.cat([actors.active, torch.ones_like(ex[:, None], dtype=torch.bool)], 1)
    c, s = torch.cos(actors.yaw_rad).unsqueeze(-1), torch.sin(actors.yaw_rad).unsqueeze(-1)
    dx = xs.unsqueeze(1) - actors.x_m.unsqueeze(-1)
    dy = ys.unsqueeze(1) - actors.y_m.unsqueeze(-1)
    along = dx * c + dy * s
    lateral = -dx * s + dy * c - 0.5 * curvature.unsqueeze(-1) * along ** 2
    gap = along - 0.5 * (actors.length_m.unsqueeze(-1) + lengths.unsqueeze(1))
    in_corridor = lateral.abs() < 0.5 * (actors.width_m.unsqueeze(-1) + widths.unsqueeze(1)) + 0.2
    n = actors.kind.shape[1]
    not_self = ~torch.eye(n, n + 1, dtype=torch.bool, device=xs.device).unsqueeze(0)
    ahead = (along > 0) & (along < LOOKAHEAD_M) & in_corridor & present.unsqueeze(1) & not_self
    gap = torch.where(ahead, gap, torch.full_like(gap, float("inf")))
    best = gap.argmin(-1, keepdim=True)
    lead_speed = (speeds.unsqueeze(1) * torch.cos(yaws.unsqueeze(1) - actors.yaw_rad.unsqueeze(-1))).clamp_min(0)
    return gap.gather(-1, best).squeeze(-1), lead_speed.gather(-1, best).squeeze(-1)


def _stop_line_gap(actors: ActorState, bank: MapBank, template: torch.Tensor, lights: torch.Tensor) -> torch.Tensor:
    """Gap (m) to the stop line of a red (or stoppable yellow) light on each actor's lane [B, N]."""
    lanes = bank.signal_lane[template].unsqueeze(1)
    on_lane = lanes == actors.lane.unsqueeze(-1)
    gap = bank.signal_stop_s[template].unsqueeze(1) - actors.s_m.unsqueeze(-1) - 0.5 * actors.length_m.unsqueeze(-1)
    braking_m = actors.speed_mps.unsqueeze(-1) ** 2 / (2 * IDM_DECEL_MPS2)
    state = lights.unsqueeze(1)
    must_stop = (state == RED) | ((state != GREEN) & (gap > braking_m))
    relevant = on_lane & must_stop & (gap > -0.5) & ~actors.ignores_red.unsqueeze(-1)
    return torch.where(relevant, gap, torch.full_like(gap, float("inf"))).min(-1).values


def _idm_interaction(speed, gap, lead_speed) -> torch.Tensor:
    """IDM's braking for what is ahead (m/s^2, >= 0, to subtract)."""
    dv = speed - lead_speed
    s_star = IDM_MIN_GAP_M + speed * IDM_HEADWAY_S + speed * dv / (2 * (IDM_ACCEL_MPS2 * IDM_DECEL_MPS2) ** 0.5)
    return IDM_ACCEL_MPS2 * (s_star.clamp_min(0) / gap.clamp_min(0.1)) ** 2


def _idm_accel(speed, desired, interaction) -> torch.Tensor:
    """IDM's acceleration (m/s^2): its free-road term less `interaction` (_idm_interaction)."""
    free = IDM_ACCEL_MPS2 * (1 - (speed / desired.clamp_min(0.1)) ** 4)
    accel = torch.where(desired < 0.1, -IDM_DECEL_MPS2 * (speed > 0).float(), free - interaction)
    return accel.clamp(-MAX_DECEL_MPS2, IDM_ACCEL_MPS2)


def _ramp_step(actors: ActorState, dt_s: float) -> torch.Tensor:
    """[B, N] the change of speed (m/s) a speed ramp asks this tick: towards the desired speed
    at the ramp's rate, ending on it."""
    step = actors.ramp_mps2 * dt_s
    return (actors.desired_speed_mps - actors.speed_mps).clamp(-step, step)


def _next_lanes(actors: ActorState, bank: MapBank) -> tuple[torch.Tensor, torch.Tensor]:
    """Each follower's next lane [B, N] (-1: none) and whether it is the next of its route lanes."""
    next_pos = (actors.route_pos + 1).clamp_max(actors.route_lanes.shape[-1] - 1)
    planned = actors.route_lanes.gather(-1, next_pos.unsqueeze(-1)).squeeze(-1)
    planned = torch.where(actors.route_pos + 1 < actors.route_lanes.shape[-1], planned, torch.full_like(planned, -1))
    return torch.where(planned >= 0, planned, bank.lane_successor[actors.lane.clamp_min(0)]), planned >= 0


def _ego_on_way(actors: ActorState, bank: MapBank, ego: tuple[torch.Tensor, ...], ego_speed: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Gap (m) to the ego and its speed along each follower's heading [B, N] where the ego's
    box, widened by the follower's half width, covers a point WAY_AHEAD_M along the follower's
    lane (then its next lane); inf where it covers none. Eager, only the followers near the
    ego are looked at."""
    ex, ey, eyaw, elen, ewid = ego
    distance = torch.hypot(actors.x_m - ex.unsqueeze(-1), actors.y_m - ey.unsqueeze(-1))
    near = ((actors.motion == MOTION_CODES["lane"]) & actors.active & (actors.lane >= 0)
            & (distance < WAY_AHEAD_M[-1] + elen.unsqueeze(-1)))
    gap = torch.full_like(actors.s_m, float("inf"))
    speed = (ego_speed.unsqueeze(-1) * torch.cos(eyaw.unsqueeze(-1) - actors.yaw_rad)).clamp_min(0)
    if tracing():  # every follower: picking the near ones would split the graph
        rows = torch.arange(near.numel(), device=near.device)
    elif nothing_to_do(near):
        return gap, speed
    else:
        rows = near.reshape(-1).nonzero(as_tuple=True)[0]
    slot = rows // near.shape[1]
    following, _ = _next_lanes(actors, bank)
    found = _way_gap(bank, actors.lane.reshape(-1)[rows], actors.s_m.reshape(-1)[rows], following.reshape(-1)[rows],
                     actors.length_m.reshape(-1)[rows], actors.width_m.reshape(-1)[rows],
                     tuple(t[slot] for t in ego))
    gap.view(-1)[rows] = torch.where(near.reshape(-1)[rows], found, torch.full_like(found, float("inf")))
    return gap, speed


def _way_gap(bank: MapBank, lane: torch.Tensor, s_m: torch.Tensor, following: torch.Tensor, length_m: torch.Tensor,
             width_m: torch.Tensor, ego: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """[M] gap from followers (lane, s, next lane, size; each [M]) to the ego's box of each (x,
    y, yaw, length, width; each [M]) along WAY_AHEAD_M of their way; inf where it is not there."""
    ex, ey, eyaw, elen, ewid = (t.unsqueeze(-1) for t in ego)
    ahead = torch.tensor(WAY_AHEAD_M, device=s_m.device)
    length = bank.lane_length_m[lane].unsqueeze(-1)
    s = s_m.unsqueeze(-1) + ahead
    beyond = s > length
    on = torch.where(beyond, following.unsqueeze(-1), lane.unsqueeze(-1))
    x, y, _, _ = lane_pose(bank, on.clamp_min(0), torch.where(beyond, s - length, s), torch.zeros_like(s))
    c, sn = torch.cos(eyaw), torch.sin(eyaw)
    along, across = (x - ex) * c + (y - ey) * sn, -(x - ex) * sn + (y - ey) * c
    half = 0.5 * width_m.unsqueeze(-1)
    covered = (along.abs() <= 0.5 * elen + half) & (across.abs() <= 0.5 * ewid + half) & (on >= 0)
    gap = torch.where(covered, ahead - 0.5 * (length_m.unsqueeze(-1) + elen), torch.full_like(s, float("inf")))
    return gap.amin(-1).clamp_min(0.0)


def _advance_lanes(actors: ActorState, bank: MapBank) -> None:
    """Move lane followers past the end of their lane onto the next one; retire those with none."""
    length = bank.lane_length_m[actors.lane.clamp_min(0)]
    past = (actors.motion == MOTION_CODES["lane"]) & actors.active & (actors.s_m > length)
    if nothing_to_do(past):
        return
    following, planned = _next_lanes(actors, bank)
    actors.route_pos = torch.where(past & planned, actors.route_pos + 1, actors.route_pos)
    actors.s_m = torch.where(past, actors.s_m - length, actors.s_m)
    actors.lane = torch.where(past, following, actors.lane)
    leaves = past & (following < 0)
    actors.active &= ~leaves
    actors.road_end_s = torch.where(leaves, torch.zeros_like(actors.road_end_s), actors.road_end_s)


def step_lane_followers(actors: ActorState, bank: MapBank, template: torch.Tensor, lights: torch.Tensor,
                        ego: tuple[torch.Tensor, ...], ego_speed: torch.Tensor, dt_s: float) -> None:
    follows = (actors.motion == MOTION_CODES["lane"]) & actors.active & (actors.lane >= 0)
    gap, lead_speed = _leader(actors, actors.curvature_1pm, ego, ego_speed)
    way_gap, ego_along = _ego_on_way(actors, bank, ego, ego_speed)
    lead_speed = torch.where(way_gap < gap, ego_along, lead_speed)
    gap = torch.minimum(gap, way_gap)
    stop_gap = _stop_line_gap(actors, bank, template, lights)
    lead_speed = torch.where(stop_gap < gap, torch.zeros_like(lead_speed), lead_speed)
    gap = torch.minimum(gap, stop_gap)
    following = ego_speed.unsqueeze(-1) * actors.ego_speed_times + actors.ego_speed_plus_mps
    actors.desired_speed_mps = torch.where(actors.follows_ego, following.clamp_min(0), actors.desired_speed_mps)
    keeps_limits = follows & ~torch.isnan(actors.limit_share)
    limited = actors.limit_share * bank.lane_speed_limit_mps[actors.lane.clamp_min(0)]
    actors.desired_speed_mps = torch.where(keeps_limits, limited, actors.desired_speed_mps)
    interaction = _idm_interaction(actors.speed_mps, gap, lead_speed)
    accel = _idm_accel(actors.speed_mps, actors.desired_speed_mps, interaction)
    ramping = actors.ramp_mps2 > 0  # the ramp takes the place of IDM's free-road term
    ramp = (_ramp_step(actors, dt_s) / dt_s - interaction).clamp_min(-MAX_DECEL_MPS2)
    accel = torch.where(ramping, ramp, accel)
    accel = torch.where(actors.brake_mps2 > 0, -actors.brake_mps2, accel)
    speed = (actors.speed_mps + accel * dt_s).clamp_min(0)
    actors.speed_mps = torch.where(follows, speed, actors.speed_mps)
    reached = follows & ramping & ((actors.speed_mps - actors.desired_speed_mps).abs() < RAMP_DONE_MPS)
    actors.ramp_mps2 = torch.where(reached, torch.zeros_like(actors.ramp_mps2), actors.ramp_mps2)
    actors.s_m = torch.where(follows, actors.s_m + actors.speed_mps * dt_s, actors.s_m)
    step = (actors.offset_rate_mps * dt_s).clamp_min(0)
    towards = torch.maximum(torch.minimum(actors.offset_target_m - actors.offset_m, step), -step)
    lateral_speed = torch.where(follows, towards / dt_s, torch.zeros_like(towards))
    actors.offset_m = torch.where(follows, actors.offset_m + towards, actors.offset_m)
    _advance_lanes(actors, bank)
    follows &= actors.active
    x, y, heading, curvature = lane_pose(bank, actors.lane.clamp_min(0), actors.s_m, actors.offset_m)
    yaw = heading + torch.atan2(lateral_speed, actors.speed_mps.clamp_min(0.5))
    actors.curvature_1pm = torch.where(follows, curvature, actors.curvature_1pm)
    actors.x_m = torch.where(follows, x, actors.x_m)
    actors.y_m = torch.where(follows, y, actors.y_m)
    actors.yaw_rad = torch.where(follows, yaw, actors.yaw_rad)


def _way_so_far(actors: ActorState, bank: MapBank) -> torch.Tensor:
    """[B, N] how far each actor has come: along its lanes from the start of the first (lane
    followers), or along its path."""
    lengths = bank.lane_length_m[actors.route_lanes.clamp_min(0)] * (actors.route_lanes >= 0)
    before = (lengths.cumsum(-1) - lengths).gather(-1, actors.route_pos.unsqueeze(-1)).squeeze(-1)
    return torch.where(actors.motion == MOTION_CODES["path"], actors.path_dist_m, before + actors.s_m)


def step_synchronized(actors: ActorState, bank: MapBank, ego_speed_mps: torch.Tensor, ego_way_m: torch.Tensor,
                      dt_s: float) -> None:
    """Set the speed of actors timing their arrival with the ego's (sim.episode_spec.Sync):
    the average speed that brings each to its point when the ego, at its speed now, reaches
    its own, shaped so it arrives at its final speed (a linear ramp), changed at most
    SYNC_ACCEL_MPS2. ego_speed_mps, ego_way_m [B]: the ego's speed and progress since its start."""
    if nothing_to_do(actors.syncing):
        return
    left = actors.sync_at_m - _way_so_far(actors, bank)
    ego_left = actors.sync_ego_at_m - ego_way_m.unsqueeze(-1)
    ego_speed = ego_speed_mps.unsqueeze(-1)
    final = ego_speed * actors.sync_final_times + actors.sync_final_plus_mps
    has_final = ~torch.isnan(final)
    average = left.clamp_min(0) / (ego_left / ego_speed.clamp_min(0.1)).clamp_min(dt_s)
    wanted = torch.where(has_final, 2 * average - final, average).clamp_min(0)
    done = (left <= actors.sync_tolerance_m) | (ego_left <= actors.sync_ego_tolerance_m)
    target = torch.where(done, torch.where(has_final, final, actors.speed_mps), wanted)
    step = SYNC_ACCEL_MPS2 * dt_s
    speed = actors.speed_mps + (target - actors.speed_mps).clamp(-step, step)
    actors.speed_mps = torch.where(actors.syncing, speed, actors.speed_mps)
    actors.desired_speed_mps = torch.where(actors.syncing, speed, actors.desired_speed_mps)
    actors.syncing &= ~done


def step_path_followers(actors: ActorState, ego_speed: torch.Tensor, dt_s: float) -> None:
    """Path walkers advance at their speed (braking, ramping, or following the ego's speed
    [B] by their factor and delta)."""
    walks = (actors.motion == MOTION_CODES["path"]) & actors.active & actors.path_moving
    if nothing_to_do(walks):
        return
    following = (ego_speed.unsqueeze(-1) * actors.ego_speed_times + actors.ego_speed_plus_mps).clamp_min(0)
    actors.speed_mps = torch.where(walks & actors.follows_ego, following, actors.speed_mps)
    braking = walks & (actors.brake_mps2 > 0)
    slower = (actors.speed_mps - actors.brake_mps2 * dt_s).clamp_min(0)
    actors.speed_mps = torch.where(braking, slower, actors.speed_mps)
    ramping = walks & (actors.ramp_mps2 > 0)
    actors.speed_mps = torch.where(ramping, actors.speed_mps + _ramp_step(actors, dt_s), actors.speed_mps)
    end = actors.path_cum_m[..., -1]
    dist = torch.where(walks, (actors.path_dist_m + actors.speed_mps * dt_s).minimum(end), actors.path_dist_m)
    actors.path_dist_m = dist
    k = torch.searchsorted(actors.path_cum_m.contiguous(), dist.unsqueeze(-1).contiguous()).squeeze(-1) - 1
    k = k.clamp(0, actors.path_cum_m.shape[-1] - 2)
    p0 = actors.path_xy.gather(2, k[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)
    p1 = actors.path_xy.gather(2, (k + 1)[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)
    c0 = actors.path_cum_m.gather(-1, k.unsqueeze(-1)).squeeze(-1)
    c1 = actors.path_cum_m.gather(-1, (k + 1).unsqueeze(-1)).squeeze(-1)
    frac = ((dist - c0) / (c1 - c0).clamp_min(1e-6)).clamp(0, 1).unsqueeze(-1)
    xy = p0 + frac * (p1 - p0)
    segment = p1 - p0
    has_heading = segment.norm(dim=-1) > 1e-6
    yaw = torch.atan2(segment[..., 1], segment[..., 0])
    arrived = dist >= end - 1e-6
    actors.x_m = torch.where(walks, xy[..., 0], actors.x_m)
    actors.y_m = torch.where(walks, xy[..., 1], actors.y_m)
    actors.yaw_rad = torch.where(walks & has_heading, yaw, actors.yaw_rad)
    actors.speed_mps = torch.where(walks & arrived, torch.zeros_like(actors.speed_mps), actors.speed_mps)
    actors.path_moving &= ~arrived
