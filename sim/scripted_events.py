"""Triggers and actions: scenario scripts as data, evaluated for all actors of all slots at once.

A trigger fires once, when its condition first holds; its action then changes the actor's
state (starts a path, brakes, changes lane, ...). See `sim.episode_spec` for the vocabulary.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from sim.actor_state import MOTION_CODES, ActorState
from sim.compiled_step import nothing_to_do
from sim.ego_dynamics import EGO_LENGTH_M, EGO_WIDTH_M, EgoState
from sim.episode_spec import ACTION_KINDS, MAX_LANES_CHANGED, TRIGGER_KINDS
from sim.lane_queries import project_to_lane
from sim.map_bank import MapBank

AFTER, AFTER_END, AFTER_ANY, REACH, EGO_REACH, REACH_BOX, EGO_REACH_BOX, ROAD_END = (
    TRIGGER_KINDS.index(kind) for kind in ("after", "after_end", "after_any", "reach", "ego_reach", "reach_box",
                                           "ego_reach_box", "actor_road_end"))
SETTLED_M = 0.01  # an actor this close to its lateral target has ended its lane change or offset
HEADWAY_MIN_SPEED_MPS = 0.1  # below it, a headway is a distance over this speed: large, with its sign
STILL_MPS = 0.01  # below it, the ego or an actor stands still
COMFORT_STOP_MPS2 = 3.0
DRIFT_TIME_S = 2.0
PULL_OUT_TIME_S = 3.0


@dataclass
class SlotMeasures:
    """What triggers read of each slot, tensors [B]: episode time (s), the ego's route progress
    (m), its acceleration over the last tick (m/s^2) and how long it has stood still (s)."""

    time_s: torch.Tensor
    progress_m: torch.Tensor
    ego_accel_mps2: torch.Tensor
    ego_still_s: torch.Tensor


def motion_measures(speed_before: torch.Tensor, speed_after: torch.Tensor, still_s: torch.Tensor,
                    dt_s: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(acceleration over the tick (m/s^2), time stood still (s)) from speeds before and after
    it and the time stood still before it; any shape."""
    still = torch.where(speed_after < STILL_MPS, still_s + dt_s, torch.zeros_like(still_s))
    return (speed_after - speed_before) / dt_s, still


def fire_triggers(actors: ActorState, ego: EgoState, slot: SlotMeasures, ego_gap_m: torch.Tensor,
                  ego_ttc_s: torch.Tensor) -> torch.Tensor:
    """Mark triggers whose condition has held for their delay as fired -> bool [B, N, E] of
    new firings. ego_gap_m, ego_ttc_s [B, N]: box-to-box distance and time-to-collision to
    each actor."""
    cos, sin = torch.cos(ego.yaw_rad).unsqueeze(-1), torch.sin(ego.yaw_rad).unsqueeze(-1)
    ahead_m = (actors.x_m - ego.x_m.unsqueeze(-1)) * cos + (actors.y_m - ego.y_m.unsqueeze(-1)) * sin
    ego_speed = ego.speed_mps.unsqueeze(-1).expand_as(ahead_m)
    per_slot = torch.stack([slot.time_s, slot.progress_m, slot.ego_accel_mps2, slot.ego_still_s], -1)
    time_s, progress_m, ego_accel, ego_still = per_slot.unsqueeze(1).expand(*ahead_m.shape, 4).unbind(-1)
    headway_speed = ego_speed.clamp_min(HEADWAY_MIN_SPEED_MPS)
    free_m = ahead_m - 0.5 * (EGO_LENGTH_M + actors.length_m)
    ego_ahead_m = ((ego.x_m.unsqueeze(-1) - actors.x_m) * torch.cos(actors.yaw_rad)
                   + (ego.y_m.unsqueeze(-1) - actors.y_m) * torch.sin(actors.yaw_rad))
    actor_headway = ego_ahead_m / actors.speed_mps.clamp_min(HEADWAY_MIN_SPEED_MPS)
    measure = torch.stack([time_s, ego_gap_m, ego_ttc_s, ahead_m / headway_speed, free_m / headway_speed,
                           actor_headway, ego_speed, actors.speed_mps - ego_speed, progress_m, actors.speed_mps,
                           ego_accel, actors.accel_mps2, ego_still, actors.still_s, actors.road_end_s],
                          -1)  # [B, N, M] by TRIGGER_KINDS
    kind = actors.trigger_kind.clamp_min(0)
    value = measure.gather(-1, kind.clamp_max(measure.shape[-1] - 1))
    holds = torch.where(actors.trigger_below, value <= actors.trigger_value, value >= actors.trigger_value)
    # an actor that has left at the end of its road keeps its triggers on having done so
    present = actors.active.unsqueeze(-1) | (actors.trigger_kind == ROAD_END)
    live = (actors.trigger_kind >= 0) & present & ~actors.fired
    now = slot.time_s.view(-1, 1, 1).expand_as(actors.held_s)
    start = now
    if not nothing_to_do(live & (kind >= AFTER)):  # after, after_end, after_any and the reach kinds: the last kinds
        holds, start = _on_events_and_points(actors, ego, kind, holds, now)
    if not nothing_to_do(live & (actors.trigger_with > 0)):
        holds = holds & _all_set(actors.trigger_with, holds)
    actors.held_s = torch.where(live & holds & torch.isinf(actors.held_s), start, actors.held_s)
    new = live & (now >= actors.held_s + actors.trigger_delay_s)
    actors.fired |= new
    return new


def _bits(mask: torch.Tensor) -> torch.Tensor:
    """[B, N, E, E]: whether event k's mask [B, N, E] sets bit j, at [..., k, j]."""
    events = torch.arange(mask.shape[-1], device=mask.device)
    return (mask.unsqueeze(-1) >> events) & 1 == 1


def _all_set(mask: torch.Tensor, flags: torch.Tensor) -> torch.Tensor:
    """[B, N, E]: whether every event whose bit event k's mask sets has its flag [B, N, E]."""
    return (flags.unsqueeze(-2) | ~_bits(mask)).all(-1)


def _on_events_and_points(actors: ActorState, ego: EgoState, kind: torch.Tensor, holds: torch.Tensor,
                          now: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(holds, when each condition started holding) [B, N, E] with the after, after_end,
    after_any and reach triggers evaluated: "after" holds from when the last of the events it
    waits for was due, "after_end" from the first tick they have all fired and the actor's
    movement has settled, "after_any" from when the first of them was due, the reach kinds
    while the actor's or the ego's distance to the point (from its centre, or its box) is below
    (or above) the value."""
    distance_m = _to_point(actors, ego, kind)
    near = torch.where(actors.trigger_below, distance_m <= actors.trigger_value, distance_m >= actors.trigger_value)
    holds = torch.where(kind >= REACH, near, holds)
    waits = _bits(actors.trigger_value.long())
    all_fired = _all_set(actors.trigger_value.long(), actors.fired)
    due = (actors.held_s + actors.trigger_delay_s).unsqueeze(-2)
    last_due = torch.where(waits, due, torch.full_like(due, -float("inf"))).amax(-1)
    settled = ((actors.offset_m - actors.offset_target_m).abs() < SETTLED_M) & ~actors.syncing & ~(
        (actors.brake_mps2 > 0) & (actors.speed_mps > 0))
    waited_fired = waits & actors.fired.unsqueeze(-2)
    first_due = torch.where(waited_fired, due, torch.full_like(due, float("inf"))).amin(-1)
    after, any_of = kind == AFTER, kind == AFTER_ANY
    holds = torch.where(after, all_fired, holds)
    holds = torch.where(kind == AFTER_END, all_fired & settled.unsqueeze(-1), holds)
    holds = torch.where(any_of, waited_fired.any(-1), holds)
    return holds, torch.where(after, last_due, torch.where(any_of, first_due, now))


def _to_point(actors: ActorState, ego: EgoState, kind: torch.Tensor) -> torch.Tensor:
    """[B, N, E] the reach triggers' distances (m) from the actor or the ego to their points:
    centre to point, or box to point (0 inside) for the _box kinds."""
    of_ego = (kind == EGO_REACH) | (kind == EGO_REACH_BOX)

    def pick(ego_value: torch.Tensor, actor_value: torch.Tensor) -> torch.Tensor:
        return torch.where(of_ego, ego_value.view(-1, 1, 1), actor_value.unsqueeze(-1))

    yaw = pick(ego.yaw_rad, actors.yaw_rad)
    dx, dy = actors.trigger_x_m - pick(ego.x_m, actors.x_m), actors.trigger_y_m - pick(ego.y_m, actors.y_m)
    along = dx * torch.cos(yaw) + dy * torch.sin(yaw)
    across = dy * torch.cos(yaw) - dx * torch.sin(yaw)
    box = (kind == REACH_BOX) | (kind == EGO_REACH_BOX)
    half_length = pick(torch.full_like(ego.x_m, 0.5 * EGO_LENGTH_M), 0.5 * actors.length_m) * box
    half_width = pick(torch.full_like(ego.x_m, 0.5 * EGO_WIDTH_M), 0.5 * actors.width_m) * box
    return torch.hypot((along.abs() - half_length).clamp_min(0), (across.abs() - half_width).clamp_min(0))


def _fired_value(new: torch.Tensor, actors: ActorState, action: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Which actors fired `action` this tick [B, N] and with what value [B, N]."""
    mask = new & (actors.action_kind == ACTION_KINDS.index(action))
    return mask.any(-1), (actors.action_value * mask).sum(-1)


def _fired_over(new: torch.Tensor, actors: ActorState, action: str) -> torch.Tensor:
    """[B, N] the `over` of the `action` each actor fired this tick (0 for none)."""
    return (actors.action_over * (new & (actors.action_kind == ACTION_KINDS.index(action)))).sum(-1)


def _ramp_speed(actors: ActorState, new: torch.Tensor) -> None:
    """Start the speed ramps that fired (speed_rate, speed_time, speed_distance): each actor's
    rate (m/s^2) from its speed now."""
    for kind in ("speed_rate", "speed_time", "speed_distance"):
        mask, target = _fired_value(new, actors, kind)
        over = _fired_over(new, actors, kind)
        if kind == "speed_rate":
            rate = over
        elif kind == "speed_time":
            rate = (target - actors.speed_mps).abs() / over.clamp_min(1e-3)
        else:
            rate = (target ** 2 - actors.speed_mps ** 2).abs() / (2 * over.clamp_min(1e-3))
        _new_speed(actors, mask, target, jump=False)
        actors.ramp_mps2 = torch.where(mask, rate, actors.ramp_mps2)


def _change_lane(actors: ActorState, bank: MapBank, mask: torch.Tensor, to_left: torch.Tensor,
                 duration_s: torch.Tensor) -> None:
    lane = actors.lane.clamp_min(0)
    target = torch.where(to_left, bank.lane_left[lane], bank.lane_right[lane])
    same_way = torch.where(to_left, bank.lane_left_same_direction[lane], target >= 0)
    ok = mask & (target >= 0) & same_way & (actors.lane >= 0)
    target = torch.where(ok, target, actors.lane).clamp_min(0)
    shift = 0.5 * (bank.lane_width_m[lane] + bank.lane_width_m[target])
    offset = torch.where(to_left, actors.offset_m - shift, actors.offset_m + shift)
    scale = bank.lane_length_m[target] / bank.lane_length_m[lane]
    actors.s_m = torch.where(ok, actors.s_m * scale, actors.s_m)
    actors.offset_m = torch.where(ok, offset, actors.offset_m)
    actors.offset_target_m = torch.where(ok, torch.zeros_like(offset), actors.offset_target_m)
    actors.offset_rate_mps = torch.where(ok, offset.abs() / duration_s.clamp_min(0.5), actors.offset_rate_mps)
    actors.lane = torch.where(ok, target, actors.lane)
    actors.route_lanes = torch.where(ok.unsqueeze(-1), -1, actors.route_lanes)
    actors.route_lanes[..., 0] = torch.where(ok, target, actors.route_lanes[..., 0])
    actors.route_pos = torch.where(ok, torch.zeros_like(actors.route_pos), actors.route_pos)


def _new_speed(actors: ActorState, mask: torch.Tensor, speed_mps: torch.Tensor, jump: bool) -> None:
    """A speed target for the masked actors [B, N]: their desired speed, and with `jump` their
    speed at once; it ends braking, a speed ramp, following the ego's speed and timing its
    arrival with it, and sets a path follower given a speed walking."""
    actors.desired_speed_mps = torch.where(mask, speed_mps, actors.desired_speed_mps)
    if jump:
        actors.speed_mps = torch.where(mask, speed_mps, actors.speed_mps)
    actors.brake_mps2 = torch.where(mask, torch.zeros_like(speed_mps), actors.brake_mps2)
    actors.ramp_mps2 = torch.where(mask, torch.zeros_like(speed_mps), actors.ramp_mps2)
    actors.path_moving |= mask & (speed_mps > 0) & (actors.motion == MOTION_CODES["path"])
    actors.follows_ego &= ~mask
    actors.syncing &= ~mask


def _teleport(actors: ActorState, bank: MapBank, template: torch.Tensor, new: torch.Tensor) -> None:
    """Put the actors whose teleport fired at its pose; a lane follower on the lane there
    (the map's lane at the point), its s and offset from the point, following that lane on; a
    path walker stops walking."""
    mask = new & (actors.action_kind == ACTION_KINDS.index("teleport"))
    moved = mask.any(-1)
    if nothing_to_do(moved):
        return
    x, y, yaw = ((getattr(actors, name) * mask).sum(-1) for name in ("action_x_m", "action_y_m", "action_yaw_rad"))
    actors.x_m, actors.y_m = torch.where(moved, x, actors.x_m), torch.where(moved, y, actors.y_m)
    actors.yaw_rad = torch.where(moved, yaw, actors.yaw_rad)
    actors.path_moving &= ~moved
    xy = torch.stack([x, y], -1)
    lane = bank.lane_at(template.unsqueeze(-1).expand_as(x), xy)
    on_lane = moved & (actors.motion == MOTION_CODES["lane"]) & (lane >= 0)
    s, offset, _ = project_to_lane(bank, lane.clamp_min(0).flatten(), xy.flatten(0, 1))
    s, offset = s.view_as(x), offset.view_as(x)
    actors.lane = torch.where(on_lane, lane, actors.lane)
    actors.s_m = torch.where(on_lane, s, actors.s_m)
    actors.offset_m = torch.where(on_lane, offset, actors.offset_m)
    actors.offset_target_m = torch.where(on_lane, offset, actors.offset_target_m)
    actors.route_lanes = torch.where(on_lane.unsqueeze(-1), -1, actors.route_lanes)
    actors.route_lanes[..., 0] = torch.where(on_lane, lane, actors.route_lanes[..., 0])
    actors.route_pos = torch.where(on_lane, torch.zeros_like(actors.route_pos), actors.route_pos)


def apply_actions(actors: ActorState, bank: MapBank, template: torch.Tensor, new: torch.Tensor,
                  ego_speed_mps: torch.Tensor) -> None:
    """Carry out the actions of triggers that fired this tick (new [B, N, E]; template [B], the
    slots' maps; ego_speed_mps [B])."""
    if nothing_to_do(new):
        return
    _teleport(actors, bank, template, new)
    ego_speed_mps = ego_speed_mps.unsqueeze(-1)
    mask, value = _fired_value(new, actors, "start_path")
    actors.path_moving |= mask
    actors.speed_mps = torch.where(mask, value, actors.speed_mps)
    mask, value = _fired_value(new, actors, "brake")
    actors.brake_mps2 = torch.where(mask, value, actors.brake_mps2)
    actors.ramp_mps2 = torch.where(mask, torch.zeros_like(value), actors.ramp_mps2)
    actors.follows_ego &= ~mask
    actors.syncing &= ~mask
    mask, _ = _fired_value(new, actors, "synchronize")
    actors.syncing |= mask
    mask, _ = _fired_value(new, actors, "stop")
    actors.brake_mps2 = torch.where(mask, torch.full_like(value, COMFORT_STOP_MPS2), actors.brake_mps2)
    actors.follows_ego &= ~mask
    mask, value = _fired_value(new, actors, "set_speed")
    _new_speed(actors, mask, value, jump=False)
    mask, value = _fired_value(new, actors, "jump_speed")
    _new_speed(actors, mask, value, jump=True)
    _ramp_speed(actors, new)
    for kind in ("ego_speed_times", "ego_speed_plus"):
        mask, value = _fired_value(new, actors, kind)
        times = kind == "ego_speed_times"
        actors.ego_speed_times = torch.where(mask, value if times else torch.ones_like(value), actors.ego_speed_times)
        actors.ego_speed_plus_mps = torch.where(mask, torch.zeros_like(value) if times else value,
                                                actors.ego_speed_plus_mps)
        _new_speed(actors, mask, (ego_speed_mps * actors.ego_speed_times + actors.ego_speed_plus_mps).clamp_min(0),
                   jump=True)
        actors.follows_ego |= mask
    mask, value = _fired_value(new, actors, "drift")
    over = _fired_over(new, actors, "drift")
    duration = torch.where(over > 0, over, torch.full_like(over, DRIFT_TIME_S))
    actors.offset_target_m = torch.where(mask, value, actors.offset_target_m)
    actors.offset_rate_mps = torch.where(mask, (value - actors.offset_m).abs() / duration, actors.offset_rate_mps)
    mask, _ = _fired_value(new, actors, "open_door")
    actors.door_open |= mask
    mask, _ = _fired_value(new, actors, "run_red_light")
    actors.ignores_red |= mask
    mask, value = _fired_value(new, actors, "change_lane")
    lanes = _fired_over(new, actors, "change_lane")
    for k in range(MAX_LANES_CHANGED):  # one lane at a time, the offset to cover growing with each
        crossing = mask & (lanes.clamp_min(1) > k)
        if k and nothing_to_do(crossing):
            break
        _change_lane(actors, bank, crossing, value > 0, value.abs())
    mask, value = _fired_value(new, actors, "pull_out")
    actors.desired_speed_mps = torch.where(mask, value, actors.desired_speed_mps)
    _change_lane(actors, bank, mask, torch.ones_like(mask), torch.full_like(value, PULL_OUT_TIME_S))
