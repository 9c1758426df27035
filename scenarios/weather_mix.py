"""Weather and light as a parameter of every family: a joint distribution over conditions.

The shares are rough naturalistic frequencies of driving time; where no source pins them down
they are marked assumed, and every estimate that uses them says so.
"""
from __future__ import annotations

from sim.weather import PRESETS, Weather
from scenarios.parameters import Categorical

CONDITION_PRESET = {
    "clear": "clear_noon", "rain": "rain", "fog": "fog", "night": "night", "low_sun": "low_sun",
    "tunnel": "tunnel", "snow": "snow", "lens_dirt": "lens_dirt",
}

CONDITION = Categorical(
    "condition",
    values=tuple(CONDITION_PRESET),
    probs=(0.60, 0.10, 0.02, 0.20, 0.04, 0.01, 0.02, 0.01),
    source="assumed: shares of driving time; night ~20-25% of US vehicle-km (NHTSA FARS notes), "
           "fog ~3% of weather crashes (FHWA); the rest assumed",
)


def condition_weather(condition: str) -> Weather:
    return PRESETS[CONDITION_PRESET[condition]]
