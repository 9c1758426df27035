"""The batched state of every non-ego actor, and how an episode's `ActorSpec`s fill one slot.

Shapes: B slots, N actors per slot, E scripted events per actor, K path points, R route lanes.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch

from sim.actor_kinds import DEFAULT_SIZE_M, ActorKind
from sim.episode_spec import ACTION_KINDS, MAX_ROUTE_LANES, TRIGGER_KINDS, ActorSpec
from sim.lane_queries import lane_pose
from sim.map_bank import MapBank

MOTION_CODES = {"static": 0, "lane": 1, "path": 2}
MAX_EVENTS, MAX_PATH_POINTS = 8, 16
SYNC_FIELDS = ("sync_at_m", "sync_ego_at_m", "sync_tolerance_m", "sync_ego_tolerance_m", "sync_final_times",
               "sync_final_plus_mps")
EVENT_FIELDS = ("trigger_kind", "trigger_value", "trigger_below", "trigger_delay_s", "trigger_x_m", "trigger_y_m",
                "trigger_with", "held_s", "action_kind", "action_value", "action_over", "action_x_m", "action_y_m",
                "action_yaw_rad", "fired")


@dataclass
class ActorState:
    """All tensors [B, N] unless noted. Lane followers use lane/s_m/offset_m; path followers
    the path fields; positions x_m/y_m/yaw_rad are kept current for everyone."""

    kind: torch.Tensor  # int64, ActorKind; 0 = empty slot
    active: torch.Tensor  # bool
    motion: torch.Tensor  # int64, MOTION_CODES
    x_m: torch.Tensor
    y_m: torch.Tensor
    yaw_rad: torch.Tensor
    speed_mps: torch.Tensor
    accel_mps2: torch.Tensor  # over the last tick
    still_s: torch.Tensor  # how long it has stood still
    road_end_s: torch.Tensor  # how long ago it came to the end of its road and left (-inf: it has not)
    length_m: torch.Tensor
    width_m: torch.Tensor
    height_m: torch.Tensor
    colour: torch.Tensor  # [B, N, 3] in [0, 1]
    lane: torch.Tensor  # int64, global lane index
    s_m: torch.Tensor
    offset_m: torch.Tensor  # lateral, left positive
    curvature_1pm: torch.Tensor  # of the lane at s_m, left positive
    offset_target_m: torch.Tensor
    offset_rate_mps: torch.Tensor
    route_lanes: torch.Tensor  # [B, N, R] int64, -1 padding
    route_pos: torch.Tensor  # int64 index into route_lanes
    desired_speed_mps: torch.Tensor
    ramp_mps2: torch.Tensor  # > 0: changing speed towards desired_speed_mps at this rate (a speed ramp)
    limit_share: torch.Tensor  # NaN: desired_speed_mps stays; else the share of its lane's limit it keeps
    follows_ego: torch.Tensor  # bool: desired speed = ego speed * ego_speed_times + ego_speed_plus_mps
    ego_speed_times: torch.Tensor
    ego_speed_plus_mps: torch.Tensor
    brake_mps2: torch.Tensor  # > 0: braking to a stop at this deceleration, IDM off
    syncing: torch.Tensor  # bool: timing its arrival with the ego's (sim.episode_spec.Sync)
    sync_at_m: torch.Tensor
    sync_ego_at_m: torch.Tensor
    sync_tolerance_m: torch.Tensor
    sync_ego_tolerance_m: torch.Tensor
    sync_final_times: torch.Tensor
    sync_final_plus_mps: torch.Tensor  # NaN: no final speed
    ignores_red: torch.Tensor  # bool
    door_open: torch.Tensor  # bool
    path_xy: torch.Tensor  # [B, N, K, 2]
    path_cum_m: torch.Tensor  # [B, N, K] distance along the path at each point
    path_dist_m: torch.Tensor
    path_moving: torch.Tensor  # bool
    trigger_kind: torch.Tensor  # [B, N, E] int64 index in TRIGGER_KINDS, -1 none
    trigger_value: torch.Tensor  # [B, N, E]
    trigger_below: torch.Tensor  # [B, N, E] bool: the condition is measure <= value
    trigger_delay_s: torch.Tensor  # [B, N, E]
    trigger_x_m: torch.Tensor  # [B, N, E] the point a reach trigger measures to
    trigger_y_m: torch.Tensor  # [B, N, E]
    trigger_with: torch.Tensor  # [B, N, E] int64 bit mask of events whose conditions must hold too
    held_s: torch.Tensor  # [B, N, E] episode time its condition first held (inf: not yet)
    action_kind: torch.Tensor  # [B, N, E] int64 index in ACTION_KINDS
    action_value: torch.Tensor  # [B, N, E]
    action_over: torch.Tensor  # [B, N, E] a speed ramp's rate, time or distance
    action_x_m: torch.Tensor  # [B, N, E] where a teleport puts the actor
    action_y_m: torch.Tensor  # [B, N, E]
    action_yaw_rad: torch.Tensor  # [B, N, E]
    fired: torch.Tensor  # [B, N, E] bool

    @staticmethod
    def empty(batch: int, actors: int, device: torch.device | str) -> "ActorState":
        n = (batch, actors)
        shapes = {"colour": n + (3,), "route_lanes": n + (MAX_ROUTE_LANES,), "path_xy": n + (MAX_PATH_POINTS, 2),
                  "path_cum_m": n + (MAX_PATH_POINTS,)}
        for name in EVENT_FIELDS:
            shapes[name] = n + (MAX_EVENTS,)
        ints = {"kind", "motion", "lane", "route_lanes", "route_pos", "trigger_kind", "trigger_with", "action_kind"}
        bools = {"active", "ignores_red", "door_open", "path_moving", "follows_ego", "trigger_below", "fired",
                 "syncing"}
        values = {}
        for f in fields(ActorState):
            dtype = torch.int64 if f.name in ints else torch.bool if f.name in bools else torch.float32
            values[f.name] = torch.zeros(shapes.get(f.name, n), dtype=dtype, device=device)
        values["trigger_kind"] -= 1
        values["held_s"] += float("inf")
        values["route_lanes"] -= 1
        return ActorState(**values)

    def load_slot(self, slot: int, specs: tuple[ActorSpec, ...], bank: MapBank, template: int) -> None:
        """Overwrite slot `slot` with the given actors (the rest of the slot is emptied)."""
        if len(specs) > self.kind.shape[1]:
            raise ValueError(f"an episode has {len(specs)} actors; the world holds at most {self.kind.shape[1]}")
        rows = _spec_rows(specs, bank, template, self.kind.shape[1])
        for name, value in rows.items():
            target = getattr(self, name)
            target[slot] = torch.as_tensor(value, dtype=target.dtype, device=target.device)
        self._place_lane_followers(slot, bank)

    def _place_lane_followers(self, slot: int, bank: MapBank) -> None:
        on_lane = self.lane[slot] >= 0
        if not on_lane.any():
            return
        lane = self.lane[slot].clamp_min(0)
        x, y, heading, curvature = lane_pose(bank, lane, self.s_m[slot], self.offset_m[slot])
        self.curvature_1pm[slot] = torch.where(on_lane, curvature, self.curvature_1pm[slot])
        self.x_m[slot] = torch.where(on_lane, x, self.x_m[slot])
        self.y_m[slot] = torch.where(on_lane, y, self.y_m[slot])
        self.yaw_rad[slot] = torch.where(on_lane, heading, self.yaw_rad[slot])


def _spec_rows(specs: tuple[ActorSpec, ...], bank: MapBank, template: int, actors: int) -> dict[str, np.ndarray]:
    """numpy rows for one slot, field name -> array shaped like the field without B."""
    graph, base = bank.graphs[template], bank.lane_base[template]
    rows: dict[str, np.ndarray] = {
        "kind": np.zeros(actors), "active": np.zeros(actors, bool), "motion": np.zeros(actors),
        "x_m": np.zeros(actors), "y_m": np.zeros(actors), "yaw_rad": np.zeros(actors),
        "speed_mps": np.zeros(actors), "accel_mps2": np.zeros(actors), "still_s": np.zeros(actors),
        "road_end_s": np.full(actors, -np.inf),
        "length_m": np.ones(actors), "width_m": np.ones(actors),
        "height_m": np.ones(actors), "colour": np.full((actors, 3), 0.5), "lane": np.full(actors, -1),
        "s_m": np.zeros(actors), "offset_m": np.zeros(actors), "curvature_1pm": np.zeros(actors),
        "offset_target_m": np.zeros(actors),
        "offset_rate_mps": np.zeros(actors), "route_lanes": np.full((actors, MAX_ROUTE_LANES), -1),
        "route_pos": np.zeros(actors), "desired_speed_mps": np.zeros(actors), "ramp_mps2": np.zeros(actors),
        "brake_mps2": np.zeros(actors),
        "limit_share": np.full(actors, np.nan), "follows_ego": np.zeros(actors, bool),
        "ego_speed_times": np.zeros(actors), "ego_speed_plus_mps": np.zeros(actors),
        "syncing": np.zeros(actors, bool), **{name: np.zeros(actors) for name in SYNC_FIELDS},
        "ignores_red": np.zeros(actors, bool), "door_open": np.zeros(actors, bool),
        "path_xy": np.zeros((actors, MAX_PATH_POINTS, 2)), "path_cum_m": np.zeros((actors, MAX_PATH_POINTS)),
        "path_dist_m": np.zeros(actors), "path_moving": np.zeros(actors, bool),
        **{name: np.zeros((actors, MAX_EVENTS)) for name in EVENT_FIELDS},
        "trigger_kind": np.full((actors, MAX_EVENTS), -1), "held_s": np.full((actors, MAX_EVENTS), np.inf),
    }
    for i, spec in enumerate(specs):
        rows["kind"][i] = int(spec.kind)
        rows["active"][i] = spec.kind != ActorKind.NONE
        rows["motion"][i] = MOTION_CODES[spec.motion]
        rows["x_m"][i], rows["y_m"][i], rows["yaw_rad"][i] = spec.x_m, spec.y_m, spec.yaw_rad
        rows["speed_mps"][i] = spec.speed_mps
        rows["length_m"][i], rows["width_m"][i], rows["height_m"][i] = spec.size_m or DEFAULT_SIZE_M[spec.kind]
        rows["colour"][i] = spec.colour
        rows["desired_speed_mps"][i] = spec.speed_mps if spec.desired_speed_mps is None else spec.desired_speed_mps
        rows["ignores_red"][i] = spec.ignores_red_lights
        rows["limit_share"][i] = np.nan if spec.limit_share is None else spec.limit_share
        if spec.lanes:
            if len(spec.lanes) > MAX_ROUTE_LANES:
                raise ValueError(f"an actor route has {len(spec.lanes)} lanes; at most {MAX_ROUTE_LANES}")
            lanes = [base + graph.index_of[key] for key in spec.lanes]
            rows["route_lanes"][i, :len(lanes)] = lanes
            rows["lane"][i] = lanes[0]
            rows["s_m"][i], rows["offset_m"][i], rows["offset_target_m"][i] = spec.s_m, spec.offset_m, spec.offset_m
        if spec.path:
            _fill_path(rows, i, spec)
        if spec.sync is not None:
            sync = spec.sync
            values = (sync.at_m, sync.ego_at_m, sync.tolerance_m, sync.ego_tolerance_m, sync.final_times,
                      np.nan if sync.final_plus_mps is None else sync.final_plus_mps)
            for name, value in zip(SYNC_FIELDS, values):
                rows[name][i] = value
        if len(spec.events) > MAX_EVENTS:
            raise ValueError(f"an actor has {len(spec.events)} scripted events; at most {MAX_EVENTS}")
        for e, event in enumerate(spec.events):
            rows["trigger_kind"][i, e] = TRIGGER_KINDS.index(event.trigger.kind)
            rows["trigger_value"][i, e] = event.trigger.value
            rows["trigger_below"][i, e] = event.trigger.is_below
            rows["trigger_delay_s"][i, e] = event.trigger.delay_s
            rows["trigger_x_m"][i, e], rows["trigger_y_m"][i, e] = event.trigger.x_m, event.trigger.y_m
            rows["trigger_with"][i, e] = event.trigger.with_events
            rows["action_kind"][i, e] = ACTION_KINDS.index(event.action.kind)
            rows["action_value"][i, e] = event.action.value
            rows["action_over"][i, e] = event.action.over
            rows["action_x_m"][i, e], rows["action_y_m"][i, e] = event.action.x_m, event.action.y_m
            rows["action_yaw_rad"][i, e] = event.action.yaw_rad
    return rows


def _fill_path(rows: dict[str, np.ndarray], i: int, spec: ActorSpec) -> None:
    if len(spec.path) > MAX_PATH_POINTS:
        raise ValueError(f"an actor path has {len(spec.path)} points; at most {MAX_PATH_POINTS}")
    points = np.asarray(spec.path, dtype=np.float64)
    points = np.concatenate([points, np.repeat(points[-1:], MAX_PATH_POINTS - len(points), axis=0)])
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    rows["path_xy"][i], rows["path_cum_m"][i] = points, cum
    rows["x_m"][i], rows["y_m"][i] = points[0]
    if len(spec.path) > 1:
        rows["yaw_rad"][i] = np.arctan2(*(points[1] - points[0])[::-1])
    rows["path_moving"][i] = spec.speed_mps > 0
