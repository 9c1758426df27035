"""What a run was asked to do besides its suite: the driver, the batch and device, the
console, the simulator backend and the executor. Stored with the run (runs.config), so a
resumed run, a rerun or a Ray worker rebuilds exactly the same world and driver."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunSettings:
    """driver: a driver name (nines/drivers.py) with its factory's keyword arguments
    `driver_args`; driver_source: where it came from, recorded when the run is created
    (DriverSpec's distribution, version and file hashes); teleop: the remote-operations
    console's settings (TeleopConfig fields), None for no console; executor: "local" (this
    process) or "ray" with `ray` holding RayOptions fields."""

    driver: str
    batch: int
    device: str
    driver_args: dict = field(default_factory=dict)
    teleop: dict | None = None
    backend: str = "embedded"
    carla: dict | None = None  # CarlaEndpoint fields for the carla backend
    executor: str = "local"
    ray: dict | None = None
    driver_source: dict = field(default_factory=dict)

    @staticmethod
    def stored(config: dict) -> RunSettings:
        """The settings of a stored run (runs.config); runs stored before drivers took
        arguments kept a camera driver's checkpoint in its own field."""
        config = dict(config)
        checkpoint = config.pop("checkpoint", None)
        if checkpoint:
            config["driver_args"] = {"checkpoint": checkpoint}
        return RunSettings(**config)
