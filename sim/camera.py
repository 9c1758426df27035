"""The front camera: resolution, field of view and where it sits on the ego vehicle."""
from __future__ import annotations

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
