"""The carla backend: episodes driven on a CARLA server (real, or `nines serve-carla`)
through the real `carla` 0.9.16 client.

`CarlaWorld` is a `BatchedWorld` of one slot whose ego, camera and collisions come from the
server. Each tick the scripted actors move here first, by the same behaviour code as in the
embedded simulator, and are placed on the server with physics off (as CARLA's scenario and
co-simulation tools drive scripted actors); then the ego's control goes out, the server
ticks in synchronous mode, and the ego's transform, the camera image of that frame and the
collision sensor's contacts come back. Off-road, wrong-way, red-light, route and km are
measured here from the ego's transform and the map, as the Leaderboard's criteria are.

A server that stops answering raises `InfrastructureError`: never a driving failure; the
runner reconnects (`reconnect`, with backoff) and retries the episode.
"""
from __future__ import annotations

import ctypes
import math
import queue
import time
from dataclasses import dataclass

import numpy as np
import torch

from sim.actor_kinds import CHILD_SIZE_M, ActorKind
from sim.carla_catalogue import closest_vehicle
from sim.carla_frame import from_carla, to_carla, vector_from_carla, vector_to_carla
from sim.carla_weather import to_carla as weather_to_carla
from sim.carla_weather import untranslatable
from sim.ego_dynamics import EGO_HEIGHT_M, EGO_LENGTH_M, EGO_WIDTH_M
from sim.episode_spec import EpisodeSpec
from sim.events import EventRecord
from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr
from sim.world import BatchedWorld, WorldConfig

# vehicles: the CARLA model whose box is closest to the simulated one (the ego's, an actor's)
EGO_BLUEPRINT = closest_vehicle(ActorKind.CAR, (EGO_LENGTH_M, EGO_WIDTH_M, EGO_HEIGHT_M)).id
OTHER_BLUEPRINTS = {ActorKind.PEDESTRIAN: "walker.pedestrian.0001", ActorKind.CONE: "static.prop.trafficcone01",
                    ActorKind.BARRIER: "static.prop.streetbarrier", ActorKind.DEBRIS: "static.prop.dirtdebris01"}
CHILD_BLUEPRINT = "walker.pedestrian.0009"
SPAWN_Z_M = 0.5  # CARLA drops spawned vehicles onto the road from just above it
WARM_UP_TICKS = 2  # the camera's stream connects after listen(); the Leaderboard ticks 10
IMAGE_WAIT_S = 10.0

# LibCarla's streaming client closes a sensor stream's socket on the calling thread (in
# sensor.stop() and in a listening sensor's destructor) while its own io thread may be closing
# the same socket to reconnect. After a server failure every stream reconnects in a loop, and
# that race aborts the whole process ("close: Bad file descriptor"). So the actors and client
# of a failed connection are never stopped or freed: they are kept here, and this list is
# never freed either, not even when the interpreter exits.
_FAILED_CONNECTIONS: list = []
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_FAILED_CONNECTIONS))


class InfrastructureError(Exception):
    """The server failed (timeout, crash, lost connection): the episode did not really run."""


@dataclass(frozen=True)
class CarlaEndpoint:
    host: str = "127.0.0.1"
    port: int = 2000
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 1.0


class CarlaWorld(BatchedWorld):
    """One slot on a CARLA server; everything else is `BatchedWorld`'s."""

    def __init__(self, config: WorldConfig, endpoint: CarlaEndpoint):
        if config.batch_size != 1:
            raise ValueError("the carla backend drives one episode per server: batch_size must be 1")
        super().__init__(config)
        self.endpoint = endpoint
        self._client = None
        self._carla_world = None
        self._spawned: list = []
        self._ego = None
        self._images: queue.Queue = queue.Queue()
        self._contacts_seen: queue.Queue = queue.Queue()
        self._crossings: queue.Queue = queue.Queue()
        self._actor_ids: dict[int, int] = {}
        self._doors: set[int] = set()
        self._frame_rgb: torch.Tensor | None = None
        self._sensor_events: list[EventRecord] = []
        self.reconnect()

    # -- connection ----------------------------------------------------------------------
    def reconnect(self) -> None:
        """Connect (again), trying `retries` times with doubling back-off."""
        import carla

        if self._client is not None:
            _FAILED_CONNECTIONS.append((self._client, self._carla_world, self._spawned))
            self._client, self._carla_world, self._spawned, self._ego = None, None, [], None
        delay = self.endpoint.backoff_s
        for attempt in range(self.endpoint.retries + 1):
            try:
                client = carla.Client(self.endpoint.host, self.endpoint.port)
                client.set_timeout(self.endpoint.timeout_s)
                client.get_server_version()
                self._client, self._spawned, self._ego = client, [], None
                return
            except RuntimeError as exc:
                if attempt == self.endpoint.retries:
                    raise InfrastructureError(f"no CARLA server at {self.endpoint.host}:{self.endpoint.port} "
                                              f"after {attempt + 1} tries: {exc}") from exc
                time.sleep(delay)
                delay *= 2

    def _guarded(self, what: str, work):
        try:
            return work()
        except (RuntimeError, queue.Empty) as exc:
            raise InfrastructureError(f"CARLA server failed while {what}: {exc or 'no data'}") from exc

    # -- episodes ------------------------------------------------------------------------
    def load(self, slot: int, spec: EpisodeSpec) -> None:
        super().load(slot, spec)
        self._guarded("setting up the episode", lambda: self._set_up(spec))

    def _set_up(self, spec: EpisodeSpec) -> None:
        import carla

        self._destroy_actors()
        self.notes.update(f"weather field '{name}' has no CARLA counterpart: not shown"
                          for name in untranslatable(spec.weather))
        self._carla_world = self._client.generate_opendrive_world(
            to_xodr(TEMPLATES[spec.template]()), carla.OpendriveGenerationParameters())
        world = self._carla_world
        settings = world.get_settings()
        settings.synchronous_mode, settings.fixed_delta_seconds = True, self.config.dt_s
        world.apply_settings(settings)
        world.set_weather(carla.WeatherParameters(*weather_to_carla(spec.weather)))
        library = world.get_blueprint_library()
        ego_bp = library.find(EGO_BLUEPRINT)
        ego_bp.set_attribute("role_name", "hero")
        self._ego = self._spawn(world, ego_bp, self._transform(float(self.ego.x_m[0]), float(self.ego.y_m[0]),
                                                               SPAWN_Z_M, float(self.ego.yaw_rad[0])))
        self._attach_sensors(world, library)
        self._spawn_actors(world, library)
        self._spawn_friction(world, library, float(self.friction[0]))
        self._drain()
        for _ in range(WARM_UP_TICKS):
            world.tick()
        if self.config.camera is not None:
            self._latest_image(world.get_snapshot().frame)
        self._drain_contacts()
        speed = float(self.ego.speed_mps[0])
        yaw = float(self.ego.yaw_rad[0])
        self._ego.set_target_velocity(carla.Vector3D(*vector_to_carla(speed * math.cos(yaw), speed * math.sin(yaw))))
        self._sensor_events = []

    def _spawn(self, world, blueprint, transform, parent=None):
        actor = world.spawn_actor(blueprint, transform, attach_to=parent)
        self._spawned.append(actor)
        return actor

    def _transform(self, x_m: float, y_m: float, z_m: float, yaw_rad: float, pitch_deg: float = 0.0):
        import carla

        location, rotation = to_carla(x_m, y_m, z_m, yaw_rad, pitch_deg)
        return carla.Transform(carla.Location(*location), carla.Rotation(*rotation))

    def _attach_sensors(self, world, library) -> None:
        import carla

        cam = self.config.camera
        if cam is not None:
            bp = library.find("sensor.camera.rgb")
            for name, setting in (("image_size_x", cam.width), ("image_size_y", cam.height), ("fov", cam.fov_deg)):
                bp.set_attribute(name, str(setting))
            mount = self._transform(cam.mount_x_m, cam.mount_y_m, cam.mount_z_m, 0.0, cam.pitch_deg)
            self._spawn(world, bp, mount, self._ego).listen(self._images.put)
        collision = self._spawn(world, library.find("sensor.other.collision"), carla.Transform(), self._ego)
        collision.listen(lambda event: self._contacts_seen.put((event.frame, event.other_actor.id)))
        lanes = self._spawn(world, library.find("sensor.other.lane_invasion"), carla.Transform(), self._ego)
        lanes.listen(lambda event: self._crossings.put(
            (event.frame, ",".join(str(m.type) for m in event.crossed_lane_markings))))

    def _spawn_actors(self, world, library) -> None:
        """The slot's actors, placed where the script world has them, physics off."""
        self._actor_ids, self._doors = {}, set()
        a = self.actors
        for index in torch.nonzero(a.active[0]).flatten().tolist():
            kind = ActorKind(int(a.kind[0, index]))
            size = tuple(round(float(v), 2) for v in (a.length_m[0, index], a.width_m[0, index], a.height_m[0, index]))
            bp = library.find(CHILD_BLUEPRINT if size == CHILD_SIZE_M else OTHER_BLUEPRINTS[kind]
                              if kind in OTHER_BLUEPRINTS else closest_vehicle(kind, size).id)
            if bp.has_attribute("color"):
                bp.set_attribute("color", ",".join(str(int(255 * float(c))) for c in a.colour[0, index]))
            actor = self._spawn(world, bp, self._transform(float(a.x_m[0, index]), float(a.y_m[0, index]),
                                                           SPAWN_Z_M, float(a.yaw_rad[0, index])))
            actor.set_simulate_physics(False)
            self._actor_ids[actor.id] = index

    def _spawn_friction(self, world, library, friction: float) -> None:
        """A friction trigger over the whole map: CARLA's way to set the road's grip."""
        bp = library.find("static.trigger.friction")
        bp.set_attribute("friction", str(friction))
        for name in ("extent_x", "extent_y"):
            bp.set_attribute(name, "100000")
        self._spawn(world, bp, self._transform(0.0, 0.0, 0.0, 0.0))

    def _destroy_actors(self) -> None:
        for actor in reversed(self._spawned):
            if actor.type_id.startswith("sensor."):
                actor.stop()
            actor.destroy()
        self._spawned, self._ego = [], None

    def _drain(self) -> None:
        for stream in (self._images, self._contacts_seen, self._crossings):
            while not stream.empty():
                stream.get_nowait()

    # -- ticking -------------------------------------------------------------------------
    def _advance_ego(self, control: torch.Tensor, running: torch.Tensor) -> None:
        if not bool(running[0]):
            return
        self._guarded("ticking", lambda: self._tick(control[0].tolist()))

    def _tick(self, control: list[float]) -> None:
        import carla

        self._place_actors()
        steer, throttle, brake = control
        # CARLA steers right positive; ours left positive
        self._ego.apply_control(carla.VehicleControl(throttle=float(throttle), steer=float(-steer),
                                                     brake=float(brake)))
        frame = self._carla_world.tick()
        transform, velocity = self._ego.get_transform(), self._ego.get_velocity()
        x, y, _, yaw = from_carla((transform.location.x, transform.location.y, transform.location.z),
                                  (transform.rotation.pitch, transform.rotation.yaw, transform.rotation.roll))
        vx, vy, _ = vector_from_carla((velocity.x, velocity.y, velocity.z))
        for name, number in (("x_m", x), ("y_m", y), ("yaw_rad", yaw),
                             ("speed_mps", max(vx * math.cos(yaw) + vy * math.sin(yaw), 0.0))):
            getattr(self.ego, name)[0] = number
        if self.config.camera is not None:
            self._latest_image(frame)
        self._collect_crossings()

    def _place_actors(self) -> None:
        """Scripted actors to where the behaviour code moved them (and their doors)."""
        import carla

        a = self.actors
        for actor in self._spawned:
            index = self._actor_ids.get(actor.id)
            if index is None:
                continue
            actor.set_transform(self._transform(float(a.x_m[0, index]), float(a.y_m[0, index]), 0.0,
                                                float(a.yaw_rad[0, index])))
            if bool(a.door_open[0, index]) and index not in self._doors:
                actor.open_door(carla.VehicleDoor.FL)
                self._doors.add(index)

    def _latest_image(self, frame: int) -> None:
        """Wait for the camera image of `frame` (older ones are dropped)."""
        deadline = time.monotonic() + IMAGE_WAIT_S
        while True:
            image = self._images.get(timeout=max(deadline - time.monotonic(), 0.01))
            if image.frame >= frame:
                bgra = np.frombuffer(image.raw_data, dtype=np.uint8).reshape(image.height, image.width, 4)
                self._frame_rgb = torch.from_numpy(bgra[..., 2::-1].copy())
                return

    def _contacts(self, boxes: tuple[torch.Tensor, ...], gap: torch.Tensor) -> torch.Tensor:
        """The collision sensor's contacts of this tick, as the actors they touched (the
        server decides contact: boxes and gap are not needed)."""
        touched = torch.zeros_like(self.actors.active)
        for _, other in self._drain_contacts():
            if other in self._actor_ids:
                touched[0, self._actor_ids[other]] = True
        return touched

    def _drain_contacts(self) -> list[tuple[int, int]]:
        seen = []
        while not self._contacts_seen.empty():
            seen.append(self._contacts_seen.get_nowait())
        return seen

    def _collect_crossings(self) -> None:
        time_s = float(self.stats.time_s[0])
        while not self._crossings.empty():
            _, markings = self._crossings.get_nowait()
            self._sensor_events.append(EventRecord(time_s, "lane_invasion", markings))

    def drain_sensor_events(self) -> list[EventRecord]:
        events, self._sensor_events = self._sensor_events, []
        return events

    def render(self) -> torch.Tensor:
        """The server's camera image of the current frame, [1, H, W, 3] uint8 RGB."""
        return self._frame_rgb.unsqueeze(0)

    def close(self) -> None:
        try:
            if self._client is not None:
                self._destroy_actors()
                if self._carla_world is not None:
                    settings = self._carla_world.get_settings()
                    settings.synchronous_mode = False
                    self._carla_world.apply_settings(settings)
        except RuntimeError:
            pass  # a dead server has nothing left to clean
        super().close()
