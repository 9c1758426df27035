"""The pinhole camera model shared by the shaders, the culling and `project_points`.

Camera frame: x right, y down, z forward along the optical axis (OpenCV). A world point q
maps to camera coordinates c = R q + t with the rows of R being the camera's right, down and
forward axes; pixels are u = cx + f x / z, v = cy + f y / z with pixel centres at +0.5 and
row 0 at the top. The renderer uploads exactly these rows (`camera_rows`) and intrinsics
(`intrinsics`), so a point projected here lands on the pixel the GPU draws it to.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from sim.camera import CameraConfig

NEAR_M = 0.25
FAR_M = 300.0


@dataclass(frozen=True)
class Intrinsics:
    """Focal length and principal point in pixels, and the tangents of the half fields of view."""

    focal_px: float
    cx_px: float
    cy_px: float
    tan_half_x: float
    tan_half_y: float


def intrinsics(camera: CameraConfig) -> Intrinsics:
    """Square pixels; the field of view is horizontal (CARLA's convention)."""
    tan_half_x = math.tan(math.radians(camera.fov_deg) / 2)
    focal = 0.5 * camera.width / tan_half_x
    return Intrinsics(focal, 0.5 * camera.width, 0.5 * camera.height, tan_half_x, 0.5 * camera.height / focal)


def camera_rows(camera: CameraConfig, ego_pose: np.ndarray) -> np.ndarray:
    """World-to-camera transform of B cameras: ego_pose [B, 3] (x m, y m, yaw rad) -> [B, 3, 4]
    float32, rows (right | t_x), (down | t_y), (forward | t_z). numpy: the renderer needs it
    once per frame on the CPU, where torch's per-op cost dominated for small batches."""
    pose = np.asarray(ego_pose, dtype=np.float32)
    x, y, yaw = pose[:, 0], pose[:, 1], pose[:, 2]
    cos_y, sin_y = np.cos(yaw), np.sin(yaw)
    look = yaw + np.float32(math.radians(camera.yaw_deg))
    cos_l, sin_l = np.cos(look), np.sin(look)
    pitch = math.radians(camera.pitch_deg)
    cos_p, sin_p = np.float32(math.cos(pitch)), np.float32(math.sin(pitch))
    out = np.empty((len(pose), 3, 4), dtype=np.float32)
    out[:, 0, :3] = np.stack([sin_l, -cos_l, np.zeros_like(yaw)], -1)
    out[:, 1, :3] = np.stack([sin_p * cos_l, sin_p * sin_l, np.full_like(yaw, -cos_p)], -1)
    out[:, 2, :3] = np.stack([cos_p * cos_l, cos_p * sin_l, np.full_like(yaw, sin_p)], -1)
    mount_x, mount_y = np.float32(camera.mount_x_m), np.float32(camera.mount_y_m)
    origin = np.stack([x + cos_y * mount_x - sin_y * mount_y, y + sin_y * mount_x + cos_y * mount_y,
                       np.full_like(yaw, camera.mount_z_m)], -1)
    out[:, :, 3] = -np.einsum("bij,bj->bi", out[:, :, :3], origin)
    return out


def to_camera(rows: torch.Tensor, points_world: torch.Tensor) -> torch.Tensor:
    """Points [B, M, 3] (m, world) into camera frames rows [B, 3, 4] -> [B, M, 3] (x right, y down, z forward)."""
    return torch.einsum("bij,bmj->bmi", rows[..., :3], points_world) + rows[:, None, :, 3]


def project_points(camera: CameraConfig, ego_pose: torch.Tensor | np.ndarray,
                   points_world: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pixel positions of world points seen by B cameras.

    ego_pose [B, 3] (x m, y m, yaw rad), points_world [B, M, 3] (m) -> u [B, M] (px, right),
    v [B, M] (px, down), depth [B, M] (m along the optical axis). Pixel (row i, column j)
    spans u in [j, j + 1), v in [i, i + 1). Points with depth <= 0 are behind the camera and
    their u, v mean nothing.
    """
    pose = torch.as_tensor(ego_pose, dtype=torch.float32)
    points = torch.as_tensor(points_world, dtype=torch.float32)
    k = intrinsics(camera)
    rows = torch.from_numpy(camera_rows(camera, pose.detach().cpu().numpy())).to(points.device)
    cam = to_camera(rows, points)
    depth = cam[..., 2]
    # Keep the division finite for points on the camera plane; their depth already says "not visible".
    safe = torch.where(depth.abs() < 1e-6, torch.full_like(depth, 1e-6), depth)
    return k.cx_px + k.focal_px * cam[..., 0] / safe, k.cy_px + k.focal_px * cam[..., 1] / safe, depth


def depth_coefficients(near_m: float = NEAR_M, far_m: float = FAR_M) -> tuple[float, float]:
    """(a, b) of clip z = a * depth + b, which maps depth near..far to NDC -1..1 (clip w = depth)."""
    return (far_m + near_m) / (far_m - near_m), -2 * far_m * near_m / (far_m - near_m)
