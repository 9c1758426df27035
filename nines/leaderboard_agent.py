"""The camera stack as a CARLA Leaderboard agent.

A Leaderboard evaluator loads this module, asks `get_entry_point()` for the class, builds
`NinesAgent(host, port)`, calls `set_global_plan(gps_route, world_route)` and
`setup(config_path)`, then `run_step(input_data, timestamp)` every tick for a
`carla.VehicleControl`, and `destroy()` at the end.

Sensors: the front camera the checkpoint was trained with (same size, field of view and
mount), GNSS and IMU for the pose the route needs (converted back as CARLA converts them),
and the Leaderboard's speedometer. The leaderboard package is imported only if installed:
without it `NinesAgent` stands alone, so any carla client loop can drive it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import yaml

from nines.drivers import checkpoint_path, load_monitor
from perception.camera_stack import CameraStack
from perception.checkpoint import read
from planner.camera_driver import CameraDriver
from planner.leaderboard_host import densify
from sim.camera import CameraConfig
from sim.carla_frame import from_carla, from_compass, from_gnss
from sim.observation import Observation
from sim.route import RouteState
from sim.world import ROUTE_AHEAD_POINTS, ROUTE_AHEAD_SPACING_M

CAMERA_ID, GNSS_ID, IMU_ID, SPEED_ID = "front", "gnss", "imu", "speed"
ROUTE_POINT_SPACING_M = 1.0
MAX_ROUTE_POINTS = 20000


def get_entry_point() -> str:
    return "NinesAgent"


def _agent_base() -> type:
    try:
        from leaderboard.autoagents.autonomous_agent import AutonomousAgent
    except ImportError:
        return object
    return AutonomousAgent


_BASE = _agent_base()


class NinesAgent(_BASE):
    """config (YAML, optional): checkpoint (path; the shipped one by default), device."""

    def __init__(self, carla_host: str = "127.0.0.1", carla_port: int = 2000, debug: bool = False):
        if _BASE is not object:
            super().__init__(carla_host, carla_port, debug)
        self.route: RouteState | None = None
        self.driver: CameraDriver | None = None
        self.camera: CameraConfig | None = None
        self._start_s: float | None = None

    def setup(self, path_to_conf_file: str) -> None:
        config = yaml.safe_load(Path(path_to_conf_file).read_text()) if path_to_conf_file else {}
        config = config or {}
        path = checkpoint_path(str(config.get("checkpoint", "")))
        self.camera = CameraConfig(**read(path)["metadata"]["camera"])
        device = config.get("device", "cpu")
        stack = CameraStack.from_checkpoint(path, self.camera.width, self.camera.height, device)
        self.driver = CameraDriver(stack, monitor=load_monitor(path, device))

    def sensors(self) -> list[dict]:
        cam = self._camera_config()
        mount = {"x": cam.mount_x_m, "y": -cam.mount_y_m, "z": cam.mount_z_m, "roll": 0.0, "pitch": cam.pitch_deg,
                 "yaw": 0.0}
        return [{"type": "sensor.camera.rgb", "id": CAMERA_ID, **mount, "width": cam.width, "height": cam.height,
                 "fov": cam.fov_deg},
                {"type": "sensor.other.gnss", "id": GNSS_ID, "x": 0.0, "y": 0.0, "z": 0.0},
                {"type": "sensor.other.imu", "id": IMU_ID, "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0,
                 "yaw": 0.0},
                {"type": "sensor.speedometer", "id": SPEED_ID, "reading_frequency": 20}]

    def _camera_config(self) -> CameraConfig:
        if self.camera is None:
            raise RuntimeError("NinesAgent.setup must run before sensors()")
        return self.camera

    def set_global_plan(self, global_plan_gps, global_plan_world_coord) -> None:
        """Keeps the whole route (the base class would thin it to a point every ~200 m)."""
        points = []
        for transform, _ in global_plan_world_coord:
            location, rotation = transform.location, transform.rotation
            x, y, _, _ = from_carla((location.x, location.y, location.z), (rotation.pitch, rotation.yaw, rotation.roll))
            points.append((x, y))
        polyline = densify(np.asarray(points, dtype=np.float64), ROUTE_POINT_SPACING_M)[:MAX_ROUTE_POINTS]
        self.route = RouteState.empty(1, len(polyline), "cpu")
        self.route.load_slot(0, polyline)

    def run_step(self, input_data: dict, timestamp: float):
        """input_data[id] = (frame, data): camera BGRA uint8 [H, W, 4], GNSS [lat, lon, alt],
        IMU [ax, ay, az, gx, gy, gz, compass], speedometer {'speed': m/s}."""
        import carla

        if self.driver is None or self.route is None:
            raise RuntimeError("NinesAgent needs setup() and set_global_plan() before run_step()")
        self._start_s = timestamp if self._start_s is None else self._start_s
        latitude, longitude, _ = input_data[GNSS_ID][1][:3]
        x, y = from_gnss(float(latitude), float(longitude))
        yaw = from_compass(float(input_data[IMU_ID][1][-1]))
        xy = torch.tensor([[x, y]], dtype=torch.float32)
        progress, _ = self.route.locate(xy, near_progress=True)
        self.route.progress_m = torch.maximum(self.route.progress_m, progress)
        ahead = self.route.points_ahead(ROUTE_AHEAD_POINTS, ROUTE_AHEAD_SPACING_M, xy[:, 0], xy[:, 1],
                                        torch.tensor([yaw]))
        bgra = np.asarray(input_data[CAMERA_ID][1])
        frames = torch.from_numpy(np.ascontiguousarray(bgra[..., 2::-1])).unsqueeze(0)
        speed = torch.tensor([float(input_data[SPEED_ID][1]["speed"])])
        obs = Observation(frames, speed, ahead, torch.tensor([timestamp - self._start_s]))
        steer, throttle, brake = self.driver.act(obs).control[0].tolist()
        # CARLA steers right positive; ours left positive
        return carla.VehicleControl(throttle=float(throttle), steer=float(-steer), brake=float(brake))

    def destroy(self) -> None:
        self.driver = None
        self.route = None
