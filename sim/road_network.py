"""A road network described the way OpenDRIVE describes it: roads, lanes, links, junctions,
signals and crosswalks.

This is the single source of truth for a map. `lane_graph` derives the simulator's lanes
from it and `opendrive` writes it as .xodr, so CARLA and the embedded simulator see the same
road. Lane ids follow OpenDRIVE: negative ids lie right of the reference line and are driven
along it, positive ids lie left and are driven against it (right-hand traffic).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.road_geometry import Segment, length_of, offset_points, poses_at

LaneType = Literal["driving", "parking", "sidewalk", "shoulder"]
DRIVABLE_LANE_TYPES = ("driving", "parking", "shoulder")


@dataclass(frozen=True)
class LaneSpec:
    """One lane of a road. predecessor/successor are lane ids on the linked road. Left unset, the
    lane continues into the same id where roads join head to tail; joins head to head or tail
    to tail (where ids flip sign) must set them."""

    id: int
    type: LaneType
    width_m: float
    speed_limit_mps: float
    predecessor: int | None = None
    successor: int | None = None


@dataclass(frozen=True)
class RoadLink:
    """The element at one end of a road: another road (touching at its `contact` end) or a junction."""

    kind: Literal["road", "junction"]
    id: int
    contact: Literal["start", "end"] = "start"


@dataclass
class Road:
    id: int
    segments: list[Segment]
    lanes: list[LaneSpec]
    junction: int = -1
    predecessor: RoadLink | None = None
    successor: RoadLink | None = None

    @property
    def length_m(self) -> float:
        return length_of(self.segments)

    def lane(self, lane_id: int) -> LaneSpec:
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise KeyError(f"road {self.id} has no lane {lane_id}")

    def lane_offsets_m(self, lane_id: int) -> tuple[float, float]:
        """(inner, outer) lateral offsets of a lane's borders from the reference line, left positive."""
        side = 1 if lane_id > 0 else -1
        inner = 0.0
        for k in range(1, abs(lane_id)):
            inner += self.lane(side * k).width_m
        outer = inner + self.lane(lane_id).width_m
        return side * inner, side * outer

    def lane_centre(self, lane_id: int, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centre of a lane at reference s_m [N] -> xy [N, 2], reference heading [N]."""
        inner, outer = self.lane_offsets_m(lane_id)
        xy, hdg = poses_at(self.segments, s_m)
        return offset_points(xy, hdg, 0.5 * (inner + outer)), hdg


@dataclass(frozen=True)
class Connection:
    """A junction connection: from `incoming_road` into `connecting_road` at its `contact` end."""

    incoming_road: int
    connecting_road: int
    contact: Literal["start", "end"]
    lane_links: tuple[tuple[int, int], ...]


@dataclass
class Junction:
    id: int
    connections: list[Connection] = field(default_factory=list)


@dataclass(frozen=True)
class SignalPhase:
    """A fixed-time traffic light cycle: green, then yellow, then red (s); offset shifts it."""

    green_s: float
    yellow_s: float
    red_s: float
    offset_s: float = 0.0

    @property
    def cycle_s(self) -> float:
        return self.green_s + self.yellow_s + self.red_s


@dataclass(frozen=True)
class Signal:
    """A traffic light on `road` at reference position `s_m`, with its stop line across `lanes`."""

    id: int
    road: int
    s_m: float
    lanes: tuple[int, ...]
    phase: SignalPhase


@dataclass(frozen=True)
class Crosswalk:
    """A zebra crossing spanning the whole road between s_m and s_m + width_m."""

    id: int
    road: int
    s_m: float
    width_m: float


@dataclass
class RoadNetwork:
    """A whole map. `routes` name lane sequences [(road id, lane id), ...] an ego can drive."""

    name: str
    roads: list[Road]
    junctions: list[Junction] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    crosswalks: list[Crosswalk] = field(default_factory=list)
    routes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def road(self, road_id: int) -> Road:
        for road in self.roads:
            if road.id == road_id:
                return road
        raise KeyError(f"map {self.name} has no road {road_id}")
