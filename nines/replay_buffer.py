"""A fixed-size ring of labelled frames on the training device; minibatches are drawn
uniformly from what it holds, so consecutive (correlated) ticks are mixed."""
from __future__ import annotations

from dataclasses import fields

import torch

from perception.labels import LabelledFrames, Targets


class ReplayBuffer:
    def __init__(self, capacity: int, device: torch.device | str):
        self.capacity = capacity
        self.device = torch.device(device)
        self.store: LabelledFrames | None = None
        self.size = 0
        self.cursor = 0

    def _allocate(self, like: LabelledFrames) -> LabelledFrames:
        def empty(t: torch.Tensor) -> torch.Tensor:
            return torch.zeros((self.capacity, *t.shape[1:]), dtype=t.dtype, device=self.device)

        targets = Targets(**{f.name: empty(getattr(like.targets, f.name)) for f in fields(Targets)})
        return LabelledFrames(empty(like.frames), empty(like.speed_mps), empty(like.route), targets)

    def push(self, samples: LabelledFrames) -> None:
        if self.store is None:
            self.store = self._allocate(samples)
        n = min(len(samples), self.capacity)
        rows = (self.cursor + torch.arange(n)) % self.capacity
        samples = samples.index(slice(0, n)).to(self.device)
        rows = rows.to(self.device)
        self.store.frames[rows] = samples.frames
        self.store.speed_mps[rows] = samples.speed_mps
        self.store.route[rows] = samples.route
        for f in fields(Targets):
            getattr(self.store.targets, f.name)[rows] = getattr(samples.targets, f.name)
        self.cursor = (self.cursor + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch: int, generator: torch.Generator) -> LabelledFrames:
        rows = torch.randint(0, self.size, (batch,), generator=generator).to(self.device)
        return self.store.index(rows)
