"""Plan-view geometry of a road reference line, as in OpenDRIVE: lines and arcs (`Segment`),
spirals (`Spiral`, curvature changing linearly) and cubic curves (`ParamPoly3`, which also
stands for OpenDRIVE's `poly3`).

A reference line is a chain of these pieces (`Geometry`). Everything here is plain numpy:
maps are built once, then uploaded to the torch device by `map_bank`. Spirals are evaluated
with scipy's Fresnel integrals; cubic curves through a dense arc-length table, since their
parameter is not their arc length. scipy is imported where a spiral is first evaluated: it
takes a third of a second, and listing families or maps does not need it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

TABLE_STEP_M = 0.02  # arc-length table spacing of cubic curves: position error far below 1 mm


@dataclass(frozen=True)
class Pose:
    """A point on the plane with a heading (m, m, rad; yaw counter-clockwise from +x)."""

    x_m: float
    y_m: float
    hdg_rad: float


class _Piece:
    """What every reference-line piece derives from its `poses_at` and `length_m`."""

    @property
    def end(self) -> Pose:
        x, y, h = self.poses_at(np.array([self.length_m]))
        return Pose(float(x[0]), float(y[0]), float(h[0]))


@dataclass(frozen=True)
class Segment(_Piece):
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
    def max_curvature_1pm(self) -> float:
        return abs(self.curvature_1pm)


class Geometry(Protocol):
    """One piece of a reference line, starting at `start` and `length_m` long."""

    start: Pose
    length_m: float

    def poses_at(self, ds_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points at arc lengths ds_m [N] from the piece's start -> x [N], y [N], hdg [N]."""

    @property
    def end(self) -> Pose: ...

    @property
    def max_curvature_1pm(self) -> float: ...


@dataclass(frozen=True)
class Spiral(_Piece):
    """An Euler spiral (clothoid): curvature goes linearly from curv_start to curv_end (1/m)."""

    start: Pose
    length_m: float
    curv_start_1pm: float
    curv_end_1pm: float

    def poses_at(self, ds_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = np.asarray(ds_m, dtype=np.float64)
        k0 = self.curv_start_1pm
        rate = (self.curv_end_1pm - k0) / self.length_m
        x0, y0, h0 = self.start.x_m, self.start.y_m, self.start.hdg_rad
        hdg = h0 + k0 * s + 0.5 * rate * s ** 2
        if abs(rate) < 1e-10:  # a near-arc: the clothoid term moves points by < 1e-5 m over 100 m
            x, y, _ = Segment(self.start, self.length_m, k0 + 0.5 * rate * self.length_m).poses_at(s)
            return x, y, hdg
        # h(s) = phi + sign * pi/2 * u(s)^2 with u = (s + k0/rate) * sqrt(|rate| / pi).
        from scipy.special import fresnel

        sign = np.sign(rate)
        scale = np.sqrt(np.pi / abs(rate))
        phi = h0 - k0 ** 2 / (2 * rate)
        sin_u, cos_u = fresnel((s + k0 / rate) / scale)
        sin_0, cos_0 = fresnel((k0 / rate) / scale)
        dc, ds = cos_u - cos_0, sin_u - sin_0
        x = x0 + scale * (np.cos(phi) * dc - sign * np.sin(phi) * ds)
        y = y0 + scale * (np.sin(phi) * dc + sign * np.cos(phi) * ds)
        return x, y, hdg

    @property
    def max_curvature_1pm(self) -> float:
        return max(abs(self.curv_start_1pm), abs(self.curv_end_1pm))


@dataclass(frozen=True)
class ParamPoly3(_Piece):
    """A cubic curve in the frame of its start pose: u(p) = aU + bU p + cU p^2 + dU p^3 along the
    start heading, v(p) likewise to its left, p in [0, p_end]. OpenDRIVE's paramPoly3 has
    p_end = length_m (pRange arcLength) or 1 (normalized); its poly3 is u = p, v = poly(p),
    p_end = length_m. Points are placed by arc length along the curve, as CARLA does."""

    start: Pose
    length_m: float
    u_coeffs: tuple[float, float, float, float]
    v_coeffs: tuple[float, float, float, float]
    p_end: float

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """(arc length [K], parameter p [K]) over p in [0, p_end]."""
        count = max(64, int(np.ceil(self.length_m / TABLE_STEP_M)) + 1)
        p = np.linspace(0.0, self.p_end, count)
        speed = np.hypot(_derivative(self.u_coeffs, p), _derivative(self.v_coeffs, p))
        return np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]) * np.diff(p))]), p

    def poses_at(self, ds_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arc, p_table = self._table
        p = np.interp(np.asarray(ds_m, dtype=np.float64), arc, p_table)
        u, v = np.polyval(self.u_coeffs[::-1], p), np.polyval(self.v_coeffs[::-1], p)
        tangent = np.arctan2(_derivative(self.v_coeffs, p), _derivative(self.u_coeffs, p))
        c, s = np.cos(self.start.hdg_rad), np.sin(self.start.hdg_rad)
        return self.start.x_m + c * u - s * v, self.start.y_m + s * u + c * v, self.start.hdg_rad + tangent

    @property
    def max_curvature_1pm(self) -> float:
        _, p = self._table
        du, dv = _derivative(self.u_coeffs, p), _derivative(self.v_coeffs, p)
        ddu = 2 * self.u_coeffs[2] + 6 * self.u_coeffs[3] * p
        ddv = 2 * self.v_coeffs[2] + 6 * self.v_coeffs[3] * p
        curvature = np.abs(du * ddv - dv * ddu) / np.maximum(np.hypot(du, dv) ** 3, 1e-12)
        return float(curvature.max())


def _derivative(coeffs: tuple[float, float, float, float], p: np.ndarray) -> np.ndarray:
    return coeffs[1] + 2 * coeffs[2] * p + 3 * coeffs[3] * p ** 2


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


def length_of(segments: list[Geometry]) -> float:
    return float(sum(segment.length_m for segment in segments))


def poses_at(segments: list[Geometry], s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def offset_points(xy: np.ndarray, hdg: np.ndarray, t_m: float | np.ndarray) -> np.ndarray:
    """Points shifted t_m (a number or [N]) to the left of the heading (negative t: right) -> [N, 2]."""
    normal = np.stack([-np.sin(hdg), np.cos(hdg)], axis=-1)
    return xy + np.asarray(t_m, dtype=np.float64)[..., None] * normal
