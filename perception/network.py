"""The camera network: a small CNN trunk on one front camera and an ensemble of heads.

Input: uint8 frames [B, H, W, 3], ego speed [B] (m/s) and the route ahead [B, P, 2] (ego
frame, m). Each of K ensemble members predicts:
- from the trunk's stride-8 feature map, column by column: the nearest obstacle's distance
  and x-velocity along each of RAYS bearings (perception.obstacle_rays; a convolutional head
  across columns, since image columns are bearings);
- from the pooled stride-16 features: drivable-area logits [B, R, C] on the BEV grid, light
  logits [B, 4] (LIGHT_CLASSES) and the distance to its stop line, the speed limit, and the
  expert's waypoints [B, W, 2] at WAYPOINT_TIMES_S and target speed.

Members share one trunk (cheap) or each have their own (`shared_trunk=False`, K times the
trunk's cost); bench/closed_loop.py and bench/train.py measure what that trade costs and buys.
All members' heads run as one batched computation (EnsembleHeads).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from perception.bev_grid import COLS, ROWS
from perception.labels import LIGHT_CLASSES, LIGHT_RANGE_M, WAYPOINT_TIMES_S
from perception.obstacle_rays import MAX_RANGE_M, RAYS

POOLED_H, POOLED_W = 4, 8
RAY_ROWS, RAY_COLUMNS, RAY_HIDDEN = 8, 16, 16
SPEED_SCALE_MPS, WAYPOINT_SCALE_M, RAY_SPEED_SCALE_MPS = 30.0, 20.0, 10.0
VECTOR_OUTPUTS = len(LIGHT_CLASSES) + 3 + 2 * len(WAYPOINT_TIMES_S)


@dataclass(frozen=True)
class NetConfig:
    """Camera size the network was built for, ensemble size and layer widths."""

    width: int = 128
    height: int = 64
    members: int = 4
    shared_trunk: bool = True
    channels: tuple[int, ...] = (16, 32, 48, 64)
    hidden: int = 128
    route_points: int = 10

    def as_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @staticmethod
    def from_dict(d: dict) -> "NetConfig":
        return NetConfig(**{**d, "channels": tuple(d["channels"])})


@dataclass
class NetOutput:
    """Per-member outputs, K members first: ray_distance_m, ray_speed_mps [K, B, RAYS];
    drivable_logits [K, B, R, C]; light_logits [K, B, 4]; light_distance_m, speed_limit_mps,
    target_speed_mps [K, B]; waypoints [K, B, W, 2]; features [B, F]: the pooled trunk
    features (of the first trunk) for the OOD score."""

    ray_distance_m: torch.Tensor
    ray_speed_mps: torch.Tensor
    drivable_logits: torch.Tensor
    light_logits: torch.Tensor
    light_distance_m: torch.Tensor
    speed_limit_mps: torch.Tensor
    waypoints: torch.Tensor
    target_speed_mps: torch.Tensor
    features: torch.Tensor


def pool_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Average-pool [B, C, H, W] to size (H', W'); free when it already has that size."""
    return x if tuple(x.shape[-2:]) == size else F.adaptive_avg_pool2d(x, size)


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class Trunk(nn.Module):
    """Strided conv blocks: `stem` to stride 8 (for the ray heads), `top` to stride 16, pooled."""

    def __init__(self, channels: tuple[int, ...]):
        super().__init__()
        stem, c_in = [], 3
        for c_out in channels[:-1]:
            stem += _block(c_in, c_out)
            c_in = c_out
        self.stem = nn.Sequential(*stem)
        self.top = nn.Sequential(*_block(c_in, channels[-1]))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        stride8 = self.stem(x)
        return stride8, pool_to(self.top(stride8), (POOLED_H, POOLED_W))


class StackedLinear(nn.Module):
    """K independent linear layers applied at once: x [K, B, in] -> [K, B, out] (one batched GEMM)."""

    def __init__(self, members: int, in_features: int, out_features: int):
        super().__init__()
        bound = in_features ** -0.5  # nn.Linear's default initialisation range
        self.weight = nn.Parameter(torch.empty(members, in_features, out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(members, 1, out_features).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleHeads(nn.Module):
    """The K members' heads, computed together (stacked weights, grouped convolutions).

    Rays: each stride-8 feature-map column, all its rows as channels (so the row where an
    obstacle meets the road, which gives its distance, is kept), through two 1-D convolutions
    across columns -> distance and speed for RAYS / RAY_COLUMNS rays per column. The rest:
    pooled features + speed + route -> hidden -> drivable grid, light, speed limit, waypoints."""

    def __init__(self, config: NetConfig, trunks: int):
        super().__init__()
        k, c8 = config.members, config.channels[-2]
        joint_in = config.channels[-1] * POOLED_H * POOLED_W + 1 + 2 * config.route_points
        self.members = k
        self.joint = StackedLinear(k, joint_in, config.hidden)
        self.vector = StackedLinear(k, config.hidden, VECTOR_OUTPUTS)
        self.drivable = StackedLinear(k, config.hidden, ROWS * COLS)
        per_column = RAYS // RAY_COLUMNS
        self.rays = nn.Sequential(
            nn.Conv1d(trunks * c8 * RAY_ROWS, k * RAY_HIDDEN, 3, padding=1, groups=trunks), nn.ReLU(),
            nn.Conv1d(k * RAY_HIDDEN, k * 2 * per_column, 3, padding=1, groups=k))

    def forward(self, stride8: list[torch.Tensor], joint_in: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """stride8: per trunk [B, C, H/8, W/8]; joint_in [K, B, F + 1 + 2P] -> rays [K, B, 2, RAYS]
        (distance, speed; scaled), drivable [K, B, R, C], vector [K, B, V]."""
        k = self.members
        columns = [pool_to(m, (RAY_ROWS, RAY_COLUMNS)).flatten(1, 2) for m in stride8]
        columns = columns[0] if len(columns) == 1 else torch.cat(columns, 1)
        rays = self.rays(columns).view(-1, k, 2, RAYS // RAY_COLUMNS, RAY_COLUMNS)
        rays = rays.transpose(3, 4).reshape(-1, k, 2, RAYS).transpose(0, 1)
        h = torch.relu(self.joint(joint_in))
        return rays, self.drivable(h).view(k, -1, ROWS, COLS), self.vector(h)


class CameraNet(nn.Module):
    def __init__(self, config: NetConfig):
        super().__init__()
        self.config = config
        trunks = 1 if config.shared_trunk else config.members
        self.trunks = nn.ModuleList(Trunk(config.channels) for _ in range(trunks))
        self.heads = EnsembleHeads(config, trunks)
        # the centred frames' scaling to [-1, 1]; inference folds it into the first convolution
        self.scale_input = True
        # OOD statistics of the pooled features and the uncertainty calibration; filled after
        # training (perception.uncertainty) and carried in the state dict
        f = config.channels[-1]
        self.register_buffer("feature_mean", torch.zeros(f))
        self.register_buffer("feature_precision", torch.eye(f))
        self.register_buffer("calibration", torch.tensor([0.0, 1.0, 0.0, 1.0]))

    def forward(self, frames: torch.Tensor, speed_mps: torch.Tensor, route: torch.Tensor) -> NetOutput:
        """frames uint8 [B, H, W, 3]; speed_mps [B]; route [B, >= P, 2] (only the first P used)."""
        # centring converts to float in one pass; doing it before the permute keeps the NHWC
        # layout contiguous (channels-last for the convs)
        x = frames.sub(127.5)
        if self.scale_input:
            x = x.mul_(1 / 127.5)
        x = x.permute(0, 3, 1, 2)
        extra = torch.cat([speed_mps.unsqueeze(-1) / SPEED_SCALE_MPS,
                           route[:, :self.config.route_points].flatten(1) / WAYPOINT_SCALE_M], -1)
        maps = [trunk(x) for trunk in self.trunks]
        pooled = torch.stack([p.flatten(1) for _, p in maps])
        joint_in = torch.cat([pooled, extra.to(pooled.dtype).expand(len(maps), -1, -1)], -1)
        joint_in = joint_in.expand(self.config.members, -1, -1) if len(maps) == 1 else joint_in
        rays, drivable, vector = (part.float() for part in self.heads([s for s, _ in maps], joint_in))
        n_light, n_wp = len(LIGHT_CLASSES), len(WAYPOINT_TIMES_S)
        return NetOutput(
            ray_distance_m=rays[:, :, 0] * MAX_RANGE_M, ray_speed_mps=rays[:, :, 1] * RAY_SPEED_SCALE_MPS,
            drivable_logits=drivable, light_logits=vector[..., :n_light],
            light_distance_m=vector[..., n_light] * LIGHT_RANGE_M,
            speed_limit_mps=vector[..., n_light + 1] * SPEED_SCALE_MPS,
            target_speed_mps=vector[..., n_light + 2] * SPEED_SCALE_MPS,
            waypoints=vector[..., n_light + 3:].reshape(*vector.shape[:2], n_wp, 2) * WAYPOINT_SCALE_M,
            features=maps[0][1].float().mean((2, 3)))
