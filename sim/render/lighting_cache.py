"""The per-tile lighting rows of the last frame, recomputed only for tiles whose weather or
tunnel state changed.

`conditions.lighting_rows` depends on a tile's weather and tunnel state alone, which change
once per episode (and while a tunnel's exposure adapts), yet the renderer asks for them every
frame; at one 800x600 camera that numpy work was a tenth of the frame.
"""
from __future__ import annotations

import numpy as np

from sim.render.conditions import LIGHTING_ROWS, lighting_rows
from sim.weather import VECTOR_FIELDS


class LightingCache:
    def __init__(self, max_batch: int):
        # per tile: the weather, in-tunnel flag and exposure its rows were computed for (NaN: never)
        self._inputs = np.full((max_batch, len(VECTOR_FIELDS) + 2), np.nan)
        self._rows = np.zeros((max_batch, len(LIGHTING_ROWS) + 1, 4))

    def __call__(self, weather: np.ndarray, inside: np.ndarray, exposure: np.ndarray) -> np.ndarray:
        """`conditions.lighting_rows(weather, inside, exposure)` for tiles 0..B-1."""
        batch = len(weather)
        inputs = np.concatenate([weather, inside[:, None], exposure[:, None]], axis=1)
        stale = np.any(inputs != self._inputs[:batch], axis=1)  # NaN differs from everything
        if stale.any():
            self._rows[:batch][stale] = lighting_rows(weather[stale], inside[stale], exposure[stale])
            self._inputs[:batch][stale] = inputs[stale]
        return self._rows[:batch]
