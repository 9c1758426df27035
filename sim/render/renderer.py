"""The batch camera renderer: B scenes in, B RGB frames out, rasterised in 3D with OpenGL.

The B cameras are tiles of one framebuffer (`tile_layout`), drawn with a handful of calls
per batch however many tiles and actors there are: each frame starts as a copy of the cached
background (`background_pass`: grass and sky, redrawn only where conditions changed), then
the surfaces (`surface_pass`: maps and actors), the sun, and lens and sensor effects
(`overlay_pass`); then one readback of the whole framebuffer. Per-tile cameras and
conditions reach the shaders as rows of a float texture (`conditions`).
"""
from __future__ import annotations

import cv2
import moderngl
import numpy as np
import torch

from sim.camera import CameraConfig
from sim.lane_graph import LaneGraph
from sim.render import conditions
from sim.render.background_pass import BackgroundPass, horizon_row
from sim.render.camera_model import camera_rows, depth_coefficients, intrinsics
from sim.render.gl_context import create_context, flush
from sim.render.label_pass import LabelBackground
from sim.render.labels import ImageKind, actor_labels
from sim.render.lighting_cache import LightingCache
from sim.render.overlay_pass import OverlayPass
from sim.render.shader_source import PROGRAMS, program_sources
from sim.render.surface_pass import LABEL_VARIANT, SurfacePass
from sim.render.tile_layout import tile_layout
from sim.scene_batch import SceneBatch

TILE_TEXTURE_UNIT, FRAME_COPY_UNIT = 0, 1


class Renderer:
    """Renders SceneBatches of up to max_batch scenes on the maps `graphs` (map_index
    indexes this list) with one camera model, as `image` frames."""

    def __init__(self, graphs: list[LaneGraph], camera: CameraConfig, max_batch: int,
                 image: ImageKind = ImageKind.RGB):
        self.camera = camera
        self.max_batch = max_batch
        self.image = image
        self.layout = tile_layout(camera.width, camera.height, max_batch)
        self.ctx = create_context()
        programs = {name: self.ctx.program(*program_sources(name)) for name in PROGRAMS}
        self._set_uniforms(programs)
        size = self.layout.size
        self._tiles = self.ctx.texture((len(conditions.TILE_ROWS), max_batch), 4, dtype="f4")
        self._fbo = self.ctx.framebuffer(self.ctx.renderbuffer(size), self.ctx.depth_renderbuffer(size))
        self._surfaces = SurfacePass(self.ctx, programs, graphs, camera, self.layout, max_batch)
        self._background = BackgroundPass(self.ctx, programs, size, max_batch)
        self._overlays = OverlayPass(self.ctx, programs, self._fbo, camera, max_batch)
        self._label_background = LabelBackground(self.ctx, programs, image, max_batch)
        self._readback = np.empty(size[0] * size[1] * 4, dtype=np.uint8)
        self._lighting = LightingCache(max_batch)

    def _set_uniforms(self, programs: dict[str, moderngl.Program]) -> None:
        """Uniforms fixed for the renderer's life: the tile grid, the camera model, the headlights."""
        cam = self.camera
        k = intrinsics(cam)
        pitch = np.radians(cam.pitch_deg)
        headlight_pos, headlight_dir = conditions.headlight_in_camera(cam)
        values = {
            "u_tiles": TILE_TEXTURE_UNIT, "u_frame": FRAME_COPY_UNIT,
            "u_grid": (float(self.layout.rows), float(self.layout.cols)),
            "u_tile_px": (float(cam.width), float(cam.height)),
            "u_focal_clip": (2 * k.focal_px / cam.width, 2 * k.focal_px / cam.height),
            "u_depth_ab": depth_coefficients(),
            "u_headlight_pos": tuple(headlight_pos), "u_headlight_dir": tuple(headlight_dir),
            "u_intrinsics": (k.focal_px, k.cx_px, k.cy_px, cam.mount_z_m),
            "u_up_cam": (0.0, -float(np.cos(pitch)), float(np.sin(pitch))),
            "u_forward_cam": (0.0, float(np.sin(pitch)), float(np.cos(pitch))),
            "u_horizon_v": horizon_row(cam),
        }
        for program in programs.values():
            for name, value in values.items():
                if name in program:
                    program[name].value = value
        for name in ("ground", "ground_label"):
            programs[name]["u_ground"].value = 1.0
        for name in ("map_label", "actor_label", "ground_label"):
            programs[name]["u_image"].value = int(self.image)

    def render(self, scene: SceneBatch) -> torch.Tensor:
        """Frames uint8 [B, H, W, 3] (RGB, row 0 at the top) on scene.ego_pose's device."""
        # another renderer in this process (a second world) may have made its context current
        with self.ctx:
            return self._render(scene, cv2.COLOR_RGBA2RGB).to(scene.ego_pose.device)

    def render_bgra(self, scene: SceneBatch) -> np.ndarray:
        """Frames uint8 [B, H, W, 4] (BGRA, alpha 255, row 0 at the top) on the CPU: the pixel
        layout of CARLA's camera images, converted once from the readback."""
        with self.ctx:
            return self._render(scene, cv2.COLOR_RGBA2BGRA).numpy()

    def _render(self, scene: SceneBatch, conversion: int) -> torch.Tensor:
        batch = scene.batch_size
        if batch > self.max_batch:
            raise ValueError(f"scene batch of {batch} exceeds the renderer's max_batch {self.max_batch}")
        if batch == 0:
            channels = 4 if conversion == cv2.COLOR_RGBA2BGRA else 3
            return torch.zeros((0, self.camera.height, self.camera.width, channels), dtype=torch.uint8)
        rows = camera_rows(self.camera, scene.ego_pose.detach().cpu().numpy())
        weather = scene.weather.detach().cpu().numpy()
        time_s = scene.time_s.detach().cpu().numpy().astype(np.float64)
        tile_rows = conditions.tile_rows(self.camera, rows, weather, time_s, scene.seed.detach().cpu().numpy(),
                                         self._lighting)
        self._tiles.write(tile_rows.tobytes(), viewport=(0, 0, len(conditions.TILE_ROWS), batch))
        self._tiles.use(TILE_TEXTURE_UNIT)
        actors = {name: getattr(scene, field).detach().cpu().numpy() for name, field in (
            ("kind", "actor_kind"), ("pose", "actor_pose"), ("size", "actor_size"), ("colour", "actor_colour"),
            ("door_open", "actor_door_open"), ("light_state", "light_state"))}
        map_index = scene.map_index.detach().cpu().numpy()
        if self.image != ImageKind.RGB:
            self._label_background.fill(self._fbo, self._used_region(batch), batch)
            actors["label"] = (actor_labels(actors["kind"]) if scene.actor_label is None
                               else scene.actor_label.detach().cpu().numpy().astype(np.float32))
            self._surfaces.draw(rows, map_index, np.full(batch, LABEL_VARIANT), actors)
            return self._read_frames(batch, conversion)
        self._background.prepare(tile_rows, conditions.in_tunnel(tile_rows), conditions.sun_in_view(tile_rows))
        self._background.fill(self._fbo, self._used_region(batch))
        self._clear_depth(batch)
        self._surfaces.draw(rows, map_index, conditions.surface_variant(tile_rows), actors)
        flush()
        self._background.draw_sun()
        self._overlays.draw(weather, time_s, tile_rows)
        return self._read_frames(batch, conversion)

    def _used_region(self, batch: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) in framebuffer pixels of the tiles 0..batch-1."""
        rows_used, cols_used = self.layout.used(batch)
        return 0, 0, cols_used * self.camera.width, rows_used * self.camera.height

    def _clear_depth(self, batch: int) -> None:
        """Clear the depth of the tiles in use, not their colour (about half the cost): the
        frame starts as the cached background. moderngl applies a framebuffer's colour mask
        on use()."""
        self._fbo.color_mask = (False, False, False, False)
        self._fbo.use()
        region = self._used_region(batch)
        self._fbo.clear(depth=1.0, viewport=None if region[2:] == self.layout.size else region)
        self._fbo.color_mask = (True, True, True, True)
        self._fbo.use()

    def _read_frames(self, batch: int, conversion: int) -> torch.Tensor:
        """One readback of the tiles in use, into the reused buffer, as frames [B, H, W, C]
        (cv2 `conversion` from RGBA)."""
        region = self._used_region(batch)
        width, height = region[2:]
        readback = self._readback[:width * height * 4].reshape(height, width, 4)
        self._fbo.read_into(readback, viewport=region, components=4)
        return self.layout.frames(readback, batch, conversion)

    def close(self) -> None:
        """Free the GL context and everything in it."""
        self.ctx.release()
