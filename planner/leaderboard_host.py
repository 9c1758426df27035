"""CARLA Leaderboard agents hosted as nines drivers, unmodified.

`--driver leaderboard:path/to/agent.py --agent-config CONF` (in a suite: `driver: {import:
"leaderboard:path/to/agent.py", args: {agent_config: CONF}}`) loads the agent file as the
Leaderboard does (its folder on sys.path, `get_entry_point()` naming the class) and drives
it in every slot of the run. As the Leaderboard does for each route, every episode gets a
new instance: `cls(host, port, debug)`, `set_global_plan(gps_route, world_route)`,
`setup(agent_config)`; then `run_step(input_data, timestamp)` every tick, and `destroy()`
before the slot's next episode (a slot's last instance is left to the garbage collector:
the driver interface has no end-of-run call).

What the agent is served, in CARLA's units and frames (sim.carla_frame converts):
- `sensor.camera.rgb`: its frames rendered by the embedded simulator at the requested pose,
  size and field of view, uint8 [H, W, 4] BGRA;
- `sensor.other.gnss`: [latitude, longitude, altitude] (deg, deg, m), noise-free;
- `sensor.other.imu`: [accel x, y, z (m/s^2, gravity included), gyro x, y, z (rad/s),
  compass (rad clockwise from north)], the rates from the ego's motion over the last tick;
- `sensor.speedometer`: {"speed": m/s};
- `sensor.opendrive_map`: {"opendrive": the map as OpenDRIVE}, on an episode's first tick.
The route is given every ROUTE_SPACING_M with road options from its geometry (LEFT / RIGHT
where it turns by more than TURN_DEG over TURN_WINDOW_M, LANEFOLLOW elsewhere). Any other
sensor type, a rolled camera or one the renderer cannot place is refused before the run.
The returned `carla.VehicleControl` is clipped to its ranges as CARLA's server clips it;
`hand_brake` brakes fully; `reverse` is not simulated.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydantic
import torch

from planner.driver_interface import (DriverCapabilities, DriverContext, DriverError, DriverNeeds, DriverOutput,
                                      EpisodeStart)
from planner.leaderboard_base import install, road_option_type
from sim.camera import CameraConfig, RigCamera
from sim.carla_frame import to_carla, to_compass, to_gnss
from sim.ground_truth import GroundTruth
from sim.observation import Observation

CAMERA, GNSS, IMU, SPEEDOMETER, OPENDRIVE = ("sensor.camera.rgb", "sensor.other.gnss", "sensor.other.imu",
                                             "sensor.speedometer", "sensor.opendrive_map")
SERVED = (CAMERA, GNSS, IMU, SPEEDOMETER, OPENDRIVE)
GRAVITY_MPS2 = 9.81
ROUTE_SPACING_M = 1.0
TURN_WINDOW_M = 15.0
TURN_DEG = 30.0


class AgentError(DriverError):
    """A Leaderboard agent that cannot be hosted; one line for the user."""


@dataclass(frozen=True)
class Sensor:
    """One entry of the agent's `sensors()`: its id, its type, and the camera model of an RGB camera."""

    id: str
    type: str
    camera: CameraConfig | None = None


def densify(points: np.ndarray, spacing_m: float) -> np.ndarray:
    """A polyline [P, 2] resampled every spacing_m along its length (ends kept)."""
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    targets = np.arange(0.0, s[-1], spacing_m).tolist() + [s[-1]]
    return np.stack([np.interp(targets, s, points[:, 0]), np.interp(targets, s, points[:, 1])], -1)


def load_agent_class(agent_file: Path) -> type:
    """The agent class an agent file names with `get_entry_point()`, imported as the
    Leaderboard imports it (the file's folder first on sys.path)."""
    install()
    if not agent_file.is_file():
        raise AgentError(f"Leaderboard agent {agent_file} does not exist")
    folder = str(agent_file.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = f"nines_hosted_agent_{agent_file.stem}"
    spec = importlib.util.spec_from_file_location(name, agent_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        class_name = module.get_entry_point()
        return vars(module)[class_name]
    except Exception as error:  # a third party's module may raise anything
        raise AgentError(f"Leaderboard agent {agent_file} does not load ({type(error).__name__}: {error})") from None


def read_sensors(sensors: list[dict]) -> tuple[Sensor, ...]:
    """The agent's `sensors()` checked against what the embedded simulator serves."""
    read = []
    for spec in sensors:
        sensor_id, kind = str(spec.get("id", "")), str(spec.get("type", ""))
        if kind not in SERVED:
            raise AgentError(f"sensor {sensor_id!r} of type {kind} cannot be served by the embedded simulator; "
                             f"it serves {', '.join(SERVED)}")
        read.append(Sensor(sensor_id, kind, _camera(spec) if kind == CAMERA else None))
    return tuple(read)


def _camera(spec: dict) -> CameraConfig:
    """A camera spec (CARLA's frame: y right, yaw clockwise, degrees) -> our camera model."""
    if float(spec.get("roll", 0.0)) != 0.0:
        raise AgentError(f"camera {spec.get('id')!r} is rolled ({spec['roll']} deg); the renderer places "
                         "cameras with pitch and yaw only")
    try:
        return CameraConfig(width=int(spec.get("width", 800)), height=int(spec.get("height", 600)),
                            fov_deg=float(spec.get("fov", 90.0)), mount_x_m=float(spec.get("x", 0.0)),
                            mount_y_m=-float(spec.get("y", 0.0)), mount_z_m=float(spec.get("z", 0.0)),
                            pitch_deg=float(spec.get("pitch", 0.0)), yaw_deg=-float(spec.get("yaw", 0.0)))
    except pydantic.ValidationError as error:
        problem = error.errors()[0]
        raise AgentError(f"camera {spec.get('id')!r} cannot be placed: {problem['loc'][0]} {problem['msg']}") from None


def headings(route_xy_m: np.ndarray) -> np.ndarray:
    """Heading (rad) at each route point [P, 2] towards the next (the last keeps the one before)."""
    step = np.diff(route_xy_m, axis=0, append=route_xy_m[-1:] + (route_xy_m[-1:] - route_xy_m[-2:-1]))
    return np.arctan2(step[:, 1], step[:, 0])


def road_options(route_xy_m: np.ndarray) -> list[int]:
    """RoadOption value of each route point [P, 2]: LEFT or RIGHT where the route turns by
    more than TURN_DEG between TURN_WINDOW_M behind and ahead, LANEFOLLOW elsewhere."""
    options = road_option_type()
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(route_xy_m, axis=0), axis=1))])
    heading = headings(route_xy_m)
    behind = np.searchsorted(s, s - TURN_WINDOW_M).clip(0, len(s) - 1)
    ahead = np.searchsorted(s, s + TURN_WINDOW_M).clip(0, len(s) - 1)
    turn = np.degrees(np.angle(np.exp(1j * (heading[ahead] - heading[behind]))))
    return [options.LEFT if t > TURN_DEG else options.RIGHT if t < -TURN_DEG else options.LANEFOLLOW for t in turn]


def global_plan(route_xy_m: np.ndarray) -> tuple[list, list]:
    """The route [P, 2] (m, our frame) as the Leaderboard gives it: (gps_route, world_route),
    [({"lat", "lon", "z"}, RoadOption)] and [(carla.Transform, RoadOption)], a point every
    ROUTE_SPACING_M in CARLA's frame."""
    import carla

    points = densify(route_xy_m, ROUTE_SPACING_M)
    gps, world = [], []
    for (x, y), heading, option in zip(points, headings(points), road_options(points)):
        location, rotation = to_carla(float(x), float(y), 0.0, float(heading))
        latitude, longitude, altitude = to_gnss(float(x), float(y), 0.0)
        gps.append(({"lat": latitude, "lon": longitude, "z": altitude}, option))
        world.append((carla.Transform(carla.Location(*location), carla.Rotation(*rotation)), option))
    return gps, world


class HostedAgents:
    """One instance of a Leaderboard agent class per slot, each driving its own episode."""

    capabilities = DriverCapabilities()

    def __init__(self, context: DriverContext, agent_class: type, agent_config: str, sensors: tuple[Sensor, ...]):
        self.context, self.agent_class, self.agent_config, self.sensors = context, agent_class, agent_config, sensors
        rig = tuple(RigCamera(s.id, s.camera) for s in sensors if s.camera is not None)
        self.needs = DriverNeeds(rig=rig, pose=True)
        batch = context.batch_size
        self.agents: list[object | None] = [None] * batch
        self.maps: list[str] = [""] * batch
        self.frame = np.zeros(batch, dtype=np.int64)
        self.last_speed_mps = np.zeros(batch)
        self.last_yaw_rad = np.zeros(batch)
        self._xodr: dict[str, str] = {}

    def reset(self, starts: list[EpisodeStart]) -> None:
        for start in starts:
            slot = start.slot
            if self.agents[slot] is not None:
                self.agents[slot].destroy()
            try:
                agent = self.agent_class("127.0.0.1", 2000, False)
                agent.set_global_plan(*global_plan(start.route_xy_m))
                agent.setup(self.agent_config)
            except Exception as error:  # a third party's agent may raise anything
                raise AgentError(f"Leaderboard agent {self.agent_class.__name__} failed in setup for slot {slot} "
                                 f"({type(error).__name__}: {error})") from None
            self.agents[slot], self.maps[slot], self.frame[slot] = agent, start.map_name, 0

    def act(self, obs: Observation, truth: GroundTruth | None = None) -> DriverOutput:
        import carla

        views = {name: frames.flip(-1).cpu().numpy() for name, frames in (obs.views or {}).items()}
        pose, speed, time_s = obs.pose.cpu().numpy(), obs.speed_mps.cpu().numpy(), obs.time_s.cpu().numpy()
        control = np.tile(np.array([0.0, 0.0, 1.0], dtype=np.float32), (len(self.agents), 1))
        for slot, agent in enumerate(self.agents):
            if agent is None:
                continue
            data = self._input_data(slot, views, pose[slot], float(speed[slot]))
            result = agent.run_step(data, float(time_s[slot]))
            if not isinstance(result, carla.VehicleControl):
                raise AgentError(f"run_step returned {type(result).__name__}; expected carla.VehicleControl")
            brake = 1.0 if result.hand_brake else result.brake
            # CARLA steers right positive; ours left positive
            control[slot] = (-np.clip(result.steer, -1, 1), np.clip(result.throttle, 0, 1), np.clip(brake, 0, 1))
            self.frame[slot] += 1
        return DriverOutput(torch.from_numpy(control).to(obs.speed_mps.device))

    def _input_data(self, slot: int, views: dict[str, np.ndarray], pose: np.ndarray, speed_mps: float) -> dict:
        """input_data[id] = (frame, data) for every sensor of the agent, in CARLA's layouts."""
        x, y, yaw = (float(v) for v in pose)
        frame, dt_s = int(self.frame[slot]), self.context.dt_s
        first = frame == 0
        yaw_rate = 0.0 if first else math.remainder(yaw - self.last_yaw_rad[slot], 2 * math.pi) / dt_s
        accel = 0.0 if first else (speed_mps - self.last_speed_mps[slot]) / dt_s
        self.last_speed_mps[slot], self.last_yaw_rad[slot] = speed_mps, yaw
        data = {}
        for sensor in self.sensors:
            if sensor.type == CAMERA:
                bgr = views[sensor.id][slot]
                data[sensor.id] = (frame, np.concatenate([bgr, np.full(bgr.shape[:2] + (1,), 255, np.uint8)], -1))
            elif sensor.type == GNSS:
                data[sensor.id] = (frame, np.array(to_gnss(x, y, 0.0)))
            elif sensor.type == IMU:
                lateral = speed_mps * yaw_rate
                data[sensor.id] = (frame, np.array([accel, -lateral, GRAVITY_MPS2, 0.0, 0.0, -yaw_rate,
                                                    to_compass(yaw)]))
            elif sensor.type == SPEEDOMETER:
                data[sensor.id] = (frame, {"speed": speed_mps})
            elif sensor.type == OPENDRIVE and first:
                data[sensor.id] = (frame, {"opendrive": self._opendrive(self.maps[slot])})
        return data

    def _opendrive(self, map_name: str) -> str:
        if map_name not in self._xodr:
            from sim.map_templates import TEMPLATES
            from sim.opendrive import to_xodr

            self._xodr[map_name] = to_xodr(TEMPLATES[map_name]())
        return self._xodr[map_name]


def hosted_agent(context: DriverContext, agent_file: str, agent_config: str = "") -> HostedAgents:
    """The driver factory of `leaderboard:<agent_file>`: loads the class, sets one instance up
    to read its `sensors()`, and refuses a rig the simulator cannot serve."""
    if importlib.util.find_spec("carla") is None:  # agents, their routes and controls are the carla client's types
        raise AgentError("hosting a Leaderboard agent needs the carla client (pip install 'nines[carla]')")
    agent_class = load_agent_class(Path(agent_file))
    probe = agent_class("127.0.0.1", 2000, False)
    try:
        probe.setup(agent_config)
        sensors = probe.sensors()
        probe.destroy()
    except Exception as error:  # a third party's agent may raise anything
        raise AgentError(f"Leaderboard agent {agent_file} failed in setup ({type(error).__name__}: {error})") from None
    return HostedAgents(context, agent_class, agent_config, read_sensors(sensors))
