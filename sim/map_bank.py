"""All map templates (and the imported maps a run names) as padded torch tensors, so B
episodes on different maps step together.

Lanes of every map are concatenated: lane index L is global. A lookup raster per template
(lane index under each 0.5 m cell, -1 off the road) answers "which lane is this point on" with
one gather; the rasters are stored flat, one after another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import torch

from sim.lane_graph import LaneGraph, build_lane_graph
from sim.map_catalog import load_map
from sim.map_templates import TEMPLATES
from sim.road_network import DRIVABLE_LANE_TYPES
from sim.traffic_lights import place_signals

GRID_RES_M = 0.5
GRID_MARGIN_M = 10.0
LANE_TYPE_CODES = {"driving": 0, "parking": 1, "shoulder": 2, "sidewalk": 3, "biking": 4, "median": 5, "border": 6}


@dataclass
class MapBank:
    """Tensors on one device. T templates, L lanes in all, P points per lane (padded), S signals.

    lane_xy [L, P, 2], lane_s [L, P], lane_heading [L, P], lane_curvature [L, P] (1/m, left
        positive): centrelines in driving direction, padded by repeating the last point (so
        lane_s stays sorted).
    lane_length_m, lane_width_m (mean over the lane), lane_speed_limit_mps [L]; lane_type [L] (LANE_TYPE_CODES);
    lane_drivable [L] bool (a vehicle may drive there: not a sidewalk);
    lane_successor [L] (first successor or -1), lane_left / lane_right [L] (-1: none),
    lane_left_same_direction [L] bool, lane_in_junction [L] bool.
    grid_flat [sum of H*W] int32: lane index per cell, -1 off the road; per template
        grid_offset [T], grid_shape [T, 2] (rows, cols), grid_origin [T, 2] (x, y of cell (0, 0)).
    signal_lane [T, S], signal_stop_s [T, S], signal_phase [T, S, 4] (green, yellow, red,
        offset s), signal_line [T, S, 2, 2] (stop line ends), signal_heading [T, S] (lane
        direction at the line), signal_count [T]; padding lanes are -1.
    speed_limits_given [T] bool: the map's file gives speed limits (else its lanes have the default).
    """

    names: list[str]
    graphs: list[LaneGraph]
    lane_base: list[int]
    lane_xy: torch.Tensor
    lane_s: torch.Tensor
    lane_heading: torch.Tensor
    lane_curvature: torch.Tensor
    lane_length_m: torch.Tensor
    lane_width_m: torch.Tensor
    lane_speed_limit_mps: torch.Tensor
    lane_type: torch.Tensor
    lane_drivable: torch.Tensor
    lane_successor: torch.Tensor
    lane_left: torch.Tensor
    lane_right: torch.Tensor
    lane_left_same_direction: torch.Tensor
    lane_in_junction: torch.Tensor
    grid_flat: torch.Tensor
    grid_offset: torch.Tensor
    grid_shape: torch.Tensor
    grid_origin: torch.Tensor
    signal_lane: torch.Tensor
    signal_stop_s: torch.Tensor
    signal_phase: torch.Tensor
    signal_line: torch.Tensor
    signal_heading: torch.Tensor
    signal_count: torch.Tensor
    speed_limits_given: torch.Tensor

    def template_index(self, name: str) -> int:
        if name not in self.names:
            raise KeyError(f"map {name!r} is not in this world; it holds {', '.join(self.names)} "
                           "(imported maps are named in WorldConfig.maps)")
        return self.names.index(name)

    def lane_at(self, template: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
        """Global lane index under points xy [..., 2] on maps template [...] -> int64 [...], -1 off road."""
        origin = self.grid_origin[template]
        shape = self.grid_shape[template]
        col = torch.floor((xy[..., 0] - origin[..., 0]) / GRID_RES_M).long()
        row = torch.floor((xy[..., 1] - origin[..., 1]) / GRID_RES_M).long()
        inside = (col >= 0) & (row >= 0) & (col < shape[..., 1]) & (row < shape[..., 0])
        flat = self.grid_offset[template] + row.clamp_min(0) * shape[..., 1] + col.clamp_min(0)
        flat = torch.where(inside, flat, torch.zeros_like(flat))
        lane = self.grid_flat[flat].long()
        return torch.where(inside, lane, torch.full_like(lane, -1))

    def drivable_at(self, template: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
        """Whether points xy [..., 2] on maps template [...] lie on a drivable lane -> bool [...]."""
        lane = self.lane_at(template, xy)
        return (lane >= 0) & self.lane_drivable[lane.clamp_min(0)]


def _lane_polygon(lane) -> np.ndarray:
    normal = np.stack([-np.sin(lane.heading_rad), np.cos(lane.heading_rad)], axis=-1)
    half_width_m = 0.5 * lane.widths_m[:, None]
    left = lane.centre_xy + half_width_m * normal
    right = lane.centre_xy - half_width_m * normal
    return np.concatenate([left, right[::-1]])


def _curvature(lane) -> np.ndarray:
    turn = np.diff(np.unwrap(lane.heading_rad)) / np.maximum(np.diff(lane.s_m), 1e-6)
    return np.concatenate([turn, turn[-1:]])


def _raster(graph: LaneGraph, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Lane-index raster of one map: drivable lanes after the others, so a cell any of them
    covers is road (a sidewalk that a turning lane crosses, or the edge of a road flattened onto
    another that passes under it), and among each, junction lanes first, so plain lanes win
    where they overlap."""
    points = np.concatenate([lane.centre_xy for lane in graph.lanes])
    lo = points.min(axis=0) - GRID_MARGIN_M
    hi = points.max(axis=0) + GRID_MARGIN_M
    cols, rows = np.ceil((hi - lo) / GRID_RES_M).astype(int)
    grid = np.full((rows, cols), -1, dtype=np.int32)
    shift = 4  # cv2 sub-pixel bits: polygon corners kept to 1/16 of a cell
    for lane in sorted(graph.lanes, key=lambda lane: (lane.type in DRIVABLE_LANE_TYPES, not lane.in_junction)):
        cells = (_lane_polygon(lane) - lo) / GRID_RES_M - 0.5
        cv2.fillPoly(grid, [np.round(cells * (1 << shift)).astype(np.int32)], int(base + lane.index),
                     shift=shift)
    return grid, lo


def build_map_bank(device: torch.device | str = "cpu", maps: Sequence[str] = ()) -> MapBank:
    """The templates, then `maps` (names or .xodr paths, see `map_catalog`) not among them."""
    names = list(TEMPLATES) + [name for name in dict.fromkeys(maps) if name not in TEMPLATES]
    graphs = [build_lane_graph(load_map(name)) for name in names]
    lanes = [lane for graph in graphs for lane in graph.lanes]
    lane_base = list(np.cumsum([0] + [len(g.lanes) for g in graphs[:-1]]))
    points = max(len(lane.s_m) for lane in lanes)

    def padded(values: list[np.ndarray]) -> np.ndarray:
        return np.stack([np.concatenate([v, np.repeat(v[-1:], points - len(v), axis=0)]) for v in values])

    def global_index(graph_base: int, local: int) -> int:
        return graph_base + local if local >= 0 else -1

    grids, origins = zip(*[_raster(g, base) for g, base in zip(graphs, lane_base)])
    placed = [place_signals(g) for g in graphs]
    max_signals = max(1, max(len(p) for p in placed))
    signal_lane = np.full((len(graphs), max_signals), -1)
    signal_stop_s = np.zeros((len(graphs), max_signals))
    signal_phase = np.ones((len(graphs), max_signals, 4))
    signal_line = np.zeros((len(graphs), max_signals, 2, 2))
    signal_heading = np.zeros((len(graphs), max_signals))
    for t, signals in enumerate(placed):
        for k, signal in enumerate(signals):
            signal_lane[t, k] = lane_base[t] + signal.lane
            signal_stop_s[t, k] = signal.stop_s_m
            signal_phase[t, k] = signal.phase
            signal_line[t, k] = signal.stop_line_xy
            signal_heading[t, k] = signal.facing_rad - np.pi
    bases = [b for g, b in zip(graphs, lane_base) for _ in g.lanes]

    def tensor(values, dtype=torch.float32) -> torch.Tensor:
        return torch.as_tensor(np.asarray(values), dtype=dtype, device=device)

    return MapBank(
        names=names, graphs=graphs, lane_base=[int(b) for b in lane_base],
        lane_xy=tensor(padded([lane.centre_xy for lane in lanes])),
        lane_s=tensor(padded([lane.s_m for lane in lanes])),
        lane_heading=tensor(padded([lane.heading_rad for lane in lanes])),
        lane_curvature=tensor(padded([_curvature(lane) for lane in lanes])),
        lane_length_m=tensor([lane.length_m for lane in lanes]),
        lane_width_m=tensor([lane.width_m for lane in lanes]),
        lane_speed_limit_mps=tensor([lane.speed_limit_mps for lane in lanes]),
        lane_type=tensor([LANE_TYPE_CODES[lane.type] for lane in lanes], torch.int64),
        lane_drivable=tensor([lane.type in DRIVABLE_LANE_TYPES for lane in lanes], torch.bool),
        lane_successor=tensor([global_index(b, lane.successors[0] if lane.successors else -1)
                               for lane, b in zip(lanes, bases)], torch.int64),
        lane_left=tensor([global_index(b, lane.left) for lane, b in zip(lanes, bases)], torch.int64),
        lane_right=tensor([global_index(b, lane.right) for lane, b in zip(lanes, bases)], torch.int64),
        lane_left_same_direction=tensor([lane.left_same_direction for lane in lanes], torch.bool),
        lane_in_junction=tensor([lane.in_junction for lane in lanes], torch.bool),
        grid_flat=tensor(np.concatenate([g.ravel() for g in grids]), torch.int32),
        grid_offset=tensor(np.cumsum([0] + [g.size for g in grids[:-1]]), torch.int64),
        grid_shape=tensor([g.shape for g in grids], torch.int64),
        grid_origin=tensor(origins),
        signal_lane=tensor(signal_lane, torch.int64),
        signal_stop_s=tensor(signal_stop_s),
        signal_phase=tensor(signal_phase),
        signal_line=tensor(signal_line),
        signal_heading=tensor(signal_heading),
        signal_count=tensor([len(p) for p in placed], torch.int64),
        speed_limits_given=tensor([g.network.speed_limits_given for g in graphs], torch.bool),
    )
