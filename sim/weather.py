"""Weather, light and sensor conditions for the camera, validated with pydantic.

Fields named after CARLA's `carla.WeatherParameters` keep CARLA's names and ranges; the rest
(snow, lens dirt, tunnel exposure jumps, sensor faults) are ours. `PRESETS` gives common
conditions by name; `as_vector` packs one Weather into the float row the renderer reads.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SENSOR_FAULTS = ("none", "black", "frozen", "noise")


class Weather(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cloudiness: float = Field(0.0, ge=0, le=100)
    precipitation: float = Field(0.0, ge=0, le=100, description="rain intensity: streaks and drops on the lens")
    precipitation_deposits: float = Field(0.0, ge=0, le=100, description="puddles: darker, glossier road")
    wind_intensity: float = Field(0.0, ge=0, le=100, description="slants the rain streaks")
    sun_azimuth_angle: float = Field(0.0, ge=0, le=360, description="degrees, 0 = along +x")
    sun_altitude_angle: float = Field(60.0, ge=-90, le=90, description="degrees; below 0 is night")
    fog_density: float = Field(0.0, ge=0, le=100)
    fog_distance: float = Field(0.0, ge=0, le=1000, description="m where fog starts")
    fog_falloff: float = Field(0.2, ge=0, le=5, description="how fast fog thickens with height")
    wetness: float = Field(0.0, ge=0, le=100, description="water on the road surface")
    snow: float = Field(0.0, ge=0, le=100, description="falling snow and white road")
    lens_dirt: float = Field(0.0, ge=0, le=100, description="smudges on the lens")
    tunnel_entry_s: float = Field(-1.0, ge=-1, le=3600, description="time the ego enters a tunnel; -1: never")
    tunnel_exit_s: float = Field(-1.0, ge=-1, le=3600, description="time the ego leaves it; -1: never")
    sensor_fault: Literal["none", "black", "frozen", "noise"] = "none"
    sensor_fault_start_s: float = Field(0.0, ge=0, le=3600)
    noise_level: float = Field(30.0, ge=0, le=100, description="std of the noise fault, in % of full scale")


VECTOR_FIELDS = (
    "cloudiness", "precipitation", "precipitation_deposits", "wind_intensity", "sun_azimuth_angle",
    "sun_altitude_angle", "fog_density", "fog_distance", "fog_falloff", "wetness", "snow", "lens_dirt",
    "tunnel_entry_s", "tunnel_exit_s", "sensor_fault", "sensor_fault_start_s", "noise_level",
)


def as_vector(weather: Weather) -> list[float]:
    """One row of len(VECTOR_FIELDS) floats; the fault is its index in SENSOR_FAULTS."""
    row = []
    for name in VECTOR_FIELDS:
        value = getattr(weather, name)
        row.append(float(SENSOR_FAULTS.index(value)) if name == "sensor_fault" else float(value))
    return row


PRESETS: dict[str, Weather] = {
    "clear_noon": Weather(),
    "cloudy": Weather(cloudiness=80, sun_altitude_angle=45),
    "wet": Weather(cloudiness=60, wetness=80, precipitation_deposits=50),
    "rain": Weather(cloudiness=90, precipitation=60, precipitation_deposits=60, wetness=80, wind_intensity=30),
    "heavy_rain": Weather(cloudiness=100, precipitation=100, precipitation_deposits=90, wetness=100,
                          wind_intensity=60, sun_altitude_angle=30),
    "fog": Weather(cloudiness=50, fog_density=40, fog_distance=5),
    "dense_fog": Weather(cloudiness=80, fog_density=90, fog_distance=0),
    "night": Weather(sun_altitude_angle=-30),
    "low_sun": Weather(sun_altitude_angle=4, sun_azimuth_angle=0),
    "snow": Weather(cloudiness=90, snow=70, sun_altitude_angle=35),
    "lens_dirt": Weather(lens_dirt=70),
    "tunnel": Weather(tunnel_entry_s=0.5, tunnel_exit_s=6.0),
    "black_frame": Weather(sensor_fault="black"),
    "frozen_frame": Weather(sensor_fault="frozen", sensor_fault_start_s=0.5),
    "noisy_frame": Weather(sensor_fault="noise"),
}
