"""The background of every tile: grass below the horizon, sky (or a tunnel's ceiling) above,
and the sun's disc and glow.

The camera has no roll and the background is at infinity, so a tile's grass, sky and ceiling
depend on its conditions alone (the tile rows in CACHED_ROWS and whether it is in a tunnel),
not on where the camera is. They are drawn into a cache framebuffer, one quad per tile and
part, instanced, only for tiles whose conditions changed since they were last drawn (a
weather changes once per episode; a tunnel's exposure while it adapts), and each frame
starts as a copy of that cache; the surfaces then cover it. The sun's disc and glow move with
the camera: a quad round the sun is added on top after the surfaces, over the tiles that
face it, at the far plane (depth test "<=" against the cleared 1.0) so surfaces hide it.
"""
from __future__ import annotations

import moderngl
import numpy as np

from sim.camera import CameraConfig
from sim.render import indirect
from sim.render.camera_model import intrinsics
from sim.render.changed_tiles import ChangedTiles
from sim.render.conditions import ROW
from sim.render.gl_context import copy_colour

TILE_QUAD = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype=np.float32)  # triangle strip over a tile
QUAD_VERTICES = 4
PARTS = ("ground", "sky", "tunnel", "sun")
CACHED_ROWS = slice(ROW["SUN"], ROW["SKY_HORIZON"] + 1)  # every tile row ground, sky and tunnel read


def horizon_row(camera: CameraConfig) -> float:
    """Pixel row (from the top, may be outside the image) where the horizon is."""
    k = intrinsics(camera)
    return k.cy_px + k.focal_px * float(np.tan(np.radians(camera.pitch_deg)))


class BackgroundPass:
    def __init__(self, ctx: moderngl.Context, programs: dict[str, moderngl.Program], size: tuple[int, int],
                 max_batch: int):
        self.ctx = ctx
        self._quad = ctx.buffer(TILE_QUAD.tobytes())
        self._instances = ctx.buffer(reserve=4 * 2 * max_batch)
        self._commands = ctx.buffer(reserve=indirect.COMMAND_BYTES * len(PARTS))
        self._vaos = [ctx.vertex_array(programs[name], [(self._quad, "2f", "in_corner"),
                                                        (self._instances, "1f/i", "i_tile")]) for name in PARTS]
        self._cache = ctx.framebuffer(ctx.renderbuffer(size))
        self._changed = ChangedTiles(max_batch, (CACHED_ROWS.stop - CACHED_ROWS.start) * 4 + 1)
        self._has_sun = False

    def prepare(self, tile_rows: np.ndarray, in_tunnel: np.ndarray, sun_ahead: np.ndarray) -> None:
        """Redraw the cache of the tiles whose conditions changed, from tile rows [B, R, 4] and
        in_tunnel, sun_ahead [B] (bool: who gets a ceiling instead of sky, who gets the sun)."""
        batch = len(tile_rows)
        conditions = np.concatenate([tile_rows[:, CACHED_ROWS].reshape(batch, -1), in_tunnel[:, None]], axis=1)
        stale = self._changed.update(conditions)
        open_air, tunnel = np.flatnonzero(stale & ~in_tunnel), np.flatnonzero(stale & in_tunnel)
        sun = np.flatnonzero(sun_ahead & ~in_tunnel)
        self._has_sun = len(sun) > 0
        if not stale.any() and not self._has_sun:
            return
        # Instances: stale open-air tiles, then stale tunnel tiles (the ground takes both), then sun tiles.
        self._instances.write(np.concatenate([open_air, tunnel, sun]).astype(np.float32).tobytes())
        runs = indirect.array_commands(QUAD_VERTICES, np.array([len(open_air), len(tunnel), len(sun)]))
        ground = indirect.array_commands(QUAD_VERTICES, np.array([len(open_air) + len(tunnel)]))
        self._commands.write(np.concatenate([ground, runs]).tobytes())
        if stale.any():
            self._cache.use()
            self.ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST)
            for k in range(3):
                self._vaos[k].render_indirect(self._commands, moderngl.TRIANGLE_STRIP, count=1, first=k)

    def fill(self, target: moderngl.Framebuffer, region: tuple[int, int, int, int]) -> None:
        """Start the frame in `target` (left bound) as the cached background of `region`."""
        copy_colour(self._cache, target, region)

    def draw_sun(self) -> None:
        """The sun's quads on the tiles that face it, behind the surfaces already drawn."""
        if not self._has_sun:
            return
        ctx = self.ctx
        ctx.enable(moderngl.BLEND | moderngl.DEPTH_TEST)
        ctx.depth_func = "<="
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        self._vaos[3].render_indirect(self._commands, moderngl.TRIANGLE_STRIP, count=1, first=3)
        ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST)
