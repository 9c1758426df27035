"""Where each of the B camera tiles sits in the one shared framebuffer, and how the single
readback of that framebuffer becomes frames [B, H, W, 3].

Tiles fill a column first (tile b is in row b % rows, column b // rows): with one column the
readback is already in frame order and turning it into frames needs no transpose. Rows count
from the bottom of the framebuffer as OpenGL does; since the projection puts image row 0 at
the lowest framebuffer row, the readback's first row is the top of the first image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

MAX_FRAMEBUFFER_PX = 16384


@dataclass(frozen=True)
class TileLayout:
    """rows x cols tiles of width x height pixels."""

    width: int
    height: int
    rows: int
    cols: int

    @property
    def size(self) -> tuple[int, int]:
        """Framebuffer (width, height) in pixels."""
        return self.cols * self.width, self.rows * self.height

    def used(self, batch: int) -> tuple[int, int]:
        """(rows, cols) of the framebuffer that hold tiles 0..batch-1."""
        return min(batch, self.rows), math.ceil(batch / self.rows)

    def frames(self, readback: np.ndarray, batch: int, conversion: int = cv2.COLOR_RGBA2RGB) -> torch.Tensor:
        """Readback uint8 [rows_used * H, cols_used * W, 4] (RGBA) -> new uint8 tensor
        [batch, H, W, C]: C = 3 (RGB) by default, 4 for cv2.COLOR_RGBA2BGRA."""
        rows, cols = self.used(batch)
        # cv2 converts ~30x faster than a strided torch copy, into a new array, so the
        # frames do not alias the readback buffer the next batch reuses.
        pixels = torch.from_numpy(cv2.cvtColor(readback, conversion))
        channels = pixels.shape[-1]
        tiles = pixels.view(rows, self.height, cols, self.width, channels).permute(2, 0, 1, 3, 4)
        return tiles.reshape(rows * cols, self.height, self.width, channels)[:batch]


def tile_layout(width: int, height: int, max_batch: int) -> TileLayout:
    """As few columns as the framebuffer's height limit allows; ValueError if B tiles cannot fit."""
    rows = min(max_batch, MAX_FRAMEBUFFER_PX // height)
    cols = math.ceil(max_batch / rows)
    if cols * width > MAX_FRAMEBUFFER_PX:
        raise ValueError(f"{max_batch} tiles of {width}x{height} do not fit a {MAX_FRAMEBUFFER_PX}px framebuffer; "
                         f"render fewer at a time")
    return TileLayout(width, height, rows, cols)
