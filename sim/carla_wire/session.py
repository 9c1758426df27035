"""The RPC methods of the wire server: each CARLA 0.9.16 call a client makes, answered from
a `WireWorld`. Positions cross `sim.carla_frame` here and nowhere else in the server.

`call` takes a decoded request and returns the msgpack-ready result (None for async calls).
Ticks publish the world state and sensor data through `publish(stream_id, payload)`.
"""
from __future__ import annotations

import hashlib
import math
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from sim.carla_frame import from_carla, to_carla, to_compass, to_gnss, vector_from_carla, vector_to_carla
from sim.carla_weather import from_carla as weather_from_carla
from sim.carla_weather import to_carla as weather_to_carla
from sim.carla_wire import physics_control, stream_frames
from sim.carla_wire.blueprints import CAMERA_ROLES, Blueprint, definitions, library
from sim.carla_wire.messages import (CARLA_VERSION, Actor, ActorDescription, EpisodeSettings, Transform,
                                     VehicleControl, WalkerControl, WireError, error, value, void, void_error)
from sim.carla_wire.recorder import CATEGORIES, Recorder, Recording, Replay
from sim.carla_wire.wire_lights import carla_state
from sim.carla_wire.wire_world import Contact, WireActor, WireWorld
from sim.ego_dynamics import GRAVITY_MPS2
from sim.lane_graph import LaneGraph
from sim.map_catalog import load_map
from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr
from sim.opendrive_import import MapImportError, parse_xodr
from sim.render.labels import ACTOR_TAG, Tag

WORLD_STREAM = 1
STREAMED_ROLES = (*CAMERA_ROLES, "collision", "gnss", "imu", "lidar", "semantic_lidar", "radar")
CAMERA_STREAM = {"camera": stream_frames.RGB_CAMERA, "depth_camera": stream_frames.DEPTH_CAMERA,
                 "semantic_camera": stream_frames.SEMANTIC_CAMERA, "instance_camera": stream_frames.INSTANCE_CAMERA}
SENSOR_STREAM_BASE = 1000
SPAWN_POINT_SPACING_M = 25.0
TRIGGER_HALF_HEIGHT_M = 1.0
ANY_TAG = 255  # carla.CityObjectLabel.Any
LAMP_HEIGHT_M, LAMP_HALF_EXTENT_M = 3.6, (0.2, 0.2, 0.6)  # a light's lamps: centre above the pole's foot
MAP_PREFIX = "/Game/nines/Maps/"
OPENDRIVE_MAP = "OpenDriveMap"  # the map name CARLA gives a world generated from OpenDRIVE
# CARLA methods whose answer is Response<void>: their errors take that shape
VOID_METHODS = {"load_new_episode", "stop_recorder", "stop_replayer", "copy_opendrive_to_file",
                "reset_all_traffic_lights", "freeze_all_traffic_lights",
                "set_actor_simulate_physics", "load_map_layer", "unload_map_layer", "set_traffic_light_state",
                "freeze_traffic_light", "set_traffic_light_green_time", "set_traffic_light_yellow_time",
                "set_traffic_light_red_time", "reset_group_traffic_lights", "apply_physics_control",
                "add_actor_impulse", "add_actor_force"}


def _is_0916_call(params: list) -> bool:
    """0.9.16 clients prepend [is_async] to every call; other versions do not."""
    return bool(params) and isinstance(params[0], list) and len(params[0]) == 1 and isinstance(params[0][0], bool)


def client_map_name(name: str) -> str:
    """The name a CARLA client sees for a map: an .xodr path's file name without .xodr."""
    return Path(name).stem if name.endswith(".xodr") else name


class Session:
    """What one server process serves: the world, the blueprints, the settings and streams."""

    def __init__(self, world: WireWorld, stream_port: int, publish: Callable[[int, bytes | list], None],
                 camera_size: tuple[int, int] = (800, 600), extra_maps: tuple[str, ...] = ()):
        self.world = world
        self.stream_port = stream_port
        self.publish = publish
        self.blueprints = {bp.id: bp for bp in library(camera_size)}  # by id
        self._definitions = definitions(list(self.blueprints.values()))
        self.settings = EpisodeSettings()
        self.subscribed: set[int] = set()  # stream ids with a client reading them (kept by the server)
        self.traffic_managers: dict[int, str] = {}
        self.recorder: Recorder | None = None
        self.replay: Replay | None = None
        self._opendrive_template = ""
        self._generated = Path(tempfile.mkdtemp(prefix="nines-opendrive-"))
        self.maps = {client_map_name(name): name for name in (*TEMPLATES, world.template, *extra_maps)}
        self.xodr = {client: to_xodr(load_map(name)) for client, name in self.maps.items()}
        self.methods: dict[str, Callable] = {
            name[len("rpc_"):]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")}

    def call(self, method: str, params: list):
        """One request -> its result, or None when the client does not wait (async calls)."""
        if not _is_0916_call(params):
            return error(f"nines serve-carla speaks CARLA {CARLA_VERSION}'s protocol only; this client's "
                         f"calls have another layout: install carla=={CARLA_VERSION}")
        is_async, args = params[0][0], params[1:]
        handler = self.methods.get(method)
        if handler is None:
            message = f"nines serve-carla does not implement the CARLA RPC method '{method}'"
            return None if is_async else void_error(message) if method in VOID_METHODS else error(message)
        try:
            result = handler(*args)
        except WireError as exc:
            result = void_error(str(exc)) if method in VOID_METHODS else error(str(exc))
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            result = error(f"bad arguments to '{method}': {exc}")
        if is_async:
            return None
        # setters answer nothing when called async; 0.9.16 calls some of them waiting for Response<void>
        return void() if result is None else result

    # -- episode, map and settings -------------------------------------------------------
    def rpc_version(self):
        return value(CARLA_VERSION)

    def rpc_get_episode_info(self):
        return value([self.world.episode_id, [stream_frames.token(WORLD_STREAM, self.stream_port)]])

    def rpc_get_map_info(self):
        spawns = [self._transform(x, y, 0.5, yaw).pack() for x, y, yaw in self._spawn_points()]
        return value([MAP_PREFIX + client_map_name(self.world.template), spawns])

    def _spawn_points(self) -> list[tuple[float, float, float]]:
        """Every SPAWN_POINT_SPACING_M along the driving lanes outside junctions."""
        graph: LaneGraph = self.world.bank.graphs[self.world.template_index]
        points = []
        for lane in graph.lanes:
            if lane.type != "driving" or lane.in_junction:
                continue
            s = lane.s_m
            for target in range(5, int(s[-1]) - 5, int(SPAWN_POINT_SPACING_M)):
                k = min(int((s < target).sum()), len(s) - 1)
                points.append((float(lane.centre_xy[k, 0]), float(lane.centre_xy[k, 1]), float(lane.heading_rad[k])))
        return points

    def rpc_get_map_data(self):
        return value(self.xodr[client_map_name(self.world.template)])

    def rpc_get_required_files(self, *_):
        return value([])

    def rpc_get_available_maps(self):
        return value([MAP_PREFIX + name for name in self.maps])

    def rpc_load_new_episode(self, map_name: str, *_):
        """load_world; reload_world sends no name: the map loaded now, afresh."""
        if not map_name:
            self.world.load(self.world.template)
            return void()
        name = map_name.rsplit("/", 1)[-1]
        if name == OPENDRIVE_MAP and self._opendrive_template:
            name = self._opendrive_template
        if name not in self.maps:
            raise WireError(f"map '{map_name}' not found; this server has {', '.join(self.maps)}")
        self.world.load(self.maps[name])
        return void()

    def rpc_copy_opendrive_to_file(self, opendrive: str, *_):
        """generate_opendrive_world, part one (load_new_episode('OpenDriveMap') follows): a
        document the server knows loads that map; any other is imported as a new map."""
        text = str(opendrive)
        name = next((n for n, known in self.xodr.items() if known.strip() == text.strip()), None)
        if name is None:
            path = self._generated / f"opendrive-{hashlib.sha256(text.encode()).hexdigest()[:12]}.xodr"
            try:
                parse_xodr(text.encode(), "the client's OpenDRIVE", path.stem)
            except MapImportError as error:
                raise WireError(str(error)) from None
            path.write_text(text, encoding="utf-8")
            name = client_map_name(str(path))
            self.maps[name], self.xodr[name] = str(path), text
        self._opendrive_template = name
        return void()

    def rpc_get_episode_settings(self):
        return value(self.settings.pack())

    def rpc_set_episode_settings(self, raw: list):
        self.settings = EpisodeSettings.unpack(raw)
        if self.settings.fixed_delta_seconds:
            self.world.dt_s = float(self.settings.fixed_delta_seconds)
        return value(self.world.frame)

    def rpc_get_weather_parameters(self):
        return value(list(weather_to_carla(self.world.weather)))

    def rpc_set_weather_parameters(self, raw: list):
        self.world.weather = weather_from_carla(raw)

    def rpc_get_actor_definitions(self):
        return value([d.pack() for d in self._definitions])

    def rpc_get_spectator(self):
        return value(Actor(0, 0, ActorDescription(0, "spectator"), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)).pack())

    def rpc_get_vehicle_light_states(self):
        return value([])

    def rpc_query_lights_state(self, *_):
        return value([])

    # -- traffic lights ------------------------------------------------------------------
    def rpc_reset_all_traffic_lights(self):
        for light in self.world.lights.values():
            light.reset()

    def rpc_freeze_all_traffic_lights(self, frozen: bool):
        for light in self.world.lights.values():
            light.freeze(bool(frozen), self.world.time_s)

    def rpc_set_traffic_light_state(self, actor_id: int, state: int):
        self.world.light(int(actor_id)).set_state(carla_state(int(state)), self.world.time_s)

    def rpc_freeze_traffic_light(self, actor_id: int, frozen: bool):
        self.world.light(int(actor_id)).freeze(bool(frozen), self.world.time_s)

    def rpc_set_traffic_light_green_time(self, actor_id: int, seconds: float):
        self.world.light(int(actor_id)).green_s = float(seconds)

    def rpc_set_traffic_light_yellow_time(self, actor_id: int, seconds: float):
        self.world.light(int(actor_id)).yellow_s = float(seconds)

    def rpc_set_traffic_light_red_time(self, actor_id: int, seconds: float):
        self.world.light(int(actor_id)).red_s = float(seconds)

    def _group(self, actor_id: int) -> list[int]:
        """The lights of the junction `actor_id`'s light leads into (itself alone off junctions)."""
        junction = self.world.light(actor_id).placed.junction
        return [i for i, light in self.world.lights.items()
                if i == actor_id or (junction >= 0 and light.placed.junction == junction)]

    def rpc_get_group_traffic_lights(self, actor_id: int):
        return value(self._group(int(actor_id)))

    def rpc_reset_group_traffic_lights(self, actor_id: int):
        for light_id in self._group(int(actor_id)):
            self.world.lights[light_id].reset()

    def rpc_get_light_boxes(self, actor_id: int):
        """The lamps' box, in the world, as CARLA's get_light_boxes."""
        actor = self.world.actors[self.world.light(int(actor_id)).actor_id]
        location, rotation = to_carla(actor.x_m, actor.y_m, LAMP_HEIGHT_M, actor.yaw_rad)
        return value([[list(location), list(LAMP_HALF_EXTENT_M), list(rotation), actor.id]])

    def rpc_is_traffic_manager_running(self, port: int):
        return value(int(port) in self.traffic_managers)

    def rpc_get_traffic_manager_running(self, port: int):
        """The (host, port) a Traffic Manager registered under `port`. A client that
        finds it gone (its script ended) destroys the entry and starts its own, as with CARLA."""
        host = self.traffic_managers.get(int(port), "")
        return value([host, int(port) if host else 0])

    def rpc_add_traffic_manager_running(self, endpoint: list):
        self.traffic_managers[int(endpoint[1])] = str(endpoint[0])
        return value(True)

    def rpc_destroy_traffic_manager(self, port: int):
        return value(self.traffic_managers.pop(int(port), None) is not None)

    # -- actors --------------------------------------------------------------------------
    def _blueprint(self, description: ActorDescription) -> Blueprint:
        if description.id not in self.blueprints:
            raise WireError(f"spawn failed: no blueprint '{description.id}' on this server")
        return self.blueprints[description.id]

    def rpc_spawn_actor(self, description: list, transform: list):
        return self._spawn(description, transform, 0)

    def rpc_spawn_actor_with_parent(self, description: list, transform: list, parent: int, *_):
        return self._spawn(description, transform, int(parent))

    def _spawn(self, raw_description: list, raw_transform: list, parent: int):
        return value(self._actor(self._spawned(raw_description, raw_transform, parent)).pack())

    def _spawned(self, raw_description: list, raw_transform: list, parent: int) -> WireActor:
        description = ActorDescription.unpack(raw_description)
        transform = Transform.unpack(raw_transform)
        x, y, z, yaw = from_carla(transform.location, transform.rotation)
        actor = self.world.spawn(self._blueprint(description), description, (x, y, z, yaw),
                                 transform.rotation[0], parent)
        actor.stream_id = SENSOR_STREAM_BASE + actor.id
        return actor

    def _actor(self, actor: WireActor) -> Actor:
        if actor.role == "traffic_light":  # its bounding box is its trigger volume, as in CARLA
            (x, y), (half_x, half_y) = self.world.light(actor.id).trigger_in_actor_frame()
            return Actor(actor.id, 0, actor.description, (x, -y, TRIGGER_HALF_HEIGHT_M),
                         (half_x, half_y, TRIGGER_HALF_HEIGHT_M), bytes([Tag.TRAFFIC_LIGHT]))
        length, width, height = actor.blueprint.size_m
        tags = bytes([ACTOR_TAG[actor.blueprint.kind]]) if actor.blueprint.kind in ACTOR_TAG else b""
        token = stream_frames.token(actor.stream_id, self.stream_port) if actor.role in STREAMED_ROLES else b""
        return Actor(actor.id, actor.parent, actor.description, (0.0, 0.0, 0.5 * height),
                     (0.5 * length, 0.5 * width, 0.5 * height), tags, token)

    def rpc_get_actors_by_id(self, ids: list):
        return value([self._actor(self.world.actors[i]).pack() for i in ids if i in self.world.actors])

    def rpc_get_actor_bounding_box(self, actor_id: int):
        """CARLA answers an empty box for an actor it does not have (the Traffic Manager asks
        for one it saw in the last world state that a script has destroyed since)."""
        if int(actor_id) not in self.world.actors:
            return value([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 0])
        actor = self._actor(self.world.actor(int(actor_id)))
        return value([list(actor.box_centre), list(actor.box_extent), [0.0, 0.0, 0.0], actor.id])

    def rpc_destroy_actor(self, actor_id: int):
        if not self.world.destroy(int(actor_id)):
            raise WireError(f"destroy failed: actor {actor_id} not found")
        return value(True)

    def rpc_get_sensor_token(self, stream_id: int):
        """Clients resolve every stream id they were given (world state, sensors) here."""
        return value([stream_frames.token(int(stream_id), self.stream_port)])

    def rpc_apply_control_to_vehicle(self, actor_id: int, raw: list):
        self.world.actor(int(actor_id)).control = VehicleControl.unpack(raw)

    def rpc_apply_control_to_walker(self, actor_id: int, raw: list):
        control = WalkerControl.unpack(raw)
        actor = self.world.actor(int(actor_id))
        dx, dy, _ = vector_from_carla(control.direction)
        norm = math.hypot(dx, dy) or 1.0
        actor.walk_direction, actor.walk_speed_mps = (dx / norm, dy / norm), control.speed

    def rpc_set_actor_transform(self, actor_id: int, raw: list):
        transform = Transform.unpack(raw)
        actor = self.world.actor(int(actor_id))
        actor.x_m, actor.y_m, z, actor.yaw_rad = from_carla(transform.location, transform.rotation)
        actor.z_m = z if actor.parent else 0.0

    def rpc_set_actor_location(self, actor_id: int, location: list):
        actor = self.world.actor(int(actor_id))
        actor.x_m, actor.y_m, _, _ = from_carla(tuple(location), (0.0, 0.0, 0.0))

    def rpc_set_actor_simulate_physics(self, actor_id: int, enabled: bool):
        self.world.actor(int(actor_id)).physics = bool(enabled)

    def rpc_set_actor_target_velocity(self, actor_id: int, velocity: list):
        actor = self.world.actor(int(actor_id))
        vx, vy, _ = vector_from_carla(tuple(velocity))
        actor.speed_mps = math.hypot(vx, vy)

    def _vehicle(self, actor_id: int) -> WireActor:
        actor = self.world.actor(int(actor_id))
        if actor.role != "vehicle":
            raise WireError(f"actor {actor_id} is not a vehicle")
        if actor.physics_control is None:
            actor.physics_control = physics_control.default_control()
        return actor

    def rpc_get_physics_control(self, actor_id: int):
        return value(self._vehicle(actor_id).physics_control)

    def rpc_apply_physics_control(self, actor_id: int, raw: list):
        self._vehicle(actor_id).physics_control = physics_control.checked(raw)

    def _push(self, actor_id: int, vector: list, seconds: float) -> None:
        """Change a vehicle's speed by the forward part of a push (N s, or N over `seconds`)."""
        actor = self._vehicle(actor_id)
        fx, fy, _ = vector_from_carla(tuple(vector))
        forward = fx * math.cos(actor.yaw_rad) + fy * math.sin(actor.yaw_rad)
        mass = float(actor.physics_control[physics_control.MASS])
        actor.speed_mps = max(actor.speed_mps + forward * seconds / mass, 0.0)

    def rpc_add_actor_impulse(self, actor_id: int, impulse: list):
        self._push(actor_id, impulse, 1.0)

    def rpc_add_actor_force(self, actor_id: int, force: list):
        self._push(actor_id, force, self.world.dt_s)

    def rpc_open_vehicle_door(self, actor_id: int, door: int):
        self.world.actor(int(actor_id)).door_open = True

    def rpc_close_vehicle_door(self, actor_id: int, door: int):
        self.world.actor(int(actor_id)).door_open = False

    def rpc_apply_batch(self, commands: list, do_tick_cue: bool):
        """Batches of scripts and the Traffic Manager: spawns (with the commands to run on the
        new actor), destroys, vehicle and walker controls, autopilot flags, transforms, physics.
        Each answers Response<ActorId>: the actor it acted on, or CARLA's error."""
        responses = []
        for command in commands:
            index, body = command[0]  # a Command is [variant], the variant [index, body]
            try:
                responses.append([[1, self._batch_command(int(index), body)]])
            except WireError as exc:
                responses.append([[0, [str(exc)]]])
        if do_tick_cue and self.settings.synchronous_mode:
            self.tick()
        return responses

    def _batch_command(self, index: int, body: list) -> int:
        """Run one batch command; returns the id of the actor it acted on."""
        if index == BATCH_SPAWN:
            return self._batch_spawn(body)
        handlers = {BATCH_DESTROY: lambda b: self.world.destroy(int(b[0])),
                    BATCH_VEHICLE_CONTROL: lambda b: self.rpc_apply_control_to_vehicle(*b),
                    BATCH_WALKER_CONTROL: lambda b: self.rpc_apply_control_to_walker(*b),
                    BATCH_TRANSFORM: lambda b: self.rpc_set_actor_transform(*b),
                    BATCH_TARGET_VELOCITY: lambda b: self.rpc_set_actor_target_velocity(*b),
                    BATCH_SIMULATE_PHYSICS: lambda b: self.rpc_set_actor_simulate_physics(*b),
                    BATCH_AUTOPILOT: lambda b: None, BATCH_LIGHT_STATE: lambda b: None}
        if index not in handlers:
            raise WireError(f"batch command #{index} is not served here")
        handlers[index](body)
        return int(body[0]) if body else 0

    def _batch_spawn(self, body: list) -> int:
        """SpawnActor [description, transform, parent (optional: [false] or [true, id]),
        attachment type, socket name, do_after]; the do_after commands act on the new actor
        where they name FUTURE_ACTOR (carla.command.FutureActor)."""
        description, transform, parent, *_, do_after = body
        actor = self._spawned(description, transform, int(parent[1]) if parent and parent[0] else 0)
        for command in do_after:
            index, after = command[0]
            self._batch_command(int(index), [actor.id if after and after[0] == FUTURE_ACTOR else after[0], *after[1:]]
                                if after else after)
        return actor.id

    # -- the map's geometry ---------------------------------------------------------------
    def rpc_cast_ray(self, start: list, end: list):
        """Every surface between two points, nearest first, as CARLA's LabelledPoints."""
        a, b = (from_carla(tuple(point), (0.0, 0.0, 0.0))[:3] for point in (start, end))
        return value([self._labelled(point, tag) for point, tag in self.world.cast(a, b, first_only=False)])

    def rpc_project_point(self, location: list, direction: list, search_distance: float):
        """ground_projection: the first surface along `direction` within search_distance."""
        a = from_carla(tuple(location), (0.0, 0.0, 0.0))[:3]
        d = vector_from_carla(tuple(direction))
        norm = math.sqrt(sum(v * v for v in d)) or 1.0
        b = tuple(p + float(search_distance) * v / norm for p, v in zip(a, d))
        hits = self.world.cast(a, b, first_only=True)
        return value([True, self._labelled(*hits[0])] if hits else [False, self._labelled((0.0, 0.0, 0.0), 0)])

    def _labelled(self, point: tuple[float, float, float], tag: int) -> list:
        location, _ = to_carla(*point, 0.0)
        return [list(location), tag]

    def _level(self, tag: int) -> list:
        return [(name, kind, box) for name, kind, box in self.world.level_boxes() if tag in (ANY_TAG, kind)]

    def _bounding_box(self, box: tuple[float, ...]) -> list:
        x, y, z, yaw, length, width, height = box
        location, rotation = to_carla(x, y, z, yaw)
        return [list(location), [0.5 * length, 0.5 * width, 0.5 * height], list(rotation), 0]

    def rpc_get_all_level_BBs(self, tag: int):
        return value([self._bounding_box(box) for _, _, box in self._level(int(tag))])

    def rpc_get_environment_objects(self, tag: int):
        """rpc::EnvironmentObject [transform, bounding box, id, name, type] of the map's objects."""
        objects = []
        for name, kind, box in self._level(int(tag)):
            location, rotation = to_carla(box[0], box[1], 0.0, box[3])
            objects.append([[list(location), list(rotation)], self._bounding_box(box),
                            int(hashlib.sha1(name.encode()).hexdigest()[:15], 16), name, kind])
        return value(objects)

    # -- the recorder --------------------------------------------------------------------
    def rpc_start_recorder(self, name: str, additional_data: bool = False):
        """Record to `name` (relative: in the server's working directory); answers the path."""
        path = Path(name).expanduser().resolve()
        self.recorder = Recorder(path)
        self.recorder.start(client_map_name(self.world.template))
        return value(str(path))

    def rpc_stop_recorder(self):
        self.recorder = None

    def rpc_show_recorder_file_info(self, name: str, show_all: bool):
        return value(Recording.read(Path(name).expanduser().resolve()).file_info(bool(show_all)))

    def rpc_show_recorder_collisions(self, name: str, first, second):
        kinds = [chr(k) if isinstance(k, int) else str(k) for k in (first, second)]
        if any(k not in CATEGORIES for k in kinds):
            raise WireError(f"show_recorder_collisions: categories are {', '.join(CATEGORIES)}; got {kinds}")
        return value(Recording.read(Path(name).expanduser().resolve()).collisions(*kinds))

    def rpc_show_recorder_actors_blocked(self, name: str, min_time_s: float, min_distance_m: float):
        recording = Recording.read(Path(name).expanduser().resolve())
        return value(recording.actors_blocked(float(min_time_s), float(min_distance_m)))

    def rpc_replay_file(self, name: str, start_s: float, duration_s: float, follow_id: int, *_):
        """Load the recording's map and play it from start_s for duration_s (0: to the end),
        one recorded tick per tick, the recorded actors moved with physics off."""
        recording = Recording.read(Path(name).expanduser().resolve())
        if recording.header["map"] not in self.maps:
            raise WireError(f"replay_file: the recording's map '{recording.header['map']}' is not on this server")
        self.world.load(self.maps[recording.header["map"]])
        self.replay = Replay.of(recording, float(start_s), float(duration_s))
        actors = recording.actors()
        return value(f"Replaying file: {recording.path}\nReplaying from {start_s} s for {duration_s} s "
                     f"(0: to the end); {len(actors)} actors recorded\n")

    def rpc_stop_replayer(self, keep_actors: bool = False):
        if self.replay is not None and not keep_actors:
            for live in self.replay.ids.values():
                self.world.destroy(live)
        self.replay = None

    def _play(self) -> None:
        """Move the replayed actors to the next recorded tick (create and destroy as recorded)."""
        tick = self.replay.next()
        if tick is None:
            self.replay = None
            return
        poses = {pose[0]: pose[1:] for pose in tick["poses"]}
        for recorded, type_id, role in tick["created"]:
            blueprint = self.blueprints.get(type_id)
            if blueprint is not None and blueprint.role in ("vehicle", "walker", "prop"):
                x, y, z, yaw = poses.get(recorded, (0.0, 0.0, 0.0, 0.0))
                description = ActorDescription(0, type_id, (("role_name", 4, role),))
                actor = self.world.spawn(blueprint, description, from_carla((x, y, z), (0.0, yaw, 0.0)), 0.0, 0)
                actor.physics = False
                self.replay.ids[recorded] = actor.id
        for recorded in tick["destroyed"]:
            live = self.replay.ids.pop(recorded, None)
            if live is not None:
                self.world.destroy(live)
        for recorded, live in self.replay.ids.items():
            if recorded in poses and live in self.world.actors:
                actor = self.world.actors[live]
                x, y, z, yaw = poses[recorded]
                actor.x_m, actor.y_m, _, actor.yaw_rad = from_carla((x, y, z), (0.0, yaw, 0.0))

    def _record(self) -> None:
        actors = [(a.id, a.description.id, a.description.attribute("role_name")) for a in self.world.actors.values()]
        poses = []
        for actor in self.world.actors.values():
            if not actor.parent:
                (x, y, z), (_, yaw, _) = self._pose(actor)
                poses.append((actor.id, round(x, 4), round(y, 4), round(z, 4), round(yaw, 3)))
        self.recorder.record(self.world.frame, self.world.time_s, actors, poses, self.world.touching_pairs())

    # -- ticking -------------------------------------------------------------------------
    def rpc_tick_cue(self):
        return value(self.tick())

    def tick(self) -> int:
        """Step the world, then publish the world state and every subscribed sensor's data."""
        if self.replay is not None:
            self._play()
        contacts = self.world.tick()
        if self.recorder is not None:
            self._record()
        frame, stamp = self.world.frame, self.world.time_s
        # contacts and images go out before the world state that ends a client's tick()
        for contact in contacts:
            self._publish_contact(contact, frame, stamp)
        for actor in list(self.world.actors.values()):
            if actor.stream_id in self.subscribed:
                self._publish_measurement(actor, frame, stamp)
        records = [self._state_record(a) for a in self.world.actors.values()]
        self.publish(WORLD_STREAM, stream_frames.world_state(frame, stamp, self.world.episode_id, time.time(),
                                                             self.world.dt_s, records))
        return frame

    def _publish_measurement(self, actor: WireActor, frame: int, stamp: float) -> None:
        """A camera image, lidar sweep, radar scan, GNSS fix or IMU reading of the sensor `actor`
        for this frame."""
        pose = self._pose(actor)
        if actor.role in CAMERA_ROLES:
            bgra = self.world.render(actor)
            self.publish(actor.stream_id, stream_frames.image(frame, stamp, pose, bgra, actor.camera.fov_deg,
                                                              CAMERA_STREAM[actor.role]))
        elif actor.role in ("lidar", "semantic_lidar"):
            self.publish(actor.stream_id, self._lidar_frame(actor, frame, stamp, pose))
        elif actor.role == "radar":
            scan = self.world.radar_scan(actor)
            detections = torch.stack([scan.velocity_mps, scan.azimuth_rad, scan.altitude_rad, scan.depth_m], 1)
            self.publish(actor.stream_id, stream_frames.radar(frame, stamp, pose, detections.numpy()))
        elif actor.role == "gnss":
            x, y, z, _ = self.world.world_pose(actor)
            self.publish(actor.stream_id, stream_frames.gnss(frame, stamp, pose, *to_gnss(x, y, z)))
        elif actor.role == "imu":
            _, _, _, yaw = self.world.world_pose(actor)
            self.publish(actor.stream_id, stream_frames.imu(frame, stamp, pose, (0.0, 0.0, GRAVITY_MPS2),
                                                            (0.0, 0.0, 0.0), to_compass(yaw)))

    def _lidar_frame(self, sensor: WireActor, frame: int, stamp: float, pose) -> list:
        scan, actor_id, tag = self.world.lidar_scan(sensor)
        if sensor.role == "lidar":
            points = torch.cat([scan.points, scan.intensity[:, None]], 1).numpy()
            return stream_frames.lidar(frame, stamp, pose, scan.horizontal_angle_rad, scan.points_per_channel, points)
        points = np.zeros(len(tag), dtype=stream_frames.SEMANTIC_LIDAR_POINT)
        for name, column in zip("xyz", scan.points.numpy().T):
            points[name] = column
        points["cos_incidence"], points["actor_id"], points["tag"] = scan.cos_incidence.numpy(), actor_id, tag
        return stream_frames.lidar(frame, stamp, pose, scan.horizontal_angle_rad, scan.points_per_channel, points,
                                   stream_frames.SEMANTIC_LIDAR)

    def _publish_contact(self, contact: Contact, frame: int, stamp: float) -> None:
        sensor = self.world.actors[contact.sensor]
        if sensor.stream_id not in self.subscribed:
            return
        owner, other = self.world.actors[contact.parent], self.world.actors[contact.other]
        length, width, _ = owner.blueprint.size_m
        # an impulse of the right order (a 1,500 kg car) along the line between the two
        dx, dy = other.x_m - owner.x_m, other.y_m - owner.y_m
        norm = math.hypot(dx, dy) or 1.0
        impulse = vector_to_carla(*(1500.0 * contact.relative_speed_mps * d / norm for d in (dx, dy)))
        self.publish(sensor.stream_id, stream_frames.collision(frame, stamp, self._pose(sensor),
                                                               self._actor(owner).pack(), self._actor(other).pack(),
                                                               impulse))

    def _state_record(self, actor: WireActor) -> bytes:
        union = b""
        now = self.world.time_s
        if actor.role == "vehicle":
            c = actor.control
            light = self.world.light_at(actor)
            union = stream_frames.vehicle_union(
                c.throttle, c.steer, c.brake, c.hand_brake, c.reverse, self.world.speed_limit_kmh(actor),
                *((light.actor_id, carla_state(light.state(now))) if light else ()))
        elif actor.role == "traffic_light":
            light = self.world.light(actor.id)
            union = stream_frames.traffic_light_union(str(light.placed.signal), light.green_s, light.yellow_s,
                                                      light.red_s, light.elapsed_s(now),
                                                      light.frozen_at_s is not None, carla_state(light.state(now)))
        velocity = vector_to_carla(*self.world.world_velocity(actor))
        return stream_frames.actor_state(actor.id, self._pose(actor), velocity, union)

    def _pose(self, actor: WireActor):
        x, y, z, yaw = self.world.world_pose(actor)
        return to_carla(x, y, z, yaw, actor.pitch_deg)

    def _transform(self, x: float, y: float, z: float, yaw: float) -> Transform:
        return Transform(*to_carla(x, y, z, yaw))


FUTURE_ACTOR = 0  # the id a batch's do_after commands use for the actor their SpawnActor makes
# rpc::Command variant indices in CARLA 0.9.16 (the order of its CommandType variant)
(BATCH_SPAWN, BATCH_DESTROY, BATCH_VEHICLE_CONTROL, BATCH_ACKERMANN, BATCH_WALKER_CONTROL, BATCH_PHYSICS_CONTROL,
 BATCH_TRANSFORM, BATCH_WALKER_STATE, BATCH_TARGET_VELOCITY, BATCH_TARGET_ANGULAR_VELOCITY, BATCH_IMPULSE,
 BATCH_FORCE, BATCH_ANGULAR_IMPULSE, BATCH_TORQUE, BATCH_SIMULATE_PHYSICS, BATCH_ENABLE_GRAVITY, BATCH_AUTOPILOT,
 BATCH_TELEMETRY, BATCH_LIGHT_STATE) = range(19)
