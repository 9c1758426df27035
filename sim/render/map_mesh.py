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
}


@dataclass
class MapLayers:
    """A map's meshes, kept apart because each is culled at its own distance."""

    surfaces: Mesh
    markings: Mesh
    props: Mesh


def _surface_bands(road: Road) -> list[tuple[float, float, str]]:
    """(low t, high t, lane type) across the road, neighbouring lanes of the same type merged:
    lines are separate paint geometry, so one strip can pave several lanes."""
    spans = sorted((*sorted(road.lane_offsets_m(lane.id)), lane.type) for lane in road.lanes)
    bands: list[tuple[float, float, str]] = []
    for low, high, kind in spans:
        if bands and bands[-1][2] == kind and abs(bands[-1][1] - low) < 1e-6:
            bands[-1] = (bands[-1][0], high, kind)
        else:
            bands.append((low, high, kind))
    return bands


def _road_surfaces(builder: MeshBuilder, road: Road) -> None:
    """The road's lanes as strips; sidewalks raised, with a kerb face towards the carriageway."""
    s = stations(road)
    quad_left = left_normals(road, 0.5 * (s[:-1] + s[1:]))
    for low, high, kind in _surface_bands(road):
        colour, material = SURFACE_STYLE[kind]
        z = SIDEWALK_HEIGHT_M if kind == "sidewalk" else 0.0
        builder.ribbon(line_at(road, s, low, z), line_at(road, s, high, z), colour, material, UP, s)
        if kind == "sidewalk":
            # Only the kerb face the road sees: the outer face is never in view.
            inner = low if abs(low) < abs(high) else high
            builder.ribbon(line_at(road, s, inner, 0.0), line_at(road, s, inner, z), KERB, Material.SIDEWALK,
                           -np.sign(inner) * quad_left, s)


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
                for t in road.lane_offsets_m(lane.id):
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
