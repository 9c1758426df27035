"""The static meshes of one map: lane surfaces, raised sidewalks with kerbs, junction
areas, and (from `markings` and `roadside`) paint and roadside props.

Built once per map with numpy. The grass is not a mesh: the sky pass draws an endless
ground plane wherever no map or actor surface covers a pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.lane_graph import LaneGraph
from sim.render.markings import build_markings
from sim.render.materials import Material
from sim.render.mesh import Mesh, MeshBuilder
from sim.render.road_sampling import left_normals, line_at, stations
from sim.render.roadside import build_roadside
from sim.road_network import Road, RoadNetwork

ASPHALT = (0.27, 0.27, 0.29)
PARKING = (0.40, 0.39, 0.38)
SHOULDER = (0.36, 0.36, 0.37)
SIDEWALK = (0.66, 0.65, 0.62)
KERB = (0.76, 0.76, 0.74)
SIDEWALK_HEIGHT_M = 0.15
UP = (0.0, 0.0, 1.0)

SURFACE_STYLE = {
    "driving": (ASPHALT, Material.ROAD),
    "parking": (PARKING, Material.ROAD),
    "shoulder": (SHOULDER, Material.ROAD),
    "sidewalk": (SIDEWALK, Material.SIDEWALK),
    "biking": (PARKING, Material.ROAD),
    "median": (SIDEWALK, Material.SIDEWALK),
    "border": (SHOULDER, Material.ROAD),
}
RAISED = ("sidewalk", "median")


@dataclass
class MapLayers:
    """A map's meshes, kept apart because each is culled at its own distance."""

    surfaces: Mesh
    markings: Mesh
    props: Mesh


def _surface_bands(road: Road, s_m: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(low t [P], high t [P], lane type) across the road at stations s_m [P], right to left,
    neighbouring lanes of the same type merged: lines are separate paint geometry, so one strip
    can pave several lanes. Lanes of type none are not paved."""
    bands: list[tuple[np.ndarray, np.ndarray, str]] = []
    for lane in sorted(road.lanes, key=lambda lane: lane.id):
        if lane.type == "none":
            continue
        inner, outer = road.lane_borders_m(lane.id, s_m)
        low, high = np.minimum(inner, outer), np.maximum(inner, outer)
        if bands and bands[-1][2] == lane.type and np.allclose(bands[-1][1], low, atol=1e-6):
            bands[-1] = (bands[-1][0], high, lane.type)
        else:
            bands.append((low, high, lane.type))
    return bands


def _road_surfaces(builder: MeshBuilder, road: Road) -> None:
    """The road's lanes as strips; sidewalks and medians raised, with a kerb face towards the
    carriageway."""
    s = stations(road)
    quad_left = left_normals(road, 0.5 * (s[:-1] + s[1:]))
    for low, high, kind in _surface_bands(road, s):
        colour, material = SURFACE_STYLE[kind]
        z = SIDEWALK_HEIGHT_M if kind in RAISED else 0.0
        builder.ribbon(line_at(road, s, low, z), line_at(road, s, high, z), colour, material, UP, s)
        if kind in RAISED:
            # Only the kerb face the road sees: the outer face is never in view.
            inner = low if np.mean(np.abs(low)) < np.mean(np.abs(high)) else high
            facing = -np.sign(0.5 * (inner[:-1] + inner[1:]))[:, None] * quad_left
            builder.ribbon(line_at(road, s, inner, 0.0), line_at(road, s, inner, z), KERB, Material.SIDEWALK,
                           facing, s)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Monotone-chain hull of points [N, 2] -> corners [K, 2], counter-clockwise."""
    pts = np.unique(np.round(points, 6), axis=0)
    if len(pts) < 3:
        return pts

    def turns_left(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) > 0

    def half(sequence: np.ndarray) -> list[np.ndarray]:
        chain: list[np.ndarray] = []
        for p in sequence:
            while len(chain) >= 2 and not turns_left(chain[-2], chain[-1], p):
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def _junction_areas(builder: MeshBuilder, network: RoadNetwork) -> None:
    """Each junction's connecting lanes, paved as one convex area (one fan instead of
    overlapping lane strips, whose coplanar overlaps would flicker)."""
    for junction in network.junctions:
        corners = []
        for road in network.roads:
            if road.junction != junction.id:
                continue
            s = stations(road)
            for lane in road.lanes:
                for t in road.lane_borders_m(lane.id, s):
                    corners.append(line_at(road, s, t)[:, :2])
        if not corners:
            continue
        hull = _convex_hull(np.concatenate(corners))
        if len(hull) >= 3:
            builder.polygon(np.column_stack([hull, np.zeros(len(hull))]), ASPHALT, Material.ROAD, UP)


def build_map_layers(graph: LaneGraph) -> MapLayers:
    """All static meshes of the map behind `graph`."""
    network = graph.network
    builder = MeshBuilder()
    for road in network.roads:
        if road.junction == -1:
            _road_surfaces(builder, road)
    _junction_areas(builder, network)
    return MapLayers(builder.build(), build_markings(graph), build_roadside(graph))
