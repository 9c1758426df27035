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


def stop(ranks: Ranks) -> None:
    if ranks.distributed:
        dist.destroy_process_group()
