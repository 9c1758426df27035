"""All maps' static meshes in one vertex buffer, cut into spatial chunks, and the per-batch
choice of which chunks each tile draws.

A map drawn whole for every tile would send every triangle of it through the vertex stage
once per tile; cut into CELL_M squares, each tile only draws the chunks its camera can see.
The draw is one multi-draw-indirect call: a command per visible chunk, whose instances are
the tiles that see it (their indices, grouped by chunk, are the instance buffer).
Paint and props are culled nearer than roads (`layer_reach_m`): further away they are too
small to see.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.camera import CameraConfig
from sim.render import indirect
from sim.render.camera_model import FAR_M, intrinsics
from sim.render.map_mesh import MapLayers
from sim.render.materials import Material
from sim.render.mesh import Mesh

CELL_M = 25.0


def layer_reach_m(camera: CameraConfig) -> dict[str, float]:
    """How far (m) each map layer is drawn: paint while a 15 cm line is ~0.2 px wide or more,
    props while a 5 m tree is ~3 px tall or more, roads to the far plane."""
    focal = intrinsics(camera).focal_px
    paint = float(np.clip(focal * 0.15 / 0.2, 40.0, FAR_M))
    props = float(np.clip(focal * 5.0 / 3.0, 100.0, FAR_M))
    return {"surfaces": FAR_M, "markings": paint, "props": props}


@dataclass
class ChunkTable:
    """C indexed chunks back to back: vertices float32 [V, 11] (the Mesh.interleaved layout),
    indices uint32 [I] (relative to their chunk's base vertex). Per chunk: template [C],
    first_index [C], index_count [C], base_vertex [C], centre [C, 3] (m), radius [C] (m),
    reach [C] (m)."""

    vertices: np.ndarray
    indices: np.ndarray
    template: np.ndarray
    first_index: np.ndarray
    index_count: np.ndarray
    base_vertex: np.ndarray
    centre: np.ndarray
    radius: np.ndarray
    reach: np.ndarray


def _split(mesh: Mesh) -> list[Mesh]:
    """The mesh's triangles grouped by the CELL_M square their centroid falls in."""
    if mesh.vertex_count == 0:
        return []
    centroid = mesh.position.reshape(-1, 3, 3).mean(axis=1)
    cell = np.floor(centroid[:, :2] / CELL_M).astype(np.int64)
    _, group = np.unique(cell, axis=0, return_inverse=True)
    group = group.reshape(-1)
    return [mesh.select(np.flatnonzero(group == g)) for g in range(group.max() + 1)]


def _extent(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """Corners (m) of the chunk's bounding box, cards counted at any orientation."""
    reach = np.where(mesh.material[:, None] == Material.CARD, np.abs(mesh.normal).max(axis=1, keepdims=True), 0.0)
    return (mesh.position - reach).min(axis=0), (mesh.position + reach).max(axis=0)


def build_chunk_table(maps: list[MapLayers], camera: CameraConfig) -> ChunkTable:
    """Chunks of every layer of every map (map index = position in `maps`)."""
    reach = layer_reach_m(camera)
    chunks: list[Mesh] = []
    template, chunk_reach = [], []
    for t, layers in enumerate(maps):
        for name, far in reach.items():
            for chunk in _split(getattr(layers, name)):
                chunks.append(chunk)
                template.append(t)
                chunk_reach.append(far)
    vertices, indices = zip(*[chunk.indexed() for chunk in chunks])
    vertex_count = np.array([len(v) for v in vertices])
    index_count = np.array([len(i) for i in indices])
    low = np.array([_extent(c)[0] for c in chunks])
    high = np.array([_extent(c)[1] for c in chunks])
    return ChunkTable(np.concatenate(vertices), np.concatenate(indices), np.array(template),
                      np.cumsum(index_count) - index_count, index_count, np.cumsum(vertex_count) - vertex_count,
                      0.5 * (low + high), 0.5 * np.linalg.norm(high - low, axis=1), np.array(chunk_reach))


def _in_frustum(camera: CameraConfig, rows: np.ndarray, centre: np.ndarray, radius: np.ndarray,
                reach: np.ndarray) -> np.ndarray:
    """bool [B, C]: spheres centre [C, 3], radius [C] meet the view frusta of camera rows
    [B, 3, 4], cut at `reach` [C] (m)."""
    k = intrinsics(camera)
    cam = rows[:, :, :3] @ centre.T + rows[:, :, 3:]  # [B, 3, C]
    x, y, z = cam[:, 0], cam[:, 1], cam[:, 2]
    # Signed distances to the frustum's side planes (through the camera centre).
    side_x = (np.abs(x) - k.tan_half_x * z) * (1.0 / np.hypot(1.0, k.tan_half_x))
    side_y = (np.abs(y) - k.tan_half_y * z) * (1.0 / np.hypot(1.0, k.tan_half_y))
    return (z > -radius) & (z - radius < reach) & (side_x < radius) & (side_y < radius)


def visible_chunks(table: ChunkTable, camera: CameraConfig, rows: np.ndarray,
                   map_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chunk [N], tile [N]) pairs, sorted by chunk: chunk is on tile's map and meets its view
    frustum. rows [B, 3, 4] camera rows, map_index [B]. Each map is tested only against its
    own tiles."""
    chunks, tiles = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for template in np.unique(map_index):
        tile = np.flatnonzero(map_index == template)
        chunk = np.flatnonzero(table.template == template)
        inside = _in_frustum(camera, rows[tile], table.centre[chunk], table.radius[chunk], table.reach[chunk])
        c, b = np.nonzero(inside.T)
        chunks.append(chunk[c])
        tiles.append(tile[b])
    # Maps hold disjoint, increasing chunk ranges, so concatenating keeps the chunk order.
    return np.concatenate(chunks), np.concatenate(tiles)


def draw_commands(table: ChunkTable, chunk: np.ndarray, tile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chunk, tile) pairs sorted by chunk -> (indexed indirect commands uint32 [K, 5], one per
    chunk drawn; instance tiles float32 [N], grouped by chunk)."""
    used, per_chunk = np.unique(chunk, return_counts=True)
    return (indirect.indexed_commands(table.index_count[used], per_chunk, table.first_index[used],
                                      table.base_vertex[used]), tile.astype(np.float32))
