"""A road network described the way OpenDRIVE describes it: roads, lanes, links, junctions,
signals and crosswalks.

This is the single source of truth for a map. `lane_graph` derives the simulator's lanes
from it and `opendrive` writes it as .xodr, so CARLA and the embedded simulator see the same
road. Lane ids follow OpenDRIVE: negative ids lie right of the reference line and are driven
along it, positive ids lie left and are driven against it (right-hand traffic).

A `Road` holds one set of lanes. An imported OpenDRIVE road with several lane sections
becomes one `Road` per section (`source` names the file's road and section), all sharing the
file road's reference line, each covering its own stretch of it (`ref_start_m`, `ref_length_m`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.road_geometry import Geometry, length_of, offset_points, poses_at

LaneType = Literal["driving", "parking", "sidewalk", "shoulder", "biking", "median", "border", "none"]
DRIVABLE_LANE_TYPES = ("driving", "parking", "shoulder")
NO_LINK = 0  # a lane predecessor/successor that says "this lane links to nothing" (0 is never a lane)


@dataclass(frozen=True)
class Cubic:
    """a + b ds + c ds^2 + d ds^3 with ds = s - s_m: one record of an OpenDRIVE width or laneOffset."""

    s_m: float
    a: float
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0


def cubic_at(records: tuple[Cubic, ...], s_m: np.ndarray) -> np.ndarray:
    """Piecewise cubic (each record holds from its s_m to the next one's) at s_m [N] -> [N]."""
    starts = np.array([record.s_m for record in records])
    which = np.clip(np.searchsorted(starts, s_m, side="right") - 1, 0, len(records) - 1)
    coeffs = np.array([(r.a, r.b, r.c, r.d) for r in records])[which]
    ds = s_m - starts[which]
    return coeffs[:, 0] + ds * (coeffs[:, 1] + ds * (coeffs[:, 2] + ds * coeffs[:, 3]))


@dataclass(frozen=True)
class LaneSpec:
    """One lane of a road. predecessor/successor are lane ids on the linked road (NO_LINK: none).
    Left unset, the lane continues into the same id where roads join head to tail; joins head
    to head or tail to tail (where ids flip sign) must set them. width_m is the lane's width,
    or its mean width when `widths` gives it along the road (s from the road's start)."""

    id: int
    type: LaneType
    width_m: float
    speed_limit_mps: float
    predecessor: int | None = None
    successor: int | None = None
    widths: tuple[Cubic, ...] = ()

    def width_at(self, s_m: np.ndarray) -> np.ndarray:
        """Width (m) at road positions s_m [N] -> [N]."""
        if not self.widths:
            return np.full(len(s_m), self.width_m)
        return np.maximum(cubic_at(self.widths, s_m), 0.0)


@dataclass(frozen=True)
class RoadLink:
    """The element at one end of a road: another road (touching at its `contact` end) or a junction."""

    kind: Literal["road", "junction"]
    id: int
    contact: Literal["start", "end"] = "start"


@dataclass(frozen=True)
class RoadSource:
    """Where an imported road came from: the file's road id and the lane section's index."""

    road_id: str
    section: int


@dataclass
class Road:
    """A road: its reference line (segments), its lanes and its links. s runs from 0 to length_m
    along the road; it is s + ref_start_m along the segments. lane_offset shifts the lanes'
    centre line left of the reference line (OpenDRIVE laneOffset, s from the road's start)."""

    id: int
    segments: list[Geometry]
    lanes: list[LaneSpec]
    junction: int = -1
    predecessor: RoadLink | None = None
    successor: RoadLink | None = None
    ref_start_m: float = 0.0
    ref_length_m: float | None = None
    lane_offset: tuple[Cubic, ...] = ()
    source: RoadSource | None = None

    @property
    def length_m(self) -> float:
        return self.ref_length_m if self.ref_length_m is not None else length_of(self.segments)

    def lane(self, lane_id: int) -> LaneSpec:
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise KeyError(f"road {self.id} has no lane {lane_id}")

    def reference_at(self, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reference-line points at road positions s_m [N] -> xy [N, 2], hdg [N]."""
        return poses_at(self.segments, np.asarray(s_m, dtype=np.float64) + self.ref_start_m)

    def lane_borders_m(self, lane_id: int, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inner, outer) lateral offsets [N] of a lane's borders from the reference line at road
        positions s_m [N], left positive."""
        s_m = np.asarray(s_m, dtype=np.float64)
        side = 1 if lane_id > 0 else -1
        inner = cubic_at(self.lane_offset, s_m) if self.lane_offset else np.zeros(len(s_m))
        for k in range(1, abs(lane_id)):
            inner = inner + side * self.lane(side * k).width_at(s_m)
        return inner, inner + side * self.lane(lane_id).width_at(s_m)

    def lane_centre(self, lane_id: int, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centre of a lane at road positions s_m [N] -> xy [N, 2], reference heading [N]."""
        inner, outer = self.lane_borders_m(lane_id, s_m)
        xy, hdg = self.reference_at(s_m)
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
    """A fixed-time traffic light cycle: green, then yellow, then red (s); offset shifts it
    (the light turns green at offset_s, then every cycle_s)."""

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
    """A whole map. `routes` name lane sequences [(road id, lane id), ...] an ego can drive.
    An imported map keeps its file's text (`source_xodr`), which is what CARLA is given,
    `notes`: what the import simplified (one line each), and whether its file gives any speed
    limit (without one, every lane has the default, and an episode may give its own)."""

    name: str
    roads: list[Road]
    junctions: list[Junction] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    crosswalks: list[Crosswalk] = field(default_factory=list)
    routes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    source_xodr: str | None = None
    notes: tuple[str, ...] = ()
    speed_limits_given: bool = True

    def road(self, road_id: int) -> Road:
        for road in self.roads:
            if road.id == road_id:
                return road
        raise KeyError(f"map {self.name} has no road {road_id}")
