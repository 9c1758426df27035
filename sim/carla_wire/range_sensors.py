"""The wire server's ray-cast sensors, as CARLA 0.9.16 simulates them: the lidar (plain and
semantic) sweeping its channels round at its rotation frequency, and the radar shooting random
rays into its cone. Rays are traced by `sim.ray_cast` against the ground and the boxes the
world gives (actors, buildings); results are in the sensor's own frame as CARLA gives them
(x forward, y right, z up, m; angles in radians).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sim.carla_wire.messages import ActorDescription, WireError
from sim.ray_cast import Boxes, cast_rays


@dataclass(frozen=True)
class SensorPose:
    """Where a sensor is: origin (x, y, z) m in our world frame, yaw and pitch (rad; yaw left,
    pitch up), and its velocity (vx, vy) m/s."""

    origin: tuple[float, float, float]
    yaw_rad: float
    pitch_rad: float
    velocity: tuple[float, float] = (0.0, 0.0)

    def _cos_sin(self) -> tuple[float, float, float, float]:
        return math.cos(self.yaw_rad), math.sin(self.yaw_rad), math.cos(self.pitch_rad), math.sin(self.pitch_rad)

    def to_world(self, local: torch.Tensor) -> torch.Tensor:
        """Directions [R, 3] in the sensor frame (x forward, y left, z up) -> world [R, 3]."""
        cy, sy, cp, sp = self._cos_sin()
        x = cp * local[:, 0] - sp * local[:, 2]
        z = sp * local[:, 0] + cp * local[:, 2]
        return torch.stack([cy * x - sy * local[:, 1], sy * x + cy * local[:, 1], z], 1)

    def to_local(self, world: torch.Tensor) -> torch.Tensor:
        """Points [R, 3] in the world -> the sensor frame (x forward, y left, z up)."""
        d = world - torch.tensor(self.origin)
        cy, sy, cp, sp = self._cos_sin()
        x, y = cy * d[:, 0] + sy * d[:, 1], -sy * d[:, 0] + cy * d[:, 1]
        return torch.stack([cp * x + sp * d[:, 2], y, -sp * x + cp * d[:, 2]], 1)


def _number(description: ActorDescription, name: str, default: str, low: float, high: float) -> float:
    """A numeric attribute within [low, high], or CARLA's spawn error naming it."""
    text = description.attribute(name, default)
    try:
        number = float(text)
    except ValueError:
        raise WireError(f"spawn failed: {description.id} attribute '{name}' = '{text}' is not a number") from None
    if not low <= number <= high:
        raise WireError(f"spawn failed: {description.id} attribute '{name}' = {text} is outside [{low:g}, {high:g}]")
    return number


@dataclass
class LidarScan:
    """One tick of a lidar, P kept points ordered by channel: points [P, 3] (sensor frame,
    CARLA's: y right), world_points [P, 3] (m, our world), intensity [P], cos_incidence [P],
    box [P] (the index of the box hit, or GROUND); points_per_channel [C];
    horizontal_angle_rad, where the sweep stopped."""

    points: torch.Tensor
    world_points: torch.Tensor
    intensity: torch.Tensor
    cos_incidence: torch.Tensor
    box: torch.Tensor
    points_per_channel: list[int]
    horizontal_angle_rad: float


class Lidar:
    """sensor.lidar.ray_cast (and _semantic): channels from upper_fov down to lower_fov, each
    sweeping horizontal_fov at rotation_frequency, points_per_second split over the channels;
    a hit within range is kept as CARLA keeps it (general drop-off, then by intensity)."""

    def __init__(self, description: ActorDescription, seed: int):
        self.channels = int(_number(description, "channels", "32", 1, 256))
        self.range_m = _number(description, "range", "10.0", 0.1, 1000.0)
        self.points_per_second = _number(description, "points_per_second", "56000", 1, 1e7)
        self.rotation_hz = _number(description, "rotation_frequency", "10.0", 0.0, 1000.0)
        self.upper_fov_deg = _number(description, "upper_fov", "10.0", -90.0, 90.0)
        self.lower_fov_deg = _number(description, "lower_fov", "-30.0", -90.0, 90.0)
        self.horizontal_fov_deg = _number(description, "horizontal_fov", "360.0", 0.0, 360.0)
        self.attenuation = _number(description, "atmosphere_attenuation_rate", "0.004", 0.0, 10.0)
        self.general_drop = _number(description, "dropoff_general_rate", "0.45", 0.0, 1.0)
        self.intensity_limit = _number(description, "dropoff_intensity_limit", "0.8", 0.0, 1.0)
        self.zero_intensity_drop = _number(description, "dropoff_zero_intensity", "0.4", 0.0, 1.0)
        self.noise_m = _number(description, "noise_stddev", "0.0", 0.0, 10.0)
        self.semantic = description.id.endswith("_semantic")
        if self.semantic:  # the semantic lidar keeps every hit, as CARLA's
            self.general_drop, self.zero_intensity_drop = 0.0, 0.0
        self.angle_deg = 0.0
        self._random = torch.Generator().manual_seed(int(_number(description, "noise_seed", "0", 0, 2 ** 31)) or seed)

    def scan(self, pose: SensorPose, boxes: Boxes, dt_s: float) -> LidarScan:
        """The tick's sweep from `pose`."""
        per_channel = max(round(self.points_per_second * dt_s / self.channels), 1)
        tick_deg = self.rotation_hz * self.horizontal_fov_deg * dt_s
        sweep = max(self.horizontal_fov_deg, 1e-6)
        step = (torch.arange(per_channel) * (tick_deg / per_channel) + self.angle_deg) % sweep
        horizontal = torch.deg2rad(step - 0.5 * self.horizontal_fov_deg)
        spread = 0.0 if self.channels == 1 else (self.upper_fov_deg - self.lower_fov_deg) / (self.channels - 1)
        vertical = torch.deg2rad(self.upper_fov_deg - spread * torch.arange(self.channels, dtype=torch.float32))
        # [C, K] rays ordered by channel; trigonometry of the C + K angles only. CARLA's
        # horizontal angle grows to the right; ours (y left) to the left.
        cos_v, sin_v = torch.cos(vertical)[:, None], torch.sin(vertical)[:, None]
        cos_h, sin_h = torch.cos(horizontal)[None], torch.sin(horizontal)[None]
        local = torch.stack([cos_v * cos_h, -cos_v * sin_h, sin_v.expand(-1, len(horizontal))], -1).reshape(-1, 3)
        direction = pose.to_world(local)
        hits = cast_rays(torch.tensor(pose.origin), direction, self.range_m, boxes)
        kept = torch.isfinite(hits.distance_m) & (torch.rand(len(local), generator=self._random) >= self.general_drop)
        intensity = torch.exp(-self.attenuation * hits.distance_m)
        keep_chance = torch.where(intensity > self.intensity_limit, torch.ones(()),
                                  1.0 - self.zero_intensity_drop
                                  + self.zero_intensity_drop * intensity / max(self.intensity_limit, 1e-6))
        kept &= torch.rand(len(local), generator=self._random) < keep_chance
        self.angle_deg = (self.angle_deg + tick_deg) % sweep
        points = pose.to_local(hits.point[kept])
        if self.noise_m > 0:
            points += torch.randn(points.shape, generator=self._random) * self.noise_m
        points[:, 1] = -points[:, 1]
        channel = torch.arange(self.channels).repeat_interleave(per_channel)[kept]
        cos_incidence = (-(direction[kept] * hits.normal[kept]).sum(1)).clamp(0.0, 1.0)
        return LidarScan(points, hits.point[kept], intensity[kept], cos_incidence, hits.actor[kept],
                         torch.bincount(channel, minlength=self.channels).tolist(), math.radians(self.angle_deg))


@dataclass
class RadarScan:
    """One tick of a radar: per detection [D] velocity_mps (positive away), azimuth_rad
    (positive right), altitude_rad (positive up), depth_m."""

    velocity_mps: torch.Tensor
    azimuth_rad: torch.Tensor
    altitude_rad: torch.Tensor
    depth_m: torch.Tensor


class Radar:
    """sensor.other.radar: points_per_second random rays per second into the cone of
    horizontal_fov x vertical_fov, out to range; each hit reports its radial velocity."""

    def __init__(self, description: ActorDescription, seed: int):
        self.horizontal_fov_deg = _number(description, "horizontal_fov", "30.0", 0.0, 180.0)
        self.vertical_fov_deg = _number(description, "vertical_fov", "30.0", 0.0, 180.0)
        self.range_m = _number(description, "range", "100.0", 0.1, 1000.0)
        self.points_per_second = _number(description, "points_per_second", "1500", 1, 1e6)
        self._random = torch.Generator().manual_seed(seed)

    def scan(self, pose: SensorPose, boxes: Boxes, velocities: torch.Tensor, dt_s: float) -> RadarScan:
        """velocities [N, 2] (m/s, world) of the boxes; the ground stands still."""
        count = max(int(self.points_per_second * dt_s), 1)
        radius = torch.rand(count, generator=self._random)
        angle = torch.rand(count, generator=self._random) * 2 * math.pi
        right = math.tan(math.radians(0.5 * self.horizontal_fov_deg)) * radius * torch.cos(angle)
        up = math.tan(math.radians(0.5 * self.vertical_fov_deg)) * radius * torch.sin(angle)
        local = torch.stack([torch.ones(count), -right, up], 1)
        local = local / local.norm(dim=1, keepdim=True)
        direction = pose.to_world(local)
        hits = cast_rays(torch.tensor(pose.origin), direction, self.range_m, boxes)
        kept = torch.isfinite(hits.distance_m)
        index = hits.actor[kept]
        target = torch.zeros(len(index), 2)
        on_actor = index >= 0
        if len(velocities):
            target[on_actor] = velocities[index[on_actor]]
        relative = target - torch.tensor(pose.velocity)
        velocity = (relative * direction[kept, :2]).sum(1)
        azimuth = torch.atan2(right, torch.ones(count))[kept]
        altitude = torch.atan2(up, torch.sqrt(1 + right ** 2))[kept]
        return RadarScan(velocity, azimuth, altitude, hits.distance_m[kept])

