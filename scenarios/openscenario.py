"""Export an episode as OpenSCENARIO 1.0 (.xosc) beside its road as OpenDRIVE (.xodr).

Actors become ScenarioObjects placed with WorldPositions at their starting poses; the ego
gets its route (an AssignRouteAction through waypoints every ROUTE_WAYPOINT_M, named as the
map's route); the weather becomes an EnvironmentAction (sun, fog as the visual range where
contrast falls to 5 %, precipitation, cloud state, the road's friction and a time of day from
the sun's height); lens dirt, tunnels and sensor faults have no OpenSCENARIO 1.0 form and are
listed in the file's description. Scripted events become Events whose StartTriggers are
SimulationTime, RelativeDistance (freespace, to the ego), TimeToCollision, TimeHeadway (the
ego's, freespace or not, or the actor's), Speed, Acceleration, StandStill, EndOfRoad (the
actor's) and Distance to a point (the ego's or the actor's, freespace or not),
TraveledDistance (the ego's), ReachPosition (the actor's) or StoryboardElementState (after
another event, or all of the actor's maneuver) conditions with their delays, beside the
conditions of the hold events they wait for in one ConditionGroup (an after_any trigger: one
ConditionGroup per hold event); an end_scenario event is a StopTrigger group. A trigger
waiting for some but not all of an actor's events, or on a relative speed, has no 1.0
condition and is refused. Actions map onto SpeedAction (brake, stop, set speed; a step for a
speed taken at once; a linear ramp at a rate, in a time or over a distance; a continuous
RelativeTargetSpeed to the ego), LaneChangeAction (change lane, pull out), LaneOffsetAction
(drift), TeleportAction (to a WorldPosition) and FollowTrajectoryAction (walking a path).
Opening a door and starting to ignore red lights have no OpenSCENARIO 1.0 action: they are
written as CustomCommandActions of type
`nines:open_door` and `nines:run_red_light` (other tools skip them) and listed in the file's
description; setting a speed the way IDM approaches it and pulling out are written as a
SpeedAction for other tools beside a `nines:set_speed` or `nines:pull_out` command, which nines
reads back exactly.

What OpenSCENARIO 1.0 cannot say about an actor goes in its entity's Properties, named
`nines:...`: its kind where the category is coarser (a cone, a barrier or debris are all
obstacles), how it moves (static, lane-following with IDM, or walking a path), the lanes it
follows, its colour, its desired speed and whether it runs red lights; the ego's carry the
whole weather (wetness, lens dirt, tunnels and sensor faults have no OpenSCENARIO form), the
seed and, on a map without named routes, the route's lanes. `openscenario_import` reads them
back; any other tool ignores them.
"""
from __future__ import annotations

import dataclasses
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import torch

from sim.actor_kinds import ActorKind
from sim.actor_state import MOTION_CODES
from sim.ego_dynamics import weather_friction
from sim.episode_spec import EpisodeSpec, ScriptedEvent, Sync, Trigger
from sim.lane_queries import lane_pose
from sim.map_bank import MapBank
from sim.map_catalog import load_map
from sim.opendrive import write_xodr
from sim.render.conditions import extinction_per_m
from sim.weather import Weather
from sim.world import BatchedWorld, WorldConfig

CUSTOM_ACTIONS = ("open_door", "run_red_light")  # written as CustomCommandAction type nines:<kind>
RAMP_DIMENSIONS = {"speed_rate": "rate", "speed_time": "time", "speed_distance": "distance"}
# conditions measured on the actor, not the ego
ACTOR_MEASURES = ("reach", "reach_box", "actor_speed", "actor_accel", "actor_still", "actor_headway",
                  "actor_road_end")
DATE = "2026-01-01T00:00:00"
ROUTE_WAYPOINT_M = 50.0
DAYLIGHT_LUX = 120_000.0  # clear-sky illuminance with the sun overhead
CAMERA_ONLY_WEATHER = ("lens_dirt", "tunnel", "sensor faults")


def _sub(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _bounding_box(parent: ET.Element, length: float, width: float, height: float) -> None:
    box = _sub(parent, "BoundingBox")
    _sub(box, "Center", x=0.0, y=0.0, z=height / 2)
    _sub(box, "Dimensions", width=width, length=length, height=height)


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    properties = _sub(parent, "Properties")
    for key, value in values.items():
        _sub(properties, "Property", name=f"nines:{key}", value=value)


def _entity(entities: ET.Element, name: str, kind: ActorKind, size: tuple[float, float, float],
            properties: dict[str, str]) -> None:
    obj = _sub(entities, "ScenarioObject", name=name)
    length, width, height = size
    if kind in (ActorKind.CAR, ActorKind.TRUCK, ActorKind.CYCLIST):
        category = {ActorKind.CAR: "car", ActorKind.TRUCK: "truck", ActorKind.CYCLIST: "bicycle"}[kind]
        vehicle = _sub(obj, "Vehicle", name=name, vehicleCategory=category)
        _sub(vehicle, "ParameterDeclarations")
        _sub(vehicle, "Performance", maxSpeed=70.0, maxAcceleration=10.0, maxDeceleration=10.0)
        _bounding_box(vehicle, length, width, height)
        axles = _sub(vehicle, "Axles")
        for tag, x, steer in (("FrontAxle", 0.3 * length, 0.6), ("RearAxle", -0.3 * length, 0.0)):
            _sub(axles, tag, maxSteering=steer, wheelDiameter=0.6, trackWidth=0.8 * width, positionX=x, positionZ=0.3)
        _properties(vehicle, properties)
    elif kind == ActorKind.PEDESTRIAN:
        person = _sub(obj, "Pedestrian", model="pedestrian", mass=70.0, name=name, pedestrianCategory="pedestrian")
        _sub(person, "ParameterDeclarations")
        _bounding_box(person, length, width, height)
        _properties(person, properties)
    else:
        misc = _sub(obj, "MiscObject", miscObjectCategory="obstacle", mass=10.0, name=name)
        _sub(misc, "ParameterDeclarations")
        _bounding_box(misc, length, width, height)
        _properties(misc, properties)


def _actor_properties(actor) -> dict[str, str]:
    """What OpenSCENARIO 1.0 cannot say about an actor (see the module)."""
    values = {"kind": actor.kind.name.lower(), "motion": actor.motion,
              "colour": ",".join(repr(float(c)) for c in actor.colour),
              "ignores_red_lights": str(actor.ignores_red_lights).lower()}
    if actor.lanes:
        values["lanes"] = ";".join(f"{road},{lane}" for road, lane in actor.lanes)
    if actor.desired_speed_mps is not None:
        values["desired_speed_mps"] = repr(float(actor.desired_speed_mps))
    if actor.sync is not None:
        values["sync"] = json.dumps(dataclasses.asdict(actor.sync))
    return values


def _ego_properties(spec: EpisodeSpec) -> dict[str, str]:
    values = {"weather": spec.weather.model_dump_json(), "seed": str(spec.seed)}
    if spec.route_lanes:
        values["route_lanes"] = ";".join(f"{road},{lane}" for road, lane in spec.route_lanes)
    return values


def _world_position(parent: ET.Element, x: float, y: float, heading: float) -> None:
    position = _sub(parent, "Position")
    _sub(position, "WorldPosition", x=x, y=y, z=0.0, h=heading)


def _init(actions: ET.Element, name: str, x: float, y: float, heading: float, speed: float) -> ET.Element:
    private = _sub(actions, "Private", entityRef=name)
    teleport = _sub(_sub(private, "PrivateAction"), "TeleportAction")
    _world_position(teleport, x, y, heading)
    _speed_action(_sub(private, "PrivateAction"), speed, "step", 0.0, "time")
    return private


def _assign_route(private: ET.Element, name: str, polyline: np.ndarray) -> None:
    """The ego's route [P, 2] (m) as waypoints every ROUTE_WAYPOINT_M and at its end."""
    route = _sub(_sub(_sub(_sub(private, "PrivateAction"), "RoutingAction"), "AssignRouteAction"), "Route",
                 name=name, closed=False)
    _sub(route, "ParameterDeclarations")
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(polyline, axis=0), axis=1))])
    keep = sorted({int(np.searchsorted(s, d)) for d in np.arange(0.0, s[-1], ROUTE_WAYPOINT_M)} | {len(s) - 1})
    for k in keep:
        ahead = polyline[min(k + 1, len(polyline) - 1)] - polyline[max(k - 1, 0)]
        heading = math.atan2(ahead[1], ahead[0]) % (2 * math.pi)
        _world_position(_sub(route, "Waypoint", routeStrategy="shortest"), *polyline[k], heading)


def _environment(actions: ET.Element, weather: Weather, friction: float) -> None:
    """The episode's weather and light as an EnvironmentAction (see the module)."""
    environment = _sub(_sub(_sub(actions, "GlobalAction"), "EnvironmentAction"), "Environment", name="weather")
    altitude = weather.sun_altitude_angle
    hour = "12:00:00" if altitude >= 20 else "07:30:00" if altitude >= 0 else "23:00:00"
    _sub(environment, "TimeOfDay", animation=False, dateTime=f"{DATE[:10]}T{hour}")
    cloud_state = ("rainy" if weather.precipitation > 0 else "free" if weather.cloudiness < 10
                   else "cloudy" if weather.cloudiness < 50 else "overcast")
    sky = _sub(environment, "Weather", cloudState=cloud_state)
    _sub(sky, "Sun", intensity=DAYLIGHT_LUX * max(0.0, math.sin(math.radians(altitude))),
         azimuth=math.radians(weather.sun_azimuth_angle) % (2 * math.pi), elevation=math.radians(altitude))
    visual_range = weather.fog_distance * (weather.fog_density > 0) + math.log(20) / float(
        extinction_per_m(weather.fog_density, weather.precipitation))
    _sub(sky, "Fog", visualRange=visual_range)
    kind, intensity = (("snow", weather.snow) if weather.snow > 0 else ("rain", weather.precipitation)
                       if weather.precipitation > 0 else ("dry", 0.0))
    _sub(sky, "Precipitation", precipitationType=kind, intensity=intensity / 100.0)
    _sub(environment, "RoadCondition", frictionScaleFactor=friction)


def _speed_action(private_action: ET.Element, target: float, shape: str, value: float, dimension: str) -> None:
    speed = _sub(_sub(private_action, "LongitudinalAction"), "SpeedAction")
    _sub(speed, "SpeedActionDynamics", dynamicsShape=shape, value=value, dynamicsDimension=dimension)
    _sub(_sub(speed, "SpeedActionTarget"), "AbsoluteTargetSpeed", value=target)


def _lane_change(private_action: ET.Element, actor: str, lanes: int, duration_s: float) -> None:
    change = _sub(_sub(private_action, "LateralAction"), "LaneChangeAction")
    _sub(change, "LaneChangeActionDynamics", dynamicsShape="sinusoidal", value=duration_s, dynamicsDimension="time")
    _sub(_sub(change, "LaneChangeTarget"), "RelativeTargetLane", entityRef=actor, value=lanes)


def _custom(event: ET.Element, name: str, kind: str, *values: float) -> None:
    """A CustomCommandAction `nines:<kind>` with the action's value (and over): what nines reads
    back exactly (other tools skip it)."""
    user = _sub(_sub(event, "Action", name=f"{name}_{kind}"), "UserDefinedAction")
    _sub(user, "CustomCommandAction", type=f"nines:{kind}").text = " ".join(repr(float(v)) for v in values)


def _actions(event: ET.Element, name: str, scripted: ScriptedEvent, path: tuple) -> None:
    """The OpenSCENARIO actions of one scripted action (several for walking a path)."""
    kind, value = scripted.action.kind, scripted.action.value
    if kind == "start_path":
        follow = _sub(_sub(_sub(event, "Action", name=f"{name}_walk"), "PrivateAction"), "RoutingAction")
        trajectory_action = _sub(follow, "FollowTrajectoryAction")
        trajectory = _sub(trajectory_action, "Trajectory", name=f"{name}_path", closed=False)
        _sub(trajectory, "ParameterDeclarations")
        polyline = _sub(_sub(trajectory, "Shape"), "Polyline")
        elapsed, previous = 0.0, path[0]
        for x, y in path:
            elapsed += math.dist(previous, (x, y)) / max(value, 1e-3)
            previous = (x, y)
            _world_position(_sub(polyline, "Vertex", time=elapsed), x, y, 0.0)
        _sub(_sub(trajectory_action, "TimeReference"), "None")
        _sub(trajectory_action, "TrajectoryFollowingMode", followingMode="position")
        _speed_action(_sub(_sub(event, "Action", name=f"{name}_pace"), "PrivateAction"), value, "step", 0.0, "time")
    elif kind in ("brake", "stop"):
        decel = value if kind == "brake" else 3.0
        _speed_action(_sub(_sub(event, "Action", name=f"{name}_{kind}"), "PrivateAction"), 0.0, "linear", decel, "rate")
    elif kind == "set_speed":  # IDM's approach has no OpenSCENARIO form: a ramp for others, exact for nines
        _speed_action(_sub(_sub(event, "Action", name=f"{name}_speed"), "PrivateAction"), value, "linear", 2.0, "rate")
        _custom(event, name, kind, value)
    elif kind in RAMP_DIMENSIONS:
        _speed_action(_sub(_sub(event, "Action", name=f"{name}_speed"), "PrivateAction"), value, "linear",
                      scripted.action.over, RAMP_DIMENSIONS[kind])
    elif kind == "jump_speed":
        _speed_action(_sub(_sub(event, "Action", name=f"{name}_speed"), "PrivateAction"), value, "step", 0.0, "time")
    elif kind in ("ego_speed_times", "ego_speed_plus"):
        speed = _sub(_sub(_sub(_sub(event, "Action", name=f"{name}_speed"), "PrivateAction"), "LongitudinalAction"),
                     "SpeedAction")
        _sub(speed, "SpeedActionDynamics", dynamicsShape="step", value=0.0, dynamicsDimension="time")
        _sub(_sub(speed, "SpeedActionTarget"), "RelativeTargetSpeed", entityRef="ego", value=value,
             speedTargetValueType="factor" if kind == "ego_speed_times" else "delta", continuous=True)
    elif kind in ("change_lane", "pull_out"):
        count = max(1, round(scripted.action.over))
        lanes, duration = (count if value > 0 else -count, abs(value)) if kind == "change_lane" else (1, 3.0)
        _lane_change(_sub(_sub(event, "Action", name=f"{name}_lane"), "PrivateAction"), name, lanes, duration)
        if kind == "pull_out":
            _speed_action(_sub(_sub(event, "Action", name=f"{name}_go"), "PrivateAction"), value, "linear", 2.0,
                          "rate")
            _custom(event, name, kind, value)
    elif kind in CUSTOM_ACTIONS:
        _custom(event, name, kind, value)
    elif kind == "teleport":
        action = scripted.action
        teleport = _sub(_sub(_sub(event, "Action", name=f"{name}_teleport"), "PrivateAction"), "TeleportAction")
        _world_position(teleport, action.x_m, action.y_m, action.yaw_rad)
    elif kind == "drift":
        offset = _sub(_sub(_sub(_sub(event, "Action", name=f"{name}_drift"), "PrivateAction"), "LateralAction"),
                      "LaneOffsetAction", continuous=False)
        _sub(offset, "LaneOffsetActionDynamics", maxLateralAcc=1.0, dynamicsShape="linear")
        _sub(_sub(offset, "LaneOffsetTarget"), "AbsoluteTargetLaneOffset", value=value)
        if scripted.action.over > 0:  # a drift of set duration: exact for nines, in its own command
            _custom(event, name, kind, value, scripted.action.over)


def _sync_points(world: BatchedWorld, k: int, sync: Sync) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the ego and actor k of slot 0 must be at the same time: ego_at_m along the ego's
    route from where it starts, at_m along the actor's lanes (or path) from their start."""
    route = world.route.polyline(0)
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(route, axis=0), axis=1))])
    at = float(world.route.progress_m[0]) + sync.ego_at_m
    ego_xy = (float(np.interp(at, along, route[:, 0])), float(np.interp(at, along, route[:, 1])))
    a = world.actors
    if int(a.motion[0, k]) == MOTION_CODES["path"]:
        path, cum = a.path_xy[0, k].cpu().numpy(), a.path_cum_m[0, k].cpu().numpy()
        return ego_xy, (float(np.interp(sync.at_m, cum, path[:, 0])), float(np.interp(sync.at_m, cum, path[:, 1])))
    lanes = [int(lane) for lane in a.route_lanes[0, k] if lane >= 0]
    left = sync.at_m
    for lane in lanes:
        length = float(world.bank.lane_length_m[lane])
        if left <= length or lane == lanes[-1]:
            break
        left -= length
    x, y, _, _ = lane_pose(world.bank, torch.tensor([lane]), torch.tensor([left]), torch.zeros(1))
    return ego_xy, (float(x[0]), float(y[0]))


def _synchronize(event: ET.Element, name: str, sync: Sync, ego_xy: tuple[float, float],
                 actor_xy: tuple[float, float]) -> None:
    action = _sub(_sub(_sub(event, "Action", name=f"{name}_sync"), "PrivateAction"), "SynchronizeAction",
                  masterEntityRef="ego", targetToleranceMaster=sync.ego_tolerance_m, targetTolerance=sync.tolerance_m)
    _sub(_sub(action, "TargetPositionMaster"), "WorldPosition", x=ego_xy[0], y=ego_xy[1], z=0.0, h=0.0)
    _sub(_sub(action, "TargetPosition"), "WorldPosition", x=actor_xy[0], y=actor_xy[1], z=0.0, h=0.0)
    if sync.final_plus_mps is not None:
        final = _sub(action, "FinalSpeed")
        if sync.final_times == 0:
            _sub(final, "AbsoluteSpeed", value=sync.final_plus_mps)
        else:
            relative = sync.final_times != 1.0
            _sub(final, "RelativeSpeedToMaster", value=sync.final_times if relative else sync.final_plus_mps,
                 speedTargetValueType="factor" if relative else "delta")


def _trigger(parent: ET.Element, tag: str, name: str, actor: str, events: tuple[ScriptedEvent, ...],
             scripted: ScriptedEvent | None) -> None:
    """A Start- or StopTrigger: one ConditionGroup, or one per hold event an after_any trigger
    waits for (any of which starts it)."""
    element = _sub(parent, tag)
    trigger = scripted.trigger if scripted is not None else None
    if trigger is None or trigger.kind != "after_any":
        _condition_group(element, name, actor, trigger, events)
        return
    for n in range(len(events)):
        if int(trigger.value) >> n & 1:
            _condition_group(element, f"{name}_or{n}", actor, events[n].trigger, events)


def _own_events(events: tuple[ScriptedEvent, ...]) -> list[int]:
    """The indices of an actor's events its exported maneuver holds: all but scenario ends and
    the hold events that carry other events' conditions."""
    return [n for n, e in enumerate(events) if e.action.kind not in ("end_scenario", "hold")]


def _condition_group(trigger_element: ET.Element, name: str, actor: str, trigger: Trigger | None,
                     events: tuple[ScriptedEvent, ...] = ()) -> None:
    """A ConditionGroup in a Start- or StopTrigger: the trigger's condition (None: at once) and
    those of the hold events it waits for (Trigger.with_events), all of which must hold."""
    group = _sub(trigger_element, "ConditionGroup")
    _condition(group, name, actor, trigger, events)
    for n in range(len(events)):
        if trigger is not None and trigger.with_events >> n & 1:
            _condition(group, f"{name}_with{n}", actor, dataclasses.replace(events[n].trigger, delay_s=0.0), events)


def _condition(group: ET.Element, name: str, actor: str, trigger: Trigger | None,
               events: tuple[ScriptedEvent, ...]) -> None:
    """One Condition; a trigger that waits for all the events of the actor's maneuver names the
    maneuver."""
    condition = _sub(group, "Condition", name=f"{name}_when", delay=trigger.delay_s if trigger else 0.0,
                     conditionEdge="rising")
    if trigger is None or trigger.kind == "time":
        at = 0.0 if trigger is None else trigger.value
        _sub(_sub(condition, "ByValueCondition"), "SimulationTimeCondition", value=at, rule="greaterThan")
        return
    if trigger.kind in ("after", "after_end"):
        mask = int(trigger.value)
        whole = mask & (mask - 1) != 0
        if whole and mask != sum(2 ** n for n in _own_events(events)):
            raise ValueError(f"{actor}: a trigger waits for some of its events ({mask:b}); the export names one "
                             "event, or all of the actor's maneuver, in a StoryboardElementStateCondition")
        _sub(_sub(condition, "ByValueCondition"), "StoryboardElementStateCondition",
             storyboardElementType="maneuver" if whole else "event",
             storyboardElementRef=f"{actor}_maneuver" if whole else f"{actor}_event{mask.bit_length() - 1}",
             state="startTransition" if trigger.kind == "after" else "endTransition")
        return
    if trigger.kind == "relative_speed":
        raise ValueError(f"{actor}: a relative-speed trigger has no OpenSCENARIO 1.0 condition (1.2's "
                         "RelativeSpeedCondition); expected time, distance, ttc, headway, ego_speed, ego_progress "
                         "or after")
    if (trigger.kind.endswith("_still") or trigger.kind == "actor_road_end") and trigger.is_below:
        raise ValueError(f"{actor}: a trigger on standing still or being at the road's end for less than a time "
                         "has no OpenSCENARIO condition; expected one for at least a time")
    by_entity = _sub(condition, "ByEntityCondition")
    _sub(_sub(by_entity, "TriggeringEntities", triggeringEntitiesRule="any"), "EntityRef",
         entityRef=actor if trigger.kind in ACTOR_MEASURES else "ego")
    entity_condition = _sub(by_entity, "EntityCondition")
    rule = "lessThan" if trigger.is_below else "greaterThan"
    if trigger.kind == "distance":
        _sub(entity_condition, "RelativeDistanceCondition", entityRef=actor, freespace=True,
             relativeDistanceType="cartesianDistance", value=trigger.value, rule=rule)
    elif trigger.kind == "ttc":
        ttc = _sub(entity_condition, "TimeToCollisionCondition", value=trigger.value, freespace=True,
                   alongRoute=False, rule=rule)
        _sub(_sub(ttc, "TimeToCollisionConditionTarget"), "EntityRef", entityRef=actor)
    elif trigger.kind in ("headway", "free_headway", "actor_headway"):
        _sub(entity_condition, "TimeHeadwayCondition", entityRef="ego" if trigger.kind == "actor_headway" else actor,
             value=trigger.value, freespace=trigger.kind == "free_headway", alongRoute=False, rule=rule)
    elif trigger.kind in ("ego_speed", "actor_speed"):
        _sub(entity_condition, "SpeedCondition", value=trigger.value, rule=rule)
    elif trigger.kind in ("ego_accel", "actor_accel"):
        _sub(entity_condition, "AccelerationCondition", value=trigger.value, rule=rule)
    elif trigger.kind in ("ego_still", "actor_still"):
        _sub(entity_condition, "StandStillCondition", duration=trigger.value)
    elif trigger.kind == "actor_road_end":
        _sub(entity_condition, "EndOfRoadCondition", duration=trigger.value)
    elif trigger.kind == "ego_progress":  # nines' ego starts its route where the episode starts
        _sub(entity_condition, "TraveledDistanceCondition", value=trigger.value)
    elif trigger.kind == "reach" and trigger.is_below:  # the actor comes within value of a point
        reach = _sub(entity_condition, "ReachPositionCondition", tolerance=trigger.value)
        _world_position(reach, trigger.x_m, trigger.y_m, 0.0)
    elif trigger.kind in ("reach", "ego_reach", "reach_box", "ego_reach_box"):  # an entity's distance to a point
        distance = _sub(entity_condition, "DistanceCondition", value=trigger.value,
                        freespace=trigger.kind.endswith("_box"), rule=rule)
        _world_position(distance, trigger.x_m, trigger.y_m, 0.0)
    else:
        raise ValueError(f"{actor}: a {trigger.kind} trigger has no OpenSCENARIO condition of its own (after_any "
                         "is a StartTrigger's groups)")


def to_xosc(spec: EpisodeSpec, xodr_name: str, bank: MapBank | None = None) -> str:
    """The episode as an OpenSCENARIO 1.0 document."""
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=max(1, len(spec.actors))), bank=bank)
    world.load(0, spec)
    left_out = sorted({e.action.kind for a in spec.actors for e in a.events if e.action.kind in CUSTOM_ACTIONS})
    root = ET.Element("OpenSCENARIO")
    description = f"nines episode on {spec.template}, route {spec.route}, seed {spec.seed}"
    w = spec.weather
    left_out += [name for name, used in zip(CAMERA_ONLY_WEATHER, (w.lens_dirt > 0, w.tunnel_entry_s >= 0,
                                                                    w.sensor_fault != "none")) if used]
    if left_out:
        description += (f"; not expressible in OpenSCENARIO 1.0, kept for nines in nines: properties and custom "
                        f"commands: {', '.join(left_out)}")
    _sub(root, "FileHeader", revMajor=1, revMinor=0, date=DATE, description=description, author="nines")
    _sub(root, "ParameterDeclarations")
    _sub(root, "CatalogLocations")
    _sub(_sub(root, "RoadNetwork"), "LogicFile", filepath=xodr_name)
    entities = _sub(root, "Entities")
    names = ["ego"] + [f"actor{k}" for k in range(len(spec.actors))]
    _entity(entities, "ego", ActorKind.CAR, (4.6, 1.9, 1.5), _ego_properties(spec))
    a = world.actors
    for k, actor in enumerate(spec.actors):
        size = (a.length_m[0, k].item(), a.width_m[0, k].item(), a.height_m[0, k].item())
        _entity(entities, names[k + 1], actor.kind, size, _actor_properties(actor))
    storyboard = _sub(root, "Storyboard")
    actions = _sub(_sub(storyboard, "Init"), "Actions")
    _environment(actions, w, spec.road_friction * weather_friction(w.wetness, w.snow))
    ego = world.ego
    private = _init(actions, "ego", ego.x_m.item(), ego.y_m.item(), ego.yaw_rad.item() % (2 * math.pi),
                    spec.ego_speed_mps)
    _assign_route(private, spec.route, world.route.polyline(0))
    for k, actor in enumerate(spec.actors):
        _init(actions, names[k + 1], a.x_m[0, k].item(), a.y_m[0, k].item(), a.yaw_rad[0, k].item() % (2 * math.pi),
              a.speed_mps[0, k].item())
    story = _sub(storyboard, "Story", name="encounter")
    act = _sub(story, "Act", name="act")
    for k, actor in enumerate(spec.actors):
        if not _own_events(actor.events):
            continue
        name = names[k + 1]
        group = _sub(act, "ManeuverGroup", maximumExecutionCount=1, name=f"{name}_group")
        _sub(_sub(group, "Actors", selectTriggeringEntities=False), "EntityRef", entityRef=name)
        maneuver = _sub(group, "Maneuver", name=f"{name}_maneuver")
        for n in _own_events(actor.events):  # named by index: triggers after an event name it so
            scripted = actor.events[n]
            event = _sub(maneuver, "Event", name=f"{name}_event{n}", priority="parallel")
            if scripted.action.kind == "synchronize":
                _synchronize(event, name, actor.sync, *_sync_points(world, k, actor.sync))
            else:
                _actions(event, name, scripted, actor.path)
            _trigger(event, "StartTrigger", f"{name}_event{n}", name, actor.events, scripted)
    if not len(act):
        group = _sub(act, "ManeuverGroup", maximumExecutionCount=1, name="ego_group")
        _sub(_sub(group, "Actors", selectTriggeringEntities=False), "EntityRef", entityRef="ego")
    _trigger(act, "StartTrigger", "act_start", "ego", (), None)
    stop = ET.SubElement(storyboard, "StopTrigger")
    condition = _sub(_sub(stop, "ConditionGroup"), "Condition", name="time_limit", delay=0.0, conditionEdge="rising")
    _sub(_sub(condition, "ByValueCondition"), "SimulationTimeCondition", value=spec.max_time_s, rule="greaterThan")
    for k, actor in enumerate(spec.actors):
        for n, scripted in enumerate(actor.events):
            if scripted.action.kind == "end_scenario":
                _condition_group(stop, f"{names[k + 1]}_end{n}", names[k + 1], scripted.trigger, actor.events)
    world.close()
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def export_episode(spec: EpisodeSpec, folder: Path, stem: str, bank: MapBank | None = None) -> tuple[Path, Path]:
    """Write stem.xodr and stem.xosc into folder; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    xodr = folder / f"{stem}.xodr"
    write_xodr(load_map(spec.template), xodr)
    xosc = folder / f"{stem}.xosc"
    xosc.write_text(to_xosc(spec, xodr.name, bank), encoding="utf-8")
    return xodr, xosc
