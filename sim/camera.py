"""A camera on the ego vehicle: resolution, field of view and where it sits; and a named rig
of them (what a driver that needs more than the front camera asks for)."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class CameraConfig(BaseModel):
    """Pinhole camera on the ego; mount offsets are from the vehicle centre on the ground (m),
    anywhere a CARLA script puts a camera (a chase camera metres behind, one high above)."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(128, ge=16, le=2048, description="pixels")
    height: int = Field(64, ge=16, le=2048, description="pixels")
    fov_deg: float = Field(90.0, gt=10, lt=170, description="horizontal field of view, as CARLA's fov")
    mount_x_m: float = Field(1.0, ge=-50, le=50)
    mount_y_m: float = Field(0.0, ge=-50, le=50)
    mount_z_m: float = Field(1.5, ge=0.1, le=100)
    pitch_deg: float = Field(-5.0, ge=-90, le=90, description="positive looks up")
    yaw_deg: float = Field(0.0, ge=-180, le=180, description="from the vehicle's heading, positive looks left")


def mounted_outside(camera: CameraConfig, size_m: tuple[float, float, float]) -> bool:
    """Whether the camera sits outside the box (length, width, height; m) of the vehicle it is
    mounted on, so that it sees the vehicle (a chase camera, one high above)."""
    length, width, height = size_m
    return abs(camera.mount_x_m) > 0.5 * length or abs(camera.mount_y_m) > 0.5 * width or camera.mount_z_m > height


@dataclass(frozen=True)
class RigCamera:
    """One camera of a driver's rig: its name (the key of its frames in Observation.views) and model."""

    name: str
    camera: CameraConfig
