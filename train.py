"""Trains the camera stack. The same file runs on a laptop CPU and on a GPU cluster:

    python train.py --out runs/train                       # one process
    torchrun --nproc_per_node=8 train.py --device cuda     # DDP, NCCL, bf16

Data come on the fly from the embedded simulator on the training device: the privileged
expert drives sampled scenarios of every family in every weather, and from `--dagger-from`
on the student drives part of the episodes while the expert labels them (DAgger). Or train
from a recorded dataset with `--data DIR` (see `nines collect`). Rank 0 logs to TensorBoard
(OUT/tb), evaluates in closed loop every `--eval-every` steps, and writes OUT/last.pt
(resumable) and, at the end, OUT/camera.pt (weights, calibration and metadata).
"""
from __future__ import annotations

import math
import shlex
import sys
import time
from pathlib import Path

import torch
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from torch.nn.parallel import DistributedDataParallel

from nines import distributed
from nines.dataset_files import DatasetError, load_dataset
from nines.driving_eval import evaluate
from nines.expert_rollouts import ExpertRollouts, training_tasks
from nines.replay_buffer import ReplayBuffer
from nines.runner import code_version
from nines.user_error import UserError, run_app
from perception import checkpoint
from perception.camera_stack import CameraStack
from perception.losses import bootstrap_weights, loss_terms, total_loss
from perception.network import CameraNet, NetConfig
from perception.uncertainty import calibrate, fit_feature_density, raw_disagreement, raw_ood
from planner.camera_driver import CameraDriver
from sim.camera import CameraConfig

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
WARMUP_STEPS = 100
CALIBRATION_SAMPLES = 4096


def _schedule(step: int, steps: int) -> float:
    """Learning-rate factor: linear warm-up, then cosine down to a tenth."""
    if step < WARMUP_STEPS:
        return (step + 1) / WARMUP_STEPS
    progress = (step - WARMUP_STEPS) / max(1, steps - WARMUP_STEPS)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _camera(text: str) -> CameraConfig:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
        return CameraConfig(width=width, height=height)
    except ValueError:
        raise UserError(f"--camera {text!r} is not WIDTHxHEIGHT with each 16..2048, e.g. 128x64") from None


@torch.no_grad()
def _calibrate(net: CameraNet, buffer: ReplayBuffer, generator: torch.Generator) -> None:
    """OOD statistics and uncertainty scales from samples of the training data."""
    net.eval()
    batch = buffer.sample(min(CALIBRATION_SAMPLES, buffer.size), generator)
    outs = [net(part.frames, part.speed_mps, part.route)
            for part in (batch.index(slice(i, i + 512)) for i in range(0, len(batch), 512))]
    features = torch.cat([o.features for o in outs])
    fit_feature_density(net, features)
    calibrate(net, torch.cat([raw_disagreement(o) for o in outs]), raw_ood(net, features))
    net.train()


def _resume(last: Path, net: CameraNet, optimizer: torch.optim.Optimizer) -> tuple[int, list[dict]]:
    """Load OUT/last.pt into net and optimizer; returns (step reached, evaluation history)."""
    try:
        payload = checkpoint.read(last)
        net.load_state_dict(payload["state_dict"])
    except (checkpoint.CheckpointError, RuntimeError) as error:
        raise UserError(f"cannot resume from {last}: {str(error).splitlines()[0]}; move it away to start over") \
            from None
    optimizer.load_state_dict(payload["training_state"]["optimizer"])
    return int(payload["training_state"]["step"]), list(payload["metadata"].get("evaluation_history", []))


def _data(dataset, ranks: distributed.Ranks, cam: CameraConfig, buffer_size: int, batch: int, sim_batch: int,
          every: int, seed: int, start_step: int) -> tuple[ReplayBuffer, ExpertRollouts | None]:
    """The replay buffer, filled from this rank's shard of the dataset or from expert rollouts
    (returned too, to keep generating)."""
    if dataset is not None:
        buffer = ReplayBuffer(len(dataset.samples), ranks.device)
        buffer.push(dataset.samples.index(slice(ranks.rank, None, ranks.world_size)))
        return buffer, None
    buffer = ReplayBuffer(buffer_size, ranks.device)
    rollouts = ExpertRollouts(training_tasks(seed * 1000 + ranks.rank * 100 + start_step), sim_batch, cam,
                              str(ranks.device), every=every, seed=seed * 1000 + ranks.rank)
    while buffer.size < min(buffer_size, 4 * batch):
        buffer.push(rollouts.next_samples())
    return buffer, rollouts


def _optimise(model, optimizer: torch.optim.Optimizer, buffer: ReplayBuffer, batch: int, members: int,
              generator: torch.Generator, device: torch.device) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One optimiser step on a sampled batch; returns the loss and its terms."""
    batch_data = buffer.sample(batch, generator)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
        out = model(batch_data.frames, batch_data.speed_mps, batch_data.route)
    terms = loss_terms(out, batch_data.targets, bootstrap_weights(members, batch, generator, device))
    loss = total_loss(terms)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, terms


def _log(writer, step: int, loss: torch.Tensor, terms: dict[str, torch.Tensor], samples_per_s: float) -> None:
    writer.add_scalar("loss/total", loss.item(), step)
    for name, value in terms.items():
        writer.add_scalar(f"loss/{name}", value.item(), step)
    writer.add_scalar("throughput/samples_per_s", samples_per_s, step)


def _evaluate(net: CameraNet, cam: CameraConfig, device: torch.device, episodes: int, step: int) -> dict:
    """Closed-loop evaluation of the network as it is at step."""
    net.eval()
    result = {"step": step, **evaluate(net, cam, device, episodes)}
    net.train()
    return result


@app.command()
def main(
    out: Path = typer.Option(Path("runs/train"), help="folder for checkpoints and TensorBoard logs"),
    steps: int = typer.Option(6000, min=1, help="optimiser steps"),
    batch: int = typer.Option(128, min=2, help="samples per step per rank"),
    lr: float = typer.Option(2e-3, min=1e-6, max=1.0, help="peak learning rate (AdamW)"),
    device: str = typer.Option("cpu", help="cpu or cuda"),
    camera: str = typer.Option("128x64", help="camera WIDTHxHEIGHT"),
    members: int = typer.Option(4, min=2, max=16, help="ensemble members"),
    shared_trunk: bool = typer.Option(True, help="members share one CNN trunk (else one trunk each)"),
    sim_batch: int = typer.Option(64, min=1, help="simulator slots generating data per rank"),
    every: int = typer.Option(2, min=1, help="keep every N-th tick's frames"),
    buffer_size: int = typer.Option(16384, min=256, help="replay buffer samples per rank"),
    dagger_from: float = typer.Option(0.5, min=0.0, max=1.0, help="share of steps after which the student "
                                      "drives part of the episodes (1: never)"),
    dagger_share: float = typer.Option(0.5, min=0.0, max=1.0, help="share of episodes the student drives then"),
    data: Path | None = typer.Option(None, help="train from a recorded dataset (nines collect) instead"),
    eval_every: int = typer.Option(2000, min=1, help="closed-loop evaluation every N steps (rank 0)"),
    eval_episodes: int = typer.Option(4, min=0, help="clear nominal episodes per family in each evaluation "
                                                     "(0: no evaluation)"),
    save_every: int = typer.Option(500, min=1, help="write OUT/last.pt every N steps"),
    seed: int = typer.Option(0, min=0),
    resume: bool = typer.Option(True, help="continue from OUT/last.pt when it exists"),
    progress: bool = typer.Option(True, help="show a progress bar"),
    check_ranks: bool = typer.Option(False, help="after every step, check that all ranks hold identical parameters "
                                                 "(an all-gather; for debugging a cluster)"),
) -> None:
    """Train the camera network; see the module docstring."""
    if device not in ("cpu", "cuda"):
        raise UserError(f"--device {device!r} is unknown; expected cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for but this torch has no CUDA device; use --device cpu")
    cam = _camera(camera)
    dataset = None
    if data is not None:
        try:
            dataset = load_dataset(data)
        except DatasetError as error:
            raise UserError(str(error)) from None
        cam = dataset.camera
    ranks = distributed.start(device)
    torch.manual_seed(seed * 1000 + ranks.rank)
    generator = torch.Generator().manual_seed(seed * 1000 + ranks.rank)
    net = CameraNet(NetConfig(width=cam.width, height=cam.height, members=members, shared_trunk=shared_trunk))
    net.to(ranks.device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    last = out / "last.pt"
    start_step, history = _resume(last, net, optimizer) if resume and last.exists() else (0, [])
    if start_step:
        print(f"rank {ranks.rank}: resuming from {last} at step {start_step}", flush=True)
    model = DistributedDataParallel(net) if ranks.distributed else net
    if ranks.device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    buffer, rollouts = _data(dataset, ranks, cam, buffer_size, batch, sim_batch, every, seed, start_step)

    writer = None
    if ranks.main:
        from torch.utils.tensorboard import SummaryWriter
        writer = SummaryWriter(str(out / "tb"))
    metadata = {
        "camera": cam.model_dump(), "code_version": code_version(),
        "training": {"command": " ".join(shlex.quote(a) for a in sys.argv), "steps": steps, "batch": batch,
                     "world_size": ranks.world_size, "device": ranks.device.type, "lr": lr, "seed": seed,
                     "data": str(data) if data is not None else
                     "embedded simulator: expert rollouts of every family, all weather, then DAgger"},
    }

    def save(step: int) -> None:
        metadata["training"]["wall_s"] = time.perf_counter() - tick
        metadata["evaluation_history"] = history
        metadata["evaluation"] = history[-1] if history else {}
        checkpoint.save(last, net, metadata, {"step": step, "optimizer": optimizer.state_dict()})

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeRemainingColumn(), disable=not (progress and ranks.main))
    samples_seen, tick = 0, time.perf_counter()
    with bar:
        task = bar.add_task("training", total=steps, completed=start_step)
        for step in range(start_step, steps):
            if rollouts is not None:
                if rollouts.student is None and step >= dagger_from * steps:
                    rollouts.student_share = dagger_share
                if step >= dagger_from * steps and step % save_every == 0:
                    rollouts.student = CameraDriver(CameraStack(net, ranks.device))
                buffer.push(rollouts.next_samples())
            for group in optimizer.param_groups:
                group["lr"] = lr * _schedule(step, steps)
            loss, terms = _optimise(model, optimizer, buffer, batch, members, generator, ranks.device)
            samples_seen += batch * ranks.world_size
            if check_ranks and ranks.distributed:
                if not distributed.parameters_agree(net, ranks):
                    raise RuntimeError(f"rank {ranks.rank}: parameters differ between ranks after step {step + 1}")
                if ranks.main:
                    print(f"step {step + 1}: parameters identical on {ranks.world_size} ranks", flush=True)
            if writer is not None and (step % 20 == 0 or step == steps - 1):
                _log(writer, step, loss, terms, samples_seen / max(time.perf_counter() - tick, 1e-9))
                bar.update(task, description=f"loss {loss.item():.3f}")
            if ranks.main and eval_episodes and (step + 1) % eval_every == 0:
                history.append(_evaluate(net, cam, ranks.device, eval_episodes, step + 1))
                for name, value in history[-1].items():
                    writer.add_scalar(f"eval/{name}", value, step)
            if ranks.main and ((step + 1) % save_every == 0 or step == steps - 1):
                save(step + 1)
            bar.update(task, completed=step + 1)
    if ranks.main:
        _calibrate(net, buffer, generator)
        if eval_episodes and (not history or history[-1]["step"] != steps):
            history.append(_evaluate(net, cam, ranks.device, eval_episodes, steps))
        save(steps)
        metadata["evaluation"] = history[-1] if history else {}
        checkpoint.save(out / "camera.pt", net, metadata)
        writer.close()
        print(f"checkpoint: {out / 'camera.pt'}; evaluation: {history[-1] if history else 'none'}")
    if rollouts is not None:
        rollouts.close()
    distributed.stop(ranks)


if __name__ == "__main__":
    from sim.render.gl_context import RenderUnavailable

    run_app(app, "train.py", lambda: (checkpoint.CheckpointError, DatasetError, RenderUnavailable))
