"""The background of every tile: grass below the horizon, sky (or a tunnel's ceiling) above,
and the sun's disc and glow.

Drawn after the surfaces as quads at the far plane, so they only fill the pixels the
surfaces left (depth test "<=" against the cleared 1.0). The camera has no roll, so the
horizon is a fixed pixel row and each part is one quad per tile, instanced: the ground over
all tiles, the sky over the tiles in the open, a ceiling over those in a tunnel, and, added
on top, a quad round the sun over the tiles that face it.
"""
from __future__ import annotations

import moderngl
import numpy as np

from sim.camera import CameraConfig
from sim.render import indirect
from sim.render.camera_model import intrinsics

TILE_QUAD = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype=np.float32)  # triangle strip over a tile
QUAD_VERTICES = 4
PARTS = ("ground", "sky", "tunnel", "sun")


def horizon_row(camera: CameraConfig) -> float:
    """Pixel row (from the top, may be outside the image) where the horizon is."""
    k = intrinsics(camera)
    return k.cy_px + k.focal_px * float(np.tan(np.radians(camera.pitch_deg)))


class BackgroundPass:
    def __init__(self, ctx: moderngl.Context, programs: dict[str, moderngl.Program], max_batch: int):
        self.ctx = ctx
        self._quad = ctx.buffer(TILE_QUAD.tobytes())
        self._instances = ctx.buffer(reserve=4 * 2 * max_batch)
        self._commands = ctx.buffer(reserve=indirect.COMMAND_BYTES * len(PARTS))
        self._vaos = [ctx.vertex_array(programs[name], [(self._quad, "2f", "in_corner"),
                                                        (self._instances, "1f/i", "i_tile")]) for name in PARTS]

    def draw(self, in_tunnel: np.ndarray, sun_ahead: np.ndarray) -> None:
        """Fill what is left of the tiles; in_tunnel [B] and sun_ahead [B] (bool) pick who gets a
        ceiling instead of sky, and who gets the sun."""
        open_air, tunnel = np.flatnonzero(~in_tunnel), np.flatnonzero(in_tunnel)
        sun = np.flatnonzero(sun_ahead & ~in_tunnel)
        # Instances: open-air tiles, then tunnel tiles (the ground takes both), then sun tiles.
        self._instances.write(np.concatenate([open_air, tunnel, sun]).astype(np.float32).tobytes())
        runs = indirect.array_commands(QUAD_VERTICES, np.array([len(open_air), len(tunnel), len(sun)]))
        ground = indirect.array_commands(QUAD_VERTICES, np.array([len(in_tunnel)]))
        commands = np.concatenate([ground, runs])
        self._commands.write(commands.tobytes())
        ctx = self.ctx
        ctx.depth_func = "<="
        for k, name in enumerate(PARTS):
            if not commands[k, 1]:
                continue
            if name == "sun":
                ctx.enable(moderngl.BLEND)
                ctx.blend_func = moderngl.ONE, moderngl.ONE
            self._vaos[k].render_indirect(self._commands, moderngl.TRIANGLE_STRIP, count=1, first=k)
        ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST)
