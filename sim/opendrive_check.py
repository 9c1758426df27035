"""An independent check of an imported map: every lane against CARLA's own OpenDRIVE parser.

`carla.Map(name, xodr)` parses the same file with CARLA's C++ reader; for every lane of every
imported road we ask it for the waypoint at the same road, lane and s (every 2 m) and measure
how far our lane centre lies from it. CARLA's world is left-handed (y negated), ours is
OpenDRIVE's. Needs the `carla` client package (the `carla` extra).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.road_network import RoadNetwork

STEP_M = 2.0


@dataclass(frozen=True)
class LaneDeviation:
    """The worst distance (m) between our lane centre and CARLA's waypoint, over `points`
    samples of every lane; `missing`: samples CARLA has no waypoint for; `worst_lane`:
    (file road id, lane id, s) of the worst one."""

    points: int
    missing: int
    max_m: float
    worst_lane: tuple[str, int, float]


def compare_with_carla(network: RoadNetwork) -> LaneDeviation:
    """Compare every non-zero-width lane of an imported network with carla.Map's waypoints."""
    import carla  # the optional reference parser; imported here so sim/ never needs it

    if network.source_xodr is None:
        raise ValueError(f"map {network.name} was not imported from OpenDRIVE")
    reference = carla.Map(network.name, network.source_xodr)
    points = missing = 0
    worst = (0.0, ("", 0, 0.0))
    for road in network.roads:
        if road.source is None:
            continue
        count = max(2, int(np.ceil(road.length_m / STEP_M)) + 1)
        # Stay 1 cm inside the section: at its ends CARLA answers for the neighbouring one.
        margin = min(0.01, road.length_m / 2)
        s = np.linspace(margin, road.length_m - margin, count)
        file_road = int(road.source.road_id)
        for lane in road.lanes:
            if lane.type == "none":
                continue
            centre, _ = road.lane_centre(lane.id, s)
            width = lane.width_at(s)
            for k in np.flatnonzero(width > 0.05):
                waypoint = reference.get_waypoint_xodr(file_road, lane.id, float(s[k] + road.ref_start_m))
                points += 1
                if waypoint is None:
                    missing += 1
                    continue
                location = waypoint.transform.location
                gap = float(np.hypot(location.x - centre[k, 0], -location.y - centre[k, 1]))
                if gap > worst[0]:
                    worst = (gap, (road.source.road_id, lane.id, float(s[k] + road.ref_start_m)))
    return LaneDeviation(points, missing, worst[0], worst[1])
