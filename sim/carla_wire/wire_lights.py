"""The traffic lights of the wire server's map as CARLA's traffic-light actors: one per
signalled lane (`place_signals`), on its pole, with CARLA's timing controls.

Each light runs its own fixed cycle (green, yellow, red) from the map's phase. `set_state`
restarts the cycle at that state now; `freeze` stops the light's clock (and `unfreeze` starts
it again where it stopped); the group (the lights of one junction) resets to the map's phases.
A vehicle is at a light while its centre is in the light's trigger volume: a box over the
lane, TRIGGER_LENGTH_M long, ending at the stop line (where CARLA's towns put theirs), which
is also the actor's bounding box, as in CARLA.

States here are ours (sim.traffic_lights: GREEN 0, YELLOW 1, RED 2); CARLA's are the reverse
(`carla_state`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.traffic_lights import GREEN, RED, YELLOW, PlacedSignal

TRIGGER_LENGTH_M = 6.0


def carla_state(state: int) -> int:
    """Ours (GREEN 0, YELLOW 1, RED 2) <-> carla.TrafficLightState (Red 0, Yellow 1, Green 2)."""
    return 2 - state


@dataclass
class WireLight:
    """One light: its actor id, the placed signal, its cycle (s) and, while frozen, the time
    its clock stopped."""

    actor_id: int
    placed: PlacedSignal
    green_s: float
    yellow_s: float
    red_s: float
    offset_s: float
    frozen_at_s: float | None = None

    @staticmethod
    def of(actor_id: int, placed: PlacedSignal) -> "WireLight":
        return WireLight(actor_id, placed, *placed.phase)

    @property
    def lane_heading_rad(self) -> float:
        return self.placed.facing_rad - math.pi

    @property
    def pole_yaw_rad(self) -> float:
        """The actor's yaw: its x axis runs across the road, from the pole over its lane (CARLA's
        lights measure their affected lanes along their forward vector)."""
        return self.lane_heading_rad + math.pi / 2

    def _clock_s(self, time_s: float) -> float:
        """Where the light is in its cycle (s from the start of green)."""
        now = time_s if self.frozen_at_s is None else self.frozen_at_s
        cycle = max(self.green_s + self.yellow_s + self.red_s, 1e-6)
        return (now - self.offset_s) % cycle

    def state(self, time_s: float) -> int:
        clock = self._clock_s(time_s)
        return GREEN if clock < self.green_s else YELLOW if clock < self.green_s + self.yellow_s else RED

    def elapsed_s(self, time_s: float) -> float:
        """Time spent in the current state."""
        return self._clock_s(time_s) - self._state_start_s(self.state(time_s))

    def _state_start_s(self, state: int) -> float:
        return {GREEN: 0.0, YELLOW: self.green_s, RED: self.green_s + self.yellow_s}[state]

    def set_state(self, state: int, time_s: float) -> None:
        now = time_s if self.frozen_at_s is None else self.frozen_at_s
        self.offset_s = now - self._state_start_s(state)

    def freeze(self, frozen: bool, time_s: float) -> None:
        if frozen and self.frozen_at_s is None:
            self.frozen_at_s = time_s
        elif not frozen and self.frozen_at_s is not None:
            self.offset_s += time_s - self.frozen_at_s
            self.frozen_at_s = None

    def reset(self) -> None:
        """The map's phase again, running."""
        self.green_s, self.yellow_s, self.red_s, self.offset_s = self.placed.phase
        self.frozen_at_s = None

    @cached_property
    def trigger(self) -> tuple[tuple[float, float], float, float]:
        """((x, y) m of its centre, half length along the lane, half width across it) of the
        trigger volume; asked for every vehicle every tick, and fixed with the map."""
        line = self.placed.stop_line_xy
        heading = self.lane_heading_rad
        centre = line.mean(0) - 0.5 * TRIGGER_LENGTH_M * np.array([math.cos(heading), math.sin(heading)])
        half_width = 0.5 * float(np.linalg.norm(line[1] - line[0]))
        return (float(centre[0]), float(centre[1])), 0.5 * TRIGGER_LENGTH_M, half_width

    def covers(self, x_m: float, y_m: float) -> bool:
        (cx, cy), half_length, half_width = self.trigger
        dx, dy = x_m - cx, y_m - cy
        c, s = math.cos(self.lane_heading_rad), math.sin(self.lane_heading_rad)
        return abs(c * dx + s * dy) <= half_length and abs(-s * dx + c * dy) <= half_width

    def trigger_in_actor_frame(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The trigger volume in the actor's own frame (ours: x across the road, y against the
        lane's direction): (centre x, y) m and half extents (x across, y along) m."""
        (cx, cy), half_length, half_width = self.trigger
        dx, dy = cx - self.placed.pole_xy[0], cy - self.placed.pole_xy[1]
        c, s = math.cos(self.pole_yaw_rad), math.sin(self.pole_yaw_rad)
        return (c * dx + s * dy, -s * dx + c * dy), (half_width, half_length)
