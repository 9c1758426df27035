"""Read an OpenSCENARIO 1.0-1.2 scenario (.xosc) as an episode nines drives.

lxml reads the file (entities never resolved, nothing fetched) and keeps every element's line,
so whatever the import cannot honour is refused before a run, naming the element, the file and
the line; `check_xosc` lists every element of a file as supported or not (`nines
import-scenario --check`). scenariogeneration's ParseOpenScenario reads the same files into
objects, but without lines: a refusal could not say where.

What is read:
- the road network's LogicFile (any OpenDRIVE map; a file equal to nines' own export of a
  template is that template); parameters: `$name` and `${expression}` from every
  ParameterDeclarations of the file (which must agree), values given replacing them;
- entities: Vehicle (car, van, truck, bus, bicycle, motorbike), Pedestrian, MiscObject, with
  their bounding boxes; CatalogReferences (with ParameterAssignments) to the catalogs in the
  CatalogLocations' directories (maneuvers, trajectories and environments too, inlined by
  `scenarios.openscenario_files`); an ObjectController on the ego only (its controller is the
  run's driver);
- Init: TeleportAction to any position `scenarios.openscenario_positions` reads (relative ones
  to an entity placed before: entities are placed in the order their references need);
  SpeedAction to an absolute speed (on a map whose file gives no speed limit, the ego's is the
  limit its driver keeps: such files leave the ego's speed to the scenario) or relative to
  another entity's Init speed (factor or delta; continuous: the ego's speed followed from
  time 0, an actor's held while its events change no speed); the ego's
  AssignRouteAction (a Route, or one from a route catalog: waypoints joined along the lanes);
  FollowTrajectoryAction (an entity without a TeleportAction starts at the first point; an actor
  walks the points once it has a speed; the ego's points are its route); EnvironmentAction
  (sun, fog, precipitation, friction);
- the storyboard (`scenarios.openscenario_storyboard`); the StopTrigger's time is the
  episode's limit.
The ego is the entity named hero or ego (any case), or the one `ego` names; the run's driver
drives it. nines' own export adds `nines:` Properties and CustomCommandActions for what
OpenSCENARIO 1.0 cannot say (see `scenarios.openscenario`); they are read when present.
`scenarios.openscenario_family` makes a file, or a distribution over one, a family.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lxml import etree

from scenarios.openscenario_distributions import SUPPORTED as DISTRIBUTION_ELEMENTS
from scenarios.openscenario_files import ScenarioImportError, catalog_entry, inline_catalog_entries, parse_xosc
from scenarios.openscenario_positions import RELATIVE, Pose, Positions, lane_keys, nearest_lane, project
from scenarios.openscenario_storyboard import Cast, Story, storyboard_events, trajectory_path, walkable
from sim.actor_kinds import DEFAULT_SIZE_M, STATIC_KINDS, ActorKind
from sim.actor_state import MAX_EVENTS
from sim.ego_dynamics import EGO_LENGTH_M, weather_friction
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Sync, Trigger
from sim.lane_graph import Lane, LaneGraph, build_lane_graph
from sim.map_catalog import MapError, load_map
from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr
from sim.render.conditions import extinction_per_m
from sim.weather import Weather
from sim.xml_reader import XmlReader, parse_xml

EGO_NAMES = ("hero", "ego")
ON_LANE_M = 0.5  # how far beyond a lane's ends and edges a position still counts as on it
FOLLOW_LANES = 6  # a lane follower without a nines:lanes list follows this many lanes ahead
VEHICLE_CATEGORIES = {"car": ActorKind.CAR, "van": ActorKind.CAR, "truck": ActorKind.TRUCK, "bus": ActorKind.TRUCK,
                 "trailer": ActorKind.TRUCK, "semitrailer": ActorKind.TRUCK, "bicycle": ActorKind.CYCLIST,
                 "motorbike": ActorKind.CYCLIST}
# Actions that change an actor's speed (a speed held relative to it is then no constant)
SPEED_ACTIONS = frozenset({"start_path", "brake", "stop", "set_speed", "jump_speed", "ego_speed_times",
                           "ego_speed_plus", "synchronize", "speed_rate", "speed_time", "speed_distance", "pull_out"})
# Every element the import understands; anything else in a file is refused.
SUPPORTED = frozenset("""
OpenSCENARIO FileHeader ParameterDeclarations ParameterDeclaration CatalogLocations VehicleCatalog
PedestrianCatalog MiscObjectCatalog ControllerCatalog Directory RoadNetwork LogicFile SceneGraphFile Entities
ScenarioObject Vehicle Pedestrian MiscObject CatalogReference BoundingBox Center Dimensions Performance Axles
FrontAxle RearAxle AdditionalAxle Properties Property File Storyboard Init Actions Private PrivateAction
GlobalAction TeleportAction Position WorldPosition LanePosition RoadPosition Orientation LongitudinalAction
SpeedAction SpeedActionDynamics SpeedActionTarget AbsoluteTargetSpeed RoutingAction AssignRouteAction Route
Waypoint EnvironmentAction Environment TimeOfDay Weather Sun Fog Precipitation RoadCondition Story Act
ManeuverGroup Actors EntityRef Maneuver Event Action StartTrigger StopTrigger ConditionGroup Condition
ByValueCondition SimulationTimeCondition ByEntityCondition TriggeringEntities EntityCondition
RelativeDistanceCondition TimeToCollisionCondition TimeToCollisionConditionTarget LateralAction LaneChangeAction
LaneChangeActionDynamics LaneChangeTarget RelativeTargetLane LaneOffsetAction LaneOffsetActionDynamics
LaneOffsetTarget AbsoluteTargetLaneOffset FollowTrajectoryAction Trajectory Shape Polyline Vertex TimeReference
None Timing TrajectoryFollowingMode UserDefinedAction CustomCommandAction ActivateControllerAction
ParameterAssignments ParameterAssignment StoryboardElementStateCondition TimeHeadwayCondition RelativeSpeedCondition
SpeedCondition TraveledDistanceCondition ReachPositionCondition RelativeTargetSpeed AbsoluteTargetLane ObjectController
Controller ControllerAction AssignControllerAction RouteCatalog RoutePosition RouteRef InRoutePosition
FromLaneCoordinates FromRoadCoordinates SynchronizeAction TargetPositionMaster TargetPosition FinalSpeed AbsoluteSpeed
RelativeSpeedToMaster AccelerationCondition StandStillCondition CollisionCondition ByType EndOfRoadCondition
RelativeWorldPosition RelativeObjectPosition RelativeRoadPosition RelativeLanePosition ManeuverCatalog DistanceCondition
TrajectoryRef Clothoid TrajectoryCatalog EnvironmentCatalog
""".split())


@dataclass(frozen=True)
class Finding:
    """One element of a file: the file, its line, its tag, and whether the import honours it."""

    file: str
    line: int
    element: str
    supported: bool


def check_xosc(path: str | Path) -> list[Finding]:
    """Every element of the file, in document order, with whether the import honours it; for a
    ParameterValueDistribution, its own elements and then its scenario's."""
    path = Path(path)
    root = parse_xosc(path)
    if root.find("ParameterValueDistribution") is None:
        return _findings(path, root, SUPPORTED)
    found = _findings(path, root, DISTRIBUTION_ELEMENTS)
    scenario = root.find("ParameterValueDistribution/ScenarioFile")
    if scenario is not None and scenario.get("filepath"):
        found += check_xosc((path.parent / scenario.get("filepath")).resolve())
    return found


def _findings(path: Path, root: etree._Element, supported: frozenset[str]) -> list[Finding]:
    return [Finding(str(path), e.sourceline, e.tag, e.tag in supported) for e in root.iter() if isinstance(e.tag, str)]


def declared_parameters(path: Path, root: etree._Element) -> dict[str, etree._Element]:
    """Every ParameterDeclaration of a scenario by name: the global ones and those of its
    stories, acts and other storyboard elements, which must not contradict each other (the
    import does not scope parameters)."""
    found: dict[str, etree._Element] = {}
    for declaration in root.iter("ParameterDeclaration"):
        name = declaration.get("name")
        if name in found and found[name].get("value") != declaration.get("value"):
            raise ScenarioImportError(f"{path}:{declaration.sourceline}: <ParameterDeclaration> {name} is declared "
                                      f"again with another value (line {found[name].sourceline}); expected one value "
                                      "per name")
        found.setdefault(name, declaration)
    return found


def _reader(path: Path, root: etree._Element, values: dict[str, str] | None = None) -> XmlReader:
    """Attribute access with the file's parameters substituted, `values` replacing declared ones."""
    declared = {name: d.get("value") for name, d in declared_parameters(path, root).items()}
    unknown = sorted(set(values or {}) - set(declared))
    if unknown:
        raise ScenarioImportError(f"{path}: parameter {', '.join(unknown)} is never declared; it declares "
                                  f"{', '.join(declared) or 'none'}")
    return XmlReader(str(path), ScenarioImportError, {**declared, **(values or {})})


@dataclass
class _Entity:
    name: str
    kind: ActorKind
    size_m: tuple[float, float, float]
    properties: dict[str, str]


def import_xosc(path: str | Path, ego: str | None = None, seed: int = 0,
                parameters: dict[str, str] | None = None) -> EpisodeSpec:
    """The scenario as an EpisodeSpec, `parameters` (name -> value) replacing the declared
    values; ScenarioImportError for what cannot be honoured."""
    path = Path(path)
    root = parse_xosc(path)
    reader = _reader(path, root, parameters)
    root = inline_catalog_entries(reader, root)
    unsupported = next((e for e in root.iter() if isinstance(e.tag, str) and e.tag not in SUPPORTED), None)
    if unsupported is not None:
        raise ScenarioImportError(f"{path}:{unsupported.sourceline}: <{unsupported.tag}> is not supported by the "
                                  "import; `nines import-scenario --check` lists what is")
    template = _map_name(reader, root)
    graph = _lane_graph(template)
    entities = {e.name: e for e in _entities(reader, root)}
    ego_name = find_ego(reader.source, list(entities), ego)
    init = _init_actions(reader, root)
    ego_props = entities[ego_name].properties
    weather, friction = _environment(reader, root, ego_props)
    positions = Positions(reader, graph, root, placed={})
    placed = _placements(reader, positions, init, list(entities))
    ego = placed.pop(ego_name)
    ego_pose, ego_speed = ego.pose, ego.speed_mps
    route_name, route_lanes = _ego_route(reader, positions, init.get(ego_name, []), ego, ego_props)
    first = graph.lanes[graph.index_of[route_lanes[0]]]
    ego_s, _ = project(first, ego_pose[:2])
    _check_controllers(reader, root, ego_name)
    lanes = {name: _actor_lanes(positions, entities[name], init.get(name, []), placed[name].pose) for name in placed}
    moving = Positions(reader, graph, root)

    def along(name: str, position: etree._Element) -> float | None:
        pose = moving.pose(position)
        return _route_progress(graph, route_lanes, ego_s, pose) if name == ego_name else _route_progress(
            graph, lane_keys(graph, lanes[name]), 0.0, pose)

    last = graph.lanes[graph.index_of[route_lanes[-1]]]
    cast = Cast(ego_name, {**{n: e.size_m[0] for n, e in entities.items()}, ego_name: EGO_LENGTH_M},
                {**{n: _lane_id(graph, p.pose) for n, p in placed.items()}, ego_name: route_lanes[0][1]},
                moving.pose, along, lambda name, lane_id: _beside(graph, placed[name].pose, lanes[name][0], lane_id),
                lambda name, lane_id: (_road_of(graph, placed[name].pose), lane_id) in graph.index_of,
                lands=lambda name, pose: entities[name].kind in STATIC_KINDS or _on_a_lane(graph, pose),
                route_dead_end=not last.successors)
    story = storyboard_events(reader, root, cast)
    for name, start in placed.items():
        if start.follows is not None:
            story.events.setdefault(name, []).extend(_followed_speed(reader, start.follows, ego_name, story))
        if start.path:
            init_trajectory = next(a for a in init[name] if a.find("FollowTrajectoryAction") is not None)
            walkable(reader, init_trajectory, start.path)
            if any(path for _, path in story.events.get(name, ())):
                raise reader.fail(init_trajectory, f"gives {name} a trajectory, and its events another; the import "
                                                   "walks one path per actor")
            if any(event.action.kind == "teleport" for event, _ in story.events.get(name, ())):
                raise reader.fail(init_trajectory, f"gives {name} a trajectory, and its events a teleport; the "
                                                   "import teleports actors that follow lanes or stand")
    crowded = next((name for name, events in story.events.items() if len(events) > MAX_EVENTS), None)
    if crowded is not None:
        raise ScenarioImportError(f"{path}: {crowded} has {len(story.events[crowded])} actions in its events (stop "
                                  f"conditions included); an actor carries at most {MAX_EVENTS}")
    actors = tuple(_actor(graph, entities[name], placed[name], story.events.get(name, ()), lanes[name],
                          story.syncs.get(name)) for name in entities if name != ego_name)
    named_route = route_name if route_name in graph.network.routes else None
    return EpisodeSpec(template, named_route or route_name or "imported", seed=int(ego_props.get("nines:seed", seed)),
                       ego_s_m=ego_s, ego_speed_mps=ego_speed, actors=actors, weather=weather,
                       road_friction=friction, max_time_s=_time_limit(reader, root),
                       route_lanes=() if named_route else route_lanes,
                       speed_limit_mps=None if graph.network.speed_limits_given or ego_speed <= 0 else ego_speed)


def _followed_speed(reader: XmlReader, follows: tuple[str, etree._Element], ego_name: str,
                    story: Story) -> list[tuple[ScriptedEvent, tuple]]:
    """An Init speed continuously relative to another entity's: following the ego's, an event
    at time 0 (appended, so the others keep their numbers); an actor's holds while that actor's
    events change no speed, else it is refused."""
    other, relative = follows
    value = reader.number(relative, "value")
    if other == ego_name:
        kind = "ego_speed_times" if reader.text(relative, "speedTargetValueType") == "factor" else "ego_speed_plus"
        return [(ScriptedEvent(Trigger("time", 0.0), Action(kind, value)), ())]
    if any(event.action.kind in SPEED_ACTIONS for event, _ in story.events.get(other, [])):
        raise reader.fail(relative, f"follows {other}'s speed continuously, which its events change; the import "
                                    f"follows only the ego's speed, or holds a speed from {other}'s Init speed")
    return []


@functools.lru_cache(maxsize=8)
def _lane_graph(map_name: str) -> LaneGraph:
    return build_lane_graph(load_map(map_name))


def _map_name(reader: XmlReader, root: etree._Element) -> str:
    logic = reader.one(root, "RoadNetwork/LogicFile")
    xodr = (Path(reader.source).parent / reader.text(logic, "filepath")).resolve()
    if not xodr.is_file():
        raise reader.fail(logic, f"filepath={logic.get('filepath')!r}: no such file; expected an OpenDRIVE map")
    text = xodr.read_text(encoding="utf-8", errors="replace")
    header = parse_xml(text.encode(), str(xodr), "OpenDRIVE", ScenarioImportError).find("header")
    name = header.get("name") if header is not None else None
    if name in TEMPLATES and to_xodr(TEMPLATES[name]()) == text:
        return name
    try:
        load_map(str(xodr))
    except MapError as error:
        raise reader.fail(logic, f"names a map that does not import: {error}") from None
    return str(xodr)


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.findall("Properties/Property")}


def _entities(reader: XmlReader, root: etree._Element) -> list[_Entity]:
    found = []
    for obj in reader.one(root, "Entities").findall("ScenarioObject"):
        name = reader.text(obj, "name")
        body, entry_reader = next(iter(obj), None), reader
        if body is None:
            raise reader.fail(obj, f"{name} is empty; expected a Vehicle, Pedestrian or MiscObject")
        if body.tag == "CatalogReference":
            body, entry_reader = catalog_entry(reader, root, body)
        found.append(_entity(entry_reader, name, body))
    return found


def _entity(reader: XmlReader, name: str, body: etree._Element) -> _Entity:
    """An entity from its Vehicle, Pedestrian or MiscObject element."""
    properties = _properties(body)
    if body.tag == "Vehicle":
        category = reader.text(body, "vehicleCategory")
        if category not in VEHICLE_CATEGORIES:
            raise reader.fail(body, f"vehicleCategory={category!r}; expected one of "
                                    f"{', '.join(VEHICLE_CATEGORIES)}")
        kind = VEHICLE_CATEGORIES[category]
    elif body.tag == "Pedestrian":
        kind = ActorKind.PEDESTRIAN
    elif body.tag == "MiscObject":
        kind = ActorKind.BARRIER
    else:
        raise reader.fail(body, "is not an entity; expected a Vehicle, Pedestrian or MiscObject")
    if "nines:kind" in properties:
        kind = ActorKind[properties["nines:kind"].upper()]
    box = body.find("BoundingBox/Dimensions")
    size = DEFAULT_SIZE_M[kind] if box is None else (
        reader.number(box, "length"), reader.number(box, "width"), reader.number(box, "height"))
    return _Entity(name, kind, size, properties)


def find_ego(source: str, entities: list[str], chosen: str | None = None) -> str:
    """The ego among a scenario's entity names: `chosen`, or the one named hero or ego."""
    if chosen is not None:
        if chosen not in entities:
            raise ScenarioImportError(f"{source}: --ego {chosen!r} is no entity of the file; it has "
                                      f"{', '.join(entities)}")
        return chosen
    named = [name for name in entities if name.lower() in EGO_NAMES]
    if len(named) != 1:
        raise ScenarioImportError(f"{source}: no entity is named hero or ego; name the ego with --ego (one of "
                                  f"{', '.join(entities)})")
    return named[0]


def _init_actions(reader: XmlReader, root: etree._Element) -> dict[str, list[etree._Element]]:
    actions: dict[str, list[etree._Element]] = {}
    for private in root.findall("Storyboard/Init/Actions/Private"):
        actions.setdefault(reader.text(private, "entityRef"), []).extend(private.findall("PrivateAction/*"))
    return actions


@dataclass(frozen=True)
class _Placed:
    """An entity's start: its pose (x, y, heading), speed (m/s), the points of the trajectory
    its Init gives it (() for none), and for an Init speed relative to another entity's and
    continuous, that entity and its RelativeTargetSpeed element."""

    pose: Pose
    speed_mps: float
    path: tuple = ()
    follows: tuple[str, etree._Element] | None = None


def _placements(reader: XmlReader, positions: Positions, init: dict[str, list[etree._Element]],
                names: list[str]) -> dict[str, _Placed]:
    """Where each entity starts, an entity placed relative to another after it."""
    placed: dict[str, _Placed] = {}

    def place(name: str, waiting: tuple[str, ...]) -> None:
        if name in placed:
            return
        if name in waiting:
            raise ScenarioImportError(f"{reader.source}: the Init places {' -> '.join(waiting + (name,))} each "
                                      "relative to the next; expected a chain that ends at an absolute position")
        for action in init.get(name, []):
            kinds = RELATIVE if action.tag == "TeleportAction" else ("RelativeTargetSpeed",)
            for relative in action.iter(*kinds):
                if relative.get("entityRef") in names:
                    place(relative.get("entityRef"), waiting + (name,))
        placed[name] = _placement(reader, positions, init.get(name, []), name, placed)
        positions.placed[name] = placed[name].pose

    for name in names:
        place(name, ())
    return placed


def _placement(reader: XmlReader, positions: Positions, actions: list[etree._Element], name: str,
               placed: dict[str, _Placed]) -> _Placed:
    """An entity's start pose (x, y, heading) and speed from its Init actions: where its
    TeleportAction puts it, else the start of its trajectory, heading along it; a speed
    relative to another entity's is that entity's Init speed times or plus the value."""
    teleport = next((a for a in actions if a.tag == "TeleportAction"), None)
    path = _init_path(reader, positions, actions)
    if teleport is None and len(path) < 2:
        raise ScenarioImportError(f"{reader.source}: entity {name} has no TeleportAction in the Init; expected one "
                                  "placing it, or a FollowTrajectoryAction starting it on its trajectory")
    if teleport is not None:
        pose = positions.pose(reader.one(teleport, "Position"))
    else:
        pose = (*path[0], math.atan2(path[1][1] - path[0][1], path[1][0] - path[0][0]))
    speed, follows = 0.0, None
    for action in actions:
        if action.tag == "LongitudinalAction":
            target = reader.one(action, "SpeedAction/SpeedActionTarget")
            absolute, relative = target.find("AbsoluteTargetSpeed"), target.find("RelativeTargetSpeed")
            if absolute is not None:
                speed = reader.number(absolute, "value")
                continue
            other = reader.text(relative, "entityRef")
            if other not in placed:
                raise reader.fail(relative, f"entityRef={other!r} is no entity of the scenario")
            value, base = reader.number(relative, "value"), placed[other].speed_mps
            factor = reader.text(relative, "speedTargetValueType") == "factor"
            speed = max(0.0, base * value if factor else base + value)
            if reader.text(relative, "continuous", "false") in ("true", "1"):
                follows = (other, relative)
    return _Placed(pose, speed, path, follows)


def _init_path(reader: XmlReader, positions: Positions, actions: list[etree._Element]) -> tuple:
    """The points of an Init FollowTrajectoryAction (the entity walks them once it has a speed),
    or ()."""
    follow = next((a.find("FollowTrajectoryAction") for a in actions
                   if a.tag == "RoutingAction" and a.find("FollowTrajectoryAction") is not None), None)
    return () if follow is None else trajectory_path(reader, follow, positions.pose)[0]


def _parse_keys(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(road), int(lane)) for road, lane in (item.split(",") for item in text.split(";")))


def _ego_route(reader: XmlReader, positions: Positions, actions: list[etree._Element], ego: _Placed,
               props: dict[str, str]) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    """The ego's route: its AssignRouteAction's waypoints joined along the lanes, the lanes its
    Init trajectory passes through (the driver drives it, along them), or the lanes ahead of
    where it starts."""
    if "nines:route_lanes" in props:
        return None, _parse_keys(props["nines:route_lanes"])
    assigned = next((a.find("AssignRouteAction") for a in actions
                     if a.tag == "RoutingAction" and a.find("AssignRouteAction") is not None), None)
    graph = positions.graph
    start = nearest_lane(graph, ego.pose)
    if start < 0:
        raise ScenarioImportError(f"{reader.source}: the ego starts on no driving lane of the map")
    if assigned is None and ego.path:
        follow = next(a for a in actions if a.tag == "RoutingAction" and a.find("FollowTrajectoryAction") is not None)
        headings = [math.atan2(b[1] - a[1], b[0] - a[0]) for a, b in zip(ego.path, ego.path[1:])]
        points = [(follow, (*xy, h)) for xy, h in zip(ego.path, headings + headings[-1:])]
        return None, lane_keys(graph, positions.join(points, follow, start))
    if assigned is None:
        return None, lane_keys(graph, _ahead(graph, start, FOLLOW_LANES))
    route = positions.route(assigned)
    name = route.get("name")
    if name in graph.network.routes:
        return name, tuple(graph.network.routes[name])
    return name, lane_keys(graph, positions.join_waypoints(route, start))


def _ahead(graph: LaneGraph, start: int, count: int) -> list[int]:
    lanes = [start]
    while len(lanes) < count and graph.lanes[lanes[-1]].successors:
        lanes.append(graph.lanes[lanes[-1]].successors[0])
    return lanes


def _environment(reader: XmlReader, root: etree._Element, ego_props: dict[str, str]) -> tuple[Weather, float]:
    """The weather and the road's friction scale from the Init's EnvironmentAction (nines' own
    export carries the whole weather in the ego's nines:weather)."""
    environment = root.find("Storyboard/Init/Actions/GlobalAction/EnvironmentAction/Environment")
    friction = 1.0
    if environment is not None and environment.find("RoadCondition") is not None:
        friction = reader.number(environment.find("RoadCondition"), "frictionScaleFactor")
    if "nines:weather" in ego_props:
        weather = Weather(**json.loads(ego_props["nines:weather"]))
        return weather, friction / weather_friction(weather.wetness, weather.snow)
    if environment is None:
        return Weather(), friction
    fields: dict[str, float] = {}
    sun = environment.find("Weather/Sun")
    if sun is not None:
        fields["sun_altitude_angle"] = max(-90.0, min(90.0, math.degrees(reader.number(sun, "elevation"))))
        fields["sun_azimuth_angle"] = math.degrees(reader.number(sun, "azimuth")) % 360
    rain = environment.find("Weather/Precipitation")
    if rain is not None:
        intensity = 100.0 * min(1.0, reader.number(rain, "intensity",
                                                   reader.number(rain, "precipitationIntensity", 0.0)))
        fields["snow" if rain.get("precipitationType") == "snow" else "precipitation"] = intensity
        fields["wetness"] = intensity if rain.get("precipitationType") == "rain" else 0.0
    fog = environment.find("Weather/Fog")
    if fog is not None:
        # the fog density whose contrast falls to 5 % at the visual range, as the renderer draws it
        clear = extinction_per_m(0.0, fields.get("precipitation", 0.0))
        needed = math.log(20) / max(reader.number(fog, "visualRange"), 1e-3)
        fields["fog_density"] = max(0.0, min(100.0, (needed - clear) / (extinction_per_m(100.0, 0.0)
                                                                          - extinction_per_m(0.0, 0.0)) * 100.0))
    return Weather(**fields), friction


def _route_progress(graph: LaneGraph, route: tuple[tuple[int, int], ...], start_s_m: float,
                    pose: tuple[float, float, float]) -> float | None:
    """How far along the route from start_s_m on its first lane a pose lies (m), if it lies
    on one of the route's lanes; None if not."""
    before = 0.0
    for key in route:
        lane = graph.lanes[graph.index_of[key]]
        s = _on(lane, pose)
        if s is not None:
            return before + s - start_s_m
        before += float(lane.s_m[-1])
    return None


def _on(lane: Lane, pose: tuple[float, float, float]) -> float | None:
    """How far along the lane a pose lies (m), if it lies on it (within ON_LANE_M of its ends
    and edges); None if not."""
    s, lateral = project(lane, pose[:2])
    on = -ON_LANE_M <= s <= lane.s_m[-1] + ON_LANE_M and abs(lateral) <= 0.5 * lane.width_m + ON_LANE_M
    return s if on else None


def _on_a_lane(graph: LaneGraph, pose: tuple[float, float, float]) -> bool:
    """Whether a pose lies on a lane of the map (within ON_LANE_M of its ends and edges)."""
    nearest = nearest_lane(graph, pose, driving_only=False, any_heading=True)
    return nearest >= 0 and _on(graph.lanes[nearest], pose) is not None


def _lane_id(graph: LaneGraph, pose: tuple[float, float, float]) -> int | None:
    """The file's id of the lane nearest a pose, whichever way it runs (None on a map without lanes)."""
    nearest = nearest_lane(graph, pose, driving_only=False, any_heading=True)
    return graph.lanes[nearest].lane_id if nearest >= 0 else None


def _road_of(graph: LaneGraph, pose: Pose) -> int:
    """The road section whose lane is nearest a pose, whichever way it runs."""
    return graph.lanes[nearest_lane(graph, pose, driving_only=False, any_heading=True)].road_id


def _beside(graph: LaneGraph, pose: Pose, followed: int, lane_id: int) -> float | None:
    """How far left of the lane an actor at `pose` follows (index `followed`) the centre of lane
    `lane_id` of the road it is on lies (m), where the actor cannot change into it as a lane
    follower: it drives beside its lane (in a lane of the other way, facing this way) or that
    lane runs the other way. None where it can. The road must have the lane (Cast.has_lane)."""
    inside = graph.lanes[nearest_lane(graph, pose, driving_only=False, any_heading=True)]
    key = (inside.road_id, lane_id)
    wanted, along = graph.lanes[graph.index_of[key]], graph.lanes[followed]
    nearest = int(((wanted.centre_xy - np.asarray(pose[:2])) ** 2).sum(-1).argmin())
    same_way = math.cos(wanted.heading_rad[nearest] - along.heading_rad[
        int(((along.centre_xy - np.asarray(pose[:2])) ** 2).sum(-1).argmin())]) > 0
    if inside.index == followed and same_way:
        return None
    return project(along, wanted.centre_xy[nearest])[1]


def _check_controllers(reader: XmlReader, root: etree._Element, ego: str) -> None:
    """Controllers may drive only the ego, whose controller is the run's driver: another
    entity's controller, or an action on one, is refused."""
    for obj in root.findall("Entities/ScenarioObject"):
        controller = obj.find("ObjectController")
        if controller is not None and obj.get("name") != ego:
            raise reader.fail(controller, f"gives {obj.get('name')} a controller; nines drives actors by their script "
                                          "and the ego by the run's driver")
    for private in root.iter("Private"):
        action = private.find("PrivateAction/ControllerAction")
        action = private.find("PrivateAction/ActivateControllerAction") if action is None else action
        if action is not None and private.get("entityRef") != ego:
            raise reader.fail(action, f"acts on {private.get('entityRef')}'s controller; only the ego's controller "
                                      "(the run's driver) may be named")


def _actor_lanes(positions: Positions, entity: _Entity, actions: list[etree._Element], pose: Pose) -> list[int]:
    """The lanes an actor follows: its nines:lanes, the lanes its AssignRouteAction joins from
    where it starts, or the lanes ahead of it."""
    graph = positions.graph
    if "nines:lanes" in entity.properties:
        return [graph.index_of[key] for key in _parse_keys(entity.properties["nines:lanes"])]
    start = nearest_lane(graph, pose, driving_only=False)
    assigned = next((a.find("AssignRouteAction") for a in actions
                     if a.tag == "RoutingAction" and a.find("AssignRouteAction") is not None), None)
    if assigned is None:
        return _ahead(graph, start, FOLLOW_LANES)
    return positions.join_waypoints(positions.route(assigned), start)


def _actor(graph: LaneGraph, entity: _Entity, placed: _Placed, events: list[tuple[ScriptedEvent, tuple]],
           lanes: list[int], sync: Sync | None) -> ActorSpec:
    pose, speed = placed.pose, placed.speed_mps
    props = entity.properties
    path = next((p for _, p in events if p), placed.path)  # one at most (storyboard_events, import_xosc)
    motion = props.get("nines:motion") or ("path" if path else "static" if entity.kind in STATIC_KINDS else "lane")
    colour = tuple(float(c) for c in props["nines:colour"].split(",")) if "nines:colour" in props else (0.6, 0.6, 0.65)
    if "nines:sync" in props:  # nines' export: the exact distances its world positions approximate
        sync = Sync(**json.loads(props["nines:sync"]))
    common = dict(kind=entity.kind, motion=motion, speed_mps=speed, size_m=entity.size_m, colour=colour,
                  events=tuple(e for e, _ in events), sync=sync,
                  ignores_red_lights=props.get("nines:ignores_red_lights") == "true",
                  desired_speed_mps=float(props["nines:desired_speed_mps"]) if "nines:desired_speed_mps" in props
                  else None)
    if motion == "path" or (motion == "static" and "nines:lanes" not in props):
        return ActorSpec(x_m=pose[0], y_m=pose[1], yaw_rad=pose[2], path=path, **common)
    s, offset = project(graph.lanes[lanes[0]], pose[:2])
    return ActorSpec(lanes=lane_keys(graph, lanes), s_m=s, offset_m=offset, **common)


def _time_limit(reader: XmlReader, root: etree._Element) -> float:
    stop = root.find("Storyboard/StopTrigger/ConditionGroup/Condition/ByValueCondition/SimulationTimeCondition")
    return reader.number(stop, "value") if stop is not None else 60.0
