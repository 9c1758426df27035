"""The binary payloads of CARLA 0.9.16's sensor streams: every frame is u32 size + payload,
and every payload starts with the 48-byte sensor header. Layouts from reference/carla.md
(read from the client library's debug info); all little-endian, packed.
"""
from __future__ import annotations

import struct

import msgpack
import numpy as np

# indices into the 0.9.16 client's compiled sensor registry; other versions differ. (6, the
# lane-invasion sensor, never crosses the wire: the client computes it from the map.)
COLLISION, DEPTH_CAMERA, GNSS, IMU, RADAR, SEMANTIC_LIDAR, LIDAR = 0, 1, 4, 5, 9, 10, 11
RGB_CAMERA, SEMANTIC_CAMERA, INSTANCE_CAMERA, WORLD_STATE = 13, 14, 15, 17
ACTIVE = 1  # rpc::ActorState::Active
NO_LIGHT_STATE = 2  # a vehicle no traffic light governs reports Green (carla.TrafficLightState), as CARLA does

HEADER = struct.Struct("<QQd6f")  # sensor type, frame, timestamp, x y z pitch yaw roll
EPISODE_HEADER = struct.Struct("<Qdf3ii")  # episode id, platform time, delta s, map origin, state
ACTOR_STATE = struct.Struct("<IB6f3f3f3f54s")  # 119 bytes
VEHICLE_UNION = struct.Struct("<3f3?ifB?IB")  # packed control (19), speed limit, light state, ...
TRAFFIC_LIGHT_UNION = struct.Struct("<32s4fI?B")  # 54 bytes: sign id, times, pole index, frozen, state
IMAGE_HEADER = struct.Struct("<IIf")
TOKEN = struct.Struct("<IHBB16s")
SIZE = struct.Struct("<I")


def token(stream_id: int, port: int) -> bytes:
    """A 24-byte stream token for a TCP stream on 127.0.0.1:port."""
    return TOKEN.pack(stream_id, port, 1, 1, bytes([127, 0, 0, 1]) + bytes(12))


def framed(payload: bytes | list) -> list:
    """A stream frame: the u32 size, then the payload (bytes, or buffers to send in order)."""
    parts = payload if isinstance(payload, list) else [payload]
    return [SIZE.pack(sum(len(part) for part in parts))] + parts


def header(sensor_type: int, frame: int, timestamp_s: float, transform) -> bytes:
    """transform: ((x, y, z), (pitch, yaw, roll)) in CARLA's frame."""
    return HEADER.pack(sensor_type, frame, timestamp_s, *transform[0], *transform[1])


def vehicle_union(throttle: float, steer: float, brake: float, hand_brake: bool, reverse: bool,
                  speed_limit_kmh: float, light_id: int = 0, light_state: int = NO_LIGHT_STATE) -> bytes:
    """A vehicle's state; light_id: the traffic-light actor it is at (0: none), whose
    carla.TrafficLightState is light_state."""
    packed = VEHICLE_UNION.pack(throttle, steer, brake, hand_brake, reverse, False, 1, speed_limit_kmh,
                                light_state, light_id != 0, light_id, 0)
    return packed.ljust(54, b"\0")


def traffic_light_union(sign_id: str, green_s: float, yellow_s: float, red_s: float, elapsed_s: float,
                        frozen: bool, state: int) -> bytes:
    """A traffic light's state: its OpenDRIVE signal id, times (s), frozen flag and
    carla.TrafficLightState (pole index 0)."""
    return TRAFFIC_LIGHT_UNION.pack(sign_id.encode()[:31], green_s, yellow_s, red_s, elapsed_s, 0, frozen, state)


def actor_state(actor_id: int, transform, velocity, union: bytes = b"") -> bytes:
    """One 119-byte ActorDynamicState record (angular velocity and acceleration zero)."""
    return ACTOR_STATE.pack(actor_id, ACTIVE, *transform[0], *transform[1], *velocity, 0.0, 0.0, 0.0,
                            0.0, 0.0, 0.0, union.ljust(54, b"\0"))


def world_state(frame: int, timestamp_s: float, episode_id: int, platform_s: float, delta_s: float,
                actors: list[bytes]) -> bytes:
    """The tick message every client waits for: header, episode header, one record per actor."""
    head = header(WORLD_STATE, frame, timestamp_s, ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)))
    return head + EPISODE_HEADER.pack(episode_id, platform_s, delta_s, 0, 0, 0, 0) + b"".join(actors)


def image(frame: int, timestamp_s: float, transform, bgra: np.ndarray, fov_deg: float,
          sensor_type: int = RGB_CAMERA) -> list:
    """bgra uint8 [H, W, 4] (contiguous) -> a camera frame (RGB, depth, semantic or instance
    segmentation: one layout), as buffers to send in order (the pixels are not copied)."""
    height, width, _ = bgra.shape
    head = header(sensor_type, frame, timestamp_s, transform) + IMAGE_HEADER.pack(width, height, fov_deg)
    return [head, memoryview(np.ascontiguousarray(bgra)).cast("B")]


def collision(frame: int, timestamp_s: float, transform, self_actor: list, other_actor: list,
              normal_impulse: tuple[float, float, float]) -> bytes:
    """self_actor / other_actor: packed rpc::Actor arrays."""
    body = msgpack.packb([self_actor, other_actor, list(normal_impulse)], use_bin_type=True)
    return header(COLLISION, frame, timestamp_s, transform) + body


def gnss(frame: int, timestamp_s: float, transform, latitude: float, longitude: float, altitude: float) -> bytes:
    body = msgpack.packb([latitude, longitude, altitude])
    return header(GNSS, frame, timestamp_s, transform) + body


def imu(frame: int, timestamp_s: float, transform, accelerometer, gyroscope, compass_rad: float) -> bytes:
    """accelerometer m/s^2 and gyroscope rad/s in CARLA's frame; compass from north, clockwise."""
    body = msgpack.packb([list(accelerometer), list(gyroscope), compass_rad])
    return header(IMU, frame, timestamp_s, transform) + body


def lidar(frame: int, timestamp_s: float, transform, horizontal_angle_rad: float, points_per_channel: list[int],
          points: np.ndarray, sensor_type: int = LIDAR) -> list:
    """A lidar sweep: the header (u32 words: the horizontal angle's f32 bits, the channel
    count, the points of each channel), then the points, in channel order: float32 [P, 4]
    (x, y, z, intensity) for the lidar, SEMANTIC_LIDAR_POINT [P] for the semantic one."""
    words = struct.pack(f"<fI{len(points_per_channel)}I", horizontal_angle_rad, len(points_per_channel),
                        *points_per_channel)
    head = header(sensor_type, frame, timestamp_s, transform) + words
    return [head, memoryview(np.ascontiguousarray(points)).cast("B")]


# sensor::data::SemanticLidarDetection: point, cos of the incidence angle, actor id, tag
SEMANTIC_LIDAR_POINT = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("cos_incidence", "<f4"),
                                 ("actor_id", "<u4"), ("tag", "<u4")])


def radar(frame: int, timestamp_s: float, transform, detections: np.ndarray) -> list:
    """Radar detections float32 [D, 4]: velocity (m/s), azimuth, altitude (rad), depth (m)."""
    return [header(RADAR, frame, timestamp_s, transform), memoryview(np.ascontiguousarray(detections)).cast("B")]
