"""The camera stack's bird's-eye grid in the ego frame: where each cell is, and which cell a
point falls in. Occupancy and drivable area are predicted on it and the planner reads it.

Row 0 is the far edge (ROWS * ROW_M ahead), the ego sits below the last row, facing up;
column 0 is the left edge (y = +COLS * COL_M / 2). x forward, y left, metres.
"""
from __future__ import annotations

import torch

ROWS, ROW_M = 32, 1.5
COLS, COL_M = 32, 1.0
OCCUPANCY_TIMES_S = (0.0, 1.0, 2.0, 3.0)
AHEAD_M, HALF_WIDTH_M = ROWS * ROW_M, COLS * COL_M / 2


def cell_centres(device: torch.device | str = "cpu") -> torch.Tensor:
    """Ego-frame centres [ROWS * COLS, 2] of the cells, row-major."""
    x = (ROWS - torch.arange(ROWS, device=device) - 0.5) * ROW_M
    y = HALF_WIDTH_M - (torch.arange(COLS, device=device) + 0.5) * COL_M
    return torch.stack(torch.meshgrid(x, y, indexing="ij"), -1).reshape(-1, 2)


def cell_index(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Ego-frame points [..., 2] -> flat cell index [...] (clamped) and whether the point lies
    on the grid [...]."""
    row = torch.floor(ROWS - points[..., 0] / ROW_M)
    col = torch.floor((HALF_WIDTH_M - points[..., 1]) / COL_M)
    inside = (row >= 0) & (row < ROWS) & (col >= 0) & (col < COLS)
    flat = row.clamp(0, ROWS - 1) * COLS + col.clamp(0, COLS - 1)
    return flat.long(), inside
