"""Weather across the CARLA boundary: our `Weather` <-> the 14 floats of carla.WeatherParameters.

The ten fields we share keep CARLA's names and meaning and cross as they are (clamped to our
ranges); CARLA's light-scattering and dust fields have no counterpart here and cross at
CARLA's defaults. Ours that CARLA lacks (snow, lens dirt, tunnels, sensor faults) cannot
cross: `untranslatable` names them so a run can say so.
"""
from __future__ import annotations

import math

from sim.weather import Weather

CARLA_FIELDS = ("cloudiness", "precipitation", "precipitation_deposits", "wind_intensity", "sun_azimuth_angle",
                "sun_altitude_angle", "fog_density", "fog_distance", "fog_falloff", "wetness",
                "scattering_intensity", "mie_scattering_scale", "rayleigh_scattering_scale", "dust_storm")
CARLA_DEFAULTS = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.03, 0.0331, 0.0)
SHARED = CARLA_FIELDS[:10]
OURS_ONLY = ("snow", "lens_dirt", "tunnel_entry_s", "tunnel_exit_s", "sensor_fault")


def to_carla(weather: Weather) -> tuple[float, ...]:
    """The 14 WeatherParameters values, in CARLA's field order."""
    return tuple(float(getattr(weather, name)) for name in SHARED) + CARLA_DEFAULTS[10:]


def from_carla(values: list[float] | tuple[float, ...]) -> Weather:
    """A Weather from 14 WeatherParameters values; out-of-range values are clamped."""
    shared = dict(zip(SHARED, values[:10]))
    shared["sun_azimuth_angle"] = math.fmod(shared["sun_azimuth_angle"], 360.0) % 360.0
    for name, number in shared.items():
        low, high = _bounds(name)
        shared[name] = min(max(float(number), low), high)
    return Weather(**shared)


def untranslatable(weather: Weather) -> list[str]:
    """Our fields set away from their defaults that CARLA cannot show."""
    default = Weather()
    return [name for name in OURS_ONLY if getattr(weather, name) != getattr(default, name)]


def _bounds(name: str) -> tuple[float, float]:
    meta = Weather.model_fields[name].metadata
    low = next(m.ge for m in meta if hasattr(m, "ge"))
    high = next(m.le for m in meta if hasattr(m, "le"))
    return float(low), float(high)
