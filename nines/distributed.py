"""The process group, only when torchrun started us: `python train.py` runs alone, and
`torchrun --nproc_per_node=N train.py` runs N ranks (NCCL on GPUs, gloo on CPU)."""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Ranks:
    rank: int
    world_size: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def start(device: str) -> Ranks:
    """Join torchrun's process group if its variables are set; device 'cuda' picks this
    rank's local GPU."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return Ranks(0, 1, torch.device(device))
    local = int(os.environ.get("LOCAL_RANK", 0))
    if device == "cuda":
        torch.cuda.set_device(local)
        chosen = torch.device("cuda", local)
    else:
        chosen = torch.device(device)
    dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), chosen)


def parameters_agree(module: torch.nn.Module, ranks: Ranks) -> bool:
    """True when every rank holds exactly the parameters this rank holds (an all-gather of
    all of them: a check for tests and debugging, not for every step of a long run)."""
    flat = torch.cat([p.detach().reshape(-1).float() for p in module.parameters()])
    gathered = [torch.empty_like(flat) for _ in range(ranks.world_size)]
    dist.all_gather(gathered, flat)
    return all(torch.equal(gathered[0], other) for other in gathered[1:])


def stop(ranks: Ranks) -> None:
    """Leave the process group together: a rank that tears gloo down while another still
    talks to it can abort ("terminate called without an active exception")."""
    if ranks.distributed:
        dist.barrier()
        dist.destroy_process_group()
