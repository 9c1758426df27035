"""Paint on the road: lane lines, zebra crossings and stop lines, as thin quads just above
the asphalt (z = PAINT_Z_M) so they never fight with it for depth.

Which line goes where follows from the lane graph: seen in a lane's driving direction, its
left border is a double yellow line when the neighbour there drives the other way, a white
dashed line when it drives the same way, and a white solid edge when there is none; its
right border is a white solid edge unless another driving lane is there. Junction lanes are
not painted.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from sim.lane_graph import Lane, LaneGraph
from sim.render.materials import Material
from sim.render.mesh import Mesh, MeshBuilder
from sim.render.road_sampling import line_at, stations
from sim.road_network import DRIVABLE_LANE_TYPES, Road
from sim.traffic_lights import place_signals

WHITE = (0.86, 0.86, 0.84)
YELLOW = (0.88, 0.70, 0.12)
PAINT_Z_M = 0.015
LINE_WIDTH_M = 0.15
EDGE_WIDTH_M = 0.2
DOUBLE_GAP_M = 0.12
DASH_M, GAP_M = 3.0, 6.0
STRIPE_M = 0.5  # zebra stripes and the gaps between them
STOP_LINE_M = 0.45
UP = (0.0, 0.0, 1.0)


Border = Callable[[np.ndarray], np.ndarray]  # road s [P] -> lateral offset of a line's middle [P]


def _solid(builder: MeshBuilder, road: Road, border: Border, width: float, colour) -> None:
    s = stations(road)
    t = border(s)
    builder.ribbon(line_at(road, s, t - width / 2, PAINT_Z_M), line_at(road, s, t + width / 2, PAINT_Z_M),
                   colour, Material.PAINT, UP, s)


def _dashed(builder: MeshBuilder, road: Road, border: Border) -> None:
    start = np.arange(0.5 * GAP_M, road.length_m - DASH_M, DASH_M + GAP_M)
    if len(start) == 0:
        return
    ends = np.concatenate([start, start + DASH_M])
    t = border(ends)
    right = line_at(road, ends, t - LINE_WIDTH_M / 2, PAINT_Z_M).reshape(2, -1, 3)
    left = line_at(road, ends, t + LINE_WIDTH_M / 2, PAINT_Z_M).reshape(2, -1, 3)
    quads = np.stack([right[0], right[1], left[1], left[0]], axis=1)
    s = np.stack([start, start + DASH_M, start + DASH_M, start], axis=1)
    builder.quads(quads, WHITE, Material.PAINT, UP, s)


def _lane_lines(builder: MeshBuilder, graph: LaneGraph, road: Road, lane: Lane) -> None:
    """The lines on the borders this lane owns (see the module docstring)."""
    # Seen in the lane's driving direction its left border is always the inner one.
    away = 1.0 if lane.lane_id > 0 else -1.0  # lateral direction from inner to outer

    def left_at(shift: float) -> Border:
        return lambda s: road.lane_borders_m(lane.lane_id, s)[0] + shift

    if lane.left == -1:
        _solid(builder, road, left_at(away * EDGE_WIDTH_M / 2), EDGE_WIDTH_M, WHITE)
    elif not lane.left_same_direction:
        if lane.lane_id < 0:  # the opposite lane shares this border: paint it once
            for side in (-1, 1):
                _solid(builder, road, left_at(side * (DOUBLE_GAP_M + LINE_WIDTH_M) / 2), LINE_WIDTH_M, YELLOW)
    elif graph.lanes[lane.left].type == "driving":
        _dashed(builder, road, left_at(0.0))
    if lane.right == -1 or graph.lanes[lane.right].type != "driving":
        _solid(builder, road, lambda s: road.lane_borders_m(lane.lane_id, s)[1] - away * EDGE_WIDTH_M / 2,
               EDGE_WIDTH_M, WHITE)


def _crosswalk(builder: MeshBuilder, road: Road, s0: float, width: float) -> None:
    """Stripes along the road, side by side across all its drivable lanes."""
    borders = [np.concatenate(road.lane_borders_m(lane.id, np.array([s0]))) for lane in road.lanes
               if lane.type in DRIVABLE_LANE_TYPES]
    low, high = float(np.min(borders)), float(np.max(borders))
    t0 = np.arange(low + STRIPE_M / 2, high - STRIPE_M, 2 * STRIPE_M)
    xy, hdg = road.reference_at(np.array([s0, s0 + width]))
    normal = np.stack([-np.sin(hdg), np.cos(hdg)], axis=-1)  # left of the road at both ends [2, 2]
    start = xy[None, 0] + t0[:, None] * normal[None, 0]
    end = xy[None, 1] + t0[:, None] * normal[None, 1]
    start_w = start + STRIPE_M * normal[None, 0]
    end_w = end + STRIPE_M * normal[None, 1]
    quads = np.stack([start, end, end_w, start_w], axis=1)
    quads = np.concatenate([quads, np.full(quads.shape[:2] + (1,), PAINT_Z_M)], axis=-1)
    s = np.broadcast_to(np.array([s0, s0 + width, s0 + width, s0]), quads.shape[:2])
    builder.quads(quads, WHITE, Material.PAINT, UP, s)


def _stop_lines(builder: MeshBuilder, graph: LaneGraph) -> None:
    """A thick white bar across each signal-controlled lane, at its stop line."""
    for signal in place_signals(graph):
        a, b = signal.stop_line_xy
        heading = signal.facing_rad - np.pi  # the controlled lane's direction at the line
        half = 0.5 * STOP_LINE_M * np.array([np.cos(heading), np.sin(heading)])
        quad = np.array([a - half, b - half, b + half, a + half])
        lane = graph.lanes[signal.lane]
        road = graph.network.road(lane.road_id)
        road_s = signal.stop_s_m if lane.lane_id < 0 else road.length_m - signal.stop_s_m
        builder.quads(np.column_stack([quad, np.full(4, PAINT_Z_M)])[None], WHITE, Material.PAINT, UP,
                      np.full((1, 4), road_s))


def build_markings(graph: LaneGraph) -> Mesh:
    """All paint of the map behind `graph`."""
    builder = MeshBuilder()
    network = graph.network
    for lane in graph.lanes:
        road = network.road(lane.road_id)
        if road.junction == -1 and lane.type == "driving":
            _lane_lines(builder, graph, road, lane)
    for crosswalk in network.crosswalks:
        _crosswalk(builder, network.road(crosswalk.road), crosswalk.s_m, crosswalk.width_m)
    _stop_lines(builder, graph)
    return builder.build()
