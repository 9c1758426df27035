"""The radio link between a vehicle and its remote driver. Frames go up and commands come
down, each with a one-way latency drawn per packet (normal around the median, never below
0) and lost with some probability; the operator reacts after a human delay. So the command a
vehicle receives at tick t was decided on the world of tick t - d, d = uplink + reaction +
downlink; a lost frame or command leaves the last one in force, and a command never
overtakes a newer one already delivered.

Shapes: B episodes; commands [B, 3] (steer, throttle, brake). Draws come from each
episode's own generator, so the same episodes see the same link in every run.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from teleop.config import TeleopConfig


class CommandLink:
    def __init__(self, batch: int, config: TeleopConfig, dt_s: float, device: torch.device | str):
        self.config = config
        self.dt_s = dt_s
        worst_s = 2 * (config.latency_ms + 4 * config.jitter_ms) / 1000 + config.reaction_s
        self.depth = math.ceil(worst_s / dt_s) + 2
        self.history = torch.zeros(self.depth, batch, 3, device=device)
        self.tick = 0
        self.delivered_tick = np.full(batch, -1, dtype=np.int64)
        self.last_delay_s = np.full(batch, np.nan)

    def reset(self, slot: int) -> None:
        self.delivered_tick[slot] = -1
        self.last_delay_s[slot] = np.nan

    def push(self, commands: torch.Tensor) -> None:
        """The operators' commands [B, 3] decided this tick."""
        self.tick += 1
        self.history[self.tick % self.depth] = commands

    def one_way_s(self, rng: np.random.Generator) -> float:
        return max(0.0, rng.normal(self.config.latency_ms, self.config.jitter_ms)) / 1000

    def receive(self, slot: int, rng: np.random.Generator) -> torch.Tensor | None:
        """The command [3] slot drives with now, or None before any has arrived."""
        lost = rng.random() < 1 - (1 - self.config.loss) ** 2
        if not lost:
            delay_s = self.one_way_s(rng) + self.config.reaction_s + self.one_way_s(rng)
            sent = self.tick - round(delay_s / self.dt_s)
            self.last_delay_s[slot] = delay_s
            if sent > self.tick - self.depth:
                self.delivered_tick[slot] = max(self.delivered_tick[slot], sent)
        if self.delivered_tick[slot] < 0 or self.delivered_tick[slot] <= self.tick - self.depth:
            return None
        return self.history[self.delivered_tick[slot] % self.depth, slot]
