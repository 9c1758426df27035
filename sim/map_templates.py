"""The built-in map templates, made in code as `RoadNetwork`s.

Seven templates: a straight multi-lane road, a curved road (left then right), a highway with
an on-ramp, a signalised 4-way junction, a T-junction, an urban two-way street with parking
lanes, sidewalks and crosswalks, and a town: a grid of streets and signalised junctions with
no dead ends. Scenario families pick one by name.
"""
from __future__ import annotations

import math
from typing import Callable

from sim.road_geometry import Pose, Segment, chain, chain_ending_at
from sim.road_network import (
    Connection,
    Crosswalk,
    Junction,
    LaneSpec,
    Road,
    RoadLink,
    RoadNetwork,
    Signal,
    SignalPhase,
)

KMH = 1 / 3.6
LANE_WIDTH_M = 3.5


def _two_way(width_m: float, speed_mps: float, per_side: int = 1) -> list[LaneSpec]:
    lanes = []
    for k in range(1, per_side + 1):
        lanes += [LaneSpec(k, "driving", width_m, speed_mps), LaneSpec(-k, "driving", width_m, speed_mps)]
    return lanes


def straight() -> RoadNetwork:
    """A 300 m straight road, two lanes each way, 60 km/h."""
    road = Road(1, chain(Pose(0, 0, 0), [(300.0, 0.0)]), _two_way(LANE_WIDTH_M, 60 * KMH, per_side=2))
    routes = {"main": [(1, -1)], "outer": [(1, -2)], "reverse": [(1, 1)]}
    return RoadNetwork("straight", [road], routes=routes)


def curve() -> RoadNetwork:
    """A two-way road curving left then right (radius 70 m), 50 km/h."""
    radius_m = 70.0
    arc_m = radius_m * math.pi / 3
    pieces = [(40.0, 0.0), (arc_m, 1 / radius_m), (30.0, 0.0), (arc_m, -1 / radius_m), (40.0, 0.0)]
    road = Road(1, chain(Pose(0, 0, 0), pieces), _two_way(LANE_WIDTH_M, 50 * KMH))
    return RoadNetwork("curve", [road], routes={"forward": [(1, -1)], "reverse": [(1, 1)]})


def _connector(start: Pose, end: Pose) -> list[Segment]:
    """Line and/or quarter arc joining two poses whose headings are equal or 90 degrees apart."""
    turn = (end.hdg_rad - start.hdg_rad + math.pi) % (2 * math.pi) - math.pi
    dx, dy = end.x_m - start.x_m, end.y_m - start.y_m
    along = dx * math.cos(start.hdg_rad) + dy * math.sin(start.hdg_rad)
    lateral = -dx * math.sin(start.hdg_rad) + dy * math.cos(start.hdg_rad)
    if abs(turn) < 1e-9:
        return chain(start, [(along, 0.0)])
    radius = min(along, abs(lateral))
    arc = (radius * math.pi / 2, math.copysign(1 / radius, turn))
    if along > abs(lateral):
        return chain(start, [(along - radius, 0.0), arc])
    return chain(start, [arc, (abs(lateral) - radius, 0.0)])


ARM_NAMES = {0: "east", 90: "north", 180: "west", 270: "south"}


def _junction(name: str, arm_degrees: list[int], signalised: bool) -> RoadNetwork:
    """Arms of 100 m (one lane each way, 40 km/h) meeting in a 24 m square junction.

    Every arm's reference line starts at the junction edge and points away from it, so its
    lane 1 drives in and its lane -1 drives out; one connecting road per movement.
    """
    half_m, arm_m, speed = 12.0, 100.0, 40 * KMH
    junction = Junction(100)
    roads: list[Road] = []
    for i, deg in enumerate(arm_degrees):
        a = math.radians(deg)
        start = Pose(half_m * math.cos(a), half_m * math.sin(a), a)
        roads.append(Road(i + 1, chain(start, [(arm_m, 0.0)]), _two_way(LANE_WIDTH_M, speed),
                          predecessor=RoadLink("junction", 100)))
    routes = {}
    arms = list(roads)
    for i, arm_in in enumerate(arms):
        for j, arm_out in enumerate(arms):
            if i == j:
                continue
            entry = arm_in.segments[0].start
            exit_ = arm_out.segments[0].start
            segments = _connector(Pose(entry.x_m, entry.y_m, entry.hdg_rad + math.pi), exit_)
            conn_id = 100 + 10 * (i + 1) + (j + 1)
            lane = LaneSpec(-1, "driving", LANE_WIDTH_M, speed, predecessor=1, successor=-1)
            roads.append(Road(conn_id, segments, [lane], junction=100,
                              predecessor=RoadLink("road", arm_in.id, "start"),
                              successor=RoadLink("road", arm_out.id, "start")))
            junction.connections.append(Connection(arm_in.id, conn_id, "start", ((1, -1),)))
            route = f"{ARM_NAMES[arm_degrees[i]]}_to_{ARM_NAMES[arm_degrees[j]]}"
            routes[route] = [(arm_in.id, 1), (conn_id, -1), (arm_out.id, -1)]
    signals, crosswalks = [], []
    for i, deg in enumerate(arm_degrees):
        if signalised:
            offset = 0.0 if deg % 180 == 0 else 23.0
            signals.append(Signal(i + 1, i + 1, 6.0, (1,), SignalPhase(20.0, 3.0, 23.0, offset)))
            crosswalks.append(Crosswalk(i + 1, i + 1, 1.0, 4.0))
    return RoadNetwork(name, roads, [junction], signals, crosswalks, routes)


def junction_4way() -> RoadNetwork:
    """A signalised 4-way junction; east-west and north-south alternate (20 s green, 3 s yellow)."""
    return _junction("junction_4way", [0, 90, 180, 270], signalised=True)


def t_junction() -> RoadNetwork:
    """An unsignalised T-junction: east and west arms, and a south arm ending at them."""
    return _junction("t_junction", [0, 180, 270], signalised=False)


def highway_on_ramp() -> RoadNetwork:
    """Three lanes at 100 km/h; an on-ramp joins a 200 m acceleration lane that then ends."""
    w, fast, slow = 3.75, 100 * KMH, 60 * KMH
    main = [LaneSpec(-k, "driving", w, fast) for k in (1, 2, 3)]
    junction = Junction(100)
    road_a = Road(1, chain(Pose(0, 0, 0), [(250.0, 0.0)]), main, successor=RoadLink("junction", 100))
    road_b = Road(2, chain(Pose(260, 0, 0), [(200.0, 0.0)]), main + [LaneSpec(-4, "driving", w, slow)],
                  predecessor=RoadLink("junction", 100), successor=RoadLink("road", 3, "start"))
    road_c = Road(3, chain(Pose(460, 0, 0), [(300.0, 0.0)]), main, predecessor=RoadLink("road", 2, "end"))
    ramp_angle = math.radians(8.0)
    ramp_end = Pose(250.0, -3 * w, 0.0)
    ramp = Road(4, chain_ending_at(ramp_end, [(120.0, 0.0), (200.0 * ramp_angle, -1 / 200.0)]),
                [LaneSpec(-1, "driving", w, slow)], successor=RoadLink("junction", 100))
    roads = [road_a, road_b, road_c, ramp]
    joins = [(1, k, k) for k in (1, 2, 3)] + [(4, 1, 4)]
    for n, (incoming, lane_in, lane_out) in enumerate(joins):
        conn_id = 101 + n
        start = Pose(250.0, -(lane_out - 1) * w, 0.0)
        lane = LaneSpec(-1, "driving", w, slow if incoming == 4 else fast, predecessor=-lane_in, successor=-lane_out)
        roads.append(Road(conn_id, chain(start, [(10.0, 0.0)]), [lane], junction=100,
                          predecessor=RoadLink("road", incoming, "end"), successor=RoadLink("road", 2, "start")))
        junction.connections.append(Connection(incoming, conn_id, "start", ((-lane_in, -1),)))
    routes = {
        "main": [(1, -1), (101, -1), (2, -1), (3, -1)],
        "right_lane": [(1, -3), (103, -1), (2, -3), (3, -3)],
        "ramp_merge": [(4, -1), (104, -1), (2, -4), (3, -3)],
    }
    return RoadNetwork("highway_on_ramp", roads, [junction], routes=routes)


def urban_street() -> RoadNetwork:
    """A 250 m two-way street: a lane, a parking lane and a sidewalk each side; two crosswalks."""
    speed = 50 * KMH
    lanes = []
    for side in (1, -1):
        lanes += [LaneSpec(side * 1, "driving", 3.25, speed), LaneSpec(side * 2, "parking", 2.5, speed),
                  LaneSpec(side * 3, "sidewalk", 2.0, speed)]
    road = Road(1, chain(Pose(0, 0, 0), [(250.0, 0.0)]), lanes)
    crosswalks = [Crosswalk(1, 1, 80.0, 4.0), Crosswalk(2, 1, 170.0, 4.0)]
    return RoadNetwork("urban_street", [road], crosswalks=crosswalks,
                       routes={"forward": [(1, -1)], "reverse": [(1, 1)]})


GRID_NODES = 3  # the town's junctions per side
GRID_SPACING_M = 120.0


def _arm_poses(road: Road, contact: str) -> tuple[Pose, Pose, int, int]:
    """Where a street meets a junction at its `contact` end: (the pose entering the junction,
    the pose leaving it, both on the street's reference line; the lane that drives in, the lane
    that drives out)."""
    if contact == "start":
        start = road.segments[0].start
        return Pose(start.x_m, start.y_m, start.hdg_rad + math.pi), start, 1, -1
    end = road.segments[-1].end
    return end, Pose(end.x_m, end.y_m, end.hdg_rad + math.pi), -1, 1


def town() -> RoadNetwork:
    """A town of 3 x 3 junctions on a 120 m grid joined by 12 two-way streets (a lane and a
    sidewalk each side, 40 km/h): every street has a junction at both ends, so every lane leads
    to every other. Junctions with three or four arms are signalised, east-west and
    north-south alternating (20 s green, 3 s yellow); the corners are plain bends."""
    half_m, speed = 12.0, 40 * KMH
    lanes = _two_way(LANE_WIDTH_M, speed) + [LaneSpec(2, "sidewalk", 2.0, speed), LaneSpec(-2, "sidewalk", 2.0, speed)]
    junctions = {(i, j): Junction(100 + GRID_NODES * i + j) for i in range(GRID_NODES) for j in range(GRID_NODES)}
    arms: dict[tuple[int, int], list[tuple[Road, str]]] = {node: [] for node in junctions}
    streets: dict[tuple[tuple[int, int], tuple[int, int]], Road] = {}
    roads: list[Road] = []
    for (i, j), junction in junctions.items():
        for di, dj in ((1, 0), (0, 1)):
            other = (i + di, j + dj)
            if other not in junctions:
                continue
            heading = math.atan2(dj, di)
            start = Pose(i * GRID_SPACING_M + half_m * di, j * GRID_SPACING_M + half_m * dj, heading)
            road = Road(len(roads) + 1, chain(start, [(GRID_SPACING_M - 2 * half_m, 0.0)]), lanes,
                        predecessor=RoadLink("junction", junction.id),
                        successor=RoadLink("junction", junctions[other].id))
            roads.append(road)
            arms[(i, j)].append((road, "start"))
            arms[other].append((road, "end"))
            streets[((i, j), other)] = streets[(other, (i, j))] = road
    connectors: dict[tuple[int, int], int] = {}  # (street in, street out): connecting road
    signals: list[Signal] = []
    for node, node_arms in arms.items():
        junction = junctions[node]
        for road_in, contact_in in node_arms:
            entry, _, lane_in, _ = _arm_poses(road_in, contact_in)
            for road_out, contact_out in node_arms:
                if road_out is road_in:
                    continue
                _, exit_, _, lane_out = _arm_poses(road_out, contact_out)
                conn_id = 1000 + 100 * (junction.id - 100) + len(junction.connections)
                lane = LaneSpec(-1, "driving", LANE_WIDTH_M, speed, predecessor=lane_in, successor=lane_out)
                roads.append(Road(conn_id, _connector(entry, exit_), [lane], junction=junction.id,
                                  predecessor=RoadLink("road", road_in.id, contact_in),
                                  successor=RoadLink("road", road_out.id, contact_out)))
                junction.connections.append(Connection(road_in.id, conn_id, "start", ((lane_in, -1),)))
                connectors[(road_in.id, road_out.id)] = conn_id
            if len(node_arms) >= 3:
                offset = 0.0 if abs(math.cos(road_in.segments[0].start.hdg_rad)) > 0.5 else 23.0
                stop_s = 6.0 if contact_in == "start" else road_in.length_m - 6.0
                signals.append(Signal(len(signals) + 1, road_in.id, stop_s, (lane_in,),
                                      SignalPhase(20.0, 3.0, 23.0, offset)))
    ring = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1), (0, 0), (1, 0)]
    cross = [(0, 1), (1, 1), (2, 1), (2, 2)]
    routes = {name: _grid_route(path, streets, connectors) for name, path in (("ring", ring), ("cross", cross))}
    return RoadNetwork("town", roads, list(junctions.values()), signals, routes=routes)


def _grid_route(path: list[tuple[int, int]], streets: dict, connectors: dict[tuple[int, int], int]) -> list:
    """The (road, lane) sequence driving through the town's junctions `path` in order."""
    route, previous = [], None
    for a, b in zip(path, path[1:]):
        street = streets[(a, b)]
        if previous is not None:
            route.append((connectors[(previous.id, street.id)], -1))
        starts_here = street.predecessor.id == 100 + GRID_NODES * a[0] + a[1]
        route.append((street.id, -1 if starts_here else 1))
        previous = street
    return route


TEMPLATES: dict[str, Callable[[], RoadNetwork]] = {
    "straight": straight,
    "curve": curve,
    "highway_on_ramp": highway_on_ramp,
    "junction_4way": junction_4way,
    "t_junction": t_junction,
    "urban_street": urban_street,
    "town": town,
}
