"""Flat-shaded triangle meshes and the primitives the map and actor meshes are made of.

A `Mesh` is a plain triangle list (no index buffer: every face has its own normal, which flat
shading needs anyway). Every primitive orients its triangles to face a given direction, so
back faces can be culled without hand-checking the winding of each call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.render.materials import Material

NO_ROAD_S = -1.0  # `s` of vertices that are not on a road: no street-light pools


@dataclass
class Mesh:
    """V = 3T vertices: position [V, 3] (m), normal [V, 3] (unit), colour [V, 3] (0..1),
    material [V] (`Material` code), s [V] (m along the road, for street-light pools).

    `Material.CARD` vertices are different: position is the card's anchor on the ground and
    normal holds the corner's offset (right m, up m, 0); the vertex shader turns the card to
    face the camera, so a card never shows its back and needs no normal."""

    position: np.ndarray
    normal: np.ndarray
    colour: np.ndarray
    material: np.ndarray
    s: np.ndarray

    @property
    def vertex_count(self) -> int:
        return int(self.position.shape[0])

    def interleaved(self) -> np.ndarray:
        """float32 [V, 11]: position, normal, colour, material, s (the vertex buffer layout)."""
        return np.concatenate([self.position, self.normal, self.colour, self.material[:, None], self.s[:, None]],
                              axis=1).astype(np.float32)

    def indexed(self) -> tuple[np.ndarray, np.ndarray]:
        """(unique vertices float32 [U, 11] in the interleaved layout, indices uint32 [V]).

        Vertices equal in every attribute are shared (strip neighbours, a box face's two
        triangles), which cuts the vertex shader's work roughly in half to a third. Flat
        attributes stay right: shared vertices agree on them."""
        unique, inverse = np.unique(self.interleaved(), axis=0, return_inverse=True)
        return unique, inverse.reshape(-1).astype(np.uint32)

    def select(self, triangles: np.ndarray) -> "Mesh":
        """The triangles at indices triangles [K] (in that order)."""
        v = (3 * triangles[:, None] + np.arange(3)).reshape(-1)
        return Mesh(self.position[v], self.normal[v], self.colour[v], self.material[v], self.s[v])


def concatenate(meshes: list[Mesh]) -> Mesh:
    return Mesh(*(np.concatenate([getattr(m, name) for m in meshes]) for name in
                  ("position", "normal", "colour", "material", "s")))


def _broadcast(value, count: int, width: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (count, width)).copy()


class MeshBuilder:
    """Collects triangles; `build` returns them as one Mesh."""

    def __init__(self) -> None:
        self._parts: list[Mesh] = []

    def triangles(self, corners: np.ndarray, colour, material: Material, facing=None, s=None) -> None:
        """corners [T, 3, 3] (m); colour rgb or [T, 3]; facing [3] or [T, 3]: the side each
        triangle must face (flipped when it does not); s [T, 3] or None (m along the road)."""
        corners = np.array(corners, dtype=np.float64)
        count = corners.shape[0]
        if count == 0:
            return
        s = np.full((count, 3), NO_ROAD_S) if s is None else np.array(s, dtype=np.float64)
        normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        if facing is not None:
            flip = np.einsum("ti,ti->t", normal, _broadcast(facing, count, 3)) < 0
            corners[flip] = corners[flip][:, [0, 2, 1]]
            s[flip] = s[flip][:, [0, 2, 1]]
            normal[flip] = -normal[flip]
        length = np.linalg.norm(normal, axis=1, keepdims=True)
        keep = length[:, 0] > 1e-12  # degenerate slivers would only produce NaN normals
        normal = normal[keep] / length[keep]
        corners, s = corners[keep], s[keep]
        colours = _broadcast(colour, count, 3)[keep]
        kept = int(keep.sum())
        self._parts.append(Mesh(
            corners.reshape(-1, 3), np.repeat(normal, 3, axis=0), np.repeat(colours, 3, axis=0),
            np.full(3 * kept, float(material)), s.reshape(-1)))

    def quads(self, corners: np.ndarray, colour, material: Material, facing=None, s=None) -> None:
        """corners [Q, 4, 3] going round each quad; s [Q, 4] or None. Two triangles per quad."""
        corners = np.asarray(corners, dtype=np.float64)
        split = [0, 1, 2, 0, 2, 3]
        tri = corners[:, split].reshape(-1, 3, 3)
        tri_s = None if s is None else np.asarray(s, dtype=np.float64)[:, split].reshape(-1, 3)
        tri_colour = np.asarray(colour, dtype=np.float64)
        if tri_colour.ndim == 2:
            tri_colour = np.repeat(tri_colour, 2, axis=0)
        tri_facing = None if facing is None else np.asarray(facing, dtype=np.float64)
        if tri_facing is not None and tri_facing.ndim == 2:
            tri_facing = np.repeat(tri_facing, 2, axis=0)
        self.triangles(tri, tri_colour, material, tri_facing, tri_s)

    def ribbon(self, a: np.ndarray, b: np.ndarray, colour, material: Material, facing, s=None) -> None:
        """The strip between polylines a [P, 3] and b [P, 3] (P - 1 quads), facing `facing`
        ([3] or [P - 1, 3]); s [P] along both polylines or None."""
        quads = np.stack([a[:-1], a[1:], b[1:], b[:-1]], axis=1)
        quad_s = None if s is None else np.stack([s[:-1], s[1:], s[1:], s[:-1]], axis=1)
        self.quads(quads, colour, material, facing, quad_s)

    def prism(self, outline_xy: np.ndarray, z0: float, z1: float, colour, material: Material,
              yaw: float = 0.0, centre=(0.0, 0.0), top: bool = True) -> None:
        """A convex polygon outline_xy [K, 2] (m, around its centroid) extruded from z0 to z1,
        turned by yaw and moved to centre: K side quads and (if `top`) a top, no bottom."""
        c, s_ = np.cos(yaw), np.sin(yaw)
        xy = outline_xy @ np.array([[c, s_], [-s_, c]]) + np.asarray(centre)
        low = np.column_stack([xy, np.full(len(xy), z0)])
        high = np.column_stack([xy, np.full(len(xy), z1)])
        nxt = np.roll(np.arange(len(xy)), -1)
        sides = np.stack([low, low[nxt], high[nxt], high], axis=1)
        centroid = np.append(xy.mean(axis=0), 0.5 * (z0 + z1))
        outward = sides.mean(axis=1) - centroid
        outward[:, 2] = 0.0
        self.quads(sides, colour, material, outward)
        if top:
            self.polygon(high, colour, material, (0.0, 0.0, 1.0))

    def box(self, centre, size, colour, material: Material, yaw: float = 0.0) -> None:
        """An axis-aligned (then turned by yaw) box: centre [3] (m, z of its middle), size [3]
        (length x, width y, height z); five faces, the bottom one is never seen."""
        lx, ly, lz = 0.5 * np.asarray(size, dtype=np.float64)
        outline = np.array([[-lx, -ly], [lx, -ly], [lx, ly], [-lx, ly]])
        self.prism(outline, centre[2] - lz, centre[2] + lz, colour, material, yaw, centre[:2])

    def frustum(self, z0: float, z1: float, half0, half1, colour, material: Material, top: bool = True) -> None:
        """A square frustum on the z axis from half sizes half0 (x, y) at z0 to half1 at z1 (a
        cone's body), with a top face if `top`."""
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
        low = np.column_stack([corners * np.asarray(half0), np.full(4, z0)])
        high = np.column_stack([corners * np.asarray(half1), np.full(4, z1)])
        nxt = [1, 2, 3, 0]
        sides = np.stack([low, low[nxt], high[nxt], high], axis=1)
        outward = sides.mean(axis=1) * np.array([1.0, 1.0, 0.0])
        self.quads(sides, colour, material, outward)
        if top:
            self.quads(high[None], colour, material, (0.0, 0.0, 1.0))

    def polygon(self, points: np.ndarray, colour, material: Material, facing, s=None) -> None:
        """A convex polygon points [K, 3] in order round its edge, as a triangle fan."""
        fan = np.stack([np.broadcast_to(points[0], points[1:-1].shape), points[1:-1], points[2:]], axis=1)
        fan_s = None if s is None else np.stack([np.full(len(points) - 2, s[0]), s[1:-1], s[2:]], axis=1)
        self.triangles(fan, colour, material, facing, fan_s)

    def card(self, anchor, outline: np.ndarray, colour) -> None:
        """A convex camera-facing card: outline [K, 2] (right m, up m from the anchor [3]),
        counter-clockwise as the camera sees it, as a triangle fan."""
        fan = np.stack([np.broadcast_to(outline[0], outline[1:-1].shape), outline[1:-1], outline[2:]], axis=1)
        offsets = np.concatenate([fan.reshape(-1, 2), np.zeros((fan.shape[0] * 3, 1))], axis=1)
        count = len(offsets)
        self._parts.append(Mesh(np.tile(np.asarray(anchor, dtype=np.float64), (count, 1)), offsets,
                                _broadcast(colour, count, 3), np.full(count, float(Material.CARD)),
                                np.full(count, NO_ROAD_S)))

    def build(self) -> Mesh:
        if not self._parts:
            empty = np.zeros((0, 3))
            return Mesh(empty, empty, empty, np.zeros(0), np.zeros(0))
        return concatenate(self._parts)
