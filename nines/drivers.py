"""The drivers a run can use, by name: the privileged expert, the lane-keeping baseline, the
camera stack (from a checkpoint; the shipped one by default) and its blind baseline."""
from __future__ import annotations

from pathlib import Path

from perception.camera_stack import CameraStack
from perception.checkpoint import SHIPPED
from planner.camera_driver import CameraDriver
from planner.expert import ExpertDriver
from planner.lane_keeping import LaneKeepingDriver
from sim.camera import CameraConfig

DRIVERS = ("expert", "lane_keeping", "camera", "blind")
CAMERA_DRIVERS = ("camera", "blind")


def checkpoint_path(checkpoint: str) -> Path:
    """The checkpoint a camera driver loads: the given path, or the shipped one when empty."""
    return Path(checkpoint) if checkpoint else SHIPPED


def make_driver(name: str, camera: CameraConfig | None = None, checkpoint: str = "", device: str = "cpu"):
    if name == "expert":
        return ExpertDriver()
    if name == "lane_keeping":
        return LaneKeepingDriver()
    stack = CameraStack.from_checkpoint(checkpoint_path(checkpoint), camera.width, camera.height, device)
    return CameraDriver(stack, blind=name == "blind")
