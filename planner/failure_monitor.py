"""The failure monitor: P(failure within 3 s) per episode per tick, from signals the camera
stack already has, learned from rollouts instead of combined by hand.

Its inputs are the hand-made confidence's own (ensemble disagreement, the OOD score, the
planner's time margin and cost gap) plus the ego's and the plan's speed and the nearest
obstacle the network sees in the ego's path: a fast approach to something seen close, in
an image the ensemble disagrees on, is what precedes a crash. A small MLP turns them into a
failure logit. It is fitted (`fit_monitor`) on the ticks of calibration runs, each labelled
"does its episode fail within HORIZON_S" exactly as reliability.monitor_quality scores it,
by `nines calibrate-monitor`, and travels in the camera checkpoint it was fitted for.
"""
from __future__ import annotations

import torch
from torch import nn

from perception.percept import Percept
from perception.uncertainty import CENTRAL_RAYS
from planner.sampling_planner import Plan

FEATURES = ("log_disagreement", "log_ood", "inverse_margin", "cost_gap", "speed", "target_speed",
            "log_obstacle_distance")
HORIZON_S = 3.0
HIDDEN = 32


def monitor_features(percept: Percept, plan: Plan, speed_mps: torch.Tensor) -> torch.Tensor:
    """[B, len(FEATURES)] float32: the monitor's inputs, each squashed to a bounded range."""
    margin_s = torch.minimum(plan.min_ttc_s, plan.course_ttc_s).clamp(0.0, 10.0)
    nearest_m = percept.obstacle_distance_m[:, CENTRAL_RAYS].min(-1).values
    return torch.stack([percept.disagreement.clamp(0.0, 50.0).log1p(), percept.ood.clamp(0.0, 50.0).log1p(),
                        1.0 / (margin_s + 0.5), plan.cost_gap.clamp(0.0, 5.0), speed_mps.float(),
                        plan.target_speed_mps, nearest_m.clamp(1.0, 60.0).log()], -1).float()


class FailureMonitor(nn.Module):
    """Standardised features [N, F] -> failure logit [N]; `mean`/`std` are the calibration
    data's, kept as buffers so they travel with the weights."""

    def __init__(self, hidden: int = HIDDEN):
        super().__init__()
        count = len(FEATURES)
        self.register_buffer("mean", torch.zeros(count))
        self.register_buffer("std", torch.ones(count))
        self.net = nn.Sequential(nn.Linear(count, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net((features - self.mean) / self.std).squeeze(-1)

    @torch.inference_mode()
    def risk(self, features: torch.Tensor) -> torch.Tensor:
        """P(failure within HORIZON_S) [N]."""
        return torch.sigmoid(self(features.to(self.mean.device)))


def fit_monitor(features: torch.Tensor, fails_soon: torch.Tensor, steps: int = 1500, seed: int = 0) -> FailureMonitor:
    """Fit a monitor to calibration ticks: features [N, F], fails_soon [N] bool. Full-batch
    AdamW on the binary cross-entropy; deterministic for a given seed."""
    torch.manual_seed(seed)
    monitor = FailureMonitor()
    monitor.mean.copy_(features.mean(0))
    monitor.std.copy_(features.std(0) + 1e-6)
    optimiser = torch.optim.AdamW(monitor.parameters(), lr=3e-3, weight_decay=1e-2)
    target = fails_soon.float()
    for _ in range(steps):
        optimiser.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(monitor(features), target)
        loss.backward()
        optimiser.step()
    return monitor.eval()
