"""The world behind the wire server: the actors a CARLA client spawned, on one of our maps,
stepped with the embedded simulator's own pieces (the bicycle model, box geometry, traffic
light phases, the camera renderer).

Everything here is in our frame (SI, radians, y left); `session` converts at the wire.
Vehicles with physics follow their last control through `step_ego`; walkers follow their
last WalkerControl; actors with physics off stay where the client puts them (the way CARLA's
scenario and co-simulation tools drive scripted actors). Collision sensors report, each tick,
every solid actor whose box overlaps their parent's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
import torch

from sim.box_geometry import boxes_overlap
from sim.camera import CameraConfig, mounted_outside
from sim.carla_wire.blueprints import CAMERA_ROLES, Blueprint
from sim.carla_wire.messages import ActorDescription, VehicleControl, WireError
from sim.carla_wire.range_sensors import Lidar, LidarScan, Radar, RadarScan, SensorPose
from sim.carla_wire.wire_lights import WireLight
from sim.ego_dynamics import EgoState, step_ego, weather_friction
from sim.map_bank import LANE_TYPE_CODES, MapBank, build_map_bank
from sim.ray_cast import Boxes, ray_hits_along
from sim.render.actor_mesh import TRAFFIC_LIGHT_SIZE_M
from sim.render.labels import ACTOR_TAG, ImageKind, Tag
from sim.render.roadside import Building, roadside_layout
from sim.scene_batch import SceneBatch
from sim.traffic_lights import place_signals
from sim.weather import Weather, as_vector
from sim.world import DOOR_M

SOLID_ROLES = ("vehicle", "walker", "prop")
TRAFFIC_LIGHT = Blueprint("traffic.traffic_light", "traffic_light")
SPEED_LIMIT_LOOKUP_M = 1.0
LOWEST_CAMERA_M = 0.1  # CameraConfig's lowest mount: the road is at 0
IMAGE_OF_ROLE = {"camera": ImageKind.RGB, "depth_camera": ImageKind.DEPTH, "semantic_camera": ImageKind.SEMANTIC,
                 "instance_camera": ImageKind.INSTANCE}


@dataclass
class WireActor:
    """One spawned actor. Pose (x_m, y_m, z_m, yaw_rad) is in the world for free actors and
    relative to the parent for attached ones (sensors); pitch_deg only matters for cameras."""

    id: int
    blueprint: Blueprint
    description: ActorDescription
    parent: int
    x_m: float
    y_m: float
    z_m: float
    yaw_rad: float
    pitch_deg: float = 0.0
    speed_mps: float = 0.0
    steer_rad: float = 0.0
    velocity: tuple[float, float] = (0.0, 0.0)
    control: VehicleControl = field(default_factory=VehicleControl)
    walk_direction: tuple[float, float] = (1.0, 0.0)
    walk_speed_mps: float = 0.0
    physics: bool = True
    door_open: bool = False
    colour: tuple[float, float, float] = (0.6, 0.6, 0.65)
    camera: CameraConfig | None = None
    ranging: Lidar | Radar | None = None
    physics_control: list | None = None  # a vehicle's carla.VehiclePhysicsControl (physics_control.py)
    stream_id: int = 0

    @property
    def role(self) -> str:
        return self.blueprint.role

    def box(self) -> tuple[float, float, float, float, float]:
        """(x, y, yaw, length, width) in the world; an open door widens a car to its left."""
        length, width, _ = self.blueprint.size_m
        door = DOOR_M if self.door_open else 0.0
        return (self.x_m - 0.5 * door * math.sin(self.yaw_rad), self.y_m + 0.5 * door * math.cos(self.yaw_rad),
                self.yaw_rad, length, width + door)


@dataclass(frozen=True)
class Obstacles:
    """N boxes rays can hit, with the CARLA actor id (0: part of the map), semantic tag
    (uint32 [N]) and velocity [N, 2] (m/s) of each."""

    ids: np.ndarray
    tags: np.ndarray
    velocity: torch.Tensor
    boxes: Boxes

    def then(self, other: "Obstacles") -> "Obstacles":
        """These obstacles, then `other`'s."""
        return Obstacles(np.concatenate([self.ids, other.ids]), np.concatenate([self.tags, other.tags]),
                         torch.cat([self.velocity, other.velocity]), self.boxes.then(other.boxes))


@dataclass(frozen=True)
class Contact:
    """A collision sensor's report for one tick: its actor, its parent and what it hit."""

    sensor: int
    parent: int
    other: int
    relative_speed_mps: float


class WireWorld:
    """One map (a template of `bank`) and the actors on it; advanced by `tick`."""

    def __init__(self, bank: MapBank, template: str):
        self.bank = bank
        self.actors: dict[int, WireActor] = {}
        self.weather = Weather()
        self.dt_s = 0.05
        self.frame = 0
        self.time_s = 0.0
        self.episode_id = 1
        self.template = ""
        self._next_id = 1
        self._renderers: dict[int, object] = {}
        self._speed_limits: dict[int, tuple[float, float, float]] = {}  # actor id: (x_m, y_m, km/h) looked up there
        self.lights: dict[int, WireLight] = {}  # by actor id, in the map's signal order
        self._building_cache: dict[str, tuple[list[Building], Obstacles]] = {}
        self.load(template)

    def load(self, template: str) -> None:
        """A fresh episode on `template`: every actor is gone, time restarts at 0, and the map's
        traffic lights stand as actors. A map the bank does not hold (an imported one) replaces
        the imported map it held, if any."""
        for actor_id in [i for i in self.actors if i not in self.lights]:
            self.destroy(actor_id)
        for actor_id in self.lights:
            del self.actors[actor_id]
        if template not in self.bank.names:
            self.bank = build_map_bank("cpu", (template,))
        self.template = template
        self.time_s = 0.0
        self.episode_id += 1
        self.lights = {}
        for placed in place_signals(self.bank.graphs[self.template_index]):
            light = WireLight.of(self._next_id, placed)
            self.actors[self._next_id] = WireActor(self._next_id, TRAFFIC_LIGHT, ActorDescription(0, TRAFFIC_LIGHT.id),
                                                   0, *placed.pole_xy, 0.0, light.pole_yaw_rad, physics=False)
            self.lights[self._next_id] = light
            self._next_id += 1

    def light(self, actor_id: int) -> WireLight:
        if actor_id not in self.lights:
            raise WireError(f"actor {actor_id} is not a traffic light")
        return self.lights[actor_id]

    def light_at(self, vehicle: WireActor) -> WireLight | None:
        """The light whose trigger volume holds the vehicle's centre, if any."""
        return next((light for light in self.lights.values() if light.covers(vehicle.x_m, vehicle.y_m)), None)

    @property
    def template_index(self) -> int:
        return self.bank.template_index(self.template)

    def spawn(self, blueprint: Blueprint, description: ActorDescription, pose: tuple[float, float, float, float],
              pitch_deg: float, parent: int) -> WireActor:
        if parent and parent not in self.actors:
            raise WireError(f"spawn failed: parent actor {parent} does not exist")
        actor = WireActor(self._next_id, blueprint, description, parent, *pose, pitch_deg=pitch_deg)
        if blueprint.role in SOLID_ROLES and not parent:
            actor.z_m = 0.0  # the road is flat: everything stands on it
        colour = description.attribute("color")
        if colour:
            actor.colour = tuple(min(max(int(c) / 255.0, 0.0), 1.0) for c in colour.split(",")[:3])
        if blueprint.role in CAMERA_ROLES:
            actor.camera = self._camera_config(description, actor)
        elif blueprint.role in ("lidar", "semantic_lidar"):
            actor.ranging = Lidar(description, seed=self._next_id)
        elif blueprint.role == "radar":
            actor.ranging = Radar(description, seed=self._next_id)
        self._next_id += 1
        self.actors[actor.id] = actor
        return actor

    def _camera_config(self, description: ActorDescription, actor: WireActor) -> CameraConfig:
        """The camera's model: attached to an actor (of any kind), mounted at its pose on it;
        attached to nothing, at the ground under its own pose, which the scene is drawn from. A
        camera at or below the road (a script's carla.Transform()) sees from just above it."""
        x, y, yaw = (actor.x_m, actor.y_m, math.degrees(actor.yaw_rad)) if actor.parent else (0.0, 0.0, 0.0)
        try:
            return CameraConfig(width=int(description.attribute("image_size_x", "800")),
                                height=int(description.attribute("image_size_y", "600")),
                                fov_deg=float(description.attribute("fov", "90")), mount_x_m=x, mount_y_m=y,
                                mount_z_m=max(actor.z_m, LOWEST_CAMERA_M), pitch_deg=actor.pitch_deg, yaw_deg=yaw)
        except ValueError as exc:
            problem = exc.errors()[0]
            raise WireError(f"spawn failed: {description.id} {problem['loc'][0]}: {problem['msg']}") from exc

    def destroy(self, actor_id: int) -> bool:
        """Remove the actor. Actors attached to it stay, where they were, attached to nothing, as
        in CARLA: a script that destroys a car and then its sensors destroys each once."""
        if actor_id not in self.actors:
            return False
        if actor_id in self.lights:
            raise WireError(f"destroy failed: actor {actor_id} is a traffic light, part of the map")
        for child in [a for a in self.actors.values() if a.parent == actor_id]:
            child.x_m, child.y_m, child.z_m, child.yaw_rad = self.world_pose(child)
            child.parent = 0
            if child.camera is not None:
                child.camera = self._camera_config(child.description, child)
                self._close_renderer(child.id)
        self._close_renderer(actor_id)
        self._speed_limits.pop(actor_id, None)
        del self.actors[actor_id]
        return True

    def _close_renderer(self, actor_id: int) -> None:
        renderer = self._renderers.pop(actor_id, None)
        if renderer is not None:
            renderer.close()

    def actor(self, actor_id: int) -> WireActor:
        if actor_id not in self.actors:
            raise WireError(f"actor {actor_id} not found")
        return self.actors[actor_id]

    def world_pose(self, actor: WireActor) -> tuple[float, float, float, float]:
        """(x, y, z, yaw) in the world of any actor, attached ones through their parent."""
        if not actor.parent:
            return actor.x_m, actor.y_m, actor.z_m, actor.yaw_rad
        px, py, pz, pyaw = self.world_pose(self.actors[actor.parent])
        c, s = math.cos(pyaw), math.sin(pyaw)
        return (px + c * actor.x_m - s * actor.y_m, py + s * actor.x_m + c * actor.y_m, pz + actor.z_m,
                pyaw + actor.yaw_rad)

    def tick(self) -> list[Contact]:
        """Advance by dt_s: vehicles and walkers with physics move; returns this tick's contacts."""
        before = {a.id: (a.x_m, a.y_m) for a in self.actors.values() if not a.parent}
        self._step_vehicles()
        for actor in self.actors.values():
            if actor.role == "walker" and actor.physics:
                actor.x_m += actor.walk_direction[0] * actor.walk_speed_mps * self.dt_s
                actor.y_m += actor.walk_direction[1] * actor.walk_speed_mps * self.dt_s
                if actor.walk_speed_mps > 0:
                    actor.yaw_rad = math.atan2(actor.walk_direction[1], actor.walk_direction[0])
        for actor_id, (x, y) in before.items():
            actor = self.actors[actor_id]
            actor.velocity = ((actor.x_m - x) / self.dt_s, (actor.y_m - y) / self.dt_s)
            if actor.role != "vehicle" or not actor.physics:
                actor.speed_mps = math.hypot(*actor.velocity)
        self.frame += 1
        self.time_s += self.dt_s
        return self._contacts()

    def _step_vehicles(self) -> None:
        vehicles = [a for a in self.actors.values() if a.role == "vehicle" and a.physics and not a.parent]
        if not vehicles:
            return
        names = [f.name for f in fields(EgoState)]
        state = EgoState(*torch.tensor([[getattr(a, name) for name in names] for a in vehicles]).unbind(1))
        # CARLA steers right positive; ours left positive. There is no reverse gear here.
        control = torch.tensor([[-a.control.steer, 0.0 if a.control.reverse else a.control.throttle,
                                 1.0 if a.control.hand_brake else a.control.brake] for a in vehicles])
        friction = torch.tensor([self.friction_at(a) for a in vehicles])
        step_ego(state, control, friction, self.dt_s)
        for actor, values in zip(vehicles, torch.stack([getattr(state, name) for name in names], 1).tolist()):
            for name, value in zip(names, values):
                setattr(actor, name, value)

    def friction_at(self, vehicle: WireActor) -> float:
        """Road friction mu under a vehicle: a friction trigger's value where one covers it,
        else the dry road scaled by the weather's wetness."""
        for trigger in self.actors.values():
            if trigger.role != "friction":
                continue
            extent_x = float(trigger.description.attribute("extent_x", "1"))
            extent_y = float(trigger.description.attribute("extent_y", "1"))
            dx, dy = vehicle.x_m - trigger.x_m, vehicle.y_m - trigger.y_m
            c, s = math.cos(trigger.yaw_rad), math.sin(trigger.yaw_rad)
            if abs(c * dx + s * dy) <= extent_x and abs(-s * dx + c * dy) <= extent_y:
                return float(trigger.description.attribute("friction", "1"))
        return weather_friction(self.weather.wetness, 0.0)

    def _contacts(self) -> list[Contact]:
        sensors = [a for a in self.actors.values() if a.role == "collision" and a.parent in self.actors]
        solids = [a for a in self.actors.values() if a.role in SOLID_ROLES and not a.parent]
        contacts = []
        for sensor in sensors:
            owner = self.actors[sensor.parent]
            others = [a for a in solids if a.id != owner.id]
            if not others:
                continue
            boxes = tuple(torch.tensor(values, dtype=torch.float32) for values in zip(*(a.box() for a in others)))
            mine = tuple(torch.full((len(others),), value, dtype=torch.float32) for value in owner.box())
            hit = boxes_overlap(mine, boxes)
            for other, touching in zip(others, hit.tolist()):
                if touching:
                    relative = math.hypot(other.velocity[0] - owner.velocity[0], other.velocity[1] - owner.velocity[1])
                    contacts.append(Contact(sensor.id, owner.id, other.id, relative))
        return contacts

    def touching_pairs(self) -> list[tuple[int, int]]:
        """Every pair of free solid actors (ids, lower first) whose boxes overlap now."""
        solids = [a for a in self.actors.values() if a.role in SOLID_ROLES and not a.parent]
        if len(solids) < 2:
            return []
        first, second = torch.triu_indices(len(solids), len(solids), offset=1)
        boxes = torch.tensor([a.box() for a in solids], dtype=torch.float32)
        hit = boxes_overlap(tuple(boxes[first].unbind(1)), tuple(boxes[second].unbind(1)))
        return [(solids[i].id, solids[j].id) for i, j in zip(first[hit].tolist(), second[hit].tolist())]

    def render(self, camera: WireActor) -> np.ndarray:
        """The camera's frame, uint8 [H, W, 4] BGRA (CARLA's layout), drawn with the embedded
        renderer: an RGB, depth, semantic or instance segmentation image, by the camera's role."""
        if camera.id not in self._renderers:
            from sim.render.renderer import Renderer
            self._renderers[camera.id] = Renderer(self.bank.graphs, camera.camera, 1, IMAGE_OF_ROLE[camera.role])
        return self._renderers[camera.id].render_bgra(self._scene(camera))[0]

    def world_velocity(self, actor: WireActor) -> tuple[float, float]:
        """(vx, vy) m/s in the world; attached actors move with their parent."""
        if actor.parent:
            return self.world_velocity(self.actors[actor.parent])
        if actor.role == "vehicle" and actor.physics:
            return actor.speed_mps * math.cos(actor.yaw_rad), actor.speed_mps * math.sin(actor.yaw_rad)
        return actor.velocity

    def _obstacles(self) -> Obstacles:
        """What rays can hit: the solid actors free in the world, then the map's buildings."""
        solids = [a for a in self.actors.values() if a.role in SOLID_ROLES and not a.parent]
        actors = Obstacles(np.array([a.id for a in solids], dtype=np.uint32),
                           np.array([int(ACTOR_TAG.get(a.blueprint.kind, Tag.UNLABELED)) for a in solids],
                                    dtype=np.uint32),
                           torch.tensor([self.world_velocity(a) for a in solids], dtype=torch.float32).reshape(-1, 2),
                           Boxes.of([(a.x_m, a.y_m, a.yaw_rad, *a.blueprint.size_m) for a in solids]))
        return actors.then(self._buildings()[1])

    def _buildings(self) -> tuple[list[Building], Obstacles]:
        """The map's buildings, and as obstacles (standing still, part of the map): laid out
        once per map, not for every sensor every tick."""
        if self.template not in self._building_cache:
            buildings = roadside_layout(self.bank.graphs[self.template_index]).buildings
            count = len(buildings)
            obstacles = Obstacles(np.zeros(count, dtype=np.uint32), np.full(count, int(Tag.BUILDINGS), dtype=np.uint32),
                                  torch.zeros(count, 2), Boxes.of([(b.x_m, b.y_m, b.heading_rad, b.length_m,
                                                                    b.depth_m, b.height_m) for b in buildings]))
            self._building_cache[self.template] = buildings, obstacles
        return self._building_cache[self.template]

    def _sensor_pose(self, sensor: WireActor) -> SensorPose:
        x, y, z, yaw = self.world_pose(sensor)
        return SensorPose((x, y, z), yaw, math.radians(sensor.pitch_deg), self.world_velocity(sensor))

    def lidar_scan(self, sensor: WireActor) -> tuple[LidarScan, np.ndarray, np.ndarray]:
        """This tick's sweep of a lidar, and the CARLA actor id (0: the map) and semantic tag
        of each point [P] (uint32)."""
        obstacles = self._obstacles()
        scan = sensor.ranging.scan(self._sensor_pose(sensor), obstacles.boxes, self.dt_s)
        return scan, *self._owners(obstacles, scan.box, scan.world_points)

    def _owners(self, obstacles: Obstacles, box: torch.Tensor, points: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The CARLA actor id (0: the map) and semantic tag [P] (uint32) of hits on boxes box [P]
        (or the ground, GROUND) at points [P, 3]."""
        index = box.numpy()
        on_box = index >= 0
        safe = np.maximum(index, 0)
        ids = np.where(on_box, obstacles.ids[safe] if len(obstacles.ids) else 0, 0)
        tags = np.where(on_box, obstacles.tags[safe] if len(obstacles.tags) else 0, self._ground_tags(points[:, :2]))
        return ids.astype(np.uint32), tags.astype(np.uint32)

    def _ground_tags(self, xy: torch.Tensor) -> np.ndarray:
        """The semantic tag of the ground at points xy [P, 2]: sidewalk, road, or terrain off the lanes."""
        lane = self.bank.lane_at(torch.tensor(self.template_index), xy)
        kind = self.bank.lane_type[lane.clamp_min(0)]
        tag = torch.where(kind == LANE_TYPE_CODES["sidewalk"], int(Tag.SIDEWALKS), int(Tag.ROADS))
        return torch.where(lane >= 0, tag, int(Tag.TERRAIN)).numpy()

    def radar_scan(self, sensor: WireActor) -> RadarScan:
        """This tick's detections of a radar."""
        obstacles = self._obstacles()
        return sensor.ranging.scan(self._sensor_pose(sensor), obstacles.boxes, obstacles.velocity, self.dt_s)

    def cast(self, start: tuple[float, float, float], end: tuple[float, float, float],
             first_only: bool) -> list[tuple[tuple[float, float, float], int]]:
        """What the segment start -> end (m, world) meets, nearest first, as (point, semantic
        tag): everything along it, or only the first hit."""
        obstacles = self._obstacles()
        origin, target = torch.tensor([start]), torch.tensor([end])
        length = float((target - origin).norm())
        if length == 0.0:
            return []
        hits = ray_hits_along(origin[0], (target - origin)[0] / length, length, obstacles.boxes, first_only)
        _, tags = self._owners(obstacles, hits.actor, hits.point)
        return [(tuple(point), int(tag)) for point, tag in zip(hits.point.tolist(), tags.tolist())]

    def level_boxes(self) -> list[tuple[str, int, tuple[float, ...]]]:
        """The map's static objects: (name, semantic tag, box (x, y, z centre, yaw, length,
        width, height) in the world): its buildings, then its traffic lights' poles."""
        boxes = [(f"Building_{k}", int(Tag.BUILDINGS), (b.x_m, b.y_m, 0.5 * b.height_m, b.heading_rad, b.length_m,
                                                        b.depth_m, b.height_m))
                 for k, b in enumerate(self._buildings()[0])]
        length, width, height = TRAFFIC_LIGHT_SIZE_M
        boxes += [(f"TrafficLight_{light.actor_id}", int(Tag.TRAFFIC_LIGHT),
                   (*light.placed.pole_xy, 0.5 * height, light.pole_yaw_rad, length, width, height))
                  for light in self.lights.values()]
        return boxes

    def _scene(self, camera: WireActor) -> SceneBatch:
        """What the camera sees, from its parent's pose (its own where it has none): every solid
        actor but the parent it sits inside (a chase camera behind its car sees the car)."""
        base = self.actors[camera.parent] if camera.parent else camera
        x, y, _, yaw = self.world_pose(base)
        inside = bool(camera.parent) and not mounted_outside(camera.camera, base.blueprint.size_m)
        others = [a for a in self.actors.values()
                  if a.role in SOLID_ROLES and not a.parent and not (inside and a.id == base.id)]
        count = max(len(others), 1)
        kind = torch.zeros(1, count, dtype=torch.int64)
        pose, size, colour = torch.zeros(1, count, 3), torch.ones(1, count, 3), torch.full((1, count, 3), 0.5)
        door = torch.zeros(1, count, dtype=torch.bool)
        label = torch.zeros(1, count, dtype=torch.int64)
        for i, actor in enumerate(others):
            kind[0, i] = int(actor.blueprint.kind)
            pose[0, i] = torch.tensor([actor.x_m, actor.y_m, actor.yaw_rad])
            size[0, i] = torch.tensor(actor.blueprint.size_m)
            colour[0, i] = torch.tensor(actor.colour)
            door[0, i] = actor.door_open
            label[0, i] = int(ACTOR_TAG.get(actor.blueprint.kind, Tag.UNLABELED)) + 256 * actor.id
        lights = torch.tensor([[light.state(self.time_s) for light in self.lights.values()] or [-1]])
        return SceneBatch(map_index=torch.tensor([self.template_index]),
                          ego_pose=torch.tensor([[x, y, yaw]], dtype=torch.float32),
                          actor_kind=kind, actor_pose=pose, actor_size=size, actor_colour=colour,
                          actor_door_open=door, light_state=lights,
                          weather=torch.tensor([as_vector(self.weather)], dtype=torch.float32),
                          time_s=torch.tensor([self.time_s], dtype=torch.float32),
                          seed=torch.tensor([self.episode_id]), actor_label=label)

    def speed_limit_kmh(self, actor: WireActor) -> float:
        """The limit of the lane under the actor (0 off the lanes), looked up again once it has
        moved SPEED_LIMIT_LOOKUP_M: in CARLA, too, a vehicle's limit is that of the last sign
        it passed, not of the point it is at, and a lookup every tick cost ~0.2 ms of it."""
        x, y, kmh = self._speed_limits.get(actor.id, (math.inf, math.inf, 0.0))
        if math.hypot(actor.x_m - x, actor.y_m - y) >= SPEED_LIMIT_LOOKUP_M:
            lane = int(self.bank.lane_at(torch.tensor(self.template_index), torch.tensor([actor.x_m, actor.y_m])))
            kmh = float(self.bank.lane_speed_limit_mps[lane]) * 3.6 if lane >= 0 else 0.0
            self._speed_limits[actor.id] = (actor.x_m, actor.y_m, kmh)
        return kmh

    def close(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()
        self._renderers.clear()

