"""Routes on any map: shortest lane sequences along successor links (scipy's Dijkstra), and
random routes of a given length between two points of the map, across its junctions.

A route is a list of lane indices of a `LaneGraph`, each a successor of the one before, so
its centre lines join end to end (no lane changes).
"""
from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.lane_graph import LaneGraph

TRIES = 64
END_LANE_MIN_M = 20.0  # a route starts and ends on a lane this long: room to start and to stop


def successor_matrix(graph: LaneGraph) -> csr_matrix:
    """[L, L] edge weights: entering lane j from lane i costs lane i's length (m)."""
    rows, cols, weights = [], [], []
    for lane in graph.lanes:
        for successor in lane.successors:
            rows.append(lane.index)
            cols.append(successor)
            weights.append(max(lane.length_m, 1e-3))  # a zero weight would read as no edge
    count = len(graph.lanes)
    return csr_matrix((weights, (rows, cols)), shape=(count, count))


def _path(predecessors: np.ndarray, goal: int) -> list[int]:
    path = [goal]
    while predecessors[path[-1]] >= 0:
        path.append(int(predecessors[path[-1]]))
    return path[::-1]


def shortest_route(graph: LaneGraph, start: int, goal: int) -> list[int] | None:
    """The shortest route from lane `start` to lane `goal`, both included; None if unreachable."""
    _, predecessors = dijkstra(successor_matrix(graph), indices=start, return_predecessors=True)
    if start != goal and predecessors[goal] < 0:
        return None
    return _path(predecessors, goal)


def route_length_m(graph: LaneGraph, route: list[int]) -> float:
    return float(sum(graph.lanes[i].length_m for i in route))


def random_route(graph: LaneGraph, rng: np.random.Generator, min_m: float, max_m: float) -> list[int]:
    """A route between a random driving lane and a random driving lane reachable from it, of
    min_m to max_m in all; both ends outside junctions, on lanes of END_LANE_MIN_M or more.
    ValueError if the map has none."""
    matrix = successor_matrix(graph)
    ends = np.array([lane.index for lane in graph.lanes
                     if lane.type == "driving" and not lane.in_junction and lane.length_m >= END_LANE_MIN_M])
    if len(ends) == 0:
        raise ValueError(f"map {graph.network.name} has no driving lane of {END_LANE_MIN_M:.0f} m outside junctions")
    lengths = np.array([lane.length_m for lane in graph.lanes])
    for _ in range(TRIES):
        start = int(rng.choice(ends))
        before, predecessors = dijkstra(matrix, indices=start, return_predecessors=True, limit=max_m)
        total = before[ends] + lengths[ends]
        fits = ends[(total >= min_m) & (total <= max_m)]
        if len(fits):
            return _path(predecessors, int(rng.choice(fits)))
    raise ValueError(f"map {graph.network.name} has no route of {min_m:.0f} to {max_m:.0f} m along its lanes")
