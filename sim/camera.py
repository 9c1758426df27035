"""A camera on the ego vehicle: resolution, field of view and where it sits; and a named rig
of them (what a driver that needs more than the front camera asks for)."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class CameraConfig(BaseModel):
    """Pinhole camera on the ego; mount offsets are from the vehicle centre on the ground (m)."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(128, ge=16, le=2048, description="pixels")
    height: int = Field(64, ge=16, le=2048, description="pixels")
    fov_deg: float = Field(90.0, gt=10, lt=170, description="horizontal field of view, as CARLA's fov")
    mount_x_m: float = Field(1.0, ge=-3, le=3)
    mount_y_m: float = Field(0.0, ge=-3, le=3)
    mount_z_m: float = Field(1.5, ge=0.3, le=3)
    pitch_deg: float = Field(-5.0, ge=-45, le=45, description="positive looks up")
    yaw_deg: float = Field(0.0, ge=-180, le=180, description="from the vehicle's heading, positive looks left")


@dataclass(frozen=True)
class RigCamera:
    """One camera of a driver's rig: its name (the key of its frames in Observation.views) and model."""

    name: str
    camera: CameraConfig
