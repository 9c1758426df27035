"""The surfaces of a batch: the static maps and the actors, depth-tested and back-face culled.

Each is one multi-draw-indirect per shader variant: the maps as a command per visible chunk
instanced over the tiles that see it (`map_chunks`), the actors and traffic lights as a
command per mesh kind instanced over the (tile, actor) pairs in view (`instances`). Tiles
with a wet road use the WET_SHEEN variant, tiles with point lights the POINT_LIGHTS one, the
others the cheapest (`conditions.surface_variant`); label cameras' tiles the LABELS one.
The maps are flushed before the actors are worked out, so a software rasteriser fills them
on its threads meanwhile (about 5 % of a 64-tile step on 2 cores).

The projection puts image row 0 at the bottom of GL's window (so the readback is top row
first), which mirrors the image and turns the meshes' counter-clockwise front faces
clockwise: front_face is "cw".
"""
from __future__ import annotations

import moderngl
import numpy as np

from sim.camera import CameraConfig
from sim.lane_graph import LaneGraph
from sim.render import indirect
from sim.render.actor_mesh import build_actor_meshes
from sim.render.gl_context import flush
from sim.render.instances import INSTANCE_FLOATS, actor_commands, actor_instances, build_signal_table
from sim.render.map_chunks import build_chunk_table, draw_commands, visible_chunks
from sim.render.map_mesh import build_map_layers
from sim.render.tile_layout import TileLayout

VERTEX_FORMAT = ("3f 3f 3f 2f", "in_position", "in_normal", "in_colour", "in_material_s")
ACTOR_FORMAT = ("1f 3f 3f 3f 1f/i", "i_tile", "i_pose", "i_size", "i_colour", "i_state")
GL_CLIP_DISTANCE0 = 0x3000
VARIANTS = ("", "_wet", "_lit", "_label")  # program name suffixes: plain, WET_SHEEN, POINT_LIGHTS, LABELS
LABEL_VARIANT = 3
LABEL_SUFFIX = VARIANTS[LABEL_VARIANT]  # its programs read positions only: the other attributes are skipped


def _by_variant(variant: np.ndarray) -> list[np.ndarray]:
    """One bool mask [n] per entry of VARIANTS, from the variant index [n] of each draw item."""
    return [variant == v for v in range(len(VARIANTS))]


class SurfacePass:
    """GPU buffers of every map's chunks and of the actor meshes, and their draw."""

    def __init__(self, ctx: moderngl.Context, programs: dict[str, moderngl.Program], graphs: list[LaneGraph],
                 camera: CameraConfig, layout: TileLayout, max_batch: int):
        self.ctx, self.camera, self.layout = ctx, camera, layout
        self._programs = programs
        self._chunks = build_chunk_table([build_map_layers(graph) for graph in graphs], camera)
        self._signals = build_signal_table(graphs)
        chunk_count = max(1, len(self._chunks.index_count))
        self._map_vertices = ctx.buffer(self._chunks.vertices.tobytes())
        self._map_indices = ctx.buffer(self._chunks.indices.tobytes())
        self._map_instances = ctx.buffer(reserve=4 * max_batch * chunk_count)
        self._map_commands = ctx.buffer(reserve=len(VARIANTS) * indirect.COMMAND_BYTES * chunk_count)
        self._map_vaos = [ctx.vertex_array(programs["map" + v], [(self._map_vertices, *VERTEX_FORMAT),
                                                                 (self._map_instances, "1f/i", "i_tile")],
                                           index_buffer=self._map_indices, index_element_size=4,
                                           skip_errors=v == LABEL_SUFFIX) for v in VARIANTS]
        vertices, indices = zip(*[mesh.indexed() for mesh in build_actor_meshes()])
        vertex_count, index_count = np.array([len(v) for v in vertices]), np.array([len(i) for i in indices])
        self._actor_ranges = (np.cumsum(index_count) - index_count, index_count, np.cumsum(vertex_count) - vertex_count)
        self._actor_vertices = ctx.buffer(np.concatenate(vertices).tobytes())
        self._actor_indices = ctx.buffer(np.concatenate(indices).tobytes())
        self._actor_commands = ctx.buffer(reserve=len(VARIANTS) * indirect.COMMAND_BYTES * len(index_count))
        self._actor_capacity = 0
        self._reserve_actor_instances(4 * max_batch)

    def _reserve_actor_instances(self, count: int) -> None:
        """(Re)allocate the actor instance buffer, doubling, when a batch has more instances than ever."""
        if count <= self._actor_capacity:
            return
        if self._actor_capacity:
            for vao in self._actor_vaos:
                vao.release()
            self._actor_instances.release()
        self._actor_capacity = max(count, 2 * self._actor_capacity)
        self._actor_instances = self.ctx.buffer(reserve=4 * INSTANCE_FLOATS * self._actor_capacity)
        self._actor_vaos = [self.ctx.vertex_array(self._programs["actor" + v], [
            (self._actor_vertices, *VERTEX_FORMAT), (self._actor_instances, *ACTOR_FORMAT)],
            index_buffer=self._actor_indices, index_element_size=4, skip_errors=v == LABEL_SUFFIX) for v in VARIANTS]

    def _clip_planes(self) -> list[int]:
        """gl_ClipDistance planes that keep tiles apart: x planes only with several columns, y
        planes only with several rows (the frustum already clips at the framebuffer's edges)."""
        return ([0, 1] if self.layout.cols > 1 else []) + ([2, 3] if self.layout.rows > 1 else [])

    def draw(self, rows: np.ndarray, map_index: np.ndarray, variant: np.ndarray,
             actors: dict[str, np.ndarray]) -> None:
        """Camera rows [B, 3, 4], map_index [B], variant [B] (an index into VARIANTS), actors:
        the SceneBatch actor and light fields as numpy (kind, pose, size, colour, door_open,
        light_state, and label for a label render)."""
        ctx = self.ctx
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.disable(moderngl.BLEND)
        ctx.depth_func = "<"
        ctx.front_face = "cw"
        planes = self._clip_planes()
        for plane in planes:
            ctx.enable_direct(GL_CLIP_DISTANCE0 + plane)
        chunk, tile = visible_chunks(self._chunks, self.camera, rows, map_index)
        indirect.multi_draw(self._map_vaos, self._map_instances, self._map_commands,
                            [draw_commands(self._chunks, chunk[mask], tile[mask])
                             for mask in _by_variant(variant[tile])])
        # Start rasterising the map while this thread works out and bins the actors.
        flush()
        instances, meshes = actor_instances(self.camera, rows, self._signals, map_index, **actors)
        self._reserve_actor_instances(len(instances))
        indirect.multi_draw(self._actor_vaos, self._actor_instances, self._actor_commands,
                            [(actor_commands(meshes[mask], *self._actor_ranges), instances[mask])
                             for mask in _by_variant(variant[instances[:, 0].astype(np.int64)])])
        for plane in planes:
            ctx.disable_direct(GL_CLIP_DISTANCE0 + plane)
        # The overlays after this pass draw without a depth test: left on, a second overlay
        # over the same pixels (noise's negative half) would fail against the first's depth.
        ctx.disable(moderngl.CULL_FACE | moderngl.DEPTH_TEST)
