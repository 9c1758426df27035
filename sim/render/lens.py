"""Which tiles get which lens and sensor overlay this batch, and where the raindrops sit.

Overlays are drawn only over the tiles that need them (a clear-weather tile pays nothing for
rain it does not have). Raindrops are placed by the same integer hash as the shaders use, of
the tile's seed, the drop's number and its lifetime slot, so they are deterministic.
"""
from __future__ import annotations

import numpy as np

from sim.render.conditions import ROW
from sim.weather import SENSOR_FAULTS, VECTOR_FIELDS

OVERLAYS = ("precipitation", "glare", "dirt", "noise", "black")
MAX_DROPS = 9
DROP_LIFE_S = 3.0
DROP_RADIUS = (0.05, 0.11)  # in tile heights


def hash_u32(x: np.ndarray) -> np.ndarray:
    """lowbias32 on uint32 arrays (the shaders' hash_u)."""
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def _unit(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint32(8)).astype(np.float64) / 16777216.0


def overlay_tiles(weather: np.ndarray, time_s: np.ndarray, tile_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Tile indices (int64) that need each overlay in OVERLAYS. tile_rows from `conditions.tile_rows`."""
    fault = weather[:, VECTOR_FIELDS.index("sensor_fault")]
    faulty = time_s >= weather[:, VECTOR_FIELDS.index("sensor_fault_start_s")]
    black = faulty & (fault == SENSOR_FAULTS.index("black"))
    precip = tile_rows[:, ROW["PRECIP"]]
    # Everything drawn under a black frame would be wasted work.
    seen = ~black
    wanted = {
        "precipitation": seen & ((precip[:, 0] > 0) | (precip[:, 2] > 0)),
        "glare": seen & (tile_rows[:, ROW["GLARE"], 2] > 0.01),
        "dirt": seen & (tile_rows[:, ROW["LENS"], 2] > 0),
        "noise": seen & (tile_rows[:, ROW["LENS"], 3] > 0),
        "black": black,
    }
    return {name: np.flatnonzero(mask) for name, mask in wanted.items()}


def raindrops(tile_rows: np.ndarray, width_px: int, height_px: int) -> np.ndarray:
    """Drops on the lens of raining tiles -> float32 [n, 4]: tile, centre u, v (px), radius (px).
    More rain, more drops; each drop lives DROP_LIFE_S at a place, then moves on."""
    rain = tile_rows[:, ROW["PRECIP"], 0]
    count = np.round(rain * MAX_DROPS).astype(np.int64)
    tile = np.repeat(np.arange(len(rain)), count)
    number = (np.arange(len(tile)) - np.repeat(np.cumsum(count) - count, count)).astype(np.uint32)
    seed = tile_rows[tile, ROW["LENS"], 0].astype(np.uint32)
    time = tile_rows[tile, ROW["LENS"], 1].astype(np.float64)
    phase = _unit(hash_u32(number * np.uint32(7919) + np.uint32(1)))
    slot = np.floor(time / DROP_LIFE_S + phase).astype(np.int64).astype(np.uint32)
    h = hash_u32(seed ^ hash_u32(number ^ hash_u32(slot)))
    radius = DROP_RADIUS[0] + (DROP_RADIUS[1] - DROP_RADIUS[0]) * _unit(hash_u32(h + np.uint32(1)))
    return np.column_stack([tile, _unit(h) * width_px, _unit(hash_u32(h)) * height_px,
                            radius * height_px]).astype(np.float32)
