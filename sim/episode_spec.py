"""An episode as data: the map, the ego's route, the actors with their scripted events, the
weather and the seed. Scenario families (the `scenarios` package) build these; the world
loads them into batch slots. No behaviour is code per scenario: it is all in these records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sim.actor_kinds import ActorKind
from sim.weather import Weather

TriggerKind = Literal["time", "distance", "ttc", "headway", "free_headway", "actor_headway", "ego_speed",
                      "relative_speed", "ego_progress", "actor_speed", "ego_accel", "actor_accel", "ego_still",
                      "actor_still", "actor_road_end", "after", "after_end", "after_any", "reach", "ego_reach",
                      "reach_box", "ego_reach_box"]
ActionKind = Literal["start_path", "brake", "change_lane", "drift", "open_door", "pull_out",
                     "run_red_light", "stop", "set_speed", "jump_speed", "ego_speed_times", "ego_speed_plus",
                     "end_scenario", "synchronize", "hold", "speed_rate", "speed_time", "speed_distance",
                     "teleport"]
TRIGGER_KINDS: tuple[str, ...] = ("time", "distance", "ttc", "headway", "free_headway", "actor_headway", "ego_speed",
                                  "relative_speed", "ego_progress", "actor_speed", "ego_accel", "actor_accel",
                                  "ego_still", "actor_still", "actor_road_end", "after", "after_end", "after_any",
                                  "reach", "ego_reach", "reach_box", "ego_reach_box")
BELOW_BY_DEFAULT = ("distance", "ttc", "reach", "ego_reach", "reach_box", "ego_reach_box")
MAX_ROUTE_LANES = 64  # the lanes an actor follows in order (then it takes each lane's first successor)
MAX_LANES_CHANGED = 3  # the most lanes one lane change crosses
ACTION_KINDS: tuple[str, ...] = ("start_path", "brake", "change_lane", "drift", "open_door", "pull_out",
                                 "run_red_light", "stop", "set_speed", "jump_speed", "ego_speed_times",
                                 "ego_speed_plus", "end_scenario", "synchronize", "hold", "speed_rate", "speed_time",
                                 "speed_distance", "teleport")


@dataclass(frozen=True)
class Trigger:
    """Fires once, `delay_s` after its condition first holds. The condition, by kind, is a
    measure at or above `value` (at or below it when `below`; `below` defaults to True for
    distance, ttc and the reach kinds, else False):
    time: episode time (s); distance: the ego's distance to the actor (m, box to box); ttc: the
    time-to-collision with the ego (s); headway: the ego's time headway to the actor (s: how far
    the actor's centre is ahead of the ego's along the ego's heading, over the ego's speed;
    negative when behind); free_headway: the same from the ego's front to the actor's rear
    (both half lengths taken off); actor_headway: the actor's time headway to the ego (the
    ego's centre ahead of the actor's along the actor's heading, over the actor's speed);
    ego_speed: the ego's speed (m/s); relative_speed: the actor's speed less the ego's (m/s);
    ego_progress: how far the ego has advanced along its route (m); actor_speed: the actor's
    speed (m/s); ego_accel, actor_accel: the ego's or the actor's acceleration over the last
    tick (m/s^2, braking negative); ego_still, actor_still: how long the ego or the actor has
    stood still (s, speed under 0.01 m/s); actor_road_end: how long ago the actor came to the end
    of its road, where it left the world (s; of a gone actor's triggers only these stay live);
    after: the actor's events whose bits `value` sets
    (sum of 2^k, k 0-based) have all fired, counting the delay from when the last of them was
    due; after_end: they have, and the actor's movement has settled since (no lane change or
    offset under way, not braking to a stop, not synchronizing); after_any: any of them has
    fired (the tick after; an OpenSCENARIO trigger's condition groups, each a hold event);
    reach, ego_reach: the actor's or the ego's distance to (x_m, y_m) (m, centre to point);
    reach_box, ego_reach_box: the same from the actor's or the ego's box (0 inside it).
    `below` is unused by after, after_end and after_any. `with_events`: the actor's events
    whose bits it sets (as for after) must hold their own conditions on the same tick: an AND
    of conditions, the others carried by events whose action is `hold`; their delays are not
    used."""

    kind: TriggerKind
    value: float
    below: bool | None = None
    delay_s: float = 0.0
    x_m: float = 0.0
    y_m: float = 0.0
    with_events: int = 0

    @property
    def is_below(self) -> bool:
        return self.kind in BELOW_BY_DEFAULT if self.below is None else self.below


@dataclass(frozen=True)
class Action:
    """What a fired trigger does. value by kind:
    start_path: walking/riding speed (m/s); brake: deceleration (m/s^2) to a stop;
    change_lane: +duration_s to the left, -duration_s to the right, `over` lanes when more than
    one (up to 3); drift: lateral offset (m,
    left positive) reached over `over` s (0: 2 s); pull_out: speed (m/s) while leaving a parking lane to
    the left; set_speed: new desired speed (m/s), reached at the actor's own acceleration;
    jump_speed: speed (m/s) taken at once and kept; ego_speed_times / ego_speed_plus: the
    ego's speed times value / plus value (m/s), taken at once and followed from then on;
    end_scenario: the episode ends, a success (an OpenSCENARIO StopTrigger); synchronize:
    the actor's `sync` starts; hold: nothing (its trigger is a condition of another's, see
    Trigger.with_events); speed_rate, speed_time, speed_distance: a new speed (m/s) reached
    linearly at `over` m/s^2, in `over` s or over `over` m (the rate fixed when it fires, from
    the actor's speed then), its leader still kept at a distance (the ramp replaces IDM's
    free-road term); teleport: the actor is put at (x_m, y_m) heading yaw_rad, a lane follower
    on the lane there (going on along it, in its direction), a path walker stopped there;
    open_door, run_red_light, stop: unused."""

    kind: ActionKind
    value: float = 0.0
    over: float = 0.0
    x_m: float = 0.0
    y_m: float = 0.0
    yaw_rad: float = 0.0


@dataclass(frozen=True)
class ScriptedEvent:
    trigger: Trigger
    action: Action


@dataclass(frozen=True)
class Sync:
    """An actor timing its arrival with the ego's (OpenSCENARIO's SynchronizeAction): once its
    `synchronize` action fires, it sets its speed each tick so it comes `at_m` along its way
    (its lanes from the start of the first, or its path) when the ego comes `ego_at_m` along its
    route (from where it starts), to arrive at the final speed: ego speed * final_times +
    final_plus_mps (None: whatever speed it has). It stops timing once either is within its
    tolerance of its point, then keeps the final speed."""

    at_m: float
    ego_at_m: float
    tolerance_m: float = 1.0
    ego_tolerance_m: float = 1.0
    final_times: float = 0.0
    final_plus_mps: float | None = None


@dataclass(frozen=True)
class ActorSpec:
    """One actor. Place it on a lane ((road, lane) ids, s along the lane's driving direction,
    lateral offset) or at x/y/yaw. motion: static, lane (IDM along `lanes`), or path (walks
    `path` points at speed once started: at once when speed_mps > 0, else by start_path or an
    action giving it a speed)."""

    kind: ActorKind
    motion: Literal["static", "lane", "path"] = "static"
    lanes: tuple[tuple[int, int], ...] = ()
    s_m: float = 0.0
    offset_m: float = 0.0
    x_m: float = 0.0
    y_m: float = 0.0
    yaw_rad: float = 0.0
    speed_mps: float = 0.0
    desired_speed_mps: float | None = None
    path: tuple[tuple[float, float], ...] = ()
    size_m: tuple[float, float, float] | None = None
    colour: tuple[float, float, float] = (0.6, 0.6, 0.65)
    ignores_red_lights: bool = False
    events: tuple[ScriptedEvent, ...] = ()
    sync: Sync | None = None
    limit_share: float | None = None  # a lane follower's desired speed: this share of each lane's limit


@dataclass(frozen=True)
class EpisodeSpec:
    """A whole episode. The ego starts ego_s_m along the first lane of `route` at ego_speed_mps.
    `route` names one of the map's routes, or, where route_lanes is given, labels that lane
    sequence ((road id, lane id) pairs, each the successor of the one before).
    speed_limit_mps: the limit on every lane of a map whose file gives none (None: the map's
    default, CARLA's 30 km/h), e.g. the ego's speed an imported scenario starts it at."""

    template: str
    route: str
    seed: int
    ego_s_m: float = 5.0
    ego_speed_mps: float = 0.0
    actors: tuple[ActorSpec, ...] = ()
    weather: Weather = field(default_factory=Weather)
    road_friction: float = 1.0
    max_time_s: float = 60.0
    route_lanes: tuple[tuple[int, int], ...] = ()
    speed_limit_mps: float | None = None
