"""When a vehicle asks for help and when it may take over again.

A request goes out when confidence stays below the threshold for the dwell time (one bad
frame is not a reason to call a human), or at once on a hard trigger: the chosen plan's time
to collision under the TTC guard, or a camera fault. Its urgency is a time budget: the
plan's time to collision, or else the time the minimal-risk manoeuvre takes to stop the car
plus the wait a stopped car can afford (STANDSTILL_BUDGET_S). Autonomy may take over again
once confidence has stayed at or above the release threshold for the release dwell time.
Shapes: B episodes; times in s.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from teleop.config import TeleopConfig

TRIGGERS = ("low_confidence", "ttc_guard", "sensor_fault")
STANDSTILL_BUDGET_S = 30.0


@dataclass
class Triggers:
    """request [B] bool; trigger [B] int64 indexing TRIGGERS; urgency_s [B]; recovered [B]
    bool (confidence high for the release dwell)."""

    request: torch.Tensor
    trigger: torch.Tensor
    urgency_s: torch.Tensor
    recovered: torch.Tensor


class HandoffPolicy:
    def __init__(self, config: TeleopConfig, dt_s: float):
        self.config = config
        self.dt_s = dt_s
        self.low_s: torch.Tensor | None = None
        self.high_s: torch.Tensor | None = None

    def reset(self, slot: int) -> None:
        if self.low_s is not None:
            self.low_s[slot] = 0.0
            self.high_s[slot] = 0.0

    def update(self, confidence: torch.Tensor, plan_ttc_s: torch.Tensor, sensor_fault: torch.Tensor,
               speed_mps: torch.Tensor, autonomous: torch.Tensor) -> Triggers:
        """confidence, plan_ttc_s, speed_mps [B]; sensor_fault, autonomous [B] bool. Only
        autonomous episodes may request."""
        cfg = self.config
        if self.low_s is None or self.low_s.shape != confidence.shape:
            self.low_s, self.high_s = torch.zeros_like(confidence), torch.zeros_like(confidence)
        low = confidence < cfg.threshold
        self.low_s = torch.where(low & autonomous, self.low_s + self.dt_s, torch.zeros_like(self.low_s))
        self.high_s = torch.where(confidence >= cfg.release_threshold, self.high_s + self.dt_s,
                                  torch.zeros_like(self.high_s))
        dwelt = low & (self.low_s >= cfg.dwell_s)
        guard = plan_ttc_s < cfg.ttc_guard_s
        trigger = torch.where(sensor_fault, 2, torch.where(guard, 1, 0))
        stopping_s = speed_mps / cfg.mrm_decel_mps2 + STANDSTILL_BUDGET_S
        return Triggers(request=autonomous & (dwelt | guard | sensor_fault), trigger=trigger,
                        urgency_s=torch.minimum(plan_ttc_s, stopping_s),
                        recovered=self.high_s >= cfg.release_dwell_s)
