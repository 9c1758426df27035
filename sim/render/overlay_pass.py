"""Lens and sensor effects over the finished scene, each drawn only over the tiles that need
it (`lens.overlay_tiles`): rain streaks and snowflakes, raindrops on the lens, low-sun glare,
lens dirt, sensor noise and the black-frame fault, in that order (the scene in the air
first, then the lens, then the sensor).
"""
from __future__ import annotations

import moderngl
import numpy as np

from sim.camera import CameraConfig
from sim.render import indirect, lens
from sim.render.background_pass import QUAD_VERTICES, TILE_QUAD

BLEND = {
    "precipitation": (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA),
    "glare": (moderngl.ONE, moderngl.ONE),
    "dirt": (moderngl.ZERO, moderngl.SRC_COLOR),  # multiplies the frame
    "noise": (moderngl.ONE, moderngl.ONE),
}


class OverlayPass:
    def __init__(self, ctx: moderngl.Context, programs: dict[str, moderngl.Program], framebuffer: moderngl.Framebuffer,
                 camera: CameraConfig, max_batch: int):
        self.ctx, self.camera = ctx, camera
        self._programs = programs
        self._framebuffer = framebuffer
        self._frame_copy = ctx.texture(framebuffer.size, 4)
        self._quad = ctx.buffer(TILE_QUAD.tobytes())
        self._instances = ctx.buffer(reserve=4 * len(lens.OVERLAYS) * max_batch)
        self._commands = ctx.buffer(reserve=indirect.COMMAND_BYTES * len(lens.OVERLAYS))
        self._drops = ctx.buffer(reserve=16 * lens.MAX_DROPS * max_batch)
        self._vaos = {name: ctx.vertex_array(programs[name], [(self._quad, "2f", "in_corner"),
                                                              (self._instances, "1f/i", "i_tile")])
                      for name in lens.OVERLAYS}
        self._drop_vao = ctx.vertex_array(programs["drop"], [(self._quad, "2f", "in_corner"),
                                                             (self._drops, "1f 3f/i", "i_tile", "i_drop")])

    def draw(self, weather: np.ndarray, time_s: np.ndarray, tile_rows: np.ndarray) -> None:
        """weather [B, K], time_s [B], tile_rows from `conditions.tile_rows`."""
        tiles = lens.overlay_tiles(weather, time_s, tile_rows)
        counts = np.array([len(tiles[name]) for name in lens.OVERLAYS])
        if not counts.any():
            return
        self._instances.write(np.concatenate([tiles[n] for n in lens.OVERLAYS]).astype(np.float32).tobytes())
        self._commands.write(indirect.array_commands(QUAD_VERTICES, counts).tobytes())
        command = {name: k for k, name in enumerate(lens.OVERLAYS) if counts[k]}
        ctx = self.ctx
        ctx.enable(moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD
        if "precipitation" in command:
            self._overlay("precipitation", command)
            self._raindrops(tile_rows, tiles["precipitation"])
        for name in ("glare", "dirt"):
            self._overlay(name, command)
        if "noise" in command:
            noise = self._programs["noise"]
            noise["u_sign"].value = 1.0
            self._overlay("noise", command)
            # Blending clamps each pass to 0..1, so adding the positive part and then
            # subtracting the negative part gives clamp(frame + noise) exactly.
            ctx.blend_equation = moderngl.FUNC_REVERSE_SUBTRACT
            noise["u_sign"].value = -1.0
            self._overlay("noise", command)
            ctx.blend_equation = moderngl.FUNC_ADD
        ctx.disable(moderngl.BLEND)
        self._overlay("black", command)

    def _overlay(self, name: str, command: dict[str, int]) -> None:
        if name not in command:
            return
        if name in BLEND:
            self.ctx.blend_func = BLEND[name]
        self._vaos[name].render_indirect(self._commands, moderngl.TRIANGLE_STRIP, count=1, first=command[name])

    def _raindrops(self, tile_rows: np.ndarray, raining: np.ndarray) -> None:
        """Drops refract the frame drawn so far, so they read a copy of it (and replace, not blend)."""
        drops = lens.raindrops(tile_rows[raining], self.camera.width, self.camera.height)
        if len(drops) == 0:
            return
        drops[:, 0] = raining[drops[:, 0].astype(np.int64)]
        self.ctx.copy_framebuffer(self._frame_copy, self._framebuffer)
        self._frame_copy.use(1)
        self._drops.write(drops.tobytes())
        self.ctx.disable(moderngl.BLEND)
        self._drop_vao.render(moderngl.TRIANGLE_STRIP, instances=len(drops))
        self.ctx.enable(moderngl.BLEND)
        self._framebuffer.use()
