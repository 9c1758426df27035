"""Nominal drives on any map, imported ones included: a random route between two points of
the map, across its junctions, with traffic ahead on it.

`nominal_route(map)` builds the family for one map; a suite names it `nominal_route@MAP`
(MAP a template, an imported map's name, or an .xodr path). Which route is driven is the
`route` parameter: a quantile that seeds the route's draw, so every sampler covers routes as
it covers any other parameter. Traffic ahead keeps close to each lane's speed limit
(`traffic_pace`, a share of it), as the ego does, so the ego follows it, and it slows where
the limit falls (a car at a highway's pace turning at an urban junction runs into the ego).
"""
from __future__ import annotations

from functools import lru_cache, partial

import numpy as np

from scenarios.actor_builders import car, episode
from scenarios.family import Family
from scenarios.families.nominal import density
from scenarios.parameters import Continuous, uniform
from sim.episode_spec import MAX_ROUTE_LANES
from sim.lane_graph import LaneGraph, build_lane_graph
from sim.map_catalog import load_map

EGO_S_M = 5.0
# Routes are 500 to 900 m where the map has them; a smaller map drives the longest it has.
MIN_ROUTE_M, MAX_ROUTE_M = (500.0, 250.0, 100.0, 30.0), 900.0
MAX_TIME_S = 300.0  # 900 m at town speeds with a red light at every junction
FIRST_CAR_M, CAR_GAP_M = 40.0, 50.0
route = Continuous("route", "quantile", 0.0, 1.0, uniform(0.0, 1.0), "uniform over the map's routes (a definition)")
traffic_pace = Continuous("traffic_pace", "share of the speed limit", 0.9, 1.0, uniform(0.9, 0.1), "assumed")


@lru_cache(maxsize=8)
def _graph(map_name: str) -> LaneGraph:
    return build_lane_graph(load_map(map_name))


def route_keys(map_name: str, quantile: float) -> tuple[tuple[int, int], ...]:
    """The (road, lane) ids of the route a `route` quantile stands for on a map."""
    from sim.route_planner import random_route  # scipy's graph search: not needed to list the families

    graph = _graph(map_name)
    for min_m in MIN_ROUTE_M:
        try:
            lanes = random_route(graph, np.random.default_rng(int(quantile * 2**32)), min_m, MAX_ROUTE_M)
        except ValueError:
            continue
        return tuple((graph.lanes[i].road_id, graph.lanes[i].lane_id) for i in lanes)
    raise ValueError(f"map {map_name} has no route of {MIN_ROUTE_M[-1]:.0f} m or more along its lanes")


def _episode(map_name: str, p: dict, seed: int):
    keys = route_keys(map_name, p["route"])
    graph = _graph(map_name)
    lanes = [graph.lanes[graph.index_of[key]] for key in keys]
    starts = np.cumsum([0.0] + [lane.length_m for lane in lanes])
    traffic = []
    for k in range(max(1, round(p["density"] * 2))):
        at = EGO_S_M + FIRST_CAR_M + CAR_GAP_M * k
        j = int(np.searchsorted(starts, at, side="right")) - 1
        if j < len(keys):
            pace = p["traffic_pace"] * lanes[j].speed_limit_mps
            traffic.append(car(keys[j], at - starts[j], pace, k, lanes=keys[j:j + MAX_ROUTE_LANES],
                               limit_share=p["traffic_pace"]))
    # The ego starts at rest, as a Leaderboard route does: at speed it could meet a turn at once.
    return episode(p, seed, map_name, f"route {p['route']:.6f}", EGO_S_M, 0.0, traffic,
                   max_time_s=MAX_TIME_S, route_lanes=keys)


def nominal_route(map_name: str) -> Family:
    """The nominal route family on one map."""
    return Family(
        f"nominal_route@{map_name}", f"an ordinary drive along a random route of {map_name}", "nominal driving",
        map_name, (route, traffic_pace, density), None, "nominal: failures are counted per km",
        partial(_episode, map_name), nominal=True)


MAP_FAMILIES = {"nominal_route": nominal_route}
