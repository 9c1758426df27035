"""The blueprint library the wire server offers: CARLA's usual ids, each mapped to what the
embedded simulator has (an `ActorKind`, a box, a colour), plus the sensors it can serve."""
from __future__ import annotations

from dataclasses import dataclass

from sim.actor_kinds import CHILD_SIZE_M, DEFAULT_SIZE_M, ActorKind
from sim.carla_wire.messages import ActorAttribute, ActorDefinition

CAR_IDS = ("vehicle.tesla.model3", "vehicle.lincoln.mkz_2020", "vehicle.audi.a2", "vehicle.nissan.patrol",
           "vehicle.mercedes.coupe_2020")
TRUCK_IDS = ("vehicle.carlamotors.carlacola", "vehicle.mitsubishi.fusorosa")
BIKE_IDS = ("vehicle.bh.crossbike", "vehicle.diamondback.century")
WALKER_IDS = tuple(f"walker.pedestrian.{i:04d}" for i in range(1, 9))
CHILD_IDS = tuple(f"walker.pedestrian.{i:04d}" for i in range(9, 13))
PROP_IDS = {"static.prop.trafficcone01": ActorKind.CONE, "static.prop.constructioncone": ActorKind.CONE,
            "static.prop.streetbarrier": ActorKind.BARRIER, "static.prop.warningconstruction": ActorKind.BARRIER,
            "static.prop.dirtdebris01": ActorKind.DEBRIS, "static.prop.garbage01": ActorKind.DEBRIS}
CAMERA, COLLISION, LANE_INVASION = "sensor.camera.rgb", "sensor.other.collision", "sensor.other.lane_invasion"
GNSS, IMU = "sensor.other.gnss", "sensor.other.imu"
FRICTION_TRIGGER = "static.trigger.friction"
# CARLA 0.9.16 semantic tags (CityObjectLabel) by kind
SEMANTIC_TAG = {ActorKind.CAR: 14, ActorKind.TRUCK: 15, ActorKind.PEDESTRIAN: 12, ActorKind.CYCLIST: 19,
                ActorKind.CONE: 5, ActorKind.BARRIER: 5, ActorKind.DEBRIS: 20}


@dataclass(frozen=True)
class Blueprint:
    """role: vehicle, walker, prop, camera, collision, lane_invasion, gnss, imu or friction."""

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


def _vehicle(bp_id: str, kind: ActorKind) -> Blueprint:
    wheels = "2" if kind == ActorKind.CYCLIST else "4"
    attributes = (_role_name(), ActorAttribute("color", "color", "120,120,130", ("120,120,130", "200,30,30")),
                  ActorAttribute("number_of_wheels", "int", wheels, modifiable=False),
                  ActorAttribute("base_type", "string", "bicycle" if kind == ActorKind.CYCLIST else "car",
                                 modifiable=False),
                  ActorAttribute("generation", "int", "2", modifiable=False),
                  ActorAttribute("sticky_control", "bool", "true"))
    return Blueprint(bp_id, "vehicle", kind, attributes)


def _walker(bp_id: str, child: bool) -> Blueprint:
    attributes = (_role_name(), ActorAttribute("is_invincible", "bool", "true"),
                  # as CARLA: standing, walking, running, which generate_traffic.py picks by index
                  ActorAttribute("speed", "float", "1.4", ("0.0", "1.4", "2.5")),
                  ActorAttribute("age", "string", "child" if child else "adult", modifiable=False),
                  ActorAttribute("generation", "int", "2", modifiable=False))
    return Blueprint(bp_id, "walker", ActorKind.PEDESTRIAN, attributes, CHILD_SIZE_M if child else None)


def _camera(width: int, height: int) -> Blueprint:
    attributes = (_role_name(), ActorAttribute("image_size_x", "int", str(width)),
                  ActorAttribute("image_size_y", "int", str(height)), ActorAttribute("fov", "float", "90.0"),
                  ActorAttribute("sensor_tick", "float", "0.0"), ActorAttribute("gamma", "float", "2.2"))
    return Blueprint(CAMERA, "camera", attributes=attributes)


def _friction() -> Blueprint:
    attributes = (ActorAttribute("friction", "float", "3.5"), ActorAttribute("extent_x", "float", "1.0"),
                  ActorAttribute("extent_y", "float", "1.0"), ActorAttribute("extent_z", "float", "1.0"))
    return Blueprint(FRICTION_TRIGGER, "friction", attributes=attributes)


def library(camera_size: tuple[int, int] = (800, 600)) -> list[Blueprint]:
    """Every blueprint, the RGB camera defaulting to camera_size (width, height) pixels."""
    blueprints = [_vehicle(i, ActorKind.CAR) for i in CAR_IDS]
    blueprints += [_vehicle(i, ActorKind.TRUCK) for i in TRUCK_IDS]
    blueprints += [_vehicle(i, ActorKind.CYCLIST) for i in BIKE_IDS]
    blueprints += [_walker(i, child=False) for i in WALKER_IDS] + [_walker(i, child=True) for i in CHILD_IDS]
    blueprints += [Blueprint(i, "prop", kind, (_role_name(), ActorAttribute("size", "string", "small",
                                                                            modifiable=False)))
                   for i, kind in PROP_IDS.items()]
    blueprints += [_camera(*camera_size), Blueprint(COLLISION, "collision", attributes=(_role_name(),)),
                   Blueprint(LANE_INVASION, "lane_invasion", attributes=(_role_name(),)),
                   Blueprint(GNSS, "gnss", attributes=(_role_name(), ActorAttribute("sensor_tick", "float", "0.0"))),
                   Blueprint(IMU, "imu", attributes=(_role_name(), ActorAttribute("sensor_tick", "float", "0.0"))),
                   _friction()]
    return blueprints


def definitions(blueprints: list[Blueprint]) -> list[ActorDefinition]:
    """The library as rpc::ActorDefinitions; tags are the id's dotted parts, as CARLA's."""
    return [ActorDefinition(uid, bp.id, ",".join(bp.id.split(".")), bp.attributes)
            for uid, bp in enumerate(blueprints, start=1)]
