"""The camera stack's uncertainty: ensemble disagreement, an out-of-distribution score on the
trunk's pooled features (Mahalanobis distance to the training features), and the
calibration that puts both on one scale (0 = training median, 1 = training 99th percentile).

The statistics live in CameraNet's buffers, so they travel with every checkpoint.
"""
from __future__ import annotations

import torch

from perception.network import CameraNet, NetOutput
from perception.obstacle_rays import RAYS
from perception.percept import Percept

# the rays the ego drives along soon: where disagreement matters most
CENTRAL_RAYS = slice(RAYS // 2 - 4, RAYS // 2 + 4)
DISAGREEMENT_SCALE_M = 10.0


def raw_disagreement(out: NetOutput) -> torch.Tensor:
    """Ensemble spread [B]: the largest member std of an obstacle distance along the central
    rays over 10 m (one contested obstacle is enough), plus the std of the light
    probabilities, plus that of the waypoints over 5 m."""
    light = torch.softmax(out.light_logits, -1)
    return (out.ray_distance_m[:, :, CENTRAL_RAYS].std(0).amax(-1) / DISAGREEMENT_SCALE_M + light.std(0).sum(-1)
            + out.waypoints.std(0).norm(dim=-1).mean(-1) / 5.0)


def raw_ood(net: CameraNet, features: torch.Tensor) -> torch.Tensor:
    """Squared Mahalanobis distance per feature dimension [B] of pooled features [B, F]."""
    centred = features - net.feature_mean
    return ((centred @ net.feature_precision) * centred).sum(-1) / features.shape[-1]


def fit_feature_density(net: CameraNet, features: torch.Tensor) -> None:
    """Set the OOD statistics from training features [N, F] (N well above F)."""
    mean = features.mean(0)
    cov = torch.cov((features - mean).T) + 1e-3 * torch.eye(features.shape[1], device=features.device)
    net.feature_mean.copy_(mean)
    net.feature_precision.copy_(torch.linalg.inv(cov))


def calibrate(net: CameraNet, disagreement: torch.Tensor, ood: torch.Tensor) -> None:
    """Record the median and 99th percentile of raw disagreement and OOD scores [N] on training data."""
    q = torch.tensor([0.5, 0.99], device=disagreement.device)
    d50, d99 = torch.quantile(disagreement.float(), q)
    o50, o99 = torch.quantile(ood.float(), q)
    net.calibration.copy_(torch.stack([d50, d99, o50, o99]))


def _scaled(x: torch.Tensor, median: torch.Tensor, p99: torch.Tensor) -> torch.Tensor:
    return ((x - median) / (p99 - median).clamp_min(1e-6)).clamp_min(0)


def to_percept(net: CameraNet, out: NetOutput) -> Percept:
    """Ensemble mean and calibrated uncertainty of a network output."""
    d50, d99, o50, o99 = net.calibration
    distance, speed = out.ray_distance_m.mean(0), out.ray_speed_mps.mean(0)
    return Percept(
        obstacle_distance_m=distance, obstacle_speed_mps=speed,
        drivable=torch.sigmoid(out.drivable_logits).mean(0), light_probs=torch.softmax(out.light_logits, -1).mean(0),
        light_distance_m=out.light_distance_m.mean(0).clamp_min(0), speed_limit_mps=out.speed_limit_mps.mean(0),
        waypoints=out.waypoints.mean(0), target_speed_mps=out.target_speed_mps.mean(0).clamp_min(0),
        disagreement=_scaled(raw_disagreement(out), d50, d99), ood=_scaled(raw_ood(net, out.features), o50, o99))
