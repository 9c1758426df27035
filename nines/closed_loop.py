"""The closed loop with continuous batching: every slot of the world holds an episode; when
one ends its record is taken and the slot is refilled with the next spec at once."""
from __future__ import annotations

from typing import Callable, Iterator, Protocol

import numpy as np
import torch

from sim.episode_spec import EpisodeSpec
from sim.observation import Observation
from sim.world import BatchedWorld, episode_records


class Driver(Protocol):
    def act(self, obs: Observation) -> torch.Tensor:
        """Observation of B slots -> control [B, 3] (steer, throttle, brake)."""


def run_episodes(world: BatchedWorld, driver: Driver, specs: Iterator[EpisodeSpec],
                 on_record: Callable[[dict], None] | None = None) -> list[dict]:
    """Drive every spec to its end; returns the episode records in the order they ended."""
    records: list[dict] = []
    pending = iter(specs)
    for slot in range(world.config.batch_size):
        spec = next(pending, None)
        if spec is None:
            break
        world.load(slot, spec)
    while world.running.any():
        events = world.step(driver.act(world.observe()))
        ended = np.flatnonzero(events.ended.cpu().numpy())
        for record, slot in zip(episode_records(world, ended), ended.tolist()):
            records.append(record)
            if on_record is not None:
                on_record(record)
            spec = next(pending, None)
            if spec is not None:
                world.load(slot, spec)
            else:
                world.loaded[slot] = False
    return records
