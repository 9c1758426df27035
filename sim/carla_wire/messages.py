"""Typed codecs for the msgpack-RPC messages of CARLA 0.9.16: each type packs to, and reads
from, the msgpack array its C++ twin (MSGPACK_DEFINE_ARRAY) uses, field for field.

Angles and positions here are CARLA's (left-handed, degrees); `sim.carla_frame` converts.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, fields

CARLA_VERSION = "0.9.16"
REQUEST, RESPONSE = 0, 1
ATTRIBUTE_TYPES = {"bool": 1, "int": 2, "float": 3, "string": 4, "color": 5}


class WireError(Exception):
    """Answered to the client as CARLA's error response carrying this message."""


def value(result) -> list:
    """Response<T> holding a value: a one-element array of the variant [1, value]."""
    return [[1, result]]


def error(message: str) -> list:
    """Response<T> holding an error: the variant [0, ResponseError [message]]."""
    return [[0, [message]]]


def optional(content) -> list:
    """boost::optional as CARLA packs it: [false] when empty, [true, value] when set."""
    return [False] if content is None else [True, content]


def void() -> list:
    """Response<void> with no error: an empty optional."""
    return [optional(None)]


def void_error(message: str) -> list:
    return [optional([message])]


@dataclass(frozen=True)
class Transform:
    """location (x, y, z) m and rotation (pitch, yaw, roll) degrees, CARLA's frame."""

    location: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def pack(self) -> list:
        return [list(self.location), list(self.rotation)]

    @staticmethod
    def unpack(raw: list) -> "Transform":
        return Transform(tuple(map(float, raw[0])), tuple(map(float, raw[1])))


@dataclass(frozen=True)
class ActorAttribute:
    """A blueprint attribute: type is a key of ATTRIBUTE_TYPES; value as CARLA's string."""

    id: str
    type: str
    value: str
    recommended: tuple[str, ...] = ()
    modifiable: bool = True

    def pack(self) -> list:
        """As CARLA's blueprint library: an attribute with no list of recommended values
        recommends its default (scripts read recommended_values[0])."""
        recommended = list(self.recommended or (self.value,))
        return [self.id, ATTRIBUTE_TYPES[self.type], self.value, recommended, self.modifiable, False]


@dataclass(frozen=True)
class ActorDefinition:
    uid: int
    id: str
    tags: str
    attributes: tuple[ActorAttribute, ...]

    def pack(self) -> list:
        return [self.uid, self.id, self.tags, [a.pack() for a in self.attributes]]


@dataclass(frozen=True)
class ActorDescription:
    """What a client asks to spawn: the blueprint's uid and id and the attribute values as
    (id, type code, value) triples."""

    uid: int
    id: str
    attributes: tuple[tuple[str, int, str], ...] = ()

    def pack(self) -> list:
        return [self.uid, self.id, [list(a) for a in self.attributes]]

    def attribute(self, name: str, default: str = "") -> str:
        return next((a[2] for a in self.attributes if a[0] == name), default)

    @staticmethod
    def unpack(raw: list) -> "ActorDescription":
        return ActorDescription(int(raw[0]), str(raw[1]), tuple((str(a[0]), int(a[1]), str(a[2])) for a in raw[2]))


@dataclass(frozen=True)
class Actor:
    """rpc::Actor: id, parent, description, bounding box (centre offset and half extents, m,
    in the actor's frame), semantic tags and, for sensors, the stream token."""

    id: int
    parent_id: int
    description: ActorDescription
    box_centre: tuple[float, float, float]
    box_extent: tuple[float, float, float]
    semantic_tags: bytes = b""
    stream_token: bytes = b""

    def pack(self) -> list:
        box = [list(self.box_centre), list(self.box_extent), [0.0, 0.0, 0.0], self.id]
        return [self.id, self.parent_id, self.description.pack(), box, self.semantic_tags, self.stream_token]


@dataclass
class EpisodeSettings:
    """The 11 fields of carla.WorldSettings, in the wire order."""

    synchronous_mode: bool = False
    no_rendering_mode: bool = False
    fixed_delta_seconds: float | None = None
    substepping: bool = True
    max_substep_delta_time: float = 0.01
    max_substeps: int = 10
    max_culling_distance: float = 0.0
    deterministic_ragdolls: bool = False
    tile_stream_distance: float = 3000.0
    actor_active_distance: float = 2000.0
    spectator_as_ego: bool = True

    def pack(self) -> list:
        row = list(astuple(self))
        row[2] = optional(self.fixed_delta_seconds)
        return row

    @staticmethod
    def unpack(raw: list) -> "EpisodeSettings":
        names = [f.name for f in fields(EpisodeSettings)]
        if len(raw) != len(names):
            raise WireError(f"world settings have {len(raw)} fields; CARLA {CARLA_VERSION} sends {len(names)}")
        settings = EpisodeSettings(**dict(zip(names, raw)))
        settings.fixed_delta_seconds = raw[2][1] if raw[2] and raw[2][0] else None
        return settings


@dataclass(frozen=True)
class VehicleControl:
    throttle: float = 0.0
    steer: float = 0.0
    brake: float = 0.0
    hand_brake: bool = False
    reverse: bool = False
    manual_gear_shift: bool = False
    gear: int = 0

    def pack(self) -> list:
        return list(astuple(self))

    @staticmethod
    def unpack(raw: list) -> "VehicleControl":
        return VehicleControl(*raw[:7])


@dataclass(frozen=True)
class WalkerControl:
    """direction: unit vector in CARLA's frame; speed m/s."""

    direction: tuple[float, float, float] = (1.0, 0.0, 0.0)
    speed: float = 0.0
    jump: bool = False

    @staticmethod
    def unpack(raw: list) -> "WalkerControl":
        return WalkerControl(tuple(map(float, raw[0])), float(raw[1]), bool(raw[2]))
