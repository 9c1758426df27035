"""Weather, time of day, tunnel exposure and lens state of every tile, turned into the rows of
numbers the shaders read (one texture row per tile, `TILE_ROWS` RGBA texels wide).

All the judgement about how conditions look lives here, in numpy, once per batch: how bright
the sun and sky are, the fog's colour and thickness, when headlights and street lights come
on, and how the camera's exposure lags behind a tunnel's entry and exit. The shaders only
apply these numbers. Colours are display values in 0..1; light intensities are multipliers
of surface albedo. Every light and emission is already scaled by the exposure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from sim.camera import CameraConfig
from sim.render.camera_model import intrinsics
from sim.weather import SENSOR_FAULTS, VECTOR_FIELDS

TILE_ROWS = (
    "CAM_X",  # camera right axis (world), t_x
    "CAM_Y",  # camera down axis, t_y
    "CAM_Z",  # camera forward axis, t_z
    "SUN",  # direction to the sun (world, unit), exposure
    "SUN_LIGHT",  # sun colour * intensity, road wetness 0..1
    "AMBIENT",  # sky light colour * intensity, snow cover 0..1
    "FOG",  # fog colour, extinction (1/m)
    "MISC",  # fog start (m), headlights, street lights, glow of vehicle lamps
    "SKY_ZENITH",  # sky colour overhead, sun disc brightness
    "SKY_HORIZON",  # sky colour at the horizon (what a wet road reflects), wet sheen
    "LENS",  # seed (24-bit), time (s), lens dirt 0..1, noise std 0..1 of full scale
    "PRECIP",  # rain 0..1, streak slant (px across per px down), snowfall 0..1, streak brightness
    "GLARE",  # sun position u, v (px), glare strength, flags: 1 inside a tunnel + 2 sun up and ahead
)
ROW = {name: k for k, name in enumerate(TILE_ROWS)}

EXPOSURE_TAU_S = 0.4  # auto-exposure time constant: ~95 % adapted after 1.2 s, fully by ~1.5 s
TUNNEL_EXPOSURE = 6.0  # gain the camera settles on inside a tunnel
TUNNEL_LIGHT = np.array([1.0, 0.78, 0.50])  # sodium lamps
DAY_ZENITH, DAY_HORIZON = np.array([0.24, 0.46, 0.86]), np.array([0.66, 0.79, 0.93])
NIGHT_ZENITH, NIGHT_HORIZON = np.array([0.004, 0.007, 0.018]), np.array([0.02, 0.025, 0.045])
NIGHT_SKY_LIGHT = np.array([0.021, 0.025, 0.036])
CLOUD_GREY = np.array([0.66, 0.68, 0.71])
SUNSET = np.array([0.98, 0.62, 0.40])
FOG_GREY = np.array([0.74, 0.76, 0.78])
HAZE_PER_M = 0.0008  # clear-air haze: distant ground fades into the horizon

HEADLIGHT_EGO_M = np.array([2.3, 0.0, 0.7])  # where the headlights sit on the ego (front bumper)
HEADLIGHT_DIP_DEG = 3.0
HEADLIGHT_CONE_DEG = (10.0, 24.0)  # full beam inside the first angle, dark outside the second
HEADLIGHT_REACH_M = 18.0  # intensity halves at this distance
STREET_LIGHT_SPACING_M = 30.0


def glsl_defines() -> str:
    """`#define T_<ROW> <index>` lines for the shaders."""
    return "".join(f"#define T_{name} {k}\n" for k, name in enumerate(TILE_ROWS))


def shader_constants() -> str:
    """`#define` lines for the lighting constants the shaders share with this module."""
    inner, outer = np.cos(np.radians(HEADLIGHT_CONE_DEG))
    return (f"#define HEADLIGHT_COS_INNER {inner:.6f}\n#define HEADLIGHT_COS_OUTER {outer:.6f}\n"
            f"#define HEADLIGHT_FALLOFF {1.0 / HEADLIGHT_REACH_M ** 2:.8f}\n"
            f"#define STREET_LIGHT_SPACING_M {STREET_LIGHT_SPACING_M:.1f}\n")


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


class _Fields:
    """Named float64 columns [B] of a weather array [B, len(VECTOR_FIELDS)]; percentages
    (0..100 fields) come as fractions through `fraction`."""

    def __init__(self, weather: np.ndarray):
        self._weather = weather.astype(np.float64)

    def __getattr__(self, name: str) -> np.ndarray:
        return self._weather[:, VECTOR_FIELDS.index(name)]

    def fraction(self, name: str) -> np.ndarray:
        return getattr(self, name) / 100.0


@dataclass
class _Light:
    """Sky and sun of B tiles before exposure: day, night in 0..1, sun direction [B, 3] and
    light [B, 3], sky light [B, 3], zenith and horizon colours [B, 3], low-sun glare 0..1."""

    day: np.ndarray
    night: np.ndarray
    sun: np.ndarray
    sun_light: np.ndarray
    sun_up: np.ndarray
    ambient: np.ndarray
    zenith: np.ndarray
    horizon: np.ndarray
    low_sun: np.ndarray

    @property
    def brightness(self) -> np.ndarray:
        return self.ambient.mean(1) + 0.5 * self.sun_light.max(1)


def sun_direction(altitude_deg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """Unit vectors [B, 3] towards the sun (world frame; azimuth 0 = +x, counter-clockwise)."""
    alt, az = np.radians(altitude_deg), np.radians(azimuth_deg)
    return np.stack([np.cos(alt) * np.cos(az), np.cos(alt) * np.sin(az), np.sin(alt)], -1)


def tunnel_exposure(entry_s: np.ndarray, exit_s: np.ndarray, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inside [B] bool, exposure gain [B]) of a camera that enters a tunnel at entry_s and
    leaves at exit_s (-1: never). Its gain lags the light: 1 outside, rising towards
    TUNNEL_EXPOSURE after entry (the frame starts nearly black) and falling back after exit
    (the frame starts overexposed)."""
    entered = (entry_s >= 0) & (time_s >= entry_s)
    exited = entered & (exit_s >= 0) & (time_s >= exit_s)
    inside = entered & ~exited
    since_entry = np.maximum(time_s - entry_s, 0.0)
    gain_inside = TUNNEL_EXPOSURE + (1.0 - TUNNEL_EXPOSURE) * np.exp(-since_entry / EXPOSURE_TAU_S)
    at_exit = TUNNEL_EXPOSURE + (1.0 - TUNNEL_EXPOSURE) * np.exp(-np.maximum(exit_s - entry_s, 0.0) / EXPOSURE_TAU_S)
    gain_after = 1.0 + (at_exit - 1.0) * np.exp(-np.maximum(time_s - exit_s, 0.0) / EXPOSURE_TAU_S)
    return inside, np.where(inside, gain_inside, np.where(exited, gain_after, 1.0))


def seed_bits(seed: np.ndarray) -> np.ndarray:
    """24-bit mix of int64 seeds [B] (exact in a float32 texel) for the shaders' hashes."""
    x = seed.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(29)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(32)
    return (x & np.uint64(0xFFFFFF)).astype(np.float64)


def _daylight(w: _Fields, open_air: np.ndarray) -> _Light:
    """Sun and sky from the sun's altitude and the clouds; a tunnel shuts both out."""
    altitude, cloud = w.sun_altitude_angle, w.fraction("cloudiness")
    day = _smoothstep(-6.0, 6.0, altitude) * open_air
    sun_up = _smoothstep(-1.0, 5.0, altitude) * open_air
    warm = (1 - _smoothstep(2.0, 30.0, altitude))[:, None]
    sun_colour = (1 - warm) * np.array([1.0, 0.96, 0.90]) + warm * np.array([1.0, 0.66, 0.42])
    # The sun is kept below the sky light's 2x so faces turned away from it stay readable, as a
    # camera's exposure and tone curve would keep them.
    sun_strength = sun_up * (1 - 0.8 * cloud) * (0.4 + 0.35 * _smoothstep(0.0, 30.0, altitude))
    # Clouds take light from the sun and give some of it back as flat sky light.
    ambient = (day * (0.6 + 0.2 * cloud))[:, None] * np.array([0.86, 0.91, 1.0]) \
        + ((1 - day) * open_air)[:, None] * NIGHT_SKY_LIGHT + (1 - open_air)[:, None] * 0.09 * TUNNEL_LIGHT
    low_sun = (1 - _smoothstep(0.0, 15.0, altitude)) * sun_up
    grey = cloud[:, None] * 0.9
    zenith = (1 - grey) * DAY_ZENITH + grey * CLOUD_GREY * 0.85
    horizon = (1 - grey) * DAY_HORIZON + grey * CLOUD_GREY
    horizon = horizon + (low_sun * (1 - cloud) * 0.55)[:, None] * (SUNSET - horizon)
    d = day[:, None]
    return _Light(day, 1 - _smoothstep(-6.0, 6.0, altitude), sun_direction(altitude, w.sun_azimuth_angle),
                  sun_colour * sun_strength[:, None], sun_up, ambient, d * zenith + (1 - d) * NIGHT_ZENITH,
                  d * horizon + (1 - d) * NIGHT_HORIZON, low_sun * (1 - 0.9 * cloud))


def extinction_per_m(fog_density: np.ndarray | float, precipitation: np.ndarray | float) -> np.ndarray | float:
    """How fast the air fades what is behind it (1/m), from the weather's 0-100 scales: clear
    haze, fog, and some for rain. Contrast falls to 5 % (the meteorological visual range)
    after ln(20) / extinction metres past the fog's start."""
    return HAZE_PER_M + 0.05 * fog_density / 100.0 + 0.004 * precipitation / 100.0


def _fog(w: _Fields, light: _Light) -> tuple[np.ndarray, np.ndarray]:
    """Fog colour [B, 3] (grey in fog, the horizon's in clear haze, dark at night) and
    extinction [B] (1/m)."""
    density = w.fraction("fog_density")
    grey = FOG_GREY * np.minimum(1.0, light.brightness)[:, None]
    colour = light.horizon + np.minimum(1.0, 4 * density)[:, None] * (grey - light.horizon)
    return colour, extinction_per_m(w.fog_density, w.precipitation)


def _sun_pixel(camera: CameraConfig, rows: np.ndarray, sun: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the sun projects in each tile: u, v (px) and whether it is in front of the camera."""
    k = intrinsics(camera)
    cam = (rows[:, :, :3] @ sun[:, :, None])[:, :, 0]
    front = cam[:, 2] > 0.05
    z = np.where(front, cam[:, 2], 1.0)
    return k.cx_px + k.focal_px * cam[:, 0] / z, k.cy_px + k.focal_px * cam[:, 1] / z, front


def _lens(w: _Fields, time_s: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """LENS rows [B, 4]; the noise fault counts from its start time."""
    noisy = (w.sensor_fault == SENSOR_FAULTS.index("noise")) & (time_s >= w.sensor_fault_start_s)
    return np.stack([seed_bits(seed), time_s, w.fraction("lens_dirt"), noisy * w.fraction("noise_level")], -1)


LIGHTING_ROWS = ("SUN", "SUN_LIGHT", "AMBIENT", "FOG", "MISC", "SKY_ZENITH", "SKY_HORIZON", "PRECIP")
SUN_STATE = len(LIGHTING_ROWS)  # index of the (sun up, low-sun glare, 0, 0) row `lighting_rows` appends


def lighting_rows(weather: np.ndarray, inside: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """The tile rows that follow from the weather [B, len(VECTOR_FIELDS)] and the tunnel state
    (inside [B] bool, exposure gain [B]) alone, not from where the camera is or the time:
    float64 [B, len(LIGHTING_ROWS) + 1, 4], LIGHTING_ROWS in order, then SUN_STATE."""
    w = _Fields(weather)
    open_air = (~inside).astype(np.float64)
    light = _daylight(w, open_air)
    fog_colour, fog_k = _fog(w, light)
    wet = np.clip(np.maximum(w.fraction("wetness"), w.fraction("precipitation_deposits")), 0, 1)
    headlights = np.maximum(light.night, 0.08 * (1 - open_air))
    street = 0.4 * light.night * open_air + 0.3 * (1 - open_air)
    glow = 0.15 + 1.1 * np.maximum(light.night, 1 - open_air)  # vehicle lamps
    e = exposure[:, None]
    zero = np.zeros_like(exposure)
    columns = [
        np.column_stack([light.sun, exposure]),
        np.column_stack([light.sun_light * e, wet]),
        np.column_stack([light.ambient * e, w.fraction("snow")]),
        np.column_stack([fog_colour * e, fog_k]),
        np.stack([w.fog_distance * (w.fog_density > 0), 1.6 * headlights * exposure, street * exposure,
                  glow * exposure], -1),
        np.column_stack([light.zenith * e, 3.0 * light.sun_up * (1 - 0.95 * w.fraction("cloudiness")) * exposure]),
        np.column_stack([light.horizon * e, 0.22 * wet + 0.4 * w.fraction("precipitation_deposits")]),
        np.stack([w.fraction("precipitation"), 0.8 * w.fraction("wind_intensity"), w.fraction("snow"),
                  np.clip(0.25 + 0.35 * light.brightness, 0.05, 0.6) * exposure], -1),
        np.stack([light.sun_up, light.low_sun, zero, zero], -1),
    ]
    return np.stack(columns, axis=1)


def tile_rows(camera: CameraConfig, rows: np.ndarray, weather: np.ndarray, time_s: np.ndarray, seed: np.ndarray,
              lighting: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] = lighting_rows) -> np.ndarray:
    """Per-tile shader inputs: camera rows [B, 3, 4], weather [B, len(VECTOR_FIELDS)], time_s [B],
    seed [B] int64 -> float32 [B, len(TILE_ROWS), 4] (layout in TILE_ROWS). `lighting` gives
    `lighting_rows` (a renderer passes its cache of them)."""
    w = _Fields(weather)
    inside, exposure = tunnel_exposure(w.tunnel_entry_s, w.tunnel_exit_s, time_s)
    lit = lighting(weather, inside, exposure)
    sun, sun_up, low_sun = lit[:, LIGHTING_ROWS.index("SUN"), :3], lit[:, SUN_STATE, 0], lit[:, SUN_STATE, 1]
    u, v, front = _sun_pixel(camera, rows, sun)
    out = np.empty((len(rows), len(TILE_ROWS), 4), dtype=np.float32)
    out[:, :3] = rows
    out[:, [ROW[name] for name in LIGHTING_ROWS]] = lit[:, :SUN_STATE]
    out[:, ROW["LENS"]] = _lens(w, time_s, seed)
    out[:, ROW["GLARE"]] = np.stack([u, v, low_sun * front, inside + 2 * front * (sun_up > 0)], -1)
    return out


def surface_variant(rows: np.ndarray) -> np.ndarray:
    """int [B]: the surface shader variant each tile needs, from tile rows [B, len(TILE_ROWS), 4]:
    0 plain, 1 WET_SHEEN (a wet road's sheen only), 2 POINT_LIGHTS (headlights, street or
    tunnel lights, and the sheen)."""
    misc, horizon = rows[:, ROW["MISC"]], rows[:, ROW["SKY_HORIZON"]]
    lamps = (misc[:, 1] > 0) | (misc[:, 2] > 0)
    return np.where(lamps, 2, (horizon[:, 3] > 0).astype(np.int64))


def headlight_in_camera(camera: CameraConfig) -> tuple[np.ndarray, np.ndarray]:
    """Position (m) and unit direction of the ego's headlights in the camera frame. Both are
    fixed by the mount, so every tile shares them."""
    pitch, yaw = np.radians(camera.pitch_deg), np.radians(camera.yaw_deg)
    rotation = np.array([[np.sin(yaw), -np.cos(yaw), 0.0],
                         [np.sin(pitch) * np.cos(yaw), np.sin(pitch) * np.sin(yaw), -np.cos(pitch)],
                         [np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch)]])
    mount = np.array([camera.mount_x_m, camera.mount_y_m, camera.mount_z_m])
    dip = np.radians(HEADLIGHT_DIP_DEG)
    return rotation @ (HEADLIGHT_EGO_M - mount), rotation @ np.array([np.cos(dip), 0.0, -np.sin(dip)])


def in_tunnel(rows: np.ndarray) -> np.ndarray:
    """bool [B]: tiles whose camera is inside a tunnel, from tile rows [B, len(TILE_ROWS), 4]."""
    return rows[:, ROW["GLARE"], 3].astype(np.int64) % 2 == 1


def sun_in_view(rows: np.ndarray) -> np.ndarray:
    """bool [B]: tiles whose camera faces a risen sun (it may still be off the image's edge)."""
    return rows[:, ROW["GLARE"], 3] >= 2
