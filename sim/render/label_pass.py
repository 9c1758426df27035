"""The background of a label camera's tiles (see labels.py): sky everywhere, then the grass
plane below the horizon as terrain at its depth; the surfaces are drawn over it with the
LABELS programs. Nothing is cached: one clear and one instanced quad per tile."""
from __future__ import annotations

import moderngl
import numpy as np

from sim.render.background_pass import QUAD_VERTICES, TILE_QUAD
from sim.render.labels import ImageKind, background_colour


class LabelBackground:
    def __init__(self, ctx: moderngl.Context, programs: dict[str, moderngl.Program], image: ImageKind,
                 max_batch: int):
        self.ctx = ctx
        self._sky = background_colour(image)
        self._quad = ctx.buffer(TILE_QUAD.tobytes())
        self._tiles = ctx.buffer(np.arange(max_batch, dtype=np.float32).tobytes())
        self._ground = ctx.vertex_array(programs["ground_label"], [(self._quad, "2f", "in_corner"),
                                                                   (self._tiles, "1f/i", "i_tile")])

    def fill(self, target: moderngl.Framebuffer, region: tuple[int, int, int, int], batch: int) -> None:
        """Start tiles 0..batch-1 of `target` (covering `region`) as sky and terrain, depth cleared."""
        target.use()
        target.clear(*self._sky, depth=1.0, viewport=region)
        self.ctx.disable(moderngl.BLEND | moderngl.DEPTH_TEST)
        self._ground.render(moderngl.TRIANGLE_STRIP, vertices=QUAD_VERTICES, instances=batch)
