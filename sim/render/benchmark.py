"""Frames per second of the renderer, against the floor of the same framebuffer's clear and
readback (what any renderer with one readback per batch pays).

    python -m sim.render.benchmark

Scenes are the preview's showcase (five actors ahead, the map's traffic lights), the tiles
spread over the six maps; "clear" tiles are all clear noon, "mixed" cycle through the
preview presets (rain, fog, night, snow, dirt, tunnel, faults). Each figure is timed over
several short windows and the best and median window are printed: on a shared machine the
best window is the renderer's own speed, the median what it got.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

from sim.camera import CameraConfig
from sim.lane_graph import LaneGraph, build_lane_graph
from sim.map_templates import TEMPLATES
from sim.render.preview import PREVIEW_PRESETS, showcase_scene
from sim.scene_batch import SceneBatch
from sim.weather import PRESETS

SIZES = ((128, 64), (256, 128))
BATCHES = (1, 16, 64)
WINDOWS, WINDOW_S = 7, 0.25


def spread_scene(graphs: list[LaneGraph], batch: int, presets: tuple[str, ...]) -> SceneBatch:
    """`batch` showcase tiles, tile b on map b % len(graphs) under presets[b % len(presets)]."""
    scenes = [showcase_scene(graphs, b % len(graphs), [PRESETS[presets[b % len(presets)]]]) for b in range(batch)]
    return SceneBatch(**{name: torch.cat([getattr(s, name) for s in scenes])
                         for name in SceneBatch.__dataclass_fields__})


def seconds_per_call(step: Callable[[], object]) -> tuple[float, float]:
    """(best, median) mean seconds per call of step() over WINDOWS windows of ~WINDOW_S."""
    step()
    step()
    means = []
    for _ in range(WINDOWS):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < WINDOW_S:
            step()
            calls += 1
        means.append((time.perf_counter() - start) / calls)
    return min(means), float(np.median(means))


def floor_seconds(renderer, batch: int) -> tuple[float, float]:
    """Clear and read back the part of a framebuffer like the renderer's that `batch` tiles use
    (the whole of it cleared at once when they fill it, as the renderer does)."""
    rows, cols = renderer.layout.used(batch)
    width, height = cols * renderer.camera.width, rows * renderer.camera.height
    buffer = np.empty((height, width, 4), dtype=np.uint8)
    ctx = renderer.ctx
    fbo = ctx.framebuffer(ctx.renderbuffer(renderer.layout.size), ctx.depth_renderbuffer(renderer.layout.size))

    region = (0, 0, width, height)
    whole = (width, height) == renderer.layout.size

    def step() -> None:
        fbo.use()
        fbo.clear(depth=1.0, viewport=None if whole else region)
        fbo.read_into(buffer, viewport=region, components=4)

    return seconds_per_call(step)


def main() -> None:
    from sim.render.renderer import Renderer

    graphs = [build_lane_graph(build()) for build in TEMPLATES.values()]
    print("frames/s, best window (median window)")
    print(f"{'size':>8} {'B':>3} {'clear':>14} {'mixed':>14} {'floor':>16} {'clear/floor':>11}")
    for width, height in SIZES:
        renderer = Renderer(graphs, CameraConfig(width=width, height=height), max(BATCHES))
        for batch in BATCHES:
            clear, mixed = (spread_scene(graphs, batch, presets) for presets in (("clear_noon",), PREVIEW_PRESETS))
            t_clear = seconds_per_call(lambda: renderer.render(clear))
            t_mixed = seconds_per_call(lambda: renderer.render(mixed))
            t_floor = floor_seconds(renderer, batch)
            cells = [f"{batch / t[0]:>6.0f} ({batch / t[1]:>5.0f})" for t in (t_clear, t_mixed, t_floor)]
            print(f"{width}x{height:<4} {batch:>3} {cells[0]:>14} {cells[1]:>14} {cells[2]:>16} "
                  f"{t_floor[0] / t_clear[0]:>11.3f}")
        renderer.close()


if __name__ == "__main__":
    main()
