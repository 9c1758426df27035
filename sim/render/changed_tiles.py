"""Which tiles' inputs changed since the last frame: the renderer's caches (lighting rows,
background) redo their work only for those tiles."""
from __future__ import annotations

import numpy as np


class ChangedTiles:
    def __init__(self, max_batch: int, width: int):
        # per tile slot: the inputs of its last frame (NaN: none yet)
        self._seen = np.full((max_batch, width), np.nan)

    def update(self, inputs: np.ndarray) -> np.ndarray:
        """inputs [B, width] of tiles 0..B-1 -> bool [B]: changed since their last frame (or
        new); remembers them as the last frame's."""
        seen = self._seen[:len(inputs)]
        changed = np.any(inputs != seen, axis=1)  # NaN differs from everything
        seen[changed] = inputs[changed]
        return changed
