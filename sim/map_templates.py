"""The built-in map templates, made in code as `RoadNetwork`s.

Six templates: a straight multi-lane road, a curved road (left then right), a highway with
an on-ramp, a signalised 4-way junction, a T-junction, and an urban two-way street with
parking lanes, sidewalks and crosswalks. Scenario families pick one by name.
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


TEMPLATES: dict[str, Callable[[], RoadNetwork]] = {
    "straight": straight,
    "curve": curve,
    "highway_on_ramp": highway_on_ramp,
    "junction_4way": junction_4way,
    "t_junction": t_junction,
    "urban_street": urban_street,
}
