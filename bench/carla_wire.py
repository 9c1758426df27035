"""Benchmark of the CARLA wire server: ticks/s of a synchronous session through the real
`carla` 0.9.16 client (one vehicle, one RGB camera, every frame's image received), side by
side with the embedded backend's own rate for the same batch of 1 (step + render), at
800x600 and 128x256 (width x height); then a multi-sensor rig on one vehicle (RGB, depth and
semantic segmentation cameras at 800x600 and a 32-channel lidar at 100,000 points/s), every
sensor's data of every frame received. `make bench` runs it.

Targets: the wire costs at most 2x the embedded rate at 128x256, and reaches >= 150 ticks/s
at 800x600 on 2 CPU cores (issue 8; a real CARLA server with a camera: about 20-25); the rig
>= 60 ticks/s (issue 29; a real CARLA server with that rig: about 10-20).
"""
from __future__ import annotations

import argparse
import os
import platform
import queue
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.camera import CameraConfig  # noqa: E402
from sim.carla_wire.server import wait_until_listening  # noqa: E402
from sim.episode_spec import EpisodeSpec  # noqa: E402
from sim.world import BatchedWorld, WorldConfig  # noqa: E402

SIZES = ((800, 600), (128, 256))
PORT = 2450


def embedded_rates(width: int, height: int, ticks: int) -> tuple[float, float]:
    """(ticks/s of step + observe, frames/s of the renderer alone: this machine's limit)."""
    world = BatchedWorld(WorldConfig(batch_size=1, camera=CameraConfig(width=width, height=height)))
    world.load(0, EpisodeSpec("straight", "main", seed=1, max_time_s=1e6))
    control = torch.tensor([[0.0, 0.3, 0.0]])
    world.observe()
    start = time.perf_counter()
    for _ in range(ticks):
        world.step(control)
        world.observe()
    rate = ticks / (time.perf_counter() - start)
    scene = world.scene()
    start = time.perf_counter()
    for _ in range(ticks):
        world._renderer.render(scene)
    render_rate = ticks / (time.perf_counter() - start)
    world.close()
    return rate, render_rate


RIG_CAMERAS = ("sensor.camera.rgb", "sensor.camera.depth", "sensor.camera.semantic_segmentation")
RIG_LIDAR = {"channels": "32", "points_per_second": "100000", "range": "50", "rotation_frequency": "20"}


def wire_rate(width: int, height: int, ticks: int, rig: bool = False) -> float:
    """Ticks/s of a synchronous client loop (control, tick, wait for every sensor's frame):
    one RGB camera, or with `rig` the RIG_CAMERAS and a lidar."""
    import carla

    client = carla.Client("127.0.0.1", PORT)
    client.set_timeout(20.0)
    world = client.get_world()
    settings = world.get_settings()
    settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
    world.apply_settings(settings)
    library = world.get_blueprint_library()
    vehicle = world.spawn_actor(library.find("vehicle.tesla.model3"), world.get_map().get_spawn_points()[0])
    blueprints = []
    for bp_id in RIG_CAMERAS if rig else RIG_CAMERAS[:1]:
        blueprint = library.find(bp_id)
        blueprint.set_attribute("image_size_x", str(width))
        blueprint.set_attribute("image_size_y", str(height))
        blueprints.append(blueprint)
    if rig:
        blueprints.append(library.find("sensor.lidar.ray_cast"))
        for name, setting in RIG_LIDAR.items():
            blueprints[-1].set_attribute(name, setting)
    mount = carla.Transform(carla.Location(x=1.0, z=1.5))
    sensors = [world.spawn_actor(blueprint, mount, attach_to=vehicle) for blueprint in blueprints]
    streams = [queue.Queue() for _ in sensors]
    for sensor, stream in zip(sensors, streams):
        sensor.listen(stream.put)
    for _ in range(5):  # the streams connect after listen()
        world.tick()
    for stream in streams:
        while not stream.empty():
            stream.get()
    control = carla.VehicleControl(throttle=0.3)
    start = time.perf_counter()
    for _ in range(ticks):
        vehicle.apply_control(control)
        frame = world.tick()
        for stream in streams:
            while stream.get(timeout=20).frame < frame:
                pass
    rate = ticks / (time.perf_counter() - start)
    for sensor in sensors:
        sensor.stop()
        sensor.destroy()
    vehicle.destroy()
    settings.synchronous_mode = False
    world.apply_settings(settings)
    return rate


def start_server() -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "nines", "serve-carla", "--port", str(PORT)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    if not wait_until_listening("127.0.0.1", PORT, 60):
        server.kill()
        raise SystemExit("serve-carla did not start")
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurements per size (medians printed)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}")
    server = start_server()
    try:
        for width, height in SIZES:
            runs = [(*embedded_rates(width, height, args.ticks), wire_rate(width, height, args.ticks))
                    for _ in range(args.repeats)]
            embedded, render_only, wire = (statistics.median(column) for column in zip(*runs))
            print(f"{width}x{height}: embedded {embedded:6.1f} ticks/s, wire server + carla client {wire:6.1f} "
                  f"ticks/s (wire cost {embedded / wire:.2f}x the embedded); the renderer alone "
                  f"{render_only:6.1f} frames/s (wire at {wire / render_only:.2f} of it); medians of "
                  f"{args.repeats}, wire runs {', '.join(f'{run[2]:.0f}' for run in runs)}")
        width, height = SIZES[0]
        runs = [(embedded_rates(width, height, args.ticks)[0], wire_rate(width, height, args.ticks, rig=True))
                for _ in range(args.repeats)]
        embedded, rig = (statistics.median(column) for column in zip(*runs))
        print(f"rig (RGB, depth, semantic cameras at {width}x{height}, lidar 32 channels at 100k points/s): "
              f"{rig:6.1f} ticks/s (embedded, one RGB camera: {embedded:6.1f}); medians of {args.repeats}, "
              f"rig runs {', '.join(f'{run[1]:.0f}' for run in runs)}")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
