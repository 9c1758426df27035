"""The embedded simulator: B episodes stepping together as tensors on one torch device.

`BatchedWorld` owns the state (ego, actors, routes, tallies) of B slots. `load` puts an
`EpisodeSpec` into a slot without touching the others (continuous batching); `step` advances
every slot by one tick and reports `TickEvents`; `observe` renders the cameras.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sim.actor_behaviour import step_lane_followers, step_path_followers, step_synchronized
from sim.actor_state import ActorState
from sim.box_geometry import boxes_overlap, gap_and_ttc
from sim.actor_kinds import ActorKind
from sim.camera import CameraConfig, RigCamera, mounted_outside
from sim.compiled_step import compiled, tracing
from sim.ego_dynamics import EGO_HEIGHT_M, EGO_LENGTH_M, EGO_WIDTH_M, EgoState, step_ego, weather_friction
from sim.episode_spec import ACTION_KINDS, EpisodeSpec
from sim.events import OUTCOMES, EpisodeRecord, EpisodeStats, EventRecord, TickEvents, count_collisions, crossed_segments
from sim.lane_queries import lane_pose
from sim.map_bank import LANE_TYPE_CODES, MapBank, build_map_bank
from sim.observation import Observation
from sim.route import ROUTE_POINTS, RouteState, route_polyline
from sim.scene_batch import SceneBatch
from sim.scripted_events import (SlotMeasures, apply_actions, fire_triggers,
                                  motion_measures)
from sim.traffic_lights import GREEN, RED, light_states
from sim.weather import SENSOR_FAULTS, VECTOR_FIELDS, as_vector

ROUTE_AHEAD_POINTS, ROUTE_AHEAD_SPACING_M = 40, 2.0
DOOR_M = 0.9
EGO_COLOUR = (0.85, 0.85, 0.9)  # how a camera outside the ego (a chase camera) draws it
END_SCENARIO = ACTION_KINDS.index("end_scenario")
SIGNAL_ON_ROUTE_M = 2.0
SIGNAL_ALIGNED_COS = 0.7  # a stop line holds a route that crosses it within 45 degrees of its lane
HELD_AT_LIGHT_M = 40.0  # a stop line this close ahead that is not green holds the ego and a short queue before it


@dataclass(frozen=True)
class WorldConfig:
    """batch_size slots of at most max_actors actors, stepped every dt_s (20 Hz as the Leaderboard).
    An episode ends on its first collision (end_on_collision), when it leaves the route by more
    than route_deviation_m, when it has stood still for blocked_after_s (not counting time held
    at a stop line that is not green), at its max_time_s, or on success within
    route_end_margin_m of the route's end. compile_step runs `step` through
    torch.compile: several times faster once compiled, which takes about a minute the first time
    a process meets a batch size (inductor keeps its kernels in an on-disk cache), and needs a
    C++ compiler on a CPU device. maps: imported maps (names or .xodr paths) the world holds
    beside the templates."""

    batch_size: int = 16
    max_actors: int = 16
    dt_s: float = 0.05
    device: str = "cpu"
    camera: CameraConfig | None = None
    end_on_collision: bool = True
    route_deviation_m: float = 30.0
    blocked_after_s: float = 30.0
    route_end_margin_m: float = 10.0
    compile_step: bool = False
    maps: tuple[str, ...] = ()


class BatchedWorld:
    def __init__(self, config: WorldConfig, bank: MapBank | None = None):
        self.config = config
        self.device = torch.device(config.device)
        self.bank = bank if bank is not None else build_map_bank(self.device, config.maps)
        b = config.batch_size
        self.template = torch.zeros(b, dtype=torch.int64, device=self.device)
        self.route_first_lane = torch.zeros(b, dtype=torch.int64, device=self.device)
        self.signal_route_s = torch.full((b, self.bank.signal_lane.shape[1]), float("inf"), device=self.device)
        self.ego = EgoState.zeros(b, self.device)
        self.actors = ActorState.empty(b, config.max_actors, self.device)
        self.route = RouteState.empty(b, ROUTE_POINTS, self.device)
        self.route_lane = torch.zeros(b, ROUTE_POINTS, dtype=torch.int64, device=self.device)  # global lane per point
        self.stats = EpisodeStats.fresh(b, self.device)
        self.weather = torch.zeros(b, len(VECTOR_FIELDS), device=self.device)
        self.seed = torch.zeros(b, dtype=torch.int64, device=self.device)
        self.friction = torch.ones(b, device=self.device)
        self.max_time_s = torch.full((b,), float("inf"), device=self.device)
        self.speed_limit_mps = torch.full((b,), float("nan"), device=self.device)  # NaN: the map's own
        self.ego_accel_mps2 = torch.zeros(b, device=self.device)
        self.ego_still_s = torch.zeros(b, device=self.device)
        self.loaded = torch.zeros(b, dtype=torch.bool, device=self.device)
        self.specs: list[EpisodeSpec | None] = [None] * b
        self._route_polylines: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._advance = compiled(self._advance_tick, self.device) if config.compile_step else self._advance_tick
        self.notes: set[str] = set()  # what this backend could not reproduce of the episodes it ran
        self._renderer = None
        self._rig_renderers: dict[str, object] = {}
        self._held_frames: torch.Tensor | None = None

    @property
    def running(self) -> torch.Tensor:
        """bool [B]: slots holding an episode that has not ended."""
        return self.loaded & (self.stats.outcome == 0)

    def load(self, slot: int, spec: EpisodeSpec) -> None:
        """Start `spec` in `slot`; the other slots are not touched."""
        template = self.bank.template_index(spec.template)
        graph = self.bank.graphs[template]
        lanes = [graph.index_of[key] for key in spec.route_lanes] if spec.route_lanes else graph.route_lanes(spec.route)
        self.template[slot] = template
        key = (template, spec.route, spec.route_lanes)
        if key not in self._route_polylines:
            self._route_polylines[key] = route_polyline(graph, lanes)
        polyline, point_lanes = self._route_polylines[key]
        self.route.load_slot(slot, polyline)
        padded = np.concatenate([point_lanes, np.full(ROUTE_POINTS - len(point_lanes), point_lanes[-1])])
        self.route_lane[slot] = torch.as_tensor(self.bank.lane_base[template] + padded, device=self.device)
        first = torch.tensor([self.bank.lane_base[template] + lanes[0]], device=self.device)
        self.route_first_lane[slot] = first[0]
        x, y, heading, _ = lane_pose(self.bank, first, torch.tensor([spec.ego_s_m], device=self.device),
                                     torch.zeros(1, device=self.device))
        for name, value in (("x_m", x[0]), ("y_m", y[0]), ("yaw_rad", heading[0]),
                            ("speed_mps", spec.ego_speed_mps), ("steer_rad", 0.0)):
            getattr(self.ego, name)[slot] = value
        self.actors.load_slot(slot, spec.actors, self.bank, template)
        weather = torch.tensor(as_vector(spec.weather), device=self.device)
        self.weather[slot] = weather
        wetness, snow = weather[VECTOR_FIELDS.index("wetness")], weather[VECTOR_FIELDS.index("snow")]
        self.friction[slot] = spec.road_friction * weather_friction(wetness, snow)
        self.seed[slot] = spec.seed
        self.max_time_s[slot] = spec.max_time_s
        self.speed_limit_mps[slot] = float("nan") if spec.speed_limit_mps is None else spec.speed_limit_mps
        self.ego_accel_mps2[slot], self.ego_still_s[slot] = 0.0, 0.0
        slots = torch.zeros_like(self.loaded)
        slots[slot] = True
        self.stats.reset(slots)
        self.route.progress_m[slot] = self.route.row(slot).locate(torch.stack([x, y], -1))[0][0]
        self.signal_route_s[slot] = self._signals_along_route(slot, template)
        self.stats.progress_m[slot] = self.route.progress_m[slot]
        self.loaded[slot] = True
        self.specs[slot] = spec

    def _signals_along_route(self, slot: int, template: int) -> torch.Tensor:
        """Route position (m) of each of the map's stop lines that the slot's route crosses in the
        line's own direction, inf for the others [S] (a crossing road's line near the route, as
        in a junction, does not hold the ego)."""
        mids = self.bank.signal_line[template].mean(1)
        s, distance = self.route.row(slot, len(mids)).locate(mids)
        k = torch.searchsorted(self.route.s[slot].contiguous(), s.contiguous()).clamp(1, self.route.s.shape[1] - 1)
        step = self.route.xy[slot, k] - self.route.xy[slot, k - 1]
        line_heading = self.bank.signal_heading[template]
        along = step[:, 0] * torch.cos(line_heading) + step[:, 1] * torch.sin(line_heading)
        aligned = along > SIGNAL_ALIGNED_COS * step.norm(dim=-1)
        on_route = (distance < SIGNAL_ON_ROUTE_M) & aligned & (self.bank.signal_lane[template] >= 0)
        return torch.where(on_route, s, torch.full_like(s, float("inf")))

    def actor_boxes(self) -> tuple[torch.Tensor, ...]:
        """(x, y, yaw, length, width) [B, N] of the actors, an open door widening a car to its left."""
        a = self.actors
        door = a.door_open.float() * DOOR_M
        x = a.x_m - 0.5 * door * torch.sin(a.yaw_rad)
        y = a.y_m + 0.5 * door * torch.cos(a.yaw_rad)
        return x, y, a.yaw_rad, a.length_m, a.width_m + door

    def actor_velocity(self) -> torch.Tensor:
        """[B, N, 2] world-frame velocities (m/s)."""
        a = self.actors
        return torch.stack([a.speed_mps * torch.cos(a.yaw_rad), a.speed_mps * torch.sin(a.yaw_rad)], -1)

    def light_states(self) -> torch.Tensor:
        """[B, S] states of each slot's traffic lights now (padding reads as green)."""
        return light_states(self.bank.signal_phase[self.template], self.stats.time_s)

    def step(self, control: torch.Tensor) -> TickEvents:
        """Advance every running slot by dt_s. control [B, 3]: steer, throttle, brake."""
        return self._advance(control)

    def _advance_tick(self, control: torch.Tensor) -> TickEvents:
        """The actors move first, reacting to the ego as it was; then the ego (`_advance_ego`);
        then contacts, triggers and events on the new poses."""
        dt = self.config.dt_s
        running = self.running
        prev_xy = torch.stack([self.ego.x_m, self.ego.y_m], -1)
        self.stats.time_s += running.float() * dt
        lights = self.light_states()
        actor_speed = self.actors.speed_mps
        self.actors.road_end_s = self.actors.road_end_s + dt
        step_synchronized(self.actors, self.bank, self.ego.speed_mps, self.stats.km * 1000.0, dt)
        step_path_followers(self.actors, self.ego.speed_mps, dt)
        step_lane_followers(self.actors, self.bank, self.template, lights, self.ego.box(), self.ego.speed_mps, dt)
        self.actors.accel_mps2, self.actors.still_s = motion_measures(actor_speed, self.actors.speed_mps,
                                                                      self.actors.still_s, dt)
        self._advance_ego(control, running)
        boxes = self.actor_boxes()
        velocity = self.actor_velocity()
        gap, ttc = gap_and_ttc(self.ego.box(), self.ego.velocity(), boxes, velocity)
        active = self.actors.active
        gap = torch.where(active, gap, torch.full_like(gap, float("inf")))
        ttc = torch.where(active, ttc, torch.full_like(ttc, float("inf")))
        overlap = self._contacts(boxes, gap) & active & running.unsqueeze(-1)
        measures = SlotMeasures(self.stats.time_s, self.stats.km * 1000.0, self.ego_accel_mps2, self.ego_still_s)
        fired = fire_triggers(self.actors, self.ego, measures, gap, ttc)
        apply_actions(self.actors, self.bank, self.template, fired, self.ego.speed_mps)
        return self._events(running, prev_xy, lights, overlap, velocity, gap, ttc)

    def _advance_ego(self, control: torch.Tensor, running: torch.Tensor) -> None:
        """The ego's dynamics; an ended episode stands still until its slot is refilled."""
        before = EgoState(self.ego.x_m, self.ego.y_m, self.ego.yaw_rad, self.ego.speed_mps, self.ego.steer_rad)
        grip_use = step_ego(self.ego, control, self.friction, self.config.dt_s)
        for name in ("x_m", "y_m", "yaw_rad", "speed_mps", "steer_rad"):
            setattr(self.ego, name, torch.where(running, getattr(self.ego, name), getattr(before, name)))
        accel, still = motion_measures(before.speed_mps, self.ego.speed_mps, self.ego_still_s, self.config.dt_s)
        self.ego_accel_mps2 = torch.where(running, accel, self.ego_accel_mps2)
        self.ego_still_s = torch.where(running, still, self.ego_still_s)
        stats = self.stats
        stats.max_grip_use = torch.where(running, torch.maximum(stats.max_grip_use, grip_use), stats.max_grip_use)

    def _contacts(self, boxes: tuple[torch.Tensor, ...], gap: torch.Tensor) -> torch.Tensor:
        """bool [B, N]: actors whose boxes touch the ego's now. gap [B, N] (m, inf for inactive
        actors) measures to a box that contains the actor's, so only pairs at gap 0 can touch:
        just those get the exact separating-axis test."""
        touching = gap <= 0
        if tracing():  # every pair: picking the touching ones would split the graph
            return touching & boxes_overlap(tuple(t.unsqueeze(-1).expand_as(gap) for t in self.ego.box()), boxes)
        slot, actor = torch.nonzero(touching, as_tuple=True)
        if len(slot):
            ego = tuple(t[slot] for t in self.ego.box())
            touching[slot, actor] = boxes_overlap(ego, tuple(t[slot, actor] for t in boxes))
        return touching

    def _events(self, running, prev_xy, lights, overlap, velocity, gap, ttc) -> TickEvents:
        stats, ego, cfg = self.stats, self.ego, self.config
        relative = (velocity - ego.velocity().unsqueeze(1)).norm(dim=-1)
        ctype, impact, actor = count_collisions(stats, overlap, self.actors.kind, relative, ego.speed_mps,
                                                ego.x_m, ego.y_m)
        xy = torch.stack([ego.x_m, ego.y_m], -1)
        moved = (xy - prev_xy).norm(dim=-1) * running.float()
        progress, distance = self.route.locate(xy, near_progress=True)
        lane = self._lane_under(xy, progress, distance)
        lane_type = self.bank.lane_type[lane.clamp_min(0)]
        off_road = running & ((lane < 0) | ~self.bank.lane_drivable[lane.clamp_min(0)])
        wrong_way = running & self._wrong_way(lane, lane_type, xy)
        red = self._red_light(prev_xy, xy, lights) & running.unsqueeze(-1)
        stats.off_road_m += moved * off_road.float()
        stats.wrong_way_m += moved * wrong_way.float()
        stats.red_lights += red.sum(-1)
        advance = (progress - self.route.progress_m).clamp_min(0) * running.float()
        self.route.progress_m = self.route.progress_m + advance
        stats.progress_m = self.route.progress_m.clone()
        stats.km += advance / 1000.0
        stats.min_ttc_s = torch.where(running, torch.minimum(stats.min_ttc_s, ttc.min(-1).values), stats.min_ttc_s)
        stats.min_distance_m = torch.where(running, torch.minimum(stats.min_distance_m, gap.min(-1).values),
                                           stats.min_distance_m)
        # Standing at a stop line that is not green is waiting, not being blocked.
        ahead_m = self.signal_route_s - self.route.progress_m.unsqueeze(-1)
        held = ((ahead_m > -1.0) & (ahead_m < HELD_AT_LIGHT_M) & (lights != GREEN)).any(-1)
        still = (ego.speed_mps < 0.1) & ~held
        stats.stopped_s = torch.where(running & still, stats.stopped_s + cfg.dt_s, torch.zeros_like(stats.stopped_s))
        outcome = self._outcome(running, ctype, distance)
        stats.outcome = torch.where(running, outcome, stats.outcome)
        return TickEvents(ctype, impact, actor, off_road, wrong_way, red.any(-1), running & (outcome > 0), outcome)

    def ego_lane(self) -> torch.Tensor:
        """[B] the global lane under each ego (-1 off the map): see `_lane_under`."""
        xy = torch.stack([self.ego.x_m, self.ego.y_m], -1)
        return self._lane_under(xy, *self.route.locate(xy, near_progress=True))

    def _lane_under(self, xy: torch.Tensor, progress: torch.Tensor, distance: torch.Tensor) -> torch.Tensor:
        """[B] the lane under points xy [B, 2] that lie `distance` [B] from the route at
        `progress` [B]: the route's own lane where the point is within its half width, else
        the map's lane at the point. Where roads cross at two heights, a map read flat holds one
        lane per place; the route says which of the two the ego drives on."""
        k = torch.searchsorted(self.route.s.contiguous(), progress.unsqueeze(-1).contiguous())
        route_lane = self.route_lane.gather(1, k.clamp_max(self.route_lane.shape[1] - 1)).squeeze(1)
        on_route = distance <= 0.5 * self.bank.lane_width_m[route_lane]
        return torch.where(on_route, route_lane, self.bank.lane_at(self.template, xy))

    def _wrong_way(self, lane: torch.Tensor, lane_type: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
        """Driving against the direction of a (non-junction) driving lane, faster than 0.5 m/s."""
        safe = lane.clamp_min(0)
        points = self.bank.lane_xy[safe]
        k = ((points - xy.unsqueeze(1)) ** 2).sum(-1).argmin(-1)
        heading = self.bank.lane_heading[safe, k]
        against = torch.cos(self.ego.yaw_rad - heading) < 0
        on_lane = (lane >= 0) & (lane_type == LANE_TYPE_CODES["driving"]) & ~self.bank.lane_in_junction[safe]
        return on_lane & against & (self.ego.speed_mps > 0.5)

    def _red_light(self, prev_xy: torch.Tensor, xy: torch.Tensor, lights: torch.Tensor) -> torch.Tensor:
        """[B, S]: stop lines crossed this tick, in their lane's direction, while red."""
        line = self.bank.signal_line[self.template]
        crossed = crossed_segments(prev_xy, xy, line[..., 0, :], line[..., 1, :])
        heading = self.bank.signal_heading[self.template]
        along = torch.cos(self.ego.yaw_rad.unsqueeze(-1) - heading) > 0
        return crossed & along & (lights == RED) & (self.bank.signal_lane[self.template] >= 0)

    def _outcome(self, running: torch.Tensor, ctype: torch.Tensor, route_distance: torch.Tensor) -> torch.Tensor:
        cfg, stats = self.config, self.stats
        codes = {name: torch.full_like(stats.outcome, OUTCOMES.index(name)) for name in OUTCOMES}
        outcome = codes["running"]
        outcome = torch.where(stats.time_s >= self.max_time_s, codes["timeout"], outcome)
        outcome = torch.where(stats.stopped_s >= cfg.blocked_after_s, codes["blocked"], outcome)
        outcome = torch.where(route_distance > cfg.route_deviation_m, codes["route_deviation"], outcome)
        if cfg.end_on_collision:
            outcome = torch.where(ctype > 0, codes["collision"], outcome)
        done = self.route.progress_m >= self.route.length_m - cfg.route_end_margin_m
        done |= (self.actors.fired & (self.actors.action_kind == END_SCENARIO)).flatten(1).any(-1)
        outcome = torch.where(done & (outcome == 0), codes["success"], outcome)
        return torch.where(running, outcome, codes["running"])

    def scene(self) -> SceneBatch:
        """The renderer's view of the current state."""
        a = self.actors
        kind = torch.where(a.active, a.kind, torch.zeros_like(a.kind))
        count = self.bank.signal_count[self.template].unsqueeze(-1)
        index = torch.arange(self.bank.signal_lane.shape[1], device=self.device)
        lights = torch.where(index < count, self.light_states(), torch.full_like(count, -1))
        return SceneBatch(
            map_index=self.template, ego_pose=torch.stack([self.ego.x_m, self.ego.y_m, self.ego.yaw_rad], -1),
            actor_kind=kind, actor_pose=torch.stack([a.x_m, a.y_m, a.yaw_rad], -1),
            actor_size=torch.stack([a.length_m, a.width_m, a.height_m], -1), actor_colour=a.colour,
            actor_door_open=a.door_open, light_state=lights, weather=self.weather,
            time_s=self.stats.time_s, seed=self.seed)

    def render(self) -> torch.Tensor:
        """Camera frames [B, H, W, 3] uint8 of every slot, with frozen-frame faults applied."""
        if self.config.camera is None:
            raise ValueError("this world has no camera: set WorldConfig.camera")
        if self._renderer is None:
            from sim.render.renderer import Renderer
            self._renderer = Renderer(self.bank.graphs, self.config.camera, self.config.batch_size)
        frames = self._renderer.render(self.scene())
        fault = self.weather[:, VECTOR_FIELDS.index("sensor_fault")]
        start = self.weather[:, VECTOR_FIELDS.index("sensor_fault_start_s")]
        frozen = (fault == SENSOR_FAULTS.index("frozen")) & (self.stats.time_s >= start)
        # the renderer's frames are a new tensor each call, so holding a reference is enough;
        # a select over the whole batch costs more than the frozen slots are worth
        if self._held_frames is not None and bool(frozen.any()):
            frames[frozen] = self._held_frames[frozen]
        self._held_frames = frames
        return frames

    def route_speed_limits(self, slot: int) -> np.ndarray:
        """The speed limit (m/s) at each point of slot `slot`'s route [P] (route.polyline's points):
        the limit of the lane under the point, of the route's first lane where none is."""
        xy = torch.as_tensor(self.route.polyline(slot), dtype=torch.float32, device=self.device)
        lane = self.bank.lane_at(self.template[slot].expand(len(xy)), xy)
        lane = torch.where(lane >= 0, lane, self.route_first_lane[slot])
        slots = torch.full_like(lane, slot)
        return self.lane_speed_limits(slots, lane).cpu().numpy().astype(np.float64)

    def speed_limits_ahead(self) -> torch.Tensor:
        """The speed limit (m/s) [B, K] of the route's lane at each point the observation's
        route_ahead gives."""
        k = self.route.indices_ahead(ROUTE_AHEAD_POINTS, ROUTE_AHEAD_SPACING_M)
        slots = torch.arange(len(k), device=self.device).unsqueeze(-1).expand_as(k)
        return self.lane_speed_limits(slots, self.route_lane.gather(1, k))

    def lane_speed_limits(self, slots: torch.Tensor, lanes: torch.Tensor) -> torch.Tensor:
        """The speed limit (m/s) of global lanes `lanes` in slots `slots` (same shapes): the map's,
        or the episode's where it gives one and the map's file gives none."""
        episode = self.speed_limit_mps[slots]
        own = self.bank.speed_limits_given[self.template[slots]] | torch.isnan(episode)
        return torch.where(own, self.bank.lane_speed_limit_mps[lanes], episode)

    def render_rig(self, rig: tuple[RigCamera, ...], frames: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Frames [B, H, W, 3] uint8 RGB of every slot from each camera of `rig`, by name; a
        camera that is the world's own reuses `frames` (this tick's render) when given. One
        renderer per distinct camera model, made on first use; frozen-frame faults apply to
        the world's own camera only. A camera outside the ego's box (a chase camera) sees the
        ego, drawn in EGO_COLOUR."""
        views = {}
        scene = self.scene()
        ego_size = (EGO_LENGTH_M, EGO_WIDTH_M, EGO_HEIGHT_M)
        with_ego = scene.with_actor(int(ActorKind.CAR), scene.ego_pose, ego_size, EGO_COLOUR)
        for member in rig:
            if frames is not None and member.camera == self.config.camera:
                views[member.name] = frames
                continue
            key = member.camera.model_dump_json()
            if key not in self._rig_renderers:
                from sim.render.renderer import Renderer
                self._rig_renderers[key] = Renderer(self.bank.graphs, member.camera, self.config.batch_size)
            seen = with_ego if mounted_outside(member.camera, ego_size) else scene
            views[member.name] = self._rig_renderers[key].render(seen)
        return views

    def observe(self, camera: bool = True, rig: tuple[RigCamera, ...] = (), pose: bool = False) -> Observation:
        """The drivers' view: the world's camera frames when `camera` (and the world has one),
        the frames of `rig`'s cameras, and the ego's pose when `pose`."""
        frames = self.render() if camera and self.config.camera is not None else None
        obs = self._observation(frames)
        if rig:
            obs.views = self.render_rig(rig, frames)
        if pose:
            obs.pose = torch.stack([self.ego.x_m, self.ego.y_m, self.ego.yaw_rad], -1)
        return obs

    def _refuge_offset(self) -> torch.Tensor:
        """[B] lateral offset (m, right negative) from the lane under the ego to the centre of
        a parking lane or shoulder on its right, 0 where there is none."""
        lane = self.bank.lane_at(self.template, torch.stack([self.ego.x_m, self.ego.y_m], -1)).clamp_min(-1)
        right = torch.where(lane >= 0, self.bank.lane_right[lane.clamp_min(0)], -1)
        right_type = self.bank.lane_type[right.clamp_min(0)]
        refuge = (right >= 0) & ((right_type == LANE_TYPE_CODES["parking"])
                                 | (right_type == LANE_TYPE_CODES["shoulder"]))
        offset = -0.5 * (self.bank.lane_width_m[lane.clamp_min(0)] + self.bank.lane_width_m[right.clamp_min(0)])
        return torch.where(refuge, offset, torch.zeros_like(offset))

    def _observation(self, frames: torch.Tensor | None) -> Observation:
        ahead = self.route.points_ahead(ROUTE_AHEAD_POINTS, ROUTE_AHEAD_SPACING_M, self.ego.x_m, self.ego.y_m,
                                        self.ego.yaw_rad)
        return Observation(frames, self.ego.speed_mps.clone(), ahead, self.stats.time_s.clone(),
                           self._refuge_offset())

    def drain_sensor_events(self) -> list[EventRecord]:
        """The events a backend's own sensors saw since the last call, beyond what `step`
        reports; the embedded world has none."""
        return []

    def close(self) -> None:
        for renderer in [self._renderer, *self._rig_renderers.values()]:
            if renderer is not None:
                renderer.close()
        self._renderer = None
        self._rig_renderers.clear()


def episode_records(world: BatchedWorld, slots: list[int]) -> list[EpisodeRecord]:
    """The records of the episodes that ended in `slots` (the tallies plus the spec's identity)."""
    return [world.stats.record(slot, world.specs[slot].template, world.specs[slot].route, world.specs[slot].seed,
                               float(world.route.length_m[slot])) for slot in slots]
