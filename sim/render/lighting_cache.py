"""The per-tile lighting rows of the last frame, recomputed only for tiles whose weather or
tunnel state changed.

`conditions.lighting_rows` depends on a tile's weather and tunnel state alone, which change
once per episode (and while a tunnel's exposure adapts), yet the renderer asks for them every
frame; at one 800x600 camera that numpy work was a tenth of the frame.
"""
from __future__ import annotations

import numpy as np

from sim.render.changed_tiles import ChangedTiles
from sim.render.conditions import LIGHTING_ROWS, lighting_rows
from sim.weather import VECTOR_FIELDS


class LightingCache:
    def __init__(self, max_batch: int):
        self._changed = ChangedTiles(max_batch, len(VECTOR_FIELDS) + 2)  # weather, in tunnel, exposure
        self._rows = np.zeros((max_batch, len(LIGHTING_ROWS) + 1, 4))

    def __call__(self, weather: np.ndarray, inside: np.ndarray, exposure: np.ndarray) -> np.ndarray:
        """`conditions.lighting_rows(weather, inside, exposure)` for tiles 0..B-1."""
        batch = len(weather)
        stale = self._changed.update(np.concatenate([weather, inside[:, None], exposure[:, None]], axis=1))
        if stale.any():
            self._rows[:batch][stale] = lighting_rows(weather[stale], inside[stale], exposure[stale])
        return self._rows[:batch]
