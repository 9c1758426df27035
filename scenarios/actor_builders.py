"""Small builders the families share: actors placed on lanes, scripted events, the ego's spec."""
from __future__ import annotations

from sim.actor_kinds import ActorKind
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Trigger
from scenarios.weather_mix import condition_weather

CAR_COLOURS = ((0.75, 0.1, 0.1), (0.15, 0.25, 0.7), (0.85, 0.85, 0.85), (0.1, 0.1, 0.1), (0.6, 0.6, 0.65))


def car(lane: tuple[int, int], s_m: float, speed_mps: float = 0.0, colour_index: int = 0, **fields) -> ActorSpec:
    """A car following `lane` (and the lanes in `lanes=` if given) from s_m at speed_mps."""
    lanes = fields.pop("lanes", (lane,))
    return ActorSpec(ActorKind.CAR, "lane", lanes=lanes, s_m=s_m, speed_mps=speed_mps,
                     colour=CAR_COLOURS[colour_index % len(CAR_COLOURS)], **fields)


def parked(kind: ActorKind, lane: tuple[int, int], s_m: float, offset_m: float = 0.0, **fields) -> ActorSpec:
    """Something standing still at s_m along a lane."""
    return ActorSpec(kind, "static", lanes=(lane,), s_m=s_m, offset_m=offset_m, **fields)


def walker(kind: ActorKind, start: tuple[float, float], end: tuple[float, float], speed_mps: float,
           trigger: Trigger, **fields) -> ActorSpec:
    """A pedestrian or cyclist that walks start -> end at speed_mps once `trigger` fires."""
    return ActorSpec(kind, "path", path=(start, end),
                     events=(ScriptedEvent(trigger, Action("start_path", speed_mps)),), **fields)


def when(trigger_kind: str, value: float, action: str, action_value: float = 0.0) -> ScriptedEvent:
    return ScriptedEvent(Trigger(trigger_kind, value), Action(action, action_value))


def episode(params: dict, seed: int, template: str, route: str, ego_s_m: float, ego_speed_mps: float,
            actors: list[ActorSpec], max_time_s: float = 40.0, road_friction: float = 1.0,
            route_lanes: tuple[tuple[int, int], ...] = ()) -> EpisodeSpec:
    return EpisodeSpec(template, route, seed=seed, ego_s_m=ego_s_m, ego_speed_mps=ego_speed_mps,
                       actors=tuple(actors), weather=condition_weather(params["condition"]),
                       road_friction=road_friction, max_time_s=max_time_s, route_lanes=route_lanes)
