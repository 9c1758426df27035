"""The blueprint library the wire server offers: CARLA 0.9.16's vehicles (with their boxes,
`sim.carla_catalogue`), walkers and the props we draw, each mapped to what the embedded
simulator has (an `ActorKind`, a box, a colour), plus the sensors it can serve."""
from __future__ import annotations

from dataclasses import dataclass

from sim.actor_kinds import CHILD_SIZE_M, DEFAULT_SIZE_M, ActorKind
from sim.carla_catalogue import VEHICLES, VehicleModel
from sim.carla_wire.messages import ActorAttribute, ActorDefinition

CHILD_NUMBERS = (9, 10, 11, 12, 13, 14, 48, 49)  # CARLA 0.9.16's walker.pedestrian.0001-0049: these are children
PROP_IDS = {"static.prop.trafficcone01": ActorKind.CONE, "static.prop.constructioncone": ActorKind.CONE,
            "static.prop.streetbarrier": ActorKind.BARRIER, "static.prop.warningconstruction": ActorKind.BARRIER,
            "static.prop.dirtdebris01": ActorKind.DEBRIS, "static.prop.garbage01": ActorKind.DEBRIS}
CAMERA, COLLISION, LANE_INVASION = "sensor.camera.rgb", "sensor.other.collision", "sensor.other.lane_invasion"
GNSS, IMU, RADAR = "sensor.other.gnss", "sensor.other.imu", "sensor.other.radar"
LABEL_CAMERAS = {"sensor.camera.depth": "depth_camera", "sensor.camera.semantic_segmentation": "semantic_camera",
                 "sensor.camera.instance_segmentation": "instance_camera"}
LIDARS = {"sensor.lidar.ray_cast": "lidar", "sensor.lidar.ray_cast_semantic": "semantic_lidar"}
CAMERA_ROLES = ("camera", *LABEL_CAMERAS.values())
FRICTION_TRIGGER = "static.trigger.friction"
# spawnable so scripts that attach one to each walker run; CARLA's client steers walkers with it
# on a navigation mesh, which this server does not have (see docs/carla.md)
WALKER_CONTROLLER = "controller.ai.walker"


@dataclass(frozen=True)
class Blueprint:
    """role: vehicle, walker, prop, camera (and the CAMERA_ROLES of the label cameras),
    collision, lane_invasion, gnss, imu, lidar, semantic_lidar, radar, friction or
    walker_controller."""

    id: str
    role: str
    kind: ActorKind = ActorKind.NONE
    attributes: tuple[ActorAttribute, ...] = ()
    size_override_m: tuple[float, float, float] | None = None

    @property
    def size_m(self) -> tuple[float, float, float]:
        """length, width, height (m); sensors and triggers are points."""
        return self.size_override_m or DEFAULT_SIZE_M.get(self.kind, (0.0, 0.0, 0.0))


def _role_name() -> ActorAttribute:
    return ActorAttribute("role_name", "string", "autopilot", ("autopilot", "scenario", "ego", "hero"))


def _vehicle(model: VehicleModel) -> Blueprint:
    attributes = (_role_name(), ActorAttribute("color", "color", "120,120,130", ("120,120,130", "200,30,30")),
                  ActorAttribute("number_of_wheels", "int", str(model.wheels), modifiable=False),
                  ActorAttribute("base_type", "string", model.base_type, modifiable=False),
                  ActorAttribute("generation", "int", str(model.generation), modifiable=False),
                  ActorAttribute("has_lights", "bool", "true", modifiable=False),
                  ActorAttribute("sticky_control", "bool", "true"))
    return Blueprint(model.id, "vehicle", model.kind, attributes, model.size_m)


def _walker(bp_id: str, child: bool) -> Blueprint:
    attributes = (_role_name(), ActorAttribute("is_invincible", "bool", "true"),
                  # as CARLA: standing, walking, running, which generate_traffic.py picks by index
                  ActorAttribute("speed", "float", "1.4", ("0.0", "1.4", "2.5")),
                  ActorAttribute("age", "string", "child" if child else "adult", modifiable=False),
                  ActorAttribute("generation", "int", "2", modifiable=False))
    return Blueprint(bp_id, "walker", ActorKind.PEDESTRIAN, attributes, CHILD_SIZE_M if child else None)


def _camera(bp_id: str, role: str, width: int, height: int) -> Blueprint:
    attributes = (_role_name(), ActorAttribute("image_size_x", "int", str(width)),
                  ActorAttribute("image_size_y", "int", str(height)), ActorAttribute("fov", "float", "90.0"),
                  ActorAttribute("sensor_tick", "float", "0.0"))
    if role == "camera":
        attributes += (ActorAttribute("gamma", "float", "2.2"),)
    return Blueprint(bp_id, role, attributes=attributes)


def _floats(**defaults: str) -> tuple[ActorAttribute, ...]:
    return tuple(ActorAttribute(name, "float", text) for name, text in defaults.items())


def _lidar(bp_id: str, role: str) -> Blueprint:
    """CARLA 0.9.16's lidar attributes and defaults; the plain lidar adds its drop-off and noise."""
    attributes = (_role_name(), ActorAttribute("channels", "int", "32")) + _floats(
        range="10.0", points_per_second="56000", rotation_frequency="10.0", upper_fov="10.0", lower_fov="-30.0",
        horizontal_fov="360.0", sensor_tick="0.0")
    if role == "lidar":
        attributes += _floats(atmosphere_attenuation_rate="0.004", dropoff_general_rate="0.45",
                              dropoff_intensity_limit="0.8", dropoff_zero_intensity="0.4", noise_stddev="0.0")
        attributes += (ActorAttribute("noise_seed", "int", "0"),)
    return Blueprint(bp_id, role, attributes=attributes)


def _radar() -> Blueprint:
    attributes = (_role_name(),) + _floats(horizontal_fov="30.0", vertical_fov="30.0", range="100.0",
                                           points_per_second="1500", sensor_tick="0.0")
    return Blueprint(RADAR, "radar", attributes=attributes)


def _friction() -> Blueprint:
    attributes = (ActorAttribute("friction", "float", "3.5"), ActorAttribute("extent_x", "float", "1.0"),
                  ActorAttribute("extent_y", "float", "1.0"), ActorAttribute("extent_z", "float", "1.0"))
    return Blueprint(FRICTION_TRIGGER, "friction", attributes=attributes)


def library(camera_size: tuple[int, int] = (800, 600)) -> list[Blueprint]:
    """Every blueprint, the RGB camera defaulting to camera_size (width, height) pixels."""
    blueprints = [_vehicle(model) for model in VEHICLES]
    blueprints += [_walker(f"walker.pedestrian.{n:04d}", child=n in CHILD_NUMBERS) for n in range(1, 50)]
    blueprints += [Blueprint(i, "prop", kind, (_role_name(), ActorAttribute("size", "string", "small",
                                                                            modifiable=False)))
                   for i, kind in PROP_IDS.items()]
    blueprints += [_camera(CAMERA, "camera", *camera_size)]
    blueprints += [_camera(bp_id, role, *camera_size) for bp_id, role in LABEL_CAMERAS.items()]
    blueprints += [_lidar(bp_id, role) for bp_id, role in LIDARS.items()] + [_radar()]
    blueprints += [Blueprint(COLLISION, "collision", attributes=(_role_name(),)),
                   Blueprint(LANE_INVASION, "lane_invasion", attributes=(_role_name(),)),
                   Blueprint(GNSS, "gnss", attributes=(_role_name(), ActorAttribute("sensor_tick", "float", "0.0"))),
                   Blueprint(IMU, "imu", attributes=(_role_name(), ActorAttribute("sensor_tick", "float", "0.0"))),
                   _friction(), Blueprint(WALKER_CONTROLLER, "walker_controller")]
    return blueprints


def definitions(blueprints: list[Blueprint]) -> list[ActorDefinition]:
    """The library as rpc::ActorDefinitions; tags are the id's dotted parts, as CARLA's."""
    return [ActorDefinition(uid, bp.id, ",".join(bp.id.split(".")), bp.attributes)
            for uid, bp in enumerate(blueprints, start=1)]
