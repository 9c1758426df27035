"""The drivers a run can use, by name: the privileged expert, the lane-keeping baseline, the
camera stack (from a checkpoint; the shipped one by default) and its blind baseline."""
from __future__ import annotations

from pathlib import Path

from perception.camera_stack import CameraStack
from perception.checkpoint import SHIPPED, CheckpointError, monitor
from planner.camera_driver import CameraDriver
from planner.driver_interface import Driver
from planner.expert import ExpertDriver
from planner.failure_monitor import FailureMonitor
from planner.lane_keeping import LaneKeepingDriver
from sim.camera import CameraConfig

DRIVERS = ("expert", "lane_keeping", "camera", "blind")
CAMERA_DRIVERS = ("camera", "blind")


def checkpoint_path(checkpoint: str) -> Path:
    """The checkpoint a camera driver loads: the given path, or the shipped one when empty."""
    return Path(checkpoint) if checkpoint else SHIPPED


def make_driver(name: str, camera: CameraConfig | None = None, checkpoint: str = "", device: str = "cpu") -> Driver:
    if name == "expert":
        return ExpertDriver()
    if name == "lane_keeping":
        return LaneKeepingDriver()
    path = checkpoint_path(checkpoint)
    stack = CameraStack.from_checkpoint(path, camera.width, camera.height, device)
    return CameraDriver(stack, blind=name == "blind", monitor=load_monitor(path, device))


def load_monitor(path: Path, device: str = "cpu") -> FailureMonitor | None:
    """The failure monitor the checkpoint carries, or None."""
    saved = monitor(path)
    if saved is None:
        return None
    failure_monitor = FailureMonitor()
    try:
        failure_monitor.load_state_dict(saved["state_dict"])
    except (RuntimeError, KeyError, TypeError):
        raise CheckpointError(f"checkpoint {path} carries a failure monitor that does not match this version's "
                              "(refit it with `nines calibrate-monitor`)") from None
    return failure_monitor.eval().to(device)
