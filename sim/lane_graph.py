"""The simulator's view of a map: lanes as polylines in their driving direction, with
successors and neighbours, derived from a `RoadNetwork`.

Each lane of each road becomes one `Lane`, sampled every `STEP_M` (lanes of type none, the
zero-width placeholders of OpenDRIVE, do not). Lanes with a negative OpenDRIVE id run along
the road's reference line, positive ones against it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.road_network import NO_LINK, Road, RoadNetwork

STEP_M = 0.5


@dataclass
class Lane:
    """One lane in driving direction. Arrays have P points: s_m [P], centre_xy [P, 2],
    heading_rad [P], widths_m [P]; width_m is the mean width."""

    index: int
    road_id: int
    lane_id: int
    type: str
    width_m: float
    speed_limit_mps: float
    in_junction: bool
    s_m: np.ndarray
    centre_xy: np.ndarray
    heading_rad: np.ndarray
    widths_m: np.ndarray
    successors: list[int] = field(default_factory=list)
    predecessors: list[int] = field(default_factory=list)
    left: int = -1
    right: int = -1
    left_same_direction: bool = False

    @property
    def length_m(self) -> float:
        return float(self.s_m[-1])


@dataclass
class LaneGraph:
    network: RoadNetwork
    lanes: list[Lane]
    index_of: dict[tuple[int, int], int]

    def route_lanes(self, route: str) -> list[int]:
        """Lane indices of a named route; KeyError names the routes that exist."""
        if route not in self.network.routes:
            raise KeyError(f"map {self.network.name} has no route {route!r}; routes: {sorted(self.network.routes)}")
        return [self.index_of[key] for key in self.network.routes[route]]


def _sample_lane(road: Road, lane_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A lane in its driving direction -> s [P], centre xy [P, 2], heading [P], width [P]."""
    count = max(2, int(np.ceil(road.length_m / STEP_M)) + 1)
    s_ref = np.linspace(0.0, road.length_m, count)
    xy, hdg = road.lane_centre(lane_id, s_ref)
    width = road.lane(lane_id).width_at(s_ref)
    if lane_id > 0:
        xy, hdg, width = xy[::-1].copy(), hdg[::-1] + np.pi, width[::-1].copy()
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(step)])
    return s, xy, np.arctan2(np.sin(hdg), np.cos(hdg)), width


def _next_keys(network: RoadNetwork, road: Road, lane_id: int) -> list[tuple[int, int]]:
    """(road, lane) keys a vehicle can enter at the far end of lane `lane_id` of `road`."""
    spec = road.lane(lane_id)
    link = road.successor if lane_id < 0 else road.predecessor
    if link is None:
        return []
    if link.kind == "junction":
        junction = next(j for j in network.junctions if j.id == link.id)
        return [(c.connecting_road, to) for c in junction.connections if c.incoming_road == road.id
                for frm, to in c.lane_links if frm == lane_id]
    target = spec.successor if lane_id < 0 else spec.predecessor
    if target == NO_LINK:
        return []
    if target is None:
        target = lane_id if link.contact == "start" else -lane_id
    return [(link.id, target)]


def _neighbour_ids(road: Road, lane_id: int) -> tuple[int | None, int | None]:
    """Lane ids left and right of `lane_id`, seen in its driving direction (None at the edge)."""
    ids = {lane.id for lane in road.lanes if lane.type != "none"}
    step = 1 if lane_id < 0 else -1
    left = lane_id + step if lane_id + step != 0 else -lane_id // abs(lane_id)
    right = lane_id - step
    return (left if left in ids else None), (right if right in ids else None)


def build_lane_graph(network: RoadNetwork) -> LaneGraph:
    lanes: list[Lane] = []
    index_of: dict[tuple[int, int], int] = {}
    for road in network.roads:
        for spec in sorted(road.lanes, key=lambda lane: lane.id):
            if spec.type == "none":
                continue
            s, xy, hdg, width = _sample_lane(road, spec.id)
            index_of[(road.id, spec.id)] = len(lanes)
            lanes.append(Lane(len(lanes), road.id, spec.id, spec.type, float(width.mean()), spec.speed_limit_mps,
                              road.junction != -1, s, xy, hdg, width))
    for lane in lanes:
        road = network.road(lane.road_id)
        lane.successors = [index_of[k] for k in _next_keys(network, road, lane.lane_id) if k in index_of]
        for successor in lane.successors:
            lanes[successor].predecessors.append(lane.index)
        left, right = _neighbour_ids(road, lane.lane_id)
        lane.left = index_of[(road.id, left)] if left is not None else -1
        lane.right = index_of[(road.id, right)] if right is not None else -1
        lane.left_same_direction = left is not None and (left > 0) == (lane.lane_id > 0)
    return LaneGraph(network, lanes, index_of)
