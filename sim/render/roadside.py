"""Roadside context: trees and buildings along the roads, so the camera sees a world with
depth cues and a skyline instead of roads on an empty plane.

Placement is a fixed function of the map (a generator seeded from the map's name), so a map
always looks the same. Urban roads with sidewalks get buildings right behind the sidewalk;
other roads get trees near the verge and houses further out. A prop is dropped when it
would stand on any lane, including lanes of other roads. `roadside_layout` says where each
stands (the wire server's rays hit the buildings); `build_roadside` makes the mesh.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from sim.lane_graph import LaneGraph
from sim.render.materials import Material
from sim.render.mesh import Mesh, MeshBuilder
from sim.road_geometry import offset_points
from sim.road_network import Road

SPACING_M = 30.0
TRUNK = (0.33, 0.24, 0.16)
LEAVES = ((0.20, 0.42, 0.14), (0.27, 0.48, 0.16), (0.16, 0.36, 0.15))
FACADES = ((0.72, 0.66, 0.56), (0.62, 0.60, 0.58), (0.66, 0.44, 0.36), (0.80, 0.78, 0.72), (0.52, 0.56, 0.62))
HEXAGON = np.column_stack([np.cos(np.arange(6) * np.pi / 3 - np.pi / 2), np.sin(np.arange(6) * np.pi / 3 - np.pi / 2)])


def _road_edges(road: Road, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lateral offsets (m) [P] of the road's right and left outer edges at road positions s_m [P]."""
    offsets = [np.zeros(len(s_m))] + [t for lane in road.lanes for t in road.lane_borders_m(lane.id, s_m)]
    return np.min(offsets, axis=0), np.max(offsets, axis=0)


def _lane_clearance(graph: LaneGraph, xy: np.ndarray) -> np.ndarray:
    """Distance (m) from points xy [K, 2] to the nearest lane surface (negative: on a lane)."""
    centres = np.concatenate([lane.centre_xy[::4] for lane in graph.lanes])
    half = np.concatenate([0.5 * lane.widths_m[::4] for lane in graph.lanes])
    gap = np.linalg.norm(xy[:, None, :] - centres[None], axis=-1) - half[None]
    return gap.min(axis=1)


@dataclass(frozen=True)
class Tree:
    x_m: float
    y_m: float
    radius_m: float
    height_m: float
    leaves: int  # index into LEAVES


@dataclass(frozen=True)
class Building:
    """A box standing on the ground: centre x, y (m), heading (rad), length along the heading,
    depth across it and height (m), facade colour index into FACADES."""

    x_m: float
    y_m: float
    heading_rad: float
    length_m: float
    depth_m: float
    height_m: float
    facade: int


@dataclass
class RoadsideLayout:
    trees: list[Tree] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)


def _tree(xy: np.ndarray, rng: np.random.Generator) -> Tree:
    radius = rng.uniform(1.6, 2.4)
    height = rng.uniform(4.5, 7.0)
    return Tree(float(xy[0]), float(xy[1]), radius, height, int(rng.integers(len(LEAVES))))


def _building(xy: np.ndarray, heading: float, depth: float, rng: np.random.Generator) -> Building:
    width = rng.uniform(9.0, 15.0)
    height = rng.uniform(6.0, 16.0)
    return Building(float(xy[0]), float(xy[1]), float(heading), width, depth, height, int(rng.integers(len(FACADES))))


def roadside_layout(graph: LaneGraph) -> RoadsideLayout:
    """Trees and buildings along every road of the map behind `graph` that is not a junction."""
    rng = np.random.default_rng(zlib.crc32(graph.network.name.encode()))
    layout = RoadsideLayout()
    for road in graph.network.roads:
        if road.junction != -1:
            continue
        urban = any(lane.type == "sidewalk" for lane in road.lanes)
        s = np.arange(0.5 * SPACING_M, road.length_m, SPACING_M)
        xy, hdg = road.reference_at(s)
        right_edge, left_edge = _road_edges(road, s)
        for edge, side in ((right_edge, -1.0), (left_edge, 1.0)):
            if urban:
                depth = 10.0
                spots = offset_points(xy, hdg, edge + side * (0.6 + depth / 2))
                clear = _lane_clearance(graph, spots) > 0.5 * depth
                for k in np.flatnonzero(clear):
                    layout.buildings.append(_building(spots[k], hdg[k], depth, rng))
                continue
            gaps = rng.uniform(3.0, 9.0, len(s))
            spots = offset_points(xy, hdg, 0.0) + (edge + side * gaps)[:, None] * np.column_stack(
                [-np.sin(hdg), np.cos(hdg)])
            trees = (_lane_clearance(graph, spots) > 2.5) & (rng.uniform(size=len(s)) < 0.7)
            for k in np.flatnonzero(trees):
                layout.trees.append(_tree(spots[k], rng))
            houses = offset_points(xy, hdg, 0.0) + (edge + side * rng.uniform(18.0, 30.0, len(s)))[:, None] * \
                np.column_stack([-np.sin(hdg), np.cos(hdg)])
            keep = (_lane_clearance(graph, houses) > 8.0) & (rng.uniform(size=len(s)) < 0.4)
            for k in np.flatnonzero(keep):
                layout.buildings.append(_building(houses[k], hdg[k], 9.0, rng))
    return layout


def build_roadside(graph: LaneGraph) -> Mesh:
    """The roadside layout's mesh. Trees are a trunk and a crown as camera-facing cards: 6
    triangles, none facing away, since every tile in view draws every tree."""
    builder = MeshBuilder()
    layout = roadside_layout(graph)
    for tree in layout.trees:
        anchor = (tree.x_m, tree.y_m, 0.0)
        builder.card(anchor, np.array([[-0.17, 0.0], [0.17, 0.0], [0.17, 2.4], [-0.17, 2.4]]), TRUNK)
        centre = np.array([0.0, 0.5 * (1.8 + tree.height_m)])
        crown = centre + HEXAGON * np.array([tree.radius_m, 0.5 * (tree.height_m - 1.8) / 0.87])
        builder.card(anchor, crown, LEAVES[tree.leaves])
    for b in layout.buildings:
        builder.box((b.x_m, b.y_m, b.height_m / 2), (b.length_m, b.depth_m, b.height_m), FACADES[b.facade],
                    Material.PLAIN, b.heading_rad)
    return builder.build()
