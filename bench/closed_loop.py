"""Benchmark of the full closed loop with the camera stack: render + perception ensemble +
planner + dynamics + events, in env-steps/s at 64x128 for B = 1, 16, 64, 256 (and up to
4096 on a GPU), with the perception share of the step.

Also, side by side in the same run: the machine's measured GEMM peak (a large fp32 matmul)
against the network's FLOPs per frame times its frames/s (the share of the peak the
perception reaches), and the ensemble trade-off in inference cost: members on one shared
trunk against one trunk per member. `make bench` runs it.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.expert_rollouts import training_tasks
from perception.camera_stack import CameraStack
from perception.checkpoint import SHIPPED, load
from perception.network import CameraNet, NetConfig
from planner.camera_driver import CameraDriver
from sim.camera import CameraConfig
from sim.map_bank import build_map_bank
from sim.world import BatchedWorld, WorldConfig


def gemm_peak_flops(device: torch.device, seconds: float = 2.0) -> float:
    """FLOP/s of a large fp32 (bf16 on CUDA) matmul: the machine's practical compute ceiling."""
    n = 2048 if device.type == "cpu" else 8192
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * n ** 3 * count / (time.perf_counter() - start)


def flops_per_frame(stack: CameraStack, camera: CameraConfig) -> float:
    frames = torch.zeros(1, camera.height, camera.width, 3, dtype=torch.uint8, device=stack.device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        stack.net(frames, torch.zeros(1, device=stack.device), torch.zeros(1, 40, 2, device=stack.device))
    return float(counter.get_total_flops())


def perception_rate(stack: CameraStack, camera: CameraConfig, batch: int, seconds: float = 2.0) -> float:
    """Frames/s of perception alone on random frames, batch at a time."""
    frames = torch.randint(0, 255, (batch, camera.height, camera.width, 3), dtype=torch.uint8, device=stack.device)
    from sim.observation import Observation

    obs = Observation(frames, torch.zeros(batch, device=stack.device), torch.zeros(batch, 40, 2, device=stack.device),
                      torch.zeros(batch, device=stack.device))
    stack.perceive(obs)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        stack.perceive(obs)
        count += batch
    if stack.device.type == "cuda":
        torch.cuda.synchronize()
    return count / (time.perf_counter() - start)


class _TimedStack:
    """Wraps a CameraStack to add up the time spent in perception."""

    def __init__(self, stack: CameraStack):
        self.stack, self.seconds = stack, 0.0

    def perceive(self, obs):
        start = time.perf_counter()
        percept = self.stack.perceive(obs)
        if self.stack.device.type == "cuda":
            torch.cuda.synchronize()
        self.seconds += time.perf_counter() - start
        return percept


def closed_loop(bank, stack: CameraStack, camera: CameraConfig, batch: int, device: str,
                seconds: float) -> tuple[float, float]:
    """(env-steps/s, perception share of the step) with continuous batching over sampled
    scenarios of every family."""
    world = BatchedWorld(WorldConfig(batch_size=batch, camera=camera, device=device), bank=bank)
    tasks = training_tasks(seed=123)
    for slot in range(batch):
        world.load(slot, next(tasks).spec)
    timed = _TimedStack(stack)
    driver = CameraDriver(timed)
    world.step(driver.act(world.observe()).control)
    timed.seconds, steps, start = 0.0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        running = int(world.running.sum())
        events = world.step(driver.act(world.observe()).control)
        steps += running
        for slot in torch.nonzero(events.ended).squeeze(-1).tolist():
            world.load(slot, next(tasks).spec)
    elapsed = time.perf_counter() - start
    world.close()
    return steps / elapsed, timed.seconds / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--batches", default=None, help="comma-separated batch sizes")
    args = parser.parse_args()
    device = torch.device(args.device)
    camera = CameraConfig(width=128, height=64)
    net = load(SHIPPED, camera.width, camera.height)[0] if SHIPPED.exists() else CameraNet(NetConfig())
    stack = CameraStack(net, device)
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, device {device} "
          f"({torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.processor() or 'cpu'}); "
          f"checkpoint: {SHIPPED if SHIPPED.exists() else 'untrained network (no shipped checkpoint)'}")
    peak = gemm_peak_flops(device)
    flops = flops_per_frame(stack, camera)
    frames_per_s = perception_rate(stack, camera, 64 if device.type == "cpu" else 4096)
    print(f"GEMM peak {peak / 1e9:.1f} GFLOP/s; network {flops / 1e6:.1f} MFLOP per frame; perception "
          f"{frames_per_s:,.0f} frames/s = {flops * frames_per_s / 1e9:.1f} GFLOP/s = "
          f"{100 * flops * frames_per_s / peak:.1f} % of the GEMM peak")
    for shared in (True, False):
        variant = CameraStack(CameraNet(NetConfig(shared_trunk=shared)), device)
        rate = perception_rate(variant, camera, 64, seconds=2.0)
        print(f"ensemble of 4 on {'one shared trunk' if shared else 'one trunk each'}: "
              f"{flops_per_frame(variant, camera) / 1e6:.1f} MFLOP per frame, {rate:,.0f} frames/s at B=64")
    batches = ([int(b) for b in args.batches.split(",")] if args.batches else
               [1, 16, 64, 256] if device.type == "cpu" else [1, 64, 256, 1024, 4096])
    bank = build_map_bank(str(device))
    print("closed loop at 64x128 (render + perception + planner + dynamics + events):")
    for batch in batches:
        rate, share = closed_loop(bank, stack, camera, batch, str(device), args.seconds)
        print(f"  B={batch:5d}: {rate:9,.0f} env-steps/s, perception {100 * share:4.1f} % of the step")


if __name__ == "__main__":
    main()
