"""Traffic lights: where their stop lines and poles stand, and their state at a given time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sim.lane_graph import LaneGraph

GREEN, YELLOW, RED = 0, 1, 2


@dataclass(frozen=True)
class PlacedSignal:
    """A signal laid out in the world: the stop line across one lane and the pole beside it.

    stop_line_xy [2, 2]: the line's two ends (m). pole_xy [2]: the pole (m), facing yaw
    `facing_rad` (towards approaching traffic). lane: the lane index it controls, stop_s_m
    the stop line's position along that lane. signal: the map's signal id; junction: the
    junction its lane leads into (-1: none), whose signals form its group.
    """

    signal: int
    junction: int
    lane: int
    stop_s_m: float
    stop_line_xy: np.ndarray
    pole_xy: np.ndarray
    facing_rad: float
    phase: tuple[float, float, float, float]


def place_signals(graph: LaneGraph) -> list[PlacedSignal]:
    """One PlacedSignal per controlled lane of every signal of the map, in signal order."""
    placed = []
    for signal in graph.network.signals:
        road = graph.network.road(signal.road)
        for lane_id in signal.lanes:
            ahead = road.successor if lane_id < 0 else road.predecessor
            junction = ahead.id if ahead is not None and ahead.kind == "junction" else -1
            lane = graph.lanes[graph.index_of[(signal.road, lane_id)]]
            stop_s = signal.s_m if lane_id < 0 else road.length_m - signal.s_m
            k = int(np.clip(np.searchsorted(lane.s_m, stop_s), 0, len(lane.s_m) - 1))
            centre, hdg = lane.centre_xy[k], lane.heading_rad[k]
            right = np.array([np.sin(hdg), -np.cos(hdg)])
            half = 0.5 * lane.width_m
            phase = signal.phase
            placed.append(PlacedSignal(
                signal=signal.id, junction=junction, lane=lane.index, stop_s_m=float(lane.s_m[k]),
                stop_line_xy=np.stack([centre - half * right, centre + half * right]),
                pole_xy=centre + (half + 0.8) * right, facing_rad=float(hdg + np.pi),
                phase=(phase.green_s, phase.yellow_s, phase.red_s, phase.offset_s)))
    return placed


def light_states(phase: torch.Tensor, time_s: torch.Tensor) -> torch.Tensor:
    """States (GREEN/YELLOW/RED) of lights with phases [..., S, 4] (green, yellow, red, offset s)
    at episode times time_s [...] -> int64 [..., S]."""
    green, yellow, red, offset = phase.unbind(-1)
    cycle = green + yellow + red
    t_in_cycle = torch.remainder(time_s.unsqueeze(-1) - offset, cycle.clamp_min(1e-6))
    state = torch.full_like(t_in_cycle, RED, dtype=torch.int64)
    state = torch.where(t_in_cycle < green + yellow, torch.full_like(state, YELLOW), state)
    return torch.where(t_in_cycle < green, torch.full_like(state, GREEN), state)
