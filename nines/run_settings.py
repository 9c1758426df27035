"""What a run was asked to do besides its suite: the driver, the batch and device, the
console, the simulator backend and the executor. Stored with the run (runs.config), so a
resumed run, a rerun or a Ray worker rebuilds exactly the same world and driver."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunSettings:
    """checkpoint: the camera drivers' checkpoint path ("" = the shipped one); teleop: the
    remote-operations console's settings (TeleopConfig fields), None for no console;
    executor: "local" (this process) or "ray" with `ray` holding RayOptions fields."""

    driver: str
    batch: int
    device: str
    checkpoint: str = ""
    teleop: dict | None = None
    backend: str = "embedded"
    carla: dict | None = None  # CarlaEndpoint fields for the carla backend
    executor: str = "local"
    ray: dict | None = None
