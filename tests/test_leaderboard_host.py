"""CARLA Leaderboard agents hosted unmodified as drivers: an agent file written here the way a
third party writes one (it imports carla and subclasses the Leaderboard's base class, which
works without the leaderboard package), served its own camera rig, GNSS, IMU, speedometer and
route in CARLA's frames; the camera stack's own Leaderboard agent driving exactly as the
camera driver; and a rig or an agent the simulator cannot host refused in one line."""
import json
import math
import sys

import duckdb
import numpy as np
import pytest
import yaml

from nines import leaderboard_agent
from planner.leaderboard_base import RoadOption
from planner.leaderboard_host import road_options
from run_helpers import nines_here
from scenarios.episode_plan import fixed_tasks
from scenarios.suite import Suite
from sim.camera import CameraConfig, RigCamera
from sim.carla_frame import from_compass, from_gnss
from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr
from sim.world import BatchedWorld, WorldConfig

pytest.importorskip("carla")

SUITE = """
name: hosted
seed: 5
batch: 2
clips: false
families:
  - {family: nominal_urban, episodes: 1}
  - {family: control_loss_wet_curve, episodes: 1}
"""

# A route follower as a team would write it against the Leaderboard: position from GNSS in
# a local metric frame, heading from the IMU's compass, speed from the speedometer, the
# dense route it is given, and its two cameras' first frames saved for the test to compare.
AGENT = '''
import json
import math
import uuid
from pathlib import Path

import carla
import numpy as np
from leaderboard.autoagents import autonomous_agent

METRES_PER_DEGREE = 6378137.0 * 0.9996 * math.pi / 180


def get_entry_point():
    return "RouteFollower"


class RouteFollower(autonomous_agent.AutonomousAgent):
    def setup(self, path_to_conf_file):
        self.track = autonomous_agent.Track.SENSORS
        self.config = json.loads(Path(path_to_conf_file).read_text())
        self.steps = 0

    def sensors(self):
        return [
            {"type": "sensor.camera.rgb", "id": "front", "x": 1.3, "y": 0.0, "z": 1.6, "roll": 0.0, "pitch": -5.0,
             "yaw": 0.0, "width": 160, "height": 80, "fov": 90},
            {"type": "sensor.camera.rgb", "id": "right", "x": 1.0, "y": 0.6, "z": 1.6, "roll": 0.0, "pitch": 0.0,
             "yaw": 60.0, "width": 96, "height": 48, "fov": 100},
            {"type": "sensor.other.gnss", "id": "gps", "x": 0.0, "y": 0.0, "z": 0.0},
            {"type": "sensor.other.imu", "id": "imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0,
             "yaw": 0.0},
            {"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20},
            {"type": "sensor.opendrive_map", "id": "OpenDRIVE", "reading_frequency": 1e-6},
        ]

    def set_global_plan(self, global_plan_gps, global_plan_world_coord):
        super().set_global_plan(global_plan_gps, global_plan_world_coord)
        # metres east and north of the origin; CARLA's latitude grows toward its compass's south
        self.route = np.array([[g["lon"], -g["lat"]] for g, _ in global_plan_gps]) * METRES_PER_DEGREE
        self.world_route = [(t.location.x, t.location.y, t.rotation.yaw, int(o)) for t, o in global_plan_world_coord]

    def run_step(self, input_data, timestamp):
        lat, lon, _ = input_data["gps"][1]
        compass = input_data["imu"][1][-1]
        speed = input_data["speed"][1]["speed"]
        if self.steps == 0:
            self.folder = folder = Path(self.config["out"]) / uuid.uuid4().hex
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("front", "right"):
                np.save(folder / f"{name}.npy", input_data[name][1])
            (folder / "map.xodr").write_text(input_data["OpenDRIVE"][1]["opendrive"])
            (folder / "first.json").write_text(json.dumps({
                "timestamp": timestamp, "gps": [lat, lon], "compass": compass, "speed": speed,
                "frame": input_data["gps"][0], "world_route": self.world_route,
                "plan_kept": len(self._global_plan_world_coord)}))
        imu = input_data["imu"][1]
        with open(self.folder / "imu.txt", "a") as log:  # compass, gyro z, accel x and z, speed, map sent again
            log.write(f"{imu[6]} {imu[5]} {imu[0]} {imu[2]} {speed} {int('OpenDRIVE' in input_data)}\\n")
        self.steps += 1
        position = np.array([lon, -lat]) * METRES_PER_DEGREE
        nearest = int(np.argmin(np.linalg.norm(self.route - position, axis=1)))
        target = self.route[min(nearest + 8, len(self.route) - 1)] - position
        east, north = math.sin(compass), math.cos(compass)
        ahead = target[0] * east + target[1] * north
        right = target[0] * north - target[1] * east
        steer = float(np.clip(2.0 * math.atan2(right, max(ahead, 0.1)), -1.0, 1.0))
        throttle = 0.5 if speed < self.config["cruise_mps"] else 0.0
        return carla.VehicleControl(throttle=throttle, steer=steer, brake=0.0)
'''


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "suite.yaml").write_text(SUITE)
    (tmp_path / "agent.py").write_text(AGENT)
    (tmp_path / "agent.json").write_text(json.dumps({"out": str(tmp_path / "seen"), "cruise_mps": 6.0}))
    return tmp_path


def _episodes(db) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT episode_id, outcome, km, route_completion FROM episodes ORDER BY episode_id").fetchall()


def test_a_third_party_agent_drives_from_its_route_and_is_served_its_rig(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    result = nines_here(monkeypatch, capsys, "run", "suite.yaml", "--driver", "leaderboard:agent.py",
                        "--agent-config", "agent.json", "--no-progress")
    assert result.returncode == 0, result.stderr
    episodes = _episodes(folder / "runs.duckdb")
    assert [e[1] for e in episodes] == ["success", "success"]
    assert all(e[3] >= 0.95 for e in episodes)
    with duckdb.connect(str(folder / "runs.duckdb"), read_only=True) as con:
        name, = con.execute("SELECT driver FROM runs").fetchone()
    assert name == f"leaderboard:{folder / 'agent.py'}"

    # the run's world at its start: each episode in the slot it ran in (tiles render alike only in place)
    suite = Suite.model_validate(yaml.safe_load(SUITE))
    world = BatchedWorld(WorldConfig(batch_size=2, device="cpu", camera=None))
    tasks = fixed_tasks(suite, 0) + fixed_tasks(suite, 1)
    for slot, task in enumerate(tasks):
        world.load(slot, task.spec)
    rig = (RigCamera("front", CameraConfig(width=160, height=80, fov_deg=90, mount_x_m=1.3, mount_z_m=1.6,
                                           pitch_deg=-5.0)),
           RigCamera("right", CameraConfig(width=96, height=48, fov_deg=100, mount_x_m=1.0, mount_y_m=-0.6,
                                           mount_z_m=1.6, pitch_deg=0.0, yaw_deg=-60.0)))
    views = world.render_rig(rig)
    seen = {path: json.loads((path / "first.json").read_text()) for path in (folder / "seen").iterdir()}
    assert len(seen) == 2
    turns = []
    for slot in range(2):
        route, x, y = world.route.polyline(slot), float(world.ego.x_m[slot]), float(world.ego.y_m[slot])
        # the slot's instance: the one whose cameras showed the slot's first frames, exactly
        mine = [(path, first) for path, first in seen.items() if all(np.array_equal(
            np.load(path / f"{c.name}.npy")[..., 2::-1], views[c.name][slot].numpy()) for c in rig)]
        assert len(mine) == 1
        path, first = mine[0]
        for camera in rig:
            bgra = np.load(path / f"{camera.name}.npy")
            assert bgra.dtype == np.uint8 and bgra.shape == (camera.camera.height, camera.camera.width, 4)
            assert (bgra[..., 3] == 255).all()
        # GNSS and compass at the start: the ego's pose
        assert math.hypot(*np.subtract(from_gnss(*first["gps"]), (x, y))) < 0.01
        assert abs(math.remainder(from_compass(first["compass"]) - float(world.ego.yaw_rad[slot]), 2 * math.pi)) < 1e-4
        assert first["frame"] == 0 and first["timestamp"] == 0.0
        # the route in CARLA's frame (y and yaw negated), a point every metre
        carla_route = np.array([p[:2] for p in first["world_route"]])
        assert np.allclose(carla_route[0], [route[0, 0], -route[0, 1]], atol=1e-3)
        assert np.linalg.norm(np.diff(carla_route, axis=0), axis=1).max() <= 1.0 + 1e-4  # carla stores float32
        assert 2 <= first["plan_kept"] < len(carla_route)  # the base class kept a thinned copy
        # the MAP track's OpenDRIVE once, on the first tick; the IMU agrees with the motion, CARLA's signs
        assert (path / "map.xodr").read_text() == to_xodr(TEMPLATES[tasks[slot].spec.template]())
        compass, gyro_z, accel_x, accel_z, speed, map_again = np.loadtxt(path / "imu.txt").T
        assert len(compass) > 100 and not map_again[1:].any()
        turned = np.angle(np.exp(1j * np.diff(compass)))  # a right turn turns the compass clockwise
        assert np.abs(turned - gyro_z[1:] * 0.05).max() < 1e-4
        assert np.abs(accel_x[1:] - np.diff(speed) / 0.05).max() < 1e-3 and (accel_z == 9.81).all()
        turns.append(np.abs(turned).sum())
    world.close()
    assert max(turns) > 0.5  # the curve was driven, so the signs above were tested


@pytest.mark.slow
def test_the_camera_stacks_own_leaderboard_agent_drives_as_the_camera_driver(tmp_path, monkeypatch, capsys):
    """nines.leaderboard_agent reads GNSS, compass and the route the Leaderboard way and runs
    the camera stack at batch 1 (perception is batch-invariant): outcomes, km and times equal."""
    (tmp_path / "suite.yaml").write_text("""
name: pair
seed: 3
batch: 2
clips: false
families:
  - {family: pedestrian_near_side, episodes: 1}
  - {family: lead_vehicle_brakes, episodes: 1}
""")
    monkeypatch.chdir(tmp_path)
    runs = {}
    for driver in ("camera", f"leaderboard:{leaderboard_agent.__file__}"):
        db = tmp_path / f"{driver[:6]}.duckdb"
        result = nines_here(monkeypatch, capsys, "run", "suite.yaml", "--driver", driver, "--db", str(db),
                            "--no-progress")
        assert result.returncode == 0, result.stderr
        runs[driver[:6]] = _episodes(db)
    assert [e[1] for e in runs["camera"]] == ["success", "collision"]  # a failure and a success, both alike
    assert runs["camera"] == runs["leader"]


def test_road_options_turn_left_and_right_where_the_route_does():
    straight = np.stack([np.arange(0.0, 60.0), np.zeros(60)], -1)
    angles = np.linspace(0, math.pi / 2, 30)
    left = np.stack([60 + 20 * np.sin(angles), 20 - 20 * np.cos(angles)], -1)
    options = road_options(np.concatenate([straight, left]))
    assert options[10] == RoadOption.LANEFOLLOW and options[75] == RoadOption.LEFT
    options = road_options(np.concatenate([straight, left]) * [1, -1])
    assert options[75] == RoadOption.RIGHT


LIDAR = AGENT.replace('{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20},',
                      '{"type": "sensor.lidar.ray_cast", "id": "LIDAR", "x": 0.0, "y": 0.0, "z": 2.5},')
ROLLED = AGENT.replace('"roll": 0.0, "pitch": -5.0', '"roll": 10.0, "pitch": -5.0')
FAR = AGENT.replace('"x": 1.3, "y": 0.0, "z": 1.6', '"x": -5.5, "y": 0.0, "z": 150.0')
FAILS = AGENT.replace("self.steps = 0", "raise FileNotFoundError('model.ckpt')")


@pytest.mark.parametrize("source, message", [
    (LIDAR, "sensor 'LIDAR' of type sensor.lidar.ray_cast cannot be served by the embedded simulator"),
    (ROLLED, "camera 'front' is rolled (10.0 deg)"),
    (FAR, "camera 'front' cannot be placed: mount_z_m Input should be less than or equal to 100"),
    (FAILS, "failed in setup (FileNotFoundError: model.ckpt)"),
    ("def get_entry_point(:\n", "does not load (SyntaxError"),
])
def test_an_agent_that_cannot_be_hosted_is_one_line_exit_2_and_nothing_is_stored(folder, monkeypatch, capsys,
                                                                                   source, message):
    monkeypatch.chdir(folder)
    (folder / "agent.py").write_text(source)
    result = nines_here(monkeypatch, capsys, "run", "suite.yaml", "--driver", "leaderboard:agent.py",
                        "--agent-config", "agent.json")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (folder / "runs.duckdb").exists() or _episodes(folder / "runs.duckdb") == []


def test_a_missing_agent_file_is_one_line(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    result = nines_here(monkeypatch, capsys, "run", "suite.yaml", "--driver", "leaderboard:nowhere.py")
    assert result.returncode == 2 and "nowhere.py does not exist" in result.stderr


def test_where_the_leaderboard_package_is_installed_its_base_class_is_used(tmp_path):
    from planner import leaderboard_base
    from planner.leaderboard_host import load_agent_class

    package = tmp_path / "site" / "leaderboard" / "autoagents"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "autonomous_agent.py").write_text(
        "from enum import Enum\n\nclass Track(Enum):\n    SENSORS = 'SENSORS'\n\n"
        "class AutonomousAgent:\n    installed = True\n\n    def __init__(self, host, port, debug=False):\n"
        "        self.track = Track.SENSORS\n")
    (tmp_path / "agent.py").write_text(AGENT)
    names = ("leaderboard", "leaderboard.autoagents", "leaderboard.autoagents.autonomous_agent")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, str(tmp_path / "site"))
    try:
        agent_class = load_agent_class(tmp_path / "agent.py")
    finally:
        sys.path.remove(str(tmp_path / "site"))
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    assert agent_class.installed and not issubclass(agent_class, leaderboard_base.AutonomousAgent)
    assert issubclass(load_agent_class(tmp_path / "agent.py"), leaderboard_base.AutonomousAgent)
