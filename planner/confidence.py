"""Confidence in [0, 1] per episode per tick, and why it is low.

The product of four factors in (0, 1], so that every signal still moves the ranking when
another is already low: ensemble disagreement d and the OOD score o (both 0 at the training
median, 1 at its 99th percentile) as 1 / (1 + d) and 1 / (1 + o); the planner's time margin
t, the earlier of the chosen plan's first predicted conflict and the time to collision on
the current course, as t / (t + 2 s) (a TTC below 1.5-2 s is the usual critical threshold);
and the cost gap to the runner-up, mildly (two very different plans scoring alike means the
choice is a coin toss). The reason is the smallest factor.

This hand-made value steers the driver's own caution (keep the lane when unsure). The
confidence a run logs and the console acts on is the learned failure monitor's
(planner.failure_monitor) when the checkpoint carries one; the reason stays this smallest
factor either way.
"""
from __future__ import annotations

import torch

from perception.percept import Percept
from planner.sampling_planner import Plan

REASONS = ("", "ensemble_disagreement", "out_of_distribution", "low_ttc", "ambiguous_plan")
LOW_CONFIDENCE = 0.5
TTC_HALF_S = 2.0
GAP_CLEAR = 2.0


def confidence(percept: Percept, plan: Plan) -> tuple[torch.Tensor, torch.Tensor]:
    """(confidence [B] in [0, 1], weakest [B] int64 indexing REASONS: the smallest factor's)."""
    margin_s = torch.minimum(plan.min_ttc_s, plan.course_ttc_s)
    ttc = torch.where(margin_s.isinf(), torch.ones_like(margin_s), margin_s / (margin_s + TTC_HALF_S))
    parts = torch.stack([1.0 / (1.0 + percept.disagreement), 1.0 / (1.0 + percept.ood), ttc,
                         0.75 + 0.25 * (plan.cost_gap / GAP_CLEAR).clamp(0.0, 1.0)])
    return parts.prod(0), parts.argmin(0) + 1


def low_reason(value: torch.Tensor, weakest: torch.Tensor) -> torch.Tensor:
    """reason [B] indexing REASONS: the weakest factor where value < LOW_CONFIDENCE, else 0."""
    return torch.where(value < LOW_CONFIDENCE, weakest, torch.zeros_like(weakest))
