"""Training targets for the camera stack, made from privileged ground truth and the expert's
plan: what each head should have said about the tick's frame.

Shapes: B samples; R x C = the BEV grid (perception.bev_grid); W = WAYPOINTS.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from perception.bev_grid import COLS, ROWS, cell_centres
from perception.obstacle_rays import ray_targets
from sim.ground_truth import GroundTruth

LIGHT_CLASSES = ("none", "green", "yellow", "red")
LIGHT_RANGE_M = 40.0
WAYPOINT_TIMES_S = (0.5, 1.0, 1.5, 2.0, 2.5)


@dataclass
class Targets:
    """obstacle_distance_m, obstacle_speed_mps [B, RAYS]: the nearest obstacle along each ray
    and its velocity along x (perception.obstacle_rays); drivable [B, R, C] 0/1;
    light_class [B] int64 (LIGHT_CLASSES; "none" beyond LIGHT_RANGE_M); light_distance_m [B];
    speed_limit_mps [B]; waypoints [B, W, 2] m at WAYPOINT_TIMES_S;
    target_speed_mps [B]."""

    obstacle_distance_m: torch.Tensor
    obstacle_speed_mps: torch.Tensor
    drivable: torch.Tensor
    light_class: torch.Tensor
    light_distance_m: torch.Tensor
    speed_limit_mps: torch.Tensor
    waypoints: torch.Tensor
    target_speed_mps: torch.Tensor

    def index(self, rows) -> "Targets":
        return Targets(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def to(self, device: torch.device | str) -> "Targets":
        return Targets(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @staticmethod
    def cat(parts: list["Targets"]) -> "Targets":
        return Targets(**{f.name: torch.cat([getattr(p, f.name) for p in parts]) for f in fields(Targets)})


def make_targets(truth: GroundTruth, waypoints: torch.Tensor, target_speed_mps: torch.Tensor) -> Targets:
    """Targets from ground truth and the expert's waypoints [B, W, 2] and target speed [B]."""
    b = truth.light_state.shape[0]
    centres = cell_centres(truth.light_state.device).unsqueeze(0).expand(b, -1, -1)
    drivable = truth.drivable_at(centres).view(b, ROWS, COLS).float()
    visible = (truth.light_state >= 0) & (truth.light_distance_m <= LIGHT_RANGE_M)
    light_class = torch.where(visible, truth.light_state + 1, torch.zeros_like(truth.light_state))
    light_distance = torch.where(visible, truth.light_distance_m,
                                 torch.full_like(truth.light_distance_m, LIGHT_RANGE_M))
    obstacle_distance, obstacle_speed = ray_targets(truth.objects, truth.object_mask)
    return Targets(obstacle_distance, obstacle_speed, drivable, light_class, light_distance,
                   truth.speed_limit_mps.clone(), waypoints.clone(), target_speed_mps.clone())


@dataclass
class LabelledFrames:
    """Training samples: frames [N, H, W, 3] uint8, speed_mps [N], route [N, P, 2] (ego frame,
    m) and their targets."""

    frames: torch.Tensor
    speed_mps: torch.Tensor
    route: torch.Tensor
    targets: Targets

    def __len__(self) -> int:
        return self.frames.shape[0]

    def index(self, rows) -> "LabelledFrames":
        return LabelledFrames(self.frames[rows], self.speed_mps[rows], self.route[rows], self.targets.index(rows))

    def to(self, device: torch.device | str) -> "LabelledFrames":
        return LabelledFrames(self.frames.to(device), self.speed_mps.to(device), self.route.to(device),
                              self.targets.to(device))

    @staticmethod
    def cat(parts: list["LabelledFrames"]) -> "LabelledFrames":
        return LabelledFrames(torch.cat([p.frames for p in parts]), torch.cat([p.speed_mps for p in parts]),
                              torch.cat([p.route for p in parts]), Targets.cat([p.targets for p in parts]))
