"""Plan-view geometry of a road reference line: straight lines and arcs, as in OpenDRIVE.

A reference line is a chain of `Segment`s. Everything here is plain numpy: maps are built
once, then uploaded to the torch device by `map_bank`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pose:
    """A point on the plane with a heading (m, m, rad; yaw counter-clockwise from +x)."""

    x_m: float
    y_m: float
    hdg_rad: float


@dataclass(frozen=True)
class Segment:
    """One OpenDRIVE `<geometry>`: a line (curvature 0) or an arc of constant curvature."""

    start: Pose
    length_m: float
    curvature_1pm: float = 0.0

    def poses_at(self, ds_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points at arc lengths ds_m [N] from the segment start -> x [N], y [N], hdg [N]."""
        ds_m = np.asarray(ds_m, dtype=np.float64)
        x0, y0, h0 = self.start.x_m, self.start.y_m, self.start.hdg_rad
        k = self.curvature_1pm
        if abs(k) < 1e-12:
            return x0 + ds_m * np.cos(h0), y0 + ds_m * np.sin(h0), np.full_like(ds_m, h0)
        hdg = h0 + k * ds_m
        x = x0 + (np.sin(hdg) - np.sin(h0)) / k
        y = y0 - (np.cos(hdg) - np.cos(h0)) / k
        return x, y, hdg

    @property
    def end(self) -> Pose:
        x, y, h = self.poses_at(np.array([self.length_m]))
        return Pose(float(x[0]), float(y[0]), float(h[0]))


def chain(start: Pose, pieces: list[tuple[float, float]]) -> list[Segment]:
    """Segments laid end to end from `start`; pieces are (length_m, curvature_1pm)."""
    segments = []
    pose = start
    for length_m, curvature in pieces:
        segment = Segment(pose, length_m, curvature)
        segments.append(segment)
        pose = segment.end
    return segments


def chain_ending_at(end: Pose, pieces: list[tuple[float, float]]) -> list[Segment]:
    """Segments laid end to end so that the last one ends exactly at `end`.

    Built by walking the pieces backwards (a reversed arc has the opposite curvature).
    """
    reverse = Pose(end.x_m, end.y_m, end.hdg_rad + np.pi)
    walked = chain(reverse, [(length, -k) for length, k in reversed(pieces)])
    start = walked[-1].end
    return chain(Pose(start.x_m, start.y_m, start.hdg_rad - np.pi), pieces)


def length_of(segments: list[Segment]) -> float:
    return float(sum(segment.length_m for segment in segments))


def sample(segments: list[Segment], step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample a reference line every ~step_m, ends included -> s [N], xy [N, 2], hdg [N]."""
    total = length_of(segments)
    count = max(2, int(np.ceil(total / step_m)) + 1)
    s = np.linspace(0.0, total, count)
    return (s, *poses_at(segments, s))


def poses_at(segments: list[Segment], s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference-line points at arc lengths s_m [N] -> xy [N, 2], hdg [N]."""
    starts = np.cumsum([0.0] + [segment.length_m for segment in segments[:-1]])
    which = np.clip(np.searchsorted(starts, s_m, side="right") - 1, 0, len(segments) - 1)
    xy = np.zeros((len(s_m), 2))
    hdg = np.zeros(len(s_m))
    for i, segment in enumerate(segments):
        mask = which == i
        if mask.any():
            x, y, h = segment.poses_at(s_m[mask] - starts[i])
            xy[mask, 0], xy[mask, 1], hdg[mask] = x, y, h
    return xy, hdg


def offset_points(xy: np.ndarray, hdg: np.ndarray, t_m: float) -> np.ndarray:
    """Points shifted t_m to the left of the heading (negative t: right) -> [N, 2]."""
    normal = np.stack([-np.sin(hdg), np.cos(hdg)], axis=-1)
    return xy + t_m * normal
