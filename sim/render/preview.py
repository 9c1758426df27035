"""Looking at the renderer's output: frames as a PNG grid, and showcase scenes on every map.

`save_tile_png` writes frames [B, H, W, 3] as one PNG grid (the CLI's `render` command uses
it). Run as a script, this module renders each map template under several weather presets
with a car, a pedestrian (on the crosswalk where the map has one), a cone, a cyclist and a
barrier ahead of the ego, and the map's own traffic lights, and writes one PNG per map:

    python -m sim.render.preview --out /tmp/render_preview
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import numpy as np
import torch

from sim.actor_kinds import DEFAULT_SIZE_M, ActorKind
from sim.camera import CameraConfig
from sim.lane_graph import Lane, LaneGraph, build_lane_graph
from sim.map_templates import TEMPLATES
from sim.scene_batch import SceneBatch
from sim.traffic_lights import RED, place_signals
from sim.weather import PRESETS, Weather, as_vector

PREVIEW_PRESETS = ("clear_noon", "cloudy", "wet", "rain", "heavy_rain", "fog", "dense_fog", "night", "low_sun",
                   "snow", "lens_dirt", "tunnel", "noisy_frame", "black_frame")
# (kind, metres ahead of the ego along its lane, metres to the left of the lane centre, colour);
# the pedestrian moves onto the crosswalk where there is one (`_ego_and_walker`).
SHOWCASE_ACTORS = (
    (ActorKind.CAR, 30.0, 0.0, (0.75, 0.10, 0.10)),
    (ActorKind.PEDESTRIAN, 14.0, -2.4, (0.95, 0.80, 0.10)),
    (ActorKind.CONE, 9.0, -1.3, (1.0, 0.4, 0.0)),
    (ActorKind.CYCLIST, 38.0, -1.2, (0.10, 0.55, 0.20)),
    (ActorKind.BARRIER, 48.0, 1.0, (0.8, 0.1, 0.1)),
)
CROSSWALK_AHEAD_M = 18.0


def save_tile_png(frames: torch.Tensor, path: str | Path, columns: int | None = None) -> None:
    """Write frames uint8 [B, H, W, 3] (RGB) as one PNG, tiles left to right then down,
    `columns` wide (default: about square); empty cells are black."""
    images = frames.detach().cpu().numpy()
    count, height, width, _ = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = np.zeros((rows * height, columns * width, 3), dtype=np.uint8)
    for k in range(count):
        r, c = divmod(k, columns)
        grid[r * height:(r + 1) * height, c * width:(c + 1) * width] = images[k]
    if not cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")


def lane_point(lane: Lane, s_m: float, left_m: float = 0.0) -> tuple[float, float, float]:
    """(x, y, heading) at s_m along a lane, left_m to the left of its centre."""
    s = float(np.clip(s_m, 0.0, lane.length_m))
    x = np.interp(s, lane.s_m, lane.centre_xy[:, 0])
    y = np.interp(s, lane.s_m, lane.centre_xy[:, 1])
    k = min(int(np.searchsorted(lane.s_m, s)), len(lane.s_m) - 1)
    heading = float(lane.heading_rad[k])
    return float(x - left_m * np.sin(heading)), float(y + left_m * np.cos(heading)), heading


def _ego_and_walker(graph: LaneGraph) -> tuple[Lane, float, float, float]:
    """The first lane of the map's first route, the ego's s on it (25 m before its traffic
    light, CROSSWALK_AHEAD_M before its first crosswalk, else 10 m in) and the pedestrian's
    place relative to the ego (metres ahead, metres left): on that crosswalk if there is one."""
    network = graph.network
    lane = graph.lanes[graph.route_lanes(next(iter(network.routes)))[0]]
    _, walker_ahead, walker_left, _ = SHOWCASE_ACTORS[1]
    for signal in place_signals(graph):
        if signal.lane == lane.index:
            return lane, max(0.0, signal.stop_s_m - 25.0), walker_ahead, walker_left
    for crosswalk in network.crosswalks:
        if crosswalk.road == lane.road_id:
            middle = crosswalk.s_m + 0.5 * crosswalk.width_m
            lane_s = middle if lane.lane_id < 0 else lane.length_m - middle
            return lane, max(0.0, lane_s - CROSSWALK_AHEAD_M), CROSSWALK_AHEAD_M, -0.8
    return lane, 10.0, walker_ahead, walker_left


def showcase_scene(graphs: list[LaneGraph], template: int, weathers: list[Weather], time_s: float = 1.0) -> SceneBatch:
    """One tile per weather, all on map `template`, the ego on its first route with
    SHOWCASE_ACTORS ahead and every traffic light red."""
    lane, ego_s, walker_ahead, walker_left = _ego_and_walker(graphs[template])
    places = [(ahead, left) if kind != ActorKind.PEDESTRIAN else (walker_ahead, walker_left)
              for kind, ahead, left, _ in SHOWCASE_ACTORS]
    batch, n = len(weathers), len(SHOWCASE_ACTORS)
    ego = torch.tensor([lane_point(lane, ego_s)] * batch)
    kind = torch.tensor([[int(k) for k, *_ in SHOWCASE_ACTORS]] * batch)
    pose = torch.tensor([[lane_point(lane, ego_s + ahead, left) for ahead, left in places]] * batch)
    size = torch.tensor([[DEFAULT_SIZE_M[k] for k, *_ in SHOWCASE_ACTORS]] * batch)
    colour = torch.tensor([[c for *_, c in SHOWCASE_ACTORS]] * batch)
    signals = max(1, max(len(place_signals(g)) for g in graphs))
    return SceneBatch(
        map_index=torch.full((batch,), template), ego_pose=ego.float(), actor_kind=kind,
        actor_pose=pose.float(), actor_size=size.float(), actor_colour=colour.float(),
        actor_door_open=torch.zeros(batch, n, dtype=torch.bool),
        light_state=torch.full((batch, signals), RED), weather=torch.tensor([as_vector(w) for w in weathers]),
        time_s=torch.full((batch,), time_s), seed=torch.arange(batch))


def main() -> None:
    from sim.render.renderer import Renderer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/render_preview"))
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--height", type=int, default=128)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    graphs = [build_lane_graph(build()) for build in TEMPLATES.values()]
    camera = CameraConfig(width=args.width, height=args.height)
    renderer = Renderer(graphs, camera, len(PREVIEW_PRESETS))
    weathers = [PRESETS[name] for name in PREVIEW_PRESETS]
    for t, name in enumerate(TEMPLATES):
        frames = renderer.render(showcase_scene(graphs, t, weathers))
        save_tile_png(frames, args.out / f"{name}_{args.width}x{args.height}.png", columns=4)
    renderer.close()
    print(f"wrote {len(TEMPLATES)} PNGs of {len(weathers)} tiles ({', '.join(PREVIEW_PRESETS)}) to {args.out}")


if __name__ == "__main__":
    main()
