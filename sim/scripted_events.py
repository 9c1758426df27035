"""Triggers and actions: scenario scripts as data, evaluated for all actors of all slots at once.

A trigger fires once, when its condition first holds; its action then changes the actor's
state (starts a path, brakes, changes lane, ...). See `sim.episode_spec` for the vocabulary.
"""
from __future__ import annotations

import torch

from sim.actor_state import ActorState
from sim.compiled_step import nothing_to_do
from sim.episode_spec import ACTION_KINDS, TRIGGER_KINDS
from sim.map_bank import MapBank

COMFORT_STOP_MPS2 = 3.0
DRIFT_TIME_S = 2.0
PULL_OUT_TIME_S = 3.0


def fire_triggers(actors: ActorState, time_s: torch.Tensor, ego_gap_m: torch.Tensor, ego_ttc_s: torch.Tensor
                  ) -> torch.Tensor:
    """Mark triggers whose condition holds this tick as fired -> bool [B, N, E] of new firings."""
    measure = torch.stack([time_s.unsqueeze(-1).expand_as(ego_gap_m), ego_gap_m, ego_ttc_s], -1)
    kind = actors.trigger_kind.clamp_min(0)
    value = measure.gather(-1, kind)
    time_kind = TRIGGER_KINDS.index("time")
    holds = torch.where(kind == time_kind, value >= actors.trigger_value, value <= actors.trigger_value)
    new = holds & (actors.trigger_kind >= 0) & ~actors.fired & actors.active.unsqueeze(-1)
    actors.fired |= new
    return new


def _fired_value(new: torch.Tensor, actors: ActorState, action: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Which actors fired `action` this tick [B, N] and with what value [B, N]."""
    mask = new & (actors.action_kind == ACTION_KINDS.index(action))
    return mask.any(-1), (actors.action_value * mask).sum(-1)


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


def apply_actions(actors: ActorState, bank: MapBank, new: torch.Tensor) -> None:
    """Carry out the actions of triggers that fired this tick (new [B, N, E])."""
    if nothing_to_do(new):
        return
    mask, value = _fired_value(new, actors, "start_path")
    actors.path_moving |= mask
    actors.speed_mps = torch.where(mask, value, actors.speed_mps)
    mask, value = _fired_value(new, actors, "brake")
    actors.brake_mps2 = torch.where(mask, value, actors.brake_mps2)
    mask, _ = _fired_value(new, actors, "stop")
    actors.brake_mps2 = torch.where(mask, torch.full_like(value, COMFORT_STOP_MPS2), actors.brake_mps2)
    mask, value = _fired_value(new, actors, "set_speed")
    actors.desired_speed_mps = torch.where(mask, value, actors.desired_speed_mps)
    actors.brake_mps2 = torch.where(mask, torch.zeros_like(value), actors.brake_mps2)
    mask, value = _fired_value(new, actors, "drift")
    actors.offset_target_m = torch.where(mask, value, actors.offset_target_m)
    actors.offset_rate_mps = torch.where(mask, (value - actors.offset_m).abs() / DRIFT_TIME_S, actors.offset_rate_mps)
    mask, _ = _fired_value(new, actors, "open_door")
    actors.door_open |= mask
    mask, _ = _fired_value(new, actors, "run_red_light")
    actors.ignores_red |= mask
    mask, value = _fired_value(new, actors, "change_lane")
    _change_lane(actors, bank, mask, value > 0, value.abs())
    mask, value = _fired_value(new, actors, "pull_out")
    actors.desired_speed_mps = torch.where(mask, value, actors.desired_speed_mps)
    _change_lane(actors, bank, mask, torch.ones_like(mask), torch.full_like(value, PULL_OUT_TIME_S))
