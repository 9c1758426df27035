"""Where along a road the map mesh puts its vertices, and lines parallel to the reference line.

Stations are chosen per segment from its curvature (a chord may stray at most `SAG_M` from
the arc), so straight roads get a few long quads and curves enough short ones; every lane
of a road uses the same stations, so neighbouring lanes share their border vertices exactly.
"""
from __future__ import annotations

import numpy as np

from sim.road_geometry import offset_points
from sim.road_network import Road

MAX_STEP_M = 30.0  # also bounds triangle size, so a mesh chunk's bounding sphere stays tight
SAG_M = 0.05


def stations(road: Road) -> np.ndarray:
    """Road s [P] (m), increasing, ends included: each stretch of reference-line geometry
    the road covers gets its own even spacing."""
    points = [0.0]
    start = -road.ref_start_m
    for segment in road.segments:
        low, high = max(start, 0.0), min(start + segment.length_m, road.length_m)
        start += segment.length_m
        if high - low < 1e-9:
            continue
        step = MAX_STEP_M
        if segment.max_curvature_1pm > 1e-9:
            step = min(step, float(np.sqrt(8.0 * SAG_M / segment.max_curvature_1pm)))
        count = max(1, int(np.ceil((high - low) / step)))
        points.extend(low + (high - low) * np.arange(1, count + 1) / count)
    return np.asarray(points)


def line_at(road: Road, s_m: np.ndarray, t_m: float | np.ndarray, z_m: float = 0.0) -> np.ndarray:
    """Points [P, 3] at lateral offset t_m (a number or [P]; left positive) from the reference
    line at road positions s_m [P]."""
    xy, hdg = road.reference_at(s_m)
    return np.column_stack([offset_points(xy, hdg, t_m), np.full(len(s_m), z_m)])


def left_normals(road: Road, s_m: np.ndarray) -> np.ndarray:
    """Unit vectors [P, 3] pointing left of the reference line (horizontal)."""
    _, hdg = road.reference_at(s_m)
    return np.column_stack([-np.sin(hdg), np.cos(hdg), np.zeros(len(s_m))])
