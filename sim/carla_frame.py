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


# CARLA's GNSS: Mercator about the map's geoReference (ours: lat_0 = lon_0 = 0, so the
# scale cos(lat_0) is 1), as carla.Map.transform_to_geolocation computes it: longitude grows
# with x, latitude with CARLA's y (our -y). Its IMU compass instead puts north at CARLA's -y.
# The 0.9.16 client scales the equatorial radius by UTM's k0 = 0.9996 (measured against
# carla.Map.transform_to_geolocation: within 1 cm over our maps).
EARTH_RADIUS_M = 6378137.0 * 0.9996


def to_gnss(x_m: float, y_m: float, z_m: float) -> tuple[float, float, float]:
    """Our position -> (latitude, longitude, altitude) as CARLA's GNSS sensor reports it."""
    longitude = math.degrees(x_m / EARTH_RADIUS_M)
    latitude = 360.0 * math.atan(math.exp(-y_m / EARTH_RADIUS_M)) / math.pi - 90.0
    return latitude, longitude, z_m


def from_gnss(latitude: float, longitude: float) -> tuple[float, float]:
    """(latitude, longitude) from CARLA's GNSS -> our x_m, y_m."""
    x_m = math.radians(longitude) * EARTH_RADIUS_M
    y_m = -EARTH_RADIUS_M * math.log(math.tan((90.0 + latitude) * math.pi / 360.0))
    return x_m, y_m


def to_compass(yaw_rad: float) -> float:
    """Our yaw -> CARLA's IMU compass: radians clockwise from north, in [0, 2 pi)."""
    return (math.pi / 2 - yaw_rad) % (2 * math.pi)


def from_compass(compass_rad: float) -> float:
    """CARLA's IMU compass -> our yaw in (-pi, pi]."""
    yaw = math.pi / 2 - compass_rad
    return math.atan2(math.sin(yaw), math.cos(yaw))
