"""Benchmark of the embedded simulator: env-steps/s of dynamics + events + camera.

Prints, for 64x128 and 128x256 cameras and B = 1, 16, 64 (and 1024 on a GPU): env-steps/s
over the whole measurement and in its best half-second window, the renderer's share of the
step and its frames/s against a bare moderngl clear + readback of the same framebuffer (the
floor); then 64x128 at the largest B with WorldConfig.compile_step against the same world
stepped eagerly, in alternating windows; on a CPU, B = 64 also split over one world per core
in as many processes (one process leaves a core idle while it runs Python and the other
while llvmpipe rasterises); then highway-env's highway-fast-v0 with its grayscale image
observation, measured in the same run, and the ratios. With --map FILE.xodr (a CARLA town, run
by hand: the repository holds no foreign map), also the import's time, the map bank's build
time and 64x128 at B = 64 on that map (nominal_route episodes) beside the templates' figure.
`make bench` runs it.
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

# This file is named sim.py (as the issue asks), which would shadow the `sim` package when run
# as a script: put the repository root first on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scenarios.background_traffic import sample_episode
from scenarios.catalog import find_family
from sim.camera import CameraConfig
from sim.episode_spec import EpisodeSpec
from sim.map_bank import build_map_bank
from sim.opendrive_import import import_xodr
from sim.world import BatchedWorld, WorldConfig

WINDOW_S = 0.5  # the best-window figure's window


def loaded_world(bank, batch: int, camera: CameraConfig, device: str, first_seed: int = 0,
                 compile_step: bool = False, episode=sample_episode) -> tuple[BatchedWorld, int]:
    """A world whose every slot holds an episode (episode(seed) -> EpisodeSpec), and the next
    unused episode seed."""
    world = BatchedWorld(WorldConfig(batch_size=batch, camera=camera, device=device, compile_step=compile_step),
                         bank=bank)
    for slot in range(batch):
        world.load(slot, episode(first_seed + slot))
    return world, first_seed + batch


def step_rate(world: BatchedWorld, device: str, seconds: float, next_seed: int,
              episode=sample_episode) -> tuple[float, float, float, int]:
    """(env-steps/s, share of time spent rendering, env-steps/s of the best WINDOW_S window,
    the next unused episode seed) over about `seconds` of render + step, ended episodes
    refilled at once. On a shared machine the best window is the code's own speed, the whole
    run what it got."""
    batch, camera = world.config.batch_size, world.config.camera
    control = torch.tensor([[0.0, 0.3, 0.0]], device=device).expand(batch, 3)
    world.render()
    ticks, render_s, start = 0, 0.0, time.perf_counter()
    window_start, window_ticks, best = start, 0, 0.0
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        frames = world.render()
        if device != "cpu":
            torch.cuda.synchronize()
        render_s += time.perf_counter() - t0
        events = world.step(control)
        for slot in torch.nonzero(events.ended).flatten().tolist():
            world.load(slot, episode(next_seed))
            next_seed += 1
        ticks += 1
        window_ticks += 1
        if (now := time.perf_counter()) - window_start >= WINDOW_S:
            best = max(best, window_ticks * batch / (now - window_start))
            window_start, window_ticks = now, 0
    elapsed = time.perf_counter() - start
    assert frames.shape == (batch, camera.height, camera.width, 3)
    return ticks * batch / elapsed, render_s / elapsed, best, next_seed


def bench_world(bank, batch: int, camera: CameraConfig, device: str, seconds: float) -> tuple[float, float, float]:
    """(env-steps/s, render share, best window's env-steps/s) of one world of `batch`
    episodes in this process."""
    world, next_seed = loaded_world(bank, batch, camera, device)
    try:
        return step_rate(world, device, seconds, next_seed)[:3]
    finally:
        world.close()


def bench_compiled(bank, batch: int, camera: CameraConfig, device: str, windows: int) -> tuple[list[float], list[float]]:
    """env-steps/s of one world stepped eagerly and one with compile_step, in `windows`
    alternating one-second windows each (so both meet the same moments of a shared machine),
    after the compile and a warm-up -> (eager rates, compiled rates)."""
    eager, eager_seed = loaded_world(bank, batch, camera, device)
    fast, fast_seed = loaded_world(bank, batch, camera, device, 1_000_000, compile_step=True)
    seeds = {eager: eager_seed, fast: fast_seed}
    rates: dict[BatchedWorld, list[float]] = {eager: [], fast: []}
    for window in range(windows + 1):
        for world in (eager, fast):
            rate, _, _, seeds[world] = step_rate(world, device, 1.0 if window else 3.0, seeds[world])
            if window:
                rates[world].append(rate)
    eager.close()
    fast.close()
    return rates[eager], rates[fast]


def _shard(batch: int, width: int, height: int, first_seed: int, seconds: float, barrier, rates) -> None:
    """One process of bench_processes: its own world (one torch thread), stepped from the
    moment every shard is ready."""
    torch.set_num_threads(1)
    world, next_seed = loaded_world(build_map_bank("cpu"), batch, CameraConfig(width=width, height=height), "cpu",
                                    first_seed)
    barrier.wait()
    rates.put(step_rate(world, "cpu", seconds, next_seed)[0])
    world.close()


def bench_processes(batch: int, camera: CameraConfig, processes: int, seconds: float) -> float:
    """env-steps/s of `batch` episodes split over `processes` worlds in as many processes,
    stepping at the same time (how a run's --executor ray --workers N uses the cores)."""
    context = multiprocessing.get_context("spawn")
    barrier, rates = context.Barrier(processes), context.Queue()
    shards = [context.Process(target=_shard, args=(batch // processes, camera.width, camera.height, 100_000 * k,
                                                   seconds, barrier, rates)) for k in range(processes)]
    for shard in shards:
        shard.start()
    total = sum(rates.get(timeout=600) for _ in shards)
    for shard in shards:
        shard.join()
    return total


def bench_floor(batch: int, camera: CameraConfig, seconds: float) -> float:
    """Frames/s of a bare clear + readback of a framebuffer tiled like the renderer's."""
    import moderngl

    ctx = moderngl.create_standalone_context(backend="egl")
    cols = math.ceil(math.sqrt(batch))
    rows = math.ceil(batch / cols)
    fbo = ctx.simple_framebuffer((cols * camera.width, rows * camera.height), components=3)
    buffer = np.empty(rows * cols * camera.width * camera.height * 3, np.uint8)
    fbo.use()
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fbo.clear(0.3, 0.5, 0.7)
        fbo.read_into(buffer, components=3, alignment=1)
        frames += batch
    rate = frames / (time.perf_counter() - start)
    ctx.release()
    return rate


def bench_highway_env(seconds: float) -> float | None:
    """Steps/s of highway-fast-v0 with a 128x64 grayscale observation, or None if not installed."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        import gymnasium as gym
        import highway_env  # noqa: F401  (registers the environments)
    except ImportError:
        return None
    config = {"observation": {"type": "GrayscaleObservation", "observation_shape": (128, 64), "stack_size": 4,
                              "weights": [0.2989, 0.5870, 0.1140], "scaling": 1.75}}
    env = gym.make("highway-fast-v0", config=config)
    env.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        if terminated or truncated:
            env.reset()
    rate = steps / (time.perf_counter() - start)
    env.close()
    return rate


def route_episodes(path: str):
    """episode(seed) -> a nominal_route episode on the map at `path`, its parameters drawn from seed."""
    family = find_family(f"nominal_route@{path}")

    def episode(seed: int) -> EpisodeSpec:
        unit = np.random.default_rng(seed).uniform(size=(1, len(family.all_parameters)))
        return family.build(family.from_unit(unit)[0], seed)

    return episode


def bench_imported(path: str, device: str, seconds: float) -> tuple[float, float, float, float]:
    """(import s, map bank build s, env-steps/s, render share) of 64x128 B = 64 on an imported map."""
    start = time.perf_counter()
    import_xodr(path)
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    bank = build_map_bank(device, (path,))
    bank_s = time.perf_counter() - start
    episode = route_episodes(path)
    world, next_seed = loaded_world(bank, 64, CameraConfig(width=128, height=64), device, episode=episode)
    rate, share, _, _ = step_rate(world, device, seconds, next_seed, episode)
    world.close()
    return import_s, bank_s, rate, share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    parser.add_argument("--windows", type=int, default=8, help="alternating windows of eager and compiled step")
    parser.add_argument("--map", action="append", default=[], help="an OpenDRIVE file to bench as well (repeatable)")
    args = parser.parse_args()
    batches = [1, 16, 64] + ([1024] if args.device != "cpu" else [])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch "
          f"{torch.__version__}, device {args.device}")
    bank = build_map_bank(args.device)
    print(f"{'camera':>8} {'B':>5} {'env-steps/s':>12} {'best window':>12} {'render share':>13} {'render fps':>11} "
          f"{'floor fps':>10} {'of floor':>9}")
    best = {}
    for height, width in ((64, 128), (128, 256)):
        camera = CameraConfig(width=width, height=height)
        for batch in batches:
            rate, share, best_window = bench_world(bank, batch, camera, args.device, args.seconds)
            floor = bench_floor(batch, camera, min(args.seconds, 2.0))
            render_fps = rate / max(share, 1e-9)
            best[(height, batch)] = rate
            print(f"{height}x{width:<4} {batch:>5} {rate:>12.0f} {best_window:>12.0f} {share:>12.0%} "
                  f"{render_fps:>11.0f} {floor:>10.0f} {render_fps / floor:>9.0%}")
    for path in args.map:
        import_s, bank_s, rate, share = bench_imported(path, args.device, args.seconds)
        print(f"{Path(path).stem}: import {import_s:.2f} s, map bank {bank_s:.2f} s; 64x128 B=64 {rate:.0f} "
              f"env-steps/s (render {share:.0%}) = {rate / best[(64, 64)]:.2f}x the templates'")
    compile_batch = batches[-1]
    eager, compiled = bench_compiled(bank, compile_batch, CameraConfig(width=128, height=64), args.device,
                                     args.windows)
    fast = statistics.median(compiled)
    print(f"64x128 B={compile_batch}, {args.windows} alternating 1 s windows each: eager median "
          f"{statistics.median(eager):.0f} ({min(eager):.0f}-{max(eager):.0f}), compile_step median {fast:.0f} "
          f"({min(compiled):.0f}-{max(compiled):.0f}): {fast / statistics.median(eager):.2f}x")
    split = None
    if args.device == "cpu":
        processes = os.cpu_count() or 1
        camera = CameraConfig(width=128, height=64)
        split = bench_processes(64, camera, processes, args.seconds)
        print(f"64x128 B=64 as {processes} worlds of {64 // processes} in {processes} processes (one per core): "
              f"{split:.0f} env-steps/s, {split / best[(64, 64)]:.2f}x one world of 64 in one process")
    highway = bench_highway_env(args.seconds)
    if highway is None:
        print("highway-env not installed (pip install -e '.[bench]'): no peer comparison")
        return
    ours = best[(64, 64)]
    print(f"highway-env highway-fast-v0, 128x64 grayscale: {highway:.0f} steps/s; "
          f"nines 64x128 B=64: {ours:.0f} env-steps/s = {ours / highway:.0f}x in one world"
          + (f", {fast / highway:.0f}x compiled" if compile_batch == 64 else "")
          + (f", {split / highway:.0f}x split over the cores" if split else ""))


if __name__ == "__main__":
    main()
