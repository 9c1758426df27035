"""Benchmark of training: samples/s of the training step with on-the-fly rendering (the expert
driving the embedded simulator, labels, the replay buffer, forward + backward), measured
against the generator and the optimiser step alone in the same run.

Then the ensemble trade-off in quality: members on one shared trunk against one trunk per
member, each trained the same number of steps on the same recorded samples, compared on
held-out samples by the error of the central obstacle rays and by how well the ensemble's
disagreement flags the samples with a large error (AUROC), beside their training cost.
`make bench` runs it.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
from scipy.stats import mannwhitneyu

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.expert_rollouts import ExpertRollouts, training_tasks
from nines.replay_buffer import ReplayBuffer
from perception.labels import LabelledFrames
from perception.losses import bootstrap_weights, loss_terms, total_loss
from perception.network import CameraNet, NetConfig
from perception.uncertainty import CENTRAL_RAYS, raw_disagreement
from sim.camera import CameraConfig

LARGE_ERROR_M = 5.0


def _step(net, optimizer, batch: LabelledFrames, generator) -> float:
    out = net(batch.frames, batch.speed_mps, batch.route)
    loss = total_loss(loss_terms(out, batch.targets, bootstrap_weights(net.config.members, len(batch), generator)))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def throughput(camera: CameraConfig, batch: int, seconds: float) -> None:
    rollouts = ExpertRollouts(training_tasks(5), 64, camera, every=2)
    buffer = ReplayBuffer(8192, "cpu")
    generator = torch.Generator().manual_seed(0)
    net = CameraNet(NetConfig(width=camera.width, height=camera.height))
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    buffer.push(rollouts.next_samples())
    timings = {}
    for name in ("generate only", "optimiser step only", "training step with on-the-fly data"):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            if name != "optimiser step only":
                samples = rollouts.next_samples()
                buffer.push(samples)
                count += len(samples) if name == "generate only" else 0
            if name != "generate only":
                _step(net, optimizer, buffer.sample(batch, generator), generator)
                count += batch
        timings[name] = count / (time.perf_counter() - start)
        print(f"  {name}: {timings[name]:,.0f} samples/s")
    rollouts.close()


def ensemble_tradeoff(camera: CameraConfig, steps: int, batch: int) -> None:
    rollouts = ExpertRollouts(training_tasks(11), 64, camera, every=4)
    parts = [rollouts.next_samples() for _ in range(60)]
    rollouts.close()
    data = LabelledFrames.cat(parts)
    held_out = data.index(slice(len(data) * 4 // 5, None))
    train = data.index(slice(0, len(data) * 4 // 5))
    print(f"  {len(train)} training and {len(held_out)} held-out samples (expert rollouts, every family and weather)")
    for shared in (True, False):
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(0)
        net = CameraNet(NetConfig(width=camera.width, height=camera.height, shared_trunk=shared))
        optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3)
        start = time.perf_counter()
        for _ in range(steps):
            rows = torch.randint(0, len(train), (batch,), generator=generator)
            _step(net, optimizer, train.index(rows), generator)
        train_s = time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            out = net(held_out.frames, held_out.speed_mps, held_out.route)
        error = (out.ray_distance_m.mean(0) - held_out.targets.obstacle_distance_m)[:, CENTRAL_RAYS].abs().amax(-1)
        flags = raw_disagreement(out).numpy()
        large = (error > LARGE_ERROR_M).numpy()
        score = None
        if 0 < large.sum() < len(large):
            u = mannwhitneyu(flags[large], flags[~large], alternative="two-sided").statistic
            score = u / (large.sum() * (~large).sum())
        print(f"  {'shared trunk' if shared else 'trunk per member'}: {train_s / steps * 1000:.0f} ms per step; "
              f"central-ray max error median {error.median():.2f} m; disagreement flags errors > {LARGE_ERROR_M:.0f} m "
              f"with AUROC {score if score is None else round(score, 3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per throughput measurement")
    parser.add_argument("--steps", type=int, default=300, help="training steps per ensemble variant")
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    camera = CameraConfig(width=128, height=64)
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads; camera 128x64, batch {args.batch}")
    print("training throughput:")
    throughput(camera, args.batch, args.seconds)
    print(f"ensemble trade-off ({args.steps} steps each, same data):")
    ensemble_tradeoff(camera, args.steps, args.batch)


if __name__ == "__main__":
    main()
