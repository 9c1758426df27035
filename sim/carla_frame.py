"""The CARLA boundary's coordinate conversion, and the only place it happens.

Ours: right-handed, x forward, y left, z up, yaw counter-clockwise in radians (as OpenDRIVE).
CARLA's: left-handed, x forward, y right, z up, angles in degrees, yaw clockwise seen from
above. CARLA negates y when it builds a world from OpenDRIVE, so a point (x, y) of our map
is (x, -y) in CARLA's world, and a yaw of a rad is -degrees(a).
"""
from __future__ import annotations

import math

Location = tuple[float, float, float]
Rotation = tuple[float, float, float]  # CARLA's order: pitch, yaw, roll (degrees)


def to_carla(x_m: float, y_m: float, z_m: float, yaw_rad: float, pitch_deg: float = 0.0,
             roll_deg: float = 0.0) -> tuple[Location, Rotation]:
    """Our pose -> CARLA (location, rotation). Pitch keeps its sign: positive looks up in both."""
    return (x_m, -y_m, z_m), (pitch_deg, -math.degrees(yaw_rad), roll_deg)


def from_carla(location: Location, rotation: Rotation) -> tuple[float, float, float, float]:
    """CARLA (location, rotation) -> our x_m, y_m, z_m, yaw_rad (wrapped to (-pi, pi])."""
    yaw = -math.radians(rotation[1])
    yaw = math.atan2(math.sin(yaw), math.cos(yaw))
    return location[0], -location[1], location[2], yaw


def vector_to_carla(vx: float, vy: float, vz: float = 0.0) -> Location:
    """A velocity (or any vector) in our frame -> CARLA's."""
    return vx, -vy, vz


def vector_from_carla(vector: Location) -> tuple[float, float, float]:
    return vector[0], -vector[1], vector[2]
