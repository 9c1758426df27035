"""Per-batch instance rows for the actor draw: one row per (tile, visible actor), plus an open
door for cars that have one and a traffic light for every signal of each tile's map.

Rows are built with array operations over the whole batch (no loop over actors), sorted by
mesh, and drawn with one multi-draw-indirect call: a command per mesh kind present.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.actor_kinds import ActorKind
from sim.camera import CameraConfig
from sim.lane_graph import LaneGraph
from sim.render import indirect
from sim.render.actor_mesh import FAR_VERSION, MESH_OF_ACTOR, TRAFFIC_LIGHT_SIZE_M, MeshKind
from sim.render.camera_model import FAR_M, intrinsics
from sim.render.labels import Tag
from sim.traffic_lights import place_signals

INSTANCE_FLOATS = 11  # tile, x, y, yaw, length, width, height, r, g, b, state (or label)
FAR_BELOW_PX = 16.0  # an actor less tall than this on screen is drawn with its *_FAR mesh



def _mesh_lookup() -> np.ndarray:
    """MeshKind of each ActorKind code (-1: nothing to draw)."""
    lookup = np.full(max(ActorKind) + 1, -1, dtype=np.int64)
    for kind, mesh in MESH_OF_ACTOR.items():
        lookup[kind] = mesh
    return lookup


def _far_lookup() -> np.ndarray:
    """The mesh to draw instead of each MeshKind when the actor is small on screen."""
    lookup = np.arange(len(MeshKind))
    for near, far in FAR_VERSION.items():
        lookup[near] = far
    return lookup


MESH_LOOKUP = _mesh_lookup()
FAR_LOOKUP = _far_lookup()


@dataclass
class SignalTable:
    """Traffic light poles of T maps, padded to S: pose [T, S, 3] (x m, y m, facing rad), count [T]."""

    pose: np.ndarray
    count: np.ndarray


def build_signal_table(graphs: list[LaneGraph]) -> SignalTable:
    """The poles of every map's signals, in `place_signals` order (that of `light_state`)."""
    placed = [place_signals(graph) for graph in graphs]
    width = max(1, max(len(p) for p in placed))
    pose = np.zeros((len(graphs), width, 3))
    for t, signals in enumerate(placed):
        for k, signal in enumerate(signals):
            pose[t, k] = (*signal.pole_xy, signal.facing_rad)
    return SignalTable(pose, np.array([len(p) for p in placed]))


def _rows(tile: np.ndarray, pose: np.ndarray, size: np.ndarray, colour: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Instance rows [n, INSTANCE_FLOATS] from their columns ([n] or [n, 3])."""
    return np.concatenate([tile[:, None], pose, size, colour, state[:, None]], axis=1)


def _view_test(camera: CameraConfig, rows: np.ndarray, instances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bool [n]: the instance's bounding sphere meets its tile's view frustum, float [n]: its
    height on screen in pixels, large when it is close)."""
    k = intrinsics(camera)
    tile = instances[:, 0].astype(np.int64)
    centre = np.column_stack([instances[:, 1:3], 0.5 * instances[:, 6]])
    radius = 0.5 * np.linalg.norm(instances[:, 4:7], axis=1)
    r = rows[tile]
    cam = (r[:, :, :3] @ centre[:, :, None])[:, :, 0] + r[:, :, 3]
    side_x = (np.abs(cam[:, 0]) - k.tan_half_x * cam[:, 2]) / np.hypot(1.0, k.tan_half_x)
    side_y = (np.abs(cam[:, 1]) - k.tan_half_y * cam[:, 2]) / np.hypot(1.0, k.tan_half_y)
    visible = (cam[:, 2] > -radius) & (cam[:, 2] - radius < FAR_M) & (side_x < radius) & (side_y < radius)
    return visible, k.focal_px * instances[:, 6] / np.maximum(cam[:, 2], 1e-3)


def actor_instances(camera: CameraConfig, rows: np.ndarray, signals: SignalTable, map_index: np.ndarray,
                    kind: np.ndarray, pose: np.ndarray, size: np.ndarray, colour: np.ndarray, door_open: np.ndarray,
                    light_state: np.ndarray, label: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scene arrays (numpy, B tiles, N actors, S lights; as in SceneBatch) and camera rows
    [B, 3, 4] -> (instances float32 [n, INSTANCE_FLOATS], mesh kind int64 [n]) of the visible
    instances, sorted by mesh kind; small ones get their far mesh. For a label render, label
    [B, N] (float, see labels.py) takes the state column: the actors' labels, and the traffic
    lights' tag instead of their state."""
    b, n = np.nonzero((kind > 0) & (kind < len(MESH_LOOKUP)))
    mesh = MESH_LOOKUP[kind[b, n]]
    known = mesh >= 0
    b, n, mesh = b[known], n[known], mesh[known]
    actors = _rows(b, pose[b, n], size[b, n], colour[b, n], np.zeros(len(b)) if label is None else label[b, n])
    doors = door_open[b, n] & (mesh == MeshKind.CAR)

    tb, s = np.nonzero(np.arange(signals.pose.shape[1])[None] < signals.count[map_index][:, None])
    padded = np.full((len(map_index), signals.pose.shape[1]), -1, dtype=np.int64)
    width = min(light_state.shape[1], padded.shape[1])
    padded[:, :width] = light_state[:, :width]
    lights = _rows(tb, signals.pose[map_index[tb], s], np.broadcast_to(TRAFFIC_LIGHT_SIZE_M, (len(tb), 3)),
                   np.zeros((len(tb), 3)), padded[tb, s] if label is None else np.full(len(tb), Tag.TRAFFIC_LIGHT))

    instances = np.concatenate([actors, actors[doors], lights])
    meshes = np.concatenate([mesh, np.full(int(doors.sum()), MeshKind.CAR_DOOR),
                             np.full(len(tb), MeshKind.TRAFFIC_LIGHT)])
    visible, height_px = _view_test(camera, rows, instances)
    meshes = np.where(height_px < FAR_BELOW_PX, FAR_LOOKUP[meshes], meshes)
    order = np.argsort(meshes[visible], kind="stable")
    return instances[visible][order].astype(np.float32), meshes[visible][order]


def actor_commands(meshes: np.ndarray, first_index: np.ndarray, index_count: np.ndarray,
                   base_vertex: np.ndarray) -> np.ndarray:
    """Indexed indirect commands uint32 [K, 5] for instances sorted by mesh kind meshes [n];
    first_index, index_count, base_vertex [M]: where each mesh sits in the actor buffers."""
    per_mesh = np.bincount(meshes, minlength=len(first_index))
    used = np.flatnonzero(per_mesh)
    return indirect.indexed_commands(index_count[used], per_mesh[used], first_index[used], base_vertex[used])
